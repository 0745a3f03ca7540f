"""The primitive operations. Each is one ``Function``: forward and backward side by side.

Conventions: ``g`` is the upstream gradient ``∂L/∂out``; ``backward`` returns ``∂L/∂x`` for each
input in the *output's* (broadcast) shape if that is easier — the engine reduces it. Ops never
modify ``g`` or their saved arrays in place.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .autograd import Array, Function, Grads

Axis = int | tuple[int, ...] | None


# ---------------------------------------------------------------- arithmetic (binary, broadcasting)
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
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError(f"matmul: operands need at least 1 dimension, got {a.shape} @ {b.shape}")
        if a.shape[-1] != b.shape[0 if b.ndim == 1 else -2]:
            raise ValueError(f"matmul: shapes {a.shape} and {b.shape} do not align")
        self.a, self.b = a, b
        return a @ b

    def backward(self, g: Array) -> Grads:
        a, b = self.a, self.b
        if a.ndim == 2 and b.ndim == 2:  # the common case, without reshaping
            ga = g @ b.T if self.needs_grad[0] else None
            gb = a.T @ g if self.needs_grad[1] else None
            return ga, gb
        a2 = a[np.newaxis, :] if a.ndim == 1 else a
        b2 = b[:, np.newaxis] if b.ndim == 1 else b
        g2 = g
        if a.ndim == 1:
            g2 = np.expand_dims(g2, -2)
        if b.ndim == 1:
            g2 = np.expand_dims(g2, -1)
        ga = gb = None
        if self.needs_grad[0]:
            ga = g2 @ np.swapaxes(b2, -1, -2)
            ga = ga[..., 0, :] if a.ndim == 1 else ga
        if self.needs_grad[1]:
            gb = np.swapaxes(a2, -1, -2) @ g2
            gb = gb[..., 0] if b.ndim == 1 else gb
        return ga, gb


# ------------------------------------------------------------------------------- elementwise
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
    """f(x) = |x|;  ∂f/∂x = sign x. At the kink x = 0 we use 0 (a valid subgradient; PyTorch too)."""

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

    __slots__ = ("lo", "hi", "inside")
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


# ------------------------------------------------------------------------------- activations
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
        self.positive = x > 0
        return x * self.positive

    def backward(self, g: Array) -> Grads:
        return (g * self.positive,)


class LeakyRelu(Function):
    """f(x) = x for x > 0, else α·x;  ∂f/∂x = 1 for x > 0, else α (also at x = 0, like PyTorch)."""

    __slots__ = ("slope", "factor")
    formula = "leaky′ = 1 if x > 0 else α"

    def __init__(self, negative_slope: float) -> None:
        self.slope = negative_slope

    def forward(self, x: Array) -> Array:
        self.factor = np.where(x > 0, 1, self.slope).astype(x.dtype, copy=False)
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
        self.out = e / e.sum(axis=self.axis, keepdims=True)
        return self.out

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
        self.out = shifted - np.log(np.exp(shifted).sum(axis=self.axis, keepdims=True))
        return self.out

    def backward(self, g: Array) -> Grads:
        return (g - np.exp(self.out) * g.sum(axis=self.axis, keepdims=True),)


# ---------------------------------------------------------------------------------- reductions
def _reduced_axes(ndim: int, axis: Axis) -> set[int]:
    """The axes a reduction over ``axis`` removes, as non-negative numbers."""
    if axis is None:
        return set(range(ndim))
    return {a % ndim for a in ((axis,) if isinstance(axis, int) else axis)}


def _keepdims_shape(shape: tuple[int, ...], axis: Axis) -> tuple[int, ...]:
    """The shape a reduction over ``axis`` has with ``keepdims=True``."""
    axes = _reduced_axes(len(shape), axis)
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


class Sum(Function):
    """f(x) = Σᵢ xᵢ over ``axis``;  ∂f/∂xᵢ = 1: the gradient is copied back along the summed axes."""

    __slots__ = ("axis", "keepdims", "shape")
    formula = "∂Σx/∂xᵢ = 1"

    def __init__(self, axis: Axis, keepdims: bool) -> None:
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x: Array) -> Array:
        self.shape = x.shape
        return np.asarray(x.sum(axis=self.axis, keepdims=self.keepdims))

    def backward(self, g: Array) -> Grads:
        g = g.reshape(_keepdims_shape(self.shape, self.axis))
        return (np.broadcast_to(g, self.shape),)


class Mean(Function):
    """f(x) = (1/n) Σᵢ xᵢ over ``axis`` (n elements per mean);  ∂f/∂xᵢ = 1/n."""

    __slots__ = ("axis", "keepdims", "shape", "n")
    formula = "∂mean(x)/∂xᵢ = 1/n"

    def __init__(self, axis: Axis, keepdims: bool) -> None:
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x: Array) -> Array:
        self.shape = x.shape
        out = np.asarray(x.mean(axis=self.axis, keepdims=self.keepdims))
        self.n = x.size // max(out.size, 1)
        return out

    def backward(self, g: Array) -> Grads:
        g = g.reshape(_keepdims_shape(self.shape, self.axis)) / self.n
        return (np.broadcast_to(g, self.shape),)


class Max(Function):
    """f(x) = max x over ``axis``;  ∂f/∂xᵢ = 1 for the maximum, 0 elsewhere.

    When several elements tie for the maximum the gradient is shared equally among them (as
    PyTorch's ``amax`` does), so it still sums to the upstream gradient.
    """

    __slots__ = ("axis", "keepdims", "x", "out")
    formula = "∂max(x)/∂xᵢ = 1 at the max (ties share)"

    def __init__(self, axis: Axis, keepdims: bool) -> None:
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x: Array) -> Array:
        self.x = x
        self.out = np.asarray(x.max(axis=self.axis, keepdims=True))
        if self.keepdims:
            return self.out
        axes = _reduced_axes(x.ndim, self.axis)
        return self.out.reshape(tuple(n for i, n in enumerate(x.shape) if i not in axes))

    def backward(self, g: Array) -> Grads:
        is_max = self.x == self.out
        share = is_max / is_max.sum(axis=self.axis, keepdims=True)
        return (share * g.reshape(self.out.shape),)


# ------------------------------------------------------------------------------- shape changes
class Reshape(Function):
    """f(x) = x viewed with a new shape (same elements in the same order); ∂L/∂x = g reshaped back."""

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
        return x.transpose(self.axes)

    def backward(self, g: Array) -> Grads:
        assert self.axes is not None
        return (g.transpose(np.argsort(self.axes)),)


class Index(Function):
    """f(x) = x[index];  ∂L/∂x = g placed back at the selected positions, zeros elsewhere.

    Integer-array indices may pick the same element twice (``x[[0, 0]]``); each pick contributes,
    so the gradient is added with ``np.add.at`` (a plain assignment would keep only the last one).
    """

    __slots__ = ("index", "shape", "dtype", "basic")
    formula = "scatter g back to the picked places"

    def __init__(self, index: Any) -> None:
        self.index = index
        parts = index if isinstance(index, tuple) else (index,)
        self.basic = all(
            p is None or p is Ellipsis or isinstance(p, (int, np.integer, slice)) for p in parts
        )

    def forward(self, x: Array) -> Array:
        self.shape, self.dtype = x.shape, x.dtype
        try:
            return np.asarray(x[self.index])
        except IndexError as err:
            raise IndexError(f"index {self.index!r} is invalid for shape {x.shape}: {err}") from None

    def backward(self, g: Array) -> Grads:
        out = np.zeros(self.shape, dtype=self.dtype)
        if self.basic:  # a basic index never picks an element twice
            out[self.index] = g
        else:
            np.add.at(out, self.index, g)
        return (out,)
