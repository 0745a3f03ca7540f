"""Tracing: run one training step eagerly and write down what it did.

The step runs as usual — ``zero_grad``, ``loss = fn(*inputs)``, backward —
and the graph it builds *is* the record: every recorded op (a ``Function`` with its parameters),
and for each op input where its value came from:

* ``("op", k)`` — the output of the k-th recorded op (an intermediate);
* ``("input", i)`` — the i-th argument of the step;
* ``("tensor", t)`` — a tensor that lives outside the step (a parameter, a number of the
  expression, a tensor the function closes over), read afresh at every call.

Work the graph does not record (see ``watch``) is noted while the step runs and written down
as ops too, in its place; none of it has a gradient.

The backward pass runs through the engine with a step hook, so the trace also knows in which
order the engine took the nodes and the shape of every gradient: the replay adds the same
gradients in the same order, which is what makes its results the same bits.

Some steps cannot be replayed: one that reads a tensor's value into Python (``.item()``,
``float(t)``, ``bool(t)``, ``.numpy()``) may branch on it; one that makes a new tensor from NumPy
(a random mask) would freeze it; one with tensor hooks or in-place changes runs Python the replay
would skip. ``Trace.reason`` then says why, and the step stays eager. The trace also notes which
modules' ``training`` flag the step read (a ``Dropout`` does nothing in evaluation mode): the
guard checks those flags, so a switch between ``train()`` and ``eval()`` traces again.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..autograd import Array, Function, run_backward
from ..guards import next_seq
from ..nn.module import Module
from ..ops import Index, IndexBy, Scatter
from ..optim.base import Optimizer
from ..tensor import Constant, Tensor, backward_seed
from .detached import detached
from .guards import picked_by
from .watch import (
    Effects,
    Noted,
    Unrecorded,
    noted_as,
    watch_made,
    watch_modes,
    watch_reads,
    watch_unrecorded,
)

__all__ = ["BackwardStep", "Trace", "trace_step"]

Source = tuple[Any, ...]


@dataclass
class BackwardStep:
    """One node of the engine's walk: op ``k``; per input, the gradient's shape and dtype, or
    None."""

    k: int
    grad_shapes: tuple[tuple[int, ...] | None, ...]
    grad_dtypes: tuple[np.dtype[Any] | None, ...]


@dataclass
class Trace:
    """What one eager step did, in a form the code generator can write out.

    ``ops[k]`` is a fresh copy of the k-th op the loss depends on, in creation order (its
    parameters, no graph links): the recorded ops, and in their place the work the graph does not
    record (ops on values that need no gradient, a comparison's mask, a ``detach()``);
    ``sources[k]`` where each of its inputs came from; ``shapes[k]`` its output's shape;
    ``walk`` the backward pass in the engine's order; ``leaves`` the tensors that received a
    gradient, in the order the engine gave it to them; ``loss`` the index of the loss op.
    """

    ops: list[Function] = field(default_factory=list)
    sources: list[tuple[Source, ...]] = field(default_factory=list)
    shapes: list[tuple[int, ...]] = field(default_factory=list)
    walk: list[BackwardStep] = field(default_factory=list)
    leaves: list[Tensor] = field(default_factory=list)
    loss: int = -1
    seed: Array | None = None
    value: float = float("nan")
    reason: str | None = None
    #: The modules whose ``training`` flag the step read, with the value each one showed.
    modes: list[tuple[Module, bool]] = field(default_factory=list)
    #: Boolean masks (arrays ``fn`` captured, or tensors) that ops index with from outside the
    #: step, with how many elements each picked.
    masks: list[tuple[Any, int]] = field(default_factory=list)


def trace_step(fn: Callable[..., Any], optimizer: Optimizer, inputs: Sequence[Tensor]) -> Trace:
    """Run ``zero_grad``, ``fn(*inputs)`` and the backward pass eagerly, and trace them.

    The gradients are left in ``.grad`` (the caller applies the update); ``Trace.reason`` is set
    when the step cannot be replayed. Raises if ``fn`` does not return a one-element loss Tensor.
    """
    optimizer.zero_grad()
    reads: list[str] = []
    modes: dict[int, tuple[Module, bool]] = {}
    computed: Noted = {}
    made: Noted = {}
    effects, start = Effects(), next_seq()
    with (
        watch_reads(reads),
        watch_modes(modes),
        watch_unrecorded(computed, effects),
        watch_made(made),
    ):
        loss = fn(*inputs)
    changed = effects.any_other()
    if not isinstance(loss, Tensor) or loss.data.size != 1:
        what = type(loss).__name__ if not isinstance(loss, Tensor) else f"shape {loss.shape}"
        raise TypeError(f"compile_step: fn must return a one-element loss Tensor, got {what}")
    seed = backward_seed(loss, None, "compile_step")
    visits: list[tuple[Tensor, tuple[Any, ...]]] = []

    def note(node: Any, g: Any, input_grads: Sequence[Any], keep: Any = visits.append) -> None:
        keep((node, tuple(input_grads)))

    run_backward((loss,), (seed,), hook=note)
    value = float(loss.data.reshape(()))
    trace, fresh = _describe(loss, visits, inputs, computed, start, effects.kept)
    trace.seed, trace.value, trace.modes = seed, value, list(modes.values())
    places = {k: e.where for k, (ref, _) in fresh.items() if (e := noted_as(made, ref()))}
    del loss, visits, note, computed, effects  # the graph goes: what survives is held outside
    _settle(trace, fresh, made, places)
    if any(t.requires_grad for t in inputs):
        trace.reason = "an input of the step requires grad; only parameters are traced"
    if reads:
        trace.reason = (
            f"the step read a tensor's value into Python ({', '.join(sorted(set(reads)))}); "
            "a branch on it, or an array made from it, would be frozen, so every call runs "
            "eagerly (for a shape, read t.shape)"
        )
    elif changed:
        trace.reason = (
            "the step changed a tensor in place (an in-place op such as t += 1, or code writing "
            "into a tensor's data); a replay would skip it, so every call runs eagerly"
        )
    return trace


Fresh = dict[int, tuple["weakref.ref[Tensor]", Array]]


def _describe(
    loss: Tensor,
    visits: list[tuple[Tensor, tuple[Any, ...]]],
    inputs: Sequence[Tensor],
    noted: Noted,
    start: int,
    effects: list[Tensor],
) -> tuple[Trace, Fresh]:
    """The trace of the walk's ``visits``; ``start``: the creation number when the step began;
    ``effects``: the results of ops that change state, which nothing reads."""
    trace = Trace()
    visited = [node for node, _ in visits]
    if any(node.grad_fn.seq < start for node in visited):  # type: ignore[union-attr]
        trace.reason = (
            "the step's backward reaches ops recorded before the step (a tensor it reads was "
            "computed outside fn, with its history); a replay would compute them again, so "
            "every call runs eagerly"
        )
    recipes = _off_the_walk(visited, noted, start, effects)
    nodes = sorted(  # (in creation order: unrecorded work may read a recorded result, no_grad)
        [*visited, *(t for t, _ in recipes.values())],
        key=lambda t: t.grad_fn.seq if id(t) not in recipes else recipes[id(t)][1].order,  # type: ignore[union-attr]
    )
    index = {id(node): k for k, node in enumerate(nodes)}
    by_input = {id(t): i for i, t in enumerate(inputs)}
    fresh: Fresh = {}
    for node in nodes:
        entry = recipes[id(node)][1] if id(node) in recipes else None
        fn: Any = node.grad_fn if entry is None else entry.fn
        if node._hooks is not None:
            trace.reason = "a tensor of the step has hooks (register_hook, retain_grad)"
        if any(tag[0] == "recorded_at" for tag in getattr(fn, "tags", ())):
            trace.reason = "anomaly mode was on inside the step (a replay checks nothing)"
        sources: list[Source] = []
        for t in fn.inputs:
            if id(t) in by_input:
                sources.append(("input", by_input[id(t)]))
            elif id(t) in index:
                sources.append(("op", index[id(t)]))
            elif t.requires_grad or isinstance(t, Constant):
                sources.append(("tensor", t))
            else:  # a constant made during the step, or one kept outside: decided below
                fresh[id(t)] = (weakref.ref(t), t.data)
                sources.append(("fresh", id(t)))
        _note_masks(trace, fn, sources)
        op = detached(fn)
        if entry is not None and node.grad_fn is None:  # (run unrecorded: no gradients)
            op.needs_grad = (False,) * len(fn.inputs)
        trace.ops.append(op)
        trace.sources.append(tuple(sources))
        trace.shapes.append(node.data.shape)
    trace.loss = index[id(loss)]
    for node, grads in visits:
        shapes = tuple(None if g is None else tuple(g.shape) for g in grads)
        dtypes = tuple(None if g is None else g.dtype for g in grads)
        trace.walk.append(BackwardStep(index[id(node)], shapes, dtypes))
        for t, g in zip(node.grad_fn.inputs, grads, strict=True):  # type: ignore[union-attr]
            if g is not None and t.requires_grad and t.grad_fn is None:
                if t._hooks is not None:
                    trace.reason = "a tensor of the step has hooks (register_hook, retain_grad)"
                if not any(t is seen for seen in trace.leaves):
                    trace.leaves.append(t)
    return trace, fresh


def _off_the_walk(
    visited: list[Tensor], noted: Noted, start: int, effects: list[Tensor]
) -> dict[int, tuple[Tensor, Any]]:
    """The ops the step ran that the backward walk did not visit, but whose results the visited
    ones read, directly or through each other — or that change state (``effects``): unrecorded
    work (an op whose inputs need no gradient, a comparison's mask, a ``detach()``; what was
    noted of it) and ops the step recorded whose result only such work reads (noted as a
    stand-in, ``order`` their ``seq``). A result recorded before the step (``seq < start``) is a
    tensor the step reads."""
    seen = {id(t) for t in visited}
    found: dict[int, tuple[Tensor, Any]] = {}
    stack: list[Any] = [t for node in visited for t in node.grad_fn.inputs]  # type: ignore[union-attr]
    stack += effects
    while stack:
        t = stack.pop()
        if id(t) in seen or id(t) in found:
            continue
        entry = noted_as(noted, t)
        if entry is None and t.grad_fn is not None and t.grad_fn.seq > start:  # off the walk
            entry = Unrecorded(t, t.grad_fn, t.grad_fn.inputs, t.grad_fn.seq)
        if entry is None:  # an input, a parameter, a constant: no op made it in the step
            continue
        entry.fn.inputs = entry.inputs  # (what ``_detached`` reads, as for a recorded op)
        found[id(t)] = (t, entry)
        stack.extend(entry.inputs)
    return found


def _note_masks(trace: Trace, fn: Function, sources: list[Source]) -> None:
    """The boolean masks an indexing op picks with. How many elements a mask picks decides every
    shape after it: one the step computes, or is given as an input, may pick another number at
    any call, so the step stays eager; one it reads from outside (a captured array, a tensor) is
    guarded by its count."""
    masks: list[Any] = []
    if isinstance(fn, IndexBy):
        for t, src in zip(fn.inputs[1:], sources[1:], strict=True):
            if t.data.dtype != np.bool_:
                continue
            if src[0] in ("op", "input"):
                trace.reason = (
                    "the step indexes with a boolean mask it computed (x[x > 0]): how many "
                    "elements are picked depends on the values, and so does every shape after "
                    "it; every call runs eagerly (where(mask, x, 0) keeps the shape, and compiles)"
                )
            else:
                masks.append(t)  # (a tensor read at every call: its data's count is guarded)
        index = fn.template
    elif isinstance(fn, (Index, Scatter)):
        index = fn.index
    else:
        return
    parts = index if isinstance(index, tuple) else (index,)
    masks += [p for p in parts if isinstance(p, np.ndarray) and p.dtype == np.bool_]
    trace.masks += [(m, picked_by(m)) for m in masks]


def _settle(trace: Trace, fresh: Fresh, made: Noted, places: dict[int, str]) -> None:
    """Decide each constant tensor no op made: one that lives outside the step (read at every
    call), or one the step made from NumPy (it stays eager: a replay would freeze it), even if
    the step keeps it somewhere (``made``: the tensors made while ``fn`` ran; ``places``: where
    in the user's code each was made)."""
    recipes: dict[int, Source] = {}
    for key, (ref, data) in fresh.items():
        kept = ref()
        if kept is not None and noted_as(made, kept) is None:
            recipes[key] = ("tensor", kept)
            continue
        recipes[key] = ("input", -1)
        place = f" at {places[key]}" if key in places else ""
        trace.reason = (
            f"the step made a tensor of shape {data.shape} from NumPy{place} (a random mask "
            "drawn in fn, a Tensor(array) made in fn, or a value computed outside the graph); the "
            "replay would freeze it, so every call runs eagerly (pass it in as an input, or make "
            "it outside fn)"
        )
    trace.sources = [
        tuple(recipes[s[1]] if s[0] == "fresh" else s for s in sources) for sources in trace.sources
    ]
