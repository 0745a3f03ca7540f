"""Typed constants: a number in the program's arithmetic made an array of its operand's dtype once.

NumPy turns a Python number met in ``1 - h3`` into an array of ``h3``'s dtype at *every* call
(NEP 50: a Python number takes the array's dtype), which costs about as much as the subtraction
itself on a small array. The program is specialised to its traced dtypes anyway (the guards
check them), so it can do that conversion once: ``1 - h3`` becomes ``one - h3`` with ``one`` a
read-only 0-d float64 array in the program's globals. The results are the same bits, because it
is the same conversion NumPy would have made; each site is checked on sample values before it is
rewritten, and a site whose operand's dtype cannot be worked out from the code is left alone.

The dtypes are worked out line by line from what the program starts with (its inputs, the
tensors it reads, its folded constants) and NumPy's own promotion, asked on tiny sample arrays:
``np.exp`` of a float32 array is float32 because NumPy says so, not because a table here does.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["typed_constants"]

Kind = Any  # an np.dtype (an array's), a Python int or float (a "weak" number), or None: unknown

_OPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}
_COMPARE: dict[type, Callable[[Any, Any], Any]] = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}
_WORDS = {0: "zero", 1: "one", 2: "two", 0.5: "half"}
_SAMPLES = (0.5, -3.0, 7.25)  # values each rewrite is checked on (never 0: a divisor)


def typed_constants(
    lines: list[str], dtypes: dict[str, np.dtype[Any]], env: dict[str, Any]
) -> list[str]:
    """``lines`` (a function's body, one statement or block header a line) with each Python
    number that meets a float array of known dtype replaced by a typed constant in ``env``.

    ``dtypes`` gives the dtype of the names known at the start (the inputs); ``env`` is the
    program's globals, which gain the constants.
    """
    known: dict[str, Kind] = dict(dtypes)
    top = min((len(line) - len(line.lstrip()) for line in lines if line.strip()), default=0)
    parsed = [_parsed(line.strip()) for line in lines]
    local = set(dtypes) | {  # (a constant must not share a name with a local: it is hidden)
        n.id
        for p in parsed
        if p
        for n in ast.walk(p[0])
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
    }
    out: list[str] = []
    for line, found in zip(lines, parsed, strict=True):
        text = line.strip()
        indent = line[: len(line) - len(line.lstrip())]
        if found is None:
            if text and not text.startswith("#") and text not in ("else:", "try:"):
                known.clear()  # (a line not understood may set anything: forget all dtypes)
            out.append(line)
            continue
        statement, offset = found
        rewrites: list[tuple[ast.expr, str]] = []
        kinds = _Kinds(known, env)
        for node in ast.walk(statement):
            site = _site(node, kinds)
            if site is not None:
                number, value, kind, check = site
                name = _constant(value, kind, env, local, check)
                if name is not None:
                    rewrites.append((number, name))
        if isinstance(statement, ast.Assign):
            value_kind = kinds.of(statement.value)
            for target in statement.targets:
                for node in ast.walk(target):  # (a name unpacked from a tuple: unknown)
                    if isinstance(node, ast.Name):
                        new = value_kind if node is target else None
                        _assign(known, node.id, new, nested=len(indent) > top)
        out.append(indent + _replaced(text, rewrites, offset))
    return out


def _parsed(text: str) -> tuple[ast.stmt, int] | None:
    """One line as a statement, or a block header (``if x:``) as its test, with the column its
    text starts at in the line; None for anything else (a comment, ``else:``)."""
    if not text or text.startswith("#"):
        return None
    code, offset = text.split("  # ")[0].rstrip(), 0
    if code.endswith(":"):
        for word in ("if ", "elif ", "with "):
            if code.startswith(word):
                code, offset = code[len(word) : -1], len(word)
                break
        else:
            return None
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None
    if len(tree.body) != 1:
        return None
    return tree.body[0], offset


def _assign(known: dict[str, Kind], name: str, kind: Kind, nested: bool) -> None:
    """Note ``name``'s dtype; inside a block, a name that may keep another dtype is unknown."""
    if nested and name in known and not _same(known[name], kind):
        known[name] = None
    else:
        known[name] = kind


def _same(a: Kind, b: Kind) -> bool:
    return isinstance(a, np.dtype) and isinstance(b, np.dtype) and a == b


class _Kinds:
    """The dtype of an expression, from the names known so far and NumPy's promotion."""

    def __init__(self, known: dict[str, Kind], env: dict[str, Any]) -> None:
        self.known, self.env = known, env

    def of(self, node: ast.expr) -> Kind:
        try:
            return self._of(node)
        except Exception:  # (NumPy refused the sample operation: unknown)
            return None

    def _of(self, node: ast.expr) -> Kind:
        if isinstance(node, ast.Constant):
            value = node.value
            return value if type(value) in (int, float) else None
        if isinstance(node, ast.Name):
            if node.id in self.known:
                return self.known[node.id]
            return _kind_of_value(self.env.get(node.id))
        if isinstance(node, ast.Attribute):
            if node.attr == "T":
                return self._of(node.value)
            return _kind_of_value(self._value(node))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return _result(operator.neg, self._of(node.operand))
        if isinstance(node, ast.BinOp) and type(node.op) in (*_OPS, ast.MatMult):
            left, right = self._of(node.left), self._of(node.right)
            if isinstance(node.op, ast.MatMult):
                return _result(np.matmul, left, right, ndim=1)
            return _result(_OPS[type(node.op)], left, right)
        if isinstance(node, ast.Compare):
            sides = [self._of(node.left), *(self._of(c) for c in node.comparators)]
            return np.dtype(bool) if any(isinstance(s, np.dtype) for s in sides) else None
        if isinstance(node, ast.Call) and all(k.arg == "copy" for k in node.keywords):
            return self._call(node)  # (``copy=`` decides whether, never what, is made)
        return None

    def _call(self, node: ast.Call) -> Kind:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in ("reshape", "copy"):
            return self._of(func.value)  # (a method of an array: the same dtype)
        if isinstance(func, ast.Attribute) and func.attr == "astype" and len(node.args) == 1:
            target = self._value(node.args[0])
            return target if isinstance(target, np.dtype) else None
        ufunc = self._value(func)
        if isinstance(ufunc, np.ufunc) and ufunc.nout == 1:
            return _result(ufunc, *(self._of(a) for a in node.args))
        return None

    def _value(self, node: ast.expr) -> Any:
        """The object a dotted name of the globals stands for (``np.exp``, ``bce4.lo``)."""
        if isinstance(node, ast.Name):
            if node.id in self.known:
                return None
            return self.env.get(node.id)
        if isinstance(node, ast.Attribute):
            owner = self._value(node.value)
            return getattr(owner, node.attr, None) if owner is not None else None
        return None


def _kind_of_value(value: Any) -> Kind:
    if isinstance(value, (np.ndarray, np.generic)):
        return value.dtype
    return value if type(value) in (int, float) else None


def _sample(kind: Kind, ndim: int = 0) -> Any:
    """A small array of ``kind`` (a dtype), or the weak number itself."""
    if isinstance(kind, np.dtype):
        return np.ones((1,) * ndim, dtype=kind)
    return kind


def _result(fn: Callable[..., Any], *kinds: Kind, ndim: int = 0) -> Kind:
    """The dtype NumPy gives ``fn`` on operands of these kinds (None if any is unknown)."""
    if any(k is None for k in kinds) or not any(isinstance(k, np.dtype) for k in kinds):
        return None
    with np.errstate(all="ignore"):
        value = fn(*(_sample(k, ndim) for k in kinds))
    return _kind_of_value(value) if isinstance(value, (np.ndarray, np.generic)) else None


def _site(node: ast.AST, kinds: _Kinds) -> tuple[ast.expr, int | float, np.dtype[Any], Any] | None:
    """A Python number meeting a float array in ``+ − × ÷`` or a comparison: the number, the
    array's dtype and the operation (with the number's side) to check the rewrite on."""
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        pairs = [(node.left, node.right, False), (node.right, node.left, True)]
        fn = _OPS[type(node.op)]
    elif isinstance(node, ast.AugAssign) and type(node.op) in _OPS:
        pairs = [(node.value, node.target, True)]
        fn = _OPS[type(node.op)]
    elif isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _COMPARE:
        pairs = [(node.left, node.comparators[0], False), (node.comparators[0], node.left, True)]
        fn = _COMPARE[type(node.ops[0])]
    else:
        return None
    for number, other, number_second in pairs:
        value = _number(number)
        if value is None:
            continue
        kind = kinds.of(other)
        if isinstance(kind, np.dtype) and kind.kind == "f":
            return number, value, kind, (fn, number_second)
    return None


def _number(node: ast.expr) -> int | float | None:
    """The Python int or float a node spells (``2``, ``-0.5``), or None."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _number(node.operand)
        return None if inner is None else -inner
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return None if isinstance(node.value, bool) else node.value
    return None


def _constant(
    value: int | float, dtype: np.dtype[Any], env: dict[str, Any], local: set[str], check: Any
) -> str | None:
    """The name of a read-only 0-d ``dtype`` array of ``value`` in ``env`` (found or made), or
    None if that array would not give the same bits as the number on sample values."""
    with np.errstate(all="ignore"):
        typed = np.asarray(value, dtype=dtype)
    if not _same_bits(value, typed, dtype, check):
        return None
    word = _WORDS.get(abs(value), "")
    if not word:
        word = f"c{sum(1 for k in env if k.startswith('c') and k[1:].isdigit())}"
    elif value < 0:
        word = f"minus_{word}"
    base = word if dtype == np.float64 else f"{word}_{dtype.name}"
    name, n = base, 1
    while name in env or name in local:
        held = env.get(name)
        if (
            name not in local
            and isinstance(held, np.ndarray)
            and held.shape == ()
            and held.dtype == dtype
            and not held.flags.writeable
            and typed.tobytes() == held.tobytes()
        ):
            return name  # (the seed ``one`` is such an array)
        n += 1
        name = f"{base}_{n}"
    typed.flags.writeable = False
    env[name] = typed
    return name


def _same_bits(value: int | float, typed: Any, dtype: np.dtype[Any], check: Any) -> bool:
    fn, number_second = check
    sample = np.asarray(_SAMPLES, dtype=dtype)
    with np.errstate(all="ignore"):
        if not np.isfinite(typed) and np.isfinite(value):
            return False  # (the number overflows the dtype: leave NumPy's own handling)
        a = fn(sample, value) if number_second else fn(value, sample)
        b = fn(sample, typed) if number_second else fn(typed, sample)
    return bool(a.dtype == b.dtype and a.tobytes() == b.tobytes())


def _replaced(text: str, rewrites: list[tuple[ast.expr, str]], offset: int) -> str:
    """``text`` with each number's characters replaced by its constant's name (right to left)."""
    for node, name in sorted(rewrites, key=lambda r: r[0].col_offset, reverse=True):
        start, end = node.col_offset + offset, (node.end_col_offset or 0) + offset
        text = text[:start] + name + text[end:]
    return text
