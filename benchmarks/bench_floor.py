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
hand-written NumPy result like every other implementation. The engines are in
``bench_bare_graph`` and ``bench_bare_tape``; this module writes the workloads in each.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from bench_bare_graph import Node, SquaredError, binary, graph_backward
from bench_bare_tape import (
    Var,
    t_add,
    t_matmul,
    t_mul,
    t_squared_error,
    t_sum,
    t_tanh,
    tape_backward,
)
from bench_harness import BARE_ENGINES, Go, Impl, Result

GRAPH, TAPE = BARE_ENGINES
Array = Any


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
            loss = binary(SquaredError(), Node(xb) @ w + b, Node(t))
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
