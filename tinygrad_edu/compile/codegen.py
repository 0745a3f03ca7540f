"""Code generation: a ``Trace`` written out as one straight-line Python function.

Each recorded op's forward is written out in the order the ops ran, and its backward newest op
first, in the order the engine walked the graph, with the engine's ``unbroadcast`` where a
gradient came back in the broadcast shape and ``+`` where a value fed several ops. An op's code
is copied in where ``inline`` can (``h3 = np.tanh(h2)``; ``g_h2 = g_h3 * (1 - h3 * h3)``), else
its methods are called (``h1 = doubler1.forward(p0)``; ``(g_p0,) = doubler1.backward(g_h1,
doubler1.saved)``). Nothing is re-derived: the program is the eager step with the graph
bookkeeping taken out.

What the program calls when it runs (``own``, ``give``, ``lr_as_float64``) is in ``runtime``.
"""

from __future__ import annotations

import ast
import builtins
import linecache
import re
from collections.abc import Callable, Sequence
from itertools import count
from typing import Any

import numpy as np

from .._config import fast
from ..autograd import Array, add_reduce
from ..guards import mark_changed
from ..nn.layout import layout
from ..optim.base import Optimizer
from ..tensor import Tensor, output_array
from .constants import typed_constants
from .inline import Inlined, inline
from .inline_facts import dtype_name
from .replay import replay_lines
from .runtime import TypedNumber, give, own
from .small_arrays import unbroadcast_line, update_line
from .trace import Source, Trace

__all__ = ["Program", "generate"]

_names = count(1)


class Program:
    """A generated step: ``run(*arrays)`` returns the loss array and leaves the gradients in
    ``.grad``; ``update()`` is the optimizer's step; ``holds(params, *inputs)`` its guard on the
    optimizer's parameters and the tensors it reads (``tensors``); ``source`` is their text.
    ``replay(*inputs)`` is all of a replayed step in one function (``replay_source``; see
    ``replay``): the loss as a float, or ``None`` if a guard fails."""

    def __init__(
        self,
        source: str,
        run: Callable[..., Array],
        update: Callable[[], None],
        holds: Callable[..., bool],
        tensors: list[Tensor],
        replay_source: str,
    ) -> None:
        self.source, self.run, self.update, self.tensors = source, run, update, tensors
        self.holds, self.replay_source = holds, replay_source
        self.replay: Callable[..., float | None] = run.__globals__["replay"]


def _identifier(name: str, fallback: str) -> str:
    clean = re.sub(r"\W", "_", name)
    return clean if clean.isidentifier() and not clean.startswith("_") else fallback


