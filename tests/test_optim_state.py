"""Optimizer state dicts: a stopped run, resumed from saved state, equals the uninterrupted run
bit for bit — weights, buffers, optimizer state, sample order, dropout masks, schedule."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tinygrad_edu import Tensor
from tinygrad_edu.losses import cross_entropy
from tinygrad_edu.nn import BatchNorm1d, Dense, Dropout, Sequential
from tinygrad_edu.optim import (
    Adagrad,
    Adam,
    AdamW,
    BatchGD,
    CosineAnnealingLR,
    MiniBatchGD,
    Momentum,
    Optimizer,
    RMSprop,
    StochasticGD,
)
from tinygrad_edu.train import History, fit

Make = Callable[[list[Tensor], int], Optimizer]

OPTIMIZERS: dict[str, Make] = {
    "batch": lambda ps, seed: BatchGD(ps, lr=0.05, weight_decay=0.01),
    "stochastic": lambda ps, seed: StochasticGD(ps, lr=0.01, seed=seed),
    "stochastic-replace": lambda ps, seed: StochasticGD(ps, lr=0.01, seed=seed, replace=True),
    "mini-batch": lambda ps, seed: MiniBatchGD(ps, lr=0.05, batch_size=7, seed=seed),
    "momentum": lambda ps, seed: Momentum(ps, 0.02, 0.9, 0.1, 0.01, batch_size=8, seed=seed),
    "adam": lambda ps, seed: Adam(ps, lr=0.01, amsgrad=True, batch_size=8, seed=seed),
    "adamw": lambda ps, seed: AdamW(ps, lr=0.01, batch_size=10, seed=seed),
    "rmsprop": lambda ps, seed: RMSprop(
        ps, lr=0.005, momentum=0.5, centered=True, batch_size=8, seed=seed
    ),
    "adagrad": lambda ps, seed: Adagrad(ps, lr=0.05, lr_decay=0.01, batch_size=8, seed=seed),
}

RNG = np.random.default_rng(0)
X = RNG.normal(size=(40, 4))
Y = (X[:, 0] + X[:, 1] ** 2 > 1).astype(np.int64) + (X[:, 2] > 0.5)


def model(seed: int, one_row_batches: bool = False) -> Sequential:
    """Dense, batch norm (left out for 1-row batches, which it refuses), ReLU, dropout, Dense."""
    norm = [] if one_row_batches else [BatchNorm1d(8)]
    return Sequential(
        Dense(4, 8, seed=seed), *norm, "relu", Dropout(0.3, seed=seed), Dense(8, 3, seed=seed + 1)
    )


def run(
    net: Sequential, opt: Optimizer, epochs: int, schedule: CosineAnnealingLR | None
) -> History:
    return fit(net, X, Y, cross_entropy, opt, epochs=epochs, progress=False, scheduler=schedule)


def assert_same(a: Any, b: Any, where: str = "state") -> None:
    """Equal structure, equal numbers bit for bit (arrays compared by their bytes)."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and list(a) == list(b), where
        for key in a:
            assert_same(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b), where
        for k, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{where}[{k}]")
    elif isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape, where
        assert a.tobytes() == b.tobytes(), where
    else:
        assert type(a) is type(b) and a == b, where


@pytest.mark.parametrize("name", list(OPTIMIZERS))
@pytest.mark.parametrize("through_a_file", [False, True], ids=["in-memory", "model-file"])
def test_a_resumed_run_equals_the_uninterrupted_one_bit_for_bit(
    name: str, through_a_file: bool, tmp_path: Path
) -> None:
    make = OPTIMIZERS[name]
    one_row = name.startswith("stochastic")
    whole_net = model(0, one_row)
    whole_opt = make(whole_net.parameters(), 0)
    whole_schedule = CosineAnnealingLR(whole_opt, T_max=5)
    first = run(whole_net, whole_opt, 3, whole_schedule)
    saved_model = whole_net.state_dict()
    saved_opt = whole_opt.state_dict()
    saved_schedule = whole_schedule.state_dict()
    if through_a_file:
        whole_net.save(tmp_path / "checkpoint.npz")
    rest = run(whole_net, whole_opt, 4, whole_schedule)

    # A new process: another seed everywhere, then the saved state on top.
    net = model(7, one_row)
    opt = make(net.parameters(), 99)
    schedule = CosineAnnealingLR(opt, T_max=5)
    if through_a_file:
        net.load(tmp_path / "checkpoint.npz")
    else:
        net.load_state_dict(saved_model)
    opt.load_state_dict(saved_opt)
    schedule.load_state_dict(saved_schedule)
    resumed = run(net, opt, 4, schedule)

    assert first.loss != rest.loss  # the second half did train
    assert_same(resumed.update_loss, rest.update_loss, "update losses")
    assert_same(net.state_dict(), whole_net.state_dict(), "model")
    assert_same(opt.state_dict(), whole_opt.state_dict(), "optimizer")
    assert_same(schedule.state_dict(), whole_schedule.state_dict(), "schedule")


