"""What ``fit``, ``evaluate`` and ``predict`` accept, checked before any update is made.

Data: ``X`` (n, features) of numbers (a 1-D X is one feature), ``y`` with n rows, no NaN or
inf. ``epochs``: an int ≥ 1 (NumPy integers too). ``loss_threshold``: a finite number or None.
``loss``: a callable ``loss(y_pred, y_true) -> scalar Tensor`` or a name, as Keras takes them:

====================================  ==============================================
name                                  loss
====================================  ==============================================
``"mse"``, ``"mean_squared_error"``   ``losses.mse``
``"mae"``, ``"mean_absolute_error"``  ``losses.mae``
``"binary_crossentropy"``             ``losses.binary_cross_entropy`` (probabilities)
``"binary_cross_entropy"``            the same
``"binary_cross_entropy_with_logits"``  ``losses.binary_cross_entropy_with_logits``
``"cross_entropy"``                   ``losses.cross_entropy`` (logits)
====================================  ==============================================

Keras' ``"categorical_crossentropy"`` takes probabilities, ``losses.cross_entropy`` logits (as
PyTorch's does), so that name is refused with a note rather than quietly changing meaning.

>>> resolve_loss("fit", "mse").__name__
'mse'
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import Any, cast

import numpy as np

from . import losses
from .autograd import Array
from .tensor import Tensor

Loss = Callable[[Tensor, Tensor], Tensor]

#: Loss names ``fit`` and ``evaluate`` accept (Keras' names and this library's own).
LOSS_NAMES: dict[str, Loss] = {
    "mse": losses.mse,
    "mean_squared_error": losses.mse,
    "mae": losses.mae,
    "mean_absolute_error": losses.mae,
    "binary_crossentropy": losses.binary_cross_entropy,
    "binary_cross_entropy": losses.binary_cross_entropy,
    "binary_cross_entropy_with_logits": losses.binary_cross_entropy_with_logits,
    "cross_entropy": losses.cross_entropy,
}
_ON_PROBABILITIES = ("categorical_crossentropy", "sparse_categorical_crossentropy")


def _array(where: str, name: str, data: Any) -> Array:
    """``data`` as an array of numbers with no NaN or inf (the first one found is named)."""
    arr = data.data if isinstance(data, Tensor) else np.asarray(data)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{where}: {name} must hold numbers, got dtype {arr.dtype}")
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        bad = np.argwhere(~np.isfinite(arr))
        first = tuple(int(i) for i in bad[0])
        kind = "NaN" if np.isnan(arr[first]) else "inf"
        place = f"row {first[0]}" + (f", column {first[1]}" if len(first) > 1 else "")
        raise ValueError(
            f"{where}: {name} contains {kind} at {place} ({len(bad)} non-finite value(s) in all); "
            "remove or impute them before training"
        )
    return arr


def inputs(where: str, X: Any) -> Tensor:
    """``X`` as a float Tensor with one sample per row: 2-D (samples, features), or more for
    images (samples, channels, height, width); a 1-D X is one feature. Arrays are copied once,
    here."""
    arr = _array(where, "X", X)
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim < 2 or arr.shape[0] == 0:
        raise ValueError(
            f"{where}: X must have one sample per row — 2-D (samples, features), or more such as "
            f"images (samples, channels, height, width) — and at least one row; got {arr.shape}"
        )
    if arr.dtype.kind != "f":
        arr = arr.astype(np.float64)
    if isinstance(X, Tensor) and arr is X.data:
        return X.detach()
    return Tensor(arr)


def data_pair(where: str, X: Any, y: Any) -> tuple[Tensor, Tensor]:
    """``(X, y)`` as Tensors with the same number of rows (``X`` as ``inputs`` makes it)."""
    Xt = inputs(where, X)
    y_arr = _array(where, "y", y)
    if y_arr.ndim == 0 or y_arr.shape[0] != Xt.shape[0]:
        rows = "a scalar" if y_arr.ndim == 0 else f"{y_arr.shape[0]} rows (shape {y_arr.shape})"
        raise ValueError(f"{where}: X has {Xt.shape[0]} rows (shape {Xt.shape}) but y has {rows}")
    return Xt, y.detach() if isinstance(y, Tensor) else Tensor(y_arr)


def resolve_loss(where: str, loss: Any) -> Loss:
    """The loss function ``loss`` names (see the table above), or ``loss`` if it is callable."""
    if isinstance(loss, str):
        if loss in LOSS_NAMES:
            return LOSS_NAMES[loss]
        note = ""
        if loss in _ON_PROBABILITIES:
            note = (
                f"; Keras' {loss!r} takes probabilities, this library's cross_entropy takes "
                "logits (as PyTorch's): pass loss='cross_entropy' to a model without softmax"
            )
        raise ValueError(
            f"{where}: unknown loss {loss!r}; choose one of {', '.join(LOSS_NAMES)}{note}"
        )
    if not callable(loss):
        raise TypeError(
            f"{where}: loss must be a loss function loss(y_pred, y_true) or one of "
            f"{', '.join(LOSS_NAMES)}; got {type(loss).__name__}"
        )
    return cast(Loss, loss)


def loss_value(where: str, loss: Loss, value: Any) -> float:
    """The one number of a loss function's result, or an error naming what it returned."""
    if not isinstance(value, Tensor):
        raise TypeError(
            f"{where}: the loss {_name(loss)} returned a {type(value).__name__}, not a Tensor; "
            "backward() needs the Tensor the loss computed"
        )
    if value.data.size != 1:
        raise ValueError(
            f"{where}: the loss {_name(loss)} returned shape {value.shape}, not one number; a "
            "loss must reduce over the batch (end it with .mean()), as every loss in "
            "tinygrad_edu.losses does"
        )
    return value.item()


def _name(fn: Any) -> str:
    return getattr(fn, "__name__", None) or type(fn).__name__


def check_epochs(where: str, epochs: Any) -> int:
    """``epochs`` as an int, if it is an integer ≥ 1 (Python's or NumPy's)."""
    if (
        isinstance(epochs, bool | np.bool_)
        or not isinstance(epochs, numbers.Integral)
        or epochs < 1
    ):
        raise ValueError(f"{where}: epochs must be an int ≥ 1, got {epochs!r}")
    return int(epochs)


def check_threshold(where: str, threshold: Any) -> float | None:
    """``loss_threshold`` as a float, if it is None or a finite real number."""
    if threshold is None:
        return None
    if isinstance(threshold, bool | np.bool_) or not isinstance(threshold, numbers.Real):
        raise TypeError(
            f"{where}: loss_threshold must be a number or None, got {threshold!r} "
            f"({type(threshold).__name__})"
        )
    if not math.isfinite(threshold):
        raise ValueError(f"{where}: loss_threshold must be a finite number, got {threshold!r}")
    return float(threshold)
