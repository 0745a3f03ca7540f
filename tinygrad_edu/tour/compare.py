"""One sigmoid neuron trained the same way by tinygrad_edu, PyTorch and Keras, side by side.

The notebook checked its from-scratch model against a Keras neuron. Here the same problem is
given to every library available: p = σ(X·w + b) on the insurance split, w = (1, 1), b = 0,
log loss with predictions clipped into [ε, 1 − ε], Adam on the full batch for 500 epochs in
float64. If the implementations agree, the learned numbers agree to rounding.

Why the learning rate is 0.01, not Keras's default 0.001: Adam moves each parameter by about
lr per step, so 500 steps of 0.001 move the weights by at most 0.5 — on the notebook's split the
loss only goes from 0.711 to 0.625 and the model still misclassifies. 0.01 reaches about the
notebook's 5000-epoch Keras result.

What to expect. PyTorch's Adam is the same rule as tinygrad_edu's, with ε added to √v̂ after
the bias correction, and its numbers agree to about 1e-15. Keras differs for two reasons you
can see in the table: it adds ε to √v *before* the bias correction (the same rule with a
larger ε early on, ε/√(1 − β₂ᵗ)), which with the default ε = 1e-7 moves its result by about
2e-5 on the notebook's split; and its loss reduction returns a float32 value on this backend
even with float64 weights, which alone leaves a gap of about 5e-8 (measured with ε = 1e-12).
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..autograd import Array
from ..models import LogisticRegression
from ..optim import Adam
from ..tensor import Tensor

#: Library names accepted by ``compare_libraries(libraries=...)``.
LIBRARIES = ("pytorch", "keras")
TORCH_PIN = "torch==2.13.0"


@dataclass
class Result:
    """What one implementation learned: weights (d,), bias, per-epoch loss, test probabilities."""

    name: str
    weights: Array
    bias: float
    losses: list[float]
    test_proba: Array
    seconds: float

    @property
    def final_loss(self) -> float:
        """The loss after the last epoch."""
        return self.losses[-1]


@dataclass
class Comparison:
    """The results side by side; ``skipped``: one line for each library that could not run,
    ``not_installed``: the names of those that are missing (a subset of ``skipped``'s keys)."""

    results: list[Result]
    lr: float
    epochs: int
    adam_eps: float
    loss_eps: float
    skipped: dict[str, str] = field(default_factory=dict)
    not_installed: list[str] = field(default_factory=list)

    def skipped_lines(self) -> list[str]:
        """Why each library did not run; all those not installed share one line and one pip
        command ("PyTorch and Keras are not installed: pip install torch==2.13.0 keras")."""
        others = [why for name, why in self.skipped.items() if name not in self.not_installed]
        if len(self.not_installed) < 2:
            return [self.skipped[name] for name in self.not_installed] + others
        missing = [_LIBRARIES[name] for name in self.not_installed]
        names = ", ".join(lib.label for lib in missing[:-1]) + f" and {missing[-1].label}"
        command = " ".join(lib.requirement for lib in missing)
        return [f"{names} are not installed: pip install {command}", *others]

    def differences(self) -> dict[str, float]:
        """Largest |difference| to the first result (tinygrad_edu) over weights, bias, final loss
        and test predictions, for each other implementation."""
        ref = self.results[0]
        out = {}
        for r in self.results[1:]:
            gaps = [
                np.abs(r.weights - ref.weights).max(),
                abs(r.bias - ref.bias),
                abs(r.final_loss - ref.final_loss),
                np.abs(r.test_proba - ref.test_proba).max(),
            ]
            out[r.name] = float(max(gaps))
        return out

    def table(self) -> tuple[list[str], list[list[str]]]:
        """Header and rows: implementation, each weight, bias, final loss, test predictions."""
        d = len(self.results[0].weights)
        header = ["implementation", *[f"w{i + 1}" for i in range(d)], "bias", "final loss"]
        header += ["test predictions", "max |diff| vs tinygrad_edu", "seconds"]
        diffs = self.differences()
        rows = []
        for r in self.results:
            preds = " ".join(f"{p:.4f}" for p in r.test_proba)
            gap = f"{diffs[r.name]:.2e}" if r.name in diffs else "—"
            rows.append(
                [
                    r.name,
                    *[f"{w:.10f}" for w in r.weights],
                    f"{r.bias:.10f}",
                    f"{r.final_loss:.10f}",
                    preds,
                    gap,
                    f"{r.seconds:.2f}",
                ]
            )
        return header, rows


def _ours(
    X: Array,
    y: Array,
    X_test: Array,
    lr: float,
    epochs: int,
    adam_eps: float,
    loss_eps: float,
    progress: bool,
) -> Result:
    start = time.perf_counter()

    def adam(params: list[Tensor]) -> Adam:
        return Adam(params, lr=lr, eps=adam_eps)

    model = LogisticRegression(X.shape[1], optimizer=adam, epochs=epochs, eps=loss_eps)
    history = model.fit(X, y, progress=progress)
    proba = model.predict_proba(X_test)
    seconds = time.perf_counter() - start
    return Result("tinygrad_edu", model.coef_, model.intercept_, history.loss, proba, seconds)


def _torch(
    X: Array,
    y: Array,
    X_test: Array,
    lr: float,
    epochs: int,
    adam_eps: float,
    loss_eps: float,
    progress: bool,
) -> Result:
    import torch

    start = time.perf_counter()
    f64 = torch.float64
    Xt, yt = torch.tensor(X, dtype=f64), torch.tensor(y, dtype=f64).reshape(-1, 1)
    w = torch.ones((X.shape[1], 1), dtype=f64, requires_grad=True)
    b = torch.zeros(1, dtype=f64, requires_grad=True)
    opt = torch.optim.Adam([w, b], lr=lr, eps=adam_eps)
    losses = []
    for _ in range(epochs):
        p = torch.sigmoid(Xt @ w + b).clamp(loss_eps, 1 - loss_eps)
        loss: Any = -(yt * torch.log(p) + (1 - yt) * torch.log(1 - p)).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.item()))
    with torch.no_grad():
        proba = torch.sigmoid(torch.tensor(X_test, dtype=f64) @ w + b).numpy().reshape(-1)
    seconds = time.perf_counter() - start
    weights = w.detach().numpy().reshape(-1).copy()
    return Result("PyTorch", weights, float(b.item()), losses, proba.copy(), seconds)


