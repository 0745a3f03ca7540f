"""The pages people open — the tour's report.html, the animation page with its trace table —
read at 100% zoom in a 1280-px-wide window, measured in headless Chromium where it is installed.

A small script added to a copy of each page measures, after layout, the size every piece of SVG
text is drawn at (its font size times the scale the browser applies to the picture, hidden
animation frames shown first) and whether any table is wider than the page or cut off. The
numbers are written into the page, which Chromium prints with ``--dump-dom``.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tinygrad_edu.tour.chain_rule import chain_rule_section
from tinygrad_edu.tour.context import Context, load_tour_data
from tinygrad_edu.tour.graphs import write_example
from tinygrad_edu.tour.report import Section, write_html
from tinygrad_edu.viz import available_renderers

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed"),
    pytest.mark.skipif(not available_renderers(), reason="no Graphviz renderer"),
]
WINDOW = (1280, 900)
MIN_TEXT_PX = 10.0

MEASURE = """<script>
window.addEventListener("load", function () {
  document.querySelectorAll("[hidden]").forEach(function (e) { e.hidden = false; });
  var out = {texts: 0, smallest: null, wide: [], page: document.documentElement.scrollWidth};
  document.querySelectorAll("svg text").forEach(function (t) {
    var m = t.getScreenCTM();
    if (!m || !t.textContent.trim()) { return; }
    var px = parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b);
    out.texts += 1;
    if (out.smallest === null || px < out.smallest) { out.smallest = px; }
  });
  var right = document.body.getBoundingClientRect().right;
  document.querySelectorAll("table").forEach(function (t) {
    if (t.scrollWidth > t.clientWidth + 1 || t.getBoundingClientRect().right > right + 1) {
      out.wide.push(t.textContent.trim().slice(0, 60));
    }
  });
  var pre = document.createElement("pre");
  pre.id = "tge-measure";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>"""


def measure(page: Path, tmp_path: Path) -> dict[str, Any]:
    """Open a copy of ``page`` (with the measuring script) and return what the script found."""
    assert CHROMIUM is not None
    copy = page.with_name(page.stem + "_measured.html")
    copy.write_text(
        page.read_text(encoding="utf-8").replace("</body>", MEASURE + "</body>"), encoding="utf-8"
    )
    result = subprocess.run(
        [
            CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--proxy-server=127.0.0.1:9",
            f"--user-data-dir={tmp_path / 'profile'}", f"--window-size={WINDOW[0]},{WINDOW[1]}",
            "--virtual-time-budget=10000", "--dump-dom", copy.as_uri(),
        ],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    found = re.search(r'<pre id="tge-measure">(.*?)</pre>', result.stdout, re.S)
    assert found, "the measuring script did not run"
    data: dict[str, Any] = json.loads(html.unescape(found.group(1)))
    return data


def assert_readable(found: dict[str, Any]) -> None:
    assert found["texts"] > 20, found  # the pictures are there, as SVG text
    assert found["smallest"] >= MIN_TEXT_PX, f"SVG text drawn at {found['smallest']:.1f} px"
    assert found["wide"] == [], f"tables wider than the page: {found['wide']}"
    assert found["page"] <= WINDOW[0], f"the page scrolls sideways: {found['page']} px"


def test_the_tour_report_reads_at_100_percent(tmp_path: Path) -> None:
    out = tmp_path / "tour"
    out.mkdir()
    autograd = chain_rule_section(Context(out, load_tour_data(), quick=True, progress=False))
    many = Section("many", "Sixty predictions in one cell")
    many.table(
        ["model", "w1", "test predictions", "seconds"],
        [["tinygrad_edu", "0.7634780516", " ".join(["0.4687"] * 60), "0.01"]],
    )
    assert_readable(measure(write_html([autograd, many], out / "report.html", "T", []), tmp_path))


def test_the_mynn_animation_page_reads_at_100_percent(tmp_path: Path) -> None:
    files = write_example("mynn-loss", tmp_path)
    page = next(p for p in files if p.suffix == ".html")
    assert_readable(measure(page, tmp_path))
