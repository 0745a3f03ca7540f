"""The engine by example: the chain rule, broadcasting, diamonds, deep chains, grad modes."""

from __future__ import annotations

import gc
import math
import sys
import weakref
from typing import Any

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_edu import Tensor, autograd, enable_grad, gradcheck, is_grad_enabled, no_grad
from tinygrad_edu.autograd import Array, Function, Grads, unbroadcast
from tinygrad_edu.testing.strategies import Shape, broadcastable_shapes


def test_diamond_accumulates_both_paths() -> None:
    # b = a + a uses a twice; c = b·b. dc/da = 2b · 2 = 8a: both paths must add up.
    a = Tensor([1.0, -2.0, 3.0], requires_grad=True)
    b = a + a
    c = b * b
    c.backward(np.ones(3))
    np.testing.assert_array_equal(a.grad, [8.0, -16.0, 24.0])


def test_chain_rule_on_a_neuron_by_hand() -> None:
    # y = σ(w·x + b) with w = 2, x = 3, b = −5: z = 1, y = σ(1), dy/dw = σ(1)(1 − σ(1))·x.
    w, x, b = Tensor(2.0, requires_grad=True), Tensor(3.0), Tensor(-5.0, requires_grad=True)
    y = (w * x + b).sigmoid()
    y.backward()
    s = 1 / (1 + math.exp(-1.0))
    assert y.item() == pytest.approx(s, rel=1e-15)
    assert w.grad == pytest.approx(s * (1 - s) * 3.0, rel=1e-15)
    assert b.grad == pytest.approx(s * (1 - s), rel=1e-15)
    assert x.grad is None  # x does not require grad


def test_broadcast_gradients_take_the_inputs_shapes() -> None:
    a = Tensor(np.arange(3.0).reshape(3, 1), requires_grad=True)
    b = Tensor(np.arange(4.0).reshape(1, 4), requires_grad=True)
    (a + b).sum().backward()
    assert a.grad is not None and b.grad is not None
    assert a.grad.shape == (3, 1) and b.grad.shape == (1, 4)
    np.testing.assert_array_equal(a.grad, np.full((3, 1), 4.0))  # each a[i] met 4 columns
    np.testing.assert_array_equal(b.grad, np.full((1, 4), 3.0))  # each b[j] met 3 rows


def test_unbroadcast_sums_new_leading_axes_and_stretched_ones() -> None:
    g = np.ones((2, 3, 4))
    np.testing.assert_array_equal(unbroadcast(g, (4,)), np.full(4, 6.0))
    np.testing.assert_array_equal(unbroadcast(g, (3, 1)), np.full((3, 1), 8.0))
    np.testing.assert_array_equal(unbroadcast(g, ()), np.array(24.0))


@settings(max_examples=200, deadline=None)
@given(pair=broadcastable_shapes(), data=st.data())
def test_unbroadcast_is_the_adjoint_of_broadcasting(pair: tuple[Shape, Shape], data: Any) -> None:
    # Summing back is the transpose of copying out: <unbroadcast(g), v> = <g, broadcast(v)>
    # for every v. Integers keep both sides exact, so any reordering of the sum would still pass
    # but a wrong axis would not.
    shape, other = pair
    out_shape = np.broadcast_shapes(shape, other)
    g = data.draw(hnp.arrays(np.int64, out_shape, elements=st.integers(-9, 9)))
    v = data.draw(hnp.arrays(np.int64, shape, elements=st.integers(-9, 9)))
    back = unbroadcast(g, shape)
    assert isinstance(back, np.ndarray) and back.shape == shape
    assert (back * v).sum() == (g * np.broadcast_to(v, out_shape)).sum()


def test_chain_of_100_000_ops_backpropagates_without_recursion_error() -> None:
    assert sys.getrecursionlimit() <= 10_000  # the default limit, not raised for the test
    x = Tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.00001
    y.backward()
    assert x.grad == pytest.approx(1.00001**100_000, rel=1e-9)
    del y  # freeing the deep graph must not overflow the C stack either
    gc.collect()


def test_ops_are_numbered_in_creation_order_so_outputs_come_after_inputs() -> None:
    a = Tensor(2.0, requires_grad=True)
    b = a * 3
    c = b + a
    assert c.grad_fn is not None and b.grad_fn is not None
    assert c.grad_fn.seq > b.grad_fn.seq


def test_backward_takes_the_newest_node_first_so_shares_are_complete() -> None:
    # d = (a·2) + (a·2)·3: the node m = a·2 feeds two consumers; it must run after both.
    a = Tensor(1.5, requires_grad=True)
    m = a * 2
    d = m + m * 3
    seen: list[tuple[str, float]] = []

    def hook(node: Any, upstream: Any, grads: Any) -> None:
        seen.append((node.grad_fn.name, float(upstream)))

    autograd.backward(d, np.ones(()), hook)
    assert seen == [("Add", 1.0), ("Mul", 1.0), ("Mul", 4.0)]  # m gets 1 + 3 before it runs
    assert a.grad == 8.0


