"""Data: the project's small tables, a strict CSV reader, and scikit-learn's real data sets.

Conventions: a feature matrix ``X`` is float64 of shape (n, d); a target ``y`` has shape (n,).
``train_test_split`` and the scalers live in ``preprocessing`` and are re-exported here, so
``from tinygrad_edu.data import train_test_split, MinMaxScaler`` works as the notebook's
scikit-learn imports did.
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Sequence
from importlib import resources
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .preprocessing import MinMaxScaler, NotFittedError, StandardScaler, train_test_split

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
