"""What a generated program calls when it runs.

``own`` hands a parameter's gradient to ``.grad`` as the engine does: the array itself when
nothing else holds it (no copy), else a copy; ``give`` adds one into a tensor outside the
optimizer; ``TypedNumber`` makes the update's learning rate the array NumPy would make of it, once.
"""

from __future__ import annotations

from sys import getrefcount
from typing import Any

import numpy as np

from ..autograd import Array, accumulate
from ..tensor import Tensor

__all__ = ["TypedNumber", "give", "own"]


def _held(t: Any, g: Array) -> int:
    return getrefcount(g)


def _sole() -> int:
    """What ``_held`` reports for an array held by one local variable of the caller."""
    g = np.empty(0)
    return _held(None, g)


_SOLE = _sole()


def give(t: Tensor, g: Array) -> None:
    """Accumulate ``g`` into ``t.grad``, keeping the array itself when only the caller holds it."""
    accumulate(t, g, getrefcount(g) <= _SOLE)


def own(g: Array, dtype: Any) -> Array:
    """``g`` itself as a new ``.grad`` when only the caller holds it (as ``accumulate`` decides),
    else a copy: the gradient of a parameter whose ``.grad`` ``zero_grad`` just emptied."""
    if getrefcount(g) <= _SOLE and g.base is None and g.dtype is dtype and g.flags.writeable:
        return g  # (``is``: a dtype equal but not identical only costs the copy)
    return np.array(g, dtype=dtype)


class TypedNumber:
    """``lr_as_float64(lr)``: a Python int or float as the read-only 0-d array NumPy would make of
    it when it meets a float64 array (``lr * g``), made once per number rather than at every
    product; anything else (a NumPy scalar, whose own dtype counts) is returned as it is."""

    __slots__ = ("array", "dtype", "number")

    def __init__(self, dtype: np.dtype[Any]) -> None:
        self.dtype, self.number, self.array = dtype, None, None

    def __call__(self, number: Any) -> Any:
        if number is not self.number:
            typed = number
            if type(number) in (int, float):
                typed = np.asarray(number, dtype=self.dtype)
                typed.flags.writeable = False
            self.number, self.array = number, typed
        return self.array
