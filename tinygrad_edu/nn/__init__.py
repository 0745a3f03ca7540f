"""Layers: ``Module`` (parameters and buffers), ``Dense``, ``Sequential``, ``Dropout``,
``BatchNorm1d``, ``Flatten``, ``Conv2d``, ``MaxPool2d``, and the initialisers.

A ``Module`` finds its parameters by itself: every ``Tensor`` and every sub-``Module`` assigned as
an attribute is registered, in the order of assignment, and ``parameters()`` /
``named_parameters()`` walk them (sub-modules' names are dotted: ``layers.0.weight``). State
that is saved but not trained (``BatchNorm1d``'s running statistics) is a buffer:
``register_buffer``, ``buffers()``. ``model(x)`` calls ``model.forward(x)``; ``train()`` and
``eval()`` switch the layers whose behaviour differs (``Dropout``, ``BatchNorm1d``).
``state_dict()`` / ``load_state_dict()`` and ``save`` / ``load`` hold parameters and buffers by
name; the file is an ``.npz`` archive (never pickle), written by ``tinygrad_edu.serialization``.

One job per module: ``module`` (the ``Module`` base), ``calls`` (which layer made a tensor),
``dense``, ``sequential``, ``dropout``, ``batchnorm``, ``flatten``, ``conv`` (``Conv2d``),
``pooling`` (``MaxPool2d``). Images are NCHW — (batch, channels, height, width) — as in PyTorch.

>>> model = Sequential(Dense(2, 3, activation="tanh", seed=0), Dense(3, 1, seed=0))
>>> model
Sequential(
  (0): Dense(2 → 3, activation=tanh)
  (1): Dense(3 → 1)
)
>>> [(name, p.shape) for name, p in model.named_parameters()]
[('0.weight', (2, 3)), ('0.bias', (3,)), ('1.weight', (3, 1)), ('1.bias', (1,))]
>>> model([[0.5, -1.0]]).shape
(1, 1)
"""

from ..initializers import INITIALIZERS, Initializer, initialize
from .batchnorm import BatchNorm1d
from .calls import LayerCall, layer_call, layer_calls
from .conv import Conv2d
from .dense import Dense
from .dropout import Dropout
from .flatten import Flatten
from .module import Module
from .pooling import MaxPool2d
from .sequential import Sequential

__all__ = [
    "INITIALIZERS",
    "BatchNorm1d",
    "Conv2d",
    "Dense",
    "Dropout",
    "Flatten",
    "Initializer",
    "LayerCall",
    "MaxPool2d",
    "Module",
    "Sequential",
    "initialize",
    "layer_call",
    "layer_calls",
]
