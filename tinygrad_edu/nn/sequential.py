"""``Sequential``: layers applied one after another."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from ..activations import get_activation
from .dense import name_of
from .module import Module


class Sequential(Module):
    """Layers applied one after another: ``Sequential(a, b, c)(x) = c(b(a(x)))``.

    Layers are modules, callables (``activations.relu``) or activation names (``"relu"``).
    Modules are registered under their position, so parameter names read ``0.weight``,
    ``2.bias``. Supports ``len``, iteration, ``model[i]`` and slices (a new ``Sequential``).
    """

    _layers: list[Callable[..., Any]]

    def __init__(self, *layers: Module | Callable[..., Any] | str) -> None:
        super().__init__()
        object.__setattr__(self, "_layers", [])
        for layer in layers:
            self.append(layer)

    def append(self, layer: Module | Callable[..., Any] | str) -> Sequential:
        """Add a layer at the end; returns ``self``."""
        if isinstance(layer, str) or layer is None:
            layer = get_activation(layer)
        elif not callable(layer):
            raise TypeError(f"Sequential: a layer must be callable, got {type(layer).__name__}")
        if isinstance(layer, Module):
            setattr(self, str(len(self._layers)), layer)
        self._layers.append(layer)
        return self

    def forward(self, x: Any) -> Any:
        """Each layer's output is the next one's input; the last one's is the result."""
        for layer in self._layers:
            x = layer(x)
        return x

    def __len__(self) -> int:
        return len(self._layers)

    def __iter__(self) -> Iterator[Callable[..., Any]]:
        return iter(self._layers)

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return Sequential(*self._layers[index])
        return self._layers[index]

    def _child_reprs(self) -> list[tuple[str, str]]:
        return [
            (str(i), repr(layer) if isinstance(layer, Module) else name_of(layer))
            for i, layer in enumerate(self._layers)
        ]
