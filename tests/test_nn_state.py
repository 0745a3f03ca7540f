"""A model's state: buffers beside parameters, extra state, ``state_dict`` / ``load_state_dict``
and the ``.npz`` files of ``save`` / ``load`` holding all of them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tinygrad_edu import Tensor
from tinygrad_edu.nn import BatchNorm1d, Dense, Dropout, Module, Sequential
from tinygrad_edu.serialization import save_arrays


class Counter(Module):
    """A layer that counts its calls in a buffer and keeps a scratch buffer it does not save."""

    def __init__(self) -> None:
        super().__init__()
        self.scale = Tensor([2.0], requires_grad=True)
        self.register_buffer("calls", Tensor(np.zeros(1)))
        self.register_buffer("scratch", Tensor(np.zeros(3)), persistent=False)

    def forward(self, x: Any) -> Tensor:
        self.calls.data += 1
        out: Tensor = Tensor(x) * self.scale
        return out


def net(seed: int = 0) -> Sequential:
    return Sequential(
        Dense(3, 4, seed=seed),
        BatchNorm1d(4),
        "relu",
        Dropout(0.5, seed=seed),
        Dense(4, 2, seed=seed + 1),
    )


# --------------------------------------------------------------------------------- buffers
def test_a_buffer_is_state_but_not_a_parameter() -> None:
    layer = Counter()
    assert layer.parameters() == [layer.scale]
    assert [n for n, _ in layer.named_buffers()] == ["calls", "scratch"]
    assert list(layer.state_dict()) == ["scale", "calls"]  # the scratch buffer is not saved
    layer(np.ones(2))
    assert layer.state_dict()["calls"].tolist() == [1.0]


def test_assigning_to_a_buffer_replaces_the_buffer() -> None:
    layer = Counter()
    layer.calls = Tensor([7.0])
    assert layer.parameters() == [layer.scale] and layer.buffers()[0] is layer.calls
    layer.calls = None  # type: ignore[assignment]
    assert list(layer.state_dict()) == ["scale"]
    message = "Counter.calls is a buffer: assign a Tensor or None, not int"
    with pytest.raises(TypeError, match=re.escape(message)):
        layer.calls = 3  # type: ignore[assignment]


def test_register_buffer_refuses_bad_names_and_values() -> None:
    layer = Counter()
    with pytest.raises(KeyError, match="'scale' is already taken"):
        layer.register_buffer("scale", Tensor([0.0]))
    with pytest.raises(
        ValueError,
        match=re.escape("a buffer's name must be a non-empty str without '.', got 'a.b'"),
    ):
        layer.register_buffer("a.b", Tensor([0.0]))
    message = "register_buffer('extra'): expected a Tensor or None, got ndarray"
    with pytest.raises(TypeError, match=re.escape(message)):
        layer.register_buffer("extra", np.zeros(2))  # type: ignore[arg-type]


def test_state_dict_order_is_module_by_module_parameters_buffers_extra_state() -> None:
    assert list(net().state_dict()) == [
        "0.weight",
        "0.bias",
        "1.weight",
        "1.bias",
        "1.running_mean",
        "1.running_var",
        "1.num_batches_tracked",
        "3._extra_state",
        "4.weight",
        "4.bias",
    ]


def test_state_dict_holds_copies() -> None:
    model = net()
    state = model.state_dict()
    model(np.ones((5, 3)))  # a training step moves the running mean
    assert not np.array_equal(state["1.running_mean"], model[1].running_mean.data)
    np.testing.assert_array_equal(state["1.running_mean"], np.zeros(4))


# ------------------------------------------------------------------------- loading and files
def trained(model: Sequential, steps: int = 3) -> Sequential:
    rng = np.random.default_rng(9)
    for _ in range(steps):
        model(rng.normal(size=(6, 3)))
    return model


def same_state(a: Module, b: Module) -> None:
    sa, sb = a.state_dict(), b.state_dict()
    assert list(sa) == list(sb)
    for name in sa:
        assert sa[name].dtype == sb[name].dtype and sa[name].tobytes() == sb[name].tobytes(), name


def test_save_and_load_carry_buffers_and_the_dropout_generator(tmp_path: Path) -> None:
    model, copy = trained(net(0)), net(5)
    path = tmp_path / "model.npz"
    model.save(path)
    with np.load(path, allow_pickle=False) as archive:
        assert archive.files == list(model.state_dict())
    same_state(copy.load(path), model)
    x = np.random.default_rng(1).normal(size=(6, 3))
    np.testing.assert_array_equal(copy(x).data, model(x).data)  # same masks, same statistics
    np.testing.assert_array_equal(copy.eval()(x).data, model.eval()(x).data)


def test_load_state_dict_copies_in_place_and_returns_the_model() -> None:
    model, copy = trained(net(0)), net(5)
    before = copy[1].running_var
    assert copy.load_state_dict(model.state_dict()) is copy
    assert copy[1].running_var is before  # the same buffer, new values
    same_state(copy, model)


def test_a_missing_or_unexpected_buffer_is_named_and_nothing_changes() -> None:
    model = net()
    state = trained(net(3)).state_dict()
    del state["1.running_var"]
    state["1.running_std"] = np.ones(4)
    before = model.state_dict()
    with pytest.raises(ValueError) as info:
        model.load_state_dict(state)
    assert str(info.value) == (
        "state dict does not fit Sequential: "
        "missing ['1.running_var'], unexpected ['1.running_std']"
    )
    same_state(model, net().load_state_dict(before))


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        (
            "1.running_mean",
            np.zeros(5),
            "buffer '1.running_mean' has shape (5,), dtype float64, but the model's has shape (4,)",
        ),
        (
            "1.num_batches_tracked",
            np.array(2.0),
            "buffer '1.num_batches_tracked' has shape (), dtype float64, "
            "but the model's has shape (), dtype int64",
        ),
        (
            "3._extra_state",
            np.zeros(6),
            "extra state '3._extra_state' has shape (6,), dtype float64, "
            "but the model's has shape (6,), dtype uint64",
        ),
    ],
)
def test_a_buffer_of_the_wrong_shape_or_dtype_is_named(
    tmp_path: Path, name: str, value: np.ndarray, message: str
) -> None:
    model = net()
    state = model.state_dict()
    state[name] = value
    with pytest.raises(ValueError, match=re.escape(message)):
        model.load_state_dict(state)
    path = tmp_path / "bad.npz"
    save_arrays(state.items(), path)
    with pytest.raises(ValueError, match=re.escape(f"load: {str(path)!r}: {message}")):
        model.load(path)
