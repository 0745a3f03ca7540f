"""The graph behind a tensor as plain data: value nodes, op nodes, edges (what pictures draw).

``build_graph(root)`` walks from ``root`` through every ``grad_fn`` to the tensors it was made of,
constants included (the engine skips tensors that need no gradient, but a picture should show
the ``2`` in ``2 * x``). Each tensor becomes a *value node*, each ``Function`` an *op node*; an
edge runs from every input into the op and from the op to its output, so a tensor used twice by
one op (``a + a``) has two edges into it, one per operand.

Labels: a tensor's ``name`` when set; unnamed op results are called after their op (``mul1``,
``sigmoid1``), unnamed leaves ``leaf1`` (need a gradient) or ``const1``. Names used by several
tensors — ``weight`` of two ``Dense`` layers — become ``dense1.weight``, ``dense2.weight``.
A name is shown as written, except that characters which are invisible or move other text (new
lines, tabs, bidirectional controls) are shown as their escapes, ``\\n`` (``escape.printable``).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, cast
from weakref import WeakKeyDictionary

from ..autograd import Function
from ..tensor import Constant, Tensor
from .escape import printable

#: (op, operand index): where one gradient contribution flows in the engine.
Slot = tuple[Function, int]


@dataclass(eq=False)
class ValueNode:
    id: str
    tensor: Tensor
    label: str


@dataclass(eq=False)
class OpNode:
    """One op, or a collapsed layer (``layer`` set, ``fns`` all the ops inside it)."""

    id: str
    output: Tensor
    fns: list[Function]
    title: str
    formula: str
    layer: Any = None


@dataclass(eq=False)
class Edge:
    tail: str
    head: str
    operand: str = ""  # "a"/"b" for the operands of a binary op
    slots: list[Slot] = field(default_factory=list)  # contributions that flow back along it
    elided: bool = False


@dataclass(eq=False)
class Graph:
    root: Tensor
    values: list[ValueNode]
    ops: list[OpNode]
    edges: list[Edge]
    labels: dict[Tensor, str]
    elided_values: int = 0
    elided_ops: int = 0

    def op_of(self, fn: Function) -> OpNode | None:
        """The op node that shows ``fn`` (its own, or the layer box holding it)."""
        for op in self.ops:
            if any(f is fn for f in op.fns):
                return op
        return None


def inputs_of(fn: Function) -> tuple[Tensor, ...]:
    """The op's input tensors, as a picture shows them: each number constant once per use.

    The engine shares one ``Constant`` among all the ops that use the same number; drawn as one
    node it would pull arrows from across the picture, so each op gets its own stand-in for it
    (the same stand-ins every time, for as long as the op lives).
    """
    inputs = cast("tuple[Tensor, ...]", fn.inputs)
    if not any(type(p) is Constant for p in inputs):
        return inputs
    shown = _PER_USE.get(fn)
    if shown is None:
        shown = tuple(Tensor.from_numpy(p.data) if type(p) is Constant else p for p in inputs)
        _PER_USE[fn] = shown
    return shown


_PER_USE: WeakKeyDictionary[Function, tuple[Tensor, ...]] = WeakKeyDictionary()


def walk(root: Tensor) -> list[Tensor]:
    """Every tensor ``root`` was made from, inputs before outputs (iterative, any depth).

    Not the engine's order (newest op first, see ``autograd.backward``): a picture also needs
    the constants (inputs that need no grad) and wants inputs in reading order.
    """
    order: list[Tensor] = []
    state: dict[Tensor, bool] = {}  # False: expanded, True: emitted
    stack = [root]
    while stack:
        t = stack.pop()
        seen = state.get(t)
        if seen is None:
            state[t] = False
            stack.append(t)
            if t.grad_fn is not None:
                stack.extend(p for p in reversed(inputs_of(t.grad_fn)) if p not in state)
        elif not seen:
            state[t] = True
            order.append(t)
    return order


def _layer_call(t: Tensor) -> tuple[Any, tuple[Tensor, ...]] | None:
    try:
        from ..nn import layer_call
    except ImportError:  # viz works without the layers module
        return None
    return layer_call(t)


def _qualified_param_names(order: list[Tensor]) -> dict[Tensor, str]:
    """``dense2.weight`` for the parameters of the layers that made tensors of the graph."""
    modules: list[Any] = []
    for t in order:
        call = _layer_call(t) if t.grad_fn is not None else None
        if call is not None and not any(m is call[0] for m in modules):
            modules.append(call[0])
    names: dict[Tensor, str] = {}
    counts: dict[str, int] = {}
    for m in modules:
        kind = printable(type(m).__name__.lower())
        counts[kind] = counts.get(kind, 0) + 1
        for pname, p in getattr(m, "named_parameters", lambda: [])():
            names.setdefault(p, f"{kind}{counts[kind]}.{printable(pname)}")
    return names


def tensor_labels(order: list[Tensor]) -> dict[Tensor, str]:
    """A short, unique-enough label for each tensor (rules in the module docstring)."""
    named: dict[str, int] = {}
    for t in order:
        if t.name:
            named[t.name] = named.get(t.name, 0) + 1
    qualified = _qualified_param_names(order) if any(n > 1 for n in named.values()) else {}
    labels: dict[Tensor, str] = {}
    counts: dict[str, int] = {}
    for t in order:
        if t.name and named[t.name] == 1:
            labels[t] = printable(t.name)
            continue
        if t.name:
            base = printable(t.name)
        elif t.grad_fn is not None:
            base = t.grad_fn.name.lower()
        else:
            base = "leaf" if t.requires_grad else "const"
        counts[base] = counts.get(base, 0) + 1
        if t.name:
            labels[t] = qualified.get(t, f"{base}#{counts[base]}")
        else:
            labels[t] = f"{base}{counts[base]}"
    return labels


def operand_names(fn: Function) -> tuple[str, ...]:
    """The operand letters the op's ``formula`` uses (``a``, ``b``; ``A``, ``B`` for matmul)."""
    if fn.name == "MatMul":
        return ("A", "B")
    if fn.name in ("Add", "Sub", "Mul", "Div", "Pow"):
        return ("a", "b")
    return ("",) * len(fn.inputs)


