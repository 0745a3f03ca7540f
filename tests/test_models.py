"""MyNN against a NumPy transcription of the notebook's loop; the one-neuron models."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tinygrad_edu.data import load_home_prices, load_insurance, train_test_split
from tinygrad_edu.models import (
    OPTIMIZERS,
    LinearRegression,
    LogisticRegression,
    MyNN,
    make_optimizer,
)
from tinygrad_edu.optim import Adam, BatchGD, MiniBatchGD, Momentum, StochasticGD
from tinygrad_edu.tensor import Tensor

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
needs_shared = pytest.mark.skipif(
    not (SHARED / "insurance_data.csv").exists(), reason="the notebook's tables are not beside"
)
EPS = np.finfo(np.float64).eps


# ----------------------------------------------------------------- the notebook's loop, in NumPy
def notebook_log_loss(y_true: Any, y_predicted: Any) -> Any:
    epsilon = 1e-15
    y_predicted_new = [max(i, epsilon) for i in y_predicted]
    y_predicted_new = [min(i, 1 - epsilon) for i in y_predicted_new]
    p = np.array(y_predicted_new)
    return -np.mean(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))


def notebook_gradient_descent(
    age: Any, affordability: Any, y_true: Any, epochs: int, loss_threshold: float
) -> list[dict[str, Any]]:
    """The notebook's hand-written loop; one record per epoch (parameters before the update)."""
    w1 = w2 = 1
    bias = 0
    rate = 0.5
    n = len(age)
    records = []
    for _ in range(epochs):
        weighted_sum = w1 * age + w2 * affordability + bias
        y_predicted = 1 / (1 + np.exp(-weighted_sum))
        loss = notebook_log_loss(y_true, y_predicted)
        w1d = (1 / n) * np.dot(np.transpose(age), (y_predicted - y_true))
        w2d = (1 / n) * np.dot(np.transpose(affordability), (y_predicted - y_true))
        bias_d = np.mean(y_predicted - y_true)
        records.append(
            {"w": (w1, w2, bias), "y_pred": y_predicted, "loss": loss, "grad": (w1d, w2d, bias_d)}
        )
        w1 = w1 - rate * w1d
        w2 = w2 - rate * w2d
        bias = bias - rate * bias_d
        records[-1]["after"] = (w1, w2, bias)
        if loss <= loss_threshold:
            break
    return records


@pytest.fixture(scope="module")
def insurance_split() -> tuple[Any, Any]:
    X, y = load_insurance(SHARED / "insurance_data.csv")
    X_train, _, y_train, _ = train_test_split(X, y, test_size=0.2, random_state=25)
    X_scaled = X_train.copy()
    X_scaled[:, 0] = X_scaled[:, 0] / 100
    return X_scaled, y_train


def set_params(m: MyNN, w: tuple[float, float, float]) -> None:
    for p, value in zip(m.parameters(), w, strict=True):
        p.data[...] = value


# --------------------------------------------------------------------------------- exactness
@needs_shared
def test_forward_and_loss_are_bit_identical_for_the_same_parameters(insurance_split: Any) -> None:
    X, y = insurance_split
    records = notebook_gradient_descent(X[:, 0], X[:, 1], y, 1000, -math.inf)
    m = MyNN()
    for r in records:
        set_params(m, r["w"])
        np.testing.assert_array_equal(m.predict(X), r["y_pred"])
        assert m.loss(X, y).item() == r["loss"]  # bit for bit, every one of 1000 epochs


@needs_shared
def test_training_run_matches_the_notebook_loop(insurance_split: Any) -> None:
    X, y = insurance_split
    records = notebook_gradient_descent(X[:, 0], X[:, 1], y, 1000, 0.5993)
    m = MyNN(lr=0.5)
    history = m.fit(X, y, epochs=1000, loss_threshold=0.5993)
    assert len(records) == len(history.loss) == 15  # both stop after epoch 14
    assert history.stopped_early
    # Identical losses until the parameters drift by an ulp (the loss is then off by ≤ 1 ulp).
    np.testing.assert_allclose(history.loss, [r["loss"] for r in records], rtol=EPS, atol=0)
    final = records[-1]["after"]
    got = (float(m.w1), float(m.w2), float(m.bias))
    # Measured: w1 and w2 bit-identical, bias 1 ulp (1.1e-16) apart; asserted: ≤ 1 ulp each.
    for g, ref in zip(got, final, strict=True):
        assert abs(g - ref) <= np.spacing(abs(ref))
    assert got[2] != final[2]  # not bit for bit: see MyNN's docstring for why


