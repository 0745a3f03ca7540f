"""Sliding windows over images (NCHW): unfold (im2col), its adjoint fold, and max pooling.

A 2-D convolution is a matrix product once every kh×kw window of the (padded) input is laid out
as a column: ``unfold`` does that, ``conv2d = weight.reshape(O, C·kh·kw) @ unfold(x)``. Unfold only
copies elements, so it is linear: its backward adds each column entry back to the pixel it came
from (``fold``), and fold's backward is unfold again — which is why convolutions have second
derivatives and tangents here with no rules of their own.

Shapes: x is (N, C, H, W); with kernel (kh, kw), stride s and padding p the output has
OH = (H + 2p − kh) // s + 1 rows and OW = (W + 2p − kw) // s + 1 columns.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..autograd import Array, Grads, Saved
from . import dual
from .dual import Primitive, Value

Pair = tuple[int, int]


def output_size(size: Pair, kernel: Pair, stride: int, padding: int) -> Pair:
    """(OH, OW) of a window pass over an image of ``size`` = (H, W)."""
    return (
        (size[0] + 2 * padding - kernel[0]) // stride + 1,
        (size[1] + 2 * padding - kernel[1]) // stride + 1,
    )


def _windows(x: Array, kernel: Pair, stride: int) -> Array:
    """A read-only view of shape (N, C, kh, kw, OH, OW): element [n, c, i, j, r, q] is
    x[n, c, r·s + i, q·s + j]."""
    n, c, h, w = x.shape
    oh, ow = output_size((h, w), kernel, stride, 0)
    sn, sc, sh, sw = x.strides
    return as_strided(
        x,
        shape=(n, c, kernel[0], kernel[1], oh, ow),
        strides=(sn, sc, sh, sw, sh * stride, sw * stride),
        writeable=False,
    )


def _fold(cols: Array, shape: tuple[int, ...], kernel: Pair, stride: int, padding: int) -> Array:
    """The adjoint of unfold: every column entry added back to its pixel (overlaps add up)."""
    n, c, h, w = shape
    oh, ow = output_size((h, w), kernel, stride, padding)
    six = cols.reshape(n, c, kernel[0], kernel[1], oh, ow)
    out = np.zeros((n, c, h + 2 * padding, w + 2 * padding), dtype=cols.dtype)
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            out[:, :, i : i + stride * oh : stride, j : j + stride * ow : stride] += six[:, :, i, j]
    return out[:, :, padding : padding + h, padding : padding + w]


class Unfold(Primitive):
    """f(x) = every kh×kw window of the padded x as a column: (N, C, H, W) → (N, C·kh·kw, OH·OW).

    Linear in x, so ∂L/∂x = fold(g): each entry of g goes back to the pixel it was copied from,
    adding up where windows overlap; ḟ = unfold(ẋ).
    """

    __slots__ = ("kernel", "padding", "shape", "stride")
    formula = "∂L/∂x = fold(g)"

    def __init__(self, kernel: Pair, stride: int, padding: int) -> None:
        self.kernel, self.stride, self.padding = kernel, stride, padding

    def forward(self, x: Array) -> Array:
        self.shape = x.shape
        p = self.padding
        padded = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p))) if p else x
        n, c = x.shape[:2]
        return _windows(padded, self.kernel, self.stride).reshape(
            n, c * self.kernel[0] * self.kernel[1], -1
        )

    def backward(self, g: Value, saved: Saved) -> Grads:
        if not dual.is_array(g):
            return (g._fold(self.shape, self.kernel, self.stride, self.padding),)
        return (_fold(g, self.shape, self.kernel, self.stride, self.padding),)

    def jvp(self, dx: Array) -> Value:
        return self.forward(dx)


class Fold(Primitive):
    """f(c) = columns (N, C·kh·kw, OH·OW) added back into an image of ``shape`` (unfold's adjoint).

    Linear: ∂L/∂c = unfold(g), and ḟ = fold(ċ).
    """

    __slots__ = ("kernel", "padding", "shape", "stride")
    formula = "∂L/∂c = unfold(g)"

    def __init__(self, shape: tuple[int, ...], kernel: Pair, stride: int, padding: int) -> None:
        self.shape, self.kernel, self.stride, self.padding = shape, kernel, stride, padding

    def forward(self, cols: Array) -> Array:
        return _fold(cols, self.shape, self.kernel, self.stride, self.padding)

    def backward(self, g: Value, saved: Saved) -> Grads:
        if not dual.is_array(g):
            return (g._unfold(self.kernel, self.stride, self.padding),)
        return (Unfold(self.kernel, self.stride, self.padding).forward(g),)

    def jvp(self, dc: Array) -> Value:
        return self.forward(dc)


class MaxPool2d(Primitive):
    """f(x) = the largest element of each kh×kw window (stride s), (N, C, H, W) → (N, C, OH, OW).

    ∂f/∂x is 1 at each window's maximum and 0 elsewhere: g goes back to the winners (a pixel that
    wins two overlapping windows gets both shares). Which element wins is a constant of the
    derivative, so the second derivative is 0 and ḟ = ẋ at the winners. At a tie the first
    element in reading order wins, as in PyTorch.
    """

    __slots__ = ("index", "kernel", "shape", "stride")
    formula = "∂max/∂xᵢ = 1 at each window's maximum"

    def __init__(self, kernel: Pair, stride: int) -> None:
        self.kernel, self.stride = kernel, stride

    def forward(self, x: Array) -> Array:
        self.shape = x.shape
        n, c = x.shape[:2]
        kh, kw = self.kernel
        windows = _windows(x, self.kernel, self.stride)  # (N, C, kh, kw, OH, OW)
        oh, ow = windows.shape[4:]
        flat = windows.transpose(0, 1, 4, 5, 2, 3).reshape(n, c, oh, ow, kh * kw)
        best = flat.argmax(axis=-1)
        rows = np.arange(oh)[:, None] * self.stride + best // kw
        cols = np.arange(ow)[None, :] * self.stride + best % kw
        self.index: Any = (
            np.arange(n)[:, None, None, None],
            np.arange(c)[None, :, None, None],
            rows,
            cols,
        )
        return np.asarray(x[self.index])

    def backward(self, g: Value, saved: Saved) -> Grads:
        return (dual.scatter(g, self.index, self.shape),)

    def jvp(self, dx: Array) -> Value:
        return np.asarray(dx[self.index])
