"""Ready-made models: the notebook's ``myNN`` as a graph model, and one-layer regressions.

``MyNN`` is the teaching notebook's hand-written logistic neuron rebuilt on tensors: the same
numbers, but the gradients come from ``loss.backward()`` instead of a derived formula.
``LogisticRegression`` and ``LinearRegression`` are one ``Dense`` neuron trained by ``fit`` with
any optimizer (``make_optimizer`` builds one by name, as the command line does).

>>> import numpy as np
>>> X = np.array([[0.23, 1.0], [0.31, 0.0], [0.45, 1.0], [0.57, 0.0], [0.41, 1.0], [0.63, 1.0]])
>>> y = np.array([0, 0, 1, 0, 1, 1])
>>> m = MyNN(lr=0.5)
>>> history = m.fit(X, y, epochs=3, loss_threshold=0.0)
>>> len(history.loss), m.predict(X).shape
(3, (6,))
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ._config import no_grad
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
    "MyNN",
    "make_optimizer",
]

#: Names accepted by ``make_optimizer`` (and by ``tinygrad-edu train --mode``).
OPTIMIZERS = ("batch", "sgd", "minibatch", "momentum", "adam")
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


def _columns(where: str, X: Any, y: Any | None = None) -> tuple[Array, Array | None]:
    """X as float64 (n, 2) and y as float64 (n,), with errors that name the shapes."""
    Xa = np.asarray(X.data if isinstance(X, Tensor) else X, dtype=np.float64)
    if Xa.ndim != 2 or Xa.shape[1] != 2 or Xa.shape[0] == 0:
        raise ValueError(
            f"{where}: X must have shape (n, 2) = [age/100, affordability]; got {Xa.shape}"
        )
    if y is None:
        return Xa, None
    ya = np.asarray(y.data if isinstance(y, Tensor) else y, dtype=np.float64).reshape(-1)
    if ya.shape[0] != Xa.shape[0]:
        raise ValueError(f"{where}: X has {Xa.shape[0]} rows but y has {ya.shape[0]} values")
    return Xa, ya


class MyNN(Module):
    """The notebook's ``myNN``: p = σ(w1·age + w2·affordability + bias), trained by batch GD.

    Parameters are three 0-d Tensors, ``w1 = w2 = 1`` and ``bias = 0`` (``float(m.w1)`` reads
    one). Each epoch of ``fit`` does what the notebook's loop does, but through the graph:

    1. forward: zᵢ = w1·ageᵢ + w2·affᵢ + bias, pᵢ = σ(zᵢ), L = binary_cross_entropy(p, y)
       (p clipped into [1e-15, 1 − 1e-15], L = −mean(y·ln p + (1 − y)·ln(1 − p)));
    2. ``L.backward()`` fills ∂L/∂w1, ∂L/∂w2, ∂L/∂bias by the chain rule;
    3. under ``no_grad``: w ← w − lr·∂L/∂w;
    4. stop if this epoch's L ≤ ``loss_threshold``.

    **Same numbers as the hand-written loop, to the last bits — but not every last bit.** The
    forward pass uses the very same NumPy operations in the same order, so for equal parameters
    the predictions and the loss are bit-identical to the notebook's. The gradients are equal in
    exact arithmetic but computed along a different path:

    * the notebook uses the closed form ∂L/∂w1 = (1/n)·Σᵢ ageᵢ(pᵢ − yᵢ), derived by hand after
      cancelling the sigmoid's derivative against the log loss's;
    * reverse mode multiplies the local derivatives instead: per sample
      (−(1/n)·yᵢ/pᵢ + (1/n)(1 − yᵢ)/(1 − pᵢ))·pᵢ(1 − pᵢ)·ageᵢ, i.e. the cancellation
      pᵢ(1 − pᵢ)/pᵢ happens in floating point, where it is not exact;
    * the mean's 1/n reaches each sample *before* the sum over samples (reverse mode starts at
      the loss), while the notebook sums first (``np.dot``) and scales after; and the sum runs
      in NumPy's pairwise order rather than the BLAS dot product's.

    Each of these rounds differently, so a gradient differs from the closed form by a few units
    in the last place (ulp), and the parameters drift apart by as much. Even feeding the exact
    closed form (pᵢ − yᵢ)/n into the graph leaves the scale-then-sum order, which alone gives
    different bits in most epochs. Measured on the notebook's insurance split (22 rows, lr 0.5,
    threshold 0.5993): both runs stop after epoch 14; epoch 0's gradients differ by 1, 1 and
    3 ulp; the final w1 and w2 are identical and the bias differs by 1 ulp (1.1e-16). Over 1000
    epochs without the threshold the largest parameter gap stays at 4 ulp (8.9e-16). The lesson:
    the chain rule and the hand-derived formula are the same derivative, not the same
    arithmetic.
    """

    w1: Tensor
    w2: Tensor
    bias: Tensor
    lr: float
    history: History

    def __init__(self, lr: float = 0.5) -> None:
        super().__init__()
        if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not 0 < lr < math.inf:
            raise ValueError(f"MyNN: lr must be a finite number > 0, got {lr!r}")
        self.lr = float(lr)
        self.w1 = Tensor(1.0, requires_grad=True, name="w1")
        self.w2 = Tensor(1.0, requires_grad=True, name="w2")
        self.bias = Tensor(0.0, requires_grad=True, name="bias")
        self.history = History()

    def forward(self, x: Any) -> Tensor:
        """p = σ(w1·x[:, 0] + w2·x[:, 1] + bias) for x of shape (n, 2); p has shape (n,)."""
        xt = x if isinstance(x, Tensor) else Tensor(_columns("MyNN", x)[0])
        return (self.w1 * xt[:, 0] + self.w2 * xt[:, 1] + self.bias).sigmoid()

    def loss(self, X: Any, y: Any) -> Tensor:
        """The epoch's log loss L = binary_cross_entropy(p, y), a scalar Tensor with its graph."""
        Xa, ya = _columns("MyNN.loss", X, y)
        return binary_cross_entropy(self(Tensor(Xa)), ya)

    def fit(
        self,
        X: Any,
        y: Any,
        epochs: int = 1000,
        loss_threshold: float | None = 0.5993,
        verbose: bool = False,
    ) -> History:
        """Batch gradient descent for up to ``epochs`` epochs; returns (and keeps) the History.

        ``X`` is (n, 2) = [age/100, affordability], ``y`` (n,) of 0/1. With ``verbose`` prints
        ``Epoch:i, w1:…, w2:…, bias:…, loss:…`` (parameters after the update, loss before it)
        every 50 epochs and at the stopping epoch, as the notebook did.
        """
        Xa, ya = _columns("MyNN.fit", X, y)
        if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
            raise ValueError(f"MyNN.fit: epochs must be an int ≥ 1, got {epochs!r}")
        xt, yt = Tensor(Xa), Tensor(ya)
        params = self.parameters()
        history = self.history = History()
        for epoch in range(epochs):
            loss = binary_cross_entropy(self(xt), yt)
            for p in params:
                p.grad = None
            loss.backward()
            with no_grad():
                for p in params:
                    assert p.grad is not None
                    p.data -= self.lr * p.grad
            value = loss.item()
            history.loss.append(value)
            history.update_loss.append(value)
            stop = loss_threshold is not None and value <= loss_threshold
            if verbose and (epoch % 50 == 0 or stop):
                print(
                    f"Epoch:{epoch}, w1:{float(self.w1)}, w2:{float(self.w2)}, "
                    f"bias:{float(self.bias)}, loss:{value}"
                )
            if stop:
                history.stopped_early = True
                history.stop_reason = (
                    f"loss {value:.6g} ≤ threshold {loss_threshold:g} at epoch {epoch}"
                )
                break
        return history

    def predict(self, X: Any) -> Array:
        """Probabilities p = σ(w1·age + w2·aff + bias), shape (n,), without recording a graph."""
        with no_grad():
            p: Tensor = self(Tensor(_columns("MyNN.predict", X)[0]))
        return p.data

    def extra_repr(self) -> str:
        return f"w1={float(self.w1):.6g}, w2={float(self.w2):.6g}, bias={float(self.bias):.6g}"


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
