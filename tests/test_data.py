"""Tests for tinygrad_edu.data: loaders, the strict CSV reader, train_test_split and scalers.

Expected values come from the CSV text written out by hand, ``np.loadtxt`` (an independent
reader), formulas written out here, values recorded from scikit-learn, or scikit-learn itself.
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinygrad_edu import data
from tinygrad_edu.data import (
    DataError,
    MinMaxScaler,
    NotFittedError,
    StandardScaler,
    load_home_prices,
    load_insurance,
    read_csv,
    train_test_split,
)

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
SHIPPED = ROOT / "tinygrad_edu" / "datasets"


def shared(name: str) -> Path:
    path = SHARED / name
    if not path.is_file():
        pytest.skip(f"notebook table {name} is not beside the repository")
    return path


def write(tmp_path: Path, text: str, name: str = "table.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


# --- the shipped tables --------------------------------------------------------------------------


def test_shipped_insurance_shapes_dtypes_ranges() -> None:
    X, y = load_insurance()
    assert X.shape == (300, 2) and y.shape == (300,)
    assert X.dtype == np.float64 and y.dtype == np.float64
    age, aff = X[:, 0], X[:, 1]
    assert age.min() >= 18 and age.max() <= 65 and np.all(age == np.round(age))
    assert set(np.unique(aff)) == {0.0, 1.0} and set(np.unique(y)) == {0.0, 1.0}
    # the generating model makes older people and those who can afford it buy more often
    assert y[age >= 50].mean() > 0.7 > 0.3 > y[age < 35].mean()
    assert y[aff == 1].mean() > y[aff == 0].mean()
    raw = np.loadtxt(SHIPPED / "insurance.csv", delimiter=",", skiprows=1)
    np.testing.assert_array_equal(X, raw[:, :2])
    np.testing.assert_array_equal(y, raw[:, 2])


def test_scale_age_divides_age_by_100_only() -> None:
    raw, _ = load_insurance()
    scaled, _ = load_insurance(scale_age=True)
    np.testing.assert_array_equal(scaled[:, 0], raw[:, 0] / 100)
    np.testing.assert_array_equal(scaled[:, 1], raw[:, 1])


def test_shipped_home_prices_shapes_dtypes_ranges() -> None:
    X, y = load_home_prices()
    assert X.shape == (300, 2) and y.shape == (300,)
    assert X.dtype == np.float64 and y.dtype == np.float64
    area, beds = X[:, 0], X[:, 1]
    assert area.min() >= 800 and area.max() <= 3700
    assert set(np.unique(beds)) <= {1.0, 2.0, 3.0, 4.0, 5.0}
    assert np.all(y > 0) and np.all(np.round(y, 2) == y)
    assert np.corrcoef(area, beds)[0, 1] > 0.5 and np.corrcoef(area, y)[0, 1] > 0.9
    raw = np.loadtxt(SHIPPED / "home_prices.csv", delimiter=",", skiprows=1)
    np.testing.assert_array_equal(np.column_stack([X, y]), raw)


def test_generator_reproduces_shipped_files_byte_for_byte(tmp_path: Path) -> None:
    script = ROOT / "scripts" / "make_datasets.py"
    subprocess.run([sys.executable, str(script), "--out", str(tmp_path)], check=True)
    for name, header in [
        ("insurance.csv", b"age,affordability,bought_insurance\n"),
        ("home_prices.csv", b"area,bedrooms,price\n"),
    ]:
        made = (tmp_path / name).read_bytes()
        assert made == (SHIPPED / name).read_bytes(), name
        assert made.startswith(header) and b"\r" not in made and made.endswith(b"\n")


# --- the notebook's original tables, by path ------------------------------------------------------


def test_insurance_data_csv_misspelled_column() -> None:
    X, y = load_insurance(shared("insurance_data.csv"))
    assert X.shape == (28, 2) and y.shape == (28,)
    independent = np.loadtxt(shared("insurance_data.csv"), delimiter=",", skiprows=1)
    np.testing.assert_array_equal(X, independent[:, :2])
    np.testing.assert_array_equal(y, independent[:, 2])
    assert y.sum() == 14 and y[12] == 0  # row 13's label differs from insurance.csv's


def test_insurance_csv_crlf_short_names() -> None:
    X, y = load_insurance(shared("insurance.csv"), scale_age=True)
    assert X.shape == (13, 2)
    independent = np.loadtxt(shared("insurance.csv"), delimiter=",", skiprows=1)
    np.testing.assert_array_equal(X, np.column_stack([independent[:, 0] / 100, independent[:, 1]]))
    np.testing.assert_array_equal(y, independent[:, 2])
    assert y.sum() == 7 and y[-1] == 1  # row 13's label differs from insurance_data.csv's


def test_homeprices_banglore() -> None:
    X, y = load_home_prices(shared("homeprices_banglore.csv"))
    assert X.shape == (20, 2) and y.shape == (20,)
    np.testing.assert_array_equal(X[:2], [[1056, 2], [2600, 4]])
    np.testing.assert_array_equal(y[:2], [39.07, 120.0])
    assert y.min() == 32.0 and y.max() == 167.0


def test_notebook_split_recorded() -> None:
    """Rows of scikit-learn 1.9.1's train_test_split(test_size=0.2, random_state=25), recorded."""
    X, y = load_insurance(shared("insurance_data.csv"))
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2, random_state=25)
    train = [0, 13, 6, 17, 24, 19, 25, 16, 20, 3, 7, 1, 5, 27, 8, 18, 12, 23, 22, 15, 26, 4]
    test = [2, 10, 21, 11, 14, 9]
    np.testing.assert_array_equal(X_te, X[test])
    np.testing.assert_array_equal(X_tr, X[train])
    np.testing.assert_array_equal(y_te, y[test])
    np.testing.assert_array_equal(y_tr, y[train])
    np.testing.assert_array_equal(X_te[:, 0], [47, 18, 26, 28, 49, 61])


