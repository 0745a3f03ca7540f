"""Preprocessing: scikit-learn's train/test split and the min-max and standard scalers.

``train_test_split`` reproduces scikit-learn's split for an integer seed, and the scalers
reproduce ``sklearn.preprocessing.MinMaxScaler`` / ``StandardScaler`` to the last bits, so the
teaching notebook's numbers can be followed without scikit-learn installed. Shapes: ``X`` is
(n, d); a 1-D ``y`` is treated as one column and comes back 1-D.
"""

from __future__ import annotations

import abc
import math
import numbers
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

Floats = NDArray[np.float64]


class NotFittedError(ValueError, AttributeError):
    """A scaler was used before ``fit``."""


def _count(value: float | None, name: str, n: int, rounding: Callable[[float], int]) -> int | None:
    """Validate a train/test size; return the sample count it asks for (None stays None)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"train_test_split: {name}={value!r} must be an int or a float")
    if isinstance(value, numbers.Integral):
        if 0 < value < n:
            return int(value)
    elif 0.0 < value < 1.0:
        return int(rounding(value * n))
    raise ValueError(
        f"train_test_split: {name}={value!r} must be a float in (0, 1)"
        f" or an int in [1, {n - 1}] (n_samples={n})"
    )


def _split_sizes(n: int, test_size: float | None, train_size: float | None) -> tuple[int, int]:
    """(n_train, n_test) by scikit-learn's rule: a test fraction rounds up, a train one down."""
    if test_size is None and train_size is None:
        test_size = 0.25
    n_test = _count(test_size, "test_size", n, math.ceil)
    n_train = _count(train_size, "train_size", n, math.floor)
    fractions = [s for s in (test_size, train_size) if not isinstance(s, numbers.Integral | None)]
    if len(fractions) == 2 and sum(fractions) > 1:
        raise ValueError(f"train_test_split: test_size + train_size = {sum(fractions)} > 1")
    if n_test is None:
        n_test = n - (n_train or 0)
    if n_train is None:
        n_train = n - n_test
    if n_train + n_test > n:
        raise ValueError(f"train_test_split: {n_train} train + {n_test} test > {n} samples")
    if n_train == 0:
        raise ValueError(
            f"train_test_split: {n} samples are too few: with test_size={test_size} "
            "the train set would be empty"
        )
    return n_train, n_test


def train_test_split(
    *arrays: ArrayLike,
    test_size: float | None = None,
    train_size: float | None = None,
    random_state: int | np.random.RandomState | None = None,
    shuffle: bool = True,
) -> list[NDArray[Any]]:
    """Split arrays into random train and test parts: ``X_train, X_test, y_train, y_test, ...``.

    Same rows as ``sklearn.model_selection.train_test_split`` for an integer ``random_state``:
    the permutation is ``RandomState(random_state).permutation(n)``, its first ``n_test`` entries
    are the test rows and the next ``n_train`` the train rows. A float ``test_size`` gives
    ``ceil(test_size * n)`` test rows, a float ``train_size`` ``floor(train_size * n)`` train rows,
    an int is a count; with neither given ``test_size`` is 0.25. ``shuffle=False`` takes the first
    ``n_train`` rows for training and the next ``n_test`` for testing. ``random_state`` may also
    be a ``np.random.RandomState``; None draws a fresh permutation. Every array must have the
    same length n along axis 0; the parts are NumPy arrays.
    """
    if not arrays:
        raise ValueError("train_test_split: at least one array is required")
    arrs = [np.asarray(a) for a in arrays]
    if any(a.ndim == 0 for a in arrs):
        raise ValueError("train_test_split: scalars cannot be split; pass arrays of samples")
    n = len(arrs[0])
    for i, a in enumerate(arrs[1:], start=1):
        if len(a) != n:
            raise ValueError(
                f"train_test_split: arrays have different lengths: array 0 has {n} samples"
                f" but array {i} has {len(a)}"
            )
    n_train, n_test = _split_sizes(n, test_size, train_size)
    if not shuffle:
        order = np.arange(n)
        test, train = order[n_train : n_train + n_test], order[:n_train]
    else:
        rng = random_state
        if not isinstance(rng, np.random.RandomState):
            rng = np.random.RandomState(rng)
        order = rng.permutation(n)
        test, train = order[:n_test], order[n_test : n_test + n_train]
    return [part for a in arrs for part in (a[train], a[test])]


def _columns(X: ArrayLike, who: str) -> tuple[Floats, bool]:
    """``X`` as float64 (n, d), a 1-D array being one column; and whether it was 1-D."""
    a = np.asarray(X, dtype=np.float64)
    if a.ndim not in (1, 2):
        raise ValueError(f"{who}: expected a 1-D or 2-D array, got shape {a.shape}")
    return (a.reshape(-1, 1), True) if a.ndim == 1 else (a, False)


_S = TypeVar("_S", bound="_Scaler")


