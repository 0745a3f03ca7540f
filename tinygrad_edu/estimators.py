"""scikit-learn-style estimators: one ``Dense`` neuron with ``fit``, ``predict`` and ``coef_``.

``LogisticRegression`` is p = σ(X @ w + b) trained on the log loss
L = binary_cross_entropy(p, y); ``LinearRegression`` is ŷ = X @ w + b trained on the mean squared
error L = mean((ŷ − y)²). X has shape (n, n_features) and y shape (n,); the neuron's weight w is
(n_features, 1) and its bias b is (1,), read back as ``coef_`` (shape (n_features,)) and
``intercept_`` (a float). The neuron is built at the first ``fit`` unless ``n_features`` is given,
and trained by ``train.fit`` with any optimizer: a name from ``OPTIMIZERS``, which
``make_optimizer`` turns into an optimizer (as the command line does), or a callable
``params -> Optimizer``. ``tinygrad_edu.models`` re-exports all four names.

>>> import numpy as np
>>> X = np.array([[0.0], [0.5], [1.0]]); y = 2 * X[:, 0] + 1
>>> reg = LinearRegression(lr=0.5, epochs=500)
>>> _ = reg.fit(X, y)
>>> reg.coef_.round(3).tolist(), round(reg.intercept_, 3)
([2.0], 1.0)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .autograd import Array
from .losses import binary_cross_entropy, mse
from .nn import Dense, Module
from .optim import Adam, BatchGD, MiniBatchGD, Momentum, Optimizer, StochasticGD
from .tensor import Tensor
from .train import Callback, History, Loss, fit, predict

__all__ = [
    "OPTIMIZERS",
    "LinearRegression",
    "LogisticRegression",
    "make_optimizer",
]

#: Names accepted by ``make_optimizer`` (and by ``tinygrad-edu train --mode``).
OPTIMIZERS = ("batch", "sgd", "minibatch", "momentum", "adam")
#: The learning rate ``tinygrad-edu train`` uses for each mode when ``--lr`` is not given.
DEFAULT_LR = {"batch": 0.1, "sgd": 0.01, "minibatch": 0.05, "momentum": 0.05, "adam": 0.01}
OptimizerFactory = Callable[[list[Tensor]], Optimizer]


def make_optimizer(
    name: str, params: Iterable[Tensor], lr: float, batch_size: int | None = None, seed: int = 0
) -> Optimizer:
    """An optimizer by name: ``batch``, ``sgd``, ``minibatch`` (``batch_size`` 5 unless told),
    ``momentum`` (μ = 0.9) or ``adam``; the last two use the full batch unless ``batch_size``."""
    params = list(params)
    if name == "batch":
        return BatchGD(params, lr=lr)
    if name == "sgd":
        return StochasticGD(params, lr=lr, seed=seed)
    if name == "minibatch":
        return MiniBatchGD(params, lr=lr, batch_size=batch_size or 5, seed=seed)
    if name == "momentum":
        return Momentum(params, lr=lr, batch_size=batch_size, seed=seed)
    if name == "adam":
        return Adam(params, lr=lr, batch_size=batch_size, seed=seed)
    raise ValueError(f"unknown optimizer {name!r}; choose from {', '.join(OPTIMIZERS)}")


class _OneNeuron(Module):
    """A single ``Dense(n_features, 1)`` neuron trained by ``train.fit``; built at first fit."""

    _loss: Loss
    _activation: str | None
    _metrics: tuple[str, ...] = ()
    layer: Dense | None
    history: History

    def __init__(
        self,
        n_features: int | None,
        optimizer: str | OptimizerFactory,
        lr: float,
        epochs: int,
        batch_size: int | None,
        weight_init: Any,
        bias_init: Any,
        seed: int,
    ) -> None:
        super().__init__()
        if isinstance(optimizer, str) and optimizer not in OPTIMIZERS:
            raise ValueError(
                f"unknown optimizer {optimizer!r}; choose from {', '.join(OPTIMIZERS)}"
            )
        self.optimizer_spec, self.lr, self.epochs = optimizer, lr, epochs
        self.batch_size, self.seed = batch_size, seed
        self.weight_init, self.bias_init = weight_init, bias_init
        self.layer = None
        self.optimizer: Optimizer | None = None
        self.history = History()
        if n_features is not None:
            self._build(n_features)

    def _build(self, n_features: int) -> Dense:
        self.layer = Dense(
            n_features,
            1,
            activation=self._activation,
            weight_init=self.weight_init,
            bias_init=self.bias_init,
            seed=self.seed,
        )
        return self.layer

    def _ready(self, where: str) -> Dense:
        if self.layer is None:
            raise ValueError(f"{type(self).__name__}.{where}: fit the model first (no weights yet)")
        return self.layer

    def forward(self, x: Any) -> Tensor:
        """The neuron's output for x of shape (n, n_features): shape (n, 1)."""
        out: Tensor = self._ready("forward")(x)
        return out

    def fit(
        self,
        X: Any,
        y: Any,
        epochs: int | None = None,
        loss_threshold: float | None = None,
        progress: bool = False,
        validation_data: tuple[Any, Any] | None = None,
        callbacks: Iterable[Callback] | None = None,
    ) -> History:
        """Train with ``train.fit`` (the optimizer is made at the first call and kept).

        ``X`` is (n, n_features), ``y`` (n,); the arguments are those of ``train.fit``.
        """
        Xa = np.asarray(X.data if isinstance(X, Tensor) else X, dtype=np.float64)
        if Xa.ndim == 1:
            Xa = Xa.reshape(-1, 1)
        layer = self.layer or self._build(Xa.shape[1])
        if self.optimizer is None:
            spec = self.optimizer_spec
            params = layer.parameters()
            self.optimizer = (
                make_optimizer(spec, params, self.lr, self.batch_size, self.seed)
                if isinstance(spec, str)
                else spec(params)
            )
        self.history = fit(
            self,
            Xa,
            y,
            loss=self._loss,
            optimizer=self.optimizer,
            epochs=self.epochs if epochs is None else epochs,
            loss_threshold=loss_threshold,
            progress=progress,
            validation_data=validation_data,
            metrics=list(self._metrics),
            callbacks=callbacks,
        )
        return self.history

    @property
    def coef_(self) -> Array:
        """The weights as a vector of shape (n_features,)."""
        w: Array = self._ready("coef_").weight.data
        return np.array(w[:, 0], dtype=w.dtype)

    @property
    def intercept_(self) -> float:
        """The bias as a number."""
        return float(self._ready("intercept_").bias.data[0])

    def _output(self, X: Any) -> Array:
        self._ready("predict")
        out: Array = np.ravel(predict(self, X))
        return out


