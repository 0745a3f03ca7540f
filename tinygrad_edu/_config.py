"""Global switches: whether operations record a graph, and the default float dtype.

``no_grad()`` turns recording off inside a ``with`` block (or a decorated function); tensors made
there have no ``grad_fn`` and cost nothing to keep. The flag lives on a small object so the hot path
reads one attribute.
"""

from __future__ import annotations

import contextlib
from typing import Any


class _GradMode:
    __slots__ = ("enabled",)

    def __init__(self) -> None:
        self.enabled = True


grad_mode = _GradMode()

#: dtype used for float data when none is given (NumPy's name for it).
DEFAULT_DTYPE = "float64"


def is_grad_enabled() -> bool:
    """True when new operations are being recorded into the graph."""
    return grad_mode.enabled


class no_grad(contextlib.ContextDecorator):
    """Record no graph inside the block: results have ``requires_grad=False`` and no ``grad_fn``.

    >>> from tinygrad_edu import Tensor, no_grad
    >>> w = Tensor([1.0, 2.0], requires_grad=True)
    >>> with no_grad():
    ...     y = w * 2
    >>> y.requires_grad, y.grad_fn
    (False, None)
    """

    def __enter__(self) -> no_grad:
        self._previous = grad_mode.enabled
        grad_mode.enabled = False
        return self

    def __exit__(self, *exc: Any) -> None:
        grad_mode.enabled = self._previous


class enable_grad(contextlib.ContextDecorator):
    """Turn recording back on inside a ``no_grad`` block."""

    def __enter__(self) -> enable_grad:
        self._previous = grad_mode.enabled
        grad_mode.enabled = True
        return self

    def __exit__(self, *exc: Any) -> None:
        grad_mode.enabled = self._previous
