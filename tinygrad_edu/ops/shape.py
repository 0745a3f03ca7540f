"""Operations that move elements without changing them: reshape, transpose, broadcast, join."""

from __future__ import annotations

import itertools

import numpy as np

from ..autograd import Array, Grads, Saved
from . import dual
from .dual import Primitive, Value


class Reshape(Primitive):
    """f(x) = x with a new shape (same elements, same order);  ∂L/∂x = g reshaped back."""

    __slots__ = ("new_shape", "shape")
    formula = "reshape back"

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.new_shape = shape

    def forward(self, x: Array) -> Array:
        self.shape = x.shape
        try:
            return x.reshape(self.new_shape)
        except ValueError:
            raise ValueError(
                f"reshape: cannot reshape shape {x.shape} ({x.size} elements) into {self.new_shape}"
            ) from None

    def backward(self, g: Value, saved: Saved) -> Grads:
        return (g.reshape(self.shape),)

    def jvp(self, dx: Array) -> Value:
        return dx.reshape(self.new_shape)


class Transpose(Primitive):
    """f(x) = x with its axes permuted;  ∂L/∂x = g with the inverse permutation."""

    __slots__ = ("axes",)
    formula = "transpose back"

    def __init__(self, axes: tuple[int, ...] | None) -> None:
        self.axes = axes

    def forward(self, x: Array) -> Array:
        if self.axes is None:
            self.axes = tuple(range(x.ndim - 1, -1, -1))
        return np.transpose(x, self.axes)

    def backward(self, g: Value, saved: Saved) -> Grads:
        assert self.axes is not None
        return (g.transpose(tuple(int(a) for a in np.argsort(self.axes))),)

    def jvp(self, dx: Array) -> Value:
        return np.transpose(dx, self.axes)


class BroadcastTo(Primitive):
    """f(x) = x repeated along new leading axes and axes of length 1, to ``shape``.

    ∂L/∂x = g summed over the repeated axes (``unbroadcast``): every copy passes its share back.
    This is the backward of ``sum``, and ``sum`` is its backward.
    """

    __slots__ = ("new_shape",)
    formula = "∂L/∂x = Σ g over the repeats"

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.new_shape = shape

    def forward(self, x: Array) -> Array:
        try:
            out: Array = dual.broadcast_to(x, self.new_shape)
            return out
        except ValueError:
            raise ValueError(
                f"broadcast_to: cannot broadcast {x.shape} to {self.new_shape}"
            ) from None

    def backward(self, g: Value, saved: Saved) -> Grads:
        return (g,)  # the engine sums g down to the input's shape (unbroadcast)

    def jvp(self, dx: Array) -> Value:
        return dual.broadcast_to(dx, self.new_shape)


def _split_points(sizes: list[int]) -> list[tuple[int, int]]:
    starts = np.cumsum([0, *sizes])
    return [(int(a), int(b)) for a, b in itertools.pairwise(starts)]


class Cat(Primitive):
    """f(x₁, …, xₖ) = the inputs joined along ``axis``;  ∂L/∂xᵢ = the slice of g that xᵢ filled."""

    __slots__ = ("axis", "pieces")
    formula = "∂L/∂xᵢ = g[slice of xᵢ]"

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, *xs: Array) -> Array:
        self.pieces = _split_points([x.shape[self.axis] for x in xs])
        return np.concatenate(xs, axis=self.axis)

    def _slices(self, ndim: int) -> list[tuple[slice, ...]]:
        lead = (slice(None),) * (self.axis % ndim)
        return [(*lead, slice(a, b)) for a, b in self.pieces]

    def backward(self, g: Value, saved: Saved) -> Grads:
        return tuple(
            g[s] if need else None
            for s, need in zip(self._slices(g.ndim), self.needs_grad, strict=True)
        )

    def jvp(self, *dxs: Array) -> Value:
        return np.concatenate(dxs, axis=self.axis)


class Stack(Primitive):
    """f(x₁, …, xₖ) = the inputs stacked along a new ``axis``;  ∂L/∂xᵢ = g's i-th slice there."""

    __slots__ = ("axis",)
    formula = "∂L/∂xᵢ = g[i along axis]"

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, *xs: Array) -> Array:
        out = np.stack(xs, axis=self.axis)
        self.axis %= out.ndim
        return out

    def backward(self, g: Value, saved: Saved) -> Grads:
        grads = []
        for i, need in enumerate(self.needs_grad):
            at = (slice(None),) * self.axis + (i,)  # the i-th slice along the stacking axis
            grads.append(g[at] if need else None)
        return tuple(grads)

    def jvp(self, *dxs: Array) -> Value:
        return np.stack(dxs, axis=self.axis)
