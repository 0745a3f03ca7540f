"""In-place updates of a ``Tensor``: ``t += x``, ``copy_``, ``zero_``, tracked by version.

Outside a graph (no tensor involved requires grad, or under ``no_grad``) an in-place operator
changes ``t.data`` itself and calls ``guards.mark_changed``, so that an op recorded earlier that
saved ``t`` refuses to backpropagate with the new values. Inside a graph, the operator makes a
new tensor instead (``t = t + x``), and a leaf that requires grad refuses: its change would not
be part of the graph.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any, TypeVar, cast

import numpy as np

from . import guards
from ._config import recording
from .autograd import Array

__all__ = ["InPlaceMethods"]

Self_ = TypeVar("Self_", bound="InPlaceMethods")


class InPlaceMethods:
    """``+=``, ``-=``, ``*=``, ``/=``, ``copy_`` and ``zero_`` of ``Tensor`` (see the module)."""

    __slots__ = ()
    # Provided by Tensor (declared here for type checkers only).
    data: Array
    requires_grad: bool
    grad_fn: Any
    name: str | None

    def _in_place(self, other: Any, ufunc: Any, symbol: str) -> Any:
        """``self ⟨symbol⟩= other`` on ``self.data`` itself, or None where that cannot be right.

        Inside a graph (recording, and a tensor involved requires grad) an in-place change would
        lose the history: a leaf that requires grad refuses (update it under ``no_grad``, as
        optimizers do); anything else gets None and the operator makes a new tensor instead.
        """
        # (Tensor is the one class with these methods: this module sits below it.)
        is_tensor = isinstance(other, InPlaceMethods)
        graph = self.requires_grad or (is_tensor and other.requires_grad)
        if graph and recording():
            if self.requires_grad and self.grad_fn is None:
                raise RuntimeError(
                    f"{symbol} on {_label(self)}, a leaf tensor that requires grad, while the "
                    "graph is being recorded: the change would not be part of the graph. Update it "
                    f"inside `with no_grad():` (as optimizers do), or write t = t {symbol[0]} …"
                )
            return None
        value = other.data if is_tensor else other
        try:
            ufunc(self.data, value, out=self.data, casting="same_kind")
        except (TypeError, ValueError) as err:
            shape = np.shape(value)
            kind = TypeError if isinstance(err, TypeError) else ValueError
            raise kind(
                f"{symbol} on {_label(self)} (dtype {self.data.dtype}) with a value of shape "
                f"{shape} (dtype {np.result_type(value)}): {err}"
            ) from None
        base = getattr(self, "_base", None)
        if base is None:
            guards.mark_changed(self)
        else:  # a detached tensor: the one it shares its data with changed too
            guards.mark_changed(self, base)
        return self

    def _updated(
        self: Self_, other: Any, ufunc: Any, symbol: str, fallback: Callable[[Any, Any], Any]
    ) -> Self_:
        """In place where that is right, else ``fallback(self, other)``: a new tensor."""
        done = self._in_place(other, ufunc, symbol)
        return cast(Self_, done if done is not None else fallback(self, other))

    def __iadd__(self: Self_, other: Any) -> Self_:
        return self._updated(other, np.add, "+=", operator.add)

    def __isub__(self: Self_, other: Any) -> Self_:
        return self._updated(other, np.subtract, "-=", operator.sub)

    def __imul__(self: Self_, other: Any) -> Self_:
        return self._updated(other, np.multiply, "*=", operator.mul)

    def __itruediv__(self: Self_, other: Any) -> Self_:
        return self._updated(other, np.true_divide, "/=", operator.truediv)

    def copy_(self: Self_, source: Any) -> Self_:
        """Overwrite this tensor's values with ``source``'s (broadcast to its shape), in place."""
        if self._in_place(source, _copy_values, "copy_") is None:
            raise RuntimeError(f"copy_ on {_label(self)}: it is part of a graph being recorded")
        return self

    def zero_(self: Self_) -> Self_:
        """Set every value to 0, in place (under ``no_grad`` for a tensor that requires grad)."""
        return self.copy_(0)


def _copy_values(target: Array, source: Any, out: Array, casting: Any) -> None:
    np.copyto(out, source, casting=casting)


def _label(t: Any) -> str:
    shape = t.data.shape
    return f"{t.name!r} (shape {shape})" if t.name else f"a tensor of shape {shape}"
