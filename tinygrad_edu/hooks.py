"""Tensor hooks: functions told the gradient flowing into a tensor during a backward pass.

``t.register_hook(fn)`` adds ``fn``; during backward, when ``t``'s gradient is complete, each hook
is called with it in the order registered, ``fn(grad) -> None | replacement``. A hook that returns
an array (or Tensor) replaces the gradient for everything after it — the later hooks, ``t``'s
own ``backward`` step and, for a leaf, what is accumulated into ``t.grad``. ``retain_grad()`` is a
hook too: it keeps the gradient of an intermediate tensor in ``.grad``, after the others ran.

The gradient a hook sees is an ndarray, or a Tensor during ``create_graph=True`` (operators work on
both). ``register_hook`` returns a ``RemovableHandle``; ``handle.remove()`` takes the hook away.
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from .autograd import accumulate, accumulate_tensor

Hook = Callable[[Any], Any]
_ids = itertools.count()


class RemovableHandle:
    """What ``register_hook`` returns: ``remove()`` unregisters the hook (twice is harmless)."""

    __slots__ = ("_id", "_owner", "_tensor")

    def __init__(
        self, owner: dict[int, Any], hook_id: int, tensor: weakref.ref[Any] | None = None
    ) -> None:
        self._owner, self._id, self._tensor = owner, hook_id, tensor

    def remove(self) -> None:
        """Unregister the hook; removing it again does nothing.

        When a tensor's last hook goes (and it does not retain its gradient), the tensor forgets
        its hooks altogether: the engine and ``compile_step`` treat it as a plain tensor again.
        """
        self._owner.pop(self._id, None)
        tensor = self._tensor() if self._tensor is not None else None
        if tensor is not None and not self._owner:
            hooks = tensor._hooks  # (inside ``grad()`` a stand-in that captures: left alone)
            if isinstance(hooks, TensorHooks) and hooks.fns is self._owner and not hooks.retain:
                tensor._hooks = None

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


class TensorHooks:
    """The hooks of one tensor (``Tensor._hooks``; None while it has none)."""

    __slots__ = ("fns", "retain")

    def __init__(self) -> None:
        self.fns: dict[int, Hook] = {}
        self.retain = False

    def add(self, fn: Hook, tensor: Any = None) -> RemovableHandle:
        """Register ``fn`` after the hooks already there (on ``tensor``); returns its handle."""
        hook_id = next(_ids)
        self.fns[hook_id] = fn
        return RemovableHandle(self.fns, hook_id, None if tensor is None else weakref.ref(tensor))

    def run(self, node: Any, g: Any, keep: bool) -> Any:
        """Call every hook on ``g`` in order; keep the result in ``.grad`` if retained."""
        if isinstance(g, np.generic):  # NumPy's result for 0-d arrays: hooks see an array
            g = np.asarray(g)
        for fn in list(self.fns.values()):
            replaced = fn(g)
            if replaced is not None:
                g = _checked(fn, node, g, replaced)
        if self.retain and keep:
            if type(g) is np.ndarray:
                accumulate(node, g)
            else:
                accumulate_tensor(node, g)
        return g


def _checked(fn: Hook, node: Any, g: Any, replaced: Any) -> Any:
    """A hook's replacement, which must be an array (or a Tensor in create_graph) of g's shape."""
    name = getattr(fn, "__name__", repr(fn))
    if type(g) is np.ndarray:
        if not isinstance(replaced, np.ndarray):
            replaced = getattr(replaced, "data", replaced)
        new = np.asarray(replaced, dtype=g.dtype)
    else:  # create_graph: g is a Tensor, and so must the replacement be
        new = replaced if isinstance(replaced, type(g)) else type(g)(replaced, dtype=g.dtype)
    if new.shape != g.shape:
        raise ValueError(
            f"hook {name} returned a gradient of shape {new.shape} for a tensor of shape "
            f"{node.data.shape}; return None or a gradient of shape {g.shape}"
        )
    return new
