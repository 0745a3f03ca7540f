"""Transforms of functions, as in ``torch.func`` and JAX: grad, vjp, jvp, Jacobians, Hessians.

Each transform takes a Python function ``f`` of Tensors and returns a new function (or a value)::

    grad(f)(x)               ∂f/∂x for a scalar f                        (reverse mode)
    value_and_grad(f)(x)     (f(x), ∂f/∂x)
    vjp(f, x) -> (y, vjp_fn) vjp_fn(u) = uᵀ·J, J = ∂y/∂x                 (reverse mode)
    jvp(f, (x,), (v,))       (f(x), J·v), in one forward pass           (forward mode)
    jacrev(f)(x)             J, shape y.shape + x.shape, row by row      (reverse mode)
    jacfwd(f)(x)             J, column by column                        (forward mode)
    hessian(f)(x)            ∂²f/∂x², shape x.shape + x.shape (jacfwd of jacrev)
    hvp(f, (x,), (v,))       (f(x), H·v) without forming H (jvp of grad)

``argnums`` picks the positional argument(s) to differentiate (an int, or a tuple for several:
then the result is a tuple). Arguments may be Tensors, arrays or numbers; results are Tensors.

**Composing.** ``grad(grad(f))`` is the second derivative: a transform applied to a tensor that is
itself part of an outer transform's graph records its own backward pass (``create_graph``), so
the outer one can differentiate it. Each transform differentiates only with respect to its own
argument: a variable the function merely closes over is a constant to it. Forward mode runs
outside reverse mode only (``jvp`` of ``grad`` works; ``grad`` of ``jvp`` raises: tangents are
plain arrays, with no graph to differentiate).

>>> from tinygrad_edu import Tensor, func
>>> f = lambda x: (x ** 3).sum()
>>> func.grad(f)(Tensor([1.0, 2.0]))                   # 3x²
Tensor([ 3., 12.])
>>> func.grad(func.grad(lambda x: x ** 3))(Tensor(2.0))  # 6x
Tensor(12.)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import forward_ad
from .derivatives import grad as _grad
from .functions import cat, stack
from .tensor import Tensor

Fn = Callable[..., Any]
__all__ = ["grad", "hessian", "hvp", "jacfwd", "jacrev", "jvp", "value_and_grad", "vjp"]


# ------------------------------------------------------------------------------------ helpers
def _argnums(argnums: int | tuple[int, ...], count: int, where: str) -> tuple[int, ...]:
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    if not nums:
        raise ValueError(f"{where}: argnums is empty")
    for a in nums:
        if not isinstance(a, int) or not -count <= a < count:
            raise ValueError(
                f"{where}: argnums {argnums!r} is out of range for a function called with "
                f"{count} positional argument(s)"
            )
    return tuple(a % count for a in nums)


def _inner(x: Any) -> Tensor:
    """A variable of this transform's own: a fresh leaf, or — when ``x`` is itself part of an
    outer transform's graph — a new node that depends on ``x`` (so the outer one sees through it,
    while closures over ``x`` stay constants here)."""
    if isinstance(x, Tensor) and x.requires_grad:
        return x.reshape(x.shape)
    data = x.data if isinstance(x, Tensor) else np.asarray(x)
    return Tensor(data if data.dtype.kind == "f" else data.astype(np.float64), requires_grad=True)


def _replaced(args: tuple[Any, ...], nums: tuple[int, ...], xs: list[Tensor]) -> list[Any]:
    """``args`` with the differentiated ones (at ``nums``) replaced by this transform's ``xs``."""
    new = list(args)
    for i, x in zip(nums, xs, strict=True):
        new[i] = x
    return new


def _output(out: Any, where: str) -> Tensor:
    if not isinstance(out, Tensor):
        raise TypeError(f"{where}: the function must return a Tensor, got {type(out).__name__}")
    return out


def _split_aux(result: Any, has_aux: bool, where: str) -> tuple[Any, Any]:
    if not has_aux:
        return result, None
    if not isinstance(result, tuple) or len(result) != 2:
        raise TypeError(f"{where}: with has_aux=True the function must return (output, aux)")
    return result


def _nested(xs: Sequence[Tensor]) -> bool:
    """Whether a variable belongs to an outer graph: then gradients must carry a graph too."""
    return any(x.grad_fn is not None for x in xs)


def _detached(t: Tensor | None, like: Tensor, nested: bool) -> Tensor:
    if t is None:
        return Tensor(np.zeros(like.shape, like.dtype))
    return t if nested else Tensor(t.data)


