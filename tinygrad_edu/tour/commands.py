"""The work behind ``tinygrad-edu train`` and ``tinygrad-edu graph``.

``train``: load a data set, split it 80/20 (``random_state=25``), scale it with statistics of
the training part, build the model, ``fit`` it, and print the History and the test scores.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..autograd import Array
from ..data import (
    MinMaxScaler,
    StandardScaler,
    load_breast_cancer,
    load_digits,
    load_home_prices,
    load_insurance,
    read_csv,
    train_test_split,
)
from ..estimators import DEFAULT_LR
from ..losses import binary_cross_entropy_with_logits, cross_entropy, mse
from ..models import LinearRegression, LogisticRegression, make_optimizer
from ..nn import Dense, Module, Sequential
from ..train import Metric, accuracy, evaluate, fit

DATASETS = ("insurance", "home-prices", "breast-cancer", "digits")
#: Rows a table needs for the 80/20 split to leave one row on each side.
MIN_ROWS = 2


class CommandError(ValueError):
    """A request that cannot be met (wrong model for the data, unknown data set)."""


@dataclass
class Prepared:
    name: str
    X_train: Array
    X_test: Array
    y_train: Array
    y_test: Array
    task: str  # "binary", "multiclass" or "regression"
    classes: int = 2


def _prepared(
    name: str, X: Any, y: Any, task: str, scaler: str | None, classes: int = 2
) -> Prepared:
    """Split 80/20 and scale X (``"minmax"`` or ``"standard"``, fitted on the training part);
    a regression target is min-max scaled too."""
    Xtr, Xte, ytr, yte = train_test_split(
        np.asarray(X, dtype=np.float64), y, test_size=0.2, random_state=25
    )
    if scaler is not None:
        sx = MinMaxScaler() if scaler == "minmax" else StandardScaler()
        sx.fit(Xtr)
        Xtr, Xte = sx.transform(Xtr), sx.transform(Xte)
    if task == "regression":
        sy = MinMaxScaler().fit(ytr)
        ytr, yte = sy.transform(ytr), sy.transform(yte)
    return Prepared(name, Xtr, Xte, ytr, yte, task, classes)


def prepare(dataset: str) -> Prepared:
    """The named data set (or CSV, last column the target), split and scaled."""
    if dataset == "insurance":
        X, y = load_insurance(scale_age=True)
        return _prepared("insurance (age/100, affordability → bought)", X, y, "binary", None)
    if dataset == "home-prices":
        X, y = load_home_prices()
        name = "home prices (area, bedrooms → price), min-max scaled"
        return _prepared(name, X, y, "regression", "minmax")
    if dataset == "breast-cancer":
        Xb, yb = load_breast_cancer()
        name = "breast cancer (30 features → malignant/benign), standardised"
        return _prepared(name, Xb, yb.astype(np.float64), "binary", "standard")
    if dataset == "digits":
        Xd, yd = load_digits()
        return _prepared("digits (8×8 images / 16 → 0–9)", Xd / 16.0, yd, "multiclass", None, 10)
    path = Path(dataset)
    if path.suffix.lower() != ".csv" and not path.exists():
        raise CommandError(
            f"unknown dataset {dataset!r}; choose {', '.join(DATASETS)}, or a path to a CSV file"
        )
    if not path.is_file():
        raise CommandError(f"--dataset {dataset}: no such file")
    header, values = read_csv(path)
    if values.shape[1] < 2:
        raise CommandError(f"{path}: needs feature columns and a target column (the last one)")
    if len(values) < MIN_ROWS:
        raise CommandError(
            f"{path}: {len(values)} data row(s) are too few to split into a training and a test "
            f"part; train needs at least {MIN_ROWS}"
        )
    X, y = values[:, :-1], values[:, -1]
    binary = set(np.unique(y)) <= {0.0, 1.0}
    name = f"{path.name} ({', '.join(header[:-1])} → {header[-1]}), min-max scaled"
    return _prepared(name, X, y, "binary" if binary else "regression", "minmax")


def _accuracy_of_logits(logits: Array, y_true: Array) -> float:
    """Accuracy of a model that outputs logits z: it predicts 1 where z > 0, i.e. σ(z) > 0.5."""
    return accuracy(np.asarray(logits) > 0, y_true)


_accuracy_of_logits.__name__ = "accuracy"  # the name History and the scores show


def _mlp(data: Prepared, hidden: int, seed: int) -> tuple[Module, Any, list[str | Metric]]:
    d = data.X_train.shape[1]
    outputs = data.classes if data.task == "multiclass" else 1
    model = Sequential(
        Dense(d, hidden, activation="relu", weight_init="he_normal", seed=seed),
        Dense(hidden, outputs, seed=seed + 1),
    )
    if data.task == "multiclass":
        return model, cross_entropy, ["accuracy"]
    if data.task == "binary":
        return model, binary_cross_entropy_with_logits, [_accuracy_of_logits]
    return model, mse, []


def train_command(args: argparse.Namespace) -> int:
    """``tinygrad-edu train``: fit the chosen model to a data set, print its metrics."""
    data = prepare(args.dataset)
    defaults = {"binary": "logistic", "regression": "linear", "multiclass": "mlp"}
    model_name = args.model or defaults[data.task]
    if model_name == "logistic" and data.task != "binary":
        raise CommandError(f"--model logistic needs 0/1 targets; {data.name} is {data.task}")
    if model_name == "linear" and data.task != "regression":
        raise CommandError(
            f"--model linear needs a numeric target; {data.name} is a {data.task} task "
            "(try --model logistic or --model mlp)"
        )
    mode = args.mode or ("batch" if model_name == "linear" else "adam")
    lr = args.lr or (0.01 if model_name == "linear" and mode == "batch" else DEFAULT_LR[mode])
    epochs = args.epochs or (30 if model_name == "mlp" else 500)
    batch_size = args.batch_size or (32 if model_name == "mlp" and mode != "batch" else None)
    print(f"data:  {data.name}; {len(data.y_train)} train / {len(data.y_test)} test rows")

    model: Any
    # Too large a learning rate makes the numbers overflow; fit reports that as one
    # NonFiniteLossError ("the loss became inf at epoch …"); NumPy's warnings would repeat it.
    with np.errstate(over="ignore", invalid="ignore"):
        model, history, scores = _fit(data, model_name, mode, lr, epochs, batch_size, args)
    print(repr(history))
    print(history.summary())
    print("test:  " + ", ".join(f"{k} {v:.6g}" for k, v in scores.items()))
    if args.save is not None:
        model.save(args.save)
        print(f"saved the parameters to {args.save}")
    return 0


def _fit(
    data: Prepared,
    model_name: str,
    mode: str,
    lr: float,
    epochs: int,
    batch_size: int | None,
    args: argparse.Namespace,
) -> tuple[Any, Any, dict[str, float]]:
    progress = not args.no_progress
    model: Any
    if model_name == "mlp":
        model, loss, metrics = _mlp(data, args.hidden, args.seed)
        opt = make_optimizer(mode, model.parameters(), lr, batch_size, args.seed)
        print(f"model: {model!r}\noptim: {opt!r}")
        history = fit(
            model, data.X_train, data.y_train, loss, opt, epochs, progress=progress, metrics=metrics
        )
        scores = evaluate(model, data.X_test, data.y_test, loss, metrics)
    else:
        kind = LogisticRegression if model_name == "logistic" else LinearRegression
        # The notebook's tables start from weights of ones as the notebook did; elsewhere zeros
        # (with many features, ones put the first predictions far off).
        init = "ones" if args.dataset in ("insurance", "home-prices") else "zeros"
        model = kind(
            data.X_train.shape[1],
            weight_init=init,
            optimizer=mode,
            lr=lr,
            epochs=epochs,
            batch_size=batch_size,
            seed=args.seed,
        )
        history = model.fit(data.X_train, data.y_train, progress=progress)
        print(f"model: {model_name} regression, {model.layer!r}\noptim: {model.optimizer!r}")
        loss = model._loss
        metrics = ["accuracy"] if model_name == "logistic" else []
        scores = evaluate(model, data.X_test, data.y_test, loss, metrics)
        print(
            f"learned: w = {np.array2string(model.coef_, precision=6)}, b = {model.intercept_:.6f}"
        )
    return model, history, scores


def graph_command(example: str, out: Path) -> int:
    """``tinygrad-edu graph``: write an example's graph pictures into ``out``, naming each file."""
    from .graphs import write_example

    out.mkdir(parents=True, exist_ok=True)
    for path in write_example(example, out):
        print(f"wrote {path}")
    return 0
