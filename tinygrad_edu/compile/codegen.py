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

from ..autograd import Array, Function, accumulate, unbroadcast
from ..tensor import Tensor
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


def result(op: Function, data: Any) -> Array:
    """``data`` as an ndarray (a ufunc on 0-d arrays returns a NumPy scalar), as the engine does."""
    if type(data) is np.ndarray:
        return data
    arr = np.asarray(data)
    if any(s is data for s in op.saved):
        op.saved = tuple(arr if s is data else s for s in op.saved)  # type: ignore[misc]
    return arr


class Program:
    """A generated step: ``run(*arrays)`` returns the loss array and leaves the gradients in
    ``.grad``; ``source`` is its text; ``tensors`` are the tensors it reads at every call."""

    def __init__(self, source: str, run: Callable[..., Array], tensors: list[Tensor]) -> None:
        self.source, self.run, self.tensors = source, run, tensors


def _identifier(name: str, fallback: str) -> str:
    clean = re.sub(r"\W", "_", name)
    return clean if clean.isidentifier() and not clean.startswith("_") else fallback


def generate(
    trace: Trace, params: Sequence[Tensor], arg_names: Sequence[str], n_inputs: int
) -> Program:
    """The Python source of ``trace`` and the function it compiles to."""
    args = [
        _identifier(arg_names[i], f"x{i}") if i < len(arg_names) else f"x{i}"
        for i in range(n_inputs)
    ]
    env: dict[str, Any] = {"give": give, "result": result, "unbroadcast": unbroadcast}
    head: list[str] = []
    body: list[str] = ["    # forward: each op's own forward, on arrays, in the order they ran"]
    tensor_names: dict[int, str] = {}
    tensors: list[Tensor] = []
    index = {id(p): i for i, p in enumerate(params)}

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
                dname = f"{np.dtype(dtype).name}"
                env[dname] = np.dtype(dtype)
                derived[src] = name
                head.append(f"    {name} = {args[i]}.reshape({shape}).astype({dname})")
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
        body.append(f"    give({_ref(tensor_name(t))}, g_{tensor_name(t)})")
    body.append("    return loss")
    number = next(_names)
    signature = f"def compiled_step({', '.join(args)}):"
    source = "\n".join([signature, *head, *body]) + "\n"
    filename = f"<compiled step {number}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), env)
    return Program(source, env["compiled_step"], tensors)


def _ref(var: str) -> str:
    return f"param{var[1:]}" if var.startswith("p") else f"t{var[1:]}"


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
                after.append(f"    {name} = unbroadcast({name}, {target_shape})")
            if seen:
                after.append(f"    g_{var} = g_{var} + {name}")
        op = trace.ops[k]
        left = f"({targets[0]},)" if len(targets) == 1 else ", ".join(targets)
        formula = getattr(op, "formula", "")
        note = f"  # {formula}" if formula else ""
        body.append(f"    {left} = {ops[k]}.backward({upstream}, {ops[k]}.saved){note}")
        body.extend(after)
