"""tinygrad_edu: an autograd micro-framework on NumPy for seeing how neural networks learn."""

from ._config import enable_grad, is_grad_enabled, no_grad
from .gradcheck import gradcheck, numerical_grad
from .tensor import Tensor

__all__ = ["Tensor", "enable_grad", "gradcheck", "is_grad_enabled", "no_grad", "numerical_grad"]
__version__ = "0.1.0"
