"""Convolution and pooling on NCHW images, as functions of Tensors (the layers are in ``nn``).

``conv2d(x, weight, bias, stride, padding)`` is im2col followed by one matrix product: the input's
windows laid out as columns (``ops.Unfold``) and multiplied by the weight flattened to
(out_channels, in_channels·kh·kw) — PyTorch's layout — so the backward, the second derivatives
and the tangents all come from ``Unfold`` and ``MatMul``.

>>> import numpy as np
>>> from tinygrad_edu import Tensor
>>> x = Tensor(np.arange(16.0).reshape(1, 1, 4, 4))
>>> conv2d(x, Tensor(np.ones((1, 1, 2, 2)))).data[0, 0]       # sums of the 2×2 windows
array([[10., 14., 18.],
       [26., 30., 34.],
       [42., 46., 50.]])
>>> max_pool2d(x, 2).data[0, 0]
array([[ 5.,  7.],
       [13., 15.]])
"""

from __future__ import annotations

from typing import Any

from . import ops
from .ops.windows import output_size
from .tensor import Tensor

__all__ = ["conv2d", "max_pool2d", "pair"]


def pair(value: int | tuple[int, int], what: str) -> tuple[int, int]:
    """``value`` as (height, width): an int ≥ 1 for both, or a pair of them."""
    both = (value, value) if isinstance(value, int) else tuple(value)
    if len(both) != 2 or not all(
        isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in both
    ):
        raise ValueError(f"{what} must be an int ≥ 1 or a pair of them, got {value!r}")
    return both


def _image(x: Any, where: str) -> Tensor:
    t = x if isinstance(x, Tensor) else Tensor(x)
    if t.ndim != 4:
        raise ValueError(f"{where}: expected input of shape (N, C, H, W), got shape {t.shape}")
    return t


def conv2d(
    x: Any, weight: Tensor, bias: Tensor | None = None, stride: int = 1, padding: int = 0
) -> Tensor:
    """2-D cross-correlation (deep learning's convolution), as ``torch.nn.functional.conv2d``.

    x (N, C, H, W), weight (O, C, kh, kw), bias (O,) → (N, O, OH, OW), with
    OH = (H + 2·padding − kh) // stride + 1 (and the same for widths).
    """
    x = _image(x, "conv2d")
    if weight.ndim != 4:
        raise ValueError(f"conv2d: weight must have shape (out, in, kh, kw), got {weight.shape}")
    out_channels, in_channels, kh, kw = weight.shape
    n, c, h, w = x.shape
    if c != in_channels:
        raise ValueError(
            f"conv2d: input has {c} channels (shape {x.shape}) but the weight expects "
            f"{in_channels} (weight shape {weight.shape})"
        )
    if stride < 1 or padding < 0:
        raise ValueError(f"conv2d: stride must be ≥ 1 and padding ≥ 0, got {stride} and {padding}")
    if kh > h + 2 * padding or kw > w + 2 * padding:
        raise ValueError(
            f"conv2d: kernel {kh}×{kw} is larger than the padded input "
            f"{h + 2 * padding}×{w + 2 * padding} (input shape {x.shape}, padding {padding})"
        )
    oh, ow = output_size((h, w), (kh, kw), stride, padding)
    columns = Tensor._unary(ops.Unfold((kh, kw), stride, padding), x)  # (N, C·kh·kw, OH·OW)
    out = (weight.reshape(out_channels, -1) @ columns).reshape(n, out_channels, oh, ow)
    return out if bias is None else out + bias.reshape(1, out_channels, 1, 1)


def max_pool2d(
    x: Any, kernel_size: int | tuple[int, int], stride: int | tuple[int, int] | None = None
) -> Tensor:
    """The maximum of each window, as ``torch.nn.functional.max_pool2d`` (stride defaults to the
    kernel size): (N, C, H, W) → (N, C, OH, OW)."""
    x = _image(x, "max_pool2d")
    kernel = pair(kernel_size, "max_pool2d: kernel_size")
    step = kernel if stride is None else pair(stride, "max_pool2d: stride")
    if step[0] != step[1]:
        raise ValueError(f"max_pool2d: only equal strides are supported, got {stride!r}")
    h, w = x.shape[2:]
    if kernel[0] > h or kernel[1] > w:
        raise ValueError(f"max_pool2d: kernel {kernel} is larger than the input {h}×{w}")
    return Tensor._unary(ops.MaxPool2d(kernel, step[0]), x)
