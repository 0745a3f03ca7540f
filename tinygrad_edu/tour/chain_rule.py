"""Tour section 4: autograd and the chain rule, on one neuron and one person.

The example is MyNN at its start (w1 = w2 = 1, b = 0) looking at a 47-year-old who can afford
insurance and bought it: z = w1·0.47 + w2·1 + b, p = σ(z), L = −ln p.
"""

from __future__ import annotations

import numpy as np

from ..gradcheck import gradcheck
from ..losses import binary_cross_entropy
from ..tensor import Tensor
from ..viz import trace_backward
from ..viz.trace import BackwardTrace
from .context import Context
from .examples import neuron_example
from .graphs import picture
from .report import Section


def _graph_files(ctx: Context, loss: Tensor, trace: BackwardTrace, section: Section) -> None:
    """The forward graph, and the same graph with the backward pass's gradients."""
    title = "forward: L = −ln σ(w1·age + w2·aff + b)"
    forward = picture(loss, ctx.out / "graph_neuron", show_grad=False, title=title, direction="TB")[
        -1
    ]
    section.figure(forward, "The graph of L: every value (box) and the op that made it.")
    title = "backward: ∂L/∂ every node"
    back = picture(loss, ctx.out / "backward_trace", trace=trace, title=title, direction="TB")[-1]
    section.figure(back, "The same graph after backward(): each node's gradient and each "
                   "edge's share of it.")  # fmt: skip


def chain_rule_section(ctx: Context) -> Section:
    """The tour's section on the recorded graph and the chain rule walked back, step by step."""
    s = Section("autograd", "Autograd and the chain rule")
    s.text(
        "Every operation on tensors is recorded: the result remembers the op, the op remembers "
        "its inputs. That record is the computation graph. `loss.backward()` walks it from the "
        "loss back to the parameters, and at each op multiplies the gradient arriving from "
        "above by the op's own local derivative — the chain rule, one link at a time. Where a "
        "value feeds several ops, the contributions add up.",
        "The example: MyNN at its start (w1 = w2 = 1, b = 0) and one person, aged 47, who can "
        "afford insurance and bought it (y = 1). Then z = w1·0.47 + w2·1 + b = 1.47, "
        "p = σ(z) and L = −ln p.",
    )
    loss, t = neuron_example()
    trace = trace_backward(loss)  # runs loss.backward() and records every step
    p = float(t["p"].data)
    by_hand = {
        "∂L/∂p": ("−1/p", -1 / p),
        "∂L/∂z": ("−1/p · p(1 − p) = p − 1", p - 1),
        "∂L/∂w1": ("(p − 1) · age", (p - 1) * 0.47),
        "∂L/∂w2": ("(p − 1) · aff", (p - 1) * 1.0),
        "∂L/∂b": ("(p − 1) · 1", p - 1),
    }
    grads = {f"∂L/∂{k}": trace.grad(t[k]) for k in ("p", "z", "w1", "w2", "b")}
    rows = [
        [k, formula, f"{value:.12f}", f"{float(np.asarray(grads[k])):.12f}"]
        for k, (formula, value) in by_hand.items()
    ]
    s.table(
        ["gradient", "chain rule by hand", "by hand", "by backward()"],
        rows,
        f"p = σ(1.47) = {p:.6f}; L = {loss.item():.6f}.",
    )
    s.table(
        trace.columns(),
        trace.rows(),
        "The backward pass as the engine runs it, from the "
        "loss down: at each op, share = upstream gradient × local derivative.",
    )
    inputs = [Tensor(v, requires_grad=True) for v in (1.0, 1.0, 0.0)]

    def f(w1: Tensor, w2: Tensor, b: Tensor) -> Tensor:
        return binary_cross_entropy((w1 * 0.47 + w2 * 1.0 + b).sigmoid(), Tensor(1.0))

    ok = gradcheck(f, *inputs)
    s.text(
        "A third opinion: `gradcheck` nudges each parameter by ±1e-6 and compares the change "
        f"in L with backward()'s gradient (central differences). Result: {ok}."
    )
    _graph_files(ctx, loss, trace, s)
    s.say(
        f"∂L/∂w1 by hand {by_hand['∂L/∂w1'][1]:.10f}, by backward() "
        f"{float(np.asarray(grads['∂L/∂w1'])):.10f}; gradcheck: {ok}",
        f"backward pass: {len(trace)} steps ({', '.join(step.op for step in trace)})",
    )
    return s
