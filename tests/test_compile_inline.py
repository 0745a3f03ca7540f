"""Inlining in ``compile_step``: ops written out in the program, with the eager step's bits.

Every row of the op table is compiled, in float64 and in float32, and checked against eager
(``check=3`` raises on any difference); hand-written cases show what the program says, what is
decided when traced and what is not, and which ops keep their method calls.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.op_table import ROWS, OpRow, parts_as
from tinygrad_edu import Tensor, compile_step
from tinygrad_edu.autograd import Array, Function, Grads, Saved
from tinygrad_edu.losses import binary_cross_entropy, mse
from tinygrad_edu.optim import BatchGD


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("row", ROWS, ids=repr)
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_op_compiles_to_the_eager_bits(
    row: OpRow, dtype: type[np.floating[Any]], data: st.DataObject
) -> None:
    arrays, params = data.draw(row.case)
    ts = [Tensor(a.astype(dtype), requires_grad=True) for a in arrays]
    # (an index or a condition made a Tensor outside the step, as a step's batch would be)
    params = {k: parts_as(Tensor, v) if k in row.tensor_params else v for k, v in params.items()}
    shape = row.fn(*ts, **params).shape
    weights = Tensor(np.linspace(-1.0, 1.0, int(np.prod(shape)), dtype=dtype).reshape(shape))
    step = compile_step(
        lambda: (row.fn(*ts, **params) * weights).sum(), BatchGD(ts, lr=0.01), check=3
    )
    with np.errstate(all="ignore"):
        for _ in range(3):  # a trace, then two replays, each beside the eager step
            step()
    assert step.stats["traces"] == 1 and step.stats["replays"] == 2, step.stats


@pytest.mark.parametrize("row", ROWS, ids=repr)
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_op_compiles_to_the_eager_bits_on_new_inputs_at_every_call(
    row: OpRow, data: st.DataObject
) -> None:
    # The op's arrays are the step's inputs, new values at each call (scaled by 1, 1.1, 0.9),
    # times a parameter s: what the program froze when traced shows as a difference.
    arrays, params = data.draw(row.case)
    params = {k: parts_as(Tensor, v) if k in row.tensor_params else v for k, v in params.items()}
    s = Tensor(np.ones(()), requires_grad=True)
    shape = row.fn(*(Tensor(a) for a in arrays), **params).shape
    weights = Tensor(np.linspace(-1.0, 1.0, int(np.prod(shape))).reshape(shape))

    def fn(*xs: Tensor) -> Tensor:
        return (row.fn(*(x * s for x in xs), **params) * weights).sum()

    step = compile_step(fn, BatchGD([s], lr=1e-3), check=3)
    with np.errstate(all="ignore"):
        for scale in (1.0, 1.1, 0.9):  # (each call beside the eager step, bit for bit)
            step(*(a * scale for a in arrays))
    assert step.stats["traces"] == 1 and step.stats["replays"] == 2, step.stats


def _w1_step() -> Any:
    a, b, c, d = (Tensor(np.linspace(0.1, 0.4, 4) + k, requires_grad=True) for k in range(4))
    step = compile_step(lambda: ((a * b + c).tanh() * d).sum(), BatchGD([a, b, c, d]))
    step()
    return step


def test_simple_ops_are_written_out_as_their_math() -> None:
    code = _w1_step().code
    assert ".forward(" not in code and ".backward(" not in code
    assert "    h3 = np.tanh(h2)  # Tanh\n" in code
    assert "    g_h2 = g_h3 * (one - h3 * h3)\n" in code  # Tanh.backward's own expression, 1 typed
    assert "    g_p0 = g_h1 * p1\n" in code and "    g_p1 = g_h1 * p0\n" in code  # ∂(a·b)


def test_frozen_arithmetic_is_folded_once_and_gives_the_same_bits() -> None:
    w = Tensor([[1.0], [-2.0]], requires_grad=True)
    X, y = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]]), np.ones((4, 1))
    step = compile_step(lambda xb, yb: mse(xb @ w, yb), BatchGD([w], lr=0.01), check=3)
    for _ in range(3):
        step(X, y)
    # ∂L/∂p = (g / n) · 2 · d: with g = 1 (the seed) and n = 4 rows, g / n · 2 = 0.5 always.
    assert "# mse2_k1 = g_loss / mse2_diff.size * 2 = 0.5 (folded when traced)" in step.code
    assert "    g_h1 = mse2_k1 * mse2_diff\n" in step.code  # ∂L/∂p, written straight into g_h1


def test_the_seed_spread_over_a_sum_is_folded_and_never_handed_out() -> None:
    # Sum's backward copies g = 1 (the seed) into the summed shape: the same (4,) ones at every
    # step, so it is made once. A parameter whose gradient it is gets a copy of its own, as the
    # engine's fresh array: changing that .grad in place must not change the next step's.
    p = Tensor([1.0, -2.0, 3.0, 0.5], requires_grad=True)
    step = compile_step(lambda: p.sum(), BatchGD([p]), check=2)
    for _ in range(3):
        step.loss_and_grads()
        assert p.grad is not None and p.grad.flags.writeable
        assert p.grad.tolist() == [1.0, 1.0, 1.0, 1.0]
        p.grad += 5.0
    assert step.stats["replays"] == 2, step.stats
    code = step.code
    assert "# sum1_k1 = _spread(g_loss, (4,), None, False) = an array of shape (4,)" in code
    assert "_spread(" not in code.replace("# sum1_k1 = _spread(", "")  # no call at each step


def test_a_branch_on_shapes_is_decided_when_traced() -> None:
    w = Tensor([0.5, -0.5], requires_grad=True)  # 1-D: MatMul.backward takes its general path
    X = np.array([[1.0, 2.0], [3.0, 4.0]])
    step = compile_step(lambda xb: (xb @ w).sum(), BatchGD([w], lr=0.1), check=3)
    for _ in range(3):
        step(X)
    assert "ndim" not in step.code  # the test ``a.ndim == 2 and b.ndim == 2`` was decided
    assert "np.newaxis" in step.code  # ... for the 1-D path, which is what runs


def test_the_checks_of_a_loss_still_run_in_a_replay() -> None:
    w = Tensor([[1.0], [1.0]], requires_grad=True)
    X = np.array([[0.1, 0.2], [0.3, -0.4]])
    step = compile_step(lambda xb, yb: binary_cross_entropy((xb @ w).sigmoid(), yb), BatchGD([w]))
    step(X, np.array([[0.0], [1.0]]))
    step(X, np.array([[1.0], [0.0]]))
    assert step.stats["replays"] == 1 and "_check_unit_range('y_true'" in step.code
    with pytest.raises(ValueError, match="y_true"):
        step(X, np.array([[2.0], [0.0]]))  # a label outside [0, 1], caught in the replay


@pytest.mark.parametrize(
    ("labels", "made"),
    [
        (
            np.array([1, 0, 1]),
            "    # Targets\n    h2 = yb.reshape((3, 1))\n    h2 = h2.astype(float64)\n",
        ),
        (np.array([1.0, 0.0, 1.0]), "    h2 = yb.reshape((3, 1))  # Targets\n"),
    ],
    ids=["int labels: reshaped and cast", "float labels: reshaped only"],
)
def test_a_loss_makes_its_targets_in_the_program_from_the_batch(
    labels: np.ndarray, made: str
) -> None:
    # (3,) labels for (3, 1) predictions: the loss's ``Targets`` op, written out.
    w = Tensor([[0.5], [0.5]], requires_grad=True)
    X = np.array([[0.1, 0.2], [0.3, -0.4], [0.5, 0.5]])
    step = compile_step(lambda xb, yb: mse(xb @ w, yb), BatchGD([w]))
    for _ in range(2):
        step(X, labels)
    assert made in step.code and "mse3_diff = mse3_d = h1 - h2" in step.code


class _Doubler(Function):
    """A user's op: f(x) = 2x; ∂f/∂x = 2."""

    def forward(self, x: Array) -> Array:
        return 2 * x

    def backward(self, g: Array, saved: Saved) -> Grads:
        return (2 * g,)


