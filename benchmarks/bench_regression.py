"""W3: home-price linear regression (20 × 2, MSE) with batch, stochastic and mini-batch GD.

One model, ``pred = X @ w + b`` with w = ones and b = 0, trained three ways (W3b, W3s, W3m).
All implementations visit the same samples in the same order (drawn once from a seeded
generator), so their final weights agree to rounding.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import bench_compiled as compiled
import bench_data as data
import bench_floor as floor
import numpy as np
from bench_harness import Go, Impl, Libs, Result, Workload, as_float_array

from tinygrad_edu import Tensor
from tinygrad_edu.losses import mse
from tinygrad_edu.nn import Dense
from tinygrad_edu.optim import BatchGD, MiniBatchGD, Optimizer, StochasticGD

LR = 0.01
Order = list[Any]  # per update: an int (one sample) or an index array (a batch)


def _numpy_batch(X: data.F64, y: data.F64, epochs: int) -> Go:
    XT, n = np.ascontiguousarray(X.T), len(y)
    w0, b0 = np.ones(2), np.zeros(())

    def go() -> Result:
        w, b = w0, b0  # updated in place
        for _ in range(epochs):
            r = X @ w
            r += b
            r -= y
            loss = (r @ r) / n
            r *= 2.0 / n  # ∂L/∂pred
            w -= LR * (XT @ r)
            b -= LR * r.sum()
        return {"w": w, "b": b, "loss": loss}

    return go


def _numpy_stochastic(X: data.F64, y: data.F64, order: Order) -> Go:
    w0, b0 = np.ones(2), np.zeros(())

    def go() -> Result:
        w, b = w0, b0  # updated in place
        for i in order:
            xi = X[i]
            r = xi @ w + b - y[i]
            loss = r * r
            d = 2.0 * r
            w -= (LR * d) * xi
            b -= LR * d
        return {"w": w, "b": b, "loss": loss}

    return go


def _numpy_minibatch(X: data.F64, y: data.F64, order: Order) -> Go:
    w0, b0 = np.ones(2), np.zeros(())

    def go() -> Result:
        w, b = w0, b0  # updated in place
        for idx in order:
            xb = X[idx]
            r = xb @ w
            r += b
            r -= y[idx]
            m = len(r)
            loss = (r @ r) / m
            r *= 2.0 / m
            w -= LR * (xb.T @ r)
            b -= LR * r.sum()
        return {"w": w, "b": b, "loss": loss}

    return go


def _batches(order: Order) -> list[Any]:
    """Frameworks take a batch of one as rows ``i:i+1`` (a view), to keep the (n, 2) layout."""
    return [slice(i, i + 1) if isinstance(i, int) else i for i in order]


def _tge(X: data.F64, y: data.F64, order: Order, make_opt: Callable[..., Optimizer]) -> Go:
    """The user's loop: a ``Dense(2, 1)``, ``losses.mse``, zero_grad, backward, step."""
    Xt, yt = Tensor(X), Tensor(y)
    model = Dense(2, 1, weight_init="ones", bias_init="zeros")
    opt = make_opt(model.parameters(), lr=LR)
    batches = _batches(order)

    def go() -> Result:
        for idx in batches:
            xb, yb = (Xt, yt) if idx is None else (Xt[idx], yt[idx])
            loss = mse(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
        w, b = model.weight.data.reshape(-1), model.bias.data.reshape(())
        return {"w": w, "b": b, "loss": loss.item()}

    return go


def _torch(torch: Any, X: data.F64, y: data.F64, order: Order) -> Go:
    """``nn.Linear(2, 1)``, ``F.mse_loss``, ``optim.SGD``; targets as an (n, 1) column."""
    Xt, yt = torch.tensor(X), torch.tensor(y).reshape(-1, 1)
    batches = [
        i if i is None or isinstance(i, slice) else torch.from_numpy(i) for i in _batches(order)
    ]
    model = torch.nn.Linear(2, 1, dtype=torch.float64)
    torch.nn.init.ones_(model.weight)
    torch.nn.init.zeros_(model.bias)
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    mse_loss = torch.nn.functional.mse_loss

    def go() -> Result:
        for idx in batches:
            xb, yb = (Xt, yt) if idx is None else (Xt[idx], yt[idx])
            loss = mse_loss(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
        w = as_float_array(model.weight).reshape(-1)
        return {"w": w, "b": as_float_array(model.bias).reshape(()), "loss": loss.item()}

    return go


def w3(sizes: data.Sizes, libs: Libs) -> list[Workload]:
    """W3b (batch GD), W3s (stochastic GD, one sample per step), W3m (mini-batches of 5)."""
    X, y = data.home_prices()
    n = len(y)
    batch_order: Order = [None] * sizes.w3_batch_epochs
    sgd_order: Order = list(data.stochastic_order(n, sizes.w3_sgd_steps))
    mini_order: Order = list(data.minibatch_order(n, 5, sizes.w3_minibatch_epochs))
    modes: list[tuple[str, str, Order, Callable[[], Go], Callable[..., Optimizer]]] = [
        (
            "W3b",
            f"home prices 20×2, batch GD, {sizes.w3_batch_epochs} epochs",
            batch_order,
            lambda: _numpy_batch(X, y, sizes.w3_batch_epochs),
            BatchGD,
        ),
        (
            "W3s",
            f"home prices, stochastic GD, {sizes.w3_sgd_steps:,} steps",
            sgd_order,
            lambda: _numpy_stochastic(X, y, sgd_order),
            lambda params, lr: StochasticGD(params, lr=lr, replace=True),
        ),
        (
            "W3m",
            f"home prices, mini-batch 5, {sizes.w3_minibatch_epochs} epochs",
            mini_order,
            lambda: _numpy_minibatch(X, y, mini_order),
            lambda params, lr: MiniBatchGD(params, lr=lr, batch_size=5),
        ),
    ]
    workloads = []
    for key, title, order, numpy_go, make_opt in modes:
        wl = Workload(key, title, data.TARGETS[key], [], rtol=1e-10)
        wl.impls += [
            Impl("numpy", numpy_go),
            Impl("tinygrad_edu", functools.partial(_tge, X, y, order, make_opt)),
            compiled.w3(X, y, _batches(order), make_opt, LR),
        ]
        if key == "W3s":
            wl.impls += floor.w3s(X, y, _batches(order), LR)
        if libs.available("pytorch"):
            wl.impls.append(Impl("pytorch", functools.partial(_torch, libs.torch, X, y, order)))
        else:
            wl.skipped["pytorch"] = libs.missing["pytorch"]
        wl.notes.append(f"{len(order):,} updates of lr {LR}; the same sample order for all")
        workloads.append(wl)
    return workloads
