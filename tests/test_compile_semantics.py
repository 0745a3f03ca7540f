"""What a compiled step sees and what it freezes: each case run eagerly and compiled, side by side.

A compiled step must never be silently different from the eager one. These are the ways a step can
depend on more than its graph — which tensor a name holds, whether a parameter still requires grad,
hooks, train/eval mode, work outside the graph, values read into Python, side effects — and what the
compiled step does about each: reads it afresh, guards it, replays it, or runs eagerly and says why.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from tests.test_compile import _fixed
from tinygrad_edu import Tensor, compile_step, detect_anomaly, grad, losses, no_grad, where
from tinygrad_edu.nn import BatchNorm1d, Dense, Sequential
from tinygrad_edu.optim import BatchGD, Optimizer


def test_which_tensor_a_name_holds_is_frozen_its_values_are_not() -> None:
    # loss = Σ (w·x − target)² with w = (1, 2), x = (1, 1): 1 + 4 = 5 for target (0, 0).
    w = Tensor([1.0, 2.0], requires_grad=True)
    scope = {"target": Tensor([0.0, 0.0])}
    step = compile_step(lambda x: ((w * x - scope["target"]) ** 2).sum(), BatchGD([w]))
    x = np.array([1.0, 1.0])
    assert [step.loss_and_grads(x) for _ in range(2)] == [5.0, 5.0]  # (a trace, a replay)
    with no_grad():
        scope["target"] += 1.0  # new values in the same tensor: read afresh, (0)² + 1² = 1
    assert step.loss_and_grads(x) == 1.0
    scope["target"] = Tensor([10.0, 10.0])  # another tensor under the name: not seen ...
    assert step.loss_and_grads(x) == 1.0
    step.clear()  # ... until the step traces again: 9² + 8² = 145
    assert step.loss_and_grads(x) == 145.0


def _eager_and_compiled(change: Callable[[Tensor, Tensor, list[Any]], None]) -> list[Any]:
    """Two steps, ``change(w, v, calls)``, two more steps: eagerly, then compiled."""
    return [_four_steps(change, compiled) for compiled in (False, True)]


def _four_steps(change: Callable[[Tensor, Tensor, list[Any]], None], compiled: bool) -> Any:
    w, v = Tensor([1.0, 2.0], requires_grad=True), Tensor([3.0], requires_grad=True)
    opt = BatchGD([w, v], lr=0.1)

    def fn(x: Any) -> Tensor:
        return ((w * x).sum() * v).sum()

    def eager(x: Any) -> float:
        opt.zero_grad()
        loss = fn(Tensor(x))
        loss.backward()
        opt.step()
        return loss.item()

    go = compile_step(fn, opt) if compiled else eager
    calls: list[Any] = []
    x = np.array([1.0, 1.0])
    losses = [go(x), go(x)]
    change(w, v, calls)
    losses += [go(x), go(x)]
    return losses, w.data.tolist(), v.data.tolist(), calls


def test_a_parameter_frozen_after_the_trace_is_left_alone_as_in_eager() -> None:
    def freeze(w: Tensor, v: Tensor, calls: list[Any]) -> None:
        v.requires_grad = False  # (fine-tuning: stop training one parameter)

    eager, compiled = _eager_and_compiled(freeze)
    assert compiled == eager
    assert eager[2] == [pytest.approx(2.46)]  # v: 3 − 0.1·3 − 0.1·2.4, then no more updates


def test_a_hook_registered_after_the_trace_runs_as_in_eager() -> None:
    def hook(w: Tensor, v: Tensor, calls: list[Any]) -> None:
        w.register_hook(lambda g: calls.append(g.tolist()) or g * 0)

    eager, compiled = _eager_and_compiled(hook)
    assert compiled == eager
    # The hook sees ∂L/∂w = v·x with v = 2.46, then 2.46 − 0.1·(0.43 + 1.43); w no longer moves.
    assert eager[3] == [[pytest.approx(2.46)] * 2, [pytest.approx(2.274)] * 2]
    assert eager[1] == [pytest.approx(0.43), pytest.approx(1.43)]


def test_fn_receives_its_inputs_as_tensors_as_the_eager_step_it_matches() -> None:
    # A float32 layer casts an array to float32 but computes a float64 Tensor in float64: the
    # compiled step is fn(Tensor(X), Tensor(y)), not fn(X, y).
    X, y = np.array([[0.1, 0.2]]), np.array([[1.0]])
    seen: list[type] = []

    def fn(xb: Any, yb: Any) -> Tensor:
        seen.append(type(xb))
        return losses.mse(model(xb), yb)

    model = Dense(2, 1, weight_init="ones", bias_init="zeros", dtype=np.float32)
    loss = compile_step(fn, BatchGD(model.parameters())).loss_and_grads(X, y)
    assert seen == [Tensor]
    assert loss == (0.1 + 0.2 - 1.0) ** 2  # in float64
    with_arrays = losses.mse(model(X), y)  # (fn(X, y): Dense casts the array to float32)
    assert with_arrays.dtype == np.float32 and with_arrays.item() != loss


@pytest.mark.parametrize(
    "prepare",
    [
        lambda xb: xb.clip(0.0, 1.0),  # the traced batch is in [0, 1] already
        lambda xb: xb.clip(0.0, 1.0).reshape(2, 2),  # ... and a reshape of that
        lambda xb: xb.relu(),  # the traced batch is positive
        lambda xb: xb.T,  # the traced batch is symmetric
        lambda xb: (xb - xb.mean()) / 2.0,  # normalised in the step, as BatchNorm does
        lambda xb: xb > 0,  # a comparison's mask (equal to the batch cast to bool)
        lambda xb: (xb * 1.0).detach(),
    ],
    ids=["clip", "clip-reshape", "relu", "transpose", "normalise", "compare", "detach"],
)
def test_work_on_the_inputs_outside_the_graph_is_run_again_not_taken_for_the_inputs(
    prepare: Callable[[Tensor], Tensor],
) -> None:
    # The inputs need no gradient, so these ops are not recorded; their results equal the traced
    # batch (reshaped), but not the next one. The replay runs them again, in their place.
    def run(compiled: bool) -> tuple[list[float], list[float], dict[str, Any] | None]:
        w = Tensor([[1.0], [2.0]], requires_grad=True)
        opt = BatchGD([w], lr=0.1)
        fn = lambda xb: (prepare(xb).reshape(2, 2) @ w).sum()  # noqa: E731
        step = compile_step(fn, opt)
        go = step if compiled else (lambda x: _eager_step(lambda: fn(Tensor(x)), opt))
        batches = [np.array([[0.5, 0.25], [0.25, 0.5]])] * 2 + [np.array([[3.0, -2.0], [4, -1]])]
        losses = [go(x) for x in batches]
        return losses, w.data.ravel().tolist(), (step.stats if compiled else None)

    (eager, w_eager, _), (compiled, w_compiled, stats) = run(False), run(True)
    assert compiled == eager and w_compiled == w_eager
    assert stats is not None and stats["replays"] == 2 and stats["reason"] is None


def test_a_mask_of_a_recorded_value_is_made_again_after_it() -> None:
    # relu by hand: h · (h > 0), the mask a comparison of a result the step recorded.
    def run(compiled: bool) -> tuple[list[float], list[float]]:
        w = Tensor([1.0, -2.0, 3.0], requires_grad=True)
        opt = BatchGD([w], lr=0.5)
        fn = lambda x: ((w * x) * (w * x > 0)).sum()  # noqa: E731
        step = compile_step(fn, opt)
        go = step if compiled else (lambda a: _eager_step(lambda: fn(Tensor(a)), opt))
        out = [go(np.array(x)) for x in ([1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [-1.0, -1.0, 1.0])]
        return out, w.data.tolist()

    compiled, eager = run(True), run(False)
    assert compiled == eager
    assert eager[0][:2] == [4.0, 3.0]  # 1 + 3, then w = (0.5, −2, 2.5): 0.5 + 2.5 (−2 masked)


def test_batchnorm_in_eval_mode_as_the_first_layer_compiles_and_matches_eager() -> None:
    # Its work on the raw inputs needs no gradient (the inputs need none, its statistics are
    # buffers), so it is not recorded: the replay runs it again before the recorded ops.
    X, y = np.linspace(-2.0, 2.0, 18).reshape(6, 3), np.linspace(0.0, 1.0, 6).reshape(6, 1)

    def run(compiled: bool) -> tuple[list[float], list[Any]]:
        model = _fixed(Sequential(BatchNorm1d(3), Dense(3, 1)))
        model[0].running_mean.data[:] = [0.5, -0.5, 0.0]
        model[0].running_var.data[:] = [2.0, 0.5, 1.0]
        model.eval()
        opt = BatchGD(model.parameters(), lr=0.1)
        fn = lambda xb, yb: losses.mse(model(xb), yb)  # noqa: E731
        step = compile_step(fn, opt)
        go = step if compiled else (lambda a, b: _eager_step(lambda: fn(Tensor(a), Tensor(b)), opt))
        out = [go(X * k, y) for k in (1.0, 1.0, 3.0, -1.0)]
        if compiled:
            assert step.stats["replays"] == 3 and "Sub" in step.code.split("MatMul")[0]
        return out, [p.data.copy() for p in model.parameters()]

    (eager, p_eager), (compiled, p_compiled) = run(False), run(True)
    assert compiled == eager
    assert all(np.array_equal(a, b) for a, b in zip(p_compiled, p_eager, strict=True))


def test_a_target_made_under_no_grad_from_the_prediction_replays_in_its_place() -> None:
    # Unrecorded work may read a recorded result (no_grad inside fn): the replay must run it
    # after that op, in the order the step ran them.
    def run(compiled: bool) -> tuple[list[float], list[float]]:
        w = Tensor([1.0, 2.0, 3.0], requires_grad=True)
        opt = BatchGD([w], lr=0.01)

        def fn(x: Tensor) -> Tensor:
            h = w * x
            with no_grad():
                target = h * 0.5 + 1.0  # a moving target, as in bootstrapped value learning
            return ((h - target) ** 2).sum()

        step = compile_step(fn, opt)
        go = step if compiled else (lambda a: _eager_step(lambda: fn(Tensor(a)), opt))
        out = [go(np.array([1.0, -1.0, 2.0])) for _ in range(3)]
        if compiled:
            assert step.stats["replays"] == 2
        return out, w.data.tolist()

    assert run(True) == run(False)
    assert run(False)[0][0] == 8.25  # (0.5·1 − 1)² + (−1 − 1)² + (3 − 1)²: h = (1, −2, 6)


def test_a_graph_built_before_the_step_is_not_replayed_as_part_of_it() -> None:
    # emb has a history from outside the step. Eager backpropagates through that old graph, and
    # after the first update refuses (W changed in place); a replay would recompute emb instead.
    W = Tensor([1.0, 2.0], requires_grad=True)
    emb = W * 2.0
    step = compile_step(lambda x: (emb * x).sum(), BatchGD([W], lr=0.1))
    assert step(np.array([1.0, 1.0])) == 6.0
    assert "recorded before the step" in step.stats["reason"]
    with pytest.raises(RuntimeError, match="modified in place"):
        step(np.array([1.0, 1.0]))  # as the eager step does


def test_anomaly_mode_switched_on_inside_fn_keeps_checking_every_call() -> None:
    w = Tensor([1.0, 2.0], requires_grad=True)

    def fn(x: Tensor) -> Tensor:
        with detect_anomaly():  # (the replay runs no checks: the step must stay eager)
            return (w * x).log().sum()

    step = compile_step(fn, BatchGD([w], lr=0.01))
    step(np.array([1.0, 1.0]))
    step(np.array([1.0, 1.0]))
    assert step.stats["replays"] == 0 and "anomaly" in step.stats["reason"]
    with pytest.raises(FloatingPointError, match="Log"), np.errstate(invalid="ignore"):
        step(np.array([-1.0, 1.0]))  # log of a negative: NaN, which anomaly mode names


def test_python_side_effects_of_fn_run_only_when_traced() -> None:
    w = Tensor([1.0, 2.0], requires_grad=True)
    calls: list[int] = []

    def fn(x: Tensor) -> Tensor:
        calls.append(1)  # Python around the ops: not part of what a replay runs
        return (w * x).sum()

    step = compile_step(fn, BatchGD([w], lr=0.1))
    assert [step(np.array([3.0, 3.0])) for _ in range(3)] == pytest.approx([9.0, 7.2, 5.4])
    assert len(calls) == 1 and step.stats["replays"] == 2


def test_an_array_computed_from_data_in_fn_is_not_frozen() -> None:
    # A mask made from this call's values with NumPy (x.data > 0) would be frozen by a replay:
    # the step runs eagerly, as it does for .item(). Reading a shape is no such read.
    def run(compiled: bool) -> tuple[list[float], list[float], Any]:
        w = Tensor([1.0, 2.0, 3.0], requires_grad=True)
        opt = BatchGD([w], lr=0.1)
        fn = lambda x: (w * x)[x.data > 0].sum()  # noqa: E731
        step = compile_step(fn, opt)
        go = step if compiled else (lambda x: _eager_step(lambda: fn(Tensor(x)), opt))
        xs = [np.array([1.0, -1.0, 1.0])] * 2 + [np.array([-1.0, 1.0, 1.0])] * 2
        return [go(x) for x in xs], w.data.tolist(), (step.stats if compiled else None)

    (eager, w_eager, _), (compiled, w_compiled, stats) = run(False), run(True)
    assert compiled == eager == [4.0, 3.8, 4.8, 4.6] and w_compiled == w_eager
    assert stats["replays"] == 0 and "(data at test_compile_semantics.py:" in stats["reason"]

    w = Tensor([1.0, 2.0], requires_grad=True)
    step = compile_step(lambda x: (w * x).sum() * x.shape[0], BatchGD([w], lr=0.1))
    [step(np.array([3.0, 3.0])) for _ in range(3)]
    assert step.stats["replays"] == 2


@pytest.mark.parametrize("switch", ["train()", "training = True"])
def test_a_step_traced_in_eval_mode_sees_the_switch_to_training(switch: str) -> None:
    from tinygrad_edu.nn import Dropout

    X, y = np.linspace(-1.0, 1.0, 15).reshape(5, 3), np.ones((5, 1))

    def run(compiled: bool) -> list[float]:
        model = _fixed(Sequential(Dense(3, 4), Dropout(0.5, seed=0), Dense(4, 1)))
        opt = BatchGD(model.parameters(), lr=0.1)
        fn = lambda: losses.mse(model(Tensor(X)), Tensor(y))  # noqa: E731
        step = compile_step(lambda xb, yb: losses.mse(model(xb), yb), opt)
        model.eval()  # no mask: the step compiles
        out = [step(X, y) for _ in range(2)] if compiled else [_eager_step(fn, opt) for _ in "ab"]
        if switch == "train()":
            model.train()
        else:
            model[1].training = True  # (the attribute itself, on the one layer it changes)
        out += [step(X, y) for _ in range(2)] if compiled else [_eager_step(fn, opt) for _ in "ab"]
        if compiled:  # (traced again in training mode, and that program replayed)
            assert step.stats["traces"] == 2 and step.stats["replays"] == 2
            assert "Dropout the step uses was switched to training" in step.stats["reason"]
        return out

    eager, compiled = run(False), run(True)
    assert compiled == eager


def test_switching_modes_retraces_only_a_step_that_reads_them() -> None:
    # fit() switches to eval() and back around every validation pass: a model without Dropout or
    # BatchNorm does the same in both modes, so its compiled step must not trace again.
    model = _fixed(Sequential(Dense(3, 4, activation="relu"), Dense(4, 1)))
    step = compile_step(lambda xb, yb: losses.mse(model(xb), yb), BatchGD(model.parameters()))
    X, y = np.linspace(-1.0, 1.0, 15).reshape(5, 3), np.ones((5, 1))
    for _ in range(3):
        step(X, y)
        model.eval()
        model.train()
    assert step.stats["traces"] == 1 and step.stats["replays"] == 2


def _eager_step(fn: Callable[[], Tensor], opt: Optimizer) -> float:
    opt.zero_grad()
    loss = fn()
    loss.backward()
    opt.step()
    return loss.item()


def test_a_gradient_penalty_taken_with_grad_inside_fn_compiles() -> None:
    # grad(create_graph=True) records the backward pass of y as ops; the replay runs them as part
    # of its forward pass. y = Σ w²x = 1 + 8 = 9, ∂y/∂w = 2wx = (2, 8), penalty 4 + 64: loss 77.
    def run(compiled: bool) -> tuple[list[float], list[float]]:
        w = Tensor([1.0, 2.0], requires_grad=True)
        opt = BatchGD([w], lr=0.01)

        def fn(x: Tensor) -> Tensor:
            y = (w * w * x).sum()
            (gw,) = grad(y, w, create_graph=True)
            return y + (gw * gw).sum()

        step = compile_step(fn, opt)
        go = step if compiled else (lambda a: _eager_step(lambda: fn(Tensor(a)), opt))
        out = [go(np.array(x)) for x in ([1.0, 2.0], [1.0, 2.0], [3.0, -1.0])]
        if compiled:
            assert step.stats["replays"] == 2
        return out, w.data.tolist()

    compiled, eager = run(True), run(False)
    assert compiled == eager and eager[0][0] == 77.0


def test_a_constant_made_in_fn_equal_to_the_traced_batch_is_not_taken_for_the_batch() -> None:
    # Tensor(target) is made from NumPy inside fn. On the traced call it happens to equal the
    # batch; a replay that took it for the batch would compute (1.5, 2) − (3, 4) on the next one.
    target = np.array([[1.0], [2.0]])

    def run(compiled: bool) -> tuple[list[float], list[float]]:
        w = Tensor([[0.5]], requires_grad=True)
        opt = BatchGD([w], lr=0.1)
        fn = lambda xb: losses.mse(xb @ w, Tensor(target))  # noqa: E731
        go = (
            compile_step(fn, opt)
            if compiled
            else (lambda a: _eager_step(lambda: fn(Tensor(a)), opt))
        )
        return [go(x) for x in (target.copy(), np.array([[3.0], [4.0]]))], w.data.ravel().tolist()

    eager, compiled = run(False), run(True)
    # First call: x = target, xw = (0.5, 1): mean of 0.5² and 1² = 0.625.
    assert compiled == eager and eager[0][0] == 0.625


def test_labels_are_checked_at_every_call_of_a_compiled_step() -> None:
    v = Tensor(np.zeros((3, 2)), requires_grad=True)
    step = compile_step(lambda xb, yb: losses.cross_entropy(xb @ v, yb), BatchGD([v], lr=0.1))
    x = np.eye(3)
    for _ in range(2):
        step(x, np.array([0, 1, 1]))
    assert step.stats["replays"] == 1
    with pytest.raises(ValueError, match=r"label -1 at row 2 is not a class id in \[0, 2\)"):
        step(x, np.array([0, 1, -1]))  # (indexing with −1 would pick the last class)


@pytest.mark.parametrize(
    ("loss", "labels"),
    [
        (losses.mse, np.array([1, 2, 0])),  # (3,) ints for (3, 1) predictions: reshaped, cast
        (losses.binary_cross_entropy, np.array([[1.0], [0.0], [1.0]], dtype=np.float32)),
        (losses.cross_entropy, np.array([[1.0], [0.0], [1.0]])),  # float class ids in a column
        (losses.cross_entropy, np.eye(3, 2, dtype=np.float32)),  # probabilities, cast
    ],
    ids=["mse-ints", "bce-float32", "ce-column", "ce-probabilities"],
)
def test_targets_a_loss_reshapes_or_casts_are_made_again_from_each_batch(
    loss: Callable[[Any, Any], Tensor], labels: np.ndarray
) -> None:
    X = np.linspace(-1.0, 1.0, 6).reshape(3, 2)
    width = 2 if loss is losses.cross_entropy else 1
    batches = [labels, labels, labels[::-1].copy(), labels[::-1].copy()]

    def run(compiled: bool) -> tuple[list[float], list[float], Any]:
        w = Tensor(np.full((2, width), 0.25), requires_grad=True)
        opt = BatchGD([w], lr=0.1)
        predict = (
            (lambda xb: (xb @ w).sigmoid())
            if loss is losses.binary_cross_entropy
            else (lambda xb: xb @ w)
        )
        fn = lambda xb, yb: loss(predict(xb), yb)  # noqa: E731
        step = compile_step(fn, opt)
        go = step if compiled else (lambda a, b: _eager_step(lambda: fn(Tensor(a), Tensor(b)), opt))
        out = [go(X, y) for y in batches]
        return out, w.data.ravel().tolist(), step.stats

    (eager, w_eager, _), (compiled, w_compiled, stats) = run(False), run(True)
    assert compiled == eager and w_compiled == w_eager
    assert stats["replays"] == 3, stats["reason"]  # (one trace, then every batch replays)


def test_targets_equal_to_the_features_are_still_the_targets() -> None:
    # Learning y = x: on every batch the targets hold the same numbers as the features (n,) vs
    # (n, 1). The loss reshapes the targets; which input they came from is known, not guessed.
    x = np.array([[1.0], [2.0], [3.0]])

    def run(compiled: bool) -> tuple[list[float], Any]:
        w = Tensor([[0.0]], requires_grad=True)
        opt = BatchGD([w], lr=0.1)
        fn = lambda xb, yb: losses.mse(xb @ w, yb)  # noqa: E731
        step = compile_step(fn, opt)
        go = step if compiled else (lambda a, b: _eager_step(lambda: fn(Tensor(a), Tensor(b)), opt))
        return [go(x * k, (x * k).ravel()) for k in (1, 1, 2)], step.stats

    (eager, _), (compiled, stats) = run(False), run(True)
    assert compiled == eager and eager[0] == pytest.approx(14 / 3)  # (1 + 4 + 9) / 3
    assert stats["replays"] == 2, stats["reason"]


def test_a_random_mask_made_in_fn_and_kept_outside_is_not_frozen() -> None:
    # The mask is made from NumPy at every call and kept in a list (to look at later). Kept or
    # not, a replay would freeze the traced one; the step runs eagerly and says why.
    def run(compiled: bool) -> tuple[list[float], list[list[float]], Any]:
        rng, kept = np.random.default_rng(0), []
        w = Tensor([1.0, 2.0, 3.0], requires_grad=True)
        opt = BatchGD([w], lr=0.1)

        def fn(x: Tensor) -> Tensor:
            mask = Tensor((rng.random(3) > 0.5).astype(np.float64))
            kept.append(mask)
            return (w * x * mask).sum()

        step = compile_step(fn, opt)
        go = step if compiled else (lambda a: _eager_step(lambda: fn(Tensor(a)), opt))
        out = [go(np.ones(3)) for _ in range(4)]
        return out, [m.data.tolist() for m in kept], step.stats

    (eager, masks, _), (compiled, _, stats) = run(False), run(True)
    assert masks[0] != masks[1]  # (the draws differ: a frozen mask would show)
    assert compiled == eager and stats["replays"] == 0 and "from NumPy" in stats["reason"]


def _side_by_side(
    make: Callable[[Tensor], Callable[..., Tensor]], batches: list[tuple[Any, ...]]
) -> tuple[tuple[list[float], list[float]], tuple[list[float], list[float]], dict[str, Any]]:
    """``fn = make(w)`` run on ``batches`` eagerly and compiled: (losses, w) for each, and the
    compiled step's stats."""

    def run(compiled: bool) -> tuple[tuple[list[float], list[float]], Any]:
        w = Tensor([[1.0, 2.0, 3.0], [0.5, -0.5, 1.0]], requires_grad=True)
        opt = BatchGD([w], lr=0.1)
        fn = make(w)
        step = compile_step(fn, opt)
        go = (
            step if compiled else (lambda *a: _eager_step(lambda: fn(*(Tensor(x) for x in a)), opt))
        )
        return ([go(*b) for b in batches], w.data.ravel().tolist()), step.stats

    (eager, _), (compiled, stats) = run(False), run(True)
    return eager, compiled, stats


