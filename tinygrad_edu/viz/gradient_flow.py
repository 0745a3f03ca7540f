"""The gradient flow through a network: each layer's gradient norm, from the input side to the loss.

``plot_gradient_flow`` draws what a ``diagnostics.GradientFlowRecorder`` recorded: the layers on
the x axis (the one nearest the input first), ‖∂L/∂θ_ℓ‖ on a log y axis, one line per run and
chosen backward pass. A line that climbs from left to right by decades is a vanishing gradient
(the early layers get almost nothing to learn from); a flat line is a healthy flow. The figure
is made as in ``plots`` (no pyplot; written to ``path`` when given).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ._mpl import new_figure, save_figure

Norms = Mapping[str, Sequence[float]]
LINE_STYLES = ("-", "--", ":", "-.")


def _is_norms(run: Any) -> bool:
    """True for one ``{layer: [norm per pass]}`` mapping (not a mapping of labelled runs)."""
    return isinstance(run, Mapping) and all(
        isinstance(values, (Sequence, np.ndarray))
        and all(isinstance(v, (int, float, np.number)) for v in values)
        for values in run.values()
    )


def _runs(runs: Any) -> dict[str, Norms]:
    """``runs`` as ``{label: {layer: norms per pass}}`` (label "" for a single run)."""
    labelled = {"": runs} if hasattr(runs, "norms") or _is_norms(runs) else runs
    if not isinstance(labelled, Mapping) or not labelled:
        raise TypeError(
            f"plot_gradient_flow: expected a GradientFlowRecorder, {{layer: [norm per pass]}} "
            f"or {{label: recorder}}, got {type(runs).__name__}"
        )
    found: dict[str, Norms] = {}
    for label, run in labelled.items():
        norms = getattr(run, "norms", run)
        if not _is_norms(norms) or not norms:
            raise TypeError(
                f"plot_gradient_flow: run {label!r} is a {type(run).__name__}; expected a "
                "GradientFlowRecorder or a non-empty mapping {layer: [norm per pass]}"
            )
        counts = {len(values) for values in norms.values()}
        if len(counts) != 1:
            raise ValueError(
                f"plot_gradient_flow: run {label!r} has layers with different numbers of passes"
            )
        found[str(label)] = norms
    return found


def _pass_values(norms: Norms, index: int, label: str) -> tuple[np.ndarray, str]:
    """The norm of every layer at backward pass ``index`` (negative: from the end), and a name."""
    count = len(next(iter(norms.values())))
    if count == 0:
        raise ValueError(f"plot_gradient_flow: run {label!r} has recorded no backward pass yet")
    if not -count <= index < count:
        raise IndexError(
            f"plot_gradient_flow: run {label!r} recorded {count} backward pass(es), so pass "
            f"index {index} does not exist (valid: {-count} … {count - 1})"
        )
    number = index % count + 1
    name = "last pass" if number == count and index < 0 else f"pass {number}"
    return np.array([values[index] for values in norms.values()], dtype=np.float64), name


def plot_gradient_flow(
    runs: Any,
    *,
    passes: Sequence[int] = (0,),
    band: bool = False,
    log_y: bool = True,
    title: str = "Gradient norm per layer (input side → loss)",
    path: str | Path | None = None,
) -> Any:
    """Each layer's gradient norm ‖∂L/∂θ_ℓ‖ against its depth, for one run or several.

    ``runs`` is one recorder (or ``{layer: [norm per pass]}``) or a mapping ``{label: recorder}``
    to compare models, which must then have the same number of layers. ``passes`` picks the
    backward passes to draw (0: the first, at the initial weights; −1: the last); each gets its
    own line style. ``band=True`` shades, per layer, the range from the smallest to the largest
    norm over all recorded passes. Zeros are left out on a log axis (it cannot show them).
    """
    named = _runs(runs)
    if not passes:
        raise ValueError("plot_gradient_flow: passes is empty; give at least one pass index")
    fig = new_figure(figsize=(7, 4.2))
    ax = fig.add_subplot()
    layers: list[str] | None = None
    for k, (label, norms) in enumerate(named.items()):
        if layers is not None and len(norms) != len(layers):
            raise ValueError(
                f"plot_gradient_flow: run {label!r} has {len(norms)} layers, the first run has "
                f"{len(layers)}; compare models of the same depth"
            )
        layers = layers or list(norms)
        depth = np.arange(len(norms))
        color = f"C{k}"
        for j, index in enumerate(passes):
            values, name = _pass_values(norms, index, label)
            shown = np.where(values > 0, values, np.nan) if log_y else values
            style = LINE_STYLES[j % len(LINE_STYLES)]
            shown_label = f"{label}, {name}" if label else name
            ax.plot(depth, shown, style, marker="o", color=color, label=shown_label)
        if band:
            table = np.array([list(values) for values in norms.values()], dtype=np.float64)
            low, high = table.min(axis=1), table.max(axis=1)
            if log_y:
                low, high = np.where(low > 0, low, np.nan), np.where(high > 0, high, np.nan)
            ax.fill_between(depth, low, high, color=color, alpha=0.15, linewidth=0)
    assert layers is not None
    ax.set_xticks(np.arange(len(layers)), layers)
    if log_y:
        ax.set_yscale("log")
    ax.set_xlabel("layer (nearest the input first)")
    ax.set_ylabel("‖∂L/∂θ‖ of the layer (2-norm)")
    ax.set_title(title)
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return save_figure(fig, path, "plot_gradient_flow")
