"""The engine: ``unbroadcast`` and the backward walk over the graph of ``Function`` nodes.

An op (``function.Function``, re-exported here) maps input arrays to an output in ``forward`` and
the upstream gradient ``g = ∂L/∂out`` to one gradient per input in ``backward``; the tensor an
op produces remembers it as its ``grad_fn``, and the op remembers its inputs: together they form
the computation graph.

``run_backward`` walks that graph from the roots to the leaves, newest op first, so that every
node has received the contributions of all its consumers before it passes its own gradient on.
Two rules keep the ops simple:

* ops may return gradients in the *broadcast* shape; the engine reduces them to each input's shape
  once, here, with ``unbroadcast``;
* when a tensor feeds several consumers (a "diamond"), their contributions are **added**.

**Values an op saves.** ``forward`` puts the values its backward differentiates *through* — some of
its inputs, or its output — in ``self.saved``; the engine passes them to ``backward(g, saved)``.
Everything else an op keeps (a mask, a shape) is a constant of its derivative. That split is what
makes a derivative differentiable: with ``create_graph=True`` the walk hands ``backward`` Tensors
instead of arrays — ``g``, and the input or output Tensor each saved array belongs to — so the
same rule, written once with operators, records its own graph. First order stays on arrays.

The graph is not freed by ``backward``: calling it again works like PyTorch's
``retain_graph=True`` and accumulates into ``.grad`` once more.
"""

from __future__ import annotations

import sysconfig
from collections.abc import Callable, Sequence
from heapq import heapify, heappop, heappush
from sys import getrefcount
from typing import Any

import numpy as np

from ._config import enable_grad, fast, modes
from .function import Array, Function, Grads, Node, Saved, add_reduce, install_recorder
from .guards import changes, check_backward, check_versions, next_seq
from .guards import saved_tensors as saved_tensors

__all__ = [
    "Array",
    "Function",
    "Grads",
    "Node",
    "Saved",
    "add_reduce",
    "install_recorder",
    "next_seq",
    "run_backward",
    "stretched_axes",
    "unbroadcast",
]


def unbroadcast(grad: Any, shape: tuple[int, ...]) -> Any:
    """Sum ``grad`` over the axes that broadcasting stretched, so it gets ``shape`` back.

    Broadcasting copies an input along new leading axes and along axes of length 1. Each copy
    received its own gradient; the input's gradient is their sum. E.g. ``(3, 1) + (1, 4)`` makes a
    ``(3, 4)`` output; the first input's gradient is the ``(3, 4)`` gradient summed over axis 1.
    ``grad`` may be a Tensor (``create_graph``): then the sum is recorded.
    """
    gshape = grad.shape
    if gshape == shape:
        return grad
    if not isinstance(grad, (np.ndarray, np.generic)):  # a Tensor: the sum is recorded
        return grad.sum(stretched_axes(gshape, shape), keepdims=True).reshape(shape)
    if len(gshape) == len(shape) + 1 and shape and gshape[1:] == shape:  # a bias on every row
        return add_reduce(grad, axis=0)  # the same sum, without the general case's bookkeeping
    # One C-level sum over every stretched axis (ndarray.sum adds a Python wrapper).
    return add_reduce(grad, axis=stretched_axes(gshape, shape), keepdims=True).reshape(shape)


def stretched_axes(gshape: tuple[int, ...], shape: tuple[int, ...]) -> tuple[int, ...]:
    """The axes of a ``gshape`` gradient that broadcasting made from ``shape``: the leading
    axes it added, and those where it stretched a length of 1."""
    extra = len(gshape) - len(shape)
    stretched = (extra + i for i, n in enumerate(shape) if n == 1 and gshape[extra + i] != 1)
    return (*range(extra), *stretched)


#: ``hook(node, upstream, input_grads)`` is told each step of a backward pass (used by viz).
StepHook = Callable[[Node, Any, Sequence[Any]], None]


def backward(
    root: Node, grad: Any, hook: StepHook | None = None, create_graph: bool = False
) -> None:
    """Backpropagate ``grad`` (``∂L/∂root``) and accumulate into every leaf's ``.grad``."""
    run_backward([root], [grad], hook=hook, create_graph=create_graph)


