"""The training loop: notebook numbers, stopping rules, batch policies, history, bad input."""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_edu import Tensor, losses
from tinygrad_edu.data import MinMaxScaler
from tinygrad_edu.nn import Dense, Sequential
from tinygrad_edu.optim import Adam, BatchGD, MiniBatchGD, Momentum, Optimizer, StochasticGD
from tinygrad_edu.train import (
    History,
    NonFiniteLossError,
    TrainingError,
    accuracy,
    evaluate,
    fit,
    predict,
)

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


class Linear:
    """x @ w + b with w = ones, b = zeros; remembers its mode and the rows it was shown."""

    def __init__(self, features: int, outputs: int = 1, sigmoid: bool = False) -> None:
        self.w = Tensor(np.ones((features, outputs)), requires_grad=True)
        self.b = Tensor(np.zeros(outputs), requires_grad=True)
        self.sigmoid = sigmoid
        self.mode = "unset"
        self.seen: list[np.ndarray] = []

    def __call__(self, x: Tensor) -> Tensor:
        self.seen.append(x.data.copy())
        z = x @ self.w + self.b
        return z.sigmoid() if self.sigmoid else z

    def parameters(self) -> list[Tensor]:
        return [self.w, self.b]

    def train(self) -> None:
        self.mode = "train"

    def eval(self) -> None:
        self.mode = "eval"


def mse(y_pred: Tensor, y_true: Tensor) -> Tensor:
    return ((y_pred - y_true.reshape(y_pred.shape)) ** 2).mean()


def bce(y_pred: Tensor, y_true: Tensor) -> Tensor:
    t = y_true.reshape(y_pred.shape)
    return -(t * y_pred.log() + (1 - t) * (1 - y_pred).log()).mean()


