"""Seeds: a layer's or optimizer's bad seed is refused by name, before NumPy's own message."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_edu import Tensor
from tinygrad_edu.nn import Dense
from tinygrad_edu.optim import Adam, MiniBatchGD, StochasticGD


def params() -> list[Tensor]:
    return [Tensor([1.0], requires_grad=True)]


@pytest.mark.parametrize(
    "make",
    [
        lambda seed: Dense(2, 1, seed=seed),
        lambda seed: MiniBatchGD(params(), lr=0.1, seed=seed),
        lambda seed: StochasticGD(params(), lr=0.1, seed=seed),
        lambda seed: Adam(params(), seed=seed),
    ],
)
def test_a_bad_seed_is_named(make: Any) -> None:
    with pytest.raises(ValueError, match=r": seed must be an int ≥ 0, a numpy.random.Generator"):
        make(-1)
    with pytest.raises(TypeError, match=r"seed must be an int ≥ 0.*got '7'"):
        make("7")
    with pytest.raises(TypeError, match=r"seed must be an int ≥ 0.*got True"):
        make(True)


def test_the_seed_message_names_the_layer() -> None:
    with pytest.raises(ValueError, match=re.escape("Dense(2 → 1): seed must be an int ≥ 0")):
        Dense(2, 1, seed=-1)
    with pytest.raises(ValueError, match=re.escape("MiniBatchGD: seed must be an int ≥ 0")):
        MiniBatchGD(params(), lr=0.1, seed=np.int64(-3))


@given(st.integers(min_value=0, max_value=2**64))
def test_any_non_negative_seed_draws_what_numpy_draws(seed: int) -> None:
    layer = Dense(3, 2, weight_init="normal", seed=np.uint64(seed) if seed < 2**64 else seed)
    expected = np.random.default_rng(seed).normal(0.0, 0.05, size=(3, 2))
    np.testing.assert_array_equal(layer.weight.data, expected)
