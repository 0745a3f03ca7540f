"""A NumPy random generator's position as a small array, so it can be saved and restored.

A seeded run is repeatable only if, when it is stopped and resumed, every random generator
continues exactly where it was: the optimizers' sample order and ``Dropout``'s masks. The
generators are ``np.random.default_rng`` ones (the PCG64 bit generator), whose position is two
128-bit integers (``state`` and ``inc``) and a cached 32-bit half-draw (``has_uint32``,
``uinteger``). ``generator_state`` packs them into six ``uint64`` words, high half first::

    [state >> 64, state & (2⁶⁴ − 1), inc >> 64, inc & (2⁶⁴ − 1), has_uint32, uinteger]

so the position fits an ``.npz`` archive like any other array, and ``set_generator_state`` puts
it back.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> saved = generator_state(rng)
>>> saved.shape, saved.dtype
((6,), dtype('uint64'))
>>> first = rng.random(3)
>>> set_generator_state(rng, saved)
>>> bool((rng.random(3) == first).all())       # the same draws again
True
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "GENERATOR_STATE_SHAPE",
    "check_generator",
    "generator_owners",
    "generator_state",
    "set_generator_state",
]

#: Shape of ``generator_state``'s array (its dtype is uint64).
GENERATOR_STATE_SHAPE = (6,)

#: The objects with a ``generator`` a training step draws from (``Dropout`` layers), held
#: weakly: ``compile_step``'s check mode puts their positions back before the compiled run.
generator_owners: weakref.WeakSet[Any] = weakref.WeakSet()
_WORD = (1 << 64) - 1


def check_generator(owner: str, rng: np.random.Generator) -> np.random.Generator:
    """``rng`` itself if its position can be saved (a PCG64 generator), else a ``ValueError``."""
    kind = type(rng.bit_generator).__name__
    if kind != "PCG64":
        raise ValueError(
            f"{owner}: a generator's position can be saved only for PCG64 (np.random.default_rng); "
            f"this one uses {kind}; pass an int seed instead"
        )
    return rng


def generator_state(rng: np.random.Generator) -> NDArray[np.uint64]:
    """The position of the PCG64 generator ``rng`` as six uint64 words (see the module doc)."""
    state = check_generator("generator_state", rng).bit_generator.state
    s, inc = state["state"]["state"], state["state"]["inc"]
    words = [s >> 64, s & _WORD, inc >> 64, inc & _WORD, state["has_uint32"], state["uinteger"]]
    return np.array(words, dtype=np.uint64)


def set_generator_state(rng: np.random.Generator, words: Any) -> None:
    """Move the PCG64 generator ``rng`` to the position ``words`` (from ``generator_state``)."""
    check_generator("set_generator_state", rng)
    arr = np.asarray(words)
    if arr.shape != GENERATOR_STATE_SHAPE or arr.dtype != np.uint64:
        raise ValueError(
            f"set_generator_state: expected {GENERATOR_STATE_SHAPE[0]} uint64 words, "
            f"got shape {arr.shape}, dtype {arr.dtype}"
        )
    w = [int(x) for x in arr]
    rng.bit_generator.state = {
        "bit_generator": "PCG64",
        "state": {"state": (w[0] << 64) | w[1], "inc": (w[2] << 64) | w[3]},
        "has_uint32": w[4],
        "uinteger": w[5],
    }