@dataclass(eq=False)
class _Box:
    module: Any
    boundary: list[Tensor]
    inside: set[Tensor]
    fns: list[Function]


def _find_box(t: Tensor, consumers: dict[Tensor, list[Function]]) -> _Box | None:
    """The innermost layer call that produced ``t``, if its inside is used by nothing else."""
    call = _layer_call(t)
    if call is None or t.grad_fn is None:
        return None
    module, inputs = call
    params = list(getattr(module, "parameters", lambda: [])())
    stop = {p: None for p in (*inputs, *params)}
    inside: set[Tensor] = set()
    fns = [t.grad_fn]
    reached: dict[Tensor, None] = {}
    stack = list(inputs_of(t.grad_fn))
    while stack:
        u = stack.pop()
        if u in stop or u.grad_fn is None:
            reached[u] = None
        elif u not in inside:
            inside.add(u)
            fns.append(u.grad_fn)
            stack.extend(inputs_of(u.grad_fn))
    if not inside:  # a single op: nothing to collapse
        return None
    if any(c not in fns for u in inside for c in consumers.get(u, [])):
        return None  # a value inside the layer is also used outside it: keep the detail
    boundary = [p for p in stop if p in reached] + [u for u in reached if u not in stop]
    return _Box(module, boundary, inside, fns)


def _layer_text(module: Any) -> tuple[str, str]:
    title = repr(module).splitlines()[0]
    if hasattr(module, "weight") and hasattr(module, "bias"):
        act = getattr(module, "activation_name", None)
        inner = "x @ weight + bias"
        return title, f"{act}({inner})" if act and act != "linear" else inner
    return title, "one layer, collapsed"


def build_graph(
    root: Tensor, *, collapse_layers: bool = False, max_nodes: int | None = None
) -> Graph:
    """The picture's graph of ``root``; layers collapsed and far nodes elided when asked."""
    order = walk(root)
    labels = tensor_labels(order)
    consumers: dict[Tensor, list[Function]] = {}
    for t in order:
        if t.grad_fn is not None:
            for p in inputs_of(t.grad_fn):
                consumers.setdefault(p, []).append(t.grad_fn)
    boxes: dict[Tensor, _Box] = {}
    hidden: set[Tensor] = set()
    if collapse_layers:
        for t in reversed(order):
            box = None if t in hidden else _find_box(t, consumers)
            if box is not None:
                boxes[t] = box
                hidden |= box.inside
    values: dict[Tensor, ValueNode] = {}
    for t in order:
        if t not in hidden:
            values[t] = ValueNode(f"v{len(values)}", t, labels[t])
    ops: list[OpNode] = []
    edges: list[Edge] = []
    for t in order:
        if t in hidden or t.grad_fn is None:
            continue
        fn, box = t.grad_fn, boxes.get(t)
        if box is None:
            op = OpNode(f"op{len(ops)}", t, [fn], fn.name, type(fn).formula)
            names = operand_names(fn)
            for i, p in enumerate(inputs_of(fn)):
                edges.append(Edge(values[p].id, op.id, names[i], [(fn, i)]))
        else:
            title, formula = _layer_text(box.module)
            op = OpNode(f"op{len(ops)}", t, box.fns, title, formula, layer=box.module)
            for b in box.boundary:
                slots = [(f, i) for f in box.fns for i, p in enumerate(inputs_of(f)) if p is b]
                edges.append(Edge(values[b].id, op.id, "", slots))
        ops.append(op)
        edges.append(Edge(op.id, values[t].id))
    graph = Graph(root, list(values.values()), ops, edges, labels)
    if max_nodes is not None and len(graph.values) + len(graph.ops) > max_nodes:
        _elide(graph, max_nodes)
    return graph


def _elide(graph: Graph, max_nodes: int) -> None:
    """Keep the ``max_nodes`` nodes nearest the root; one note node stands for the rest."""
    if max_nodes < 1:
        raise ValueError(f"max_nodes must be at least 1, got {max_nodes}")
    inputs: dict[str, list[str]] = {}
    for e in graph.edges:
        inputs.setdefault(e.head, []).append(e.tail)
    start = next(v.id for v in graph.values if v.tensor is graph.root)
    kept: dict[str, None] = {start: None}
    queue = deque([start])
    while queue and len(kept) < max_nodes:
        for tail in inputs.get(queue.popleft(), []):
            if tail not in kept and len(kept) < max_nodes:
                kept[tail] = None
                queue.append(tail)
    values = [v for v in graph.values if v.id in kept]
    ops = [o for o in graph.ops if o.id in kept]
    graph.elided_values = len(graph.values) - len(values)
    graph.elided_ops = len(graph.ops) - len(ops)
    cut = _heads_with_cut_inputs(graph.edges, kept)
    graph.values, graph.ops = values, ops
    graph.edges = [e for e in graph.edges if e.tail in kept and e.head in kept]
    graph.edges += [Edge("elided", head, elided=True) for head in cut]


def _heads_with_cut_inputs(edges: Iterable[Edge], kept: dict[str, None]) -> list[str]:
    heads: dict[str, None] = {}
    for e in edges:
        if e.head in kept and e.tail not in kept:
            heads[e.head] = None
    return list(heads)