def toy(n: int = 7, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.uniform(0, 1, size=(n, 2))
    return X, X @ np.array([0.5, -0.25]) + 0.1


def numpy_gd_step(
    w: np.ndarray, b: float, X: np.ndarray, y: np.ndarray, lr: float
) -> tuple[np.ndarray, float, float]:
    """The notebook's hand-written update for mse on a linear model: returns w, b and the loss."""
    residual = X @ w + b - y
    w_grad, b_grad = 2 / len(y) * X.T @ residual, 2 / len(y) * residual.sum()
    return w - lr * w_grad, b - lr * b_grad, float(np.mean(residual**2))


# ------------------------------------------------------------------------ the notebook's run
def test_home_prices_batch_gd_matches_the_notebook() -> None:
    path = DATA / "homeprices_banglore.csv"
    if not path.exists():
        pytest.skip(f"{path.name} is not beside the repository")
    table = np.loadtxt(path, delimiter=",", skiprows=1)
    X, y = table[:, :2], table[:, 2]
    x_min, x_max, y_min, y_max = X.min(axis=0), X.max(axis=0), y.min(), y.max()
    X_scaled, y_scaled = (X - x_min) / (x_max - x_min), (y - y_min) / (y_max - y_min)
    model = Linear(2)
    history = fit(model, X_scaled, y_scaled, mse, BatchGD(model.parameters(), lr=0.01), 500)
    np.testing.assert_allclose(model.w.data[:, 0], [0.70712464, 0.67456527], rtol=0, atol=1e-8)
    np.testing.assert_allclose(model.b.data, [-0.23034857], rtol=0, atol=1e-8)
    scaled = predict(model, (np.array([[2600.0, 4.0]]) - x_min) / (x_max - x_min))
    assert scaled.shape == (1, 1)
    np.testing.assert_allclose(scaled[0, 0] * (y_max - y_min) + y_min, 128.45484, atol=1e-5)
    # the first epoch's loss is the loss at w = 1, b = 0, before its update
    first = np.mean((X_scaled.sum(axis=1) - y_scaled) ** 2)
    assert history.loss[0] == pytest.approx(first, rel=1e-14)
    assert history.epochs_run == history.n_updates == 500 and not history.stopped_early


def test_home_prices_with_dense_mse_and_min_max_scaler() -> None:
    path = DATA / "homeprices_banglore.csv"
    if not path.exists():
        pytest.skip(f"{path.name} is not beside the repository")
    table = np.loadtxt(path, delimiter=",", skiprows=1)
    sx, sy = MinMaxScaler(), MinMaxScaler()
    X_scaled = sx.fit_transform(table[:, :2])
    y_scaled = sy.fit_transform(table[:, 2:]).reshape(-1)  # y of shape (n,), output (n, 1)
    model = Dense(2, 1, weight_init="ones", bias_init="zeros")
    opt = BatchGD(model.parameters(), lr=0.01)
    history = fit(model, X_scaled, y_scaled, losses.mse, opt, epochs=500, progress=False)
    np.testing.assert_allclose(model.weight.data[:, 0], [0.70712464, 0.67456527], atol=1e-8)
    np.testing.assert_allclose(model.bias.data, [-0.23034857], atol=1e-8)
    price = sy.inverse_transform(predict(model, sx.transform([[2600.0, 4.0]])))
    np.testing.assert_allclose(price, [[128.45484]], atol=1e-5)
    assert model.training is False and history.n_updates == 500  # predict set eval mode


def test_batch_gd_epoch_losses_follow_the_hand_written_loop() -> None:
    X, y = toy()
    model = Linear(2)
    history = fit(model, X, y, mse, BatchGD(model.parameters(), lr=0.3), 20, progress=False)
    w, b, losses = np.ones(2), 0.0, []
    for _ in range(20):
        w, b, loss = numpy_gd_step(w, b, X, y, 0.3)
        losses.append(loss)
    np.testing.assert_allclose(history.loss, losses, rtol=1e-12)
    assert history.update_loss == history.loss
    np.testing.assert_allclose(model.w.data[:, 0], w, rtol=1e-12)


def test_loss_threshold_stops_after_the_first_epoch_at_or_below_it() -> None:
    X, y = toy()
    w, b, losses, weights = np.ones(2), 0.0, [], []
    for _ in range(30):
        w, b, loss = numpy_gd_step(w, b, X, y, 0.3)
        losses.append(loss)
        weights.append(w)
    threshold = (losses[6] + losses[7]) / 2  # epoch 8 (index 7) is the first at or below it
    model = Linear(2)
    history = fit(model, X, y, mse, BatchGD(model.parameters(), lr=0.3), 30, threshold, False)
    assert history.epochs_run == 8 and history.stopped_early
    assert history.stop_reason is not None and "at epoch 8" in history.stop_reason
    np.testing.assert_allclose(model.w.data[:, 0], weights[7], rtol=1e-12)  # update 8 applied


def test_mini_batch_epoch_loss_is_the_batch_weighted_mean_of_update_losses() -> None:
    X, y = toy(n=7)
    model = Linear(2)
    opt = MiniBatchGD(model.parameters(), lr=0.2, batch_size=3, shuffle=False)
    history = fit(model, X, y, mse, opt, epochs=2, progress=False)
    w, b, expected, update = np.ones(2), 0.0, [], []
    for _ in range(2):
        sizes_losses = []
        for rows in (slice(0, 3), slice(3, 6), slice(6, 7)):
            w, b, loss = numpy_gd_step(w, b, X[rows], y[rows], 0.2)
            sizes_losses.append((len(y[rows]), loss))
            update.append(loss)
        expected.append(sum(k * loss for k, loss in sizes_losses) / 7)
    np.testing.assert_allclose(history.update_loss, update, rtol=1e-12)
    np.testing.assert_allclose(history.loss, expected, rtol=1e-12)
    assert history.n_updates == 6


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: StochasticGD(ps, lr=0.05, seed=4),
        lambda ps: StochasticGD(ps, lr=0.05, seed=4, replace=True),
        lambda ps: MiniBatchGD(ps, lr=0.05, batch_size=3, seed=4),
        lambda ps: Adam(ps, lr=0.05, batch_size=2, seed=4),
    ],
    ids=["sgd", "sgd-replace", "mini-batch", "adam-batches"],
)
def test_fit_trains_on_exactly_the_batches_the_optimizer_chooses(
    make: Callable[[list[Tensor]], Optimizer],
) -> None:
    X, y = toy(n=8)
    model = Linear(2)
    fit(model, X, y, mse, make(model.parameters()), epochs=3, progress=False)
    twin = make([Tensor([0.0], requires_grad=True)])
    expected = [X[idx] for _ in range(3) for idx in twin.batches(8)]
    assert len(model.seen) == len(expected)
    for seen, rows in zip(model.seen, expected, strict=True):
        np.testing.assert_array_equal(seen, rows)


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    kind=st.sampled_from(["sgd", "sgd-replace", "mini", "momentum", "adam"]),
    batch_size=st.integers(1, 9),
)
def test_a_seeded_fit_repeats_exactly(seed: int, kind: str, batch_size: int) -> None:
    makers: dict[str, Callable[[list[Tensor]], Optimizer]] = {
        "sgd": lambda ps: StochasticGD(ps, lr=0.1, seed=seed),
        "sgd-replace": lambda ps: StochasticGD(ps, lr=0.1, seed=seed, replace=True),
        "mini": lambda ps: MiniBatchGD(ps, lr=0.1, batch_size=batch_size, seed=seed),
        "momentum": lambda ps: Momentum(ps, lr=0.05, batch_size=batch_size, seed=seed),
        "adam": lambda ps: Adam(ps, lr=0.05, batch_size=batch_size, seed=seed),
    }
    X, y = toy(n=9)
    runs = []
    for _ in range(2):
        model = Linear(2)
        history = fit(model, X, y, mse, makers[kind](model.parameters()), 4, progress=False)
        runs.append((history.update_loss, model.w.data.copy(), model.b.data.copy()))
    assert runs[0][0] == runs[1][0]
    np.testing.assert_array_equal(runs[0][1], runs[1][1])
    np.testing.assert_array_equal(runs[0][2], runs[1][2])


