"""``trace_backward``: the backward pass as a table of chain-rule steps, in the order they run.

At every step the engine takes one op node and its *upstream* gradient ∂L/∂node (complete: all
of the node's consumers have run before it) and hands each input its *share*::

    share = upstream × local derivative ∂node/∂input      (summed over broadcast axes)

An input's gradient is the sum of its shares, so a value used twice adds two of them. The trace
records each step with its local rule, the numbers, and each input's gradient so far.

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

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import autograd, ops
from ..autograd import Array, Function
from ..tensor import Tensor
from . import _text
from .graph import operand_names, tensor_labels, walk

#: Ops whose ``backward(ones)`` is the local derivative of each element (each input element
#: reaches one output element); for the others (matmul, softmax) the local derivative is a
#: Jacobian and the table shows the rule only.
LOCAL_OPS = (
    ops.Add, ops.Sub, ops.Mul, ops.Div, ops.Pow, ops.Neg, ops.Exp, ops.Log, ops.Sqrt, ops.Abs,
    ops.Clip, ops.Sigmoid, ops.Tanh, ops.Relu, ops.LeakyRelu, ops.Sum, ops.Mean, ops.Max,
    ops.Reshape, ops.Transpose, ops.Index,
)  # fmt: skip


@dataclass(frozen=True, eq=False)
class Contribution:
    """One input's share of one step: ``value = upstream × local`` in the input's shape."""

    slot: int
    input: Tensor
    label: str
    operand: str  # "a"/"b" of the op's rule ("" for one-input ops)
    rule: str  # the part of the op's formula for this input
    local: Array | None  # ∂node/∂input per element (broadcast shape); None for Jacobian ops
    value: Array
    summed: bool  # broadcast axes were summed to get back the input's shape
    total: Array  # the input's gradient so far, this share included


@dataclass(frozen=True, eq=False)
class Step:
    """One op node's turn in the backward pass (``index`` counts from 1)."""

    index: int
    node: Tensor
    label: str
    fn: Function
    upstream: Array
    contributions: tuple[Contribution, ...]

    @property
    def op(self) -> str:
        return self.fn.name

    @property
    def formula(self) -> str:
        return type(self.fn).formula


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
            return tuple(fn.backward(np.ones_like(upstream)))
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
    if not loss.requires_grad:
        raise ValueError(
            "trace_backward: this tensor does not require grad, so there is no backward pass; "
            "create the inputs you differentiate with requires_grad=True"
        )
    if grad is None:
        if loss.data.size != 1:
            raise ValueError(
                f"trace_backward: grad can be implied only for a one-element output, but shape "
                f"is {loss.shape}; pass grad= an array of shape {loss.shape}"
            )
        seed = np.ones_like(loss.data)
    else:
        seed = np.array(grad.data if isinstance(grad, Tensor) else grad, dtype=loss.dtype)
        if seed.shape != loss.shape:
            raise ValueError(
                f"trace_backward: grad has shape {seed.shape} but the tensor has shape {loss.shape}"
            )
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


