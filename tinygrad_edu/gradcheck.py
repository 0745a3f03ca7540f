"""Check gradients numerically: does ``backward`` agree with central differences?

``gradcheck`` checks first derivatives; ``gradgradcheck`` checks second derivatives — the
gradient of the gradient, computed by ``grad(..., create_graph=True)`` — the same way.

For a function ``f`` of tensors, pick a fixed random weighting ``v`` of its outputs and look at the
scalar ``L = Σ v ⊙ f(x)``. Its gradient by the chain rule (``backward``) must match

    ∂L/∂xᵢ ≈ (L(x + ε·eᵢ) − L(x − ε·eᵢ)) / (2ε)

for every element ``i`` of every input — computed here in float64, whatever the inputs' dtype.
The error of a central difference is O(ε²), so ε = 1e-6 leaves about 1e-9 of noise.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ._config import no_grad
from .autograd import Array
from .derivatives import grad
from .tensor import Tensor

Fn = Callable[..., Tensor]


def _as_float64(inputs: Sequence[Any]) -> list[Tensor]:
    return [
        Tensor(x.data if isinstance(x, Tensor) else x, dtype=np.float64, requires_grad=True)
        for x in inputs
    ]


def _weights(out: Tensor, grad_output: Array | None) -> Array:
    if grad_output is not None:
        return np.asarray(grad_output, dtype=np.float64).reshape(out.shape)
    return np.random.default_rng(0).standard_normal(out.shape)


def numerical_grad(
    fn: Fn, *inputs: Any, eps: float = 1e-6, grad_output: Array | None = None
) -> list[Array]:
    """Central-difference gradients of ``Σ grad_output ⊙ fn(*inputs)``, one array per input.

    ``grad_output`` defaults to fixed standard-normal weights (seed 0) of the output's shape, so
    that a mistake in any output element shows up. Inputs are copied to float64.
    """
    xs = _as_float64(inputs)
    with no_grad():
        weights = _weights(fn(*xs), grad_output)
        grads = []
        for x in xs:
            grad = np.zeros_like(x.data)
            flat, gflat = x.data.reshape(-1), grad.reshape(-1)
            for i in range(flat.size):
                saved = flat[i]
                flat[i] = saved + eps
                up = float((fn(*xs).data * weights).sum())
                flat[i] = saved - eps
                down = float((fn(*xs).data * weights).sum())
                flat[i] = saved
                gflat[i] = (up - down) / (2 * eps)
            grads.append(grad)
    return grads


def analytic_grad(fn: Fn, *inputs: Any, grad_output: Array | None = None) -> list[Array]:
    """Gradients of ``Σ grad_output ⊙ fn(*inputs)`` by ``backward``, in float64."""
    xs = _as_float64(inputs)
    out = fn(*xs)
    weights = _weights(out, grad_output)
    if not out.requires_grad:  # fn ignores its inputs: every gradient is zero
        return [np.zeros_like(x.data) for x in xs]
    out.backward(weights)
    return [x.grad if x.grad is not None else np.zeros_like(x.data) for x in xs]


def gradcheck(
    fn: Fn,
    *inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-4,
    grad_output: Array | None = None,
) -> bool:
    """Raise ``AssertionError`` unless ``backward`` matches central differences for ``fn``.

    ``fn`` takes tensors (one per entry of ``inputs``) and returns a tensor of any shape; inputs
    may be arrays, numbers or tensors. Every element must satisfy
    ``|analytic − numerical| ≤ atol + rtol·|numerical|``; the error names the input, the element
    and both values. Returns True so it can be used in ``assert gradcheck(...)``.

    >>> gradcheck(lambda x: (x * x).sum(), np.array([1.0, -2.0]))
    True
    """
    analytic = analytic_grad(fn, *inputs, grad_output=grad_output)
    numeric = numerical_grad(fn, *inputs, eps=eps, grad_output=grad_output)
    _compare("gradcheck", "backward", analytic, numeric, atol, rtol)
    return True


def _compare(
    where: str, method: str, analytic: list[Array], numeric: list[Array], atol: float, rtol: float
) -> None:
    for k, (a, n) in enumerate(zip(analytic, numeric, strict=True)):
        bad = ~(np.abs(a - n) <= atol + rtol * np.abs(n))
        if bad.any():
            idx = tuple(int(i) for i in np.argwhere(bad)[0])
            raise AssertionError(
                f"{where}: input {k} (shape {a.shape}) at index {idx}: "
                f"{method} gives {float(a[idx]):.10g}, "
                f"central differences give {float(n[idx]):.10g} "
                f"(atol={atol}, rtol={rtol}; {int(bad.sum())} of {a.size} elements differ)"
            )


def _first_order(fn: Fn, xs: list[Tensor], v: Array, create_graph: bool) -> list[Any]:
    """∂(Σ v ⊙ fn(xs))/∂xₖ for each input (Tensors; zeros where fn does not depend on one)."""
    out = fn(*xs)
    if not out.requires_grad:
        return [Tensor(np.zeros_like(x.data)) for x in xs]
    found = grad(out, xs, v, create_graph=create_graph, allow_unused=True)
    return [
        Tensor(np.zeros_like(x.data)) if g is None else g for g, x in zip(found, xs, strict=True)
    ]


def gradgradcheck(
    fn: Fn,
    *inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-4,
    grad_output: Array | None = None,
) -> bool:
    """Raise ``AssertionError`` unless second derivatives of ``fn`` match central differences.

    With fixed random weightings v (of the output) and w (of the gradient), the scalar
    ``S(x) = Σₖ ⟨wₖ, ∂(Σ v ⊙ fn(x))/∂xₖ⟩`` is differentiated twice over: by autograd
    (``grad(..., create_graph=True)``, then ``grad`` of that) and by central differences of the
    first-order gradients. Returns True, so it reads ``assert gradgradcheck(...)``.

    >>> gradgradcheck(lambda x: (x ** 3).sum(), np.array([1.0, -2.0]))     # ∂²/∂x² = 6x
    True
    """
    xs = _as_float64(inputs)
    rng = np.random.default_rng(1)
    v = _weights(fn(*xs), grad_output)
    w = [rng.standard_normal(x.shape) for x in xs]

    def weighted(gs: list[Any]) -> Any:
        return sum((g * wk).sum() for g, wk in zip(gs, w, strict=True))

    total = weighted(_first_order(fn, xs, v, create_graph=True))
    if isinstance(total, Tensor) and total.requires_grad:
        found = grad(total, xs, allow_unused=True)
        analytic = [
            np.zeros_like(x.data) if g is None else g.data for g, x in zip(found, xs, strict=True)
        ]
    else:  # the gradient does not depend on the inputs: every second derivative is 0
        analytic = [np.zeros_like(x.data) for x in xs]
    numeric = []
    for x in xs:
        column = np.zeros_like(x.data)
        flat, cflat = x.data.reshape(-1), column.reshape(-1)
        for i in range(flat.size):
            saved = flat[i]
            values = []
            for step in (eps, -eps):
                flat[i] = saved + step
                gs = [g.data for g in _first_order(fn, xs, v, create_graph=False)]
                values.append(float(sum((g * wk).sum() for g, wk in zip(gs, w, strict=True))))
            flat[i] = saved
            cflat[i] = (values[0] - values[1]) / (2 * eps)
        numeric.append(column)
    _compare("gradgradcheck", "double backward", analytic, numeric, atol, rtol)
    return True