@needs_shared
def test_long_run_stays_within_a_few_ulp_of_the_notebook(insurance_split: Any) -> None:
    X, y = insurance_split
    records = notebook_gradient_descent(X[:, 0], X[:, 1], y, 1000, -math.inf)
    m = MyNN()
    worst = 0.0
    for r in records:  # one epoch per call: fit keeps the parameters between calls
        m.fit(X, y, epochs=1, loss_threshold=None)
        got = np.array([float(m.w1), float(m.w2), float(m.bias)])
        ref = np.array(r["after"], dtype=np.float64)
        worst = max(worst, float((np.abs(got - ref) / np.spacing(np.abs(ref))).max()))
    assert worst <= 4  # measured: 4 ulp at worst (w2), 8.9e-16 absolute, over 1000 epochs


@needs_shared
def test_backward_gradient_equals_the_closed_form_to_rounding(insurance_split: Any) -> None:
    X, y = insurance_split
    records = notebook_gradient_descent(X[:, 0], X[:, 1], y, 1000, -math.inf)
    m = MyNN()
    worst = 0.0
    for r in records:
        set_params(m, r["w"])
        m.zero_grad()
        m.loss(X, y).backward()
        graph = np.array([m.w1.grad, m.w2.grad, m.bias.grad], dtype=np.float64)
        closed = np.array(r["grad"])
        err = r["y_pred"] - y
        scale = np.array([np.mean(np.abs(X[:, 0] * err)), np.mean(np.abs(X[:, 1] * err))])
        scale = np.append(scale, np.mean(np.abs(err)))
        worst = max(worst, float((np.abs(graph - closed) / (EPS * scale)).max()))
    # Measured: at most 0.84 eps times the size of the terms summed; never more than 1.
    assert 0 < worst <= 1.0


@needs_shared
def test_verbose_prints_like_the_notebook(insurance_split: Any, capsys: Any) -> None:
    X, y = insurance_split
    records = notebook_gradient_descent(X[:, 0], X[:, 1], y, 1000, 0.5993)
    MyNN().fit(X, y, epochs=1000, loss_threshold=0.5993, verbose=True)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2  # epoch 0 (every 50) and the stopping epoch 14
    assert lines[0].endswith(f"loss:{records[0]['loss']}")  # epoch 0's loss: bit for bit
    for line, i in zip(lines, (0, 14), strict=True):
        match = re.fullmatch(r"Epoch:(\d+), w1:(\S+), w2:(\S+), bias:(\S+), loss:(\S+)", line)
        assert match is not None, line
        assert int(match[1]) == i
        assert float(match[5]) == pytest.approx(records[i]["loss"], rel=EPS, abs=0)
        printed = [float(v) for v in match.groups()[1:4]]
        np.testing.assert_allclose(printed, records[i]["after"], rtol=0, atol=2e-16)


def test_fit_calls_backward_every_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    original = Tensor.backward

    def counting(self: Tensor, grad: Any = None) -> None:
        calls.append(self.shape)
        original(self, grad)

    monkeypatch.setattr(Tensor, "backward", counting)
    X = np.array([[0.3, 1.0], [0.6, 0.0], [0.5, 1.0]])
    MyNN().fit(X, [0, 1, 1], epochs=7, loss_threshold=None)
    assert calls == [()] * 7


def test_one_epoch_by_hand() -> None:
    # One sample at the origin with label 1: p = σ(0) = 1/2, L = ln 2, ∂L/∂bias = p − y = −1/2,
    # ∂L/∂w = x·(p − y) = 0; after lr 0.5 the bias is 0.25 and the weights stay 1.
    m = MyNN(lr=0.5)
    history = m.fit([[0.0, 0.0]], [1], epochs=1, loss_threshold=None)
    assert history.loss == [pytest.approx(math.log(2), abs=1e-15)]
    assert (float(m.w1), float(m.w2), float(m.bias)) == (1.0, 1.0, 0.25)
    assert m.predict([[0.0, 0.0], [1.0, 1.0]]) == pytest.approx(
        [1 / (1 + math.exp(-0.25)), 1 / (1 + math.exp(-2.25))], rel=1e-15
    )


def test_a_graph_recorded_before_fit_refuses_backward_after_it() -> None:
    # fit changes the weights in place, as an optimizer step does: a loss recorded on the old
    # weights must not be differentiated at the new ones.
    m = MyNN(lr=0.5)
    x = Tensor([[0.5, 1.0]])
    stale = (m(x) * 1.0).sum()  # sigmoid saved its output; the affine op saved the weights
    versions = [p.version for p in m.parameters()]
    m.fit([[0.0, 0.0]], [1], epochs=2, loss_threshold=None)
    assert [p.version for p in m.parameters()] == [v + 2 for v in versions]
    with pytest.raises(RuntimeError, match="modified in place"):
        stale.backward()


