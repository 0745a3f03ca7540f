"""Layers whose train/eval mode matters (Dropout, BatchNorm1d) and Flatten: by hand, against
PyTorch, gradients by central differences, bad input."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_edu import Tensor, gradcheck
from tinygrad_edu.nn import BatchNorm1d, Dropout, Flatten, Sequential


# ----------------------------------------------------------------------------------- Dropout
def test_dropout_zeroes_with_its_generator_and_scales_the_rest_by_hand() -> None:
    x = Tensor(np.arange(1.0, 9.0), requires_grad=True)
    out = Dropout(0.25, seed=3)(x)
    # The layer's rule written out: keep where a uniform draw is ≥ p, divide the kept by 1 − p.
    keep = np.random.default_rng(3).random(8) >= 0.25
    expected = np.where(keep, np.arange(1.0, 9.0) / 0.75, 0.0)
    np.testing.assert_allclose(out.data, expected, rtol=1e-15, atol=0)
    out.sum().backward()
    np.testing.assert_allclose(x.grad, np.where(keep, 1 / 0.75, 0.0), rtol=1e-15, atol=0)


def test_dropout_is_the_identity_in_eval_mode_and_for_p_zero() -> None:
    x = Tensor(np.ones((4, 3)))
    assert Dropout(0.5).eval()(x) is x
    assert Dropout(0.0)(x) is x


@settings(max_examples=20, deadline=None)
@given(p=st.floats(0.05, 0.9), seed=st.integers(0, 2**32 - 1))
def test_dropout_keeps_about_one_minus_p_and_the_mean_on_average(p: float, seed: int) -> None:
    n = 40_000
    out = Dropout(p, seed=seed)(np.ones(n)).data
    kept = out != 0
    assert set(np.unique(out)) <= {0.0, 1 / (1 - p)}
    # Binomial(n, 1 − p): its standard deviation is √(n·p·(1 − p)) ≤ 100; allow 5 of them.
    assert abs(kept.sum() - n * (1 - p)) < 5 * np.sqrt(n * p * (1 - p))
    assert abs(out.mean() - 1.0) < 5 * np.sqrt(p / ((1 - p) * n))  # E[y] = x


def test_dropout_masks_change_per_call_and_repeat_per_seed() -> None:
    first, again = Dropout(0.5, seed=1), Dropout(0.5, seed=1)
    a1, a2 = first(np.ones(50)).data, first(np.ones(50)).data
    assert not np.array_equal(a1, a2)
    np.testing.assert_array_equal(again(np.ones(50)).data, a1)


def test_dropout_keeps_float32_and_works_inside_sequential() -> None:
    out = Sequential(Dropout(0.5, seed=0), Flatten())(np.ones((2, 2, 2), dtype=np.float32))
    assert out.dtype == np.float32 and out.shape == (2, 4)


@pytest.mark.parametrize("p", [1.0, -0.1, 1.5, "0.5", True, float("nan")])
def test_dropout_p_outside_zero_one_is_refused(p: Any) -> None:
    with pytest.raises(
        ValueError, match=re.escape(f"Dropout: p must be a number in [0, 1), got {p!r}")
    ):
        Dropout(p)


def test_dropout_generator_must_be_saveable() -> None:
    with pytest.raises(ValueError, match=r"only for PCG64.*this one uses MT19937"):
        Dropout(0.5, seed=np.random.Generator(np.random.MT19937(0)))


def test_dropout_repr() -> None:
    assert repr(Dropout(0.3)) == "Dropout(p=0.3)"


# ------------------------------------------------------------------------------- BatchNorm1d
def test_batchnorm_training_step_by_hand() -> None:
    bn = BatchNorm1d(2)
    x = np.array([[1.0, 10.0], [3.0, 30.0]])
    out = bn(x)
    # Column 1: μ = 2, σ² = ((1 − 2)² + (3 − 2)²)/2 = 1;  column 2: μ = 20, σ² = 100.
    expected = np.array([[-1 / np.sqrt(1 + 1e-5), -10 / np.sqrt(100 + 1e-5)]])
    np.testing.assert_allclose(out.data, np.vstack([expected, -expected]), rtol=1e-15)
    # Running statistics: 0.9·(0, 0) + 0.1·μ;  0.9·(1, 1) + 0.1·(unbiased σ² = 2, 200).
    assert bn.running_mean is not None and bn.running_var is not None
    np.testing.assert_allclose(bn.running_mean.data, [0.2, 2.0], rtol=1e-15)
    np.testing.assert_allclose(bn.running_var.data, [1.1, 20.9], rtol=1e-15)
    assert bn.num_batches_tracked is not None and bn.num_batches_tracked.data == 1


def test_batchnorm_eval_uses_the_running_statistics_by_hand() -> None:
    bn = BatchNorm1d(2)
    assert bn.running_mean is not None and bn.running_var is not None
    bn.running_mean.data[:] = [1.0, -2.0]
    bn.running_var.data[:] = [4.0, 0.25]
    assert bn.weight is not None and bn.bias is not None
    bn.weight.data[:] = [2.0, 1.0]
    bn.bias.data[:] = [0.0, 0.5]
    out = bn.eval()(np.array([[3.0, -1.0]]))  # one sample is fine in eval mode
    # (3 − 1)/√(4 + ε)·2 + 0  and  (−1 + 2)/√(0.25 + ε)·1 + 0.5
    expected = [[2 / np.sqrt(4 + 1e-5) * 2, 1 / np.sqrt(0.25 + 1e-5) + 0.5]]
    np.testing.assert_allclose(out.data, expected, rtol=1e-15)
    np.testing.assert_array_equal(bn.running_mean.data, [1.0, -2.0])  # eval changes nothing


def test_batchnorm_momentum_none_is_the_plain_average_of_the_batches() -> None:
    bn = BatchNorm1d(1, momentum=None)
    for batch in ([[0.0], [2.0]], [[4.0], [8.0]], [[1.0], [1.0]]):
        bn(np.array(batch))
    assert bn.running_mean is not None and bn.running_var is not None
    np.testing.assert_allclose(bn.running_mean.data, [(1 + 6 + 1) / 3], rtol=1e-15)
    np.testing.assert_allclose(bn.running_var.data, [(2 + 8 + 0) / 3], rtol=1e-15)


def test_batchnorm_buffers_are_not_parameters() -> None:
    bn = BatchNorm1d(3)
    assert bn.parameters() == [bn.weight, bn.bias]
    assert [n for n, _ in bn.named_buffers()] == [
        "running_mean",
        "running_var",
        "num_batches_tracked",
    ]
    assert bn.num_batches_tracked is not None and bn.num_batches_tracked.dtype == np.int64
    plain = BatchNorm1d(3, affine=False, track_running_stats=False)
    assert plain.parameters() == [] and plain.buffers() == [] and plain.state_dict() == {}


@pytest.mark.parametrize("shape", [(5, 3), (4, 3, 6)])
def test_batchnorm_gradient_matches_central_differences_in_training(shape: tuple[int, ...]) -> None:
    bn = BatchNorm1d(3)
    rng = np.random.default_rng(0)
    x = rng.normal(size=shape)
    weight, bias = rng.normal(size=3), rng.normal(size=3)

    def normalised(x_: Tensor, w: Tensor, b: Tensor) -> Tensor:
        bn.weight, bn.bias = w, b
        out: Tensor = bn(x_)
        return out

    assert gradcheck(normalised, x, weight, bias, atol=1e-7, rtol=1e-6)


def test_batchnorm_float32() -> None:
    bn = BatchNorm1d(2, dtype=np.float32)
    out = bn(np.ones((3, 2)))
    assert out.dtype == np.float32 and bn.running_var is not None
    assert bn.running_var.dtype == np.float32


def test_batchnorm_of_one_value_per_channel_refuses_to_train() -> None:
    message = (
        "BatchNorm1d(3): expected more than 1 value per channel when training, "
        "got input of shape (1, 3)"
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        BatchNorm1d(3)(np.ones((1, 3)))
    with pytest.raises(ValueError, match=re.escape("shape (1, 3, 1)")):
        BatchNorm1d(3)(np.ones((1, 3, 1)))


@pytest.mark.parametrize("shape", [(4, 2), (4,), (2, 3, 4, 5), (2, 4, 3)])
def test_batchnorm_input_of_the_wrong_shape_is_named(shape: tuple[int, ...]) -> None:
    message = f"BatchNorm1d(3): expected input of shape (n, 3) or (n, 3, length), got shape {shape}"
    with pytest.raises(ValueError, match=re.escape(message)):
        BatchNorm1d(3)(np.ones(shape))


def test_batchnorm_bad_arguments_are_named() -> None:
    with pytest.raises(ValueError, match="num_features must be an int ≥ 1, got 0"):
        BatchNorm1d(0)
    with pytest.raises(ValueError, match="eps must be finite and > 0, got 0"):
        BatchNorm1d(2, eps=0)
    with pytest.raises(ValueError, match=re.escape("momentum must be a number in [0, 1], got 1.5")):
        BatchNorm1d(2, momentum=1.5)


def test_batchnorm_repr_reads_like_pytorch() -> None:
    assert repr(BatchNorm1d(4, momentum=None)) == (
        "BatchNorm1d(4, eps=1e-05, momentum=None, affine=True, track_running_stats=True)"
    )


# ------------------------------------------------------------------------------- against torch
@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"momentum": None},
        {"momentum": 0.3, "eps": 1e-3},
        {"affine": False},
        {"track_running_stats": False},
    ],
    ids=["defaults", "momentum-none", "momentum-eps", "no-affine", "no-running-stats"],
)
@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5)], ids=["2d", "3d"])
def test_batchnorm_follows_torch_in_train_then_eval(
    kwargs: dict[str, Any], shape: tuple[int, ...]
) -> None:
    torch = pytest.importorskip("torch")
    ours = BatchNorm1d(3, **kwargs)
    theirs = torch.nn.BatchNorm1d(3, dtype=torch.float64, **kwargs)
    rng = np.random.default_rng(1)
    if ours.weight is not None and ours.bias is not None:
        ours.weight.data[:] = rng.normal(size=3)
        ours.bias.data[:] = rng.normal(size=3)
        with torch.no_grad():
            theirs.weight.copy_(torch.from_numpy(ours.weight.data))
            theirs.bias.copy_(torch.from_numpy(ours.bias.data))
    for _ in range(4):  # training steps: outputs, input gradients, running statistics
        x = rng.normal(2.0, 3.0, size=shape)
        upstream = rng.normal(size=shape)
        xt = Tensor(x, requires_grad=True)
        out = ours(xt)
        out.backward(upstream)
        tx = torch.tensor(x, requires_grad=True)
        tout = theirs(tx)
        tout.backward(torch.from_numpy(upstream))
        np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=0, atol=1e-12)
        np.testing.assert_allclose(xt.grad, tx.grad.numpy(), rtol=0, atol=1e-12)
        if ours.weight is not None and ours.bias is not None:
            np.testing.assert_allclose(ours.weight.grad, theirs.weight.grad.numpy(), atol=1e-11)
            np.testing.assert_allclose(ours.bias.grad, theirs.bias.grad.numpy(), atol=1e-11)
            ours.zero_grad()
            theirs.zero_grad()
        if ours.running_mean is not None and ours.running_var is not None:
            np.testing.assert_allclose(
                ours.running_mean.data, theirs.running_mean.numpy(), atol=1e-12
            )
            np.testing.assert_allclose(
                ours.running_var.data, theirs.running_var.numpy(), atol=1e-12
            )
    x = rng.normal(size=shape)
    ours.eval()
    theirs.eval()
    np.testing.assert_allclose(ours(x).data, theirs(torch.tensor(x)).detach().numpy(), atol=1e-12)


# ------------------------------------------------------------------------------------ Flatten
@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (1, -1, (2, 60)),
        (0, -1, (120,)),
        (0, 1, (6, 4, 5)),
        (1, 2, (2, 12, 5)),
        (-2, -1, (2, 3, 20)),
    ],
)
def test_flatten_merges_the_dimensions_it_is_told(
    start: int, end: int, expected: tuple[int, ...]
) -> None:
    x = Tensor(np.arange(120.0).reshape(2, 3, 4, 5), requires_grad=True)
    out = Flatten(start, end)(x)
    assert out.shape == expected
    np.testing.assert_array_equal(out.data.ravel(), np.arange(120.0))  # C order is kept
    out.backward(np.arange(120.0).reshape(expected))
    np.testing.assert_array_equal(x.grad, np.arange(120.0).reshape(2, 3, 4, 5))


def test_flatten_refuses_dimensions_the_input_does_not_have() -> None:
    message = (
        "Flatten(start_dim=1, end_dim=-1): dimensions 1 … -1 do not fit an input of shape (5,) "
        "(1-D)"
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        Flatten()(np.ones(5))
    with pytest.raises(ValueError, match=re.escape("dimensions 2 … 1 do not fit")):
        Flatten(2, 1)(np.ones((2, 3, 4)))
    with pytest.raises(TypeError, match=re.escape("start_dim must be an int, got 1.5")):
        Flatten(1.5)  # type: ignore[arg-type]
