"""Activation functions ↔ ``torch.nn`` activation modules."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .. import activations


@dataclass(frozen=True)
class ActivationConverter:
    """An activation function ↔ a ``torch.nn`` module; ``options`` are
    ``(our keyword, torch attribute, default)`` such as ``("axis", "dim", -1)``."""

    ours: Callable[..., Any]
    theirs: str
    options: tuple[tuple[str, str, Any], ...] = ()


#: The activation functions that cross over (``linear``, the identity, becomes no module).
ACTIVATIONS: tuple[ActivationConverter, ...] = (
    ActivationConverter(activations.sigmoid, "Sigmoid"),
    ActivationConverter(activations.tanh, "Tanh"),
    ActivationConverter(activations.relu, "ReLU"),
    ActivationConverter(
        activations.leaky_relu, "LeakyReLU", (("negative_slope", "negative_slope", 0.01),)
    ),
    ActivationConverter(activations.softmax, "Softmax", (("axis", "dim", -1),)),
    ActivationConverter(activations.log_softmax, "LogSoftmax", (("axis", "dim", -1),)),
)


def activation_names() -> str:
    """The activation functions that cross over, for error messages."""
    return ", ".join([*(getattr(c.ours, "__name__", "?") for c in ACTIVATIONS), "linear"])


def activation_to_torch(fn: Callable[..., Any], torch: Any, where: str) -> list[Any]:
    """``[the torch.nn module]`` for an activation function (``[]`` for ``linear``); ``where``
    names the function's place in the error for one that does not cross over."""
    base, kwargs = fn, {}
    if isinstance(fn, functools.partial) and not fn.args:
        base, kwargs = fn.func, dict(fn.keywords)
    if base is activations.linear and not kwargs:
        return []
    for conv in ACTIVATIONS:
        known = {ours for ours, _, _ in conv.options}
        if base is conv.ours and set(kwargs) <= known:
            options = {attr: kwargs.get(ours, default) for ours, attr, default in conv.options}
            return [getattr(torch.nn, conv.theirs)(**options)]
    raise TypeError(
        f"to_torch: the function {getattr(fn, '__name__', None) or fn!r} ({where}) has no "
        f"PyTorch counterpart here; supported activations: {activation_names()}"
    )


def activation_from_torch(module: Any, conv: ActivationConverter, where: str) -> Any:
    """Our function for a torch activation module (a ``functools.partial`` when its settings
    differ from our defaults); a setting torch leaves as None is refused, naming ``where``."""
    kwargs = {}
    for ours, attr, default in conv.options:
        value = getattr(module, attr)
        if value is None:
            raise TypeError(f"from_torch: {module} ({where}) has no {attr}; give it {attr}=...")
        if value != default:
            kwargs[ours] = value
    return functools.partial(conv.ours, **kwargs) if kwargs else conv.ours
