"""tinygrad_edu: an autograd micro-framework on NumPy for seeing how neural networks learn.

>>> import tinygrad_edu as tge
>>> layer = tge.nn.Dense(2, 1, weight_init="ones", bias_init="zeros")
>>> loss = tge.losses.mse(layer([[1.0, 2.0]]), [0.0])
>>> loss.backward(); layer.weight.grad.ravel()      # ∂(x·w)²/∂w = 2(x·w)·x = 6·[1, 2]
array([ 6., 12.])

The pictures live in ``tinygrad_edu.viz`` (import it explicitly; it needs the ``viz`` extra).
"""

from . import (
    activations,
    data,
    estimators,
    initializers,
    losses,
    models,
    nn,
    optim,
    preprocessing,
    serialization,
    train,
)
from ._config import enable_grad, is_grad_enabled, no_grad
from .gradcheck import gradcheck, numerical_grad
from .tensor import Tensor

__all__ = [
    "Tensor",
    "activations",
    "data",
    "enable_grad",
    "estimators",
    "gradcheck",
    "initializers",
    "is_grad_enabled",
    "losses",
    "models",
    "nn",
    "no_grad",
    "numerical_grad",
    "optim",
    "preprocessing",
    "serialization",
    "train",
]
__version__ = "0.1.0"
