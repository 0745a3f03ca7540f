"""The tour's own figures, drawn with matplotlib's object API (no pyplot, no display needed).

Each function returns a ``matplotlib.figure.Figure``; ``Context.save`` writes it to a file.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from ..autograd import Array

COLORS = ("#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2")


def _figure(width: float = 8.0, height: float = 3.6, cols: int = 1) -> tuple[Figure, Any]:
    fig = Figure(figsize=(width, height), layout="constrained")
    return fig, fig.subplots(1, cols)


def curves(
    panels: Sequence[tuple[str, str, dict[str, Sequence[float]]]],
    log_y: bool = True,
    smooth: Sequence[int] = (),
) -> Figure:
    """One panel per (title, x label, {name: values}); each series plotted against 1, 2, ….

    ``smooth[i]`` > 0 smooths panel i: its noisy series (the cost goes up somewhere) longer
    than that are drawn faintly with their running mean over ``smooth[i]`` points on top, on a
    log x axis so short and long runs both show.
    """
    fig, axes = _figure(4.2 * len(panels), 3.6, len(panels))
    axes = np.atleast_1d(axes)
    windows = [*smooth, *[0] * len(panels)]
    for ax, (title, xlabel, series), window in zip(axes, panels, windows, strict=False):
        widths = np.linspace(2.6, 1.2, max(len(series), 1))
        for (name, values), color, lw in zip(series.items(), COLORS, widths, strict=False):
            x = np.arange(1, len(values) + 1)
            if window and len(values) > window and np.any(np.diff(values) > 0):
                ax.plot(x, values, color=color, lw=0.5, alpha=0.25)
                mean = np.convolve(values, np.ones(window) / window, mode="valid")
                label = f"{name} (mean of {window})"
                ax.plot(x[window - 1 :], mean, color=color, lw=1.5, label=label)
            else:
                ax.plot(x, values, label=name, color=color, lw=lw)
        ax.set(title=title, xlabel=xlabel, ylabel="cost")
        if window:
            ax.set_xscale("log")
        if log_y:
            ax.set_yscale("log")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    return fig


def log_loss_curves(ps: Array, eps: float) -> Figure:
    """−ln p (label 1) and −ln(1 − p) (label 0), with the cap that clipping at ε puts on them."""
    fig, ax = _figure(6.0, 3.6)
    clipped = np.clip(ps, eps, 1 - eps)
    ax.plot(ps, -np.log(clipped), color=COLORS[0], label="y = 1: −ln p")
    ax.plot(ps, -np.log(1 - clipped), color=COLORS[1], label="y = 0: −ln(1 − p)")
    ax.axhline(-np.log(eps), color="grey", ls=":", label=f"cap −ln ε = {-np.log(eps):.1f}")
    ax.set(xscale="log", xlabel="predicted probability p (log scale)", ylabel="loss")
    ax.set_title("log loss of one prediction")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return fig


def decision_boundary(
    X: Array, y: Array, lines: dict[str, tuple[float, float, float]], title: str
) -> Figure:
    """Points (age/100, affordability) coloured by label, and each model's line p = 0.5.

    For p = σ(w₁·age + w₂·aff + b) the boundary is w₁·age + w₂·aff + b = 0, i.e. for each
    affordability the age at which the model flips: age = −(w₂·aff + b)/w₁.
    """
    fig, ax = _figure(6.0, 3.8)
    jitter = np.random.default_rng(0).uniform(-0.04, 0.04, size=len(y))
    for label, marker, color in ((0, "o", "#64748b"), (1, "^", "#16a34a")):
        pick = y == label
        ax.scatter(
            X[pick, 0] * 100,
            X[pick, 1] + jitter[pick],
            marker=marker,
            color=color,
            s=22,
            label=f"bought = {label}",
            alpha=0.8,
        )
    aff = np.linspace(-0.1, 1.1, 50)
    for (name, (w1, w2, b)), color in zip(lines.items(), COLORS, strict=False):
        if w1 != 0:
            ax.plot(-(w2 * aff + b) / w1 * 100, aff, color=color, lw=1.5, label=f"{name}: p = 0.5")
    ax.set(xlabel="age (years)", ylabel="affordability (0/1, jittered)", title=title)
    ax.set_xlim(X[:, 0].min() * 100 - 5, X[:, 0].max() * 100 + 5)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="center right")
    return fig
