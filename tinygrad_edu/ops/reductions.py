"""Reductions over axes: sum, mean, max, var (NumPy's ddof=0)."""

from __future__ import annotations

import numpy as np

from ..autograd import Array, Grads, Saved, add_reduce
from . import dual
from .dual import Primitive, Value

Axis = int | tuple[int, ...] | None


def _reduced_axes(ndim: int, axis: Axis) -> set[int]:
    """The axes a reduction over ``axis`` removes, as non-negative numbers."""
    if axis is None:
        return set(range(ndim))
    return {a % ndim for a in ((axis,) if isinstance(axis, int) else axis)}


def keepdims_shape(shape: tuple[int, ...], axis: Axis) -> tuple[int, ...]:
    """The shape a reduction over ``axis`` has with ``keepdims=True``."""
    axes = _reduced_axes(len(shape), axis)
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _spread(g: Value, shape: tuple[int, ...], axis: Axis, keepdims: bool) -> Value:
    """``g`` (the reduced shape) copied back along the reduced axes into ``shape``."""
    if not keepdims and axis is not None:
        g = g.reshape(keepdims_shape(shape, axis))
    return dual.broadcast_to(g, shape)


class Sum(Primitive):
    """f(x) = Σᵢ xᵢ over ``axis``;  ∂f/∂xᵢ = 1: g is copied back along the summed axes;  ḟ = Σ ẋ."""

    __slots__ = ("axis", "keepdims", "shape")
    formula = "∂Σx/∂xᵢ = 1"

    def __init__(self, axis: Axis, keepdims: bool) -> None:
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x: Array) -> Array:
        self.shape = x.shape
        return np.asarray(add_reduce(x, axis=self.axis, keepdims=self.keepdims))

    def backward(self, g: Value, saved: Saved) -> Grads:
        return (_spread(g, self.shape, self.axis, self.keepdims),)

    def jvp(self, dx: Array) -> Value:
        return np.asarray(add_reduce(dx, axis=self.axis, keepdims=self.keepdims))


class Mean(Primitive):
    """f(x) = (1/n) Σᵢ xᵢ over ``axis`` (n elements per mean);  ∂f/∂xᵢ = 1/n;  ḟ = mean ẋ."""

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

    def backward(self, g: Value, saved: Saved) -> Grads:
        return (_spread(g / self.n, self.shape, self.axis, self.keepdims),)

    def jvp(self, dx: Array) -> Value:
        return np.asarray(add_reduce(dx, axis=self.axis, keepdims=self.keepdims) / self.n)


class Max(Primitive):
    """f(x) = max x over ``axis``;  ∂f/∂xᵢ = 1 for the maximum, 0 elsewhere.

    When several elements tie for the maximum the gradient is shared equally among them (as
    PyTorch's ``amax`` does), so it still sums to the upstream gradient. Which elements win is a
    constant of the derivative: max's second derivative is 0.
    """

    __slots__ = ("axis", "keepdims", "out", "saved", "x")
    formula = "∂max(x)/∂xᵢ = 1 at the max (ties share)"

    def __init__(self, axis: Axis, keepdims: bool) -> None:
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x: Array) -> Array:
        # Which elements won is worked out in backward, from x: x is saved so that an in-place
        # change of it is caught (the mask itself is a constant, even with create_graph).
        self.x, self.saved = x, (x,)
        self.out = np.asarray(x.max(axis=self.axis, keepdims=True))
        if self.keepdims:
            return self.out
        axes = _reduced_axes(x.ndim, self.axis)
        return self.out.reshape(tuple(n for i, n in enumerate(x.shape) if i not in axes))

    def _share(self) -> Array:
        is_max = self.x == self.out
        share: Array = is_max / is_max.sum(axis=self.axis, keepdims=True)
        return share

    def backward(self, g: Value, saved: Saved) -> Grads:
        return (self._share() * g.reshape(self.out.shape),)

    def jvp(self, dx: Array, x: Array) -> Value:
        return np.asarray((self._share() * dx).sum(axis=self.axis, keepdims=self.keepdims))


class Var(Primitive):
    """f(x) = (1/n) Σᵢ (xᵢ − x̄)² over ``axis`` (NumPy's ``var``, ddof=0);  ∂f/∂xᵢ = 2(xᵢ − x̄)/n.

    ḟ = (2/n) Σᵢ (xᵢ − x̄)·ẋᵢ. The mean's own dependence on x drops out: Σᵢ (xᵢ − x̄) = 0.
    """

    __slots__ = ("axis", "keepdims", "n", "saved", "shape")
    formula = "∂var(x)/∂xᵢ = 2(xᵢ − x̄)/n"

    def __init__(self, axis: Axis, keepdims: bool) -> None:
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x: Array) -> Array:
        self.shape, self.saved = x.shape, (x,)
        out = np.asarray(x.var(axis=self.axis, keepdims=self.keepdims))
        self.n = x.size // max(out.size, 1)
        return out

    def _centred(self, x: Value) -> Value:
        return x - dual.sum_to(x, self.axis, True) / self.n

    def backward(self, g: Value, saved: Saved) -> Grads:
        (x,) = saved
        spread = _spread(g, self.shape, self.axis, self.keepdims)
        return (spread * (2 * self._centred(x) / self.n),)

    def jvp(self, dx: Array, x: Array) -> Value:
        total = add_reduce(self._centred(x) * dx, axis=self.axis, keepdims=self.keepdims)
        return np.asarray(2 * total / self.n)
