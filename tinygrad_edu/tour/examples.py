"""The tour's two worked examples, built fresh on every call: ``neuron`` and ``mynn-loss``.

``neuron``: MyNN at its start (w1 = w2 = 1, b = 0) looking at a 47-year-old who can afford
insurance and bought it: z = w1·0.47 + w2·1 + b, p = σ(z), L = −ln p (the log loss against
y = 1). Every tensor is a scalar with a name, so the graph shows only what the formula says
(no reshape, no unnamed constant), as the README figure does.

``mynn-loss``: the log loss of MyNN on four rows shaped like the insurance table.
"""

from __future__ import annotations

import numpy as np

from ..losses import binary_cross_entropy
from ..models import MyNN
from ..tensor import Tensor

#: Four rows of the insurance table's shape (age/100, affordability → bought) for ``mynn-loss``.
MYNN_ROWS = (np.array([[0.23, 1.0], [0.45, 1.0], [0.31, 0.0], [0.64, 0.0]]), [0, 1, 0, 1])

EXAMPLES = ("neuron", "mynn-loss")


def neuron_example() -> tuple[Tensor, dict[str, Tensor]]:
    """The loss of the neuron example and its named tensors (intermediates keep ``.grad``)."""
    w1 = Tensor(1.0, requires_grad=True, name="w1")
    w2 = Tensor(1.0, requires_grad=True, name="w2")
    b = Tensor(0.0, requires_grad=True, name="b")
    age, aff = Tensor(0.47, name="age"), Tensor(1.0, name="aff")
    z = w1 * age + w2 * aff + b
    z.name = "z"
    p = z.sigmoid()
    p.name = "p"
    loss = binary_cross_entropy(p, Tensor(1.0, name="y"))
    loss.name = "L"
    for t in (z, p):
        t.retain_grad()
    return loss, {"w1": w1, "w2": w2, "b": b, "z": z, "p": p}


def example_loss(example: str) -> Tensor:
    """The loss tensor of a built-in example: one of ``EXAMPLES``."""
    if example == "neuron":
        return neuron_example()[0]
    if example == "mynn-loss":
        X, y = MYNN_ROWS
        net = MyNN()
        loss = binary_cross_entropy(net(Tensor(X)), y)
        loss.name = "L"
        return loss
    raise ValueError(f"unknown example {example!r}; choose one of {', '.join(EXAMPLES)}")
