"""In-place changes: version counters make backward refuse stale saved values; leaves update in
place under no_grad and refuse outside it, as in PyTorch."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.op_table import ROWS, OpRow
from tinygrad_edu import Tensor, no_grad


def test_changing_a_weight_between_forward_and_backward_is_refused() -> None:
    w = Tensor([1.0, 2.0], requires_grad=True, name="w")
    x = Tensor([3.0, 4.0])
    loss = (w * x * w).sum()  # Mul saved w
    with no_grad():
        w -= 0.1  # what an optimizer step does
    with pytest.raises(
        RuntimeError, match=r"Mul.*'w' \(shape \(2,\)\).*version 1.*saved version 0"
    ):
        loss.backward()


def test_a_change_the_op_does_not_depend_on_is_allowed() -> None:
    w = Tensor([1.0, 2.0], requires_grad=True)
    loss = (w + 1.0).sum()  # Add saves nothing: its gradient is 1 whatever w is
    with no_grad():
        w *= 3
    loss.backward()
    np.testing.assert_array_equal(w.grad, [1.0, 1.0])


def test_changing_an_ops_saved_output_is_refused() -> None:
    x = Tensor([0.0, 1.0], requires_grad=True)
    y = x.exp()  # Exp saved its output
    loss = y.sum()
    with no_grad():
        y += 1
    with pytest.raises(RuntimeError, match=r"Exp.backward needs its output"):
        loss.backward()


def test_a_change_through_a_detached_tensor_counts() -> None:
    w = Tensor([2.0], requires_grad=True)
    loss = (w * w).sum()
    d = w.detach()
    d += 1  # the same array as w's
    with pytest.raises(RuntimeError, match="modified in place"):
        loss.backward()


def test_augmented_assignment_under_no_grad_keeps_the_leaf() -> None:
    w = Tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    grad, before = w.grad, w
    with no_grad():
        w -= 0.1 * w.grad  # the PyTorch update idiom
    assert w is before and w.is_leaf and w.requires_grad and w.grad is grad
    np.testing.assert_allclose(w.data, [0.8, 1.6])
    assert w.version == 1
    w.grad = None
    (w * w).sum().backward()  # trains on: still a leaf that requires grad
    np.testing.assert_allclose(w.grad, [1.6, 3.2])


def test_augmented_assignment_on_a_leaf_outside_no_grad_is_refused() -> None:
    w = Tensor([1.0], requires_grad=True, name="w")
    with pytest.raises(RuntimeError, match=r"'w'.*leaf tensor that requires grad.*no_grad"):
        w -= 0.1
    assert w.data[0] == 1.0  # unchanged


def test_augmented_assignment_inside_a_graph_makes_a_new_node() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    first = h
    h += x  # h = 2x + x
    assert h is not first
    h.sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 3.0])


def test_in_place_errors_name_dtypes_and_shapes() -> None:
    ints = Tensor([1, 2])
    with pytest.raises(TypeError, match="int64"):
        ints += 0.5
    small = Tensor([1.0, 2.0])
    with pytest.raises(ValueError, match=r"shape \(2, 2\)"):
        small += np.ones((2, 2))


def _changed_result(row: OpRow, arrays: list[np.ndarray], params: dict, which: int) -> str:
    """Change input ``which`` in place after forward: backward must raise or stay correct."""
    inputs = [Tensor(a, requires_grad=True) for a in arrays]
    out = row.fn(*inputs, **params)
    weights = np.random.default_rng(0).standard_normal(out.shape)
    with no_grad():
        inputs[which] += 0.5
    try:
        out.backward(weights)
    except RuntimeError as err:
        assert "modified in place" in str(err)
        return "refused"
    # Not refused: the ops did not need that value, so the gradients must be those at the
    # values the forward pass saw.
    expected = [Tensor(a, requires_grad=True) for a in arrays]
    row.fn(*expected, **params).backward(weights)
    for got, want in zip(inputs, expected, strict=True):
        np.testing.assert_allclose(
            np.zeros_like(got.data) if got.grad is None else got.grad,
            np.zeros_like(want.data) if want.grad is None else want.grad,
            rtol=1e-12,
            atol=1e-12,
        )
    return "allowed"


@pytest.mark.parametrize("row", ROWS, ids=repr)
@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_every_op_refuses_or_is_unaffected_when_an_input_changes(
    row: OpRow, data: st.DataObject
) -> None:
    arrays, params = data.draw(row.case)
    for which in range(len(arrays)):
        _changed_result(row, arrays, params, which)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        (lambda a, b: a * b, "refused"),
        (lambda a, b: a + b, "allowed"),
        (lambda a, b: a @ b, "refused"),
        (lambda a, b: a / b, "allowed"),  # Div saves b and a / b, not a
        (lambda a, b: a - b, "allowed"),
    ],
    ids=["mul", "add", "matmul", "div", "sub"],
)
def test_which_ops_need_their_first_input(expression: object, expected: str) -> None:
    row = OpRow("case", (), st.nothing(), expression, expression)  # type: ignore[arg-type]
    a, b = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[2.0, 1.0], [1.0, 3.0]])
    assert _changed_result(row, [a, b], {}, 0) == expected


def _refuses_a_change_seen_through_a_saved_view(w: Tensor) -> None:
    x = Tensor([[1.0, 0.0]], requires_grad=True)
    loss = (x @ w.T).sum()  # MatMul saved w.T, a view of w's memory
    with no_grad():
        w -= 1.0
    with pytest.raises(RuntimeError, match=r"shares memory with 'w'"):
        loss.backward()


def test_a_change_seen_through_a_saved_view_is_refused() -> None:
    _refuses_a_change_seen_through_a_saved_view(
        Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True, name="w")
    )


def test_a_view_of_a_new_array_given_to_a_tensor_is_still_watched() -> None:
    # mark_changed remembers where a tensor's memory is, for the next step; an array put in
    # .data since then must be looked up afresh, or changes to it would go unseen.
    w = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True, name="w")
    with no_grad():
        w -= 1.0  # (remembers w's first array)
    w.data = np.array([[5.0, 6.0], [7.0, 8.0]])
    _refuses_a_change_seen_through_a_saved_view(w)  # (the view is of the new array)


def test_a_copied_tensor_has_its_own_memory_watched() -> None:
    w = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True, name="w")
    with no_grad():
        w -= 1.0
    for copied in (copy.deepcopy(w), pickle.loads(pickle.dumps(w))):
        assert copied.version == 1 and copied.data is not w.data
        _refuses_a_change_seen_through_a_saved_view(copied)


def test_many_changes_keep_the_count_and_the_last_stamps() -> None:
    w = Tensor([1.0, 2.0], requires_grad=True, name="w")
    with no_grad():
        w += 1.0  # version 1
        w += 1.0  # version 2
    loss = (w * w).sum()  # Mul saved w at version 2
    with no_grad():
        for _ in range(10):  # versions 3 … 12: more changes than the 8 stamps a tensor keeps
            w += 1.0
    assert w.version == 12
    # The 8 stamps kept are all newer than the op, so only "at most 12 − 8 = 4" can be said.
    with pytest.raises(RuntimeError, match=r"version 12, Mul saved version ≤ 4"):
        loss.backward()


def test_a_few_changes_say_exactly_which_version_the_op_saved() -> None:
    w = Tensor([1.0, 2.0], requires_grad=True, name="w")
    with no_grad():
        w += 1.0
        w += 1.0
    loss = (w * w).sum()  # saved version 2
    with no_grad():
        w += 1.0
    with pytest.raises(RuntimeError, match=r"version 3, Mul saved version 2\."):
        loss.backward()
