"""What a primitive's derivative rules are written with: operators, and these few functions.

A rule such as ``Mul``'s ``g * b`` runs on two kinds of values. In a first-order backward pass
``g`` and ``b`` are NumPy arrays (fast: no graph). With ``create_graph=True`` they are Tensors,
so the same expression is recorded and can be differentiated again. Operators (``+ - * / ** @``,
``.T``, ``.sum(axis, keepdims)``, ``.reshape``, ``.transpose``, indexing) mean the same on both;
the functions here cover what NumPy spells differently from ``Tensor``. Each has an array form
and a Tensor form, and ``tests/test_higher_order.py`` checks that the two agree for every op.

A value is treated as a Tensor when it is not an ``np.ndarray`` (ops sit below ``Tensor`` and
cannot import it; a Tensor has the methods used here).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from ..autograd import Array, Function, add_reduce

Value = Any  # an ndarray or a Tensor


class Primitive(Function):
    """A built-in op: its backward uses only operators and this module's functions on ``g`` and
    the saved values, so it runs on arrays (first order) and on Tensors (``create_graph``)."""

    __slots__ = ()
    differentiable_backward: ClassVar[bool] = True


def is_array(x: Value) -> bool:
    """True for an ndarray or a NumPy scalar (a first-order pass), False for a Tensor."""
    return type(x) is np.ndarray or isinstance(x, np.generic)


def value(x: Value) -> Array:
    """The array behind ``x`` (``x`` itself for an array): for masks, which are constants."""
    data: Array = x if is_array(x) else x.data
    return data


def exp(x: Value) -> Value:
    """eˣ elementwise."""
    return np.exp(x) if is_array(x) else x.exp()


def log(x: Value) -> Value:
    """ln x elementwise."""
    return np.log(x) if is_array(x) else x.log()


def sin(x: Value) -> Value:
    """sin x elementwise."""
    return np.sin(x) if is_array(x) else x.sin()


def cos(x: Value) -> Value:
    """cos x elementwise."""
    return np.cos(x) if is_array(x) else x.cos()


def sigmoid(x: Value) -> Value:
    """σ(x) = 1 / (1 + e⁻ˣ) elementwise (e⁻ˣ may overflow to inf, which gives the right 0)."""
    if not is_array(x):
        return x.sigmoid()
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-x))


def where(condition: Array, x: Value, y: Value) -> Value:
    """``x`` where ``condition`` (a constant boolean array) holds, else ``y``."""
    tensors = [v for v in (x, y) if not (is_array(v) or np.isscalar(v))]
    if not tensors:
        return np.where(condition, x, y)
    return type(tensors[0])._where(condition, x, y)


def broadcast_to(x: Value, shape: tuple[int, ...]) -> Value:
    """``x`` repeated along new leading axes and axes of length 1 until it has ``shape``.

    The array form writes into a fresh array rather than returning ``np.broadcast_to``'s
    read-only view: a gradient may be added to in place later.
    """
    if not is_array(x):
        return x.broadcast_to(shape)
    out = np.empty(shape, dtype=x.dtype)
    out[...] = x
    return out


def scatter(g: Value, index: Any, shape: tuple[int, ...]) -> Value:
    """Zeros of ``shape`` with ``g`` added at ``index``: the adjoint of ``x[index]``.

    Integer-array indices may pick an element twice (``x[[0, 0]]``); each pick adds its share,
    hence ``np.add.at`` (a plain assignment would keep only the last one).
    """
    if not is_array(g):
        return g._scatter(index, shape)
    out = np.zeros(shape, dtype=g.dtype)
    parts = index if isinstance(index, tuple) else (index,)
    if all(p is None or p is Ellipsis or isinstance(p, (int, np.integer, slice)) for p in parts):
        out[index] = g  # a basic index never picks an element twice
    else:
        np.add.at(out, index, g)
    return out


def sum_to(x: Value, axis: Any, keepdims: bool) -> Value:
    """Σ over ``axis`` (``None``: everything), like ``x.sum(axis, keepdims)``."""
    if is_array(x):
        return add_reduce(x, axis=axis, keepdims=keepdims)
    return x.sum(axis, keepdims)


def swap_last(x: Value) -> Value:
    """``x`` with its last two axes exchanged (the transpose of every matrix in a batch)."""
    order = (*range(x.ndim - 2), x.ndim - 1, x.ndim - 2)
    return x.transpose(order)
