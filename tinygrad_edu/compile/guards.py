"""Guards: the cheap checks that a traced program still means what the eager step would do.

A program is replayed only while everything it froze at trace time still holds:

* the inputs: how many, and each one's shape and dtype (the cache key, ``signature``);
* the parameters: the optimizer's list holds the same tensors, and every tensor the program
  reads has the shape and dtype it had, requires grad as it did (a parameter frozen since is
  left alone) and has no hooks (they would run in eager mode) (``Guard.failure``);
* the boolean masks ``fn`` captured and indexes with: each picks as many elements as it did
  (changed in place to pick more, it changes every shape after it);
* the modes of the modules whose ``training`` flag the step read (``Dropout``, ``BatchNorm1d``):
  a switch between ``train()`` and ``eval()`` changes what they do;
* the modes: grad mode on (a training step inside ``no_grad`` is an error), and no anomaly mode
  or forward-mode tangents, which change what an op does (``mode_failure``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import is_
from typing import Any

import numpy as np

from .._config import fast, modes
from ..autograd import Array
from ..optim.base import Optimizer
from ..tensor import Tensor

__all__ = ["Guard", "mode_failure", "picked_by", "signature"]

Signature = tuple[tuple[tuple[int, ...], Any], ...]


def signature(arrays: Sequence[Array]) -> Signature:
    """The inputs' shapes and dtypes: what a program was traced for."""
    return tuple([(a.shape, a.dtype) for a in arrays])


def mode_failure() -> str | None:
    """Why the current modes forbid a replay (None: they do not). Raises inside ``no_grad``."""
    if not fast.special:  # no thread has any mode switched: the common case, one check
        return None
    if not modes.grad_enabled:
        raise RuntimeError(
            "compile_step: the step was called inside no_grad(), but a training step needs the "
            "gradients; call it outside no_grad (or inside enable_grad())"
        )
    if modes.anomaly:
        return "anomaly mode is on (it checks every op): the step runs eagerly"
    if modes.tangents is not None:
        return "forward-mode tangents are being pushed: the step runs eagerly"
    return None


class Guard:
    """What a program assumes of the optimizer and of the tensors it reads."""

    def __init__(
        self,
        optimizer: Optimizer,
        tensors: Sequence[Tensor],
        holds: Callable[..., bool] | None = None,
        modes: Sequence[tuple[Any, bool]] = (),
        masks: Sequence[tuple[Any, int]] = (),
    ) -> None:
        self.optimizer, self.holds, self.modes = optimizer, holds, list(modes)
        self.masks = list(masks)
        self.params = list(optimizer.params)
        self.read = list(tensors)
        self.facts = [_facts(t) for t in tensors]

    def failure(self, arrays: Sequence[Array] = ()) -> str | None:
        """Why the program no longer applies to these input arrays (None: it does)."""
        params = self.optimizer.params
        if self.holds is not None and self.holds(params, *arrays):  # the generated check, fast
            return None
        if len(params) != len(self.params) or not all(map(is_, params, self.params)):
            return "the optimizer's parameters are not the tensors the step was traced with"
        for module, training in self.modes:
            if bool(module.training) != training:
                now = "training" if module.training else "evaluation"
                return f"a {type(module).__name__} the step uses was switched to {now} mode"
        for mask, picked in self.masks:
            if (count := picked_by(mask)) != picked:
                return (
                    f"a boolean mask the step indexes with was changed in place: it picks "
                    f"{count} elements, not {picked}"
                )
        if [_facts(t) for t in self.read] == self.facts:
            return None
        for t, (shape, dtype, requires_grad, _) in zip(self.read, self.facts, strict=True):
            data = t.data
            if data.shape != shape or data.dtype != dtype:
                return (
                    f"a tensor the step reads changed from {shape} {dtype} to "
                    f"{data.shape} {data.dtype}"
                )
            if bool(t.requires_grad) != requires_grad:
                now = "requires grad now" if t.requires_grad else "no longer requires grad"
                return f"a tensor the step reads ({_label(t)}) {now}"
        return "a tensor the step reads has hooks now (register_hook, retain_grad)"


def picked_by(mask: Array | Tensor) -> int:
    """How many elements a boolean mask (an array, or a tensor's) picks."""
    return int(np.count_nonzero(mask.data if isinstance(mask, Tensor) else mask))


def _facts(t: Tensor) -> tuple[tuple[int, ...], Any, bool, bool]:
    """What a program assumes of a tensor it reads: shape, dtype, requires grad, no hooks."""
    return t.data.shape, t.data.dtype, bool(t.requires_grad), t._hooks is None


def _label(t: Tensor) -> str:
    return f"{t.name!r}, shape {t.data.shape}" if t.name else f"shape {t.data.shape}"
