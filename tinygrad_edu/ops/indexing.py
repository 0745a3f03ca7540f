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


class IndexBy(Index):
    """f(x, i₁, …, iₖ) = x[index] with the arrays i₁…iₖ in the index's ``PART`` places;
    ∂L/∂x = g placed back at the selected positions (``Index``'s rule); the index arrays are
    ints or bools and get no gradient (∂f/∂iⱼ = 0).

    ``x[rows, labels]`` with Tensors: they are inputs of the op rather than constants, so the
    graph says where they came from, and a compiled step reads each call's labels.
    """

    __slots__ = ("n_parts", "template")
    per_call = ("index",)  # (made by each forward from the index arrays it is given)

    def __init__(self, template: Any, n_parts: int) -> None:
        self.template, self.n_parts = template, n_parts

    def forward(self, x: Array, *parts: Array) -> Array:
        self.index = filled(self.template, parts)
        return Index.forward(self, x)

    def backward(self, g: Value, saved: Saved) -> Grads:
        return (*Index.backward(self, g, saved), *(None,) * self.n_parts)

    def jvp(self, dx: Array, *d_parts: Array) -> Value:
        return Index.jvp(self, dx)


class _Part:
    """Stands for an index array that is an input of ``IndexBy``, in its place in the index."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "PART"


PART = _Part()


def filled(template: Any, parts: tuple[Array, ...]) -> Any:
    """``template`` with ``parts`` in its ``PART`` places, in order (``(PART, 0)`` → ``(a, 0)``)."""
    if template is PART:
        return parts[0]
    found = iter(parts)
    return tuple(next(found) if p is PART else p for p in template)


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


class WhereBy(Where):
    """f(a, b, c) = a where the boolean array c holds, else b; ∂f/∂a = c, ∂f/∂b = ¬c
    (``Where``'s rule), and c, a comparison's mask, gets no gradient.

    ``where(xb > 0, a, b)`` with a Tensor condition: it is an input of the op rather than a
    constant, so a compiled step makes each call's mask and uses it.
    """

    __slots__ = ()
    per_call = ("condition",)  # (each forward is given it)

    def __init__(self) -> None:
        pass

    # (one input more than Where's, the condition: hence the overrides' other signatures)
    def forward(self, a: Array, b: Array, condition: Array) -> Array:  # type: ignore[override]
        self.condition = condition
        return Where.forward(self, a, b)

    def backward(self, g: Value, saved: Saved) -> Grads:
        return (*Where.backward(self, g, saved), None)

    def jvp(self, da: Array, db: Array, dc: Array) -> Value:  # type: ignore[override]
        return Where.jvp(self, da, db)
