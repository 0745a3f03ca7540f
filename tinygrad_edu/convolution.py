"""Convolution and pooling on NCHW images, as functions of Tensors (the layers are in ``nn``).

``conv2d(x, weight, bias, stride, padding)`` is im2col followed by one matrix product: the input's
windows laid out as columns (``ops.Unfold``) and multiplied by the weight flattened to
(out_channels, in_channels·kh·kw) — PyTorch's layout. It is one primitive, ``ops.Conv2d``, whose
backward is written with unfold, fold and matrix products, so second derivatives and tangents
follow from those ops' own rules.

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

import numpy as np

from . import ops
from .tensor import Tensor

__all__ = ["conv2d", "max_pool2d", "pair"]


def pair(value: int | tuple[int, int], what: str, minimum: int = 1) -> tuple[int, int]:
    """``value`` as (height, width): an int ≥ ``minimum`` for both, or a pair of them; else a
    ``ValueError`` naming ``what`` and the value."""
    both = (value, value) if isinstance(value, int) else value
    ok = isinstance(both, tuple | list) and len(both) == 2
    if not ok or not all(
        isinstance(v, int | np.integer) and not isinstance(v, bool) and v >= minimum for v in both
    ):
        raise ValueError(f"{what} must be an int ≥ {minimum} or a pair of them, got {value!r}")
    return int(both[0]), int(both[1])


def _image(x: Any, where: str) -> Tensor:
    t = x if isinstance(x, Tensor) else Tensor(x)
    if t.ndim != 4:
        raise ValueError(
            f"{where}: expected a 4-D input (N, C, H, W) — NCHW: batch, channels, height, "
            f"width — got shape {t.shape}"
        )
    return t


def conv2d(
    x: Any,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
) -> Tensor:
    """2-D cross-correlation (deep learning's convolution), as ``torch.nn.functional.conv2d``.

    x (N, C, H, W), weight (O, C, kh, kw), bias (O,) → (N, O, OH, OW)::

        out[n, o, r, q] = bias[o] + Σ_{c,i,j} weight[o, c, i, j] · xₚ[n, c, r·sh + i, q·sw + j]
        OH = ⌊(H + 2·ph − kh) / sh⌋ + 1,   OW = ⌊(W + 2·pw − kw) / sw⌋ + 1

    where xₚ is x with ph rows and pw columns of zeros on each side. ``stride`` = (sh, sw) and
    ``padding`` = (ph, pw) may be one int for both directions.
    """
    x = _image(x, "conv2d")
    if weight.ndim != 4:
        raise ValueError(f"conv2d: weight must have shape (out, in, kh, kw), got {weight.shape}")
    step = pair(stride, "conv2d: stride")
    margin = pair(padding, "conv2d: padding", minimum=0)
    out_channels, in_channels, kh, kw = weight.shape
    c, h, w = x.shape[1:]
    if c != in_channels:
        raise ValueError(
            f"conv2d: input has {c} channels (shape {x.shape}) but the weight expects "
            f"{in_channels} (weight shape {weight.shape})"
        )
    padded = (h + 2 * margin[0], w + 2 * margin[1])
    if kh > padded[0] or kw > padded[1]:
        raise ValueError(
            f"conv2d: kernel {kh}×{kw} is larger than the padded input {padded[0]}×{padded[1]} "
            f"(input shape {x.shape}, padding {margin})"
        )
    if bias is None:
        return Tensor._from_op(ops.Conv2d(step, margin, has_bias=False), x, weight)
    if bias.shape != (out_channels,):
        raise ValueError(
            f"conv2d: bias must have shape ({out_channels},), one per output channel, "
            f"got {bias.shape}"
        )
    return Tensor._from_op(ops.Conv2d(step, margin, has_bias=True), x, weight, bias)


def max_pool2d(
    x: Any, kernel_size: int | tuple[int, int], stride: int | tuple[int, int] | None = None
) -> Tensor:
    """The maximum of each window, as ``torch.nn.functional.max_pool2d`` (stride defaults to the
    kernel size): (N, C, H, W) → (N, C, OH, OW), OH = ⌊(H − kh) / sh⌋ + 1 (widths alike).

    ``out[n, c, r, q] = max_{i,j} x[n, c, r·sh + i, q·sw + j]``; the gradient goes to each
    window's maximum, the first in reading order at a tie.
    """
    x = _image(x, "max_pool2d")
    kernel = pair(kernel_size, "max_pool2d: kernel_size")
    step = kernel if stride is None else pair(stride, "max_pool2d: stride")
    h, w = x.shape[2:]
    if kernel[0] > h or kernel[1] > w:
        raise ValueError(
            f"max_pool2d: kernel {kernel[0]}×{kernel[1]} is larger than the input {h}×{w} "
            f"(input shape {x.shape})"
        )
    return Tensor._unary(ops.MaxPool2d(kernel, step), x)