def run_backward(
    roots: Sequence[Node],
    seeds: Sequence[Any],
    inputs: Sequence[Node] | None = None,
    *,
    create_graph: bool = False,
    stop_at_inputs: bool = False,
    hook: StepHook | None = None,
) -> list[Any] | None:
    """Backpropagate ``seeds`` (``∂L/∂root`` for each root) through the graph of ``roots``.

    Without ``inputs``, leaves and tensors that called ``retain_grad()`` accumulate into
    ``.grad`` (the ``Tensor.backward`` contract) and nothing is returned. With ``inputs``, nothing
    is accumulated and the gradient reaching each input is returned (``None`` where none does) —
    ``grad()``; ``stop_at_inputs`` then treats the inputs as independent (no path through one
    input adds to another). Seeds are arrays, or Tensors for ``create_graph=True``.

    Order: every op's output is made after its inputs, so creation order (``Function.seq``) is a
    topological order. The walk keeps the nodes that have received a gradient in a heap and takes
    the newest: by then every consumer of it (all newer) has handed its share over. Only nodes
    reachable from the roots are touched. Leaves wait until the end.
    """
    if inputs is None and not create_graph:  # Tensor.backward, the common case
        return _finish(_walk(roots, seeds, False, True, hook), {}, None, False)
    captured: dict[Node, Any] = {}
    marked = [] if inputs is None else _mark(inputs, captured, stop_at_inputs)
    try:
        if create_graph:  # the gradients' own graph is recorded, whatever the grad mode outside
            with enable_grad():
                leaves = _walk(roots, seeds, True, inputs is None, hook)
        else:
            leaves = _walk(roots, seeds, False, inputs is None, hook)
        return _finish(leaves, captured, inputs, create_graph)
    finally:
        for node, hooks in marked:
            node._hooks = hooks


class _Capture:
    """Stands in for a ``grad()`` input's hooks during the walk: runs them, keeps the result."""

    __slots__ = ("captured", "hooks", "stop")

    def __init__(self, hooks: Any, captured: dict[Node, Any], stop: bool) -> None:
        self.hooks, self.captured, self.stop = hooks, captured, stop

    def run(self, node: Node, g: Any, keep: bool) -> Any:
        if self.hooks is not None:
            g = self.hooks.run(node, g, keep=False)
        self.captured[node] = g
        return _STOP if self.stop else g


_STOP = object()  # a hook's answer meaning "this node's gradient goes no further"


def _mark(inputs: Sequence[Node], captured: dict[Node, Any], stop: bool) -> list[tuple[Node, Any]]:
    """Put a ``_Capture`` on each input (once); return what to put back afterwards."""
    marked: list[tuple[Node, Any]] = []
    for node in inputs:
        if not isinstance(node._hooks, _Capture):
            marked.append((node, node._hooks))
            node._hooks = _Capture(node._hooks, captured, stop)
    return marked


def _walk(
    roots: Sequence[Node],
    seeds: Sequence[Any],
    create_graph: bool,
    keep: bool,
    hook: StepHook | None,
) -> dict[Node, Any]:
    """The walk itself; returns the gradients left at the leaves.

    ``keep``: retained tensors accumulate into ``.grad`` (``backward``; not for ``grad()``).
    """
    if len(roots) == 1:
        root = roots[0]
        pending: dict[Node, Any] = {root: seeds[0]}
        queue = [] if root.grad_fn is None else [(-root.grad_fn.seq, root)]
    else:
        pending = {}
        for root, seed in zip(roots, seeds, strict=True):
            seen = pending.get(root)
            pending[root] = seed if seen is None else seen + seed
        queue = [(-n.grad_fn.seq, n) for n in pending if n.grad_fn is not None]
        heapify(queue)
    anomaly = bool(fast.special and modes.anomaly)
    plain = not (create_graph or anomaly or hook)  # one check per step for the rare cases
    last_change = changes.last
    take, get = pending.pop, pending.get
    while queue:
        node = heappop(queue)[1]
        g = take(node)
        fn: Any = node.grad_fn
        if node._hooks is not None:
            g = node._hooks.run(node, g, keep)
            if g is _STOP:
                continue
            last_change = changes.last  # (a hook may have changed something in place)
        if fn.seq < last_change:  # something changed in place after this op was made
            check_versions(fn, node)
        if plain:
            input_grads = fn.backward(g, fn.saved)
        else:
            input_grads = (
                _differentiable_backward(fn, node, g) if create_graph else fn.backward(g, fn.saved)
            )
            if anomaly:
                check_backward(fn, node, input_grads)
            if hook is not None:
                hook(node, g, input_grads)
        for parent, pg in zip(fn.inputs, input_grads):  # noqa: B905 (one per input, by contract)
            if pg is None or not parent.requires_grad:
                continue
            shape = parent.data.shape
            if pg.shape != shape:
                pg = unbroadcast(pg, shape)
            seen = get(parent)
            if seen is None:
                pending[parent] = pg
                parent_fn = parent.grad_fn
                if parent_fn is not None:
                    heappush(queue, (-parent_fn.seq, parent))
            else:
                # Out of place: either array may be shared with another node or an op's saved value.
                pending[parent] = seen + pg
    return pending  # what is left are the leaves


