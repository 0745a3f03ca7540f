"""Every op of the table differentiated twice, in forward mode, and against PyTorch.

* second derivatives (``grad`` of ``grad(create_graph=True)``) equal central differences of the
  first derivatives;
* forward mode agrees with reverse mode, ⟨u, J·v⟩ = ⟨Jᵀ·u, v⟩, and with a central difference
  along v;
* a backward pass recorded as a graph (``create_graph=True``, Tensor arithmetic) gives the same
  first derivatives as the fast array pass — the two executions of each rule agree;
* against PyTorch (float64): double backward, ``torch.func.jvp`` and ``torch.func.hessian``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.op_table import ROWS, OpRow
from tinygrad_edu import Tensor, func, grad, gradgradcheck
from tinygrad_edu.testing import checks

pytestmark = pytest.mark.filterwarnings(
    "ignore:`torch.jit.script` is deprecated:DeprecationWarning"
)
EXAMPLES = settings(max_examples=15, deadline=None)
FEW = settings(max_examples=8, deadline=None)


def _weights(shape: tuple[int, ...], seed: int = 3) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


@pytest.mark.parametrize("row", ROWS, ids=repr)
@EXAMPLES
@given(data=st.data())
def test_second_derivatives_match_central_differences(row: OpRow, data: st.DataObject) -> None:
    arrays, params = data.draw(row.case)
    assert gradgradcheck(lambda *ts: row.fn(*ts, **params), *arrays, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("row", ROWS, ids=repr)
@EXAMPLES
@given(data=st.data())
def test_forward_mode_agrees_with_reverse_mode(row: OpRow, data: st.DataObject) -> None:
    arrays, params = data.draw(row.case)
    checks.check_tangents(lambda *ts: row.fn(*ts, **params), *arrays)


@pytest.mark.parametrize("row", ROWS, ids=repr)
@EXAMPLES
@given(data=st.data())
def test_tangent_is_the_directional_derivative(row: OpRow, data: st.DataObject) -> None:
    arrays, params = data.draw(row.case)
    vs = [_weights(a.shape, seed=i) for i, a in enumerate(arrays)]
    _, tangent = func.jvp(lambda *ts: row.fn(*ts, **params), tuple(arrays), tuple(vs))
    eps = 1e-6
    up = row.fn(*[Tensor(a + eps * v) for a, v in zip(arrays, vs, strict=True)], **params)
    down = row.fn(*[Tensor(a - eps * v) for a, v in zip(arrays, vs, strict=True)], **params)
    np.testing.assert_allclose(
        tangent.data, (up.data - down.data) / (2 * eps), rtol=1e-5, atol=1e-6
    )


@pytest.mark.parametrize("row", ROWS, ids=repr)
@EXAMPLES
@given(data=st.data())
def test_a_recorded_backward_gives_the_same_first_derivatives(
    row: OpRow, data: st.DataObject
) -> None:
    arrays, params = data.draw(row.case)
    fast = [Tensor(a, requires_grad=True) for a in arrays]
    graph = [Tensor(a, requires_grad=True) for a in arrays]
    out_fast, out_graph = row.fn(*fast, **params), row.fn(*graph, **params)
    weights = _weights(out_fast.shape)
    out_fast.backward(weights)
    out_graph.backward(weights, create_graph=True)
    for f, g in zip(fast, graph, strict=True):
        assert (f.grad is None) == (g.grad is None)
        if f.grad is not None:
            assert g.grad_tensor is not None
            np.testing.assert_allclose(g.grad, f.grad, rtol=1e-12, atol=1e-14)
            np.testing.assert_array_equal(g.grad_tensor.data, g.grad)


def _torch_leaves(arrays: list[np.ndarray]) -> list[Any]:
    torch = pytest.importorskip("torch")
    return [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]


@pytest.mark.parametrize("row", ROWS, ids=repr)
@FEW
@given(data=st.data())
def test_double_backward_matches_pytorch(row: OpRow, data: st.DataObject) -> None:
    torch = pytest.importorskip("torch")
    arrays, params = data.draw(row.case)
    ours = [Tensor(a, requires_grad=True) for a in arrays]
    out = row.fn(*ours, **params)
    v, w = _weights(out.shape, 1), [_weights(a.shape, 2 + i) for i, a in enumerate(arrays)]
    firsts = grad(out, ours, v, create_graph=True, allow_unused=True)
    total = sum((g * wk).sum() for g, wk in zip(firsts, w, strict=True) if g is not None)
    seconds = (
        grad(total, ours, allow_unused=True)
        if isinstance(total, Tensor) and total.requires_grad
        else [None] * len(ours)
    )

    leaves = _torch_leaves(arrays)
    t_out = row.torch_fn(*leaves, **params)
    t_firsts = torch.autograd.grad(
        t_out, leaves, torch.as_tensor(v), create_graph=True, allow_unused=True
    )
    t_total = sum(
        (g * torch.as_tensor(wk)).sum() for g, wk in zip(t_firsts, w, strict=True) if g is not None
    )
    t_seconds = (
        torch.autograd.grad(t_total, leaves, allow_unused=True)
        if torch.is_tensor(t_total) and t_total.requires_grad
        else [None] * len(leaves)
    )
    for mine, theirs, a in zip(seconds, t_seconds, arrays, strict=True):
        m = np.zeros_like(a) if mine is None else mine.data
        t = np.zeros_like(a) if theirs is None else theirs.detach().numpy(force=True)
        np.testing.assert_allclose(m, t, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("row", ROWS, ids=repr)
@FEW
@given(data=st.data())
def test_jvp_matches_torch_func(row: OpRow, data: st.DataObject) -> None:
    torch = pytest.importorskip("torch")
    arrays, params = data.draw(row.case)
    vs = [_weights(a.shape, seed=i) for i, a in enumerate(arrays)]
    out, tangent = func.jvp(lambda *ts: row.fn(*ts, **params), tuple(arrays), tuple(vs))
    t_out, t_tangent = torch.func.jvp(
        lambda *ts: row.torch_fn(*ts, **params),
        tuple(torch.as_tensor(a) for a in arrays),
        tuple(torch.as_tensor(v) for v in vs),
    )
    np.testing.assert_allclose(out.data, t_out.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(tangent.data, t_tangent.numpy(), rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("row", ROWS, ids=repr)
@FEW
@given(data=st.data())
def test_hessian_matches_torch_func(row: OpRow, data: st.DataObject) -> None:
    torch = pytest.importorskip("torch")
    arrays, params = data.draw(row.case)
    shape = row.fn(*[Tensor(a) for a in arrays], **params).shape
    w = _weights(shape)
    rest = [Tensor(a) for a in arrays[1:]]
    ours = func.hessian(lambda x: (row.fn(x, *rest, **params) * w).sum())(arrays[0])

    t_rest = [torch.as_tensor(a) for a in arrays[1:]]
    theirs = torch.func.hessian(
        lambda x: (row.torch_fn(x, *t_rest, **params) * torch.as_tensor(w)).sum()
    )(torch.as_tensor(arrays[0]))
    assert ours.shape == arrays[0].shape * 2
    np.testing.assert_allclose(ours.data, theirs.numpy(force=True), rtol=1e-9, atol=1e-11)
