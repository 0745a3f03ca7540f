"""The compiled step (``compile_step``) beside the eager loop, for W1–W4.

Each implementation builds the same model as the workload's ``tinygrad_edu`` one and runs the same
updates, but through ``compile_step``: the first call traces, the rest replay the generated
program. Its key is ``"tinygrad_edu compiled"``, and it is checked against NumPy like the others.

The traces (one eager step per batch shape, plus writing and compiling the program) happen in the
untimed preparation, through ``step.loss_and_grads``, which computes gradients but applies no
update: the timed runs measure the replay, as a long training run sees it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bench_harness import Go, Impl, Result

from tinygrad_edu import Tensor, compile_step
from tinygrad_edu.losses import binary_cross_entropy, cross_entropy, mse
from tinygrad_edu.nn import Dense
from tinygrad_edu.optim import BatchGD, MiniBatchGD, Optimizer

KEY = "tinygrad_edu compiled"
Array = Any


def w1(a: Array, b: Array, c: Array, d: Array, iters: int) -> Impl:
    """((a*b + c).tanh() * d).sum(), forward and backward: the step without an update."""

    def make() -> Go:
        A, B, C, D = (Tensor(x, requires_grad=True) for x in (a, b, c, d))
        step = compile_step(lambda: ((A * B + C).tanh() * D).sum(), BatchGD([A, B, C, D]))
        step.loss_and_grads()  # the trace

        def go() -> Result:
            for _ in range(iters):
                loss = step.loss_and_grads()
            return {"loss": loss, "a": A.grad, "b": B.grad, "c": C.grad, "d": D.grad}

        return go

    return Impl(KEY, make)


def w2(X: Array, y: Array, epochs: int, lr: float, eps: float) -> Impl:
    """The notebook's logistic regression, one compiled batch-GD step per epoch."""

    def make() -> Go:
        model = Dense(2, 1, activation="sigmoid", weight_init="ones", bias_init="zeros")
        opt = BatchGD(model.parameters(), lr=lr)
        step = compile_step(lambda xb, yb: binary_cross_entropy(model(xb), yb, eps=eps), opt)
        Xt, yt = Tensor(X), Tensor(y)
        step.loss_and_grads(Xt, yt)  # the trace (no update)

        def go() -> Result:
            for _ in range(epochs):
                loss = step(Xt, yt)
            w, b = model.weight.data.reshape(-1), model.bias.data.reshape(())
            return {"w": w, "b": b, "loss": loss}

        return go

    return Impl(KEY, make)


def w3(
    X: Array, y: Array, batches: list[Any], make_opt: Callable[..., Optimizer], lr: float
) -> Impl:
    """Home-price regression: one compiled step per batch (``None``: all rows)."""

    def make() -> Go:
        model = Dense(2, 1, weight_init="ones", bias_init="zeros")
        step = compile_step(lambda xb, yb: mse(model(xb), yb), make_opt(model.parameters(), lr=lr))
        for idx in _one_per_shape(X, batches):  # the traces (no update)
            step.loss_and_grads(*((X, y) if idx is None else (X[idx], y[idx])))

        def go() -> Result:
            for idx in batches:
                loss = step(X, y) if idx is None else step(X[idx], y[idx])
            w, b = model.weight.data.reshape(-1), model.bias.data.reshape(())
            return {"w": w, "b": b, "loss": loss}

        return go

    return Impl(KEY, make)


def w4(
    X: Array,
    y: Array,
    init: list[Array],
    build: Callable[[], Any],
    order: list[Any],
    lr: float,
    changes: Callable[..., Result],
    validate: Callable[[Result], None],
) -> Impl:
    """The MLP with softmax cross-entropy (``build()`` makes it), one compiled SGD step a batch."""

    def make() -> Go:
        model = build()
        params = model.parameters()
        opt = MiniBatchGD(params, lr=lr, batch_size=len(y[order[0]]))
        step = compile_step(lambda xb, yb: cross_entropy(model(xb), yb), opt)
        for idx in _one_per_shape(X, order):  # the traces (no update)
            step.loss_and_grads(X[idx], y[idx])

        def go() -> Result:
            for idx in order:
                loss = step(X[idx], y[idx])
            dtypes = [str(p.dtype) for p in params]
            dtypes += [str(p.grad.dtype) for p in params if p.grad is not None]
            return {"loss": loss, "_dtypes": dtypes, **changes([p.data for p in params], init)}

        return go

    return Impl(KEY, make, validate=validate)


def _one_per_shape(X: Array, batches: list[Any]) -> list[Any]:
    """The first batch of each size in ``batches`` (``None``: all of ``X``)."""
    seen: dict[int, Any] = {}
    for idx in batches:
        seen.setdefault(len(X) if idx is None else len(X[idx]), idx)
    return list(seen.values())
