"""Optimizers: one update rule for gradient descent, and how each one picks its samples.

Every optimizer answers two questions for ``fit``:

* **which samples** go into each update — ``batches(n)`` yields, for one epoch over ``n``
  samples, one index array per update (the *batch policy*);
* **how the parameters move** once ``backward()`` has filled ``p.grad = ∂L/∂p`` — ``step()``.

The three gradient-descent modes share one rule, ``p ← p − lr·∂L/∂p`` (applied in place to
``p.data``), and differ only in their batch policy:

============  ===========================================  =====================
class         samples per update                           updates per epoch
============  ===========================================  =====================
BatchGD       all n, in order                              1
StochasticGD  1, each sample once in a seeded random order  n
MiniBatchGD   ``batch_size``, chunks of a seeded permutation ⌈n / batch_size⌉
============  ===========================================  =====================

``Momentum`` and ``Adam`` change the rule (they keep running averages of the gradient) and take
the whole batch unless given a ``batch_size``. A seed makes the sample order repeat from run to
run; the generator lives in the optimizer, so successive epochs of one run still differ.

>>> from tinygrad_edu import Tensor
>>> w = Tensor([1.0, -2.0], requires_grad=True)
>>> opt = BatchGD([w], lr=0.1)
>>> (w * w).sum().backward()          # ∂L/∂w = 2w = [2, -4]
>>> opt.step(); w.data                # w − 0.1·[2, −4]
array([ 0.8, -1.6])
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Iterator

import numpy as np

from ._checks import check_seed
from .autograd import Array
from .tensor import Tensor


def _positive_number(owner: str, name: str, value: object, *, allow_zero: bool = False) -> float:
    """``value`` as a float if it is a finite number > 0 (or ≥ 0), else an error naming it."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: {name} must be a number, got {value!r}")
    x = float(value)
    if not (math.isfinite(x) and (x >= 0 if allow_zero else x > 0)):
        bound = "≥ 0" if allow_zero else "> 0"
        raise ValueError(f"{owner}: {name} must be finite and {bound}, got {value!r}")
    return x


