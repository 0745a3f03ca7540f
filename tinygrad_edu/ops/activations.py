"""Activation functions as primitives, each with a closed-form, overflow-safe derivative."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from ..autograd import Array, Function, Grads


@functools.cache
def _zero(dtype: np.dtype[Any]) -> Array | int:
    """0 for data of ``dtype``: a read-only 0-d float array for float data, which NumPy compares
    with faster than with the Python number 0 (same result); else 0, with NumPy's own rules."""
    if dtype.kind != "f":
        return 0
    zero = np.zeros((), dtype)
    zero.flags.writeable = False
    return zero


class Sigmoid(Function):
    """f(x) = σ(x) = 1 / (1 + e⁻ˣ);  ∂f/∂x = σ(x)·(1 − σ(x)). Range (0, 1).

    For x ≪ 0, e⁻ˣ overflows to inf and 1/(1 + inf) = 0 is the right limit, so the overflow is
    silenced rather than avoided; this keeps the textbook formula (and its exact bits) for every x.
    """

    __slots__ = ("out",)
    formula = "σ′ = σ(1−σ)"

    def forward(self, x: Array) -> Array:
        with np.errstate(over="ignore"):
            self.out = 1 / (1 + np.exp(-x))
        return self.out

    def backward(self, g: Array) -> Grads:
        s = self.out
        return (g * s * (1 - s),)


class Tanh(Function):
    """f(x) = tanh x;  ∂f/∂x = 1 − tanh² x. Range (−1, 1)."""

    __slots__ = ("out",)
    formula = "tanh′ = 1 − tanh²"

    def forward(self, x: Array) -> Array:
        self.out = np.tanh(x)
        return self.out

    def backward(self, g: Array) -> Grads:
        return (g * (1 - self.out * self.out),)


class Relu(Function):
    """f(x) = max(x, 0);  ∂f/∂x = 1 for x > 0, else 0.

    At x = 0 the derivative does not exist; we use 0 (as PyTorch does), so a unit that sits exactly
    at 0 — e.g. one initialised to zero — receives no gradient and stays "dead".
    """

    __slots__ = ("positive",)
    formula = "relu′ = 1 if x > 0 else 0"

    def forward(self, x: Array) -> Array:
        zero = _zero(x.dtype)
        self.positive = x > zero
        return np.maximum(x, zero)  # not x * mask: that gives −0.0 for negative x

    def backward(self, g: Array) -> Grads:
        return (g * self.positive,)


class LeakyRelu(Function):
    """f(x) = x for x > 0, else α·x;  ∂f/∂x = 1 for x > 0, else α (also at x = 0, like PyTorch)."""

    __slots__ = ("factor", "slope")
    formula = "leaky′ = 1 if x > 0 else α"

    def __init__(self, negative_slope: float) -> None:
        self.slope = negative_slope

    def forward(self, x: Array) -> Array:
        self.factor: Array = np.where(x > 0, 1, self.slope).astype(x.dtype, copy=False)
        return x * self.factor

    def backward(self, g: Array) -> Grads:
        return (g * self.factor,)


class Softmax(Function):
    """sᵢ = e^(xᵢ − m) / Σⱼ e^(xⱼ − m) with m = max x;  ∂L/∂x = s ⊙ (g − Σ g⊙s).

    Subtracting the maximum changes nothing mathematically and keeps e^… ≤ 1, so large inputs do
    not overflow.
    """

    __slots__ = ("axis", "out")
    formula = "∂sᵢ/∂xⱼ = sᵢ(δᵢⱼ − sⱼ)"

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, x: Array) -> Array:
        e = np.exp(x - x.max(axis=self.axis, keepdims=True))
        self.out = out = np.asarray(e / e.sum(axis=self.axis, keepdims=True))
        return out

    def backward(self, g: Array) -> Grads:
        s = self.out
        return (s * (g - (g * s).sum(axis=self.axis, keepdims=True)),)


class LogSoftmax(Function):
    """f(x) = x − m − ln Σⱼ e^(xⱼ − m) (m = max x);  ∂L/∂x = g − softmax(x)·Σ g."""

    __slots__ = ("axis", "out")
    formula = "∂ log sᵢ/∂xⱼ = δᵢⱼ − sⱼ"

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, x: Array) -> Array:
        shifted = x - x.max(axis=self.axis, keepdims=True)
        log_total = np.log(np.exp(shifted).sum(axis=self.axis, keepdims=True))
        self.out = out = np.asarray(shifted - log_total)
        return out

    def backward(self, g: Array) -> Grads:
        return (g - np.exp(self.out) * g.sum(axis=self.axis, keepdims=True),)
