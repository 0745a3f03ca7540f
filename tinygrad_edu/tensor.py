"""``Tensor``: a NumPy array that remembers how it was made.

Each operation on tensors runs a ``Function`` from ``ops`` on the arrays and, when any input
requires a gradient (and ``no_grad`` is not active), links the result to that Function; the
Function links to its inputs. ``loss.backward()`` then hands the graph to the engine in
``autograd``, which applies the chain rule from ``loss`` back to every leaf.

>>> w = Tensor([2.0, -1.0], requires_grad=True)
>>> loss = (w * w).sum()
>>> loss.backward()
>>> w.grad
array([ 4., -2.])
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Union

import numpy as np

from . import autograd, ops
from ._config import DEFAULT_DTYPE, grad_mode
from .autograd import Array, Function, next_seq

Operand = Union["Tensor", float, int, Array]


def as_array(x: object, dtype: Any = None) -> Array:
    """``np.array`` (a copy) that refuses what a tensor cannot hold, saying what it got."""
    try:
        arr = np.array(x, dtype=dtype)
    except (ValueError, TypeError) as err:
        raise ValueError(f"Tensor: cannot make an array from {_show(x)}: {err}") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"Tensor: data must be numbers (bool, int or float); got {_show(x)}")
    return arr


def _show(x: object) -> str:
    text = repr(x)
    return f"{type(x).__name__} {text if len(text) <= 60 else text[:57] + '...'}"


class NoGradError(RuntimeError, ValueError):
    """A backward pass was asked of a tensor that does not require grad: there is no graph."""


class Tensor:
    """An n-dimensional array with an optional gradient and a link to the op that made it.

    ``Tensor(data, requires_grad=False, dtype=None)`` copies ``data``. Floats keep their dtype
    (float64 by default, float32 stays float32); ints and bools stay as they are unless the tensor
    requires a gradient, which only floats can have.
    """

    __slots__ = ("__weakref__", "data", "grad", "grad_fn", "name", "requires_grad", "retains_grad")
    __array_ufunc__ = None  # make ``ndarray + Tensor`` call Tensor.__radd__ instead of NumPy

    data: Array
    grad: Array | None
    grad_fn: Function | None

    def __init__(
        self,
        data: Any,
        requires_grad: bool = False,
        dtype: Any = None,
        name: str | None = None,
    ) -> None:
        if isinstance(data, Tensor):
            data = data.data
        arr = as_array(data, dtype)
        if requires_grad and arr.dtype.kind != "f":
            if dtype is not None:
                raise TypeError(f"Tensor: only float tensors can require grad, not dtype {dtype}")
            arr = arr.astype(DEFAULT_DTYPE)
        self.data = arr
        self.grad = None
        self.grad_fn = None
        self.requires_grad = bool(requires_grad)
        self.retains_grad = False
        self.name = name

    @staticmethod
    def _from_op(fn: Function, *inputs: Tensor) -> Tensor:
        """Run ``fn`` on the inputs' arrays; link the result into the graph if it needs a grad.

        ``_unary`` and ``_binary`` below do the same for one and two inputs with less overhead:
        building the graph is the per-op cost a small model pays over plain NumPy.
        """
        if grad_mode.enabled and any(t.requires_grad for t in inputs):
            fn.needs_grad = tuple(t.requires_grad for t in inputs)
            fn.inputs = inputs
            fn.seq = next_seq()
            out = _new(_array(fn.forward(*[t.data for t in inputs])))
            out.requires_grad = True
            out.grad_fn = fn
            return out
        return _new(_array(fn.forward(*[t.data for t in inputs])))

    @staticmethod
    def _unary(fn: Function, a: Tensor) -> Tensor:
        out = _alloc(Tensor)
        out.data = _array(fn.forward(a.data))
        out.grad = out.name = None
        out.retains_grad = False
        if a.requires_grad and grad_mode.enabled:
            fn.needs_grad = (True,)
            fn.inputs = (a,)
            fn.seq = next_seq()
            out.requires_grad = True
            out.grad_fn = fn
        else:
            out.requires_grad = False
            out.grad_fn = None
        return out

    @staticmethod
    def _binary(fn: Function, a: Tensor, b: Tensor) -> Tensor:
        out = _alloc(Tensor)
        out.grad = out.name = None
        out.retains_grad = False
        ra, rb = a.requires_grad, b.requires_grad
        if (ra or rb) and grad_mode.enabled:
            # Set before forward: an op may save less when an input needs no gradient.
            fn.needs_grad = _BOTH if ra and rb else _FIRST if ra else _SECOND
            fn.inputs = (a, b)
            fn.seq = next_seq()
            out.data = _array(fn.forward(a.data, b.data))
            out.requires_grad = True
            out.grad_fn = fn
        else:
            out.data = _array(fn.forward(a.data, b.data))
            out.requires_grad = False
            out.grad_fn = None
        return out

    def _lift(self, other: Operand) -> Tensor:
        """``other`` as a Tensor; Python numbers take this tensor's dtype (so float32 stays)."""
        if isinstance(other, Tensor):
            return other
        if type(other) is float or type(other) is int:
            dtype = self.data.dtype
            return _constant(other, dtype if dtype.kind == "f" else None)
        return _new(as_array(other))

    @staticmethod
    def from_numpy(array: Array, requires_grad: bool = False) -> Tensor:
        """A tensor that *shares* ``array``'s memory (no copy), like ``torch.from_numpy``.

        Writing to one changes the other. Use it for data you will not modify (inputs, batches);
        the constructor ``Tensor(...)`` copies and is the safe default.
        """
        if not isinstance(array, np.ndarray):
            raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(array).__name__}")
        if array.dtype.kind not in "biuf":
            raise TypeError(f"Tensor: data must be numbers (bool, int or float); got {array.dtype}")
        if requires_grad and array.dtype.kind != "f":
            raise TypeError(f"from_numpy: only float arrays can require grad, not {array.dtype}")
        t = _new(array)
        t.requires_grad = requires_grad
        return t

    # ------------------------------------------------------------------------ array-like facts
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def dtype(self) -> np.dtype[Any]:
        return self.data.dtype

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user rather than by an operation."""
        return self.grad_fn is None

    def __len__(self) -> int:
        return len(self.data)

    def __iter__(self) -> Iterator[Tensor]:
        return (self[i] for i in range(len(self)))

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", precision=4, threshold=20)
        extra = f", grad_fn={self.grad_fn.name}" if self.grad_fn is not None else ""
        if self.grad_fn is None and self.requires_grad:
            extra = ", requires_grad=True"
        if self.data.dtype != np.float64:
            extra += f", dtype={self.data.dtype}"
        return f"Tensor({body}{extra})"

    def item(self) -> float:
        """The value of a one-element tensor as a Python number."""
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

    def detach(self) -> Tensor:
        """The same data with no history: gradients stop here."""
        return _new(self.data)

    def retain_grad(self) -> Tensor:
        """Keep ``.grad`` on this intermediate tensor after ``backward`` (leaves always keep it)."""
        self.retains_grad = True
        return self

    def zero_grad(self) -> None:
        self.grad = None

    # -------------------------------------------------------------------------------- backward
    def backward(self, grad: Operand | None = None) -> None:
        """Fill ``.grad`` of every leaf this tensor depends on with ∂self/∂leaf (times ``grad``).

        A one-element tensor (a loss) is seeded with 1; any other needs ``grad`` of its shape.
        Gradients add up over calls (as in PyTorch) until ``zero_grad()``; the graph is kept, so
        calling ``backward`` again works and adds the same gradients once more.
        """
        autograd.backward(self, backward_seed(self, grad))

    # ------------------------------------------------------------------------------ arithmetic
    def __add__(self, other: Operand) -> Tensor:
        return Tensor._binary(ops.Add(), self, self._lift(other))

    def __radd__(self, other: Operand) -> Tensor:
        return Tensor._binary(ops.Add(), self._lift(other), self)

    def __sub__(self, other: Operand) -> Tensor:
        return Tensor._binary(ops.Sub(), self, self._lift(other))

    def __rsub__(self, other: Operand) -> Tensor:
        return Tensor._binary(ops.Sub(), self._lift(other), self)

    def __mul__(self, other: Operand) -> Tensor:
        return Tensor._binary(ops.Mul(), self, self._lift(other))

    def __rmul__(self, other: Operand) -> Tensor:
        return Tensor._binary(ops.Mul(), self._lift(other), self)

    def __truediv__(self, other: Operand) -> Tensor:
        return Tensor._binary(ops.Div(), self, self._lift(other))

    def __rtruediv__(self, other: Operand) -> Tensor:
        return Tensor._binary(ops.Div(), self._lift(other), self)

    def __pow__(self, other: Operand) -> Tensor:
        return Tensor._binary(ops.Pow(), self, self._lift(other))

    def __rpow__(self, other: Operand) -> Tensor:
        return Tensor._binary(ops.Pow(), self._lift(other), self)

    def __matmul__(self, other: Operand) -> Tensor:
        return Tensor._binary(ops.MatMul(), self, self._lift(other))

    def __rmatmul__(self, other: Operand) -> Tensor:
        return Tensor._binary(ops.MatMul(), self._lift(other), self)

    def __neg__(self) -> Tensor:
        return Tensor._unary(ops.Neg(), self)

    # ------------------------------------------------------- comparisons: plain booleans, no graph
    def _compare(self, other: Any, op: Any) -> Tensor:
        other_data = other.data if isinstance(other, Tensor) else other
        return _new(np.asarray(op(self.data, other_data)))

    def __eq__(self, other: object) -> Tensor:  # type: ignore[override]
        return self._compare(other, np.equal)

    def __ne__(self, other: object) -> Tensor:  # type: ignore[override]
        return self._compare(other, np.not_equal)

    def __lt__(self, other: Any) -> Tensor:
        return self._compare(other, np.less)

    def __le__(self, other: Any) -> Tensor:
        return self._compare(other, np.less_equal)

    def __gt__(self, other: Any) -> Tensor:
        return self._compare(other, np.greater)

    def __ge__(self, other: Any) -> Tensor:
        return self._compare(other, np.greater_equal)

    __hash__ = object.__hash__  # tensors are hashed by identity, like PyTorch's

    # ------------------------------------------------------------------------------ elementwise
    def exp(self) -> Tensor:
        return Tensor._unary(ops.Exp(), self)

    def log(self) -> Tensor:
        return Tensor._unary(ops.Log(), self)

    def sqrt(self) -> Tensor:
        return Tensor._unary(ops.Sqrt(), self)

    def abs(self) -> Tensor:
        return Tensor._unary(ops.Abs(), self)

    def clip(self, lo: float | None, hi: float | None) -> Tensor:
        if lo is not None and hi is not None and lo > hi:
            raise ValueError(f"clip: lower bound {lo} is above upper bound {hi}")
        return Tensor._unary(ops.Clip(lo, hi), self)

    def sigmoid(self) -> Tensor:
        return Tensor._unary(ops.Sigmoid(), self)

    def tanh(self) -> Tensor:
        return Tensor._unary(ops.Tanh(), self)

    def relu(self) -> Tensor:
        return Tensor._unary(ops.Relu(), self)

    def leaky_relu(self, negative_slope: float = 0.01) -> Tensor:
        return Tensor._unary(ops.LeakyRelu(negative_slope), self)

    def softmax(self, axis: int = -1) -> Tensor:
        return Tensor._unary(ops.Softmax(self._axis(axis)), self)

    def log_softmax(self, axis: int = -1) -> Tensor:
        return Tensor._unary(ops.LogSoftmax(self._axis(axis)), self)

    # ------------------------------------------------------------------------------ reductions
    def sum(self, axis: ops.Axis = None, keepdims: bool = False) -> Tensor:
        return Tensor._unary(ops.Sum(self._axis(axis), keepdims), self)

    def mean(self, axis: ops.Axis = None, keepdims: bool = False) -> Tensor:
        return Tensor._unary(ops.Mean(self._axis(axis), keepdims), self)

    def max(self, axis: ops.Axis = None, keepdims: bool = False) -> Tensor:
        if self.data.size == 0:
            raise ValueError(f"max: the tensor is empty (shape {self.shape})")
        return Tensor._unary(ops.Max(self._axis(axis), keepdims), self)

    def _axis(self, axis: Any) -> Any:
        """Check ``axis`` against this tensor's dimensions, so errors name the shape."""
        for a in () if axis is None else (axis,) if isinstance(axis, int) else axis:
            if not -self.ndim <= a < max(self.ndim, 1):
                raise ValueError(f"axis {a} is out of range for a tensor of shape {self.shape}")
        return axis

    # --------------------------------------------------------------------------- shape changes
    def reshape(self, *shape: Any) -> Tensor:
        new = tuple(shape[0]) if len(shape) == 1 and not isinstance(shape[0], int) else shape
        return Tensor._unary(ops.Reshape(new), self)

    def transpose(self, *axes: int) -> Tensor:
        order = tuple(axes[0]) if len(axes) == 1 and not isinstance(axes[0], int) else axes
        if order and sorted(a % max(self.ndim, 1) for a in order) != list(range(self.ndim)):
            raise ValueError(f"transpose: axes {order} do not permute the axes of {self.shape}")
        return Tensor._unary(ops.Transpose(order or None), self)

    @property
    def T(self) -> Tensor:
        return self.transpose()

    def __getitem__(self, index: Any) -> Tensor:
        if isinstance(index, Tensor):
            index = index.data
        elif isinstance(index, tuple):
            index = tuple(i.data if isinstance(i, Tensor) else i for i in index)
        return Tensor._unary(ops.Index(index), self)


