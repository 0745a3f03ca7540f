"""The way out to PyTorch: ``to_torch(model)`` and ``from_torch(module)``, same weights both ways.

A model built and understood here can be carried into PyTorch when it outgrows one process
(GPUs, distributed training, deployment), and a small PyTorch model can be brought here to be
looked at op by op. Both directions copy the weights (they share no memory), keep the dtype,
carry the running statistics of batch norm and every layer's train/eval mode, so the two
models compute the same outputs — to 1e-12 in float64 (the tests check it).

=============================  ==============================================================
tinygrad_edu                   torch.nn
=============================  ==============================================================
``Sequential``                 ``Sequential``; a Dense's activation becomes a layer of its own
``Dense(i, o)``, weight (i, o)  ``Linear(i, o)``, weight (o, i): transposed on the way
``Dropout(p)``                 ``Dropout(p)``
``BatchNorm1d``                ``BatchNorm1d`` with its weight, bias and running statistics
``Flatten``                    ``Flatten``
``Conv2d``, weight (o, i, kh, kw)  ``Conv2d`` (same layout; no dilation, groups or padding modes)
``MaxPool2d``                  ``MaxPool2d`` (no padding, dilation or ceil_mode)
activation functions           Sigmoid, Tanh, ReLU, LeakyReLU, Softmax, LogSoftmax
=============================  ==============================================================

The activation functions are ``sigmoid``, ``tanh``, ``relu``, ``leaky_relu``, ``softmax`` and
``log_softmax``; a ``functools.partial`` of one carries ``negative_slope`` or ``axis`` (torch's
``dim``), and ``linear`` (the identity) becomes no module at all.

Anything else is refused with an error naming the layer and where it sits, and so is a
setting our layer cannot represent (a torch ``Conv2d`` with ``dilation=2`` or ``groups=2``, a
``MaxPool2d`` with ``ceil_mode=True``), named in the error. Supporting a new
layer is one entry in ``LAYERS``: a ``LayerConverter`` with our class, the ``torch.nn`` class
name and the two small functions that build one from the other. Needs only the ``torch``
extra; dropout masks come from each framework's own generator, so they differ between the two.
With PyTorch installed::

    model = Sequential(Dense(4, 8, activation="relu", seed=0), Dense(8, 3, seed=1))
    print(to_torch(model))
    # Sequential(
    #   (0): Linear(in_features=4, out_features=8, bias=True)
    #   (1): ReLU()
    #   (2): Linear(in_features=8, out_features=3, bias=True)
    # )
"""

from __future__ import annotations

from typing import Any

from ..nn import Module, Sequential
from ._torch import require_torch
from .activations import (
    ACTIVATIONS,
    ActivationConverter,
    activation_from_torch,
    activation_names,
    activation_to_torch,
)
from .layers import LAYERS, LayerConverter

__all__ = [
    "ACTIVATIONS",
    "LAYERS",
    "ActivationConverter",
    "LayerConverter",
    "from_torch",
    "to_torch",
]


def _supported() -> str:
    layers = ", ".join(["Sequential", *(c.ours.__name__ for c in LAYERS)])
    return f"{layers} and the activations {activation_names()}"


def _supported_torch() -> str:
    return ", ".join(["Sequential", *(c.theirs for c in LAYERS), *(c.theirs for c in ACTIVATIONS)])


def _place(name: str) -> str:
    return f"at {name!r}" if name else "the model itself"


def _layer_to_torch(layer: Any, torch: Any, name: str, training: bool) -> list[Any]:
    """The torch modules for ``layer`` at ``name``; ``training`` is the enclosing mode, which a
    function (an activation in a Sequential) takes over."""
    if type(layer) is Sequential:
        return [
            m
            for i, sub in enumerate(layer)
            for m in _layer_to_torch(sub, torch, f"{name}.{i}" if name else str(i), layer.training)
        ]
    if isinstance(layer, Module):
        conv = next((c for c in LAYERS if type(layer) is c.ours), None)
        if conv is None:
            raise TypeError(
                f"to_torch: {type(layer).__name__} ({_place(name)}) has no PyTorch counterpart "
                f"here; supported: {_supported()}. A new layer is one LayerConverter in "
                "tinygrad_edu.interop.LAYERS"
            )
        try:
            found = conv.to_torch(layer, torch)
        except TypeError as err:
            raise TypeError(f"{err} [in {type(layer).__name__} {_place(name)}]") from None
        training = layer.training
    else:
        found = activation_to_torch(layer, torch, _place(name))
    for module in found:
        module.training = training
    return found


def to_torch(model: Module) -> Any:
    """A ``torch.nn.Module`` computing what ``model`` computes, with copies of its weights.

    ``Sequential`` becomes ``torch.nn.Sequential`` (a ``Dense`` with an activation becomes a
    ``Linear`` followed by the activation's module, so positions can shift); a single layer
    becomes its module, or a ``torch.nn.Sequential`` of two for a Dense with an activation.
    Dtypes, running statistics and each layer's train/eval mode are kept. An unsupported layer
    or function raises ``TypeError`` naming it and its position.
    """
    torch = require_torch()
    modules = _layer_to_torch(model, torch, "", bool(getattr(model, "training", True)))
    if type(model) is Sequential or len(modules) != 1:
        seq = torch.nn.Sequential(*modules)
        seq.training = bool(getattr(model, "training", True))
        return seq
    return modules[0]


def _module_from_torch(module: Any, torch: Any, name: str) -> Any:
    kind = type(module)
    if kind is torch.nn.Sequential:
        layer: Any = Sequential(
            *(
                _module_from_torch(child, torch, f"{name}.{key}" if name else key)
                for key, child in module.named_children()
            )
        )
    else:
        conv = next((c for c in LAYERS if kind is getattr(torch.nn, c.theirs)), None)
        act = next((a for a in ACTIVATIONS if kind is getattr(torch.nn, a.theirs)), None)
        if conv is not None:
            layer = conv.from_torch(module)
        elif act is not None:
            return activation_from_torch(module, act, _place(name))
        else:
            public = getattr(torch.nn, kind.__name__, None) is kind
            where = "torch.nn" if public else kind.__module__
            raise TypeError(
                f"from_torch: {where}.{kind.__name__} ({_place(name)}) is not supported; "
                f"supported torch.nn layers: {_supported_torch()}"
            )
    layer.training = bool(module.training)
    return layer


def from_torch(module: Any) -> Module:
    """Our model for a ``torch.nn`` module built from the supported layers, weights copied.

    ``torch.nn.Sequential`` becomes ``Sequential`` with the same positions (activation modules
    become activation functions in it, so parameter names match PyTorch's: ``0.weight`` …);
    ``Linear`` becomes ``Dense`` with the weight transposed. Dtypes, running statistics and
    train/eval modes are kept; a bare activation module becomes a one-layer ``Sequential``.
    Anything else raises ``TypeError`` naming the class and where it sits.
    """
    torch = require_torch()
    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"from_torch: expected a torch.nn.Module, got {type(module).__name__}")
    layer = _module_from_torch(module, torch, "")
    if isinstance(layer, Module):
        return layer
    wrapped = Sequential(layer)
    wrapped.training = bool(module.training)
    return wrapped
