"""One table of ops, reused by the forward, gradient, dtype and PyTorch tests.

Each row names the primitive ``Function`` classes it exercises, a strategy drawing input arrays and
parameters, the expression on tinygrad_edu tensors and the same expression on torch tensors. A
primitive with no row fails ``test_every_primitive_has_a_row``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import strategies as st

from tests import strategies as S
from tinygrad_edu import ops

Case = tuple[list[np.ndarray], dict[str, Any]]


@dataclass(frozen=True)
class OpRow:
    name: str
    covers: tuple[type, ...]
    case: st.SearchStrategy[Case]
    fn: Callable[..., Any]
    torch_fn: Callable[..., Any]

    def __repr__(self) -> str:
        return self.name


@st.composite
def _unary(draw: st.DrawFn, make: Callable[[S.Shape], st.SearchStrategy[np.ndarray]]) -> Case:
    return [draw(make(draw(S.shapes())))], {}


@st.composite
def _binary(
    draw: st.DrawFn,
    left: Callable[[S.Shape], st.SearchStrategy[np.ndarray]] = S.values,
    right: Callable[[S.Shape], st.SearchStrategy[np.ndarray]] = S.values,
) -> Case:
    a_shape, b_shape = draw(S.broadcastable_pairs())
    return [draw(left(a_shape)), draw(right(b_shape))], {}


@st.composite
def _matmul(draw: st.DrawFn) -> Case:
    a_shape, b_shape = draw(S.matmul_pairs())
    return [draw(S.values(a_shape)), draw(S.values(b_shape))], {}


@st.composite
def _reduce(draw: st.DrawFn, make: Callable[[S.Shape], st.SearchStrategy[np.ndarray]]) -> Case:
    shape = draw(S.shapes())
    return [draw(make(shape))], {"axis": draw(S.axis_for(shape)), "keepdims": draw(st.booleans())}


@st.composite
def _along_axis(draw: st.DrawFn) -> Case:
    shape = draw(S.shapes(min_dims=1))
    return [draw(S.values(shape))], {"axis": draw(st.integers(-len(shape), len(shape) - 1))}


@st.composite
def _reshape(draw: st.DrawFn) -> Case:
    shape = draw(S.shapes())
    size = int(np.prod(shape, dtype=int))
    target = draw(st.sampled_from([(size,), (-1, 1), (1, size), tuple(reversed(shape))]))
    return [draw(S.values(shape))], {"shape": target}


@st.composite
def _transpose(draw: st.DrawFn) -> Case:
    shape = draw(S.shapes(min_dims=1))
    axes = tuple(draw(st.permutations(range(len(shape)))))
    return [draw(S.values(shape))], {"axes": axes}


@st.composite
def _index(draw: st.DrawFn) -> Case:
    shape = draw(S.shapes(min_dims=1))
    x = draw(S.values(shape))
    kind = draw(st.sampled_from(["int", "slice", "array", "tuple"]))
    n = shape[0]
    if kind == "int":
        index: Any = draw(st.integers(-n, n - 1))
    elif kind == "slice":
        index = slice(draw(st.integers(0, n - 1)), None, draw(st.sampled_from([1, 2])))
    elif kind == "array":  # repeats allowed: each pick must add to the gradient
        index = np.array(draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=6)))
    else:
        index = (slice(None), 0) if len(shape) > 1 else (Ellipsis,)
    return [x], {"index": index}


def _clip_safe(shape: S.Shape) -> st.SearchStrategy[np.ndarray]:
    """Values at least 0.05 from the clip bounds ±0.5, where clip's derivative jumps."""
    return S.values(shape, -2.0, 2.0).filter(lambda x: bool(np.all(np.abs(np.abs(x) - 0.5) > 0.05)))


def _torch_reduce(name: str) -> Callable[..., Any]:
    def run(x: Any, axis: Any, keepdims: bool) -> Any:
        import torch

        if axis is None:
            axis = tuple(range(x.ndim))
        if name == "max":
            return torch.amax(x, dim=axis, keepdim=keepdims) if x.ndim else x
        reduce = torch.sum if name == "sum" else torch.mean
        return reduce(x, dim=axis, keepdim=keepdims) if x.ndim else x * 1

    return run


def _t() -> Any:
    import torch

    return torch


