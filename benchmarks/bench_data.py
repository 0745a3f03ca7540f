"""Inputs of the workloads: sizes, seeded synthetic data, initial weights and sample orders.

Everything is generated here from fixed seeds, once, and handed to every implementation, so they
all start from the same numbers and visit the samples in the same order — which is what makes
their results comparable to a tight tolerance.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]
Ints = NDArray[np.intp]
Batch = Ints | slice

SEED = 20240617


#: tinygrad_edu's eager targets (time ÷ hand-written NumPy's), as in the design document.
TARGETS = {
    "W1": 3.0,
    "W2": 2.0,
    "W3b": 2.5,
    "W3s": 5.0,
    "W3m": 2.5,
    "W4": 1.4,
    "W5": 1.05,
    "W6": 3.0,
    "W7": 1.5,
}
#: DESIGN §6 targets for the compiled step (``compile_step``), where one is set.
COMPILED_TARGETS = {"W1": 2.0, "W2": 1.5, "W3b": 2.0, "W3s": 3.0, "W3m": 2.0, "W4": 1.25}


@dataclass(frozen=True)
class Sizes:
    """How much work each workload does (``full`` for measuring, ``quick`` for the smoke test)."""

    w1_iterations: int
    w2_epochs: int
    w3_batch_epochs: int
    w3_sgd_steps: int
    w3_minibatch_epochs: int
    w4_epochs: int
    w4_samples: int | None  # None: all 1797 digits
    w5_layers: tuple[int, ...]
    w5_batch: int
    w5_steps: int
    w6_statements: int

    @staticmethod
    def full() -> Sizes:
        return Sizes(2000, 1000, 500, 10_000, 100, 5, None, (784, 512, 512, 10), 256, 50, 10_000)

    @staticmethod
    def quick() -> Sizes:
        # W6 keeps 600 statements (1,200 nodes): deep enough for micrograd's RecursionError.
        return Sizes(20, 20, 20, 100, 5, 1, 160, (784, 32, 32, 10), 16, 3, 600)


def w1_inputs() -> tuple[F64, F64, F64, F64]:
    """Four 4-element float64 arrays a, b, c, d."""
    rng = np.random.default_rng(SEED)
    a, b, c, d = rng.uniform(-1.0, 1.0, size=(4, 4))
    return a.copy(), b.copy(), c.copy(), d.copy()


def insurance() -> tuple[F64, F64]:
    """10 × 2 inputs [age/100, affordability ∈ {0, 1}] and 0/1 targets "bought insurance".

    Older people and those who can afford it buy more often; both classes always occur.
    """
    rng = np.random.default_rng(SEED + 2)
    ages = rng.integers(18, 66, size=10).astype(np.float64)
    afford = rng.integers(0, 2, size=10).astype(np.float64)
    score = (ages - 40.0) / 8.0 + 1.5 * (afford - 0.5) + rng.normal(0.0, 1.0, size=10)
    y = (score > 0).astype(np.float64)
    y[np.argmin(ages)], y[np.argmax(ages)] = 0.0, 1.0
    return np.column_stack([ages / 100.0, afford]), y


def home_prices() -> tuple[F64, F64]:
    """20 × 2 min-max scaled [area, bedrooms] and min-max scaled prices."""
    rng = np.random.default_rng(SEED + 3)
    area = rng.integers(800, 4200, size=20).astype(np.float64)
    bedrooms = np.clip(np.round(area / 900.0 + rng.normal(0.0, 0.6, size=20)), 1, 5)
    price = 30.0 + 0.09 * area + 8.0 * bedrooms + rng.normal(0.0, 12.0, size=20)
    X = np.column_stack([area, bedrooms])
    X = (X - X.min(axis=0)) / (X.max(axis=0) - X.min(axis=0))
    y = (price - price.min()) / (price.max() - price.min())
    return X, y


def stochastic_order(n: int, steps: int) -> list[int]:
    """One sample per step, drawn uniformly with replacement (the notebook's SGD)."""
    rng = np.random.default_rng(SEED + 4)
    return [int(i) for i in rng.integers(0, n, size=steps)]


def minibatch_order(n: int, batch: int, epochs: int, seed: int = SEED + 5) -> list[Ints]:
    """Each epoch a fresh permutation of the n samples, cut into chunks of ``batch``."""
    rng = np.random.default_rng(seed)
    order: list[Ints] = []
    for _ in range(epochs):
        perm = rng.permutation(n)
        order.extend(perm[i : i + batch] for i in range(0, n, batch))
    return order


def digits(samples: int | None) -> tuple[F64, Ints]:
    """scikit-learn's 8 × 8 digits (1,797 images, offline), pixels scaled to [0, 1]."""
    from sklearn.datasets import load_digits

    data = load_digits()
    X = np.asarray(data.data, dtype=np.float64) / 16.0
    y = np.asarray(data.target, dtype=np.intp)
    return (X, y) if samples is None else (X[:samples].copy(), y[:samples].copy())


def random_classification(
    n: int, features: int, classes: int, dtype: type[np.floating] = np.float32
) -> tuple[NDArray[np.floating], Ints]:
    """Standard-normal inputs of ``dtype`` and uniformly random class labels."""
    rng = np.random.default_rng(SEED + 6)
    X = rng.standard_normal((n, features), dtype=np.float32).astype(dtype, copy=False)
    return X, rng.integers(0, classes, size=n).astype(np.intp)


def mlp_weights(
    layers: tuple[int, ...], dtype: type[np.floating], seed: int
) -> list[NDArray[np.floating]]:
    """He-normal weights (fan_in, fan_out) and zero biases: [W1, b1, W2, b2, …]."""
    rng = np.random.default_rng(seed)
    params: list[NDArray[np.floating]] = []
    for fan_in, fan_out in itertools.pairwise(layers):
        w = rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))
        params += [w.astype(dtype), np.zeros(fan_out, dtype=dtype)]
    return params
