"""Layers: Module bookkeeping, Dense, initialisers, Sequential, save/load, layer_call."""

from __future__ import annotations

import functools
import gc
import os
import pickle
import re
import weakref
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tinygrad_edu import Tensor, gradcheck, no_grad
from tinygrad_edu.activations import ACTIVATIONS, leaky_relu, tanh
from tinygrad_edu.losses import mse
from tinygrad_edu.nn import INITIALIZERS, Dense, Module, Sequential, layer_call, layer_calls


class TwoLayer(Module):
    """A model written the way a reader would: attributes, then forward."""

    def __init__(self) -> None:
        super().__init__()
        self.scale = Tensor([2.0], requires_grad=True)
        self.layers = Sequential(Dense(2, 3, activation="tanh", seed=0), Dense(3, 1, seed=1))

    def forward(self, x: Any) -> Tensor:
        out: Tensor = self.layers(x) * self.scale
        return out


# ------------------------------------------------------------------------- Module bookkeeping
def test_named_parameters_are_dotted_and_in_assignment_order() -> None:
    names = [name for name, _ in TwoLayer().named_parameters()]
    assert names == [
        "scale",
        "layers.0.weight",
        "layers.0.bias",
        "layers.1.weight",
        "layers.1.bias",
    ]


def test_parameters_are_the_registered_tensors_themselves() -> None:
    model = TwoLayer()
    first, second = model.layers[0], model.layers[1]
    expected = [model.scale, first.weight, first.bias, second.weight, second.bias]
    assert all(a is b for a, b in zip(model.parameters(), expected, strict=True))


def test_reassignment_keeps_the_place_and_other_values_unregister() -> None:
    class M(Module):
        def __init__(self) -> None:
            super().__init__()
            self.a = Tensor([1.0])
            self.b = Tensor([2.0])

    m = M()
    new_a = Tensor([3.0])
    m.a = new_a
    assert [n for n, _ in m.named_parameters()] == ["a", "b"] and m.parameters()[0] is new_a
    m.b = 5.0  # a plain number is not a parameter
    assert [n for n, _ in m.named_parameters()] == ["a"]
    del m.a
    assert m.parameters() == [] and not hasattr(m, "a")


def test_a_subclass_that_forgets_super_init_still_registers() -> None:
    class Bare(Module):
        def __init__(self) -> None:
            self.w = Tensor([1.0], requires_grad=True)

    assert [n for n, _ in Bare().named_parameters()] == ["w"]


def test_a_list_of_modules_is_refused_with_a_hint() -> None:
    class Listy(Module):
        def __init__(self) -> None:
            super().__init__()
            self.layers = [Dense(2, 2), Dense(2, 1)]

    with pytest.raises(TypeError, match=r"Listy.layers: a list of tensors or modules.*Sequential"):
        Listy()


def test_a_shared_parameter_is_listed_once() -> None:
    shared = Dense(2, 2, seed=0)
    model = Sequential(shared, Dense(2, 2, seed=1), shared)
    assert len(model.parameters()) == 4
    assert [n for n, _ in model.named_parameters()][:2] == ["0.weight", "0.bias"]


def test_zero_grad_clears_every_gradient() -> None:
    model = TwoLayer()
    model(np.ones((4, 2))).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_train_and_eval_set_the_flag_everywhere() -> None:
    model = TwoLayer()
    assert model.training and model.layers[0].training
    assert model.eval() is model
    assert not model.training and not model.layers.training and not model.layers[1].training
    model.train()
    assert model.training and model.layers[1].training


def test_a_module_without_forward_says_so() -> None:
    with pytest.raises(TypeError, match="Module without a forward"):
        Module()(1.0)


