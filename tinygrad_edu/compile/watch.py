"""What a trace watches while the step runs, beyond the graph the step records.

Four things a step can do leave no trace in its graph, and each decides whether and how the
step may be replayed:

* it reads a tensor's value into Python (``.item()``, ``float(t)``, ``t.data`` in the user's
  code): a branch on it, or an array made from it, would be frozen (``watch_reads``);
* it reads a module's ``training`` flag (``Dropout`` and ``BatchNorm1d`` do): what the replay does
  holds only in that mode (``watch_modes``);
* it runs an op that is not recorded, because none of its inputs needs a gradient (``xb.clip(0,
  1)`` on a batch): the result is a constant to the graph, yet it was computed from this call's
  inputs, and the replay must compute it again (``watch_unrecorded``);
* it makes a tensor from NumPy or Python values (``Tensor(rng.random(3) > 0.5)``): the replay
  could only freeze it, even when the step keeps it somewhere outside (``watch_made``).

Each watcher replaces a class attribute for the duration of one trace and puts it back after, so
none of this costs anything outside tracing; another thread's work in the meantime can only add
notes, which make the step more cautious, never less.
"""

from __future__ import annotations

import os
import sys
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

import numpy as np

from ..autograd import Array, Function
from ..guards import changes, next_seq
from ..nn.module import Module
from ..tensor import Tensor
from ..tensor_values import ArrayFacts

__all__ = [
    "Comparison",
    "Detached",
    "Effects",
    "Noted",
    "Unrecorded",
    "noted_as",
    "watch_made",
    "watch_modes",
    "watch_reads",
    "watch_unrecorded",
    "where_in_user_code",
]

#: The library's own modules, whose reads of ``t.data`` run the ops.
_PACKAGE = __name__.split(".")[0]

#: The ways a tensor's value reaches Python, watched while a step is traced.
_READS = ("item", "__float__", "__bool__", "__int__", "numpy", "__array__", "tolist")

#: Where ``Tensor`` runs an op (recorded or not): ``_unary``, ``_binary``, and ``_from_op`` for
#: any number of inputs.
_RUNNERS = ("_unary", "_binary", "_from_op")


class Comparison(Function):
    """f(a, b) = a ○ b elementwise, ○ one of ``<, <=, >, >=, ==, !=`` (``np.greater``, ...): a
    boolean mask, with no derivative. Comparisons are not ops of the graph; this is what a
    replay runs to make the mask again from that call's values."""

    __slots__ = ("compare",)

    def __init__(self, compare: Callable[[Array, Array], Any]) -> None:
        self.compare = compare

    def forward(self, a: Array, b: Array) -> Array:
        return np.asarray(self.compare(a, b))


class Detached(Function):
    """f(a) = a, with no history (``t.detach()``): what a replay runs in its place."""

    __slots__ = ()

    def forward(self, a: Array) -> Array:
        return a


class Unrecorded:
    """A tensor an op computed without recording it: the op, its inputs and when it ran (and,
    for a tensor made from values, where in the user's code: ``where``)."""

    __slots__ = ("fn", "inputs", "order", "ref", "where")

    def __init__(
        self, out: Tensor, fn: Any, inputs: tuple[Tensor, ...], order: int, where: str = ""
    ) -> None:
        self.ref, self.fn, self.inputs, self.order = weakref.ref(out), fn, inputs, order
        self.where = where


def _in_library(frame: FrameType) -> bool:
    name: str = frame.f_globals.get("__name__", "")
    return name == _PACKAGE or name.startswith(_PACKAGE + ".")


