"""The bare graph engine of ``bench_floor``: tinygrad_edu's design with every feature taken out.

An op is an object that keeps its inputs and a creation number, the tensor it makes points to it,
and backward walks the graph from the loss, newest op first (a heap), adding up contributions in a
dict. No hooks, version counters, grad modes, dtype rules or higher order. The helpers at the top
are shared with ``bench_bare_tape``.
"""

from __future__ import annotations

import itertools
from heapq import heappop, heappush
from typing import Any

import numpy as np

Array = Any
_sum = np.add.reduce
SEED = np.ones(())  # ∂L/∂L, shared: no engine here writes into a gradient


def unbroadcast(g: Array, shape: tuple[int, ...]) -> Array:
    """Sum ``g`` over the leading axes broadcasting added (the only kind these workloads make)."""
    return _sum(g, axis=tuple(range(g.ndim - len(shape)))).reshape(shape)


def spread(g: Array, shape: tuple[int, ...]) -> Array:
    """The gradient of a full sum: ``g`` copied into every element of ``shape``."""
    out = np.empty(shape)
    out[...] = g
    return out


class Node:
    """A tensor of the graph engine: its values, its gradient and the op that made it."""

    __slots__ = ("data", "grad", "op", "requires_grad")
    data: Array
    grad: Array | None
    op: Op | None
    requires_grad: bool

    def __init__(self, data: Array, requires_grad: bool = False) -> None:
        self.data, self.grad, self.op, self.requires_grad = data, None, None, requires_grad

    def __add__(self, other: Node) -> Node:
        return binary(Add(), self, other)

    def __mul__(self, other: Node) -> Node:
        return binary(Mul(), self, other)

    def __matmul__(self, other: Node) -> Node:
        return binary(MatMul(), self, other)

    def tanh(self) -> Node:
        return unary(Tanh(), self)

    def sum(self) -> Node:
        return unary(Sum(), self)


class Op:
    """One recorded operation: ``forward`` on arrays, ``backward`` gives one gradient per input."""

    __slots__ = ("inputs", "saved", "seq")
    inputs: tuple[Node, ...]
    seq: int

    def forward(self, *xs: Array) -> Array:
        raise NotImplementedError  # each op below defines it

    def backward(self, g: Array) -> tuple[Array, ...]:
        raise NotImplementedError


class Add(Op):
    def forward(self, a: Array, b: Array) -> Array:
        return a + b

    def backward(self, g: Array) -> tuple[Array, ...]:
        return g, g


class Mul(Op):
    def forward(self, a: Array, b: Array) -> Array:
        self.saved = a, b
        return a * b

    def backward(self, g: Array) -> tuple[Array, ...]:
        a, b = self.saved
        x, y = self.inputs
        return (g * b if x.requires_grad else None), (g * a if y.requires_grad else None)


class MatMul(Op):
    def forward(self, a: Array, b: Array) -> Array:
        self.saved = a, b
        return a @ b

    def backward(self, g: Array) -> tuple[Array, ...]:
        a, b = self.saved
        x, y = self.inputs
        return (g @ b.T if x.requires_grad else None), (a.T @ g if y.requires_grad else None)


class Tanh(Op):
    def forward(self, x: Array) -> Array:
        self.saved = out = np.tanh(x)
        return out

    def backward(self, g: Array) -> tuple[Array, ...]:
        return (g * (1 - self.saved * self.saved),)


class Sum(Op):
    def forward(self, x: Array) -> Array:
        self.saved = x.shape
        return np.asarray(_sum(x, axis=None))

    def backward(self, g: Array) -> tuple[Array, ...]:
        return (spread(g, self.saved),)


class SquaredError(Op):
    """mean (p − y)², one op as tinygrad_edu's ``mse`` is."""

    def forward(self, p: Array, y: Array) -> Array:
        self.saved = d = p - y
        return np.asarray(_sum(d * d, axis=None) / d.size)

    def backward(self, g: Array) -> tuple[Array, ...]:
        d = self.saved
        return (g / d.size) * 2 * d, None


_next_seq = itertools.count().__next__


def _output(data: Array, op: Op) -> Node:
    """The op's output, linked to it (every recorded op here leads to a parameter)."""
    out: Node = object.__new__(Node)  # (skips __init__: each call costs on every op)
    out.data, out.grad, out.op, out.requires_grad = data, None, op, True
    op.seq = _next_seq()
    return out


def unary(op: Op, a: Node) -> Node:
    op.inputs = (a,)
    return _output(op.forward(a.data), op)


def binary(op: Op, a: Node, b: Node) -> Node:
    op.inputs = (a, b)
    return _output(op.forward(a.data, b.data), op)


def graph_backward(loss: Node) -> None:
    """Walk from ``loss`` to the leaves, newest op first; leaves add into ``.grad``."""
    pending: dict[Node, Array] = {loss: SEED}
    queue: list[tuple[int, Node]] = [(-loss.op.seq, loss)] if loss.op is not None else []
    while queue:
        node = heappop(queue)[1]
        op: Any = node.op
        for parent, pg in zip(op.inputs, op.backward(pending.pop(node))):  # noqa: B905
            if pg is None or not parent.requires_grad:
                continue
            if pg.shape != parent.data.shape:
                pg = unbroadcast(pg, parent.data.shape)
            seen = pending.get(parent)
            pending[parent] = pg if seen is None else seen + pg
            if seen is None and parent.op is not None:
                heappush(queue, (-parent.op.seq, parent))
    for leaf, g in pending.items():
        leaf.grad = g if leaf.grad is None else leaf.grad + g
