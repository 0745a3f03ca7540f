"""What ``fit`` and ``evaluate`` accept (NumPy integers, Keras' loss names) and what they refuse,
with messages that name the argument."""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pytest

from tinygrad_edu import Tensor
from tinygrad_edu.optim import BatchGD
from tinygrad_edu.train import evaluate, fit

X = np.array([[1.0], [2.0]])
Y = 3 * X


def line() -> tuple[Any, BatchGD]:
    w = Tensor([[0.0]], requires_grad=True)
    return (lambda x: x @ w), BatchGD([w], lr=0.1)


@pytest.mark.parametrize(
    ("name", "first"),
    [
        ("mse", 22.5),  # predictions 0 for targets 3, 6: (9 + 36) / 2
        ("mean_squared_error", 22.5),
        ("mae", 4.5),  # (3 + 6) / 2
        ("mean_absolute_error", 4.5),
    ],
)
def test_keras_loss_names(name: str, first: float) -> None:
    model, opt = line()
    history = fit(model, X, Y, name, opt, epochs=np.int64(3), progress=False)
    assert history.epochs_run == 3 and history.loss[0] == pytest.approx(first)
    assert evaluate(model, X, Y, loss=name)["loss"] < first


@pytest.mark.parametrize("name", ["binary_crossentropy", "binary_cross_entropy"])
def test_binary_crossentropy_by_name(name: str) -> None:
    w = Tensor([[0.0]], requires_grad=True)
    history = fit(lambda x: (x @ w).sigmoid(), X, [[0.0], [1.0]], name, BatchGD([w], lr=0.1),
                  epochs=1, progress=False)  # fmt: skip
    assert history.loss[0] == pytest.approx(math.log(2))  # σ(0) = ½ for both rows


def test_an_unknown_loss_name_lists_the_names() -> None:
    model, opt = line()
    with pytest.raises(ValueError, match="fit: unknown loss 'msq'; choose one of mse, "):
        fit(model, X, Y, "msq", opt, epochs=1)
    with pytest.raises(ValueError, match="takes probabilities, this library's cross_entropy"):
        fit(model, X, Y, "sparse_categorical_crossentropy", opt, epochs=1)
    with pytest.raises(TypeError, match=r"loss must be a loss function .* got int"):
        fit(model, X, Y, 3, opt, epochs=1)  # type: ignore[arg-type]


def test_a_loss_that_is_not_one_number_is_named() -> None:
    model, opt = line()

    def squared_errors(p: Tensor, t: Tensor) -> Tensor:
        return (p - t) ** 2

    with pytest.raises(
        ValueError, match=re.escape("the loss squared_errors returned shape (2, 1)")
    ):
        fit(model, X, Y, squared_errors, opt, epochs=1)
    with pytest.raises(TypeError, match="returned a float, not a Tensor"):
        fit(model, X, Y, lambda p, t: 1.0, opt, epochs=1)  # type: ignore[arg-type,return-value]
    with pytest.raises(ValueError, match="evaluate: the loss squared_errors returned shape"):
        evaluate(model, X, Y, loss=squared_errors)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"epochs": 0}, ValueError, "fit: epochs must be an int ≥ 1, got 0"),
        ({"epochs": True}, ValueError, "fit: epochs must be an int ≥ 1, got True"),
        ({"epochs": 2.0}, ValueError, "fit: epochs must be an int ≥ 1, got 2.0"),
        (
            {"loss_threshold": "0.1"},
            TypeError,
            "loss_threshold must be a number or None, got '0.1'",
        ),
        ({"loss_threshold": math.nan}, ValueError, "loss_threshold must be a finite number"),
    ],
)
def test_bad_fit_arguments_are_named(kwargs: dict[str, Any], error: type, message: str) -> None:
    model, opt = line()
    with pytest.raises(error, match=re.escape(message)):
        fit(model, X, Y, "mse", opt, **{"epochs": 1, **kwargs})


def test_numpy_numbers_are_accepted_as_threshold() -> None:
    model, opt = line()
    history = fit(model, X, Y, "mse", opt, epochs=50, loss_threshold=np.float32(1.0),
                  progress=False)  # fmt: skip
    assert history.stopped_early and history.loss[-1] <= 1.0 < history.loss[-2]
