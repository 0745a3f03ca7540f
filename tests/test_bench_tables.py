"""The README and docs speed tables come from results.json; each implementation gets a column."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import bench_tables  # noqa: E402


def impl(ratio: float) -> dict[str, Any]:
    return {"status": "ok", "ratio": ratio, "median_s": ratio * 1e-3, "per_iteration_s": 1e-3}


def report(threads: int, compiled: bool) -> dict[str, Any]:
    w1 = {"numpy": impl(1.0), "tinygrad_edu": impl(2.5), "pytorch": impl(12.0)}
    if compiled:
        w1["tinygrad_edu compiled"] = impl(1.5)
    w6 = {"numpy": impl(1.0), "tinygrad_edu": impl(3.5), "pytorch": impl(3.0)}
    workloads = {
        "W1": {"title": "tiny", "target": 3.0, "iterations": 10, "ops_per_iteration": 5,
               "implementations": w1, "tinygrad_edu_pass": True},
        "W6": {"title": "chain", "target": 3.0, "iterations": 1, "ops_per_iteration": 0,
               "implementations": w6, "tinygrad_edu_pass": False},
    }  # fmt: skip
    w1["numpy"]["per_op_s"] = 2e-4
    return {
        "machine": {"cpu": "CPU", "logical_cpus": 2, "python": "3.11", "numpy": "2.4",
                    "torch": "2.13", "micrograd": None, "commit": "abc1234"},
        "settings": {"mode": "full", "repeats": 7, "load_average_1min": {"start": 0.1, "end": 0.4}},
        "threads": {"threads": threads},
        "workloads": workloads,
        "scaling": None,
    }  # fmt: skip


def test_an_extra_implementation_gets_its_own_column_after_the_framework() -> None:
    lines = bench_tables.results_table(report(2, compiled=True))
    assert lines[0] == (
        "| workload | hand-written NumPy | tinygrad_edu | tinygrad_edu compiled | PyTorch CPU "
        "| target for tinygrad_edu |"
    )
    # the compiled step is judged by its own target (DESIGN §6: W1 ≤ 2×); W6 has none
    assert lines[2] == (
        "| W1 tiny | 1 ms/iter (200 µs/op) | **2.50×** ✓ | 1.50× ✓ | 12.00× "
        "| ≤ 3× (compiled ≤ 2×) |"
    )
    assert lines[3] == "| W6 chain | 1 ms | **3.50×** ✗ | — | 3.00× | ≤ 3× |"
    assert (
        "Targets met (✓): W1; not met (✗): W6. Compiled-step targets met: W1; not met: none."
        in (lines[-1])
    )
    assert "Behind PyTorch on: W6." in lines[-1]


def test_a_compiled_step_slower_than_its_target_is_marked_not_met() -> None:
    slow = report(2, compiled=True)
    slow["workloads"]["W1"]["implementations"]["tinygrad_edu compiled"] = impl(2.4)
    lines = bench_tables.results_table(slow)
    assert "| 2.40× ✗ |" in lines[2]
    assert "Compiled-step targets met: none; not met: W1." in lines[-1]
    assert "2 thread(s)" in lines[-2] and "load average 0.10 at the start" in lines[-2]


def test_runs_with_other_thread_counts_are_side_by_side() -> None:
    lines = bench_tables.threads_table([report(2, compiled=False), report(1, compiled=False)])
    assert lines[0] == (
        "| workload | tinygrad_edu, 2 thread(s) | PyTorch CPU, 2 thread(s) "
        "| tinygrad_edu, 1 thread(s) | PyTorch CPU, 1 thread(s) |"
    )
    assert lines[3] == "| W6 | 3.50× ✗ | 3.00× | 3.50× ✗ | 3.00× |"
    assert lines[-1].endswith("Behind PyTorch on: W6 (2 thread(s)), W6 (1 thread(s)).")


def test_tables_replace_only_the_text_between_their_markers(tmp_path: Path) -> None:
    doc = tmp_path / "page.md"
    doc.write_text("before\n<!-- bench:results -->\nold\n<!-- /bench:results -->\nafter\n")
    bench_tables.write_tables([report(2, compiled=False)], (doc,))
    text = doc.read_text()
    assert text.startswith("before\n<!-- bench:results -->\n\n| workload |")
    assert text.endswith("\n<!-- /bench:results -->\nafter\n") and "old" not in text


def test_missing_markers_are_named() -> None:
    with pytest.raises(ValueError, match="no <!-- bench:scaling --> "):
        bench_tables.replace_between("no markers here", "scaling", ["x"])


def with_bare_engines(rep: dict[str, Any]) -> dict[str, Any]:
    """``rep`` with bench_floor's bare engines timed on W1 (3.2×, 2.5×) and W6 (2.9×, 3.1×)."""
    w1, w6 = (rep["workloads"][k]["implementations"] for k in ("W1", "W6"))
    w1["bare graph engine"], w1["bare tape engine"] = impl(3.2), impl(2.5)
    w6["bare graph engine"], w6["bare tape engine"] = impl(2.9), impl(3.1)
    return rep


def test_bare_engines_get_their_own_table_not_a_column_beside_the_frameworks() -> None:
    rep = with_bare_engines(report(2, compiled=False))
    assert "bare" not in bench_tables.results_table(rep)[0]
    assert "bare" not in bench_tables.threads_table([rep])[0]
    lines = bench_tables.floor_table(rep)
    assert lines[0] == (
        "| workload | tinygrad_edu | bare graph engine | bare tape engine "
        "| target for tinygrad_edu |"
    )
    assert lines[2] == "| W1 tiny | **2.50×** ✓ | 3.20× | 2.50× | ≤ 3× |"
    assert lines[3] == "| W6 chain | **3.50×** ✗ | 2.90× | 3.10× | ≤ 3× |"
    # W1's target (3×) lies below what the design reaches with nothing else; W6's does not
    assert lines[-1] == (
        "The bare graph engine — this design with nothing else — misses the target on: "
        "W1 (3.20×); it meets it on: W6 (2.90×)."
    )


def test_a_run_without_bare_engines_says_how_to_get_them() -> None:
    assert bench_tables.floor_table(report(2, compiled=True)) == [
        "(this run had no bare engines: run W1, W3s or W6)"
    ]
