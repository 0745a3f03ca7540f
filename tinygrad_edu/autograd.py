"""The engine: the ``Function`` base class, ``unbroadcast`` and backprop.

Every operation on tensors is a ``Function``: ``forward`` maps input arrays to an output array and
keeps what the derivative will need; ``backward`` maps the gradient of the output (the *upstream*
gradient ``g = ∂L/∂out``) to one gradient per input (``∂L/∂xᵢ = g · ∂out/∂xᵢ``). The tensor an
operation produces remembers the Function as its ``grad_fn``, and the Function remembers its input
tensors, so the tensors and Functions together form the computation graph.

``backward(root)`` walks that graph from the root to the leaves in reverse topological order
(newest op first, see ``backward``), so that every node has received the contributions of all its
consumers before it passes its own gradient on. Two rules keep the ops simple:

* ops may return gradients in the *broadcast* shape; the engine reduces them to each input's shape
  once, here, with ``unbroadcast``;
* when a tensor feeds several consumers (a "diamond"), their contributions are **added**.

The graph is not freed by ``backward``: calling it again works like PyTorch's
``retain_graph=True`` and accumulates into ``.grad`` once more. The graph lives exactly as long as
the output tensor does; drop the loss and the whole graph is garbage.
"""

from __future__ import annotations

import itertools
import sysconfig
from collections.abc import Callable, Sequence
from heapq import heappop, heappush
from sys import getrefcount
from typing import Any, ClassVar, Protocol

import numpy as np
from numpy.typing import NDArray

Array = NDArray[Any]
Grads = tuple["Array | None", ...]


#: ``np.add.reduce``, the C sum behind ``ndarray.sum`` and ``np.mean``, without their Python
#: wrappers (about 1 µs per call on small arrays); typed loosely for its keepdims overloads.
add_reduce: Callable[..., Array] = np.add.reduce


#: The next ``Function.seq``: a counter shared by every graph, so newer ops have larger numbers.
next_seq: Callable[[], int] = itertools.count().__next__


class Node(Protocol):
    """What the engine needs of a tensor (``Tensor`` is the one implementation)."""

    data: Array
    grad: Array | None
    requires_grad: bool
    grad_fn: Function | None
    retains_grad: bool


class Function:
    """One differentiable operation: ``forward`` and ``backward`` side by side.

    Subclasses set ``formula`` to their local derivative rule (shown in graph pictures) and write
    the math in their docstring. ``backward`` returns one gradient per input, in input order;
    ``None`` for an input that needs none (``self.needs_grad[i]`` is False), which lets an op skip
    work such as the gradient of a matmul with respect to the data.
    """

    __slots__ = ("__weakref__", "inputs", "needs_grad", "seq", "tags")
    formula: ClassVar[str] = ""

    inputs: tuple[Node, ...]
    needs_grad: tuple[bool, ...]
    #: When the op was recorded (a global counter): outputs are always newer than their inputs.
    seq: int
    #: Notes that tools attach to a node, e.g. ``("layer_call", module, inputs)`` from ``nn``;
    #: unset until the first one (read it with ``getattr(fn, "tags", ())``).
    tags: tuple[tuple[Any, ...], ...]
    #: ``forward(*input_arrays) -> output_array``: compute, and save what ``backward`` needs.
    forward: Callable[..., Array]
    #: ``backward(g) -> (∂L/∂x₁, ∂L/∂x₂, ...)``: one gradient (or None) per input.
    backward: Callable[[Array], Grads]

    @property
    def name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        return f"<{self.name}>"


def unbroadcast(grad: Array, shape: tuple[int, ...]) -> Array:
    """Sum ``grad`` over the axes that broadcasting stretched, so it gets ``shape`` back.

    Broadcasting copies an input along new leading axes and along axes of length 1. Each copy
    received its own gradient; the input's gradient is their sum. E.g. ``(3, 1) + (1, 4)`` makes a
    ``(3, 4)`` output; the first input's gradient is the ``(3, 4)`` gradient summed over axis 1.
    """
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra == 1 and shape and grad.shape[1:] == shape:  # a bias added to every row of a batch
        return add_reduce(grad, axis=0)  # the same sum, without the general case's bookkeeping
    stretched = tuple(range(extra)) + tuple(
        extra + i for i, n in enumerate(shape) if n == 1 and grad.shape[extra + i] != 1
    )
    # One C-level sum over every stretched axis (ndarray.sum adds a Python wrapper).
    return add_reduce(grad, axis=stretched, keepdims=True).reshape(shape)


