"""The properties every differentiable op has, as checks that raise ``AssertionError``.

Each takes a function of Tensors (your op, or an expression using it) and input arrays, and
works in float64 whatever the inputs' dtype.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import func
from ..gradcheck import gradcheck, gradgradcheck
from ..tensor import Tensor

Fn = Callable[..., Tensor]
__all__ = ["check_gradients", "check_op", "check_second_order", "check_tangents"]


def check_gradients(fn: Fn, *arrays: Any, atol: float = 1e-6, rtol: float = 1e-5) -> None:
    """backward agrees with central differences (``gradcheck``)."""
    gradcheck(fn, *arrays, atol=atol, rtol=rtol)


def check_second_order(fn: Fn, *arrays: Any, atol: float = 1e-5, rtol: float = 1e-4) -> None:
    """The gradient of the gradient agrees with central differences (``gradgradcheck``)."""
    gradgradcheck(fn, *arrays, atol=atol, rtol=rtol)


def check_tangents(fn: Fn, *arrays: Any, seed: int = 0, rtol: float = 1e-9) -> None:
    """Forward mode agrees with reverse mode: ⟨u, J·v⟩ = ⟨Jᵀ·u, v⟩ for random u and v.

    ``func.jvp`` gives J·v in one forward pass; ``func.vjp`` gives Jᵀ·u in one backward pass.
    The two inner products are the same number, so each mode checks the other.
    """
    xs = [np.asarray(a, dtype=np.float64) for a in arrays]
    rng = np.random.default_rng(seed)
    vs = [rng.standard_normal(x.shape) for x in xs]
    out, jv = func.jvp(fn, tuple(xs), tuple(vs))
    u = rng.standard_normal(out.shape)
    _, vjp_fn = func.vjp(fn, *xs)
    jtu = vjp_fn(u)
    forward = float(np.sum(u * jv.data))
    reverse = float(sum(np.sum(g.data * v) for g, v in zip(jtu, vs, strict=True)))
    if not np.isclose(forward, reverse, rtol=rtol, atol=1e-12 * max(1.0, abs(reverse))):
        raise AssertionError(
            f"check_tangents: ⟨u, J·v⟩ = {forward!r} by forward mode but ⟨Jᵀ·u, v⟩ = {reverse!r} "
            "by reverse mode; the jvp rule and the backward disagree"
        )


def check_op(fn: Fn, *arrays: Any, second_order: bool = True, forward_mode: bool = True) -> None:
    """All of the above: gradients, (optionally) second derivatives and tangents."""
    check_gradients(fn, *arrays)
    if second_order:
        check_second_order(fn, *arrays)
    if forward_mode:
        check_tangents(fn, *arrays)
