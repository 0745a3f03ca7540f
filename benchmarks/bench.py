"""Benchmark tinygrad_edu against hand-written NumPy, PyTorch (CPU) and micrograd.

Usage::

    python benchmarks/bench.py [--quick] [--only W1,W3] [--repeats N] [--out DIR]
                               [--threads N] [--without pytorch,micrograd] [--profile W1,W2,W6]
                               [--scaling | --no-scaling]

Every workload is done by each implementation once and checked against the hand-written NumPy
result (a mismatch is reported and makes the exit status 1); the implementations that agree are
then timed in one process, interleaved round-robin. Results go to ``DIR/results.md`` and
``DIR/results.json`` (default ``bench-results/``), with the scaling table of ``bench_scaling``
(cost per op as a chain grows to a million ops) unless ``--only`` or ``--no-scaling`` leaves it
out. See ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # imported from elsewhere (the tests): find the sibling modules
    sys.path.insert(0, str(HERE))

import bench_data as data  # noqa: E402
import bench_memory  # noqa: E402
import bench_report  # noqa: E402
import bench_scaling  # noqa: E402
from bench_conv import w7  # noqa: E402
from bench_harness import Libs, Workload, run_workload  # noqa: E402
from bench_mlp import w4, w5  # noqa: E402
from bench_profile import profile_framework  # noqa: E402
from bench_regression import w3  # noqa: E402
from bench_small import w1, w2, w6  # noqa: E402

Builder = Callable[[data.Sizes, Libs], list[Workload]]
BUILDERS: dict[str, Builder] = {
    "W1": lambda s, libs: [w1(s, libs)],
    "W2": lambda s, libs: [w2(s, libs)],
    "W3": w3,
    "W4": lambda s, libs: [w4(s, libs)],
    "W5": lambda s, libs: [w5(s, libs)],
    "W6": lambda s, libs: [w6(s, libs)],
    "W7": lambda s, libs: [w7(s, libs)],
}
#: every workload key, sub-workloads included (W3 is W3b, W3s and W3m).
ALL_KEYS = ("W1", "W2", "W3b", "W3s", "W3m", "W4", "W5", "W6", "W7")


def _keys(text: str) -> list[str]:
    keys = [k.strip().upper().replace("W3B", "W3b").replace("W3S", "W3s").replace("W3M", "W3m")
            for k in text.split(",") if k.strip()]  # fmt: skip
    for k in keys:
        if k not in BUILDERS and k not in ALL_KEYS:
            raise argparse.ArgumentTypeError(
                f"unknown workload {k!r}; choose from {', '.join(ALL_KEYS)} (W3 = all three)"
            )
    return keys


def _names(text: str) -> list[str]:
    names = [n.strip().lower() for n in text.split(",") if n.strip()]
    for n in names:
        if n not in ("pytorch", "micrograd"):
            raise argparse.ArgumentTypeError(f"--without takes pytorch and/or micrograd, not {n!r}")
    return names


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a few seconds in all")
    parser.add_argument("--only", type=_keys, default=None, help="e.g. W1,W3 (W3s alone works)")
    parser.add_argument("--repeats", type=int, default=None, help="timed runs (default 7; quick 3)")
    parser.add_argument("--out", type=Path, default=Path("bench-results"), help="output directory")
    parser.add_argument("--threads", type=int, default=None, help="threads (default: BLAS's)")
    parser.add_argument("--without", type=_names, default=[], help="skip pytorch and/or micrograd")
    parser.add_argument("--no-rss", action="store_true", help="W5 memory: tracemalloc only")
    parser.add_argument("--profile", type=_keys, default=[], help="cProfile tinygrad_edu on these")
    parser.add_argument(
        "--scaling",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="the cost-per-op scaling table up to 1M ops (default: on, unless --only is given)",
    )
    args = parser.parse_args(argv)
    if args.repeats is not None and args.repeats < 1:
        parser.error(f"--repeats must be ≥ 1, got {args.repeats}")
    if args.threads is not None and args.threads < 1:
        parser.error(f"--threads must be ≥ 1, got {args.threads}")
    return args


def _wanted(key: str, only: list[str] | None) -> bool:
    return only is None or key in only or key[:2] in only


def build(sizes: data.Sizes, libs: Libs, only: list[str] | None) -> list[Workload]:
    """The selected workloads, in order."""
    selected = [k for k in BUILDERS if only is None or any(o[:2] == k for o in only)]
    return [wl for k in selected for wl in BUILDERS[k](sizes, libs) if _wanted(wl.key, only)]


def _load() -> float | None:
    """The 1-minute load average, where the OS reports one."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


