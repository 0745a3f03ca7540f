"""Write the speed tables of README.md and docs/benchmarks.md from benchmark results.

Usage::

    python benchmarks/bench_tables.py RESULTS.json [MORE.json ...]

The first file gives the main table (every implementation it holds gets a column, in the order
NumPy, tinygrad_edu and its variants, then the others) and the scaling table; every further file
(a run with another ``--threads``) adds its ratios to a second table, one column per
implementation and run. Each table replaces the text between its two markers in both documents
(``<!-- bench:results -->`` … ``<!-- /bench:results -->``, likewise ``bench:threads``,
``bench:scaling`` and ``bench:floor``: the eager engine beside ``bench_floor``'s bare engines).
``make bench-docs`` runs the benchmark with 2 and with 1 thread and then this.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import bench_scaling  # noqa: E402
from bench_data import COMPILED_TARGETS  # noqa: E402
from bench_harness import BARE_ENGINES  # noqa: E402

ROOT = HERE.parent
DOCUMENTS = (ROOT / "README.md", ROOT / "docs" / "benchmarks.md")
LABELS = {"numpy": "NumPy", "tinygrad_edu": "tinygrad_edu", "pytorch": "PyTorch CPU",
          "micrograd": "micrograd", "tinygrad_edu compiled": "tinygrad_edu compiled"}  # fmt: skip
FRAMEWORK = "tinygrad_edu"
COMPILED = "tinygrad_edu compiled"
#: the measuring instruments of ``bench_floor``: in their own table, not beside the frameworks.
BARE = BARE_ENGINES


def implementations(report: dict[str, Any]) -> list[str]:
    """Every framework in the report except NumPy: tinygrad_edu's first, then the rest."""
    seen: list[str] = []
    for wl in report["workloads"].values():
        seen += [n for n in wl["implementations"] if n not in ("numpy", *BARE, *seen)]
    ours = [n for n in seen if n.startswith(FRAMEWORK)]
    return ours + [n for n in seen if n not in ours]


def label(name: str) -> str:
    return LABELS.get(name, name)


