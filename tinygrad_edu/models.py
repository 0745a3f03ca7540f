"""The notebook's ``myNN`` as a graph model.

``MyNN`` is the teaching notebook's hand-written logistic neuron rebuilt on tensors: the same
numbers, but the gradients come from ``loss.backward()`` instead of a derived formula. The
scikit-learn-style one-neuron estimators (``LogisticRegression``, ``LinearRegression``) and
``make_optimizer`` live in ``tinygrad_edu.estimators``; they are re-exported here, so
``from tinygrad_edu.models import LogisticRegression`` keeps working.

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
from typing import Any

import numpy as np

from ._config import no_grad
from .autograd import Array
from .estimators import OPTIMIZERS, LinearRegression, LogisticRegression, make_optimizer
from .guards import mark_changed
from .losses import binary_cross_entropy
from .nn import Module
from .tensor import Tensor
from .train import History

__all__ = [
    "OPTIMIZERS",
    "LinearRegression",
    "LogisticRegression",
    "MyNN",
    "make_optimizer",
]


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
                mark_changed(*params)  # (a graph recorded before now must not use old weights)
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
