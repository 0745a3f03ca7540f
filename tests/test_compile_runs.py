"""Whole training runs, compiled and eager, on models, losses, optimizers and batches drawn at
random: the losses, gradients and weights must be the same bits after every step.

The per-op tests check each op's program; the semantics tests check one way at a time that a step
can depend on more than its graph. This one puts them together as a user would: a few layers
(with Dropout, and a BatchNorm1d in training or evaluation mode, among them), a loss whose
targets may need reshaping, casting or reading as class ids, an optimizer with state, and
batches that change values, and sometimes size, at every step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tinygrad_edu import Tensor, compile_step, losses
from tinygrad_edu.nn import BatchNorm1d, Dense, Dropout, Module, Sequential
from tinygrad_edu.optim import Adam, AdamW, BatchGD, Momentum, Optimizer, RMSprop

_OPTIMIZERS: dict[str, Callable[[list[Tensor]], Optimizer]] = {
    "BatchGD": lambda p: BatchGD(p, lr=0.05),
    "Momentum": lambda p: Momentum(p, lr=0.05),
    "Adam": lambda p: Adam(p, lr=0.01),
    "AdamW": lambda p: AdamW(p, lr=0.01),
    "BatchGD with weight decay": lambda p: BatchGD(p, lr=0.05, weight_decay=0.01),
    "RMSprop": lambda p: RMSprop(p, lr=0.01),
}


_DTYPES: list[type[np.floating[Any]]] = [np.float64, np.float32]


@dataclass(frozen=True)
class Run:
    widths: tuple[int, ...]  # features in, hidden..., out
    activations: tuple[str | None, ...]
    dropout: tuple[float, ...]  # after each hidden layer (0: none)
    batchnorm_first: str | None  # a BatchNorm1d before the first layer: "train" or "eval" mode
    loss: str
    labels: str  # "column", "flat" or "flat ints" (the last for mse and cross_entropy)
    optimizer: str
    batch_sizes: tuple[int, ...]
    dtype: type[np.floating[Any]]  # the model's and the features' (labels stay as drawn)
    seed: int


@st.composite
def runs(draw: st.DrawFn) -> Run:
    hidden = draw(st.lists(st.integers(1, 5), min_size=0, max_size=2))
    loss = draw(st.sampled_from(["mse", "mae", "bce_logits", "cross_entropy"]))
    out = draw(st.integers(2, 4)) if loss == "cross_entropy" else 1
    widths = (draw(st.integers(1, 4)), *hidden, out)
    labels = draw(
        st.sampled_from(
            ["flat", "flat ints", "column"]
            if loss in ("mse", "cross_entropy")
            else ["flat", "column"]
        )
    )
    size = draw(st.integers(2, 6))
    sizes = [size] * draw(st.integers(2, 4)) + draw(st.sampled_from([[], [1 + size // 2]]))
    return Run(
        widths=widths,
        activations=tuple(
            draw(st.sampled_from([None, "relu", "tanh", "sigmoid", "leaky_relu"]))
            for _ in widths[1:]
        ),
        dropout=tuple(draw(st.sampled_from([0.0, 0.5])) for _ in hidden),
        batchnorm_first=draw(st.sampled_from([None, "train", "eval"])),
        loss=loss,
        labels=labels,
        optimizer=draw(st.sampled_from(sorted(_OPTIMIZERS))),
        batch_sizes=tuple(sizes),
        dtype=draw(st.sampled_from(_DTYPES)),
        seed=draw(st.integers(0, 2**16)),
    )


def _model(run: Run) -> Module:
    layers: list[Module] = []
    if run.batchnorm_first is not None:
        norm = BatchNorm1d(run.widths[0], dtype=run.dtype)
        norm.running_mean.data[...] = 0.5  # type: ignore[union-attr]
        norm.running_var.data[...] = 2.0  # type: ignore[union-attr]
        layers.append(norm.eval() if run.batchnorm_first == "eval" else norm)
    for k, (n_in, n_out) in enumerate(zip(run.widths, run.widths[1:], strict=False)):
        activation = run.activations[k]
        layers.append(Dense(n_in, n_out, activation, seed=run.seed + k, dtype=run.dtype))
        if k < len(run.dropout) and run.dropout[k]:
            layers.append(Dropout(run.dropout[k], seed=run.seed + 100 + k))
    return Sequential(*layers)


def _batches(run: Run) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(run.seed)
    out, found = run.widths[0], []
    for n in run.batch_sizes:
        X = rng.normal(size=(n, out)).astype(run.dtype)
        if run.loss == "cross_entropy":
            y: np.ndarray = rng.integers(0, run.widths[-1], size=n)
            y = y.astype(np.float64) if run.labels == "flat" else y
        elif run.loss == "bce_logits":
            y = (rng.random(n) > 0.5).astype(np.float64)
        else:
            y = rng.normal(size=n)
            y = np.round(y * 3).astype(np.int64) if run.labels == "flat ints" else y
        found.append((X, y.reshape(n, 1) if run.labels == "column" else y))
    return found


_LOSSES = {
    "mse": losses.mse,
    "mae": losses.mae,
    "bce_logits": losses.binary_cross_entropy_with_logits,
    "cross_entropy": losses.cross_entropy,
}


#: What a user may do between two steps, each of which a compiled step must see as eager does.
_EVENTS = ("halve lr", "eval", "train", "freeze a weight", "hook", "new data array")


def _change(event: str, model: Module, opt: Optimizer) -> None:
    first, last = model.parameters()[0], model.parameters()[-1]
    if event == "halve lr":
        opt.lr = opt.lr / 2
    elif event == "eval":
        model.eval()
    elif event == "train":
        model.train()
    elif event == "freeze a weight":
        first.requires_grad = False
    elif event == "hook":
        last.register_hook(lambda g: g * 0.5)
    else:  # the same values in a new array (as load_state_dict may leave them)
        first.data = first.data.copy()


def _train(
    run: Run, compiled: bool, events: dict[int, str] | None = None
) -> tuple[list[float], list[np.ndarray], Any]:
    model = _model(run)
    opt: Optimizer = _OPTIMIZERS[run.optimizer](model.parameters())
    loss = _LOSSES[run.loss]

    def fn(xb: Tensor, yb: Tensor) -> Tensor:
        return loss(model(xb), yb)

    step = compile_step(fn, opt) if compiled else None
    values = []
    for k, (X, y) in enumerate(_batches(run)):
        if events and k in events:
            _change(events[k], model, opt)
        if step is not None:
            values.append(step(X, y))
            continue
        opt.zero_grad()
        value = fn(Tensor.from_numpy(X), Tensor.from_numpy(y))
        value.backward()
        opt.step()
        values.append(value.item())
    buffers = [b.data.copy() for b in model.buffers()]  # (BatchNorm1d's running statistics)
    return values, [p.data.copy() for p in model.parameters()] + buffers, step


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(run=runs())
def test_a_compiled_training_run_is_the_eager_run_bit_for_bit(run: Run) -> None:
    eager, eager_params, _ = _train(run, compiled=False)
    compiled, params, step = _train(run, compiled=True)
    assert compiled == eager
    for a, b in zip(params, eager_params, strict=True):
        np.testing.assert_array_equal(a, b)
    # Every step here can be replayed: anything else would be a reason to look at.
    assert step.stats["eager"] == 0 and step.stats["replays"] >= 1, step.stats


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(run=runs(), data=st.data())
def test_a_compiled_run_with_changes_between_steps_is_the_eager_run(
    run: Run, data: st.DataObject
) -> None:
    # A learning rate halved, a switch to eval() and back, a weight frozen, a hook, a new array
    # under a weight: at drawn steps, the same in both runs.
    steps = len(run.batch_sizes)
    when = data.draw(st.lists(st.integers(1, steps - 1), min_size=1, max_size=3, unique=True))
    events = {k: data.draw(st.sampled_from(_EVENTS)) for k in when}
    eager, eager_params, _ = _train(run, compiled=False, events=events)
    compiled, params, step = _train(run, compiled=True, events=events)
    assert compiled == eager
    for a, b in zip(params, eager_params, strict=True):
        np.testing.assert_array_equal(a, b)
    if "hook" not in events.values():  # (a hook makes the step eager, and says so)
        assert step.stats["eager"] == 0, step.stats