def _fraction(owner: str, name: str, value: object) -> float:
    """``value`` as a float in [0, 1): a decay rate such as a momentum or an Adam beta."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= float(value) < 1:
        raise ValueError(f"{owner}: {name} must be a number in [0, 1), got {value!r}")
    return float(value)


class Optimizer:
    """Plain gradient descent on ``params`` with a configurable batch policy.

    ``step()`` applies ``p ← p − lr·∂L/∂p`` in place to every parameter that has a gradient
    (parameters with ``grad is None`` took no part in the loss and are left alone).

    Batch policy for one epoch over n samples (see ``batches``): the sample order is
    ``replace`` → n independent uniform draws (with replacement); else ``shuffle`` with a
    ``batch_size`` → a seeded permutation; else 0, 1, …, n−1. The order is cut into chunks of
    ``batch_size`` (the last may be smaller); ``batch_size=None`` is one chunk of everything.
    """

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float,
        *,
        batch_size: int | None = None,
        shuffle: bool = False,
        replace: bool = False,
        seed: int | None = 0,
    ) -> None:
        owner = type(self).__name__
        self.lr = _positive_number(owner, "lr", lr)
        if isinstance(params, Tensor):
            raise TypeError(f"{owner}: params must be an iterable of Tensors; wrap one in a list")
        self.params: list[Tensor] = list(params)
        if not self.params:
            raise ValueError(f"{owner}: params is empty; pass the model's parameters()")
        seen: set[int] = set()
        for i, p in enumerate(self.params):
            if not isinstance(p, Tensor):
                raise TypeError(f"{owner}: parameter {i} is a {type(p).__name__}, not a Tensor")
            if not p.requires_grad:
                raise ValueError(
                    f"{owner}: parameter {i} (shape {p.shape}) does not require grad; "
                    "create it with requires_grad=True"
                )
            if id(p) in seen:
                raise ValueError(f"{owner}: parameter {i} (shape {p.shape}) is listed twice")
            seen.add(id(p))
        if batch_size is not None and (
            isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral)
        ):
            raise TypeError(f"{owner}: batch_size must be an int or None, got {batch_size!r}")
        if batch_size is not None and batch_size < 1:
            raise ValueError(f"{owner}: batch_size must be ≥ 1, got {batch_size}")
        self.batch_size = None if batch_size is None else int(batch_size)
        self.shuffle = bool(shuffle)
        self.replace = bool(replace)
        self.seed = seed
        self._rng = np.random.default_rng(check_seed(owner, seed))
        self._in_order: Array = np.arange(0)

    # ----------------------------------------------------------------------------- batch policy
    @property
    def ordered(self) -> bool:
        """True when every epoch visits 0, 1, …, n−1 in order (so a batch of size n is all of X)."""
        return not self.replace and (self.batch_size is None or not self.shuffle)

    def updates_per_epoch(self, n: int) -> int:
        """How many index arrays ``batches(n)`` yields: 1 for the full batch, else ⌈n / size⌉."""
        return 1 if self.batch_size is None else -(-n // self.batch_size)

    def batches(self, n: int) -> Iterator[Array]:
        """The samples of each update in one epoch over ``n`` samples: int index arrays.

        Each call is one epoch and draws from the optimizer's generator, so epochs differ while
        a fresh optimizer with the same seed repeats them exactly.
        """
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
            raise ValueError(f"{type(self).__name__}.batches: n must be an int ≥ 1, got {n!r}")
        if self.replace:
            order = self._rng.integers(0, n, size=n)
        elif self.shuffle and self.batch_size is not None:
            order = self._rng.permutation(n)
        else:
            if len(self._in_order) != n:
                self._in_order = np.arange(n)
            order = self._in_order
        size = self.batch_size
        if size is None or size >= n:
            yield order
            return
        for start in range(0, n, size):
            yield order[start : start + size]

    # ----------------------------------------------------------------------------------- update
    def zero_grad(self) -> None:
        """Forget the gradients (``p.grad = None``) so the next ``backward`` starts afresh."""
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        """``p ← p − lr·∂L/∂p`` for every parameter with a gradient, in place on ``p.data``."""
        lr = self.lr
        for p in self.params:
            g = p.grad
            if g is not None:
                p.data -= lr * g

    def __repr__(self) -> str:
        policy = "full batch" if self.batch_size is None else f"batch_size={self.batch_size}"
        if self.replace:
            policy += ", with replacement"
        elif self.shuffle and self.batch_size is not None:
            policy += f", shuffled (seed={self.seed})"
        return f"{type(self).__name__}(lr={self.lr:g}, {policy}, {len(self.params)} params)"


class BatchGD(Optimizer):
    """Batch gradient descent: one update per epoch on all n samples, in order."""

    def __init__(self, params: Iterable[Tensor], lr: float = 0.01) -> None:
        super().__init__(params, lr)


class StochasticGD(Optimizer):
    """Stochastic gradient descent: one sample per update, n updates per epoch.

    By default each epoch visits every sample exactly once, in a seeded random order (a
    permutation). With ``replace=True`` each update instead draws one sample uniformly at random
    *with replacement* (n draws per epoch, so a sample may repeat or be missed) — the teaching
    notebook's loop; its 10,000 single-sample steps on 20 rows are 500 such epochs.
    """

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float = 0.01,
        seed: int | None = 0,
        replace: bool = False,
    ) -> None:
        super().__init__(params, lr, batch_size=1, shuffle=True, replace=replace, seed=seed)


class MiniBatchGD(Optimizer):
    """Mini-batch gradient descent: chunks of ``batch_size`` samples, ⌈n / batch_size⌉ per epoch.

    The chunks cut a seeded permutation (or 0, 1, …, n−1 with ``shuffle=False``); the last
    chunk holds what is left and may be smaller.
    """

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float = 0.01,
        batch_size: int = 5,
        seed: int | None = 0,
        shuffle: bool = True,
    ) -> None:
        super().__init__(params, lr, batch_size=batch_size, shuffle=shuffle, seed=seed)


class Momentum(Optimizer):
    """Gradient descent with momentum, step for step as ``torch.optim.SGD(momentum=μ)``.

    Per parameter, with velocity ``v`` (zeros at first, same shape as ``p``)::

        v ← μ·v + g
        p ← p − lr·v                      (nesterov=True: p ← p − lr·(g + μ·v))

    No dampening and no weight decay. Full batch unless ``batch_size`` is given (then shuffled
    chunks, as ``MiniBatchGD``).
    """

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float = 0.01,
        momentum: float = 0.9,
        nesterov: bool = False,
        batch_size: int | None = None,
        seed: int | None = 0,
        shuffle: bool = True,
    ) -> None:
        super().__init__(params, lr, batch_size=batch_size, shuffle=shuffle, seed=seed)
        self.momentum = _fraction("Momentum", "momentum", momentum)
        if nesterov and self.momentum == 0:
            raise ValueError("Momentum: nesterov=True needs momentum > 0")
        self.nesterov = bool(nesterov)
        self.velocity: list[Array] = [np.zeros_like(p.data) for p in self.params]

    def step(self) -> None:
        lr, mu = self.lr, self.momentum
        for p, v in zip(self.params, self.velocity, strict=True):
            g = p.grad
            if g is None:
                continue
            v *= mu
            v += g
            p.data -= lr * (g + mu * v) if self.nesterov else lr * v


class Adam(Optimizer):
    """Adam, step for step as ``torch.optim.Adam`` (defaults as Keras: lr 1e-3, eps 1e-7).

    Per parameter, with moments ``m``, ``v`` (zeros at first) and its own step count t::

        m ← β₁·m + (1 − β₁)·g              v ← β₂·v + (1 − β₂)·g²
        m̂ = m / (1 − β₁ᵗ)                  v̂ = v / (1 − β₂ᵗ)
        p ← p − lr·m̂ / (√v̂ + eps)

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

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-7,
        batch_size: int | None = None,
        seed: int | None = 0,
        shuffle: bool = True,
    ) -> None:
        super().__init__(params, lr, batch_size=batch_size, shuffle=shuffle, seed=seed)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"Adam: betas must be a pair (β₁, β₂), got {betas!r}")
        self.betas = (
            _fraction("Adam", "betas[0]", betas[0]),
            _fraction("Adam", "betas[1]", betas[1]),
        )
        self.eps = _positive_number("Adam", "eps", eps, allow_zero=True)
        self.m: list[Array] = [np.zeros_like(p.data) for p in self.params]
        self.v: list[Array] = [np.zeros_like(p.data) for p in self.params]
        self.steps: list[int] = [0] * len(self.params)

    def step(self) -> None:
        lr, eps = self.lr, self.eps
        b1, b2 = self.betas
        for i, p in enumerate(self.params):
            g = p.grad
            if g is None:
                continue
            self.steps[i] = t = self.steps[i] + 1
            m, v = self.m[i], self.v[i]
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * (g * g)
            denom = np.sqrt(v)
            denom /= math.sqrt(1 - b2**t)
            denom += eps
            p.data -= (lr / (1 - b1**t)) * (m / denom)