def where_in_user_code() -> str:
    """``file:line`` of the innermost frame outside the library: the user's line that did it."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and _in_library(frame):
        frame = frame.f_back
    if frame is None:
        return "the library"
    return f"{os.path.basename(frame.f_code.co_filename)}:{frame.f_lineno}"


Noted = dict[int, Unrecorded]


@contextmanager
def watch_reads(seen: list[str]) -> Iterator[None]:
    """Note every read of a tensor's value into Python while the block runs.

    That includes ``t.data`` read by code outside the library (a mask ``x.data > 0`` made with
    NumPy would be frozen too); the library reads ``.data`` everywhere, to run the ops.
    """
    originals = {name: ArrayFacts.__dict__[name] for name in _READS if name in ArrayFacts.__dict__}

    def watching(name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        def read(self: Any, *args: Any, **kwargs: Any) -> Any:
            seen.append(f"{name} at {where_in_user_code()}")
            return method(self, *args, **kwargs)

        return read

    slot = Tensor.__dict__["data"]

    def read_data(t: Tensor) -> Any:
        if not _in_library(sys._getframe(1)):
            seen.append(f"data at {where_in_user_code()}")
        return slot.__get__(t, Tensor)

    def write_data(t: Tensor, value: Any) -> None:
        slot.__set__(t, value)

    for name, method in originals.items():
        setattr(ArrayFacts, name, watching(name, method))
    setattr(Tensor, "data", property(read_data, write_data))  # noqa: B010 (a slot, for mypy)
    try:
        yield
    finally:
        setattr(Tensor, "data", slot)  # noqa: B010
        for name, method in originals.items():
            setattr(ArrayFacts, name, method)


@contextmanager
def watch_modes(seen: dict[int, tuple[Module, bool]]) -> Iterator[None]:
    """Note every module whose ``training`` flag is read while the block runs, with the first
    value it showed.

    ``training`` is a plain attribute; while the block runs ``Module`` has a property of that
    name instead, which reads and writes the same instance attribute.
    """
    default = Module.__dict__["training"]

    def read(module: Module) -> bool:
        value: bool = module.__dict__.get("training", default)
        seen.setdefault(id(module), (module, bool(value)))
        return value

    def write(module: Module, value: bool) -> None:
        module.__dict__["training"] = value

    Module.training = property(read, write)  # type: ignore[assignment]
    try:
        yield
    finally:
        Module.training = default


class Effects:
    """The in-place changes a step makes, told apart: those made by ops that exist to change
    state (``changes_state``: ``BatchNorm1d``'s running statistics), which a replay runs again,
    and any other (an in-place op, Python changing a tensor), which a replay would skip.

    A change moves ``changes.last``; one seen outside such an op's run is another change.
    ``kept`` holds those ops' results, which nothing reads but the replay must compute.
    """

    __slots__ = ("kept", "other", "seen")

    def __init__(self) -> None:
        self.seen, self.other = changes.last, False
        self.kept: list[Tensor] = []

    def entering(self) -> None:
        """Before such an op runs: a change since the last one seen was another change."""
        self.other = self.other or changes.last != self.seen

    def left(self, out: Tensor) -> None:
        """After such an op ran (its result ``out``): its changes are accounted for."""
        self.seen = changes.last
        self.kept.append(out)

    def any_other(self) -> bool:
        """Whether the step changed anything in place other than through such ops."""
        return self.other or changes.last != self.seen


@contextmanager
def watch_unrecorded(noted: Noted, effects: Effects) -> Iterator[None]:
    """Note every tensor an op computed without recording it while the block runs.

    The replay runs those ops again, in their place among the recorded ones (``xb.clip(0, 1)``,
    a flatten of the batch, ``BatchNorm1d`` in evaluation mode, a loss's ``Targets``). So the
    trace knows where every value came from and never has to guess by comparing values:
    ``xb.clip(0, 1)`` equals ``xb`` for the traced batch but not for the next. A comparison's
    mask and a ``detach()`` are not ops of the graph; they are noted as a ``Comparison`` and a
    ``Detached`` to run again. An op that changes state (``effects``) is noted even though
    nothing reads its result.
    """
    originals = {name: Tensor.__dict__[name] for name in _RUNNERS}

    def watching(run: Callable[..., Tensor]) -> Any:
        def runs(fn: Any, *inputs: Tensor) -> Tensor:
            effect = getattr(fn, "changes_state", False)
            if effect:
                effects.entering()
            out = run(fn, *inputs)
            if effect:
                effects.left(out)
            if out.grad_fn is None:  # (its place among the recorded ops: a creation number)
                noted[id(out)] = Unrecorded(out, fn, inputs, next_seq())
            return out

        return staticmethod(runs)

    compare, detach = ArrayFacts.__dict__["_compare"], Tensor.__dict__["detach"]

    def comparing(t: Any, other: Any, op: Any) -> Any:
        out = compare(t, other, op)
        b = other if isinstance(other, Tensor) else t._lift(other)  # (a number: as ops take it)
        noted[id(out)] = Unrecorded(out, Comparison(op), (t, b), next_seq())
        return out

    def detaching(t: Tensor) -> Tensor:
        out: Tensor = detach(t)
        noted[id(out)] = Unrecorded(out, Detached(), (t,), next_seq())
        return out

    for name, method in originals.items():
        setattr(Tensor, name, watching(method.__func__))
    setattr(ArrayFacts, "_compare", comparing)  # noqa: B010
    setattr(Tensor, "detach", detaching)  # noqa: B010
    try:
        yield
    finally:
        for name, method in originals.items():
            setattr(Tensor, name, method)
        setattr(ArrayFacts, "_compare", compare)  # noqa: B010
        setattr(Tensor, "detach", detach)  # noqa: B010


def noted_as(noted: Noted, t: Tensor | None) -> Unrecorded | None:
    """What ``watch_unrecorded`` noted of this very tensor (not merely one with its id)."""
    entry = noted.get(id(t))
    return entry if t is not None and entry is not None and entry.ref() is t else None


@contextmanager
def watch_made(made: Noted) -> Iterator[None]:
    """Note every tensor made with ``Tensor(...)`` or ``Tensor.from_numpy`` while the block runs.

    Such a tensor that is still alive after the step looks like one the step reads (a parameter,
    a tensor it closes over) — but it was made *by* the step, from values a replay would freeze.
    """
    init, from_numpy = Tensor.__dict__["__init__"], Tensor.__dict__["from_numpy"]

    def note(t: Tensor) -> None:
        made[id(t)] = Unrecorded(t, None, (), next_seq(), where_in_user_code())

    def initialising(t: Tensor, *args: Any, **kwargs: Any) -> None:
        init(t, *args, **kwargs)
        note(t)

    def sharing(array: Array, requires_grad: bool = False) -> Tensor:
        t: Tensor = from_numpy.__func__(array, requires_grad)
        note(t)
        return t

    setattr(Tensor, "__init__", initialising)  # noqa: B010
    setattr(Tensor, "from_numpy", staticmethod(sharing))  # noqa: B010
    try:
        yield
    finally:
        setattr(Tensor, "__init__", init)  # noqa: B010
        setattr(Tensor, "from_numpy", from_numpy)  # noqa: B010
