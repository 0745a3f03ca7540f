"""W4 (MLP 64-64-10 on digits, float64) and W5 (MLP 784-512-512-10, float32): ReLU MLPs
trained with softmax cross-entropy and plain SGD, one update per mini-batch.

Big enough arrays that the matrix products dominate: here the framework should cost little more
than the NumPy it calls, and PyTorch's own kernels may even win.
"""

from __future__ import annotations

import functools
from typing import Any

import bench_compiled as compiled
import bench_data as data
import numpy as np
from bench_harness import Go, Impl, Libs, MismatchError, Result, Workload, as_float_array
from numpy.typing import NDArray

from tinygrad_edu import Tensor
from tinygrad_edu.losses import cross_entropy
from tinygrad_edu.nn import Dense, Sequential
from tinygrad_edu.optim import MiniBatchGD

Params = list[NDArray[np.floating]]


def _numpy(X: NDArray[np.floating], y: data.Ints, init: Params, order: list[Any], lr: float) -> Go:
    """Forward, softmax cross-entropy, backward by hand; in-place updates."""
    params = [p.copy() for p in init]
    layers = len(params) // 2
    all_rows = np.arange(max(len(y[idx]) for idx in order))

    def go() -> Result:
        for idx in order:
            xb, yb = X[idx], y[idx]
            m = len(yb)
            rows = all_rows[:m]
            inputs, pre = [xb], []
            h = xb
            for k in range(layers):
                z = h @ params[2 * k]
                z += params[2 * k + 1]
                if k < layers - 1:
                    pre.append(z)
                    h = np.maximum(z, 0)
                    inputs.append(h)
            z -= z.max(axis=1, keepdims=True)  # z: the logits, shifted for a stable softmax
            e = np.exp(z)
            s = e.sum(axis=1, keepdims=True)
            loss = np.log(s).mean() - z[rows, yb].mean()
            e /= s  # ∂L/∂logits = (softmax − onehot)/m
            e[rows, yb] -= 1
            e /= m
            d = e
            for k in reversed(range(layers)):
                W, b = params[2 * k], params[2 * k + 1]
                gW, gb = inputs[k].T @ d, d.sum(axis=0)
                if k > 0:
                    d = d @ W.T
                    d *= pre[k - 1] > 0
                W -= lr * gW
                b -= lr * gb
        return {"loss": loss, **changes(params, init), "_dtypes": [str(p.dtype) for p in params]}

    return go


def dense_stack(init: Params, dtype: Any) -> Sequential:
    """``Sequential`` of ``Dense`` layers holding ``init`` ([W1, b1, W2, b2, …]), ReLU between."""
    layers = len(init) // 2
    return Sequential(
        *(
            Dense(
                init[2 * k].shape[0],
                init[2 * k].shape[1],
                activation="relu" if k < layers - 1 else None,
                weight_init=init[2 * k],
                bias_init=init[2 * k + 1],
                dtype=dtype,
            )
            for k in range(layers)
        )
    )


