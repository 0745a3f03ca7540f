"""Optimizers: the shared update rule, the batch policies, Momentum and Adam against PyTorch."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinygrad_edu import Tensor
from tinygrad_edu.optim import Adam, BatchGD, MiniBatchGD, Momentum, Optimizer, StochasticGD


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


# ------------------------------------------------------------------------- against PyTorch
def least_squares(rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    X = rng.normal(size=(30, 3))
    return X, X @ np.array([[1.5], [-2.0], [0.5]]) + 0.3 + 0.1 * rng.normal(size=(30, 1))


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (lambda ps: Adam(ps, lr=0.05, eps=1e-8), ("Adam", {"lr": 0.05, "eps": 1e-8})),
        (lambda ps: Adam(ps), ("Adam", {"lr": 0.001, "eps": 1e-7})),
        (
            lambda ps: Adam(ps, lr=0.02, betas=(0.8, 0.99), eps=1e-6),
            ("Adam", {"lr": 0.02, "betas": (0.8, 0.99), "eps": 1e-6}),
        ),
        (lambda ps: Momentum(ps, lr=0.05), ("SGD", {"lr": 0.05, "momentum": 0.9})),
        (
            lambda ps: Momentum(ps, lr=0.03, momentum=0.5, nesterov=True),
            ("SGD", {"lr": 0.03, "momentum": 0.5, "nesterov": True}),
        ),
    ],
    ids=["adam", "adam-keras-defaults", "adam-betas", "momentum", "nesterov"],
)
def test_follows_torch_optim_for_100_steps(ours: object, theirs: tuple[str, dict]) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    X, y = least_squares(rng)
    w0, v0 = rng.normal(size=(3, 4)), rng.normal(size=(4, 1))
    w, v = param(w0), param(v0)
    opt = ours([w, v])  # type: ignore[operator]
    tw = torch.tensor(w0, requires_grad=True)
    tv = torch.tensor(v0, requires_grad=True)
    name, kwargs = theirs
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


def test_repr_names_the_policy() -> None:
    assert repr(BatchGD([param([0.0])], lr=0.5)) == "BatchGD(lr=0.5, full batch, 1 params)"
    assert "batch_size=4, shuffled (seed=3)" in repr(MiniBatchGD([param([0.0])], 0.1, 4, seed=3))
    assert "batch_size=1, with replacement" in repr(StochasticGD([param([0.0])], replace=True))
