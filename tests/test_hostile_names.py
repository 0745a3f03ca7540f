"""No name can change what a picture or page does or shows: every output format, hostile names.

Each test builds output from tensors (and a user's op) named to break out — end a script, end a
DOT string or comment and start another graph, add record fields, be decoded as an entity — and
reads the output the way its consumer would: a DOT parser, Graphviz (the rendered SVG's text),
an HTML parser, a Markdown renderer, matplotlib.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from tinygrad_edu import Tensor
from tinygrad_edu.viz import (
    animate_backward,
    available_renderers,
    draw_graph,
    plot_history,
    render_dot,
    to_dot,
    trace_backward,
)
from tinygrad_edu.viz.dot import build_doc

from .hostile import HOSTILE, Page, graphviz_text, hostile_graph, parse_dot, record_lines, shown

SVG = "{http://www.w3.org/2000/svg}"
needs_renderer = pytest.mark.skipif(not available_renderers(), reason="no Graphviz renderer")
ALLOWED_ATTRIBUTES = {"label", "shape", "fillcolor", "penwidth", "color", "fontname", "style",
                      "fontcolor", "fontsize", "arrowsize"}  # fmt: skip
OP_TITLE = "</script><script>alert(3)</script>"
OP_RULE = "<img src=x onerror=alert(2)> = 2"


def every_line(graph: Any) -> list[str]:
    return [line for attrs in graph.nodes.values() for line in record_lines(attrs["label"])]


# ------------------------------------------------------------------------------------------ DOT
@pytest.mark.parametrize("direction", ["LR", "TB"])
def test_dot_is_one_graph_of_the_expected_nodes_with_every_name_as_text(direction: str) -> None:
    L, tensors = hostile_graph()
    trace = trace_backward(L)
    graph = parse_dot(to_dot(L, trace=trace, direction=direction, title=HOSTILE[1], legend=True))
    # a·b, + c, Doubler, σ: 4 ops; a, b, c, a·b, a·b + c, Doubler, L: 7 values
    assert sorted(graph.nodes) == [f"op{i}" for i in range(4)] + [f"v{i}" for i in range(7)]
    assert len(graph.edges) == 4 + 6  # one per op output, one per operand (2 + 2 + 1 + 1)
    assert all(len(c.splitlines()) == 1 for c in graph.comments)
    used = {k for attrs in graph.nodes.values() for k in attrs}
    used |= {k for _, _, attrs in graph.edges for k in attrs}
    assert used <= ALLOWED_ATTRIBUTES, used - ALLOWED_ATTRIBUTES
    lines = every_line(graph)
    for t in tensors:
        assert any(line.startswith(shown(t.name or "")) for line in lines), t.name
    assert f"Doubler {OP_TITLE}".strip() not in lines  # the op's title is its class name
    assert OP_TITLE in lines and OP_RULE in lines
    title = graphviz_text(graph.defaults["graph"]["label"]).split("\n")
    assert title[0] == shown(HOSTILE[1])


def test_the_root_name_stays_inside_the_comment() -> None:
    L, _ = hostile_graph()
    graph = parse_dot(to_dot(L))
    assert graph.comments[0] == f"// graph of {shown(HOSTILE[1])}: 7 values, 4 ops"


def test_draw_graph_source_is_the_same_graph() -> None:
    pytest.importorskip("graphviz")
    L, tensors = hostile_graph()
    graph = parse_dot(draw_graph(L, title=HOSTILE[3]).source)
    assert len(graph.nodes) == 11 and len(graph.edges) == 10
    lines = every_line(graph)
    for t in tensors:
        assert any(line.startswith(shown(t.name or "")) for line in lines), t.name


# ------------------------------------------------------------------------------------------ SVG
def svg_texts(svg: str) -> tuple[dict[str, list[str]], ET.Element]:
    root = ET.fromstring(svg)
    nodes = {}
    for g in root.iter(f"{SVG}g"):
        if g.get("class") == "node":
            title = g.find(f"{SVG}title")
            assert title is not None
            nodes[title.text or ""] = [
                (t.text or "").replace("\u00a0", " ") for t in g.iter(f"{SVG}text")
            ]
    return nodes, root


@needs_renderer
def test_rendered_svg_draws_every_name_as_written_and_nothing_else() -> None:
    L, tensors = hostile_graph()
    svg = render_dot(build_doc(L, trace=trace_backward(L), title=HOSTILE[1]), "svg").decode()
    nodes, root = svg_texts(svg)
    assert sorted(nodes) == [f"op{i}" for i in range(4)] + [f"v{i}" for i in range(7)]
    lines = [line for texts in nodes.values() for line in texts]
    for t in tensors:
        assert any(line.startswith(shown(t.name or "")) for line in lines), t.name
    assert "<b>&amp;</b>" in lines  # shown as written, not decoded to <b>&</b>
    assert OP_TITLE in lines and OP_RULE in lines
    tags = {e.tag.removeprefix(SVG) for e in root.iter()}
    assert not tags & {"a", "script", "foreignObject", "image"}, tags
    attributes = {k for e in root.iter() for k in e.attrib}
    assert not [k for k in attributes if "href" in k or k.startswith("on")], attributes


@needs_renderer
def test_png_text_is_drawn_as_text_not_as_matplotlib_math(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("matplotlib")
    from matplotlib.axes import Axes
    from matplotlib.cbook import is_math_text

    drawn: list[str] = []
    original = Axes.text

    def spy(self: Any, x: float, y: float, s: str, *args: Any, **kwargs: Any) -> Any:
        drawn.append(s)
        return original(self, x, y, s, *args, **kwargs)

    monkeypatch.setattr(Axes, "text", spy)
    price = Tensor(5.0, requires_grad=True, name="$5 or $6")
    render_dot(build_doc(price * 2.0), "png")
    mine = [s for s in drawn if "5 or" in s]
    assert mine and all(not is_math_text(s) for s in mine)
    assert mine[0].replace("\\$", "$") == "$5 or $6"


# ----------------------------------------------------------------------------------------- HTML
def caption_list(page: Page) -> list[str]:
    (script,) = page.scripts
    found = re.search(r"var captions = (.*?);\n", script)
    assert found is not None
    captions = json.loads(found.group(1))
    assert isinstance(captions, list)
    return captions


@needs_renderer
def test_animation_page_runs_only_its_own_script_and_shows_the_names() -> None:
    L, tensors = hostile_graph()
    anim = animate_backward(L)
    page = Page(anim.to_html(title=HOSTILE[0]))
    assert len(page.scripts) == 1  # the slider's; no name opened another
    assert "img" not in page.tag_names() and "a" not in page.tag_names()
    assert not [k for k in page.attribute_names() if k.startswith("on") or "href" in k]
    assert "\u2028" not in page.scripts[0] and "</" not in page.scripts[0]
    captions = caption_list(page)
    assert captions == anim.captions and len(captions) == len(anim) == 5
    # ∂L/∂a = σ′(2(ab + c))·2·b = σ′(−3)·2·(−1) = 0.045177·(−2), L's name and a's as typed
    assert f"∂{shown(HOSTILE[1])}/∂{HOSTILE[0]} += -0.09035" in captions[-1]
    stored = [a["data-caption"] for t, a in page.tags if "data-caption" in a]
    assert stored == captions
    assert page.texts.count(HOSTILE[0]) == 2 + len(anim)  # <title>, <h1>, a's box per frame
    for t in tensors:  # each name is a line of the frames' SVG and a cell of the trace table
        assert any(text.replace("\u00a0", " ").strip().startswith(shown(t.name or ""))
                   for text in page.texts), t.name  # fmt: skip


def test_trace_html_cells_are_the_names() -> None:
    L, tensors = hostile_graph()
    page = Page(trace_backward(L).to_html())
    assert page.tag_names() <= {"style", "div", "p", "table", "thead", "tbody", "tr", "th", "td",
                                "ul", "li"}  # fmt: skip
    for t in (tensors[0], tensors[1]):
        assert f"{t.name} (a)" in page.texts or f"{t.name} (b)" in page.texts
    assert OP_TITLE in page.texts and OP_RULE in page.texts


@pytest.mark.parametrize("renderer", ["markdown", "markdown_it"])
def test_trace_markdown_renders_the_names_as_text(renderer: str) -> None:
    module = pytest.importorskip(renderer)
    L, _ = hostile_graph()
    text = trace_backward(L).to_markdown()
    if renderer == "markdown":
        rendered = module.markdown(text, extensions=["tables"])
    else:
        rendered = module.MarkdownIt("commonmark").enable("table").render(text)
    page = Page(rendered)
    assert page.tag_names() <= {"p", "table", "thead", "tbody", "tr", "th", "td", "ul", "li"}
    assert len([t for t, _ in page.tags if t == "tr"]) == 1 + 5  # header + one row per share
    cells = [c.strip() for c in page.texts]
    assert f"{HOSTILE[0]} (a)" in cells and f"{HOSTILE[2]} (b)" in cells
    assert OP_TITLE in cells and OP_RULE in cells
    assert f"{HOSTILE[4]} = 0.09035" in cells  # ∂L/∂(a·b) = σ′(−3)·2, in the list below


def test_tour_report_shows_every_text_as_text(tmp_path: Path) -> None:
    from tinygrad_edu.tour.report import Section, write_html

    L, _ = hostile_graph()
    dot_file = tmp_path / "graph.dot"
    dot_file.write_text(to_dot(L), encoding="utf-8")
    section = Section("your-data", HOSTILE[0])
    section.text(f"the folder `{HOSTILE[0]}` and {HOSTILE[4]}")
    section.code(HOSTILE[1])
    section.table([HOSTILE[5], "b"], [[HOSTILE[0], HOSTILE[2]]], caption=HOSTILE[4])
    section.figure(dot_file, HOSTILE[0])
    if available_renderers():
        svg_file = tmp_path / "graph.svg"
        svg_file.write_bytes(render_dot(build_doc(L), "svg"))
        section.figure(svg_file, HOSTILE[2])
    page = Page(
        write_html([section], tmp_path / "report.html", HOSTILE[0], [HOSTILE[3]]).read_text()
    )
    assert not page.scripts and "img" not in page.tag_names()
    assert not [k for k in page.attribute_names() if k.startswith("on")]
    links = [a["href"] for t, a in page.tags if "href" in a]
    assert links == ["#your-data"]  # the table of contents, nothing a name added
    texts = page.texts
    for expected in (HOSTILE[0], HOSTILE[1], HOSTILE[2], HOSTILE[3], HOSTILE[4], HOSTILE[5]):
        assert expected in texts, expected
    assert any(t.startswith(f"// graph of {shown(HOSTILE[1])}:") for t in texts)  # DOT figure


# ------------------------------------------------------------------------------------ matplotlib
def test_plot_labels_and_titles_are_not_read_as_math() -> None:
    pytest.importorskip("matplotlib")
    from matplotlib.cbook import is_math_text

    from tinygrad_edu.train import History

    runs = {"$x^2$ then $y$": History(loss=[3.0, 2.0]), HOSTILE[0]: History(loss=[2.0, 1.0])}
    fig = plot_history(runs, title="cost in $ and $$")
    texts = [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]
    mine = {t for t in texts if "$" in t}
    assert len(mine) == 2 and all(not is_math_text(t) for t in mine)
    assert {t.replace("\\$", "$") for t in mine} == {"$x^2$ then $y$", "cost in $ and $$"}
    assert HOSTILE[0] in texts
