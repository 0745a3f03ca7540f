"""A traced op as the program keeps it: its parameters, without its links into the graph.

The trace copies every op it writes down, so that the program holds no traced tensor (nor its
memory) and the op's ``inputs`` tell only what a user's op's checked backward reads of them: a
name, a shape and a dtype.
"""

from __future__ import annotations

from typing import Any

from ..autograd import Function

__all__ = ["detached"]


def detached(fn: Function) -> Function:
    """A copy of a recorded op that keeps its parameters but not its links into the graph.

    Nor what its forward takes from the call's inputs (``per_call``, e.g. ``IndexBy``'s index
    made of the batch's labels): the program's next call sets it again.
    """
    op = object.__new__(type(fn))
    skip = {"inputs", "saved", "__weakref__", "tags", *fn.per_call}
    for cls in type(fn).__mro__:
        for name in getattr(cls, "__slots__", ()):
            if name not in skip and hasattr(fn, name):
                setattr(op, name, getattr(fn, name))
    for name, val in getattr(fn, "__dict__", {}).items():
        if name not in skip:
            setattr(op, name, val)
    # What a user's op's checked backward reads of its inputs (shape, dtype, name), frozen as
    # the guards freeze them; no link to the traced tensors or their memory.
    op.inputs = tuple(_InputFacts(t) for t in fn.inputs)  # type: ignore[misc]
    return op


class _InputFacts:
    """An op input's name and its data's shape and dtype, without the values: code that reads
    the values through ``fn.inputs`` fails loudly in a replay instead of reading stale ones."""

    __slots__ = ("data", "name", "requires_grad")

    def __init__(self, t: Any) -> None:
        self.data = _NoValuesInAReplay(t.data.shape, t.data.dtype)
        self.name, self.requires_grad = getattr(t, "name", None), t.requires_grad


class _NoValuesInAReplay:
    """An array's shape and dtype, and nothing to compute with."""

    __slots__ = ("dtype", "ndim", "shape")

    def __init__(self, shape: tuple[int, ...], dtype: Any) -> None:
        self.shape, self.dtype, self.ndim = shape, dtype, len(shape)
