"""Learning plots: activations, cost curves, learning-rate sweeps, gradient norms per layer.

Every function returns a ``matplotlib.figure.Figure`` (shown inline by Jupyter) and writes it
to ``path`` when given (the format follows the suffix: ``.png``, ``.svg``, ``.pdf``, ...; an
unknown suffix or a missing folder raises before drawing). Figures are made without ``pyplot``
(see ``_mpl``): safe on a headless machine and the user's backend is left alone. Histories are
duck-typed: anything with ``.loss`` (per epoch) and ``.update_loss`` (per update) — such as
``train.History`` — or a plain list of numbers. The loss surface, the descent paths and decision
boundaries are in ``landscape``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..autograd import Array
from ..tensor import Tensor
from ._mpl import new_figure, save_figure
from .escape import mpl_text

PathLike = str | Path | None
CURVES = {"epoch": "loss", "update": "update_loss"}


def curve(history: Any, per: str = "epoch") -> Array:
    """The loss values of one history (``per`` "epoch" or "update") or of a list, as floats.

    Infinite values (a diverging run) become NaN, so the plot shows a gap instead of failing.
    """
    if per not in CURVES:
        raise ValueError(f"per must be 'epoch' or 'update', got {per!r}")
    values = getattr(history, CURVES[per], history)
    try:
        arr = np.asarray(values, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise TypeError(
            f"expected a History (with .loss and .update_loss) or a list of numbers, got "
            f"{type(history).__name__}"
        ) from None
    return np.where(np.isfinite(arr), arr, np.nan)


def _is_one(obj: Any) -> bool:
    """True for a single history or list of numbers (not a collection of them)."""
    if hasattr(obj, "loss"):
        return True
    items = list(obj) if isinstance(obj, Iterable) and not isinstance(obj, str) else []
    return all(isinstance(v, (int, float, np.number)) for v in items)


def plot_activations(
    names: Sequence[str] = ("sigmoid", "tanh", "relu", "leaky_relu"),
    *,
    x: Any = None,
    negative_slope: float = 0.1,
    path: PathLike = None,
) -> Any:
    """Each activation f(x) (solid) with its derivative f′(x) (dashed), one panel per name.

    The derivative is what the framework's backward pass computes: ``f(x).sum().backward()``
    gives ``x.grad`` = f′(x) elementwise. ``negative_slope`` is leaky ReLU's α (0.1, as in the
    teaching notebook). ``x`` defaults to 601 points on [−6, 6].
    """
    from ..activations import get_activation, leaky_relu

    xs = np.linspace(-6, 6, 601) if x is None else np.asarray(x, dtype=np.float64)
    fig = new_figure(figsize=(3.2 * len(names), 3.2))
    axes = fig.subplots(1, len(names), squeeze=False)[0]
    for ax, name in zip(axes, names, strict=True):
        t = Tensor(xs, requires_grad=True)
        y = leaky_relu(t, negative_slope) if name == "leaky_relu" else get_activation(name)(t)
        y.sum().backward()
        assert t.grad is not None
        ax.plot(xs, y.data, label=f"{name}(x)", color="#1d4ed8")
        ax.plot(xs, t.grad, "--", label=f"{name}′(x)", color="#b91c1c")
        ax.set_title(name if name != "leaky_relu" else f"leaky_relu (α = {negative_slope:g})")
        ax.set_xlabel("x")
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", fontsize="small")
    fig.tight_layout()
    return save_figure(fig, path, "plot_activations")


def plot_history(
    histories: Any,
    labels: Sequence[str] | None = None,
    *,
    per: str = "epoch",
    log_y: bool = False,
    title: str | None = None,
    path: PathLike = None,
) -> Any:
    """Cost versus iterations: one line per history, on one axis (compare GD modes).

    ``histories`` is one history, a list of them, or ``{label: history}``. ``per="update"``
    plots every update (stochastic and mini-batch GD make many per epoch).
    """
    if isinstance(histories, Mapping):
        labels, runs = list(histories), list(histories.values())
    else:
        runs = [histories] if _is_one(histories) else list(histories)
    if labels is not None and len(labels) != len(runs):
        raise ValueError(f"plot_history: {len(labels)} labels for {len(runs)} histories")
    fig = new_figure(figsize=(7, 4.2))
    ax = fig.add_subplot()
    for i, run in enumerate(runs):
        values = curve(run, per)
        label = None if len(runs) == 1 else f"run {i + 1}"
        if labels is not None:
            label = mpl_text(str(labels[i]))
        ax.plot(np.arange(1, len(values) + 1), values, label=label)
    ax.set_xlabel(per)
    ax.set_ylabel("loss (cost)")
    ax.set_title(mpl_text(title) if title else f"Cost per {per}")
    if log_y:
        ax.set_yscale("log")
    if any(line.get_label()[:1] != "_" for line in ax.lines):
        ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return save_figure(fig, path, "plot_history")


def plot_lr_sweep(runs: Mapping[float, Any], *, per: str = "epoch", path: PathLike = None) -> Any:
    """A learning-rate sweep: loss curves per rate (left) and final loss against rate (right).

    ``runs`` maps each learning rate to its history (or list of losses). A run whose loss
    became infinite or NaN is marked diverged (a red × at the top of the right panel).
    """
    if not runs:
        raise ValueError("plot_lr_sweep: runs is empty; pass {learning_rate: history}")
    fig = new_figure(figsize=(11, 4.2))
    left, right = fig.subplots(1, 2)
    rates = sorted(runs)
    finals: list[tuple[float, float]] = []
    diverged: list[tuple[float, float]] = []
    for lr in rates:
        values = curve(runs[lr], per)
        left.plot(np.arange(1, len(values) + 1), values, label=f"lr = {lr:g}")
        last = values[-1] if len(values) else math.nan
        (diverged if not np.isfinite(last) else finals).append((lr, last))
    left.set_yscale("log")
    left.set_xlabel(per)
    left.set_ylabel("loss")
    left.set_title("Loss curves by learning rate")
    left.legend(fontsize="small")
    if finals:
        right.plot([r for r, _ in finals], [v for _, v in finals], "o-", color="#1d4ed8")
    if diverged:
        top = max((v for _, v in finals), default=1.0)
        right.scatter([r for r, _ in diverged], [top] * len(diverged), marker="x", s=80,
                      color="#b91c1c", label="diverged")  # fmt: skip
        right.legend()
    right.set_xscale("log")
    right.set_yscale("log")
    right.set_xlabel("learning rate")
    right.set_ylabel(f"final loss (last {per})")
    right.set_title("Where the sweep ends")
    for ax in (left, right):
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return save_figure(fig, path, "plot_lr_sweep")


class GradientNormRecorder:
    """Records ‖∂L/∂θ‖ per layer; pass it to ``fit(callbacks=[...])`` or call ``record()``.

    ``fit`` calls it once per epoch, after the epoch's last update, while the parameters still
    hold that update's gradients. Parameters are grouped by layer from their dotted names
    (``0.weight`` and ``0.bias`` → ``layer 0``); each entry is the 2-norm of the layer's
    gradients together. ``norms`` maps layer names to one value per record.
    """

    def __init__(self, model: Any) -> None:
        if hasattr(model, "named_parameters"):
            named = list(model.named_parameters())
        else:
            named = [(p.name or f"param{i}", p) for i, p in enumerate(model)]
        self.groups: dict[str, list[Tensor]] = {}
        for name, p in named:
            key = f"layer {name.rsplit('.', 1)[0]}" if "." in name else name
            self.groups.setdefault(key, []).append(p)
        self.norms: dict[str, list[float]] = {k: [] for k in self.groups}

    def record(self) -> None:
        """Add the current gradient norm of each layer (0 where no gradient is set)."""
        for key, params in self.groups.items():
            total = sum(float(np.sum(np.square(p.grad))) for p in params if p.grad is not None)
            self.norms[key].append(math.sqrt(total))

    def __call__(self, epoch: int, history: Any) -> None:
        self.record()


def plot_gradient_norms(
    norms: Mapping[str, Sequence[float]] | GradientNormRecorder,
    *,
    log_y: bool = True,
    xlabel: str = "epoch",
    title: str = "Gradient norm per layer",
    path: PathLike = None,
) -> Any:
    """One line per layer of its gradient norm over training (log scale by default).

    With sigmoid or tanh in deep stacks the early layers' lines sit decades below the last
    layer's: the vanishing gradient, seen.
    """
    data = norms.norms if isinstance(norms, GradientNormRecorder) else norms
    if not data:
        raise ValueError("plot_gradient_norms: no layers to plot")
    fig = new_figure(figsize=(7, 4.2))
    ax = fig.add_subplot()
    for name, values in data.items():
        arr = np.asarray(values, dtype=np.float64)
        shown = np.where(arr > 0, arr, np.nan) if log_y else arr  # log axes cannot show 0
        ax.plot(np.arange(1, len(arr) + 1), shown, label=mpl_text(str(name)))
    if log_y:
        ax.set_yscale("log")
    ax.set_xlabel(mpl_text(xlabel))
    ax.set_ylabel("‖∂L/∂θ‖ (2-norm)")
    ax.set_title(mpl_text(title))
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return save_figure(fig, path, "plot_gradient_norms")