def test_leaf_gradients_accumulate_across_backward_calls() -> None:
    w = Tensor([1.0, 2.0], requires_grad=True)
    for _ in range(3):
        (w * w).sum().backward()
    np.testing.assert_array_equal(w.grad, 3 * 2 * np.array([1.0, 2.0]))
    w.zero_grad()
    assert w.grad is None


def test_second_backward_through_the_same_graph_works_like_retain_graph() -> None:
    # The graph is kept: a second backward repeats the pass and accumulates (PyTorch's
    # retain_graph=True behaviour), and intermediate buffers are not corrupted by the first.
    w = Tensor([0.5, -1.5], requires_grad=True)
    loss = (w.sigmoid() * w).sum()
    loss.backward()
    first = w.grad.copy()  # type: ignore[union-attr]
    loss.backward()
    np.testing.assert_array_equal(w.grad, 2 * first)


def test_gradient_arrays_are_not_shared_between_leaves() -> None:
    # Add hands the same upstream array to both inputs; leaves must still own their .grad.
    a, b = Tensor([1.0], requires_grad=True), Tensor([2.0], requires_grad=True)
    (a + b).sum().backward()
    assert a.grad is not None and b.grad is not None
    a.grad += 10
    assert b.grad[0] == 1.0


def test_intermediate_grads_only_on_request() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    kept = (x * 2).retain_grad()
    (h.sum() + (kept * kept).sum()).backward()
    assert h.grad is None
    np.testing.assert_array_equal(kept.grad, [4.0, 8.0])  # d(k²)/dk = 2k


def test_no_grad_records_nothing_and_restores_the_mode() -> None:
    w = Tensor([1.0], requires_grad=True)
    with no_grad():
        assert not is_grad_enabled()
        y = w * 2
        with enable_grad():
            z = w * 2
    assert is_grad_enabled()
    assert y.grad_fn is None and not y.requires_grad
    assert z.grad_fn is not None


def test_no_grad_works_as_a_decorator() -> None:
    @no_grad()
    def double(t: Tensor) -> Tensor:
        return t * 2

    assert double(Tensor([1.0], requires_grad=True)).grad_fn is None


def test_detach_stops_the_gradient() -> None:
    w = Tensor([3.0], requires_grad=True)
    (w * w.detach()).sum().backward()
    np.testing.assert_array_equal(w.grad, [3.0])  # only the non-detached factor counts


def test_ops_skip_gradients_of_inputs_that_need_none() -> None:
    x = Tensor(np.ones((4, 3)))
    w = Tensor(np.ones((3, 2)), requires_grad=True)
    out = x @ w
    assert out.grad_fn is not None and out.grad_fn.needs_grad == (False, True)
    grads = out.grad_fn.grads(np.ones((4, 2)))
    assert grads[0] is None and grads[1] is not None


def test_graph_is_freed_when_the_output_is_dropped() -> None:
    w = Tensor(np.ones(3), requires_grad=True)
    hidden = (w * 2).sigmoid()
    probe = weakref.ref(hidden)
    loss = hidden.sum()
    loss.backward()
    del hidden, loss
    gc.collect()
    assert probe() is None


@pytest.mark.parametrize("x", [1e4, -1e4])
def test_activations_at_extremes_are_finite_without_warnings(x: float) -> None:
    # pytest turns RuntimeWarning (overflow) into an error for the whole suite.
    t = Tensor([x, 0.0], requires_grad=True)
    s = t.sigmoid()
    assert s.data[0] == (1.0 if x > 0 else 0.0)
    th = t.tanh()
    assert th.data[0] == (1.0 if x > 0 else -1.0)
    ls = t.log_softmax()
    assert np.all(np.isfinite(ls.data))
    assert ls.data[np.argmax([x, 0.0])] == 0.0  # the winner has probability 1, log 1 = 0
    (s.sum() + th.sum() + ls.sum()).backward()
    assert np.all(np.isfinite(t.grad))  # type: ignore[arg-type]


def test_max_shares_the_gradient_between_ties() -> None:
    x = Tensor([1.0, 3.0, 3.0], requires_grad=True)
    x.max().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.5, 0.5])


def test_repeated_integer_indices_accumulate() -> None:
    x = Tensor([10.0, 20.0, 30.0], requires_grad=True)
    x[[0, 0, 2]].sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 0.0, 1.0])


def test_relu_gradient_at_zero_is_zero() -> None:
    x = Tensor([-1.0, 0.0, 2.0], requires_grad=True)
    x.relu().sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 1.0])


def test_clip_passes_no_gradient_outside_its_range() -> None:
    p = Tensor([0.0, 0.5, 1.0], requires_grad=True)
    p.clip(1e-15, 1 - 1e-15).sum().backward()
    np.testing.assert_array_equal(p.grad, [0.0, 1.0, 0.0])


def test_relu_of_a_negative_is_plus_zero() -> None:
    # −0.0 == 0.0, but a learner reading Tensor([-0.]) would rightly be puzzled.
    out = Tensor([-2.0, 3.0]).relu()
    assert not np.signbit(out.data[0]) and repr(out) == "Tensor([0., 3.])"


