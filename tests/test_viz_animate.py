"""Backprop animation: one frame per backward step plus the forward frame, one layout, files."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from tinygrad_edu import Tensor
from tinygrad_edu.viz import animate_backward, available_renderers, trace_backward
from tinygrad_edu.viz.render import layout

needs_renderer = pytest.mark.skipif(not available_renderers(), reason="no Graphviz renderer")


def shared_weight_graph() -> tuple[Tensor, Tensor]:
    """y = tanh(w·x) + (w·x)·w: w feeds two ops, so its gradient arrives in two shares."""
    x = Tensor(3.0, name="x")
    w = Tensor(0.5, requires_grad=True, name="w")
    h = w * x
    h.name = "h"
    y = h.tanh() + h * w
    y.name = "y"
    return y, w


def labels(dot: str) -> list[str]:
    return [
        re.sub(r"\\(.)", r"\1", m.group(1)).strip()
        for m in re.finditer(r'^  \w+ \[label="((?:[^"\\]|\\.)*)"', dot, re.M)
    ]


def test_frames_are_the_steps_plus_the_forward_frame() -> None:
    y, _w = shared_weight_graph()
    anim = animate_backward(y)
    assert [s.op for s in anim.trace.steps] == ["Add", "Mul", "Tanh", "Mul"]
    assert len(anim) == len(anim.frames) == len(anim.captions) == 4 + 1
    assert anim.captions[0].startswith("Frame 0: forward pass done")
    assert anim.captions[2].startswith("Step 2 of 4: Mul at mul1")


def test_gradients_fill_in_frame_by_frame() -> None:
    y, w = shared_weight_graph()
    anim = animate_backward(y)
    first, middle = anim.frames[0], anim.frames[2]
    w_rows = [next(lab for lab in labels(f) if lab.startswith("w|")) for f in anim.frames]
    assert w_rows[0].endswith("grad ?")  # forward only: nothing known yet
    # after step 2 (the Mul h·w) w holds one of its two shares: ∂(h·w)/∂w = h = 1.5
    assert w_rows[2].split("|")[-1].strip() == "grad so far 1.5 (1 of 2)"
    # at the end: y = tanh(wx) + x·w², so ∂y/∂w = x·(1 − tanh²(wx)) + 2xw
    expected = 3 * (1 - math.tanh(1.5) ** 2) + 2 * 3 * 0.5
    assert w_rows[-1].split("|")[-1].strip() == f"grad {expected:.4g}"
    assert w.grad is not None and float(w.grad) == pytest.approx(expected)
    assert "#fcd34d" not in first  # no step is running in frame 0
    assert middle.count('fillcolor="#fcd34d"') == 1  # exactly one op is highlighted
    assert "grad ?" not in "".join(labels(anim.frames[-1]))  # every gradient has arrived
    assert "← ?" in first and "← ?" not in anim.frames[-1]  # shares still to come, then none


@pytest.mark.skipif("wasm" not in available_renderers(), reason="no in-process Graphviz")
def test_every_frame_has_the_same_layout() -> None:
    """Rows are padded to equal widths as the in-process Graphviz measures them."""
    y, _ = shared_weight_graph()
    anim = animate_backward(y, legend=True)
    positions = []
    for doc in anim.docs:
        j = json.loads(layout(doc.source(), "json", renderer="wasm"))
        positions.append((j["bb"], [o["pos"] for o in j["objects"]]))
    assert all(p == positions[0] for p in positions)


@needs_renderer
def test_saved_files_and_a_self_contained_page(tmp_path: Path) -> None:
    from PIL import Image

    y, _ = shared_weight_graph()
    trace = trace_backward(y)
    written = animate_backward(trace).save(tmp_path / "anim")
    svgs = sorted((tmp_path / "anim").glob("backprop_*.svg"))
    assert len(svgs) == len(trace) + 1 and written["svg"] == svgs[0]
    page = written["html"].read_text(encoding="utf-8")
    assert page.count("<svg") == len(trace) + 1
    assert not re.search(r"""(src|href)\s*=\s*["']?https?://""", page)
    assert "<script src" not in page and "<link" not in page  # script and style inline
    assert 'type="range"' in page and "chain-rule steps" in page
    with Image.open(written["gif"]) as gif:
        assert gif.n_frames == len(trace) + 1


def test_save_refuses_a_missing_parent_folder(tmp_path: Path) -> None:
    y, _ = shared_weight_graph()
    with pytest.raises(FileNotFoundError, match="does not exist"):
        animate_backward(y).save(tmp_path / "missing" / "anim")
