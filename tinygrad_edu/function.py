"""``Function``: one differentiable operation, ``forward`` and ``backward`` side by side.

Every operation on tensors is a ``Function``: ``forward`` maps input arrays to an output array and
keeps what the derivative will need; ``backward`` maps the gradient of the output (the *upstream*
gradient ``g = ∂L/∂out``) to one gradient per input (``∂L/∂xᵢ = g · ∂out/∂xᵢ``). The tensor an
operation produces remembers the Function as its ``grad_fn``, and the Function remembers its input
tensors, so the tensors and Functions together form the computation graph that the engine in
``autograd`` walks back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Protocol

import numpy as np
from numpy.typing import NDArray

from .guards import checked_backward

Array = NDArray[Any]
Grads = tuple[Any, ...]
#: The values an op saved for its backward: arrays, or their Tensors under ``create_graph``.
Saved = tuple[Any, ...]
__all__ = ["Array", "Function", "Grads", "Node", "Saved", "add_reduce", "install_recorder"]

#: ``np.add.reduce``, the C sum behind ``ndarray.sum`` and ``np.mean``, without their Python
#: wrappers (about 1 µs per call on small arrays); typed loosely for its keepdims overloads.
add_reduce: Callable[..., Array] = np.add.reduce

_PACKAGE = __name__.rsplit(".", 1)[0] + "."


class Node(Protocol):
    """What the engine needs of a tensor (``Tensor`` is the one implementation)."""

    data: Array
    grad: Array | None
    _grad_tensor: Any
    requires_grad: bool
    grad_fn: Function | None
    _hooks: Any


class Function:
    """One differentiable operation: ``forward`` and ``backward`` (and ``jvp``) side by side.

    * ``forward(*arrays) -> array`` computes the output and sets ``self.saved`` to the inputs
      and/or the output its backward needs (the default ``()`` saves nothing).
    * ``backward(g, saved) -> (∂L/∂x₁, ∂L/∂x₂, ...)``: one gradient per input, in input order, or
      ``None`` where ``self.needs_grad[i]`` is False. A user's op may leave ``saved`` out of its
      signature (``backward(self, g)``) and keep what it needs on ``self``.
    * ``jvp(*tangents, *saved) -> tangent of the output``: the forward-mode rule, for ``func.jvp``.

    ``formula`` is the local rule shown in graph pictures; the docstring holds the math. A user's op
    is recorded with ``MyOp.apply(*inputs, **params)``; its backward is checked (count, shapes and
    dtypes of the gradients). Set ``differentiable_backward = True`` only if backward uses nothing
    but operators and ``ops.dual`` functions on ``g`` and the saved values, or define
    ``composite(*input_tensors)`` (the same function in built-in ops): then it can be
    differentiated again.
    """

    __slots__ = ("__weakref__", "inputs", "needs_grad", "seq", "tags")
    formula: ClassVar[str] = ""
    #: What ``backward`` differentiates through (inputs or the output), set by ``forward``.
    saved: tuple[Any, ...] = ()
    #: True when ``backward`` also runs on Tensors (built with operators and ``ops.dual`` only).
    differentiable_backward: ClassVar[bool] = False
    #: Attributes ``forward`` sets from the call's inputs (not parameters of the op): a compiled
    #: step's copy of the op leaves them out, so that it holds nothing of the traced batch.
    per_call: ClassVar[tuple[str, ...]] = ()

    inputs: tuple[Node, ...]
    needs_grad: tuple[bool, ...]
    #: When the op was recorded (a global counter): outputs are always newer than their inputs.
    seq: int
    #: Notes that tools attach to a node, e.g. ``("layer_call", module, inputs)`` from ``nn``;
    #: unset until the first one (read it with ``getattr(fn, "tags", ())``).
    tags: tuple[tuple[Any, ...], ...]
    forward: Callable[..., Array]
    backward: Callable[..., Grads]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.__module__.startswith(_PACKAGE) and "backward" in vars(cls):
            cls.backward = checked_backward(vars(cls)["backward"])

    @classmethod
    def apply(cls, *inputs: Any, **params: Any) -> Any:
        """Run this op on ``inputs`` (Tensors, arrays or numbers) and record it like a built-in.

        ``params`` go to the constructor: ``LeakyRelu.apply(x, negative_slope=0.1)``.
        """
        return _recorder(cls(**params), inputs)

    def grads(self, g: Any) -> Grads:
        """``backward(g, saved)``: the gradients for upstream gradient ``g``."""
        return self.backward(g, self.saved)

    @property
    def name(self) -> str:
        """The op's name, as graph pictures and error messages show it (``Mul``)."""
        return type(self).__name__

    def __repr__(self) -> str:
        return f"<{self.name}>"


def _no_recorder(fn: Function, inputs: tuple[Any, ...]) -> Any:
    raise RuntimeError("Function.apply needs tinygrad_edu.tensor to be imported")


#: ``recorder(fn, inputs)`` records ``fn`` on ``inputs`` and returns the output Tensor. The
#: tensor module installs it: the engine sits below ``Tensor`` and cannot import it.
_recorder: Callable[[Function, tuple[Any, ...]], Any] = _no_recorder


def install_recorder(recorder: Callable[[Function, tuple[Any, ...]], Any]) -> None:
    """Set what ``Function.apply`` calls to record an op (done once, by ``tinygrad_edu.tensor``)."""
    global _recorder
    _recorder = recorder
