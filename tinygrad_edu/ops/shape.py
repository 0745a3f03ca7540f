"""Operations that move elements without changing them: reshape, transpose, indexing."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Array, Function, Grads


class Reshape(Function):
    """f(x) = x with a new shape (same elements, same order);  ∂L/∂x = g reshaped back."""

    __slots__ = ("shape",)
    formula = "reshape back"

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape

    def forward(self, x: Array) -> Array:
        new_shape, self.shape = self.shape, x.shape
        try:
            return x.reshape(new_shape)
        except ValueError:
            raise ValueError(
                f"reshape: cannot reshape shape {x.shape} ({x.size} elements) into {new_shape}"
            ) from None

    def backward(self, g: Array) -> Grads:
        return (g.reshape(self.shape),)


class Transpose(Function):
    """f(x) = x with its axes permuted;  ∂L/∂x = g with the inverse permutation."""

    __slots__ = ("axes",)
    formula = "transpose back"

    def __init__(self, axes: tuple[int, ...] | None) -> None:
        self.axes = axes

    def forward(self, x: Array) -> Array:
        if self.axes is None:
            self.axes = tuple(range(x.ndim - 1, -1, -1))
        return np.transpose(x, self.axes)

    def backward(self, g: Array) -> Grads:
        assert self.axes is not None
        return (g.transpose(np.argsort(self.axes)),)


class Index(Function):
    """f(x) = x[index];  ∂L/∂x = g placed back at the selected positions, zeros elsewhere.

    Integer-array indices may pick the same element twice (``x[[0, 0]]``); each pick contributes,
    so the gradient is added with ``np.add.at`` (a plain assignment would keep only the last one).
    """

    __slots__ = ("dtype", "index", "shape")
    formula = "scatter g back to the picked places"

    def __init__(self, index: Any) -> None:
        self.index = index

    def forward(self, x: Array) -> Array:
        self.shape, self.dtype = x.shape, x.dtype
        try:
            picked: Array = x[self.index]  # a NumPy scalar for one element: the Tensor makes it 0-d
            return picked
        except IndexError as err:
            raise IndexError(
                f"index {self.index!r} is invalid for shape {x.shape}: {err}"
            ) from None

    def backward(self, g: Array) -> Grads:
        out = np.zeros(self.shape, dtype=self.dtype)
        parts = self.index if isinstance(self.index, tuple) else (self.index,)
        if all(
            p is None or p is Ellipsis or isinstance(p, (int, np.integer, slice)) for p in parts
        ):
            out[self.index] = g  # a basic index never picks an element twice
        else:
            np.add.at(out, self.index, g)
        return (out,)
