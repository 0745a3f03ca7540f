"""Refuse, with a clear message, a Python that cannot run tinygrad_edu, before make builds with it.

The Makefile runs this with the interpreter a user chose (``make test PYTHON=python3.13``)::

    python scripts/check_python.py VENV

It exits with a message (status 1) when

* that Python is older than the minimum in ``pyproject.toml``'s ``requires-python``, or
* the virtual environment ``VENV`` already exists and was made by another Python version, which
  would otherwise run the tests on a Python nobody asked for.

It is run by whatever Python the user has, so it is written for any Python 3.6 or newer.
"""

import re
import sys
from pathlib import Path
from typing import List, Optional, Tuple

Version = Tuple[int, int]  # (major, minor)
ROOT = Path(__file__).resolve().parents[1]
REQUIRES = re.compile(r'^requires-python\s*=\s*">=\s*(\d+)\.(\d+)"', re.MULTILINE)
VENV_VERSION = re.compile(r"^version(?:_info)?\s*=\s*(\d+)\.(\d+)\S*", re.MULTILINE)


def minimum_python(pyproject: Path) -> Version:
    """The (major, minor) of ``requires-python = ">=X.Y"`` in ``pyproject``."""
    found = REQUIRES.search(pyproject.read_text(encoding="utf-8"))
    if found is None:
        raise SystemExit(f'{pyproject}: no line requires-python = ">=X.Y"')
    return int(found.group(1)), int(found.group(2))


def venv_python(venv: Path) -> Optional[Version]:
    """The (major, minor) of the Python that made ``venv``, or None if there is no venv there."""
    config = venv / "pyvenv.cfg"
    if not config.is_file():
        return None
    found = VENV_VERSION.search(config.read_text(encoding="utf-8"))
    return (int(found.group(1)), int(found.group(2))) if found else None


def problem(
    running: Version, minimum: Version, made_by: Optional[Version], venv: str
) -> Optional[str]:
    """What is wrong with building ``venv`` with Python ``running``, or None if nothing is."""
    here = ".".join(map(str, running))
    if running < minimum:
        need = ".".join(map(str, minimum))
        return (
            f"tinygrad_edu needs Python {need} or newer, and {sys.executable} is Python {here}. "
            f"Choose a newer one, e.g. make test PYTHON=python{need}"
        )
    if made_by is not None and made_by != running:
        made = ".".join(map(str, made_by))
        return (
            f"{venv} was made with Python {made}, not Python {here} ({sys.executable}). "
            f"Give this Python its own environment (make ... VENV=.venv-{here}) "
            f"or delete {venv} (make clean)"
        )
    return None


def main(argv: List[str]) -> int:
    if len(argv) != 1:
        print("usage: python scripts/check_python.py VENV", file=sys.stderr)
        return 2
    venv = argv[0]
    message = problem(
        sys.version_info[:2], minimum_python(ROOT / "pyproject.toml"), venv_python(Path(venv)), venv
    )
    if message:
        print(f"error: {message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
