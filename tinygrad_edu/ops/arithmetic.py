"""Binary arithmetic with broadcasting, matmul, maximum and minimum.

``g`` is the upstream gradient ∂L/∂out; in a tangent rule, ``da`` and ``db`` are the tangents
(directional derivatives) of the inputs and the result is the output's.
"""

from __future__ import annotations

import numpy as np

from ..autograd import Array, Grads, Saved
from . import dual
from .dual import Primitive, Value


class Add(Primitive):
    """f(a, b) = a + b;  ∂f/∂a = 1,  ∂f/∂b = 1;  ḟ = ȧ + ḃ."""

    __slots__ = ()
    formula = "∂(a+b)/∂a = 1, ∂(a+b)/∂b = 1"

    def forward(self, a: Array, b: Array) -> Array:
        return a + b

    def backward(self, g: Value, saved: Saved) -> Grads:
        return g, g

    def jvp(self, da: Array, db: Array) -> Value:
        return da + db


class Sub(Primitive):
    """f(a, b) = a − b;  ∂f/∂a = 1,  ∂f/∂b = −1;  ḟ = ȧ − ḃ."""

    __slots__ = ()
    formula = "∂(a−b)/∂a = 1, ∂(a−b)/∂b = −1"

    def forward(self, a: Array, b: Array) -> Array:
        return a - b

    def backward(self, g: Value, saved: Saved) -> Grads:
        return g, (-g if self.needs_grad[1] else None)

    def jvp(self, da: Array, db: Array) -> Value:
        return da - db


class Mul(Primitive):
    """f(a, b) = a·b;  ∂f/∂a = b,  ∂f/∂b = a;  ḟ = ȧ·b + a·ḃ."""

    __slots__ = ("saved",)
    formula = "∂(a·b)/∂a = b, ∂(a·b)/∂b = a"

    def forward(self, a: Array, b: Array) -> Array:
        self.saved = a, b
        return a * b

    def backward(self, g: Value, saved: Saved) -> Grads:
        a, b = saved
        ga, gb = self.needs_grad
        return (g * b if ga else None), (g * a if gb else None)

    def jvp(self, da: Array, db: Array, a: Array, b: Array) -> Value:
        return da * b + a * db


class Div(Primitive):
    """f(a, b) = a / b;  ∂f/∂a = 1/b,  ∂f/∂b = −a/b² = −f/b;  ḟ = (ȧ − f·ḃ)/b."""

    __slots__ = ("saved",)
    formula = "∂(a/b)/∂a = 1/b, ∂(a/b)/∂b = −a/b²"

    def forward(self, a: Array, b: Array) -> Array:
        out = a / b
        self.saved = b, out
        return out

    def backward(self, g: Value, saved: Saved) -> Grads:
        b, out = saved
        ga = g / b if self.needs_grad[0] else None
        gb = -g * out / b if self.needs_grad[1] else None
        return ga, gb

    def jvp(self, da: Array, db: Array, b: Array, out: Array) -> Value:
        return (da - out * db) / b


class Pow(Primitive):
    """f(a, b) = aᵇ;  ∂f/∂a = b·aᵇ⁻¹,  ∂f/∂b = aᵇ·ln a;  ḟ = ȧ·b·aᵇ⁻¹ + ḃ·aᵇ·ln a.

    ln a needs a > 0. Where a = 0 and b ≥ 0, aᵇ is 0 (or 1) whatever b is near there, so its
    derivative in b is taken as 0, as PyTorch does (the formula would give 0·(−∞) = NaN).
    """

    __slots__ = ("saved",)
    formula = "∂(aᵇ)/∂a = b·aᵇ⁻¹, ∂(aᵇ)/∂b = aᵇ·ln a"

    def forward(self, a: Array, b: Array) -> Array:
        out = a**b
        self.saved = a, b, out
        return out

    @staticmethod
    def _log_base(a: Value, b: Value) -> Value:
        """ln a, with 0 where the base is 0 and the exponent ≥ 0 (see the class docstring)."""
        zero = (dual.value(a) == 0) & (dual.value(b) >= 0)
        return dual.log(dual.where(zero, 1.0, a)) if zero.any() else dual.log(a)

    def backward(self, g: Value, saved: Saved) -> Grads:
        a, b, out = saved
        ga = g * b * a ** (b - 1) if self.needs_grad[0] else None
        gb = g * out * self._log_base(a, b) if self.needs_grad[1] else None
        return ga, gb

    def jvp(self, da: Array, db: Array, a: Array, b: Array, out: Array) -> Value:
        result = np.zeros(out.shape, out.dtype)
        if self.needs_grad[0]:  # (a term without a tangent may be 0·∞ at a = 0)
            result = result + da * b * a ** (b - 1)
        if self.needs_grad[1]:
            result = result + db * out * self._log_base(a, b)
        return result


