"""The Tensor contract: construction, dtypes, operators, and clear errors for bad input."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_edu import Tensor


def test_floats_default_to_float64_and_float32_is_kept() -> None:
    assert Tensor([1.0, 2.0]).dtype == np.float64
    t32 = Tensor(np.ones(2, dtype=np.float32), requires_grad=True)
    assert (t32 * 2.0 + 1).sigmoid().dtype == np.float32
    assert Tensor([1, 2], dtype=np.float32).dtype == np.float32


def test_ints_and_bools_become_float_when_they_require_grad() -> None:
    assert Tensor([1, 2]).dtype.kind == "i"
    assert Tensor([1, 2], requires_grad=True).dtype == np.float64
    assert Tensor([True, False], requires_grad=True).dtype == np.float64


def test_constructor_copies_its_data() -> None:
    source = np.ones(3)
    t = Tensor(source, requires_grad=True)
    t.data -= 1
    assert source[0] == 1.0


def test_repr_shows_data_and_the_op_that_made_it() -> None:
    assert repr(Tensor([0.0], requires_grad=True).sigmoid()) == "Tensor([0.5], grad_fn=Sigmoid)"
    assert repr(Tensor([1.0], requires_grad=True)) == "Tensor([1.], requires_grad=True)"


def test_repr_of_a_matrix_lines_up_its_rows_and_columns() -> None:
    # as NumPy's repr: the second row starts under the first number, columns right-aligned
    assert repr(Tensor([[1.0, -2.5], [3.25, 4.0]], requires_grad=True)) == (
        "Tensor([[ 1.  , -2.5 ],\n        [ 3.25,  4.  ]], requires_grad=True)"
    )


def test_properties_and_conversions() -> None:
    t = Tensor([[1.0, 2.0, 3.0]])
    assert t.shape == (1, 3) and t.ndim == 2 and t.size == 3 and len(t) == 1
    assert t.T.shape == (3, 1)
    assert Tensor([[4.0]]).item() == 4.0 and float(Tensor(2.5)) == 2.5
    assert t.numpy() is t.data
    assert np.asarray(t).shape == (1, 3)


def test_reflected_operators_with_arrays_and_numbers() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = np.array([10.0, 20.0]) - x  # NumPy on the left defers to Tensor.__rsub__
    assert isinstance(y, Tensor)
    np.testing.assert_array_equal(y.data, [9.0, 18.0])
    np.testing.assert_array_equal((1 / x).data, [1.0, 0.5])
    np.testing.assert_array_equal((2**x).data, [2.0, 4.0])
    np.testing.assert_array_equal((np.eye(2) @ x).data, [1.0, 2.0])


def test_comparisons_return_booleans_without_a_graph() -> None:
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    mask = x > 1.5
    assert mask.dtype == np.bool_ and mask.grad_fn is None and not mask.requires_grad
    np.testing.assert_array_equal(mask.data, [False, True, True])
    np.testing.assert_array_equal((x == Tensor([1.0, 0.0, 3.0])).data, [True, False, True])
    assert {x: "tensors hash by identity"}[x]


# ------------------------------------------------------------------------------ bad input
def test_matmul_of_misaligned_shapes_names_them() -> None:
    with pytest.raises(ValueError, match=r"matmul: shapes \(3, 2\) and \(3, 1\) do not align"):
        Tensor(np.ones((3, 2))) @ Tensor(np.ones((3, 1)))


def test_matmul_of_a_scalar_is_refused() -> None:
    with pytest.raises(ValueError, match=r"at least 1 dimension.*\(\) @ \(2,\)"):
        Tensor(2.0) @ Tensor([1.0, 2.0])


def test_reshape_to_an_incompatible_size_names_both() -> None:
    with pytest.raises(
        ValueError, match=r"cannot reshape shape \(2, 3\) \(6 elements\) into \(4,\)"
    ):
        Tensor(np.ones((2, 3))).reshape(4)


def test_backward_on_a_non_scalar_without_grad() -> None:
    y = Tensor([1.0, 2.0], requires_grad=True) * 2
    with pytest.raises(ValueError, match=r"one-element output, but shape is \(2,\)"):
        y.backward()


def test_backward_on_a_tensor_that_does_not_require_grad() -> None:
    with pytest.raises(RuntimeError, match="does not require grad"):
        (Tensor([1.0]) * 2).sum().backward()


def test_backward_with_a_gradient_of_the_wrong_shape() -> None:
    y = Tensor(np.ones((2, 2)), requires_grad=True) * 2
    with pytest.raises(
        ValueError, match=r"grad has shape \(3,\) but the tensor has shape \(2, 2\)"
    ):
        y.backward(np.ones(3))


@pytest.mark.parametrize("data", ["abc", ["a", "b"], {"a": 1}, None, 1 + 2j])
def test_non_numeric_data_is_refused(data: object) -> None:
    with pytest.raises(TypeError, match="must be numbers"):
        Tensor(data)


def test_object_arrays_are_refused() -> None:
    with pytest.raises(TypeError, match="must be numbers"):
        Tensor(np.array([1.0, "x"], dtype=object))


def test_ragged_lists_are_refused_with_the_reason() -> None:
    with pytest.raises(ValueError, match=r"cannot make an array from list \[\[1, 2\], \[3\]\]"):
        Tensor([[1, 2], [3]])


def test_explicit_int_dtype_cannot_require_grad() -> None:
    with pytest.raises(TypeError, match="only float tensors can require grad"):
        Tensor([1, 2], dtype=np.int64, requires_grad=True)


def test_out_of_range_axis_names_the_shape() -> None:
    with pytest.raises(ValueError, match=r"axis 2 is out of range for a tensor of shape \(2, 3\)"):
        Tensor(np.ones((2, 3))).sum(axis=2)


def test_bad_index_names_the_shape() -> None:
    with pytest.raises(IndexError, match=r"invalid for shape \(3,\)"):
        Tensor([1.0, 2.0, 3.0])[5]


def test_bad_transpose_axes_are_named() -> None:
    with pytest.raises(ValueError, match=r"axes \(0, 0\) do not permute the axes of \(2, 3\)"):
        Tensor(np.ones((2, 3))).transpose(0, 0)


def test_clip_with_crossed_bounds() -> None:
    with pytest.raises(ValueError, match="lower bound 1 is above upper bound 0"):
        Tensor([1.0]).clip(1, 0)


def test_item_of_a_many_element_tensor() -> None:
    with pytest.raises(ValueError, match=r"shape is \(2,\)"):
        Tensor([1.0, 2.0]).item()


def test_from_numpy_shares_memory_and_checks_dtype() -> None:
    source = np.zeros(3)
    t = Tensor.from_numpy(source, requires_grad=True)
    source[0] = 5.0
    assert t.data[0] == 5.0 and t.requires_grad
    with pytest.raises(TypeError, match="only float arrays can require grad"):
        Tensor.from_numpy(np.arange(3), requires_grad=True)
    with pytest.raises(TypeError, match=r"expected a numpy\.ndarray, got list"):
        Tensor.from_numpy([1.0])  # type: ignore[arg-type]


def test_numbers_in_expressions_are_shared_read_only_constants() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    y, z = x * 1.5, x + 1.5
    assert y.grad_fn is not None and z.grad_fn is not None
    one, other = y.grad_fn.inputs[1], z.grad_fn.inputs[1]
    assert one is other  # no new object per use of the same number
    assert one.dtype == np.float64 and not one.requires_grad and one.grad_fn is None
    with pytest.raises(ValueError, match="read-only"):
        one.data[()] = 2.0
    np.testing.assert_array_equal(y.data, [1.5, 3.0])


def test_a_constant_takes_the_tensors_dtype_and_keeps_ints_and_floats_apart() -> None:
    f32 = Tensor([1.0], dtype=np.float32, requires_grad=True) * 3
    ints = Tensor([1, 2]) * 3
    floats = Tensor([1, 2]) * 3.0
    assert f32.dtype == np.float32
    assert ints.dtype.kind == "i" and floats.dtype == np.float64  # 3 and 3.0 are equal keys


def test_minus_zero_is_not_mistaken_for_zero() -> None:
    x = Tensor([1.0, -1.0])
    assert (np.signbit((x * 0.0).data) == [False, True]).all()
    assert (np.signbit((x * -0.0).data) == [True, False]).all()


# ------------------------------------------------------------------ numbers in expressions
def test_equal_numbers_share_one_constant_per_dtype() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    y32 = Tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    twice_float, twice_int = x * 2.0, x * 2  # 2 and 2.0 are the same float64 number
    assert twice_float.grad_fn is not None and twice_int.grad_fn is not None
    shared = twice_float.grad_fn.inputs[1]
    assert twice_int.grad_fn.inputs[1] is shared
    assert shared.data.dtype == np.float64 and shared.data.item() == 2.0
    other = (y32 * 2.0).grad_fn
    assert other is not None
    assert other.inputs[1] is not shared and other.inputs[1].data.dtype == np.float32


def test_constants_keep_their_values_after_the_cache_starts_afresh() -> None:
    x = Tensor([1.0, -1.0], requires_grad=True)
    for k in range(1, 1100):  # more numbers than the cache keeps: it is cleared on the way
        y = x * float(k)
        np.testing.assert_array_equal(y.data, [k, -k])
    np.testing.assert_array_equal((x * 3).data, [3.0, -3.0])
    (x * 5.0).sum().backward()
    np.testing.assert_array_equal(x.grad, [5.0, 5.0])
