"""``Tensor``: a NumPy array that remembers how it was made.

Each operation on tensors runs a ``Function`` from ``ops`` on the arrays and, when any input
requires a gradient (and ``no_grad`` is not active in this thread), links the result to that
Function; the Function links to its inputs. ``loss.backward()`` then hands the graph to the engine
in ``autograd``, which applies the chain rule from ``loss`` back to every leaf. The operators and
math methods live in ``tensor_math`` and ``tensor_shape``, the in-place updates in
``tensor_inplace``; this module holds what makes a tensor a node of the graph: recording,
``backward`` and hooks.

>>> w = Tensor([2.0, -1.0], requires_grad=True)
>>> loss = (w * w).sum()
>>> loss.backward()
>>> w.grad
array([ 4., -2.])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import autograd, forward_ad, guards
from ._config import DEFAULT_DTYPE, fast, modes, recording
from .autograd import Array, Function, next_seq
from .hooks import RemovableHandle, TensorHooks
from .tensor_inplace import InPlaceMethods
from .tensor_math import MathMethods
from .tensor_shape import ShapeMethods
from .tensor_values import (
    FLOAT64,
    FLOAT64_CONSTANTS,
    ArrayFacts,
    NoGradError,
    as_array,
    backward_seed,
    constant,
)

__all__ = ["Constant", "NoGradError", "Tensor", "as_array", "backward_seed"]


class Tensor(ArrayFacts, MathMethods, ShapeMethods, InPlaceMethods):
    """An n-dimensional array with an optional gradient and a link to the op that made it.

    ``Tensor(data, requires_grad=False, dtype=None, name=None)`` copies ``data``. Floats keep their
    dtype (float64 by default, float32 stays float32); ints and bools stay as they are unless the
    tensor requires a gradient, which only floats can have.

    * ``data`` — the values (an ``np.ndarray``). Writing into it directly (``t.data[0] = 1``) is
      not tracked, as PyTorch's ``.data`` is not: use in-place operators (``t += 1``) instead.
    * ``grad`` — ∂L/∂t after ``L.backward()``: an ndarray of ``t``'s shape, or None.
    * ``grad_fn`` — the ``Function`` that made ``t`` (None for a leaf).
    * ``requires_grad`` — whether backward computes ∂L/∂t (only float tensors can).
    * ``name`` — a label for pictures and error messages (None: the pictures number it).
    """

    __slots__ = (
        "__weakref__",
        "_base",
        "_grad_tensor",
        "_hooks",
        "_stamps",
        "_version",
        "data",
        "grad",
        "grad_fn",
        "name",
        "requires_grad",
    )
    __array_ufunc__ = None  # make ``ndarray + Tensor`` call Tensor.__radd__ instead of NumPy

    data: Array
    grad: Array | None
    grad_fn: Function | None
    _hooks: TensorHooks | None
    _base: Tensor
    _grad_tensor: Tensor | None

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
        self.grad = self.grad_fn = self._hooks = self._grad_tensor = None
        self.requires_grad = bool(requires_grad)
        self.name = name

    # ------------------------------------------------------------------------------ recording
    @staticmethod
    def _from_op(fn: Function, *inputs: Tensor) -> Tensor:
        """Run ``fn`` on the inputs' arrays; link the result into the graph if it needs a grad.

        ``_unary`` and ``_binary`` below do the same for one and two inputs with less overhead:
        building the graph is the per-op cost a small model pays over plain NumPy.
        """
        if any(t.requires_grad for t in inputs) and recording():
            fn.needs_grad = tuple(t.requires_grad for t in inputs)
            fn.inputs = inputs
            fn.seq = next_seq()
            out = _new(output_array(fn, fn.forward(*[t.data for t in inputs])))
            out.requires_grad = True
            out.grad_fn = fn
            if fast.special:
                _extras(fn, out)
            return out
        return _new(output_array(fn, fn.forward(*[t.data for t in inputs])))

    @staticmethod
    def _unary(fn: Function, a: Tensor) -> Tensor:
        out = _alloc(Tensor)
        out.grad = out.name = out._hooks = None
        if a.requires_grad and (not fast.special or modes.grad_enabled):
            fn.needs_grad = _ONE
            fn.inputs = (a,)
            fn.seq = next_seq()
            data = fn.forward(a.data)
            out.data = data if type(data) is np.ndarray else output_array(fn, data)
            out.requires_grad = True
            out.grad_fn = fn
            if fast.special:
                _extras(fn, out)
        else:
            data = fn.forward(a.data)
            out.data = data if type(data) is np.ndarray else np.asarray(data)
            out.requires_grad = False
            out.grad_fn = None
        return out

    @staticmethod
    def _binary(fn: Function, a: Tensor, b: Tensor) -> Tensor:
        out = _alloc(Tensor)
        out.grad = out.name = out._hooks = None
        ra, rb = a.requires_grad, b.requires_grad
        if (ra or rb) and (not fast.special or modes.grad_enabled):
            # Set before forward: an op may save less when an input needs no gradient.
            fn.needs_grad = _BOTH if ra and rb else _FIRST if ra else _SECOND
            fn.inputs = (a, b)
            fn.seq = next_seq()
            data = fn.forward(a.data, b.data)
            out.data = data if type(data) is np.ndarray else output_array(fn, data)
            out.requires_grad = True
            out.grad_fn = fn
            if fast.special:
                _extras(fn, out)
        else:
            data = fn.forward(a.data, b.data)
            out.data = data if type(data) is np.ndarray else np.asarray(data)
            out.requires_grad = False
            out.grad_fn = None
        return out

    def _lift(self, other: Any) -> Tensor:
        """``other`` as a Tensor; Python numbers take this tensor's dtype (so float32 stays)."""
        if isinstance(other, Tensor):
            return other
        if type(other) is float or type(other) is int:
            dtype = self.data.dtype
            if dtype is FLOAT64:  # the common case, without building the general cache's key
                shared: Tensor | None = FLOAT64_CONSTANTS.get(other)
                if shared is not None:
                    return shared
            made: Tensor = constant(Constant, other, dtype if dtype.kind == "f" else None)
            return made
        return _new(as_array(other))

    @staticmethod
    def _where(condition: Any, a: Any, b: Any) -> Tensor:
        """``a`` where the constant boolean array ``condition`` holds, else ``b`` (recorded)."""
        from_value = next(x for x in (a, b) if isinstance(x, Tensor))
        from .ops import Where

        return Tensor._binary(Where(condition), from_value._lift(a), from_value._lift(b))

    @staticmethod
    def from_numpy(array: Array, requires_grad: bool = False) -> Tensor:
        """A tensor that *shares* ``array``'s memory (no copy), like ``torch.from_numpy``.

        Writing to one changes the other, and such writes are not tracked (see ``data``). Use it
        for data you will not modify (inputs, batches); ``Tensor(...)`` copies and is the safe
        default.
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

    # -------------------------------------------------------------------------- graph facts
    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user rather than by an operation."""
        return self.grad_fn is None

    @property
    def version(self) -> int:
        """How many times this tensor was changed in place through the library (see ``guards``)."""
        return guards.version(self)

    @property
    def grad_tensor(self) -> Tensor | None:  # (unset on op results: they keep no gradient)
        """The gradient as a Tensor with its own graph, set by ``backward(create_graph=True)``.

        ``grad`` always holds the same values as an ndarray; ``grad_tensor`` can be
        differentiated again (``x.grad_tensor.backward()`` is a second derivative).
        """
        try:
            return self._grad_tensor
        except AttributeError:
            return None

    @grad_tensor.setter
    def grad_tensor(self, value: Tensor | None) -> None:
        self._grad_tensor = value

    @property
    def retains_grad(self) -> bool:
        """True after ``retain_grad()``: this intermediate tensor keeps ``.grad`` after backward."""
        return self._hooks is not None and self._hooks.retain

    def retain_grad(self) -> Tensor:
        """Keep ``.grad`` on this intermediate tensor after ``backward`` (leaves always keep it)."""
        if self.grad_fn is not None:
            self._hook_list().retain = True
            self._grad_tensor = None
        return self

    def register_hook(self, hook: Callable[[Any], Any]) -> RemovableHandle:
        """Call ``hook(grad)`` with the gradient flowing into this tensor during backward.

        ``grad`` has this tensor's shape; a hook may return a replacement (or None to keep it).
        Returns a handle whose ``remove()`` takes the hook away. See ``tinygrad_edu.hooks``.

        >>> x = Tensor([1.0, 2.0], requires_grad=True)
        >>> handle = x.register_hook(lambda g: g * 10)
        >>> (x * x).sum().backward(); x.grad               # 10 · 2x
        array([20., 40.])
        """
        if not self.requires_grad:
            raise RuntimeError(
                "register_hook: this tensor does not require grad, so no gradient will flow into it"
            )
        if not callable(hook):
            raise TypeError(f"register_hook: expected a function, got {type(hook).__name__}")
        return self._hook_list().add(hook, self)

    def _hook_list(self) -> TensorHooks:
        hooks: TensorHooks | None = self._hooks
        if hooks is None:
            hooks = self._hooks = TensorHooks()
        return hooks

    def zero_grad(self) -> None:
        """Forget the gradient (``grad`` and ``grad_tensor`` become None)."""
        self.grad = self._grad_tensor = None

    def detach(self) -> Tensor:
        """The same data (shared, not copied) with no history: gradients stop here."""
        t = _new(self.data)
        t._base = self  # an in-place change through the detached tensor is a change of this one
        return t

    # -------------------------------------------------------------------------------- backward
    def backward(self, grad: Any = None, create_graph: bool = False) -> None:
        """Fill ``.grad`` of every leaf this tensor depends on with ∂self/∂leaf (times ``grad``).

        A one-element tensor (a loss) is seeded with 1; any other needs ``grad`` of its shape.
        Gradients add up over calls (as in PyTorch) until ``zero_grad()``; the graph is kept, so
        calling ``backward`` again works and adds the same gradients once more. With
        ``create_graph=True`` the backward pass is itself recorded: each leaf's ``grad_tensor``
        then holds its gradient as a Tensor that can be differentiated again.
        """
        seed: Any = backward_seed(self, grad)
        if create_graph:
            seed = grad if isinstance(grad, Tensor) else _new(seed)
        autograd.run_backward((self,), (seed,), create_graph=create_graph)


