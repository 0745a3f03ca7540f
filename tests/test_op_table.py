"""Every primitive op, driven by the one table in ``op_table``: gradients, dtypes and PyTorch."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.op_table import ROWS, OpRow
from tinygrad_edu import Tensor, gradcheck, ops
from tinygrad_edu.autograd import Function
from tinygrad_edu.gradcheck import analytic_grad

EXAMPLES = settings(max_examples=30, deadline=None)


PRIMITIVES = {
    cls
    for _, cls in inspect.getmembers(ops, inspect.isclass)
    if issubclass(cls, Function) and cls not in (Function, ops.Primitive)
}


def test_every_primitive_has_a_row() -> None:
    covered = {cls for row in ROWS for cls in row.covers}
    missing = sorted(cls.__name__ for cls in PRIMITIVES - covered)
    assert not missing, f"ops without a row in tests/op_table.py: {missing}"


@pytest.mark.parametrize(
    "cls", sorted(PRIMITIVES, key=lambda c: c.__name__), ids=lambda c: c.__name__
)
def test_every_primitive_has_a_tangent_rule_and_a_differentiable_backward(cls: type) -> None:
    assert "jvp" in vars(cls), f"{cls.__name__} has no jvp (forward-mode) rule"
    assert cls.differentiable_backward, f"{cls.__name__}.backward cannot run on Tensors"
    doc = cls.__doc__ or ""
    assert "∂" in doc, f"{cls.__name__}'s docstring does not state its derivative"


@pytest.mark.parametrize("row", ROWS, ids=repr)
@EXAMPLES
@given(data=st.data())
def test_gradient_matches_central_differences(row: OpRow, data: st.DataObject) -> None:
    arrays, params = data.draw(row.case)
    assert gradcheck(lambda *ts: row.fn(*ts, **params), *arrays, atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("row", ROWS, ids=repr)
@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_float32_stays_float32(row: OpRow, data: st.DataObject) -> None:
    arrays, params = data.draw(row.case)
    inputs = [Tensor(a.astype(np.float32), requires_grad=True) for a in arrays]
    out = row.fn(*inputs, **params)
    assert out.dtype == np.float32
    out.backward(np.ones(out.shape, dtype=np.float32))
    for t in inputs:
        assert t.grad is not None and t.grad.dtype == np.float32 and t.grad.shape == t.shape


@pytest.mark.parametrize("row", ROWS, ids=repr)
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_forward_and_gradient_match_pytorch(row: OpRow, data: st.DataObject) -> None:
    torch = pytest.importorskip("torch")
    arrays, params = data.draw(row.case)
    out = row.fn(*[Tensor(a) for a in arrays], **params)
    weights = np.random.default_rng(1).standard_normal(out.shape)
    ours = analytic_grad(lambda *ts: row.fn(*ts, **params), *arrays, grad_output=weights)

    leaves = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    expected = row.torch_fn(*leaves, **params)
    (expected * torch.as_tensor(weights)).sum().backward()

    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    for mine, leaf in zip(ours, leaves, strict=True):
        theirs = np.zeros_like(mine) if leaf.grad is None else leaf.grad.numpy()
        np.testing.assert_allclose(mine, theirs, rtol=1e-10, atol=1e-12)
