"""What keeps a gradient from being silently wrong: version checks, anomaly checks, op checks.

* **In-place changes.** An op's backward uses values it saved in forward (``Mul`` saves both
  factors). If one of them is changed in place before ``backward`` — an optimizer step, ``w -= …``
  under ``no_grad`` — the gradient would be computed at the new value, silently. Every such change
  made through the library calls ``mark_changed(t)``, which bumps ``t``'s version and stamps it
  with the engine's creation counter (``next_seq``). An op recorded *before* that stamp that
  saved ``t`` raises in backward (``check_versions``), as PyTorch's "modified by an inplace
  operation" does.

  Cost: nothing per op. Ops already carry their creation number ``seq``; the walk compares it
  with ``changes.last``, the stamp of the newest in-place change anywhere, and looks closer only
  for ops older than that.
* **Anomalies.** Inside ``detect_anomaly()`` every forward value (``check_forward``) and every
  gradient (``check_backward``) must be finite; the first that is not raises, naming the op and,
  for a gradient, where the op was recorded in the user's code.
* **A user's op.** ``checked_backward`` wraps the backward of a ``Function`` subclass written
  outside the library so that a wrong number, shape or dtype of gradients is named at once.
"""

from __future__ import annotations

import functools
import inspect
import itertools
import traceback
import weakref
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

Array = NDArray[Any]

#: The engine's creation counter (shared with ``autograd``): ops and in-place changes draw from it.
next_seq: Callable[[], int] = itertools.count(1).__next__

#: How many change stamps a tensor keeps, to say which version an op saved.
KEPT_STAMPS = 8


class _Changes:
    __slots__ = ("last",)

    def __init__(self) -> None:
        self.last = 0  # the stamp of the newest in-place change anywhere (0: none yet)


changes = _Changes()


def mark_changed(*tensors: Any) -> None:
    """Record that each tensor's data was just changed in place: bump its version, stamp it.

    The stamp is also kept for the memory ``t.data`` lives in, so that a *view* of it that an op
    saved (``w.T``, ``w.reshape(...)``, ``x[1:]``) is caught as changed too. Tensors changed
    together (one optimizer step) share one stamp: no op can be recorded in between.
    """
    if not tensors:
        return
    stamp = next_seq()
    for t in tensors:
        try:
            stamps = t._stamps
        except AttributeError:  # the tensor's first change
            stamps = t._stamps = Stamps()
            t._version = 0
        stamps.append(stamp)
        t._version += 1
        data = t.data
        if stamps.data is not data:  # (a new array since the last change: find its memory)
            stamps.data, stamps.entry = data, _memory_entry(data, t)
        entry = stamps.entry
        if entry is not None:
            entry[0] = stamp
            entry[2] = t
    if len(_changed_memory) > 4096:  # forget memory that no longer exists
        for key, (_, ref, _t) in list(_changed_memory.items()):
            if ref() is None:
                del _changed_memory[key]
    changes.last = stamp


class Stamps(deque[int]):
    """A tensor's last ``KEPT_STAMPS`` change stamps (the oldest drops out), and the entry of
    ``_changed_memory`` for the array they were made on: the same array changes at every
    optimizer step, and looking its memory up again each time would cost most of the stamp."""

    __slots__ = ("data", "entry")

    def __init__(self) -> None:
        super().__init__((), KEPT_STAMPS)
        # Held, so that its memory and entry stay alive (and its id is not reused): an array
        # replaced in ``t.data`` is freed at the tensor's next change, or with the tensor.
        self.data: Any = None
        self.entry: list[Any] | None = None

    def __reduce__(self) -> tuple[type[Stamps], tuple[()], None, Iterator[int]]:
        # A copy (deepcopy, pickle) keeps the stamps but not the entry: a copied entry would
        # not be the one in ``_changed_memory``, and changes of the copy would go unseen.
        return Stamps, (), None, iter(self)


