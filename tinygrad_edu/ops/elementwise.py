"""Elementwise functions of one tensor: neg, exp, log, sqrt, abs, clip."""

from __future__ import annotations

import numpy as np

from ..autograd import Array, Function, Grads


class Neg(Function):
    """f(x) = −x;  ∂f/∂x = −1."""

    formula = "∂(−x)/∂x = −1"

    def forward(self, x: Array) -> Array:
        return -x

    def backward(self, g: Array) -> Grads:
        return (-g,)


class Exp(Function):
    """f(x) = eˣ;  ∂f/∂x = eˣ (the output itself, so it is saved instead of recomputed)."""

    __slots__ = ("out",)
    formula = "∂eˣ/∂x = eˣ"

    def forward(self, x: Array) -> Array:
        self.out = np.exp(x)
        return self.out

    def backward(self, g: Array) -> Grads:
        return (g * self.out,)


class Log(Function):
    """f(x) = ln x;  ∂f/∂x = 1/x."""

    __slots__ = ("x",)
    formula = "∂ln x/∂x = 1/x"

    def forward(self, x: Array) -> Array:
        self.x = x
        return np.log(x)

    def backward(self, g: Array) -> Grads:
        return (g / self.x,)


class Sqrt(Function):
    """f(x) = √x;  ∂f/∂x = 1/(2√x)."""

    __slots__ = ("out",)
    formula = "∂√x/∂x = 1/(2√x)"

    def forward(self, x: Array) -> Array:
        self.out = np.sqrt(x)
        return self.out

    def backward(self, g: Array) -> Grads:
        return (g / (2 * self.out),)


class Abs(Function):
    """f(x) = |x|;  ∂f/∂x = sign x. At the kink x = 0 we use 0 (a subgradient; PyTorch too)."""

    __slots__ = ("x",)
    formula = "∂|x|/∂x = sign x"

    def forward(self, x: Array) -> Array:
        self.x = x
        return np.abs(x)

    def backward(self, g: Array) -> Grads:
        return (g * np.sign(self.x),)


class Clip(Function):
    """f(x) = min(max(x, lo), hi);  ∂f/∂x = 1 where lo ≤ x ≤ hi, else 0.

    Outside the range the output is a constant, so no gradient flows there: this is why a log loss
    with clipped predictions has zero gradient for predictions below ε.
    """

    __slots__ = ("hi", "inside", "lo")
    formula = "∂clip(x)/∂x = 1 inside [lo, hi], else 0"

    def __init__(self, lo: float | None, hi: float | None) -> None:
        self.lo, self.hi = lo, hi

    def forward(self, x: Array) -> Array:
        inside = np.ones(x.shape, dtype=bool)
        if self.lo is not None:
            inside &= x >= self.lo
        if self.hi is not None:
            inside &= x <= self.hi
        self.inside = inside
        return np.clip(x, self.lo, self.hi)

    def backward(self, g: Array) -> Grads:
        return (g * self.inside,)
