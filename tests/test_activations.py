"""Activations: the table (values, gradients, float32, PyTorch), the registry, derivative()."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.function_table import (
    ACTIVATION_ROWS,
    FnRow,
    check_against_pytorch,
    check_float32,
    check_gradient,
    check_value,
)
from tinygrad_edu import Tensor
from tinygrad_edu import activations as A
from tinygrad_edu.testing import strategies as S

EXAMPLES = settings(max_examples=30, deadline=None)


# ----------------------------------------------------------------------------------- the table
@pytest.mark.parametrize("row", ACTIVATION_ROWS, ids=repr)
@EXAMPLES
@given(data=st.data())
def test_value_is_the_textbook_formula(row: FnRow, data: st.DataObject) -> None:
    check_value(row, data.draw(row.case))


@pytest.mark.parametrize("row", ACTIVATION_ROWS, ids=repr)
@EXAMPLES
@given(data=st.data())
def test_gradient_matches_central_differences(row: FnRow, data: st.DataObject) -> None:
    check_gradient(row, data.draw(row.case))


@pytest.mark.parametrize("row", ACTIVATION_ROWS, ids=repr)
@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_float32_stays_float32(row: FnRow, data: st.DataObject) -> None:
    check_float32(row, data.draw(row.case))


@pytest.mark.parametrize("row", ACTIVATION_ROWS, ids=repr)
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_matches_pytorch(row: FnRow, data: st.DataObject) -> None:
    check_against_pytorch(row, data.draw(row.case))


# ------------------------------------------------------------------------------ by hand
def test_hand_computed_values() -> None:
    assert A.sigmoid(0.0).item() == 0.5
    assert math.isclose(A.sigmoid(2.0).item(), 1 / (1 + math.exp(-2)), rel_tol=1e-15)
    assert math.isclose(A.tanh(1.0).item(), (math.e - 1 / math.e) / (math.e + 1 / math.e))
    assert A.relu([-2.0, 0.0, 3.0]).data.tolist() == [0.0, 0.0, 3.0]
    # The notebook's leaky ReLU uses slope 0.1; the default is PyTorch's 0.01.
    np.testing.assert_allclose(A.leaky_relu([-2.0, 5.0], 0.1).data, [-0.2, 5.0], rtol=1e-15)
    np.testing.assert_allclose(A.leaky_relu([-2.0, 5.0]).data, [-0.02, 5.0], rtol=1e-15)
    np.testing.assert_allclose(A.softmax([0.0, math.log(3.0)]).data, [0.25, 0.75], rtol=1e-15)


def test_huge_inputs_give_exact_limits_without_warnings() -> None:
    x = Tensor([-1e4, 1e4], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = A.sigmoid(x)
        s.sum().backward()
        lsm = A.log_softmax([[1e4, 0.0]])
    assert s.data.tolist() == [0.0, 1.0] and x.grad is not None
    assert x.grad.tolist() == [0.0, 0.0]
    assert lsm.data.tolist() == [[0.0, -1e4]]


def test_softmax_rows_are_probabilities() -> None:
    p = A.softmax(np.array([[1.0, 2.0, 3.0], [1000.0, 1000.0, 1000.0]]), axis=1)
    np.testing.assert_allclose(p.data.sum(axis=1), [1.0, 1.0], rtol=1e-15)
    np.testing.assert_allclose(p.data[1], [1 / 3] * 3, rtol=1e-15)


# ----------------------------------------------------------------------- inputs and outputs
def test_arrays_become_constant_float_tensors() -> None:
    out = A.relu(np.array([1, -2]))  # integers become floats
    assert isinstance(out, Tensor) and out.dtype == np.float64
    assert not out.requires_grad and out.grad_fn is None


def test_tensors_are_recorded_in_their_graph() -> None:
    x = Tensor([0.5, -1.0], requires_grad=True)
    out = A.tanh(x)
    assert out.grad_fn is not None and out.grad_fn.inputs == (x,)


def test_float32_tensor_and_array_stay_float32() -> None:
    assert A.sigmoid(np.ones(2, dtype=np.float32)).dtype == np.float32


# ----------------------------------------------------------------------------- the registry
def test_registry_holds_the_functions_by_name() -> None:
    for name in ("sigmoid", "tanh", "relu", "leaky_relu", "softmax", "log_softmax", "linear"):
        assert A.ACTIVATIONS[name] is getattr(A, name)
        assert A.get_activation(name) is getattr(A, name)


def test_get_activation_passes_callables_and_maps_none_to_linear() -> None:
    def double(t: Tensor) -> Tensor:
        return t * 2

    assert A.get_activation(double) is double
    assert A.get_activation(None) is A.linear
    x = Tensor([1.0])
    assert A.linear(x) is x


def test_unknown_activation_lists_the_valid_names() -> None:
    with pytest.raises(ValueError, match="unknown activation 'softplus'") as info:
        A.get_activation("softplus")
    for name in A.ACTIVATIONS:
        assert name in str(info.value)


def test_activation_of_the_wrong_type_is_refused() -> None:
    with pytest.raises(TypeError, match="activation must be a name, a callable or None, got int"):
        A.get_activation(3)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- derivative()
ELEMENTWISE = ["sigmoid", "tanh", "relu", "leaky_relu", "linear"]


@pytest.mark.parametrize("name", ELEMENTWISE)
@settings(max_examples=20, deadline=None)
@given(x=S.shapes(min_dims=1).flatmap(S.away_from_zero))
def test_derivative_matches_backward(name: str, x: np.ndarray) -> None:
    t = Tensor(x, requires_grad=True)
    A.ACTIVATIONS[name](t).sum().backward()  # each output depends on its own input only
    np.testing.assert_allclose(A.derivative(name, x), t.grad, rtol=1e-12, atol=1e-15)


def test_derivative_by_hand() -> None:
    x = np.array([-3.0, 0.0, 2.0])
    np.testing.assert_allclose(A.derivative("sigmoid", [0.0]), [0.25])
    np.testing.assert_allclose(A.derivative("tanh", [0.0]), [1.0])
    np.testing.assert_array_equal(A.derivative("relu", x), [0.0, 0.0, 1.0])
    np.testing.assert_array_equal(A.derivative("leaky_relu", x, negative_slope=0.1), [0.1, 0.1, 1])
    np.testing.assert_array_equal(A.derivative("linear", x), [1.0, 1.0, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert A.derivative("sigmoid", [-1e4, 1e4]).tolist() == [0.0, 0.0]


def test_derivative_refuses_softmax_and_unknown_names() -> None:
    with pytest.raises(ValueError, match="no elementwise derivative for 'softmax'") as info:
        A.derivative("softmax", [1.0, 2.0])
    for name in ELEMENTWISE:
        assert name in str(info.value)
    with pytest.raises(ValueError, match="'gelu'"):
        A.derivative("gelu", [1.0])


@pytest.mark.parametrize(
    ("values", "dtype"),
    [
        ([-1000.0, -710.0, -709.0, 0.0, 3.0], np.float64),  # e⁷¹⁰ overflows float64, e⁷⁰⁹ not
        ([-89.0, -88.5, 0.0], np.float32),  # float32's limit is ln(3.4e38) ≈ 88.7
        ([-12, 3], np.int8),  # exp of int8 is float16: overflows above ≈ 11.1
        ([np.nan, np.inf, -np.inf], np.float64),
        ([], np.float64),
    ],
)
def test_sigmoid_is_the_textbook_formula_and_silent_where_exp_overflows(
    values: list[float], dtype: type
) -> None:
    x = np.array(values, dtype=dtype)
    with np.errstate(over="ignore"):
        expected = 1 / (1 + np.exp(-x))  # what σ computes, bit for bit (0 where e⁻ˣ is inf)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow warning would fail the test
        got = Tensor(x).sigmoid().data
    np.testing.assert_array_equal(got, expected)
