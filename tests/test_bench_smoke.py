"""The benchmark script end to end in --quick mode, and its equality check catching a wrong answer.

No timing is asserted: only that every workload ran, was checked against hand-written NumPy and
was written to results.json / results.md.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import bench  # noqa: E402
import bench_harness as harness  # noqa: E402
import bench_scaling  # noqa: E402
from bench_mlp import same_dtype  # noqa: E402

WORKLOADS = ("W1", "W2", "W3b", "W3s", "W3m", "W4", "W5", "W6", "W7")
HEADER = (
    "| workload | NumPy time | tinygrad_edu ratio | compiled ratio | PyTorch ratio "
    "| micrograd ratio | target |"
)


def has(module: str) -> bool:
    """Installed and not hidden (a None entry in sys.modules is how a test hides a module)."""
    if module in sys.modules:
        return sys.modules[module] is not None
    return importlib.util.find_spec(module) is not None


def run(tmp_path: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    code = bench.main(["--quick", "--out", str(tmp_path), *args])
    report = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    return code, report, (tmp_path / "results.md").read_text(encoding="utf-8")


def assert_timed(rec: dict[str, Any], repeats: int) -> None:
    assert rec["status"] == "ok"
    assert len(rec["times_s"]) == repeats
    assert all(isinstance(t, float) and t > 0 for t in rec["times_s"])
    for key in ("median_s", "q1_s", "q3_s", "min_s", "ratio"):
        assert isinstance(rec[key], float) and rec[key] > 0, key
    assert rec["q1_s"] <= rec["median_s"] <= rec["q3_s"]


def test_quick_run_checks_times_and_reports_every_workload(tmp_path: Path) -> None:
    code, report, md = run(tmp_path, "--repeats", "2", "--no-rss")
    assert code == 0
    assert tuple(report["workloads"]) == WORKLOADS
    for key, wl in report["workloads"].items():
        impls = wl["implementations"]
        assert wl["checks_ran"] is True, key
        assert impls["numpy"]["check"] == "reference"
        assert_timed(impls["numpy"], 2)
        assert impls["numpy"]["ratio"] == 1.0
        assert_timed(impls["tinygrad_edu"], 2)
        assert impls["tinygrad_edu"]["check"].startswith("passed (max rel. error"), key
        if key in ("W1", "W2", "W3b", "W3s", "W3m", "W4"):  # the compiled step beside eager
            assert_timed(impls["tinygrad_edu compiled"], 2)
            assert impls["tinygrad_edu compiled"]["check"].startswith("passed"), key
        else:
            assert "tinygrad_edu compiled" not in impls, key
        for bare in ("bare graph engine", "bare tape engine"):  # bench_floor's instruments
            if key in ("W1", "W3s", "W6"):
                assert_timed(impls[bare], 2)
                assert impls[bare]["check"].startswith("passed"), (key, bare)
            else:
                assert bare not in impls, (key, bare)
        assert wl["tinygrad_edu_pass"] in (True, False)
        for name, rec in impls.items():
            assert rec["status"] in ("ok", "RecursionError") or rec["status"].startswith(
                "skipped"
            ), (key, name, rec["status"])
            if rec["status"] == "ok" and name != "numpy":
                assert rec["check"].startswith("passed"), (key, name)
        if has("torch"):
            assert_timed(impls["pytorch"], 2)
        else:
            assert impls["pytorch"]["status"].startswith("skipped")
    if has("micrograd"):
        assert report["workloads"]["W6"]["implementations"]["micrograd"]["status"] == (
            "RecursionError"
        )
        assert_timed(report["workloads"]["W2"]["implementations"]["micrograd"], 2)
    assert "micrograd" not in report["workloads"]["W4"]["implementations"]
    assert report["threads"]["threads"] >= 1
    assert report["machine"]["numpy"] == np.__version__
    assert HEADER in md
    for key in WORKLOADS:
        assert f"| {key} " in md
    assert "tracemalloc" in md  # W5's peak memory section
    scaling = report["scaling"]
    assert [row["ops"] for row in scaling["rows"]] == list(bench_scaling.QUICK_SIZES)
    for row in scaling["rows"]:
        for mode in ("numpy", "default", "pause_gc"):
            assert row[f"{mode}_per_op_s"] > 0, (row["ops"], mode)
        assert len(row["collections_default"]) == 3
    reference = next(r for r in scaling["rows"] if r["ops"] == scaling["reference_ops"])
    assert reference["default_vs_reference"] == reference["pause_gc_vs_reference"] == 1.0
    assert "## Cost per op as the graph grows" in md and "with `pause_gc()` per op" in md
    assert report["memory"]["implementations"]["tinygrad_edu"]["tracemalloc_peak_bytes"] > 0


def test_missing_torch_and_micrograd_are_skipped_with_a_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for module in ("torch", "micrograd", "micrograd.engine"):
        monkeypatch.setitem(sys.modules, module, None)  # import now raises ImportError
    code, report, md = run(tmp_path, "--repeats", "1", "--only", "W1,W5,W6")
    assert code == 0
    assert report["scaling"] is None  # --only leaves the scaling table out
    assert tuple(report["workloads"]) == ("W1", "W5", "W6")
    for wl in report["workloads"].values():
        impls = wl["implementations"]
        assert impls["pytorch"]["status"] == "skipped: " + report["skipped"]["pytorch"]
        assert "not installed" in impls["pytorch"]["status"]
        assert_timed(impls["tinygrad_edu"], 1)
    assert report["workloads"]["W6"]["implementations"]["micrograd"]["status"].startswith("skipped")
    assert report["machine"]["torch"] is None
    assert "pip install torch==2.13.0" in md
    # max-RSS growth of W5, each implementation in its own subprocess
    memory = report["memory"]["implementations"]
    assert set(memory) == {"numpy", "tinygrad_edu"}
    for rec in memory.values():
        assert isinstance(rec["rss_growth_bytes"], int) and rec["rss_growth_bytes"] >= 0, rec


# ------------------------------------------------------------------------ the equality check
def constant(name: str, values: list[float], dtype: str = "float64") -> harness.Impl:
    def prepare() -> harness.Go:
        return lambda: {"w": np.array(values), "_dtypes": [dtype]}

    return harness.Impl(name, prepare)


def two_way(other: harness.Impl, rtol: float = 1e-9) -> harness.Workload:
    return harness.Workload("W1", "toy", 3.0, [constant("numpy", [1.0, -2.0]), other], rtol=rtol)


def test_an_implementation_that_disagrees_is_reported_and_not_timed() -> None:
    outcomes = harness.run_workload(two_way(constant("tinygrad_edu", [1.0, -2.001])), 3, print)
    numpy, wrong = outcomes
    assert numpy.status == "ok" and len(numpy.times) == 3
    assert wrong.status == "MISMATCH" and wrong.times == []
    assert "relative error 0.0005 > tolerance 1e-09" in wrong.check


def test_an_implementation_within_tolerance_passes() -> None:
    outcomes = harness.run_workload(two_way(constant("pytorch", [1.0, -2.0 + 1e-12])), 2, print)
    assert [o.status for o in outcomes] == ["ok", "ok"]
    assert outcomes[1].check.startswith("passed")


def test_a_wrong_shape_or_dtype_is_a_mismatch() -> None:
    wrong_shape = harness.run_workload(two_way(constant("tinygrad_edu", [1.0])), 1, print)
    assert wrong_shape[1].status == "MISMATCH" and "shape (1,)" in wrong_shape[1].check
    upcast = constant("tinygrad_edu", [1.0, -2.0], dtype="float64")
    upcast.validate = same_dtype("float32")
    outcome = harness.run_workload(two_way(upcast), 1, print)[1]
    assert outcome.status == "MISMATCH" and "expected float32 everywhere" in outcome.check


def test_main_exits_1_when_an_implementation_disagrees(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = two_way(constant("tinygrad_edu", [1.5, -2.0]))
    monkeypatch.setitem(bench.BUILDERS, "W1", lambda sizes, libs: [bad])
    code, report, md = run(tmp_path, "--only", "W1", "--repeats", "1")
    assert code == 1
    assert report["workloads"]["W1"]["implementations"]["tinygrad_edu"]["status"] == "MISMATCH"
    assert "| W1 toy |" in md and "MISMATCH" in md


def test_an_idle_machine_s_load_average_of_zero_is_reported_not_lost(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 0.00 is what a quiet machine reports, and the run the tables most want to show
    monkeypatch.setattr(bench.os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    same = two_way(constant("tinygrad_edu", [1.0, -2.0]))
    monkeypatch.setitem(bench.BUILDERS, "W1", lambda sizes, libs: [same])
    code, report, md = run(tmp_path, "--only", "W1", "--repeats", "1")
    assert code == 0
    assert report["settings"]["load_average_1min"] == {"start": 0.0, "end": 0.0}
    assert "Load average (1 min): 0.00 at start, 0.00 at the end" in md