# ------------------------------------------------------------- callbacks, metrics, validation
def test_a_callback_returning_true_stops_training() -> None:
    X, y = toy()
    calls: list[tuple[int, int]] = []

    def stop_at_three(epoch: int, history: History) -> bool:
        calls.append((epoch, history.epochs_run))
        return epoch == 3

    model = Linear(2)
    history = fit(
        model, X, y, mse, BatchGD(model.parameters()), 10, progress=False, callbacks=[stop_at_three]
    )
    assert calls == [(1, 1), (2, 2), (3, 3)]
    assert history.stopped_early and history.epochs_run == 3
    assert history.stop_reason == "callback stop_at_three at epoch 3"


def test_accuracy_by_hand() -> None:
    # one column: class = p > 0.5 → [0, 1, 0, 1] against [0, 1, 1, 0]
    assert accuracy(np.array([[0.2], [0.7], [0.5], [0.9]]), np.array([0, 1, 1, 0])) == 0.5
    scores = np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]])  # argmax → 1, 0, 1
    assert accuracy(scores, np.array([1, 0, 0])) == pytest.approx(2 / 3)
    assert accuracy(scores, np.array([[0, 1], [1, 0], [0, 1]])) == 1.0
    with pytest.raises(ValueError, match=re.escape("predictions (3, 2) and targets (2,)")):
        accuracy(scores, np.array([1, 0]))


def test_metrics_and_validation_are_recorded_per_epoch() -> None:
    X = np.array([[-2.0], [-1.0], [-0.5], [0.5], [1.0], [2.0]])
    y = np.array([0.0, 0.0, 0.0, 1.0, 1.0, 1.0])
    X_val, y_val = np.array([[-1.5], [0.25], [3.0]]), np.array([0.0, 1.0, 1.0])
    model = Linear(1, sigmoid=True)
    model.w.data[:] = 0.0  # p = 0.5 everywhere at the start
    history = fit(
        model, X, y, bce, BatchGD(model.parameters(), lr=1.0), 40, progress=False,
        validation_data=(X_val, y_val), metrics=["accuracy"],
    )  # fmt: skip
    assert set(history.metrics) == {"accuracy", "val_accuracy"}
    assert len(history.val_loss) == len(history.metrics["val_accuracy"]) == 40
    # epoch 1: every p = 0.5, so no prediction is > 0.5: accuracy = share of zeros = 1/2
    assert history.metrics["accuracy"][0] == 0.5
    assert history.loss[0] == pytest.approx(np.log(2), rel=1e-14)
    # after the first update: ∂L/∂z = p − y = 0.5 − y, so w = −mean((0.5 − y)·x), b = −mean(0.5 − y)
    w1, b1 = -np.mean((0.5 - y) * X[:, 0]), -np.mean(0.5 - y)
    p_val = 1 / (1 + np.exp(-(w1 * X_val[:, 0] + b1)))
    val_loss = -np.mean(y_val * np.log(p_val) + (1 - y_val) * np.log(1 - p_val))
    assert history.val_loss[0] == pytest.approx(val_loss, rel=1e-12)
    assert history.metrics["accuracy"][-1] == history.metrics["val_accuracy"][-1] == 1.0
    assert model.mode == "train"


