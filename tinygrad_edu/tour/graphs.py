"""Graph pictures for the tour and ``tinygrad-edu graph``, drawn by ``tinygrad_edu.viz``.

Each picture is written twice: the DOT text (``name.dot``, always) and the SVG (``name.svg``,
when Graphviz is available — ``viz`` uses the ``dot`` program or its WebAssembly build).
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from ..tensor import Tensor
from ..viz import RendererNotFoundError, animate_backward, render_graph, trace_backward
from .examples import example_loss

#: Top to bottom: a graph grows downwards, where a page scrolls, and keeps its text readable.
TB: dict[str, Any] = {"direction": "TB"}


def picture(loss: Tensor, stem: Path, **options: Any) -> list[Path]:
    """Write ``stem.dot`` and ``stem.svg`` of the graph of ``loss`` (``to_dot`` options);
    without Graphviz only the DOT file. Returns the files written, the picture last."""
    files = [render_graph(loss, stem.with_suffix(".dot"), **options)]
    with contextlib.suppress(RendererNotFoundError):  # no Graphviz: the DOT text only
        files.append(render_graph(loss, stem.with_suffix(".svg"), **options))
    return files


def write_example(example: str, out: Path) -> list[Path]:
    """Forward graph, backward graph (gradients on every node and edge), the trace table and
    an animation of the backward pass (SVG frames and an HTML page with a slider)."""
    loss = example_loss(example)
    files = picture(loss, out / example, show_grad=False, title=f"{example}: forward", **TB)
    trace = trace_backward(loss)
    files += picture(
        loss, out / f"{example}_backward", trace=trace, title=f"{example}: backward", **TB
    )
    text = out / f"{example}_trace.txt"
    text.write_text(trace.to_text() + "\n", encoding="utf-8")
    files.append(text)
    with contextlib.suppress(RendererNotFoundError):
        animation = animate_backward(trace, **TB)
        saved = animation.save(out, prefix=f"{example}_backprop", gif=False)
        files += [saved["html"]]
        files += [out / f"{example}_backprop_{k:03d}.svg" for k in range(len(animation))]
    return files
