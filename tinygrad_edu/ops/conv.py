"""2-D convolution as one primitive: im2col and a matrix product, with the bias, in one op.

With ``columns = unfold(x)`` — every kh×kw window of the padded input as a column, (N, K, P)
for K = C·kh·kw and P = OH·OW — and ``W = weight.reshape(O, K)``::

    y = (W @ columns + bias) reshaped to (N, O, OH, OW)
    ∂L/∂x = fold(Wᵀ @ g)        ∂L/∂weight = Σₙ gₙ @ columnsₙᵀ        ∂L/∂bias = Σ_{n,p} g
    ẏ = W @ unfold(ẋ) + Ẇ @ columns + ḃ

with g = ∂L/∂y reshaped to (N, O, P). The same expression written as four recorded ops (unfold,
reshape, matmul, add) gives these gradients too; as one op it records one node instead of six,
keeps the columns it built for the weight's gradient, and adds the bias in place — which is
what makes a small CNN step cost little more than the hand-written NumPy.
"""

from __future__ import annotations

from ..autograd import Array, Grads, Saved
from . import dual
from .dual import Primitive, Value
from .windows import Pair, Unfold, as_pair, fold_columns, output_size, pad, windows


class Conv2d(Primitive):
    """f(x, weight[, bias]) = weight ⋆ x + bias: (N, C, H, W), (O, C, kh, kw), (O,) →
    (N, O, OH, OW), OH = ⌊(H + 2·ph − kh) / sh⌋ + 1 (widths alike).

    ∂L/∂x = fold(Wᵀ @ g), ∂L/∂weight = Σₙ gₙ @ unfold(x)ₙᵀ, ∂L/∂bias = Σ g over (n, OH, OW),
    with W the weight as an (O, C·kh·kw) matrix. Without a bias the op has two inputs.
    """

    __slots__ = ("columns", "has_bias", "padding", "saved", "stride")
    formula = "∂L/∂x = fold(Wᵀ@g), ∂L/∂W = Σ g@unfold(x)ᵀ, ∂L/∂b = Σ g"

    def __init__(self, stride: int | Pair, padding: int | Pair, has_bias: bool) -> None:
        self.stride, self.padding, self.has_bias = as_pair(stride), as_pair(padding), has_bias

    def _unfold(self, kernel: Pair) -> Unfold:
        return Unfold(kernel, self.stride, self.padding)

    def forward(self, x: Array, weight: Array, bias: Array | None = None) -> Array:
        self.saved = x, weight
        n, o, kernel = x.shape[0], weight.shape[0], (weight.shape[2], weight.shape[3])
        oh, ow = output_size((x.shape[2], x.shape[3]), kernel, self.stride, self.padding)
        # (N, K, P): the strided view of the windows, copied once
        self.columns = columns = windows(pad(x, self.padding), kernel, self.stride).reshape(
            n, -1, oh * ow
        )
        out = weight.reshape(o, -1) @ columns  # (N, O, P), fresh: the bias goes in in place
        if bias is not None:
            out += bias[:, None]
        return out.reshape(n, o, oh, ow)

    def backward(self, g: Value, saved: Saved) -> Grads:
        x, weight = saved
        n, o, kernel = x.shape[0], weight.shape[0], (weight.shape[2], weight.shape[3])
        g = g.reshape(n, o, -1)  # (N, O, P)
        gx = gw = gb = None
        if self.needs_grad[0]:
            back = weight.reshape(o, -1).T @ g  # (N, K, P): each column's share
            if dual.is_array(back):
                gx = fold_columns(back, x.shape, kernel, self.stride, self.padding)
            else:
                gx = back._fold(x.shape, kernel, self.stride, self.padding)
        if self.needs_grad[1]:
            columns = (
                self.columns if dual.is_array(g) else x._unfold(kernel, self.stride, self.padding)
            )
            gw = dual.sum_to(g @ dual.swap_last(columns), 0, False).reshape(weight.shape)
        if self.has_bias and self.needs_grad[2]:
            gb = dual.sum_to(g, (0, 2), False)
        return (gx, gw, gb) if self.has_bias else (gx, gw)

    def jvp(self, *args: Array) -> Value:
        """ẏ = W @ unfold(ẋ) + Ẇ @ columns (+ ḃ); ``args`` are the tangents, then x and weight."""
        dx, dw = args[0], args[1]
        weight = args[-1]
        n, o, kernel = dx.shape[0], weight.shape[0], (weight.shape[2], weight.shape[3])
        out = weight.reshape(o, -1) @ self._unfold(kernel).forward(dx)
        out += dw.reshape(o, -1) @ self.columns
        if self.has_bias:
            out += args[2][:, None]
        oh, ow = output_size((dx.shape[2], dx.shape[3]), kernel, self.stride, self.padding)
        return out.reshape(n, o, oh, ow)
