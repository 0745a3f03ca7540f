"""``Conv2d``: a bank of learned filters slid over an image (NCHW), PyTorch's layout and init."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import ops
from .._checks import check_seed, count, float_dtype
from ..convolution import pair
from ..tensor import Tensor
from .module import Module

Pair = tuple[int, int]


class Conv2d(Module):
    """2-D convolution (cross-correlation) of NCHW images, as ``torch.nn.Conv2d``.

    x (N, C, H, W) with C = ``in_channels`` → y (N, O, OH, OW) with O = ``out_channels``::

        y[n, o, r, q] = bias[o] + Σ_{c, i, j} weight[o, c, i, j] · xₚ[n, c, r·sh + i, q·sw + j]
        OH = ⌊(H + 2·ph − kh) / sh⌋ + 1        OW = ⌊(W + 2·pw − kw) / sw⌋ + 1

    xₚ is x with ``padding`` (ph, pw) rows and columns of zeros on each side; ``kernel_size``
    (kh, kw), ``stride`` (sh, sw) and ``padding`` are an int for both directions or a pair.
    ``weight`` is (O, C, kh, kw) and ``bias`` (O,) — PyTorch's layout, so ``state_dict`` keys and
    shapes match ``torch.nn.Conv2d``'s; ``bias=False`` leaves the bias out (``bias`` is None).

    Computed as im2col: every window of xₚ becomes a column (``ops.Unfold``, a strided view
    copied once), then one matrix product ``weight.reshape(O, C·kh·kw) @ columns``. The
    gradients follow from those two ops: ∂L/∂weight = Σₙ gₙ @ columnsₙᵀ, ∂L/∂bias = Σ g over
    (n, r, q), and ∂L/∂x = fold(weightᵀ @ g) — each column entry added back to its pixel.

    Initial values as PyTorch's: weight and bias both uniform in [−1/√fan_in, 1/√fan_in] with
    fan_in = C·kh·kw (He-uniform with a = √5), drawn from ``seed`` (an int, None for fresh
    entropy, or a ``np.random.Generator``), the weight first. ``dtype`` is float64 unless told.

    >>> conv = Conv2d(1, 2, kernel_size=3, padding=1, seed=0)
    >>> conv
    Conv2d(1, 2, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
    >>> conv(np.zeros((5, 1, 8, 8))).shape                # ⌊(8 + 2 − 3) / 1⌋ + 1 = 8
    (5, 2, 8, 8)
    >>> Conv2d(1, 2, 3, stride=2, seed=0)(np.zeros((5, 1, 8, 8))).shape   # ⌊(8 − 3) / 2⌋ + 1
    (5, 2, 3, 3)
    """

    weight: Tensor
    bias: Tensor | None

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | Pair,
        stride: int | Pair = 1,
        padding: int | Pair = 0,
        *,
        bias: bool = True,
        seed: int | np.random.Generator | None = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.in_channels = count("Conv2d", "in_channels", in_channels)
        self.out_channels = count("Conv2d", "out_channels", out_channels)
        self.kernel_size = pair(kernel_size, "Conv2d: kernel_size")
        self.stride = pair(stride, "Conv2d: stride")
        self.padding = pair(padding, "Conv2d: padding", minimum=0)
        if not isinstance(bias, bool):
            raise TypeError(f"Conv2d: bias must be True or False, got {bias!r}")
        dtype = float_dtype("Conv2d", dtype)
        rng = np.random.default_rng(check_seed("Conv2d", seed))
        fan_in = self.in_channels * self.kernel_size[0] * self.kernel_size[1]
        bound = 1.0 / math.sqrt(fan_in)
        shape = (self.out_channels, self.in_channels, *self.kernel_size)
        values = rng.uniform(-bound, bound, size=shape).astype(dtype)
        self.weight = Tensor(values, requires_grad=True, name="weight")
        if bias:
            values = rng.uniform(-bound, bound, size=self.out_channels).astype(dtype)
            self.bias = Tensor(values, requires_grad=True, name="bias")
        else:
            self.bias = None

    def forward(self, x: Any) -> Tensor:
        """(N, in_channels, H, W) → (N, out_channels, OH, OW); see the class for the sizes."""
        if not isinstance(x, Tensor):
            x = Tensor(x, dtype=self.weight.dtype)
        shape = x.shape
        if len(shape) != 4:
            raise ValueError(
                f"{self!r}: expected a 4-D input (N, C, H, W) — NCHW: batch, channels, "
                f"height, width — got shape {shape}"
            )
        if shape[1] != self.in_channels:
            raise ValueError(
                f"{self!r}: expected {self.in_channels} input channel(s) (in_channels), got "
                f"{shape[1]} in an input of shape {shape} (NCHW: channels are dimension 1)"
            )
        (kh, kw), (ph, pw) = self.kernel_size, self.padding
        if kh > shape[2] + 2 * ph or kw > shape[3] + 2 * pw:
            raise ValueError(
                f"{self!r}: kernel {kh}×{kw} is larger than the padded input "
                f"{shape[2] + 2 * ph}×{shape[3] + 2 * pw} (input {shape[2]}×{shape[3]}, "
                f"padding {self.padding}, input shape {shape})"
            )
        # checked here, so straight to the op (``convolution.conv2d`` would check it all again)
        if self.bias is None:
            return Tensor._from_op(ops.Conv2d(self.stride, self.padding, False), x, self.weight)
        return Tensor._from_op(
            ops.Conv2d(self.stride, self.padding, True), x, self.weight, self.bias
        )

    def extra_repr(self) -> str:
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}"
        text += f", stride={self.stride}"
        if self.padding != (0, 0):
            text += f", padding={self.padding}"
        return text if self.bias is not None else text + ", bias=False"
