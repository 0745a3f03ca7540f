"""Picking elements: indexing, its adjoint (scatter), and ``where``."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Array, Grads, Saved
from . import dual
from .dual import Primitive, Value


class Index(Primitive):
    """f(x) = x[index];  ∂L/∂x = g placed back at the selected positions, zeros elsewhere."""

    __slots__ = ("index", "shape")
    formula = "scatter g back to the picked places"

    def __init__(self, index: Any) -> None:
        self.index = index

    def forward(self, x: Array) -> Array:
        self.shape = x.shape
        try:
            picked: Array = x[self.index]  # a NumPy scalar for one element: the Tensor makes it 0-d
            return picked
        except IndexError as err:
            raise IndexError(
                f"index {self.index!r} is invalid for shape {x.shape}: {err}"
            ) from None

    def backward(self, g: Value, saved: Saved) -> Grads:
        return (dual.scatter(g, self.index, self.shape),)

    def jvp(self, dx: Array) -> Value:
        return np.asarray(dx[self.index])


class Scatter(Primitive):
    """f(g) = zeros of ``shape`` with g added at ``index`` (the backward of indexing);
    ∂L/∂g = (∂L/∂f)[index]: indexing is its backward, as it is indexing's."""

    __slots__ = ("index", "shape")
    formula = "∂L/∂g = upstream[index]"

    def __init__(self, index: Any, shape: tuple[int, ...]) -> None:
        self.index, self.shape = index, shape

    def forward(self, g: Array) -> Array:
        return np.asarray(dual.scatter(g, self.index, self.shape))

    def backward(self, up: Value, saved: Saved) -> Grads:
        return (up[self.index],)

    def jvp(self, dg: Array) -> Value:
        return np.asarray(dual.scatter(dg, self.index, self.shape))


class Where(Primitive):
    """f(a, b) = a where ``condition`` holds, else b;  ∂f/∂a = condition,  ∂f/∂b = not condition.

    ``condition`` is a constant boolean array (no gradient flows into a comparison).
    """

    __slots__ = ("condition",)
    formula = "∂f/∂a = cond, ∂f/∂b = ¬cond"

    def __init__(self, condition: Array) -> None:
        self.condition = condition

    def forward(self, a: Array, b: Array) -> Array:
        return np.where(self.condition, a, b)

    def backward(self, g: Value, saved: Saved) -> Grads:
        c = self.condition
        return dual.where(c, g, 0.0), dual.where(c, 0.0, g)

    def jvp(self, da: Array, db: Array) -> Value:
        return np.where(self.condition, da, db)
