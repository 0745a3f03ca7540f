"""Binary arithmetic with broadcasting, and matmul. ``g`` is the upstream gradient ∂L/∂out."""

from __future__ import annotations

import numpy as np

from ..autograd import Array, Function, Grads


class Add(Function):
    """f(a, b) = a + b;  ∂f/∂a = 1,  ∂f/∂b = 1."""

    formula = "∂(a+b)/∂a = 1, ∂(a+b)/∂b = 1"

    def forward(self, a: Array, b: Array) -> Array:
        return a + b

    def backward(self, g: Array) -> Grads:
        return g, g


class Sub(Function):
    """f(a, b) = a − b;  ∂f/∂a = 1,  ∂f/∂b = −1."""

    formula = "∂(a−b)/∂a = 1, ∂(a−b)/∂b = −1"

    def forward(self, a: Array, b: Array) -> Array:
        return a - b

    def backward(self, g: Array) -> Grads:
        return g, (-g if self.needs_grad[1] else None)


class Mul(Function):
    """f(a, b) = a·b;  ∂f/∂a = b,  ∂f/∂b = a."""

    __slots__ = ("a", "b")
    formula = "∂(a·b)/∂a = b, ∂(a·b)/∂b = a"

    def forward(self, a: Array, b: Array) -> Array:
        self.a, self.b = a, b
        return a * b

    def backward(self, g: Array) -> Grads:
        ga, gb = self.needs_grad
        return (g * self.b if ga else None), (g * self.a if gb else None)


class Div(Function):
    """f(a, b) = a / b;  ∂f/∂a = 1/b,  ∂f/∂b = −a/b² = −f/b."""

    __slots__ = ("b", "out")
    formula = "∂(a/b)/∂a = 1/b, ∂(a/b)/∂b = −a/b²"

    def forward(self, a: Array, b: Array) -> Array:
        self.b = b
        self.out = a / b
        return self.out

    def backward(self, g: Array) -> Grads:
        ga = g / self.b if self.needs_grad[0] else None
        gb = -g * self.out / self.b if self.needs_grad[1] else None
        return ga, gb


class Pow(Function):
    """f(a, b) = aᵇ;  ∂f/∂a = b·aᵇ⁻¹,  ∂f/∂b = aᵇ·ln a  (the second needs a > 0)."""

    __slots__ = ("a", "b", "out")
    formula = "∂(aᵇ)/∂a = b·aᵇ⁻¹, ∂(aᵇ)/∂b = aᵇ·ln a"

    def forward(self, a: Array, b: Array) -> Array:
        self.a, self.b = a, b
        self.out = a**b
        return self.out

    def backward(self, g: Array) -> Grads:
        ga = g * self.b * self.a ** (self.b - 1) if self.needs_grad[0] else None
        gb = g * self.out * np.log(self.a) if self.needs_grad[1] else None
        return ga, gb


class MatMul(Function):
    """f(A, B) = A @ B;  ∂L/∂A = g @ Bᵀ,  ∂L/∂B = Aᵀ @ g.

    1-D operands are treated as a row (left) or a column (right) vector and the added axis is
    removed again, as ``np.matmul`` does; leading (batch) axes broadcast.
    """

    __slots__ = ("a", "b")
    formula = "∂(A@B)/∂A = g@Bᵀ, ∂(A@B)/∂B = Aᵀ@g"

    def forward(self, a: Array, b: Array) -> Array:
        self.a, self.b = a, b
        try:
            return a @ b
        except ValueError:  # NumPy's message speaks of gufunc signatures: name the shapes
            if a.ndim == 0 or b.ndim == 0:
                raise ValueError(
                    f"matmul: operands need at least 1 dimension, got {a.shape} @ {b.shape}"
                ) from None
            raise ValueError(f"matmul: shapes {a.shape} and {b.shape} do not align") from None

    def backward(self, g: Array) -> Grads:
        a, b = self.a, self.b
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
            ga = g2 @ np.swapaxes(b2, -1, -2)
            ga = ga[..., 0, :] if a.ndim == 1 else ga
        if self.needs_grad[1]:
            gb = np.swapaxes(a2, -1, -2) @ g2
            gb = gb[..., 0] if b.ndim == 1 else gb
        return ga, gb
