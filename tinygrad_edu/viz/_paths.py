"""Checking where a picture goes before drawing it: format from the suffix, folder exists."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path


def output_path(
    path: str | os.PathLike[str],
    format: str | None,
    formats: Sequence[str],
    where: str,
    aliases: Mapping[str, str] | None = None,
) -> tuple[Path, str]:
    """``(path, format)`` for writing a picture, or a clear error before any work is done.

    The format is ``format`` or else the path's suffix (``aliases`` maps suffixes such as "gv"
    to formats); a path without a suffix gets ``formats[0]`` and that suffix. Raises
    ``ValueError`` for an unknown format or a suffix that contradicts ``format``,
    ``FileNotFoundError`` for a missing folder and ``PermissionError`` for one that is not
    writable.
    """
    aliases = aliases or {}
    target = Path(path)
    suffix = target.suffix.lower().lstrip(".")
    from_suffix = aliases.get(suffix, suffix)
    if format is None:
        fmt = from_suffix or formats[0]
        if not suffix:
            target = target.with_name(target.name + "." + fmt)
    else:
        fmt = aliases.get(format.lower().lstrip("."), format.lower().lstrip("."))
        if suffix and from_suffix != fmt:
            raise ValueError(
                f"{where}: the file suffix .{suffix} does not match format {format!r}; "
                f"use a .{fmt} file name or leave format out"
            )
        if not suffix:
            target = target.with_name(target.name + "." + fmt)
    if fmt not in formats:
        raise ValueError(
            f"{where}: unknown format {fmt!r} for {str(path)!r}; choose one of {', '.join(formats)}"
        )
    folder = target.parent
    if not folder.is_dir():
        raise FileNotFoundError(f"{where}: the folder {str(folder)!r} does not exist; create it")
    if target.is_dir():
        raise IsADirectoryError(f"{where}: {str(target)!r} is a folder, not a file name")
    if not os.access(folder, os.W_OK):
        raise PermissionError(f"{where}: the folder {str(folder)!r} is not writable")
    return target, fmt
