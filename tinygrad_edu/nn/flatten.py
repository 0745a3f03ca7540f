"""``Flatten``: merge a run of dimensions into one, e.g. images (n, c, h, w) into (n, c·h·w)."""

from __future__ import annotations

import math
from typing import Any

from ..activations import as_tensor
from ..tensor import Tensor
from .module import Module


def _dim(owner: str, what: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{owner}: {what} must be an int, got {value!r}")
    return value


class Flatten(Module):
    """Merge dimensions ``start_dim`` … ``end_dim`` (inclusive; negative counts from the end).

    An input of shape (d₀, …, dₙ₋₁) becomes (d₀, …, d_start₋₁, d_start·…·d_end, d_end₊₁, …).
    The default (1, −1) keeps the batch dimension and flattens the rest, as ``torch.nn.Flatten``.
    A reshape: the gradient is the upstream gradient reshaped back.

    >>> import numpy as np
    >>> Flatten()(np.zeros((2, 3, 4))).shape
    (2, 12)
    >>> Flatten(0, 1)(np.zeros((2, 3, 4))).shape
    (6, 4)
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = _dim("Flatten", "start_dim", start_dim)
        self.end_dim = _dim("Flatten", "end_dim", end_dim)

    def forward(self, x: Any) -> Tensor:
        """``x`` reshaped with dimensions start_dim … end_dim merged into one."""
        t = as_tensor(x)
        shape, nd = t.shape, t.ndim
        start = self.start_dim + nd if self.start_dim < 0 else self.start_dim
        end = self.end_dim + nd if self.end_dim < 0 else self.end_dim
        if not (0 <= start < nd and 0 <= end < nd and start <= end):
            raise ValueError(
                f"{self!r}: dimensions {self.start_dim} … {self.end_dim} do not fit "
                f"an input of shape {shape} ({nd}-D)"
            )
        merged = math.prod(shape[start : end + 1])
        return t.reshape((*shape[:start], merged, *shape[end + 1 :]))

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
