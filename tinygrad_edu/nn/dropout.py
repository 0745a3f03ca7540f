"""``Dropout``: zero random elements while training, so no unit can rely on another."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._checks import check_seed, fraction
from ..activations import as_tensor
from ..autograd import Array, Function
from ..generator_state import (
    check_generator,
    generator_owners,
    generator_state,
    set_generator_state,
)
from ..tensor import Tensor
from .module import Module


class DropoutMask(Function):
    """m / (1 − p) with mᵢ ~ Bernoulli(1 − p): a new mask of ``shape`` at every call, drawn from
    the layer's ``generator`` with the layer's ``p`` (``rᵢ ≥ p`` for uniform rᵢ in [0, 1)).

    It has no inputs and no derivative: to the graph the mask is a constant. It is an op so that
    a compiled step draws it again at every call, from the same generator in the same order as
    the eager step, rather than freezing the mask it traced; it reads the layer at every call,
    so a new generator or ``p`` set after the trace is used as the eager step would use it.
    """

    __slots__ = ("dtype", "layer", "shape")

    def __init__(self, layer: Dropout, shape: tuple[int, ...], dtype: Any) -> None:
        self.layer, self.shape, self.dtype = layer, shape, dtype

    def forward(self) -> Array:
        layer = self.layer
        if layer.p == 0.0:  # (a replay after p was set to 0: eager skips the layer, draws nothing)
            mask = np.ones(self.shape, self.dtype)
        else:
            keep = layer.generator.random(self.shape) >= layer.p
            mask = keep.astype(self.dtype)
            mask *= 1.0 / (1.0 - layer.p)
        return mask


class Dropout(Module):
    """Inverted dropout: while training, zero each element with probability ``p``.

    In training mode, for any input shape::

        y = x ⊙ m / (1 − p)        mᵢ ~ Bernoulli(1 − p), drawn afresh at every call
        ∂y/∂x = m / (1 − p)        (the gradient flows through the kept elements only)

    so E[y] = x. In evaluation mode (``eval()``) and for ``p = 0`` the layer is the identity,
    and because training already divided by 1 − p, nothing needs rescaling at test time. The
    masks come from the layer's own generator (``seed``: an int, None for a fresh one, or a
    ``np.random.default_rng`` generator); its position is the layer's extra state, saved and
    loaded with the model, so a resumed run draws the same masks. ``p`` must be in [0, 1).

    >>> drop = Dropout(0.5, seed=0)
    >>> drop(np.ones(6))                                 # kept elements are scaled by 1/(1 − p)
    Tensor([2., 0., 0., 0., 2., 2.])
    >>> drop.eval()(np.ones(3))                          # identity in evaluation mode
    Tensor([1., 1., 1.])
    """

    def __init__(self, p: float = 0.5, *, seed: int | np.random.Generator | None = None) -> None:
        super().__init__()
        self.p = fraction("Dropout", "p", p)
        rng = np.random.default_rng(check_seed("Dropout", seed))
        self.generator = check_generator("Dropout", rng)
        generator_owners.add(self)

    def forward(self, x: Any) -> Tensor:
        """``x ⊙ m / (1 − p)`` in training mode, ``x`` itself in evaluation mode; any shape."""
        t = as_tensor(x)
        if not self.training or self.p == 0.0:
            return t
        return t * Tensor._from_op(DropoutMask(self, t.shape, t.dtype))

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)  # (a copy or an unpickled layer: its generator is known too)
        generator_owners.add(self)

    def get_extra_state(self) -> Array:
        """The generator's position (``generator_state``): six uint64 words."""
        return generator_state(self.generator)

    def set_extra_state(self, state: Array) -> None:
        set_generator_state(self.generator, state)

    def extra_repr(self) -> str:
        return f"p={self.p:g}"
