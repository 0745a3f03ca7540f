"""Data: the project's small tables, a strict CSV reader, train/test splitting and scalers.

Conventions: a feature matrix ``X`` is float64 of shape (n, d); a target ``y`` has shape (n,).
``train_test_split`` reproduces scikit-learn's split for an integer seed, and the scalers
reproduce ``sklearn.preprocessing.MinMaxScaler`` / ``StandardScaler`` to the last bits, so the
teaching notebook's numbers can be followed without scikit-learn installed.
"""

from __future__ import annotations

import abc
import csv
import io
import math
import numbers
import os
from collections.abc import Callable, Sequence
from importlib import resources
from typing import Any, TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "DataError",
    "MinMaxScaler",
    "NotFittedError",
    "StandardScaler",
    "load_breast_cancer",
    "load_diabetes",
    "load_digits",
    "load_home_prices",
    "load_insurance",
    "read_csv",
    "train_test_split",
]

Floats = NDArray[np.float64]
PathLike = str | os.PathLike[str]
#: A wanted column: one name, or a tuple of accepted aliases (the first one present is used).
Column = str | tuple[str, ...]

_PACKAGE = __name__.rpartition(".")[0]
_INSURANCE: tuple[Column, ...] = (
    "age",
    ("affordability", "affordibility", "aff"),
    ("bought_insurance", "have_insurance"),
)
_HOME_PRICES: tuple[Column, ...] = ("area", "bedrooms", "price")


class DataError(ValueError):
    """A malformed data file; the message names the file, the 1-based line and the column."""


class NotFittedError(ValueError, AttributeError):
    """A scaler was used before ``fit``."""


def _options(column: Column) -> tuple[str, ...]:
    return (column,) if isinstance(column, str) else column


def _error(where: str, line: int, column: str | None, problem: str) -> DataError:
    place = f"{where}, line {line}" + ("" if column is None else f", column {column!r}")
    return DataError(f"{place}: {problem}")


def _number(text: str, where: str, line: int, column: str) -> float:
    text = text.strip()
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or "_" in text:
        problem = f"{text!r} is not a finite number" if text else "empty value"
        raise _error(where, line, column, problem)
    return value


def _read(path: PathLike, columns: Sequence[Column] | None) -> tuple[list[str], Floats, list[int]]:
    """Parse ``path``: the chosen column names, their values (n, k) and each row's line number."""
    where = os.fspath(path)
    layout = "" if columns is None else ", ".join("|".join(_options(c)) for c in columns)
    with open(path, "rb") as f:
        raw = f.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise _error(where, raw[: err.start].count(b"\n") + 1, None, "not UTF-8 text") from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [name.strip() for name in next(reader, [])]
        if not any(header):
            raise _error(where, 1, None, f"empty file; expected a header row {layout}".strip())
        for name in header:
            if header.count(name) > 1:
                raise _error(where, 1, name, "appears more than once in the header")
        picked: list[int] = []
        for column in header if columns is None else columns:
            found = [header.index(name) for name in _options(column) if name in header]
            if not found:
                wanted = " or ".join(map(repr, _options(column)))
                problem = f"no column {wanted} in header {header}; accepted: {layout}"
                raise _error(where, 1, None, problem)
            picked.append(found[0])
        rows: list[list[float]] = []
        lines: list[int] = []
        blank = 0
        for record in reader:
            line, k, width = reader.line_num, len(record), len(header)
            if k <= 1 and not "".join(record).strip():
                blank = blank or line
                continue
            if blank:
                raise _error(where, blank, None, "blank line inside the data")
            if k < width:
                raise _error(where, line, header[k], f"missing: {k} fields, header has {width}")
            if k > width:
                raise _error(where, line, header[-1], f"extra fields after it: {k} fields")
            rows.append([_number(record[i], where, line, header[i]) for i in picked])
            lines.append(line)
    except csv.Error as err:
        raise _error(where, reader.line_num, None, str(err)) from None
    values = np.array(rows, dtype=np.float64).reshape(len(rows), len(picked))
    return [header[i] for i in picked], values, lines


