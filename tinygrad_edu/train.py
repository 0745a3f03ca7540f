"""The training loop: ``fit`` a model with an optimizer, then ``evaluate`` and ``predict``.

One epoch of ``fit`` asks the optimizer which samples to use (``optimizer.batches(n)``) and, for
each index array, runs::

    L = loss(model(X[idx]), y[idx]);  optimizer.zero_grad();  L.backward();  optimizer.step()

The epoch's loss is the mean of its update losses weighted by batch size — for batch gradient
descent exactly the loss of the epoch's one forward pass, computed before its update, as in the
teaching notebook. Shapes: ``X`` is (n, features) (a 1-D X is one feature), ``y`` has n rows;
``model(X_batch)`` returns (batch, outputs) and ``loss`` a scalar Tensor.

>>> import numpy as np
>>> from tinygrad_edu import Tensor
>>> from tinygrad_edu.optim import BatchGD
>>> w = Tensor([[0.0]], requires_grad=True)
>>> X = np.array([[1.0], [2.0]]);  y = 3 * X
>>> h = fit(lambda x: x @ w, X, y, lambda p, t: ((p - t) ** 2).mean(), BatchGD([w], lr=0.1),
...         epochs=50, progress=False)
>>> round(h.loss[0], 3), round(float(w.data[0, 0]), 6)   # L(w=0) = (9 + 36) / 2
(22.5, 3.0)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._config import no_grad
from ._fit_checks import (
    LOSS_NAMES as LOSS_NAMES,
)
from ._fit_checks import (
    check_epochs,
    check_threshold,
    data_pair,
    inputs,
    loss_value,
    resolve_loss,
)
from .autograd import Array
from .compile import compile_step
from .optim import LRScheduler, Optimizer
from .tensor import Tensor

Model = Callable[[Tensor], Tensor]
Loss = Callable[[Tensor, Tensor], Tensor]
Metric = Callable[[Array, Array], float]
Callback = Callable[[int, "History"], bool | None]

#: Show a progress bar only for runs of more updates than this (shorter runs finish in a blink).
PROGRESS_MIN_UPDATES = 200


class TrainingError(RuntimeError):
    """Training cannot go on (for example the loss stopped being a finite number)."""


class NonFiniteLossError(TrainingError, FloatingPointError):
    """The loss became NaN or ±inf; raised before the update that would have used it."""


def accuracy(y_pred: Array, y_true: Array) -> float:
    """Fraction of correct predictions.

    One output column (or a 1-D output): probabilities, the class is ``y_pred > 0.5`` (as Keras's
    binary accuracy) and ``y_true`` holds 0/1. Several columns: the class is the argmax of a row;
    ``y_true`` holds class indices (n,) or one-hot rows (n, classes).
    """
    p, t = np.asarray(y_pred), np.asarray(y_true)
    if p.ndim == 2 and p.shape[1] > 1:
        pred = p.argmax(axis=1)
        true = t.argmax(axis=1) if t.ndim == 2 and t.shape[1] > 1 else t.reshape(-1)
    else:
        pred, true = p.reshape(-1) > 0.5, t.reshape(-1) > 0.5
    if pred.shape != true.shape:
        raise ValueError(f"accuracy: predictions {p.shape} and targets {t.shape} do not match")
    return float(np.mean(pred == true))


_NAMED_METRICS: dict[str, Metric] = {"accuracy": accuracy}


@dataclass
class History:
    """What happened during ``fit``: one loss per epoch and per update, and why it stopped.

    ``loss[e]`` is the batch-size-weighted mean of epoch e's update losses (each computed before
    its update). ``metrics`` maps names such as ``"accuracy"`` (on the training batches, weighted
    the same way) and ``"val_accuracy"`` (on ``validation_data`` after the epoch) to per-epoch
    lists. ``stopped_early`` is True when the loss threshold or a callback ended training.
    """

    loss: list[float] = field(default_factory=list)
    update_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    metrics: dict[str, list[float]] = field(default_factory=dict)
    stopped_early: bool = False
    stop_reason: str | None = None

    @property
    def n_updates(self) -> int:
        """How many optimizer steps were taken (one per batch; ``len(update_loss)``)."""
        return len(self.update_loss)

    @property
    def epochs_run(self) -> int:
        """How many epochs ran (fewer than asked when ``loss_threshold`` stopped early)."""
        return len(self.loss)

    def __repr__(self) -> str:
        span = f", loss={self.loss[0]:.6g}→{self.loss[-1]:.6g}" if self.loss else ""
        return (
            f"History(epochs_run={self.epochs_run}, n_updates={self.n_updates}{span}, "
            f"stopped_early={self.stopped_early})"
        )

    def summary(self) -> str:
        """A few lines a person can read: first → last value of each curve, best, why it stopped."""
        lines = [f"{self.epochs_run} epochs, {self.n_updates} updates"]
        curves = {"loss": self.loss, "val_loss": self.val_loss, **self.metrics}
        for name, values in curves.items():
            if values:
                best = min if "loss" in name else max
                i = values.index(best(values))
                lines.append(
                    f"  {name:<14} {values[0]:.6g} → {values[-1]:.6g}"
                    f"  (best {values[i]:.6g} at epoch {i + 1})"
                )
        if self.stop_reason:
            lines.append(f"  stopped early: {self.stop_reason}")
        return "\n".join(lines)


def _metrics(metrics: Sequence[str | Metric] | None) -> dict[str, Metric]:
    found: dict[str, Metric] = {}
    for m in metrics or ():
        if isinstance(m, str):
            if m not in _NAMED_METRICS:
                raise ValueError(f"unknown metric {m!r}; choose from {sorted(_NAMED_METRICS)}")
            found[m] = _NAMED_METRICS[m]
        elif callable(m):
            found[getattr(m, "__name__", type(m).__name__)] = m
        else:
            raise TypeError(f"a metric must be a name or a callable, got {m!r}")
    return found


def _set_mode(model: object, method: str) -> None:
    switch = getattr(model, method, None)
    if callable(switch):
        switch()


def _progress_bar(show: bool, epochs: int, updates: int) -> Any:
    if not show or updates <= PROGRESS_MIN_UPDATES:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    # disable=None: a bar on a terminal (or in Jupyter), none in redirected output or logs
    return tqdm(total=epochs, unit="epoch", desc="fit", disable=None)


def fit(
    model: Model,
    X: Any,
    y: Any,
    loss: Loss | str,
    optimizer: Optimizer,
    epochs: int,
    loss_threshold: float | None = None,
    progress: bool = True,
    callbacks: Iterable[Callback] | None = None,
    validation_data: tuple[Any, Any] | None = None,
    metrics: Sequence[str | Metric] | None = None,
    scheduler: LRScheduler | None = None,
    compile: bool = False,
) -> History:
    """Train ``model`` on (X, y) for up to ``epochs`` epochs and return its ``History``.

    Stops after the first epoch whose loss is ≤ ``loss_threshold`` (that epoch's update has been
    applied) or whose callback ``cb(epoch, history)`` (epoch counted from 1) returns True.
    A NaN or infinite loss raises ``NonFiniteLossError`` naming the epoch and update, before that
    update is applied. ``progress`` shows a tqdm bar (when tqdm is installed and the output is a
    terminal or a notebook, never in redirected output) for runs of more
    than ``PROGRESS_MIN_UPDATES`` updates. Inputs are checked before any update is made.

    ``loss`` is a function ``loss(y_pred, y_true)`` returning one number as a Tensor (the mean
    over the batch), or a name as Keras takes them — ``"mse"``, ``"mae"``,
    ``"binary_crossentropy"``, ... (``LOSS_NAMES`` lists them). ``epochs`` is an int ≥ 1 (a
    NumPy integer too), ``loss_threshold`` a finite number or None.
    ``scheduler`` (an ``optim.LRScheduler`` of ``optimizer``) is stepped once at the end of
    every epoch, after its updates, validation and callbacks, as in a Keras or PyTorch loop: the
    first epoch trains at the optimizer's own lr, each later one at the rate set after the last.
    ``compile=True`` runs each update as a ``compile_step`` (traced once per batch shape, then
    replayed as generated code); the History and the weights are the same as eager. It cannot
    be combined with ``metrics`` (they need each batch's predictions, which the step keeps).
    """
    Xt, yt = data_pair("fit", X, y)
    epochs = check_epochs("fit", epochs)
    loss_threshold = check_threshold("fit", loss_threshold)
    loss = resolve_loss("fit", loss)
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"fit: optimizer must be an Optimizer, got {type(optimizer).__name__}")
    val = None
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise ValueError("fit: validation_data must be a pair (X_val, y_val)")
        val = data_pair("fit: validation_data", *validation_data)
    if scheduler is not None and not isinstance(scheduler, LRScheduler):
        raise TypeError(f"fit: scheduler must be an LRScheduler, got {type(scheduler).__name__}")
    if scheduler is not None and scheduler.optimizer is not optimizer:
        raise ValueError(
            f"fit: the scheduler was made for another optimizer "
            f"({scheduler.optimizer!r}) than the one passed to fit ({optimizer!r})"
        )
    metric_fns = _metrics(metrics)
    if compile and metric_fns:
        raise ValueError(
            "fit: compile=True cannot compute metrics; leave metrics out or compile off"
        )
    step = compile_step(lambda xb, yb: loss(model(xb), yb), optimizer) if compile else None
    hooks = list(callbacks or ())
    for cb in hooks:
        if not callable(cb):
            raise TypeError(f"fit: callbacks must be callables (epoch, history), got {cb!r}")

    n, Xa, ya = Xt.shape[0], Xt.data, yt.data
    history = History(metrics={k: [] for k in metric_fns})
    if val is not None:
        history.metrics.update({f"val_{k}": [] for k in metric_fns})
    bar = _progress_bar(progress, epochs, epochs * optimizer.updates_per_epoch(n))
    whole = optimizer.ordered  # a batch of n samples in order is X itself: no indexing, no copy
    update_loss = history.update_loss
    _set_mode(model, "train")
    try:
        for epoch in range(1, epochs + 1):
            weighted, batches = 0.0, 0
            sums = dict.fromkeys(metric_fns, 0.0)
            for idx in optimizer.batches(n):
                if whole and len(idx) == n:
                    xb, yb = Xt, yt
                else:
                    # take() copies the rows once; from_numpy wraps that copy without another.
                    xb = Tensor.from_numpy(Xa.take(idx, axis=0))
                    yb = Tensor.from_numpy(ya.take(idx, axis=0))
                if step is not None:
                    value = step.loss_and_grads(xb, yb)
                else:
                    out = model(xb)
                    lt = loss(out, yb)
                    value = loss_value("fit", loss, lt)
                if not math.isfinite(value):
                    raise NonFiniteLossError(
                        f"fit: the loss became {value} at epoch {epoch}, update {batches + 1} "
                        f"(update {len(update_loss) + 1} overall); the last finite loss was "
                        f"{update_loss[-1] if update_loss else None}. Try a smaller learning "
                        f"rate (lr={optimizer.lr:g}) or scaled inputs."
                    )
                if step is None:
                    optimizer.zero_grad()
                    lt.backward()
                optimizer.step()
                update_loss.append(value)
                batches += 1
                weighted += value * len(idx)
                for name, fn in metric_fns.items():
                    sums[name] += fn(out.data, yb.data) * len(idx)
            history.loss.append(value if batches == 1 else weighted / n)
            for name in metric_fns:
                history.metrics[name].append(sums[name] / n)
            if val is not None:
                scores = _score(model, val[0], val[1], loss, metric_fns)
                _set_mode(model, "train")
                history.val_loss.append(scores.pop("loss"))
                for name, score in scores.items():
                    history.metrics[f"val_{name}"].append(score)
            if bar is not None:
                bar.set_postfix(loss=f"{history.loss[-1]:.6g}", refresh=False)
                bar.update(1)
            for cb in hooks:
                if cb(epoch, history):
                    history.stop_reason = f"callback {getattr(cb, '__name__', cb)} at epoch {epoch}"
            last = history.loss[-1]
            if loss_threshold is not None and last <= loss_threshold:
                history.stop_reason = (
                    f"loss {last:.6g} ≤ threshold {loss_threshold:g} at epoch {epoch}"
                )
            if scheduler is not None:
                scheduler.step()
            if history.stop_reason is not None:
                history.stopped_early = True
                break
    finally:
        if bar is not None:
            bar.close()
    return history


def evaluate(
    model: Model,
    X: Any,
    y: Any,
    loss: Loss | str,
    metrics: Sequence[str | Metric] | None = None,
) -> dict[str, float]:
    """``{"loss": L, <metric>: value, ...}`` on all of (X, y), without recording a graph.

    Calls ``model.eval()`` first when the model has it.
    """
    Xt, yt = data_pair("evaluate", X, y)
    return _score(model, Xt, yt, resolve_loss("evaluate", loss), _metrics(metrics))


def _score(
    model: Model, Xt: Tensor, yt: Tensor, loss: Loss, fns: dict[str, Metric]
) -> dict[str, float]:
    _set_mode(model, "eval")
    with no_grad():
        out = model(Xt)
        scores = {"loss": loss_value("evaluate", loss, loss(out, yt))}
    scores.update({name: fn(out.data, yt.data) for name, fn in fns.items()})
    return scores


def predict(model: Model, X: Any) -> Array:
    """``model(X)`` as a NumPy array, with no graph recorded (``model.eval()`` if it has it)."""
    Xt = inputs("predict", X)
    _set_mode(model, "eval")
    with no_grad():
        return model(Xt).data
