"""Draw the figures of the documentation pages into ``docs/images/`` (or another folder).

Run from the repository root after changing the library or a figure:

    .venv/bin/python docs/_tools/figures.py

Every figure is computed with the library itself, so a figure that no longer matches the code
shows up as a changed image in the diff. The test suite runs this script into a temporary folder.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from tinygrad_edu import Tensor

IMAGES = Path(__file__).resolve().parents[1] / "images"
Drawing = Callable[[], "plt.Figure | bytes"]  # a matplotlib figure, or a file's bytes (SVG)
FIGURES: dict[str, Drawing] = {}


def figure(name: str) -> Callable[[Drawing], Drawing]:
    def register(fn: Drawing) -> Drawing:
        FIGURES[name] = fn
        return fn

    return register


def _grid(ax: plt.Axes, values: np.ndarray, x0: float, y0: float, color: str, title: str) -> None:
    """Draw a 2-D array as labelled cells with its top-left corner at (x0, y0)."""
    rows, cols = values.shape
    for i in range(rows):
        for j in range(cols):
            ax.add_patch(
                plt.Rectangle((x0 + j, y0 - i - 1), 1, 1, facecolor=color, edgecolor="black")
            )
            ax.text(x0 + j + 0.5, y0 - i - 0.5, f"{values[i, j]:g}", ha="center", va="center")
    ax.text(x0 + cols / 2, y0 + 0.35, title, ha="center", va="bottom", fontsize=9)


@figure("broadcasting.png")
def broadcasting() -> plt.Figure:
    a = Tensor([[1.0], [2.0], [3.0]], requires_grad=True)
    b = Tensor([[10.0, 20.0, 30.0, 40.0]], requires_grad=True)
    c = a + b
    c.sum().backward()
    assert a.grad is not None and b.grad is not None
    fig, ax = plt.subplots(figsize=(7, 5.4))
    ax.text(-0.4, 2.5, "forward", rotation=90, ha="center", va="center", fontsize=10)
    _grid(ax, a.data, 0, 4, "#cfe3f7", "a (3, 1)")
    ax.text(1.5, 2.5, "+", fontsize=16, ha="center", va="center")
    _grid(ax, b.data, 2, 3, "#f7dccf", "b (1, 4)")
    ax.text(6.5, 2.5, "=", fontsize=16, ha="center", va="center")
    _grid(ax, c.data, 7, 4, "#e4e4e4", "c = a + b (3, 4)")
    ax.text(-0.4, -2.6, "backward", rotation=90, ha="center", va="center", fontsize=10)
    _grid(ax, np.ones((3, 4)), 2, -0.5, "#e4e4e4", "∂L/∂c for L = Σc (3, 4)")
    _grid(ax, a.grad, 9, -0.5, "#cfe3f7", "∂L/∂a (3, 1)")
    _grid(ax, b.grad, 2, -4.6, "#f7dccf", "")
    ax.text(6.2, -5.1, "∂L/∂b (1, 4)", ha="left", va="center", fontsize=9)
    arrow = {"arrowstyle": "->", "color": "#555555"}
    ax.annotate("", xy=(8.9, -2.0), xytext=(6.1, -2.0), arrowprops=arrow)
    ax.text(7.5, -1.8, "sum over axis 1", ha="center", va="bottom", fontsize=8)
    ax.annotate("", xy=(4.0, -4.5), xytext=(4.0, -3.6), arrowprops=arrow)
    ax.text(4.15, -4.05, "sum over axis 0", ha="left", va="center", fontsize=8)
    ax.set_xlim(-0.8, 11.2)
    ax.set_ylim(-5.8, 4.9)
    ax.set_aspect("equal")
    ax.axis("off")
    fig.tight_layout()
    return fig


def _line_data() -> tuple[np.ndarray, np.ndarray]:
    """40 points of y = 2·x₁ − x₂ plus a little noise, x in [0, 1)²."""
    rng = np.random.default_rng(0)
    X = rng.random((40, 2))
    y = X @ np.array([2.0, -1.0]) + 0.05 * rng.standard_normal(40)
    return X, y.reshape(-1, 1)


def _path(optimizer_cls: type, epochs: int, **kwargs: object) -> tuple[np.ndarray, list[float]]:
    """Weights after every update and the loss of every epoch, for y ≈ X·w from w = (0, 0)."""
    from tinygrad_edu.optim import Optimizer
    from tinygrad_edu.train import fit

    X, y = _line_data()
    w = Tensor(np.zeros((2, 1)), requires_grad=True)
    opt: Optimizer = optimizer_cls([w], **kwargs)
    steps = [w.data.ravel().copy()]
    original_step = opt.step

    def step() -> None:
        original_step()
        steps.append(w.data.ravel().copy())

    opt.step = step  # type: ignore[method-assign]
    history = fit(
        lambda x: x @ w, X, y, lambda p, t: ((p - t) ** 2).mean(), opt, epochs, progress=False
    )
    return np.array(steps), history.loss


@figure("gd_modes.png")
def gd_modes() -> plt.Figure:
    from tinygrad_edu.optim import BatchGD, MiniBatchGD, StochasticGD

    X, y = _line_data()
    runs = {
        "batch (1 update / epoch)": _path(BatchGD, 30, lr=0.5),
        "mini-batch of 8 (5 / epoch)": _path(MiniBatchGD, 30, lr=0.5, batch_size=8),
        "stochastic (40 / epoch)": _path(StochasticGD, 30, lr=0.1),
    }
    w1, w2 = np.meshgrid(np.linspace(-0.3, 2.6, 120), np.linspace(-1.6, 0.6, 120))
    grid = np.stack([w1.ravel(), w2.ravel()])
    surface = ((X @ grid - y) ** 2).mean(axis=0).reshape(w1.shape)
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.8))
    left.contour(w1, w2, surface, levels=np.geomspace(0.003, 3, 12), cmap="viridis", linewidths=0.8)
    for (label, (steps, losses)), color in zip(runs.items(), ["C0", "C1", "C2"], strict=True):
        left.plot(steps[:, 0], steps[:, 1], ".-", color=color, ms=2, lw=0.8, label=label)
        right.plot(range(1, len(losses) + 1), losses, color=color, label=label)
    left.plot([2], [-1], "k*", ms=9)
    left.set(xlabel="w₁", ylabel="w₂", title="paths on the loss surface, from (0, 0)")
    left.legend(fontsize=7, loc="lower left")
    right.set(xlabel="epoch", ylabel="mean squared error", yscale="log", title="loss per epoch")
    right.legend(fontsize=7)
    fig.tight_layout()
    return fig


@figure("training_history.png")
def training_history() -> plt.Figure:
    from tinygrad_edu.optim import BatchGD
    from tinygrad_edu.train import fit

    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 2))
    y = (X[:, 0] + 2 * X[:, 1] > 0).astype(float).reshape(-1, 1)
    w = Tensor(np.zeros((2, 1)), requires_grad=True)
    b = Tensor(0.0, requires_grad=True)

    def log_loss(p: Tensor, t: Tensor) -> Tensor:
        p = p.clip(1e-15, 1 - 1e-15)
        return -(t * p.log() + (1 - t) * (1 - p).log()).mean()

    history = fit(
        lambda x: (x @ w + b).sigmoid(),
        X[:150],
        y[:150],
        loss=log_loss,
        optimizer=BatchGD([w, b], lr=1.0),
        epochs=100,
        validation_data=(X[150:], y[150:]),
        metrics=["accuracy"],
        progress=False,
    )
    epochs = range(1, history.epochs_run + 1)
    fig, (left, right) = plt.subplots(1, 2, figsize=(8, 3.2))
    left.plot(epochs, history.loss, label="history.loss")
    left.plot(epochs, history.val_loss, label="history.val_loss")
    left.set(xlabel="epoch", ylabel="log loss", title="loss")
    right.plot(epochs, history.metrics["accuracy"], label='metrics["accuracy"]')
    right.plot(epochs, history.metrics["val_accuracy"], label='metrics["val_accuracy"]')
    right.set(xlabel="epoch", ylabel="fraction correct", title="accuracy", ylim=(0.4, 1.02))
    for ax in (left, right):
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


@figure("scaling.png")
def scaling() -> plt.Figure:
    from tinygrad_edu.data import MinMaxScaler, StandardScaler, load_home_prices

    X, _ = load_home_prices()
    versions = {
        "raw: area (sq ft), bedrooms": X,
        "MinMaxScaler: each column onto [0, 1]": MinMaxScaler().fit_transform(X),
        "StandardScaler: mean 0, std 1": StandardScaler().fit_transform(X),
    }
    fig, axes = plt.subplots(1, 3, figsize=(10, 3.1))
    rng = np.random.default_rng(0)
    for ax, (title, data) in zip(axes, versions.items(), strict=True):
        jitter = rng.uniform(-0.15, 0.15, len(data)) * (data[:, 1].std() / 1.25)
        ax.scatter(data[:, 0], data[:, 1] + jitter, s=6, alpha=0.6)
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("area")
        ax.axhline(0, color="gray", lw=0.5)
        ax.axvline(0, color="gray", lw=0.5)
    axes[0].set_ylabel("bedrooms")
    axes[0].set_xlim(-300, 4000)
    axes[0].set_ylim(-300, 4000)
    axes[0].set_aspect("equal")
    for ax in axes[1:]:
        ax.set_aspect("equal")
    fig.tight_layout()
    return fig


@figure("activations.png")
def activations() -> plt.Figure:
    from tinygrad_edu.activations import leaky_relu, relu, sigmoid, tanh

    functions = {
        "sigmoid": sigmoid,
        "tanh": tanh,
        "relu": relu,
        "leaky_relu (α = 0.1)": lambda t: leaky_relu(t, 0.1),
    }
    fig, axes = plt.subplots(2, 4, figsize=(10, 4.2), sharex=True)
    for k, (name, f) in enumerate(functions.items()):
        x = Tensor(np.linspace(-4, 4, 401), requires_grad=True)
        y = f(x)
        y.sum().backward()  # elementwise: the gradient of the sum is f′ at every point
        axes[0, k].plot(x.data, y.data, color="C0")
        axes[0, k].set_title(name)
        axes[1, k].plot(x.data, x.grad, color="C1")
        for ax in axes[:, k]:
            ax.axhline(0, color="gray", lw=0.5)
            ax.axvline(0, color="gray", lw=0.5)
            ax.grid(True, alpha=0.3)
    axes[0, 0].set_ylabel("f(x)")
    axes[1, 0].set_ylabel("f′(x) by backward()")
    fig.tight_layout()
    return fig


@figure("hidden_layer.png")
def hidden_layer() -> plt.Figure:
    from tinygrad_edu.losses import binary_cross_entropy
    from tinygrad_edu.nn import Dense, Sequential
    from tinygrad_edu.optim import Adam
    from tinygrad_edu.train import fit, predict

    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (200, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(float)  # same sign: class 1
    models = {
        "Dense(2, 1, sigmoid): one neuron": Dense(2, 1, activation="sigmoid", seed=0),
        "Dense(2, 8, tanh) → Dense(8, 1, sigmoid)": Sequential(
            Dense(2, 8, activation="tanh", seed=0), Dense(8, 1, activation="sigmoid", seed=1)
        ),
    }
    g1, g2 = np.meshgrid(np.linspace(-1, 1, 101), np.linspace(-1, 1, 101))
    grid = np.column_stack([g1.ravel(), g2.ravel()])
    fig, axes = plt.subplots(1, 2, figsize=(8, 3.8))
    for ax, (title, model) in zip(axes, models.items(), strict=True):
        history = fit(
            model,
            X,
            y,
            loss=binary_cross_entropy,
            optimizer=Adam(model.parameters(), lr=0.05),
            epochs=300,
            metrics=["accuracy"],
            progress=False,
        )
        p = predict(model, grid).reshape(g1.shape)
        ax.contourf(g1, g2, p, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.6)
        ax.scatter(X[:, 0], X[:, 1], c=y, cmap="RdBu_r", s=10, edgecolors="black", linewidths=0.3)
        accuracy = history.metrics["accuracy"][-1]
        ax.set_title(f"{title}\ntraining accuracy {accuracy:.0%}", fontsize=9)
        ax.set_aspect("equal")
    fig.tight_layout()
    return fig


def _neuron() -> Tensor:
    """The log loss of one sigmoid neuron for age 0.47, affordability 1 and label 1."""
    w1 = Tensor(1.0, requires_grad=True, name="w1")
    w2 = Tensor(1.0, requires_grad=True, name="w2")
    b = Tensor(0.0, requires_grad=True, name="b")
    z = w1 * Tensor(0.47, name="age") + w2 * Tensor(1.0, name="aff") + b
    z.name = "z"
    p = z.sigmoid()
    p.name = "p"
    loss = -p.log()
    loss.name = "L"
    return loss


def _svg(tensor: Tensor, **options: object) -> bytes:
    """``render_graph``'s SVG of the graph of ``tensor`` (gradients coloured by role)."""
    import tempfile

    from tinygrad_edu.viz import render_graph

    with tempfile.TemporaryDirectory() as folder:
        return render_graph(tensor, Path(folder) / "graph.svg", **options).read_bytes()


