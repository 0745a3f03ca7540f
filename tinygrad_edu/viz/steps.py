"""What a recorded backward pass holds: its steps, each input's share, every node's gradient.

This is the data ``trace_backward`` fills in (``trace.py``) and the tables, the chain-rule text
and the pictures read (``_tables.py``, ``chain.py``, ``dot.py``). It sits below all of them, so
each of those imports it and none imports another back.

A step is one op node's turn: it receives the *upstream* gradient ∂L/∂node and hands each
input its share, ``share = upstream × ∂node/∂input`` (summed over broadcast axes, so the share
has the input's shape).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ..autograd import Array, Function
from ..tensor import Tensor


@dataclass(frozen=True, eq=False)
class Contribution:
    """One input's share of one step: ``value = upstream × local`` in the input's shape.

    ``local`` is ∂node/∂input per element (in the broadcast shape), or None for ops whose local
    derivative is a Jacobian (matmul, softmax); ``total`` is the input's gradient so far, this
    share included; ``summed`` says broadcast axes were summed to get the input's shape back.
    """

    slot: int
    input: Tensor
    label: str
    operand: str  # "a"/"b" of the op's rule ("" for one-input ops)
    rule: str  # the part of the op's formula for this input
    local: Array | None
    value: Array
    summed: bool
    total: Array


@dataclass(frozen=True, eq=False)
class Step:
    """One op node's turn in the backward pass (``index`` counts from 1).

    ``upstream`` is ∂L/∂node, in the node's shape; ``contributions`` has one entry per input
    that needs a gradient.
    """

    index: int
    node: Tensor
    label: str
    fn: Function
    upstream: Array
    contributions: tuple[Contribution, ...]

    @property
    def op(self) -> str:
        """The op's name (``Mul``, ``Sigmoid``)."""
        return self.fn.name

    @property
    def formula(self) -> str:
        """The op's local rule as text, e.g. ``∂/∂a = b, ∂/∂b = a`` for ``Mul``."""
        return type(self.fn).formula


class TraceRecord:
    """The recorded pass: ``steps`` in run order, ``labels`` and ``grads`` of every node.

    ``root`` is the tensor the pass started from (L), ``seed`` its gradient ∂L/∂L (ones in
    L's shape unless given), ``grads[t]`` is ∂L/∂t for every node the pass reached.
    """

    def __init__(
        self,
        root: Tensor,
        seed: Array,
        steps: list[Step],
        labels: dict[Tensor, str],
        grads: dict[Tensor, Array],
    ) -> None:
        self.root, self.seed, self.steps, self.labels, self.grads = root, seed, steps, labels, grads

    def __len__(self) -> int:
        return len(self.steps)

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps)

    def grad(self, tensor: Tensor) -> Array | None:
        """∂root/∂tensor as recorded by the pass (None if no gradient reached it)."""
        return self.grads.get(tensor)
