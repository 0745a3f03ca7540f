"""``to_torch`` / ``from_torch``: same weights, same outputs (1e-12, float64) in train and eval
mode, same gradients, round trips; unsupported layers named. Skipped without PyTorch."""

from __future__ import annotations

import functools
import re
import sys
from typing import Any

import numpy as np
import pytest

from tinygrad_edu import Tensor
from tinygrad_edu.activations import leaky_relu, softmax
from tinygrad_edu.interop import from_torch, to_torch
from tinygrad_edu.losses import mse
from tinygrad_edu.nn import BatchNorm1d, Dense, Dropout, Flatten, Module, Sequential

torch = pytest.importorskip("torch")
X = np.random.default_rng(0).normal(size=(16, 6))


def network(dropout: float = 0.25) -> Sequential:
    return Sequential(
        Dense(6, 8, activation="tanh", seed=0),
        BatchNorm1d(8),
        Dropout(dropout, seed=0),
        Dense(8, 8, activation=functools.partial(leaky_relu, negative_slope=0.2), seed=1),
        "relu",
        Dense(8, 4, seed=2),
        "sigmoid",
        BatchNorm1d(4, momentum=None, affine=False),
        Dense(4, 3, seed=3),
        functools.partial(softmax, axis=1),
    )


def trained(model: Sequential) -> Sequential:
    """Move the running statistics away from 0 and 1 (three training passes)."""
    for k in range(3):
        model(X + k)
    return model


def ours_and_theirs(x: np.ndarray, ours: Module, theirs: Any) -> tuple[np.ndarray, np.ndarray]:
    return ours(x).data, theirs(torch.tensor(x)).detach().numpy()


def test_to_torch_builds_the_layers_in_order() -> None:
    theirs = to_torch(network())
    nn = torch.nn
    kinds = [nn.Linear, nn.Tanh, nn.BatchNorm1d, nn.Dropout, nn.Linear, nn.LeakyReLU, nn.ReLU]
    kinds += [nn.Linear, nn.Sigmoid, nn.BatchNorm1d, nn.Linear, nn.Softmax]
    assert [type(m) for m in theirs] == kinds
    assert theirs[5].negative_slope == 0.2 and theirs[11].dim == 1 and theirs[3].p == 0.25
    assert theirs[9].momentum is None and theirs[9].weight is None
    assert all(p.dtype == torch.float64 for p in theirs.parameters())


def test_outputs_agree_in_eval_mode_after_training_the_statistics() -> None:
    ours = trained(network())
    theirs = to_torch(ours.eval())
    assert not theirs.training and not any(m.training for m in theirs)
    a, b = ours_and_theirs(X[:5], ours, theirs)
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)


def test_outputs_and_gradients_agree_in_train_mode() -> None:
    ours = trained(network(dropout=0.0))
    theirs = to_torch(ours)
    assert theirs.training
    out, tout = ours(X), theirs(torch.tensor(X))
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=0, atol=1e-12)
    target = np.random.default_rng(1).random((16, 3))
    mse(out, target).backward()
    torch.nn.functional.mse_loss(tout, torch.tensor(target)).backward()
    linear = [m for m in theirs if isinstance(m, torch.nn.Linear)]
    dense = [layer for layer in ours if isinstance(layer, Dense)]
    for d, lin in zip(dense, linear, strict=True):
        np.testing.assert_allclose(d.weight.grad, lin.weight.grad.numpy().T, atol=1e-12)
        np.testing.assert_allclose(d.bias.grad, lin.bias.grad.numpy(), atol=1e-12)
    # One training pass moved the running statistics of both the same way.
    for a, b in zip(ours.buffers(), theirs.buffers(), strict=True):
        np.testing.assert_allclose(a.data, b.numpy(), rtol=0, atol=1e-12)


def test_dropout_in_train_mode_zeroes_and_scales_the_same_way_with_other_masks() -> None:
    ours, theirs = Dropout(0.4, seed=0), to_torch(Dropout(0.4, seed=0))
    x = np.random.default_rng(2).normal(size=2000) + 5.0  # never 0 itself
    a, b = ours_and_theirs(x, ours, theirs)
    for out in (a, b):  # each element is 0 or x/(1 − p)
        assert np.all((out == 0) | np.isclose(out, x / 0.6, rtol=1e-15))
        assert abs((out == 0).mean() - 0.4) < 0.05
    assert not np.array_equal(a == 0, b == 0)  # two generators: different masks


