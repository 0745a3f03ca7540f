"""``BatchNorm1d``: normalise each feature over the batch, with running statistics for eval."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from .._checks import count, float_dtype, fraction, positive_number
from ..autograd import Array, Function
from ..guards import mark_changed
from ..tensor import Tensor
from .module import Module


class RunningStats(Function):
    """Moves the layer's running statistics towards this batch's (n values per channel):

        r_mean ← f·μ + (1 − f)·r_mean,   r_var ← f·σ²·n/(n − 1) + (1 − f)·r_var

    with f the layer's ``momentum`` (None: 1/t after t batches, a plain average). Its output is
    the batch mean; nothing reads it, and it has no derivative: the op exists for its effect on
    the buffers. It is an op (``changes_state``) so that a compiled step runs it again at every
    call, in its place, instead of running eagerly because Python changed state in place.
    """

    __slots__ = ("layer", "n")
    #: Runs for its effect on state outside the graph (a compiled step replays it regardless).
    changes_state: ClassVar[bool] = True

    def __init__(self, layer: BatchNorm1d, n: int) -> None:
        self.layer, self.n = layer, n

    def forward(self, mean: Array, var: Array) -> Array:
        layer, c, m = self.layer, self.layer.num_features, self.n
        running_mean, running_var = layer.running_mean, layer.running_var
        tracked = layer.num_batches_tracked
        assert running_mean is not None and running_var is not None and tracked is not None
        tracked.data += 1
        factor = layer.momentum
        if factor is None:
            factor = 1.0 / float(tracked.data)
        unbiased = var.reshape(c) * (m / (m - 1))
        rm, rv = running_mean.data, running_var.data
        np.copyto(rm, factor * mean.reshape(c) + (1 - factor) * rm)
        np.copyto(rv, factor * unbiased + (1 - factor) * rv)
        # Stamped like any in-place change: a graph that read the old statistics (eval mode)
        # refuses its backward.
        mark_changed(running_mean, running_var, tracked)
        return mean


class BatchNorm1d(Module):
    """Batch normalisation over (n, C) or (n, C, L) inputs, as ``torch.nn.BatchNorm1d``.

    For each channel c, with the statistics taken over the batch (and length) axes::

        μ_c = mean(x_c)        σ²_c = mean((x_c − μ_c)²)             (biased: divide by m)
        y_c = (x_c − μ_c) / √(σ²_c + eps) · weight_c + bias_c

    where m = n (or n·L) values per channel. That is **training mode**, built from Tensor ops
    (mean, sub, mul, sqrt, div), so backward runs through μ and σ² as well. Each training call
    also updates the running statistics, buffers saved with the model but never trained::

        running_mean ← (1 − momentum)·running_mean + momentum·μ
        running_var  ← (1 − momentum)·running_var  + momentum·σ²·m/(m − 1)    (unbiased)

    (``momentum=None``: a plain average over the batches seen, counted in
    ``num_batches_tracked``). **Evaluation mode** (``eval()``) normalises with the running
    statistics instead, so a prediction does not depend on the rest of its batch. With
    ``track_running_stats=False`` there are none and batch statistics are used in both modes.
    ``weight`` (ones) and ``bias`` (zeros) are trainable, of shape (C,); ``affine=False``
    leaves them out. Training on a batch with one value per channel raises, as in PyTorch: its
    variance is 0 and its unbiased variance undefined.

    >>> bn = BatchNorm1d(2)
    >>> bn(np.array([[1.0, 10.0], [3.0, 30.0]]))       # each column: mean 0, variance 1
    Tensor([[-1., -1.],
            [ 1.,  1.]], grad_fn=Add)
    >>> bn.running_mean.data, bn.running_var.data        # 0.1·μ and 0.9 + 0.1·(unbiased σ²)
    (array([0.2, 2. ]), array([ 1.1, 20.9]))
    """

    weight: Tensor | None
    bias: Tensor | None
    running_mean: Tensor | None
    running_var: Tensor | None
    num_batches_tracked: Tensor | None

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        owner = "BatchNorm1d"
        self.num_features = c = count(owner, "num_features", num_features)
        self.eps = positive_number(owner, "eps", eps)
        self.momentum = (
            None if momentum is None else fraction(owner, "momentum", momentum, closed=True)
        )
        self.affine, self.track_running_stats = bool(affine), bool(track_running_stats)
        self.dtype = float_dtype(owner, dtype)
        self.weight = (
            Tensor(np.ones(c, self.dtype), requires_grad=True, name="weight") if affine else None
        )
        self.bias = (
            Tensor(np.zeros(c, self.dtype), requires_grad=True, name="bias") if affine else None
        )
        running = self.track_running_stats
        self.register_buffer("running_mean", Tensor(np.zeros(c, self.dtype)) if running else None)
        self.register_buffer("running_var", Tensor(np.ones(c, self.dtype)) if running else None)
        self.register_buffer(
            "num_batches_tracked", Tensor(np.array(0, np.int64)) if running else None
        )

    def forward(self, x: Any) -> Tensor:
        """Normalised ``x`` of the same shape, (n, C) or (n, C, L); see the class docstring."""
        t = x if isinstance(x, Tensor) else Tensor(x, dtype=self.dtype)
        shape, c = t.shape, self.num_features
        if t.ndim not in (2, 3) or shape[1] != c:
            raise ValueError(
                f"BatchNorm1d({c}): expected input of shape (n, {c}) or (n, {c}, length), "
                f"got shape {shape}"
            )
        axes = (0,) if t.ndim == 2 else (0, 2)
        per_channel = (c,) if t.ndim == 2 else (c, 1)
        if self.training or self.running_mean is None:
            m = t.data.size // c
            if self.training and m == 1:
                raise ValueError(
                    f"BatchNorm1d({c}): expected more than 1 value per channel when training, "
                    f"got input of shape {shape}"
                )
            mean = t.mean(axis=axes, keepdims=True)
            centred = t - mean
            var = (centred * centred).mean(axis=axes, keepdims=True)
            if self.training and self.running_mean is not None:
                Tensor._from_op(RunningStats(self, m), mean.detach(), var.detach())
            out = centred / (var + self.eps).sqrt()
        else:
            assert self.running_var is not None
            # Ops on the buffers, not NumPy on their arrays: a compiled step replays them.
            mean_t = self.running_mean.reshape(per_channel)
            std = (self.running_var + self.eps).sqrt().reshape(per_channel)
            out = (t - mean_t) / std
        if self.weight is not None and self.bias is not None:
            weight, bias = self.weight, self.bias
            if t.ndim == 3:
                weight, bias = weight.reshape(per_channel), bias.reshape(per_channel)
            out = out * weight + bias
        return out

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps:g}, momentum={self.momentum}, "
            f"affine={self.affine}, track_running_stats={self.track_running_stats}"
        )
