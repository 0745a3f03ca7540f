"""One table of activations and losses, reused by the value, gradient and PyTorch tests.

Each row names a function, a strategy drawing its input arrays, the function itself, the
textbook formula written out in NumPy (the expected values) and the same call in
``torch.nn.functional``. ``differentiable`` is how many leading inputs take a gradient (labels of
``cross_entropy`` do not). The ``check_*`` helpers are the tests; ``test_activations.py`` and
``test_losses.py`` run them over their half of the table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinygrad_edu import Tensor, gradcheck, losses
from tinygrad_edu import activations as A
from tinygrad_edu.gradcheck import analytic_grad
from tinygrad_edu.testing import strategies as S

Arrays = list[np.ndarray]


@dataclass(frozen=True)
class FnRow:
    name: str
    case: st.SearchStrategy[Arrays]
    fn: Callable[..., Tensor]
    reference: Callable[..., np.ndarray]
    torch_fn: Callable[..., Any]
    differentiable: int = 1

    def __repr__(self) -> str:
        return self.name


def _F() -> Any:
    return pytest.importorskip("torch").nn.functional


# -------------------------------------------------------------------- the textbook formulas
def np_sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def np_log_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    return np.log(np.exp(x) / np.exp(x).sum(axis=axis, keepdims=True))


def _as(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Targets in the predictions' shape: the (n,) ↔ (n, 1) rule, written out."""
    return y.reshape(p.shape)


# ------------------------------------------------------------------------------- strategies
def _one(make: Callable[[S.Shape], st.SearchStrategy[np.ndarray]]) -> st.SearchStrategy[Arrays]:
    return S.shapes().flatmap(make).map(lambda x: [x])


@st.composite
def _with_axis(draw: st.DrawFn) -> Arrays:
    shape = draw(S.shapes(min_dims=1))
    return [draw(S.arrays(shape)), np.array(draw(st.integers(-len(shape), len(shape) - 1)))]


@st.composite
def _loss_shapes(draw: st.DrawFn) -> tuple[S.Shape, S.Shape]:
    """(y_pred shape, y_true shape): equal, or (n, 1) against (n,) either way round."""
    n, k = draw(st.integers(1, 5)), draw(st.integers(2, 3))
    return draw(
        st.sampled_from(
            [((n,), (n,)), ((n, 1), (n, 1)), ((n, k), (n, k)), ((n, 1), (n,)), ((n,), (n, 1))]
        )
    )


@st.composite
def _regression(draw: st.DrawFn, gap: float) -> Arrays:
    """y_true, and y_pred at least ``gap`` away from it (mae's kink is at y_pred = y_true)."""
    pred_shape, true_shape = draw(_loss_shapes())
    y_true = draw(S.arrays(true_shape))
    offset = draw(S.away_from_zero(pred_shape, gap) if gap else S.arrays(pred_shape))
    return [y_true.reshape(pred_shape) + offset, y_true]


@st.composite
def _labels01(draw: st.DrawFn, shape: S.Shape) -> np.ndarray:
    """Hard 0/1 labels or soft labels in [0, 1]."""
    if draw(st.booleans()):
        return draw(hnp.arrays(np.float64, shape, elements=st.sampled_from([0.0, 1.0])))
    return draw(S.arrays(shape, 0.0, 1.0))


@st.composite
def _probabilities(draw: st.DrawFn) -> Arrays:
    """Predictions and soft labels inside (0, 1): a difference step must stay in [0, 1], where
    the log loss is defined (outside it refuses, as PyTorch's does)."""
    pred_shape, true_shape = draw(_loss_shapes())
    return [draw(S.arrays(pred_shape, 0.05, 0.95)), draw(S.arrays(true_shape, 0.01, 0.99))]


@st.composite
def _logits(draw: st.DrawFn) -> Arrays:
    pred_shape, true_shape = draw(_loss_shapes())
    return [draw(S.arrays(pred_shape)), draw(_labels01(true_shape))]


@st.composite
def _class_ids(draw: st.DrawFn) -> Arrays:
    n, c = draw(st.integers(1, 5)), draw(st.integers(2, 4))
    ids = draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, c - 1)))
    return [draw(S.arrays((n, c))), ids]


@st.composite
def _class_probabilities(draw: st.DrawFn) -> Arrays:
    """Rows of probabilities, or of any non-negative weights (PyTorch allows both)."""
    n, c = draw(st.integers(1, 5)), draw(st.integers(2, 4))
    weights = draw(S.arrays((n, c), 0.1, 1.0))
    if draw(st.booleans()):
        weights = weights / weights.sum(axis=1, keepdims=True)
    return [draw(S.arrays((n, c))), weights]


