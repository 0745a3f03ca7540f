"""The gradient-flow recorder: per-layer gradient norms, worked out by hand on tiny models."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tinygrad_edu import Tensor, grad
from tinygrad_edu.diagnostics import GradientFlowRecorder, layer_groups
from tinygrad_edu.losses import mse
from tinygrad_edu.nn import Dense, Module, Sequential
from tinygrad_edu.optim import BatchGD, MiniBatchGD
from tinygrad_edu.train import fit


def relu_pair() -> Sequential:
    """x ↦ relu(x @ W₁ + b₁) @ W₂ + b₂ with W₁ = [[1, −1], [0, 2]], b₁ = 0, W₂ = [3, ½]ᵀ, b₂ = 1."""
    return Sequential(
        Dense(2, 2, activation="relu", weight_init=np.array([[1.0, -1.0], [0.0, 2.0]])),
        Dense(2, 1, weight_init=np.array([[3.0], [0.5]]), bias_init=1.0),
    )


# For x = [1, 1]: z₁ = [1, 1] (both units active), a₁ = [1, 1], L = 3 + ½ + 1 = 4.5.
# Layer 1: ∂L/∂W₂ = a₁ᵀ = [1, 1]ᵀ, ∂L/∂b₂ = 1                      → ‖·‖² = 1 + 1 + 1 = 3.
# Layer 0: δ₁ = W₂ᵀ ⊙ relu′(z₁) = [3, ½];  ∂L/∂W₁ = xᵀδ₁ = [[3, ½], [3, ½]], ∂L/∂b₁ = [3, ½]
#                                                                  → ‖·‖² = 3 · (9 + ¼) = 27.75.
LAYER_0, LAYER_1 = math.sqrt(27.75), math.sqrt(3.0)


def test_norms_per_layer_are_the_hand_computed_ones() -> None:
    model = relu_pair()
    recorder = GradientFlowRecorder(model)
    loss = model(Tensor([[1.0, 1.0]])).sum()
    assert loss.item() == 4.5
    loss.backward()
    assert recorder.layers == ["0", "1"]
    assert recorder.norms == {"0": [pytest.approx(LAYER_0)], "1": [pytest.approx(LAYER_1)]}


def test_each_pass_is_recorded_on_its_own_even_when_grads_accumulate() -> None:
    model = relu_pair()
    recorder = GradientFlowRecorder(model)
    for _ in range(3):  # no zero_grad: .grad triples, the per-pass norms do not
        model(Tensor([[1.0, 1.0]])).sum().backward()
    assert recorder.passes == 3
    assert recorder.norms["0"] == pytest.approx([LAYER_0] * 3)
    assert model[1].bias.grad is not None and model[1].bias.grad[0] == 3.0


def test_a_layer_the_pass_does_not_reach_counts_zero() -> None:
    a, b = Tensor([3.0, 4.0], requires_grad=True), Tensor([1.0], requires_grad=True)
    recorder = GradientFlowRecorder({"used": [a], "unused": [b]})
    (a * a).sum().backward()  # ∂/∂a = 2a = [6, 8]: norm 10
    assert recorder.norms == {"used": [10.0], "unused": [0.0]}


def test_fit_marks_where_each_epoch_ends_and_the_first_norm_is_by_hand() -> None:
    model = Sequential(Dense(1, 1, weight_init=0.0))
    X, y = np.array([[1.0], [2.0]]), np.array([[3.0], [6.0]])
    recorder = GradientFlowRecorder(model)
    opt = BatchGD(model.parameters(), lr=0.01)
    fit(model, X, y, loss=mse, optimizer=opt, epochs=3, progress=False, callbacks=[recorder])
    # At w = b = 0: ∂L/∂w = mean(2(0 − y)·x) = (−6 − 24)/2 = −15, ∂L/∂b = (−6 − 12)/2 = −9.
    assert recorder.norms["0"][0] == pytest.approx(math.sqrt(15**2 + 9**2))
    assert recorder.epoch_ends == [1, 2, 3]

    minibatch = GradientFlowRecorder(model)
    X4, y4 = np.ones((4, 1)), np.ones((4, 1))
    opt = MiniBatchGD(model.parameters(), lr=0.01, batch_size=2)
    fit(model, X4, y4, loss=mse, optimizer=opt, epochs=2, progress=False, callbacks=[minibatch])
    assert minibatch.epoch_ends == [2, 4]  # two updates, so two backward passes, per epoch


def test_gradients_of_a_create_graph_pass_are_recorded_too() -> None:
    w = Tensor([3.0, 4.0], requires_grad=True, name="w")
    recorder = GradientFlowRecorder([w])
    (g,) = grad((w * w).sum(), w, create_graph=True)  # the hook is given a Tensor: 2w
    assert recorder.norms == {"w": [10.0]}
    np.testing.assert_array_equal(g.data, [6.0, 8.0])


def test_remove_stops_recording_and_keeps_what_was_recorded() -> None:
    model = relu_pair()
    with GradientFlowRecorder(model) as recorder:
        model(Tensor([[1.0, 1.0]])).sum().backward()
    model(Tensor([[1.0, 1.0]])).sum().backward()
    recorder.remove()  # twice is harmless
    assert recorder.passes == 1


def test_summary_lists_first_last_and_median_per_layer() -> None:
    a = Tensor([1.0], requires_grad=True)
    recorder = GradientFlowRecorder({"a": [a]})
    assert recorder.summary() == "no backward pass recorded yet"
    for k in (1.0, 3.0, 2.0):
        (a * k).sum().backward()  # ∂/∂a = k
    assert recorder.summary().splitlines() == [
        "layer       first        last      median",
        "a               1           2           2",
    ]


def test_layers_of_a_nested_model_are_named_by_their_module_path() -> None:
    class Net(Module):
        def __init__(self) -> None:
            super().__init__()
            self.body = Sequential(Dense(2, 3, seed=0), Dense(3, 1, seed=1))
            self.scale = Tensor([1.0], requires_grad=True)

        def forward(self, x: Tensor) -> Tensor:
            return self.body(x) * self.scale

    groups = layer_groups(Net())
    assert list(groups) == ["scale", "body.0", "body.1"]  # named_parameters() order
    assert [len(ts) for ts in groups.values()] == [1, 2, 2]


def test_bad_models_are_named() -> None:
    with pytest.raises(ValueError, match="no parameters to watch"):
        GradientFlowRecorder(Sequential("relu"))
    with pytest.raises(ValueError, match=r"layer 'x' holds a tensor without grad"):
        GradientFlowRecorder({"x": [Tensor([1.0])]})
    with pytest.raises(ValueError, match=r"layer 'x' holds float"):
        GradientFlowRecorder({"x": [1.0]})
    with pytest.raises(TypeError, match=r"expected a Module.*got int"):
        GradientFlowRecorder(3)
