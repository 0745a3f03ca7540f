"""What the inliner knows while it writes an op out, and the small AST helpers it uses.

``OpState`` holds what is known about one op: its traced shapes, the values frozen at trace time
(the seed ``g_loss``, numbers folded from it), and what its forward left for its backward.
``value_of`` evaluates an expression from those facts alone — a shape test like
``a.ndim == 2``, a number like ``g / n * 2`` — or raises ``Unfrozen``; ``shape_of`` knows the
shape elementwise arithmetic gives. Nothing here reads an array's *values*: only constants,
values the guards freeze, and shapes.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from math import prod
from typing import Any

import numpy as np

from ..autograd import Function
from ..ops import dual, reductions

__all__ = [
    "NotInlinable",
    "OpState",
    "Unfrozen",
    "assigned_key",
    "dtype_name",
    "is_self",
    "is_simple",
    "only_reraises",
    "reparsed",
    "shape_of",
    "show",
    "split_pairs",
    "store_counts",
    "value_of",
]

_FROZEN_FACTS = ("ndim", "shape", "size")
#: Helpers whose result depends on their arguments alone: a call on frozen values folds.
_PURE_CALLS = (reductions._spread, dual.broadcast_to)
_SIMPLE = (type(None), bool, int, float, str)


class NotInlinable(Exception):
    """The op's methods use something the inliner does not copy: keep the method calls."""


class Unfrozen(Exception):
    """An expression reads something not known at trace time (an array's values)."""


@dataclass
class OpState:
    """What is known about one op being written out (``name`` is its program variable)."""

    op: Function
    name: str
    env: dict[str, Any]
    shapes: dict[str, tuple[int, ...]]
    attrs: dict[str, str] = field(default_factory=dict)  # self.X set in forward → variable
    saved: list[str] = field(default_factory=list)
    out: str = ""
    forward_locals: set[str] = field(default_factory=set)  # (backward must not reuse them)
    frozen: dict[str, Any] = field(default_factory=dict)  # names whose value is fixed now
    attr_constants: dict[str, Any] = field(default_factory=dict)  # self.X bound to a number


def value_of(node: ast.AST, state: OpState) -> Any:
    """Evaluate ``node`` from constants, frozen values and known shapes, or raise ``_Unfrozen``."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name) and node.id in state.frozen:
        return state.frozen[node.id]
    if isinstance(node, ast.Name) and isinstance(state.env.get(node.id), np.dtype):
        return state.env[node.id]  # (an op's dtype, named in the program: ``dtype_name``)
    if (
        isinstance(node, ast.Attribute)
        and node.attr in _FROZEN_FACTS
        and isinstance(node.value, ast.Name)
        and node.value.id in state.shapes
    ):
        shape = state.shapes[node.value.id]
        return {"ndim": len(shape), "shape": shape, "size": prod(shape)}[node.attr]
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        return value_of(node.value, state)[node.slice.value]
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](value_of(node.operand, state))
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        return _BINARY[type(node.op)](value_of(node.left, state), value_of(node.right, state))
    if isinstance(node, ast.Tuple):
        return tuple(value_of(e, state) for e in node.elts)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        fn = state.env.get(node.func.id)
        if any(fn is pure for pure in _PURE_CALLS):
            return fn(*(value_of(a, state) for a in node.args))  # type: ignore[misc]
    if isinstance(node, ast.BoolOp):
        values = [value_of(v, state) for v in node.values]
        return all(values) if isinstance(node.op, ast.And) else any(values)
    if isinstance(node, ast.Compare) and len(node.ops) == 1:
        compare = _COMPARE.get(type(node.ops[0]))
        if compare is not None:
            return compare(value_of(node.left, state), value_of(node.comparators[0], state))
    raise Unfrozen


def shape_of(node: ast.expr, state: OpState) -> tuple[int, ...] | None:
    """The shape of elementwise arithmetic on values of known shape (None: not known)."""
    if isinstance(node, ast.Name):
        if node.id in state.frozen:
            return tuple(np.shape(state.frozen[node.id]))
        return state.shapes.get(node.id)
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return ()
    if isinstance(node, ast.Attribute) and _names(node.value, state.name):
        value = getattr(state.op, node.attr, None)  # a constant of the op, set when it was made
        return tuple(value.shape) if isinstance(value, np.ndarray) else None
    if isinstance(node, ast.UnaryOp) and type(node.op) in (ast.USub, ast.UAdd):
        return shape_of(node.operand, state)
    if (
        isinstance(node, ast.Call)  # x.reshape((1, 1)), as small_arrays.equal_shapes writes it
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "reshape"
        and len(node.args) == 1
        and not node.keywords
        and isinstance(node.args[0], ast.Tuple)
        and all(isinstance(n, ast.Constant) and type(n.value) is int for n in node.args[0].elts)
    ):
        return tuple(n.value for n in node.args[0].elts)  # type: ignore[attr-defined]
    operands: list[ast.expr] = []
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        operands = [node.left, node.right]
    elif isinstance(node, ast.Compare) and len(node.ops) == 1:
        operands = [node.left, node.comparators[0]]
    elif isinstance(node, ast.Call) and _is_ufunc(node.func, len(node.args)) and not node.keywords:
        operands = list(node.args)  # (a ufunc's result has the inputs' broadcast shape)
    shapes = [shape_of(x, state) for x in operands]
    if not operands or any(s is None for s in shapes):
        return None
    try:
        return tuple(np.broadcast_shapes(*shapes))  # type: ignore[arg-type]
    except ValueError:
        return None


def _is_ufunc(func: ast.expr, n_args: int) -> bool:
    """``np.<name>`` where the name is a NumPy ufunc of ``n_args`` inputs."""
    if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)):
        return False
    found = getattr(np, func.attr, None) if func.value.id == "np" else None
    return isinstance(found, np.ufunc) and found.nin == n_args


def show(value: Any) -> str:
    """A folded value for a comment: the number, or the array's shape."""
    if np.size(value) == 1:
        return repr(np.asarray(value).item())
    return f"an array of shape {np.shape(value)}"