def test_without_the_saved_generator_the_resumed_order_differs() -> None:
    # The control for the test above: the batch policy's generator position is what matters.
    net = model(0)
    opt = MiniBatchGD(net.parameters(), batch_size=7, seed=0)
    run(net, opt, 2, None)
    state = opt.state_dict()
    after = [b.tolist() for b in opt.batches(40)]
    fresh = MiniBatchGD(model(0).parameters(), batch_size=7, seed=0)
    assert [b.tolist() for b in fresh.batches(40)] != after  # epoch 1's order, not epoch 3's
    fresh.load_state_dict(state)
    assert [b.tolist() for b in fresh.batches(40)] == after


def test_the_state_dict_uses_torchs_layout_and_names() -> None:
    torch = pytest.importorskip("torch")
    cases = [
        (
            Adam([Tensor(np.zeros(3), requires_grad=True)], amsgrad=True),
            "Adam",
            {"amsgrad": True, "eps": 1e-7},
        ),
        (AdamW([Tensor(np.zeros(3), requires_grad=True)]), "AdamW", {}),
        (
            RMSprop([Tensor(np.zeros(3), requires_grad=True)], momentum=0.5, centered=True),
            "RMSprop",
            {"momentum": 0.5, "centered": True},
        ),
        (Adagrad([Tensor(np.zeros(3), requires_grad=True)]), "Adagrad", {}),
        (Momentum([Tensor(np.zeros(3), requires_grad=True)]), "SGD", {"lr": 0.01, "momentum": 0.9}),
    ]
    for ours, name, kwargs in cases:
        p = torch.zeros(3, dtype=torch.float64, requires_grad=True)
        theirs = getattr(torch.optim, name)([p], **kwargs)
        p.grad = torch.ones(3, dtype=torch.float64)
        theirs.step()  # torch fills its state at the first step
        ours.params[0].grad = np.ones(3)
        ours.step()
        mine, torchs = ours.state_dict(), theirs.state_dict()
        assert set(torchs["state"][0]) <= set(mine["state"][0]), name
        assert set(mine["param_groups"][0]) <= set(torchs["param_groups"][0]), name
        for key, value in mine["param_groups"][0].items():
            assert torchs["param_groups"][0][key] == pytest.approx(value), (name, key)
        for key, value in torchs["state"][0].items():
            np.testing.assert_allclose(mine["state"][0][key], value.numpy(), rtol=1e-15)


def test_state_dict_is_a_copy() -> None:
    w = Tensor(np.ones(2), requires_grad=True)
    opt = Adam([w])
    state = opt.state_dict()
    w.grad = np.ones(2)
    opt.step()
    assert state["state"][0]["step"] == 0 and not state["state"][0]["exp_avg"].any()


# ------------------------------------------------------------------------------- bad input
def adam_state(**changes: Any) -> dict[str, Any]:
    state = Adam([Tensor(np.zeros(3), requires_grad=True)]).state_dict()
    for path, value in changes.items():
        *parents, leaf = path.split("__")
        target: Any = state
        for key in parents:
            target = target[int(key) if key.isdigit() else key]
        if value is None:
            del target[int(leaf) if leaf.isdigit() else leaf]
        else:
            target[int(leaf) if leaf.isdigit() else leaf] = value
    return state


@pytest.mark.parametrize(
    ("state", "message"),
    [
        (
            RMSprop([Tensor(np.zeros(3), requires_grad=True)]).state_dict(),
            "param_groups[0] does not fit: missing ['amsgrad', 'betas'], unexpected "
            "['alpha', 'centered', 'momentum']",
        ),
        (
            adam_state(state__0__exp_avg=np.zeros(4)),
            "state[0]['exp_avg'] has shape (4,), dtype float64, but this optimizer's has "
            "shape (3,), dtype float64",
        ),
        (adam_state(state__0__step=-1), "state[0]['step'] must be a step count"),
        (adam_state(state__0__exp_avg=None), "state[0] does not fit: missing ['exp_avg']"),
        (adam_state(batch_policy__generator=np.zeros(6)), "expected 6 uint64 words"),
        (adam_state(batch_policy__shuffle=1), "batch_policy['shuffle'] must be a bool"),
        (adam_state(param_groups__0__amsgrad=True), "the state dict has amsgrad=True"),
        (adam_state(param_groups__0__lr=-1.0), "lr must be finite and ≥ 0, got -1.0"),
        (adam_state(param_groups__0__betas=(0.9,)), "betas must be a 2-tuple"),
        (adam_state(param_groups__0__params=[0, 1]), "is for 2 parameters, this optimizer has 1"),
        (adam_state(batch_policy=None), "the state dict does not fit: missing ['batch_policy']"),
    ],
    ids=[
        "other-class",
        "shape",
        "step",
        "missing-state",
        "generator",
        "policy",
        "switch",
        "lr",
        "betas",
        "count",
        "missing-key",
    ],
)
def test_a_state_dict_that_does_not_fit_is_named_and_nothing_changes(
    state: dict[str, Any], message: str
) -> None:
    opt = Adam([Tensor(np.zeros(3), requires_grad=True)], lr=0.5)
    before = opt.state_dict()
    with pytest.raises(ValueError, match=re.escape(message)):
        opt.load_state_dict(state)
    assert_same(opt.state_dict(), before)