def test_notebook_split_matches_sklearn() -> None:
    sk = pytest.importorskip("sklearn.model_selection")
    X, y = load_insurance(shared("insurance_data.csv"), scale_age=True)
    ours = train_test_split(X, y, test_size=0.2, random_state=25)
    theirs = sk.train_test_split(X, y, test_size=0.2, random_state=25)
    assert len(ours) == len(theirs) == 4
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(a, b)


# --- the CSV reader -------------------------------------------------------------------------------


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("trailing", ["", "\n", "\n\n  \n"])
def test_line_ends_and_trailing_blank_lines(tmp_path: Path, newline: str, trailing: str) -> None:
    text = newline.join(["age,aff,have_insurance", "22,1,0", "47,1,1", "30.5,0,1"]) + newline
    path = write(tmp_path, text + trailing.replace("\n", newline))
    names, values = read_csv(path)
    assert names == ["age", "aff", "have_insurance"]
    np.testing.assert_array_equal(values, [[22, 1, 0], [47, 1, 1], [30.5, 0, 1]])
    X, y = load_insurance(path)
    np.testing.assert_array_equal(X, [[22, 1], [47, 1], [30.5, 0]])
    np.testing.assert_array_equal(y, [0, 1, 1])


def test_read_csv_picks_columns_and_aliases(tmp_path: Path) -> None:
    path = write(tmp_path, "price,area,bedrooms\n39.07,1056,2\n")
    names, values = read_csv(path, ["area", ("rooms", "bedrooms")])
    assert names == ["area", "bedrooms"]
    np.testing.assert_array_equal(values, [[1056, 2]])
    X, y = load_home_prices(path)  # columns found by name, not position
    np.testing.assert_array_equal(X, [[1056, 2]])
    np.testing.assert_array_equal(y, [39.07])


def test_header_only_reads_as_no_rows(tmp_path: Path) -> None:
    path = write(tmp_path, "area,bedrooms,price\n")
    names, values = read_csv(path)
    assert names == ["area", "bedrooms", "price"] and values.shape == (0, 3)
    with pytest.raises(DataError, match=r"line 2: no data rows") as info:
        load_home_prices(path)
    assert str(path) in str(info.value)


HEADER = "age,aff,have_insurance\n"
MALFORMED = [
    # (file text, line, column, words the message must hold)
    (HEADER + "22,1,0\n25,abc,0\n", 3, "aff", "'abc'"),
    (HEADER + "22,1,0\n25,,0\n", 3, "aff", "empty value"),
    (HEADER + "22,1\n", 2, "have_insurance", "missing"),
    (HEADER + "22,1,0\n25,0,0,7\n", 3, "have_insurance", "extra"),
    (HEADER + "22,1,0\n\n25,0,0\n", 3, None, "blank line"),
    (HEADER + "22,1,0\n25,0,nan\n", 3, "have_insurance", "'nan'"),
    (HEADER + "22,1,0\n25,0,2\n", 3, "have_insurance", "not 0 or 1"),
    (HEADER.replace("\n", "\r\n") + "22,1,0\r\n61,x,1\r\n", 3, "aff", "'x'"),
    (HEADER + '22,1,0\n"25"x,0,0\n', 3, None, "expected"),
    ("age,affordable,label\n22,1,0\n", 1, "affordability", "affordibility"),
    ("age,aff,aff\n22,1,0\n", 1, "aff", "more than once"),
    ("", 1, "age", "empty file"),
    ("\n", 1, "age", "header"),
]