def test_repr_reads_like_pytorch() -> None:
    assert repr(TwoLayer()) == (
        "TwoLayer(\n"
        "  scale: (1,)\n"
        "  (layers): Sequential(\n"
        "    (0): Dense(2 → 3, activation=tanh)\n"
        "    (1): Dense(3 → 1)\n"
        "  )\n"
        ")"
    )
    with_function = Sequential(Dense(1, 1), "relu")
    assert repr(with_function) == "Sequential(\n  (0): Dense(1 → 1)\n  (1): relu\n)"
    slope = functools.partial(leaky_relu, negative_slope=0.2)  # its settings, not its address
    assert repr(Sequential(slope)) == "Sequential(\n  (0): leaky_relu(negative_slope=0.2)\n)"
    assert (
        repr(Dense(2, 1, activation=slope))
        == "Dense(2 → 1, activation=leaky_relu(negative_slope=0.2))"
    )


# ---------------------------------------------------------------------------------- Dense
def test_dense_forward_is_x_at_w_plus_b_by_hand() -> None:
    layer = Dense(2, 2, weight_init=np.array([[1.0, 2.0], [3.0, 4.0]]), bias_init=[0.5, -0.5])
    x = np.array([[1.0, 1.0], [2.0, 0.0]])
    # [1, 1] @ W = [4, 6], + b = [4.5, 5.5];  [2, 0] @ W = [2, 4], + b = [2.5, 3.5]
    np.testing.assert_array_equal(layer(x).data, [[4.5, 5.5], [2.5, 3.5]])
    np.testing.assert_array_equal(layer(Tensor([1.0, 1.0])).data, [4.5, 5.5])  # one sample


def test_dense_applies_its_activation() -> None:
    layer = Dense(2, 1, activation="sigmoid", weight_init="ones", bias_init="zeros")
    out = layer([[0.47, 1.0]])  # the notebook's neuron: σ(w1·age + w2·affordability + b)
    np.testing.assert_allclose(out.data, [[1 / (1 + np.exp(-1.47))]], rtol=1e-15)
    squared = Dense(1, 1, activation=lambda t: t * t, weight_init=2.0, bias_init=1.0)
    assert squared([[3.0]]).item() == 49.0


def test_dense_parameters_are_trainable_named_and_float64() -> None:
    layer = Dense(3, 2)
    assert layer.weight.shape == (3, 2) and layer.bias.shape == (2,)
    for p, name in ((layer.weight, "weight"), (layer.bias, "bias")):
        assert p.requires_grad and p.dtype == np.float64 and p.name == name


def test_dense_float32() -> None:
    layer = Dense(2, 1, dtype=np.float32, seed=0)
    assert layer.weight.dtype == np.float32 and layer.bias.dtype == np.float32
    assert layer(np.ones((3, 2))).dtype == np.float32  # float64 arrays are taken as float32


def test_wrong_feature_count_names_expected_and_received_shapes() -> None:
    message = "Dense(2 → 1): expected input with 2 features (shape (n, 2)), got shape (10, 3)"
    with pytest.raises(ValueError, match=re.escape(message)):
        Dense(2, 1)(np.ones((10, 3)))
    with pytest.raises(ValueError, match=re.escape("got shape (4, 2, 2)")):
        Dense(2, 1)(np.ones((4, 2, 2)))


@pytest.mark.parametrize(("n_in", "n_out"), [(0, 1), (2, -1), (2.5, 1), (True, 1)])
def test_dense_sizes_must_be_positive_ints(n_in: Any, n_out: Any) -> None:
    with pytest.raises(ValueError, match="must be an int ≥ 1"):
        Dense(n_in, n_out)


def test_dense_dtype_must_be_float() -> None:
    with pytest.raises(ValueError, match="dtype must be a float type, got int64"):
        Dense(2, 1, dtype=np.int64)


def test_unknown_activation_lists_the_valid_names() -> None:
    with pytest.raises(ValueError, match="unknown activation 'swish'") as info:
        Dense(2, 1, activation="swish")
    assert all(name in str(info.value) for name in ACTIVATIONS)


# ---------------------------------------------------------------------------- initialisers
def weights(init: str, n_in: int = 400, n_out: int = 300, seed: int = 0) -> np.ndarray:
    return Dense(n_in, n_out, weight_init=init, seed=seed).weight.data


def test_zeros_and_ones() -> None:
    assert (weights("zeros", 3, 2) == 0).all() and (weights("ones", 3, 2) == 1).all()
    assert (Dense(3, 2, bias_init="ones").bias.data == 1).all()