def test_a_small_network_learns_xor_with_adam_and_reports_accuracy() -> None:
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([0, 1, 1, 0])
    model = Sequential(
        Dense(2, 8, activation="tanh", seed=0), Dense(8, 1, activation="sigmoid", seed=1)
    )
    modes: list[bool] = []
    history = fit(
        model, X, y, losses.binary_cross_entropy, Adam(model.parameters(), lr=0.05), 300,
        progress=False, metrics=["accuracy"], callbacks=[lambda e, h: modes.append(model.training)],
    )  # fmt: skip
    assert all(modes) and len(modes) == 300  # in training mode throughout
    scores = evaluate(model, X, y, losses.binary_cross_entropy, metrics=["accuracy"])
    assert scores["accuracy"] == 1.0 and history.metrics["accuracy"][-1] == 1.0
    assert scores["loss"] < 0.01 < history.loss[0]
    np.testing.assert_array_equal(predict(model, X)[:, 0] > 0.5, [False, True, True, False])


def test_evaluate_and_predict_run_without_a_graph_in_eval_mode() -> None:
    X, y = toy(n=5)
    model = Linear(2)
    model.w.data[:] = [[0.5], [-0.25]]
    model.b.data[:] = 0.1  # the model now predicts y exactly
    scores = evaluate(model, X, y + 0.5, mse, metrics=[lambda p, t: float(p.max())])
    assert scores["loss"] == pytest.approx(0.25, rel=1e-12)  # every residual is −0.5
    assert scores["<lambda>"] == pytest.approx(y.max(), rel=1e-12)
    out = predict(model, Tensor(X))
    assert isinstance(out, np.ndarray) and out.shape == (5, 1)
    np.testing.assert_allclose(out[:, 0], y, rtol=1e-12)
    assert model.mode == "eval" and model.w.grad is None
    one_feature = Linear(1)  # a 1-D X is one feature: x·1 + 0
    np.testing.assert_array_equal(predict(one_feature, np.array([1.0, 2.0])), [[1.0], [2.0]])


def test_y_of_shape_n_and_tensor_inputs_are_accepted_and_left_unchanged() -> None:
    X, y = toy(n=6)
    X_t, y_t = Tensor(X), Tensor(y[:, None])
    model = Linear(2)
    history = fit(model, X_t, y_t, mse, BatchGD(model.parameters(), lr=0.1), 3, progress=False)
    twin = Linear(2)
    fit(twin, X, y, mse, BatchGD(twin.parameters(), lr=0.1), 3, progress=False)
    np.testing.assert_array_equal(model.w.data, twin.w.data)
    np.testing.assert_array_equal(X_t.data, X)
    assert history.epochs_run == 3