def _run(
    workloads: list[Workload],
    sizes: data.Sizes,
    libs: Libs,
    args: argparse.Namespace,
    repeats: int,
    threads: int,
) -> tuple[dict[str, Any], dict[str, Any] | None, dict[str, str]]:
    """Check and time every workload; measure W5's memory; profile what was asked."""
    records: dict[str, Any] = {}
    memory: dict[str, Any] | None = None
    for wl in workloads:
        t0 = time.perf_counter()
        outcomes = run_workload(wl, repeats)
        records[wl.key] = rec = bench_report.workload_record(wl, outcomes)
        summary = ", ".join(
            f"{n} {r['ratio']:.2f}×" if r["status"] == "ok" else f"{n} {r['status']}"
            for n, r in rec["implementations"].items()
        )
        print(f"{wl.key}: {summary}  [{time.perf_counter() - t0:.1f} s]", flush=True)
        if wl.key == "W5" and rec["implementations"]["tinygrad_edu"]["status"] == "ok":
            memory = bench_memory.measure(wl, args.quick, threads, rss=not args.no_rss)
    profiles = {wl.key: profile_framework(wl) for wl in build(sizes, libs, args.profile or [])}
    return records, memory, profiles


def _scaling(args: argparse.Namespace, repeats: int) -> dict[str, Any] | None:
    """The scaling table, if asked for (by default whenever every workload runs)."""
    wanted = args.scaling if args.scaling is not None else args.only is None
    if not wanted:
        return None
    sizes = bench_scaling.QUICK_SIZES if args.quick else bench_scaling.FULL_SIZES
    return bench_scaling.scaling(sizes, min(repeats, 3))


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 when every implementation agreed with NumPy, else 1."""
    args = parse_args(argv)
    started = time.perf_counter()
    load_start = _load()
    sizes = data.Sizes.quick() if args.quick else data.Sizes.full()
    repeats = args.repeats or (3 if args.quick else 7)
    libs = Libs.find(exclude=tuple(args.without))
    for name, reason in libs.missing.items():
        print(f"note: {name} skipped: {reason}")
    workloads = build(sizes, libs, args.only)
    # Long-lived objects (PyTorch's modules, the data) leave the cyclic garbage collector's view
    # once, here, so the collections the harness runs between timed runs stay cheap.
    gc.collect()
    gc.freeze()
    try:
        with bench_report.same_threads(args.threads, libs) as threads:
            print(bench_report.thread_sentence(threads))
            records, memory, profiles = _run(
                workloads, sizes, libs, args, repeats, threads["threads"]
            )
            scaling = _scaling(args, repeats)
    finally:
        gc.unfreeze()
    report: dict[str, Any] = {
        "machine": bench_report.machine_info(libs),
        "threads": threads,
        "settings": {
            "mode": "quick" if args.quick else "full",
            "repeats": repeats,
            "interleaved": True,
            "seconds": round(time.perf_counter() - started, 1),
            "load_average_1min": (
                None if load_start is None else {"start": load_start, "end": _load()}
            ),
        },
        "skipped": libs.missing,
        "workloads": records,
        "memory": memory,
        "scaling": scaling,
        "profiles": profiles,
    }
    js, md = bench_report.write(report, args.out)
    print(f"wrote {md} and {js} in {report['settings']['seconds']} s")
    mismatches = [
        f"{k} {n}"
        for k, rec in records.items()
        for n, r in rec["implementations"].items()
        if r["status"] == "MISMATCH"
    ]
    if mismatches:
        print(f"ERROR: results differ from hand-written NumPy: {', '.join(mismatches)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