# ------------------------------------------------------------------------------------ rows
ACTIVATION_ROWS: list[FnRow] = [
    FnRow("sigmoid", _one(S.arrays), A.sigmoid, np_sigmoid, lambda x: _F().sigmoid(x)),
    FnRow("tanh", _one(S.arrays), A.tanh, lambda x: np.tanh(x), lambda x: _F().tanh(x)),
    FnRow(
        "relu", _one(S.away_from_zero), A.relu, lambda x: np.maximum(x, 0), lambda x: _F().relu(x)
    ),
    FnRow(
        "leaky_relu",
        _one(S.away_from_zero),
        A.leaky_relu,
        lambda x: np.where(x > 0, x, 0.01 * x),
        lambda x: _F().leaky_relu(x),
    ),
    FnRow(
        "leaky_relu_0.1",
        _one(S.away_from_zero),
        lambda x: A.leaky_relu(x, negative_slope=0.1),
        lambda x: np.where(x > 0, x, 0.1 * x),
        lambda x: _F().leaky_relu(x, 0.1),
    ),
    FnRow("linear", _one(S.arrays), A.linear, lambda x: x, lambda x: x * 1),
    FnRow(
        "softmax",
        _with_axis(),
        lambda x, axis: A.softmax(x, axis=int(axis)),
        lambda x, axis: np.exp(x) / np.exp(x).sum(axis=int(axis), keepdims=True),
        lambda x, axis: _F().softmax(x, dim=int(axis)),
    ),
    FnRow(
        "log_softmax",
        _with_axis(),
        lambda x, axis: A.log_softmax(x, axis=int(axis)),
        lambda x, axis: np_log_softmax(x, int(axis)),
        lambda x, axis: _F().log_softmax(x, dim=int(axis)),
    ),
]

LOSS_ROWS: list[FnRow] = [
    FnRow(
        "mae",
        _regression(gap=0.1),
        losses.mae,
        lambda p, y: np.mean(np.abs(p - _as(y, p))),
        lambda p, y: _F().l1_loss(p, y.reshape(p.shape)),
        differentiable=2,
    ),
    FnRow(
        "mse",
        _regression(gap=0.0),
        losses.mse,
        lambda p, y: np.mean((p - _as(y, p)) ** 2),
        lambda p, y: _F().mse_loss(p, y.reshape(p.shape)),
        differentiable=2,
    ),
    FnRow(
        "binary_cross_entropy",
        _probabilities(),
        losses.binary_cross_entropy,
        lambda p, y: -np.mean(_as(y, p) * np.log(p) + (1 - _as(y, p)) * np.log(1 - p)),
        lambda p, y: _F().binary_cross_entropy(p, y.reshape(p.shape)),
        differentiable=2,
    ),
    FnRow(
        "binary_cross_entropy_with_logits",
        _logits(),
        losses.binary_cross_entropy_with_logits,
        lambda z, y: (
            -np.mean(
                _as(y, z) * np.log(np_sigmoid(z)) + (1 - _as(y, z)) * np.log(1 - np_sigmoid(z))
            )
        ),
        lambda z, y: _F().binary_cross_entropy_with_logits(z, y.reshape(z.shape)),
        differentiable=2,
    ),
    FnRow(
        "cross_entropy",
        _class_ids(),
        losses.cross_entropy,
        lambda z, ids: -np.mean(np_log_softmax(z, 1)[np.arange(len(ids)), ids]),
        lambda z, ids: _F().cross_entropy(z, ids),
    ),
    FnRow(
        "cross_entropy_probabilities",
        _class_probabilities(),
        losses.cross_entropy,
        lambda z, y: -np.mean((y * np_log_softmax(z, 1)).sum(axis=1)),
        lambda z, y: _F().cross_entropy(z, y),
        differentiable=2,
    ),
]


# ----------------------------------------------------------------------------- the checks
def _split(row: FnRow, arrays: Arrays) -> tuple[Arrays, Arrays]:
    return arrays[: row.differentiable], arrays[row.differentiable :]


def check_value(row: FnRow, arrays: Arrays) -> None:
    """The function on Tensors equals the textbook formula in NumPy."""
    diff, rest = _split(row, arrays)
    out = row.fn(*[Tensor(a) for a in diff], *rest)
    expected = np.asarray(row.reference(*arrays))
    assert isinstance(out, Tensor) and out.shape == expected.shape
    np.testing.assert_allclose(out.data, expected, rtol=1e-10, atol=1e-12)


def check_gradient(row: FnRow, arrays: Arrays) -> None:
    """backward agrees with central differences for every differentiable input."""
    diff, rest = _split(row, arrays)
    assert gradcheck(lambda *ts: row.fn(*ts, *rest), *diff, atol=1e-6, rtol=1e-5)


def check_float32(row: FnRow, arrays: Arrays) -> None:
    """float32 inputs give a float32 result and float32 gradients."""
    diff, rest = _split(row, arrays)
    inputs = [Tensor(a.astype(np.float32), requires_grad=True) for a in diff]
    out = row.fn(*inputs, *rest)
    assert out.dtype == np.float32
    out.backward(np.ones(out.shape, dtype=np.float32))
    for t in inputs:
        assert t.grad is not None and t.grad.dtype == np.float32 and t.grad.shape == t.shape


def check_against_pytorch(row: FnRow, arrays: Arrays) -> None:
    """Value and gradient of the first input match torch.nn.functional in float64."""
    torch = pytest.importorskip("torch")
    diff, rest = _split(row, arrays)
    out = row.fn(*[Tensor(a) for a in diff], *rest)
    weights = np.random.default_rng(1).standard_normal(out.shape)
    ours = analytic_grad(lambda *ts: row.fn(*ts, *rest), *diff, grad_output=weights)[0]

    first = torch.tensor(arrays[0], dtype=torch.float64, requires_grad=True)
    others = [torch.as_tensor(a) for a in arrays[1:]]
    expected = row.torch_fn(first, *others)
    (expected * torch.as_tensor(weights)).sum().backward()

    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours, first.grad.numpy(), rtol=1e-10, atol=1e-12)
