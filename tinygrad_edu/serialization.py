"""A model's named parameters to and from an ``.npz`` file: atomic writes, never pickle.

``Module.save`` and ``Module.load`` (in ``tinygrad_edu.nn``) are built on these functions, which
know nothing about modules: they work on ``(name, array)`` pairs, so this module needs only
NumPy. The file is a plain NumPy ``.npz`` archive, one ``<name>.npy`` member per parameter in
order, readable by ``np.load(path, allow_pickle=False)``.

- ``save_arrays`` writes under a temporary name beside the destination and renames it over the
  destination, so a save that fails part-way never leaves a broken or half-replaced file.
- ``load_arrays`` reads with ``allow_pickle=False``: a pickled object array is refused, never run.
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
import os
import tempfile
import zipfile
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

Array = NDArray[Any]
__all__ = ["check_state", "load_arrays", "save_arrays"]


def save_arrays(named: Iterable[tuple[str, Array]], path: str | os.PathLike[str]) -> None:
    """Write ``(name, array)`` pairs to ``path`` as an ``.npz`` archive (exactly that name).

    The archive is written beside its destination under a temporary name and then renamed over
    it, so a failure part-way keeps the old file whole; an existing file keeps its permissions.
    Arrays are stored bit for bit (float32 stays float32) and without pickle.
    """
    target = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"save: no such folder {folder!r} for {target!r}")
    mode = os.stat(target).st_mode if os.path.exists(target) else 0o644
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".npz")
    try:
        with os.fdopen(fd, "wb") as f, zipfile.ZipFile(f, "w") as archive:
            for name, data in named:
                with archive.open(f"{name}.npy", "w", force_zip64=True) as member:
                    np.lib.format.write_array(member, data, allow_pickle=False)
        os.chmod(tmp, mode & 0o777)  # mkstemp makes it private (0600)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def load_arrays(path: str | os.PathLike[str]) -> dict[str, Array]:
    """``{name: array}`` from an ``.npz`` archive written by ``save_arrays``, in file order.

    Read with ``allow_pickle=False``: anything that is not plain numeric arrays is refused with
    a ``ValueError`` naming the file (and the member, if one cannot be read), never executed.
    """
    target = os.fspath(path)
    if not os.path.isfile(target):
        raise FileNotFoundError(f"load: no such file: {target!r}")
    try:
        archive = np.load(target, allow_pickle=False)
    except (ValueError, OSError, EOFError) as err:
        raise ValueError(f"load: {target!r} is not a saved model: {err}") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError(f"load: {target!r} holds a single array, not an .npz of parameters")
    state: dict[str, Array] = {}
    with archive:
        for name in archive.files:
            try:
                state[name] = archive[name]
            except (ValueError, OSError, EOFError, zipfile.BadZipFile) as err:
                raise ValueError(
                    f"load: {target!r}: parameter {name!r} cannot be read: {err}"
                ) from None
    return state


def check_state(
    expected: Mapping[str, Array], state: Mapping[str, Any], source: str, owner: str
) -> None:
    """Raise ``ValueError`` unless ``state`` has exactly ``expected``'s names, shapes and dtypes.

    ``expected`` maps each parameter's name to its current data; ``source`` (where ``state`` came
    from) starts every message and ``owner`` (the model's class name) is named when the names
    differ, listing the missing and the unexpected ones.
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
            raise ValueError(
                f"{source}: parameter {name!r} has {what}, but the model's has "
                f"shape {data.shape}, dtype {data.dtype}"
            )
