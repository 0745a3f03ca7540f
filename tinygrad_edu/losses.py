"""Loss functions: how far predictions are from targets, as one number to minimise.

Every loss is called ``loss(y_pred, y_true)`` (also by keyword), takes Tensors or array-likes for
either argument and returns the **mean** over all elements as a scalar ``Tensor`` (shape ``()``),
so ``loss.backward()`` fills the gradients of whatever produced ``y_pred``.

Shapes must match, with one exception that the usual data layout needs: predictions of shape
(n, 1) and targets of shape (n,) (or the reverse) are the same n values, and the targets are
reshaped to the predictions' shape. Any other mismatch is an error, never a silent broadcast to
(n, n) — the classic bug where ``mean((p − y)²)`` quietly averages n² wrong differences.

=================================  ================================================
loss                               value (mean over the n elements)
=================================  ================================================
mae                                mean |p − y|
mse                                mean (p − y)²
binary_cross_entropy               −mean(y·ln p + (1 − y)·ln(1 − p)), p clipped to [ε, 1 − ε]
binary_cross_entropy_with_logits   the same with p = σ(z), fused and stable
cross_entropy                      −mean of log_softmax(z) picked at the labels
=================================  ================================================

>>> mae([1.5, 2.0, 2.0], [1.0, 2.0, 3.0])          # (0.5 + 0 + 1) / 3
Tensor(0.5)
>>> mse([[1.0], [3.0]], [0.0, 1.0])                 # (n, 1) against (n,): (1 + 4) / 2
Tensor(2.5)
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from .activations import as_tensor
from .autograd import Array, Function, Grads, Saved, add_reduce
from .loss_targets import ClassIds, Targets, targets
from .ops import dual
from .tensor import Tensor


def mae(y_pred: Any, y_true: Any) -> Tensor:
    """Mean absolute error, mean |p − y|; ∂L/∂pᵢ = sign(pᵢ − yᵢ)/n (0 where pᵢ = yᵢ).

    >>> mae(y_pred=[0.0, 4.0], y_true=[1.0, 1.0])       # (1 + 3) / 2
    Tensor(2.)
    """
    p, y = targets("mae", y_pred, y_true)
    return (p - y).abs().mean()


def mse(y_pred: Any, y_true: Any) -> Tensor:
    """Mean squared error, mean (p − y)²; ∂L/∂pᵢ = 2(pᵢ − yᵢ)/n.

    >>> mse([1.0, 2.0], [1.0, 4.0])                     # (0 + 4) / 2
    Tensor(2.)
    """
    p, y = targets("mse", y_pred, y_true)
    return Tensor._binary(MeanSquaredError(), p, y)


class MeanSquaredError(Function):
    """L = (1/n) Σᵢ (pᵢ − yᵢ)²;  ∂L/∂p = 2(p − y)/n,  ∂L/∂y = −2(p − y)/n.

    One fused op instead of subtract → square → mean: three graph nodes become one, and the
    values *and* gradients are bit-for-bit those of the three-op graph (same NumPy expressions in
    the same order), which ``tests/test_losses.py`` checks.
    """

    __slots__ = ("diff",)
    formula = "∂L/∂p = 2(p − y)/n"

    def forward(self, p: Array, y: Array) -> Array:
        self.diff = d = p - y
        return np.asarray(np.add.reduce(d * d, axis=None) / d.size)

    def backward(self, g: Array, saved: Saved) -> Grads:
        d = self.diff
        gd = (g / d.size) * 2 * d
        return gd, (-gd if self.needs_grad[1] else None)

    def composite(self, p: Tensor, y: Tensor) -> Tensor:
        """The same loss in primitive ops, differentiated instead of this op for higher orders."""
        d = p - y
        return (d * d).mean()


def binary_cross_entropy(y_pred: Any, y_true: Any, eps: float = 1e-15) -> Tensor:
    """Log loss of probabilities p against 0/1 labels y, as in the teaching notebook.

    L = −mean(y·ln p + (1 − y)·ln(1 − p)) with p first clipped into [ε, 1 − ε], so a confident
    wrong prediction (p = 0 for y = 1) costs −ln ε ≈ 34.5 instead of ∞. The clip is a graph op:
    where it cuts, its derivative is 0, so a prediction at or beyond the bounds gets **no**
    gradient. Inside, ∂L/∂pᵢ = (pᵢ − yᵢ) / (pᵢ(1 − pᵢ)) / n. In float32, 1 − 1e-15 rounds to
    1, so the upper bound becomes the largest float32 below 1 (ln(1 − p) stays finite).

    >>> import math
    >>> y_true, y_pred = [0, 1], [0.25, 1.0]            # 1.0 is clipped to 1 − 1e-15
    >>> loss = binary_cross_entropy(y_pred, y_true)
    >>> math.isclose(loss.item(), -(math.log(0.75) + math.log(1 - 1e-15)) / 2)
    True
    """
    if not 0 < eps < 0.5:
        raise ValueError(f"binary_cross_entropy: eps must be in (0, 0.5), got {eps!r}")
    p, y = targets("binary_cross_entropy", y_pred, y_true)
    return Tensor._binary(BinaryCrossEntropy(*_clip_bounds(p.dtype, eps)), p, y)


@functools.cache
def _clip_bounds(dtype: np.dtype[Any], eps: float) -> tuple[Array, Array, Array]:
    """ε, 1 − ε and 1 as read-only 0-d arrays of ``dtype``.

    Where 1 − ε rounds to 1 (float32), the upper bound is the largest number below 1 instead.
    Cached, and arrays of the data's own dtype rather than Python floats: working the bound out
    costs more than the rest of a small model's loss, and NumPy combines an array with a 0-d
    array of its dtype faster than with a Python number (with the same result).
    """
    one = np.ones((), dtype=dtype)
    hi = np.array(np.minimum(one - eps, np.nextafter(one, 0)), dtype=dtype)
    bounds = np.array(eps, dtype=dtype), hi, one
    for bound in bounds:
        bound.flags.writeable = False
    return bounds


class BinaryCrossEntropy(Function):
    """L = −(1/n) Σᵢ [yᵢ ln p̂ᵢ + (1 − yᵢ) ln(1 − p̂ᵢ)] with p̂ = clip(p, ε, 1 − ε).

    ∂L/∂pᵢ = −(1/n)·(yᵢ/p̂ᵢ − (1 − yᵢ)/(1 − p̂ᵢ)) inside [ε, 1 − ε], and 0 where the clip cuts.

    One fused op in place of the eight of the textbook formula (clip, two logs, two products,
    two subtractions, a mean): it computes each of their forward and backward expressions in the
    same order, so the loss and the gradients are bit-for-bit those of the composite graph
    (``tests/test_losses.py`` checks), just without seven nodes' worth of bookkeeping.
    """

    __slots__ = ("hi", "inside", "lo", "log_p", "log_q", "one", "p", "q", "y", "y_neg")
    formula = "∂L/∂p = −(y/p − (1−y)/(1−p))/n, 0 where clipped"

    def __init__(self, lo: Array, hi: Array, one: Array) -> None:
        self.lo, self.hi, self.one = lo, hi, one  # 0-d arrays of the predictions' dtype

    def forward(self, p: Array, y: Array) -> Array:
        clipped = np.minimum(np.maximum(p, self.lo), self.hi)  # np.clip without its wrapper
        self.inside = clipped == p  # the clip changed nothing there (and NaN is not inside)
        # The domain checks, in as few NumPy calls as possible (each costs ~0.4 µs here, a good
        # part of a small model's step): predictions outside [ε, 1 − ε] are rare, and only then
        # is [0, 1] checked; y ∈ [0, 1] exactly when y·(1 − y) ≥ 0 (False for NaN too).
        if _count_nonzero(self.inside) != p.size:
            _check_unit_range("y_pred", p)
        self.p = p = clipped
        self.q = q = self.one - p
        self.y, self.y_neg = y, 1 - y
        if _count_nonzero(y * self.y_neg >= 0) != y.size:
            _check_unit_range("y_true", y)
        self.log_p, self.log_q = np.log(p), np.log(q)
        terms = y * self.log_p + self.y_neg * self.log_q
        return np.asarray(-(np.add.reduce(terms, axis=None) / terms.size))

    def backward(self, g: Array, saved: Saved) -> Grads:
        m = -g / self.p.size  # through the mean and the minus sign
        gp = gy = None
        if self.needs_grad[0]:
            gp = ((m * self.y) / self.p + -((m * self.y_neg) / self.q)) * self.inside
        if self.needs_grad[1]:
            gy = m * self.log_p + -(m * self.log_q)
        return gp, gy

    def composite(self, p: Tensor, y: Tensor) -> Tensor:
        """The textbook formula in primitive ops (clip, ln, products, mean), for higher orders."""
        c = p.clip(self.lo.item(), self.hi.item())
        return -(y * c.log() + (1 - y) * (1 - c).log()).mean()


_count_nonzero: Callable[[Array], int] = np.count_nonzero


def _check_unit_range(what: str, values: Array) -> None:
    """Raise naming the first value of ``values`` outside [0, 1] (NaN included), if any."""
    flat = values.reshape(-1)
    outside = ~((flat >= 0) & (flat <= 1))
    if outside.any():
        i = int(np.argmax(outside))
        hint = (
            " (logits? use binary_cross_entropy_with_logits)"
            if what == "y_pred"
            else " (labels must be 0 or 1, or probabilities)"
        )
        raise ValueError(
            f"binary_cross_entropy: {what} must be in [0, 1]; element {i} is {flat[i].item()!r}"
            + hint
        )


class BCEWithLogits(Function):
    """L = mean(max(z, 0) − z·y + ln(1 + e^(−|z|)));  ∂L/∂z = (σ(z) − y)/n,  ∂L/∂y = −z/n.

    The log loss of p = σ(z), rewritten so that no step overflows or rounds to ln 0: for z ≥ 0,
    −ln σ(z) = ln(1 + e⁻ᶻ), and for z < 0 the same with −z + …; ``max`` and ``|z|`` merge the two
    cases. e^(−|z|) ≤ 1 always, so logits of ±1e4 give exact, finite losses and gradients.
    """

    __slots__ = ("n", "saved")
    formula = "∂L/∂z = (σ(z) − y)/n"
    #: The gradient (σ(z) − y)/n is smooth in z and y: backward is written to be differentiated.
    differentiable_backward = True

    def forward(self, z: Array, y: Array) -> Array:
        self.saved, self.n = (z, y), z.size
        e = np.exp(-np.abs(z))
        terms = np.maximum(z, 0) - z * y + np.log1p(e)
        return np.asarray(add_reduce(terms, axis=None) / self.n)  # the mean, without its wrapper

    def backward(self, g: Any, saved: Saved) -> Grads:
        z, y = saved
        scale = g / self.n
        gz = scale * (dual.sigmoid(z) - y) if self.needs_grad[0] else None
        gy = -scale * z if self.needs_grad[1] else None
        return gz, gy

    def jvp(self, dz: Array, dy: Array, z: Array, y: Array) -> Array:
        """L̇ = (1/n) Σ [(σ(z) − y)·ż − z·ẏ]."""
        return np.asarray(add_reduce((dual.sigmoid(z) - y) * dz - z * dy, axis=None) / self.n)


def binary_cross_entropy_with_logits(y_pred: Any, y_true: Any) -> Tensor:
    """Log loss of logits z (scores before the sigmoid) against labels y in [0, 1].

    Equals ``binary_cross_entropy(sigmoid(z), y)`` without the clipping, but as one fused,
    numerically stable op (``BCEWithLogits``): L = mean(max(z, 0) − z·y + ln(1 + e^(−|z|))),
    ∂L/∂z = (σ(z) − y)/n. ``y_pred`` holds the logits.

    >>> binary_cross_entropy_with_logits([10000.0, -10000.0], [1.0, 1.0])   # (0 + 1e4) / 2
    Tensor(5000.)
    """
    z, y = targets("binary_cross_entropy_with_logits", y_pred, y_true)
    return Tensor._binary(BCEWithLogits(), z, y)


class CrossEntropy(Function):
    """L = −(1/n) Σᵢ Σ_c yᵢc · log_softmax(zᵢ)_c;  ∂L/∂zᵢ = (softmax(zᵢ)·Σ_c yᵢc − yᵢ)/n.

    ``y`` is either an (n,) array of class ids (then yᵢ is one-hot and ∂L/∂zᵢ = (sᵢ − onehotᵢ)/n)
    or an (n, C) array of target probabilities (then also ∂L/∂y = −log_softmax(z)/n).
    log_softmax is computed with the row maximum subtracted, so huge logits stay finite.
    """

    __slots__ = ("log_probs", "n", "rows", "y")
    formula = "∂L/∂z = (softmax(z) − onehot(y))/n"

    def forward(self, z: Array, y: Array) -> Array:
        # The ufuncs' own reductions: the same sums as .max/.sum/.mean, without their wrappers.
        shifted = z - np.maximum.reduce(z, axis=1, keepdims=True)
        lse = np.log(add_reduce(np.exp(shifted), axis=1, keepdims=True))
        self.log_probs = lp = shifted - lse
        self.y, self.n = y, z.shape[0]
        if y.ndim == 1:
            self.rows = np.arange(self.n)
            return np.asarray(-(add_reduce(lp[self.rows, y]) / self.n))
        return np.asarray(-(add_reduce(y * lp, axis=None) / self.n))

    def backward(self, g: Array, saved: Saved) -> Grads:
        y, scale = self.y, g / self.n
        gz = gy = None
        if self.needs_grad[0]:
            probs = np.exp(self.log_probs)
            if y.ndim == 1:
                probs[self.rows, y] -= 1
                gz = scale * probs
            else:
                gz = scale * (probs * y.sum(axis=1, keepdims=True) - y)
        if self.needs_grad[1]:
            gy = -scale * self.log_probs
        return gz, gy

    def composite(self, z: Tensor, y: Tensor) -> Tensor:
        """The same loss in primitive ops (log_softmax, then pick or weight), for higher orders."""
        log_probs = z.log_softmax(axis=1)
        if y.ndim == 1:
            return -log_probs[np.arange(self.n), y.data].mean()
        loss: Tensor = -(y * log_probs).sum() / self.n
        return loss


def cross_entropy(y_pred: Any, y_true: Any) -> Tensor:
    """Softmax cross-entropy of logits (n, C) against class ids (n,) — the multi-class log loss.

    L = −mean over rows of log_softmax(zᵢ)[yᵢ]; ∂L/∂z = (softmax(z) − onehot(y))/n, as one fused
    op (``CrossEntropy``). ``y_pred`` holds the logits (scores before softmax); ``y_true`` holds
    integer class ids in [0, C), shape (n,) or (n, 1) (whole-number floats are accepted), **or**
    (n, C) target probabilities / one-hot rows, as PyTorch's ``cross_entropy`` also allows; then
    L = −mean over rows of Σ_c yᵢc·log_softmax(zᵢ)_c.

    >>> import math
    >>> loss = cross_entropy([[0.0, 0.0], [5.0, 5.0]], [1, 0])   # uniform rows: ln 2 each
    >>> math.isclose(loss.item(), math.log(2))
    True
    """
    z = as_tensor(y_pred)
    if z.ndim != 2 or z.size == 0:
        raise ValueError(f"cross_entropy: y_pred must be logits of shape (n, C); got {z.shape}")
    n, classes = z.shape
    y = y_true if isinstance(y_true, Tensor) else Tensor(y_true)
    if y.shape in ((n,), (n, 1)):
        y = Tensor._unary(ClassIds(classes), y.detach() if y.requires_grad else y)
    elif y.shape == (n, classes):
        if not y.requires_grad and y.dtype != z.dtype:
            y = Tensor._unary(Targets(y.shape, z.dtype), y)
    else:
        raise ValueError(
            f"cross_entropy: y_pred has shape {z.shape} but y_true has shape {y.shape}; "
            f"y_true must be class ids of shape ({n},) or probabilities of shape {z.shape}"
        )
    return Tensor._binary(CrossEntropy(), z, y)
