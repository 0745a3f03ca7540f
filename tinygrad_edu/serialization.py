"""A model's named arrays (parameters, buffers) to and from an ``.npz`` file, never pickled.

``Module.save`` and ``Module.load`` (in ``tinygrad_edu.nn``) are built on these functions, which
know nothing about modules: they work on ``(name, array)`` pairs, so this module needs only
NumPy. The file is a plain NumPy ``.npz`` archive, one ``<name>.npy`` member per array in
order, readable by ``np.load(path, allow_pickle=False)``.

- ``save_arrays`` writes under a temporary name beside the destination and renames it over the
  destination, so a save that fails part-way never leaves a broken or half-replaced file. Its
  errors name the destination.
- ``load_arrays`` never unpickles and reads a file from the outside in: the archive's member list
  first, then each member's ``.npy`` header (shape and dtype), and the data last — with
  ``expected`` (what ``Module.load`` passes: the model's parameters) only the members the model
  has, of exactly its shapes and dtypes. So a file that names another member, declares a
  bigger shape, or unpacks to more than its header says is refused before its data are read,
  and no file makes ``load`` allocate more than the model's own parameters take. Every refusal
  is a ``ModelFileError`` (a ``ValueError``) naming the file and the member.
- ``check_state`` says whether loaded arrays fit a model's parameters (names, shapes, dtypes).

>>> import os, tempfile
>>> import numpy as np
>>> weights = [("weight", np.ones((2, 1), dtype=np.float32)), ("bias", np.zeros(1))]
>>> with tempfile.TemporaryDirectory() as folder:
...     path = os.path.join(folder, "model.npz")
...     save_arrays(weights, path)
...     state = load_arrays(path)
>>> [(name, a.shape, str(a.dtype)) for name, a in state.items()]
[('weight', (2, 1), 'float32'), ('bias', (1,), 'float64')]
>>> check_state(dict(weights), state, source="example", owner="Dense")   # fits: no error
>>> check_state({"weight": np.ones((2, 3))}, state, source="example", owner="Dense")
Traceback (most recent call last):
ValueError: example does not fit Dense: missing [], unexpected ['bias']
"""

from __future__ import annotations

import contextlib
import math
import os
import tempfile
import zipfile
import zlib
from collections.abc import Iterable, Mapping
from typing import IO, Any, Literal, Protocol

import numpy as np
from numpy.typing import NDArray

Array = NDArray[Any]
__all__ = ["ArraySpec", "ModelFileError", "check_state", "load_arrays", "save_arrays"]

#: Bytes read from a member at a time (the data of one parameter arrive in such pieces).
CHUNK = 1 << 20
#: Ways a member may be stored: as it is (``np.savez``) or deflated (``np.savez_compressed``).
#: Other methods are refused: zipfile decompresses them without a bound on the output.
COMPRESSION = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflated"}
_READ_ERRORS = (
    ValueError, OSError, EOFError, zipfile.BadZipFile, zlib.error, RuntimeError,
    NotImplementedError,
)  # fmt: skip


class ModelFileError(ValueError):
    """A file ``load_arrays`` refuses; the message names the file and, where one is at fault,
    the member."""