# ------------------------------------------------------------------------------ reverse mode
def value_and_grad(
    f: Fn, argnums: int | tuple[int, ...] = 0, has_aux: bool = False
) -> Callable[..., Any]:
    """``(f(*args), ∂f/∂args[argnums])`` for a function with a one-element Tensor output."""

    def run(*args: Any) -> Any:
        nums = _argnums(argnums, len(args), "grad")
        xs = [_inner(args[i]) for i in nums]
        value, aux = _split_aux(f(*_replaced(args, nums, xs)), has_aux, "grad")
        value = _output(value, "grad")
        if value.data.size != 1:
            raise ValueError(
                f"grad: the function must return one number (a loss), got shape {value.shape}; "
                "use jacrev or vjp for other outputs"
            )
        nested = _nested(xs)
        if not value.requires_grad:  # f ignores its argument: the gradient is zero
            grads: tuple[Any, ...] = tuple(None for _ in xs)
        else:
            grads = _grad(value, xs, create_graph=nested, allow_unused=True)
        result = tuple(_detached(g, x, nested) for g, x in zip(grads, xs, strict=True))
        out = result[0] if isinstance(argnums, int) else result
        shown = value if nested else Tensor(value.data)
        return ((shown, aux) if has_aux else shown), out

    return run


def grad(f: Fn, argnums: int | tuple[int, ...] = 0, has_aux: bool = False) -> Callable[..., Any]:
    """The gradient of a scalar function: ``grad(f)(x) = ∂f/∂x``, shaped like ``x``.

    With ``has_aux=True``, ``f`` returns ``(loss, aux)`` and the result is ``(gradient, aux)``.
    """
    both = value_and_grad(f, argnums, has_aux)

    def run(*args: Any) -> Any:
        value, g = both(*args)
        return (g, value[1]) if has_aux else g

    return run


def vjp(f: Fn, *primals: Any, has_aux: bool = False) -> tuple[Any, ...]:
    """``(f(*primals), vjp_fn)``; ``vjp_fn(u)`` is the tuple of uᵀ·J, one per primal.

    ``u`` has the output's shape; each result has its primal's shape.
    """
    xs = [_inner(p) for p in primals]
    out, aux = _split_aux(f(*xs), has_aux, "vjp")
    out = _output(out, "vjp")
    nested = _nested(xs)

    def vjp_fn(cotangent: Any) -> tuple[Tensor, ...]:
        u = cotangent.data if isinstance(cotangent, Tensor) else np.asarray(cotangent)
        if u.shape != out.shape:
            raise ValueError(f"vjp: cotangent has shape {u.shape} but the output has {out.shape}")
        if not out.requires_grad:
            return tuple(Tensor(np.zeros(x.shape, x.dtype)) for x in xs)
        given = cotangent if nested and isinstance(cotangent, Tensor) else u
        grads = _grad(out, xs, given, create_graph=nested, allow_unused=True)
        return tuple(_detached(g, x, nested) for g, x in zip(grads, xs, strict=True))

    shown = out if nested else Tensor(out.data)
    return (shown, vjp_fn, aux) if has_aux else (shown, vjp_fn)


def jacrev(f: Fn, argnums: int | tuple[int, ...] = 0) -> Callable[..., Any]:
    """The Jacobian ∂f/∂x by reverse mode: one backward pass per output element.

    Shape ``out.shape + x.shape``. Cheap when the output is small (m ≪ n): a loss has one row.
    """

    def run(*args: Any) -> Any:
        nums = _argnums(argnums, len(args), "jacrev")
        xs = [_inner(args[i]) for i in nums]
        out = _output(f(*_replaced(args, nums, xs)), "jacrev")
        nested = _nested(xs)
        rows: list[list[Tensor]] = [[] for _ in xs]
        for k in range(out.data.size):
            if not out.requires_grad:
                grads: tuple[Any, ...] = (None,) * len(xs)
            else:
                seed = np.zeros(out.data.size, out.dtype)
                seed[k] = 1
                grads = _grad(
                    out, xs, seed.reshape(out.shape), create_graph=nested, allow_unused=True
                )
            for r, g, x in zip(rows, grads, xs, strict=True):
                r.append(_detached(g, x, nested))
        jacobians = tuple(
            _assemble(r, out.shape + x.shape, x) for r, x in zip(rows, xs, strict=True)
        )
        return jacobians[0] if isinstance(argnums, int) else jacobians

    return run


def _assemble(parts: list[Tensor], shape: tuple[int, ...], like: Tensor) -> Tensor:
    if not parts:
        return Tensor(np.zeros(shape, like.dtype))
    return stack(parts).reshape(shape)


