"""Argument checks shared by the layers and the optimizers, so errors read the same everywhere.

Each returns the value in its plain form (an ``int``, a ``float``, a NumPy dtype) or raises an
error that names the owner, the argument and the value it got (NumPy's own messages say only
"expected non-negative integer").

>>> check_seed("MiniBatchGD", 7)
7
>>> check_seed("MiniBatchGD", -1)
Traceback (most recent call last):
ValueError: MiniBatchGD: seed must be an int ≥ 0, a numpy.random.Generator or None; got -1
"""

from __future__ import annotations

import math
import numbers
from typing import Any, TypeVar

import numpy as np

from ._config import DEFAULT_DTYPE


def count(owner: str, what: str, n: object) -> int:
    """``n`` as an int if it is an integer ≥ 1 (not a bool), else a ``ValueError`` naming it."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
        raise ValueError(f"{owner}: {what} must be an int ≥ 1, got {n!r}")
    return int(n)


def float_dtype(owner: str, dtype: Any) -> np.dtype[Any]:
    """``dtype`` (float64 when None) as a NumPy float dtype, else a ``ValueError`` naming it."""
    found = np.dtype(DEFAULT_DTYPE if dtype is None else dtype)
    if found.kind != "f":
        raise ValueError(f"{owner}: dtype must be a float type, got {found}")
    return found


def positive_number(owner: str, name: str, value: object, *, allow_zero: bool = False) -> float:
    """``value`` as a float if it is a finite number > 0 (or ≥ 0), else an error naming it."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: {name} must be a number, got {value!r}")
    x = float(value)
    if not (math.isfinite(x) and (x >= 0 if allow_zero else x > 0)):
        bound = "≥ 0" if allow_zero else "> 0"
        raise ValueError(f"{owner}: {name} must be finite and {bound}, got {value!r}")
    return x


def fraction(owner: str, name: str, value: object, *, closed: bool = False) -> float:
    """``value`` as a float in [0, 1) (or [0, 1] when ``closed``): a decay rate such as a momentum
    or an Adam beta."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    x = float(value) if ok else math.nan  # type: ignore[arg-type]
    if not (0 <= x <= 1 if closed else 0 <= x < 1):
        bounds = "[0, 1]" if closed else "[0, 1)"
        raise ValueError(f"{owner}: {name} must be a number in {bounds}, got {value!r}")
    return x


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
