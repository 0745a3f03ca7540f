"""``trace_backward``: the backward pass as a table of chain-rule steps, in the order they run.

At every step the engine takes one op node and its *upstream* gradient ∂L/∂node (complete: all
of the node's consumers have run before it) and hands each input its *share*::

    share = upstream × local derivative ∂node/∂input      (summed over broadcast axes)

An input's gradient is the sum of its shares, so a value used twice adds two of them. The trace
records each step with its local rule, the numbers, and each input's gradient so far:
``print(trace)`` shows the table, ``trace.chain(w)`` writes ∂L/∂w out as the product of local
derivatives along each path from L down to w.

``trace_backward(loss)`` **runs the backward pass itself**: leaves' ``.grad`` fill (and add up
over calls) exactly as ``loss.backward()`` would, so do not call both. Besides, the trace keeps
the gradient of *every* node (``trace.grads``), which ``backward()`` drops for intermediates.

>>> from tinygrad_edu import Tensor
>>> a, b = Tensor(2.0, requires_grad=True, name="a"), Tensor(3.0, requires_grad=True, name="b")
>>> L = a * b
>>> L.name = "L"
>>> trace = trace_backward(L)
>>> [(c.label, float(c.value)) for c in trace.steps[0].contributions]   # ∂(ab)/∂a = b, ∂/∂b = a
[('a', 3.0), ('b', 2.0)]
>>> float(a.grad[()])                                                     # filled, as backward()
3.0
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from .. import autograd, ops
from ..autograd import Array, Function
from ..tensor import Tensor, backward_seed
from . import _tables, _text
from .chain import chain_text
from .dot import to_dot
from .graph import operand_names, tensor_labels, walk
from .steps import Contribution, Step, TraceRecord

#: Ops whose ``backward(ones)`` is the local derivative of each element (each input element
#: reaches one output element); for the others (matmul, softmax) the local derivative is a
#: Jacobian and the table shows the rule only.
LOCAL_OPS = (
    ops.Add, ops.Sub, ops.Mul, ops.Div, ops.Pow, ops.Neg, ops.Exp, ops.Log, ops.Sqrt, ops.Abs,
    ops.Clip, ops.Sigmoid, ops.Tanh, ops.Relu, ops.LeakyRelu, ops.Sum, ops.Mean, ops.Max,
    ops.Reshape, ops.Transpose, ops.Index,
)  # fmt: skip


def _rules(fn: Function) -> list[str]:
    parts = re.split(r", (?=∂)", type(fn).formula)
    return parts if len(parts) == len(fn.inputs) else [type(fn).formula] * len(fn.inputs)


def _local(fn: Function, upstream: Array, input_grads: Any) -> tuple[Array | None, ...]:
    """∂node/∂input per element, where that is a number per element (else None).

    For the ops in ``LOCAL_OPS`` it is ``backward(ones)``. For any other op with a one-element
    output (a fused loss) the share is upstream × ∂node/∂input exactly, so it is share/upstream.
    """
    with np.errstate(all="ignore"):  # the same values backward itself just computed
        if isinstance(fn, LOCAL_OPS):
            return tuple(fn.grads(np.ones_like(upstream)))
        if upstream.size == 1 and upstream.item() != 0:
            return tuple(None if g is None else g / upstream for g in input_grads)
    return (None,) * len(fn.inputs)


def trace_backward(loss: Tensor, grad: Any = None) -> BackwardTrace:
    """Run ``loss``'s backward pass and record every chain-rule step (see the module doc).

    ``grad`` seeds a non-scalar ``loss`` (as in ``loss.backward(grad)``); a one-element loss is
    seeded with 1. The backward pass fills ``.grad`` exactly as ``loss.backward()`` does.
    """
    if not isinstance(loss, Tensor):
        raise TypeError(f"trace_backward: expected a Tensor, got {type(loss).__name__}")
    seed = backward_seed(loss, grad, "trace_backward")
    labels = tensor_labels(walk(loss))
    steps: list[Step] = []
    totals: dict[Tensor, Array] = {}

    def hook(node: Any, upstream: Array, input_grads: Any) -> None:
        fn = node.grad_fn
        locals_, rules = _local(fn, upstream, input_grads), _rules(fn)
        names = operand_names(fn)
        shares = []
        for i, (p, pg) in enumerate(zip(fn.inputs, input_grads, strict=True)):
            if pg is None or not p.requires_grad:
                continue
            share = np.array(autograd.unbroadcast(pg, p.data.shape), dtype=p.data.dtype)
            total = share if p not in totals else totals[p] + share
            totals[p] = total
            local = None if locals_[i] is None else np.array(locals_[i])
            shares.append(
                Contribution(
                    i,
                    p,
                    labels[p],
                    names[i],
                    rules[i],
                    local,
                    share,
                    pg.shape != p.data.shape,
                    total,
                )
            )
        steps.append(
            Step(len(steps) + 1, node, labels[node], fn, np.array(upstream), tuple(shares))
        )

    autograd.backward(loss, seed, hook=hook)
    grads: dict[Tensor, Array] = {loss: seed, **totals}
    for s in steps:
        grads[s.node] = s.upstream
    return BackwardTrace(loss, seed, steps, labels, grads)


class BackwardTrace(TraceRecord):
    """The recorded backward pass: ``steps`` in run order and ``grads`` of every node.

    ``str(trace)`` is a plain-text table, ``to_markdown()`` and ``to_html()`` the same table for
    notes and notebooks (a trace displays itself as HTML in Jupyter). ``to_dot()`` draws the
    graph with every node's gradient and each edge's share. The data itself (``root``, ``seed``,
    ``steps``, ``labels``, ``grads``, ``grad(t)``) is ``steps.TraceRecord``'s.
    """

    def __repr__(self) -> str:
        return f"<BackwardTrace of {self.labels[self.root]}: {len(self.steps)} steps>"

    # ---------------------------------------------------------------------------- the tables
    def columns(self) -> list[str]:
        """The table's column titles."""
        return _tables.columns(self)

    def intro(self) -> list[str]:
        """The lines above the table: what the steps are and the seed."""
        return _tables.intro(self)

    def outro(self, max_values: int = _text.MAX_VALUES) -> list[str]:
        """The lines below the table: every node's gradient after the pass."""
        return _tables.outro(self, max_values)

    def rows(self, max_values: int = _text.MAX_VALUES) -> list[list[str]]:
        """One row per (step, input) under ``_tables.columns``; step cells on its first row."""
        return _tables.rows(self, max_values)

    def to_text(self, max_values: int = _text.MAX_VALUES) -> str:
        """The trace as a plain-text table (what ``str(trace)`` gives)."""
        return _tables.to_text(self, max_values)

    def __str__(self) -> str:
        return self.to_text()

    def to_markdown(self, max_values: int = _text.MAX_VALUES) -> str:
        """The trace as Markdown: the intro, a pipe table and the final gradients."""
        return _tables.to_markdown(self, max_values)

    def to_html(self, max_values: int = _text.MAX_VALUES, highlight: int | None = None) -> str:
        """The trace as an HTML fragment (a styled table); ``highlight`` marks one step."""
        return _tables.to_html(self, max_values, highlight)

    def chain(self, tensor: Tensor, max_paths: int = 8) -> str:
        """∂root/∂tensor written out as the chain rule: the product of the local derivatives
        along each path from the root down to ``tensor``, summed over the paths (see ``chain``).
        """
        return chain_text(self, tensor, max_paths)

    def _repr_html_(self) -> str:
        return self.to_html()

    def to_dot(self, **options: Any) -> str:
        """The graph with every node's gradient and every edge's share (``to_dot`` options)."""
        return to_dot(self.root, trace=self, **options)