def test_mynn_starts_as_the_notebook_and_checks_its_input() -> None:
    m = MyNN()
    assert (float(m.w1), float(m.w2), float(m.bias), m.lr) == (1.0, 1.0, 0.0, 0.5)
    assert [name for name, _ in m.named_parameters()] == ["w1", "w2", "bias"]
    with pytest.raises(ValueError, match=r"shape \(n, 2\).*\(3, 3\)"):
        m.fit(np.zeros((3, 3)), [0, 1, 0])
    with pytest.raises(ValueError, match="3 rows but y has 2"):
        m.fit(np.zeros((3, 2)), [0, 1])
    with pytest.raises(ValueError, match="epochs must be an int ≥ 1"):
        m.fit(np.zeros((3, 2)), [0, 1, 0], epochs=0)
    with pytest.raises(ValueError, match="lr must be a finite number > 0"):
        MyNN(lr=0)


# ------------------------------------------------------------------------- one-neuron models
def test_models_re_exports_the_estimators_themselves() -> None:
    # The estimators moved to their own module; the old import path must give the same objects.
    from tinygrad_edu import estimators, models

    for name in ("LogisticRegression", "LinearRegression", "make_optimizer", "OPTIMIZERS"):
        assert getattr(models, name) is getattr(estimators, name), name


def test_make_optimizer_by_name() -> None:
    kinds = [BatchGD, StochasticGD, MiniBatchGD, Momentum, Adam]
    for name, kind in zip(OPTIMIZERS, kinds, strict=True):
        opt = make_optimizer(name, [Tensor([1.0], requires_grad=True)], lr=0.1, batch_size=4)
        assert type(opt) is kind and opt.lr == 0.1
    with pytest.raises(ValueError, match="unknown optimizer 'rmsprop'; choose from batch"):
        make_optimizer("rmsprop", [Tensor([1.0], requires_grad=True)], lr=0.1)


def test_logistic_regression_matches_batch_gd_by_hand() -> None:
    # Batch GD on the log loss: w ← w − lr·Xᵀ(p − y)/n, b ← b − lr·mean(p − y), from ones/zeros.
    X = np.array([[0.23, 1.0], [0.31, 0.0], [0.45, 1.0], [0.57, 0.0], [0.64, 1.0], [0.19, 1.0]])
    y = np.array([0.0, 0.0, 1.0, 0.0, 1.0, 0.0])
    w, b = np.ones(2), 0.0
    for _ in range(200):
        p = 1 / (1 + np.exp(-(X @ w + b)))
        w, b = w - 0.5 * X.T @ (p - y) / len(y), b - 0.5 * np.mean(p - y)
    clf = LogisticRegression(optimizer="batch", lr=0.5, epochs=200)
    history = clf.fit(X, y)
    np.testing.assert_allclose(clf.coef_, w, rtol=1e-12)
    assert clf.intercept_ == pytest.approx(b, rel=1e-12)
    assert len(history.loss) == 200 and "accuracy" in history.metrics
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba, 1 / (1 + np.exp(-(X @ w + b))), rtol=1e-12)
    assert clf.predict(X).dtype == np.int64
    np.testing.assert_array_equal(clf.predict(X), (proba > 0.5).astype(int))


def test_logistic_regression_defaults_are_the_notebooks_keras_neuron() -> None:
    clf = LogisticRegression(2)
    assert clf.layer is not None
    np.testing.assert_array_equal(clf.layer.weight.data, np.ones((2, 1)))
    np.testing.assert_array_equal(clf.layer.bias.data, np.zeros(1))
    assert (clf.optimizer_spec, clf.lr, clf.epochs) == ("adam", 0.001, 500)
    with pytest.raises(ValueError, match="fit the model first"):
        LogisticRegression().predict([[0.1, 1.0]])
    with pytest.raises(ValueError, match="unknown optimizer 'newton'"):
        LogisticRegression(optimizer="newton")


def test_logistic_regression_keeps_its_optimizer_between_fits() -> None:
    X, y = np.array([[0.2, 1.0], [0.6, 0.0], [0.4, 1.0]]), np.array([0, 1, 1])
    once = LogisticRegression(optimizer="adam", lr=0.05, epochs=20)
    once.fit(X, y)
    twice = LogisticRegression(optimizer="adam", lr=0.05, epochs=10)
    twice.fit(X, y)
    twice.fit(X, y)  # Adam's moments and step count carry over, as in Keras
    np.testing.assert_array_equal(once.coef_, twice.coef_)


@needs_shared
def test_linear_regression_reproduces_the_notebooks_home_price_weights() -> None:
    X, y = load_home_prices(SHARED / "homeprices_banglore.csv")
    Xs = (X - X.min(axis=0)) / (X.max(axis=0) - X.min(axis=0))
    ys = (y - y.min()) / (y.max() - y.min())
    model = LinearRegression()
    history = model.fit(Xs, ys)
    # Printed by the notebook after 500 epochs of batch GD with lr 0.01.
    np.testing.assert_allclose(model.coef_, [0.70712464, 0.67456527], atol=5e-9)
    assert model.intercept_ == pytest.approx(-0.23034857, abs=5e-9)
    assert history.epochs_run == 500
    assert model.predict(Xs).shape == (20,)
