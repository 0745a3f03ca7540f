"""Hypothesis strategies shared by the tests: shapes, broadcastable pairs, matmul pairs, values.

Values are kept where finite differences are trustworthy: away from the poles of log, sqrt, div and
pow (``positive``), away from the kinks of relu, abs and leaky_relu (``away_from_zero``), and with
no near-ties for max (``distinct``).
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

Shape = tuple[int, ...]

MAX_DIMS = 3
MAX_SIDE = 4


def shapes(
    min_dims: int = 0, max_dims: int = MAX_DIMS, min_side: int = 1
) -> st.SearchStrategy[Shape]:
    return hnp.array_shapes(
        min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=MAX_SIDE
    )


def broadcastable_pairs() -> st.SearchStrategy[tuple[Shape, Shape]]:
    """Two shapes NumPy can broadcast together, e.g. ((3, 1), (1, 4)) or ((2, 3), (3,))."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=2, min_dims=0, max_dims=MAX_DIMS, min_side=1, max_side=MAX_SIDE
    ).map(lambda bs: (bs.input_shapes[0], bs.input_shapes[1]))


@st.composite
def matmul_pairs(draw: st.DrawFn) -> tuple[Shape, Shape]:
    """Shapes ``a @ b`` accepts: 1-D or 2-D operands, or 3-D with a broadcast batch axis."""
    n, k, m = (draw(st.integers(1, MAX_SIDE)) for _ in range(3))
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


def values(shape: Shape, lo: float = -3.0, hi: float = 3.0) -> st.SearchStrategy[np.ndarray]:
    """Float64 arrays of ``shape`` with elements in [lo, hi]."""
    return hnp.arrays(np.float64, shape, elements=st.floats(lo, hi, allow_nan=False))


def positive(shape: Shape) -> st.SearchStrategy[np.ndarray]:
    """Elements in [0.5, 3]: safe inputs for log, sqrt, 1/x and aᵇ."""
    return values(shape, 0.5, 3.0)


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
def axis_for(draw: st.DrawFn, shape: Shape) -> int | tuple[int, ...] | None:
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