@contextlib.contextmanager
def _keras_settings(keras: Any, floatx: str, epsilon: float) -> Iterator[None]:
    """Keras's global float type and fuzz factor, restored afterwards."""
    old = keras.config.floatx(), keras.config.epsilon()
    keras.config.set_floatx(floatx)
    keras.config.set_epsilon(epsilon)
    try:
        yield
    finally:
        keras.config.set_floatx(old[0])
        keras.config.set_epsilon(old[1])


def _import_keras() -> Any:
    """Keras 3 on its PyTorch backend (``KERAS_BACKEND=torch`` for the import), or an error."""
    loaded = sys.modules.get("keras")
    if loaded is None:
        previous = os.environ.get("KERAS_BACKEND")
        os.environ["KERAS_BACKEND"] = "torch"
        try:
            loaded = importlib.import_module("keras")
        finally:
            if previous is None:
                del os.environ["KERAS_BACKEND"]
            else:
                os.environ["KERAS_BACKEND"] = previous
    backend = loaded.backend.backend()
    if backend != "torch":
        raise ImportError(f"Keras is already loaded with the {backend!r} backend, not 'torch'")
    return loaded


def _keras(
    X: Array,
    y: Array,
    X_test: Array,
    lr: float,
    epochs: int,
    adam_eps: float,
    loss_eps: float,
    progress: bool,
) -> Result:
    with warnings.catch_warnings():
        # Keras's torch backend trips NumPy 2's __array__(copy=...) deprecation; not ours.
        warnings.simplefilter("ignore", DeprecationWarning)
        return _keras_run(X, y, X_test, lr, epochs, adam_eps, loss_eps)


def _keras_run(
    X: Array, y: Array, X_test: Array, lr: float, epochs: int, adam_eps: float, loss_eps: float
) -> Result:
    keras = _import_keras()
    start = time.perf_counter()
    with _keras_settings(keras, "float64", loss_eps):
        model = keras.Sequential(
            [
                keras.Input((X.shape[1],)),
                keras.layers.Dense(
                    1, activation="sigmoid", kernel_initializer="ones", bias_initializer="zeros"
                ),
            ]
        )
        model.compile(
            optimizer=keras.optimizers.Adam(learning_rate=lr, epsilon=adam_eps),
            loss="binary_crossentropy",
        )
        history = model.fit(X, y, epochs=epochs, batch_size=len(X), shuffle=False, verbose=0)
        proba = np.asarray(model.predict(X_test, verbose=0), dtype=np.float64).reshape(-1)
        kernel, bias = model.get_weights()
    seconds = time.perf_counter() - start
    losses = [float(v) for v in history.history["loss"]]
    weights = np.asarray(kernel, dtype=np.float64).reshape(-1)
    return Result(
        f"Keras {keras.__version__} (torch)", weights, float(bias[0]), losses, proba, seconds
    )


Runner = Callable[[Array, Array, Array, float, int, float, float, bool], Result]


@dataclass(frozen=True)
class _Library:
    """How to run one library, and how to tell a reader to install it."""

    module: str
    run: Runner
    label: str
    requirement: str
    note: str = ""

    @property
    def missing(self) -> str:
        return f"{self.label} is not installed (pip install {self.requirement}{self.note})"


_LIBRARIES = {
    "pytorch": _Library("torch", _torch, "PyTorch", TORCH_PIN),
    "keras": _Library("keras", _keras, "Keras", "keras", "; runs on PyTorch"),
}


def compare_libraries(
    X_train: Any,
    y_train: Any,
    X_test: Any,
    *,
    lr: float = 0.01,
    epochs: int = 500,
    adam_eps: float = 1e-7,
    loss_eps: float = 1e-15,
    libraries: Sequence[str] = LIBRARIES,
    progress: bool = False,
) -> Comparison:
    """Train the neuron with tinygrad_edu and each library in ``libraries`` that is installed.

    ``X_train`` (n, d), ``y_train`` (n,) of 0/1, ``X_test`` (m, d). A library that is missing
    or fails to start is listed in ``Comparison.skipped`` with a one-line reason.
    """
    X = np.asarray(X_train, dtype=np.float64)
    y = np.asarray(y_train, dtype=np.float64).reshape(-1)
    Xt = np.asarray(X_test, dtype=np.float64)
    for name in libraries:
        if name not in _LIBRARIES:
            raise ValueError(
                f"compare_libraries: unknown library {name!r}; choose from {LIBRARIES}"
            )
    args = (X, y, Xt, lr, epochs, adam_eps, loss_eps)
    comparison = Comparison([_ours(*args, progress)], lr, epochs, adam_eps, loss_eps)
    for name in libraries:
        library = _LIBRARIES[name]
        if importlib.util.find_spec(library.module) is None:
            comparison.skipped[name] = library.missing
            comparison.not_installed.append(name)
            continue
        try:
            comparison.results.append(library.run(*args, False))
        except Exception as err:  # a broken install must not stop the tour
            first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            comparison.skipped[name] = f"{name} could not run here: {first}"
    return comparison