def test_an_index_tensor_of_the_batch_is_read_at_every_call() -> None:
    # A hand-written cross-entropy: pick each row's log-probability at its label, x[rows, yb].
    # The labels are this call's, not the traced call's.
    def make(w: Tensor) -> Callable[..., Tensor]:
        def fn(xb: Tensor, yb: Tensor) -> Tensor:
            logp = (xb @ w).log_softmax(axis=1)
            return -logp[np.arange(2), yb].mean()

        return fn

    x = np.array([[1.0, 0.0], [0.0, 1.0]])
    batches = [(x, np.array([0, 1])), (x, np.array([0, 1])), (x, np.array([2, 0]))] * 2
    eager, compiled, stats = _side_by_side(make, batches)
    assert compiled == eager and stats["replays"] == 5


def test_a_where_condition_of_the_batch_is_read_at_every_call() -> None:
    def make(w: Tensor) -> Callable[..., Tensor]:
        def fn(xb: Tensor) -> Tensor:
            h = xb @ w
            return where(h > 2.0, h, 0.0).sum()

        return fn

    first, then = np.array([[1.0, 1.0]]), np.array([[2.0, 1.0]])
    eager, compiled, stats = _side_by_side(make, [(first,), (first,), (then,), (then,)])
    # xb @ w = (1.5, 1.5, 4): only 4 is above 2. Later every column is, which a mask frozen
    # at the first call would miss.
    assert compiled == eager and eager[0][0] == 4.0 and stats["replays"] == 3