@pytest.mark.parametrize(("text", "line", "column", "words"), MALFORMED)
def test_malformed_csv_names_file_line_column(
    tmp_path: Path, text: str, line: int, column: str | None, words: str
) -> None:
    path = write(tmp_path, text, name="bad_table.csv")
    with pytest.raises(DataError) as info:
        load_insurance(path)
    message = str(info.value)
    assert isinstance(info.value, ValueError)
    assert str(path) in message
    assert f"line {line}" in message and f"line {line}0" not in message
    if column is not None:
        assert column in message
    assert words in message


def test_missing_column_lists_accepted_names(tmp_path: Path) -> None:
    path = write(tmp_path, "age,aff,outcome\n22,1,0\n")
    with pytest.raises(DataError) as info:
        load_insurance(path)
    assert "'bought_insurance' or 'have_insurance'" in str(info.value)
    layout = "age, affordability|affordibility|aff, bought_insurance|have_insurance"
    assert layout in str(info.value)
    assert "outcome" in str(info.value)  # what the header did have


def test_non_utf8_bytes_name_their_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"age,aff,have_insurance\n22,1,0\n25,0,0\n30,\xff,1\n")
    with pytest.raises(DataError, match=r"latin1\.csv, line 4: not UTF-8"):
        read_csv(path)


def test_missing_file_names_path(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.csv"
    with pytest.raises(FileNotFoundError, match=r"nowhere\.csv"):
        load_home_prices(path)


# --- scikit-learn's bundled data sets ------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "shape", "y_kind"),
    [("breast_cancer", (569, 30), "i"), ("diabetes", (442, 10), "f"), ("digits", (1797, 64), "i")],
)
def test_sklearn_loaders(name: str, shape: tuple[int, int], y_kind: str) -> None:
    datasets = pytest.importorskip("sklearn.datasets")
    X, y = getattr(data, f"load_{name}")()
    assert X.shape == shape and X.dtype == np.float64
    assert y.shape == (shape[0],) and y.dtype.kind == y_kind
    bunch = getattr(datasets, f"load_{name}")()
    np.testing.assert_array_equal(X, bunch.data)
    np.testing.assert_array_equal(y, bunch.target)


@pytest.mark.parametrize("name", ["breast_cancer", "diabetes", "digits"])
def test_sklearn_loaders_without_sklearn(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setitem(sys.modules, "sklearn", None)
    with pytest.raises(ImportError) as info:
        getattr(data, f"load_{name}")()
    assert "pip install scikit-learn" in str(info.value)
    assert "tinygrad_edu[data]" in str(info.value)


# --- train_test_split ----------------------------------------------------------------------------


def test_split_sizes_and_alignment_by_hand() -> None:
    X = np.arange(20).reshape(10, 2)
    y = np.arange(10) * 10
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=0)
    assert len(X_te) == len(y_te) == 3 and len(X_tr) == len(y_tr) == 7  # ceil(2.5) test rows
    np.testing.assert_array_equal(X_tr[:, 0] * 5, y_tr)  # rows stay paired across arrays
    np.testing.assert_array_equal(X_te[:, 0] * 5, y_te)
    assert sorted(np.concatenate([y_tr, y_te]).tolist()) == y.tolist()
    parts = train_test_split(y, test_size=0.3, shuffle=False)
    np.testing.assert_array_equal(parts[0], [0, 10, 20, 30, 40, 50, 60])
    np.testing.assert_array_equal(parts[1], [70, 80, 90])
    tr, te = train_test_split(y, test_size=2, train_size=0.5, random_state=3)
    assert (len(tr), len(te)) == (5, 2)
    tr, te = train_test_split(list(range(28)), test_size=0.2, random_state=25)
    assert (len(tr), len(te)) == (22, 6)  # ceil(5.6) = 6


def test_split_same_seed_same_rows() -> None:
    a = train_test_split(np.arange(50), random_state=7)
    b = train_test_split(np.arange(50), random_state=np.random.RandomState(7))
    for x, z in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, z)


