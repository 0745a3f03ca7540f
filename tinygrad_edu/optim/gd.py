"""Gradient descent in its three modes (batch, stochastic, mini-batch), and with momentum.

The three modes share ``Optimizer.step``'s rule ``p ← p − lr·∂L/∂p`` and differ only in their
batch policy; ``Momentum`` changes the rule to follow a running sum of the gradients.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .._checks import fraction
from ..autograd import Array
from ..tensor import Tensor
from .base import Optimizer


class BatchGD(Optimizer):
    """Batch gradient descent: one update per epoch on all n samples, in order.

    ``p ← p − lr·(∂L/∂p + weight_decay·p)``, as ``torch.optim.SGD(lr, weight_decay=...)`` on
    the whole training set.
    """

    def __init__(self, params: Iterable[Tensor], lr: float = 0.01, *, weight_decay: float = 0.0):
        super().__init__(params, lr, weight_decay=weight_decay)


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
        *,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(
            params,
            lr,
            weight_decay=weight_decay,
            batch_size=1,
            shuffle=True,
            replace=replace,
            seed=seed,
        )


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
        *,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(
            params,
            lr,
            weight_decay=weight_decay,
            batch_size=batch_size,
            shuffle=shuffle,
            seed=seed,
        )


class Momentum(Optimizer):
    """Gradient descent with momentum, step for step as ``torch.optim.SGD(momentum=μ)``.

    Per parameter, with velocity ``v`` and gradient ``g`` (plus ``weight_decay·p``, L2)::

        v ← g                              at the parameter's first step
        v ← μ·v + (1 − dampening)·g        after that
        p ← p − lr·v                       (nesterov=True: p ← p − lr·(g + μ·v))

    The arguments are ``torch.optim.SGD``'s, in its order; the default μ is 0.9 (PyTorch's is
    0, which is plain ``BatchGD``). Nesterov momentum needs μ > 0 and no dampening. Full batch
    unless ``batch_size`` is given (then shuffled chunks, as ``MiniBatchGD``).
    """

    hyperparameters = ("lr", "momentum", "dampening", "weight_decay", "nesterov")

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float = 0.01,
        momentum: float = 0.9,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
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
        self.momentum = fraction("Momentum", "momentum", momentum)
        self.dampening = fraction("Momentum", "dampening", dampening, closed=True)
        if not isinstance(nesterov, bool):
            raise TypeError(f"Momentum: nesterov must be True or False, got {nesterov!r}")
        if nesterov and (self.momentum == 0 or self.dampening != 0):
            raise ValueError("Momentum: nesterov=True needs momentum > 0 and dampening = 0")
        self.nesterov = nesterov
        self.velocity: list[Array] = [np.zeros_like(p.data) for p in self.params]
        self.steps: list[int] = [0] * len(self.params)

    def per_parameter_state(self) -> dict[str, list[Any]]:
        return {"step": self.steps, "momentum_buffer": self.velocity}

    def step(self) -> None:
        lr, mu, dampening = self.lr, self.momentum, self.dampening
        for i, p in enumerate(self.params):
            g = p.grad
            if g is None:
                continue
            g = self._with_decay(p, g)
            v = self.velocity[i]
            v *= mu
            # The first step starts the velocity at g itself: PyTorch dampens only later ones.
            v += (1 - dampening) * g if dampening and self.steps[i] else g
            self.steps[i] += 1
            p.data -= lr * (g + mu * v) if self.nesterov else lr * v