_alloc = object.__new__


def _array(x: Array) -> Array:
    """``x`` as an ndarray: NumPy returns scalars (np.float64) from some ops on 0-d arrays."""
    return x if type(x) is np.ndarray else np.asarray(x)


def _new(data: Array) -> Tensor:
    """A tensor around ``data`` (not copied) with no history: the fast internal constructor."""
    t: Tensor = _alloc(Tensor)
    t.data = data
    t.grad = t.grad_fn = t.name = None
    t.requires_grad = t.retains_grad = False
    return t


# ``needs_grad`` of a two-input op: shared constants, not a new tuple per op (fewer objects for
# Python's garbage collector to visit).
_BOTH, _FIRST, _SECOND = (True, True), (True, False), (False, True)


class Constant(Tensor):
    """A Python number written in an expression (the ``2`` in ``2 * x``), as a read-only 0-d tensor.

    One is shared by every op that uses the same number (``_constant``): ``x * 1.0001`` in a loop
    would otherwise make a new tensor per op, and those objects would be most of what Python's
    garbage collector has to walk in a long graph. Pictures draw it once per use.
    """

    __slots__ = ()


_CONSTANTS: dict[tuple[type, float, np.dtype[Any] | None], Constant] = {}


def _constant(value: float, dtype: np.dtype[Any] | None) -> Constant:
    """The shared ``Constant`` for ``value`` in ``dtype`` (None: NumPy's choice for ``value``).

    A 0-d array rather than a Python float, because NumPy multiplies by it faster. Zero is never
    shared: ``0.0`` and ``-0.0`` are equal as keys but are different numbers.
    """
    key = (type(value), value, dtype)
    t = _CONSTANTS.get(key)
    if t is None:
        t = _alloc(Constant)
        t.data = np.array(value, dtype=dtype)
        t.grad = t.grad_fn = t.name = None
        t.requires_grad = t.retains_grad = False
        t.data.flags.writeable = False
        if value:
            if len(_CONSTANTS) >= 1024:  # a loop over many different numbers: start afresh
                _CONSTANTS.clear()
            _CONSTANTS[key] = t
    return t


def backward_seed(t: Tensor, grad: Operand | None, caller: str = "backward") -> Array:
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
    seed = as_array(grad.data if isinstance(grad, Tensor) else grad, t.dtype)
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
