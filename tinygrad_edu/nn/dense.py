"""``Dense``: the fully connected layer, ``activation(x @ weight + bias)``."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from .._checks import check_seed, count, float_dtype
from ..activations import Activation, get_activation
from ..initializers import Initializer, initialize
from ..tensor import Tensor
from .module import Module


def name_of(fn: Callable[..., Any]) -> str:
    """How a layer shows a function it holds: its ``__name__`` (``leaky_relu(negative_slope=0.2)``
    for a ``functools.partial``), else its repr."""
    if isinstance(fn, functools.partial):
        settings = [repr(a) for a in fn.args] + [f"{k}={v!r}" for k, v in fn.keywords.items()]
        return f"{name_of(fn.func)}({', '.join(settings)})"
    return getattr(fn, "__name__", None) or repr(fn)


class Dense(Module):
    """A fully connected layer: ``activation(x @ weight + bias)``.

    ``weight`` is (in_features, out_features) and ``bias`` (out_features,), both trainable.
    ``x`` may be (n, in_features) — one row per sample — or a single sample (in_features,).
    ``activation`` is None, a name from ``activations.ACTIVATIONS`` or a callable;
    ``weight_init``/``bias_init`` a name from ``INITIALIZERS``, a number, an array or a callable
    ``(shape, rng) -> array``. ``seed`` (or a ``np.random.Generator``) makes the draw repeatable;
    the weight is drawn before the bias. ``dtype`` is float64 unless told (e.g. ``np.float32``).

    PyTorch's ``nn.Linear`` stores the transposed weight, (out_features, in_features), and
    computes ``x @ weight.T + bias``; ``interop.to_torch`` transposes it on the way over.

    >>> layer = Dense(2, 1, activation="sigmoid", weight_init="ones", bias_init="zeros")
    >>> layer([[0.47, 1.0]])                            # σ(0.47 + 1.0)
    Tensor([[0.8131]], grad_fn=Sigmoid)
    """

    weight: Tensor
    bias: Tensor

    def __init__(
        self,
        in_features: int,
        out_features: int,
        activation: str | Activation | None = None,
        weight_init: str | Initializer | float | Any = "glorot_uniform",
        bias_init: str | Initializer | float | Any = "zeros",
        seed: int | np.random.Generator | None = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.in_features = count("Dense", "in_features", in_features)
        self.out_features = count("Dense", "out_features", out_features)
        dtype = float_dtype("Dense", dtype)
        self.activation = get_activation(activation)
        self.activation_name = None if activation is None else name_of(self.activation)
        rng = np.random.default_rng(check_seed(self._label(), seed))
        shapes = {"weight": (self.in_features, self.out_features), "bias": (self.out_features,)}
        for name, spec in (("weight", weight_init), ("bias", bias_init)):
            try:
                values = initialize(spec, shapes[name], rng, dtype)
            except ValueError as err:
                raise ValueError(f"{self._label()}: {name}_init: {err}") from None
            setattr(self, name, Tensor(values, requires_grad=True, name=name))

    def _label(self) -> str:
        return f"Dense({self.in_features} → {self.out_features})"

    def forward(self, x: Any) -> Tensor:
        """``activation(x @ weight + bias)``: (n, in_features) → (n, out_features)."""
        if not isinstance(x, Tensor):
            x = Tensor(x, dtype=self.weight.dtype)
        shape = x.data.shape
        if not 1 <= len(shape) <= 2 or shape[-1] != self.in_features:
            k = self.in_features
            raise ValueError(
                f"{self._label()}: expected input with {k} features (shape (n, {k})), "
                f"got shape {x.shape}"
            )
        return self.activation(x @ self.weight + self.bias)

    def extra_repr(self) -> str:
        act = f", activation={self.activation_name}" if self.activation_name else ""
        return f"{self.in_features} → {self.out_features}{act}"