def test_split_length_mismatch_names_both_lengths() -> None:
    with pytest.raises(ValueError, match=r"10.*9"):
        train_test_split(np.zeros((10, 2)), np.zeros(9))


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"test_size": 0.0}, "test_size=0.0"),
        ({"test_size": 1.0}, "test_size=1.0"),
        ({"test_size": -3}, "test_size=-3"),
        ({"test_size": 10}, "test_size=10"),
        ({"test_size": "half"}, "test_size='half'"),
        ({"test_size": True}, "test_size=True"),
        ({"train_size": 1.5}, "train_size=1.5"),
        ({"test_size": 0.5, "train_size": 0.6}, "> 1"),
        ({"test_size": 6, "train_size": 6}, "> 10 samples"),
    ],
)
def test_split_bad_sizes(kwargs: dict[str, Any], pattern: str) -> None:
    with pytest.raises(ValueError, match=pattern.replace(".", r"\.").replace("+", r"\+")):
        train_test_split(np.arange(10), **kwargs)


def test_split_too_few_samples() -> None:
    with pytest.raises(ValueError, match="1 samples are too few"):
        train_test_split(np.arange(1))
    with pytest.raises(ValueError, match="at least one array"):
        train_test_split()
    with pytest.raises(ValueError, match="scalar"):
        train_test_split(np.float64(3.0))


sizes = st.one_of(
    st.none(),
    st.floats(0.001, 0.999),
    st.integers(-1, 70),
    st.sampled_from([0.2, 0.25, 0.3, 0.1, 0.5, 0.0, 1.0]),
)


@settings(max_examples=300, deadline=None)
@given(
    n=st.integers(0, 60),
    test_size=sizes,
    train_size=sizes,
    seed=st.integers(0, 2**32 - 1),
    shuffle=st.booleans(),
)
def test_split_equals_sklearn(
    n: int, test_size: float | None, train_size: float | None, seed: int, shuffle: bool
) -> None:
    sk = pytest.importorskip("sklearn.model_selection")
    X = np.arange(2 * n, dtype=np.float64).reshape(n, 2)
    y = np.arange(n)
    kwargs: dict[str, Any] = {"test_size": test_size, "train_size": train_size}
    kwargs.update(random_state=seed, shuffle=shuffle)
    try:
        expected = sk.train_test_split(X, y, **kwargs)
    except ValueError:
        with pytest.raises(ValueError):
            train_test_split(X, y, **kwargs)
        return
    got = train_test_split(X, y, **kwargs)
    assert len(got) == 4
    for a, b in zip(got, expected, strict=True):
        np.testing.assert_array_equal(a, b)
        assert a.shape == b.shape


# --- scalers -------------------------------------------------------------------------------------


def test_minmax_by_hand() -> None:
    X = np.array([[1.0, 10.0, 7.0], [3.0, 30.0, 7.0], [5.0, 20.0, 7.0]])
    s = MinMaxScaler().fit(X)
    np.testing.assert_array_equal(s.data_min_, [1, 10, 7])
    np.testing.assert_array_equal(s.data_max_, [5, 30, 7])
    np.testing.assert_array_equal(s.scale_, [0.25, 0.05, 1.0])  # constant column: range 1
    expected = [[0.0, 0.0, 0.0], [0.5, 1.0, 0.0], [1.0, 0.5, 0.0]]
    np.testing.assert_allclose(s.transform(X), expected, atol=1e-15)
    r = MinMaxScaler(feature_range=(-1, 1)).fit_transform(X[:, :1])
    np.testing.assert_allclose(r, [[-1], [0], [1]], atol=1e-15)


def test_standard_by_hand() -> None:
    x = np.array([1.0, 2.0, 3.0])
    s = StandardScaler()
    z = s.fit_transform(x)
    assert z.shape == (3,)
    np.testing.assert_allclose(s.mean_, [2.0])
    np.testing.assert_allclose(s.var_, [2 / 3])
    np.testing.assert_allclose(z, (x - 2) / math.sqrt(2 / 3), rtol=1e-15)
    c = StandardScaler().fit(np.full((4, 1), 0.1))
    np.testing.assert_array_equal(c.scale_, [1.0])
    np.testing.assert_allclose(c.transform([[0.1], [1.1]]), [[0.0], [1.0]], atol=1e-15)
    # var is about 1e-21 here, below rounding error for a mean of 1e6: treated as constant
    near = np.array([[1e6, 1.0], [np.nextafter(1e6, 2e6), 2.0], [1e6, 3.0]])
    s = StandardScaler().fit(near)
    assert 0 < s.var_[0] < 1e-18
    np.testing.assert_array_equal(s.scale_, [1.0, math.sqrt(2 / 3)])


