"""Argument checks shared by layers and optimizers, whose messages name the argument (NumPy's
own say only "expected non-negative integer"). Stdlib and NumPy only: any module may use them.

>>> check_seed("MiniBatchGD", 7)
7
>>> check_seed("MiniBatchGD", -1)
Traceback (most recent call last):
ValueError: MiniBatchGD: seed must be an int ≥ 0, a numpy.random.Generator or None; got -1
"""

from __future__ import annotations

import numbers
from typing import Any, TypeVar

import numpy as np

__all__ = ["check_seed"]

S = TypeVar("S")
_RANDOM_STATES = (np.random.Generator, np.random.BitGenerator, np.random.SeedSequence)


def check_seed(owner: str, seed: S) -> S:
    """``seed`` itself when ``np.random.default_rng`` takes it as a seed: None, an int ≥ 0 (a
    NumPy integer too), or a ``Generator``, ``BitGenerator`` or ``SeedSequence``.

    Otherwise a ``ValueError`` (a negative int) or ``TypeError`` (anything else, bools
    included) that starts with ``owner`` and names ``seed``.
    """
    if seed is None or isinstance(seed, _RANDOM_STATES):
        return seed
    problem: type[Exception] = TypeError
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool | np.bool_):
        if int(seed) >= 0:
            return seed
        problem = ValueError
    raise problem(
        f"{owner}: seed must be an int ≥ 0, a numpy.random.Generator or None; got {_shown(seed)}"
    )


def _shown(value: Any) -> str:
    return repr(value) if isinstance(value, numbers.Number | str) else type(value).__name__