_UNARY: dict[type, Callable[[Any], Any]] = {
    ast.Not: operator.not_,
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
}
_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}
_COMPARE: dict[type, Callable[[Any, Any], bool]] = {
    ast.Eq: lambda a, b: bool(a == b),
    ast.NotEq: lambda a, b: bool(a != b),
    ast.Is: lambda a, b: a is b,
    ast.IsNot: lambda a, b: a is not b,
}


def assigned_key(target: ast.expr) -> str | None:
    """How ``store_counts`` names an assignment target: ``x``, ``self.x``, else None."""
    if isinstance(target, ast.Name):
        return target.id
    if isinstance(target, ast.Attribute) and is_self(target.value):
        return f"self.{target.attr}"
    return None


def split_pairs(stmt: ast.Assign) -> list[ast.Assign] | None:
    """``a, b = x, y`` as ``a = x`` and ``b = y``, where neither x nor y reads a or b."""
    target, value = stmt.targets[0], stmt.value
    if len(stmt.targets) != 1 or not isinstance(target, ast.Tuple):
        return None
    if not isinstance(value, ast.Tuple) or len(value.elts) != len(target.elts):
        return None
    written = {ast.unparse(t) for t in target.elts}
    read = {ast.unparse(n) for n in ast.walk(value) if isinstance(n, (ast.Name, ast.Attribute))}
    if written & read or any(isinstance(t, (ast.Starred, ast.Tuple)) for t in target.elts):
        return None
    return [
        ast.Assign(targets=[t], value=v, lineno=stmt.lineno)
        for t, v in zip(target.elts, value.elts, strict=True)
    ]


def reparsed(node: ast.expr) -> ast.expr:
    """A fresh copy of an expression (visiting renames a tree in place)."""
    return ast.parse(ast.unparse(node), mode="eval").body


def only_reraises(stmt: ast.Try) -> bool:
    """A ``try`` whose handlers do nothing but raise (a clearer message for the same error)."""
    if stmt.orelse or stmt.finalbody:
        return False
    return all(
        isinstance(s, ast.Raise)
        or (_raises(s.body) and not s.orelse if isinstance(s, ast.If) else False)
        for h in stmt.handlers
        for s in h.body
    )


def store_counts(body: list[ast.stmt]) -> dict[str, int]:
    """How many times each name (and ``self.X``) is assigned in ``body``, augmented included."""
    counts: dict[str, int] = {}
    for stmt in body:
        for n in ast.walk(stmt):
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
                counts[n.id] = counts.get(n.id, 0) + 1
            elif isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Store):
                key = assigned_key(n)
                if key is not None:
                    counts[key] = counts.get(key, 0) + 1
    return counts


def is_simple(value: Any) -> bool:
    """A number, string, bool, None or a tuple of them: safe to write into the program."""
    if isinstance(value, tuple):
        return all(is_simple(v) for v in value)
    return type(value) in _SIMPLE


def is_self(node: ast.AST) -> bool:
    """The name ``self``."""
    return isinstance(node, ast.Name) and node.id == "self"


def _names(node: ast.AST, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def _raises(body: list[ast.stmt]) -> bool:
    return all(isinstance(b, ast.Raise) for b in body)


def dtype_name(env: dict[str, Any], dtype: Any) -> str:
    """The program's name for ``dtype`` (``float64``), bound in ``env`` to that very object.

    The guard compares dtypes with ``is``, so two dtypes of one name — a byte-swapped
    ``float64``, or one with metadata — get two names (``float64_swapped``, ``float64_2``)."""
    dt = np.dtype(dtype)
    name = base = dt.name if dt.isnative else f"{dt.name}_swapped"
    k = 2
    while env.get(name, dt) is not dt:
        name, k = f"{base}_{k}", k + 1
    env[name] = dt
    return name
