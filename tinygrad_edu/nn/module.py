"""``Module``: the base of layers and models — parameters, buffers, train/eval, state, save/load.

A module finds what it holds by itself: every ``Tensor`` and every sub-``Module`` assigned as an
attribute is registered, in the order of assignment. Tensors assigned that way are
**parameters** (trained: ``parameters()`` hands them to an optimizer). Tensors registered with
``register_buffer`` are **buffers**: state that is saved and loaded with the model but never
trained, such as ``BatchNorm1d``'s running mean and variance. A module may also keep
**extra state** that is neither (``Dropout``'s random generator) through ``get_extra_state`` /
``set_extra_state``, as in PyTorch.

``state_dict()`` holds all three under dotted names (``layers.0.weight``,
``1.running_mean``, ``2._extra_state``), module by module: its parameters, then its buffers,
then its extra state, then its sub-modules'. ``save`` / ``load`` write and read exactly that
dictionary as an ``.npz`` archive (never pickle; the file side is ``tinygrad_edu.serialization``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any, TypeVar

import numpy as np

from ..autograd import Array, Function
from ..guards import mark_changed
from ..serialization import check_state, load_arrays, save_arrays
from ..tensor import Tensor
from .forward_hooks import ForwardHooks, WithForwardHooks
from .layout import layout

M = TypeVar("M", bound="Module")
#: The key under which a module's extra state appears in ``state_dict`` (PyTorch's name).
EXTRA_STATE = "_extra_state"
#: First item of the graph-node tag ``Module.__call__`` records (read by ``nn.calls``).
LAYER_CALL_TAG = "layer_call"
# (dotted name, "parameter" | "buffer" | "extra state", current array, what holds it)
_Entry = tuple[str, str, Array, "Tensor | Module"]


def _record(module: Module, args: tuple[Any, ...], out: Tensor, fn: Function) -> None:
    # Kept in the ``tags`` of the graph node that made the output, so it lives exactly as long
    # as the graph does and costs one tuple per layer call.
    inputs = tuple([a for a in args if isinstance(a, Tensor)])
    for a in inputs:
        if a is out:  # a module that passed its input through made nothing
            return
    tag = (LAYER_CALL_TAG, module, inputs)
    tags = getattr(fn, "tags", None)
    fn.tags = (*tags, tag) if tags else (tag,)


class Module(WithForwardHooks):
    """Base class of layers and models: registers parameters and buffers, calls ``forward``.

    Subclasses assign their Tensors and sub-modules as attributes (in ``__init__``), register
    untrained state with ``register_buffer``, and define ``forward``. ``training`` is True after
    ``train()`` (the default) and False after ``eval()``; ``fit``, ``evaluate`` and ``predict``
    switch it, and ``Dropout`` and ``BatchNorm1d`` behave differently in the two modes.
    """

    training: bool = True
    _parameters: dict[str, Tensor]
    _buffers: dict[str, Tensor | None]
    _modules: dict[str, Module]
    _non_persistent: set[str]

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "_non_persistent", set())

    def _registry(self) -> tuple[dict[str, Tensor], dict[str, Tensor | None], dict[str, Module]]:
        d = self.__dict__
        if "_parameters" not in d:  # a subclass that did not call super().__init__()
            Module.__init__(self)
        return d["_parameters"], d["_buffers"], d["_modules"]

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, (list, tuple)) and any(isinstance(v, (Tensor, Module)) for v in value):
            raise TypeError(
                f"{type(self).__name__}.{name}: a {type(value).__name__} of tensors or modules "
                "is not registered, so parameters() would miss them; use Sequential(...) or "
                "assign each one as its own attribute"
            )
        params, buffers, modules = self._registry()
        if name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"{type(self).__name__}.{name} is a buffer: assign a Tensor or None, "
                    f"not {type(value).__name__}"
                )
            buffers[name] = value
        elif isinstance(value, Tensor):
            modules.pop(name, None)
            params[name] = value
        elif isinstance(value, Module):
            params.pop(name, None)
            modules[name] = value
        else:
            params.pop(name, None)
            modules.pop(name, None)
        if isinstance(value, (Tensor, Module)):
            layout.version += 1  # a compiled step that read the old one must trace again
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        params, buffers, modules = self._registry()
        params.pop(name, None)
        buffers.pop(name, None)
        modules.pop(name, None)
        self._non_persistent.discard(name)
        object.__delattr__(self, name)

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Keep ``tensor`` as ``self.<name>``: saved and loaded with the model, never trained.

        A buffer is in ``state_dict()`` (unless ``persistent=False``), in ``save`` / ``load``
        and in ``buffers()``, never in ``parameters()``. Assigning a Tensor to ``self.<name>``
        later replaces the buffer; ``None`` leaves a buffer that is not saved.
        """
        if not isinstance(name, str) or not name or "." in name:
            raise ValueError(
                f"register_buffer: a buffer's name must be a non-empty str without '.', "
                f"got {name!r}"
            )
        params, buffers, modules = self._registry()
        if name not in buffers and (name in params or name in modules or hasattr(self, name)):
            raise KeyError(f"{type(self).__name__}.register_buffer: {name!r} is already taken")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"{type(self).__name__}.register_buffer({name!r}): expected a Tensor or None, "
                f"got {type(tensor).__name__}"
            )
        buffers[name] = tensor
        (self._non_persistent.discard if persistent else self._non_persistent.add)(name)
        object.__setattr__(self, name, tensor)

    def forward(self, *args: Any) -> Any:
        """What the module computes; every subclass defines it, and ``model(x)`` runs it."""
        raise TypeError(f"{type(self).__name__} is a Module without a forward() method")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        hooks: ForwardHooks | None = self.__dict__.get("_forward_hooks")
        if hooks is None:
            out = self.forward(*args, **kwargs)
        else:
            args = hooks.run_before(self, args)
            out = hooks.run_after(self, args, self.forward(*args, **kwargs))
        if isinstance(out, Tensor):
            fn = out.grad_fn
            if fn is not None:
                _record(self, args, out, fn)
        return out

    # --------------------------------------------------------------- parameters and buffers
    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module (named ``prefix``) and every sub-module, depth first, each once."""
        seen: set[int] = set()
        stack: list[tuple[str, Module]] = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            children = list(module._registry()[2].items())
            for child, sub in reversed(children):
                stack.append((f"{name}.{child}" if name else child, sub))

    def named_parameters(self) -> list[tuple[str, Tensor]]:
        """``(dotted name, tensor)`` for every parameter, in assignment order, each tensor once."""
        return self._named_tensors("parameter")

    def parameters(self) -> list[Tensor]:
        """Every parameter tensor, in the order of ``named_parameters()``."""
        return [p for _, p in self.named_parameters()]

    def named_buffers(self) -> list[tuple[str, Tensor]]:
        """``(dotted name, tensor)`` for every buffer that is not None (persistent or not)."""
        return self._named_tensors("buffer", every_buffer=True)

    def buffers(self) -> list[Tensor]:
        """Every buffer tensor, in the order of ``named_buffers()``."""
        return [b for _, b in self.named_buffers()]

    def _named_tensors(self, kind: str, every_buffer: bool = False) -> list[tuple[str, Tensor]]:
        return [
            (name, holder)
            for name, k, _, holder in self._entries(extra=False, every_buffer=every_buffer)
            if k == kind and isinstance(holder, Tensor)
        ]

    def _entries(self, extra: bool = True, every_buffer: bool = False) -> list[_Entry]:
        """What ``state_dict`` holds, in its order, with the object that holds each array.

        Module by module (``named_modules`` order): parameters, persistent buffers (all
        buffers with ``every_buffer``), extra state (unless ``extra`` is False). A tensor
        shared by two modules is listed once, under its first name.
        """
        seen: set[int] = set()
        found: list[_Entry] = []
        for prefix, module in self.named_modules():
            params, buffers, _ = module._registry()
            dot = f"{prefix}." if prefix else ""
            for kind, tensors in (("parameter", params), ("buffer", buffers)):
                for name, t in tensors.items():
                    keep = every_buffer or name not in module._non_persistent
                    if t is not None and keep and id(t) not in seen:
                        seen.add(id(t))
                        found.append((dot + name, kind, t.data, t))
            state = module.get_extra_state() if extra else None
            if state is not None:
                found.append((dot + EXTRA_STATE, "extra state", state, module))
        return found

    def zero_grad(self) -> None:
        """Forget every parameter's gradient (``grad = None``) before the next ``backward()``."""
        for p in self.parameters():
            p.grad = None

    def train(self: M, mode: bool = True) -> M:
        """Set ``training`` on this module and every sub-module; returns ``self``."""
        for _, module in self.named_modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self: M) -> M:
        """``train(False)``: evaluation mode."""
        return self.train(False)

    # ------------------------------------------------------------------------------- repr
    def extra_repr(self) -> str:
        """What to show inside ``Name(...)``; by default the parameters' shapes."""
        return ", ".join(f"{n}: {p.shape}" for n, p in self._registry()[0].items())

    def _child_reprs(self) -> list[tuple[str, str]]:
        return [(name, repr(m)) for name, m in self._registry()[2].items()]

    def __repr__(self) -> str:
        extra, children = self.extra_repr(), self._child_reprs()
        if not children:
            return f"{type(self).__name__}({extra})"
        lines = [f"  {extra}"] if extra else []
        lines += [f"  ({name}): " + text.replace("\n", "\n  ") for name, text in children]
        return f"{type(self).__name__}(\n" + "\n".join(lines) + "\n)"

    # ----------------------------------------------------------------------- state and files
    def get_extra_state(self) -> Array | None:
        """State that is neither a parameter nor a buffer, as one array; None (the default): none.

        A module that returns an array here gets it back in ``set_extra_state`` when a state
        dict or a file is loaded (key ``<name>._extra_state``, checked for shape and dtype).
        """
        return None

    def set_extra_state(self, state: Array) -> None:
        """Restore what ``get_extra_state`` returned (only modules that have extra state)."""
        raise TypeError(f"{type(self).__name__} has no extra state to set")

    def state_dict(self) -> dict[str, Array]:
        """``{dotted name: copy of the array}`` for every parameter, buffer and extra state.

        The order is module by module: its parameters, its buffers, its extra state (see
        ``_entries``). Copies: training on afterwards does not change a state dict taken now.

        >>> from tinygrad_edu.nn import BatchNorm1d
        >>> list(BatchNorm1d(3).state_dict())
        ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']
        """
        return {name: np.array(arr) for name, _, arr, _ in self._entries()}

    def load_state_dict(self: M, state: dict[str, Any], source: str = "state dict") -> M:
        """Copy ``state`` into this model's parameters, buffers and extra state, in place.

        Names must match exactly (missing and unexpected keys are named), and each array must
        have the shape and dtype of what it replaces; nothing is changed unless everything fits.
        Returns ``self``.
        """
        entries = self._entries()
        expected = {name: arr for name, _, arr, _ in entries}
        kinds = {name: kind for name, kind, _, _ in entries}
        check_state(expected, state, source, type(self).__name__, kinds=kinds)
        for name, _, arr, holder in entries:
            if isinstance(holder, Tensor):
                np.copyto(arr, state[name])
                mark_changed(holder)  # a graph recorded before now must not use the old values
            else:
                holder.set_extra_state(np.array(state[name]))
        return self

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write ``state_dict()`` to ``path`` as an ``.npz`` archive (exactly that name).

        Atomic (a failed save keeps the old file), bit for bit and without pickle: see
        ``serialization.save_arrays``.
        """
        save_arrays(((name, arr) for name, _, arr, _ in self._entries()), path)

    def load(self: M, path: str | os.PathLike[str]) -> M:
        """Fill this model, in place, from a file written by ``save``; returns it.

        The file is read without pickle (``serialization.load_arrays``); names, shapes and dtypes
        must match the model exactly (see ``load_state_dict``); errors name the file and entry.
        """
        entries = self._entries()
        expected = {name: arr for name, _, arr, _ in entries}
        kinds = {name: kind for name, kind, _, _ in entries}
        state = load_arrays(path, expected, type(self).__name__, kinds)
        return self.load_state_dict(state, source=f"load: {os.fspath(path)!r}")
