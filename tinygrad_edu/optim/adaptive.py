"""Optimizers that scale each coordinate's step by its gradient's history: Adam, AdamW, RMSprop,
Adagrad — each step for step as its ``torch.optim`` namesake, with its arguments in its order.

They take the whole batch unless given a ``batch_size`` (then shuffled chunks, as
``MiniBatchGD``); ``batch_size``, ``seed`` and ``shuffle`` are keyword-only.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from .._checks import fraction, positive_number
from ..autograd import Array
from ..tensor import Tensor
from .base import Optimizer


def _switch(owner: str, name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{owner}: {name} must be True or False, got {value!r}")
    return value


class Adam(Optimizer):
    """Adam, step for step as ``torch.optim.Adam`` (defaults as Keras: lr 1e-3, eps 1e-7).

    Per parameter, with moments ``m``, ``v`` (zeros at first) and its own step count t, and
    g the gradient plus ``weight_decay·p`` (L2, as torch's Adam)::

        m ← β₁·m + (1 − β₁)·g              v ← β₂·v + (1 − β₂)·g²
        m̂ = m / (1 − β₁ᵗ)                  v̂ = v / (1 − β₂ᵗ)
        p ← p − lr·m̂ / (√v̂ + eps)

    ``amsgrad=True`` divides by the largest v seen so far instead of v (never a larger step
    because the gradients got smaller for a while).

    **Where eps goes.** This is PyTorch's placement: eps is added *after* the square root of the
    bias-corrected second moment, so it is a floor on the step's denominator in the units of the
    gradient, the same at every step, and the cross-check against ``torch.optim.Adam`` (same
    eps) is exact up to rounding. Keras writes the same update as
    ``p ← p − lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ) · m / (√v + ε̂)``, i.e. eps on the *uncorrected* √v, which
    equals this rule with ``eps = ε̂ / √(1 − β₂ᵗ)`` — a larger eps early on that shrinks to ε̂.
    No constant eps matches Keras exactly; the two agree to within a relative ~eps/√v̂ whenever
    √v̂ ≫ eps, so use a tiny eps (or compare once |g| ≫ eps) when matching Keras numbers.

    The first step moves every coordinate by ``lr·g/(|g| + eps) ≈ lr·sign(g)``: the bias
    corrections make m̂ = g and v̂ = g² at t = 1.
    """

    hyperparameters = ("lr", "betas", "eps", "weight_decay", "amsgrad")
    #: AdamW's difference: weight decay shrinks p directly instead of joining the gradient.
    decoupled_weight_decay = False

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-7,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        batch_size: int | None = None,
        seed: int | None = 0,
        shuffle: bool = True,
    ) -> None:
        super().__init__(
            params,
            lr,
            weight_decay=weight_decay,
            batch_size=batch_size,
            shuffle=shuffle,
            seed=seed,
        )
        owner = type(self).__name__
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"{owner}: betas must be a pair (β₁, β₂), got {betas!r}")
        self.betas = (
            fraction(owner, "betas[0]", betas[0]),
            fraction(owner, "betas[1]", betas[1]),
        )
        self.eps = positive_number(owner, "eps", eps, allow_zero=True)
        self.amsgrad = _switch(owner, "amsgrad", amsgrad)
        self.m: list[Array] = [np.zeros_like(p.data) for p in self.params]
        self.v: list[Array] = [np.zeros_like(p.data) for p in self.params]
        self.v_max: list[Array] | None = (
            [np.zeros_like(p.data) for p in self.params] if amsgrad else None
        )
        self.steps: list[int] = [0] * len(self.params)

    def per_parameter_state(self) -> dict[str, list[Any]]:
        state: dict[str, list[Any]] = {"step": self.steps, "exp_avg": self.m, "exp_avg_sq": self.v}
        if self.v_max is not None:
            state["max_exp_avg_sq"] = self.v_max
        return state

    def step(self) -> None:
        lr, eps, decay = self.lr, self.eps, self.weight_decay
        b1, b2 = self.betas
        for i, p in enumerate(self.params):
            g = p.grad
            if g is None:
                continue
            if decay and self.decoupled_weight_decay:
                p.data *= 1 - lr * decay
            elif decay:
                g = g + decay * p.data
            self.steps[i] = t = self.steps[i] + 1
            m, v = self.m[i], self.v[i]
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * (g * g)
            if self.v_max is not None:
                v = np.maximum(self.v_max[i], v, out=self.v_max[i])
            denom = np.sqrt(v)
            denom /= math.sqrt(1 - b2**t)
            denom += eps
            p.data -= (lr / (1 - b1**t)) * (m / denom)


class AdamW(Adam):
    """Adam with decoupled weight decay, step for step as ``torch.optim.AdamW``.

    Before the Adam update, every parameter shrinks by a fixed fraction of itself::

        p ← p·(1 − lr·weight_decay)            then Adam's step on the plain gradient g

    With Adam's L2 decay the term ``weight_decay·p`` joins the gradient and is then divided by
    √v̂ like the rest, so parameters with large gradients are hardly regularised; decoupled, the
    shrinkage is the same for all. PyTorch's defaults: eps 1e-8, weight_decay 0.01.
    """

    decoupled_weight_decay = True

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.01,
        amsgrad: bool = False,
        *,
        batch_size: int | None = None,
        seed: int | None = 0,
        shuffle: bool = True,
    ) -> None:
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            batch_size=batch_size,
            seed=seed,
            shuffle=shuffle,
        )


class RMSprop(Optimizer):
    """RMSprop, step for step as ``torch.optim.RMSprop`` (its defaults: lr 0.01, α 0.99, eps 1e-8).

    Per parameter, with g the gradient plus ``weight_decay·p`` (L2)::

        s ← α·s + (1 − α)·g²                          running mean of g² (square_avg)
        d = √s + eps                                  (centered: d = √(s − ḡ²) + eps,
                                                       ḡ ← α·ḡ + (1 − α)·g the mean of g)
        p ← p − lr·g / d                              (momentum μ > 0: b ← μ·b + g/d;
                                                       p ← p − lr·b)

    Like Adam without the first moment or the bias correction: each coordinate's step is its
    gradient divided by the root mean square of its recent gradients.
    """

    hyperparameters = ("lr", "alpha", "eps", "weight_decay", "momentum", "centered")

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float = 0.01,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        *,
        batch_size: int | None = None,
        seed: int | None = 0,
        shuffle: bool = True,
    ) -> None:
        super().__init__(
            params,
            lr,
            weight_decay=weight_decay,
            batch_size=batch_size,
            shuffle=shuffle,
            seed=seed,
        )
        self.alpha = fraction("RMSprop", "alpha", alpha, closed=True)
        self.eps = positive_number("RMSprop", "eps", eps, allow_zero=True)
        self.momentum = fraction("RMSprop", "momentum", momentum)
        self.centered = _switch("RMSprop", "centered", centered)
        self.square_avg: list[Array] = [np.zeros_like(p.data) for p in self.params]
        self.grad_avg = [np.zeros_like(p.data) for p in self.params] if centered else None
        self.momentum_buffer = (
            [np.zeros_like(p.data) for p in self.params] if self.momentum > 0 else None
        )
        self.steps: list[int] = [0] * len(self.params)

    def per_parameter_state(self) -> dict[str, list[Any]]:
        state: dict[str, list[Any]] = {"step": self.steps, "square_avg": self.square_avg}
        if self.momentum_buffer is not None:
            state["momentum_buffer"] = self.momentum_buffer
        if self.grad_avg is not None:
            state["grad_avg"] = self.grad_avg
        return state

    def step(self) -> None:
        lr, alpha, eps = self.lr, self.alpha, self.eps
        for i, p in enumerate(self.params):
            g = p.grad
            if g is None:
                continue
            g = self._with_decay(p, g)
            self.steps[i] += 1
            s = self.square_avg[i]
            s *= alpha
            s += (1 - alpha) * (g * g)
            if self.grad_avg is not None:
                mean = self.grad_avg[i]
                mean += (1 - alpha) * (g - mean)
                denom = np.sqrt(s - mean * mean)
            else:
                denom = np.sqrt(s)
            denom += eps
            if self.momentum_buffer is not None:
                b = self.momentum_buffer[i]
                b *= self.momentum
                b += g / denom
                p.data -= lr * b
            else:
                p.data -= lr * (g / denom)


class Adagrad(Optimizer):
    """Adagrad, step for step as ``torch.optim.Adagrad`` (its defaults: lr 0.01, eps 1e-10).

    Per parameter, with its step count t and g the gradient plus ``weight_decay·p`` (L2)::

        lrₜ = lr / (1 + (t − 1)·lr_decay)
        S ← S + g²                           (S starts at initial_accumulator_value)
        p ← p − lrₜ·g / (√S + eps)

    S only grows, so every coordinate's step shrinks over time, fastest where gradients are
    large: good for sparse features, too cautious for long training.
    """

    hyperparameters = ("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps")

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float = 0.01,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        *,
        batch_size: int | None = None,
        seed: int | None = 0,
        shuffle: bool = True,
    ) -> None:
        super().__init__(
            params,
            lr,
            weight_decay=weight_decay,
            batch_size=batch_size,
            shuffle=shuffle,
            seed=seed,
        )
        self.lr_decay = positive_number("Adagrad", "lr_decay", lr_decay, allow_zero=True)
        self.initial_accumulator_value = positive_number(
            "Adagrad", "initial_accumulator_value", initial_accumulator_value, allow_zero=True
        )
        self.eps = positive_number("Adagrad", "eps", eps, allow_zero=True)
        start = self.initial_accumulator_value
        self.sum: list[Array] = [np.full_like(p.data, start) for p in self.params]
        self.steps: list[int] = [0] * len(self.params)

    def per_parameter_state(self) -> dict[str, list[Any]]:
        return {"step": self.steps, "sum": self.sum}

    def step(self) -> None:
        for i, p in enumerate(self.params):
            g = p.grad
            if g is None:
                continue
            g = self._with_decay(p, g)
            self.steps[i] = t = self.steps[i] + 1
            lr_t = self.lr / (1 + (t - 1) * self.lr_decay)
            total = self.sum[i]
            total += g * g
            denom = np.sqrt(total)
            denom += self.eps
            p.data -= lr_t * (g / denom)
