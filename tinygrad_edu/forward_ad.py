"""Forward-mode autodiff: tangents carried through the forward computation, one op at a time.

Reverse mode (``backward``) answers "how does *one output* depend on every input?" in one pass
over the graph, backwards. Forward mode answers "how does *every output* move when the inputs move
in one direction v?" — the Jacobian-vector product J·v — in one pass *forwards*, during the
computation itself, with no backward walk.

Each value x carries a tangent ẋ (its directional derivative). While ``tangents(table)`` is
active in this thread, every op the tensor module records also applies its tangent rule,
``fn.jvp(*input_tangents, *saved) -> output tangent`` (``Mul``: ṫ = ȧ·b + a·ḃ), and ``table``
maps the op's output tensor to the result. Inputs without a tangent count as constants (ẋ = 0).
A fused op without a rule of its own (the losses) gets its tangent from its composite form.
``func.jvp`` and ``func.jacfwd`` are built on this. Their results carry no graph, so an outer
reverse-mode pass through them raises (``ThroughForwardMode``) rather than report a zero gradient.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np

from . import _config
from .autograd import Array, Function

Table = dict[Any, Array]


@contextlib.contextmanager
def tangents(table: Table) -> Iterator[Table]:
    """Carry tangents in ``table`` (tensor → tangent array) through every op recorded meanwhile."""
    modes = _config.modes
    if modes.tangents is not None:
        raise NotImplementedError(
            "forward mode inside forward mode (jvp of a jvp) is not supported; use jacrev for "
            "the inner transform (e.g. hessian = jacfwd(jacrev(f)) or jacrev(jacrev(f)))"
        )
    modes.tangents = table
    _config._update_special()
    try:
        yield table
    finally:
        modes.tangents = None
        _config._update_special()


def push_tangent(fn: Function, out: Any, table: Table) -> None:
    """Give ``out`` (just made by ``fn``) its tangent, if any input of ``fn`` has one."""
    found = [table.get(t) for t in fn.inputs]
    if all(d is None for d in found):
        return
    rule = getattr(fn, "jvp", None)
    if rule is not None:
        given = [
            np.zeros_like(t.data) if d is None else d for t, d in zip(fn.inputs, found, strict=True)
        ]
        tangent = np.asarray(rule(*given, *fn.saved))
    elif getattr(fn, "composite", None) is not None:
        reference = fn.composite(*fn.inputs)  # type: ignore[attr-defined]
        tangent = table.get(reference, np.zeros(out.data.shape, out.data.dtype))
    else:
        raise TypeError(
            f"{fn.name} has no tangent rule: give it jvp(self, *tangents, *saved) (or a "
            "composite(*inputs) form) to use it in forward mode (func.jvp, func.jacfwd)"
        )
    if tangent.shape != out.data.shape:
        tangent = np.broadcast_to(tangent, out.data.shape).copy()
    table[out] = tangent.astype(out.data.dtype, copy=False)


class ThroughForwardMode(Function):
    """A result of forward mode, linked to the primals an outer reverse-mode pass differentiates.

    Tangents are arrays: nothing records how ``jvp``'s results (or ``jacfwd``'s, ``hvp``'s)
    depend on the primals, so an outer ``grad``, ``vjp`` or ``jacrev`` would find no path and
    report a gradient of 0. Results made from primals that require grad carry this op instead,
    and a backward pass that reaches it raises, naming the transform.
    """

    # (so that a create_graph pass, too, reaches backward and its message)
    differentiable_backward = True

    def __init__(self, value: Array, where: str) -> None:
        self.value, self.where = value, where

    def forward(self, *primals: Array) -> Array:
        return self.value

    def backward(self, g: Any, saved: Any) -> tuple[Any, ...]:
        raise NotImplementedError(
            f"reverse mode through forward mode ({self.where} inside grad, vjp or jacrev) is not "
            "supported: forward mode's tangents are arrays with no graph. Use reverse mode for "
            "the inner transform (jacrev(jacrev(f)) for a Hessian) or put forward mode outside "
            "(jvp of grad, as hvp and hessian do)"
        )