def _finish(
    leaves: dict[Node, Any],
    captured: dict[Node, Any],
    inputs: Sequence[Node] | None,
    create_graph: bool,
) -> list[Any] | None:
    """Accumulate the leaves' gradients (``backward``), or return the inputs' (``grad``)."""
    for leaf in list(leaves):
        g = leaves.pop(leaf)
        if leaf._hooks is not None:
            g = leaf._hooks.run(leaf, g, keep=False)
        if inputs is not None:
            continue  # a captured input keeps its gradient; other leaves get nothing
        if create_graph:
            accumulate_tensor(leaf, g)
        else:
            owned = _references(g) <= _SOLE  # (not inside the call below: its arguments count)
            accumulate(leaf, g, owned)
    return None if inputs is None else [captured.get(t) for t in inputs]


def _differentiable_backward(fn: Function, node: Node, g: Any) -> Grads:
    """``fn``'s gradients as Tensors that carry their own graph (``create_graph=True``)."""
    if fn.differentiable_backward:
        tensors = saved_tensors(fn, node)
        if any(t is None for t in tensors):
            raise RuntimeError(
                f"create_graph=True: {fn.name} saved a value that is neither one of its inputs "
                "nor its output, so backward cannot be given it as a Tensor; save only inputs "
                "and the output (keep other values as constants on self)"
            )
        return fn.backward(g, tuple(tensors))
    composite = getattr(fn, "composite", None)
    if composite is not None:  # a fused op: differentiate its composite form instead
        needed = [t for t, need in zip(fn.inputs, fn.needs_grad, strict=True) if need]
        found = iter(
            run_backward(
                [composite(*fn.inputs)], [g], needed, create_graph=True, stop_at_inputs=True
            )
            or ()
        )
        return tuple(next(found) if need else None for need in fn.needs_grad)
    raise RuntimeError(
        f"create_graph=True: {fn.name}.backward computes with NumPy arrays, so its result cannot "
        f"be differentiated again. Give {fn.name} a composite(*inputs) method (the same function "
        "in built-in Tensor ops), or write backward with operators and tinygrad_edu.ops.dual "
        "functions and set differentiable_backward = True"
    )


def accumulate(node: Node, g: Array, owned: bool = False) -> None:
    """Add ``g`` into ``node.grad``, which always has the node's shape and dtype.

    The first gradient is copied, because ``g`` may be shared (``Add`` hands one array to both
    inputs, an op may return an array it saved) and later gradients are added into ``.grad`` in
    place. When the caller knows nobody else holds ``g`` (``owned``), the array itself is kept,
    as PyTorch does: for a big weight matrix that copy costs more than the rest of the step.
    """
    data = node.data
    assert g.shape == data.shape, f"engine: gradient {g.shape} for data {data.shape}"
    if node.grad is None:
        node._grad_tensor = None  # ``grad = None`` (zero_grad) forgot the gradient: forget both
        if owned and g.base is None and g.dtype == data.dtype and g.flags.writeable:
            node.grad = g
        else:
            node.grad = np.array(g, dtype=data.dtype)  # a copy, and an ndarray even for 0-d
    else:
        node.grad += g
    if node._grad_tensor is not None:  # an earlier create_graph pass: keep both in step
        node._grad_tensor = node._grad_tensor + g  # (a Tensor copies an array it is given)


def accumulate_tensor(node: Any, g: Any) -> None:
    """``create_graph``: ``.grad`` gets the value, ``.grad_tensor`` the differentiable gradient."""
    previous = node._grad_tensor if node.grad is not None else None  # (None: forgotten)
    node._grad_tensor = None  # (so that ``accumulate`` does not add g twice)
    accumulate(node, g.data)
    node._grad_tensor = g if previous is None else previous + g


def _references(x: object) -> int:
    return getrefcount(x)


def _sole_reference_count() -> int:
    """What ``_references`` reports for an object held by nothing but one local variable.

    The count includes the call's own references, which differ between Python versions, so it is
    measured once, by the same calling pattern as in ``run_backward``. Any other holder (a dict, a
    saved array of an op, a view) adds a strong reference and makes the count larger.
    """
    g = np.empty(0)
    return _references(g)


# Free-threaded Pythons count references per thread, so the count proves nothing there: copy.
_SOLE = -1 if sysconfig.get_config_var("Py_GIL_DISABLED") else _sole_reference_count()