class _Scaler(abc.ABC):
    """Per-column affine scaling. X is (n, d); a 1-D array is one column and comes back 1-D."""

    n_features_in_: int
    n_samples_seen_: int

    @abc.abstractmethod
    def _learn(self, a: Floats) -> None:
        """Set the fitted attributes from ``a`` (n, d), finite, n >= 1."""

    @abc.abstractmethod
    def _apply(self, a: Floats, inverse: bool) -> Floats:
        """The scaling (or its inverse) of ``a`` (m, d)."""

    def fit(self: _S, X: ArrayLike) -> _S:
        """Learn the column statistics of X, shape (n, d) or (n,). Returns the scaler."""
        who = f"{type(self).__name__}.fit"
        a, _ = _columns(X, who)
        if a.shape[0] == 0 or not np.isfinite(a).all():
            raise ValueError(
                f"{who}: needs at least one sample and finite values (shape {a.shape})"
            )
        self.n_samples_seen_, self.n_features_in_ = a.shape
        self._learn(a)
        return self

    def _run(self, X: ArrayLike, inverse: bool) -> Floats:
        who = f"{type(self).__name__}.{'inverse_transform' if inverse else 'transform'}"
        if not hasattr(self, "n_features_in_"):
            raise NotFittedError(
                f"{who}: this {type(self).__name__} is not fitted yet; call fit(X)"
            )
        a, one_d = _columns(X, who)
        if a.shape[1] != self.n_features_in_:
            raise ValueError(
                f"{who}: X has {a.shape[1]} features, but the scaler was fitted"
                f" on {self.n_features_in_} features"
            )
        out = self._apply(a, inverse)
        return out.ravel() if one_d else out

    def transform(self, X: ArrayLike) -> Floats:
        """Scale X, shape (m, d) or (m,) with the fitted d; returns the same shape."""
        return self._run(X, inverse=False)

    def inverse_transform(self, X: ArrayLike) -> Floats:
        """Undo ``transform``: back to the original units, same shape as X."""
        return self._run(X, inverse=True)

    def fit_transform(self, X: ArrayLike) -> Floats:
        """``fit(X)`` then ``transform(X)``; same shape as X."""
        return self.fit(X).transform(X)


class MinMaxScaler(_Scaler):
    """Map each column linearly onto ``feature_range = (lo, hi)``: ``x' = x * scale_ + min_``.

    ``scale_ = (hi - lo) / (data_max_ - data_min_)``, ``min_ = lo - data_min_ * scale_``; a
    constant column is given range 1, as scikit-learn does. Inverse: ``(x' - min_) / scale_``.
    """

    data_min_: Floats
    data_max_: Floats
    data_range_: Floats
    scale_: Floats
    min_: Floats

    def __init__(self, feature_range: tuple[float, float] = (0.0, 1.0)) -> None:
        if not feature_range[0] < feature_range[1]:
            raise ValueError(f"MinMaxScaler: feature_range={feature_range!r} needs min < max")
        self.feature_range = (float(feature_range[0]), float(feature_range[1]))

    def _learn(self, a: Floats) -> None:
        lo, hi = self.feature_range
        self.data_min_, self.data_max_ = a.min(axis=0), a.max(axis=0)
        self.data_range_ = self.data_max_ - self.data_min_
        span = np.where(self.data_range_ < 10 * np.finfo(np.float64).eps, 1.0, self.data_range_)
        self.scale_ = (hi - lo) / span
        self.min_ = lo - self.data_min_ * self.scale_

    def _apply(self, a: Floats, inverse: bool) -> Floats:
        return (a - self.min_) / self.scale_ if inverse else a * self.scale_ + self.min_


class StandardScaler(_Scaler):
    """Centre and scale each column: ``x' = (x - mean_) / scale_``, ``scale_ = sqrt(var_)``.

    ``var_`` is the population variance (divide by n) by the corrected two-pass formula
    ``(Σd² - (Σd)²/n) / n`` with ``d = x - mean_``, as scikit-learn computes it; a column whose
    variance is within rounding error of 0 gets ``scale_ = 1``. Inverse: ``x' * scale_ + mean_``.
    """

    mean_: Floats
    var_: Floats
    scale_: Floats

    def _learn(self, a: Floats) -> None:
        n = a.shape[0]
        self.mean_ = a.sum(axis=0) / n
        d = a - self.mean_
        self.var_ = ((d**2).sum(axis=0) - d.sum(axis=0) ** 2 / n) / n
        eps = np.finfo(np.float64).eps
        constant = self.var_ <= n * eps * self.var_ + (n * self.mean_ * eps) ** 2
        self.scale_ = np.ones_like(self.var_)
        self.scale_[~constant] = np.sqrt(self.var_[~constant])

    def _apply(self, a: Floats, inverse: bool) -> Floats:
        return a * self.scale_ + self.mean_ if inverse else (a - self.mean_) / self.scale_
