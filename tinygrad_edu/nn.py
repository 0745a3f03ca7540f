"""Layers: ``Module`` (a container of parameters), ``Dense`` and ``Sequential``.

A ``Module`` finds its parameters by itself: every ``Tensor`` and every sub-``Module`` assigned as
an attribute is registered, in the order of assignment, and ``parameters()`` /
``named_parameters()`` walk them (sub-modules' names are dotted: ``layers.0.weight``).
``model(x)`` calls ``model.forward(x)``. ``save``/``load`` write and read those named parameters
as an ``.npz`` archive (never pickle); the file side lives in ``tinygrad_edu.serialization``.

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

from __future__ import annotations

import numbers
import os
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import numpy as np

from ._checks import check_seed
from ._config import DEFAULT_DTYPE
from .activations import Activation, get_activation
from .autograd import Array, Function
from .initializers import INITIALIZERS, Initializer, initialize
from .serialization import check_state, load_arrays, save_arrays
from .tensor import Tensor

M = TypeVar("M", bound="Module")
Shape = tuple[int, ...]
LayerCall = tuple["Module", tuple[Tensor, ...]]
__all__ = [
    "INITIALIZERS",
    "Dense",
    "Initializer",
    "LayerCall",
    "Module",
    "Sequential",
    "initialize",
    "layer_call",
    "layer_calls",
]


# ---------------------------------------------------------------------- which layer made a tensor
# Each call is kept in the ``tags`` of the graph node that made the output, so it lives exactly
# as long as the graph does and costs one tuple per layer call.
def layer_call(t: Tensor) -> LayerCall | None:
    """``(module, input_tensors)`` of the innermost module call that returned ``t``, or None.

    Recorded by ``Module.__call__`` for outputs that are part of a graph (have a ``grad_fn``);
    ``input_tensors`` are the call's Tensor arguments (arrays passed in are not Tensors yet).
    """
    calls = layer_calls(t)
    return calls[0] if calls else None


def layer_calls(t: Tensor) -> list[LayerCall]:
    """Every module call that returned ``t``, innermost first (a Dense, then its Sequential)."""
    fn = t.grad_fn
    tags = getattr(fn, "tags", ()) if fn is not None else ()
    return [tag[1:] for tag in tags if tag[0] == "layer_call"]


def _record(module: Module, args: tuple[Any, ...], out: Tensor, fn: Function) -> None:
    inputs = tuple([a for a in args if isinstance(a, Tensor)])
    for a in inputs:
        if a is out:  # a module that passed its input through made nothing
            return
    tag = ("layer_call", module, inputs)
    tags = getattr(fn, "tags", None)
    fn.tags = (*tags, tag) if tags else (tag,)


# ------------------------------------------------------------------------------------ Module
class Module:
    """Base class of layers and models: registers parameters, calls ``forward``, saves, loads.

    Subclasses assign their Tensors and sub-modules as attributes (in ``__init__``) and define
    ``forward``. ``training`` is True after ``train()`` (the default) and False after ``eval()``;
    ``fit`` and ``predict`` switch it for layers whose behaviour differs.
    """

    training: bool = True
    _parameters: dict[str, Tensor]
    _modules: dict[str, Module]

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_modules", {})

    def _registry(self) -> tuple[dict[str, Tensor], dict[str, Module]]:
        d = self.__dict__
        if "_parameters" not in d:  # a subclass that did not call super().__init__()
            Module.__init__(self)
        return d["_parameters"], d["_modules"]

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, (list, tuple)) and any(isinstance(v, (Tensor, Module)) for v in value):
            raise TypeError(
                f"{type(self).__name__}.{name}: a {type(value).__name__} of tensors or modules "
                "is not registered, so parameters() would miss them; use Sequential(...) or "
                "assign each one as its own attribute"
            )
        params, modules = self._registry()
        if isinstance(value, Tensor):
            modules.pop(name, None)
            params[name] = value
        elif isinstance(value, Module):
            params.pop(name, None)
            modules[name] = value
        else:
            params.pop(name, None)
            modules.pop(name, None)
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        params, modules = self._registry()
        params.pop(name, None)
        modules.pop(name, None)
        object.__delattr__(self, name)

    def forward(self, *args: Any) -> Any:
        raise TypeError(f"{type(self).__name__} is a Module without a forward() method")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        out = self.forward(*args, **kwargs)
        if isinstance(out, Tensor):
            fn = out.grad_fn
            if fn is not None:
                _record(self, args, out, fn)
        return out

    # ------------------------------------------------------------------------- parameters
    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module (named ``prefix``) and every sub-module, depth first, each once."""
        seen: set[int] = set()
        stack: list[tuple[str, Module]] = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            children = list(module._registry()[1].items())
            for child, sub in reversed(children):
                stack.append((f"{name}.{child}" if name else child, sub))

    def named_parameters(self) -> list[tuple[str, Tensor]]:
        """``(dotted name, tensor)`` for every parameter, in assignment order, each tensor once."""
        seen: set[int] = set()
        found = []
        for prefix, module in self.named_modules():
            for name, p in module._registry()[0].items():
                if id(p) not in seen:
                    seen.add(id(p))
                    found.append((f"{prefix}.{name}" if prefix else name, p))
        return found

    def parameters(self) -> list[Tensor]:
        """Every parameter tensor, in the order of ``named_parameters()``."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Forget every parameter's gradient (``grad = None``) before the next ``backward()``."""
        for p in self.parameters():
            p.grad = None

    def train(self: M, mode: bool = True) -> M:
        """Set ``training`` on this module and every sub-module; returns ``self``."""
        for _, module in self.named_modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self: M) -> M:
        """``train(False)``: evaluation mode."""
        return self.train(False)

    # ------------------------------------------------------------------------------- repr
    def extra_repr(self) -> str:
        """What to show inside ``Name(...)``; by default the parameters' shapes."""
        return ", ".join(f"{n}: {p.shape}" for n, p in self._registry()[0].items())

    def _child_reprs(self) -> list[tuple[str, str]]:
        return [(name, repr(m)) for name, m in self._registry()[1].items()]

    def __repr__(self) -> str:
        extra, children = self.extra_repr(), self._child_reprs()
        if not children:
            return f"{type(self).__name__}({extra})"
        lines = [f"  {extra}"] if extra else []
        lines += [f"  ({name}): " + text.replace("\n", "\n  ") for name, text in children]
        return f"{type(self).__name__}(\n" + "\n".join(lines) + "\n)"

    # ----------------------------------------------------------------------- save and load
    def state_dict(self) -> dict[str, Array]:
        """``{name: copy of the parameter's data}`` in ``named_parameters()`` order."""
        return {name: p.data.copy() for name, p in self.named_parameters()}

    def load_state_dict(self: M, state: dict[str, Any], source: str = "state dict") -> M:
        """Copy ``state`` into this model's parameters, in place; returns ``self``.

        Names must match exactly (missing and unexpected keys are named), and each array must
        have its parameter's shape and dtype; nothing is changed unless everything fits.
        """
        named = dict(self.named_parameters())
        check_state({n: p.data for n, p in named.items()}, state, source, type(self).__name__)
        for name, p in named.items():
            np.copyto(p.data, state[name])
        return self

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write ``named_parameters()`` to ``path`` as an ``.npz`` archive (exactly that name).

        Atomic (a failed save keeps the old file), bit for bit and without pickle: see
        ``serialization.save_arrays``.
        """
        save_arrays(((name, p.data) for name, p in self.named_parameters()), path)

    def load(self: M, path: str | os.PathLike[str]) -> M:
        """Fill this model's parameters, in place, from a file written by ``save``; returns it.

        The file is read without pickle (``serialization.load_arrays``); names, shapes and dtypes
        must match the model exactly (see ``load_state_dict``); errors name the file and parameter.
        """
        state = load_arrays(path, dict(self.named_parameters()), type(self).__name__)
        return self.load_state_dict(state, source=f"load: {os.fspath(path)!r}")


# ------------------------------------------------------------------------------------ layers
def _name_of(fn: Callable[..., Any]) -> str:
    return getattr(fn, "__name__", None) or repr(fn)


class Dense(Module):
    """A fully connected layer: ``activation(x @ weight + bias)``.

    ``weight`` is (in_features, out_features) and ``bias`` (out_features,), both trainable.
    ``x`` may be (n, in_features) — one row per sample — or a single sample (in_features,).
    ``activation`` is None, a name from ``activations.ACTIVATIONS`` or a callable;
    ``weight_init``/``bias_init`` a name from ``INITIALIZERS``, a number, an array or a callable
    ``(shape, rng) -> array``. ``seed`` (or a ``np.random.Generator``) makes the draw repeatable;
    the weight is drawn before the bias. ``dtype`` is float64 unless told (e.g. ``np.float32``).

    >>> layer = Dense(2, 1, activation="sigmoid", weight_init="ones", bias_init="zeros")
    >>> layer([[0.47, 1.0]])                            # σ(0.47 + 1.0)
    Tensor([[0.8131]], grad_fn=Sigmoid)
    """

    weight: Tensor
    bias: Tensor

    def __init__(
        self,
        in_features: int,
        out_features: int,
        activation: str | Activation | None = None,
        weight_init: str | Initializer | float | Any = "glorot_uniform",
        bias_init: str | Initializer | float | Any = "zeros",
        seed: int | np.random.Generator | None = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        for what, n in (("in_features", in_features), ("out_features", out_features)):
            if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
                raise ValueError(f"Dense: {what} must be an int ≥ 1, got {n!r}")
        dtype = np.dtype(DEFAULT_DTYPE if dtype is None else dtype)
        if dtype.kind != "f":
            raise ValueError(f"Dense: dtype must be a float type, got {dtype}")
        self.in_features, self.out_features = int(in_features), int(out_features)
        self.activation = get_activation(activation)
        self.activation_name = None if activation is None else _name_of(self.activation)
        rng = np.random.default_rng(check_seed(self._label(), seed))
        shapes = {"weight": (self.in_features, self.out_features), "bias": (self.out_features,)}
        for name, spec in (("weight", weight_init), ("bias", bias_init)):
            try:
                values = initialize(spec, shapes[name], rng, dtype)
            except ValueError as err:
                raise ValueError(f"{self._label()}: {name}_init: {err}") from None
            setattr(self, name, Tensor(values, requires_grad=True, name=name))

    def _label(self) -> str:
        return f"Dense({self.in_features} → {self.out_features})"

    def forward(self, x: Any) -> Tensor:
        if not isinstance(x, Tensor):
            x = Tensor(x, dtype=self.weight.dtype)
        shape = x.data.shape
        if not 1 <= len(shape) <= 2 or shape[-1] != self.in_features:
            k = self.in_features
            raise ValueError(
                f"{self._label()}: expected input with {k} features (shape (n, {k})), "
                f"got shape {x.shape}"
            )
        return self.activation(x @ self.weight + self.bias)

    def extra_repr(self) -> str:
        act = f", activation={self.activation_name}" if self.activation_name else ""
        return f"{self.in_features} → {self.out_features}{act}"


class Sequential(Module):
    """Layers applied one after another: ``Sequential(a, b, c)(x) = c(b(a(x)))``.

    Layers are modules, callables (``activations.relu``) or activation names (``"relu"``).
    Modules are registered under their position, so parameter names read ``0.weight``,
    ``2.bias``. Supports ``len``, iteration, ``model[i]`` and slices (a new ``Sequential``).
    """

    _layers: list[Callable[..., Any]]

    def __init__(self, *layers: Module | Callable[..., Any] | str) -> None:
        super().__init__()
        object.__setattr__(self, "_layers", [])
        for layer in layers:
            self.append(layer)

    def append(self, layer: Module | Callable[..., Any] | str) -> Sequential:
        """Add a layer at the end; returns ``self``."""
        if isinstance(layer, str) or layer is None:
            layer = get_activation(layer)
        elif not callable(layer):
            raise TypeError(f"Sequential: a layer must be callable, got {type(layer).__name__}")
        if isinstance(layer, Module):
            setattr(self, str(len(self._layers)), layer)
        self._layers.append(layer)
        return self

    def forward(self, x: Any) -> Any:
        for layer in self._layers:
            x = layer(x)
        return x

    def __len__(self) -> int:
        return len(self._layers)

    def __iter__(self) -> Iterator[Callable[..., Any]]:
        return iter(self._layers)

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return Sequential(*self._layers[index])
        return self._layers[index]

    def _child_reprs(self) -> list[tuple[str, str]]:
        return [
            (str(i), repr(layer) if isinstance(layer, Module) else _name_of(layer))
            for i, layer in enumerate(self._layers)
        ]
