"""``grad(outputs, inputs)``: derivatives of outputs with respect to chosen inputs, as Tensors.

The same walk as ``Tensor.backward``, with PyTorch's ``torch.autograd.grad`` semantics: it returns
the gradients instead of accumulating them into ``.grad`` (no tensor's ``.grad`` changes), and
with ``create_graph=True`` the returned gradients carry a graph of their own, so they can be
differentiated again — to any order.

>>> from tinygrad_edu import Tensor
>>> x = Tensor(2.0, requires_grad=True)
>>> y = x ** 3                                          # y = x³
>>> (dy,) = grad(y, x, create_graph=True); dy           # 3x² = 12
Tensor(12., grad_fn=Mul)
>>> (d2y,) = grad(dy, x, create_graph=True); d2y.item() # 6x = 12
12.0
>>> (d3y,) = grad(d2y, x); d3y.item()                   # 6
6.0
>>> x.grad is None                                      # nothing was accumulated
True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .autograd import run_backward
from .tensor import Constant, NoGradError, Tensor, as_array

__all__ = ["grad"]


def _tensors(value: Tensor | Sequence[Tensor], what: str) -> list[Tensor]:
    items = [value] if isinstance(value, Tensor) else list(value)
    if not items:
        raise ValueError(f"grad: {what} is empty")
    for i, t in enumerate(items):
        if not isinstance(t, Tensor):
            raise TypeError(f"grad: {what}[{i}] is a {type(t).__name__}, not a Tensor")
    return items


def _seed(out: Tensor, given: Any, i: int, create_graph: bool) -> Any:
    """∂L/∂outᵢ: 1 for a one-element output, else the given ``grad_outputs[i]`` of its shape."""
    if given is None:
        if out.data.size != 1:
            raise ValueError(
                f"grad: output {i} has shape {out.shape}, so its gradient cannot be implied; "
                f"pass grad_outputs with an array of shape {out.shape} for it"
            )
        seed = np.ones(out.shape, out.dtype)
        return _one(seed) if create_graph else seed
    data = as_array(given.data if isinstance(given, Tensor) else given, out.dtype)
    if data.shape != out.shape:
        raise ValueError(
            f"grad: grad_outputs[{i}] has shape {data.shape} but output {i} has shape {out.shape}"
        )
    if not create_graph:
        return data
    return given if isinstance(given, Tensor) else Tensor(data)


def _one(seed: Any) -> Constant:
    """∂out/∂out = 1 as a shared read-only ``Constant`` of the output's shape and dtype, like the
    numbers of an expression (pictures draw it at each use): the same one at every call, so that
    a compiled step reads it as the constant it is (a new tensor each time would look like a
    value the step made with NumPy)."""
    key = (seed.shape, seed.dtype)
    one = _ONES.get(key)
    if one is None:
        one = _ONES[key] = Constant(seed)
        one.data.flags.writeable = False
    return one


_ONES: dict[tuple[tuple[int, ...], Any], Constant] = {}


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Any = None,
    *,
    create_graph: bool = False,
    allow_unused: bool = False,
    retain_graph: bool | None = None,
) -> tuple[Tensor | None, ...]:
    """∂(Σᵢ grad_outputsᵢ · outputsᵢ)/∂input for each input, as a tuple of Tensors.

    * ``outputs`` — one Tensor or a sequence; a one-element output is seeded with 1, any other
      needs its entry of ``grad_outputs`` (same shape).
    * ``inputs`` — the tensors to differentiate with respect to (leaves or intermediate
      tensors), each requiring grad. The result has one entry per input, in order, each of that
      input's shape.
    * ``create_graph`` — record the backward pass, so the results can be differentiated again.
    * ``allow_unused`` — give ``None`` for an input the outputs do not depend on (otherwise that
      is an error).
    * ``retain_graph`` — accepted for PyTorch code; graphs are always kept here.

    Nothing is accumulated into any tensor's ``.grad``.
    """
    outs = _tensors(outputs, "outputs")
    ins = _tensors(inputs, "inputs")
    for i, out in enumerate(outs):
        if not out.requires_grad:
            raise NoGradError(
                f"grad: output {i} (shape {out.shape}) does not require grad: it was built under "
                "no_grad, or from tensors that do not require grad, so there is no graph to walk"
            )
    for i, x in enumerate(ins):
        if not x.requires_grad:
            raise ValueError(
                f"grad: input {i} (shape {x.shape}) does not require grad; create it with "
                "requires_grad=True"
            )
    given = [None] * len(outs) if grad_outputs is None else grad_outputs
    if isinstance(given, (Tensor, np.ndarray)) or not isinstance(given, (list, tuple)):
        given = [given]
    if len(given) != len(outs):
        raise ValueError(f"grad: {len(given)} grad_outputs for {len(outs)} outputs")
    seeds = [_seed(o, g, i, create_graph) for i, (o, g) in enumerate(zip(outs, given, strict=True))]
    found = run_backward(outs, seeds, ins, create_graph=create_graph) or []
    results: list[Tensor | None] = []
    for i, (x, g) in enumerate(zip(ins, found, strict=True)):
        if g is None:
            if not allow_unused:
                raise ValueError(
                    f"grad: input {i} (shape {x.shape}) is not used to compute the outputs; "
                    "pass allow_unused=True to get None for it"
                )
            results.append(None)
        elif any(g is one for one in _ONES.values()):  # the shared seed itself (grad(x, x))
            results.append(Tensor(g.data))
        elif isinstance(g, Tensor):
            results.append(g)
        else:  # a fresh array: the walk's arrays may be shared with the graph
            results.append(Tensor(np.array(g, dtype=x.dtype)))
    return tuple(results)
