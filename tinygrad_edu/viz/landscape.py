"""Loss landscapes: a two-parameter loss surface with gradient-descent paths, decision boundaries.

The classic picture of the three gradient-descent modes: the contours of the loss of
ŷ = w·x + b over (w, b), and the path each mode takes on it — batch GD walks straight down the
valley, stochastic GD zig-zags (each step follows one sample's gradient), mini-batch GD lies
between. ``descent_paths`` trains that model with the framework's own optimizers and records
(w, b) after every update; ``plot_loss_surface`` draws any two-parameter loss with any paths.

>>> import numpy as np
>>> x = np.array([0.0, 1.0, 2.0]); y = 2 * x + 1
>>> paths = descent_paths(x, y, lr=0.1, epochs=2, batch_size=2)
>>> {mode: p.shape for mode, p in paths.items()}          # start + one row per update
{'batch': (3, 2), 'stochastic': (7, 2), 'mini-batch': (5, 2)}
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from ..autograd import Array
from ..tensor import Tensor
from ._mpl import new_figure, save_figure
from .escape import mpl_text
from .plots import PathLike

MODES = ("batch", "stochastic", "mini-batch")
MODE_COLORS = {"batch": "#1d4ed8", "stochastic": "#b91c1c", "mini-batch": "#15803d"}


def _one_feature(x: Any, y: Any) -> tuple[Array, Array]:
    xs, ys = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if xs.ndim == 2 and xs.shape[1] == 1:
        xs = xs[:, 0]
    ys = ys.reshape(-1)
    if xs.ndim != 1 or xs.shape != ys.shape or xs.size == 0:
        raise ValueError(
            f"expected one feature: x of shape (n,) or (n, 1) and y of n values; got x "
            f"{np.shape(x)} and y {np.shape(y)}"
        )
    return xs, ys


def linear_mse(x: Any, y: Any) -> Callable[[float, float], float]:
    """L(w, b) = mean((w·x + b − y)²) for one feature x, as a function of two numbers."""
    xs, ys = _one_feature(x, y)
    return lambda w, b: float(np.mean((w * xs + b - ys) ** 2))


def descent_paths(
    x: Any,
    y: Any,
    *,
    lr: float = 0.1,
    epochs: int = 20,
    batch_size: int = 5,
    start: tuple[float, float] = (0.0, 0.0),
    seed: int = 0,
    modes: Sequence[str] = MODES,
) -> dict[str, Array]:
    """(w, b) after every update of batch, stochastic and mini-batch GD on ŷ = w·x + b (MSE).

    Each path is an array of shape (updates + 1, 2) that starts at ``start``. All modes run
    ``epochs`` epochs with the same ``lr``, so stochastic GD makes n updates per epoch and
    mini-batch GD ⌈n / batch_size⌉.
    """
    from ..losses import mse
    from ..optim import BatchGD, MiniBatchGD, Optimizer, StochasticGD

    xs, ys = _one_feature(x, y)
    makers: dict[str, Callable[[list[Tensor]], Optimizer]] = {
        "batch": lambda p: BatchGD(p, lr=lr),
        "stochastic": lambda p: StochasticGD(p, lr=lr, seed=seed),
        "mini-batch": lambda p: MiniBatchGD(p, lr=lr, batch_size=batch_size, seed=seed),
    }
    unknown = [m for m in modes if m not in makers]
    if unknown:
        raise ValueError(f"descent_paths: unknown modes {unknown}; choose from {list(MODES)}")
    paths: dict[str, Array] = {}
    for mode in modes:
        w, b = Tensor(float(start[0]), requires_grad=True), Tensor(float(start[1]), True)
        opt = makers[mode]([w, b])
        points = [(float(w.data), float(b.data))]
        for _ in range(epochs):
            for idx in opt.batches(len(xs)):
                loss = mse(w * Tensor(xs[idx]) + b, Tensor(ys[idx]))
                opt.zero_grad()
                loss.backward()
                opt.step()
                points.append((float(w.data), float(b.data)))
        paths[mode] = np.array(points)
    return paths


def plot_loss_surface(
    loss_fn: Callable[[float, float], float],
    w_range: tuple[float, float],
    b_range: tuple[float, float],
    *,
    paths: Mapping[str, Any] | None = None,
    resolution: int = 60,
    levels: int = 25,
    names: tuple[str, str] = ("w", "b"),
    path: PathLike = None,
) -> Any:
    """Contours of ``loss_fn(w, b)`` over the ranges, with ``paths`` ``{label: (k, 2) points}``.

    Contour levels are spaced logarithmically (the valley floor has detail). Each path is one
    line with a dot per update, a circle at its start and a star at its end.
    """
    if resolution < 2:
        raise ValueError(f"plot_loss_surface: resolution must be at least 2, got {resolution}")
    ws = np.linspace(*w_range, resolution)
    bs = np.linspace(*b_range, resolution)
    Z = np.array([[loss_fn(float(w), float(b)) for w in ws] for b in bs])
    fig = new_figure(figsize=(6.4, 5.2))
    ax = fig.add_subplot()
    finite = Z[np.isfinite(Z)]
    lo, hi = float(finite.min()), float(finite.max())
    if lo > 0 and hi > lo:
        marks = np.geomspace(lo, hi, levels)
    else:
        marks = np.linspace(lo, hi if hi > lo else lo + 1, levels)
    filled = ax.contourf(ws, bs, Z, levels=marks, cmap="viridis", alpha=0.85)
    ax.contour(ws, bs, Z, levels=marks, colors="white", linewidths=0.4, alpha=0.6)
    fig.colorbar(filled, ax=ax, label="loss")
    for i, (label, points) in enumerate((paths or {}).items()):
        p = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        color = MODE_COLORS.get(label, f"C{i}")
        ax.plot(p[:, 0], p[:, 1], ".-", color=color, markersize=3, linewidth=1,
                label=mpl_text(str(label)))  # fmt: skip
        ax.scatter(p[:1, 0], p[:1, 1], marker="o", s=40, color=color, edgecolors="white")
        ax.scatter(p[-1:, 0], p[-1:, 1], marker="*", s=120, color=color, edgecolors="white")
    ax.set_xlim(*w_range)
    ax.set_ylim(*b_range)
    ax.set_xlabel(mpl_text(names[0]))
    ax.set_ylabel(mpl_text(names[1]))
    ax.set_title("Loss surface and gradient-descent paths")
    if paths:
        ax.legend(loc="upper right", fontsize="small")
    fig.tight_layout()
    return save_figure(fig, path, "plot_loss_surface")


def _probabilities(model: Any, grid: Array) -> Array:
    for method in ("predict_proba", "predict"):
        if hasattr(model, method):
            out = getattr(model, method)(grid)
            break
    else:
        if not callable(model):
            raise TypeError(
                f"plot_decision_boundary: model must have predict_proba/predict or be callable, "
                f"got {type(model).__name__}"
            )
        out = model(Tensor(grid))
    arr = np.asarray(out.data if isinstance(out, Tensor) else out, dtype=np.float64)
    if arr.size != len(grid):
        raise ValueError(
            f"plot_decision_boundary: the model gave {arr.shape} for {len(grid)} points; "
            "expected one probability per point"
        )
    return arr.reshape(-1)


def plot_decision_boundary(
    model: Any,
    X: Any,
    y: Any,
    *,
    threshold: float = 0.5,
    resolution: int = 200,
    names: tuple[str, str] = ("x1", "x2"),
    path: PathLike = None,
) -> Any:
    """Where a two-feature classifier switches class, over its data (one colour per class).

    ``model`` has ``predict_proba(X)`` or ``predict(X)`` returning probabilities (n,) or (n, 1),
    or is called on a Tensor; the boundary is the ``threshold`` contour of the probability.
    """
    Xa = np.asarray(X, dtype=np.float64)
    ya = np.asarray(y).reshape(-1)
    if Xa.ndim != 2 or Xa.shape[1] != 2 or len(ya) != len(Xa):
        raise ValueError(
            f"plot_decision_boundary: X must be (n, 2) with n labels; got X {Xa.shape} and "
            f"y {np.shape(y)}"
        )
    span = np.ptp(Xa, axis=0)
    lo, hi = Xa.min(axis=0) - 0.1 * span - 1e-3, Xa.max(axis=0) + 0.1 * span + 1e-3
    g0, g1 = np.meshgrid(
        np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution)
    )
    grid = np.column_stack([g0.ravel(), g1.ravel()])
    P = _probabilities(model, grid).reshape(g0.shape)
    fig = new_figure(figsize=(6.4, 5.2))
    ax = fig.add_subplot()
    filled = ax.contourf(g0, g1, P, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.6)
    fig.colorbar(filled, ax=ax, label="predicted probability of class 1")
    if P.min() < threshold < P.max():
        ax.contour(g0, g1, P, levels=[threshold], colors="black", linewidths=1.5)
    classes = np.unique(ya)
    for k, cls in enumerate(classes):
        pts = Xa[ya == cls]
        color = ("#1d4ed8", "#b91c1c")[k] if len(classes) <= 2 else f"C{k}"
        ax.scatter(
            pts[:, 0], pts[:, 1], s=30, color=color, edgecolors="black", label=f"class {cls}"
        )
    ax.set_xlabel(mpl_text(names[0]))
    ax.set_ylabel(mpl_text(names[1]))
    ax.set_title(f"Decision boundary (p = {threshold:g})")
    ax.legend(loc="upper right", fontsize="small")
    fig.tight_layout()
    return save_figure(fig, path, "plot_decision_boundary")
