"""Module forward hooks and pre-hooks: PyTorch's contract, checked on hand-computed layers."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tinygrad_edu import Tensor
from tinygrad_edu.nn import Dense, Module, Sequential


def _identity_dense() -> Dense:
    """Dense(2, 2) with weight I and bias 0: output = input, easy to reason about."""
    layer = Dense(2, 2, seed=0)
    layer.weight.data[...] = np.eye(2)
    layer.bias.data[...] = 0.0
    return layer


def test_forward_hook_sees_module_args_and_output() -> None:
    layer, seen = _identity_dense(), []
    x = Tensor([[1.0, 2.0]])

    def hook(module: Module, args: tuple[Any, ...], out: Tensor) -> None:
        seen.append((module, args, out.data.tolist()))

    layer.register_forward_hook(hook)
    layer(x)
    assert len(seen) == 1
    module, args, out = seen[0]
    assert module is layer and args == (x,) and out == [[1.0, 2.0]]


def test_forward_hook_result_replaces_the_output_and_gradients_follow_it() -> None:
    layer = _identity_dense()
    layer.register_forward_hook(lambda m, args, out: out * 3.0)
    x = Tensor([[1.0, 2.0]])
    y = layer(x)
    assert y.data.tolist() == [[3.0, 6.0]]
    y.sum().backward()
    # d/dW of sum(3 (x W + b)) = 3 xᵀ 1: [[3, 3], [6, 6]]; d/db = [3, 3]
    assert layer.weight.grad is not None and layer.bias.grad is not None
    assert layer.weight.grad.tolist() == [[3.0, 3.0], [6.0, 6.0]]
    assert layer.bias.grad.tolist() == [3.0, 3.0]


def test_pre_hook_replaces_the_arguments_and_a_lone_value_is_a_one_tuple() -> None:
    layer, seen = _identity_dense(), []
    layer.register_forward_pre_hook(lambda m, args: args[0] * 10.0)
    layer.register_forward_hook(lambda m, args, out: seen.append(args[0].data.tolist()))
    assert layer(Tensor([[1.0, 2.0]])).data.tolist() == [[10.0, 20.0]]
    assert seen == [[[10.0, 20.0]]]  # the forward hook sees the replaced arguments


def test_hooks_run_in_registration_order_each_seeing_the_last_result() -> None:
    layer = _identity_dense()
    layer.register_forward_hook(lambda m, args, out: out + 1.0)
    layer.register_forward_hook(lambda m, args, out: out * 2.0)
    assert layer(Tensor([[1.0, 2.0]])).data.tolist() == [[4.0, 6.0]]  # (x + 1) · 2


def test_remove_and_with_block_take_the_hook_away() -> None:
    layer, calls = _identity_dense(), []
    handle = layer.register_forward_hook(lambda m, args, out: calls.append("a"))
    with layer.register_forward_pre_hook(lambda m, args: calls.append("pre")):
        layer(Tensor([[1.0, 2.0]]))
    handle.remove()
    handle.remove()  # a second remove is harmless
    layer(Tensor([[1.0, 2.0]]))
    assert calls == ["pre", "a"]


def test_hooks_on_a_layer_inside_sequential_record_each_activation_shape() -> None:
    model = Sequential(Dense(4, 3, activation="relu", seed=1), Dense(3, 1, seed=2))
    shapes: list[tuple[str, tuple[int, ...]]] = []
    for name, module in model.named_modules():
        if name:
            module.register_forward_hook(
                lambda m, args, out, name=name: shapes.append((name, out.shape))
            )
    model(Tensor(np.ones((5, 4))))
    assert shapes == [("0", (5, 3)), ("1", (5, 1))]


def test_a_hook_that_is_not_callable_is_refused_by_name() -> None:
    with pytest.raises(TypeError, match="register_forward_hook: expected a function, got int"):
        _identity_dense().register_forward_hook(3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="register_forward_pre_hook: expected a function"):
        _identity_dense().register_forward_pre_hook("f")  # type: ignore[arg-type]


def test_hooks_leave_the_state_dict_alone() -> None:
    layer = _identity_dense()
    layer.register_forward_hook(lambda m, args, out: None)
    assert list(layer.state_dict()) == ["weight", "bias"]