@pytest.mark.parametrize(
    ("init", "limit"),
    [
        ("uniform", 0.05),
        ("glorot_uniform", np.sqrt(6 / (400 + 300))),
        ("he_uniform", np.sqrt(6 / 400)),
    ],
)
def test_uniform_initialisers_fill_their_limits(init: str, limit: float) -> None:
    w = weights(init)
    assert np.abs(w).max() <= limit
    assert np.abs(w).max() > 0.999 * limit  # 120,000 draws reach the edge
    assert abs(w.std() - limit / np.sqrt(3)) < 0.01 * limit  # the std of U(−l, l) is l/√3
    assert abs(w.mean()) < 0.01 * limit


@pytest.mark.parametrize(
    ("init", "std", "truncated"),
    [
        ("normal", 0.05, False),
        ("glorot_normal", np.sqrt(2 / (400 + 300)), True),
        ("he_normal", np.sqrt(2 / 400), True),
    ],
)
def test_normal_initialisers_have_their_std(init: str, std: float, truncated: bool) -> None:
    w = weights(init)
    assert abs(w.std() - std) < 0.01 * std and abs(w.mean()) < 0.01 * std
    if truncated:  # cut at 2σ′ with σ′ = std / 0.8796…, as Keras does
        assert np.abs(w).max() <= 2 * std / 0.87962566103423978
    else:
        assert np.abs(w).max() > 3 * std


def test_seeds_make_initialisation_repeatable() -> None:
    for init in INITIALIZERS:
        np.testing.assert_array_equal(weights(init, 5, 4, seed=3), weights(init, 5, 4, seed=3))
    other_seed = weights("he_normal", 5, 4, seed=4)
    assert not np.array_equal(weights("he_normal", 5, 4, seed=3), other_seed)
    a = Dense(3, 2, weight_init="normal", seed=np.random.default_rng(7))
    np.testing.assert_array_equal(a.weight.data, weights("normal", 3, 2, seed=7))


