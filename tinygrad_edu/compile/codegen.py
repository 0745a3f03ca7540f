"""Code generation: a ``Trace`` written out as one straight-line Python function.

Each recorded op becomes one line calling its own ``forward`` on NumPy arrays; the backward pass
becomes one line per op calling its own ``backward(g, saved)``, newest op first, in the order the
engine walked the graph, with the engine's ``unbroadcast`` where a gradient came back in the
broadcast shape and ``+`` where a value fed several ops. Nothing is re-derived: the program is
the eager step with the graph bookkeeping taken out. For a logistic regression::

    h1 = matmul1.forward(xb, p0)
    h2 = add2.forward(h1, p1)
    ...
    _, g_h1 = ...
    give(param0, g_p0)

``give`` stores a gradient into ``.grad`` as the engine does: the array itself when nothing else
holds it (no copy), else a copy.
"""

from __future__ import annotations

import linecache
import re
from collections.abc import Callable, Sequence
from itertools import count
from sys import getrefcount
from typing import Any

import numpy as np

from ..autograd import Array, accumulate, add_reduce
from ..guards import mark_changed
from ..optim.base import Optimizer
from ..tensor import Tensor, output_array
from .trace import Source, Trace

__all__ = ["Program", "generate"]

_names = count(1)


def _held(t: Any, g: Array) -> int:
    return getrefcount(g)


def _sole() -> int:
    """What ``_held`` reports for an array held by one local variable of the caller."""
    g = np.empty(0)
    return _held(None, g)


_SOLE = _sole()


def give(t: Tensor, g: Array) -> None:
    """Accumulate ``g`` into ``t.grad``, keeping the array itself when only the caller holds it."""
    accumulate(t, g, getrefcount(g) <= _SOLE)


def own(g: Array, dtype: Any) -> Array:
    """``g`` itself as a new ``.grad`` when only the caller holds it (as ``accumulate`` decides),
    else a copy: the gradient of a parameter whose ``.grad`` ``zero_grad`` just emptied."""
    if getrefcount(g) <= _SOLE and g.base is None and g.dtype == dtype and g.flags.writeable:
        return g
    return np.array(g, dtype=dtype)


class Program:
    """A generated step: ``run(*arrays)`` returns the loss array and leaves the gradients in
    ``.grad``; ``update()`` is the optimizer's step; ``holds(params)`` its guard on the
    optimizer's parameters and the tensors it reads (``tensors``); ``source`` is their text."""

    def __init__(
        self,
        source: str,
        run: Callable[..., Array],
        update: Callable[[], None],
        holds: Callable[[Sequence[Tensor]], bool],
        tensors: list[Tensor],
    ) -> None:
        self.source, self.run, self.update, self.tensors = source, run, update, tensors
        self.holds = holds


def _identifier(name: str, fallback: str) -> str:
    clean = re.sub(r"\W", "_", name)
    return clean if clean.isidentifier() and not clean.startswith("_") else fallback


def generate(
    trace: Trace, optimizer: Optimizer, arg_names: Sequence[str], dtypes: Sequence[Any]
) -> Program:
    """The Python source of ``trace`` and the functions it compiles to."""
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
    }
    head: list[str] = []
    body: list[str] = ["    # forward: each op's own forward, on arrays, in the order they ran"]
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

    derived: dict[Source, str] = {}

    def operand(src: Source) -> str:
        kind = src[0]
        if kind == "op":
            return names[src[1]]
        if kind == "input":
            return args[src[1]]
        if kind == "derived":
            if src not in derived:
                _, i, shape, dtype = src
                name = f"{args[i]}_{len(derived) + 1}"
                derived[src] = name
                cast = "" if dtype == dtypes[i] else f".astype({_dtype(env, dtype)})"
                head.append(f"    {name} = {args[i]}.reshape({shape}){cast}")
            return derived[src]
        return tensor_name(src[1])

    names = ["loss" if k == trace.loss else f"h{k + 1}" for k in range(len(trace.ops))]
    ops = [f"{type(op).__name__.lower()}{k + 1}" for k, op in enumerate(trace.ops)]
    for k, op in enumerate(trace.ops):
        env[ops[k]] = op
        call = f"{ops[k]}.forward({', '.join(operand(s) for s in trace.sources[k])})"
        if trace.shapes[k] == ():
            call = f"result({ops[k]}, {call})"
        body.append(f"    {names[k]} = {call}")
    body.append("    # backward: each op's own rule, newest op first (the engine's order)")
    env["one"] = trace.seed
    body.append("    g_loss = one  # ∂loss/∂loss")
    _backward(trace, names, ops, operand, body)
    body.append("    # the gradients into .grad (as the engine: no copy if nothing else holds one)")
    for t in trace.leaves:
        var = tensor_name(t)
        if id(t) in index:  # zero_grad emptied it: the gradient becomes .grad
            dtype = _dtype(env, t.data.dtype)
            body.append(
                f"    {_ref(var)}.grad, {_ref(var)}._grad_tensor = own(g_{var}, {dtype}), None"
            )
        else:  # a tensor outside the optimizer: its gradient adds up, as in eager
            body.append(f"    give({_ref(var)}, g_{var})")
    body.append("    return loss")
    signature = f"def compiled_step({', '.join(args)}):"
    shapes = ", ".join(f"param{i} {p.data.shape}" for i, p in enumerate(params))
    head.insert(0, f"    # paramN is optimizer.params[N]: {shapes}")
    lines = [signature, *head, *body, "", "", *_update(optimizer, trace, tensor_name)]
    lines += ["", "", *_holds(params, tensors, tensor_names, env)]
    source = "\n".join(lines) + "\n"
    filename = f"<compiled step {next(_names)}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), env)
    return Program(source, env["compiled_step"], env["update"], env["holds"], tensors)


