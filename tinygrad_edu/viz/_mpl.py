"""matplotlib without pyplot: figures that draw with Agg and leave the user's backend alone.

Figures are made from ``matplotlib.figure.Figure`` with their own Agg canvas, never through
``pyplot``: nothing is registered with pyplot's figure manager, no GUI backend is started (so it
works on a headless machine), and ``matplotlib.use`` is never called. Jupyter still shows a
returned ``Figure`` inline.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ._paths import output_path

EXTRA = "pip install tinygrad_edu[viz]"


def require_matplotlib(what: str) -> None:
    """Raise an ImportError naming the extra when matplotlib is not installed."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise ImportError(f"{what} needs matplotlib: {EXTRA}") from None


def new_figure(figsize: tuple[float, float] = (6.4, 4.8), **kwargs: Any) -> Any:
    """A ``matplotlib.figure.Figure`` with its own Agg canvas (no pyplot, no GUI)."""
    require_matplotlib("plotting")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, **kwargs)
    FigureCanvasAgg(fig)
    return fig


def image_formats() -> list[str]:
    """Formats ``Figure.savefig`` can write here, PNG first (the default for no suffix)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    found = sorted(FigureCanvasAgg(Figure()).get_supported_filetypes())
    return ["png", *(f for f in found if f != "png")]


def save_figure(fig: Any, path: str | Path | None, where: str, dpi: float = 120) -> Any:
    """Save ``fig`` to ``path`` when one is given (format from the suffix); return ``fig``."""
    if path is None:
        return fig
    target, fmt = output_path(path, None, image_formats(), where)
    fig.savefig(target, format=fmt, dpi=dpi, bbox_inches="tight", facecolor="white")
    return fig