class ArraySpec(Protocol):
    """What ``load_arrays`` needs to know of a parameter it expects (an array or a Tensor)."""

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape the stored array must have."""
        ...

    @property
    def dtype(self) -> np.dtype[Any]:
        """The dtype the stored array must have."""
        ...


def save_arrays(named: Iterable[tuple[str, Array]], path: str | os.PathLike[str]) -> None:
    """Write ``(name, array)`` pairs to ``path`` as an ``.npz`` archive (exactly that name).

    The archive is written beside its destination under a temporary name and then renamed over
    it, so a failure part-way keeps the old file whole; an existing file keeps its permissions.
    Arrays are stored bit for bit (float32 stays float32) and without pickle. An error (a
    missing or read-only folder, a full disk) names ``path``.
    """
    target = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"save: no such folder {folder!r} for {target!r}")
    if os.path.isdir(target):
        raise IsADirectoryError(f"save: {target!r} is a folder; give a file name such as model.npz")
    try:
        mode = os.stat(target).st_mode if os.path.exists(target) else 0o644
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".npz")
    except OSError as err:
        raise _naming(err, target) from None
    try:
        with os.fdopen(fd, "wb") as f, zipfile.ZipFile(f, "w") as archive:
            for name, data in named:
                with archive.open(f"{name}.npy", "w", force_zip64=True) as member:
                    np.lib.format.write_array(member, data, allow_pickle=False)
        os.chmod(tmp, mode & 0o777)  # mkstemp makes it private (0600)
        os.replace(tmp, target)
    except BaseException as err:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(err, OSError):
            raise _naming(err, target) from None
        raise


def _naming(err: OSError, target: str) -> OSError:
    """The same kind of error, saying which file could not be written (not the temporary)."""
    kind = type(err) if type(err).__module__ == "builtins" else OSError
    return kind(f"save: cannot write {target!r}: {err.strerror or err}")


def load_arrays(
    path: str | os.PathLike[str],
    expected: Mapping[str, ArraySpec] | None = None,
    owner: str = "the model",
    kinds: Mapping[str, str] | None = None,
) -> dict[str, Array]:
    """``{name: array}`` from an ``.npz`` archive written by ``save_arrays``, in file order.

    With ``expected`` (``{name: array or Tensor}``, the model's parameters) the archive must hold
    exactly those names (``owner`` names the model in the message), each of that shape and
    dtype, all checked before any data are read; ``kinds`` says what each name is in the
    messages ("buffer", "extra state"), "parameter" unless told. Without it every member is
    read, each checked against its own header. Anything else — not a zip archive, a truncated one, a
    pickled (object) member, a member that is not an ``.npy`` array, or that holds more or
    fewer bytes than its header declares — is a ``ModelFileError`` (a ``ValueError``) naming
    the file and the member.
    """
    target = os.fspath(path)
    where = f"load: {target!r}"
    if not os.path.isfile(target):
        raise FileNotFoundError(f"load: no such file: {target!r}")
    try:
        archive = zipfile.ZipFile(target)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise ModelFileError(f"{where} is not a saved model: {_not_a_zip(target)}") from None
    with archive:
        members = _members(archive, where)
        if expected is not None:
            missing = [n for n in expected if n not in members]
            unexpected = [n for n in members if n not in expected]
            if missing or unexpected:
                raise ModelFileError(
                    f"{where} does not fit {owner}: missing {missing}, unexpected {unexpected}"
                )
        state: dict[str, Array] = {}
        for name, info in members.items():
            want = None if expected is None else expected[name]
            kind = (kinds or {}).get(name, "parameter")
            state[name] = _read_member(archive, info, f"{where}: {kind} {name!r}", want)
        return state


def _not_a_zip(target: str) -> str:
    with open(target, "rb") as f:
        start = f.read(6)
    if start == b"\x93NUMPY":
        return "it holds a single array (.npy), not an .npz of parameters"
    if start.startswith(b"PK"):
        return "the zip archive is damaged or cut short (its table of contents is missing)"
    return "it is not a zip archive (an .npz file is one)"


def _members(archive: zipfile.ZipFile, where: str) -> dict[str, zipfile.ZipInfo]:
    """``{parameter name: member}`` from the archive's table of contents (no data read)."""
    members: dict[str, zipfile.ZipInfo] = {}
    for info in archive.infolist():
        name = info.filename.removesuffix(".npy")
        if name == info.filename or name in members:
            problem = "is not an .npy array" if name == info.filename else "appears twice"
            raise ModelFileError(f"{where}: member {info.filename!r} {problem}")
        if info.compress_type not in COMPRESSION:
            raise ModelFileError(
                f"{where}: member {info.filename!r} uses zip compression method "
                f"{info.compress_type}; a model file's members are stored or deflated"
            )
        members[name] = info
    return members


def _read_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, where: str, want: ArraySpec | None
) -> Array:
    """One member's array: header first, checked (against ``want`` too), then its bytes."""
    try:
        with archive.open(info) as f:
            shape, fortran, dtype = _header(f, where)
            header_bytes = f.tell()
            if want is not None and (shape != tuple(want.shape) or dtype != want.dtype):
                raise ModelFileError(
                    f"{where} has shape {shape}, dtype {dtype}, but the model's has "
                    f"shape {tuple(want.shape)}, dtype {want.dtype}"
                )
            nbytes = math.prod(shape) * dtype.itemsize
            if info.file_size != header_bytes + nbytes:
                raise ModelFileError(
                    f"{where} cannot be read: its header declares {nbytes} bytes of data for "
                    f"shape {shape}, dtype {dtype}, but the member holds "
                    f"{info.file_size - header_bytes}"
                )
            data = _read_exactly(f, nbytes, where)
    except ModelFileError:
        raise
    except _READ_ERRORS as err:  # what zipfile and NumPy's header reader raise
        raise ModelFileError(f"{where} cannot be read: {err}") from None
    order: Literal["C", "F"] = "F" if fortran else "C"
    array: Array = np.frombuffer(data, dtype=dtype).reshape(shape, order=order)
    return array


