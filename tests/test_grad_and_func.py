"""grad() with torch.autograd.grad's semantics, and the function transforms in ``func``.

The numbers are worked out by hand in the comments (closed forms), never by the code under test.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from tinygrad_edu import NoGradError, Tensor, func, grad, losses, no_grad


# -------------------------------------------------------------------------------------- grad
def test_grad_returns_a_tuple_and_accumulates_nothing() -> None:
    x, y = Tensor(2.0, requires_grad=True), Tensor(3.0, requires_grad=True)
    h = x * y
    h.retain_grad()
    gx, gy = grad(h * h, [x, y])  # ∂(x²y²)/∂x = 2xy² = 36, ∂/∂y = 2x²y = 24
    assert (gx.item(), gy.item()) == (36.0, 24.0)
    assert x.grad is None and y.grad is None and h.grad is None


def test_the_fourth_derivative_of_tanh_by_autograd_is_the_closed_form() -> None:
    x = Tensor(0.5, requires_grad=True)
    d = x.tanh()
    for _ in range(4):
        (d,) = grad(d, x, create_graph=True)
    t = math.tanh(0.5)
    assert d.item() == pytest.approx(8 * t * (1 - t * t) * (2 - 3 * t * t), rel=1e-12)


def test_the_gradient_of_a_tensor_by_itself_is_a_fresh_writable_one() -> None:
    # The implied seed ∂x/∂x = 1 is a shared read-only constant; handing it out would share it.
    x = Tensor([2.0], requires_grad=True)
    first, second = grad(x, x, create_graph=True)[0], grad(x, x, create_graph=True)[0]
    assert first is not second and first.data.flags.writeable
    first += 1.0
    np.testing.assert_array_equal(second.data, [1.0])


def test_grad_with_respect_to_an_intermediate_tensor() -> None:
    x = Tensor(3.0, requires_grad=True)
    h = x * x
    y = h * x  # y = h·x: ∂y/∂h = x = 3 (h treated as a variable), ∂y/∂x = h + x·2x = 27
    gh, gx = grad(y, [h, x])
    assert gh.item() == 3.0 and gx.item() == 27.0


def test_unused_inputs_raise_unless_allowed() -> None:
    x, z = Tensor(1.0, requires_grad=True), Tensor(1.0, requires_grad=True)
    with pytest.raises(ValueError, match=r"input 1 \(shape \(\)\) is not used.*allow_unused=True"):
        grad(x * 2, [x, z])
    assert grad(x * 2, [x, z], allow_unused=True)[1] is None


def test_a_non_scalar_output_needs_grad_outputs() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match=r"output 0 has shape \(2,\).*grad_outputs"):
        grad(x * 3, x)
    (g,) = grad(x * 3, x, grad_outputs=np.array([1.0, 10.0]))
    np.testing.assert_array_equal(g.data, [3.0, 30.0])


def test_outputs_built_under_no_grad_and_inputs_without_grad_are_named() -> None:
    x = Tensor(1.0, requires_grad=True)
    with no_grad():
        y = x * 2
    with pytest.raises(NoGradError, match=r"output 0.*built under no_grad"):
        grad(y, x)
    with pytest.raises(ValueError, match=r"input 0.*does not require grad"):
        grad(x * 2, Tensor(1.0))


def test_backward_with_create_graph_fills_grad_and_a_differentiable_grad_tensor() -> None:
    x = Tensor(2.0, requires_grad=True)
    (x**3).backward(create_graph=True)  # 3x² = 12
    assert x.grad == 12.0
    gx = x.grad_tensor
    assert gx is not None and gx.grad_fn is not None
    x.zero_grad()
    gx.backward()  # d(3x²)/dx = 6x = 12
    assert x.grad == 12.0 and x.grad_tensor is None


def test_a_first_order_pass_after_create_graph_keeps_grad_tensor_in_step() -> None:
    x = Tensor(1.0, requires_grad=True)
    (x * x).backward(create_graph=True)  # 2
    (x * 5.0).backward()  # + 5
    assert x.grad == 7.0 and x.grad_tensor is not None and x.grad_tensor.item() == 7.0


def test_relu_composition_keeps_a_graph_through_its_zero_second_derivative() -> None:
    x = Tensor([-1.0, 2.0], requires_grad=True)
    y = (x.relu() * x).sum()  # x² where x > 0: ∂ = 2x there, 0 elsewhere; ∂² = 2, 0
    (g,) = grad(y, x, create_graph=True)
    (h,) = grad(g.sum(), x)
    np.testing.assert_array_equal(g.data, [0.0, 4.0])
    np.testing.assert_array_equal(h.data, [0.0, 2.0])


# -------------------------------------------------------------------------------------- func
def test_func_grad_value_and_grad_and_aux() -> None:
    f = lambda x: ((x - 1) ** 2).sum()  # noqa: E731
    np.testing.assert_array_equal(func.grad(f)(np.array([3.0, 0.0])).data, [4.0, -2.0])
    value, g = func.value_and_grad(f)(np.array([3.0]))
    assert value.item() == 4.0 and g.item() == 4.0
    g, aux = func.grad(lambda x: (f(x), "note"), has_aux=True)(np.array([2.0]))
    assert g.item() == 2.0 and aux == "note"


def test_func_grad_with_several_argnums_and_errors() -> None:
    f = lambda a, b: (a * b * b).sum()  # noqa: E731
    ga, gb = func.grad(f, argnums=(0, 1))(np.array(2.0), np.array(3.0))  # b² = 9, 2ab = 12
    assert (ga.item(), gb.item()) == (9.0, 12.0)
    with pytest.raises(ValueError, match=r"argnums 2 is out of range.*2 positional"):
        func.grad(f, argnums=2)(1.0, 2.0)
    with pytest.raises(ValueError, match=r"one number.*shape \(2,\)"):
        func.grad(lambda x: x * 2)(np.ones(2))


def test_grad_of_grad_is_the_second_derivative_and_closures_are_constants() -> None:
    assert func.grad(func.grad(lambda x: x**4))(Tensor(2.0)).item() == 48.0  # 12x²
    # d/dx [x · (d/dy x·y)] = d/dx [x · x] = 2x (the inner derivative treats x as a constant)
    outer = func.grad(lambda x: x * func.grad(lambda y: x * y)(x))
    assert outer(Tensor(3.0)).item() == 6.0


def test_jacobians_both_ways_agree_with_the_hand_jacobian() -> None:
    def f(x: Tensor) -> Tensor:  # f(x) = (x₀·x₁, sin x₀, x₁²)
        from tinygrad_edu import stack

        return stack([x[0] * x[1], x[0].sin(), x[1] ** 2])

    x = np.array([0.5, 2.0])
    expected = np.array([[2.0, 0.5], [math.cos(0.5), 0.0], [0.0, 4.0]])
    np.testing.assert_allclose(func.jacrev(f)(x).data, expected, rtol=1e-15)
    np.testing.assert_allclose(func.jacfwd(f)(x).data, expected, rtol=1e-15)


def test_jacobian_shape_is_out_shape_plus_in_shape() -> None:
    x = np.ones((2, 3))
    assert func.jacrev(lambda t: t.sum(axis=0))(x).shape == (3, 2, 3)
    assert func.jacfwd(lambda t: t.sum(axis=0))(x).shape == (3, 2, 3)


def test_jvp_vjp_errors_name_the_mistake() -> None:
    with pytest.raises(
        ValueError, match=r"tangent 0 has shape \(3,\) but primal 0 has shape \(2,\)"
    ):
        func.jvp(lambda x: x * 2, (np.ones(2),), (np.ones(3),))
    with pytest.raises(TypeError, match="must return a Tensor, got float"):
        func.jacfwd(lambda x: 1.0)(np.ones(2))
    with pytest.raises(TypeError, match="tuples"):
        func.jvp(lambda x: x, np.ones(2), np.ones(2))  # type: ignore[arg-type]
    _, vjp_fn = func.vjp(lambda x: x * 2, np.ones(2))
    with pytest.raises(ValueError, match=r"cotangent has shape \(3,\)"):
        vjp_fn(np.ones(3))


def test_jvp_inside_jvp_is_refused_clearly() -> None:
    def inner(x: Tensor) -> Tensor:
        return func.jvp(lambda y: y * y, (x,), (np.ones(x.shape),))[1]

    with pytest.raises(NotImplementedError, match="jvp of a jvp"):
        func.jvp(inner, (np.ones(2),), (np.ones(2),))


def test_hessian_of_the_log_loss_is_x_transposed_s_x_over_n() -> None:
    X = np.array([[0.22, 1.0], [0.47, 0.0], [0.62, 1.0], [0.35, 0.0]])
    y = np.array([0.0, 1.0, 1.0, 0.0])
    w = np.array([0.3, -0.2])

    def loss(w: Tensor) -> Tensor:
        return losses.binary_cross_entropy((Tensor(X) @ w).sigmoid(), y)

    p = 1 / (1 + np.exp(-X @ w))
    expected = X.T @ np.diag(p * (1 - p)) @ X / len(y)  # the textbook Hessian of the log loss
    np.testing.assert_allclose(func.hessian(loss)(w).data, expected, rtol=1e-12)
    v = np.array([1.0, -2.0])
    value, hv = func.hvp(loss, (w,), (v,))
    np.testing.assert_allclose(hv.data, expected @ v, rtol=1e-12)
    assert value.item() == pytest.approx(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def test_newtons_method_on_x4_minus_2x2_converges_to_the_minimum() -> None:
    f = lambda x: x**4 - 2 * x**2  # noqa: E731  minima at x = ±1; f″(1) = 8
    x = Tensor(2.0)
    for _ in range(8):
        g = func.grad(f)(x)
        h = func.grad(func.grad(f))(x)
        x = Tensor(x.data - g.data / h.data)
    assert x.item() == pytest.approx(1.0, abs=1e-15)


def test_resetting_grad_to_none_forgets_the_differentiable_gradient_too() -> None:
    x = Tensor(2.0, requires_grad=True)
    (x * x).backward(create_graph=True)  # 4
    x.grad = None  # what optimizers' zero_grad does
    (x * x).backward(create_graph=True)
    assert x.grad == 4.0 and x.grad_tensor is not None and x.grad_tensor.item() == 4.0
    x.grad = None
    (x * 3.0).backward()
    assert x.grad == 3.0 and x.grad_tensor is None
