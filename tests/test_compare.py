"""The library comparison: tinygrad_edu's Dense + Adam against Adam written out, PyTorch, Keras."""

from __future__ import annotations

import importlib.util
from typing import Any

import numpy as np
import pytest

from tinygrad_edu.tour import compare
from tinygrad_edu.tour.compare import compare_libraries

X = np.array([[0.23, 1.0], [0.31, 0.0], [0.45, 1.0], [0.57, 0.0], [0.41, 1.0], [0.63, 1.0],
              [0.53, 0.0], [0.66, 0.0], [0.19, 1.0], [0.34, 1.0]])  # fmt: skip
Y = np.array([0.0, 0.0, 1.0, 0.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0])
X_TEST = np.array([[0.30, 1.0], [0.58, 0.0]])


def adam_by_hand(lr: float, epochs: int, eps: float) -> tuple[Any, float, list[float]]:
    """Full-batch Adam on the log loss of σ(Xw + b), from w = 1, b = 0, in plain NumPy."""
    theta = np.array([1.0, 1.0, 0.0])  # w1, w2, b
    m, v = np.zeros(3), np.zeros(3)
    A = np.column_stack([X, np.ones(len(Y))])
    losses = []
    for t in range(1, epochs + 1):
        p = 1 / (1 + np.exp(-(A @ theta)))
        losses.append(-np.mean(Y * np.log(p) + (1 - Y) * np.log(1 - p)))
        g = A.T @ (p - Y) / len(Y)
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        theta = theta - lr * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + eps)
    return theta[:2], float(theta[2]), losses


def test_ours_is_adam_written_out() -> None:
    c = compare_libraries(X, Y, X_TEST, lr=0.01, epochs=200, libraries=())
    assert [r.name for r in c.results] == ["tinygrad_edu"] and c.skipped == {}
    w, b, losses = adam_by_hand(0.01, 200, 1e-7)
    ours = c.results[0]
    np.testing.assert_allclose(ours.weights, w, rtol=1e-12)
    assert ours.bias == pytest.approx(b, rel=1e-12)
    np.testing.assert_allclose(ours.losses, losses, rtol=1e-12)
    p = 1 / (1 + np.exp(-(X_TEST @ w + b)))
    np.testing.assert_allclose(ours.test_proba, p, rtol=1e-12)


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="PyTorch not installed")
def test_pytorch_agrees_to_rounding() -> None:
    c = compare_libraries(X, Y, X_TEST, lr=0.01, epochs=300, libraries=("pytorch",))
    assert [r.name for r in c.results] == ["tinygrad_edu", "PyTorch"]
    assert c.differences()["PyTorch"] < 1e-13
    header, rows = c.table()
    assert header[0] == "implementation" and len(rows) == 2 and rows[1][-2] != "—"


@pytest.mark.skipif(importlib.util.find_spec("keras") is None, reason="Keras not installed")
def test_keras_agrees_up_to_its_epsilon_placement() -> None:
    c = compare_libraries(X, Y, X_TEST, lr=0.01, epochs=100, libraries=("keras",))
    if "keras" in c.skipped:  # installed but cannot start here (e.g. no usable backend)
        pytest.skip(c.skipped["keras"])
    assert c.results[1].name.startswith("Keras")
    gap = c.differences()[c.results[1].name]
    assert 0 < gap < 1e-4  # ε before vs after the bias correction; float32 loss reduction


def test_a_missing_library_is_reported_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        compare.importlib.util, "find_spec", lambda name: None if name == "torch" else real(name)
    )
    c = compare_libraries(X, Y, X_TEST, epochs=5, libraries=("pytorch",))
    assert len(c.results) == 1
    assert c.skipped == {"pytorch": "PyTorch is not installed (pip install torch==2.13.0)"}
    assert c.skipped_lines() == ["PyTorch is not installed (pip install torch==2.13.0)"]


@pytest.mark.usefixtures("without_torch_and_keras")
def test_libraries_not_installed_share_one_line_and_one_pip_command() -> None:
    c = compare_libraries(X, Y, X_TEST, epochs=5)
    assert c.skipped_lines() == [
        "PyTorch and Keras are not installed: pip install torch==2.13.0 keras"
    ]


def test_a_library_that_fails_is_skipped_with_its_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any) -> Any:
        raise RuntimeError("backend exploded\nsecond line")

    monkeypatch.setitem(compare._LIBRARIES, "pytorch", compare._Library("numpy", broken, "P", "p"))
    c = compare_libraries(X, Y, X_TEST, epochs=5, libraries=("pytorch",))
    assert c.skipped == {"pytorch": "pytorch could not run here: backend exploded"}
    assert c.skipped_lines() == ["pytorch could not run here: backend exploded"]


def test_unknown_library_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown library 'jax'"):
        compare_libraries(X, Y, X_TEST, libraries=("jax",))
