"""Two bare engines: the least an engine of each design costs, measured on W1, W3s and W6.

tinygrad_edu's eager engine misses several of its targets. To tell what the *design* costs from
what the *features* cost (hooks, version counters against in-place changes, grad modes, anomaly
checks, dtype rules, retained graphs, higher order), these two engines keep a design and drop
everything else. Their ratios are a floor: an engine of that design, written in Python over
NumPy, does not get below them on this machine.

* **bare graph engine** — tinygrad_edu's design and nothing else: an op is an object that keeps
  its inputs and a creation number, the tensor it makes points to it, and backward walks the
  graph from the loss, newest op first (a heap), adding up contributions in a dict.
* **bare tape engine** — another design: each op appends its output, inputs and backward (a
  closure) to a tape, and backward runs the tape in reverse. No graph walk, but also no graph
  to keep: the tape is used once, and every recorded op is visited, needed or not.

Both reduce a broadcast gradient to its input's shape (the bias of W3s needs it) and keep a
leaf's first gradient without a copy (nothing here writes into one). Each is checked against the
hand-written NumPy result like every other implementation.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from heapq import heappop, heappush
from typing import Any

import numpy as np
from bench_harness import BARE_ENGINES, Go, Impl, Result

GRAPH, TAPE = BARE_ENGINES
Array = Any
_sum = np.add.reduce


def _unbroadcast(g: Array, shape: tuple[int, ...]) -> Array:
    """Sum ``g`` over the leading axes broadcasting added (the only kind these workloads make)."""
    return _sum(g, axis=tuple(range(g.ndim - len(shape)))).reshape(shape)


def _spread(g: Array, shape: tuple[int, ...]) -> Array:
    """The gradient of a full sum: ``g`` copied into every element of ``shape``."""
    out = np.empty(shape)
    out[...] = g
    return out


# ------------------------------------------------------------------------ the bare graph engine
class Node:
    """A tensor of the graph engine: its values, its gradient and the op that made it."""

    __slots__ = ("data", "grad", "op", "requires_grad")

    def __init__(self, data: Array, requires_grad: bool = False) -> None:
        self.data, self.grad, self.op, self.requires_grad = data, None, None, requires_grad

    def __add__(self, other: Node) -> Node:
        return _binary(Add(), self, other)

    def __mul__(self, other: Node) -> Node:
        return _binary(Mul(), self, other)

    def __matmul__(self, other: Node) -> Node:
        return _binary(MatMul(), self, other)

    def tanh(self) -> Node:
        return _unary(Tanh(), self)

    def sum(self) -> Node:
        return _unary(Sum(), self)


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
        return (_spread(g, self.saved),)


class SquaredError(Op):
    """mean (p − y)², one op as tinygrad_edu's ``mse`` is."""

    def forward(self, p: Array, y: Array) -> Array:
        self.saved = d = p - y
        return np.asarray(_sum(d * d, axis=None) / d.size)

    def backward(self, g: Array) -> tuple[Array, ...]:
        d = self.saved
        return (g / d.size) * 2 * d, None


_next_seq = itertools.count().__next__
_SEED = np.ones(())  # ∂L/∂L, shared: no engine here writes into a gradient


def _output(data: Array, op: Op) -> Node:
    """The op's output, linked to it (every recorded op here leads to a parameter)."""
    out: Node = object.__new__(Node)  # (skips __init__: each call costs on every op)
    out.data, out.grad, out.op, out.requires_grad = data, None, op, True
    op.seq = _next_seq()
    return out


def _unary(op: Op, a: Node) -> Node:
    op.inputs = (a,)
    return _output(op.forward(a.data), op)


def _binary(op: Op, a: Node, b: Node) -> Node:
    op.inputs = (a, b)
    return _output(op.forward(a.data, b.data), op)


def graph_backward(loss: Node) -> None:
    """Walk from ``loss`` to the leaves, newest op first; leaves add into ``.grad``."""
    pending: dict[Node, Array] = {loss: _SEED}
    queue = [(-loss.op.seq, loss)] if loss.op is not None else []
    while queue:
        node = heappop(queue)[1]
        op: Any = node.op
        for parent, pg in zip(op.inputs, op.backward(pending.pop(node))):  # noqa: B905
            if pg is None or not parent.requires_grad:
                continue
            if pg.shape != parent.data.shape:
                pg = _unbroadcast(pg, parent.data.shape)
            seen = pending.get(parent)
            pending[parent] = pg if seen is None else seen + pg
            if seen is None and parent.op is not None:
                heappush(queue, (-parent.op.seq, parent))
    for leaf, g in pending.items():
        leaf.grad = g if leaf.grad is None else leaf.grad + g


# ------------------------------------------------------------------------- the bare tape engine
class Var:
    """A tensor of the tape engine: values and gradient; how it was made is on the tape."""

    __slots__ = ("data", "grad", "requires_grad")

    def __init__(self, data: Array, requires_grad: bool = False) -> None:
        self.data, self.grad, self.requires_grad = data, None, requires_grad


Backward = Callable[[Array], tuple[Array, ...]]
_tape: list[tuple[Var, tuple[Var, ...], Backward]] = []


def _taped(data: Array, inputs: tuple[Var, ...], backward: Backward) -> Var:
    out: Var = object.__new__(Var)
    out.data, out.grad, out.requires_grad = data, None, True
    _tape.append((out, inputs, backward))
    return out


