"""Initialisers: the starting values of a layer's parameters, by name and seeded.

Each is ``(shape, rng) -> array`` with Keras' definition; ``initialize`` turns a name, a number,
an array or such a callable into an array of the wanted shape and dtype.

>>> import numpy as np
>>> initialize("ones", (2, 1), np.random.default_rng(0), "float64")
array([[1.],
       [1.]])
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

Array = NDArray[Any]
Shape = tuple[int, ...]
Initializer = Callable[[Shape, np.random.Generator], Array]


def _fans(shape: Shape) -> tuple[int, int]:
    """(fan_in, fan_out) as Keras counts them: (in, out) for a weight, (n, n) for a vector."""
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = int(np.prod(shape[:-2], dtype=int))
    return shape[-2] * receptive, shape[-1] * receptive


def _truncated_normal(shape: Shape, rng: np.random.Generator, std: float) -> Array:
    """Normal samples cut at ±2σ′ and redrawn, with σ′ chosen so the result has std ``std``.

    Keras' ``TruncatedNormal`` scaling: a normal cut at two standard deviations keeps
    0.87962566103423978 of its standard deviation, so σ′ = std / 0.8796….
    """
    sigma = std / 0.87962566103423978
    out = rng.normal(0.0, sigma, shape)
    outside = np.abs(out) > 2 * sigma
    while outside.any():
        out[outside] = rng.normal(0.0, sigma, int(outside.sum()))
        outside = np.abs(out) > 2 * sigma
    return out


def _glorot_uniform(shape: Shape, rng: np.random.Generator) -> Array:
    limit = np.sqrt(6 / sum(_fans(shape)))
    return rng.uniform(-limit, limit, shape)


def _he_uniform(shape: Shape, rng: np.random.Generator) -> Array:
    limit = np.sqrt(6 / _fans(shape)[0])
    return rng.uniform(-limit, limit, shape)


def _glorot_normal(shape: Shape, rng: np.random.Generator) -> Array:
    return _truncated_normal(shape, rng, np.sqrt(2 / sum(_fans(shape))))


def _he_normal(shape: Shape, rng: np.random.Generator) -> Array:
    return _truncated_normal(shape, rng, np.sqrt(2 / _fans(shape)[0]))


#: Initialisers by name: ``(shape, rng) -> array``, with Keras' definitions.
INITIALIZERS: dict[str, Initializer] = {
    "zeros": lambda shape, rng: np.zeros(shape),
    "ones": lambda shape, rng: np.ones(shape),
    "uniform": lambda shape, rng: rng.uniform(-0.05, 0.05, shape),
    "normal": lambda shape, rng: rng.normal(0.0, 0.05, shape),
    "glorot_uniform": _glorot_uniform,
    "glorot_normal": _glorot_normal,
    "he_uniform": _he_uniform,
    "he_normal": _he_normal,
}


def initialize(
    spec: str | Initializer | float | Any, shape: Shape, rng: np.random.Generator, dtype: Any
) -> Array:
    """An array of ``shape`` and ``dtype`` from a name, a number, an array or ``(shape, rng)``.

    Names (``INITIALIZERS``), as in Keras: ``uniform`` is U(−0.05, 0.05), ``normal`` N(0, 0.05²);
    ``glorot_uniform`` U(−l, l) with l = √(6/(fan_in + fan_out)); ``he_uniform`` l = √(6/fan_in);
    ``glorot_normal`` and ``he_normal`` are **truncated** normals (cut at two σ′ and redrawn)
    whose standard deviation is √(2/(fan_in + fan_out)) and √(2/fan_in). A number fills the
    array; an array is used as is (its shape must be ``shape``).
    """
    if isinstance(spec, str):
        if spec not in INITIALIZERS:
            valid = ", ".join(INITIALIZERS)
            raise ValueError(f"unknown initialiser {spec!r}; valid names: {valid}")
        values = INITIALIZERS[spec](shape, rng)
    elif callable(spec):
        values = np.asarray(spec(shape, rng))
    elif isinstance(spec, numbers.Real):
        values = np.full(shape, float(spec))
    else:
        values = np.asarray(getattr(spec, "data", spec))  # an array, or a Tensor's data
    if values.shape != shape:
        raise ValueError(f"initialiser gave shape {values.shape}, expected {shape}")
    return values.astype(dtype)
