"""The documentation cannot drift from the code.

* ``mkdocs build --strict`` passes: no broken link, no missing page, no API name that mkdocstrings
  cannot find (skipped when mkdocs is not installed).
* The built site works opened from disk and offline: every link and asset leads to a file (not a
  folder), nothing is loaded from the network, and the math is typeset by the copy of MathJax in
  the site (checked in headless Chromium where it is installed).
* Every page under ``docs/`` is in the site's navigation; the API navigation names no private
  module.
* The examples in the package's docstrings print what they claim (doctest on every module).
* The examples on the documentation pages work: ``>>>`` examples are run as doctests, and fenced
  ``python`` blocks are executed in order, one fresh namespace per page; a ``text`` block titled
  "Output" must equal what the ``python`` blocks before it printed.
"""

from __future__ import annotations

import contextlib
import doctest
import html.parser
import importlib
import importlib.util
import io
import os
import pkgutil
import re
import shutil
import subprocess
import sys
import urllib.parse
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
needs_mkdocs = pytest.mark.skipif(
    not HAVE_MKDOCS, reason="mkdocs, mkdocs-material or mkdocstrings not installed"
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The documentation built with ``mkdocs build --strict`` into a temporary folder."""
    if not HAVE_MKDOCS:
        pytest.skip("mkdocs, mkdocs-material or mkdocstrings not installed")
    site = tmp_path_factory.mktemp("docs") / "site"
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
    return site


class _Refs(html.parser.HTMLParser):
    """Every (tag, attribute, value) of an href or src in one page, and its arithmatex elements."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str, str]] = []
        self.math = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value is not None:
                self.refs.append((tag, name, value))
            if name == "class" and value is not None and "arithmatex" in value.split():
                self.math += 1


def _refs(page: Path) -> _Refs:
    parser = _Refs()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def test_mkdocs_build_strict(site: Path) -> None:
    assert (site / "index.html").is_file()
    assert (site / "reference" / "tensor.html").is_file()


def test_every_link_and_asset_leads_to_a_file_when_opened_from_disk(site: Path) -> None:
    """A link to a folder shows a directory listing from file://, not the page."""
    broken = []
    for page in sorted(site.rglob("*.html")):
        if page.name == "404.html":  # a web server's answer to any unknown URL: links from root
            continue
        for tag, attribute, value in _refs(page).refs:
            target = urllib.parse.urlsplit(value)
            if target.scheme or target.netloc or not target.path:  # another site, or #anchor
                continue
            path = (page.parent / urllib.parse.unquote(target.path)).resolve()
            if not path.is_file():
                broken.append(f"{page.relative_to(site)}: <{tag} {attribute}={value!r}>")
    assert not broken, "links that lead to no file:\n" + "\n".join(broken[:20])


def test_nothing_is_loaded_from_the_network(site: Path) -> None:
    remote = [
        f"{page.relative_to(site)}: <{tag} {attribute}={value!r}>"
        for page in sorted(site.rglob("*.html"))
        for tag, attribute, value in _refs(page).refs
        if tag != "a" and re.match(r"(https?:)?//", value)
    ]
    assert not remote, "\n".join(remote)


def test_math_is_marked_for_the_mathjax_copy_in_the_site(site: Path) -> None:
    page = site / "concepts" / "optimizers.html"
    refs = _refs(page)
    assert refs.math == 3  # the update rule, momentum, Adam
    scripts = [value for tag, _, value in refs.refs if tag == "script"]
    assert "../javascripts/mathjax.js" in scripts
    assert "../assets/mathjax/tex-svg.js" in scripts
    extensions = site / "assets" / "mathjax" / "input" / "tex" / "extensions"
    assert (extensions / "autoload.js").is_file(), "the on-demand TeX extensions are missing"


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")
def test_math_renders_in_a_browser_from_disk_without_network(site: Path, tmp_path: Path) -> None:
    assert CHROMIUM is not None
    page = site / "concepts" / "chain-rule-and-backward.html"
    result = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--proxy-server=127.0.0.1:9",  # anything fetched from the network fails
            f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=15000",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    rendered = result.stdout
    formulas = _refs(page).math
    assert formulas == 4
    typeset = re.findall(r'<mjx-container [^>]*jax="SVG"[^>]*>\s*<svg', rendered)
    assert len(typeset) == formulas, "MathJax did not typeset every formula as SVG"
    assert '<g data-mml-node="merror"' not in rendered, "a formula has a TeX error"


def test_without_mathjax_the_build_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("mkdocs")
    from mkdocs.exceptions import PluginError

    spec = importlib.util.spec_from_file_location(
        "offline_math", DOCS / "_tools" / "offline_math.py"
    )
    assert spec is not None and spec.loader is not None
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)
    monkeypatch.setattr(hook, "DISTRIBUTION", "no-such-distribution")
    with pytest.raises(PluginError, match=r"MathJax from the package no-such-distribution.*pip"):
        hook.on_config({})


