"""Gradient flow: how large the gradient is at each layer, on every backward pass.

Backpropagation hands the gradient from the loss back through the layers, multiplying it at each
one by that layer's local derivatives. For layer ℓ of a stack ``a_ℓ = f(a_{ℓ−1} @ W_ℓ + b_ℓ)``::

    δ_ℓ = ∂L/∂z_ℓ = (δ_{ℓ+1} @ W_{ℓ+1}ᵀ) ⊙ f′(z_ℓ)
    ∂L/∂W_ℓ = a_{ℓ−1}ᵀ @ δ_ℓ,   ∂L/∂b_ℓ = Σ_rows δ_ℓ

so every layer between a weight and the loss contributes one factor f′ ⊙ Wᵀ. With the sigmoid,
f′ ≤ ¼: a few layers down the gradient is orders of magnitude smaller — it *vanishes* and the
early layers hardly learn. With ReLU, f′ is 1 wherever a unit is active, and the gradient keeps
its size. ``GradientFlowRecorder`` measures this while a model trains:

>>> from tinygrad_edu.nn import Dense, Sequential
>>> model = Sequential(Dense(1, 1, weight_init="ones"), Dense(1, 1, weight_init=2.0))
>>> recorder = GradientFlowRecorder(model)
>>> model([[3.0]]).sum().backward()     # L = 2·(3·1 + 0) + 0 = 6
>>> recorder.norms
{'0': [6.324555320336759], '1': [3.1622776601683795]}

By hand: layer 1 computes L = w₂·a + b₂ with a = 3, so ∂L/∂w₂ = 3, ∂L/∂b₂ = 1 and the norm is
√10; layer 0 gets δ = w₂ = 2, so ∂L/∂w₁ = 2·3, ∂L/∂b₁ = 2 and the norm is √40.

**How it records.** The recorder puts a hook (``Tensor.register_hook``) on every parameter. A hook
is told the gradient of *one* backward pass, ∂L/∂θ for that pass alone, before it is added into
``θ.grad``, so the numbers are right even when gradients accumulate over several passes. For each
pass and each layer it keeps the 2-norm of all that layer's gradients together (a Dense layer's
weight and bias)::

    ‖∂L/∂θ_ℓ‖ = √( Σ_{p ∈ layer ℓ} Σᵢ (∂L/∂pᵢ)² )

A pass is complete when one of the parameters is reached a second time (the next pass has begun),
when ``norms`` is read, or when an epoch of ``fit`` ends (pass the recorder in
``fit(..., callbacks=[recorder])``; ``epoch_ends`` then says which passes belong to which epoch).
A layer the pass did not reach counts 0. Layers are the modules that hold parameters, named as
in ``named_parameters()`` (``0.weight`` belongs to layer ``"0"``). ``remove()`` (or leaving a
``with`` block) takes the hooks away again.

``tinygrad_edu.viz.gradient_flow.plot_gradient_flow`` draws the records, layer by layer.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from .hooks import RemovableHandle
from .tensor import Tensor

__all__ = ["GradientFlowRecorder", "layer_groups"]


def layer_groups(model: Any) -> dict[str, list[Tensor]]:
    """The parameters of ``model`` by layer: ``{layer name: tensors}``, in ``named_parameters()``
    order (for a ``Sequential``, the input side first).

    ``model`` is a ``Module`` (a layer is the module that holds a parameter: ``0.weight`` and
    ``0.bias`` form layer ``"0"``), a mapping ``{name: tensors}``, or an iterable of tensors
    (each its own layer, named by its ``name`` or ``param<i>``).
    """
    if isinstance(model, Mapping):
        groups = {str(name): list(tensors) for name, tensors in model.items()}
    elif hasattr(model, "named_parameters"):
        groups = {}
        for name, p in model.named_parameters():
            layer = name.rsplit(".", 1)[0] if "." in name else name
            groups.setdefault(layer, []).append(p)
    elif isinstance(model, Iterable):
        groups = {(p.name or f"param{i}"): [p] for i, p in enumerate(model)}
    else:
        raise TypeError(
            "GradientFlowRecorder: expected a Module, a mapping {layer name: tensors} or an "
            f"iterable of tensors, got {type(model).__name__}"
        )
    for layer, tensors in groups.items():
        for p in tensors:
            if not isinstance(p, Tensor) or not p.requires_grad:
                what = type(p).__name__ if not isinstance(p, Tensor) else "a tensor without grad"
                raise ValueError(
                    f"GradientFlowRecorder: layer {layer!r} holds {what}; every parameter must "
                    "be a Tensor with requires_grad=True"
                )
    if not any(groups.values()):
        raise ValueError("GradientFlowRecorder: the model has no parameters to watch")
    return groups


class GradientFlowRecorder:
    """Records ‖∂L/∂θ_ℓ‖, the gradient norm of every layer ℓ, on every backward pass.

    ``norms`` maps each layer name (in ``layer_groups`` order) to one float per
    backward pass; ``epoch_ends[e]`` is how many passes had been recorded when epoch ``e + 1`` of
    ``fit`` ended. See the module docstring for how passes are told apart.
    """

    def __init__(self, model: Any) -> None:
        self.groups = layer_groups(model)
        self.layers = list(self.groups)
        self.epoch_ends: list[int] = []
        self._norms: dict[str, list[float]] = {layer: [] for layer in self.layers}
        self._pending: dict[str, float] = {}
        self._seen: set[int] = set()
        self._handles: list[RemovableHandle] = []
        for layer, tensors in self.groups.items():
            for p in tensors:
                self._handles.append(p.register_hook(self._hook(layer, p)))

    def _hook(self, layer: str, p: Tensor) -> Any:
        def record(grad: Any) -> None:
            if id(p) in self._seen:  # reached again: the previous pass is over
                self._close()
            self._seen.add(id(p))
            values = np.asarray(getattr(grad, "data", grad))
            self._pending[layer] = self._pending.get(layer, 0.0) + float(np.sum(values * values))

        return record

    def _close(self) -> None:
        """Turn the pass being collected (if any) into one record per layer."""
        if self._seen:
            for layer in self.layers:
                self._norms[layer].append(math.sqrt(self._pending.get(layer, 0.0)))
            self._pending.clear()
            self._seen.clear()

    @property
    def norms(self) -> dict[str, list[float]]:
        """``{layer: [‖∂L/∂θ_layer‖ of pass 1, pass 2, ...]}`` (a copy)."""
        self._close()
        return {layer: list(values) for layer, values in self._norms.items()}

    @property
    def passes(self) -> int:
        """How many backward passes have been recorded."""
        self._close()
        return len(self._norms[self.layers[0]])

    def __call__(self, epoch: int, history: Any) -> None:
        """The ``fit`` callback: close the epoch's last pass and mark where the epoch ended."""
        self._close()
        self.epoch_ends.append(len(self._norms[self.layers[0]]))

    def summary(self) -> str:
        """One line per layer: the gradient norm of the first pass, the last, and the median.

        The median over all passes is what ``plot_gradient_flow`` draws as its line.
        """
        norms = self.norms
        if not norms[self.layers[0]]:
            return "no backward pass recorded yet"
        width = max(len("layer"), *(len(name) for name in self.layers))
        lines = [f"{'layer':<{width}}  {'first':>10}  {'last':>10}  {'median':>10}"]
        for layer, values in norms.items():
            first, last, median = values[0], values[-1], float(np.median(values))
            lines.append(f"{layer:<{width}}  {first:>10.3g}  {last:>10.3g}  {median:>10.3g}")
        return "\n".join(lines)

    def remove(self) -> None:
        """Take every hook away (twice is harmless); what was recorded stays."""
        self._close()
        for handle in self._handles:
            handle.remove()
        self._handles.clear()

    def __enter__(self) -> GradientFlowRecorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()

    def __repr__(self) -> str:
        return f"GradientFlowRecorder(layers={self.layers}, passes={self.passes})"
