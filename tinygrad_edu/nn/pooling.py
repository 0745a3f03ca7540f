"""``MaxPool2d``: keep the largest value of each window of an NCHW image."""

from __future__ import annotations

from typing import Any

from .. import ops
from ..activations import as_tensor
from ..convolution import pair
from ..tensor import Tensor
from .module import Module

Pair = tuple[int, int]


class MaxPool2d(Module):
    """Max pooling over kh×kw windows with stride (sh, sw), as ``torch.nn.MaxPool2d``.

    x (N, C, H, W) → y (N, C, OH, OW), each channel on its own::

        y[n, c, r, q] = max_{0 ≤ i < kh, 0 ≤ j < kw} x[n, c, r·sh + i, q·sw + j]
        OH = ⌊(H − kh) / sh⌋ + 1        OW = ⌊(W − kw) / sw⌋ + 1

    ``stride`` defaults to ``kernel_size`` (windows side by side, not overlapping); both are an
    int for the two directions or a pair. Rows or columns left over at the bottom and right are
    dropped, as PyTorch does without ``ceil_mode``. No parameters. The gradient goes to each
    window's largest element and nowhere else; at a tie, to the first of the tied elements in
    reading order (row by row), as PyTorch's CPU kernel does.

    >>> import numpy as np
    >>> pool = MaxPool2d(2)
    >>> pool
    MaxPool2d(kernel_size=2, stride=2)
    >>> pool(np.arange(16.0).reshape(1, 1, 4, 4)).data[0, 0]
    array([[ 5.,  7.],
           [13., 15.]])
    """

    def __init__(self, kernel_size: int | Pair, stride: int | Pair | None = None) -> None:
        super().__init__()
        self._kernel = pair(kernel_size, "MaxPool2d: kernel_size")
        self._stride = self._kernel if stride is None else pair(stride, "MaxPool2d: stride")
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride

    def forward(self, x: Any) -> Tensor:
        """(N, C, H, W) → (N, C, OH, OW); see the class for the sizes."""
        t = as_tensor(x)
        if t.ndim != 4:
            raise ValueError(
                f"{self!r}: expected a 4-D input (N, C, H, W) — NCHW: batch, channels, "
                f"height, width — got shape {t.shape}"
            )
        (kh, kw), (h, w) = self._kernel, t.shape[2:]
        if kh > h or kw > w:
            raise ValueError(
                f"{self!r}: kernel {kh}×{kw} is larger than the input {h}×{w} "
                f"(input shape {t.shape})"
            )
        return Tensor._unary(ops.MaxPool2d(self._kernel, self._stride), t)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}"