#: ``hook(node, upstream, input_grads)`` is told each step of a backward pass (used by viz).
StepHook = Callable[[Node, Array, Sequence["Array | None"]], None]


def backward(root: Node, grad: Array, hook: StepHook | None = None) -> None:
    """Backpropagate ``grad`` (``∂L/∂root``, shape of ``root``) through the graph of ``root``.

    Leaves (tensors with no ``grad_fn``) and tensors that called ``retain_grad()`` accumulate into
    ``.grad``; gradients of other intermediate tensors live only during the walk.

    Order: every op's output is made after its inputs, so the order in which Functions were
    created (``Function.seq``) is already a topological order. The walk keeps the nodes that
    have received a gradient in a heap and always takes the newest: by then every consumer of
    it (all newer) has handed its share over. No separate sort pass is needed, and only nodes
    reachable from ``root`` are ever touched. Leaves wait until the end.
    """
    if root.grad_fn is None:
        _accumulate(root, grad)
        return
    leaves = _propagate(root, grad, hook)
    for leaf in list(leaves):
        g = leaves.pop(leaf)
        owned = _references(g) <= _SOLE  # (not inside the call below: its arguments count)
        _accumulate(leaf, g, owned)


def _propagate(root: Node, grad: Array, hook: StepHook | None) -> dict[Node, Array]:
    """Walk the graph of ``root`` newest node first; return the leaves' summed gradients."""
    fn = root.grad_fn
    assert fn is not None
    pending: dict[Node, Array] = {root: grad}
    queue = [(-fn.seq, root)]
    take, get = pending.pop, pending.get
    while queue:
        node = heappop(queue)[1]
        g = take(node)
        fn = node.grad_fn
        assert fn is not None
        if node.retains_grad:
            _accumulate(node, g)
        input_grads = fn.backward(g)
        if len(input_grads) != len(fn.inputs):  # a user's Function must not lose a gradient
            raise TypeError(
                f"{fn.name}.backward returned {len(input_grads)} gradients for "
                f"{len(fn.inputs)} inputs; return one per input (None where there is none)"
            )
        if hook is not None:
            hook(node, g, input_grads)
        for parent, pg in zip(fn.inputs, input_grads):  # noqa: B905 (lengths checked above)
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


def _accumulate(node: Node, g: Array, owned: bool = False) -> None:
    """Add ``g`` into ``node.grad``, which always has the node's shape and dtype.

    The first gradient is copied, because ``g`` may be shared (``Add`` hands one array to both
    inputs, an op may return an array it saved) and later gradients are added into ``.grad`` in
    place. When the caller knows nobody else holds ``g`` (``owned``), the array itself is kept,
    as PyTorch does: for a big weight matrix that copy costs more than the rest of the step.
    """
    data = node.data
    assert g.shape == data.shape, f"engine: gradient {g.shape} for data {data.shape}"
    if node.grad is None:
        if owned and g.base is None and g.dtype == data.dtype and g.flags.writeable:
            node.grad = g
        else:
            node.grad = np.array(g, dtype=data.dtype)  # a copy, and an ndarray even for 0-d
    else:
        node.grad += g


def _references(x: object) -> int:
    return getrefcount(x)


def _sole_reference_count() -> int:
    """What ``_references`` reports for an object held by nothing but one local variable.

    The count includes the call's own references, which differ between Python versions, so it is
    measured once, by the same calling pattern as in ``backward``. Any other holder (a dict, a
    saved array of an op, a view) adds a strong reference and makes the count larger.
    """
    g = np.empty(0)
    return _references(g)


# Free-threaded Pythons count references per thread, so the count proves nothing there: copy.
_SOLE = -1 if sysconfig.get_config_var("Py_GIL_DISABLED") else _sole_reference_count()
