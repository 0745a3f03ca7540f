"""The program's cheaper calls for small arrays give NumPy's own bits (``compile.small_arrays``).

Each rewrite is checked against what eager does — ``autograd.unbroadcast``'s sum, NumPy's
broadcasting — on values where bits could differ: signed zeros, a NaN with a payload,
infinities, subnormals.
"""

from __future__ import annotations

import ast
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from tinygrad_edu import Tensor, compile_step, losses
from tinygrad_edu.autograd import Array, Function, Grads, Saved, add_reduce, unbroadcast
from tinygrad_edu.compile import small_arrays
from tinygrad_edu.nn import Dense
from tinygrad_edu.optim import BatchGD, StochasticGD

_NAN_WITH_PAYLOAD = float(np.array([0x7FF8_0000_0000_0123], dtype=np.uint64).view(np.float64)[0])
_SPECIAL = [-0.0, 0.0, _NAN_WITH_PAYLOAD, np.inf, -np.inf, 5e-324, -1.5, 3.0]
_DTYPES = [np.float64, np.float32, np.float16]
_OPS = ["+", "-", "*", "/"]

dims = st.lists(st.integers(1, 3), max_size=3).map(tuple)


@st.composite
def arrays(draw: st.DrawFn, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    values = st.integers(-3, 3) if dtype is np.int64 else st.sampled_from(_SPECIAL)
    size = int(np.prod(shape))
    return np.array(draw(st.lists(values, min_size=size, max_size=size)), dtype).reshape(shape)


@st.composite
def gradients(draw: st.DrawFn) -> tuple[np.ndarray, tuple[int, ...]]:
    """A gradient in a broadcast shape and the shape it goes back to."""
    shape: tuple[int, ...] = draw(dims)
    lead = draw(st.lists(st.integers(1, 2), max_size=2).map(tuple))
    stretched = tuple(draw(st.integers(1, 2)) if n == 1 else n for n in shape)
    gshape = lead + stretched
    assume(gshape != shape)  # (then there is nothing to sum, and no line is written)
    return draw(arrays(gshape, draw(st.sampled_from([*_DTYPES, np.int64])))), shape


def _bits(a: Any) -> tuple[type, str, tuple[int, ...], bytes]:
    return type(a), str(a.dtype), a.shape, a.tobytes()


@given(gradients())
def test_an_unbroadcast_line_gives_the_engines_sum_bit_for_bit(
    case: tuple[np.ndarray, tuple[int, ...]],
) -> None:
    g, shape = case
    line = small_arrays.unbroadcast_line("g", g.shape, shape, g.dtype)
    with np.errstate(all="ignore"):  # (inf + -inf in a sum)
        written = eval(line.split("  #")[0], {"g": g, "add_reduce": add_reduce})
        assert _bits(written) == _bits(unbroadcast(g, shape)), line
    one_each = shape and g.size == int(np.prod(shape)) and g.dtype != np.int64
    assert ("+ 0.0" in line) == bool(one_each), line  # (the sum is skipped only for floats)


def test_a_sum_of_one_element_is_plus_zero_on_this_numpy_and_the_sum_stays_if_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # One element summed: −0.0 comes out +0.0 (NumPy starts its sum at 0.0), as from + 0.0.
    assert np.signbit(add_reduce(np.array([[-0.0]]), axis=0)[0]) == np.False_
    assert small_arrays.SUM_OF_ONE_IS_PLUS_ZERO is True
    assert small_arrays.unbroadcast_line("g", (1, 1), (1,), np.dtype(np.float64)) == (
        "g.reshape((1,)) + 0.0  # (unbroadcast: one element in each sum)"
    )
    monkeypatch.setattr(small_arrays, "SUM_OF_ONE_IS_PLUS_ZERO", False)
    assert small_arrays.unbroadcast_line("g", (1, 1), (1,), np.dtype(np.float64)) == (
        "add_reduce(g, axis=0)  # (the batch axis broadcasting added)"
    )


@st.composite
def operands(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    """Two arrays that broadcast: often the same elements under unit axes ((1, 3) and (3,)),
    sometimes any pair NumPy can broadcast."""
    dtype = draw(st.sampled_from(_DTYPES))
    core: tuple[int, ...] = draw(dims)
    if draw(st.booleans()):
        left = (1,) * draw(st.integers(0, 2)) + core
        right = (1,) * draw(st.integers(0, 2)) + core
    else:
        left = core
        right = tuple(draw(st.sampled_from([1, n])) for n in core)[draw(st.integers(0, 2)) :]
    return draw(arrays(left, dtype)), draw(arrays(right, dtype))


@given(operands(), st.sampled_from(_OPS))
def test_elementwise_arithmetic_on_equal_shapes_gives_numpys_broadcast_bits(
    pair: tuple[np.ndarray, np.ndarray], op: str
) -> None:
    a, b = pair
    node = ast.parse(f"a {op} b", mode="eval").body
    assert isinstance(node, ast.BinOp)
    written = ast.unparse(small_arrays.equal_shapes(node, a.shape, b.shape))
    with np.errstate(all="ignore"):
        expected = eval(f"a {op} b")
        got = eval(written)
    assert _bits(got) == _bits(expected), written
    result = np.broadcast_shapes(a.shape, b.shape)
    rewritten = a.shape != b.shape and a.ndim > 0 and b.ndim > 0 and a.size == b.size
    assert ("reshape" in written) == (rewritten and int(np.prod(result)) == a.size), written


def test_a_batch_of_one_row_neither_broadcasts_nor_sums_and_gives_the_eager_bits() -> None:
    rng = np.random.default_rng(5)
    rows = [(rng.normal(size=(1, 3)), rng.normal(size=(1, 1))) for _ in range(20)]
    runs = []
    for compiled in (False, True):
        model = Dense(3, 1)
        for p, start in zip(model.parameters(), (np.full((3, 1), 0.1), np.zeros(1)), strict=True):
            p.data[...] = start
        opt = StochasticGD(model.parameters(), lr=0.1)
        step = compile_step(lambda x, y: losses.mse(model(x), y), opt)  # noqa: B023
        values = []
        for x, y in rows:
            if compiled:
                values.append(step(x, y))
                continue
            opt.zero_grad()
            loss = losses.mse(model(Tensor(x)), Tensor(y))
            loss.backward()
            opt.step()
            values.append(loss.item())
        runs.append((values, [p.data.tobytes() for p in opt.params], step))
    (eager, eager_params, _), (values, params, step) = runs
    assert values == eager and params == eager_params
    assert step.stats["replays"] == 19
    assert " + p1.reshape((1, 1))  # Add" in step.code  # (1, 1) + (1,): no broadcasting
    assert "g_p1 = g_p1.reshape((1,)) + zero  # (unbroadcast" in step.code  # no sum of one


class _Average(Function):
    """f(a, b) = a + b; ∂f/∂a = ∂f/∂b = 1, here written as n/n with n the number of elements
    (which the program works out when traced, if it knows the sum's shape)."""

    __module__ = "tinygrad_edu.ops.example"  # (treated as one of the library's ops: inlined)

    def forward(self, a: Array, b: Array) -> Array:
        self.total = a + b
        return self.total

    def backward(self, g: Array, saved: Saved) -> Grads:
        scale = self.total.size / self.total.size
        return g * scale, g * scale


def test_a_reshaped_operand_keeps_its_shape_known_so_sizes_are_still_worked_out_once() -> None:
    a = Tensor(np.array([[2.0]]), requires_grad=True)
    b = Tensor(np.array([-0.0]), requires_grad=True)
    step = compile_step(lambda: _Average.apply(a, b).sum(), BatchGD([a, b], lr=0.5), check=3)
    np.testing.assert_array_equal([step() for _ in range(3)], [2.0, 1.0, 0.0])  # ∂/∂a = ∂/∂b = 1
    assert "    _average1_total = p0 + p1.reshape((1, 1))\n" in step.code
    assert "    g_p0 = g_h1 * one\n" in step.code and ".size" not in step.code  # n/n = 1, folded
