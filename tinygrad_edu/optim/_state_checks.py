"""Checks of a state dict being loaded into an optimizer: keys, hyperparameters, state arrays."""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np

from .._checks import positive_number


def same_keys(owner: str, what: str, found: object, expected: set[str] | list[Any]) -> None:
    """A ``ValueError`` naming the missing and unexpected keys unless ``found`` has exactly them."""
    if not isinstance(found, Mapping):
        raise TypeError(f"{owner}: {what} must be a dict, got {type(found).__name__}")
    missing = sorted(str(k) for k in expected if k not in found)
    unexpected = sorted(str(k) for k in found if k not in expected)
    if missing or unexpected:
        raise ValueError(
            f"{owner}: {what} does not fit: missing {missing}, unexpected {unexpected}"
        )


def hyperparameter(owner: str, name: str, current: object, saved: object) -> None:
    """Check a loaded hyperparameter against the optimizer's current one.

    Switches (bools such as ``amsgrad``) change which state is kept, so they must be equal;
    numbers must be finite and ≥ 0 (a schedule may have brought ``lr`` to 0); pairs (``betas``)
    must be pairs of such numbers.
    """
    if isinstance(current, bool):
        if saved is not current:
            raise ValueError(
                f"{owner}: the state dict has {name}={saved!r}, this optimizer {name}={current!r}; "
                "create the optimizer with the same setting"
            )
        return
    if isinstance(current, tuple):
        if not isinstance(saved, (tuple, list)) or len(saved) != len(current):
            raise ValueError(f"{owner}: {name} must be a {len(current)}-tuple, got {saved!r}")
        for k, value in enumerate(saved):
            positive_number(owner, f"{name}[{k}]", value, allow_zero=True)
        return
    positive_number(owner, name, saved, allow_zero=True)


def state_value(owner: str, what: str, current: object, saved: object) -> None:
    """A loaded per-parameter state entry must be like the current one: an array of the same
    shape and dtype, or a step count (an int ≥ 0)."""
    if isinstance(current, np.ndarray):
        if (
            not isinstance(saved, np.ndarray)
            or saved.shape != current.shape
            or saved.dtype != current.dtype
        ):
            got = (
                f"shape {saved.shape}, dtype {saved.dtype}"
                if isinstance(saved, np.ndarray)
                else type(saved).__name__
            )
            raise ValueError(
                f"{owner}: {what} has {got}, but this optimizer's has shape {current.shape}, "
                f"dtype {current.dtype}"
            )
    elif isinstance(saved, bool) or not isinstance(saved, numbers.Integral) or saved < 0:
        raise ValueError(f"{owner}: {what} must be a step count (an int ≥ 0), got {saved!r}")