def _header(f: IO[bytes], where: str) -> tuple[tuple[int, ...], bool, np.dtype[Any]]:
    version = np.lib.format.read_magic(f)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
    elif version == (2, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
    else:
        raise ModelFileError(
            f"{where} cannot be read: .npy format version {version[0]}.{version[1]}; model "
            "files use 1.0 or 2.0"
        )
    if dtype.hasobject:
        raise ModelFileError(
            f"{where} cannot be read: it holds Python objects (pickled data), and model "
            "files are never unpickled"
        )
    if dtype.kind not in "biufc" or dtype.fields is not None or dtype.subdtype is not None:
        raise ModelFileError(f"{where} cannot be read: dtype {dtype} is not a number type")
    return tuple(int(n) for n in shape), bool(fortran), dtype


def _read_exactly(f: IO[bytes], nbytes: int, where: str) -> bytearray:
    """``nbytes`` bytes from ``f`` (piece by piece: memory grows only as data arrive), and the
    end of the member right after them (which makes zipfile check its CRC)."""
    data = bytearray()
    while len(data) < nbytes:
        piece = f.read(min(CHUNK, nbytes - len(data)))
        if not piece:
            raise ModelFileError(f"{where} cannot be read: the data stop after {len(data)} bytes")
        data += piece
    if f.read(1):
        raise ModelFileError(f"{where} cannot be read: more data follow the array")
    return data


def check_state(
    expected: Mapping[str, Array],
    state: Mapping[str, Any],
    source: str,
    owner: str,
    kinds: Mapping[str, str] | None = None,
) -> None:
    """Raise ``ValueError`` unless ``state`` has exactly ``expected``'s names, shapes and dtypes.

    ``expected`` maps each entry's name to its current data; ``source`` (where ``state`` came
    from) starts every message and ``owner`` (the model's class name) is named when the names
    differ, listing the missing and the unexpected ones. ``kinds`` says what each name is in the
    messages ("buffer", "extra state"); "parameter" unless told.
    """
    missing = [n for n in expected if n not in state]
    unexpected = [n for n in state if n not in expected]
    if missing or unexpected:
        raise ValueError(
            f"{source} does not fit {owner}: missing {missing}, unexpected {unexpected}"
        )
    for name, data in expected.items():
        got = state[name]
        if not isinstance(got, np.ndarray) or got.shape != data.shape or got.dtype != data.dtype:
            what = (
                f"shape {got.shape}, dtype {got.dtype}"
                if isinstance(got, np.ndarray)
                else type(got).__name__
            )
            kind = (kinds or {}).get(name, "parameter")
            raise ValueError(
                f"{source}: {kind} {name!r} has {what}, but the model's has "
                f"shape {data.shape}, dtype {data.dtype}"
            )
