"""Draw a Graphviz layout (``dot -Tjson``) with matplotlib: PNG and PDF without Cairo.

Graphviz's JSON output lists, for the graph, every node and every edge, the drawing operations
of its shapes and texts (xdot: ``e`` ellipse, ``p`` polygon, ``b`` B-spline, ``T`` text, ``c``/``C``
pen/fill colour, ``F`` font, ``S`` style) in points with y pointing up. One matplotlib data unit
is made one point, so the drawing is Graphviz's at any dpi. Fonts are matplotlib's bundled
DejaVu family; a text wider than the room Graphviz gave it is shrunk to fit.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from typing import Any

from ._doc import ROLE_STYLE
from ._mpl import new_figure
from .escape import mpl_text

FONTS = {"courier": "DejaVu Sans Mono", "times": "DejaVu Serif"}


def _family(face: str) -> str:
    low = face.lower()
    return next((f for key, f in FONTS.items() if key in low), "DejaVu Sans")


def _color(spec: str) -> Any:
    from matplotlib.colors import to_rgba

    if spec in ("transparent", "none", "invis"):
        return (0.0, 0.0, 0.0, 0.0)
    try:
        return to_rgba(spec)
    except ValueError:
        return (0.0, 0.0, 0.0, 1.0)


class _Pen:
    """The drawing state the xdot operations change."""

    def __init__(self) -> None:
        self.pen: Any = (0.0, 0.0, 0.0, 1.0)
        self.fill: Any = (0.0, 0.0, 0.0, 0.0)
        self.width = 1.0
        self.dash = "solid"
        self.size, self.face, self.bold = 14.0, "Times-Roman", False


def _style(pen: _Pen, style: str) -> None:
    if style.startswith("setlinewidth("):
        pen.width = float(style[len("setlinewidth(") : -1])
    elif style in ("dashed", "dotted", "solid"):
        pen.dash = style
    elif style == "bold":
        pen.width = 2.0


def _text_width(text: str, size: float, family: str, bold: bool) -> float:
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    prop = FontProperties(family=family, size=size, weight="bold" if bold else "normal")
    width, _, _ = TextToPath().get_text_width_height_descent(text, prop, ismath=False)
    return float(width)


def _draw(ax: Any, ops: Iterable[Mapping[str, Any]], pen: _Pen, roles: list[str]) -> None:
    from matplotlib.patches import Ellipse, PathPatch, Polygon
    from matplotlib.path import Path as MPath

    texts = 0
    for op in ops:
        kind = op["op"]
        if kind == "c":
            pen.pen = _color(op["color"])
        elif kind == "C":
            stops = op.get("stops")
            pen.fill = _color(stops[0]["color"] if stops else op["color"])
        elif kind == "S":
            _style(pen, op["style"])
        elif kind == "F":
            pen.size, pen.face = float(op["size"]), str(op["face"])
        elif kind == "t":
            pen.bold = bool(int(op["fontchar"]) & 1)
        elif kind in "eEpPLbB":
            fill = pen.fill if kind.isupper() and kind != "L" else "none"
            common = {"facecolor": fill, "edgecolor": pen.pen, "linewidth": pen.width,
                      "linestyle": pen.dash}  # fmt: skip
            if kind in "eE":
                cx, cy, rx, ry = op["rect"]
                ax.add_patch(Ellipse((cx, cy), 2 * rx, 2 * ry, **common))
            elif kind in "pPL":
                ax.add_patch(Polygon(op["points"], closed=kind != "L", **common))
            else:
                points = op["points"]
                codes = [MPath.MOVETO] + [MPath.CURVE4] * (len(points) - 1)
                ax.add_patch(PathPatch(MPath(points, codes), **common))
        elif kind == "T":
            color, size = pen.pen, pen.size
            if texts < len(roles):
                role_color, role_size = ROLE_STYLE[roles[texts]]
                color, size = _color(role_color), role_size or size
            texts += 1
            family = _family(pen.face)
            room = float(op.get("width", 0.0))
            needed = _text_width(op["text"], size, family, pen.bold)
            room += 6.0  # Graphviz leaves a margin round every label
            if needed > room:
                size *= room / needed
            align = {"l": "left", "r": "right"}.get(op["align"], "center")
            x, y = op["pt"]
            ax.text(x, y, mpl_text(op["text"]), ha=align, va="baseline", fontsize=size,
                    color=color, family=family,
                    fontweight="bold" if pen.bold else "normal")  # fmt: skip


def draw_layout(
    layout: Mapping[str, Any], roles: Mapping[str, list[str]], fmt: str, dpi: float = 144
) -> bytes:
    """The layout drawn as ``fmt`` ("png", "pdf", ...) bytes; ``roles`` colour node texts."""
    x0, y0, x1, y1 = (float(v) for v in str(layout["bb"]).split(","))
    pad = 4.0  # points: lines on the bounding box are half outside it
    x0, y0 = x0 - pad, y0 - pad
    width, height = max(x1 - x0 + pad, 1.0), max(y1 - y0 + pad, 1.0)
    fig = new_figure(figsize=(width / 72, height / 72))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(x0, x0 + width)
    ax.set_ylim(y0, y0 + height)
    ax.set_axis_off()
    _draw(ax, layout.get("_draw_", []), _Pen(), [])
    for edge in layout.get("edges", []):
        pen = _Pen()
        for key in ("_draw_", "_hdraw_", "_tdraw_", "_ldraw_", "_hldraw_", "_tldraw_"):
            _draw(ax, edge.get(key, []), pen, [])
    for obj in layout.get("objects", []):
        pen = _Pen()
        for key in ("_draw_", "_ldraw_"):
            _draw(ax, obj.get(key, []), pen, list(roles.get(str(obj.get("name")), [])))
    _draw(ax, layout.get("_ldraw_", []), _Pen(), [])
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, dpi=dpi, facecolor="white")
    return buffer.getvalue()
