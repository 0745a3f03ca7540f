"""trace_backward: the chain-rule steps of a hand-computed example, and the tables they print."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tinygrad_edu import Tensor
from tinygrad_edu.viz import trace_backward
from tinygrad_edu.viz.graph import walk

A, B, C = 2.0, -3.0, 10.0
U = A * B  # −6
V = U + C  # 4
S = 1 / (1 + math.exp(-V))  # L = σ(4) ≈ 0.98201
DS = S * (1 - S)  # σ′(4) ≈ 0.017663


def build() -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """L = σ(a·b + c) with named leaves."""
    a = Tensor(A, requires_grad=True, name="a")
    b = Tensor(B, requires_grad=True, name="b")
    c = Tensor(C, requires_grad=True, name="c")
    L = (a * b + c).sigmoid()
    L.name = "L"
    return L, a, b, c


def test_steps_run_in_reverse_topological_order_with_the_hand_computed_numbers() -> None:
    L, a, b, _c = build()
    trace = trace_backward(L)
    assert [s.op for s in trace.steps] == ["Sigmoid", "Add", "Mul"]
    newest_first = sorted((n for n in walk(L) if n.grad_fn), key=lambda n: -n.grad_fn.seq)
    assert [s.node for s in trace.steps] == newest_first
    assert [s.index for s in trace.steps] == [1, 2, 3]

    sig, add, mul = trace.steps
    assert float(sig.upstream) == 1.0  # the seed ∂L/∂L
    (to_v,) = sig.contributions
    assert to_v.local is not None and float(to_v.local) == pytest.approx(DS)  # σ(1 − σ)
    assert float(to_v.value) == pytest.approx(DS)
    assert float(add.upstream) == pytest.approx(DS)
    assert [float(ct.value) for ct in add.contributions] == pytest.approx([DS, DS])  # local 1, 1
    assert float(mul.upstream) == pytest.approx(DS)
    to_a, to_b = mul.contributions
    assert to_a.input is a and to_b.input is b
    assert float(to_a.local) == B and float(to_b.local) == A  # ∂(ab)/∂a = b, ∂(ab)/∂b = a
    assert float(to_a.value) == pytest.approx(DS * B)
    assert float(to_b.value) == pytest.approx(DS * A)
    assert (to_a.operand, to_a.rule) == ("a", "∂(a·b)/∂a = b")
    assert (to_b.operand, to_b.rule) == ("b", "∂(a·b)/∂b = a")


def test_shares_sum_to_what_backward_computes_and_the_trace_fills_grad() -> None:
    L, a, b, c = build()
    trace = trace_backward(L)
    L2, a2, b2, c2 = build()
    L2.backward()
    for mine, theirs in ((a, a2), (b, b2), (c, c2)):
        shares = [ct.value for s in trace.steps for ct in s.contributions if ct.input is mine]
        assert theirs.grad is not None and mine.grad is not None
        assert np.sum(shares) == pytest.approx(float(theirs.grad))
        assert float(mine.grad) == pytest.approx(float(theirs.grad))  # the trace ran backward
        got = trace.grad(mine)
        assert got is not None and float(got) == pytest.approx(float(theirs.grad))


def test_a_value_used_twice_accumulates_its_shares_step_by_step() -> None:
    x = Tensor(3.0, requires_grad=True, name="x")
    y = x * x + x  # ∂y/∂x = 2x + 1 = 7: shares 3 and 3 from the Mul, 1 from the Add
    trace = trace_backward(y)
    to_x = [ct for s in trace.steps for ct in s.contributions if ct.input is x]
    assert [float(ct.value) for ct in to_x] == [1.0, 3.0, 3.0]
    assert [float(ct.total) for ct in to_x] == [1.0, 4.0, 7.0]
    assert x.grad is not None and float(x.grad) == 7.0


def test_broadcast_shares_are_summed_back_to_the_input_shape() -> None:
    w = Tensor(2.0, requires_grad=True, name="w")
    x = Tensor([1.0, 2.0, 3.0], name="x")
    loss = (w * x).sum()  # ∂loss/∂w = Σ x = 6
    trace = trace_backward(loss)
    (share,) = [ct for s in trace.steps for ct in s.contributions if ct.input is w]
    assert share.summed and share.value.shape == () and float(share.value) == 6.0
    assert share.local is not None and share.local.tolist() == [1.0, 2.0, 3.0]  # ∂(w·x)/∂w = x
    assert "6 (broadcast summed)" in str(trace)


def test_text_markdown_and_html_tables() -> None:
    L, _a, _b, _c = build()
    trace = trace_backward(L)
    text = str(trace)
    assert "3 steps" in text and "reverse topological order" in text
    header = text.splitlines()[3]
    for column in ("step", "node", "op", "upstream ∂L/∂node", "local rule", "share", "so far"):
        assert column in header
    mul_row_a = next(line for line in text.splitlines() if line.startswith("3 "))
    assert f"{DS * B:.4g}" in mul_row_a and "∂(a·b)/∂a = b" in mul_row_a
    assert f"  a = {DS * B:.4g}  (leaf: kept in .grad)" in text

    md = trace.to_markdown()
    rows = [line for line in md.splitlines() if line.startswith("|")]
    assert len(rows) == 2 + 1 + 2 + 2  # header, rule, Sigmoid: 1 input, Add: 2, Mul: 2
    assert rows[1] == "| " + " | ".join(["---"] * 9) + " |"
    assert f"| 1 | L | Sigmoid | 1 | add1 | σ′ = σ(1−σ) | {DS:.4g} | {DS:.4g} |" in md

    page = trace.to_html(highlight=3)
    assert page.count('data-step="3"') == 2 and page.count('class="current"') == 2
    assert "&lt;" not in md and "<table>" in page and trace._repr_html_() == trace.to_html()


def test_big_tensors_are_summarised_in_the_table() -> None:
    W = Tensor(np.linspace(-1, 1, 12).reshape(3, 4), requires_grad=True, name="W")
    x = Tensor(np.ones((2, 3)), name="x")
    loss = (x @ W).mean()
    text = str(trace_backward(loss))
    assert "Jacobian (see rule)" in text  # matmul's local derivative is no single number
    assert "all 0.125" in text  # ∂mean/∂element = 1/8 for every element of the (2, 4) output


def test_bad_input_is_refused_with_a_reason() -> None:
    with pytest.raises(ValueError, match="does not require grad"):
        trace_backward(Tensor(1.0))
    v = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match=r"one-element output, but shape is \(2,\)"):
        trace_backward(v * 2)
    with pytest.raises(ValueError, match=r"grad has shape \(3,\) but the tensor has shape"):
        trace_backward(v * 2, grad=np.ones(3))
    trace = trace_backward(v * 2, grad=np.array([1.0, -1.0]))
    assert v.grad is not None and v.grad.tolist() == [2.0, -2.0]
    assert len(trace) == 1
    with pytest.raises(TypeError, match="expected a Tensor"):
        trace_backward(3.0)  # type: ignore[arg-type]


def test_chain_writes_the_product_of_local_derivatives_along_each_path() -> None:
    L, a, _b, _c = build()
    trace = trace_backward(L)
    text = trace.chain(a)
    # ∂L/∂a = ∂L/∂v · ∂v/∂u · ∂u/∂a = σ′(4) · 1 · b
    assert "L → add1 → mul1 (as a) → a (as a)" in text
    assert "∂L/∂add1 · ∂add1/∂mul1 · ∂mul1/∂a" in text
    assert f"= ({DS:.4g}) × (1) × ({B:.4g})" in text
    assert f"backward() computed ∂L/∂a = {DS * B:.4g}" in text

    x = Tensor(3.0, requires_grad=True, name="x")
    y = x * x + x  # three paths: through each operand of the Mul (3 each), and the Add (1)
    y.name = "y"
    text = trace_backward(y).chain(x)
    assert "each of 3 paths, summed" in text
    assert "mul1 (as a) → x (as a)" in text and "mul1 (as a) → x (as b)" in text
    assert "∂y/∂x = (3) + (3) + (1) = 7" in text
    assert "only the first 2" in trace_backward(x * x + x).chain(x, max_paths=2)


def test_chain_explains_when_it_has_no_numbers_to_multiply() -> None:
    W = Tensor([[1.0, 2.0]], requires_grad=True, name="W")
    trace = trace_backward((W @ Tensor([[1.0], [1.0]])).sum())
    assert "product of Jacobians" in trace.chain(W)
    other = Tensor(1.0, requires_grad=True, name="other")
    assert trace.chain(other).startswith("No gradient reaches other")
