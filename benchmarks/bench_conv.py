"""W7: a small CNN on the 8×8 digits — Conv2d 1→8 3×3, ReLU, MaxPool 2, Flatten, Dense 72→10 —
trained one epoch with softmax cross-entropy and plain SGD, mini-batches of 32, float64.

The hand-written NumPy does what a careful engineer would: im2col as a strided view copied once,
one batched matrix product per convolution, 2×2 pooling as four strided slices and three maxima,
and every derivative by hand (the input image needs none). Pooling's gradient goes to the first
maximum of each window in reading order, as in the framework and PyTorch.
"""

from __future__ import annotations

from typing import Any

import bench_data as data
import numpy as np
from bench_harness import Go, Impl, Libs, Result, Workload
from bench_mlp import changes, same_dtype
from numpy.lib.stride_tricks import as_strided
from numpy.typing import NDArray

from tinygrad_edu import Tensor
from tinygrad_edu.activations import relu
from tinygrad_edu.losses import cross_entropy
from tinygrad_edu.nn import Conv2d, Dense, Flatten, MaxPool2d, Sequential
from tinygrad_edu.optim import MiniBatchGD

Params = list[NDArray[np.float64]]
CHANNELS, KERNEL, POOL, SIDE, CLASSES = 8, 3, 2, 8, 10
CONV = SIDE - KERNEL + 1  # 6: the convolution's output side
POOLED = CONV // POOL  # 3
FEATURES = CHANNELS * POOLED * POOLED  # 72


def _im2col(x: NDArray[np.float64]) -> NDArray[np.float64]:
    """(m, 1, 8, 8) → (m, 9, 36): row i·3 + j of column r·6 + q is x[r + i, q + j]."""
    m = x.shape[0]
    sn, _, sh, sw = x.strides  # one channel
    view = as_strided(x, (m, KERNEL, KERNEL, CONV, CONV), (sn, sh, sw, sh, sw), writeable=False)
    return view.reshape(m, KERNEL * KERNEL, CONV * CONV)


def _numpy(X: NDArray[np.float64], y: data.Ints, init: Params, order: list[Any], lr: float) -> Go:
    """Forward, softmax cross-entropy and backward by hand; in-place updates."""
    params = [p.copy() for p in init]
    offsets = [(i, j) for i in range(POOL) for j in range(POOL)]
    all_rows = np.arange(max(len(y[idx]) for idx in order))

    def go() -> Result:
        W, b, W2, b2 = params  # updated in place
        for idx in order:
            xb, yb = X[idx], y[idx]
            m = len(yb)
            rows = all_rows[:m]
            cols = _im2col(xb)
            z = W.reshape(CHANNELS, -1) @ cols  # (m, 8, 36)
            z += b[:, None]
            a = np.maximum(z, 0).reshape(m, CHANNELS, CONV, CONV)
            parts = [a[:, :, i::POOL, j::POOL] for i, j in offsets]
            pooled = np.maximum(np.maximum(parts[0], parts[1]), np.maximum(parts[2], parts[3]))
            flat = pooled.reshape(m, FEATURES)
            logits = flat @ W2
            logits += b2
            logits -= logits.max(axis=1, keepdims=True)
            e = np.exp(logits)
            s = e.sum(axis=1, keepdims=True)
            loss = np.log(s).mean() - logits[rows, yb].mean()
            e /= s  # ∂L/∂logits = (softmax − onehot)/m
            e[rows, yb] -= 1
            e /= m
            g_flat = e @ W2.T
            gW2, gb2 = flat.T @ e, e.sum(axis=0)
            g_pooled = g_flat.reshape(pooled.shape)
            g_a = np.zeros_like(a)
            free = np.ones(pooled.shape, dtype=bool)  # windows whose maximum is not found yet
            for (i, j), part in zip(offsets, parts, strict=True):
                hit = part == pooled
                hit &= free
                free &= ~hit
                g_a[:, :, i::POOL, j::POOL] = g_pooled * hit
            g_z = (g_a * (a > 0)).reshape(m, CHANNELS, CONV * CONV)
            gW = (g_z @ cols.transpose(0, 2, 1)).sum(axis=0).reshape(W.shape)
            gb = g_z.sum(axis=(0, 2))
            W -= lr * gW
            b -= lr * gb
            W2 -= lr * gW2
            b2 -= lr * gb2
        return {"loss": loss, **changes(params, init), "_dtypes": [str(p.dtype) for p in params]}

    return go