class BackwardTrace:
    """The recorded backward pass: ``steps`` in run order and ``grads`` of every node.

    ``str(trace)`` is a plain-text table, ``to_markdown()`` and ``to_html()`` the same table for
    notes and notebooks (a trace displays itself as HTML in Jupyter). ``to_dot()`` draws the
    graph with every node's gradient and each edge's share.
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

    def __repr__(self) -> str:
        return f"<BackwardTrace of {self.labels[self.root]}: {len(self.steps)} steps>"

    def grad(self, tensor: Tensor) -> Array | None:
        """∂root/∂tensor as recorded by the pass (None if no gradient reached it)."""
        return self.grads.get(tensor)

    # ---------------------------------------------------------------------------- the table
    def columns(self) -> list[str]:
        L = self.labels[self.root]
        return [
            "step", "node", "op", f"upstream ∂{L}/∂node", "input", "local rule",
            "local ∂node/∂input", "share = upstream × local", f"∂{L}/∂input so far",
        ]  # fmt: skip

    def rows(self, max_values: int = _text.MAX_VALUES) -> list[list[str]]:
        """One row per (step, input); the step's own cells only on its first row."""

        def show(a: Array) -> str:
            return _text.summarize(a, max_values)

        out: list[list[str]] = []
        for s in self.steps:
            head = [str(s.index), s.label, s.op, show(s.upstream)]
            if not s.contributions:
                out.append([*head, "-", s.formula, "-", "-", "-"])
            for k, c in enumerate(s.contributions):
                name = f"{c.label} ({c.operand})" if c.operand else c.label
                local = "Jacobian (see rule)" if c.local is None else show(c.local)
                share = show(c.value) + (" (broadcast summed)" if c.summed else "")
                cells = [name, c.rule, local, share, show(c.total)]
                out.append((head if k == 0 else ["", "", "", ""]) + cells)
        return out

    def intro(self) -> list[str]:
        L, shape = self.labels[self.root], _text.shape_text(self.root.shape)
        return [
            f"Backward pass from {L} ({shape}): {len(self.steps)} steps, in the order backward() "
            "runs them (reverse topological order).",
            f"Seed: ∂{L}/∂{L} = {_text.summarize(self.seed)}. At each step an op passes every "
            "input its share = upstream × local derivative; an input's gradient is the sum of "
            "its shares.",
        ]

    def outro(self, max_values: int = _text.MAX_VALUES) -> list[str]:
        L = self.labels[self.root]
        lines = [f"Gradients ∂{L}/∂x after the pass:"]
        for t in walk(self.root):
            if t in self.grads and t is not self.root:
                kept = "  (leaf: kept in .grad)" if t.grad_fn is None else ""
                lines.append(f"  {self.labels[t]} = {_text.summarize(self.grads[t], max_values)}"
                             f"{kept}")  # fmt: skip
        return lines

    def to_text(self, max_values: int = _text.MAX_VALUES) -> str:
        """The trace as a plain-text table (what ``str(trace)`` gives)."""
        table = [self.columns(), *self.rows(max_values)]
        widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
        lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
                 for row in table]  # fmt: skip
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join([*self.intro(), "", *lines, "", *self.outro(max_values)])

    def __str__(self) -> str:
        return self.to_text()

    def to_markdown(self, max_values: int = _text.MAX_VALUES) -> str:
        """The trace as Markdown: the intro, a pipe table and the final gradients."""

        def cell(text: str) -> str:
            return text.replace("|", "\\|")

        table = [self.columns(), ["---"] * len(self.columns()), *self.rows(max_values)]
        lines = ["| " + " | ".join(cell(c) for c in row) + " |" for row in table]
        outro = self.outro(max_values)
        return "\n".join([*self.intro(), "", *lines, "", outro[0], "",
                          *(f"- {line.strip()}" for line in outro[1:])]) + "\n"  # fmt: skip

    def to_html(self, max_values: int = _text.MAX_VALUES, highlight: int | None = None) -> str:
        """The trace as an HTML fragment (a styled table); ``highlight`` marks one step."""
        esc = html.escape
        parts = [_STYLE, '<div class="tge-trace">']
        parts += [f"<p>{esc(line)}</p>" for line in self.intro()]
        parts.append("<table><thead><tr>")
        parts += [f"<th>{esc(c)}</th>" for c in self.columns()]
        parts.append("</tr></thead><tbody>")
        index = 0
        for row in self.rows(max_values):
            if row[0]:
                index = int(row[0])
            mark = ' class="current"' if index == highlight else ""
            parts.append(f'<tr data-step="{index}"{mark}>')
            parts += [f"<td>{esc(c)}</td>" for c in row]
            parts.append("</tr>")
        parts.append("</tbody></table>")
        outro = self.outro(max_values)
        parts.append(f"<p>{esc(outro[0])}</p><ul>")
        parts += [f"<li>{esc(line.strip())}</li>" for line in outro[1:]]
        parts.append("</ul></div>")
        return "\n".join(parts)

    def _repr_html_(self) -> str:
        return self.to_html()

    def to_dot(self, **options: Any) -> str:
        """The graph with every node's gradient and every edge's share (``to_dot`` options)."""
        from .dot import to_dot

        return to_dot(self.root, trace=self, **options)


_STYLE = """<style>
.tge-trace table { border-collapse: collapse; font-size: 0.9em; }
.tge-trace th, .tge-trace td { border: 1px solid #d1d5db; padding: 2px 8px; text-align: left; }
.tge-trace td { font-family: monospace; white-space: nowrap; }
.tge-trace th { background: #f3f4f6; }
.tge-trace td:nth-child(4), .tge-trace td:nth-child(8), .tge-trace td:nth-child(9) {
  color: #b91c1c; }
.tge-trace tr.current td { background: #fef3c7; }
</style>"""
