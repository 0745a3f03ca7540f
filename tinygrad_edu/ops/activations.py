"""Activation functions as primitives, each with a closed-form, overflow-safe derivative."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from ..autograd import Array, Grads, Saved
from . import dual
from .dual import Primitive, Value


@functools.cache
def _zero(dtype: np.dtype[Any]) -> Array | int:
    """0 for data of ``dtype``: a read-only 0-d float array for float data, which NumPy compares
    with faster than with the Python number 0 (same result); else 0, with NumPy's own rules."""
    if dtype.kind != "f":
        return 0
    zero = np.zeros((), dtype)
    zero.flags.writeable = False
    return zero


def _may_overflow_exp(a: Array) -> bool:
    """True if eᵃ may overflow somewhere: some element is at least ln(largest float) (NaN: no)."""
    return a.size > 0 and bool(np.maximum.reduce(a, axis=None) >= _exp_limit(a.dtype))


@functools.cache
def _exp_limit(dtype: np.dtype[Any]) -> float:
    """ln of the largest number of the dtype ``np.exp`` gives for ``dtype`` input."""
    result = np.exp(np.zeros((), dtype)).dtype
    return float(np.log(np.finfo(result).max))


class Sigmoid(Primitive):
    """f(x) = σ(x) = 1 / (1 + e⁻ˣ);  ∂f/∂x = σ(x)·(1 − σ(x));  ḟ = ẋ·σ(1 − σ). Range (0, 1).

    For x ≪ 0, e⁻ˣ overflows to inf and 1/(1 + inf) = 0 is the right limit, so the overflow is
    silenced rather than avoided; this keeps the textbook formula (and its exact bits) for every x.
    Silencing costs more than the rest on a small array (NumPy sets its error state up in Python),
    so it is done only where some −x is large enough to overflow.
    """

    __slots__ = ("saved",)
    formula = "σ′ = σ(1−σ)"

    def forward(self, x: Array) -> Array:
        neg = -x
        if _may_overflow_exp(neg):
            with np.errstate(over="ignore"):
                out = 1 / (1 + np.exp(neg))
        else:
            out = 1 / (1 + np.exp(neg))
        self.saved = (out,)
        return out

    def backward(self, g: Value, saved: Saved) -> Grads:
        (s,) = saved
        return (g * s * (1 - s),)

    def jvp(self, dx: Array, s: Array) -> Value:
        return dx * s * (1 - s)


class Tanh(Primitive):
    """f(x) = tanh x;  ∂f/∂x = 1 − tanh² x;  ḟ = ẋ·(1 − tanh² x). Range (−1, 1)."""

    __slots__ = ("saved",)
    formula = "tanh′ = 1 − tanh²"

    def forward(self, x: Array) -> Array:
        out = np.tanh(x)
        self.saved = (out,)
        return out

    def backward(self, g: Value, saved: Saved) -> Grads:
        (t,) = saved
        return (g * (1 - t * t),)

    def jvp(self, dx: Array, t: Array) -> Value:
        return dx * (1 - t * t)


class Relu(Primitive):
    """f(x) = max(x, 0);  ∂f/∂x = 1 for x > 0, else 0.

    At x = 0 the derivative does not exist; we use 0 (as PyTorch does), so a unit that sits exactly
    at 0 — e.g. one initialised to zero — receives no gradient and stays "dead". The mask is a
    constant, so relu's second derivative is 0 (a gradient graph still flows through ``g``).
    """

    __slots__ = ("positive",)
    formula = "relu′ = 1 if x > 0 else 0"

    def forward(self, x: Array) -> Array:
        zero = _zero(x.dtype)
        self.positive = x > zero
        return np.maximum(x, zero)  # not x * mask: that gives −0.0 for negative x

    def backward(self, g: Value, saved: Saved) -> Grads:
        return (g * self.positive,)

    def jvp(self, dx: Array) -> Value:
        return dx * self.positive


class LeakyRelu(Primitive):
    """f(x) = x for x > 0, else α·x;  ∂f/∂x = 1 for x > 0, else α (also at x = 0, like PyTorch)."""

    __slots__ = ("factor", "slope")
    formula = "leaky′ = 1 if x > 0 else α"

    def __init__(self, negative_slope: float) -> None:
        self.slope = negative_slope

    def forward(self, x: Array) -> Array:
        self.factor: Array = np.where(x > 0, 1, self.slope).astype(x.dtype, copy=False)
        return x * self.factor

    def backward(self, g: Value, saved: Saved) -> Grads:
        return (g * self.factor,)

    def jvp(self, dx: Array) -> Value:
        return dx * self.factor


class Softmax(Primitive):
    """sᵢ = e^(xᵢ − m) / Σⱼ e^(xⱼ − m) with m = max x;  ∂L/∂x = s ⊙ (g − Σ g⊙s).

    Tangent: ṡ = s ⊙ (ẋ − Σ ẋ⊙s).

    Subtracting the maximum changes nothing mathematically and keeps e^… ≤ 1, so large inputs do
    not overflow. Over an axis of length 0 the result is empty.
    """

    __slots__ = ("axis", "saved")
    formula = "∂sᵢ/∂xⱼ = sᵢ(δᵢⱼ − sⱼ)"

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, x: Array) -> Array:
        out: Array
        if x.shape[self.axis] == 0:
            out = x.copy()
        else:
            e = np.exp(x - x.max(axis=self.axis, keepdims=True))
            out = np.asarray(e / e.sum(axis=self.axis, keepdims=True))
        self.saved = (out,)
        return out

    def backward(self, g: Value, saved: Saved) -> Grads:
        (s,) = saved
        return (s * (g - dual.sum_to(g * s, self.axis, True)),)

    def jvp(self, dx: Array, s: Array) -> Value:
        return s * (dx - (dx * s).sum(axis=self.axis, keepdims=True))


class LogSoftmax(Primitive):
    """f(x) = x − m − ln Σⱼ e^(xⱼ − m) (m = max x);  ∂L/∂x = g − softmax(x)·Σ g;
    ḟ = ẋ − Σ softmax(x)⊙ẋ."""

    __slots__ = ("axis", "saved")
    formula = "∂ log sᵢ/∂xⱼ = δᵢⱼ − sⱼ"

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, x: Array) -> Array:
        out: Array
        if x.shape[self.axis] == 0:
            out = x.copy()
        else:
            shifted = x - x.max(axis=self.axis, keepdims=True)
            log_total = np.log(np.exp(shifted).sum(axis=self.axis, keepdims=True))
            out = np.asarray(shifted - log_total)
        self.saved = (out,)
        return out

    def backward(self, g: Value, saved: Saved) -> Grads:
        (out,) = saved
        return (g - dual.exp(out) * dual.sum_to(g, self.axis, True),)

    def jvp(self, dx: Array, out: Array) -> Value:
        return dx - (np.exp(out) * dx).sum(axis=self.axis, keepdims=True)