class _SignScale(Function):
    """f(x) = 2x if every x > 0, else 3x: a branch on the values, which must not be frozen."""

    __module__ = "tinygrad_edu.ops.example"  # (treated as one of the library's ops)

    def forward(self, x: Array) -> Array:
        self.factor = factor = 2.0 if (x > 0).all() else 3.0
        return factor * x

    def backward(self, g: Array, saved: Saved) -> Grads:
        return (self.factor * g,)


class _EarlyReturn(Function):
    """f(x) = x (a return inside a branch on the values: the inliner keeps the method calls)."""

    __module__ = "tinygrad_edu.ops.example"

    def forward(self, x: Array) -> Array:
        if (x > 0).all():
            return x + 0.0
        return x

    def backward(self, g: Array, saved: Saved) -> Grads:
        return (g,)


def _one_op_step(cls: type[Function], x: Tensor) -> Any:
    return compile_step(lambda: cls.apply(x).sum(), BatchGD([x], lr=0.1), check=4)


def test_a_users_op_keeps_its_method_calls_and_their_checks() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    step = _one_op_step(_Doubler, x)
    step(), step()  # the replay runs the checked backward, which reads the inputs' shapes
    np.testing.assert_allclose(x.data, [0.6, 1.6])  # two steps of lr 0.1 · ∂(2x)/∂x = 0.2
    assert re.search(r"h1 = _doubler1\.forward\(p0\)", step.code)


def test_a_block_that_returns_keeps_the_method_calls() -> None:
    step = _one_op_step(_EarlyReturn, Tensor([1.0, 2.0], requires_grad=True))
    step(), step()
    assert "er1.forward(p0)" in step.code  # (er: _EarlyReturn's initials)


def test_a_branch_on_values_is_copied_not_decided() -> None:
    x = Tensor([0.5, 1.0], requires_grad=True)
    step = _one_op_step(_SignScale, x)
    for _ in range(4):  # lr 0.1, ∂/∂x = 2 while every x > 0: x₀ goes 0.5, 0.3, 0.1, −0.1
        step()
    assert "if (p0 > zero).all() else 3.0" in step.code
    np.testing.assert_allclose(x.data, [-0.4, 0.1])  # the last step took the 3x branch: − 0.3
    assert step.stats["replays"] == 3


class _ReadsItsInput(Function):
    """f(x) = 2x, whose backward reads x through ``self.inputs`` (which a replay cannot give)."""

    def forward(self, x: Array) -> Array:
        return 2 * x

    def backward(self, g: Array, saved: Saved) -> Grads:
        return (g * 2 + 0 * self.inputs[0].data,)


def test_an_op_reading_its_inputs_values_fails_loudly_in_a_replay() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    step = compile_step(lambda: _ReadsItsInput.apply(x).sum(), BatchGD([x], lr=0.1))
    step()  # the trace runs eagerly, with the real inputs
    with pytest.raises(TypeError, match="NoValuesInAReplay"):
        step()  # the replay has only the inputs' shapes: no stale values are read
