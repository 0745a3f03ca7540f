"""Tour section: the logistic-regression step compiled, its code shown, equal to eager."""

from __future__ import annotations

import time

import numpy as np

from ..compile import compile_step
from ..losses import binary_cross_entropy
from ..nn import Dense
from ..optim import BatchGD
from ..tensor import Tensor
from .context import Context
from .report import Section

#: How many lines of the generated program the section shows (the forward and the backward).
SHOWN_LINES = 16


def _model() -> tuple[Dense, BatchGD]:
    model = Dense(2, 1, activation="sigmoid", weight_init="ones", bias_init="zeros")
    return model, BatchGD(model.parameters(), lr=0.5)


def compiled_section(ctx: Context) -> Section:
    """The notebook's logistic step compiled: its generated code, and compiled equal to eager."""
    s = Section("compiled", "A compiled training step")
    X, y = ctx.data.X_train, ctx.data.y_train.reshape(-1, 1)
    steps = ctx.epochs(1000, 100)
    s.text(
        "The eager step keeps books — a Tensor and a graph node per op, a heap and a dictionary "
        "in the backward walk — and on a one-neuron model the books cost more than the "
        "arithmetic. `compile_step` runs the step once eagerly, reads the graph back, and "
        "writes the same step out as straight-line Python: each op's own forward and backward "
        "code, copied from the op and renamed, on arrays. Here is the backward pass of the "
        "program it wrote for the logistic regression (`step.code`) — the chain rule, one op "
        "at a time, newest first:",
    )
    model, opt = _model()
    step = compile_step(lambda xb, yb: binary_cross_entropy(model(xb), yb), opt)
    start = time.perf_counter()
    compiled = [step(X, y)]  # the trace: one eager step, read back and written out
    traced_s = time.perf_counter() - start
    compiled += [step(X, y) for _ in range(steps - 1)]
    compiled_s = time.perf_counter() - start
    lines = step.code.splitlines()
    start_at = next(i for i, line in enumerate(lines) if "# backward" in line)
    s.code("\n".join(lines[start_at : start_at + SHOWN_LINES]))
    eager_model, eager_opt = _model()
    Xt, yt = Tensor(X), Tensor(y)
    eager = []
    start = time.perf_counter()
    for _ in range(steps):
        loss = binary_cross_entropy(eager_model(Xt), yt)
        eager_opt.zero_grad()
        loss.backward()
        eager_opt.step()
        eager.append(loss.item())
    eager_s = time.perf_counter() - start
    same = sum(a == b for a, b in zip(compiled, eager, strict=True))
    weights_equal = all(
        np.array_equal(a.data, b.data)
        for a, b in zip(model.parameters(), eager_model.parameters(), strict=True)
    )
    s.table(
        ["step", "updates", "last loss", "weights", "time"],
        [
            ["eager", str(steps), f"{eager[-1]:.16f}", "", f"{eager_s * 1e3:.0f} ms"],
            [
                "compiled",
                str(steps),
                f"{compiled[-1]:.16f}",
                "bit-identical" if weights_equal else "DIFFERENT",
                f"{compiled_s * 1e3:.0f} ms (the trace {traced_s * 1e3:.0f} ms)",
            ],
        ],
        f"{same} of {steps} losses are bit-identical; traced {step.stats['traces']} time(s).",
    )
    s.text(
        "Same bits, because the program is the eager step with the bookkeeping removed: the "
        "same NumPy calls in the same order, gradients added in the order the engine adds "
        "them. Python control flow and Python numbers are frozen at trace time, as in "
        "`jax.jit`; guards on input shapes, parameters and grad mode trace again or fall back "
        "to eager. The concept page *How a compiler for autograd works* has the whole story.",
    )
    s.say(f"compiled step: {same} of {steps} losses bit-identical to eager")
    return s
