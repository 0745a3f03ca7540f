"""``to_dot``: the graph that produced a tensor as Graphviz DOT text (no Graphviz needed).

How to read the picture (``legend=True`` prints this under it):

* a **box** is a value (a tensor): its label (name or ``mul1``-style), shape, ``data`` and, once
  gradients are known, ``grad`` = ∂L/∂value in red (L is the tensor the graph ends in);
* a **rounded box** is an operation with its local derivative rule, the factor the chain rule
  multiplies by; with a trace it also says at which step of the backward pass it ran;
* an **arrow** runs from an operand into its op (``a``/``b`` name the operands of the rule) and
  from the op to its result; with a trace each operand arrow carries ``← g``, the share of the
  gradient that flowed back along it (upstream × local), so a value used twice gets two shares
  and its grad is their sum.

Fill colours: gold the output, blue leaves that need a gradient (parameters), grey inputs and
constants; ``color_by_grad=True`` shades values by |gradient| instead (darker = larger, log scale).

>>> from tinygrad_edu import Tensor
>>> a = Tensor(2.0, requires_grad=True, name="a")
>>> b = a + a
>>> dot = to_dot(b * b)
>>> dot.count(" -> ")     # a→add twice (once per operand), add→b, b→mul twice, mul→out
6
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..autograd import Array, Function
from ..tensor import Tensor
from . import _text
from ._doc import DotDoc, Field
from .graph import Graph, OpNode, Slot, ValueNode, build_graph

if TYPE_CHECKING:
    from .steps import TraceRecord

DIRECTIONS = ("LR", "TB", "RL", "BT")
SYMBOLS = {
    "Add": "+", "Sub": "−", "Mul": "×", "Div": "÷", "Pow": "^", "MatMul": "@", "Neg": "−",
    "Sigmoid": "σ", "Log": "ln", "Sqrt": "√", "Sum": "Σ", "Abs": "|x|",
}  # fmt: skip
FILL = {"root": "#fef3c7", "param": "#dbeafe", "input": "#f3f4f6", "value": "#ffffff"}
OP_FILL, LAYER_FILL, CURRENT_FILL = "#ede9fe", "#e0e7ff", "#fcd34d"
GRAD_COLOR, CURRENT_COLOR, EDGE_COLOR = "#b91c1c", "#dc2626", "#6b7280"
DEFAULT_MAX_NODES = 150


@dataclass
class GradView:
    """What a picture knows about gradients (a whole trace, a mapping, or ``.grad``)."""

    grads: Mapping[Tensor, Array]
    contributions: Mapping[Slot, Array] = field(default_factory=dict)
    steps: Mapping[Function, int] = field(default_factory=dict)
    partial: Mapping[Tensor, tuple[int, int]] = field(default_factory=dict)  # (got, expected)
    current: frozenset[Function] = frozenset()  # ops of the step being shown
    ran: frozenset[Function] | None = None  # ops whose step has run (None: all of them)
    pending: bool = False  # show "grad ?" where no gradient is known yet

    @classmethod
    def of_trace(cls, trace: TraceRecord) -> GradView:
        """The gradients and per-edge contributions a ``trace_backward`` recorded."""
        contributions = {(s.fn, c.slot): c.value for s in trace.steps for c in s.contributions}
        return cls(trace.grads, contributions, {s.fn: s.index for s in trace.steps})


@dataclass(frozen=True)
class Options:
    direction: str = "LR"
    show_data: bool = True
    show_grad: bool = True
    color_by_grad: bool = False
    collapse_layers: bool = False
    max_nodes: int | None = DEFAULT_MAX_NODES
    max_values: int = _text.MAX_VALUES
    title: str | None = None
    legend: bool = False

    def __post_init__(self) -> None:
        if self.direction not in DIRECTIONS:
            raise ValueError(
                f"direction must be one of {', '.join(DIRECTIONS)}; got {self.direction!r}"
            )
        if self.max_nodes is not None and self.max_nodes < 1:
            raise ValueError(f"max_nodes must be at least 1 (or None), got {self.max_nodes}")


def to_dot(
    tensor: Tensor,
    *,
    grads: Mapping[Tensor, Any] | None = None,
    trace: TraceRecord | None = None,
    **options: Any,
) -> str:
    """The graph that produced ``tensor`` as DOT text.

    Args:
        tensor: where the graph ends (usually the loss); a tensor with no history is one node.
        grads: gradients to show, ``{tensor: array}`` — e.g. ``trace.grads``. Without it (and
            without ``trace``) each tensor's own ``.grad`` is shown: after ``loss.backward()``
            only leaves and ``retain_grad()`` tensors keep one.
        trace: a ``trace_backward`` result: every node's gradient, each operand edge's share
            and each op's step number.
        **options: ``direction`` ("LR", "TB", "RL", "BT"), ``show_data``, ``show_grad``,
            ``color_by_grad``, ``collapse_layers`` (one box per ``Dense`` call), ``max_nodes``
            (default 150; the nodes nearest ``tensor`` are kept and a note counts the rest;
            None for no limit), ``max_values`` (arrays up to this size show every value),
            ``title``, ``legend``.
    """
    return build_doc(tensor, grads=grads, trace=trace, **options).source()


def graph_of(tensor: Tensor, **options: Any) -> Graph:
    """The graph a picture of ``tensor`` with these ``to_dot`` options draws."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"to_dot: expected a Tensor, got {type(tensor).__name__}")
    opts = Options(**options)
    return build_graph(tensor, collapse_layers=opts.collapse_layers, max_nodes=opts.max_nodes)