@figure("graph_forward.svg")
def graph_forward() -> bytes:
    return _svg(_neuron(), direction="TB")


@figure("graph_backward.svg")
def graph_backward() -> bytes:
    from tinygrad_edu.viz import trace_backward

    loss = _neuron()
    return _svg(loss, trace=trace_backward(loss), direction="TB")


@figure("graph_diamond.svg")
def graph_diamond() -> bytes:
    from tinygrad_edu.viz import trace_backward

    x = Tensor(3.0, requires_grad=True, name="x")
    square = x * x
    square.name = "square"
    loss = square + x
    loss.name = "L"
    return _svg(loss, trace=trace_backward(loss), direction="TB")


@figure("loss_surface.png")
def loss_surface() -> plt.Figure:
    from tinygrad_edu.data import MinMaxScaler, load_home_prices
    from tinygrad_edu.viz import descent_paths, linear_mse, plot_loss_surface

    X, y = load_home_prices()
    area = MinMaxScaler().fit_transform(X[:, 0])
    price = MinMaxScaler().fit_transform(y)
    paths = descent_paths(area, price, lr=0.1, epochs=10, batch_size=10)
    fig: plt.Figure = plot_loss_surface(
        linear_mse(area, price), (-0.2, 1.4), (-0.4, 0.6), paths=paths, names=("w (area)", "b")
    )
    fig.set_size_inches(6, 4.2)
    return fig


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=IMAGES, help="folder for the PNG files")
    parser.add_argument("names", nargs="*", help="figures to draw (default: all)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for name in args.names or FIGURES:
        drawn = FIGURES[name]()
        if isinstance(drawn, bytes):
            (args.out / name).write_bytes(drawn)
        else:
            drawn.savefig(args.out / name, dpi=90, metadata={"Software": None})
            plt.close(drawn)
        print(args.out / name)


if __name__ == "__main__":
    main()