def _memory_entry(data: Any, t: Any) -> list[Any] | None:
    """The ``_changed_memory`` entry of the memory ``data`` lives in (made if new), or None for
    memory owned by an object that cannot be weakly referenced (it is then not tracked)."""
    owner = data if data.base is None else _owner(data)  # (most tensors own their memory)
    entry = _changed_memory.get(id(owner))
    if entry is None or entry[1]() is not owner:  # (new memory, or an id reused)
        try:
            entry = [0, weakref.ref(owner), t]
        except TypeError:
            return None
        _changed_memory[id(owner)] = entry
    return entry


#: id of an array that owns memory → [stamp of its last in-place change, the array, the tensor].
_changed_memory: dict[int, list[Any]] = {}


def _owner(a: Any) -> Any:
    """The array that owns ``a``'s memory (``a`` itself unless it is a view)."""
    while getattr(a, "base", None) is not None:  # (a stride-tricks view's base is a wrapper)
        a = a.base
    return a


def version(t: Any) -> int:
    """How many times ``t`` was changed in place through the library (0 for a fresh tensor)."""
    return int(getattr(t, "_version", 0))


def _describe(t: Any) -> str:
    name = getattr(t, "name", None)
    return f"{name!r} (shape {t.data.shape})" if name else f"a tensor of shape {t.data.shape}"


def saved_tensors(fn: Any, node: Any) -> list[Any | None]:
    """For each value ``fn`` saved, the tensor whose data it is: an input, or ``node`` (the output).

    ``None`` for a value that is neither (an intermediate result, such as a fused loss's).
    Inputs come first, so an op whose output *is* its input counts it as the input.
    """
    found: list[Any | None] = []
    for value in fn.saved:
        match = next((t for t in fn.inputs if t.data is value), None)
        if match is None and node is not None and node.data is value:
            match = node
        found.append(match)
    return found


def check_versions(fn: Any, node: Any) -> None:
    """Raise ``RuntimeError`` if a value that ``fn`` saved was changed in place since then."""
    for value, t in zip(fn.saved, saved_tensors(fn, node), strict=True):
        stamps = getattr(t, "_stamps", ()) if t is not None else ()
        if stamps and stamps[-1] > fn.seq:
            now = version(t)
            later = sum(1 for s in stamps if s > fn.seq)
            exact = later < len(stamps) or now == len(stamps)  # (older stamps were dropped)
            then = str(now - later) if exact else f"≤ {now - later}"
            role = "its output" if t is node else "an input"
            raise RuntimeError(
                f"{fn.name}.backward needs {role}, {_describe(t)}, as it was when {fn.name} "
                f"was recorded, but it was modified in place since: it is at version {now}, "
                f"{fn.name} saved version {then}. {_AGAIN}"
            )
        owner = _owner(value)
        entry = _changed_memory.get(id(owner))
        if entry is not None and entry[1]() is owner and entry[0] > fn.seq:
            raise RuntimeError(
                f"{fn.name}.backward needs a value of shape {np.shape(value)} that shares memory "
                f"with {_describe(entry[2])}, and that tensor was modified in place after "
                f"{fn.name} was recorded (it is at version {version(entry[2])} now). {_AGAIN}"
            )


_AGAIN = (
    "Compute the forward pass again after changing it (for example, call backward before the "
    "optimizer's step)"
)


# --------------------------------------------------------------------------------- anomalies
def _first_bad(values: Array) -> str | None:
    """'nan', 'inf' or '-inf' for the first non-finite element of a float array, else None."""
    if values.dtype.kind != "f" or np.isfinite(values).all():
        return None
    bad = values.reshape(-1)[~np.isfinite(values.reshape(-1))][0]
    return str(bad)


