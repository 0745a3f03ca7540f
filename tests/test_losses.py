"""Losses: the table (values, gradients, float32, PyTorch), hand-computed cases, shape rules."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.function_table import (
    LOSS_ROWS,
    FnRow,
    check_against_pytorch,
    check_float32,
    check_gradient,
    check_value,
)
from tinygrad_edu import Tensor
from tinygrad_edu.losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    mae,
    mse,
)

EXAMPLES = settings(max_examples=30, deadline=None)
EPS = 1e-15


# ----------------------------------------------------------------------------------- the table
@pytest.mark.parametrize("row", LOSS_ROWS, ids=repr)
@EXAMPLES
@given(data=st.data())
def test_value_is_the_textbook_formula(row: FnRow, data: st.DataObject) -> None:
    check_value(row, data.draw(row.case))


@pytest.mark.parametrize("row", LOSS_ROWS, ids=repr)
@EXAMPLES
@given(data=st.data())
def test_gradient_matches_central_differences(row: FnRow, data: st.DataObject) -> None:
    check_gradient(row, data.draw(row.case))


@pytest.mark.parametrize("row", LOSS_ROWS, ids=repr)
@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_float32_stays_float32(row: FnRow, data: st.DataObject) -> None:
    check_float32(row, data.draw(row.case))


@pytest.mark.parametrize("row", LOSS_ROWS, ids=repr)
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_matches_pytorch(row: FnRow, data: st.DataObject) -> None:
    check_against_pytorch(row, data.draw(row.case))


# ------------------------------------------------------------------------- by hand: the notebook
def test_notebook_log_loss_by_hand() -> None:
    y_true = [0, 1, 1, 0, 0, 1]
    y_pred = [0.30, 0.7, 1, 0, 0.5, 0.4]
    # Clipping turns 1 into 1 − ε and 0 into ε. Term by term, y·ln p + (1 − y)·ln(1 − p):
    terms = [
        math.log(1 - 0.30),  # y = 0, p = 0.3
        math.log(0.7),  # y = 1, p = 0.7
        math.log(1 - EPS),  # y = 1, p = 1 − ε
        math.log(1 - EPS),  # y = 0, p = ε
        math.log(1 - 0.5),  # y = 0, p = 0.5
        math.log(0.4),  # y = 1, p = 0.4
    ]
    expected = -sum(terms) / 6  # −(2 ln 0.7 + ln 0.5 + ln 0.4 + 2 ln(1 − ε)) / 6
    loss = binary_cross_entropy(y_pred, y_true)
    assert loss.shape == ()
    assert math.isclose(loss.item(), expected, rel_tol=1e-14)
    assert round(loss.item(), 6) == 0.387131


def test_confident_wrong_prediction_costs_minus_log_eps() -> None:
    # p = 0 for a true 1 would cost ln 0 = −∞; clipped it costs −ln(1e-15) ≈ 34.54.
    assert math.isclose(binary_cross_entropy([0.0], [1.0]).item(), -math.log(EPS), rel_tol=1e-14)
    assert math.isclose(binary_cross_entropy([0.0], [1.0], eps=1e-7).item(), -math.log(1e-7))


def test_clipped_predictions_get_no_gradient() -> None:
    p = Tensor([0.0, 1.0, 0.5, 0.25], requires_grad=True)
    binary_cross_entropy(p, [1.0, 0.0, 1.0, 0.0]).backward()
    # Inside the clip: ∂L/∂p = (p − y)/(p(1 − p))/n; at p = 0 and p = 1 the clip cuts the path.
    expected = [0.0, 0.0, (0.5 - 1) / (0.5 * 0.5) / 4, 0.25 / (0.25 * 0.75) / 4]
    assert p.grad is not None
    np.testing.assert_allclose(p.grad, expected, rtol=1e-14)
    assert p.grad[0] == 0.0 and p.grad[1] == 0.0


def test_binary_cross_entropy_is_one_fused_node_that_shows_its_rule() -> None:
    # The textbook formula is eight ops; the fused node computes the same bits (see below) and
    # carries the derivative rule for graph pictures.
    p = Tensor([0.2, 0.9], requires_grad=True)
    loss = binary_cross_entropy(p, [0.0, 1.0])
    fn = loss.grad_fn
    assert fn is not None and fn.name == "BinaryCrossEntropy"
    assert all(t.grad_fn is None for t in fn.inputs)  # one node, straight onto p and y
    assert "0 where clipped" in fn.formula


def test_float32_log_loss_stays_finite_at_one() -> None:
    # 1 − 1e-15 rounds to 1 in float32; the upper clip bound must still keep ln(1 − p) finite.
    p = Tensor(np.array([1.0, 0.0], dtype=np.float32), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = binary_cross_entropy(p, [0.0, 1.0])
        loss.backward()
    assert loss.dtype == np.float32 and np.isfinite(loss.item()) and loss.item() > 15
    assert p.grad is not None and p.grad.tolist() == [0.0, 0.0]


@pytest.mark.parametrize("eps", [0.0, -1e-3, 0.5, 2.0])
def test_eps_must_be_a_small_positive_number(eps: float) -> None:
    with pytest.raises(ValueError, match=r"eps must be in \(0, 0.5\)"):
        binary_cross_entropy([0.5], [1.0], eps=eps)


# --------------------------------------------------------------------- by hand: other losses
def test_mae_and_mse_on_tiny_arrays() -> None:
    y_true, y_pred = [1.0, 2.0, 3.0], [1.5, 2.0, 1.0]
    assert mae(y_pred, y_true).item() == (0.5 + 0.0 + 2.0) / 3
    assert mse(y_pred, y_true).item() == (0.25 + 0.0 + 4.0) / 3
    p = Tensor(y_pred, requires_grad=True)
    mse(p, y_true).backward()  # 2(p − y)/n
    assert p.grad is not None
    np.testing.assert_allclose(p.grad, [2 * 0.5 / 3, 0.0, 2 * -2.0 / 3], rtol=1e-15)


def test_with_logits_is_exact_and_quiet_at_huge_logits() -> None:
    z = Tensor([1e4, -1e4, 1e4, -1e4], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = binary_cross_entropy_with_logits(z, [1.0, 0.0, 0.0, 1.0])
        loss.backward()
    # Right answers cost 0; wrong ones cost |z| = 1e4: mean (0 + 0 + 1e4 + 1e4)/4.
    assert loss.item() == 5000.0
    assert z.grad is not None  # (σ(z) − y)/n
    assert z.grad.tolist() == [0.0, 0.0, 0.25, -0.25]


def test_with_logits_at_zero_by_hand() -> None:
    z = Tensor([0.0, 0.0], requires_grad=True)
    loss = binary_cross_entropy_with_logits(z, [1.0, 0.0])
    loss.backward()
    assert math.isclose(loss.item(), math.log(2), rel_tol=1e-15)  # σ(0) = ½ either way
    assert z.grad is not None and z.grad.tolist() == [-0.25, 0.25]


def test_with_logits_equals_log_loss_of_the_sigmoid() -> None:
    z, y = np.linspace(-5, 5, 11), np.arange(11) % 2
    expected = binary_cross_entropy(Tensor(z).sigmoid(), y).item()
    assert math.isclose(binary_cross_entropy_with_logits(z, y).item(), expected, rel_tol=1e-12)


def test_cross_entropy_by_hand() -> None:
    z = Tensor([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]], requires_grad=True)
    loss = cross_entropy(z, [2, 0])
    total = math.exp(1) + math.exp(2) + math.exp(3)
    expected = (-math.log(math.exp(3) / total) + math.log(3)) / 2
    assert math.isclose(loss.item(), expected, rel_tol=1e-14)
    loss.backward()
    softmax = np.array([[math.exp(1), math.exp(2), math.exp(3)], [1, 1, 1]])
    softmax /= softmax.sum(axis=1, keepdims=True)
    onehot = np.array([[0, 0, 1], [1, 0, 0]])
    assert z.grad is not None
    np.testing.assert_allclose(z.grad, (softmax - onehot) / 2, rtol=1e-14)


def test_cross_entropy_is_stable_for_huge_logits() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = cross_entropy([[1e4, 0.0], [0.0, 1e4]], [1, 1])
    assert loss.item() == 5000.0  # (1e4 + 0) / 2


def test_cross_entropy_accepts_column_labels_whole_floats_and_one_hot_rows() -> None:
    z = np.array([[0.3, -1.0, 2.0], [1.5, 0.2, 0.1]])
    reference = cross_entropy(z, np.array([2, 0])).item()
    assert cross_entropy(z, np.array([[2], [0]])).item() == reference
    assert cross_entropy(z, np.array([2.0, 0.0])).item() == reference
    one_hot = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    assert math.isclose(cross_entropy(z, one_hot).item(), reference, rel_tol=1e-15)


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        ([0, 3], r"label 3 at row 1 is not a class id in \[0, 3\)"),
        ([-1, 0], r"label -1 at row 0 is not a class id in \[0, 3\)"),
        ([0.0, 1.5], r"label 1.5 at row 1 is not an integer class id"),
        ([np.nan, 1.0], r"label nan at row 0 is not an integer class id"),
    ],
)
def test_cross_entropy_names_a_bad_label(labels: list[float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        cross_entropy(np.zeros((2, 3)), np.array(labels))


def test_cross_entropy_shape_errors() -> None:
    with pytest.raises(ValueError, match=r"logits of shape \(n, C\); got \(3,\)"):
        cross_entropy([1.0, 2.0, 3.0], [0])
    with pytest.raises(ValueError, match=r"y_pred has shape \(2, 3\) but y_true has shape \(3,\)"):
        cross_entropy(np.zeros((2, 3)), [0, 1, 2])


# ------------------------------------------------------------------------------ shape rules
FOUR = [mae, mse, binary_cross_entropy, binary_cross_entropy_with_logits]


@pytest.mark.parametrize("loss", FOUR, ids=lambda f: f.__name__)
def test_column_predictions_with_flat_targets_are_fine(loss: object) -> None:
    y_pred, y_true = np.array([0.2, 0.7, 0.9]), np.array([0.0, 1.0, 1.0])
    flat = loss(y_pred, y_true).item()  # type: ignore[operator]
    labels = Tensor(y_true.astype(int))  # a Tensor of another dtype: reshaped, then converted
    for p, y in [(y_pred[:, None], y_true), (y_pred, y_true[:, None]), (y_pred[:, None], labels)]:
        out = loss(p, y)  # type: ignore[operator]
        assert out.shape == () and out.item() == flat


@pytest.mark.parametrize("loss", FOUR, ids=lambda f: f.__name__)
def test_any_other_mismatch_names_both_shapes(loss: object) -> None:
    with pytest.raises(ValueError, match=r"y_pred has shape \(3, 2\) but y_true has shape \(3,\)"):
        loss(np.full((3, 2), 0.5), np.ones(3))  # type: ignore[operator]
    with pytest.raises(ValueError, match=r"y_pred has shape \(3,\) but y_true has shape \(4,\)"):
        loss(np.full(3, 0.5), np.ones(4))  # type: ignore[operator]
    with pytest.raises(ValueError, match=r"y_pred has shape \(1, 3\) but y_true has shape \(3,\)"):
        loss(np.full((1, 3), 0.5), np.ones(3))  # type: ignore[operator]


def test_empty_predictions_are_refused() -> None:
    with pytest.raises(ValueError, match=r"mse: y_pred is empty \(shape \(0,\)\)"):
        mse(np.zeros(0), np.zeros(0))


def test_arguments_by_keyword_and_as_tensors_or_arrays() -> None:
    assert mse(y_true=[0.0, 0.0], y_pred=[1.0, 3.0]).item() == 5.0
    y_pred = Tensor([[0.8], [0.1]], requires_grad=True)
    loss = binary_cross_entropy(y_pred=y_pred, y_true=Tensor([1, 0]))  # int labels are fine
    assert loss.shape == () and loss.requires_grad
    loss.backward()
    assert y_pred.grad is not None and y_pred.grad.shape == (2, 1)


def test_targets_may_require_grad() -> None:
    p, y = Tensor([1.0, 2.0], requires_grad=True), Tensor([0.0, 4.0], requires_grad=True)
    mse(p, y).backward()
    assert p.grad is not None and y.grad is not None
    np.testing.assert_array_equal(y.grad, -p.grad)


# ------------------------------------------------- fused losses = their textbook composite graphs
_probabilities = st.lists(
    st.one_of(st.floats(0.0, 1.0), st.sampled_from([0.0, 1.0, 1e-16, 1 - 1e-16])),
    min_size=1,
    max_size=8,
)


@settings(max_examples=60, deadline=None)
@given(p=_probabilities, data=st.data())
def test_fused_bce_is_bit_for_bit_the_composite_graph(p: list[float], data: st.DataObject) -> None:
    y = data.draw(st.lists(st.sampled_from([0.0, 1.0, 0.3]), min_size=len(p), max_size=len(p)))
    fused_p = Tensor(p, requires_grad=True)
    fused_y = Tensor(y, requires_grad=True)
    fused = binary_cross_entropy(fused_p, fused_y)
    fused.backward()

    comp_p, comp_y = Tensor(p, requires_grad=True), Tensor(y, requires_grad=True)
    clipped = comp_p.clip(1e-15, 1 - 1e-15)
    composite = -(comp_y * clipped.log() + (1 - comp_y) * (1 - clipped).log()).mean()
    composite.backward()

    np.testing.assert_array_equal(fused.data, composite.data)
    np.testing.assert_array_equal(fused_p.grad, comp_p.grad)
    np.testing.assert_array_equal(fused_y.grad, comp_y.grad)


@settings(max_examples=60, deadline=None)
@given(
    pairs=st.lists(st.tuples(st.floats(-1e3, 1e3), st.floats(-1e3, 1e3)), min_size=1, max_size=8)
)
def test_fused_mse_is_bit_for_bit_the_composite_graph(pairs: list[tuple[float, float]]) -> None:
    p_values, y_values = zip(*pairs, strict=True)
    fused_p, fused_y = Tensor(p_values, requires_grad=True), Tensor(y_values, requires_grad=True)
    fused = mse(fused_p, fused_y)
    fused.backward()

    comp_p, comp_y = Tensor(p_values, requires_grad=True), Tensor(y_values, requires_grad=True)
    composite = ((comp_p - comp_y) ** 2).mean()
    composite.backward()

    np.testing.assert_array_equal(fused.data, composite.data)
    np.testing.assert_array_equal(fused_p.grad, comp_p.grad)
    np.testing.assert_array_equal(fused_y.grad, comp_y.grad)
