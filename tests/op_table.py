"""One table of ops, reused by every forward, gradient, second-order, tangent and PyTorch test.

Each row names the primitive ``Function`` classes it exercises, a strategy drawing input arrays and
parameters, the expression on tinygrad_edu tensors and the same expression on torch tensors. A
primitive with no row fails ``test_every_primitive_has_a_row``; every row runs through
``test_op_table.py`` (first order, float32, PyTorch), ``test_higher_order.py`` (second order,
tangents, double backward and ``torch.func``) and ``test_versions.py`` (in-place changes).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import strategies as st

import tinygrad_edu as tge
from tinygrad_edu import ops
from tinygrad_edu.convolution import conv2d, max_pool2d
from tinygrad_edu.testing import strategies as S

Case = tuple[list[np.ndarray], dict[str, Any]]


@dataclass(frozen=True)
class OpRow:
    name: str
    covers: tuple[type, ...]
    case: st.SearchStrategy[Case]
    fn: Callable[..., Any]
    torch_fn: Callable[..., Any]
    #: Parameters that ``fn`` also takes as Tensors (an index or a condition), so that a test
    #: may make them outside the function it compiles (``test_compile_inline``).
    tensor_params: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return self.name


@st.composite
def _unary(draw: st.DrawFn, make: Callable[[S.Shape], st.SearchStrategy[np.ndarray]]) -> Case:
    return [draw(make(draw(S.shapes())))], {}


@st.composite
def _binary(
    draw: st.DrawFn,
    left: Callable[[S.Shape], st.SearchStrategy[np.ndarray]] = S.arrays,
    right: Callable[[S.Shape], st.SearchStrategy[np.ndarray]] = S.arrays,
) -> Case:
    a_shape, b_shape = draw(S.broadcastable_shapes())
    return [draw(left(a_shape)), draw(right(b_shape))], {}


@st.composite
def _matmul(draw: st.DrawFn) -> Case:
    a_shape, b_shape = draw(S.matmul_shapes())
    return [draw(S.arrays(a_shape)), draw(S.arrays(b_shape))], {}


@st.composite
def _reduce(draw: st.DrawFn, make: Callable[[S.Shape], st.SearchStrategy[np.ndarray]]) -> Case:
    shape = draw(S.shapes())
    return [draw(make(shape))], {"axis": draw(S.axes(shape)), "keepdims": draw(st.booleans())}


@st.composite
def _spread_reduce(draw: st.DrawFn) -> Case:
    """Values for var/std: at least two per reduced slice, spread apart (std′ has a pole at 0)."""
    shape = draw(S.shapes(min_dims=1, min_side=2))
    axis = draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1)))
    return [draw(S.distinct(shape))], {"axis": axis, "keepdims": draw(st.booleans())}


@st.composite
def _along_axis(draw: st.DrawFn) -> Case:
    shape = draw(S.shapes(min_dims=1))
    return [draw(S.arrays(shape))], {"axis": draw(st.integers(-len(shape), len(shape) - 1))}


@st.composite
def _reshape(draw: st.DrawFn) -> Case:
    shape = draw(S.shapes())
    size = int(np.prod(shape, dtype=int))
    target = draw(st.sampled_from([(size,), (-1, 1), (1, size), tuple(reversed(shape))]))
    return [draw(S.arrays(shape))], {"shape": target}


@st.composite
def _transpose(draw: st.DrawFn) -> Case:
    shape = draw(S.shapes(min_dims=1))
    axes = tuple(draw(st.permutations(range(len(shape)))))
    return [draw(S.arrays(shape))], {"axes": axes}


@st.composite
def _broadcast(draw: st.DrawFn) -> Case:
    small, big = draw(S.broadcastable_shapes())
    target = np.broadcast_shapes(small, big)
    return [draw(S.arrays(small))], {"shape": target}


@st.composite
def _an_index(draw: st.DrawFn, shape: S.Shape) -> Any:
    kind = draw(st.sampled_from(["int", "slice", "array", "tuple"]))
    n = shape[0]
    if kind == "int":
        return draw(st.integers(-n, n - 1))
    if kind == "slice":
        return slice(draw(st.integers(0, n - 1)), None, draw(st.sampled_from([1, 2])))
    if kind == "array":  # repeats allowed: each pick must add to the gradient
        return np.array(draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=6)))
    return (slice(None), 0) if len(shape) > 1 else (Ellipsis,)


@st.composite
def _index(draw: st.DrawFn) -> Case:
    shape = draw(S.shapes(min_dims=1))
    return [draw(S.arrays(shape))], {"index": draw(_an_index(shape))}


@st.composite
def _index_by(draw: st.DrawFn) -> Case:
    """An index holding arrays, given as Tensors: ints (repeats allowed), a boolean mask, or
    ints for the second axis beside a slice."""
    shape = draw(S.shapes(min_dims=1))
    kind = draw(st.sampled_from(["ints", "mask", "beside a slice"]))
    axis = 1 if kind == "beside a slice" and len(shape) > 1 else 0
    n = shape[axis]
    if kind == "mask":
        return [draw(S.arrays(shape))], {"index": np.array([draw(st.booleans()) for _ in range(n)])}
    ints = np.array(draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=6)))
    index = (slice(None), ints) if axis == 1 else ints
    return [draw(S.arrays(shape))], {"index": index}


def parts_as(make: Callable[[Any], Any], index: Any) -> Any:
    """``index`` with each array (or Tensor) in it made a tensor by ``make``."""
    if isinstance(index, tuple):
        return tuple(make(p) if isinstance(p, (np.ndarray, tge.Tensor)) else p for p in index)
    return make(index)


def _tensor(x: Any) -> tge.Tensor:
    return x if isinstance(x, tge.Tensor) else tge.Tensor(x)


@st.composite
def _scatter(draw: st.DrawFn) -> Case:
    """An index into ``shape`` and values of the indexed shape to scatter there."""
    shape = draw(S.shapes(min_dims=1))
    index = draw(_an_index(shape))
    picked = np.zeros(shape)[index].shape
    return [draw(S.arrays(picked))], {"index": index, "shape": shape}


@st.composite
def _where(draw: st.DrawFn) -> Case:
    c_shape, a_shape, b_shape = draw(S.broadcastable_shapes(num_shapes=3))
    cond = draw(S.arrays(c_shape)) > 0
    return [draw(S.arrays(a_shape)), draw(S.arrays(b_shape))], {"cond": cond}


@st.composite
def _untied(draw: st.DrawFn) -> Case:
    """Two broadcastable arrays with every element distinct (maximum has a kink at ties)."""
    a_shape, b_shape = draw(S.broadcastable_shapes())
    na = int(np.prod(a_shape, dtype=int))
    values = draw(S.distinct((na + int(np.prod(b_shape, dtype=int)),)))
    return [values[:na].reshape(a_shape), values[na:].reshape(b_shape)], {}


@st.composite
def _joined(draw: st.DrawFn, same_shape: bool) -> Case:
    """2–3 arrays to join along an axis (same shape for stack, any length along it for cat)."""
    base = draw(S.shapes(min_dims=1))
    count = draw(st.integers(2, 3))
    axis = draw(st.integers(-len(base), len(base) - 1))
    shapes = []
    for _ in range(count):
        shape = list(base)
        if not same_shape:
            shape[axis] = draw(st.integers(1, 3))
        shapes.append(tuple(shape))
    if same_shape:
        axis = draw(st.integers(-len(base) - 1, len(base)))
    return [draw(S.arrays(s)) for s in shapes], {"axis": axis}


def _int_or_pair(lo: int, hi: int) -> st.SearchStrategy[int | tuple[int, int]]:
    """One int for both directions, or a (height, width) pair: windows take either."""
    one = st.integers(lo, hi)
    return st.one_of(one, st.tuples(one, one))


@st.composite
def _image(draw: st.DrawFn, distinct: bool = False) -> tuple[np.ndarray, dict[str, Any]]:
    """A small NCHW image and window parameters that fit it."""
    n, c = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    h, w = draw(st.integers(2, 5)), draw(st.integers(2, 5))
    kernel = (draw(st.integers(1, h)), draw(st.integers(1, w)))
    stride = draw(_int_or_pair(1, 2))
    image = draw(S.distinct((n, c, h, w))) if distinct else draw(S.arrays((n, c, h, w)))
    return image, {"kernel": kernel, "stride": stride}


@st.composite
def _unfold(draw: st.DrawFn) -> Case:
    image, params = draw(_image())
    return [image], {**params, "padding": draw(_int_or_pair(0, 1))}


@st.composite
def _fold(draw: st.DrawFn) -> Case:
    image, params = draw(_image())
    padding = draw(_int_or_pair(0, 1))
    n, c, h, w = image.shape
    oh, ow = ops.windows.output_size((h, w), params["kernel"], params["stride"], padding)
    k = params["kernel"][0] * params["kernel"][1]
    cols = draw(S.arrays((n, c * k, oh * ow)))
    return [cols], {**params, "padding": padding, "shape": image.shape}


@st.composite
def _pool(draw: st.DrawFn) -> Case:
    image, params = draw(_image(distinct=True))
    return [image], params


@st.composite
def _conv(draw: st.DrawFn, bias: bool = True) -> Case:
    image, params = draw(_image())
    out_channels = draw(st.integers(1, 3))
    kh, kw = params["kernel"]
    arrays = [image, draw(S.arrays((out_channels, image.shape[1], kh, kw)))]
    if bias:
        arrays.append(draw(S.arrays((out_channels,))))
    padding = draw(_int_or_pair(0, 1))
    return arrays, {"stride": params["stride"], "padding": padding}


def _torch_unfold(x: Any, kernel: Any, stride: int, padding: int) -> Any:
    return _t().nn.functional.unfold(x, kernel, padding=padding, stride=stride)


def _torch_fold(c: Any, kernel: Any, stride: int, padding: int, shape: Any) -> Any:
    return _t().nn.functional.fold(c, shape[2:], kernel, padding=padding, stride=stride)


def _clip_safe(shape: S.Shape) -> st.SearchStrategy[np.ndarray]:
    """Values at least 0.05 from the clip bounds ±0.5, where clip's derivative jumps."""
    return S.arrays(shape, -2.0, 2.0, away_from=(-0.5, 0.5), gap=0.05)