class LogisticRegression(_OneNeuron):
    """One sigmoid neuron, ``Dense(n_features, 1, activation="sigmoid")``, with the log loss.

    p = σ(X @ w + b), w of shape (n_features, 1), b of shape (1,); trained on
    L = binary_cross_entropy(p, y). Defaults follow the notebook's Keras model: weights ones,
    bias zeros, Adam with lr 0.001, 500 full-batch epochs. ``optimizer`` is a name from
    ``OPTIMIZERS`` or a callable ``params -> Optimizer``.

    >>> import numpy as np
    >>> X = np.array([[0.21, 1.0], [0.33, 0.0], [0.49, 1.0], [0.64, 1.0]]); y = [0, 0, 1, 1]
    >>> clf = LogisticRegression(optimizer="batch", lr=2.0, epochs=300)
    >>> _ = clf.fit(X, y)
    >>> clf.predict(X).tolist(), clf.predict_proba(X).shape
    ([0, 0, 1, 1], (4,))
    """

    _activation = "sigmoid"
    _metrics = ("accuracy",)

    def __init__(
        self,
        n_features: int | None = None,
        optimizer: str | OptimizerFactory = "adam",
        lr: float = 0.001,
        epochs: int = 500,
        batch_size: int | None = None,
        weight_init: Any = "ones",
        bias_init: Any = "zeros",
        eps: float = 1e-15,
        seed: int = 0,
    ) -> None:
        self.eps = eps
        super().__init__(
            n_features, optimizer, lr, epochs, batch_size, weight_init, bias_init, seed
        )

    def _loss(self, y_pred: Tensor, y_true: Tensor) -> Tensor:
        return binary_cross_entropy(y_pred, y_true, eps=self.eps)

    def predict_proba(self, X: Any) -> Array:
        """P(y = 1 | x) for each row of X: shape (n,)."""
        return self._output(X)

    def predict(self, X: Any, threshold: float = 0.5) -> Array:
        """Class labels 0/1 (p > threshold), shape (n,), int64."""
        return (self._output(X) > threshold).astype(np.int64)


class LinearRegression(_OneNeuron):
    """One linear neuron, ŷ = X @ w + b, trained on the mean squared error.

    Defaults follow the notebook's home-price loop: weights ones, bias zero, batch gradient
    descent with lr 0.01 for 500 epochs.
    """

    _activation = None

    def __init__(
        self,
        n_features: int | None = None,
        optimizer: str | OptimizerFactory = "batch",
        lr: float = 0.01,
        epochs: int = 500,
        batch_size: int | None = None,
        weight_init: Any = "ones",
        bias_init: Any = "zeros",
        seed: int = 0,
    ) -> None:
        super().__init__(
            n_features, optimizer, lr, epochs, batch_size, weight_init, bias_init, seed
        )

    @staticmethod
    def _loss(y_pred: Tensor, y_true: Tensor) -> Tensor:
        return mse(y_pred, y_true)

    def predict(self, X: Any) -> Array:
        """ŷ for each row of X: shape (n,)."""
        return self._output(X)