class MatMul(Primitive):
    """f(A, B) = A @ B;  ∂L/∂A = g @ Bᵀ,  ∂L/∂B = Aᵀ @ g;  ḟ = Ȧ @ B + A @ Ḃ.

    1-D operands are treated as a row (left) or a column (right) vector and the added axis is
    removed again, as ``np.matmul`` does; leading (batch) axes broadcast.
    """

    __slots__ = ("saved",)
    formula = "∂(A@B)/∂A = g@Bᵀ, ∂(A@B)/∂B = Aᵀ@g"

    def forward(self, a: Array, b: Array) -> Array:
        self.saved = a, b
        try:
            return a @ b
        except ValueError:  # NumPy's message speaks of gufunc signatures: name the shapes
            if a.ndim == 0 or b.ndim == 0:
                raise ValueError(
                    f"matmul: operands need at least 1 dimension, got {a.shape} @ {b.shape}"
                ) from None
            raise ValueError(f"matmul: shapes {a.shape} and {b.shape} do not align") from None

    def backward(self, g: Value, saved: Saved) -> Grads:
        a, b = saved
        if a.ndim == 2 and b.ndim == 2:  # the common case, without reshaping
            ga = g @ b.T if self.needs_grad[0] else None
            gb = a.T @ g if self.needs_grad[1] else None
            return ga, gb
        a2 = a[np.newaxis, :] if a.ndim == 1 else a
        b2 = b[:, np.newaxis] if b.ndim == 1 else b
        g2 = g[..., np.newaxis] if b.ndim == 1 else g  # put back the axes matmul dropped
        g2 = g2[..., np.newaxis, :] if a.ndim == 1 else g2
        ga = gb = None
        if self.needs_grad[0]:
            ga = g2 @ dual.swap_last(b2)
            ga = ga[..., 0, :] if a.ndim == 1 else ga
        if self.needs_grad[1]:
            gb = dual.swap_last(a2) @ g2
            gb = gb[..., 0] if b.ndim == 1 else gb
        return ga, gb

    def jvp(self, da: Array, db: Array, a: Array, b: Array) -> Value:
        return da @ b + a @ db


class Maximum(Primitive):
    """f(a, b) = max(a, b) elementwise;  ∂f/∂a = 1 where a > b, ½ where a = b, else 0.

    At a tie both inputs are "the maximum", so each gets half of the gradient (as PyTorch does);
    ḟ = ȧ·∂f/∂a + ḃ·∂f/∂b with the same shares.
    """

    __slots__ = ("share",)
    formula = "∂max(a,b)/∂a = 1 if a > b, ½ if a = b, else 0"

    def forward(self, a: Array, b: Array) -> Array:
        self.share = _tie_shares(a > b, a == b, np.result_type(a, b))
        return np.maximum(a, b)

    def backward(self, g: Value, saved: Saved) -> Grads:
        return g * self.share, g * (1 - self.share)

    def jvp(self, da: Array, db: Array) -> Value:
        return da * self.share + db * (1 - self.share)


class Minimum(Primitive):
    """f(a, b) = min(a, b) elementwise;  ∂f/∂a = 1 where a < b, ½ where a = b, else 0."""

    __slots__ = ("share",)
    formula = "∂min(a,b)/∂a = 1 if a < b, ½ if a = b, else 0"

    def forward(self, a: Array, b: Array) -> Array:
        self.share = _tie_shares(a < b, a == b, np.result_type(a, b))
        return np.minimum(a, b)

    def backward(self, g: Value, saved: Saved) -> Grads:
        return g * self.share, g * (1 - self.share)

    def jvp(self, da: Array, db: Array) -> Value:
        return da * self.share + db * (1 - self.share)


def _tie_shares(wins: Array, ties: Array, dtype: np.dtype[np.generic]) -> Array:
    """1 where the first input wins, ½ at a tie, 0 where the second wins (in ``dtype``)."""
    share = np.array(wins, dtype=dtype if dtype.kind == "f" else np.float64)
    share[np.asarray(ties)] = 0.5
    return share