def _torch_reduce(name: str) -> Callable[..., Any]:
    def run(x: Any, axis: Any, keepdims: bool) -> Any:
        torch = _t()
        if axis is None:
            axis = tuple(range(x.ndim))
        if name == "max":
            return torch.amax(x, dim=axis, keepdim=keepdims) if x.ndim else x
        if name in ("var", "std"):
            f = torch.var if name == "var" else torch.std
            return f(x, dim=axis, keepdim=keepdims, correction=0)
        reduce = torch.sum if name == "sum" else torch.mean
        return reduce(x, dim=axis, keepdim=keepdims) if x.ndim else x * 1

    return run


def _torch_scatter(g: Any, index: Any, shape: Any) -> Any:
    torch = _t()
    out = torch.zeros(shape, dtype=g.dtype)
    if isinstance(index, np.ndarray):
        return out.index_put((torch.as_tensor(index),), g, accumulate=True)
    out[index] = g
    return out


def _t() -> Any:
    import torch

    return torch


ROWS: list[OpRow] = [
    OpRow("add", (ops.Add,), _binary(), lambda a, b: a + b, lambda a, b: a + b),
    OpRow("sub", (ops.Sub,), _binary(), lambda a, b: a - b, lambda a, b: a - b),
    OpRow("mul", (ops.Mul,), _binary(), lambda a, b: a * b, lambda a, b: a * b),
    OpRow(
        "div", (ops.Div,), _binary(right=S.away_from_zero), lambda a, b: a / b, lambda a, b: a / b
    ),
    OpRow(
        "scalar_ops",
        (ops.Add, ops.Mul, ops.Sub, ops.Div),
        _unary(S.positive),
        lambda a: (2.0 - a) * 3.0 / (a + 1.0) - 1.5 / a,
        lambda a: (2.0 - a) * 3.0 / (a + 1.0) - 1.5 / a,
    ),
    OpRow("neg", (ops.Neg,), _unary(S.arrays), lambda a: -a, lambda a: -a),
    OpRow("pow_scalar", (ops.Pow,), _unary(S.positive), lambda a: a**2.5, lambda a: a**2.5),
    OpRow("pow_int_negative_base", (ops.Pow,), _unary(S.arrays), lambda a: a**3, lambda a: a**3),
    OpRow(  # exponents away from 0, where PyTorch's pow backward stops depending on them
        "pow_tensor",
        (ops.Pow,),
        _binary(S.positive, lambda shape: S.arrays(shape, away_from=(0.0,))),
        lambda a, b: a**b,
        lambda a, b: a**b,
    ),
    OpRow("rpow", (ops.Pow,), _unary(S.arrays), lambda a: 2.0**a, lambda a: 2.0**a),
    OpRow("matmul", (ops.MatMul,), _matmul(), lambda a, b: a @ b, lambda a, b: a @ b),
    OpRow(
        "maximum",
        (ops.Maximum,),
        _untied(),
        lambda a, b: tge.maximum(a, b),
        lambda a, b: _t().maximum(a, b),
    ),
    OpRow(
        "minimum",
        (ops.Minimum,),
        _untied(),
        lambda a, b: tge.minimum(a, b),
        lambda a, b: _t().minimum(a, b),
    ),
    OpRow("exp", (ops.Exp,), _unary(S.arrays), lambda a: a.exp(), lambda a: a.exp()),
    OpRow("log", (ops.Log,), _unary(S.positive), lambda a: a.log(), lambda a: a.log()),
    OpRow("sqrt", (ops.Sqrt,), _unary(S.positive), lambda a: a.sqrt(), lambda a: a.sqrt()),
    OpRow("abs", (ops.Abs,), _unary(S.away_from_zero), lambda a: a.abs(), lambda a: a.abs()),
    OpRow("sin", (ops.Sin,), _unary(S.arrays), lambda a: a.sin(), lambda a: a.sin()),
    OpRow("cos", (ops.Cos,), _unary(S.arrays), lambda a: a.cos(), lambda a: a.cos()),
    OpRow(
        "clip",
        (ops.Clip,),
        _unary(_clip_safe),
        lambda a: a.clip(-0.5, 0.5),
        lambda a: a.clamp(-0.5, 0.5),
    ),
    OpRow(
        "sigmoid", (ops.Sigmoid,), _unary(S.arrays), lambda a: a.sigmoid(), lambda a: a.sigmoid()
    ),
    OpRow("tanh", (ops.Tanh,), _unary(S.arrays), lambda a: a.tanh(), lambda a: a.tanh()),
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
        _reduce(S.arrays),
        lambda a, axis, keepdims: a.sum(axis, keepdims),
        _torch_reduce("sum"),
    ),
    OpRow(
        "mean",
        (ops.Mean,),
        _reduce(S.arrays),
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
        "var",
        (ops.Var,),
        _spread_reduce(),
        lambda a, axis, keepdims: a.var(axis, keepdims),
        _torch_reduce("var"),
    ),
    OpRow(
        "std",
        (ops.Var, ops.Sqrt),
        _spread_reduce(),
        lambda a, axis, keepdims: a.std(axis, keepdims),
        _torch_reduce("std"),
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
        "broadcast_to",
        (ops.BroadcastTo,),
        _broadcast(),
        lambda a, shape: a.broadcast_to(shape),
        lambda a, shape: a.broadcast_to(shape),
    ),
    OpRow(
        "index",
        (ops.Index,),
        _index(),
        lambda a, index: a[index],
        lambda a, index: a[_t().as_tensor(index) if isinstance(index, np.ndarray) else index],
    ),
    OpRow(
        "index by tensors",
        (ops.IndexBy,),
        _index_by(),
        lambda a, index: a[parts_as(_tensor, index)],
        lambda a, index: a[parts_as(_t().as_tensor, index)],
        tensor_params=("index",),
    ),
    OpRow(
        "scatter",
        (ops.Scatter,),
        _scatter(),
        lambda g, index, shape: g._scatter(index, shape),
        _torch_scatter,
    ),
    OpRow(
        "unfold",
        (ops.Unfold,),
        _unfold(),
        lambda x, kernel, stride, padding: x._unfold(kernel, stride, padding),
        _torch_unfold,
    ),
    OpRow(
        "fold",
        (ops.Fold,),
        _fold(),
        lambda c, kernel, stride, padding, shape: c._fold(shape, kernel, stride, padding),
        _torch_fold,
    ),
    OpRow(
        "max_pool2d",
        (ops.MaxPool2d,),
        _pool(),
        lambda x, kernel, stride: max_pool2d(x, kernel, stride),
        lambda x, kernel, stride: _t().nn.functional.max_pool2d(x, kernel, stride),
    ),
    OpRow(
        "conv2d",
        (ops.Conv2d,),
        _conv(),
        lambda x, w, b, stride, padding: conv2d(x, w, b, stride, padding),
        lambda x, w, b, stride, padding: _t().nn.functional.conv2d(x, w, b, stride, padding),
    ),
    OpRow(
        "conv2d_without_bias",
        (ops.Conv2d,),
        _conv(bias=False),
        lambda x, w, stride, padding: conv2d(x, w, None, stride, padding),
        lambda x, w, stride, padding: _t().nn.functional.conv2d(x, w, None, stride, padding),
    ),
    OpRow(
        "where",
        (ops.Where,),
        _where(),
        lambda a, b, cond: tge.where(cond, a, b),
        lambda a, b, cond: _t().where(_t().as_tensor(cond), a, b),
    ),
    OpRow(
        "where by a tensor",
        (ops.WhereBy,),
        _where(),
        lambda a, b, cond: tge.where(_tensor(cond), a, b),
        lambda a, b, cond: _t().where(_t().as_tensor(cond), a, b),
        tensor_params=("cond",),
    ),
    OpRow(
        "cat",
        (ops.Cat,),
        _joined(same_shape=False),
        lambda *xs, axis: tge.cat(list(xs), axis),
        lambda *xs, axis: _t().cat(list(xs), axis),
    ),
    OpRow(
        "stack",
        (ops.Stack,),
        _joined(same_shape=True),
        lambda *xs, axis: tge.stack(list(xs), axis),
        lambda *xs, axis: _t().stack(list(xs), axis),
    ),
]