def _tge(X: NDArray[np.float64], y: data.Ints, init: Params, order: list[Any], lr: float) -> Go:
    """The user's model: ``Sequential(Conv2d, relu, MaxPool2d, Flatten, Dense)``."""
    conv = Conv2d(1, CHANNELS, KERNEL)
    dense = Dense(FEATURES, CLASSES)
    for p, value in zip((conv.weight, conv.bias, dense.weight, dense.bias), init, strict=True):
        assert p is not None
        np.copyto(p.data, value)
    model = Sequential(conv, relu, MaxPool2d(POOL), Flatten(), dense)
    params = model.parameters()  # 0.weight, 0.bias, 4.weight, 4.bias: the order of ``init``
    opt = MiniBatchGD(params, lr=lr, batch_size=len(y[order[0]]))
    Xt = Tensor(X)

    def go() -> Result:
        for idx in order:
            loss = cross_entropy(model(Xt[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        dtypes = [str(p.dtype) for p in params] + [str(loss.dtype)]
        return {"loss": loss.item(), "_dtypes": dtypes, **changes([p.data for p in params], init)}

    return go


def _torch(
    torch: Any, X: NDArray[np.float64], y: data.Ints, init: Params, order: list[Any], lr: float
) -> Go:
    """``nn.Conv2d``, ``nn.ReLU``, ``nn.MaxPool2d``, ``nn.Flatten``, ``nn.Linear``; SGD."""
    nn = torch.nn
    conv = nn.Conv2d(1, CHANNELS, KERNEL, dtype=torch.float64)
    linear = nn.Linear(FEATURES, CLASSES, dtype=torch.float64)
    with torch.no_grad():
        for p, value in zip(
            (conv.weight, conv.bias, linear.weight, linear.bias),
            (init[0], init[1], init[2].T.copy(), init[3]),  # Linear keeps (out, in)
            strict=True,
        ):
            p.copy_(torch.from_numpy(value))
    model = nn.Sequential(conv, nn.ReLU(), nn.MaxPool2d(POOL), nn.Flatten(), linear)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y.astype(np.int64))
    t_order = [torch.from_numpy(i) for i in order]
    cross_entropy = torch.nn.functional.cross_entropy

    def go() -> Result:
        for idx in t_order:
            loss = cross_entropy(model(Xt[idx]), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        finals = [conv.weight, conv.bias, linear.weight.T, linear.bias]
        dtypes = [str(p.dtype).replace("torch.", "") for p in model.parameters()]
        return {"loss": loss.item(), "_dtypes": dtypes, **changes(finals, init)}

    return go


def cnn_weights(seed: int) -> Params:
    """PyTorch's default init (uniform ±1/√fan_in) for the convolution and the dense layer:
    [conv weight (8, 1, 3, 3), conv bias (8,), dense weight (72, 10), dense bias (10,)]."""
    rng = np.random.default_rng(seed)
    conv_bound, dense_bound = 1.0 / KERNEL, 1.0 / np.sqrt(FEATURES)
    return [
        rng.uniform(-conv_bound, conv_bound, (CHANNELS, 1, KERNEL, KERNEL)),
        rng.uniform(-conv_bound, conv_bound, CHANNELS),
        rng.uniform(-dense_bound, dense_bound, (FEATURES, CLASSES)),
        rng.uniform(-dense_bound, dense_bound, CLASSES),
    ]


def w7(sizes: data.Sizes, libs: Libs) -> Workload:
    """Conv2d 1→8 3×3 + ReLU + MaxPool 2 + Flatten + Dense on digits (n, 1, 8, 8), batch 32,
    one epoch of plain SGD with lr 0.1. ``sizes.w4_samples`` picks the digits, as for W4."""
    X, y = data.digits(sizes.w4_samples)
    images = np.ascontiguousarray(X.reshape(-1, 1, SIDE, SIDE))
    init = cnn_weights(seed=data.SEED + 10)
    order = data.minibatch_order(len(y), 32, 1, seed=data.SEED + 11)
    title = f"CNN conv 1→8 3×3, pool 2, dense 72→10 on digits ({len(y)}), batch 32, 1 epoch"
    wl = Workload("W7", title, data.TARGETS["W7"], [], rtol=1e-9)
    wl.notes.append(f"{len(order)} SGD updates, lr 0.1, float64; shuffled batches, same order")
    lr = 0.1
    check = same_dtype("float64")
    wl.impls += [
        Impl("numpy", lambda: _numpy(images, y, init, order, lr), validate=check),
        Impl("tinygrad_edu", lambda: _tge(images, y, init, order, lr), validate=check),
    ]
    if libs.available("pytorch"):
        impl = Impl("pytorch", lambda: _torch(libs.torch, images, y, init, order, lr))
        impl.validate = check
        wl.impls.append(impl)
    else:
        wl.skipped["pytorch"] = libs.missing["pytorch"]
    return wl