def test_a_boolean_mask_of_the_batch_picks_a_count_the_replay_cannot_know() -> None:
    # (w·x)[x > 0]: how many elements are picked depends on the values, so every shape after it
    # does; the step runs eagerly and says why.
    def make(w: Tensor) -> Callable[..., Tensor]:
        return lambda xb: (xb @ w)[(xb @ w) > 1.0].sum()

    eager, compiled, stats = _side_by_side(
        make, [(np.array([[1.0, 1.0]]),)] * 2 + [(np.array([[2.0, 1.0]]),)] * 2
    )
    assert compiled == eager and stats["replays"] == 0 and "boolean mask" in stats["reason"]


def test_a_captured_mask_changed_in_place_to_another_count_traces_again() -> None:
    def run(compiled: bool) -> tuple[list[float], list[float], Any]:
        mask = np.array([True, False, True])
        w = Tensor([[1.0, 2.0, 3.0]], requires_grad=True)
        opt = BatchGD([w], lr=0.1)
        fn = lambda xb: ((xb @ w)[:, mask] ** 2).sum()  # noqa: E731
        step = compile_step(fn, opt)
        go = step if compiled else (lambda a: _eager_step(lambda: fn(Tensor(a)), opt))
        x = np.ones((1, 1))
        out = [go(x), go(x)]
        mask[1] = True  # three columns now: eager sees the change, and so must the replay
        out += [go(x), go(x)]
        return out, w.data.ravel().tolist(), step.stats

    (eager, w_eager, _), (compiled, w_compiled, stats) = run(False), run(True)
    assert compiled == eager and w_compiled == w_eager and eager[0] == 10.0  # 1² + 3²
    assert stats["traces"] == 2 and stats["replays"] == 2, stats["reason"]


