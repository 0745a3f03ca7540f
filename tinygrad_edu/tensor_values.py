"""A tensor's values: making arrays from what users pass, constants, seeds, and array-like facts.

``ArrayFacts`` gives ``Tensor`` what makes it behave like the array it wraps — ``shape``,
``dtype``, ``len``, ``repr``, ``item()``, comparisons (plain booleans, no graph) — without
recording anything.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeVar

import numpy as np

from .autograd import Array

Self_ = TypeVar("Self_", bound="ArrayFacts")
_INT64 = np.iinfo(np.int64)


def as_array(x: object, dtype: Any = None) -> Array:
    """``np.array`` (a copy) that refuses what a tensor cannot hold, saying what it got."""
    try:
        arr = np.array(x, dtype=dtype)
    except OverflowError:
        raise OverflowError(f"Tensor: {_show(x)} does not fit in dtype {np.dtype(dtype)}") from None
    except (ValueError, TypeError) as err:
        raise ValueError(f"Tensor: cannot make an array from {_show(x)}: {err}") from None
    if arr.dtype.kind == "O":
        _refuse_big_ints(arr.reshape(-1).tolist())
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"Tensor: data must be numbers (bool, int or float); got {_show(x)}")
    return arr


def _refuse_big_ints(values: list[Any]) -> None:
    """A Python int beyond int64 makes NumPy fall back to an object array: say which one."""
    for v in values:
        if isinstance(v, int) and not _INT64.min <= v <= _INT64.max:
            raise OverflowError(
                f"Tensor: the integer {v} does not fit in int64 (|x| < 2**63); "
                "write it as a float (e.g. 2.0**70) to get a float tensor"
            )


def _show(x: object) -> str:
    text = repr(x)
    return f"{type(x).__name__} {text if len(text) <= 60 else text[:57] + '...'}"


_CONSTANTS: dict[tuple[type, float, np.dtype[Any] | None], Any] = {}
#: NumPy's float64 dtype (one object: ``x.dtype is FLOAT64`` for every native float64 array).
FLOAT64 = np.dtype(np.float64)
#: The float64 entries of ``_CONSTANTS`` again, keyed by the number alone (ints and floats that
#: are equal give the same float64 value): the lookup ``2.0 * x`` makes on every call.
FLOAT64_CONSTANTS: dict[float, Any] = {}


def constant(cls: type[Any], value: float, dtype: np.dtype[Any] | None) -> Any:
    """The shared read-only ``cls`` (``Constant``) for ``value`` in ``dtype`` (None: NumPy picks).

    A 0-d array rather than a Python float, because NumPy multiplies by it faster. Zero is never
    shared: ``0.0`` and ``-0.0`` are equal as keys but are different numbers.
    """
    key = (type(value), value, dtype)
    t = _CONSTANTS.get(key)
    if t is None:
        if dtype is None and type(value) is int and not _INT64.min <= value <= _INT64.max:
            _refuse_big_ints([value])
        t = object.__new__(cls)
        t.data = np.array(value, dtype=dtype)
        t.grad = t.grad_fn = t.name = t._hooks = t._grad_tensor = None
        t.requires_grad = False
        t.data.flags.writeable = False
        if value:
            if len(_CONSTANTS) >= 1024:  # a loop over many different numbers: start afresh
                _CONSTANTS.clear()
                FLOAT64_CONSTANTS.clear()
            _CONSTANTS[key] = t
            if dtype is FLOAT64:
                FLOAT64_CONSTANTS[value] = t
    return t


class NoGradError(RuntimeError, ValueError):
    """A backward pass was asked of a tensor that does not require grad: there is no graph."""


def backward_seed(t: Any, grad: Any, caller: str = "backward") -> Array:
    """∂t/∂t, the array a backward pass over ``t`` starts from, checked.

    A one-element ``t`` (a loss) starts from 1; any other needs ``grad`` of ``t``'s shape.
    ``caller`` names the function in the error messages.
    """
    if not t.requires_grad:
        raise NoGradError(
            f"{caller}: this tensor does not require grad and has no grad_fn; "
            "create the inputs you differentiate with requires_grad=True"
        )
    if grad is None:
        if t.data.size != 1:
            raise ValueError(
                f"{caller}: grad can be implied only for a one-element output, but shape "
                f"is {t.shape}; pass grad= an array of shape {t.shape}"
            )
        return _seed(t.data)
    seed = as_array(getattr(grad, "data", grad), t.dtype)
    if seed.shape != t.shape:
        raise ValueError(
            f"{caller}: grad has shape {seed.shape} but the tensor has shape {t.shape}"
        )
    return seed


_SEEDS: dict[tuple[tuple[int, ...], np.dtype[Any]], Array] = {}


def _seed(data: Array) -> Array:
    """∂L/∂L = 1 shaped like a one-element ``data``: cached and read-only, since ops never write
    to their upstream gradient and leaves copy what they keep."""
    key = (data.shape, data.dtype)
    seed = _SEEDS.get(key)
    if seed is None:
        seed = _SEEDS[key] = np.ones(data.shape, data.dtype)
        seed.flags.writeable = False
    return seed


class ArrayFacts:
    """Shape, dtype, length, printing and comparisons of a tensor (nothing here is recorded)."""

    __slots__ = ()
    data: Array
    grad_fn: Any
    requires_grad: bool

    @property
    def shape(self) -> tuple[int, ...]:
        """The size of each axis, as NumPy's ``shape``: ``Tensor([[1, 2, 3]]).shape == (1, 3)``."""
        return self.data.shape

    @property
    def dtype(self) -> np.dtype[Any]:
        """The NumPy dtype of the values (float64 unless told, float32 kept)."""
        return self.data.dtype

    @property
    def ndim(self) -> int:
        """The number of axes: 0 for a scalar, 1 for a vector, 2 for a matrix."""
        return self.data.ndim

    @property
    def size(self) -> int:
        """The number of elements (the product of ``shape``)."""
        return self.data.size

    def __len__(self) -> int:
        return len(self.data)

    def __iter__(self: Self_) -> Iterator[Self_]:
        return (self[i] for i in range(len(self)))  # type: ignore[index]

    def __repr__(self) -> str:
        body = np.array2string(
            self.data, separator=", ", precision=4, threshold=20, prefix="Tensor("
        )
        extra = f", grad_fn={self.grad_fn.name}" if self.grad_fn is not None else ""
        if self.grad_fn is None and self.requires_grad:
            extra = ", requires_grad=True"
        if self.data.dtype != np.float64:
            extra += f", dtype={self.data.dtype}"
        return f"Tensor({body}{extra})"

    def item(self) -> float:
        """The value of a one-element tensor as a Python number (``Tensor([[2.5]])`` → 2.5)."""
        if self.data.size != 1:
            raise ValueError(
                f"item: only a one-element tensor has one value; shape is {self.shape}"
            )
        return self.data.item()  # type: ignore[no-any-return]

    def __float__(self) -> float:
        return float(self.item())

    def __bool__(self) -> bool:
        return bool(self.data)

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> Array:
        return self.data if dtype is None else self.data.astype(dtype)

    def numpy(self) -> Array:
        """The data array (shared, not copied; no gradient information)."""
        return self.data

    # ------------------------------------------------------- comparisons: plain booleans, no graph
    def _compare(self, other: Any, op: Any) -> Any:
        other_data = other.data if isinstance(other, ArrayFacts) else other
        return type(self)._from_array(np.asarray(op(self.data, other_data)))  # type: ignore[attr-defined]

    def __eq__(self, other: object) -> Any:
        return self._compare(other, np.equal)

    def __ne__(self, other: object) -> Any:
        return self._compare(other, np.not_equal)

    def __lt__(self, other: Any) -> Any:
        return self._compare(other, np.less)

    def __le__(self, other: Any) -> Any:
        return self._compare(other, np.less_equal)

    def __gt__(self, other: Any) -> Any:
        return self._compare(other, np.greater)

    def __ge__(self, other: Any) -> Any:
        return self._compare(other, np.greater_equal)

    __hash__ = object.__hash__  # tensors are hashed by identity, like PyTorch's