def recorded_at() -> str:
    """The innermost line of user code on the stack (outside this library), as 'file:line'."""
    package = __name__.rsplit(".", 1)[0].replace(".", "/")
    for frame in reversed(traceback.extract_stack()):
        path = frame.filename.replace("\\", "/")
        if f"/{package}/" not in path:
            return f"{frame.filename}:{frame.lineno} ({(frame.line or '').strip()})"
    return "an unknown place"


def check_forward(fn: Any, out: Any) -> None:
    """Anomaly mode: raise if the value ``fn`` just produced holds NaN or ±inf."""
    bad = _first_bad(out.data)
    if bad is not None:
        raise FloatingPointError(
            f"{fn.name} produced {bad} in its output (shape {out.data.shape}) at "
            f"{recorded_at()}; inputs: " + ", ".join(_describe(t) for t in fn.inputs)
        )


def check_backward(fn: Any, node: Any, grads: Sequence[Any]) -> None:
    """Anomaly mode: raise if a gradient ``fn.backward`` returned holds NaN or ±inf."""
    for i, g in enumerate(grads):
        if g is None:
            continue
        bad = _first_bad(g.data if not isinstance(g, np.ndarray) else g)
        if bad is not None:
            where = getattr(fn, "tags", ())
            line = next((tag[1] for tag in where if tag[0] == "recorded_at"), "an unknown place")
            raise FloatingPointError(
                f"{fn.name}.backward returned {bad} in the gradient for input {i} "
                f"({_describe(fn.inputs[i])}); the {fn.name} was recorded at {line}. "
                f"Its output was {_describe(node)}"
            )


# --------------------------------------------------------------------------------- user ops
def checked_backward(backward: Callable[..., Any]) -> Callable[..., Any]:
    """``backward`` of a user's op, checked: one gradient per input, of its shape and dtype.

    A gradient may also have the *broadcast* shape of the op's output (the engine sums it down),
    so the shape check accepts any shape that the input's shape broadcasts to.
    """

    takes_saved = len(inspect.signature(backward).parameters) >= 3  # (self, g, saved)

    @functools.wraps(backward)
    def run(fn: Any, g: Any, saved: Any) -> Any:
        grads = backward(fn, g, saved) if takes_saved else backward(fn, g)
        name, inputs = type(fn).__name__, fn.inputs
        if not isinstance(grads, (tuple, list)):
            grads = (grads,) if len(inputs) == 1 else grads
        if not isinstance(grads, (tuple, list)) or len(grads) != len(inputs):
            count = len(grads) if isinstance(grads, (tuple, list)) else "not a tuple of"
            raise TypeError(
                f"{name}.backward returned {count} gradients for {len(inputs)} inputs; "
                "return one per input (None where there is none)"
            )
        grads = list(grads)
        for i, (t, gi) in enumerate(zip(inputs, list(grads), strict=True)):
            if gi is None:
                continue
            if isinstance(gi, np.generic):  # NumPy's result for 0-d arrays
                gi = np.asarray(gi)
            data = gi if isinstance(gi, np.ndarray) else getattr(gi, "data", None)
            if not isinstance(data, np.ndarray):
                raise TypeError(
                    f"{name}.backward: gradient {i} is a {type(gi).__name__}, not an array"
                )
            shape = t.data.shape
            if data.shape != shape and not _broadcasts_to(shape, data.shape):
                raise ValueError(
                    f"{name}.backward: gradient {i} has shape {data.shape}, but input {i} has "
                    f"shape {shape} (a gradient must have the input's shape, or the output's "
                    "broadcast shape)"
                )
            if data.dtype != t.data.dtype:
                raise TypeError(
                    f"{name}.backward: gradient {i} has dtype {data.dtype}, but input {i} has "
                    f"dtype {t.data.dtype}; return it in the input's dtype"
                )
            grads[i] = gi
        return tuple(grads)

    return run


def _broadcasts_to(shape: tuple[int, ...], target: tuple[int, ...]) -> bool:
    try:
        return np.broadcast_shapes(shape, target) == target
    except ValueError:
        return False
