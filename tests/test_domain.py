"""Domain mistakes are named instead of passing silently."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_edu import Tensor, losses


def test_log_loss_refuses_logits_naming_the_range_and_the_value() -> None:
    with pytest.raises(ValueError, match=r"y_pred must be in \[0, 1\]; element 1 is 2\.5.*logits"):
        losses.binary_cross_entropy([0.2, 2.5, -1.0], [0, 1, 0])


@pytest.mark.parametrize("bad", [2.0, -1.0, np.nan])
def test_log_loss_refuses_targets_outside_0_1(bad: float) -> None:
    with pytest.raises(ValueError, match=r"y_true must be in \[0, 1\]; element 0"):
        losses.binary_cross_entropy([0.5, 0.5], [bad, 1.0])


def test_log_loss_still_accepts_predictions_at_the_bounds() -> None:
    loss = losses.binary_cross_entropy([0.0, 1.0], [0.0, 1.0])  # clipped, not refused
    assert loss.item() == pytest.approx(-np.log(1 - 1e-15), abs=1e-12)


def test_zero_to_a_positive_tensor_power_has_gradient_zero_in_the_exponent() -> None:
    w = Tensor([2.0, 0.5], requires_grad=True)
    (Tensor([0.0, 0.0]) ** w).sum().backward()  # 0ʷ = 0 for every w > 0
    np.testing.assert_array_equal(w.grad, [0.0, 0.0])  # PyTorch gives 0 too, not NaN


def test_a_positive_base_still_gets_ln_a_times_a_to_the_w() -> None:
    w = Tensor([2.0], requires_grad=True)
    (Tensor([3.0]) ** w).sum().backward()
    assert w.grad[0] == pytest.approx(9 * np.log(3))


@pytest.mark.parametrize("make", [lambda: Tensor([1, 2]) * 2**70, lambda: Tensor(2**70)])
def test_integers_beyond_int64_raise_naming_the_value(make: object) -> None:
    with pytest.raises(OverflowError, match=str(2**70)):
        make()  # type: ignore[operator]


def test_a_big_integer_with_a_float_tensor_is_just_a_float() -> None:
    assert (Tensor([1.0]) * 2**70).data[0] == 2.0**70


@pytest.mark.parametrize("method", ["softmax", "log_softmax"])
def test_softmax_over_an_empty_axis_is_empty(method: str) -> None:
    x = Tensor(np.zeros((3, 0)), requires_grad=True)
    out = getattr(x, method)(axis=1)
    assert out.shape == (3, 0)
    out.sum().backward()
    assert x.grad is not None and x.grad.shape == (3, 0)
