"""Inlining: an op's own ``forward`` and ``backward`` bodies, written into the generated step.

A replay that calls ``mul1.forward(p0, p1)`` pays a method call, an attribute store for what the
op saves and an attribute load to hand it back, for every op, twice per step. Where an op's
methods are simple enough, the generator copies their *bodies* into the program instead, with the
names replaced: the parameters by the program's variables, the op's locals by ``<op>_<name>``,
``self.saved`` by the variables it held, ``self.needs_grad`` by its traced value. The program
then reads as the math it runs (``h3 = np.tanh(h2)``; ``g_h2 = g_h3 * (1 - h3 * h3)``) and runs
the same NumPy expressions in the same order as the eager ops, so the bits are the same. The
rule is still written once: the text comes from the op's own source, never from a second copy.

What "simple enough" means (anything else keeps the method calls, which are always right):

* statements are assignments, ``with`` blocks, ``if`` blocks and a final ``return``;
* an ``if`` whose test reads only what the guards freeze — ``needs_grad``, the ``ndim``,
  ``shape`` or ``size`` of arrays whose shape is known, constants of the op — is decided now,
  as the eager op would decide it at every call; any other ``if`` is copied as it is;
* a ``try`` whose handlers only raise a clearer error keeps only its body (the guards fix the
  shapes, so the error cannot happen in a replay);
* neither method calls a method of the op (a static method is fine) or hands the op on: that
  code could read state forward kept on the op, which the program keeps in variables instead;
* the op is one of the library's: a user's op keeps the checks wrapped around its backward.

Arithmetic on values that are the same at every call (the seed ``g_loss``, sizes) is worked out
once and kept as a named constant, with a comment saying how (``inline_writer``).
"""

from __future__ import annotations

import ast
import functools
import inspect
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..autograd import Function
from .inline_facts import NotInlinable, OpState, is_self
from .inline_writer import Writer

__all__ = ["Inlined", "inline"]

_PACKAGE = __name__.split(".")[0] + "."


@dataclass
class Inlined:
    """An op written out: ``forward`` lines now, ``backward(upstream, targets)`` lines later."""

    forward: list[str]
    backward: Callable[[str, list[str]], list[str]]


def inline(
    op: Function,
    name: str,
    args: list[str],
    out: str,
    shapes: dict[str, tuple[int, ...]],
    env: dict[str, Any],
    frozen: dict[str, Any] | None = None,
) -> Inlined | None:
    """``op``'s forward and backward as program lines, or None if either cannot be inlined.

    ``name`` is the op's variable in the program (``mul1``), ``args`` its input variables, ``out``
    its output variable; ``shapes`` the traced shape of every program variable; ``env`` the
    program's globals, which gain the module-level names the op's code uses (``np``) and the
    values folded at trace time; ``frozen`` the program variables whose value is the same at
    every replay (the seed ``g_loss``).
    """
    if not type(op).__module__.startswith(_PACKAGE):
        return None  # a user's op: its backward is wrapped in checks, which must stay
    try:
        state = OpState(op, name, env, dict(shapes), frozen=dict(frozen or {}))
        forward = _forward(state, args, out)
        needed = ["g" if n else "_" for n in op.needs_grad]
        if any(op.needs_grad):  # (work outside the graph has no backward to write)
            _backward(state, "g_upstream", needed, dry_run=True)
    except (NotInlinable, AttributeError, OSError, TypeError, SyntaxError):
        return None
    return Inlined(
        _without_unread_nones(forward),
        lambda upstream, targets: _named_for_targets(
            _without_unread_nones(_backward(state, upstream, targets)), targets
        ),
    )


def _named_for_targets(lines: list[str], targets: list[str]) -> list[str]:
    """``gb = xb.T @ g`` then ``g_p0 = gb`` as ``g_p0 = xb.T @ g``, where nothing else reads gb.

    Besides reading better, this leaves a gradient's array held by one name, so that ``own``
    can hand it to ``.grad`` without a copy (it copies an array another name still holds)."""
    lines = list(lines)
    for target in targets:
        alias = next((i for i, line in enumerate(lines) if line.startswith(f"{target} = ")), None)
        local = lines[alias].partition(" = ")[2] if alias is not None else ""
        if alias is None or not local.isidentifier():
            continue
        word = re.compile(rf"\b{local}\b")
        uses = [i for i, line in enumerate(lines) if word.search(line)]
        if len(uses) != 2 or uses[1] != alias:
            continue
        made, _, value = lines[uses[0]].partition(" = ")
        if made == local and not word.search(value):  # (a top-level line: no indentation)
            lines[uses[0]] = f"{target} = {value}"
            del lines[alias]
    return lines


