"""The three gradient-descent modes on the home-price table, as the teaching notebook ran them.

Price ≈ w₁·area + w₂·bedrooms + b, with area, bedrooms and price each min-max scaled to [0, 1]
(so a price comes back through the price scaler's inverse). Every mode starts from w = (1, 1),
b = 0 and minimises the mean squared error L = mean((ŷ − y)²), ∂L/∂w = (2/m)·Xᵀ(ŷ − y) on a
batch of m rows:

* **batch** — all n rows per update, one update per epoch (lr 0.01, 500 epochs);
* **stochastic** — one row drawn at random (with replacement) per update, 10,000 updates.
  The notebook scales that one row's gradient by 2/n instead of 2, which is plain SGD with
  learning rate lr/n; ``sgd_lr=None`` keeps that convention, so 10,000 steps move the weights
  about as far as 10,000/n batch epochs would;
* **mini-batch** — chunks of 5 rows of a fresh permutation per epoch (lr 0.01, 120 epochs).

Plus a learning-rate sweep of batch GD: small rates crawl, large ones overshoot, and past
2/λ_max (λ_max the largest curvature of L) every step overshoots more than the last — divergence.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..autograd import Array
from ..data import MinMaxScaler
from ..models import LinearRegression
from ..optim import BatchGD, MiniBatchGD, Optimizer, StochasticGD
from ..tensor import Tensor
from ..train import History

#: Learning rates of the sweep: from a crawl to divergence on min-max scaled data.
SWEEP_LRS = (0.001, 0.01, 0.1, 0.5, 1.0, 1.5)
#: A run of the sweep counts as diverged once its loss exceeds this multiple of its first loss.
DIVERGED = 1e6


@dataclass
class ModeRun:
    """One trained mode: its model, History and settings."""

    name: str
    label: str
    model: LinearRegression
    history: History
    lr: float
    epochs: int
    path: list[tuple[float, float, float]] = field(default_factory=list)

    @property
    def w(self) -> Array:
        """Learned weights on the scaled inputs, shape (2,)."""
        return self.model.coef_

    @property
    def b(self) -> float:
        """The fitted intercept (bias) of this mode's model."""
        return self.model.intercept_


@dataclass
class GDStudy:
    """Results of ``run_gd_study``: the three modes, the scalers and the learning-rate sweep."""

    runs: dict[str, ModeRun]
    x_scaler: MinMaxScaler
    y_scaler: MinMaxScaler
    X_scaled: Array
    y_scaled: Array
    query: tuple[float, float]
    sweep: dict[float, History] = field(default_factory=dict)

    def price(
        self, run: ModeRun, area: float | None = None, bedrooms: float | None = None
    ) -> float:
        """The model's price for (area, bedrooms) in the table's units, as the notebook did it:
        scale the query, ŷ' = w₁x₁' + w₂x₂' + b, then undo the price scaling."""
        area = self.query[0] if area is None else area
        bedrooms = self.query[1] if bedrooms is None else bedrooms
        x = self.x_scaler.transform([[area, bedrooms]])[0]
        w = run.w
        scaled = w[0] * x[0] + w[1] * x[1] + run.b
        return float(self.y_scaler.inverse_transform([[scaled]])[0][0])

    def least_squares(self) -> tuple[Array, float, float]:
        """The exact minimum of the scaled MSE (normal equations): weights (2,), bias, cost."""
        A = np.column_stack([self.X_scaled, np.ones(len(self.y_scaled))])
        coef = np.linalg.lstsq(A, self.y_scaled, rcond=None)[0]
        cost = float(np.mean((A @ coef - self.y_scaled) ** 2))
        return coef[:-1], float(coef[-1]), cost

    def sweep_outcome(self, lr: float) -> str:
        """'diverged' (cost grew), 'converged' (within 5% of the exact minimum) or 'slow'."""
        loss = self.sweep[lr].loss
        if loss[-1] > loss[0] or not math.isfinite(loss[-1]):
            return "diverged"
        best = self.least_squares()[2]
        return "converged" if loss[-1] - best <= 0.05 * best else "slow"


def scale_home_prices(X: Any, y: Any) -> tuple[MinMaxScaler, MinMaxScaler, Array, Array]:
    """Min-max scalers fitted on X (n, 2) and on y as a column, and the scaled X (n, 2), y (n,)."""
    sx, sy = MinMaxScaler(), MinMaxScaler()
    Xs = sx.fit_transform(np.asarray(X, dtype=np.float64))
    ys = sy.fit_transform(np.asarray(y, dtype=np.float64).reshape(-1, 1)).reshape(-1)
    return sx, sy, Xs, ys


def _diverging(limit: float) -> Any:
    """A fit callback that stops once the loss passes ``limit`` × the first loss (or turns
    non-finite), before the numbers can overflow."""

    def diverged(epoch: int, history: History) -> bool:
        last = history.loss[-1]
        return not math.isfinite(last) or last > limit * max(history.loss[0], 1e-300)

    return diverged


