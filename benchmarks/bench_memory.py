"""Peak memory of W5, two ways, because no one tool sees every implementation's allocations.

* ``tracemalloc`` (in this process) counts Python objects and NumPy's array buffers, which NumPy
  reports to it — so it measures hand-written NumPy and tinygrad_edu, but not PyTorch, whose
  tensors come from its own C++ allocator.
* The growth of the peak resident set size (``VmHWM`` on Linux, else ``ru_maxrss``) while one
  run of W5 executes in a fresh subprocess sees everything, PyTorch included, but also counts
  page-level effects (allocator caches, thread stacks). The peak is reset just before the run
  where Linux allows it (``/proc/self/clear_refs``); otherwise it may include import-time peaks.

Run as a script, this module is that subprocess: ``bench_memory.py IMPL [--quick] [--threads N]``
prints one JSON line.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import subprocess
import sys
import tracemalloc
from pathlib import Path
from typing import Any

import bench_data as data
from bench_harness import Go, Libs, Workload
from bench_mlp import w5

METHOD = (
    "tracemalloc: peak of Python/NumPy allocations during one run, in the benchmark process "
    "(blind to PyTorch's allocator). max-RSS growth: peak resident memory during one run minus "
    "resident memory just before it, each implementation in its own fresh subprocess."
)


def tracemalloc_peak(prepare: Any) -> int:
    """Bytes allocated at the peak of one ``go()``, above what was allocated before it."""
    go: Go = prepare()
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        go()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak - base


def _rss_kib() -> tuple[int, int, bool]:
    """(current RSS, peak RSS) in KiB, and whether they came from /proc."""
    try:
        fields = dict(
            line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines()
        )
        return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0]), True
    except (OSError, KeyError, ValueError):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        peak //= 1024 if sys.platform == "darwin" else 1  # bytes on macOS, KiB on Linux
        return peak, peak, False


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def rss_growth_here(prepare: Any) -> dict[str, Any]:
    """Peak RSS during one ``go()`` minus RSS just before it, in this process."""
    go: Go = prepare()
    gc.collect()
    reset = _reset_peak()
    before, _, _ = _rss_kib()
    go()
    _, peak, from_proc = _rss_kib()
    return {"rss_growth_bytes": max(peak - before, 0) * 1024, "peak_reset": reset and from_proc}


def rss_growth_subprocess(
    impl: str, quick: bool, threads: int, timeout: float = 300
) -> dict[str, Any]:
    """Run this module for ``impl`` in a fresh interpreter and read its JSON line."""
    cmd = [sys.executable, str(Path(__file__).resolve()), impl, "--threads", str(threads)]
    if quick:
        cmd.append("--quick")
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {"rss_note": f"subprocess failed: {last}"}
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def measure(wl: Workload, quick: bool, threads: int, rss: bool = True) -> dict[str, Any]:
    """Both measurements for every implementation of the (already checked) W5 workload."""
    out: dict[str, Any] = {"method": METHOD, "implementations": {}}
    for impl in wl.impls:
        rec: dict[str, Any] = {}
        if impl.name == "pytorch":
            rec["tracemalloc_note"] = "not visible to tracemalloc"
        else:
            rec["tracemalloc_peak_bytes"] = tracemalloc_peak(impl.prepare)
        if rss:
            rec.update(rss_growth_subprocess(impl.name, quick, threads))
        else:
            rec["rss_note"] = "not measured (--no-rss)"
        out["implementations"][impl.name] = rec
    return out


def main(argv: list[str] | None = None) -> int:
    """Subprocess entry point: one run of W5 for one implementation, report RSS growth."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("impl")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    libs = Libs.find(exclude=("micrograd",) if args.impl == "pytorch" else ("micrograd", "pytorch"))
    wl = w5(data.Sizes.quick() if args.quick else data.Sizes.full(), libs)
    impls = {impl.name: impl for impl in wl.impls}
    if args.impl not in impls:
        print(json.dumps({"rss_note": f"{args.impl} is not available here"}))
        return 0
    from bench_report import same_threads

    with same_threads(args.threads, libs):
        print(json.dumps(rss_growth_here(impls[args.impl].prepare)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