def build_doc(
    tensor: Tensor,
    *,
    grads: Mapping[Tensor, Any] | None = None,
    trace: TraceRecord | None = None,
    view: GradView | None = None,
    graph: Graph | None = None,
    **options: Any,
) -> DotDoc:
    """The DOT document behind ``to_dot`` (also used to draw, render and animate); ``graph``
    is ``graph_of(tensor, **options)`` when the caller has it already (animation frames)."""
    if graph is None:
        graph = graph_of(tensor, **options)
    opts = Options(**options)
    if view is None:
        view = _view(graph, grads, trace)
    return _document(graph, view, opts)


def _view(graph: Graph, grads: Mapping[Tensor, Any] | None, trace: Any) -> GradView:
    if trace is not None:
        return GradView.of_trace(trace)
    if grads is not None:
        return GradView({t: np.asarray(g) for t, g in grads.items()})
    return GradView({v.tensor: v.tensor.grad for v in graph.values if v.tensor.grad is not None})


def _document(graph: Graph, view: GradView, opts: Options) -> DotDoc:
    doc = DotDoc(braces=opts.direction in ("TB", "BT"))
    doc.graph_attrs = {
        "rankdir": opts.direction, "bgcolor": "white", "fontname": "Helvetica",
        "fontsize": "12", "nodesep": "0.25", "ranksep": "0.35", "labelloc": "t",
        "labeljust": "l",
    }  # fmt: skip
    doc.node_attrs = {"fontname": "Courier", "fontsize": "11", "style": "filled",
                      "color": "#4b5563"}  # fmt: skip
    doc.edge_attrs = {"fontname": "Courier", "fontsize": "10", "color": EDGE_COLOR,
                      "arrowsize": "0.7"}  # fmt: skip
    doc.comments.append(
        f"graph of {graph.labels[graph.root]}: {len(graph.values)} values, {len(graph.ops)} ops"
    )
    shades = _shades(graph, view) if opts.color_by_grad else {}
    current = [op for op in graph.ops if any(f in view.current for f in op.fns)]
    current_outputs = {op.output for op in current}
    for v in graph.values:
        _value_node(doc, graph, v, view, opts, shades, v.tensor in current_outputs)
    current_ops = {op.id for op in current}
    for op in graph.ops:
        _op_node(doc, op, view, op.id in current_ops)
    if graph.elided_values or graph.elided_ops:
        _elided_node(doc, graph, opts)
    for e in graph.edges:
        attrs: dict[str, str] = {"style": "dashed"} if e.elided else {}
        shares = [view.contributions[s] for s in e.slots if s in view.contributions]
        text = e.operand
        if shares and opts.show_grad:
            share = shares[0] if len(shares) == 1 else sum(shares[1:], shares[0])
            text = f"{text} ← {_text.summarize(share, opts.max_values)}".strip()
            attrs["fontcolor"] = GRAD_COLOR
            if e.head in current_ops and any(f in view.current for f, _ in e.slots):
                attrs.update(color=CURRENT_COLOR, fontcolor=CURRENT_COLOR, penwidth="2.5")
        elif view.pending and opts.show_grad and any(f.needs_grad[i] for f, i in e.slots):
            text = f"{text} ← ?".strip()  # a share will flow back here
            attrs["fontcolor"] = "#9ca3af"
        if text:
            attrs["label"] = text
        doc.edges.append((e.tail, e.head, attrs))
    doc.label_lines = _graph_label(graph, view, opts)
    return doc