def _nav_files(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [f for item in node for f in _nav_files(item)]
    if isinstance(node, dict):
        return [f for value in node.values() for f in _nav_files(value)]
    return []


@needs_mkdocs
def test_every_page_is_in_the_navigation() -> None:
    from mkdocs.config import load_config

    with contextlib.redirect_stderr(io.StringIO()):
        config = load_config(str(ROOT / "mkdocs.yml"))
    listed = set(_nav_files(config["nav"]))
    pages = {_page_id(p) for p in PAGES}
    assert pages - listed == set(), "pages missing from the nav in mkdocs.yml"
    assert listed - pages == set(), "nav entries in mkdocs.yml without a page"


@needs_mkdocs
def test_the_api_navigation_names_no_private_module(site: Path) -> None:
    from mkdocs.config import load_config

    with contextlib.redirect_stderr(io.StringIO()):
        config = load_config(str(ROOT / "mkdocs.yml"))
    (reference,) = [entry["API reference"] for entry in config["nav"] if "API reference" in entry]
    for entry in reference:
        ((title, page),) = entry.items()
        assert not re.search(r"(^|\.)_", title), f"the API navigation lists {title}"
        directives = re.findall(r"^::: (\S+)", (DOCS / page).read_text(), re.MULTILINE)
        private = [name for name in directives if re.search(r"(^|\.)_", name)]
        assert not private, f"{page} documents the private {private}"
    pages = [p for p in site.rglob("*.html") if "tinygrad_edu._config" in p.read_text()]
    assert not pages, f"the site still names tinygrad_edu._config: {pages}"


def test_the_tensor_reference_shows_every_public_tensor_name(site: Path) -> None:
    # Tensor's methods live in three mixins; the page must show them on Tensor, where users call
    # them. Plain attributes (slots) have no anchor, so the class docstring must name each.
    from tinygrad_edu import Tensor

    page = (site / "reference" / "tensor.html").read_text(encoding="utf-8")
    shown = set(re.findall(r'id="tinygrad_edu\.tensor\.Tensor\.([A-Za-z]\w*)"', page))
    slots = {n for n in Tensor.__slots__ if not n.startswith("_")}
    public = {n for n in dir(Tensor) if not n.startswith("_")}
    assert not public - slots - shown, f"not on the Tensor reference page: {public - slots - shown}"
    doc = Tensor.__doc__ or ""
    assert all(f"``{n}``" in doc for n in slots), f"Tensor's docstring must describe {slots}"


#: The width of the text column of a page in a 1280-px window (Material's layout, measured).
COLUMN_PX = 680
SVG_IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s]+\.svg)\)(\{[^}]*\})?")


def _svg_text_px(svg: Path, shown_px: float | None) -> float:
    """The smallest text of a Graphviz SVG, in CSS px, when drawn ``shown_px`` wide."""
    source = svg.read_text(encoding="utf-8")
    natural = float(re.search(r'<svg[^>]*width="([0-9.]+)pt"', source)[1]) * 4 / 3  # type: ignore[index]
    smallest = min(float(f) for f in re.findall(r'font-size="([0-9.]+)"', source)) * 4 / 3
    width = min(shown_px or natural, natural, COLUMN_PX)
    return smallest * width / natural


def test_every_svg_picture_on_a_page_is_drawn_with_text_of_10_px_or_more() -> None:
    # At 100% zoom in a 1280-px window: a width attribute, a picture wider than the column, or
    # two pictures side by side in a table row all shrink the text.
    small = []
    for page in PAGES:
        for line in page.read_text(encoding="utf-8").splitlines():
            found = SVG_IMAGE.findall(line)
            if len(found) > 1 and line.lstrip().startswith("|"):
                small.append(f"{page.name}: {len(found)} pictures side by side in one table row")
            for src, attrs in found:
                width = re.search(r'width="([0-9]+)"', attrs or "")
                px = _svg_text_px((page.parent / src).resolve(), float(width[1]) if width else None)
                if px < 10:
                    small.append(f"{page.name}: {src} has text {px:.1f} px high")
    assert not small, "pictures too small to read at 100%:\n" + "\n".join(small)


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