def _without_unread_nones(lines: list[str]) -> list[str]:
    """Drop ``ga = gb = None`` where each name is next assigned, or never read: the default of
    a gradient the op computes after all, or of one nobody receives."""
    kept: list[str] = []
    for i, line in enumerate(lines):
        names = line.split(" = ")
        unread = (
            len(names) > 1 and names[-1] == "None" and all(n.isidentifier() for n in names[:-1])
        )
        if unread and all(_next_is_assignment(n, lines[i + 1 :]) for n in names[:-1]):
            continue
        kept.append(line)
    return kept


def _next_is_assignment(name: str, lines: list[str]) -> bool:
    word = re.compile(rf"\b{name}\b")
    for line in lines:
        if word.search(line):
            target, _, value = line.partition(" = ")
            return target == name and not word.search(value)
    return True


def _method(op: Function, method: str) -> tuple[ast.FunctionDef, dict[str, Any]]:
    fn = getattr(type(op), method)
    code = getattr(fn, "__code__", None)
    if code is None or code.co_freevars:
        raise NotInlinable(f"{method} is not a plain function")
    fdef = ast.parse(_source(fn)).body[0]  # (a fresh tree each time: writing renames it)
    if not isinstance(fdef, ast.FunctionDef) or fdef.decorator_list:
        raise NotInlinable(f"{method} is decorated")
    a = fdef.args
    if a.vararg or a.kwarg or a.kwonlyargs or a.posonlyargs or a.defaults:
        raise NotInlinable(f"{method} has a signature the inliner does not map")
    return fdef, fn.__globals__


@functools.lru_cache(maxsize=512)
def _source(fn: Callable[..., Any]) -> str:
    """A method's source, read once (``inspect`` tokenizes the whole file to find it)."""
    return textwrap.dedent(inspect.getsource(fn))


def _forward(state: OpState, args: list[str], out: str) -> list[str]:
    fdef, glob = _method(state.op, "forward")
    params = [a.arg for a in fdef.args.args[1:]]
    state.out = out
    if len(params) != len(args):
        raise NotInlinable("forward takes another number of inputs")
    _refuse_calls_with_self(fdef, state.op)
    body = _statements(fdef.body)
    returned = body[-1].value if isinstance(body[-1], ast.Return) else None
    names = dict(zip(params, args, strict=True))
    if isinstance(returned, ast.Name) and returned.id not in params:
        names[returned.id] = out  # the op's result variable *is* the program's
    writer = Writer(state, glob, names, params, out)
    lines = writer.write(body)
    state.forward_locals = set(writer.names.values())
    if returned is not None and state.shapes.get(out) == () and not _makes_array(returned):
        state.env["asarray"] = np.asarray
        lines.append(f"{out} = asarray({out})  # (NumPy gives a scalar for a 0-d result)")
    return lines


def _backward(
    state: OpState, upstream: str, targets: list[str], dry_run: bool = False
) -> list[str]:
    fdef, glob = _method(state.op, "backward")
    params = [a.arg for a in fdef.args.args[1:]]
    if len(params) != 2:
        raise NotInlinable("backward is not backward(g, saved)")
    g, saved = params
    _refuse_calls_with_self(fdef, state.op)
    if state.out in state.shapes:  # (the engine hands backward g in the output's shape)
        state.shapes[upstream] = state.shapes[state.out]
    writer = Writer(state, glob, {g: upstream}, [g], None, saved=saved, targets=targets)
    return writer.write(_statements(fdef.body), dry_run=dry_run)


def _refuse_calls_with_self(fdef: ast.FunctionDef, op: Function) -> None:
    """Raise if the method calls a method of the op or hands the op on (a static method is fine).

    Such a call may read or set state that forward left on the op (``self.x``); inlined, forward
    keeps that state in the program's variables, so the op's attributes would be stale.
    """
    for node in ast.walk(fdef):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        method = func.attr if isinstance(func, ast.Attribute) and is_self(func.value) else None
        if method and not isinstance(inspect.getattr_static(type(op), method), staticmethod):
            raise NotInlinable(f"{fdef.name} calls self.{method}")
        if any(is_self(a) for a in [*node.args, *(k.value for k in node.keywords)]):
            raise NotInlinable(f"{fdef.name} hands the op to a call")


def _makes_array(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("asarray", "array")
    )


def _statements(body: list[ast.stmt]) -> list[ast.stmt]:
    """The body without its docstring, ending at its ``return``."""
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    if not body:
        raise NotInlinable("an empty body")
    return body