def generate(
    trace: Trace,
    optimizer: Optimizer,
    arg_names: Sequence[str],
    dtypes: Sequence[Any],
    input_shapes: Sequence[tuple[int, ...]] | None = None,
) -> Program:
    """The Python source of ``trace`` and the functions it compiles to.

    With ``input_shapes`` (the traced inputs' shapes), ops whose methods allow it are written
    out in place of their method calls (``inline``); without, every op is a method call.
    """
    params = optimizer.params
    args = [
        _identifier(arg_names[i], f"x{i}") if i < len(arg_names) else f"x{i}"
        for i in range(len(dtypes))
    ]
    env: dict[str, Any] = {
        "give": give,
        "own": own,
        "result": output_array,
        "add_reduce": add_reduce,
        "mark_changed": mark_changed,
        "optimizer": optimizer,
        "np": np,
    }
    head: list[str] = []
    body: list[str] = ["    # forward: each op's own forward, on arrays, in the order the ops ran"]
    tensor_names: dict[int, str] = {}
    tensors: list[Tensor] = []
    index = {id(p): i for i, p in enumerate(params)}
    env.update((f"param{i}", p) for i, p in enumerate(params))  # (read or not: the guard checks)

    def tensor_name(t: Tensor) -> str:
        key = id(t)
        if key not in tensor_names:
            i = index.get(key)
            ref, var = (f"param{i}", f"p{i}") if i is not None else (f"t{len(tensors)}", "")
            var = var or f"c{len(tensors)}"
            tensor_names[key] = var
            env[ref] = t
            tensors.append(t)
            head.append(f"    {var} = {ref}.data")
        return tensor_names[key]

    def operand(src: Source) -> str:
        kind = src[0]
        if kind == "op":
            return names[src[1]]
        if kind == "input":
            return args[src[1]]
        return tensor_name(src[1])

    names = ["loss" if k == trace.loss else f"h{k + 1}" for k in range(len(trace.ops))]
    ops = [f"{_short(type(op).__name__)}{k + 1}" for k, op in enumerate(trace.ops)]
    shapes = dict(zip(names, trace.shapes, strict=True))
    inlined: dict[int, Inlined] = {}
    for k, op in enumerate(trace.ops):
        env[ops[k]] = op
        operands = [operand(s) for s in trace.sources[k]]
        if input_shapes is not None:
            shapes.update(zip(operands, _source_shapes(trace, k, input_shapes), strict=True))
            written = inline(op, ops[k], operands, names[k], shapes, env, {"g_loss": trace.seed})
            if written is not None:
                inlined[k] = written
                body.extend(_commented(written.forward, type(op).__name__))
                continue
        call = f"{ops[k]}.forward({', '.join(operands)})"
        if trace.shapes[k] == ():
            call = f"result({ops[k]}, {call})"
        body.append(f"    {names[k]} = {call}")
    body.append("    # backward: each op's own rule, newest op first (the engine's order)")
    env["one"] = trace.seed
    body.append("    g_loss = one  # ∂loss/∂loss")
    _backward(trace, names, ops, operand, body, inlined)
    body.append("    # the gradients into .grad (as the engine: no copy if nothing else holds one)")
    for t in trace.leaves:
        var = tensor_name(t)
        if id(t) in index:  # zero_grad emptied it: the gradient becomes .grad
            dtype = dtype_name(env, t.data.dtype)
            body.append(
                f"    {_ref(var)}.grad, {_ref(var)}._grad_tensor = own(g_{var}, {dtype}), None"
            )
        else:  # a tensor outside the optimizer: its gradient adds up, as in eager
            body.append(f"    give({_ref(var)}, g_{var})")
    body.append("    return loss")
    signature = f"def compiled_step({', '.join(args)}):"
    sizes = ", ".join(f"param{i} {p.data.shape}" for i, p in enumerate(params))
    head.insert(0, f"    # paramN is optimizer.params[N]: {sizes}")
    typed = {a: np.dtype(d) for a, d in zip(args, dtypes, strict=True)}
    step_lines = [signature, *typed_constants([*head, *body], typed, env)]
    update_lines = _update(optimizer, trace, tensor_name, env)
    inputs = list(zip(args, input_shapes, dtypes, strict=True)) if input_shapes is not None else []
    checks = _checks(params, tensors, tensor_names, env, inputs)
    for k, (module, training) in enumerate(trace.modes):  # (Dropout, BatchNorm1d: their mode)
        env[f"module{k}"] = module
        checks.append(f"module{k}.training is {training}")
    for k, (mask, picked) in enumerate(trace.masks):  # (a captured mask changed in place)
        env[f"mask{k}"], env["count_nonzero"] = mask, np.count_nonzero
        data = ".data" if isinstance(mask, Tensor) else ""
        checks.append(f"count_nonzero(mask{k}{data}) == {picked}")
    holds_lines = [
        f"def holds({', '.join(['params', *(arg for arg, _, _ in inputs)])}):",
        "    # the guard: the parameters, the tensors read and the inputs are as traced",
        "    return (",
        *(f"        {'and ' if i else ''}{c}" for i, c in enumerate(checks)),
        "    )",
    ]
    lines = [*step_lines, "", "", *update_lines, "", "", *holds_lines]
    source = "\n".join(lines) + "\n"
    reached = {id(t) for t in trace.leaves}
    sets_every_grad = type(optimizer).zero_grad is Optimizer.zero_grad and all(
        id(p) in reached for p in params
    )
    replay = replay_lines(
        args, checks, step_lines, update_lines, layout.version, zero_grad=not sets_every_grad
    )
    replay_source = "\n".join(replay) + "\n"
    env.update(Tensor=Tensor, asarray=np.asarray, ndarray=np.ndarray, fast=fast, layout=layout)
    clashes = _clashes(source, replay_source, args, env)
    if clashes:  # (an input named like one of the program's own names: it would hide that name)
        renamed = ["" if a in clashes else n for a, n in zip(args, arg_names, strict=False)]
        return generate(trace, optimizer, renamed, dtypes, input_shapes)
    filename = f"<compiled step {next(_names)}>"
    text = f"{source}\n\n{replay_source}"
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    exec(compile(text, filename, "exec"), env)
    return Program(
        source, env["compiled_step"], env["update"], env["holds"], tensors, replay_source
    )


def _clashes(source: str, replay_source: str, args: list[str], env: dict[str, Any]) -> set[str]:
    """The inputs' names that are also a global of the program, a variable ``compiled_step`` or
    ``replay`` sets for itself, ``holds``'s first parameter or a built-in the program calls."""
    step = ast.parse(source).body[0]
    taken = {"params", "inputs", "value"} | {
        n.id for n in ast.walk(step) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
    }
    read = {n.id for n in ast.walk(ast.parse(source + replay_source)) if isinstance(n, ast.Name)}
    taken |= read & set(dir(builtins))
    return {a for a in args if a in env or a in taken}


def _checks(
    params: Sequence[Tensor],
    tensors: list[Tensor],
    names: dict[int, str],
    env: dict[str, Any],
    inputs: list[tuple[str, tuple[int, ...], Any]],
) -> list[str]:
    """The guard's tests: the same parameter tensors (``params``), every tensor read as traced
    (shape, dtype, whether it requires grad, no hooks), and (when their traced shapes are given)
    the inputs' shapes and dtypes.

    A dtype is compared with ``is`` (NumPy shares one object per built-in dtype): a dtype equal
    but not identical only fails this quick check, and the step's full guard then decides."""
    checks = [f"len(params) == {len(params)}"]
    checks += [f"params[{i}] is param{i}" for i in range(len(params))]
    for t in tensors:
        ref = _ref(names[id(t)])
        dtype = dtype_name(env, t.data.dtype)
        checks.append(f"{ref}.data.shape == {t.data.shape} and {ref}.data.dtype is {dtype}")
        checks.append(f"{ref}.requires_grad is {bool(t.requires_grad)} and {ref}._hooks is None")
    for arg, shape, dtype in inputs:
        checks.append(f"{arg}.shape == {tuple(shape)} and {arg}.dtype is {dtype_name(env, dtype)}")
    return checks


