"""Loading a model file reads only what the model needs, and refuses anything else by name.

Each crafted file is built here: a member the model does not have (compressed, so reading it
would unpack 300 MB), a header declaring a 10¹⁰-element shape, a truncated archive, a text file,
a pickled member, a member holding more bytes than its header declares, one compressed with
bzip2, a member that is not an ``.npy`` array. Each is refused with a ``ValueError`` naming the
file and the member, and (``tracemalloc``) without a large allocation.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_edu.nn import Dense
from tinygrad_edu.serialization import ModelFileError, load_arrays, save_arrays

#: Far more than a Dense(2, 1) needs (24 bytes of data) and far less than any crafted payload.
BOUND = 1 << 20


def model() -> Dense:
    return Dense(2, 1, seed=0)


def header(shape: tuple[int, ...], descr: str = "<f8") -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buffer, {"descr": descr, "fortran_order": False, "shape": shape}
    )
    return buffer.getvalue()


def npy(array: np.ndarray[Any, Any]) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def archive(path: Path, members: dict[str, bytes], method: int = zipfile.ZIP_STORED) -> Path:
    with zipfile.ZipFile(path, "w", method) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def good_members() -> dict[str, bytes]:
    m = model()
    return {"weight.npy": npy(m.weight.data), "bias.npy": npy(m.bias.data)}


def peak_while(fn: Callable[[], Any]) -> int:
    tracemalloc.start()
    try:
        fn()
    except ValueError:
        pass
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return peak


@pytest.fixture
def refuse() -> Callable[[Path, str], str]:
    """Load ``path`` into a Dense(2, 1): it must fail naming the file and ``member``, leave the
    parameters alone, and stay under ``BOUND`` bytes; returns the message."""

    def check(path: Path, member: str) -> str:
        m = model()
        before = [p.data.copy() for p in m.parameters()]
        with pytest.raises(ModelFileError) as info:
            m.load(path)
        message = str(info.value)
        assert repr(str(path)) in message and member in message, message
        assert "allow_pickle" not in message and "pickle.load" not in message
        for p, old in zip(m.parameters(), before, strict=True):
            np.testing.assert_array_equal(p.data, old)
        assert peak_while(lambda: model().load(path)) < BOUND
        return message

    return check


def test_an_unexpected_member_is_refused_before_it_is_unpacked(
    tmp_path: Path, refuse: Callable[[Path, str], str]
) -> None:
    path = archive(tmp_path / "bomb.npz", good_members(), zipfile.ZIP_DEFLATED)
    zeros, count = bytes(1 << 20), 300
    with (
        zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as z,
        z.open("junk.npy", "w", force_zip64=True) as f,
    ):
        f.write(header((count * len(zeros) // 8,)))
        for _ in range(count):
            f.write(zeros)
    assert path.stat().st_size < 1_000_000  # 300 MiB unpacked
    message = refuse(path, "'junk'")
    assert "does not fit Dense: missing [], unexpected ['junk']" in message


def test_a_missing_member_is_named(tmp_path: Path, refuse: Callable[[Path, str], str]) -> None:
    path = archive(tmp_path / "half.npz", {"weight.npy": good_members()["weight.npy"]})
    assert "missing ['bias'], unexpected []" in refuse(path, "'bias'")


def test_a_huge_declared_shape_is_refused_from_its_header(
    tmp_path: Path, refuse: Callable[[Path, str], str]
) -> None:
    members = {**good_members(), "weight.npy": header((100_000, 100_000)) + b"\0" * 100}
    path = archive(tmp_path / "huge.npz", members)
    assert path.stat().st_size < 2000
    message = refuse(path, "'weight'")
    assert "has shape (100000, 100000), dtype float64, but the model's has shape (2, 1)" in message


def test_a_wrong_dtype_is_refused_from_its_header(
    tmp_path: Path, refuse: Callable[[Path, str], str]
) -> None:
    members = {**good_members(), "bias.npy": npy(np.zeros(1, dtype=np.float32))}
    message = refuse(archive(tmp_path / "f32.npz", members), "'bias'")
    assert "has shape (1,), dtype float32, but the model's has shape (1,), dtype float64" in message


def test_a_member_longer_than_its_header_says_is_refused(
    tmp_path: Path, refuse: Callable[[Path, str], str]
) -> None:
    members = {**good_members(), "bias.npy": npy(np.zeros(1)) + b"\0" * 4096}
    message = refuse(archive(tmp_path / "long.npz", members), "'bias'")
    assert "declares 8 bytes of data" in message and "holds 4104" in message


def test_a_truncated_archive_is_refused(tmp_path: Path, refuse: Callable[[Path, str], str]) -> None:
    whole = archive(tmp_path / "whole.npz", good_members()).read_bytes()
    path = tmp_path / "cut.npz"
    path.write_bytes(whole[: len(whole) // 2])
    assert "damaged or cut short" in refuse(path, "")


def test_a_damaged_member_is_refused_by_name(
    tmp_path: Path, refuse: Callable[[Path, str], str]
) -> None:
    path = archive(tmp_path / "crc.npz", good_members())
    data = bytearray(path.read_bytes())
    at = data.find(b"\x93NUMPY", data.find(b"bias.npy"))
    data[at + 130] ^= 0xFF  # a byte of bias's data: the CRC no longer matches
    path.write_bytes(bytes(data))
    assert "parameter 'bias' cannot be read" in refuse(path, "'bias'")


def test_a_text_file_is_not_a_model_and_no_pickle_advice_is_given(
    tmp_path: Path, refuse: Callable[[Path, str], str]
) -> None:
    path = tmp_path / "notes.npz"
    path.write_text("weights: 1, 2, 3\n")
    assert "is not a saved model: it is not a zip archive" in refuse(path, "")


def test_a_pickled_member_is_refused_and_never_unpickled(
    tmp_path: Path, refuse: Callable[[Path, str], str]
) -> None:
    buffer = io.BytesIO()
    np.save(buffer, np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    members = {**good_members(), "weight.npy": buffer.getvalue()}
    message = refuse(archive(tmp_path / "pickled.npz", members), "'weight'")
    assert "holds Python objects (pickled data), and model files are never unpickled" in message


@pytest.mark.parametrize(
    ("members", "method", "expected"),
    [
        ({"weight": b"raw", "bias.npy": b""}, zipfile.ZIP_STORED, "member 'weight' is not an .npy"),
        (good_members(), zipfile.ZIP_BZIP2, "compression method 12"),
        (
            {"weight.npy": header((2, 1), "<U2") + b"\0" * 16, "bias.npy": b""},
            zipfile.ZIP_STORED,
            "dtype <U2 is not a number type",
        ),
    ],
)
def test_members_that_are_not_plain_arrays_are_refused(
    tmp_path: Path,
    refuse: Callable[[Path, str], str],
    members: dict[str, bytes],
    method: int,
    expected: str,
) -> None:
    message = refuse(archive(tmp_path / "odd.npz", members, method), "'")
    assert expected in message


def test_without_a_model_a_huge_header_is_refused_before_allocating(tmp_path: Path) -> None:
    path = archive(tmp_path / "huge.npz", {"w.npy": header((100_000, 100_000)) + b"\0" * 8})

    def load() -> None:
        with pytest.raises(ModelFileError, match=r"parameter 'w' cannot be read: its header"):
            load_arrays(path)

    assert peak_while(load) < BOUND


def test_a_save_that_fails_names_the_destination(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "models"
    folder.mkdir()
    target = folder / "model.npz"

    def refused(*args: Any, **kwargs: Any) -> Any:
        raise PermissionError(13, "Permission denied", str(folder / ".tmp-abc.npz"))

    monkeypatch.setattr(tempfile, "mkstemp", refused)
    with pytest.raises(PermissionError) as info:
        model().save(target)
    assert str(info.value) == f"save: cannot write {str(target)!r}: Permission denied"
    monkeypatch.undo()
    with pytest.raises(IsADirectoryError, match=re.escape(f"save: {str(folder)!r} is a folder")):
        model().save(folder)
    assert os.listdir(folder) == []


@settings(max_examples=30, deadline=None)
@given(
    shapes=st.lists(st.lists(st.integers(0, 4), max_size=3).map(tuple), min_size=1, max_size=3),
    dtype=st.sampled_from([np.float64, np.float32, np.int64, np.uint8, np.complex64]),
    fortran=st.booleans(),
    compress=st.booleans(),
)
def test_what_numpy_writes_loads_back_bit_for_bit(
    shapes: list[tuple[int, ...]], dtype: Any, fortran: bool, compress: bool
) -> None:
    rng = np.random.default_rng(0)
    arrays = {
        f"p{i}": np.asarray(np.abs(rng.normal(size=s)) * 50, order="F" if fortran else "C").astype(
            dtype
        )
        for i, s in enumerate(shapes)
    }
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "m.npz")
        (np.savez_compressed if compress else np.savez)(path, **arrays)  # type: ignore[operator]
        loaded = load_arrays(path, expected=arrays)
        again = os.path.join(folder, "again.npz")
        save_arrays(loaded.items(), again)
        reloaded = load_arrays(again)
    for name, a in arrays.items():
        for b in (loaded[name], reloaded[name]):
            assert b.dtype == a.dtype and b.shape == a.shape and b.tobytes() == a.tobytes()
