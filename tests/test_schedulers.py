"""Learning-rate schedules by hand, inside ``fit``, saved and restored, and given bad input.

The step-for-step comparison with torch.optim.lr_scheduler is in ``test_optim_torch.py``."""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pytest

from tinygrad_edu import Tensor
from tinygrad_edu.nn import Dense
from tinygrad_edu.optim import Adam, BatchGD, CosineAnnealingLR, ExponentialLR, StepLR
from tinygrad_edu.train import History, fit


def optimizer(lr: float = 1.0) -> BatchGD:
    return BatchGD([Tensor([0.0], requires_grad=True)], lr=lr)


def rates(schedule: Any, epochs: int) -> list[float]:
    seen = []
    for _ in range(epochs):
        seen.append(schedule.optimizer.lr)
        schedule.step()
    return seen


def test_step_lr_by_hand() -> None:
    assert rates(StepLR(optimizer(), step_size=2, gamma=0.5), 6) == [1, 1, 0.5, 0.5, 0.25, 0.25]


def test_exponential_lr_by_hand() -> None:
    assert rates(ExponentialLR(optimizer(2.0), gamma=0.5), 4) == [2.0, 1.0, 0.5, 0.25]


def test_cosine_annealing_by_hand_down_and_back_up() -> None:
    # base 1, eta_min 0, T_max 4: lr_t = (1 + cos(πt/4))/2, down to 0 at t = 4, then up again.
    half = math.sqrt(2) / 4
    expected = [1.0, 0.5 + half, 0.5, 0.5 - half, 0.0, 0.5 - half, 0.5, 0.5 + half, 1.0]
    got = rates(CosineAnnealingLR(optimizer(), T_max=4), 9)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-15)


def test_cosine_annealing_ends_at_eta_min() -> None:
    schedule = CosineAnnealingLR(optimizer(0.1), T_max=10, eta_min=0.001)
    rates(schedule, 10)
    assert schedule.get_last_lr() == pytest.approx([0.001], rel=1e-12)


def test_fit_steps_the_schedule_once_per_epoch_after_its_updates() -> None:
    # L = w, so ∂L/∂w = 1 and each update subtracts that epoch's learning rate from w.
    w = Tensor([[0.0]], requires_grad=True)
    opt = BatchGD([w], lr=1.0)
    used: list[float] = []

    def record(epoch: int, history: History) -> None:
        used.append(opt.lr)  # callbacks run before the schedule's step

    history = fit(
        lambda x: x @ w,
        np.ones((3, 1)),
        np.zeros(3),
        loss=lambda out, y: out.mean(),
        optimizer=opt,
        epochs=4,
        progress=False,
        callbacks=[record],
        scheduler=StepLR(opt, step_size=1, gamma=0.5),
    )
    assert used == [1.0, 0.5, 0.25, 0.125] and opt.lr == 0.0625
    assert float(w.data[0, 0]) == -(1.0 + 0.5 + 0.25 + 0.125)
    assert history.loss == [0.0, -1.0, -1.5, -1.75]


def test_fit_refuses_a_scheduler_it_cannot_use() -> None:
    layer = Dense(1, 1)
    opt, other = BatchGD(layer.parameters()), Adam(layer.parameters())
    args: dict[str, Any] = {"loss": lambda p, t: p.mean(), "epochs": 1, "progress": False}
    with pytest.raises(TypeError, match="fit: scheduler must be an LRScheduler, got dict"):
        fit(layer, np.ones((2, 1)), np.ones(2), optimizer=opt, scheduler={"gamma": 0.5}, **args)
    with pytest.raises(ValueError, match=re.escape("the scheduler was made for another optimizer")):
        fit(layer, np.ones((2, 1)), np.ones(2), optimizer=opt, scheduler=StepLR(other, 1), **args)


def test_a_scheduler_given_a_foreign_object_names_it() -> None:
    message = "StepLR: optimizer must be a tinygrad_edu.optim optimizer (BatchGD, Adam, ...), got"
    with pytest.raises(TypeError, match=re.escape(message) + " tinygrad_edu.nn.dense.Dense"):
        StepLR(Dense(1, 1), step_size=1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=re.escape("got builtins.list")):
        ExponentialLR([optimizer()], gamma=0.9)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda o: StepLR(o, 0), "StepLR: step_size must be an int ≥ 1, got 0"),
        (lambda o: StepLR(o, 2, gamma=-0.5), "StepLR: gamma must be finite and > 0, got -0.5"),
        (lambda o: ExponentialLR(o, float("nan")), "ExponentialLR: gamma must be finite and > 0"),
        (lambda o: CosineAnnealingLR(o, 2.5), "CosineAnnealingLR: T_max must be an int ≥ 1"),
        (lambda o: CosineAnnealingLR(o, 5, -1), "eta_min must be finite and ≥ 0, got -1"),
    ],
)
def test_bad_schedule_settings_are_named(make: Any, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        make(optimizer())


def test_state_dict_resumes_the_schedule() -> None:
    schedule = CosineAnnealingLR(optimizer(), T_max=6, eta_min=0.1)
    rates(schedule, 3)
    state = schedule.state_dict()
    assert state == {
        "T_max": 6,
        "eta_min": 0.1,
        "base_lrs": [1.0],
        "last_epoch": 3,
        "_last_lr": [schedule.optimizer.lr],
    }
    later = rates(schedule, 5)
    fresh_opt = optimizer(0.7)
    fresh = CosineAnnealingLR(fresh_opt, T_max=6, eta_min=0.1)
    fresh.load_state_dict(state)
    fresh_opt.lr = state["_last_lr"][0]  # the optimizer's own state dict carries its lr
    assert rates(fresh, 5) == later  # bit for bit


def test_a_state_dict_that_does_not_fit_the_schedule_is_named() -> None:
    schedule = StepLR(optimizer(), 2)
    with pytest.raises(ValueError, match=re.escape("missing ['step_size'], unexpected ['T_max']")):
        schedule.load_state_dict({**ExponentialLR(optimizer(), 0.5).state_dict(), "T_max": 3})
    with pytest.raises(ValueError, match=re.escape("last_epoch should be like 0, got 2.5")):
        schedule.load_state_dict({**schedule.state_dict(), "last_epoch": 2.5})


def test_repr_shows_the_settings() -> None:
    assert repr(StepLR(optimizer(), 3, 0.5)) == "StepLR(step_size=3, gamma=0.5, last_epoch=0)"