def _ref(var: str) -> str:
    return f"param{var[1:]}" if var.startswith("p") else f"t{var[1:]}"


def _update(
    optimizer: Optimizer,
    trace: Trace,
    tensor_name: Callable[[Tensor], str],
    env: dict[str, Any],
) -> list[str]:
    """``update()``: plain gradient descent written out, or a call of the optimizer's own step."""
    if type(optimizer).step is not Optimizer.step:
        return ["def update():", f"    optimizer.step()  # {type(optimizer).__name__}.step"]
    ids = {id(t) for t in trace.leaves}
    updated = [p for p in optimizer.params if id(p) in ids]
    refs = [_ref(tensor_name(p)) for p in updated]
    dtypes = {p.data.dtype for p in updated}
    read = "optimizer.lr"
    if len(dtypes) == 1 and (dtype := dtypes.pop()) in (np.float32, np.float64):
        env[f"lr_as_{dtype.name}"] = TypedNumber(dtype)
        read = f"lr_as_{dtype.name}(optimizer.lr)  # (a Python number: typed once, not at each ×)"
    return [
        "def update():",
        "    # Optimizer.step written out: p ← p − lr·∂L/∂p (lr read at every call)",
        "    if optimizer.weight_decay:",
        "        optimizer.step()  # (with L2 weight decay: the general rule)",
        "        return",
        f"    lr = {read}",
        *(update_line(r, p.data.size) for r, p in zip(refs, updated, strict=True)),
        "    # (a graph recorded before this step must now refuse: the values changed)",
        f"    mark_changed({', '.join(refs)})",
    ]


def _backward(
    trace: Trace,
    names: list[str],
    ops: list[str],
    operand: Callable[[Source], str],
    body: list[str],
    inlined: dict[int, Inlined],
) -> None:
    """One line per op of the walk, plus the unbroadcasts and sums the engine made."""
    pending: dict[str, int] = {"loss": 1}
    for step in trace.walk:
        k = step.k
        upstream = f"g_{names[k]}"
        targets: list[str] = []
        after: list[str] = []
        grads = zip(trace.sources[k], step.grad_shapes, step.grad_dtypes, strict=True)
        for src, shape, dtype in grads:
            needs = src[0] == "op" or (src[0] == "tensor" and src[1].requires_grad)
            if shape is None or not needs:
                targets.append("_")
                continue
            var = operand(src)
            target_shape = trace.shapes[src[1]] if src[0] == "op" else src[1].data.shape
            seen = pending.get(var, 0)
            name = f"g_{var}" if not seen else f"g_{var}_{seen + 1}"
            pending[var] = seen + 1
            targets.append(name)
            if shape != target_shape:
                after.append(f"    {name} = {unbroadcast_line(name, shape, target_shape, dtype)}")
            if seen:
                after.append(f"    g_{var} = g_{var} + {name}")
        op = trace.ops[k]
        formula = getattr(op, "formula", "")
        if k in inlined:
            name = type(op).__name__
            body.append(f"    # {name}: {formula}" if formula else f"    # {name}")
            body.extend(f"    {line}" for line in inlined[k].backward(upstream, targets))
        else:
            left = f"({targets[0]},)" if len(targets) == 1 else ", ".join(targets)
            note = f"  # {formula}" if formula else ""
            body.append(f"    {left} = {ops[k]}.backward({upstream}, {ops[k]}.saved){note}")
        body.extend(after)


def _source_shapes(
    trace: Trace, k: int, input_shapes: Sequence[tuple[int, ...]]
) -> list[tuple[int, ...]]:
    """The traced shape of each input of op ``k``."""
    found: list[tuple[int, ...]] = []
    for src in trace.sources[k]:
        kind = src[0]
        if kind == "op":
            found.append(trace.shapes[src[1]])
        elif kind == "input":
            found.append(tuple(input_shapes[src[1]]))
        else:
            found.append(src[1].data.shape)
    return found


def _commented(lines: list[str], op_name: str) -> list[str]:
    """An inlined forward, indented, with the op's name beside a one-line body."""
    if len(lines) == 1:
        return [f"    {lines[0]}  # {op_name}"]
    return [f"    # {op_name}", *(f"    {line}" for line in lines)]


def _short(class_name: str) -> str:
    """An op's name in the program: ``tanh``, or the initials of a longer one (``mse``, ``mm``)."""
    capitals = [c for c in class_name if c.isupper()]
    return "".join(capitals).lower() if len(capitals) > 1 else class_name.lower()
