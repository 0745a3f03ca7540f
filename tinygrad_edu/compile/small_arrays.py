"""Cheaper NumPy calls for small arrays, with the same bits.

A program's shapes are fixed by its guards, so where NumPy's general machinery costs more than
the arithmetic it does, the program may write a call that skips it. On arrays of one element
(a bias of one output, a batch of one row), measured with NumPy 2 on one core:

- in-place ``a -= b`` goes through NumPy's general iterator (≈0.8 µs); ``a[...] = a - b`` puts
  the same bits into the same array for ≈0.4 µs (``update_line``);
- broadcasting ``(1, 1) + (1,)`` costs ≈0.8 µs against ≈0.3 µs for equal shapes; when both
  operands have as many elements as the result, they differ only by axes of length 1, and a
  reshape view (≈0.1 µs) makes the shapes equal (``equal_shapes``);
- a sum over axes of length 1 costs ≈0.9 µs, yet each result is one element: NumPy's sum adds
  it to 0.0, so ``x.reshape(shape) + 0.0`` gives its bits (−0.0 comes out +0.0, as from the sum)
  for ≈0.5 µs (``unbroadcast_line``). That is checked when this module is imported; on a NumPy
  whose sums do otherwise, the program keeps the sum.

Elementwise arithmetic works element by element, so none of this can change a value: only how
NumPy walks the arrays.
"""

from __future__ import annotations

import ast
from math import prod
from typing import Any

import numpy as np

from ..autograd import add_reduce, stretched_axes

__all__ = ["SUM_OF_ONE_IS_PLUS_ZERO", "equal_shapes", "unbroadcast_line", "update_line"]


#: The float dtypes the sum's rewrite is checked for (not longdouble: its padding bytes are
#: whatever was in memory, so its bits cannot be compared).
_FLOATS = (np.float64, np.float32, np.float16)


def _sum_of_one_is_plus_zero() -> bool:
    """Whether this NumPy sums a single element ``x`` to the bits of ``x + 0.0``, for the values
    where that could differ (signed zeros, a NaN's payload, a subnormal, infinities), in both
    forms ``unbroadcast`` uses."""
    nan = np.array([0x7FF8_0000_0000_0123], dtype=np.uint64).view(np.float64)[0]
    probe = np.array([[-0.0, 0.0, 5e-324, -np.inf, np.inf, 1.5, nan]])
    for dtype in _FLOATS:
        x = probe.astype(dtype)
        added = x[0] + dtype(0.0)
        batch = add_reduce(x, axis=0)
        kept = add_reduce(x[None], axis=(0, 1), keepdims=True).reshape(x.shape[1:])
        if not (added.tobytes() == batch.tobytes() == kept.tobytes()):
            return False
    return True


#: Whether ``unbroadcast_line`` may write a sum of one element as ``+ 0.0`` on this NumPy.
SUM_OF_ONE_IS_PLUS_ZERO = _sum_of_one_is_plus_zero()


def update_line(ref: str, size: int) -> str:
    """The program's line for ``p ← p − lr·g`` in place, on a parameter of ``size`` elements."""
    if size == 1:
        written_back = f"{ref}.data[...] = {ref}.data - lr * {ref}.grad"
        return f"    {written_back}  # (one element: faster than -=)"
    return f"    {ref}.data -= lr * {ref}.grad"


def unbroadcast_line(
    name: str, gshape: tuple[int, ...], shape: tuple[int, ...], dtype: np.dtype[Any] | None
) -> str:
    """The sum ``autograd.unbroadcast`` does for a gradient of ``gshape`` and ``dtype`` to
    ``shape``, written out: the same NumPy call, or, for floats where every summed axis has
    length 1, its one element plus 0.0.

    E.g. a ``(1, 1)`` gradient for a ``(1,)`` bias: ``g.reshape((1,)) + 0.0``. (A sum of
    integers or booleans keeps its own rules: ``+ 0.0`` would make them floats.)"""
    floats = dtype is not None and any(dtype == f for f in _FLOATS)
    if SUM_OF_ONE_IS_PLUS_ZERO and floats and shape and prod(gshape) == prod(shape):
        return f"{name}.reshape({shape}) + 0.0  # (unbroadcast: one element in each sum)"
    if len(gshape) == len(shape) + 1 and shape and gshape[1:] == shape:
        return f"add_reduce({name}, axis=0)  # (the batch axis broadcasting added)"
    axes = stretched_axes(gshape, shape)
    return f"add_reduce({name}, axis={axes}, keepdims=True).reshape({shape})  # (unbroadcast)"


_ELEMENTWISE = (ast.Add, ast.Sub, ast.Mult, ast.Div)


def equal_shapes(
    node: ast.BinOp,
    left: tuple[int, ...] | None,
    right: tuple[int, ...] | None,
) -> ast.BinOp:
    """``a + b`` with ``a`` of shape ``(1, 1)`` and ``b`` of shape ``(1,)`` as
    ``a + b.reshape((1, 1))``: the operand whose shape is not the result's is reshaped to it,
    where both have the result's number of elements (unknown shapes and 0-d operands, which may
    be Python numbers, are left alone)."""
    if type(node.op) not in _ELEMENTWISE or not left or not right or left == right:
        return node
    try:
        result = tuple(np.broadcast_shapes(left, right))
    except ValueError:
        return node
    if not prod(left) == prod(right) == prod(result):
        return node
    sides = [node.left, node.right]
    for k, shape in enumerate((left, right)):
        if shape != result:
            reshape = ast.Attribute(sides[k], "reshape", ast.Load())
            dims: list[ast.expr] = [ast.Constant(n) for n in result]
            sides[k] = ast.Call(reshape, [ast.Tuple(dims, ast.Load())], [])
    return ast.BinOp(sides[0], node.op, sides[1])
