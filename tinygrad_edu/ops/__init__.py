"""The primitive operations. Each is one ``Function``: forward and backward side by side.

Conventions: ``g`` is the upstream gradient ``∂L/∂out``; ``backward`` returns ``∂L/∂x`` for each
input in the *output's* (broadcast) shape if that is easier — the engine reduces it. Ops never
modify ``g`` or their saved arrays in place.
"""

from .activations import LeakyRelu, LogSoftmax, Relu, Sigmoid, Softmax, Tanh
from .arithmetic import Add, Div, MatMul, Mul, Pow, Sub
from .elementwise import Abs, Clip, Exp, Log, Neg, Sqrt
from .reductions import Axis, Max, Mean, Sum
from .shape import Index, Reshape, Transpose

__all__ = [
    "Abs",
    "Add",
    "Axis",
    "Clip",
    "Div",
    "Exp",
    "Index",
    "LeakyRelu",
    "Log",
    "LogSoftmax",
    "MatMul",
    "Max",
    "Mean",
    "Mul",
    "Neg",
    "Pow",
    "Relu",
    "Reshape",
    "Sigmoid",
    "Softmax",
    "Sqrt",
    "Sub",
    "Sum",
    "Tanh",
    "Transpose",
]
