"""Forward hooks of a module: functions told what a layer took in and gave out, as PyTorch's.

``module.register_forward_pre_hook(fn)`` calls ``fn(module, args)`` before ``forward``; a result
that is not None replaces the positional arguments (a lone value is taken as a 1-tuple).
``module.register_forward_hook(fn)`` calls ``fn(module, args, output)`` after ``forward``; a result
that is not None replaces the output. Both run in the order registered, each seeing what the one
before it returned, and return a ``RemovableHandle`` (``handle.remove()``, or use it in ``with``).

Hooks see the module's *own* calls: calling ``model(x)`` runs the model's hooks, and a layer's
hooks run when the model's ``forward`` calls that layer. They are the place to look inside a
network without editing it: record activations, check their statistics, print shapes.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from ..hooks import RemovableHandle
from .layout import layout

PreHook = Callable[[Any, tuple[Any, ...]], Any]
Hook = Callable[[Any, tuple[Any, ...], Any], Any]
_ids = itertools.count()


class _HookHandle(RemovableHandle):
    """A forward hook's handle: removing the hook changes the module's layout, too."""

    __slots__ = ()

    def remove(self) -> None:
        """Unregister the hook; removing it again does nothing."""
        if self._id in self._owner:
            layout.version += 1
        super().remove()


class ForwardHooks:
    """The forward hooks of one module (its ``_forward_hooks``; absent while it has none)."""

    __slots__ = ("after", "before")

    def __init__(self) -> None:
        self.before: dict[int, PreHook] = {}
        self.after: dict[int, Hook] = {}

    def add(self, table: dict[int, Any], fn: Callable[..., Any], kind: str) -> RemovableHandle:
        """Register ``fn`` in ``table`` after the hooks already there; returns its handle."""
        if not callable(fn):
            raise TypeError(f"{kind}: expected a function, got {type(fn).__name__} {fn!r}")
        hook_id = next(_ids)
        table[hook_id] = fn
        layout.version += 1  # a compiled step traced without this hook must trace again
        return _HookHandle(table, hook_id)

    def run_before(self, module: Any, args: tuple[Any, ...]) -> tuple[Any, ...]:
        """Call each pre-hook ``fn(module, args)``; a result that is not None becomes the args."""
        if not self.before:
            return args
        layout.hook_calls += 1
        for fn in list(self.before.values()):
            replaced = fn(module, args)
            if replaced is not None:
                args = replaced if isinstance(replaced, tuple) else (replaced,)
        return args

    def run_after(self, module: Any, args: tuple[Any, ...], out: Any) -> Any:
        """Call each hook ``fn(module, args, output)``; a result that is not None is the output."""
        if not self.after:
            return out
        layout.hook_calls += 1
        for fn in list(self.after.values()):
            replaced = fn(module, args, out)
            if replaced is not None:
                out = replaced
        return out


class WithForwardHooks:
    """The forward-hook methods of ``Module`` (a base class of it; nothing else uses this)."""

    def register_forward_pre_hook(self, hook: PreHook) -> RemovableHandle:
        """Call ``hook(module, args)`` before every ``forward``; not None replaces ``args``.

        See ``nn.forward_hooks``. Returns a handle whose ``remove()`` takes the hook away.
        """
        hooks = self._hook_table()
        return hooks.add(hooks.before, hook, "register_forward_pre_hook")

    def register_forward_hook(self, hook: Hook) -> RemovableHandle:
        """Call ``hook(module, args, output)`` after every ``forward``; not None replaces it.

        >>> from tinygrad_edu import Tensor
        >>> from tinygrad_edu.nn import Dense
        >>> layer, shapes = Dense(3, 2, seed=0), []
        >>> handle = layer.register_forward_hook(lambda m, args, out: shapes.append(out.shape))
        >>> _ = layer(Tensor([[1.0, 2.0, 3.0]]))
        >>> handle.remove()
        >>> _ = layer(Tensor([[1.0, 2.0, 3.0]]))
        >>> shapes
        [(1, 2)]
        """
        hooks = self._hook_table()
        return hooks.add(hooks.after, hook, "register_forward_hook")

    def _hook_table(self) -> ForwardHooks:
        hooks: ForwardHooks | None = self.__dict__.get("_forward_hooks")
        if hooks is None:
            hooks = ForwardHooks()
            object.__setattr__(self, "_forward_hooks", hooks)
        return hooks
