"""plot_gradient_flow: one line per run and pass, through the recorded norms, layer by layer."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from tinygrad_edu.diagnostics import GradientFlowRecorder
from tinygrad_edu.nn import Dense, Sequential
from tinygrad_edu.viz.gradient_flow import plot_gradient_flow

PNG = b"\x89PNG\r\n\x1a\n"
DEEP = {"0": [1e-4, 2e-4, 3e-4], "1": [1e-2, 2e-2, 0.0], "2": [1.0, 0.5, 0.25]}
FLAT = {"0": [0.1, 0.2, 0.3], "1": [0.2, 0.2, 0.2], "2": [0.3, 0.1, 0.1]}


def test_one_run_draws_the_first_pass_through_every_layer(tmp_path: Path) -> None:
    fig = plot_gradient_flow(DEEP, path=tmp_path / "flow.png")
    assert (tmp_path / "flow.png").read_bytes().startswith(PNG)
    ax = fig.axes[0]
    (line,) = ax.lines
    assert line.get_label() == "pass 1"
    np.testing.assert_array_equal(line.get_xdata(), [0, 1, 2])
    np.testing.assert_array_equal(line.get_ydata(), [1e-4, 1e-2, 1.0])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1", "2"]
    assert ax.get_yscale() == "log"


def test_runs_are_compared_at_the_chosen_passes_and_zeros_are_gaps() -> None:
    fig = plot_gradient_flow({"sigmoid": DEEP, "relu": FLAT}, passes=(0, -1))
    lines = fig.axes[0].lines
    assert [line.get_label() for line in lines] == [
        "sigmoid, pass 1",
        "sigmoid, last pass",
        "relu, pass 1",
        "relu, last pass",
    ]
    last_deep = lines[1].get_ydata()
    assert last_deep[0] == 3e-4 and np.isnan(last_deep[1]) and last_deep[2] == 0.25
    assert lines[0].get_color() == lines[1].get_color() != lines[2].get_color()
    assert [line.get_linestyle() for line in lines[:2]] == ["-", "--"]


def test_the_band_spans_the_smallest_to_the_largest_norm_of_each_layer() -> None:
    fig = plot_gradient_flow(FLAT, band=True, log_y=False)
    (band,) = fig.axes[0].collections
    top = band.get_paths()[0].vertices[:, 1]
    assert {0.1, 0.2, 0.3} <= {round(v, 12) for v in top}  # layer 0: 0.1–0.3, layer 2: 0.1–0.3


def test_a_recorder_is_drawn_as_recorded() -> None:
    model = Sequential(Dense(1, 1, weight_init="ones"), Dense(1, 1, weight_init=2.0))
    recorder = GradientFlowRecorder(model)
    model([[3.0]]).sum().backward()  # layer norms √40 and √10 (see the diagnostics docstring)
    (line,) = plot_gradient_flow(recorder).axes[0].lines
    np.testing.assert_allclose(line.get_ydata(), [np.sqrt(40.0), np.sqrt(10.0)])


def test_bad_input_is_named() -> None:
    with pytest.raises(IndexError, match=r"recorded 3 backward pass\(es\).*index 3.*-3 … 2"):
        plot_gradient_flow(DEEP, passes=(3,))
    with pytest.raises(ValueError, match="passes is empty"):
        plot_gradient_flow(DEEP, passes=())
    with pytest.raises(ValueError, match=r"run 'b' has 1 layers, the first run has 3"):
        plot_gradient_flow({"a": DEEP, "b": {"0": [1.0]}})
    with pytest.raises(ValueError, match="different numbers of passes"):
        plot_gradient_flow({"0": [1.0], "1": [1.0, 2.0]})
    with pytest.raises(ValueError, match="no backward pass yet"):
        plot_gradient_flow({"0": [], "1": []})
    with pytest.raises(TypeError, match=r"run 'a' is a str"):
        plot_gradient_flow({"a": "not a run"})
    with pytest.raises(TypeError, match="got int"):
        plot_gradient_flow(3)
