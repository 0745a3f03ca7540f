"""Which function transforms compose, and that the ones that do not raise instead of giving 0.

f(x) = Σ xᵢ³ throughout: ∇f = 3x², H = diag(6x), and at x = (1, 2) with v = (1, 1):
∇f = (3, 12), H = diag(6, 12), H·v = (6, 12). All worked out by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from tinygrad_edu import Tensor, func

X0, V = np.array([1.0, 2.0]), np.array([1.0, 1.0])
HESSIAN = np.diag([6.0, 12.0])


def cubes(x: Tensor) -> Tensor:
    return (x**3).sum()


@pytest.mark.parametrize(
    ("name", "hessian"),
    [
        ("jacfwd(jacrev(f)), what hessian is", lambda: func.hessian(cubes)(X0)),
        ("jacrev(jacrev(f))", lambda: func.jacrev(func.jacrev(cubes))(X0)),
        ("jacfwd(grad(f))", lambda: func.jacfwd(func.grad(cubes))(X0)),
        ("jacrev(grad(f))", lambda: func.jacrev(func.grad(cubes))(X0)),
    ],
)
def test_forward_over_reverse_and_reverse_over_reverse_give_the_hessian(
    name: str, hessian: Callable[[], Tensor]
) -> None:
    np.testing.assert_array_equal(hessian().data, HESSIAN)


def test_grad_of_grad_and_jvp_of_grad_compose() -> None:
    # d²/dx² x³ = 6x = 12 at 2; d/dx of that = 6
    assert func.grad(func.grad(lambda x: x**3))(Tensor(2.0)).item() == 12.0
    assert func.grad(func.grad(func.grad(lambda x: x**3)))(Tensor(2.0)).item() == 6.0
    gradient, hv = func.jvp(func.grad(cubes), (X0,), (V,))
    np.testing.assert_array_equal(gradient.data, [3.0, 12.0])
    np.testing.assert_array_equal(hv.data, [6.0, 12.0])
    value, hv = func.hvp(cubes, (X0,), (V,))
    assert value.item() == 9.0
    np.testing.assert_array_equal(hv.data, [6.0, 12.0])


def test_jvp_inside_jvp_raises() -> None:
    def inner(x: Tensor) -> Tensor:
        return func.jvp(cubes, (x,), (V,))[1]

    with pytest.raises(NotImplementedError, match="jvp of a jvp"):
        func.jvp(inner, (X0,), (V,))


REVERSE_OVER_FORWARD: list[tuple[str, Callable[[], Any]]] = [
    ("jvp", lambda: func.grad(lambda x: func.jvp(cubes, (x,), (V,))[1])(X0)),
    ("jacfwd", lambda: func.jacrev(func.jacfwd(cubes))(X0)),
    ("hvp", lambda: func.grad(lambda x: func.hvp(cubes, (x,), (V,))[1].sum())(X0)),
    ("jvp", lambda: func.vjp(lambda x: func.jvp(cubes, (x,), (V,))[1], X0)[1](1.0)),
]


@pytest.mark.parametrize(
    ("where", "run"),
    REVERSE_OVER_FORWARD,
    ids=["grad-of-jvp", "jacrev-of-jacfwd", "grad-of-hvp", "vjp-of-jvp"],
)
def test_reverse_mode_through_forward_mode_raises_instead_of_giving_zero(
    where: str, run: Callable[[], Any]
) -> None:
    # The true answers are not 0 (e.g. ∇(∇f·v) = H·v = (6, 12)): a zero would be silently wrong.
    with pytest.raises(NotImplementedError, match=rf"through forward mode \({where} inside"):
        run()


def test_a_second_order_pass_through_forward_mode_raises_too() -> None:
    def tangent(x: Tensor) -> Tensor:
        return func.jvp(lambda y: y**3, (x,), (np.ones(()),))[1]

    with pytest.raises(NotImplementedError, match="through forward mode"):
        func.grad(func.grad(tangent))(Tensor(1.0))


def test_forward_mode_at_top_level_is_unchanged_and_backward_through_it_is_refused() -> None:
    x = Tensor(X0, requires_grad=True)
    out, tangent = func.jvp(cubes, (x,), (V,))
    assert out.item() == 9.0 and tangent.item() == 15.0  # ∇f·v = 3 + 12
    with pytest.raises(NotImplementedError, match="through forward mode"):
        tangent.backward()
    plain_out, plain_tangent = func.jvp(cubes, (X0,), (V,))  # arrays: nothing to link
    assert plain_out.grad_fn is None and plain_tangent.grad_fn is None
