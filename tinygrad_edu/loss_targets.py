"""How a loss makes its targets: reshaped to the predictions' shape, cast, or read as class ids.

Targets need no gradient: to the graph they are constants. They are still made by two small ops,
``Targets`` and ``ClassIds``, rather than by NumPy on the side, because an op that runs can be
seen: a compiled step (``compile_step``) runs again every op its traced step ran, recorded or not,
so it makes each batch's targets from that batch, and checks each batch's labels, where an array
made with NumPy would be a value of unknown origin that it could only freeze.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .activations import as_tensor
from .autograd import Array, Function
from .tensor import Tensor

__all__ = ["ClassIds", "Targets", "class_ids", "targets"]


class Targets(Function):
    """f(y) = y reshaped to ``shape`` and cast to ``cast`` (NumPy's cast; None: no cast) — a
    loss's targets.

    Used only on targets that need no gradient, so there is no ∂f/∂y to write: the op is never
    recorded. (A target that requires a gradient is reshaped by the recorded ``Reshape``.)
    """

    __slots__ = ("cast", "shape")

    def __init__(self, shape: tuple[int, ...], cast: np.dtype[Any] | None) -> None:
        self.shape, self.cast = shape, cast

    def forward(self, y: Array) -> Array:
        targets = y.reshape(self.shape)
        if self.cast is not None:
            targets = targets.astype(self.cast)
        return targets


class ClassIds(Function):
    """f(y) = y as an (n,) int array of class ids in [0, classes), checked (``class_ids``).

    Labels have no gradient, so there is no ∂f/∂y: the op is run on labels that need none.
    """

    __slots__ = ("classes",)

    def __init__(self, classes: int) -> None:
        self.classes = classes

    def forward(self, y: Array) -> Array:
        return class_ids(y, self.classes)


def targets(where: str, y_pred: Any, y_true: Any) -> tuple[Tensor, Tensor]:
    """Both arguments as Tensors of the same shape, targets reshaped only for (n, 1) vs (n,).

    Targets that need no gradient take the predictions' float dtype (so float32 stays float32
    and 0/1 integer labels become floats). ``where`` names the loss in error messages.
    """
    p = as_tensor(y_pred)
    pd = p.data
    if isinstance(y_true, Tensor):
        y = y_true
    else:  # one copy, straight into the predictions' float dtype
        y = Tensor(y_true, dtype=pd.dtype if pd.dtype.kind == "f" else None)
    if pd.size == 0:
        raise ValueError(f"{where}: y_pred is empty (shape {pd.shape}); a mean needs values")
    yd = y.data
    if yd.shape != pd.shape:
        column, flat = (pd.shape, yd.shape) if pd.ndim == 2 else (yd.shape, pd.shape)
        if not (len(column) == 2 and column[1] == 1 and flat == column[:1]):
            raise ValueError(
                f"{where}: y_pred has shape {pd.shape} but y_true has shape {yd.shape}; they "
                "must be equal, or (n, 1) and (n,)"
            )
        if y.requires_grad:
            return p, y.reshape(pd.shape)
    elif y.requires_grad or yd.dtype == pd.dtype:
        return p, y
    cast = None if yd.dtype == pd.dtype else pd.dtype
    return p, Tensor._unary(Targets(pd.shape, cast), y)


def class_ids(labels: Array, classes: int) -> Array:
    """``labels`` as an int array of class ids in [0, classes), or an error naming a bad one."""
    flat = labels.reshape(-1)
    if flat.dtype.kind == "f":
        whole = np.isfinite(flat) & (flat == np.round(flat))
        if not whole.all():
            i = int(np.argmin(whole))
            raise ValueError(
                f"cross_entropy: label {flat[i].item()!r} at row {i} is not an integer class id"
            )
    elif flat.dtype.kind not in "iub":
        raise TypeError(f"cross_entropy: labels must be integer class ids, got {flat.dtype}")
    ids = flat.astype(np.intp)
    # Read as unsigned, a negative id is huge: one maximum finds both kinds of bad label.
    if ids.size and np.maximum.reduce(ids.view(np.uintp)) >= classes:
        i = int(np.argmax((ids < 0) | (ids >= classes)))
        raise ValueError(
            f"cross_entropy: label {flat[i].item()!r} at row {i} is not a class id in "
            f"[0, {classes}) (the logits have {classes} columns)"
        )
    return ids