def test_from_torch_of_a_model_built_in_pytorch() -> None:
    torch.manual_seed(0)
    nn = torch.nn
    theirs = nn.Sequential(
        nn.Flatten(),
        nn.Linear(6, 5),
        nn.ReLU(),
        nn.BatchNorm1d(5),
        nn.Dropout(0.1),
        nn.Linear(5, 2),
        nn.LogSoftmax(dim=1),
    ).double()
    for k in range(3):  # running statistics
        theirs(torch.tensor(X.reshape(16, 2, 3) + k))
    ours = from_torch(theirs)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert isinstance(ours, Sequential) and isinstance(ours[1], Dense) and ours[6] is not softmax
    ours.eval()
    theirs.eval()
    a, b = ours_and_theirs(X.reshape(16, 2, 3), ours, theirs)
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_round_trip_keeps_every_number_dtype_and_mode(dtype: Any) -> None:
    ours = trained(
        Sequential(Dense(6, 4, "relu", seed=0, dtype=dtype), BatchNorm1d(4, dtype=dtype), Flatten())
    )
    ours[1].eval()  # a mixed-mode model: one layer in eval
    back = from_torch(to_torch(ours))
    assert [m.training for m in back if isinstance(m, Module)] == [True, False, True]
    # The Dense's relu becomes a layer of its own at 1, so the batch norm moves from 1 to 2.
    renamed = {"0.weight": "0.weight", "0.bias": "0.bias"}
    stats = ("weight", "bias", "running_mean", "running_var", "num_batches_tracked")
    renamed.update({f"1.{k}": f"2.{k}" for k in stats})
    again = back.state_dict()
    for name, value in ours.state_dict().items():
        got = again[renamed[name]]
        assert got.dtype == value.dtype and got.tobytes() == value.tobytes(), name
    assert back(X).dtype == dtype
    np.testing.assert_array_equal(back(X).data, ours(X).data)  # the same numbers, bit for bit


def test_a_round_trip_computes_the_same_bits_on_a_digits_sized_layer() -> None:
    # A transposed view of torch's weight would be Fortran-ordered, and NumPy's matmul rounds
    # differently on that layout for some shapes, such as this (64, 10) one.
    ours = Dense(64, 10, seed=0)
    back = from_torch(to_torch(ours))
    x = np.random.default_rng(3).normal(size=(50, 64))
    np.testing.assert_array_equal(back(x).data, ours(x).data)


def test_a_single_layer_becomes_its_module() -> None:
    assert isinstance(to_torch(Dense(3, 2)), torch.nn.Linear)
    pair = to_torch(Dense(3, 2, activation="tanh"))
    assert [type(m) for m in pair] == [torch.nn.Linear, torch.nn.Tanh]
    relu = from_torch(torch.nn.ReLU())
    assert isinstance(relu, Sequential) and len(relu) == 1
    np.testing.assert_array_equal(relu(np.array([-1.0, 2.0])).data, [0.0, 2.0])


def test_weights_are_copied_not_shared() -> None:
    ours = Dense(2, 2, seed=0)
    theirs = to_torch(ours)
    with torch.no_grad():
        theirs.weight.zero_()
    assert ours.weight.data.any()
    back = from_torch(theirs)
    back.weight.data[:] = 5.0
    assert not theirs.weight.any()


# ------------------------------------------------------------------------------- bad input
class Twice(Module):
    def forward(self, x: Any) -> Tensor:
        out: Tensor = Tensor(x) * 2.0
        return out


def test_an_unsupported_layer_of_ours_is_named_with_its_place() -> None:
    message = (
        "to_torch: Twice (at '1') has no PyTorch counterpart here; supported: Sequential, Dense"
    )
    with pytest.raises(TypeError, match=re.escape(message)):
        to_torch(Sequential(Dense(2, 2), Twice()))
    with pytest.raises(TypeError, match=re.escape("to_torch: Twice (the model itself)")):
        to_torch(Twice())
    with pytest.raises(TypeError, match=re.escape("the function '<lambda>' (at '0.1')")):
        to_torch(Sequential(Sequential(Dense(2, 2), lambda t: t * 3)))
    with pytest.raises(TypeError, match=re.escape("(a Dense's activation) has no PyTorch")):
        to_torch(Dense(2, 2, activation=functools.partial(softmax, dim=0)))


def test_an_unsupported_torch_layer_is_named_with_its_place() -> None:
    nn = torch.nn
    message = "from_torch: torch.nn.GELU (at '1.0') is not supported; supported torch.nn layers:"
    with pytest.raises(TypeError, match=re.escape(message)):
        from_torch(nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.GELU())))
    with pytest.raises(TypeError, match="has no bias, and Dense always has one"):
        from_torch(nn.Linear(2, 2, bias=False))
    with pytest.raises(
        TypeError, match=re.escape("Softmax(dim=None) (the model itself) has no dim")
    ):
        from_torch(nn.Softmax())
    with pytest.raises(TypeError, match=re.escape("expected a torch.nn.Module, got Dense")):
        from_torch(Dense(2, 2))


def test_without_pytorch_the_error_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(ImportError, match=re.escape("pip install torch==2.13.0")):
        to_torch(Dense(2, 2))