def read_csv(path: PathLike, columns: Sequence[Column] | None = None) -> tuple[list[str], Floats]:
    """Read a numeric CSV file with a header row (LF or CRLF line ends).

    ``columns`` picks and orders columns; an entry may be a tuple of accepted aliases. Returns the
    column names found and a float64 array of shape (n_rows, n_columns). Blank trailing lines are
    ignored. Raises ``DataError`` naming file, line and column for an empty file, a missing or
    repeated column, a ragged row, an empty or non-numeric value; ``FileNotFoundError`` for a
    missing file.
    """
    names, values, _ = _read(path, columns)
    return names, values


def _load_table(
    path: PathLike | None, packaged: str, columns: Sequence[Column]
) -> tuple[list[str], Floats, list[int], str]:
    """Read ``path``, or the table ``packaged`` shipped in the package when path is None."""
    if path is None:
        with resources.as_file(resources.files(_PACKAGE) / "datasets" / packaged) as shipped:
            return (*_read(shipped, columns), os.fspath(shipped))
    names, values, lines = _read(path, columns)
    if not len(values):
        raise _error(os.fspath(path), 2, None, "no data rows after the header")
    return names, values, lines, os.fspath(path)


def load_insurance(
    path: PathLike | None = None, *, scale_age: bool = False
) -> tuple[Floats, Floats]:
    """Insurance table: ``X`` (n, 2) = [age, affordability], ``y`` (n,) = bought insurance (0/1).

    Without ``path`` reads the table shipped with the package (300 generated rows, see
    ``scripts/make_datasets.py``). With ``path`` reads any CSV whose header has ``age``, one of
    ``affordability``/``affordibility``/``aff`` and one of ``bought_insurance``/``have_insurance``,
    such as the notebook's ``insurance_data.csv``. Age is raw years; the notebook divides it by
    100 before training, which ``scale_age=True`` does.
    """
    names, values, lines, where = _load_table(path, "insurance.csv", _INSURANCE)
    for j in (1, 2):
        bad = np.flatnonzero((values[:, j] != 0.0) & (values[:, j] != 1.0))
        if bad.size:
            row = int(bad[0])
            raise _error(where, lines[row], names[j], f"{values[row, j]:g} is not 0 or 1")
    X = values[:, :2].copy()
    if scale_age:
        X[:, 0] /= 100.0
    return X, values[:, 2].copy()


def load_home_prices(path: PathLike | None = None) -> tuple[Floats, Floats]:
    """Home prices: ``X`` (n, 2) = [area in sq ft, bedrooms], ``y`` (n,) = price in lakh INR.

    Without ``path`` reads the shipped table (300 generated rows); with ``path`` reads a CSV with
    columns ``area,bedrooms,price`` such as the notebook's ``homeprices_banglore.csv``.
    """
    _, values, _, _ = _load_table(path, "home_prices.csv", _HOME_PRICES)
    return values[:, :2].copy(), values[:, 2].copy()


def _sklearn(loader: str) -> tuple[Floats, NDArray[Any]]:
    """``(data, target)`` of ``sklearn.datasets.<loader>()``; these data sets ship with it."""
    try:
        from sklearn import datasets
    except ImportError as err:
        raise ImportError(
            f"{loader} needs scikit-learn, which ships this data set: "
            "pip install scikit-learn (or pip install 'tinygrad_edu[data]')"
        ) from err
    bunch = getattr(datasets, loader)()
    return np.asarray(bunch.data, dtype=np.float64), np.asarray(bunch.target)


def load_breast_cancer() -> tuple[Floats, NDArray[np.int64]]:
    """Wisconsin breast cancer (scikit-learn, offline): ``X`` (569, 30), ``y`` (569,) in {0, 1}."""
    X, y = _sklearn("load_breast_cancer")
    return X, y.astype(np.int64)


def load_diabetes() -> tuple[Floats, Floats]:
    """Diabetes (scikit-learn, offline): ``X`` (442, 10) scaled, ``y`` (442,) progression score."""
    X, y = _sklearn("load_diabetes")
    return X, y.astype(np.float64)


def load_digits() -> tuple[Floats, NDArray[np.int64]]:
    """8×8 digits (scikit-learn, offline): ``X`` (1797, 64) pixels 0–16, ``y`` (1797,) in 0–9."""
    X, y = _sklearn("load_digits")
    return X, y.astype(np.int64)


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
