"""Optimizers: the update rules by hand, the batch policies, weight decay, float32, bad input.

The step-for-step comparisons with torch.optim are in ``test_optim_torch.py``."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinygrad_edu import Tensor
from tinygrad_edu.optim import (
    Adagrad,
    Adam,
    AdamW,
    BatchGD,
    MiniBatchGD,
    Momentum,
    Optimizer,
    RMSprop,
    StochasticGD,
    clip_grad_norm,
)

EVERY_OPTIMIZER = [BatchGD, StochasticGD, MiniBatchGD, Momentum, Adam, AdamW, RMSprop, Adagrad]


def param(values: object) -> Tensor:
    return Tensor(np.array(values, dtype=np.float64), requires_grad=True)


def epoch_orders(opt: Optimizer, n: int, epochs: int) -> list[list[np.ndarray]]:
    return [[b.copy() for b in opt.batches(n)] for _ in range(epochs)]


# ------------------------------------------------------------------------------ by hand
def test_batch_gd_one_step_by_hand() -> None:
    # L(w) = mean((Xw − y)²) with X = [[1, 2], [3, 4]], y = [1, 2], w = 0:
    # residual r = Xw − y = [−1, −2];  ∂L/∂w = (2/2)·Xᵀr = [1·−1 + 3·−2, 2·−1 + 4·−2] = [−7, −10].
    w = param([0.0, 0.0])
    X, y = Tensor([[1.0, 2.0], [3.0, 4.0]]), Tensor([1.0, 2.0])
    opt = BatchGD([w], lr=0.1)
    ((X @ w - y) ** 2).mean().backward()
    np.testing.assert_array_equal(w.grad, [-7.0, -10.0])
    opt.step()
    np.testing.assert_allclose(w.data, [0.7, 1.0], rtol=0, atol=1e-15)


def test_step_is_in_place_and_skips_parameters_without_a_gradient() -> None:
    a, b = param([1.0, 2.0]), param([5.0])
    storage = a.data
    opt = BatchGD([a, b], lr=0.5)
    (a * a).sum().backward()  # b takes no part: b.grad stays None
    opt.step()
    assert a.data is storage
    np.testing.assert_array_equal(a.data, [0.0, 0.0])  # a − 0.5·2a
    np.testing.assert_array_equal(b.data, [5.0])


def test_zero_grad_sets_every_grad_to_none() -> None:
    a, b = param([1.0]), param([2.0])
    (a * b).sum().backward()
    opt = BatchGD([a, b])
    opt.zero_grad()
    assert a.grad is None and b.grad is None


def test_momentum_two_steps_by_hand() -> None:
    # Constant gradient c: v₁ = c, v₂ = μc + c;  w₂ = w₀ − lr·c − lr·(1 + μ)·c.
    w = param([1.0, -1.0])
    c = np.array([2.0, -4.0])
    opt = Momentum([w], lr=0.1, momentum=0.5)
    for _ in range(2):
        opt.zero_grad()
        (w * Tensor(c)).sum().backward()
        opt.step()
    np.testing.assert_allclose(w.data, [1.0 - 0.2 - 0.3, -1.0 + 0.4 + 0.6], rtol=0, atol=1e-15)


def test_adam_first_step_is_lr_times_sign_of_gradient() -> None:
    # At t = 1 the bias corrections give m̂ = g and v̂ = g², so Δw = −lr·g/(|g| + eps) ≈ −lr·sign(g),
    # whatever the size of the gradient.
    w = param([3.0, -0.5, 0.002])
    g = np.array([2.0, -500.0, 0.01])
    opt = Adam([w], lr=0.01)
    (w * Tensor(g)).sum().backward()
    opt.step()
    expected = np.array([3.0, -0.5, 0.002]) - 0.01 * g / (np.abs(g) + 1e-7)
    np.testing.assert_allclose(w.data, expected, rtol=1e-15, atol=0)
    np.testing.assert_allclose(w.data, [2.99, -0.49, -0.008], rtol=0, atol=1e-6)


def test_weight_decay_adds_decay_times_p_to_the_gradient_by_hand() -> None:
    # L = Σw², g = 2w; with weight_decay 0.1 the step uses g + 0.1·w = 2.1·w.
    w = param([1.0, -2.0])
    opt = BatchGD([w], lr=0.1, weight_decay=0.1)
    (w * w).sum().backward()
    opt.step()
    np.testing.assert_allclose(w.data, [1.0 - 0.21, -2.0 + 0.42], rtol=1e-15)


def test_adamw_shrinks_p_before_its_adam_step_by_hand() -> None:
    # Decoupled: p ← p·(1 − lr·wd), then the first Adam step −lr·g/(|g| + eps).
    w = param([3.0, -0.5])
    g = np.array([2.0, -500.0])
    opt = AdamW([w], lr=0.01, weight_decay=0.1)
    (w * Tensor(g)).sum().backward()
    opt.step()
    expected = np.array([3.0, -0.5]) * (1 - 0.001) - 0.01 * g / (np.abs(g) + 1e-8)
    np.testing.assert_allclose(w.data, expected, rtol=1e-15)
    # Adam's L2 decay instead joins the gradient: g + wd·p, and is then normalised away.
    v = param([3.0, -0.5])
    l2 = Adam([v], lr=0.01, eps=1e-8, weight_decay=0.1)
    (v * Tensor(g)).sum().backward()
    l2.step()
    decayed = g + 0.1 * np.array([3.0, -0.5])
    expected_l2 = np.array([3.0, -0.5]) - 0.01 * decayed / (np.abs(decayed) + 1e-8)
    np.testing.assert_allclose(v.data, expected_l2, rtol=1e-15)


def test_rmsprop_first_step_is_ten_learning_rates_by_hand() -> None:
    # s = (1 − 0.99)·g² = 0.01·g², so the step is lr·g/(0.1·|g| + eps) ≈ 10·lr·sign(g).
    w = param([1.0, 1.0])
    g = np.array([4.0, -0.02])
    opt = RMSprop([w], lr=0.01)
    (w * Tensor(g)).sum().backward()
    opt.step()
    np.testing.assert_allclose(w.data, 1.0 - 0.01 * g / (0.1 * np.abs(g) + 1e-8), rtol=1e-14)
    np.testing.assert_allclose(w.data, [0.9, 1.1], rtol=1e-6)


def test_adagrad_two_steps_by_hand() -> None:
    # Constant gradient c: S₁ = c², S₂ = 2c²; the second rate is lr/(1 + lr_decay).
    w = param([0.0])
    opt = Adagrad([w], lr=0.5, lr_decay=0.25, eps=0.0)
    for _ in range(2):
        opt.zero_grad()
        (w * 3.0).sum().backward()
        opt.step()
    expected = -0.5 * 3 / 3 - 0.5 / 1.25 * 3 / np.sqrt(2 * 9)
    np.testing.assert_allclose(w.data, [expected], rtol=1e-15)


def test_momentum_dampening_applies_from_the_second_step_by_hand() -> None:
    # v₁ = g (as torch.optim.SGD), v₂ = μ·v₁ + (1 − d)·g;  w₂ = −lr·(v₁ + v₂).
    w = param([0.0])
    opt = Momentum([w], lr=0.1, momentum=0.5, dampening=0.4)
    for _ in range(2):
        opt.zero_grad()
        (w * 2.0).sum().backward()
        opt.step()
    np.testing.assert_allclose(w.data, [-0.1 * (2.0 + (0.5 * 2.0 + 0.6 * 2.0))], rtol=1e-15)


@pytest.mark.parametrize("cls", EVERY_OPTIMIZER)
def test_float32_parameters_stay_float32(cls: type[Optimizer]) -> None:
    w = Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    opt = cls([w], weight_decay=0.1)  # type: ignore[call-arg]
    for _ in range(3):
        opt.zero_grad()
        (w * w).sum().backward()
        opt.step()
    assert w.dtype == np.float32 and np.isfinite(w.data).all() and (w.data < 1).all()


def test_clip_grad_norm_by_hand() -> None:
    a, b = param([0.0, 0.0]), param([0.0])
    a.grad, b.grad = np.array([3.0, 0.0]), np.array([4.0])  # one vector [3, 0, 4]: norm 5
    assert clip_grad_norm([a, b], max_norm=10.0) == 5.0  # under the cap: unchanged
    np.testing.assert_array_equal(a.grad, [3.0, 0.0])
    assert clip_grad_norm([a, b], 2.5, norm_type=float("inf")) == 4.0  # the largest |g|
    np.testing.assert_allclose(b.grad, [4.0 * 2.5 / (4.0 + 1e-6)], rtol=1e-15)
    c = param([1.0])  # no gradient: skipped; nothing at all: norm 0
    assert clip_grad_norm(c, 1.0) == 0.0 and c.grad is None


def test_clip_grad_norm_bad_input() -> None:
    w = param([0.0])
    w.grad = np.array([np.inf])
    with pytest.raises(
        FloatingPointError, match=re.escape("the total 2.0-norm of the gradients is inf")
    ):
        clip_grad_norm([w], 1.0, error_if_nonfinite=True)
    with pytest.raises(ValueError, match=re.escape("max_norm must be finite and ≥ 0, got -1")):
        clip_grad_norm([w], -1)
    with pytest.raises(ValueError, match="norm_type must be > 0 or inf, got 0"):
        clip_grad_norm([w], 1.0, norm_type=0)
    with pytest.raises(TypeError, match="parameter 0 is a ndarray, not a Tensor"):
        clip_grad_norm([np.zeros(2)], 1.0)  # type: ignore[list-item]


# -------------------------------------------------------------------------- batch policies
@given(n=st.integers(1, 40), epochs=st.integers(1, 4))
def test_batch_gd_takes_all_samples_in_order_once_per_epoch(n: int, epochs: int) -> None:
    opt = BatchGD([param([0.0])])
    for batches in epoch_orders(opt, n, epochs):
        assert len(batches) == 1
        np.testing.assert_array_equal(batches[0], np.arange(n))
    assert opt.ordered and opt.updates_per_epoch(n) == 1


@given(n=st.integers(1, 40), seed=st.integers(0, 2**32 - 1), epochs=st.integers(1, 4))
def test_stochastic_gd_visits_every_sample_exactly_once_per_epoch(
    n: int, seed: int, epochs: int
) -> None:
    opt = StochasticGD([param([0.0])], seed=seed)
    for batches in epoch_orders(opt, n, epochs):
        assert [len(b) for b in batches] == [1] * n
        np.testing.assert_array_equal(np.sort(np.concatenate(batches)), np.arange(n))
    assert opt.updates_per_epoch(n) == n and not opt.ordered


@given(
    n=st.integers(1, 40),
    batch_size=st.integers(1, 50),
    seed=st.integers(0, 2**32 - 1),
    shuffle=st.booleans(),
)
def test_mini_batch_gd_cuts_one_permutation_into_chunks(
    n: int, batch_size: int, seed: int, shuffle: bool
) -> None:
    opt = MiniBatchGD([param([0.0])], batch_size=batch_size, seed=seed, shuffle=shuffle)
    (batches,) = epoch_orders(opt, n, 1)
    sizes = [len(b) for b in batches]
    assert len(sizes) == math.ceil(n / batch_size) == opt.updates_per_epoch(n)
    assert all(s == min(batch_size, n) for s in sizes[:-1]) and 1 <= sizes[-1] <= batch_size
    order = np.concatenate(batches)
    np.testing.assert_array_equal(np.sort(order), np.arange(n))
    if not shuffle:
        np.testing.assert_array_equal(order, np.arange(n))


def test_a_seed_repeats_the_order_and_successive_epochs_differ() -> None:
    first = epoch_orders(StochasticGD([param([0.0])], seed=7), 30, 3)
    again = epoch_orders(StochasticGD([param([0.0])], seed=7), 30, 3)
    other = epoch_orders(StochasticGD([param([0.0])], seed=8), 30, 3)
    flat = [np.concatenate(e) for e in first]
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(np.concatenate(a), np.concatenate(b))
    assert not np.array_equal(flat[0], flat[1]) and not np.array_equal(flat[1], flat[2])
    assert not np.array_equal(flat[0], np.concatenate(other[0]))


def test_stochastic_gd_with_replacement_draws_n_independent_samples() -> None:
    n = 20
    opt = StochasticGD([param([0.0])], seed=0, replace=True)
    epochs = epoch_orders(opt, n, 50)
    draws = np.concatenate([np.concatenate(e) for e in epochs])
    assert all(len(e) == n and all(len(b) == 1 for b in e) for e in epochs)
    assert draws.min() >= 0 and draws.max() < n
    # Without replacement every epoch would hold each sample once; with it, repeats are the rule
    # (the chance that 20 draws out of 20 are all different is 20!/20²⁰ ≈ 2e-8).
    assert all(len(np.unique(np.concatenate(e))) < n for e in epochs)
    assert set(draws.tolist()) == set(range(n))


def test_momentum_and_adam_take_the_full_batch_unless_given_a_size() -> None:
    for cls in (Momentum, Adam):
        full = cls([param([0.0])])
        assert [b.tolist() for b in full.batches(4)] == [[0, 1, 2, 3]] and full.ordered
        chunked = cls([param([0.0])], batch_size=3, seed=1)
        sizes = [len(b) for b in chunked.batches(7)]
        assert sizes == [3, 3, 1]


# ------------------------------------------------------------------------ one update rule
@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 12),
    epochs=st.integers(1, 6),
    data=st.data(),
)
def test_mini_batch_of_everything_in_order_takes_exactly_the_batch_gd_steps(
    n: int, epochs: int, data: st.DataObject
) -> None:
    X = data.draw(hnp.arrays(np.float64, (n, 3), elements=st.floats(-2, 2)))
    y = data.draw(hnp.arrays(np.float64, (n, 1), elements=st.floats(-2, 2)))
    extra = data.draw(st.integers(0, 3))
    results = []
    for make in (
        lambda ps: BatchGD(ps, lr=0.05),
        lambda ps: MiniBatchGD(ps, lr=0.05, batch_size=n + extra, shuffle=False),
    ):
        w, b = param(np.ones((3, 1))), param(np.zeros(1))
        opt = make([w, b])
        for _ in range(epochs):
            for idx in opt.batches(n):
                loss = ((Tensor(X[idx]) @ w + b - Tensor(y[idx])) ** 2).mean()
                opt.zero_grad()
                loss.backward()
                opt.step()
        results.append((w.data.copy(), b.data.copy()))
    np.testing.assert_array_equal(results[0][0], results[1][0])
    np.testing.assert_array_equal(results[0][1], results[1][1])


@settings(max_examples=40, deadline=None)
@given(n=st.integers(2, 15), d=st.integers(1, 4), data=st.data())
def test_small_learning_rate_lowers_a_least_squares_loss_on_every_step(
    n: int, d: int, data: st.DataObject
) -> None:
    # L(w) = (1/n)‖Xw − y‖² has an L-Lipschitz gradient with L = 2·λmax(XᵀX)/n. With lr = 1/L the
    # descent lemma gives L(w − lr·g) ≤ L(w) − (lr/2)·‖g‖²: strictly lower while g ≠ 0.
    X = data.draw(hnp.arrays(np.float64, (n, d), elements=st.floats(-3, 3)))
    y = data.draw(hnp.arrays(np.float64, (n,), elements=st.floats(-3, 3)))
    w0 = data.draw(hnp.arrays(np.float64, (d,), elements=st.floats(-3, 3)))
    lipschitz = 2 * np.linalg.eigvalsh(X.T @ X).max() / n
    lr = 1.0 / max(lipschitz, 1e-3)
    w = param(w0)
    opt = BatchGD([w], lr=lr)
    Xt, yt = Tensor(X), Tensor(y)
    for _ in range(15):
        loss = ((Xt @ w - yt) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        assert w.grad is not None
        drop = lr / 2 * float(w.grad @ w.grad)
        before = loss.item()
        opt.step()
        after = float(np.mean((X @ w.data - y) ** 2))
        assert after <= before - drop + 1e-12 * (1 + before)


# ------------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("lr", [0, -0.1, float("nan"), float("inf")])
def test_learning_rate_must_be_positive_and_finite(lr: float) -> None:
    with pytest.raises(
        ValueError, match=re.escape(f"BatchGD: lr must be finite and > 0, got {lr!r}")
    ):
        BatchGD([param([0.0])], lr=lr)


def test_learning_rate_must_be_a_number() -> None:
    with pytest.raises(TypeError, match=re.escape("Adam: lr must be a number, got '0.1'")):
        Adam([param([0.0])], lr="0.1")  # type: ignore[arg-type]


def test_bad_parameter_lists_are_named() -> None:
    with pytest.raises(ValueError, match="MiniBatchGD: params is empty"):
        MiniBatchGD([])
    with pytest.raises(ValueError, match=r"parameter 1 \(shape \(2,\)\) does not require grad"):
        BatchGD([param([0.0]), Tensor([1.0, 2.0])])
    with pytest.raises(TypeError, match="parameter 0 is a ndarray, not a Tensor"):
        BatchGD([np.zeros(2)])  # type: ignore[list-item]
    w = param([0.0])
    with pytest.raises(ValueError, match=r"parameter 1 \(shape \(1,\)\) is listed twice"):
        Adam([w, w])
    with pytest.raises(TypeError, match="wrap one in a list"):
        BatchGD(w)


def test_bad_hyperparameters_are_named() -> None:
    w = param([0.0])
    with pytest.raises(ValueError, match="batch_size must be ≥ 1, got 0"):
        MiniBatchGD([w], batch_size=0)
    with pytest.raises(TypeError, match=re.escape("batch_size must be an int or None, got 2.5")):
        MiniBatchGD([w], batch_size=2.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"Momentum: momentum must be a number in \[0, 1\), got 1"):
        Momentum([w], momentum=1)
    with pytest.raises(ValueError, match="nesterov=True needs momentum > 0"):
        Momentum([w], momentum=0, nesterov=True)
    with pytest.raises(ValueError, match=r"Adam: betas\[1\] must be a number in \[0, 1\)"):
        Adam([w], betas=(0.9, 1.5))
    with pytest.raises(ValueError, match="Adam: betas must be a pair"):
        Adam([w], betas=(0.9,))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"Adam: eps must be finite and ≥ 0, got -1e-08"):
        Adam([w], eps=-1e-8)
    with pytest.raises(ValueError, match=re.escape("BatchGD.batches: n must be an int ≥ 1, got 0")):
        next(BatchGD([w]).batches(0))


def test_bad_hyperparameters_of_the_new_optimizers_are_named() -> None:
    w = param([0.0])
    with pytest.raises(ValueError, match=re.escape("BatchGD: weight_decay must be finite and ≥ 0")):
        BatchGD([w], weight_decay=-0.1)
    with pytest.raises(ValueError, match=re.escape("AdamW: betas[0] must be a number in [0, 1)")):
        AdamW([w], betas=(1.0, 0.9))
    with pytest.raises(TypeError, match="AdamW: amsgrad must be True or False, got 'yes'"):
        AdamW([w], amsgrad="yes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=re.escape("RMSprop: alpha must be a number in [0, 1]")):
        RMSprop([w], alpha=1.5)
    with pytest.raises(TypeError, match="RMSprop: centered must be True or False"):
        RMSprop([w], centered=1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=re.escape("Adagrad: lr_decay must be finite and ≥ 0")):
        Adagrad([w], lr_decay=-1)
    with pytest.raises(ValueError, match="initial_accumulator_value must be finite and ≥ 0"):
        Adagrad([w], initial_accumulator_value=-0.1)
    with pytest.raises(ValueError, match="nesterov=True needs momentum > 0 and dampening = 0"):
        Momentum([w], dampening=0.1, nesterov=True)


def test_momentum_takes_torchs_argument_order_and_says_so_for_the_old_one() -> None:
    # torch.optim.SGD(params, lr, momentum, dampening, weight_decay, nesterov): the fourth
    # positional argument is dampening, so the old Momentum(params, lr, momentum, nesterov)
    # call is refused instead of silently dampening by 1.
    w = param([0.0])
    with pytest.raises(
        ValueError, match=re.escape("dampening must be a number in [0, 1], got True")
    ):
        Momentum([w], 0.1, 0.9, True)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="nesterov must be True or False, got 1"):
        Momentum([w], nesterov=1)  # type: ignore[arg-type]


def test_repr_names_the_policy_and_counts_tensors_and_numbers() -> None:
    assert (
        repr(BatchGD([param([0.0])], lr=0.5)) == "BatchGD(lr=0.5, full batch, 1 tensor, 1 number)"
    )
    two = [param(np.zeros((3, 10))), param(np.zeros(1))]  # 30 + 1 numbers in 2 tensors
    assert repr(Adam(two, weight_decay=0.1)).endswith(
        "weight_decay=0.1, full batch, 2 tensors, 31 numbers)"
    )
    assert "batch_size=4, shuffled (seed=3)" in repr(MiniBatchGD([param([0.0])], 0.1, 4, seed=3))
    assert "batch_size=1, with replacement" in repr(StochasticGD([param([0.0])], replace=True))
