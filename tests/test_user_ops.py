"""Writing your own op: Function.apply records it like a built-in, and mistakes are named."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_edu as tge
from tinygrad_edu import Tensor, grad, gradcheck
from tinygrad_edu.testing import checks
from tinygrad_edu.testing import strategies as S


class Softplus(tge.Function):
    """f(x) = ln(1 + eˣ);  ∂f/∂x = σ(x);  ḟ = σ(x)·ẋ."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.sigma = 1 / (1 + np.exp(-x))
        return np.logaddexp(0, x)

    def backward(self, g: np.ndarray) -> tuple[np.ndarray]:
        return (g * self.sigma,)

    def jvp(self, dx: np.ndarray) -> np.ndarray:
        return dx * self.sigma


class Scaled(tge.Function):
    """f(x) = k·x with a parameter k given to apply."""

    def __init__(self, k: float) -> None:
        self.k = k

    def forward(self, x: np.ndarray) -> np.ndarray:
        return self.k * x

    def backward(self, g: np.ndarray) -> tuple[np.ndarray]:
        return (self.k * g,)


def test_apply_records_a_users_op_with_its_gradient() -> None:
    x = Tensor([0.0, 2.0], requires_grad=True)
    y = Softplus.apply(x)
    assert isinstance(y.grad_fn, Softplus)
    np.testing.assert_allclose(y.data, [np.log(2.0), np.log(1 + np.e**2)])
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [0.5, 1 / (1 + np.exp(-2.0))])


def test_apply_passes_parameters_and_lifts_arrays() -> None:
    w = Tensor([1.0, 2.0], requires_grad=True)
    out = Scaled.apply(w, k=3.0) + Scaled.apply(np.array([1.0, 1.0]), k=2.0)
    out.sum().backward()
    np.testing.assert_array_equal(out.data, [5.0, 8.0])
    np.testing.assert_array_equal(w.grad, [3.0, 3.0])


@settings(max_examples=20, deadline=None)
@given(st.data())
def test_a_users_op_passes_the_librarys_own_property_checks(data: st.DataObject) -> None:
    x = data.draw(S.arrays(data.draw(S.shapes())))
    checks.check_gradients(lambda t: Softplus.apply(t), x)
    checks.check_tangents(lambda t: Softplus.apply(t), x)


class WrongCount(tge.Function):
    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return a + b

    def backward(self, g: np.ndarray) -> tuple[np.ndarray]:
        return (g,)


class WrongShape(tge.Function):
    def forward(self, x: np.ndarray) -> np.ndarray:
        return x * 2

    def backward(self, g: np.ndarray) -> tuple[np.ndarray]:
        return (np.ones(2),)


class WrongDtype(tge.Function):
    def forward(self, x: np.ndarray) -> np.ndarray:
        return x * 2

    def backward(self, g: np.ndarray) -> tuple[np.ndarray]:
        return ((2 * g).astype(np.float32),)


def test_a_backward_with_too_few_gradients_is_named() -> None:
    a, b = Tensor([1.0], requires_grad=True), Tensor([2.0], requires_grad=True)
    with pytest.raises(TypeError, match=r"WrongCount.backward returned 1 gradients for 2 inputs"):
        WrongCount.apply(a, b).sum().backward()


def test_a_backward_with_a_wrong_shape_is_named_with_both_shapes() -> None:
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(
        ValueError, match=r"WrongShape.backward: gradient 0 has shape \(2,\).*\(3,\)"
    ):
        WrongShape.apply(x).sum().backward()


def test_a_backward_with_a_wrong_dtype_is_named() -> None:
    x = Tensor([1.0], requires_grad=True)
    with pytest.raises(TypeError, match=r"WrongDtype.backward: gradient 0 has dtype float32"):
        WrongDtype.apply(x).sum().backward()


def test_create_graph_through_a_numpy_backward_is_refused_not_wrong() -> None:
    x = Tensor([1.0], requires_grad=True)
    (g,) = grad(Softplus.apply(x).sum(), x)  # first order works
    assert g.data[0] == pytest.approx(1 / (1 + np.exp(-1.0)))
    with pytest.raises(RuntimeError, match=r"Softplus.backward computes with NumPy arrays"):
        grad(Softplus.apply(x).sum(), x, create_graph=True)


class SoftplusTwice(tge.Function):
    """The same op with a backward written to be differentiated again (saved + ops.dual)."""

    differentiable_backward = True

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.saved = (x,)
        return np.logaddexp(0, x)

    def backward(self, g: object, saved: tuple[object, ...]) -> tuple[object]:
        (x,) = saved
        return (g * tge.ops.dual.sigmoid(x),)


def test_a_users_op_with_a_differentiable_backward_has_second_derivatives() -> None:
    x = Tensor(0.0, requires_grad=True)
    (g,) = grad(SoftplusTwice.apply(x), x, create_graph=True)
    (h,) = grad(g, x)
    assert g.item() == 0.5 and h.item() == 0.25  # σ(0), σ(0)(1 − σ(0))
    assert tge.gradgradcheck(lambda t: SoftplusTwice.apply(t), np.array([-1.0, 0.5]))


def test_gradcheck_catches_a_wrong_user_backward() -> None:
    class Forgot(tge.Function):
        def forward(self, x: np.ndarray) -> np.ndarray:
            self.x = x
            return x * x

        def backward(self, g: np.ndarray) -> tuple[np.ndarray]:
            return (g * self.x,)  # the 2 forgotten

    with pytest.raises(AssertionError, match="gradcheck"):
        gradcheck(lambda t: Forgot.apply(t), np.array([1.0, 2.0]))


def test_testing_without_hypothesis_says_which_extra_to_install() -> None:
    code = (
        "import sys; sys.modules['hypothesis'] = None\n"
        "try:\n    import tinygrad_edu.testing\nexcept ImportError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert 'pip install "tinygrad_edu[testing]"' in out.stdout
