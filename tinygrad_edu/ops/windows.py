"""Sliding windows over images (NCHW): unfold (im2col), its adjoint fold, and max pooling.

A 2-D convolution is a matrix product once every kh×kw window of the (padded) input is laid out
as a column: ``unfold`` does that, ``conv2d = weight.reshape(O, C·kh·kw) @ unfold(x)``. Unfold only
copies elements, so it is linear: its backward adds each column entry back to the pixel it came
from (``fold``), and fold's backward is unfold again — which is why convolutions have second
derivatives and tangents here with no rules of their own.

Shapes: x is (N, C, H, W); with kernel (kh, kw), stride (sh, sw) and padding (ph, pw) the output
has OH = ⌊(H + 2·ph − kh) / sh⌋ + 1 rows and OW = ⌊(W + 2·pw − kw) / sw⌋ + 1 columns. Strides
and paddings may be given as one int for both directions.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..autograd import Array, Grads, Saved
from . import dual
from .dual import Primitive, Value

Pair = tuple[int, int]


def as_pair(value: int | Pair) -> Pair:
    """``value`` for both directions when it is one int, else the (height, width) pair itself."""
    return (value, value) if isinstance(value, int) else (int(value[0]), int(value[1]))


def output_size(size: Pair, kernel: Pair, stride: int | Pair, padding: int | Pair) -> Pair:
    """(OH, OW) of a window pass over an image of ``size`` = (H, W):
    ⌊(H + 2·ph − kh) / sh⌋ + 1 and the same for widths."""
    (sh, sw), (ph, pw) = as_pair(stride), as_pair(padding)
    return (size[0] + 2 * ph - kernel[0]) // sh + 1, (size[1] + 2 * pw - kernel[1]) // sw + 1


def windows(x: Array, kernel: Pair, stride: Pair) -> Array:
    """A read-only view of shape (N, C, kh, kw, OH, OW): element [n, c, i, j, r, q] is
    x[n, c, r·sh + i, q·sw + j]."""
    n, c, h, w = x.shape
    oh, ow = output_size((h, w), kernel, stride, 0)
    sn, sc, s_row, s_col = x.strides
    return as_strided(
        x,
        shape=(n, c, kernel[0], kernel[1], oh, ow),
        strides=(sn, sc, s_row, s_col, s_row * stride[0], s_col * stride[1]),
        writeable=False,
    )


def fold_columns(
    cols: Array, shape: tuple[int, ...], kernel: Pair, stride: Pair, padding: Pair
) -> Array:
    """The adjoint of unfold: every column entry added back to its pixel (overlaps add up)."""
    n, c, h, w = shape
    (sh, sw), (ph, pw) = stride, padding
    oh, ow = output_size((h, w), kernel, stride, padding)
    six = cols.reshape(n, c, kernel[0], kernel[1], oh, ow)
    out = np.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=cols.dtype)
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            out[:, :, i : i + sh * oh : sh, j : j + sw * ow : sw] += six[:, :, i, j]
    return out[:, :, ph : ph + h, pw : pw + w]


def pad(x: Array, padding: Pair) -> Array:
    """``x`` with ``padding`` = (ph, pw) rows and columns of zeros on each side of H and W."""
    ph, pw = padding
    if not (ph or pw):
        return x
    n, c, h, w = x.shape
    out = np.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=x.dtype)
    out[:, :, ph : ph + h, pw : pw + w] = x  # np.pad costs ten times more at these sizes
    return out


class Unfold(Primitive):
    """f(x) = every kh×kw window of the padded x as a column: (N, C, H, W) → (N, C·kh·kw, OH·OW).

    Row c·kh·kw + i·kw + j of column r·OW + q holds x[n, c, r·sh + i − ph, q·sw + j − pw] (zero
    in the padding): PyTorch's ``unfold`` layout. Linear in x, so ∂L/∂x = fold(g): each entry of
    g goes back to the pixel it was copied from, adding up where windows overlap; ḟ = unfold(ẋ).
    """

    __slots__ = ("kernel", "padding", "shape", "stride")
    formula = "∂L/∂x = fold(g)"

    def __init__(self, kernel: Pair, stride: int | Pair, padding: int | Pair) -> None:
        self.kernel, self.stride, self.padding = kernel, as_pair(stride), as_pair(padding)

    def forward(self, x: Array) -> Array:
        self.shape = x.shape
        n, c = x.shape[:2]
        view = windows(pad(x, self.padding), self.kernel, self.stride)
        return view.reshape(n, c * self.kernel[0] * self.kernel[1], -1)

    def backward(self, g: Value, saved: Saved) -> Grads:
        if not dual.is_array(g):
            return (g._fold(self.shape, self.kernel, self.stride, self.padding),)
        return (fold_columns(g, self.shape, self.kernel, self.stride, self.padding),)

    def jvp(self, dx: Array) -> Value:
        return self.forward(dx)


class Fold(Primitive):
    """f(c) = columns (N, C·kh·kw, OH·OW) added back into an image of ``shape`` (unfold's adjoint).

    Linear: ∂L/∂c = unfold(g), and ḟ = fold(ċ).
    """

    __slots__ = ("kernel", "padding", "shape", "stride")
    formula = "∂L/∂c = unfold(g)"

    def __init__(
        self, shape: tuple[int, ...], kernel: Pair, stride: int | Pair, padding: int | Pair
    ) -> None:
        self.shape, self.kernel = shape, kernel
        self.stride, self.padding = as_pair(stride), as_pair(padding)

    def forward(self, cols: Array) -> Array:
        return fold_columns(cols, self.shape, self.kernel, self.stride, self.padding)

    def backward(self, g: Value, saved: Saved) -> Grads:
        if not dual.is_array(g):
            return (g._unfold(self.kernel, self.stride, self.padding),)
        return (Unfold(self.kernel, self.stride, self.padding).forward(g),)

    def jvp(self, dc: Array) -> Value:
        return self.forward(dc)


class MaxPool2d(Primitive):
    """f(x) = the largest element of each kh×kw window (stride (sh, sw)), (N, C, H, W) →
    (N, C, OH, OW) with OH = ⌊(H − kh) / sh⌋ + 1, OW = ⌊(W − kw) / sw⌋ + 1.

    ∂f/∂x is 1 at each window's maximum and 0 elsewhere: g goes back to the winners (a pixel that
    wins two overlapping windows gets both shares). Which element wins is a constant of the
    derivative, so the second derivative is 0 and ḟ = ẋ at the winners. At a tie the first
    element in reading order (row by row) wins, as in PyTorch.

    The window is walked offset by offset: the (i, j) element of every window at once is the
    strided slice x[:, :, i::sh, j::sw], so a 2×2 pool is four slices and three maxima rather
    than a reduction over a short axis, which NumPy does slowly. The winners are found in the
    backward pass, by comparing those slices with the output.
    """

    __slots__ = ("kernel", "offsets", "saved", "stride")
    formula = "∂max/∂xᵢ = 1 at each window's maximum"

    def __init__(self, kernel: Pair, stride: int | Pair) -> None:
        self.kernel, self.stride = kernel, as_pair(stride)

    def _offsets(self, out_shape: tuple[int, ...]) -> list[tuple[slice, ...]]:
        """Where offset (i, j) of every window sits in the input, in reading order of (i, j)."""
        (kh, kw), (sh, sw), (oh, ow) = self.kernel, self.stride, out_shape[2:]
        return [
            (slice(None), slice(None), slice(i, i + sh * oh, sh), slice(j, j + sw * ow, sw))
            for i in range(kh)
            for j in range(kw)
        ]

    def forward(self, x: Array) -> Array:
        oh, ow = output_size((x.shape[2], x.shape[3]), self.kernel, self.stride, 0)
        self.offsets = self._offsets((0, 0, oh, ow))
        parts = [x[where] for where in self.offsets]
        out = np.maximum(parts[0], parts[1]) if len(parts) > 1 else parts[0].copy()
        for part in parts[2:]:
            np.maximum(out, part, out=out)
        self.saved = x, out
        return out

    def _winners(self, x: Array, out: Array) -> list[tuple[tuple[slice, ...], Array]]:
        """For each window offset, where it holds its window's first maximum (a boolean mask of
        the output's shape): each window is won exactly once."""
        free = np.ones(out.shape, dtype=bool)  # windows whose winner is not found yet
        found = []
        for where in self.offsets:
            hit = x[where] == out
            hit &= free
            free &= ~hit
            found.append((where, hit))
        return found

    def _index(self, x: Array, out: Array) -> tuple[Array, ...]:
        """The winners as an integer index into the input: x[index] is the output."""
        n, c, oh, ow = out.shape
        (sh, sw), kw = self.stride, self.kernel[1]
        winner = np.zeros(out.shape, dtype=np.intp)
        for k, (_, hit) in enumerate(self._winners(x, out)):
            winner[hit] = k
        rows = np.arange(oh)[:, None] * sh + winner // kw
        cols = np.arange(ow)[None, :] * sw + winner % kw
        return np.arange(n)[:, None, None, None], np.arange(c)[None, :, None, None], rows, cols

    def backward(self, g: Value, saved: Saved) -> Grads:
        x, out = dual.value(saved[0]), dual.value(saved[1])
        if not dual.is_array(g):
            return (dual.scatter(g, self._index(x, out), x.shape),)
        (kh, kw), (sh, sw), (oh, ow) = self.kernel, self.stride, out.shape[2:]
        if sh < kh or sw < kw:  # overlapping windows: a pixel may win several
            grad = np.zeros(x.shape, dtype=g.dtype)
            for where, hit in self._winners(x, out):
                grad[where] += g * hit
            return (grad,)
        # Side by side, each pixel is in one window at most: write the shares in place. When
        # the windows tile the whole image, every pixel is written, so nothing needs zeroing.
        tiled = (sh, sw) == (kh, kw) and (oh * kh, ow * kw) == x.shape[2:]
        grad = (np.empty if tiled else np.zeros)(x.shape, dtype=g.dtype)
        for where, hit in self._winners(x, out):
            np.multiply(g, hit, out=grad[where])
        return (grad,)

    def jvp(self, dx: Array, x: Array, out: Array) -> Value:
        return np.asarray(dx[self._index(x, out)])
