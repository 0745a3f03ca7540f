"""Big graphs: the chain rule text counts paths instead of giving up, the animation has a frame
limit it checks before doing anything. (Their speed is measured by benchmarks/bench_viz.py.)"""

from __future__ import annotations

import re

import numpy as np
import pytest

from tinygrad_edu import Tensor
from tinygrad_edu.viz import animate_backward, to_dot, trace_backward
from tinygrad_edu.viz.animate import MAX_FRAMES

LEVELS = 20


def lattice_plus_x() -> tuple[Tensor, Tensor, Tensor]:
    """L = y₂₀ + x with yₖ₊₁ = yₖ + yₖ·1 and y₀ = w: every level doubles the paths to w, so
    2²⁰ = 1,048,576 paths (and ∂L/∂w = 2²⁰); x has one path, and ∂L/∂x = 1."""
    w = Tensor(1.0, requires_grad=True, name="w")
    x = Tensor(3.0, requires_grad=True, name="x")
    y = w
    for _ in range(LEVELS):
        y = y + y * 1.0
    L = y + x
    L.name = "L"
    return L, w, x


def test_a_path_behind_a_wide_subgraph_is_found() -> None:
    L, _, x = lattice_plus_x()
    text = trace_backward(L).chain(x)
    assert "No gradient" not in text
    assert "L → x (as b)" in text
    assert text.endswith("backward() computed ∂L/∂x = 1")


def test_too_many_paths_are_counted_and_the_gradient_is_given() -> None:
    L, w, _ = lattice_plus_x()
    text = trace_backward(L).chain(w, max_paths=3)
    assert "too many paths to list (1,048,576 in all)" in text
    assert "(only the first 3 paths are shown; their sum is not the gradient)" in text
    assert len(re.findall(r"^path \d+: ", text, re.M)) == 3
    assert text.endswith("backward() computed ∂L/∂w = 1.049e+06")  # 2²⁰
    assert w.grad is not None and float(w.grad) == 2.0**LEVELS


def test_no_path_is_still_said_plainly() -> None:
    L, _, _ = lattice_plus_x()
    other = Tensor(1.0, requires_grad=True, name="other")
    assert trace_backward(L).chain(other).startswith("No gradient reaches other from L")


def chain_of(ops: int) -> tuple[Tensor, Tensor]:
    x = Tensor(np.ones(2), requires_grad=True, name="x")
    y = x
    for _ in range(ops - 1):
        y = y.tanh()
    return y.sum(), x


def test_past_the_frame_limit_nothing_runs_and_the_message_says_how_to_raise_it() -> None:
    L, x = chain_of(12)  # 12 ops: 12 backward steps, 13 frames
    message = (
        "animate_backward: this backward pass takes 12 steps, so 13 frames, more than "
        "max_frames=12 (each frame is a whole picture of the graph). Pass max_frames=13 (or "
        "None) to draw them all"
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        animate_backward(L, max_frames=12)
    assert x.grad is None  # the backward pass did not run
    assert len(animate_backward(L, max_frames=13)) == 13


def test_the_default_limit_and_no_limit() -> None:
    L, _ = chain_of(MAX_FRAMES)  # MAX_FRAMES steps: one frame too many
    with pytest.raises(ValueError, match=f"more than max_frames={MAX_FRAMES} "):
        animate_backward(L)
    trace = trace_backward(L)
    with pytest.raises(ValueError, match=f"so {MAX_FRAMES + 1} frames"):
        animate_backward(trace)
    anim = animate_backward(trace, max_frames=None)
    assert len(anim) == MAX_FRAMES + 1
    assert anim.docs[0].source() != anim.docs[-1].source()


def test_frames_are_counted_before_the_pass_as_the_pass_counts_them() -> None:
    a = Tensor(2.0, requires_grad=True, name="a")
    c = Tensor(5.0, name="c")  # needs no gradient: no step of its own
    d = a * c
    detached = (a * 3.0).detach()  # its op is not part of L's graph
    L = (d + d) * detached + 1.0  # ops: a·c, d + d, · detached, + 1: four steps
    with pytest.raises(ValueError, match="takes 4 steps, so 5 frames"):
        animate_backward(L, max_frames=4)
    assert a.grad is None
    assert len(animate_backward(L, max_frames=5)) == 5 == len(trace_backward(L)) + 1


@pytest.mark.parametrize("bad", [0, -1, 2.5, "10", True])
def test_max_frames_must_be_a_positive_int_or_none(bad: object) -> None:
    L, _ = chain_of(2)
    with pytest.raises(ValueError, match="max_frames must be an int ≥ 1 or None"):
        animate_backward(L, max_frames=bad)  # type: ignore[arg-type]


def test_a_long_chain_draws_without_a_node_limit() -> None:
    L, _ = chain_of(3000)
    dot = to_dot(L, max_nodes=None)
    assert dot.count(" -> ") == 2 * 3000  # each op: one operand arrow, one to its result
    assert "more nodes not shown" not in dot