@pytest.mark.parametrize("where", ["alone", "before a BatchNorm1d", "after a BatchNorm1d"])
def test_a_tensor_changed_in_place_in_fn_keeps_the_step_eager(where: str) -> None:
    # counter += 1 is Python's change, which a replay would skip. BatchNorm1d's running
    # statistics are changed by an op the replay runs; a change beside them is still seen.
    def run(compiled: bool) -> tuple[list[float], float, Any]:
        counter = Tensor(0.0)
        norm = BatchNorm1d(2)
        w = Tensor([[1.0], [2.0]], requires_grad=True)
        opt = BatchGD([w], lr=0.1)

        def fn(xb: Tensor) -> Tensor:
            nonlocal counter
            if where == "after a BatchNorm1d":
                xb = norm(xb)
            with no_grad():
                counter += 1.0
            if where == "before a BatchNorm1d":
                xb = norm(xb)
            return (xb @ w).sum() * counter

        step = compile_step(fn, opt)
        go = step if compiled else (lambda a: _eager_step(lambda: fn(Tensor(a)), opt))
        X = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 2.0]])
        return [go(X) for _ in range(3)], counter.item(), step.stats

    (eager, count, _), (compiled, compiled_count, stats) = run(False), run(True)
    assert compiled == eager and compiled_count == count == 3.0
    assert stats["replays"] == 0 and "in place" in stats["reason"]


