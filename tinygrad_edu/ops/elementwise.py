"""Elementwise functions of one tensor: neg, exp, log, sqrt, abs, clip, sin, cos.

``g`` is the upstream gradient ∂L/∂out and ``dx`` the input's tangent in a forward-mode rule.
"""

from __future__ import annotations

import numpy as np

from ..autograd import Array, Grads, Saved
from . import dual
from .dual import Primitive, Value


class Neg(Primitive):
    """f(x) = −x;  ∂f/∂x = −1;  ḟ = −ẋ."""

    __slots__ = ()
    formula = "∂(−x)/∂x = −1"

    def forward(self, x: Array) -> Array:
        return -x

    def backward(self, g: Value, saved: Saved) -> Grads:
        return (-g,)

    def jvp(self, dx: Array) -> Value:
        return -dx


class Exp(Primitive):
    """f(x) = eˣ;  ∂f/∂x = eˣ — the output itself, so it is saved instead of recomputed."""

    __slots__ = ("saved",)
    formula = "∂eˣ/∂x = eˣ"

    def forward(self, x: Array) -> Array:
        out = np.exp(x)
        self.saved = (out,)
        return out

    def backward(self, g: Value, saved: Saved) -> Grads:
        (out,) = saved
        return (g * out,)

    def jvp(self, dx: Array, out: Array) -> Value:
        return dx * out


class Log(Primitive):
    """f(x) = ln x;  ∂f/∂x = 1/x;  ḟ = ẋ/x."""

    __slots__ = ("saved",)
    formula = "∂ln x/∂x = 1/x"

    def forward(self, x: Array) -> Array:
        self.saved = (x,)
        return np.log(x)

    def backward(self, g: Value, saved: Saved) -> Grads:
        (x,) = saved
        return (g / x,)

    def jvp(self, dx: Array, x: Array) -> Value:
        return dx / x


class Sqrt(Primitive):
    """f(x) = √x;  ∂f/∂x = 1/(2√x);  ḟ = ẋ/(2√x)."""

    __slots__ = ("saved",)
    formula = "∂√x/∂x = 1/(2√x)"

    def forward(self, x: Array) -> Array:
        out = np.sqrt(x)
        self.saved = (out,)
        return out

    def backward(self, g: Value, saved: Saved) -> Grads:
        (out,) = saved
        return (g / (2 * out),)

    def jvp(self, dx: Array, out: Array) -> Value:
        return dx / (2 * out)


class Abs(Primitive):
    """f(x) = |x|;  ∂f/∂x = sign x. At the kink x = 0 we use 0 (a subgradient; PyTorch too).

    sign x is constant wherever it is defined, so it is kept as a constant: the second
    derivative of |x| is 0 (away from the kink), as the graph of the gradient then says.
    """

    __slots__ = ("sign",)
    formula = "∂|x|/∂x = sign x"

    def forward(self, x: Array) -> Array:
        self.sign = np.sign(x)
        return np.abs(x)

    def backward(self, g: Value, saved: Saved) -> Grads:
        return (g * self.sign,)

    def jvp(self, dx: Array) -> Value:
        return dx * self.sign


class Clip(Primitive):
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

    def backward(self, g: Value, saved: Saved) -> Grads:
        return (g * self.inside,)

    def jvp(self, dx: Array) -> Value:
        return dx * self.inside


class Sin(Primitive):
    """f(x) = sin x;  ∂f/∂x = cos x;  ḟ = ẋ·cos x."""

    __slots__ = ("saved",)
    formula = "∂sin x/∂x = cos x"

    def forward(self, x: Array) -> Array:
        self.saved = (x,)
        return np.sin(x)

    def backward(self, g: Value, saved: Saved) -> Grads:
        (x,) = saved
        return (g * dual.cos(x),)

    def jvp(self, dx: Array, x: Array) -> Value:
        return dx * np.cos(x)


class Cos(Primitive):
    """f(x) = cos x;  ∂f/∂x = −sin x;  ḟ = −ẋ·sin x."""

    __slots__ = ("saved",)
    formula = "∂cos x/∂x = −sin x"

    def forward(self, x: Array) -> Array:
        self.saved = (x,)
        return np.cos(x)

    def backward(self, g: Value, saved: Saved) -> Grads:
        (x,) = saved
        return (-g * dual.sin(x),)

    def jvp(self, dx: Array, x: Array) -> Value:
        return -dx * np.sin(x)
