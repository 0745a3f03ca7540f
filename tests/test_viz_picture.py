"""``draw_graph``'s result behaves as a ``graphviz.Digraph`` without the ``dot`` program.

Paths and return values follow ``graphviz.Digraph``: ``render()`` saves the DOT source as
``name.gv`` and the picture as ``name.gv.<format>``; ``render(outfile=...)`` writes that file
and the source beside it; ``pipe()`` returns bytes; ``save()`` writes the source.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tinygrad_edu.viz import available_renderers, draw_graph

from .test_viz_dot import hand_graph

pytest.importorskip("graphviz")
pytestmark = pytest.mark.skipif(not available_renderers(), reason="no Graphviz renderer")
SVG_TAG = "{http://www.w3.org/2000/svg}svg"


def test_render_without_arguments_writes_source_and_svg_as_graphviz_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    picture = draw_graph(hand_graph()[0])
    written = picture.render()
    assert written == "backprop.gv.svg"
    assert (tmp_path / "backprop.gv").read_text(encoding="utf-8").startswith("digraph backprop {")
    assert ET.parse(tmp_path / written).getroot().tag == SVG_TAG


def test_render_with_name_directory_and_format(tmp_path: Path) -> None:
    picture = draw_graph(hand_graph()[0])
    written = picture.render("net", directory=tmp_path / "out", format="png")
    assert Path(written) == tmp_path / "out" / "net.png"
    assert Path(written).read_bytes().startswith(b"\x89PNG")
    assert "op0 -> v2" in (tmp_path / "out" / "net").read_text(encoding="utf-8")


def test_render_to_an_outfile_and_clean_up_the_source(tmp_path: Path) -> None:
    picture = draw_graph(hand_graph()[0])
    written = picture.render(outfile=tmp_path / "g.pdf", cleanup=True)
    assert Path(written) == tmp_path / "g.pdf"
    assert Path(written).read_bytes().startswith(b"%PDF")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.pdf"]  # g.gv removed


def test_pipe_returns_bytes_or_text() -> None:
    picture = draw_graph(hand_graph()[0])
    svg = picture.pipe()
    assert isinstance(svg, bytes) and ET.fromstring(svg).tag == SVG_TAG
    assert picture.pipe("png").startswith(b"\x89PNG")
    text = picture.pipe(format="dot", encoding="utf-8")
    assert isinstance(text, str) and "digraph backprop {" in text and "op0 -> v2" in text


def test_view_renders_then_opens_the_picture(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    monkeypatch.setattr("webbrowser.open", opened.append)
    written = draw_graph(hand_graph()[0]).view("seen", directory=tmp_path)
    assert Path(written) == tmp_path / "seen.svg"
    assert opened == [(tmp_path / "seen.svg").resolve().as_uri()]


def test_save_writes_the_source_or_a_named_picture(tmp_path: Path) -> None:
    picture = draw_graph(hand_graph()[0])
    source = picture.save("graph.gv", directory=tmp_path)
    assert Path(source) == tmp_path / "graph.gv"
    assert Path(source).read_text(encoding="utf-8") == picture.source
    image = picture.save(tmp_path / "graph.svg")
    assert image == str(tmp_path / "graph.svg")
    assert ET.parse(image).getroot().tag == SVG_TAG


def test_repr_says_what_it_is_and_how_to_see_it() -> None:
    picture = draw_graph(hand_graph()[0])  # values a b c u v L, ops Mul Add Sigmoid
    assert repr(picture).startswith("<GraphPicture 'backprop': 9 nodes, 8 edges")
    assert ".render('name')" in repr(picture) and "Jupyter" in repr(picture)
    picture.edge("v0", "v5")
    assert "9 nodes, 9 edges" in repr(picture)


def test_bad_options_say_what_is_wrong(tmp_path: Path) -> None:
    picture = draw_graph(hand_graph()[0])
    with pytest.raises(ValueError, match=r"unknown format 'bmp'; choose one of svg, png, pdf, dot"):
        picture.pipe("bmp")
    with pytest.raises(ValueError, match=r"renderer only apply to the Graphviz dot program"):
        picture.render(directory=tmp_path, renderer="cairo")
    with pytest.raises(ValueError, match=r"engine only apply"):
        picture.pipe(engine="neato")
    picture.render("once", directory=tmp_path)
    with pytest.raises(FileExistsError, match=r"once\.svg' exists already"):
        picture.render("once", directory=tmp_path, raise_if_result_exists=True)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        picture.render(outfile=tmp_path / "missing" / "g.svg")
