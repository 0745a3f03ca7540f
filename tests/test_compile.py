"""compile_step: the replayed step gives the eager step's bits; guards retrace or refuse."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from tinygrad_edu import Tensor, compile_step, losses, no_grad
from tinygrad_edu.compile import StepMismatchError
from tinygrad_edu.data import load_home_prices
from tinygrad_edu.nn import BatchNorm1d, Dense, Dropout, Sequential
from tinygrad_edu.optim import Adam, BatchGD, MiniBatchGD, Optimizer, StochasticGD
from tinygrad_edu.train import fit

Build = Callable[[], tuple[Any, Optimizer]]


def _fixed(model: Any) -> Any:
    """The same starting weights on every build (layers initialise at random)."""
    rng = np.random.default_rng(0)
    for p in model.parameters():
        p.data[...] = rng.normal(0, 0.1, p.shape)
    return model


def _logistic() -> tuple[Any, Optimizer]:
    model = _fixed(Dense(2, 1, activation="sigmoid"))
    return model, BatchGD(model.parameters(), lr=0.5)


def _mlp() -> tuple[Any, Optimizer]:
    model = _fixed(Sequential(Dense(64, 64, activation="relu"), Dense(64, 10)))
    return model, Adam(model.parameters(), lr=0.01)


def _run(build: Build, loss: Any, batches: list[tuple[Any, Any]], compiled: bool) -> Any:
    model, opt = build()

    def fn(xb: Any, yb: Any) -> Any:
        return loss(model(xb), yb)

    step = compile_step(fn, opt) if compiled else None
    values = []
    for xb, yb in batches:
        if step is None:
            opt.zero_grad()
            lt = fn(Tensor.from_numpy(xb), Tensor.from_numpy(yb))
            lt.backward()
            opt.step()
            values.append(lt.item())
        else:
            values.append(step(xb, yb))
    return values, [p.data.copy() for p in opt.params], step


def _update(step: Any, opt: Optimizer, fn: Any, X: Any, y: Any, compiled: bool) -> None:
    """One training step, compiled or by hand (``zero_grad``, ``backward``, ``step``)."""
    if compiled:
        step(X, y)
    else:
        opt.zero_grad()
        fn(Tensor(X), Tensor(y)).backward()
        opt.step()


def _same_bits(build: Build, loss: Any, batches: list[tuple[Any, Any]]) -> Any:
    eager, eager_params, _ = _run(build, loss, batches, False)
    compiled, params, step = _run(build, loss, batches, True)
    assert compiled == eager
    for a, b in zip(params, eager_params, strict=True):
        np.testing.assert_array_equal(a, b)
    return step


def test_logistic_regression_same_bits_over_many_steps() -> None:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(10, 2))
    y = (X[:, :1] + X[:, 1:] > 0).astype(float)
    step = _same_bits(_logistic, losses.binary_cross_entropy, [(X, y)] * 200)
    assert step.stats["traces"] == 1 and step.stats["replays"] == 199
    assert ".T @ g_h1" in step.code and "param0.grad" in step.code  # ∂L/∂W = Xᵀ·∂L/∂z, written out


def test_mlp_cross_entropy_adam_same_bits() -> None:
    rng = np.random.default_rng(2)
    X = rng.normal(size=(32, 64))
    y = rng.integers(0, 10, size=32)
    step = _same_bits(_mlp, losses.cross_entropy, [(X, y)] * 30)
    assert step.stats["reason"] is None and step.stats["replays"] == 29


@pytest.mark.parametrize(
    "make",
    [
        lambda p: BatchGD(p, lr=0.05),
        lambda p: StochasticGD(p, lr=0.01),
        lambda p: MiniBatchGD(p, lr=0.05, batch_size=7),
    ],
)
def test_fit_compiled_home_prices_all_modes_same_history(make: Any) -> None:
    X, y = load_home_prices()
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    y = (y - y.mean()) / y.std()
    results = []
    for compiled in (False, True):
        model = _fixed(Dense(X.shape[1], 1))
        h = fit(
            model,
            X,
            y,
            loss="mse",
            optimizer=make(model.parameters()),
            epochs=5,
            progress=False,
            compile=compiled,
        )
        results.append((h.loss, h.update_loss, [p.data.copy() for p in model.parameters()]))
    (l0, u0, p0), (l1, u1, p1) = results
    assert l1 == l0 and u1 == u0
    for a, b in zip(p1, p0, strict=True):
        np.testing.assert_array_equal(a, b)


def test_fit_compiled_with_dropout_and_validation_matches_eager() -> None:
    # fit switches to eval() for the validation pass and back: the step traced in training mode
    # keeps replaying, drawing the masks the eager loop draws.
    rng = np.random.default_rng(5)
    X, y = rng.normal(size=(12, 4)), rng.normal(size=(12, 1))
    results = []
    for compiled in (False, True):
        model, _ = _dropout_mlp()
        h = fit(
            model,
            X,
            y,
            loss="mse",
            optimizer=MiniBatchGD(model.parameters(), lr=0.05, batch_size=4),
            epochs=3,
            progress=False,
            validation_data=(X[:4], y[:4]),
            compile=compiled,
        )
        results.append((h.update_loss, h.val_loss, [p.data.tolist() for p in model.parameters()]))
    assert results[1] == results[0]


def test_short_last_mini_batch_traces_its_own_program() -> None:
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(12, 3)), rng.normal(size=(12, 1))
    batches = [(X[:5], y[:5]), (X[5:10], y[5:10]), (X[10:], y[10:])] * 4
    build = lambda: (lambda m: (m, BatchGD(m.parameters(), lr=0.1)))(_fixed(Dense(3, 1)))  # noqa: E731
    step = _same_bits(build, losses.mse, batches)
    assert step.stats["traces"] == 2 and step.stats["replays"] == 10


def test_replaced_parameter_retraces_and_equals_eager() -> None:
    def run(compiled: bool) -> list[np.ndarray]:
        model = _fixed(Dense(2, 1))
        opt = BatchGD(model.parameters(), lr=0.1)

        def fn(xb: Any, yb: Any) -> Any:
            return losses.mse(model(xb), yb)

        step = compile_step(fn, opt) if compiled else None
        X, y = np.ones((4, 2)), np.zeros((4, 1))
        for i in range(4):
            if i == 2:  # a new weight tensor, in the model and in the optimizer
                model.weight = Tensor(np.full((2, 1), 0.5), requires_grad=True)
                opt.params[0] = model.weight
            if step is None:
                opt.zero_grad()
                fn(Tensor(X), Tensor(y)).backward()
                opt.step()
            else:
                step(X, y)
        if step is not None:
            assert step.stats["traces"] == 2, step.stats
        return [p.data.copy() for p in opt.params]

    for a, b in zip(run(True), run(False), strict=True):
        np.testing.assert_array_equal(a, b)


def test_parameter_replaced_only_in_the_model_retraces() -> None:
    model = Dense(2, 1)
    step = compile_step(lambda xb, yb: losses.mse(model(xb), yb), BatchGD(model.parameters()))
    step(np.ones((3, 2)), np.ones((3, 1)))
    model.weight = Tensor(np.zeros((2, 1)), requires_grad=True)
    step(np.ones((3, 2)), np.ones((3, 1)))
    assert step.stats["traces"] == 2
    assert "layer or forward hooks changed" in step.stats["reason"]


def test_no_grad_raises_clearly() -> None:
    model = Dense(2, 1)
    step = compile_step(lambda xb, yb: losses.mse(model(xb), yb), BatchGD(model.parameters()))
    step(np.ones((3, 2)), np.ones((3, 1)))
    with no_grad(), pytest.raises(RuntimeError, match="inside no_grad"):
        step(np.ones((3, 2)), np.ones((3, 1)))


def test_branch_on_loss_value_stays_eager_and_equals_eager() -> None:
    def run(compiled: bool) -> tuple[list[float], np.ndarray, Any]:
        w = Tensor(np.array([[3.0]]), requires_grad=True)
        opt = BatchGD([w], lr=0.1)

        def fn(xb: Tensor, yb: Tensor) -> Tensor:
            loss = losses.mse(xb @ w, yb)
            return loss * 2.0 if loss.item() > 1.0 else loss  # a branch on a value

        step = compile_step(fn, opt) if compiled else None
        X, y, values = np.ones((2, 1)), np.zeros((2, 1)), []
        for _ in range(10):
            if step is None:
                opt.zero_grad()
                lt = fn(Tensor(X), Tensor(y))
                lt.backward()
                opt.step()
                values.append(lt.item())
            else:
                values.append(step(X, y))
        return values, w.data.copy(), step

    values, w, step = run(True)
    eager_values, eager_w, _ = run(False)
    assert values == eager_values and np.array_equal(w, eager_w)
    assert step.stats["replays"] == 0 and "item" in step.stats["reason"]
    with pytest.raises(RuntimeError, match="item"):
        _ = step.code


@pytest.mark.parametrize("momentum", [0.1, None], ids=["momentum 0.1", "cumulative average"])
def test_batchnorm_running_statistics_are_updated_at_every_compiled_step_as_eager(
    momentum: float | None,
) -> None:
    # The running statistics change outside the graph: the layer's RunningStats op does it, and
    # the program runs that op at every call (a replay of the graph alone would update them once,
    # at the trace, and then never again).
    X = np.array([[1.0, -2.0], [3.0, 0.5], [-1.0, 2.0], [0.0, 1.5]])
    y = np.array([[1.0], [0.0], [2.0], [-1.0]])

    def run(compiled: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, Any]:
        first = Dense(2, 2, weight_init="ones", bias_init="zeros")
        first.weight.data[:] = [[1.0, -0.5], [0.25, 2.0]]
        norm = BatchNorm1d(2, momentum=momentum)
        last = Dense(2, 1, weight_init="ones", bias_init="zeros")
        model = Sequential(first, norm, last)
        opt = BatchGD(model.parameters(), lr=0.1)
        step = compile_step(lambda xb, yb: losses.mse(model(xb), yb), opt) if compiled else None
        for _ in range(3):
            if step is None:
                opt.zero_grad()
                losses.mse(model(Tensor(X)), Tensor(y)).backward()
                opt.step()
            else:
                step(X, y)
        assert norm.running_mean is not None and norm.num_batches_tracked is not None
        return norm.running_mean.data, norm.num_batches_tracked.data, last.weight.data, step

    mean, batches, w, step = run(True)
    eager_mean, eager_batches, eager_w, _ = run(False)
    assert int(batches) == int(eager_batches) == 3
    assert np.array_equal(mean, eager_mean) and np.array_equal(w, eager_w)
    assert step.stats["replays"] == 2 and step.stats["reason"] is None
    assert re.search(r"\n    h\d+ = rs\d+\.forward\(h\d+, h\d+\)\n", step.code)  # RunningStats


def test_branch_on_a_global_flag_is_frozen_and_check_mode_catches_it() -> None:
    flag = {"double": False}
    w = Tensor(np.array([[1.0]]), requires_grad=True)

    def fn(xb: Tensor, yb: Tensor) -> Tensor:
        loss = losses.mse(xb @ w, yb)
        return loss * 2.0 if flag["double"] else loss

    step = compile_step(fn, BatchGD([w], lr=0.1), check=5)
    X, y = np.ones((2, 1)), np.zeros((2, 1))
    step(X, y)
    step(X, y)
    flag["double"] = True
    with pytest.raises(
        StepMismatchError, match=r"compiled loss is 0\.4096, the eager loss 0\.8192"
    ):
        step(X, y)
    step.clear()  # after changing a frozen flag: trace again, and the check agrees
    step(X, y)


def _dropout_mlp() -> tuple[Any, Optimizer]:
    model = _fixed(Sequential(Dense(4, 8, activation="relu"), Dropout(0.5, seed=0), Dense(8, 1)))
    return model, BatchGD(model.parameters(), lr=0.1)


def test_dropout_masks_are_drawn_afresh_at_every_replay_as_in_eager() -> None:
    # The replay draws each mask from the layer's generator, in the eager step's order: the
    # same masks, so the same bits, and never the traced mask again.
    rng = np.random.default_rng(1)
    batches = [(rng.normal(size=(5, 4)), rng.normal(size=(5, 1))) for _ in range(4)]
    step = _same_bits(_dropout_mlp, losses.mse, batches)
    assert step.stats["replays"] == 3 and step.stats["reason"] is None
    assert "generator.random((5, 8))" in step.code


def test_a_dropout_layer_changed_after_the_trace_draws_as_changed() -> None:
    # A new generator and a new p, set between calls: the replay reads both from the layer. At
    # p = 0 eager skips the layer and draws nothing; the replay must not draw either, or the
    # masks after p is raised again would differ.
    def run(compiled: bool) -> tuple[list[float], list[Any]]:
        model, opt = _dropout_mlp()
        fn = lambda xb, yb: losses.mse(model(xb), yb)  # noqa: E731
        step = compile_step(fn, opt)
        X, y = np.linspace(-1.0, 1.0, 20).reshape(5, 4), np.ones((5, 1))
        out = []
        for k in range(8):
            if k == 2:
                model[1].generator, model[1].p = np.random.default_rng(7), 0.25
            if k in (4, 6):
                model[1].p = 0.0 if k == 4 else 0.5
            if compiled:
                out.append(step(X, y))
            else:
                opt.zero_grad()
                loss = fn(Tensor(X), Tensor(y))
                loss.backward()
                opt.step()
                out.append(loss.item())
        return out, [p.data.tolist() for p in opt.params]

    assert run(True) == run(False)


@pytest.mark.parametrize("copied", [False, True], ids=["built", "deep-copied"])
def test_check_mode_puts_the_dropout_generators_back_before_the_compiled_run(copied: bool) -> None:
    import copy

    model, _ = _dropout_mlp()
    model = copy.deepcopy(model) if copied else model  # (a copy's generator is known too)
    opt = BatchGD(model.parameters(), lr=0.1)
    step = compile_step(lambda xb, yb: losses.mse(model(xb), yb), opt, check=3)
    X, y = np.linspace(-1.0, 1.0, 20).reshape(5, 4), np.ones((5, 1))
    for _ in range(4):
        step(X, y)  # (a mask drawn twice, eager then compiled, would differ: a mismatch)
    assert step.stats["replays"] == 3


def test_bad_arguments_are_named() -> None:
    model = Dense(2, 1)
    opt = BatchGD(model.parameters())
    with pytest.raises(TypeError, match="fn must be callable"):
        compile_step(3, opt)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="must be a tinygrad_edu Optimizer"):
        compile_step(lambda x: x, object())  # type: ignore[arg-type]
    step = compile_step(lambda xb, yb: losses.mse(model(xb), yb), opt)
    with pytest.raises(TypeError, match="takes 2 input"):
        step(np.ones((3, 2)))
    with pytest.raises(TypeError, match="one-element loss"):
        compile_step(lambda xb: model(xb), opt)(np.ones((3, 2)))
    with pytest.raises(ValueError, match="check must be"):
        compile_step(lambda xb: xb, opt, check=-1)


def test_check_mode_passes_for_an_honest_step() -> None:
    model, opt = _mlp()
    step = compile_step(lambda xb, yb: losses.cross_entropy(model(xb), yb), opt, check=3)
    rng = np.random.default_rng(4)
    for _ in range(5):
        step(rng.normal(size=(8, 64)), rng.integers(0, 10, size=8))
    assert step.stats["replays"] >= 3


def test_fit_compile_refuses_metrics() -> None:
    model = Dense(2, 1)
    with pytest.raises(ValueError, match="compile=True"):
        fit(
            model,
            np.ones((4, 2)),
            np.ones(4),
            loss="mse",
            optimizer=BatchGD(model.parameters()),
            epochs=1,
            metrics=["accuracy"],
            compile=True,
        )


def test_a_tensor_outside_the_optimizer_accumulates_its_gradient_as_eager() -> None:
    def run(compiled: bool) -> np.ndarray:
        w = Tensor(np.array([[1.0], [2.0]]), requires_grad=True)
        scale = Tensor(np.array(0.5), requires_grad=True)  # not trained: its .grad adds up
        opt = BatchGD([w], lr=0.1)

        def fn(xb: Tensor, yb: Tensor) -> Tensor:
            return losses.mse(xb @ w * scale, yb)

        step = compile_step(fn, opt)
        X, y = np.ones((3, 2)), np.zeros((3, 1))
        for _ in range(4):
            _update(step, opt, fn, X, y, compiled)
        assert scale.grad is not None
        return np.concatenate([w.data.ravel(), scale.grad.ravel()])

    np.testing.assert_array_equal(run(True), run(False))


def test_a_parameter_replaced_in_the_optimizer_only_retraces_and_equals_eager() -> None:
    def run(compiled: bool) -> tuple[np.ndarray, np.ndarray]:
        model = _fixed(Dense(2, 1))
        opt = BatchGD(model.parameters(), lr=0.1)

        def fn(xb: Any, yb: Any) -> Any:
            return losses.mse(model(xb), yb)

        step = compile_step(fn, opt)
        other = Tensor(np.zeros((2, 1)), requires_grad=True)  # the model never reads it
        X, y = np.ones((4, 2)), np.zeros((4, 1))
        for i in range(4):
            if i == 2:
                opt.params[0] = other  # so the model's weight is no longer trained
            _update(step, opt, fn, X, y, compiled)
        if compiled:
            assert step.stats["traces"] == 2 and "optimizer" in step.stats["reason"]
        return model.weight.data.copy(), other.data.copy()

    for a, b in zip(run(True), run(False), strict=True):
        np.testing.assert_array_equal(a, b)


def test_fit_compiled_raises_on_a_non_finite_loss_at_the_same_update_as_eager() -> None:
    from tinygrad_edu.train import NonFiniteLossError

    X = np.arange(40.0).reshape(20, 2)
    y = X.sum(axis=1)
    messages = []
    for compiled in (False, True):
        model = _fixed(Dense(2, 1))
        with np.errstate(over="ignore", invalid="ignore"), pytest.raises(NonFiniteLossError) as err:
            fit(model, X, y, loss="mse", optimizer=BatchGD(model.parameters(), lr=1.0),
                epochs=500, progress=False, compile=compiled)  # fmt: skip
        messages.append(str(err.value))
    assert messages[0] == messages[1] and "epoch" in messages[0]


def test_repr_says_what_the_step_holds_and_how_to_see_its_code() -> None:
    model, opt = _logistic()
    step = compile_step(lambda xb, yb: losses.mse(model(xb), yb), opt)
    assert repr(step) == (
        "<CompiledStep of <lambda> with BatchGD: 0 program(s), 0 trace(s), 0 replay(s), "
        "0 eager call(s); not called yet>"
    )
    step(np.ones((3, 2)), np.ones((3, 1)))
    step(np.ones((3, 2)), np.ones((3, 1)))
    assert repr(step) == (
        "<CompiledStep of <lambda> with BatchGD: 1 program(s), 1 trace(s), 1 replay(s), "
        "0 eager call(s); print(step.code) shows the program>"
    )


@pytest.mark.parametrize(
    "name", ["one", "np", "h1", "params", "loss", "len", "isinstance", "inputs", "value"]
)
def test_an_input_named_like_a_name_of_the_program_is_renamed(name: str) -> None:
    w = Tensor([1.0, 2.0], requires_grad=True)
    fn = eval(f"lambda {name}: (w * {name}).sum()", {"w": w})
    step = compile_step(fn, BatchGD([w], lr=0.1))
    losses = [step(np.array([3.0, 3.0])) for _ in range(3)]  # ∂/∂w = 3: w − 0.3 each step
    assert step.stats["replays"] == 2
    np.testing.assert_allclose(losses, [9.0, 7.2, 5.4])
    np.testing.assert_allclose(w.data, [0.1, 1.1])
    assert "def compiled_step(x0):" in step.code


def test_an_equal_dtype_that_is_another_object_still_replays() -> None:
    # The program's quick guard compares dtypes with ``is``; an equal dtype that is another
    # object (one with metadata) fails it, and the full guard must then replay, not retrace.
    w = Tensor([1.0, 2.0], requires_grad=True)
    step = compile_step(lambda x: (w * x).sum(), BatchGD([w], lr=0.1))
    step(np.array([3.0, 3.0]))
    odd = np.array([3.0, 3.0], dtype=np.dtype(np.float64, metadata={"unit": "m"}))
    assert odd.dtype == np.float64 and odd.dtype is not np.dtype(np.float64)
    losses = [step(odd) for _ in range(2)]
    assert step.stats["traces"] == 1 and step.stats["replays"] == 2
    np.testing.assert_allclose(losses, [7.2, 5.4])  # w − 0.3 each step: Σ 3w


def test_a_byte_swapped_input_gets_its_own_dtype_name_and_the_quick_guard() -> None:
    # Native float64 weights and a big-endian float64 batch: both are "float64" to NumPy, but the
    # guard compares dtypes with ``is``, so each needs its own name in the program.
    w = Tensor([1.0, 2.0], requires_grad=True)
    step = compile_step(lambda x: (w * x).sum(), BatchGD([w], lr=0.1))
    x = np.array([3.0, 3.0], dtype=">f8")
    losses = [step(x) for _ in range(3)]
    np.testing.assert_allclose(losses, [9.0, 7.2, 5.4])
    assert "x.dtype is float64_swapped" in step.replay_code
    assert "param0.data.dtype is float64\n" in step.code
    assert step._fast_replay is not None and step._fast_replay(x) == pytest.approx(3.6)


def test_a_replayed_step_is_one_function_made_of_the_lines_step_code_shows() -> None:
    w = Tensor([1.0, 2.0], requires_grad=True)
    step = compile_step(lambda x: (w * x).sum(), BatchGD([w], lr=0.1))
    losses = [step(np.array([3.0, 3.0])) for _ in range(4)]  # ∂/∂w = 3: w − 0.3 each step
    np.testing.assert_allclose(losses, [9.0, 7.2, 5.4, 3.6])
    assert step.stats == {"traces": 1, "replays": 3, "eager": 0, "reason": None}
    replay = step.replay_code
    assert replay.startswith("def replay(*inputs):\n")
    body = step.code.split("\n\n\ndef update():")[0].splitlines()[1:-1]  # (def, return loss)
    at = [replay.index(line + "\n") for line in body]  # each of compiled_step's lines, in order,
    reads = [k for k, line in enumerate(body) if line == "    p0 = param0.data"]
    guard = replay.index("    if not (\n")  # ... but the read of w's array moved up into the guard
    assert len(reads) == 1 and at.pop(reads[0]) < guard < at[0] and "p0.shape == (2,)" in replay
    assert at == sorted(at) and "    w -= " not in replay
    assert "    param0.data -= lr * param0.grad\n" in replay  # ... and update's


def test_a_one_element_parameter_is_updated_in_its_own_array_with_the_eager_bits() -> None:
    # A bias of one output and a 0-d scale: the program writes p − lr·g back with [...] =
    # (NumPy's in-place -= is slow on one element); the values and the arrays must be eager's.
    def build() -> tuple[Any, Optimizer]:
        model = _fixed(Dense(3, 1))
        scale = Tensor(np.array(0.5), requires_grad=True)
        return (lambda x: model(x) * scale), BatchGD([*model.parameters(), scale], lr=0.1)

    rng = np.random.default_rng(4)
    batches = [(rng.normal(size=(1, 3)), rng.normal(size=(1, 1))) for _ in range(20)]
    predict, opt = build()
    arrays = [p.data for p in opt.params]
    step = _same_bits(build, losses.mse, batches)
    assert step.stats["traces"] == 1 and step.stats["replays"] == 19
    assert "    param0.data -= lr * param0.grad\n" in step.code  # the (3, 1) weight
    for k in (1, 2):  # the (1,) bias and the () scale
        assert f"    param{k}.data[...] = param{k}.data - lr * param{k}.grad  #" in step.code
    step = compile_step(lambda x, y: losses.mse(predict(x), y), opt)
    for xb, yb in batches[:3]:
        step(xb, yb)
    assert all(p.data is a for p, a in zip(opt.params, arrays, strict=True))


def test_a_replay_skips_zero_grad_only_where_it_would_change_nothing() -> None:
    # Every parameter gets a gradient, and zero_grad is Optimizer's: it would only set None first.
    w = Tensor([1.0, 2.0], requires_grad=True)
    step = compile_step(lambda x: (w * x).sum(), BatchGD([w], lr=0.1))
    losses = [step(np.array([3.0, 3.0])) for _ in range(3)]
    np.testing.assert_allclose(losses, [9.0, 7.2, 5.4])
    assert "optimizer.zero_grad()\n" not in step.replay_code
    np.testing.assert_array_equal(w.grad, [3.0, 3.0])  # this step's gradient, not a sum of three

    # A parameter the loss does not reach: only zero_grad empties its .grad, as in eager.
    unused = Tensor([5.0], requires_grad=True)
    step = compile_step(lambda x: (w * x).sum(), BatchGD([w, unused], lr=0.1))
    for _ in range(3):
        unused.grad = np.array([1.0])
        step(np.array([3.0, 3.0]))
        assert unused.grad is None
    assert step.stats["replays"] == 2 and "    optimizer.zero_grad()\n" in step.replay_code

    # A zero_grad of the user's own runs at every step.
    class CountingGD(BatchGD):
        calls = 0

        def zero_grad(self) -> None:
            CountingGD.calls += 1
            super().zero_grad()

    step = compile_step(lambda x: (w * x).sum(), CountingGD([w], lr=0.1))
    for _ in range(4):
        step(np.array([3.0, 3.0]))
    assert CountingGD.calls == 4 and step.stats["replays"] == 3


def test_a_guard_that_fails_inside_the_one_function_replay_takes_the_full_path() -> None:
    w = Tensor([1.0, 2.0], requires_grad=True)
    step = compile_step(lambda x: (w * x).sum(), BatchGD([w], lr=0.1))
    for _ in range(2):
        step(np.array([3.0, 3.0]))
    with pytest.raises(TypeError, match=r"takes 1 input\(s\) \(as fn does\), got 2"):
        step(np.array([3.0, 3.0]), np.array([1.0]))
    with no_grad(), pytest.raises(RuntimeError, match="no_grad"):
        step(np.array([3.0, 3.0]))
    assert step(np.array([[3.0, 3.0]])) == pytest.approx(3 * (0.4 + 1.4))  # (1, 2): traced again
    assert step.stats["traces"] == 2
    other = Tensor([0.0, 0.0], requires_grad=True)
    step.optimizer.params[0] = other  # a parameter replaced: the replay's guard must see it
    assert step(np.array([3.0, 3.0])) == pytest.approx(3 * (0.1 + 1.1))  # fn still reads w
    assert step.stats["traces"] == 3 and other.data.tolist() == [0.0, 0.0]  # (no gradient)
    np.testing.assert_allclose(w.data, [0.1, 1.1])  # (no longer the optimizer's)
