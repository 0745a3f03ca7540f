"""Activation functions, as functions: ``sigmoid(x)``, ``relu(x)``, ... and a registry by name.

Each function accepts a ``Tensor`` (and records into its graph) or anything array-like (which
becomes a constant float ``Tensor``) and returns a ``Tensor``. The math lives in the primitive ops
(``tinygrad_edu.ops``), each with its own backward; these functions only give them names a layer
can be configured with, so ``Dense(2, 1, activation="sigmoid")`` and ``sigmoid(x)`` are the same.

===========  ===================================  ===================================  =========
name         f(x)                                 f′(x)                                range
===========  ===================================  ===================================  =========
sigmoid      1 / (1 + e⁻ˣ)                        σ(x)·(1 − σ(x))                      (0, 1)
tanh         (eˣ − e⁻ˣ) / (eˣ + e⁻ˣ)              1 − tanh² x                          (−1, 1)
relu         max(x, 0)                            1 if x > 0 else 0                    [0, ∞)
leaky_relu   x if x > 0 else α·x                  1 if x > 0 else α                    ℝ
linear       x                                    1                                    ℝ
===========  ===================================  ===================================  =========

>>> import numpy as np
>>> tanh([0.0, 1.0])
Tensor([0.    , 0.7616])
>>> get_activation("sigmoid") is sigmoid
True
>>> derivative("sigmoid", np.array([0.0]))          # σ(0)·(1 − σ(0)) = 0.25
array([0.25])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._config import DEFAULT_DTYPE
from .autograd import Array
from .tensor import Tensor

Activation = Callable[[Tensor], Tensor]


def as_tensor(x: Any) -> Tensor:
    """``x`` itself if it is a Tensor, else a constant float Tensor of it (ints become floats)."""
    if isinstance(x, Tensor):
        return x
    t = Tensor(x)
    return t if t.dtype.kind == "f" else Tensor(t.data, dtype=DEFAULT_DTYPE)


def sigmoid(x: Any) -> Tensor:
    """The logistic function σ(x) = 1 / (1 + e⁻ˣ), elementwise.

    f′(x) = σ(x)·(1 − σ(x)), largest (0.25) at x = 0. Range (0, 1): the output reads as a
    probability, which makes it the output of logistic regression. Exact and warning-free for any
    input (σ(−1e4) = 0, σ(1e4) = 1).

    >>> sigmoid([0.0, -10000.0, 10000.0])
    Tensor([0.5, 0. , 1. ])
    """
    return as_tensor(x).sigmoid()


def tanh(x: Any) -> Tensor:
    """The hyperbolic tangent tanh x = (eˣ − e⁻ˣ) / (eˣ + e⁻ˣ) = 2σ(2x) − 1, elementwise.

    f′(x) = 1 − tanh² x, largest (1) at x = 0. Range (−1, 1), centred on 0.

    >>> tanh([-100.0, 0.0, 100.0])
    Tensor([-1.,  0.,  1.])
    """
    return as_tensor(x).tanh()


def relu(x: Any) -> Tensor:
    """The rectified linear unit max(x, 0), elementwise.

    f′(x) = 1 for x > 0, 0 for x < 0; at the corner x = 0 we use 0, as PyTorch does. Range [0, ∞).

    >>> relu([-1.5, 0.0, 2.0]).data.tolist() == [0.0, 0.0, 2.0]
    True
    """
    return as_tensor(x).relu()


def leaky_relu(x: Any, negative_slope: float = 0.01) -> Tensor:
    """Leaky ReLU: x for x > 0, α·x otherwise (α = ``negative_slope``), elementwise.

    f′(x) = 1 for x > 0, α otherwise (also at x = 0). Range ℝ (for 0 < α). The small slope keeps
    a unit whose input is negative learning, where a ReLU unit would be "dead". The default
    α = 0.01 is PyTorch's; the teaching notebook plots α = 0.1: ``leaky_relu(x, 0.1)``.

    >>> leaky_relu([-2.0, 3.0], 0.1)
    Tensor([-0.2,  3. ])
    """
    return as_tensor(x).leaky_relu(negative_slope)


def linear(x: Any) -> Tensor:
    """The identity f(x) = x ("no activation"); f′(x) = 1. Range ℝ."""
    return as_tensor(x)


def softmax(x: Any, axis: int = -1) -> Tensor:
    """sᵢ = e^(xᵢ) / Σⱼ e^(xⱼ) along ``axis``: turns scores into probabilities that sum to 1.

    ∂sᵢ/∂xⱼ = sᵢ(δᵢⱼ − sⱼ) (a Jacobian, not an elementwise slope). Range (0, 1) per element;
    computed with the maximum subtracted first, so large scores do not overflow.

    >>> softmax([0.0, 0.0])
    Tensor([0.5, 0.5])
    """
    return as_tensor(x).softmax(axis)


def log_softmax(x: Any, axis: int = -1) -> Tensor:
    """log sᵢ = xᵢ − log Σⱼ e^(xⱼ) along ``axis``, computed stably (no log of a rounded 0).

    ∂ log sᵢ/∂xⱼ = δᵢⱼ − sⱼ. Range (−∞, 0].

    >>> log_softmax([1000.0, 0.0])
    Tensor([    0., -1000.])
    """
    return as_tensor(x).log_softmax(axis)


#: Activations by name, for ``Dense(activation="name")`` and ``get_activation``.
ACTIVATIONS: dict[str, Activation] = {
    "linear": linear,
    "sigmoid": sigmoid,
    "tanh": tanh,
    "relu": relu,
    "leaky_relu": leaky_relu,
    "softmax": softmax,
    "log_softmax": log_softmax,
}


def get_activation(activation: str | Activation | None) -> Activation:
    """The activation function for a name, a callable (returned as is) or None (``linear``).

    >>> get_activation(None) is linear, get_activation("relu") is relu
    (True, True)
    >>> get_activation("swish")
    Traceback (most recent call last):
    ...
    ValueError: unknown activation 'swish'; valid names: leaky_relu, linear, log_softmax, relu, sigmoid, softmax, tanh
    """  # noqa: E501
    if activation is None:
        return linear
    if isinstance(activation, str):
        try:
            return ACTIVATIONS[activation]
        except KeyError:
            valid = ", ".join(sorted(ACTIVATIONS))
            raise ValueError(f"unknown activation {activation!r}; valid names: {valid}") from None
    if callable(activation):
        return activation
    raise TypeError(
        f"activation must be a name, a callable or None, got {type(activation).__name__}"
    )


def _sigmoid_derivative(x: Array) -> Array:
    with np.errstate(over="ignore"):  # e⁻ˣ = inf for x ≪ 0 gives σ = 0: the right limit
        s = 1 / (1 + np.exp(-x))
    return np.asarray(s * (1 - s))


_DERIVATIVES: dict[str, Callable[[Array, float], Array]] = {
    "linear": lambda x, _: np.ones_like(x),
    "sigmoid": lambda x, _: _sigmoid_derivative(x),
    "tanh": lambda x, _: 1 - np.tanh(x) ** 2,
    "relu": lambda x, _: (x > 0).astype(x.dtype),
    "leaky_relu": lambda x, slope: np.where(x > 0, 1.0, slope).astype(x.dtype),
}


def derivative(name: str, x: Any, negative_slope: float = 0.01) -> Array:
    """The analytic derivative f′(x) of an elementwise activation, as a NumPy array (for plots).

    Written out in NumPy from the formulas above, independently of the ops' backward passes, so
    the two can be compared. ``negative_slope`` is α for ``leaky_relu``. Softmax has no
    elementwise derivative (each output depends on every input) and is refused.

    >>> derivative("leaky_relu", [-1.0, 2.0], negative_slope=0.1)
    array([0.1, 1. ])
    """
    if name not in _DERIVATIVES:
        valid = ", ".join(sorted(_DERIVATIVES))
        raise ValueError(
            f"derivative: no elementwise derivative for {name!r}; valid names: {valid}"
        )
    return _DERIVATIVES[name](as_tensor(x).data, negative_slope)