def _fmt_time(seconds: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def _numpy_time(wl: dict[str, Any]) -> str:
    rec = wl["implementations"]["numpy"]
    if rec["status"] != "ok":
        return str(rec["status"])
    if wl["iterations"] > 1:
        text = f"{_fmt_time(rec['per_iteration_s'])}/iter"
    else:
        text = _fmt_time(rec["median_s"])
    if wl["ops_per_iteration"]:
        text += f" ({_fmt_time(rec['per_op_s'])}/op)"
    return text


def _target(key: str, wl: dict[str, Any], name: str) -> float | None:
    """The ratio ``name`` should reach on this workload: eager's, the compiled step's, or None."""
    if name == FRAMEWORK:
        return float(wl["target"])
    return COMPILED_TARGETS.get(key) if name == COMPILED else None


def _cell(key: str, wl: dict[str, Any], name: str, bold: bool) -> str:
    rec = wl["implementations"].get(name)
    if rec is None:
        return "—"
    if rec["status"] != "ok":
        return "skipped" if rec["status"].startswith("skipped") else str(rec["status"])
    text = f"{rec['ratio']:.2f}×"
    target = _target(key, wl, name)
    if name == FRAMEWORK and bold:
        text = f"**{text}**"
    if target is not None:
        text += " ✓" if rec["ratio"] <= target else " ✗"
    return text


def _targets_cell(key: str, wl: dict[str, Any], names: list[str]) -> str:
    text = f"≤ {wl['target']:g}×"
    if COMPILED in names and key in COMPILED_TARGETS:
        text += f" (compiled ≤ {COMPILED_TARGETS[key]:g}×)"
    return text


def _ahead(wl: dict[str, Any]) -> bool | None:
    """Whether tinygrad_edu is faster than PyTorch on this workload (None: not both timed)."""
    im = wl["implementations"]
    ours, torch = im.get(FRAMEWORK, {}), im.get("pytorch", {})
    if ours.get("status") != "ok" or torch.get("status") != "ok":
        return None
    return bool(ours["ratio"] < torch["ratio"])


def _threads(report: dict[str, Any]) -> int:
    return int(report["threads"]["threads"])


def _conditions(report: dict[str, Any]) -> str:
    m, s = report["machine"], report["settings"]
    load = s.get("load_average_1min") or {}
    load_text = (
        f"load average {load['start']:.2f} at the start and {load['end']:.2f} at the end "
        f"on {m['logical_cpus']} CPUs"
        if load
        else "load average not available"
    )
    return (
        f"Measured with `benchmarks/bench.py` ({s['mode']}, {s['repeats']} timed runs per "
        f"implementation, interleaved) at commit `{m['commit'] or 'unknown'}` on {m['cpu']}: "
        f"Python {m['python']}, NumPy {m['numpy']}, PyTorch {m['torch'] or 'not installed'}, "
        f"micrograd {m['micrograd'] or 'not installed'}; {_threads(report)} thread(s) for every "
        f"implementation; {load_text}."
    )


def results_table(report: dict[str, Any]) -> list[str]:
    """The main table: NumPy's time, every implementation's ratio, the target, and a verdict."""
    names = implementations(report)
    lines = [
        "| workload | hand-written NumPy | "
        + " | ".join(label(n) for n in names)
        + " | target for tinygrad_edu |",
        "|---|---|" + "---|" * len(names) + "---|",
    ]
    met, missed, behind = [], [], []
    compiled_met, compiled_missed = [], []
    for key, wl in report["workloads"].items():
        cells = [_cell(key, wl, n, bold=True) for n in names]
        lines.append(
            f"| {key} {wl['title']} | {_numpy_time(wl)} | {' | '.join(cells)} "
            f"| {_targets_cell(key, wl, names)} |"
        )
        passed = wl.get("tinygrad_edu_pass")
        if passed is not None:
            (met if passed else missed).append(key)
        rec, target = wl["implementations"].get(COMPILED), COMPILED_TARGETS.get(key)
        if rec is not None and rec["status"] == "ok" and target is not None:
            (compiled_met if rec["ratio"] <= target else compiled_missed).append(key)
        if _ahead(wl) is False:
            behind.append(key)
    verdict = (
        f"Targets met (✓): {', '.join(met) or 'none'}; not met (✗): {', '.join(missed) or 'none'}."
    )
    if compiled_met or compiled_missed:
        verdict += (
            f" Compiled-step targets met: {', '.join(compiled_met) or 'none'}; not met: "
            f"{', '.join(compiled_missed) or 'none'}."
        )
    verdict += (
        f" Behind PyTorch on: {', '.join(behind)}."
        if behind
        else " tinygrad_edu is ahead of PyTorch on every workload where both ran."
    )
    return [*lines, "", _conditions(report), verdict]


def threads_table(reports: list[dict[str, Any]]) -> list[str]:
    """Ratios of every implementation in every run, side by side (one run per thread count)."""
    columns = [(r, n) for r in reports for n in implementations(r) if not n.startswith("micrograd")]
    header = " | ".join(f"{label(n)}, {_threads(r)} thread(s)" for r, n in columns)
    lines = ["| workload | " + header + " |", "|---|" + "---|" * len(columns)]
    for key in reports[0]["workloads"]:
        cells = []
        for r, n in columns:
            wl = r["workloads"].get(key)
            cells.append(_cell(key, wl, n, bold=False) if wl is not None else "—")
        lines.append(f"| {key} | {' | '.join(cells)} |")
    loads = "; ".join(
        f"{_threads(r)} thread(s): load average {r['settings']['load_average_1min']['start']:.2f}"
        for r in reports
        if r["settings"].get("load_average_1min")
    )
    behind = [
        f"{key} ({_threads(r)} thread(s))"
        for r in reports
        for key, wl in r["workloads"].items()
        if _ahead(wl) is False
    ]
    ahead = (
        f"Behind PyTorch on: {', '.join(behind)}." if behind else "Ahead of PyTorch in every run."
    )
    return [*lines, "", f"One run per thread count, same machine ({loads}). {ahead}"]


def floor_table(report: dict[str, Any]) -> list[str]:
    """tinygrad_edu's eager ratios beside the bare engines', where they ran, and what that says."""
    rows = [
        (key, wl)
        for key, wl in report["workloads"].items()
        if any(n in wl["implementations"] for n in BARE)
    ]
    if not rows:
        return ["(this run had no bare engines: run W1, W3s or W6)"]
    lines = [
        "| workload | tinygrad_edu | bare graph engine | bare tape engine "
        "| target for tinygrad_edu |",
        "|---|---|---|---|---|",
    ]
    out_of_reach, within_reach = [], []
    for key, wl in rows:
        cells = [_cell(key, wl, n, bold=n == FRAMEWORK) for n in (FRAMEWORK, *BARE)]
        lines.append(f"| {key} {wl['title']} | {' | '.join(cells)} | ≤ {wl['target']:g}× |")
        graph = wl["implementations"].get(BARE[0], {})
        if graph.get("status") == "ok":
            verdict = f"{key} ({graph['ratio']:.2f}×)"
            (within_reach if graph["ratio"] <= wl["target"] else out_of_reach).append(verdict)
    summary = (
        "The bare graph engine — this design with nothing else — misses the target on: "
        f"{', '.join(out_of_reach) or 'none'}; it meets it on: {', '.join(within_reach) or 'none'}."
    )
    return [*lines, "", _conditions(report), summary]


def scaling_table(report: dict[str, Any]) -> list[str]:
    record = report.get("scaling")
    if not record:
        return ["(this run had no scaling table: run without --only, or with --scaling)"]
    return [*bench_scaling.markdown(record), "", record["method"] + "."]


def replace_between(text: str, name: str, lines: list[str]) -> str:
    """``text`` with what stands between the markers of ``name`` replaced by ``lines``."""
    pattern = re.compile(rf"(<!-- bench:{name} -->\n).*?(<!-- /bench:{name} -->)", re.DOTALL)
    if not pattern.search(text):
        raise ValueError(f"no <!-- bench:{name} --> … <!-- /bench:{name} --> markers found")
    body = "\n".join(lines)
    return pattern.sub(lambda m: f"{m.group(1)}\n{body}\n\n{m.group(2)}", text, count=1)


def write_tables(reports: list[dict[str, Any]], documents: tuple[Path, ...] = DOCUMENTS) -> None:
    """Rewrite the three tables in every document that has their markers."""
    tables = {
        "results": results_table(reports[0]),
        "threads": threads_table(reports),
        "scaling": scaling_table(reports[0]),
        "floor": floor_table(reports[0]),
    }
    for path in documents:
        text = path.read_text(encoding="utf-8")
        for name, lines in tables.items():
            if f"<!-- bench:{name} -->" in text:
                text = replace_between(text, name, lines)
        path.write_text(text, encoding="utf-8")
        print(f"updated {path}")


def main(argv: list[str] | None = None) -> int:
    paths = [Path(p) for p in (sys.argv[1:] if argv is None else argv)]
    if not paths:
        print(__doc__)
        return 2
    write_tables([json.loads(p.read_text(encoding="utf-8")) for p in paths])
    return 0


if __name__ == "__main__":
    sys.exit(main())
