"""The documentation cannot drift from the code.

* ``mkdocs build --strict`` passes: no broken link, no missing page, no API name that mkdocstrings
  cannot find (skipped when mkdocs is not installed).
* Every page under ``docs/`` is in the site's navigation.
* The examples in the package's docstrings print what they claim (doctest on every module).
* The examples on the documentation pages work: ``>>>`` examples are run as doctests, and fenced
  ``python`` blocks are executed in order, one fresh namespace per page; a ``text`` block titled
  "Output" must equal what the ``python`` blocks before it printed.
"""

from __future__ import annotations

import contextlib
import doctest
import importlib
import importlib.util
import io
import os
import pkgutil
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import tinygrad_edu

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = sorted(p for p in DOCS.rglob("*.md") if "_tools" not in p.parts)
FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS
FENCE = re.compile(r"^```([^\n]*)\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
HAVE_MKDOCS = all(
    importlib.util.find_spec(name) is not None
    for name in ("mkdocs", "material", "mkdocstrings", "mkdocstrings_handlers.python")
)


def _module_names() -> list[str]:
    found = ["tinygrad_edu"]
    for info in pkgutil.walk_packages(tinygrad_edu.__path__, "tinygrad_edu."):
        found.append(info.name)
    return sorted(found)


def _page_id(page: Path) -> str:
    return page.relative_to(DOCS).as_posix()


# ------------------------------------------------------------------------------- the site builds
@pytest.mark.skipif(not HAVE_MKDOCS, reason="mkdocs, mkdocs-material or mkdocstrings not installed")
def test_mkdocs_build_strict(tmp_path: Path) -> None:
    site = tmp_path / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", str(site)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stdout}{result.stderr}"
    assert (site / "index.html").is_file()
    assert (site / "reference" / "tensor" / "index.html").is_file()


def _nav_files(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [f for item in node for f in _nav_files(item)]
    if isinstance(node, dict):
        return [f for value in node.values() for f in _nav_files(value)]
    return []


@pytest.mark.skipif(not HAVE_MKDOCS, reason="mkdocs, mkdocs-material or mkdocstrings not installed")
def test_every_page_is_in_the_navigation() -> None:
    from mkdocs.config import load_config

    with contextlib.redirect_stderr(io.StringIO()):
        config = load_config(str(ROOT / "mkdocs.yml"))
    listed = set(_nav_files(config["nav"]))
    pages = {_page_id(p) for p in PAGES}
    assert pages - listed == set(), "pages missing from the nav in mkdocs.yml"
    assert listed - pages == set(), "nav entries in mkdocs.yml without a page"


# --------------------------------------------------------------------------- docstring examples
@pytest.mark.parametrize("name", _module_names())
def test_docstring_examples(name: str) -> None:
    try:
        module = importlib.import_module(name)
    except ImportError as err:  # an optional dependency (e.g. matplotlib) is missing
        pytest.skip(f"{name} needs {err.name}")
    result = doctest.testmod(module, optionflags=FLAGS, verbose=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) in {name} failed (see above)"


def test_the_package_has_docstring_examples() -> None:
    finder = doctest.DocTestFinder()
    count = 0
    for name in _module_names():
        with contextlib.suppress(ImportError):
            module = importlib.import_module(name)
            count += sum(len(t.examples) for t in finder.find(module))
    assert count >= 10, "the docstring examples were not found"


# ------------------------------------------------------------------------------- page examples
@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_page_doctests(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = doctest.testfile(
        str(page), module_relative=False, optionflags=FLAGS, verbose=False, encoding="utf-8"
    )
    assert result.failed == 0, f"{result.failed} >>> example(s) in {_page_id(page)} failed"


def _code_blocks(page: Path) -> list[tuple[str, str, int]]:
    """(info string, code, line number) for each fenced block that starts a line."""
    text = page.read_text(encoding="utf-8")
    return [
        (m.group(1).strip(), m.group(2), text.count("\n", 0, m.start()) + 2)
        for m in FENCE.finditer(text)
    ]


def _normalise(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines())


PAGES_WITH_CODE = [
    p for p in PAGES if any(info.split()[:1] == ["python"] for info, _, _ in _code_blocks(p))
]


@pytest.mark.parametrize("page", PAGES_WITH_CODE, ids=_page_id)
def test_page_python_blocks_run(
    page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("matplotlib").use("Agg")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, Any] = {"__name__": "__docs__"}
    printed = io.StringIO()
    for info, code, line in _code_blocks(page):
        words = info.split()
        where = f"{_page_id(page)}, block at line {line}"
        if words[:1] == ["python"]:
            with contextlib.redirect_stdout(printed):
                try:
                    exec(compile(code, where, "exec"), namespace)
                except Exception as err:
                    pytest.fail(f"{where} raised {type(err).__name__}: {err}")
        elif words[:1] == ["text"] and 'title="Output"' in info:
            assert _normalise(printed.getvalue()) == _normalise(code), f"{where}: output differs"
            printed = io.StringIO()
    with contextlib.suppress(ImportError):
        import matplotlib.pyplot as plt

        plt.close("all")


def test_output_blocks_follow_code() -> None:
    """An "Output" block with no python block before it on its page would check nothing."""
    for page in PAGES:
        seen_code = False
        for info, _, line in _code_blocks(page):
            if info.split()[:1] == ["python"]:
                seen_code = True
            elif 'title="Output"' in info:
                assert seen_code, f"{_page_id(page)} line {line}: Output block before any code"
                seen_code = False


# ------------------------------------------------------------ the docstring-to-Markdown helper
def _docstring_tool() -> Any:
    path = DOCS / "_tools" / "docstring_markdown.py"
    spec = importlib.util.spec_from_file_location("docstring_markdown", path)
    if spec is None or spec.loader is None or importlib.util.find_spec("griffe") is None:
        pytest.skip("griffe is not installed")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_reference_rewrites_doctests_and_tables() -> None:
    to_markdown = _docstring_tool().to_markdown
    text = (
        "Intro::\n\n    code\n\n"
        ">>> 1 + 1\n2\n\n"
        "=====  ==========\nname   meaning\n=====  ==========\nlr     step size\n"
        "``bs``  rows a step\n=====  ==========\n"
    )
    assert to_markdown(text).splitlines() == [
        "Intro:",
        "",
        "    code",
        "",
        "```pycon",
        ">>> 1 + 1",
        "2",
        "```",
        "",
        "| name | meaning |",
        "|---|---|",
        "| lr | step size |",
        "| ``bs`` | rows a step |",
    ]


def test_figures_script_draws_every_figure(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from tinygrad_edu.viz import available_renderers

    if not available_renderers():
        pytest.skip("no Graphviz renderer for the graph pictures")
    script = DOCS / "_tools" / "figures.py"
    result = subprocess.run(
        [sys.executable, str(script), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    drawn = sorted(p.name for p in tmp_path.glob("*.png"))
    assert drawn, "no figure was drawn"
    referenced = {
        name for page in PAGES for name in re.findall(r"images/([\w.-]+\.png)", page.read_text())
    }
    assert referenced <= set(drawn), "pages show PNG figures that figures.py does not draw"
