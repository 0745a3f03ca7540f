"""Gradient clipping by the total norm, as ``torch.nn.utils.clip_grad_norm_``."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from .._checks import positive_number
from ..tensor import Tensor

#: Added to the norm before dividing, as PyTorch does, so a zero gradient stays finite.
CLIP_EPS = 1e-6


def clip_grad_norm(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> float:
    """Scale all gradients together so that their total norm is at most ``max_norm``.

    The total norm treats every gradient as one long vector: for ``norm_type`` p,
    ‖g‖ = (Σ over all parameters and elements |gᵢ|ᵖ)^(1/p), the largest |gᵢ| for p = inf. If
    ‖g‖ > max_norm every gradient is multiplied, in place, by max_norm / (‖g‖ + 1e-6), so the
    direction of the step is kept and only its length is capped. Returns ‖g‖ before clipping,
    as a float (PyTorch returns it as a tensor). Parameters whose ``grad`` is None are skipped;
    a non-finite norm raises when ``error_if_nonfinite``. Call it between ``backward()`` and
    ``step()``.

    >>> w = Tensor([0.0, 0.0], requires_grad=True)
    >>> w.grad = np.array([3.0, 4.0])                 # ‖g‖ = 5
    >>> clip_grad_norm([w], max_norm=1.0)
    5.0
    >>> w.grad.round(6)                               # [3, 4] · 1/(5 + 1e-6)
    array([0.6, 0.8])
    """
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    for i, p in enumerate(params):
        if not isinstance(p, Tensor):
            raise TypeError(f"clip_grad_norm: parameter {i} is a {type(p).__name__}, not a Tensor")
    max_norm = positive_number("clip_grad_norm", "max_norm", max_norm, allow_zero=True)
    p_norm = float(norm_type) if not isinstance(norm_type, bool) else math.nan
    if not p_norm > 0:
        raise ValueError(f"clip_grad_norm: norm_type must be > 0 or inf, got {norm_type!r}")
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return 0.0
    if math.isinf(p_norm):
        total = max(float(np.abs(g).max(initial=0.0)) for g in grads)
    else:
        per_tensor = [float(np.linalg.norm(g.ravel(), ord=p_norm)) for g in grads]
        total = float(np.linalg.norm(per_tensor, ord=p_norm))
    if error_if_nonfinite and not math.isfinite(total):
        raise FloatingPointError(
            f"clip_grad_norm: the total {norm_type}-norm of the gradients is {total}; "
            "pass error_if_nonfinite=False to clip anyway"
        )
    scale = max_norm / (total + CLIP_EPS)
    if scale < 1:
        for g in grads:
            g *= scale
    return total
