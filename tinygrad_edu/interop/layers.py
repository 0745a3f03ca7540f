"""The layers that cross over to PyTorch and back: one ``LayerConverter`` each, in ``LAYERS``.

A new layer is one more entry: our class, the ``torch.nn`` class name, and two small functions
that build one from the other with the weights copied (``Sequential`` is the walk's own job).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..nn import BatchNorm1d, Conv2d, Dense, Dropout, Flatten, MaxPool2d, Module
from ._torch import copy_into, require_torch, to_numpy, torch_dtype
from .activations import activation_to_torch


@dataclass(frozen=True)
class LayerConverter:
    """How one kind of layer crosses over.

    ``to_torch(layer, torch)`` returns the ``torch.nn`` modules that compute what ``layer``
    computes, in order (usually one); ``from_torch(module)`` returns our layer for a module of
    class ``torch.nn.<theirs>``. Weights are copied; training flags are set by the caller.
    """

    ours: type[Module]
    theirs: str
    to_torch: Callable[[Any, Any], list[Any]]
    from_torch: Callable[[Any], Module]


def _dense_to_torch(layer: Dense, torch: Any) -> list[Any]:
    linear = torch.nn.Linear(
        layer.in_features, layer.out_features, dtype=torch_dtype(torch, layer.weight.dtype)
    )
    copy_into(torch, linear.weight, layer.weight.data.T)
    copy_into(torch, linear.bias, layer.bias.data)
    return [linear, *activation_to_torch(layer.activation, torch, "a Dense's activation")]


def _linear_from_torch(module: Any) -> Module:
    if module.bias is None:
        raise TypeError(
            f"from_torch: {module} has no bias, and Dense always has one; "
            "add a bias of zeros to the Linear first if that is what you mean"
        )
    weight = to_numpy(module.weight)
    return Dense(
        module.in_features,
        module.out_features,
        weight_init=np.ascontiguousarray(weight.T),
        bias_init=to_numpy(module.bias),
        dtype=weight.dtype,
    )


def _dropout_to_torch(layer: Dropout, torch: Any) -> list[Any]:
    return [torch.nn.Dropout(layer.p)]


def _dropout_from_torch(module: Any) -> Module:
    return Dropout(module.p)


def _batchnorm_to_torch(layer: BatchNorm1d, torch: Any) -> list[Any]:
    bn = torch.nn.BatchNorm1d(
        layer.num_features,
        eps=layer.eps,
        momentum=layer.momentum,
        affine=layer.affine,
        track_running_stats=layer.track_running_stats,
        dtype=torch_dtype(torch, layer.dtype),
    )
    pairs = [(bn.weight, layer.weight), (bn.bias, layer.bias)]
    pairs += [(bn.running_mean, layer.running_mean), (bn.running_var, layer.running_var)]
    pairs += [(bn.num_batches_tracked, layer.num_batches_tracked)]
    for theirs, ours in pairs:
        if ours is not None:
            copy_into(torch, theirs, ours.data)
    return [bn]


def _batchnorm_from_torch(module: Any) -> Module:
    if module.affine and module.bias is None:
        raise TypeError(f"from_torch: {module} has a weight but no bias; BatchNorm1d has both")
    torch = require_torch()
    tensors = [t for t in (module.weight, module.running_mean) if t is not None]
    dtype = tensors[0].dtype if tensors else torch.get_default_dtype()
    layer = BatchNorm1d(
        module.num_features,
        eps=module.eps,
        momentum=module.momentum,
        affine=module.affine,
        track_running_stats=module.track_running_stats,
        dtype=to_numpy(torch.empty(0, dtype=dtype)).dtype,
    )
    for name in ("weight", "bias", "running_mean", "running_var", "num_batches_tracked"):
        ours = getattr(layer, name)
        if ours is not None:
            np.copyto(ours.data, to_numpy(getattr(module, name)))
    return layer


def _flatten_to_torch(layer: Flatten, torch: Any) -> list[Any]:
    return [torch.nn.Flatten(layer.start_dim, layer.end_dim)]


def _flatten_from_torch(module: Any) -> Module:
    return Flatten(module.start_dim, module.end_dim)


def _conv_to_torch(layer: Conv2d, torch: Any) -> list[Any]:
    conv = torch.nn.Conv2d(
        layer.in_channels,
        layer.out_channels,
        layer.kernel_size,
        stride=layer.stride,
        padding=layer.padding,
        bias=layer.bias is not None,
        dtype=torch_dtype(torch, layer.weight.dtype),
    )
    copy_into(torch, conv.weight, layer.weight.data)
    if layer.bias is not None:
        copy_into(torch, conv.bias, layer.bias.data)
    return [conv]


def _refuse(module: Any, settings: dict[str, tuple[Any, Any]]) -> None:
    """A ``TypeError`` naming every setting of ``module`` that differs from the only value we
    support; ``settings`` maps the attribute to (its value, the supported value)."""
    wrong = [f"{k}={v!r}" for k, (v, ok) in settings.items() if v != ok]
    if wrong:
        supported = ", ".join(f"{k}={ok!r}" for k, (_, ok) in settings.items())
        raise TypeError(
            f"from_torch: {module} has {', '.join(wrong)}, which {type(module).__name__} here "
            f"cannot represent (supported: {supported})"
        )


def _pair(value: Any) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else (int(value[0]), int(value[1]))


def _conv_padding(module: Any) -> tuple[int, int]:
    """The (ph, pw) zeros on each side that torch's ``padding`` means; "valid" is none and
    "same" is (k − 1)/2 per side, which needs an odd kernel (else torch pads unequally)."""
    padding = module.padding
    if padding == "valid":
        return 0, 0
    if padding != "same":
        return _pair(padding)
    kernel = _pair(module.kernel_size)
    if any(k % 2 == 0 for k in kernel):
        raise TypeError(
            f"from_torch: {module} has padding='same' with an even kernel {kernel}, so torch "
            "pads one side more than the other; Conv2d here pads both sides equally"
        )
    return (kernel[0] - 1) // 2, (kernel[1] - 1) // 2


def _conv_from_torch(module: Any) -> Module:
    _refuse(
        module,
        {
            "dilation": (_pair(module.dilation), (1, 1)),
            "groups": (module.groups, 1),
            "padding_mode": (module.padding_mode, "zeros"),
        },
    )
    padding = _conv_padding(module)
    weight = to_numpy(module.weight)
    layer = Conv2d(
        module.in_channels,
        module.out_channels,
        _pair(module.kernel_size),
        stride=_pair(module.stride),
        padding=padding,
        bias=module.bias is not None,
        dtype=weight.dtype,
    )
    np.copyto(layer.weight.data, weight)
    if layer.bias is not None:
        np.copyto(layer.bias.data, to_numpy(module.bias))
    return layer


def _pool_to_torch(layer: MaxPool2d, torch: Any) -> list[Any]:
    return [torch.nn.MaxPool2d(layer.kernel_size, stride=layer.stride)]


def _pool_from_torch(module: Any) -> Module:
    stride = module.stride if module.stride is not None else module.kernel_size
    _refuse(
        module,
        {
            "padding": (_pair(module.padding), (0, 0)),
            "dilation": (_pair(module.dilation), (1, 1)),
            "ceil_mode": (module.ceil_mode, False),
            "return_indices": (module.return_indices, False),
        },
    )
    return MaxPool2d(module.kernel_size, stride=stride)


#: The layers that cross over, one entry each (``Sequential`` is handled by the walk itself).
LAYERS: tuple[LayerConverter, ...] = (
    LayerConverter(Dense, "Linear", _dense_to_torch, _linear_from_torch),
    LayerConverter(Dropout, "Dropout", _dropout_to_torch, _dropout_from_torch),
    LayerConverter(BatchNorm1d, "BatchNorm1d", _batchnorm_to_torch, _batchnorm_from_torch),
    LayerConverter(Flatten, "Flatten", _flatten_to_torch, _flatten_from_torch),
    LayerConverter(Conv2d, "Conv2d", _conv_to_torch, _conv_from_torch),
    LayerConverter(MaxPool2d, "MaxPool2d", _pool_to_torch, _pool_from_torch),
)