def _value_node(
    doc: DotDoc,
    graph: Graph,
    v: ValueNode,
    view: GradView,
    opts: Options,
    shades: dict[str, str],
    just_made: bool,
) -> None:
    t = v.tensor
    kind = (
        "root" if t is graph.root
        else "value" if t.grad_fn is not None
        else "param" if t.requires_grad
        else "input"
    )  # fmt: skip
    fields: list[Field] = []
    if kind == "input" and t.name is None:  # an anonymous constant: just its value
        fields.append(Field([(f"const {_text.summarize(t.data, opts.max_values)}", "data")]))
    else:
        head = v.label if t.shape == () else f"{v.label} · {_text.shape_text(t.shape)}"
        fields.append(Field([(head, "head")]))
        if opts.show_data:
            fields.append(Field([(f"data {_text.summarize(t.data, opts.max_values)}", "data")]))
    if opts.show_grad and t.requires_grad:
        grad = view.grads.get(t)
        if grad is not None:
            text = _text.summarize(grad, opts.max_values)
            got = view.partial.get(t)
            if got is None:
                fields.append(Field([(f"grad {text}", "grad")]))
            else:
                fields.append(Field([(f"grad so far {text} ({got[0]} of {got[1]})", "partial")]))
        elif view.pending:
            fields.append(Field([("grad ?", "pending")]))
    attrs = {"shape": "record", "fillcolor": shades.get(v.id, FILL[kind])}
    if kind == "root":
        attrs["penwidth"] = "2"
    if just_made:  # the output of the op whose step is being shown
        attrs.update(color="#b45309", penwidth="2.5")
    doc.add_record(v.id, fields, attrs)


def _op_node(doc: DotDoc, op: OpNode, view: GradView, current: bool) -> None:
    symbol = SYMBOLS.get(op.title, "")
    lines = [(f"{symbol} {op.title}".strip(), "title")]
    lines += [(rule, "formula") for rule in re.split(r", (?=∂)", op.formula) if rule]
    steps = sorted(view.steps[f] for f in op.fns if f in view.steps)
    if steps:  # the order the chain rule runs; grey until the step has run (animation)
        text = f"step {steps[0]}" if len(steps) == 1 else f"steps {steps[0]}-{steps[-1]}"
        done = view.ran is None or any(f in view.ran for f in op.fns)
        lines.append((f"backward {text}", "step" if done else "pending"))
    fill = CURRENT_FILL if current else LAYER_FILL if op.layer is not None else OP_FILL
    attrs = {"shape": "Mrecord", "fillcolor": fill, "fontname": "Helvetica"}
    if current:
        attrs.update(color="#b45309", penwidth="2.5")
    doc.add_record(op.id, [Field(lines)], attrs)


def _elided_node(doc: DotDoc, graph: Graph, opts: Options) -> None:
    n = graph.elided_values + graph.elided_ops
    text = (
        f"... {n} more nodes not shown\n"
        f"({graph.elided_ops} ops, {graph.elided_values} values; max_nodes={opts.max_nodes})"
    )
    attrs = {"shape": "record", "style": "dashed,filled", "fillcolor": "#f9fafb"}
    doc.add_record("elided", [Field([(line, "note") for line in text.split("\n")])], attrs)
    doc.comments.append(text.replace("\n", " "))


def _shades(graph: Graph, view: GradView) -> dict[str, str]:
    """Fill colours by |gradient|: white → red over three decades below the largest."""
    sizes = {v.id: _text.magnitude(view.grads[v.tensor]) for v in graph.values
             if view.grads.get(v.tensor) is not None}  # fmt: skip
    top = max(sizes.values(), default=0.0)
    if not top > 0 or not np.isfinite(top):
        return {}
    shades = {}
    for node_id, m in sizes.items():
        level = float(np.clip(1 + np.log10(max(m, top * 1e-12) / top) / 3, 0, 1))
        r, g, b = (round(255 + (c - 255) * level) for c in (0xF8, 0x71, 0x71))
        shades[node_id] = f"#{r:02x}{g:02x}{b:02x}"
    return shades


def _graph_label(graph: Graph, view: GradView, opts: Options) -> list[str]:
    lines = [opts.title] if opts.title else []
    root = graph.labels[graph.root]
    missing = [v for v in graph.values if v.tensor.requires_grad and v.tensor.grad_fn is not None
               and view.grads.get(v.tensor) is None]  # fmt: skip
    if opts.show_grad and missing and view.grads and not view.pending:
        lines.append(
            "backward() keeps gradients only on leaves: pass trace=trace_backward(loss) "
            "to see every node's gradient"
        )
    if opts.legend:
        lines += [
            f"boxes: values (data, and grad = ∂{root}/∂value in red)   rounded: operations "
            "with their local derivative rule",
            "gold: output   blue: parameters (leaves that need a gradient)   grey: inputs "
            "and constants",
            f"arrows: the forward pass (a, b: the operands in the rule); ← g: the share of "
            f"∂{root} that flowed back along the arrow = upstream × local",
        ]
    return lines
