"""The bare tape engine of ``bench_floor``: a design other than tinygrad_edu's, nothing else.

Each op appends its output, its inputs and its backward (a closure) to a tape, and backward runs
the tape in reverse. No graph walk, but also no graph to keep: the tape is used once, and every
recorded op is visited, needed or not.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from bench_bare_graph import SEED, Array, spread, unbroadcast

_sum = np.add.reduce


class Var:
    """A tensor of the tape engine: values and gradient; how it was made is on the tape."""

    __slots__ = ("data", "grad", "requires_grad")
    data: Array
    grad: Array | None
    requires_grad: bool

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
    return _taped(np.asarray(_sum(a.data, axis=None)), (a,), lambda g: (spread(g, shape),))


def t_squared_error(p: Var, y: Var) -> Var:
    d = p.data - y.data
    loss = np.asarray(_sum(d * d, axis=None) / d.size)
    return _taped(loss, (p, y), lambda g: ((g / d.size) * 2 * d, None))


def tape_backward(loss: Var) -> None:
    """Run the tape backwards from ``loss``; every tensor's ``.grad`` collects its gradient."""
    loss.grad = SEED
    for out, inputs, backward in reversed(_tape):
        if out.grad is None:
            continue  # not on the way to the loss
        for x, gx in zip(inputs, backward(out.grad)):  # noqa: B905
            if gx is None or not x.requires_grad:
                continue
            if gx.shape != x.data.shape:
                gx = unbroadcast(gx, x.data.shape)
            x.grad = gx if x.grad is None else x.grad + gx
    _tape.clear()
