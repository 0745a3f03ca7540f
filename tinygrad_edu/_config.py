"""Switches that change how operations run, kept **per thread**: grad mode and anomaly mode.

* **Grad mode** — whether new operations are recorded into the graph. ``no_grad()`` turns it off
  inside a ``with`` block or a decorated function, ``enable_grad()`` back on, and
  ``set_grad_enabled(mode)`` sets it as a call or as a context manager. Every entry remembers
  the state it found and restores exactly that on exit, so nesting, recursion, decorators and
  one object entered twice all come out right, and one thread's ``no_grad`` never stops another
  thread from recording (as in PyTorch).
* **Anomaly mode** — ``detect_anomaly()``: every forward value and every gradient is checked for
  NaN and ±inf, and the first one raises, naming the op and, for a gradient, the line of user code
  that recorded the op (see ``autograd.check_forward`` / ``check_backward``).
* **Forward mode** — while ``func.jvp`` runs, ``tangents`` maps tensors to their tangents; every
  recorded op then also applies its tangent rule.

Reading a ``threading.local`` costs about 50 ns, more than the rest of recording an op's flags,
so the hot path first reads ``fast.special``: how many threads have any switch away from its
default. While it is 0 (the usual case), every thread records and nothing else is on. A thread
that changes its own state counts itself in ``special`` before it acts, so it always sees its
own change; other threads then take the slower, exact path.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from typing import Any

#: dtype used for float data when none is given (NumPy's name for it).
DEFAULT_DTYPE = "float64"


class _ThreadModes(threading.local):
    """This thread's switches (each thread starts from the defaults)."""

    def __init__(self) -> None:
        self.grad_enabled = True
        self.anomaly = False
        self.tangents: dict[Any, Any] | None = None
        self.saved: list[tuple[bool, bool]] = []  # what each open context found on entry
        self.special = False  # counted in ``fast.special``


class _Fast:
    """Process-wide: the number of threads with any switch away from its default."""

    __slots__ = ("special",)

    def __init__(self) -> None:
        self.special = 0


modes = _ThreadModes()
fast = _Fast()
_count_lock = threading.Lock()


def _update_special() -> None:
    """Recount this thread in ``fast.special`` after one of its switches changed."""
    special = not modes.grad_enabled or modes.anomaly or modes.tangents is not None
    if special != modes.special:
        with _count_lock:
            fast.special += 1 if special else -1
        modes.special = special


def recording() -> bool:
    """True when operations in this thread are being recorded into the graph."""
    return fast.special == 0 or modes.grad_enabled


def extras() -> bool:
    """True when this thread checks anomalies or carries tangents (forward mode)."""
    return fast.special != 0 and (modes.anomaly or modes.tangents is not None)


def is_grad_enabled() -> bool:
    """True when new operations in this thread are being recorded into the graph."""
    return modes.grad_enabled


def is_anomaly_enabled() -> bool:
    """True inside ``detect_anomaly()`` (in this thread)."""
    return modes.anomaly


class _Switch(contextlib.ContextDecorator):
    """A context that sets grad mode and/or anomaly mode, restoring what it found on exit.

    What it found is pushed on this thread's own stack, not kept on the object: the same object
    may be entered twice (or recursively, as a decorator) and by several threads.
    """

    _grad: bool | None = None
    _anomaly: bool | None = None

    def __enter__(self) -> Any:
        modes.saved.append((modes.grad_enabled, modes.anomaly))
        if self._grad is not None:
            modes.grad_enabled = self._grad
        if self._anomaly is not None:
            modes.anomaly = self._anomaly
        _update_special()
        return self

    def __exit__(self, *exc: object) -> None:
        modes.grad_enabled, modes.anomaly = modes.saved.pop()
        _update_special()


class no_grad(_Switch):
    """Record no graph inside the block: results have ``requires_grad=False`` and no ``grad_fn``.

    Works as ``with no_grad():`` and as a decorator ``@no_grad()``; affects only this thread.

    >>> from tinygrad_edu import Tensor, no_grad
    >>> w = Tensor([1.0, 2.0], requires_grad=True)
    >>> with no_grad():
    ...     y = w * 2
    >>> y.requires_grad, y.grad_fn
    (False, None)
    """

    _grad = False


class enable_grad(_Switch):
    """Turn recording back on inside a ``no_grad`` block (this thread only)."""

    _grad = True


class set_grad_enabled(_Switch):
    """Set grad mode to ``mode``: at once when called, and back to what it was on leaving a block.

    >>> from tinygrad_edu import is_grad_enabled
    >>> with set_grad_enabled(False):
    ...     is_grad_enabled()
    False
    >>> is_grad_enabled()
    True

    Called on its own, ``set_grad_enabled(False)`` switches recording off until switched back on.
    """

    def __init__(self, mode: bool) -> None:
        self._grad = bool(mode)
        self._found = modes.grad_enabled
        modes.grad_enabled = self._grad
        _update_special()

    def __enter__(self) -> set_grad_enabled:
        # The call already switched: remember what it found, not the switched state.
        modes.saved.append((self._found, modes.anomaly))
        return self


class detect_anomaly(_Switch):
    """Check every forward value and every gradient for NaN and ±inf while the block runs.

    The first non-finite value raises ``FloatingPointError`` naming the op, the tensor's name and
    shape and, for a gradient, the line of user code where that op was recorded. Off by default,
    and then it costs nothing. Works as a context manager and as a decorator (this thread only).

    >>> from tinygrad_edu import Tensor
    >>> x = Tensor([1.0, float("inf")], requires_grad=True)
    >>> with detect_anomaly():
    ...     y = x * 2
    Traceback (most recent call last):
    FloatingPointError: Mul produced inf in its output (shape (2,)) at ...
    """

    _anomaly = True

    def __init__(self, check_nan: bool = True) -> None:
        self._anomaly = bool(check_nan)


class pause_gc(contextlib.ContextDecorator):
    """Pause Python's cyclic garbage collector while a big graph is built and walked (opt-in).

    The graphs this library builds hold no reference cycles — outputs point to their ops, ops to
    their inputs, never back — so reference counting alone frees a graph as soon as its loss is
    dropped. The cyclic collector does not know that: every few thousand new objects it walks
    them all again, and on a graph of a million ops that costs more than the ops themselves.
    Inside this block it is paused; on exit it is back to what it was (enabled or not), and
    nothing else about it changes. Your own code in the block should not create reference cycles
    that you rely on the collector to free (they are freed at the next collection after it).

    >>> import gc
    >>> with pause_gc():
    ...     gc.isenabled()
    False
    """

    def __enter__(self) -> pause_gc:
        with _count_lock:  # one count for the process: the collector is one for all threads
            if _gc_pauses[0] == 0:
                _gc_pauses[1] = gc.isenabled()
                gc.disable()
            _gc_pauses[0] += 1
        return self

    def __exit__(self, *exc: object) -> None:
        with _count_lock:
            _gc_pauses[0] -= 1
            if _gc_pauses[0] == 0 and _gc_pauses[1]:
                gc.enable()


#: [open pause_gc blocks in the process, whether the collector was enabled before the first one]
_gc_pauses: list[Any] = [0, False]