def test_the_reason_a_step_runs_eagerly_names_the_line_in_fn() -> None:
    w = Tensor([1.0, 2.0], requires_grad=True)

    def reads(x: Tensor) -> Tensor:
        scale = float((w * x).sum().item())  # a value read into Python
        return (w * x).sum() * scale

    def makes(x: Tensor) -> Tensor:
        noise = Tensor(np.random.default_rng(0).normal(size=2))  # a tensor made from NumPy
        return (w * x * noise).sum()

    for fn, what in ((reads, "item"), (makes, "a tensor of shape (2,) from NumPy")):
        step = compile_step(fn, BatchGD([w], lr=0.01))
        step(np.ones(2))
        line = fn.__code__.co_firstlineno + 1  # (the line after the def)
        assert f"{what} at test_compile_semantics.py:{line}" in step.stats["reason"]


def test_a_program_keeps_nothing_of_the_traced_batch_s_labels_or_mask() -> None:
    # IndexBy and WhereBy take the labels and the mask anew at every call; the program's copy
    # of either op must not hold on to the traced call's (a big batch would stay in memory).
    import gc
    import weakref

    w = Tensor(np.ones((2, 3)), requires_grad=True)

    def fn(xb: Tensor, yb: Tensor) -> Tensor:
        logp = (xb @ w).log_softmax(axis=1)
        h = where(logp > -2.0, logp, 0.0)
        return -h[np.arange(2), yb].mean()

    step = compile_step(fn, BatchGD([w]))
    x, labels = np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([0, 2])
    step(x, labels)
    assert step.stats["traces"] == 1 and step.stats["eager"] == 0
    traced = weakref.ref(labels)
    del labels
    gc.collect()
    assert traced() is None  # (nothing else holds it: the step's own tensors are gone)