# ------------------------------------------------------------------------------ forward mode
def jvp(f: Fn, primals: Sequence[Any], tangents: Sequence[Any], has_aux: bool = False) -> Any:
    """``(f(*primals), J·tangents)`` in one forward pass: every op applies its tangent rule.

    ``tangents`` has one entry per primal, of the primal's shape (the direction to move in).
    """
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError("jvp: primals and tangents must be tuples, e.g. jvp(f, (x,), (v,))")
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: {len(primals)} primals but {len(tangents)} tangents")
    xs = [Tensor(_values(p), requires_grad=True) for p in primals]
    table: forward_ad.Table = {}
    for i, (x, t) in enumerate(zip(xs, tangents, strict=True)):
        v = np.asarray(t.data if isinstance(t, Tensor) else t, dtype=x.dtype)
        if v.shape != x.shape:
            raise ValueError(
                f"jvp: tangent {i} has shape {v.shape} but primal {i} has shape {x.shape}"
            )
        table[x] = v
    with forward_ad.tangents(table):
        out, aux = _split_aux(f(*xs), has_aux, "jvp")
    out = _output(out, "jvp")
    tangent = table.get(out)
    if tangent is None:
        tangent = np.zeros(out.shape, out.dtype)
    result = _linked([out.data, tangent], primals, "jvp")
    return (*result, aux) if has_aux else result


def _linked(arrays: list[Any], args: Sequence[Any], where: str) -> tuple[Tensor, ...]:
    """Forward-mode results as Tensors; tied to the ``args`` that require grad, if any, so that
    differentiating them raises instead of giving 0 (see ``forward_ad.ThroughForwardMode``)."""
    sources = [a for a in args if isinstance(a, Tensor) and a.requires_grad]
    if not sources:
        return tuple(Tensor(a) for a in arrays)
    return tuple(
        forward_ad.ThroughForwardMode.apply(*sources, value=a, where=where) for a in arrays
    )


def _values(x: Any) -> np.ndarray[Any, Any]:
    data = x.data if isinstance(x, Tensor) else np.asarray(x)
    return data if data.dtype.kind == "f" else data.astype(np.float64)


def jacfwd(f: Fn, argnums: int | tuple[int, ...] = 0) -> Callable[..., Any]:
    """The Jacobian ∂f/∂x by forward mode: one ``jvp`` per input element (a basis direction).

    Shape ``out.shape + x.shape``. Cheap when the input is small (n ≪ m).
    """

    def run(*args: Any) -> Any:
        nums = _argnums(argnums, len(args), "jacfwd")
        values = [_values(a) for a in args]
        out = _output(f(*[Tensor(v) for v in values]), "jacfwd")
        jacobians = []
        for i in nums:
            columns = np.zeros((out.data.size, values[i].size), out.dtype)
            for k in range(values[i].size):
                tangents = [np.zeros_like(v) for v in values]
                tangents[i].reshape(-1)[k] = 1
                columns[:, k] = jvp(f, values, tangents)[1].data.reshape(-1)
            jacobians.append(columns.reshape(out.shape + values[i].shape))
        linked = _linked(jacobians, args, "jacfwd")
        return linked[0] if isinstance(argnums, int) else linked

    return run


def hessian(f: Fn, argnums: int | tuple[int, ...] = 0) -> Callable[..., Any]:
    """The Hessian ∂²f/∂x² of a scalar function, shape ``x.shape + x.shape`` (jacfwd of jacrev)."""
    return jacfwd(jacrev(f, argnums), argnums)


def hvp(f: Fn, primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Tensor, Any]:
    """``(f(*primals), H·tangents)``: the Hessian times a vector, without forming the Hessian.

    Forward over reverse: the tangent of the gradient, ``jvp(grad(f), primals, tangents)``. One
    result per primal (a Tensor for one primal), each of that primal's shape.
    """
    if not isinstance(primals, (tuple, list)):
        raise TypeError("hvp: primals and tangents must be tuples, e.g. hvp(f, (x,), (v,))")
    gradient = grad(f, argnums=tuple(range(len(primals))))

    def flat_gradient(*xs: Tensor) -> Tensor:
        return cat([g.reshape(-1) for g in gradient(*xs)])

    _, product = jvp(flat_gradient, primals, tangents)
    value = _output(f(*[Tensor(_values(p)) for p in primals]), "hvp")
    shapes = [_values(p).shape for p in primals]
    ends = np.cumsum([int(np.prod(s, dtype=int)) for s in shapes])
    pieces = [p.reshape(s) for p, s in zip(np.split(product.data, ends[:-1]), shapes, strict=True)]
    shown, *parts = _linked([value.data, *pieces], primals, "hvp")
    return shown, (parts[0] if len(parts) == 1 else tuple(parts))
