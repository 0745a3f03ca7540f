"""How numbers, arrays and shapes read in pictures and tables (shared by every viz module).

Numbers have four significant digits (``0.7311``, ``-0.1869``, ``1e-05``) and are plain ASCII, so
a monospace picture can pad them to equal widths. An array shows all its values when it has at
most ``max_values`` of them, otherwise ``min … mean … max`` (or ``all 1`` when every value is the
same):

>>> import numpy as np
>>> summarize(np.array(0.731058)), summarize(np.array([1.0, -2.5]))
('0.7311', '[1, -2.5]')
>>> summarize(np.arange(12.0).reshape(3, 4))
'min 0, mean 5.5, max 11'
>>> summarize(np.ones((2, 3))), shape_text(()), shape_text((2, 3))
('all 1', 'scalar', '(2, 3)')
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..autograd import Array

#: Arrays with at most this many elements are shown in full.
MAX_VALUES = 4


def number(x: Any) -> str:
    """One number with 4 significant digits, ``-0`` shown as ``0``."""
    value = float(x)
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    text = f"{value:.4g}"
    return "0" if text == "-0" else text


def _nested(arr: Array) -> str:
    if arr.ndim == 0:
        return number(arr)
    return "[" + ", ".join(_nested(row) for row in arr) + "]"


def summarize(arr: Any, max_values: int = MAX_VALUES) -> str:
    """The values of a small array, or a min/mean/max summary of a large one (see module doc)."""
    a = np.asarray(arr)
    if a.size == 0:
        return f"empty {shape_text(a.shape)}"
    if a.dtype.kind == "b":
        a = a.astype(np.int64)
    if a.size <= max_values:
        return _nested(a)
    flat = a.astype(np.float64).ravel()
    if np.all(flat == flat[0]):
        return f"all {number(flat[0])}"
    with np.errstate(invalid="ignore", over="ignore"):
        lo, mean, hi = flat.min(), flat.mean(), flat.max()
    return f"min {number(lo)}, mean {number(mean)}, max {number(hi)}"


def shape_text(shape: tuple[int, ...]) -> str:
    """``scalar`` for ``()``, else the NumPy shape: ``(3,)``, ``(2, 3)``."""
    return "scalar" if shape == () else str(tuple(shape))


def magnitude(arr: Any) -> float:
    """The size of a gradient as one number: the root mean square of its elements."""
    a = np.asarray(arr, dtype=np.float64)
    if a.size == 0:
        return 0.0
    with np.errstate(over="ignore", invalid="ignore"):
        return float(np.sqrt(np.mean(a * a)))
