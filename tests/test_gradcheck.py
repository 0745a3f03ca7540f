"""gradcheck must catch a wrong backward and say where; numerical_grad must be right by hand."""

from __future__ import annotations

import re

import numpy as np
import pytest

from tinygrad_edu import Tensor, gradcheck, numerical_grad
from tinygrad_edu.autograd import Array, Function, Grads


class WrongSquare(Function):
    """f(x) = x², with the classic slip ∂f/∂x = x (the 2 forgotten)."""

    __slots__ = ("x",)

    def forward(self, x: Array) -> Array:
        self.x = x
        return x * x

    def backward(self, g: Array) -> Grads:
        return (g * self.x,)


def test_numerical_grad_of_a_cube_by_hand() -> None:
    # d(x³)/dx = 3x² = 12 at x = 2; central differences are exact up to O(ε²).
    (grad,) = numerical_grad(lambda x: x * x * x, np.array([2.0]), grad_output=np.ones(1))
    assert grad[0] == pytest.approx(12.0, rel=1e-8)


def test_gradcheck_passes_a_correct_function() -> None:
    assert gradcheck(
        lambda a, b: (a * b).sum() / b.sum(), np.array([1.0, 2.0]), np.array([3.0, 4.0])
    )


def test_gradcheck_names_input_index_and_both_values() -> None:
    def fn(x: Tensor, y: Tensor) -> Tensor:
        return x + Tensor._from_op(WrongSquare(), y)

    with pytest.raises(AssertionError) as info:
        gradcheck(fn, np.zeros(2), np.array([[1.0, 3.0]]), grad_output=np.ones((1, 2)))
    message = str(info.value)
    assert "input 1 (shape (1, 2)) at index (0, 0)" in message
    assert re.search(r"backward gives 1\b.*central differences give 2\b", message)


def test_gradcheck_skips_nothing_for_constant_functions() -> None:
    # A function that ignores its input has zero gradient; both sides must agree on that.
    assert gradcheck(lambda x: Tensor(np.ones(2)), np.array([1.0, 2.0]))