_alloc = object.__new__


def output_array(fn: Function, data: Any) -> Array:
    """``data`` as an ndarray: NumPy returns scalars (np.float64) from ufuncs on 0-d arrays.

    If ``fn`` saved that scalar as its output, it saves the array instead, so that the engine
    can tell the saved value is the output (it matches values to tensors by identity).
    """
    if type(data) is np.ndarray:
        return data
    arr = np.asarray(data)
    if any(s is data for s in fn.saved):
        fn.saved = tuple(arr if s is data else s for s in fn.saved)  # type: ignore[misc]
    return arr


def _extras(fn: Function, out: Tensor) -> None:
    """Anomaly checks and tangents for a just-recorded op (only while one of them is on)."""
    if modes.anomaly:
        fn.tags = (*getattr(fn, "tags", ()), ("recorded_at", guards.recorded_at()))
        guards.check_forward(fn, out)
    if modes.tangents is not None:
        forward_ad.push_tangent(fn, out, modes.tangents)


def _new(data: Array) -> Tensor:
    """A tensor around ``data`` (not copied) with no history: the fast internal constructor."""
    t: Tensor = _alloc(Tensor)
    t.data = data
    t.grad = t.grad_fn = t.name = t._hooks = t._grad_tensor = None
    t.requires_grad = False
    return t


# ``needs_grad`` of an op: shared constants, not a new tuple per op (fewer objects for Python's
# garbage collector to visit).
_ONE, _BOTH, _FIRST, _SECOND = (True,), (True, True), (True, False), (False, True)


class Constant(Tensor):
    """A Python number written in an expression (the ``2`` in ``2 * x``), as a read-only 0-d tensor.

    One is shared by every op that uses the same number (``tensor_values.constant``): ``x * 1.0001``
    in a loop would otherwise make a new tensor per op, and those objects would be most of what
    Python's garbage collector has to walk in a long graph. Pictures draw it once per use.
    """

    __slots__ = ()


def _record_applied(fn: Function, inputs: tuple[Any, ...]) -> Tensor:
    """``Function.apply``: lift the inputs to Tensors and record ``fn`` like a built-in op."""
    tensors = tuple(x if isinstance(x, Tensor) else Tensor(x) for x in inputs)
    return Tensor._from_op(fn, *tensors)


Tensor._from_array = staticmethod(_new)  # type: ignore[attr-defined]
autograd.install_recorder(_record_applied)
