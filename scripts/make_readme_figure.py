"""Draw the README's first picture: one neuron's backward pass, with every gradient.

The neuron is the teaching notebook's first insurance step: x1 = age/100 = 0.47, x2 =
affordability = 1, weights initialised to 1 and the bias to 0, so ŷ = σ(w1·x1 + w2·x2 + b) =
σ(1.47) ≈ 0.8131, and the log loss against the label y = 1. The picture is made by the library
itself (``trace_backward`` + ``render_graph``), top to bottom so it fits a README column.

Usage::

    python scripts/make_readme_figure.py [OUTPUT]      # default docs/images/neuron_backward.svg
"""

from __future__ import annotations

import sys
from pathlib import Path

from tinygrad_edu import Tensor
from tinygrad_edu.losses import binary_cross_entropy
from tinygrad_edu.viz import render_graph, trace_backward

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "docs" / "images" / "neuron_backward.svg"


def neuron_loss() -> Tensor:
    """L = log loss(σ(w1·x1 + w2·x2 + b), y = 1) with the notebook's first numbers."""
    x1 = Tensor(0.47, name="x1")
    x2 = Tensor(1.0, name="x2")
    w1 = Tensor(1.0, requires_grad=True, name="w1")
    w2 = Tensor(1.0, requires_grad=True, name="w2")
    b = Tensor(0.0, requires_grad=True, name="b")
    z = w1 * x1 + w2 * x2 + b
    z.name = "z"
    y_hat = z.sigmoid()
    y_hat.name = "ŷ"
    loss = binary_cross_entropy(y_hat, Tensor(1.0, name="y"))
    loss.name = "L"
    return loss


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else DEFAULT
    loss = neuron_loss()
    trace = trace_backward(loss)
    path = render_graph(
        loss,
        out,
        trace=trace,
        direction="TB",
        legend=True,
        title="One neuron, one backward pass: ŷ = σ(w1·x1 + w2·x2 + b), L = log loss (y = 1)",
    )
    print(trace)
    print(f"\nwrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
