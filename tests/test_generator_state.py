"""A generator's position saved as six uint64 words and restored: the same draws follow."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_edu.generator_state import generator_state, set_generator_state


@given(seed=st.integers(0, 2**64), draws=st.integers(0, 50), odd=st.booleans())
def test_restoring_the_position_repeats_the_draws(seed: int, draws: int, odd: bool) -> None:
    rng = np.random.default_rng(seed)
    rng.random(draws)
    if odd:  # a single 32-bit draw leaves half a 64-bit word cached (has_uint32 = 1)
        rng.integers(0, 2**31, dtype=np.int32)
    saved = generator_state(rng)
    ahead = (rng.random(5), rng.integers(0, 2**31, size=3, dtype=np.int32), rng.permutation(7))
    other = np.random.default_rng(seed + 1)
    set_generator_state(other, saved)
    again = (
        other.random(5),
        other.integers(0, 2**31, size=3, dtype=np.int32),
        other.permutation(7),
    )
    for a, b in zip(ahead, again, strict=True):
        np.testing.assert_array_equal(a, b)


def test_the_words_are_the_two_128_bit_numbers_high_half_first() -> None:
    rng = np.random.default_rng(0)
    state = rng.bit_generator.state["state"]
    words = generator_state(rng)
    assert (int(words[0]) << 64) | int(words[1]) == state["state"]
    assert (int(words[2]) << 64) | int(words[3]) == state["inc"]


def test_malformed_words_and_other_generators_are_refused() -> None:
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match=re.escape("expected 6 uint64 words, got shape (5,)")):
        set_generator_state(rng, np.zeros(5, dtype=np.uint64))
    with pytest.raises(ValueError, match=re.escape("got shape (6,), dtype float64")):
        set_generator_state(rng, np.zeros(6))
    with pytest.raises(ValueError, match="only for PCG64"):
        generator_state(np.random.Generator(np.random.Philox(0)))