def t_add(a: Var, b: Var) -> Var:
    return _taped(a.data + b.data, (a, b), lambda g: (g, g))


def t_mul(a: Var, b: Var) -> Var:
    x, y, ga, gb = a.data, b.data, a.requires_grad, b.requires_grad
    return _taped(x * y, (a, b), lambda g: ((g * y if ga else None), (g * x if gb else None)))


def t_matmul(a: Var, b: Var) -> Var:
    x, y, ga, gb = a.data, b.data, a.requires_grad, b.requires_grad
    return _taped(x @ y, (a, b), lambda g: ((g @ y.T if ga else None), (x.T @ g if gb else None)))


def t_tanh(a: Var) -> Var:
    out = np.tanh(a.data)
    return _taped(out, (a,), lambda g: (g * (1 - out * out),))


def t_sum(a: Var) -> Var:
    shape = a.data.shape
    return _taped(np.asarray(_sum(a.data, axis=None)), (a,), lambda g: (_spread(g, shape),))


def t_squared_error(p: Var, y: Var) -> Var:
    d = p.data - y.data
    loss = np.asarray(_sum(d * d, axis=None) / d.size)
    return _taped(loss, (p, y), lambda g: ((g / d.size) * 2 * d, None))


def tape_backward(loss: Var) -> None:
    """Run the tape backwards from ``loss``; every tensor's ``.grad`` collects its gradient."""
    loss.grad = _SEED
    for out, inputs, backward in reversed(_tape):
        if out.grad is None:
            continue  # not on the way to the loss
        for x, gx in zip(inputs, backward(out.grad)):  # noqa: B905
            if gx is None or not x.requires_grad:
                continue
            if gx.shape != x.data.shape:
                gx = _unbroadcast(gx, x.data.shape)
            x.grad = gx if x.grad is None else x.grad + gx
    _tape.clear()


# ----------------------------------------------------------------------------- the workloads
def w1(a: Array, b: Array, c: Array, d: Array, iters: int) -> list[Impl]:
    """((a*b + c).tanh() * d).sum() forward and backward, in each engine."""

    def graph() -> Go:
        A, B, C, D = (Node(x, True) for x in (a, b, c, d))

        def go() -> Result:
            for _ in range(iters):
                for p in (A, B, C, D):
                    p.grad = None
                loss = ((A * B + C).tanh() * D).sum()
                graph_backward(loss)
            return {"loss": loss.data, "a": A.grad, "b": B.grad, "c": C.grad, "d": D.grad}

        return go

    def tape() -> Go:
        A, B, C, D = (Var(x, True) for x in (a, b, c, d))

        def go() -> Result:
            for _ in range(iters):
                for p in (A, B, C, D):
                    p.grad = None
                loss = t_sum(t_mul(t_tanh(t_add(t_mul(A, B), C)), D))
                tape_backward(loss)
            return {"loss": loss.data, "a": A.grad, "b": B.grad, "c": C.grad, "d": D.grad}

        return go

    return [Impl(GRAPH, graph), Impl(TAPE, tape)]


def w6(x0: Array, steps: int) -> list[Impl]:
    """``x = x * 1.0001 + 0.0001`` written out ``steps`` times, then the sum's backward."""

    def graph() -> Go:
        scale, shift = Node(np.array(1.0001)), Node(np.array(0.0001))

        def go() -> Result:
            x = x_in = Node(x0, True)
            for _ in range(steps):
                x = x * scale + shift
            loss = x.sum()
            graph_backward(loss)
            return {"x": x.data, "loss": loss.data, "grad": x_in.grad}

        return go

    def tape() -> Go:
        scale, shift = Var(np.array(1.0001)), Var(np.array(0.0001))

        def go() -> Result:
            x = x_in = Var(x0, True)
            for _ in range(steps):
                x = t_add(t_mul(x, scale), shift)
            loss = t_sum(x)
            tape_backward(loss)
            return {"x": x.data, "loss": loss.data, "grad": x_in.grad}

        return go

    return [Impl(GRAPH, graph), Impl(TAPE, tape)]


def w3s(X: Array, y: Array, rows: list[slice], lr: float) -> list[Impl]:
    """Stochastic GD on ``X @ w + b`` with the mean squared error, one row per step."""

    def run(step: Callable[[Array, Array], Array], w: Any, b: Any) -> Result:
        for r in rows:
            loss = step(X[r], y[r].reshape(-1, 1))  # (the targets take the predictions' shape)
            for p in (w, b):
                p.data -= lr * p.grad
        return {"w": w.data.reshape(-1), "b": b.data.reshape(()), "loss": loss}

    def graph() -> Go:
        w, b = Node(np.ones((2, 1)), True), Node(np.zeros(1), True)

        def step(xb: Array, t: Array) -> Array:
            w.grad = b.grad = None
            loss = _binary(SquaredError(), Node(xb) @ w + b, Node(t))
            graph_backward(loss)
            return loss.data

        return lambda: run(step, w, b)

    def tape() -> Go:
        w, b = Var(np.ones((2, 1)), True), Var(np.zeros(1), True)

        def step(xb: Array, t: Array) -> Array:
            w.grad = b.grad = None
            loss = t_squared_error(t_add(t_matmul(Var(xb), w), b), Var(t))
            tape_backward(loss)
            return loss.data

        return lambda: run(step, w, b)

    return [Impl(GRAPH, graph), Impl(TAPE, tape)]
