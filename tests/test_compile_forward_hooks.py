"""compile_step and module forward hooks: a hook is Python a replay would skip, so never frozen."""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu import Tensor, compile_step, losses
from tinygrad_edu.nn import Dense
from tinygrad_edu.optim import BatchGD


def _problem() -> tuple[Dense, BatchGD, np.ndarray, np.ndarray]:
    model = Dense(2, 1, activation="sigmoid", seed=0)
    rng = np.random.default_rng(3)
    X = rng.normal(size=(8, 2))
    y = (X[:, :1] > 0).astype(float)
    return model, BatchGD(model.parameters(), lr=0.5), X, y


def _step(model: Dense, opt: BatchGD) -> Any:
    return compile_step(lambda xb, yb: losses.binary_cross_entropy(model(xb), yb), opt)


def test_a_step_whose_model_has_a_forward_hook_runs_eagerly_and_calls_it_every_time() -> None:
    model, opt, X, y = _problem()
    calls: list[tuple[int, ...]] = []
    model.register_forward_hook(lambda m, args, out: calls.append(out.shape))
    step = _step(model, opt)
    for _ in range(3):
        step(X, y)
    assert calls == [(8, 1)] * 3  # a replay would have called it once, at trace time
    assert step.stats["replays"] == 0
    assert "forward hook" in step.stats["reason"]


def test_a_hook_added_after_compiling_retraces_and_removing_it_compiles_again() -> None:
    model, opt, X, y = _problem()
    step = _step(model, opt)
    step(X, y)
    step(X, y)
    assert step.stats["replays"] == 1
    calls: list[str] = []
    handle = model.register_forward_hook(lambda m, args, out: calls.append("hook"))
    step(X, y)
    step(X, y)
    assert calls == ["hook", "hook"] and step.stats["replays"] == 1
    handle.remove()
    step(X, y)  # traced again, without the hook
    step(X, y)
    assert calls == ["hook", "hook"] and step.stats["replays"] == 2


def test_results_with_a_hook_that_changes_the_output_equal_eager() -> None:
    def run(compiled: bool) -> list[float]:
        model, opt, X, y = _problem()
        model.register_forward_hook(lambda m, args, out: out * 0.5)
        if compiled:
            step = _step(model, opt)
            return [step(X, y) for _ in range(5)]
        values = []
        for _ in range(5):
            opt.zero_grad()
            loss = losses.binary_cross_entropy(model(Tensor(X)), Tensor(y))
            loss.backward()
            opt.step()
            values.append(loss.item())
        return values

    assert run(True) == run(False)