def test_scaler_on_1d_target_like_notebook() -> None:
    y = np.array([39.07, 120.0, 62.0, 32.0, 167.0])
    s = MinMaxScaler()
    scaled = s.fit_transform(y)
    assert scaled.shape == (5,)
    np.testing.assert_allclose(scaled, (y - 32.0) / 135.0, rtol=1e-15, atol=1e-16)
    back = s.inverse_transform(np.array([0.5]))
    assert back.shape == (1,)
    np.testing.assert_allclose(back, [32.0 + 0.5 * 135.0], rtol=1e-15)
    np.testing.assert_allclose(s.transform(y.reshape(-1, 1)), scaled.reshape(-1, 1), rtol=1e-15)


@pytest.mark.parametrize("cls", [MinMaxScaler, StandardScaler])
def test_scaler_errors(cls: type[MinMaxScaler] | type[StandardScaler]) -> None:
    s = cls()
    with pytest.raises(NotFittedError, match="not fitted"):
        s.transform(np.ones((2, 2)))
    with pytest.raises(ValueError, match="not fitted"):
        s.inverse_transform(np.ones((2, 2)))
    s.fit(np.arange(6.0).reshape(3, 2))
    with pytest.raises(ValueError, match=r"3 features.*2 features"):
        s.transform(np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"1 features.*2 features"):
        s.transform(np.ones(4))
    with pytest.raises(ValueError, match=r"\(2, 2, 2\)"):
        s.transform(np.ones((2, 2, 2)))
    with pytest.raises(ValueError, match="finite"):
        cls().fit(np.array([[1.0], [np.nan]]))
    with pytest.raises(ValueError, match="at least one sample"):
        cls().fit(np.zeros((0, 2)))


def test_minmax_bad_feature_range() -> None:
    with pytest.raises(ValueError, match="min < max"):
        MinMaxScaler(feature_range=(1, 0))


matrices = hnp.arrays(
    np.float64,
    st.tuples(st.integers(1, 25), st.integers(1, 4)),
    elements=st.one_of(
        st.floats(-1e6, 1e6, allow_nan=False, allow_subnormal=False),
        st.sampled_from([0.0, 0.1, 1.0, 3.0, 1e6, float(np.nextafter(1e6, 2e6))]),
    ),
)


@settings(max_examples=200, deadline=None)
@given(X=matrices, lo=st.floats(-5, 5), width=st.floats(0.5, 10))
def test_minmax_equals_sklearn(X: np.ndarray, lo: float, width: float) -> None:
    pre = pytest.importorskip("sklearn.preprocessing")
    ours, theirs = MinMaxScaler((lo, lo + width)), pre.MinMaxScaler(feature_range=(lo, lo + width))
    got, expected = ours.fit_transform(X), theirs.fit_transform(X)
    np.testing.assert_array_equal(got, expected)  # same operations in the same order: same bits
    for attr in ("data_min_", "data_max_", "data_range_", "scale_", "min_"):
        np.testing.assert_array_equal(getattr(ours, attr), getattr(theirs, attr))
    np.testing.assert_array_equal(ours.inverse_transform(got), theirs.inverse_transform(expected))


@settings(max_examples=200, deadline=None)
@given(X=matrices)
def test_standard_equals_sklearn(X: np.ndarray) -> None:
    pre = pytest.importorskip("sklearn.preprocessing")
    ours, theirs = StandardScaler(), pre.StandardScaler()
    got, expected = ours.fit_transform(X), theirs.fit_transform(X)
    np.testing.assert_array_equal(got, expected)
    for attr in ("mean_", "var_", "scale_"):
        np.testing.assert_array_equal(getattr(ours, attr), getattr(theirs, attr))
    np.testing.assert_array_equal(ours.inverse_transform(got), theirs.inverse_transform(expected))


@settings(max_examples=200, deadline=None)
@given(X=matrices, cls=st.sampled_from([MinMaxScaler, StandardScaler]), one_d=st.booleans())
def test_inverse_undoes_transform(
    X: np.ndarray, cls: type[MinMaxScaler] | type[StandardScaler], one_d: bool
) -> None:
    x = X[:, 0] if one_d else X
    s = cls().fit(x)
    z = s.transform(x)
    assert z.shape == x.shape and z.dtype == np.float64
    np.testing.assert_allclose(s.inverse_transform(z), x, rtol=1e-9, atol=1e-9 * (1 + abs(x).max()))
