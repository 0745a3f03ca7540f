"""The primitive operations. Each is one ``Function``: forward, backward and tangent side by side.

Conventions: ``g`` is the upstream gradient ``∂L/∂out``; ``backward(g, saved)`` returns ``∂L/∂x``
for each input in the *output's* (broadcast) shape if that is easier — the engine reduces it.
``jvp(*tangents, *saved)`` returns the output's tangent. Ops never modify ``g`` or their saved
arrays in place. Rules are written with operators and ``dual`` functions, so that they run on
arrays (first order) and on Tensors (``create_graph=True``).
"""

from .activations import LeakyRelu, LogSoftmax, Relu, Sigmoid, Softmax, Tanh
from .arithmetic import Add, Div, MatMul, Maximum, Minimum, Mul, Pow, Sub
from .conv import Conv2d
from .dual import Primitive
from .elementwise import Abs, Clip, Cos, Exp, Log, Neg, Sin, Sqrt
from .indexing import Index, IndexBy, Scatter, Where, WhereBy
from .reductions import Axis, Max, Mean, Sum, Var
from .shape import BroadcastTo, Cat, Reshape, Stack, Transpose
from .windows import Fold, MaxPool2d, Unfold

__all__ = [
    "Abs",
    "Add",
    "Axis",
    "BroadcastTo",
    "Cat",
    "Clip",
    "Conv2d",
    "Cos",
    "Div",
    "Exp",
    "Fold",
    "Index",
    "IndexBy",
    "LeakyRelu",
    "Log",
    "LogSoftmax",
    "MatMul",
    "Max",
    "MaxPool2d",
    "Maximum",
    "Mean",
    "Minimum",
    "Mul",
    "Neg",
    "Pow",
    "Primitive",
    "Relu",
    "Reshape",
    "Scatter",
    "Sigmoid",
    "Sin",
    "Softmax",
    "Sqrt",
    "Stack",
    "Sub",
    "Sum",
    "Tanh",
    "Transpose",
    "Unfold",
    "Var",
    "Where",
    "WhereBy",
]