def test_scalar_tensors_hold_arrays_not_numpy_scalars() -> None:
    # NumPy turns 0-d results into np.float64; the contract says .data and .grad are ndarrays.
    x = Tensor(3.0, requires_grad=True)
    y = x * x + x
    y.backward()
    assert type(y.data) is np.ndarray and y.data.shape == ()
    assert type(x.grad) is np.ndarray and float(x.grad) == 7.0  # d(x² + x)/dx = 2x + 1


def test_a_backward_that_returns_too_few_gradients_is_named() -> None:
    class HalfDone(Function):
        """f(a, b) = a + b, with a backward that forgets b's gradient."""

        def forward(self, a: Array, b: Array) -> Array:
            return a + b

        def backward(self, g: Array) -> Grads:
            return (g,)

    a, b = Tensor([1.0], requires_grad=True), Tensor([2.0], requires_grad=True)
    out = Tensor._from_op(HalfDone(), a, b)
    with pytest.raises(TypeError, match=r"HalfDone\.backward returned 1 gradients for 2 inputs"):
        out.sum().backward()


class Scale(Function):
    """f(x) = k·x with a fixed k;  ∂f/∂x = k: the gradient is the saved array itself when g = 1."""

    def __init__(self, k: Array, keep: bool) -> None:
        self.k, self.keep = k, keep
        self.made: list[weakref.ref[Array]] = []

    def forward(self, x: Array) -> Array:
        return self.k * x

    def backward(self, g: Array) -> Grads:
        if self.keep:  # hand back an array this op still holds
            return (self.k,)
        fresh = g * self.k
        self.made.append(weakref.ref(fresh))
        return (fresh,)


def test_a_gradient_nobody_else_holds_becomes_grad_without_a_copy() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    op = Scale(np.array([3.0, 4.0]), keep=False)
    Tensor._from_op(op, x).backward(np.ones(2))
    assert x.grad is op.made[0]()  # kept, as PyTorch keeps it: no copy of a big weight gradient


def test_a_gradient_an_op_still_holds_is_copied() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    op = Scale(np.array([3.0, 4.0]), keep=True)
    out = Tensor._from_op(op, x)
    out.backward(np.ones(2))
    assert x.grad is not op.k
    out.backward(np.ones(2))  # accumulates in place into x.grad: the op's k must not change
    np.testing.assert_array_equal(op.k, [3.0, 4.0])
    np.testing.assert_array_equal(x.grad, [6.0, 8.0])


# ------------------------------------------------------- random graphs: order and accumulation
_STEPS = st.lists(
    st.tuples(
        st.sampled_from(["add", "sub", "mul", "tanh", "sigmoid"]),
        st.integers(0, 99),
        st.integers(0, 99),
    ),
    min_size=1,
    max_size=12,
)


def _program(steps: list[tuple[str, int, int]]) -> Any:
    """A function of three tensors that runs ``steps``; each step reads two earlier values
    (picked modulo how many there are), so values get reused: diamonds, long and short paths
    to the same node, values nobody uses. The result sums the last value and the first one."""

    def fn(a: Tensor, b: Tensor, c: Tensor) -> Tensor:
        values = [a, b, c]
        for op, i, j in steps:
            x, y = values[i % len(values)], values[j % len(values)]
            if op == "add":
                values.append(x + y)
            elif op == "sub":
                values.append(x - y)
            elif op == "mul":
                values.append(x * y)
            else:
                values.append(getattr(x, op)())
        return values[-1].sum() + values[3].sum()

    return fn


@settings(max_examples=80, deadline=None)
@given(steps=_STEPS, data=st.data())
def test_random_graphs_get_the_gradients_of_central_differences(
    steps: list[tuple[str, int, int]], data: Any
) -> None:
    inputs = [data.draw(hnp.arrays(np.float64, (3,), elements=st.floats(-1.5, 1.5))) for _ in "abc"]
    assert gradcheck(_program(steps), *inputs, atol=1e-6, rtol=1e-5)


@settings(max_examples=80, deadline=None)
@given(steps=_STEPS)
def test_backward_visits_each_node_once_after_all_its_consumers(
    steps: list[tuple[str, int, int]],
) -> None:
    # Gradients alone cannot show the order: backward is linear, so a node run too early and
    # again later would still add up right. The hook sees every step.
    leaves = [Tensor(np.linspace(-1, 1, 3) * k, requires_grad=True) for k in (1, 2, 3)]
    loss = _program(steps)(*leaves)
    ran: list[Any] = []
    autograd.backward(loss, np.ones(()), lambda node, g, grads: ran.append(node))
    assert len(ran) == len({id(node) for node in ran})  # once each
    position = {id(node): k for k, node in enumerate(ran)}
    for node in ran:  # every consumer of an interior node ran before it
        for parent in node.grad_fn.inputs:
            if id(parent) in position:
                assert position[id(parent)] > position[id(node)]