def _holds(
    params: Sequence[Tensor], tensors: list[Tensor], names: dict[int, str], env: dict[str, Any]
) -> list[str]:
    """``holds(params)``: the same parameter tensors, and every tensor read as traced."""
    checks = [f"len(params) == {len(params)}"]
    checks += [f"params[{i}] is param{i}" for i in range(len(params))]
    for t in tensors:
        ref = _ref(names[id(t)])
        dtype = _dtype(env, t.data.dtype)
        checks.append(f"{ref}.data.shape == {t.data.shape} and {ref}.data.dtype == {dtype}")
    return [
        "def holds(params):",
        "    # the guard: the optimizer's parameters and the tensors read are as traced",
        "    return (",
        *(f"        {'and ' if i else ''}{c}" for i, c in enumerate(checks)),
        "    )",
    ]


def _dtype(env: dict[str, Any], dtype: Any) -> str:
    name: str = np.dtype(dtype).name
    env[name] = np.dtype(dtype)
    return name


def _ref(var: str) -> str:
    return f"param{var[1:]}" if var.startswith("p") else f"t{var[1:]}"


def _update(optimizer: Optimizer, trace: Trace, tensor_name: Callable[[Tensor], str]) -> list[str]:
    """``update()``: plain gradient descent written out, or a call of the optimizer's own step."""
    if type(optimizer).step is not Optimizer.step:
        return ["def update():", f"    optimizer.step()  # {type(optimizer).__name__}.step"]
    ids = {id(t) for t in trace.leaves}
    refs = [_ref(tensor_name(p)) for p in optimizer.params if id(p) in ids]
    return [
        "def update():",
        "    # Optimizer.step written out: p ← p − lr·∂L/∂p (lr read at every call)",
        "    if optimizer.weight_decay:",
        "        optimizer.step()  # (with L2 weight decay: the general rule)",
        "        return",
        "    lr = optimizer.lr",
        *(f"    {r}.data -= lr * {r}.grad" for r in refs),
        *(
            f"    mark_changed({r})  # (a graph recorded before this step must refuse)"
            for r in refs
        ),
    ]


def _backward(
    trace: Trace,
    names: list[str],
    ops: list[str],
    operand: Callable[[Source], str],
    body: list[str],
) -> None:
    """One line per op of the walk, plus the unbroadcasts and sums the engine made."""
    pending: dict[str, int] = {"loss": 1}
    for step in trace.walk:
        k = step.k
        upstream = f"g_{names[k]}"
        targets: list[str] = []
        after: list[str] = []
        for src, shape in zip(trace.sources[k], step.grad_shapes, strict=True):
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
                after.append(f"    {name} = {_unbroadcast(name, shape, target_shape)}")
            if seen:
                after.append(f"    g_{var} = g_{var} + {name}")
        op = trace.ops[k]
        left = f"({targets[0]},)" if len(targets) == 1 else ", ".join(targets)
        formula = getattr(op, "formula", "")
        note = f"  # {formula}" if formula else ""
        body.append(f"    {left} = {ops[k]}.backward({upstream}, {ops[k]}.saved){note}")
        body.extend(after)


def _unbroadcast(name: str, gshape: tuple[int, ...], shape: tuple[int, ...]) -> str:
    """The sum ``autograd.unbroadcast`` does for these shapes, written out (the same NumPy call)."""
    extra = len(gshape) - len(shape)
    if extra == 1 and shape and gshape[1:] == shape:
        return f"add_reduce({name}, axis=0)  # (the batch axis broadcasting added)"
    axes = tuple(range(extra)) + tuple(
        extra + i for i, n in enumerate(shape) if n == 1 and gshape[extra + i] != 1
    )
    return f"add_reduce({name}, axis={axes}, keepdims=True).reshape({shape})  # (unbroadcast)"
