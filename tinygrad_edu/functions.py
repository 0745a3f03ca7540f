"""Functions of several tensors: ``where``, ``maximum``, ``minimum``, ``cat``, ``stack``.

Each takes Tensors or array-likes (numbers included) and records one primitive op. Python numbers
take the dtype of the Tensor beside them, so float32 stays float32.

>>> from tinygrad_edu import Tensor
>>> a, b = Tensor([1.0, 5.0]), Tensor([3.0, 2.0])
>>> maximum(a, b), where(a > b, a, 0.0)
(Tensor([3., 5.]), Tensor([0., 5.]))
>>> cat([a, b]).shape, stack([a, b], axis=1).shape
((4,), (2, 2))
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import ops
from .tensor import Tensor, as_array

__all__ = ["cat", "maximum", "minimum", "stack", "where"]


def _pair(a: Any, b: Any) -> tuple[Tensor, Tensor]:
    """``a`` and ``b`` as Tensors; a number takes the other one's dtype."""
    if isinstance(a, Tensor):
        return a, a._lift(b)
    if isinstance(b, Tensor):
        return b._lift(a), b
    return Tensor(a), Tensor(b)


def where(condition: Any, a: Any, b: Any) -> Tensor:
    """``a`` where ``condition`` is true, else ``b`` (elementwise, all three broadcast together).

    ``condition`` is a boolean Tensor or array (a comparison: no gradient flows into it); the
    gradient goes to ``a`` where it holds and to ``b`` elsewhere.
    """
    cond = condition.data if isinstance(condition, Tensor) else as_array(condition)
    if cond.dtype != np.bool_:
        raise TypeError(f"where: condition must be boolean, got dtype {cond.dtype}")
    x, y = _pair(a, b)
    if isinstance(condition, Tensor):  # an input of the op (with no gradient): ``ops.WhereBy``
        return Tensor._from_op(ops.WhereBy(), x, y, condition)
    return Tensor._binary(ops.Where(cond), x, y)


def maximum(a: Any, b: Any) -> Tensor:
    """The larger of ``a`` and ``b`` elementwise (broadcasting); a tie splits the gradient."""
    return Tensor._binary(ops.Maximum(), *_pair(a, b))


def minimum(a: Any, b: Any) -> Tensor:
    """The smaller of ``a`` and ``b`` elementwise (broadcasting); a tie splits the gradient."""
    return Tensor._binary(ops.Minimum(), *_pair(a, b))


def _many(tensors: Sequence[Any], where: str) -> list[Tensor]:
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(
            f"{where}: expected a list or tuple of tensors, got {type(tensors).__name__}"
        )
    if not tensors:
        raise ValueError(f"{where}: needs at least one tensor")
    return [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]


def cat(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """The tensors joined end to end along an existing ``axis`` (other axes must match).

    (2, 3) and (4, 3) along axis 0 give (6, 3); each input's gradient is its slice of the output's.
    """
    ts = _many(tensors, "cat")
    ndim = ts[0].ndim
    if ndim == 0 or not -ndim <= axis < ndim:
        raise ValueError(f"cat: axis {axis} is out of range for tensors of shape {ts[0].shape}")
    rest = {t.shape[: axis % ndim] + t.shape[axis % ndim + 1 :] for t in ts}
    if len(rest) > 1 or any(t.ndim != ndim for t in ts):
        shapes = ", ".join(str(t.shape) for t in ts)
        raise ValueError(f"cat: shapes {shapes} differ outside axis {axis}")
    return Tensor._from_op(ops.Cat(axis % ndim), *ts)


def stack(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """The tensors (all of one shape) stacked along a new ``axis``: k × (2, 3) → (k, 2, 3) for 0."""
    ts = _many(tensors, "stack")
    if len({t.shape for t in ts}) > 1:
        raise ValueError(
            "stack: tensors must have one shape, got " + ", ".join(str(t.shape) for t in ts)
        )
    if not -(ts[0].ndim + 1) <= axis <= ts[0].ndim:
        raise ValueError(f"stack: axis {axis} is out of range for tensors of shape {ts[0].shape}")
    return Tensor._from_op(ops.Stack(axis), *ts)
