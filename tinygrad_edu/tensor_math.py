"""Arithmetic, elementwise functions and activations of ``Tensor``: one recorded op each.

Binary operators broadcast as NumPy does (``(3, 1) + (1, 4) → (3, 4)``); a Python number takes the
tensor's dtype. Every method records its ``ops`` primitive when an input requires a gradient; the
derivative rule is in that primitive's docstring.
"""

from __future__ import annotations

from typing import Any, TypeVar

from . import ops

Self_ = TypeVar("Self_", bound="MathMethods")


class MathMethods:
    """The operators and elementwise methods of ``Tensor`` (see the module docstring)."""

    __slots__ = ()
    # Provided by Tensor (declared here for type checkers only).
    _unary: Any
    _binary: Any
    _lift: Any

    # ------------------------------------------------------------------------------ arithmetic
    def __add__(self: Self_, other: Any) -> Self_:
        """``self + other`` elementwise, broadcasting; ∂/∂self = ∂/∂other = 1."""
        return self._binary(ops.Add(), self, self._lift(other))  # type: ignore[no-any-return]

    def __radd__(self: Self_, other: Any) -> Self_:
        return self._binary(ops.Add(), self._lift(other), self)  # type: ignore[no-any-return]

    def __sub__(self: Self_, other: Any) -> Self_:
        """``self − other`` elementwise, broadcasting; ∂/∂self = 1, ∂/∂other = −1."""
        return self._binary(ops.Sub(), self, self._lift(other))  # type: ignore[no-any-return]

    def __rsub__(self: Self_, other: Any) -> Self_:
        return self._binary(ops.Sub(), self._lift(other), self)  # type: ignore[no-any-return]

    def __mul__(self: Self_, other: Any) -> Self_:
        """``self · other`` elementwise, broadcasting; ∂/∂self = other, ∂/∂other = self."""
        return self._binary(ops.Mul(), self, self._lift(other))  # type: ignore[no-any-return]

    def __rmul__(self: Self_, other: Any) -> Self_:
        return self._binary(ops.Mul(), self._lift(other), self)  # type: ignore[no-any-return]

    def __truediv__(self: Self_, other: Any) -> Self_:
        """``self / other`` elementwise; ∂/∂self = 1/other, ∂/∂other = −self/other²."""
        return self._binary(ops.Div(), self, self._lift(other))  # type: ignore[no-any-return]

    def __rtruediv__(self: Self_, other: Any) -> Self_:
        return self._binary(ops.Div(), self._lift(other), self)  # type: ignore[no-any-return]

    def __pow__(self: Self_, other: Any) -> Self_:
        """``selfᵒᵗʰᵉʳ`` elementwise; ∂/∂self = other·selfᵒᵗʰᵉʳ⁻¹, ∂/∂other = selfᵒᵗʰᵉʳ·ln self."""
        return self._binary(ops.Pow(), self, self._lift(other))  # type: ignore[no-any-return]

    def __rpow__(self: Self_, other: Any) -> Self_:
        return self._binary(ops.Pow(), self._lift(other), self)  # type: ignore[no-any-return]

    def __matmul__(self: Self_, other: Any) -> Self_:
        """Matrix product, (n, k) @ (k, m) → (n, m) (1-D and batched as ``np.matmul``).

        ∂L/∂self = g @ otherᵀ, ∂L/∂other = selfᵀ @ g.
        """
        return self._binary(ops.MatMul(), self, self._lift(other))  # type: ignore[no-any-return]

    def __rmatmul__(self: Self_, other: Any) -> Self_:
        return self._binary(ops.MatMul(), self._lift(other), self)  # type: ignore[no-any-return]

    def __neg__(self: Self_) -> Self_:
        """``−self``; ∂/∂self = −1."""
        return self._unary(ops.Neg(), self)  # type: ignore[no-any-return]

    # ------------------------------------------------------------------------------ elementwise
    def exp(self: Self_) -> Self_:
        """eˣ elementwise, same shape; d/dx eˣ = eˣ.

        >>> from tinygrad_edu import Tensor
        >>> Tensor([0.0, 1.0]).exp()
        Tensor([1.    , 2.7183])
        """
        return self._unary(ops.Exp(), self)  # type: ignore[no-any-return]

    def log(self: Self_) -> Self_:
        """Natural logarithm ln x elementwise (x > 0), same shape; d/dx ln x = 1/x."""
        return self._unary(ops.Log(), self)  # type: ignore[no-any-return]

    def sqrt(self: Self_) -> Self_:
        """√x elementwise (x ≥ 0), same shape; d/dx √x = 1/(2√x)."""
        return self._unary(ops.Sqrt(), self)  # type: ignore[no-any-return]

    def abs(self: Self_) -> Self_:
        """|x| elementwise, same shape; d/dx |x| = sign x (0 at x = 0, as PyTorch)."""
        return self._unary(ops.Abs(), self)  # type: ignore[no-any-return]

    def sin(self: Self_) -> Self_:
        """sin x elementwise (radians), same shape; d/dx sin x = cos x."""
        return self._unary(ops.Sin(), self)  # type: ignore[no-any-return]

    def cos(self: Self_) -> Self_:
        """cos x elementwise (radians), same shape; d/dx cos x = −sin x."""
        return self._unary(ops.Cos(), self)  # type: ignore[no-any-return]

    def clip(self: Self_, lo: float | None, hi: float | None) -> Self_:
        """min(max(x, lo), hi) elementwise (either bound may be None), same shape.

        The derivative is 1 inside [lo, hi] and 0 where the value was cut.

        >>> from tinygrad_edu import Tensor
        >>> Tensor([-2.0, 0.5, 3.0]).clip(0, 1)
        Tensor([0. , 0.5, 1. ])
        """
        if lo is not None and hi is not None and lo > hi:
            raise ValueError(f"clip: lower bound {lo} is above upper bound {hi}")
        return self._unary(ops.Clip(lo, hi), self)  # type: ignore[no-any-return]

    # ------------------------------------------------------------------------------ activations
    def sigmoid(self: Self_) -> Self_:
        """σ(x) = 1 / (1 + e⁻ˣ) elementwise, in (0, 1); σ′ = σ(1 − σ). Finite for any x."""
        return self._unary(ops.Sigmoid(), self)  # type: ignore[no-any-return]

    def tanh(self: Self_) -> Self_:
        """tanh x elementwise, in (−1, 1); tanh′ = 1 − tanh²."""
        return self._unary(ops.Tanh(), self)  # type: ignore[no-any-return]

    def relu(self: Self_) -> Self_:
        """max(x, 0) elementwise; relu′ = 1 for x > 0, else 0 (also at 0, as PyTorch).

        >>> from tinygrad_edu import Tensor
        >>> Tensor([-1.0, 0.0, 2.0]).relu()
        Tensor([0., 0., 2.])
        """
        return self._unary(ops.Relu(), self)  # type: ignore[no-any-return]

    def leaky_relu(self: Self_, negative_slope: float = 0.01) -> Self_:
        """x for x > 0, else α·x (α = ``negative_slope``); derivative 1 or α."""
        return self._unary(ops.LeakyRelu(negative_slope), self)  # type: ignore[no-any-return]

    def softmax(self: Self_, axis: int = -1) -> Self_:
        """e^xᵢ / Σⱼ e^xⱼ along ``axis`` (each slice sums to 1), same shape; stable for large x.

        >>> from tinygrad_edu import Tensor
        >>> Tensor([[0.0, 0.0], [0.0, 1000.0]]).softmax(axis=1)
        Tensor([[0.5, 0.5],
                [0. , 1. ]])
        """
        return self._unary(ops.Softmax(self._axis(axis)), self)  # type: ignore[attr-defined,no-any-return]

    def log_softmax(self: Self_, axis: int = -1) -> Self_:
        """ln softmax(x) along ``axis``, same shape, computed without taking ln of 0."""
        return self._unary(ops.LogSoftmax(self._axis(axis)), self)  # type: ignore[attr-defined,no-any-return]
