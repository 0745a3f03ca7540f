"""The inliner's writer: one method body, renamed for the program and written out as lines.

``Writer`` walks a ``forward`` or ``backward`` body statement by statement: the op's parameters
become the program's variables, its locals ``<op>_<name>``, ``self.X`` set in forward a variable
of its own, ``self.saved`` the variables it held; a test on frozen facts picks its branch, and
arithmetic on frozen values is folded into a named constant with a comment (``inline_facts``).
"""

from __future__ import annotations

import ast
import builtins
import contextlib
from typing import Any

import numpy as np

from .inline_facts import (
    NotInlinable,
    OpState,
    Unfrozen,
    assigned_key,
    dtype_name,
    is_self,
    is_simple,
    only_reraises,
    reparsed,
    shape_of,
    show,
    split_pairs,
    store_counts,
    value_of,
)
from .small_arrays import equal_shapes

__all__ = ["Writer"]


class Writer(ast.NodeTransformer):
    """Renames one method's names for the program and writes its statements out."""

    def __init__(
        self,
        state: OpState,
        glob: dict[str, Any],
        names: dict[str, str],
        params: list[str],
        out: str | None,
        saved: str | None = None,
        targets: list[str] | None = None,
    ) -> None:
        self.state, self.glob, self.names, self.params = state, glob, names, params
        self.out, self.saved, self.targets = out, saved, targets
        self.stores = set(params)  # (a parameter the body assigns gets a local copy)
        self.constants: dict[str, Any] = {}  # names bound once to a frozen value
        self.notes: list[str] = []  # comments on values folded while writing a statement
        self.folding = True

    # ------------------------------------------------------------------------ statements
    def write(self, body: list[ast.stmt], dry_run: bool = False) -> list[str]:
        """The lines of ``body`` (none for a ``dry_run``: only whether it can be written)."""
        self.store_counts = store_counts(body)
        self.stores |= set(self.store_counts)
        lines: list[str] = []
        for p in self.params:
            if p in self.store_counts:  # reassigned: copy, so the program's variable stays
                local = self._local(p)
                lines.append(f"{local} = {self.names[p]}")
                if self.names[p] in self.state.shapes:
                    self.state.shapes[local] = self.state.shapes[self.names[p]]
                self.names[p] = local
        returned = self._emit(body, lines)
        if not returned and (self.out is not None or self.targets is not None):
            raise NotInlinable("the body does not end in a return")
        return [] if dry_run else lines

    def _emit(self, body: list[ast.stmt], lines: list[str]) -> bool:
        """Write ``body`` out in order, deciding frozen ``if`` tests as they come (True: it
        returned). A ``try`` whose handlers only raise a clearer error keeps just its body."""
        for stmt in body:
            if isinstance(stmt, ast.If) and (decided := self._decide(stmt.test)) is not None:
                if self._emit(stmt.body if decided else stmt.orelse, lines):
                    return True
            elif isinstance(stmt, ast.Try) and only_reraises(stmt):
                if self._emit(stmt.body, lines):
                    return True
            else:
                written = self._write(stmt)
                lines.extend(self.notes)
                lines.extend(written)
                self.notes.clear()
                if isinstance(stmt, ast.Return):
                    return True
        return False

    def _write(self, stmt: ast.stmt) -> list[str]:
        if isinstance(stmt, ast.Return):
            return self._return(stmt)
        if isinstance(stmt, ast.Assign) and self._is_saved_store(stmt):
            return []
        if isinstance(stmt, ast.Assign) and self._unpacks_saved(stmt):
            return []
        if isinstance(stmt, ast.Assign) and (pairs := split_pairs(stmt)) is not None:
            return [line for pair in pairs for line in self._write(pair)]
        if isinstance(stmt, ast.Assign) and self._binds_names(stmt):
            return []
        if isinstance(stmt, (ast.Assign, ast.AugAssign, ast.If, ast.With)):
            for node in ast.walk(stmt):
                if isinstance(node, (ast.Return, ast.Yield, ast.Global, ast.Nonlocal)):
                    raise NotInlinable("a return inside a block")
            once = self._assigned_once(stmt)  # (before renaming: it changes stmt in place)
            stmt = self.visit(stmt)
            if isinstance(stmt, ast.Assign):
                self._note_shapes(once, stmt)
            return ast.unparse(stmt).splitlines()
        raise NotInlinable(f"a {type(stmt).__name__} statement")

    def _return(self, stmt: ast.Return) -> list[str]:
        value = stmt.value
        if value is None:
            raise NotInlinable("a bare return")
        if self.targets is None:  # forward: the result into the op's output variable
            result = ast.unparse(self.visit(value))
            return [] if result == self.out else [f"{self.out} = {result}"]
        if not isinstance(value, ast.Tuple) or len(value.elts) != len(self.targets):
            raise NotInlinable("backward does not return a tuple of one gradient per input")
        lines = []
        for target, elt in zip(self.targets, value.elts, strict=True):
            if target == "_":
                continue  # (a gradient nobody receives: not computed)
            expr = self.visit(elt)
            if isinstance(expr, ast.Constant) and expr.value is None:
                raise NotInlinable("no gradient for an input that needs one")
            lines.append(f"{target} = {ast.unparse(expr)}")
        return lines

    def _is_saved_store(self, stmt: ast.Assign) -> bool:
        target = stmt.targets[0]
        if not (isinstance(target, ast.Attribute) and is_self(target.value)):
            return False
        if target.attr != "saved":
            return False
        if len(stmt.targets) != 1:
            raise NotInlinable("self.saved is one of several targets")
        elts = stmt.value.elts if isinstance(stmt.value, ast.Tuple) else None
        if elts is None or not all(isinstance(e, ast.Name) for e in elts):
            raise NotInlinable("self.saved is not a tuple of names")
        self.state.saved = [ast.unparse(self.visit(e)) for e in elts]
        return True

    def _unpacks_saved(self, stmt: ast.Assign) -> bool:
        if not (isinstance(stmt.value, ast.Name) and stmt.value.id == self.saved):
            return False
        target = stmt.targets[0]
        if len(stmt.targets) != 1 or not isinstance(target, ast.Tuple):
            raise NotInlinable("saved is used other than unpacked")
        if len(target.elts) != len(self.state.saved):
            raise NotInlinable("saved unpacks into another number of names")
        for elt, var in zip(target.elts, self.state.saved, strict=True):
            if not isinstance(elt, ast.Name) or self.store_counts.get(elt.id, 0) > 1:
                raise NotInlinable("an unpacked saved value is reassigned")
            self.names[elt.id] = var
        return True

    def _binds_names(self, stmt: ast.Assign) -> bool:
        """Assignments that need no line: ``ga, gb = self.needs_grad`` and ``self.n = z.shape[0]``
        bind traced values; ``d = self.diff`` is another name for a value nothing here rebinds."""
        target = stmt.targets[0]
        targets = target.elts if isinstance(target, ast.Tuple) else [target]
        keys = [assigned_key(t) for t in targets]
        if len(stmt.targets) != 1 or None in keys:
            return False
        if any(self.store_counts.get(k, 0) > 1 for k in keys):  # type: ignore[arg-type]
            return False
        self.folding = False  # (a probe: a value folded here would be folded twice)
        value = self.visit(reparsed(stmt.value))
        self.folding = True
        if not isinstance(value, ast.Constant):
            with contextlib.suppress(Unfrozen, LookupError, TypeError):
                found = value_of(value, self.state)  # (``n = z.shape[0]``: a number, frozen)
                value = ast.Constant(found) if is_simple(found) else self._fold(stmt.value)
        if isinstance(value, ast.Constant) and is_simple(value.value):
            values = value.value if isinstance(target, ast.Tuple) else (value.value,)
            if not isinstance(values, tuple) or len(values) != len(targets):
                return False
            for t, v in zip(targets, values, strict=True):
                if isinstance(t, ast.Name):
                    self.constants[t.id] = v
                else:
                    self.state.attr_constants[t.attr] = v  # type: ignore[attr-defined]
            return True
        alias = len(targets) == 1 and isinstance(value, ast.Name)
        if alias and (value.id in self.state.frozen or self._unchanging(stmt.value)):
            if isinstance(target, ast.Name):
                self.names[target.id] = value.id
            else:
                self.state.attrs[target.attr] = value.id  # type: ignore[attr-defined]
            return True
        return False

    def _unchanging(self, original: ast.expr) -> bool:
        """A forward attribute or a name that no statement of this body assigns."""
        if isinstance(original, ast.Attribute) and is_self(original.value):
            return self.store_counts.get("self." + original.attr, 0) == 0
        if isinstance(original, ast.Name):
            return self.store_counts.get(original.id, 0) == 0
        return False

    def _assigned_once(self, stmt: ast.stmt) -> list[bool]:
        """For each target of an assignment: a name or ``self.X`` that nothing else assigns."""
        if not isinstance(stmt, ast.Assign):
            return []
        keys = [assigned_key(t) for t in stmt.targets]
        return [k is not None and self.store_counts.get(k, 0) == 1 for k in keys]

    def _note_shapes(self, once: list[bool], written: ast.Assign) -> None:
        """Remember the shape of a value assigned once, where arithmetic makes it known."""
        shape = shape_of(written.value, self.state)
        if shape is not None:
            for single, target in zip(once, written.targets, strict=True):
                if single and isinstance(target, ast.Name):
                    self.state.shapes[target.id] = shape

    # ------------------------------------------------------------------------ expressions
    def visit_Name(self, node: ast.Name) -> ast.AST:
        """A parameter, local, traced constant or module name, renamed for the program."""
        name = node.id
        if name in self.constants and isinstance(node.ctx, ast.Load):
            return ast.Constant(self.constants[name])
        if name == self.saved:
            raise NotInlinable("saved is used other than unpacked")
        if name == "self":
            return ast.Name(self.state.name, node.ctx)
        if name in self.names:
            return ast.Name(self.names[name], node.ctx)
        if isinstance(node.ctx, ast.Store) or name in self.stores:
            self.names[name] = self._local(name)
            return ast.Name(self.names[name], node.ctx)
        return ast.Name(self._global(name), node.ctx)

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        """``self.X``: forward's variable for it, its traced value, or the op's attribute."""
        if not is_self(node.value):
            return self.generic_visit(node)
        attr, attrs = node.attr, self.state.attrs
        if attr == "saved":
            raise NotInlinable("self.saved read directly")
        if attr in self.state.attr_constants and isinstance(node.ctx, ast.Load):
            return ast.Constant(self.state.attr_constants[attr])
        if isinstance(node.ctx, ast.Store) or attr in attrs:
            if attr not in attrs:
                var = f"{self.state.name}_{attr}"
                attrs[attr] = var if var not in self.names.values() else f"{var}_attr"
            return ast.Name(attrs[attr], node.ctx)
        value = getattr(self.state.op, attr)
        if attr == "needs_grad" or is_simple(value):
            return ast.Constant(value)  # (frozen at trace time, as the guards freeze it)
        if isinstance(value, np.dtype):
            return ast.Name(dtype_name(self.state.env, value), ast.Load())
        return ast.Attribute(ast.Name(self.state.name, ast.Load()), attr, node.ctx)

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        """``self.needs_grad[0]`` and other constant subscripts of constants, looked up now."""
        new = self.generic_visit(node)
        assert isinstance(new, ast.Subscript)
        if isinstance(new.value, ast.Constant) and isinstance(new.slice, ast.Constant):
            container: Any = new.value.value
            try:
                return ast.Constant(container[new.slice.value])
            except (IndexError, KeyError, TypeError):
                return new
        return new

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        """Arithmetic, folded where it reads frozen values alone; where it broadcasts only to
        add axes of length 1, on equal shapes (``small_arrays.equal_shapes``)."""
        new = self._fold(node)
        if not self.folding or not isinstance(new, ast.BinOp):
            return new
        left, right = shape_of(new.left, self.state), shape_of(new.right, self.state)
        return equal_shapes(new, left, right)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        """``-x`` and ``not x``, folded where x is frozen."""
        return self._fold(node)

    def _fold(self, node: ast.expr) -> ast.AST:
        """Arithmetic or a pure helper's call on frozen values alone (``g / n * 2`` with g the
        seed), computed once now.

        The same operations on the same values give the same bits as at every replay; the
        result is kept in the program's globals (read-only if an array) with a comment."""
        if not self.folding:
            return self.generic_visit(node)
        self.folding = False
        renamed = self.visit(reparsed(node))
        self.folding = True
        try:
            value = value_of(renamed, self.state)
        except Unfrozen:
            return self.generic_visit(node)
        if type(value) in (int, float, bool):
            return ast.Constant(value)
        count = sum(k.startswith(self.state.name) for k in self.state.frozen)
        name = f"{self.state.name}_k{count + 1}"
        if isinstance(value, np.floating):  # (a 0-d array: the same arithmetic, less to convert)
            value = np.asarray(value)
        if isinstance(value, np.ndarray):
            value.flags.writeable = False
        self.state.frozen[name] = self.state.env[name] = value
        note = f"# {name} = {ast.unparse(renamed)} = {show(value)} (folded when traced)"
        self.notes.append(note)
        return ast.Name(name, ast.Load())

    def visit_Call(self, node: ast.Call) -> ast.AST:
        """A call of a pure helper on frozen values (``_spread(g_loss, (4,), None, False)``
        with g the seed), folded; any other call is written out."""
        return self._fold(node)

    def visit_IfExp(self, node: ast.IfExp) -> ast.AST:
        """``a if test else b`` with a frozen test: the branch it picks."""
        decided = self._decide(node.test)
        if decided is None:
            return self.generic_visit(node)
        chosen: ast.AST = self.visit(node.body if decided else node.orelse)
        return chosen

    # ------------------------------------------------------------------------ helpers
    def _local(self, name: str) -> str:
        local = f"{self.state.name}_{name}"
        if self.targets is not None and local in self.state.forward_locals:
            local = f"{local}_b"  # (backward's own, so a value forward kept is not overwritten)
        return local if local not in self.state.attrs.values() else f"{local}_local"

    def _global(self, name: str) -> str:
        if name in self.glob:
            value = self.glob[name]
        elif hasattr(builtins, name):
            return name
        else:
            raise NotInlinable(f"an unknown name {name!r}")
        env = self.state.env
        if env.setdefault(name, value) is not value:
            raise NotInlinable(f"the program already uses the name {name!r}")
        return name

    def _decide(self, test: ast.expr) -> bool | None:
        """The value of a test that reads only frozen facts; None for any other test."""
        try:
            return bool(value_of(self.visit(reparsed(test)), self.state))
        except Unfrozen:
            return None