def test_explicit_arrays_numbers_and_callables() -> None:
    layer = Dense(2, 1, weight_init=[[1.0], [2.0]], bias_init=0.5)
    np.testing.assert_array_equal(layer.weight.data, [[1.0], [2.0]])
    np.testing.assert_array_equal(layer.bias.data, [0.5])
    seen = []

    def custom(shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        seen.append(shape)
        return np.full(shape, 7.0)

    assert (Dense(3, 2, weight_init=custom, bias_init=custom).weight.data == 7).all()
    assert seen == [(3, 2), (2,)]


def test_wrong_shaped_initial_values_are_refused() -> None:
    with pytest.raises(ValueError, match=re.escape("initialiser gave shape (2,), expected (2, 1)")):
        Dense(2, 1, weight_init=[1.0, 2.0])
    with pytest.raises(ValueError, match=re.escape("bias_init: initialiser gave shape (3,)")):
        Dense(2, 1, bias_init=lambda shape, rng: np.zeros(3))


def test_unknown_initialiser_lists_the_valid_names() -> None:
    with pytest.raises(ValueError, match=r"Dense\(2 → 1\): weight_init: unknown .* 'xavier'") as e:
        Dense(2, 1, weight_init="xavier")
    assert all(name in str(e.value) for name in INITIALIZERS)


# ------------------------------------------------------------------------------ Sequential
def test_sequential_chains_indexes_and_slices() -> None:
    first, second = Dense(2, 3, seed=0), Dense(3, 1, seed=1)
    model = Sequential(first, "tanh", second)
    x = np.array([[0.5, -1.0], [2.0, 0.25]])
    by_hand = np.tanh(x @ first.weight.data + first.bias.data) @ second.weight.data
    np.testing.assert_allclose(model(x).data, by_hand + second.bias.data, rtol=1e-15)
    assert len(model) == 3 and model[0] is first and model[1] is tanh and model[-1] is second
    assert list(model) == [first, tanh, second]
    head = model[:2]
    assert isinstance(head, Sequential) and len(head) == 2 and head[0] is first
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_sequential_refuses_what_cannot_be_called() -> None:
    with pytest.raises(TypeError, match="a layer must be callable, got int"):
        Sequential(Dense(1, 1), 3)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------ save / load
def model_pair(dtype: Any = np.float64) -> tuple[Sequential, Sequential]:
    def make(seed: int) -> Sequential:
        return Sequential(
            Dense(2, 3, "tanh", "glorot_normal", "normal", seed=seed, dtype=dtype),
            Dense(3, 1, seed=seed + 1, dtype=dtype),
        )

    return make(0), make(10)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_save_load_round_trip_is_bit_exact(tmp_path: Path, dtype: Any) -> None:
    saved, other = model_pair(dtype)
    path = tmp_path / "model.npz"
    saved.save(path)
    assert other.load(str(path)) is other
    for (name, a), (_, b) in zip(saved.named_parameters(), other.named_parameters(), strict=True):
        assert a.dtype == b.dtype == dtype and a.data.tobytes() == b.data.tobytes(), name
    with np.load(path, allow_pickle=False) as archive:  # a plain .npz of the named parameters
        assert archive.files == ["0.weight", "0.bias", "1.weight", "1.bias"]


def test_save_writes_exactly_the_given_name_and_overwrites(tmp_path: Path) -> None:
    model, other = model_pair()
    path = tmp_path / "weights.bin"
    other.save(path)
    model.save(path)
    assert sorted(os.listdir(tmp_path)) == ["weights.bin"]  # no ".npz" added, no temp file left
    np.testing.assert_array_equal(other.load(path)[0].weight.data, model[0].weight.data)


def test_a_failed_save_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model, other = model_pair()
    path = tmp_path / "model.npz"
    model.save(path)
    before = path.read_bytes()

    def broken(*args: Any, **kwargs: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(np.lib.format, "write_array", broken)
    with pytest.raises(OSError, match="disk full"):
        other.save(path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["model.npz"]


def test_save_into_a_missing_folder_names_it(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no such folder"):
        Dense(1, 1).save(tmp_path / "nope" / "model.npz")


def test_missing_file_error_names_the_path(tmp_path: Path) -> None:
    path = tmp_path / "absent.npz"
    with pytest.raises(FileNotFoundError, match=re.escape(str(path))):
        Dense(1, 1).load(path)


def test_mismatched_shapes_are_refused_and_nothing_changes(tmp_path: Path) -> None:
    path = tmp_path / "small.npz"
    Sequential(Dense(2, 3), Dense(3, 1)).save(path)
    bigger = Sequential(Dense(2, 4, seed=0), Dense(4, 1, seed=0))
    before = [p.data.copy() for p in bigger.parameters()]
    message = (
        f"load: {str(path)!r}: parameter '0.weight' has shape (2, 3), dtype float64, "
        "but the model's has shape (2, 4), dtype float64"
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        bigger.load(path)
    for p, old in zip(bigger.parameters(), before, strict=True):
        np.testing.assert_array_equal(p.data, old)


def test_missing_and_unexpected_names_are_listed(tmp_path: Path) -> None:
    path = tmp_path / "two_layers.npz"
    Sequential(Dense(2, 3), Dense(3, 1)).save(path)
    with pytest.raises(ValueError) as info:
        Dense(2, 3).load(path)
    text = str(info.value)
    assert str(path) in text and "does not fit Dense" in text
    assert "missing ['weight', 'bias']" in text
    assert "unexpected ['0.weight', '0.bias', '1.weight', '1.bias']" in text


def test_another_dtype_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "f32.npz"
    Dense(2, 1, dtype=np.float32).save(path)
    with pytest.raises(
        ValueError, match=re.escape("parameter 'weight' has shape (2, 1), dtype float32")
    ):
        Dense(2, 1).load(path)


class WritesMarker:
    """Unpickling this would create a file: the proof that pickled data ran."""

    marker: Path = Path()

    def __reduce__(self) -> tuple[Any, tuple[Path, str]]:
        return (Path.write_text, (self.marker, "executed"))


def test_a_pickled_payload_is_refused_and_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "pwned.txt"
    WritesMarker.marker = marker
    payload = np.empty((2, 1), dtype=object)
    payload[0, 0] = WritesMarker()
    payload[1, 0] = 1.0
    path = tmp_path / "evil.npz"
    with zipfile.ZipFile(path, "w") as archive:
        with archive.open("weight.npy", "w") as f:
            np.save(f, payload, allow_pickle=True)
        with archive.open("bias.npy", "w") as f:
            np.save(f, np.zeros(1))
    with pytest.raises(ValueError, match=r"evil.npz'.*parameter 'weight' cannot be read"):
        Dense(2, 1).load(path)
    assert not marker.exists()

    raw = tmp_path / "evil.pkl"  # a bare pickle, not even an archive
    raw.write_bytes(pickle.dumps(WritesMarker()))
    with pytest.raises(ValueError, match="is not a saved model"):
        Dense(2, 1).load(raw)
    assert not marker.exists()


def test_a_single_array_file_is_not_a_model(tmp_path: Path) -> None:
    path = tmp_path / "array.npy"
    np.save(path, np.ones(3))
    with pytest.raises(ValueError, match="holds a single array"):
        Dense(2, 1).load(path)


# ------------------------------------------------------------------------------- layer_call
def test_layer_call_records_the_module_and_its_inputs() -> None:
    layer = Dense(2, 1, seed=0)
    x = Tensor(np.ones((3, 2)))
    out = layer(x)
    record = layer_call(out)
    assert record is not None and record[0] is layer
    assert len(record[1]) == 1 and record[1][0] is x
    assert layer_call(x) is None and layer_call(Tensor([1.0])) is None


def test_nested_calls_are_recorded_innermost_first() -> None:
    model = Sequential(Dense(2, 3, seed=0), Dense(3, 1, seed=1))
    x = Tensor(np.ones((2, 2)))
    out = model(x)
    calls = layer_calls(out)
    assert [c[0] for c in calls] == [model[1], model]
    hidden = calls[0][1][0]  # the last layer's input is the first layer's output
    first = layer_call(hidden)
    assert first is not None and first[0] is model[0] and first[1][0] is x


def test_nothing_is_recorded_without_a_graph() -> None:
    with no_grad():
        out = Dense(2, 1)(np.ones((1, 2)))
    assert layer_call(out) is None


def test_records_do_not_keep_tensors_alive() -> None:
    # The record lives on the output's graph node, so it goes when the graph goes.
    layer = Dense(2, 1)
    out = layer(np.ones((1, 2)))
    assert out.grad_fn is not None
    refs = [weakref.ref(out), weakref.ref(out.grad_fn)]
    del out
    gc.collect()
    assert [r() for r in refs] == [None, None]


# ------------------------------------------------------------------------------- end to end
def test_gradcheck_of_a_two_layer_mlp() -> None:
    model = Sequential(Dense(3, 4, activation="tanh", seed=0), Dense(4, 2, seed=1))
    rng = np.random.default_rng(5)
    X, y = rng.standard_normal((6, 3)), rng.standard_normal((6, 2))
    first, second = model[0], model[1]

    def loss(w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor) -> Tensor:
        first.weight, first.bias, second.weight, second.bias = w1, b1, w2, b2
        return mse(model(X), y)

    params = [p.data.copy() for p in model.parameters()]
    assert gradcheck(loss, *params, atol=1e-7, rtol=1e-6)


def test_dense_learns_a_line_with_fit() -> None:
    from tinygrad_edu.optim import BatchGD
    from tinygrad_edu.train import fit

    X = np.linspace(-1, 1, 20).reshape(-1, 1)
    y = 3 * X[:, 0] + 1  # targets (n,) against outputs (n, 1): the loss reshapes, no (n, n)
    model = Dense(1, 1, weight_init="zeros")
    history = fit(model, X, y, mse, BatchGD(model.parameters(), lr=0.5), epochs=300, progress=False)
    assert history.loss[-1] < 1e-12
    np.testing.assert_allclose([model.weight.item(), model.bias.item()], [3.0, 1.0], rtol=1e-6)
