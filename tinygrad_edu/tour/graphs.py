"""Graph pictures for the tour and ``tinygrad-edu graph``, drawn by ``tinygrad_edu.viz``.

Each picture is written twice: the DOT text (``name.dot``, always) and the SVG (``name.svg``,
when Graphviz is available — ``viz`` uses the ``dot`` program or its WebAssembly build).
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import numpy as np

from ..losses import binary_cross_entropy
from ..models import MyNN
from ..tensor import Tensor
from ..viz import RendererNotFoundError, animate_backward, render_graph, trace_backward

#: Four rows of the insurance table's shape (age/100, affordability → bought) for ``mynn-loss``.
MYNN_ROWS = (np.array([[0.23, 1.0], [0.45, 1.0], [0.31, 0.0], [0.64, 0.0]]), [0, 1, 0, 1])


def picture(loss: Tensor, stem: Path, **options: Any) -> list[Path]:
    """Write ``stem.dot`` and ``stem.svg`` of the graph of ``loss`` (``to_dot`` options);
    without Graphviz only the DOT file. Returns the files written, the picture last."""
    files = [render_graph(loss, stem.with_suffix(".dot"), **options)]
    with contextlib.suppress(RendererNotFoundError):  # no Graphviz: the DOT text only
        files.append(render_graph(loss, stem.with_suffix(".svg"), **options))
    return files


def example_loss(example: str) -> Tensor:
    """The loss tensor of a built-in example: ``neuron`` or ``mynn-loss``."""
    if example == "neuron":
        from .chain_rule import neuron_example

        return neuron_example()[0]
    if example == "mynn-loss":
        X, y = MYNN_ROWS
        net = MyNN()
        loss = binary_cross_entropy(net(Tensor(X)), y)
        loss.name = "L"
        return loss
    raise ValueError(f"unknown example {example!r}; choose neuron or mynn-loss")


def write_example(example: str, out: Path) -> list[Path]:
    """Forward graph, backward graph (gradients on every node and edge), the trace table and
    an animation of the backward pass (SVG frames and an HTML page with a slider)."""
    loss = example_loss(example)
    files = picture(loss, out / example, show_grad=False, title=f"{example}: forward")
    trace = trace_backward(loss)
    files += picture(loss, out / f"{example}_backward", trace=trace, title=f"{example}: backward")
    text = out / f"{example}_trace.txt"
    text.write_text(trace.to_text() + "\n", encoding="utf-8")
    files.append(text)
    with contextlib.suppress(RendererNotFoundError):
        saved = animate_backward(trace).save(out, prefix=f"{example}_backprop", gif=False)
        files += [p for key, p in saved.items() if key == "html"]
    return files
