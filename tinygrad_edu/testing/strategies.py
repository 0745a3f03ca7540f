"""Hypothesis strategies for gradient tests: shapes, broadcastable shapes, matmul shapes, arrays.

Values are kept where finite differences are trustworthy, on request: away from the poles of
log, sqrt, 1/x and aᵇ (``positive``), away from kinks such as relu's and abs's at 0
(``arrays(..., away_from=(0,))``, ``away_from_zero``), with no near-ties for max (``distinct``).

>>> from hypothesis import find
>>> find(shapes(min_dims=2), lambda s: True)         # the simplest 2-D shape
(1, 1)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

Shape = tuple[int, ...]
Axis = int | tuple[int, ...] | None

MAX_DIMS = 3
MAX_SIDE = 4

__all__ = [
    "arrays",
    "away_from_zero",
    "axes",
    "broadcastable_shapes",
    "distinct",
    "matmul_shapes",
    "positive",
    "shapes",
]


def shapes(
    min_dims: int = 0, max_dims: int = MAX_DIMS, min_side: int = 1, max_side: int = MAX_SIDE
) -> st.SearchStrategy[Shape]:
    """Array shapes: ``min_dims``..``max_dims`` axes of ``min_side``..``max_side`` each."""
    return hnp.array_shapes(
        min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    )


def broadcastable_shapes(
    num_shapes: int = 2, max_dims: int = MAX_DIMS, max_side: int = MAX_SIDE
) -> st.SearchStrategy[tuple[Shape, ...]]:
    """``num_shapes`` shapes NumPy broadcasts together, e.g. ((3, 1), (1, 4)) or ((2, 3), (3,))."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=num_shapes, min_dims=0, max_dims=max_dims, min_side=1, max_side=max_side
    ).map(lambda bs: tuple(bs.input_shapes))


@st.composite
def matmul_shapes(draw: st.DrawFn, max_side: int = MAX_SIDE) -> tuple[Shape, Shape]:
    """Shapes ``a @ b`` accepts: 1-D or 2-D operands, or 3-D with a broadcast batch axis."""
    n, k, m = (draw(st.integers(1, max_side)) for _ in range(3))
    kind = draw(st.sampled_from(["2d", "vec@mat", "mat@vec", "vec@vec", "batched"]))
    if kind == "vec@mat":
        return (k,), (k, m)
    if kind == "mat@vec":
        return (n, k), (k,)
    if kind == "vec@vec":
        return (k,), (k,)
    if kind == "batched":
        batch = draw(st.integers(1, 3))
        left_batch, right_batch = draw(st.sampled_from([(batch, batch), (batch, 1), (1, batch)]))
        return (left_batch, n, k), (right_batch, k, m)
    return (n, k), (k, m)


def arrays(
    shape: Shape,
    lo: float = -3.0,
    hi: float = 3.0,
    *,
    away_from: Sequence[float] = (),
    gap: float = 0.1,
) -> st.SearchStrategy[np.ndarray]:
    """Float64 arrays of ``shape`` with elements in [lo, hi], each at least ``gap`` from every
    point of ``away_from`` (the kinks or poles of the function under test)."""
    element = st.floats(lo, hi, allow_nan=False, allow_infinity=False)
    if away_from:
        points = tuple(away_from)
        element = element.filter(lambda v: all(abs(v - p) >= gap for p in points))
    return hnp.arrays(np.float64, shape, elements=element)


def positive(shape: Shape) -> st.SearchStrategy[np.ndarray]:
    """Elements in [0.5, 3]: safe inputs for log, sqrt, 1/x and aᵇ."""
    return arrays(shape, 0.5, 3.0)


def away_from_zero(shape: Shape, gap: float = 0.1) -> st.SearchStrategy[np.ndarray]:
    """Elements with |x| in [gap, 3], either sign: no relu/abs kink within a difference step."""
    magnitude = st.floats(gap, 3.0)
    element = st.tuples(st.sampled_from([-1.0, 1.0]), magnitude).map(lambda sm: sm[0] * sm[1])
    return hnp.arrays(np.float64, shape, elements=element)


@st.composite
def distinct(draw: st.DrawFn, shape: Shape) -> np.ndarray:
    """Elements at least 0.25 apart (a shuffled ladder), so max has a unique, stable winner."""
    size = int(np.prod(shape, dtype=int))
    order = draw(st.permutations(range(size)))
    return (np.array(order, dtype=np.float64) * 0.25 - size * 0.125).reshape(shape)


@st.composite
def axes(draw: st.DrawFn, shape: Shape) -> Axis:
    """``None``, one axis (possibly negative) or a tuple of distinct axes of ``shape``."""
    ndim = len(shape)
    if ndim == 0:
        return None
    kind = draw(st.sampled_from(["none", "one", "many"]))
    if kind == "none":
        return None
    if kind == "one":
        return draw(st.integers(-ndim, ndim - 1))
    return tuple(sorted(draw(st.sets(st.integers(0, ndim - 1), min_size=1, max_size=ndim))))
