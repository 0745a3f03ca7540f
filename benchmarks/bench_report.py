"""What the benchmark writes: the machine, the thread settings, and the results as Markdown/JSON."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any

import bench_scaling
import numpy as np
from bench_harness import FRAMEWORKS, REFERENCE, ImplOutcome, Libs, Workload

LABELS = {"numpy": "NumPy", "tinygrad_edu": "tinygrad_edu", "pytorch": "PyTorch",
          "micrograd": "micrograd", "tinygrad_edu compiled": "tinygrad_edu compiled",
          "bare graph engine": "bare graph engine",
          "bare tape engine": "bare tape engine"}  # fmt: skip
THREAD_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


# ------------------------------------------------------------------------------------ machine
def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _git_commit() -> str | None:
    here = Path(__file__).resolve().parent
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=here, capture_output=True, text=True
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=here,
            capture_output=True,
            text=True,
        )
    except OSError:
        return None
    if head.returncode != 0:
        return None
    return head.stdout.strip() + (" (uncommitted changes)" if dirty.stdout.strip() else "")


def machine_info(libs: Libs) -> dict[str, Any]:
    """CPU model, core count, OS, Python and library versions, the commit measured."""
    return {
        "cpu": _cpu_model(),
        "logical_cpus": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "torch": getattr(libs.torch, "__version__", None),
        "micrograd": _version("micrograd") if libs.Value is not None else None,
        "tinygrad_edu": _version("tinygrad_edu"),
        "commit": _git_commit(),
    }


# ------------------------------------------------------------------------------------ threads
@contextmanager
def same_threads(requested: int | None, libs: Libs) -> Iterator[dict[str, Any]]:
    """Give NumPy's BLAS and PyTorch the same number of threads for the whole run.

    The count is ``requested`` or else what NumPy's BLAS uses now. With threadpoolctl the BLAS
    (and any OpenMP runtime) is limited for the duration; without it NumPy's threads cannot be
    changed at run time and are read from the environment variables. PyTorch's intra-op thread
    count is set to match and restored afterwards.
    """
    env = {k: os.environ.get(k) for k in THREAD_ENV}
    torch = libs.torch
    torch_before = torch.get_num_threads() if torch is not None else None
    try:
        from threadpoolctl import threadpool_info, threadpool_limits
    except ImportError:
        guess = next((int(v) for v in env.values() if v and v.isdigit()), os.cpu_count() or 1)
        threads = requested or guess
        info: dict[str, Any] = {"method": "environment variables (threadpoolctl not installed)"}
        limiter: Any = None
    else:
        blas = [p for p in threadpool_info() if p.get("user_api") == "blas"]
        threads = requested or max((int(p["num_threads"]) for p in blas), default=1)
        info = {"method": "threadpoolctl"}
        limiter = threadpool_limits(limits=threads)
    try:
        if torch is not None:
            torch.set_num_threads(threads)
        info.update(threads=threads, env=env)
        if limiter is not None:
            keys = ("user_api", "internal_api", "prefix", "version", "num_threads")
            info["pools"] = [{k: p.get(k) for k in keys} for p in threadpool_info()]
        if torch is not None:
            info["torch_num_threads"] = torch.get_num_threads()
            info["torch_interop_threads"] = torch.get_num_interop_threads()
        yield info
    finally:
        if limiter is not None:
            limiter.restore_original_limits()
        if torch is not None:
            torch.set_num_threads(torch_before)


def thread_sentence(info: dict[str, Any]) -> str:
    pools = ", ".join(
        sorted({f"{p['prefix']} {p['num_threads']}" for p in info.get("pools", [])})
    ) or ", ".join(f"{k}={v}" for k, v in info["env"].items())
    torch = (
        f"; PyTorch set to {info['torch_num_threads']} intra-op threads"
        if "torch_num_threads" in info
        else ""
    )
    return (
        f"{info['threads']} thread(s) for every implementation, via {info['method']} "
        f"({pools}){torch}. micrograd and the Python-level code are single-threaded."
    )


# ------------------------------------------------------------------------------------ results
def fmt_time(seconds: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def workload_record(wl: Workload, outcomes: list[ImplOutcome]) -> dict[str, Any]:
    """One workload's JSON record: every implementation's times, ratio and check."""
    impls: dict[str, Any] = {}
    by_name = {o.name: o for o in outcomes}
    ref = by_name[REFERENCE].stats() if by_name[REFERENCE].timed else None
    for o in outcomes:
        rec: dict[str, Any] = {"status": o.status, "check": o.check}
        if o.timed:
            stats = o.stats()
            rec.update(stats, times_s=o.times)
            rec["per_iteration_s"] = stats["median_s"] / wl.iterations
            if wl.ops:
                rec["per_op_s"] = rec["per_iteration_s"] / wl.ops
            rec["ratio"] = stats["median_s"] / ref["median_s"] if ref else None
            rec["ratio_of_minima"] = stats["min_s"] / ref["min_s"] if ref else None
        impls[o.name] = rec
    tge = impls.get("tinygrad_edu", {})
    ratio = tge.get("ratio")
    return {
        "title": wl.title,
        "target": wl.target,
        "ops_per_iteration": wl.ops,
        "iterations": wl.iterations,
        "tolerance_rel": wl.rtol,
        "notes": wl.notes,
        "checks_ran": all(rec["check"] for rec in impls.values() if rec["status"] == "ok"),
        "implementations": impls,
        "tinygrad_edu_pass": None if ratio is None else bool(ratio <= wl.target),
    }


def _ratio_cell(rec: dict[str, Any] | None) -> str:
    if rec is None:
        return "—"
    if rec["status"].startswith("skipped"):
        return "skipped"
    if rec["status"] != "ok":
        return str(rec["status"])
    return f"{rec['ratio']:.2f}×"


def _numpy_cell(wl: dict[str, Any]) -> str:
    rec = wl["implementations"][REFERENCE]
    if wl["iterations"] == 1 and not wl["ops_per_iteration"]:
        return fmt_time(rec["median_s"])
    text = fmt_time(rec["median_s"])
    if wl["iterations"] > 1:
        text = f"{fmt_time(rec['per_iteration_s'])}/iter"
    if wl["ops_per_iteration"]:
        text += f" ({fmt_time(rec['per_op_s'])}/op)"
    return text


def markdown(report: dict[str, Any]) -> str:
    """The human-readable results: summary table, details, memory, settings, notes."""
    m, wls = report["machine"], report["workloads"]
    lines = [
        "# tinygrad_edu benchmark results",
        "",
        f"- Machine: {m['cpu']}, {m['logical_cpus']} logical CPUs; {m['platform']}",
        f"- Python {m['python']}, numpy {m['numpy']}, torch {m['torch'] or 'not installed'}, "
        f"micrograd {m['micrograd'] or 'not installed'}, tinygrad_edu {m['tinygrad_edu']} "
        f"(commit {m['commit'] or 'unknown'})",
        f"- Threads: {thread_sentence(report['threads'])}",
        f"- Mode: {report['settings']['mode']}, {report['settings']['repeats']} timed runs per "
        "implementation, interleaved round-robin after one checked warm-up run; times are medians.",
        *load_lines(report["settings"].get("load_average_1min"), m["logical_cpus"]),
        "",
        "## Summary (ratio = median time ÷ hand-written NumPy's; lower is faster)",
        "",
        "| workload | NumPy time | tinygrad_edu ratio | compiled ratio | PyTorch ratio "
        "| micrograd ratio | target | tinygrad_edu |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for key, wl in wls.items():
        im = wl["implementations"]
        verdict = {True: "pass", False: "FAIL", None: im["tinygrad_edu"]["status"]}
        cells = [_ratio_cell(im.get(n)) for n in FRAMEWORKS[1:]]  # (the bare engines: below)
        lines.append(
            f"| {key} {wl['title']} | {_numpy_cell(wl)} | {' | '.join(cells)} "
            f"| ≤ {wl['target']:g}× | {verdict[wl['tinygrad_edu_pass']]} |"
        )
    lines += [
        "",
        "## Details",
        "",
        "| workload | implementation | median | IQR | min | per op | ratio | ratio of minima "
        "| equality check |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for key, wl in wls.items():
        for name, rec in wl["implementations"].items():
            if rec["status"] == "ok":
                iqr = fmt_time(rec["q3_s"] - rec["q1_s"])
                per_op = fmt_time(rec["per_op_s"]) if "per_op_s" in rec else "—"
                row = f"{fmt_time(rec['median_s'])} | {iqr} | {fmt_time(rec['min_s'])} | "
                row += f"{per_op} | {rec['ratio']:.2f}× | {rec['ratio_of_minima']:.2f}×"
            else:
                row = f"— | — | — | — | {rec['status']} | —"
            lines.append(f"| {key} | {LABELS[name]} | {row} | {rec['check'] or '—'} |")
    if report.get("memory"):
        lines += ["", "## Peak memory, W5", "", *memory_lines(report["memory"])]
    if report.get("scaling"):
        scaling = report["scaling"]
        lines += ["", "## Cost per op as the graph grows (W6-style chain)", ""]
        lines += [*bench_scaling.markdown(scaling), "", scaling["method"] + "."]
    notes = [f"{k}: {n}" for k, wl in wls.items() for n in wl["notes"]]
    notes += [f"{LABELS[k]}: {v}" for k, v in report["skipped"].items()]
    lines += ["", "## Notes", "", *(f"- {n}" for n in notes)]
    if report.get("profiles"):
        lines += ["", "## Profiles (tinygrad_edu, by tottime)", ""]
        for key, text in report["profiles"].items():
            lines += [f"### {key}", "", "```", text.rstrip(), "```", ""]
    return "\n".join(lines).rstrip() + "\n"


def load_lines(load: dict[str, float] | None, cpus: int | None) -> list[str]:
    """The 1-minute load average around the run, with a warning if the machine was busy."""
    if not load:
        return []
    text = f"- Load average (1 min): {load['start']:.2f} at start, {load['end']:.2f} at the end"
    if load["start"] > 0.5:
        text += (
            f" — **other processes were using the {cpus} CPUs**: interleaving spreads their "
            "noise over all implementations, but PyTorch's OpenMP threads suffer most from "
            "competing for cores; prefer a quiet machine (or --threads 1) for numbers to keep"
        )
    return [text]


def memory_lines(mem: dict[str, Any]) -> list[str]:
    lines = [
        "| implementation | tracemalloc peak (in process) | max-RSS growth (own process) |",
        "|---|---|---|",
    ]
    for name, rec in mem["implementations"].items():
        tm = rec.get("tracemalloc_peak_bytes")
        rss = rec.get("rss_growth_bytes")
        tm_cell = f"{tm / 2**20:.1f} MiB" if tm is not None else rec.get("tracemalloc_note", "—")
        rss_cell = f"{rss / 2**20:.1f} MiB" if rss is not None else rec.get("rss_note", "—")
        lines.append(f"| {LABELS[name]} | {tm_cell} | {rss_cell} |")
    return [*lines, "", mem["method"]]


def write(report: dict[str, Any], out: Path) -> tuple[Path, Path]:
    """Write ``results.json`` and ``results.md`` into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    js, md = out / "results.json", out / "results.md"
    js.write_text(json.dumps(report, indent=1, default=float) + "\n", encoding="utf-8")
    md.write_text(markdown(report), encoding="utf-8")
    return js, md