def _tge(X: NDArray[np.floating], y: data.Ints, init: Params, order: list[Any], lr: float) -> Go:
    """The user's model: ``Sequential`` of ``Dense`` layers, ``losses.cross_entropy``."""
    model = dense_stack(init, X.dtype)
    params = model.parameters()  # 0.weight, 0.bias, 1.weight, …: the order of ``init``
    opt = MiniBatchGD(params, lr=lr, batch_size=len(y[order[0]]))
    Xt = Tensor(X)

    def go() -> Result:
        for idx in order:
            loss = cross_entropy(model(Xt[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        dtypes = [str(p.dtype) for p in params] + [str(loss.dtype)]
        dtypes += [str(p.grad.dtype) for p in params if p.grad is not None]
        return {"loss": loss.item(), "_dtypes": dtypes, **changes([p.data for p in params], init)}

    return go


def _torch(
    torch: Any, X: NDArray[np.floating], y: data.Ints, init: Params, order: list[Any], lr: float
) -> Go:
    """``nn.Sequential`` of ``nn.Linear`` and ``nn.ReLU``, ``F.cross_entropy``, ``optim.SGD``."""
    nn = torch.nn
    dtype = torch.float32 if X.dtype == np.float32 else torch.float64
    mods: list[Any] = []
    for k in range(len(init) // 2):
        W, b = init[2 * k], init[2 * k + 1]
        lin = nn.Linear(W.shape[0], W.shape[1], dtype=dtype)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(W.T.copy()))  # torch keeps (out, in)
            lin.bias.copy_(torch.from_numpy(b))
        mods += [lin, nn.ReLU()]
    model = nn.Sequential(*mods[:-1])
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y.astype(np.int64))
    t_order = [i if isinstance(i, slice) else torch.from_numpy(i) for i in order]
    cross_entropy = torch.nn.functional.cross_entropy

    def go() -> Result:
        for idx in t_order:
            loss = cross_entropy(model(Xt[idx]), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        finals = [x for lin in mods[::2] for x in (as_float_array(lin.weight).T, lin.bias)]
        dtypes = [str(p.dtype).replace("torch.", "") for p in model.parameters()]
        return {"loss": loss.item(), "_dtypes": dtypes, **changes(finals, init)}

    return go


def changes(finals: list[Any], init: Params) -> dict[str, NDArray[np.float64]]:
    """``p{i}``: how much training moved parameter i (final − initial), in float64.

    The changes are what the gradients made; comparing whole weights instead would let the
    initial values hide an error in them.
    """
    return {
        f"p{i}": as_float_array(f) - p for i, (f, p) in enumerate(zip(finals, init, strict=True))
    }


def same_dtype(dtype: str) -> Any:
    def validate(result: Result) -> None:
        found = set(result.get("_dtypes", [dtype]))
        if found != {dtype}:
            raise MismatchError(f"expected {dtype} everywhere, found dtypes {sorted(found)}")

    return validate


def _workload(
    wl: Workload, libs: Libs, X: Any, y: data.Ints, init: Params, order: list[Any], lr: float
) -> Workload:
    dtype = str(X.dtype)
    wl.impls += [
        Impl("numpy", lambda: _numpy(X, y, init, order, lr), validate=same_dtype(dtype)),
        Impl("tinygrad_edu", lambda: _tge(X, y, init, order, lr), validate=same_dtype(dtype)),
    ]
    if libs.available("pytorch"):
        impl = Impl("pytorch", lambda: _torch(libs.torch, X, y, init, order, lr))
        impl.validate = same_dtype(dtype)
        wl.impls.append(impl)
    else:
        wl.skipped["pytorch"] = libs.missing["pytorch"]
    return wl


def w4(sizes: data.Sizes, libs: Libs) -> Workload:
    """MLP 64-64-10 on digits, float64, mini-batch 32, plain SGD lr 0.1."""
    X, y = data.digits(sizes.w4_samples)
    init = data.mlp_weights((64, 64, 10), np.float64, seed=data.SEED + 7)
    order = data.minibatch_order(len(y), 32, sizes.w4_epochs, seed=data.SEED + 8)
    title = f"MLP 64-64-10 on digits ({len(y)}), batch 32, {sizes.w4_epochs} epochs"
    wl = Workload("W4", title, data.TARGETS["W4"], [], rtol=1e-9)
    build = functools.partial(dense_stack, init, X.dtype)
    wl.impls.append(compiled.w4(X, y, init, build, order, 0.1, changes, same_dtype(str(X.dtype))))
    wl.notes.append(f"{len(order)} SGD updates, lr 0.1, float64; shuffled batches, same order")
    return _workload(wl, libs, X, y, init, order, lr=0.1)


def w5_inputs(sizes: data.Sizes) -> tuple[Any, data.Ints, Params, list[Any]]:
    """Random float32 data (at most 10 distinct batches, cycled), weights and batch slices."""
    batch, steps, layers = sizes.w5_batch, sizes.w5_steps, sizes.w5_layers
    n_batches = min(steps, 10)
    X, y = data.random_classification(batch * n_batches, layers[0], layers[-1])
    init = data.mlp_weights(layers, np.float32, seed=data.SEED + 9)
    order = [slice((s % n_batches) * batch, (s % n_batches + 1) * batch) for s in range(steps)]
    return X, y, init, order


def w5(sizes: data.Sizes, libs: Libs) -> Workload:
    """MLP 784-512-512-10 on random float32 data, batch 256, 50 SGD steps of lr 0.01."""
    X, y, init, order = w5_inputs(sizes)
    shape = "-".join(str(n) for n in sizes.w5_layers)
    title = f"MLP {shape}, float32, batch {sizes.w5_batch}, {sizes.w5_steps} steps"
    # float32: rounding the in-place updates alone moves the parameter changes by ~3e-3 of
    # their size (measured against a float64 run); a wrong gradient moves them by O(1).
    wl = Workload("W5", title, data.TARGETS["W5"], [], rtol=1e-2)
    wl.notes.append("float32 throughout; the framework's and PyTorch's dtypes are checked")
    return _workload(wl, libs, X, y, init, order, lr=0.01)
