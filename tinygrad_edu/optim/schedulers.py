"""Learning-rate schedules: change ``optimizer.lr`` once per epoch, as ``torch.optim.lr_scheduler``.

A scheduler is made after its optimizer and remembers the optimizer's ``lr`` as its base. Each
``step()`` (once per epoch, after the epoch's updates — ``fit(..., scheduler=...)`` does this)
counts one more epoch in ``last_epoch`` and sets the learning rate for the next one. Like
PyTorch's, each rule is written as a change of the *current* rate, so two schedulers on one
optimizer compose; on their own they follow the closed forms given below (to rounding).

>>> from tinygrad_edu import Tensor
>>> from tinygrad_edu.optim import BatchGD
>>> opt = BatchGD([Tensor([0.0], requires_grad=True)], lr=1.0)
>>> schedule = StepLR(opt, step_size=2, gamma=0.5)
>>> rates = []
>>> for epoch in range(6):
...     rates.append(opt.lr)              # ... the epoch's updates use opt.lr ...
...     schedule.step()
>>> rates
[1.0, 1.0, 0.5, 0.5, 0.25, 0.25]
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any

from .._checks import count, positive_number
from .base import Optimizer

__all__ = ["CosineAnnealingLR", "ExponentialLR", "LRScheduler", "StepLR"]


class LRScheduler:
    """Base of the schedules: ``step()`` sets ``optimizer.lr = get_lr()`` for the next epoch.

    ``base_lrs`` is ``[the optimizer's lr when the scheduler was made]`` and ``last_epoch``
    counts the ``step()`` calls (0 at first); both are lists and names as in PyTorch, which
    keeps one entry per parameter group (here there is one group). ``state_dict()`` /
    ``load_state_dict()`` save and restore the position in the schedule.
    """

    def __init__(self, optimizer: Optimizer) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"{type(self).__name__}: optimizer must be a tinygrad_edu.optim optimizer "
                f"(BatchGD, Adam, ...), got {type(optimizer).__module__}.{type(optimizer).__name__}"
            )
        self.optimizer = optimizer
        self.base_lrs = [optimizer.lr]
        self.last_epoch = 0
        self._last_lr = [optimizer.lr]

    def get_lr(self) -> float:
        """The learning rate for epoch ``last_epoch`` (just incremented by ``step``)."""
        raise TypeError(f"{type(self).__name__} is an LRScheduler without a get_lr() method")

    def step(self) -> None:
        """One epoch done: ``last_epoch += 1`` and the optimizer's ``lr`` for the next epoch."""
        self.last_epoch += 1
        lr = self.get_lr()
        self.optimizer.lr = lr
        self._last_lr = [lr]

    def get_last_lr(self) -> list[float]:
        """``[the learning rate the last step() set]`` (a list of one, as in PyTorch)."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """Every setting and the position in the schedule: all attributes but the optimizer."""
        return {
            key: list(value) if isinstance(value, list) else value
            for key, value in vars(self).items()
            if key != "optimizer"
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Continue the schedule from ``state`` (from ``state_dict``); the keys must match and
        every value must be of the kind it replaces (an int, a number, a list of one number)."""
        owner = f"{type(self).__name__}.load_state_dict"
        current = self.state_dict()
        if not isinstance(state, Mapping):
            raise TypeError(f"{owner}: expected a dict, got {type(state).__name__}")
        missing = sorted(k for k in current if k not in state)
        unexpected = sorted(str(k) for k in state if k not in current)
        if missing or unexpected:
            raise ValueError(f"{owner}: missing {missing}, unexpected {unexpected}")
        for key, value in current.items():
            new = state[key]
            if isinstance(value, list):
                ok = isinstance(new, list) and len(new) == len(value)
                ok = ok and all(_is_number(v) for v in new)
            elif isinstance(value, int):
                ok = isinstance(new, int) and not isinstance(new, bool)
            else:
                ok = _is_number(new)
            if not ok:
                raise ValueError(f"{owner}: {key} should be like {value!r}, got {new!r}")
        for key in current:
            value = state[key]
            setattr(self, key, list(value) if isinstance(value, list) else value)

    def __repr__(self) -> str:
        settings = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if k not in _BOOKKEEPING)
        return f"{type(self).__name__}({settings}, last_epoch={self.last_epoch})"


_BOOKKEEPING = ("optimizer", "base_lrs", "last_epoch", "_last_lr")


def _is_number(x: object) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool) and math.isfinite(x)


class StepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every ``step_size`` epochs.

    lr at epoch t (counted from 0) = base_lr · gamma^⌊t / step_size⌋.
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        self.step_size = count("StepLR", "step_size", step_size)
        self.gamma = positive_number("StepLR", "gamma", gamma)
        super().__init__(optimizer)

    def get_lr(self) -> float:
        lr = self.optimizer.lr
        return lr * self.gamma if self.last_epoch % self.step_size == 0 else lr


class ExponentialLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every epoch: lr at epoch t = base_lr · gammaᵗ."""

    def __init__(self, optimizer: Optimizer, gamma: float) -> None:
        self.gamma = positive_number("ExponentialLR", "gamma", gamma)
        super().__init__(optimizer)

    def get_lr(self) -> float:
        return self.optimizer.lr * self.gamma


class CosineAnnealingLR(LRScheduler):
    """Lower the learning rate from its base to ``eta_min`` along half a cosine over ``T_max``
    epochs::

        lr at epoch t = eta_min + (base_lr − eta_min) · (1 + cos(π·t / T_max)) / 2

    so it starts flat, falls fastest halfway and arrives at ``eta_min`` at t = T_max. Stepped
    past T_max it rises again along the same cosine (period 2·T_max), as PyTorch's does.
    Written as the ratio of successive values, which is how PyTorch computes it::

        lrₜ = eta_min + (lrₜ₋₁ − eta_min) · (1 + cos(π·t/T)) / (1 + cos(π·(t − 1)/T))

    except just after a minimum, where that ratio is 0/0 and the closed form's first step up
    is taken instead.
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0) -> None:
        self.T_max = count("CosineAnnealingLR", "T_max", T_max)
        self.eta_min = positive_number("CosineAnnealingLR", "eta_min", eta_min, allow_zero=True)
        super().__init__(optimizer)

    def get_lr(self) -> float:
        t, period, low = self.last_epoch, self.T_max, self.eta_min
        lr = self.optimizer.lr
        if (t - 1 - period) % (2 * period) == 0:  # leaving a minimum: 1 + cos(π) = 0 below
            return lr + (self.base_lrs[0] - low) * (1 - math.cos(math.pi / period)) / 2
        ratio = (1 + math.cos(math.pi * t / period)) / (1 + math.cos(math.pi * (t - 1) / period))
        return ratio * (lr - low) + low