def train_mode(
    X: Array,
    y: Array,
    name: str,
    label: str,
    optimizer: Any,
    lr: float,
    epochs: int,
    progress: bool = False,
) -> ModeRun:
    """Train a fresh ``LinearRegression`` (w = 1, b = 0) with ``optimizer(params)``; ``path``
    holds (w₁, w₂, b) at the start and after every epoch."""
    model = LinearRegression(X.shape[1], optimizer=optimizer, epochs=epochs)
    path: list[tuple[float, float, float]] = []

    def record(epoch: int, history: History) -> None:
        w = model.coef_
        path.append((float(w[0]), float(w[-1]), model.intercept_))

    record(0, History())
    history = model.fit(X, y, progress=progress, callbacks=[record])
    return ModeRun(name, label, model, history, lr, epochs, path)


def run_gd_study(
    X: Any,
    y: Any,
    *,
    lr: float = 0.01,
    batch_epochs: int = 500,
    sgd_steps: int = 10_000,
    sgd_lr: float | None = None,
    minibatch_epochs: int = 120,
    batch_size: int = 5,
    seed: int = 0,
    query: tuple[float, float] = (2600.0, 4.0),
    sweep_lrs: Sequence[float] = SWEEP_LRS,
    sweep_epochs: int = 200,
    progress: bool = False,
) -> GDStudy:
    """Train batch, stochastic and mini-batch GD from the same start, and sweep learning rates.

    ``X`` (n, 2) = [area, bedrooms] and ``y`` (n,) = price, unscaled. Stochastic GD runs
    ``round(sgd_steps / n)`` epochs of n single-row draws (exactly 10,000 for the notebook's 20
    rows) at ``sgd_lr`` (default lr/n, the notebook's convention).
    """
    sx, sy, Xs, ys = scale_home_prices(X, y)
    n = Xs.shape[0]
    rate_sgd = lr / n if sgd_lr is None else sgd_lr
    sgd_epochs = max(1, round(sgd_steps / n))

    def batch(p: list[Tensor]) -> Optimizer:
        return BatchGD(p, lr=lr)

    def stochastic(p: list[Tensor]) -> Optimizer:
        return StochasticGD(p, lr=rate_sgd, seed=seed, replace=True)

    def minibatch(p: list[Tensor]) -> Optimizer:
        return MiniBatchGD(p, lr=lr, batch_size=batch_size, seed=seed)

    runs = {
        "batch": train_mode(Xs, ys, "batch", "batch GD", batch, lr, batch_epochs, progress),
        "stochastic": train_mode(
            Xs, ys, "stochastic", "stochastic GD", stochastic, rate_sgd, sgd_epochs, progress
        ),
        "minibatch": train_mode(
            Xs,
            ys,
            "minibatch",
            f"mini-batch GD ({batch_size})",
            minibatch,
            lr,
            minibatch_epochs,
            progress,
        ),
    }
    study = GDStudy(runs, sx, sy, Xs, ys, query)
    stop = _diverging(DIVERGED)
    for rate in sweep_lrs:
        model = LinearRegression(Xs.shape[1], optimizer="batch", lr=rate, epochs=sweep_epochs)
        study.sweep[float(rate)] = model.fit(Xs, ys, callbacks=[stop])
    return study


def critical_lr(X_scaled: Array) -> float:
    """2/λ_max for batch GD on the MSE of a linear neuron: the largest stable learning rate.

    The loss is quadratic with Hessian H = (2/n)·[X 1]ᵀ[X 1]; a step of lr multiplies the error
    along H's top eigenvector by (1 − lr·λ_max), which grows in size once lr > 2/λ_max.
    """
    A = np.column_stack([X_scaled, np.ones(X_scaled.shape[0])])
    H = (2.0 / A.shape[0]) * (A.T @ A)
    return float(2.0 / np.linalg.eigvalsh(H).max())


def weights_table(study: GDStudy) -> tuple[list[str], list[list[str]]]:
    """Header and rows: mode, lr, updates, w₁, w₂, b, final cost, price for the query."""
    area, beds = study.query
    header = ["mode", "lr", "updates", "w1 (area)", "w2 (bedrooms)", "bias", "final cost"]
    header.append(f"price {area:g} sq ft, {beds:g} bd")
    rows = []
    for run in study.runs.values():
        h = run.history
        rows.append(
            [
                run.label,
                f"{run.lr:g}",
                f"{h.n_updates:,}",
                f"{run.w[0]:.8f}",
                f"{run.w[1]:.8f}",
                f"{run.b:.8f}",
                f"{h.update_loss[-1]:.6g}",
                f"{study.price(run):.5f}",
            ]
        )
    return header, rows