def test_history_prints_well() -> None:
    history = History(loss=[0.5, 0.25, 0.125], update_loss=[0.5, 0.25, 0.125])
    history.metrics["val_accuracy"] = [0.5, 1.0, 0.75]
    assert (
        repr(history) == "History(epochs_run=3, n_updates=3, loss=0.5→0.125, stopped_early=False)"
    )
    assert history.summary().splitlines() == [
        "3 epochs, 3 updates",
        "  loss           0.5 → 0.125  (best 0.125 at epoch 3)",
        "  val_accuracy   0.5 → 0.75  (best 1 at epoch 2)",
    ]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_only_for_long_runs_and_optional(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("tqdm")
    monkeypatch.setattr(sys, "stderr", _Terminal())
    X, y = toy(n=3)
    model = Linear(2)

    def shown() -> str:
        text = sys.stderr.getvalue()  # type: ignore[attr-defined]
        monkeypatch.setattr(sys, "stderr", _Terminal())
        return str(text)

    fit(model, X, y, mse, StochasticGD(model.parameters(), lr=0.01), 70)  # 210 updates
    assert "loss=" in shown()
    fit(model, X, y, mse, StochasticGD(model.parameters(), lr=0.01), 70, progress=False)
    fit(model, X, y, mse, StochasticGD(model.parameters(), lr=0.01), 60)  # 180 updates
    assert shown() == ""
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # as if tqdm were not installed
    history = fit(model, X, y, mse, StochasticGD(model.parameters(), lr=0.01), 70)
    assert shown() == "" and history.n_updates == 210


# -------------------------------------------------------------------------------- bad input
def check_rejected(
    X: object, y: object, error: type[Exception], message: str, **kw: object
) -> None:
    model = Linear(2)
    with pytest.raises(error, match=re.escape(message)):
        fit(model, X, y, mse, BatchGD(model.parameters()), **{"epochs": 5, **kw})  # type: ignore[arg-type]
    assert model.seen == []  # rejected before any forward pass, so before any update
    np.testing.assert_array_equal(model.w.data, np.ones((2, 1)))


def test_rows_of_x_and_y_must_match() -> None:
    X, y = toy(n=20)
    check_rejected(X, y[:19], ValueError, "fit: X has 20 rows (shape (20, 2)) but y has 19 rows")


def test_nan_or_inf_in_the_data_is_rejected_with_its_place() -> None:
    X, y = toy(n=6)
    X[2, 1] = np.nan
    check_rejected(X, y, ValueError, "fit: X contains NaN at row 2, column 1")
    X, y = toy(n=6)
    y[4] = -np.inf
    check_rejected(X, y, ValueError, "fit: y contains inf at row 4 (1 non-finite value(s) in all)")
    X_val = np.array([[1.0, np.inf]])
    check_rejected(
        *toy(n=6), ValueError, "fit: validation_data: X contains inf", validation_data=(X_val, [1])
    )


@pytest.mark.parametrize("epochs", [0, -3, 2.0, True])
def test_epochs_must_be_a_positive_int(epochs: object) -> None:
    check_rejected(
        *toy(), ValueError, f"fit: epochs must be an int ≥ 1, got {epochs!r}", epochs=epochs
    )


def test_other_bad_arguments_are_named() -> None:
    X, y = toy(n=4)
    check_rejected(X[:0], y[:0], ValueError, "and at least one row; got (0, 2)")
    check_rejected(3.0, y, ValueError, "X must have one sample per row")
    check_rejected(X.astype(str), y, TypeError, "fit: X must hold numbers, got dtype <U")
    check_rejected(X, y, ValueError, "validation_data must be a pair", validation_data=(X,))
    check_rejected(
        X, y, ValueError, "loss_threshold must be a finite number", loss_threshold=np.nan
    )
    check_rejected(
        X, y, ValueError, "unknown metric 'f1'; choose from ['accuracy']", metrics=["f1"]
    )
    check_rejected(X, y, TypeError, "callbacks must be callables", callbacks=[3])
    model = Linear(2)
    with pytest.raises(TypeError, match="optimizer must be an Optimizer, got list"):
        fit(model, X, y, mse, [model.w], 5)  # type: ignore[arg-type]


def test_a_loss_that_blows_up_raises_naming_the_epoch() -> None:
    X, y = toy()
    with np.errstate(over="ignore", invalid="ignore"):
        w, b, loss, epoch = np.ones(2), 0.0, 0.0, 0
        while np.isfinite(loss):
            epoch += 1
            w, b, loss = numpy_gd_step(w, b, X, y, 1e6)
        model = Linear(2)
        with pytest.raises(NonFiniteLossError, match=rf"at epoch {epoch}, update 1 ") as info:
            fit(model, X, y, mse, BatchGD(model.parameters(), lr=1e6), 1000, progress=False)
    assert isinstance(info.value, FloatingPointError) and isinstance(info.value, TrainingError)
    assert np.isfinite(model.w.data).all()  # the update with the bad loss was not applied


def test_a_nan_mid_epoch_names_epoch_and_update() -> None:
    X, y = toy(n=5)
    model = Linear(2)

    def flaky(x: Tensor) -> Tensor:
        out = model(x)
        return out * float("nan") if len(model.seen) == 3 else out

    opt = MiniBatchGD(model.parameters(), lr=0.1, batch_size=3, shuffle=False)
    message = "the loss became nan at epoch 2, update 1 (update 3 overall); the last finite loss"
    with pytest.raises(NonFiniteLossError, match=re.escape(message)):
        fit(flaky, X, y, mse, opt, epochs=5, progress=False)


@pytest.mark.parametrize(("stream", "bar"), [(io.StringIO, False), (_Terminal, True)])
def test_the_progress_bar_shows_on_a_terminal_only(
    monkeypatch: pytest.MonkeyPatch, stream: type[io.StringIO], bar: bool
) -> None:
    pytest.importorskip("tqdm")
    err = stream()
    monkeypatch.setattr(sys, "stderr", err)
    model = Dense(1, 1, seed=0)
    X, y = np.arange(4.0).reshape(4, 1), np.arange(4.0)
    fit(
        model, X, y, losses.mse, StochasticGD(model.parameters(), lr=0.01), epochs=60
    )  # 240 updates
    assert ("fit: 100%" in err.getvalue()) is bar, err.getvalue()
