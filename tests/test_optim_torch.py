"""Every optimizer, ``clip_grad_norm`` and every schedule against PyTorch, step for step.

Skipped when PyTorch is not installed. The optimizers train a small tanh network on a least
squares problem for 100 steps beside their torch.optim namesakes; losses and weights must agree
to 1e-10 (the rounding of 100 steps), which a wrong coefficient anywhere would exceed by far.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from tinygrad_edu import Tensor
from tinygrad_edu.optim import (
    Adagrad,
    Adam,
    AdamW,
    BatchGD,
    CosineAnnealingLR,
    ExponentialLR,
    LRScheduler,
    MiniBatchGD,
    Momentum,
    Optimizer,
    RMSprop,
    StepLR,
    StochasticGD,
    clip_grad_norm,
)

torch = pytest.importorskip("torch")

Make = Callable[[list[Tensor]], Optimizer]

CASES: list[tuple[str, Make, str, dict[str, Any]]] = [
    ("adam", lambda ps: Adam(ps, lr=0.05, eps=1e-8), "Adam", {"lr": 0.05, "eps": 1e-8}),
    ("adam-keras-defaults", lambda ps: Adam(ps), "Adam", {"lr": 0.001, "eps": 1e-7}),
    (
        "adam-betas",
        lambda ps: Adam(ps, lr=0.02, betas=(0.8, 0.99), eps=1e-6),
        "Adam",
        {"lr": 0.02, "betas": (0.8, 0.99), "eps": 1e-6},
    ),
    (
        "adam-l2-amsgrad",
        lambda ps: Adam(ps, lr=0.05, eps=1e-8, weight_decay=0.1, amsgrad=True),
        "Adam",
        {"lr": 0.05, "weight_decay": 0.1, "amsgrad": True},
    ),
    ("adamw-defaults", lambda ps: AdamW(ps), "AdamW", {}),
    (
        "adamw-decay-amsgrad",
        lambda ps: AdamW(ps, lr=0.05, betas=(0.85, 0.995), weight_decay=0.3, amsgrad=True),
        "AdamW",
        {"lr": 0.05, "betas": (0.85, 0.995), "weight_decay": 0.3, "amsgrad": True},
    ),
    ("rmsprop-defaults", lambda ps: RMSprop(ps), "RMSprop", {}),
    (
        "rmsprop-momentum-centered-decay",
        lambda ps: RMSprop(ps, lr=0.003, alpha=0.9, momentum=0.5, centered=True, weight_decay=0.05),
        "RMSprop",
        {"lr": 0.003, "alpha": 0.9, "momentum": 0.5, "centered": True, "weight_decay": 0.05},
    ),
    (
        "rmsprop-centered",
        lambda ps: RMSprop(ps, lr=0.002, centered=True),
        "RMSprop",
        {"lr": 0.002, "centered": True},
    ),
    ("adagrad-defaults", lambda ps: Adagrad(ps), "Adagrad", {}),
    (
        "adagrad-decay-start",
        lambda ps: Adagrad(
            ps, lr=0.1, lr_decay=0.01, weight_decay=0.02, initial_accumulator_value=0.1, eps=1e-8
        ),
        "Adagrad",
        {
            "lr": 0.1,
            "lr_decay": 0.01,
            "weight_decay": 0.02,
            "initial_accumulator_value": 0.1,
            "eps": 1e-8,
        },
    ),
    ("momentum", lambda ps: Momentum(ps, lr=0.05), "SGD", {"lr": 0.05, "momentum": 0.9}),
    (
        "nesterov",
        lambda ps: Momentum(ps, lr=0.03, momentum=0.5, nesterov=True),
        "SGD",
        {"lr": 0.03, "momentum": 0.5, "nesterov": True},
    ),
    (
        "momentum-dampening-decay",
        lambda ps: Momentum(ps, 0.05, 0.8, 0.3, 0.01),  # torch.optim.SGD's argument order
        "SGD",
        {"lr": 0.05, "momentum": 0.8, "dampening": 0.3, "weight_decay": 0.01},
    ),
    (
        "batch-gd-decay",
        lambda ps: BatchGD(ps, lr=0.1, weight_decay=0.05),
        "SGD",
        {"lr": 0.1, "weight_decay": 0.05},
    ),
    (
        "stochastic-gd-decay",
        lambda ps: StochasticGD(ps, lr=0.1, weight_decay=0.05),
        "SGD",
        {"lr": 0.1, "weight_decay": 0.05},
    ),
    (
        "mini-batch-gd-decay",
        lambda ps: MiniBatchGD(ps, lr=0.1, weight_decay=0.05),
        "SGD",
        {"lr": 0.1, "weight_decay": 0.05},
    ),
]


def least_squares(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    X = rng.normal(size=(30, 3))
    return X, X @ np.array([[1.5], [-2.0], [0.5]]) + 0.3 + 0.1 * rng.normal(size=(30, 1))


@pytest.mark.parametrize(
    ("ours", "name", "kwargs"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_follows_torch_optim_for_100_steps(ours: Make, name: str, kwargs: dict[str, Any]) -> None:
    rng = np.random.default_rng(3)
    X, y = least_squares(rng)
    w0, v0 = rng.normal(size=(3, 4)), rng.normal(size=(4, 1))
    w, v = Tensor(w0, requires_grad=True), Tensor(v0, requires_grad=True)
    opt = ours([w, v])
    tw = torch.tensor(w0, requires_grad=True)
    tv = torch.tensor(v0, requires_grad=True)
    topt = getattr(torch.optim, name)([tw, tv], **kwargs)
    Xt, tX, ty = Tensor(X), torch.tensor(X), torch.tensor(y)
    for _ in range(100):
        loss = (((Xt @ w).tanh() @ v - y) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        tloss = ((torch.tanh(tX @ tw) @ tv - ty) ** 2).mean()
        topt.zero_grad()
        tloss.backward()
        topt.step()
        np.testing.assert_allclose(loss.item(), tloss.item(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(w.data, tw.detach().numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(v.data, tv.detach().numpy(), rtol=0, atol=1e-10)


#: torch.optim options about devices, compilation and resuming by epoch number, left out here.
TORCH_ONLY = ("foreach", "capturable", "maximize", "differentiable", "fused", "last_epoch")


@pytest.mark.parametrize(
    ("ours", "theirs", "defaults_differ"),
    [
        (AdamW, "AdamW", {}),
        (RMSprop, "RMSprop", {}),
        (Adagrad, "Adagrad", {}),
        (Adam, "Adam", {"eps": 1e-7}),  # Keras' eps, kept from before
        (Momentum, "SGD", {"momentum": 0.9, "lr": 0.01}),  # 0.9: momentum is the point of it
        (StepLR, "lr_scheduler.StepLR", {}),
        (ExponentialLR, "lr_scheduler.ExponentialLR", {}),
        (CosineAnnealingLR, "lr_scheduler.CosineAnnealingLR", {}),
    ],
)
def test_arguments_are_torchs_names_in_torchs_order_with_its_defaults(
    ours: type, theirs: str, defaults_differ: dict[str, Any]
) -> None:
    target: Any = torch.optim
    for part in theirs.split("."):
        target = getattr(target, part)
    mine = [
        p for p in inspect.signature(ours).parameters.values() if p.kind is p.POSITIONAL_OR_KEYWORD
    ]
    torchs = [
        p
        for p in inspect.signature(target).parameters.values()
        if p.kind is p.POSITIONAL_OR_KEYWORD and p.name not in TORCH_ONLY
    ]
    assert [p.name for p in mine] == [p.name for p in torchs]
    for p, q in zip(mine, torchs, strict=True):
        expected = defaults_differ.get(p.name, q.default)
        assert p.default == expected, f"{ours.__name__}({p.name}=...)"


# ------------------------------------------------------------------------------ clip_grad_norm
@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, float("inf")])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_torch(norm_type: float, max_norm: float) -> None:
    rng = np.random.default_rng(int(max_norm) + int(min(norm_type, 9)))
    grads = [rng.normal(size=s) for s in ((3, 4), (4,), (2, 2, 2))]
    ours = [Tensor(np.zeros_like(g), requires_grad=True) for g in grads]
    theirs = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for p, q, g in zip(ours, theirs, grads, strict=True):
        p.grad = g.copy()
        q.grad = torch.tensor(g)
    total = clip_grad_norm(ours, max_norm, norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    np.testing.assert_allclose(total, expected.item(), rtol=1e-14)
    for p, q in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(p.grad, q.grad.numpy(), rtol=1e-14, atol=0)


# ---------------------------------------------------------------------------------- schedules
Schedule = Callable[[Optimizer], LRScheduler]


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (lambda o: StepLR(o, step_size=3), lambda o: torch.optim.lr_scheduler.StepLR(o, 3)),
        (
            lambda o: StepLR(o, 4, gamma=0.7),
            lambda o: torch.optim.lr_scheduler.StepLR(o, 4, gamma=0.7),
        ),
        (lambda o: ExponentialLR(o, 0.9), lambda o: torch.optim.lr_scheduler.ExponentialLR(o, 0.9)),
        (
            lambda o: CosineAnnealingLR(o, T_max=10),
            lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=10),
        ),
        (
            lambda o: CosineAnnealingLR(o, 7, eta_min=0.01),
            lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, 7, eta_min=0.01),
        ),
    ],
    ids=["step", "step-gamma", "exponential", "cosine", "cosine-eta-min"],
)
def test_schedules_follow_torch_for_40_epochs(ours: Schedule, theirs: Any) -> None:
    # 40 epochs take the cosines twice past their minimum, through the branch for 0/0.
    opt = Adam([Tensor([1.0], requires_grad=True)], lr=0.1)
    topt = torch.optim.Adam([torch.zeros(1, requires_grad=True)], lr=0.1)
    schedule, tschedule = ours(opt), theirs(topt)
    for epoch in range(40):
        assert opt.lr == pytest.approx(topt.param_groups[0]["lr"], rel=1e-13, abs=1e-16), epoch
        topt.step()  # PyTorch warns if its scheduler steps before its optimizer
        schedule.step()
        tschedule.step()
        assert schedule.get_last_lr() == pytest.approx(
            tschedule.get_last_lr(), rel=1e-13, abs=1e-16
        )
    assert schedule.last_epoch == tschedule.last_epoch == 40


def test_two_schedules_on_one_optimizer_compose_as_in_torch() -> None:
    opt = BatchGD([Tensor([1.0], requires_grad=True)], lr=1.0)
    topt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
    ours = [StepLR(opt, 3, 0.5), ExponentialLR(opt, 0.9)]
    lr_scheduler = torch.optim.lr_scheduler
    theirs = [lr_scheduler.StepLR(topt, 3, 0.5), lr_scheduler.ExponentialLR(topt, 0.9)]
    for _ in range(10):
        topt.step()
        for a, b in zip(ours, theirs, strict=True):
            a.step()
            b.step()
        assert opt.lr == pytest.approx(topt.param_groups[0]["lr"], rel=1e-14)
