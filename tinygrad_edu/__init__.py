"""tinygrad_edu: an autograd micro-framework on NumPy for seeing how neural networks learn.

>>> import tinygrad_edu as tge
>>> layer = tge.nn.Dense(2, 1, weight_init="ones", bias_init="zeros")
>>> loss = tge.losses.mse(layer([[1.0, 2.0]]), [0.0])
>>> loss.backward(); layer.weight.grad.ravel()      # ∂(x·w)²/∂w = 2(x·w)·x = 6·[1, 2]
array([ 6., 12.])

The pictures live in ``tinygrad_edu.viz`` (import it explicitly; it needs the ``viz`` extra), and
the hypothesis strategies for testing your own ops in ``tinygrad_edu.testing`` (the ``testing``
extra).
"""

from . import (
    activations,
    compile,
    data,
    estimators,
    func,
    initializers,
    losses,
    models,
    nn,
    optim,
    preprocessing,
    serialization,
    train,
)
from ._config import (
    detect_anomaly,
    enable_grad,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
    pause_gc,
    set_grad_enabled,
)
from .autograd import Function
from .compile import compile_step
from .derivatives import grad
from .functions import cat, maximum, minimum, stack, where
from .gradcheck import gradcheck, gradgradcheck, numerical_grad
from .tensor import NoGradError, Tensor

__all__ = [
    "Function",
    "NoGradError",
    "Tensor",
    "activations",
    "cat",
    "compile",
    "compile_step",
    "data",
    "detect_anomaly",
    "enable_grad",
    "estimators",
    "func",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "initializers",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "losses",
    "maximum",
    "minimum",
    "models",
    "nn",
    "no_grad",
    "numerical_grad",
    "optim",
    "pause_gc",
    "preprocessing",
    "serialization",
    "set_grad_enabled",
    "stack",
    "train",
    "where",
]
__version__ = "0.2.0"
