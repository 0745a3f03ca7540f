"""Reductions over axes: sum, mean, max."""

from __future__ import annotations

import numpy as np

from ..autograd import Array, Function, Grads, add_reduce

Axis = int | tuple[int, ...] | None


def _reduced_axes(ndim: int, axis: Axis) -> set[int]:
    """The axes a reduction over ``axis`` removes, as non-negative numbers."""
    if axis is None:
        return set(range(ndim))
    return {a % ndim for a in ((axis,) if isinstance(axis, int) else axis)}


def _keepdims_shape(shape: tuple[int, ...], axis: Axis) -> tuple[int, ...]:
    """The shape a reduction over ``axis`` has with ``keepdims=True``."""
    axes = _reduced_axes(len(shape), axis)
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _spread(g: Array, shape: tuple[int, ...], axis: Axis, keepdims: bool) -> Array:
    """``g`` (the reduced shape) copied back along the reduced axes into a new array of ``shape``.

    Broadcast assignment into ``np.empty`` is several times cheaper than ``np.broadcast_to``
    for the small arrays of a teaching model, and gives a writable array.
    """
    out = np.empty(shape, dtype=g.dtype)
    out[...] = g if keepdims or axis is None else g.reshape(_keepdims_shape(shape, axis))
    return out


class Sum(Function):
    """f(x) = Σᵢ xᵢ over ``axis``;  ∂f/∂xᵢ = 1: g is copied back along the summed axes."""

    __slots__ = ("axis", "keepdims", "shape")
    formula = "∂Σx/∂xᵢ = 1"

    def __init__(self, axis: Axis, keepdims: bool) -> None:
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x: Array) -> Array:
        self.shape = x.shape
        return np.asarray(add_reduce(x, axis=self.axis, keepdims=self.keepdims))

    def backward(self, g: Array) -> Grads:
        return (_spread(g, self.shape, self.axis, self.keepdims),)


class Mean(Function):
    """f(x) = (1/n) Σᵢ xᵢ over ``axis`` (n elements per mean);  ∂f/∂xᵢ = 1/n."""

    __slots__ = ("axis", "keepdims", "n", "shape")
    formula = "∂mean(x)/∂xᵢ = 1/n"

    def __init__(self, axis: Axis, keepdims: bool) -> None:
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x: Array) -> Array:
        self.shape = x.shape
        if x.dtype.kind != "f":  # ints: let NumPy pick the float accumulator
            out = np.asarray(x.mean(axis=self.axis, keepdims=self.keepdims))
            self.n = x.size // max(out.size, 1)
            return out
        # Sum, then divide by the count: exactly what np.mean does, without its Python wrapper.
        total = add_reduce(x, axis=self.axis, keepdims=self.keepdims)
        self.n = x.size // max(np.size(total), 1)
        return np.asarray(total / self.n)

    def backward(self, g: Array) -> Grads:
        return (_spread(g / self.n, self.shape, self.axis, self.keepdims),)


class Max(Function):
    """f(x) = max x over ``axis``;  ∂f/∂xᵢ = 1 for the maximum, 0 elsewhere.

    When several elements tie for the maximum the gradient is shared equally among them (as
    PyTorch's ``amax`` does), so it still sums to the upstream gradient.
    """

    __slots__ = ("axis", "keepdims", "out", "x")
    formula = "∂max(x)/∂xᵢ = 1 at the max (ties share)"

    def __init__(self, axis: Axis, keepdims: bool) -> None:
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x: Array) -> Array:
        self.x = x
        self.out = np.asarray(x.max(axis=self.axis, keepdims=True))
        if self.keepdims:
            return self.out
        axes = _reduced_axes(x.ndim, self.axis)
        return self.out.reshape(tuple(n for i, n in enumerate(x.shape) if i not in axes))

    def backward(self, g: Array) -> Grads:
        is_max = self.x == self.out
        share = is_max / is_max.sum(axis=self.axis, keepdims=True)
        return (share * g.reshape(self.out.shape),)