ROWS: list[OpRow] = [
    OpRow("add", (ops.Add,), _binary(), lambda a, b: a + b, lambda a, b: a + b),
    OpRow("sub", (ops.Sub,), _binary(), lambda a, b: a - b, lambda a, b: a - b),
    OpRow("mul", (ops.Mul,), _binary(), lambda a, b: a * b, lambda a, b: a * b),
    OpRow(
        "div",
        (ops.Div,),
        _binary(right=S.away_from_zero),
        lambda a, b: a / b,
        lambda a, b: a / b,
    ),
    OpRow(
        "scalar_ops",
        (ops.Add, ops.Mul, ops.Sub, ops.Div),
        _unary(S.positive),
        lambda a: (2.0 - a) * 3.0 / (a + 1.0) - 1.5 / a,
        lambda a: (2.0 - a) * 3.0 / (a + 1.0) - 1.5 / a,
    ),
    OpRow("neg", (ops.Neg,), _unary(S.values), lambda a: -a, lambda a: -a),
    OpRow("pow_scalar", (ops.Pow,), _unary(S.positive), lambda a: a**2.5, lambda a: a**2.5),
    OpRow("pow_int_negative_base", (ops.Pow,), _unary(S.values), lambda a: a**3, lambda a: a**3),
    OpRow(
        "pow_tensor",
        (ops.Pow,),
        _binary(S.positive, S.values),
        lambda a, b: a**b,
        lambda a, b: a**b,
    ),
    OpRow("rpow", (ops.Pow,), _unary(S.values), lambda a: 2.0**a, lambda a: 2.0**a),
    OpRow("matmul", (ops.MatMul,), _matmul(), lambda a, b: a @ b, lambda a, b: a @ b),
    OpRow("exp", (ops.Exp,), _unary(S.values), lambda a: a.exp(), lambda a: a.exp()),
    OpRow("log", (ops.Log,), _unary(S.positive), lambda a: a.log(), lambda a: a.log()),
    OpRow("sqrt", (ops.Sqrt,), _unary(S.positive), lambda a: a.sqrt(), lambda a: a.sqrt()),
    OpRow("abs", (ops.Abs,), _unary(S.away_from_zero), lambda a: a.abs(), lambda a: a.abs()),
    OpRow(
        "clip",
        (ops.Clip,),
        _unary(_clip_safe),
        lambda a: a.clip(-0.5, 0.5),
        lambda a: a.clamp(-0.5, 0.5),
    ),
    OpRow(
        "sigmoid", (ops.Sigmoid,), _unary(S.values), lambda a: a.sigmoid(), lambda a: a.sigmoid()
    ),
    OpRow("tanh", (ops.Tanh,), _unary(S.values), lambda a: a.tanh(), lambda a: a.tanh()),
    OpRow("relu", (ops.Relu,), _unary(S.away_from_zero), lambda a: a.relu(), lambda a: a.relu()),
    OpRow(
        "leaky_relu",
        (ops.LeakyRelu,),
        _unary(S.away_from_zero),
        lambda a: a.leaky_relu(0.1),
        lambda a: _t().nn.functional.leaky_relu(a, 0.1),
    ),
    OpRow(
        "softmax",
        (ops.Softmax,),
        _along_axis(),
        lambda a, axis: a.softmax(axis),
        lambda a, axis: a.softmax(axis),
    ),
    OpRow(
        "log_softmax",
        (ops.LogSoftmax,),
        _along_axis(),
        lambda a, axis: a.log_softmax(axis),
        lambda a, axis: a.log_softmax(axis),
    ),
    OpRow(
        "sum",
        (ops.Sum,),
        _reduce(S.values),
        lambda a, axis, keepdims: a.sum(axis, keepdims),
        _torch_reduce("sum"),
    ),
    OpRow(
        "mean",
        (ops.Mean,),
        _reduce(S.values),
        lambda a, axis, keepdims: a.mean(axis, keepdims),
        _torch_reduce("mean"),
    ),
    OpRow(
        "max",
        (ops.Max,),
        _reduce(S.distinct),
        lambda a, axis, keepdims: a.max(axis, keepdims),
        _torch_reduce("max"),
    ),
    OpRow(
        "reshape",
        (ops.Reshape,),
        _reshape(),
        lambda a, shape: a.reshape(shape),
        lambda a, shape: a.reshape(shape),
    ),
    OpRow(
        "transpose",
        (ops.Transpose,),
        _transpose(),
        lambda a, axes: a.transpose(axes),
        lambda a, axes: a.permute(axes),
    ),
    OpRow(
        "index",
        (ops.Index,),
        _index(),
        lambda a, index: a[index],
        lambda a, index: a[_t().as_tensor(index) if isinstance(index, np.ndarray) else index],
    ),
]
