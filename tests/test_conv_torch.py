"""``nn.Conv2d`` and ``nn.MaxPool2d`` against PyTorch (float64): outputs, input and weight
gradients, ties in pooling, a training run step for step, and ``to_torch`` / ``from_torch``.
Skipped without PyTorch."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_edu import Tensor
from tinygrad_edu.activations import relu
from tinygrad_edu.interop import from_torch, to_torch
from tinygrad_edu.losses import cross_entropy
from tinygrad_edu.nn import Conv2d, Dense, Flatten, MaxPool2d, Sequential
from tinygrad_edu.optim import StochasticGD

torch = pytest.importorskip("torch")


def torch_conv(layer: Conv2d) -> Any:
    """A torch Conv2d with ``layer``'s settings and weights, built here (not by to_torch)."""
    conv = torch.nn.Conv2d(
        layer.in_channels,
        layer.out_channels,
        layer.kernel_size,
        stride=layer.stride,
        padding=layer.padding,
        bias=layer.bias is not None,
        dtype=torch.float64,
    )
    with torch.no_grad():
        conv.weight.copy_(torch.from_numpy(layer.weight.data))
        if layer.bias is not None:
            conv.bias.copy_(torch.from_numpy(layer.bias.data))
    return conv


@st.composite
def conv_cases(draw: st.DrawFn) -> tuple[Conv2d, np.ndarray]:
    """A layer (kernel, stride, padding as ints or pairs; with or without bias) and an input
    it fits."""
    c_in, c_out = draw(st.integers(1, 3)), draw(st.integers(1, 4))
    kernel = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    stride = draw(st.one_of(st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3))))
    padding = draw(st.one_of(st.integers(0, 2), st.tuples(st.integers(0, 2), st.integers(0, 2))))
    pads = (padding, padding) if isinstance(padding, int) else padding
    h = draw(st.integers(max(1, kernel[0] - 2 * pads[0]), 9))
    w = draw(st.integers(max(1, kernel[1] - 2 * pads[1]), 9))
    layer = Conv2d(
        c_in,
        c_out,
        kernel,
        stride,
        padding,
        bias=draw(st.booleans()),
        seed=draw(st.integers(0, 2**16)),
    )
    x = np.random.default_rng(draw(st.integers(0, 2**16))).normal(
        size=(draw(st.integers(1, 3)), c_in, h, w)
    )
    return layer, x


@settings(max_examples=40, deadline=None)
@given(conv_cases())
def test_conv2d_output_and_all_gradients_match_pytorch(case: tuple[Conv2d, np.ndarray]) -> None:
    layer, x = case
    theirs = torch_conv(layer)
    xt = Tensor(x, requires_grad=True)
    out = layer(xt)
    x_torch = torch.tensor(x, requires_grad=True)
    out_torch = theirs(x_torch)
    np.testing.assert_allclose(out.data, out_torch.detach().numpy(), rtol=1e-12, atol=1e-12)
    upstream = np.random.default_rng(1).normal(size=out.shape)  # not all ones: a weighted sum
    (out * Tensor(upstream)).sum().backward()
    out_torch.backward(torch.from_numpy(upstream))
    pairs = [(xt, x_torch), (layer.weight, theirs.weight)]
    if layer.bias is not None:
        pairs.append((layer.bias, theirs.bias))
    for ours, ref in pairs:
        assert ours.grad is not None and ours.grad.shape == tuple(ref.shape)
        np.testing.assert_allclose(ours.grad, ref.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    ("kernel", "stride", "shape"),
    [
        (2, None, (2, 3, 6, 6)),
        (3, 2, (1, 2, 7, 5)),
        ((2, 3), (1, 2), (2, 1, 5, 8)),
        (3, 1, (1, 1, 4, 4)),
    ],
)
def test_max_pool_output_and_input_gradient_match_pytorch(
    kernel: Any, stride: Any, shape: tuple[int, ...]
) -> None:
    x = np.random.default_rng(0).normal(size=shape)
    pool = MaxPool2d(kernel, stride)
    xt = Tensor(x, requires_grad=True)
    out = pool(xt)
    x_torch = torch.tensor(x, requires_grad=True)
    out_torch = torch.nn.MaxPool2d(kernel, stride)(x_torch)
    np.testing.assert_array_equal(out.data, out_torch.detach().numpy())
    upstream = np.random.default_rng(1).normal(size=out.shape)
    (out * Tensor(upstream)).sum().backward()
    out_torch.backward(torch.from_numpy(upstream))
    assert xt.grad is not None
    np.testing.assert_allclose(xt.grad, x_torch.grad.numpy(), rtol=1e-12, atol=0)


def test_max_pool_ties_send_the_gradient_to_the_first_maximum_in_reading_order() -> None:
    # One 2×2 window of equal values, and one where the two maxima sit on the second row:
    # the whole gradient goes to the first of the tied elements, row by row, as in PyTorch.
    x = np.array([[[[1.0, 1.0, 0.0, 2.0], [1.0, 1.0, 2.0, 2.0]]]])
    xt = Tensor(x, requires_grad=True)
    MaxPool2d(2)(xt).sum().backward()
    expected = np.array([[[[1.0, 0.0, 0.0, 1.0], [0.0, 0.0, 0.0, 0.0]]]])
    np.testing.assert_array_equal(xt.grad, expected)
    x_torch = torch.tensor(x, requires_grad=True)
    torch.nn.MaxPool2d(2)(x_torch).sum().backward()
    np.testing.assert_array_equal(x_torch.grad.numpy(), expected)


def test_overlapping_pool_windows_add_up_at_a_shared_maximum() -> None:
    # A 3×3 input whose centre is the maximum of all four overlapping 2×2 windows (stride 1).
    x = np.zeros((1, 1, 3, 3))
    x[0, 0, 1, 1] = 5.0
    xt = Tensor(x, requires_grad=True)
    MaxPool2d(2, stride=1)(xt).sum().backward()
    assert xt.grad is not None
    assert xt.grad[0, 0, 1, 1] == 4.0 and xt.grad.sum() == 4.0


def small_cnn(seed: int) -> Sequential:
    return Sequential(
        Conv2d(1, 4, 3, padding=1, seed=seed),
        relu,
        MaxPool2d(2),
        Conv2d(4, 6, (2, 3), stride=(1, 2), seed=seed + 1),
        relu,
        Flatten(),
        Dense(6 * 3 * 1, 5, seed=seed + 2),
    )


def test_training_with_sgd_equals_pytorch_step_for_step() -> None:
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(12, 1, 8, 8)), rng.integers(0, 5, size=12)
    ours = small_cnn(seed=0)
    theirs = to_torch(ours)
    opt = StochasticGD(ours.parameters(), lr=0.05)
    opt_torch = torch.optim.SGD(theirs.parameters(), lr=0.05)
    yt = torch.from_numpy(y)
    for step in range(6):
        batch = slice(2 * step, 2 * step + 2)
        loss = cross_entropy(ours(X[batch]), y[batch])
        opt.zero_grad()
        loss.backward()
        opt.step()
        loss_torch = torch.nn.functional.cross_entropy(
            theirs(torch.from_numpy(X[batch])), yt[batch]
        )
        opt_torch.zero_grad()
        loss_torch.backward()
        opt_torch.step()
        assert loss.item() == pytest.approx(loss_torch.item(), rel=1e-12)
        for (name, p), (_, q) in zip(
            ours.named_parameters(), theirs.named_parameters(), strict=True
        ):
            want = q.detach().numpy()
            want = want.T if name.startswith("6.weight") else want  # Linear keeps (out, in)
            np.testing.assert_allclose(p.data, want, rtol=1e-12, atol=1e-14, err_msg=name)


def test_to_torch_and_back_keeps_settings_weights_and_outputs() -> None:
    model = small_cnn(seed=4)
    x = np.random.default_rng(5).normal(size=(3, 1, 8, 8))
    theirs = to_torch(model)
    conv = theirs[0]
    assert type(conv) is torch.nn.Conv2d and conv.padding == (1, 1) and conv.stride == (1, 1)
    assert theirs[3].stride == (1, 2) and theirs[3].kernel_size == (2, 3)
    assert type(theirs[2]) is torch.nn.MaxPool2d and theirs[2].kernel_size == 2
    out_torch = theirs(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(model(x).data, out_torch, rtol=1e-12, atol=1e-12)
    back = from_torch(theirs)
    assert repr(back) == repr(model)
    for (name, p), (_, q) in zip(
        model.state_dict().items(), back.state_dict().items(), strict=True
    ):
        np.testing.assert_array_equal(p, q, err_msg=name)
    np.testing.assert_array_equal(back(x).data, model(x).data)


def test_from_torch_reads_valid_and_same_padding_and_a_conv_without_bias() -> None:
    same = from_torch(
        torch.nn.Conv2d(2, 3, (3, 5), padding="same", bias=False, dtype=torch.float64)
    )
    assert isinstance(same, Conv2d) and same.padding == (1, 2) and same.bias is None
    valid = from_torch(torch.nn.Conv2d(2, 3, 3, padding="valid"))
    assert isinstance(valid, Conv2d) and valid.padding == (0, 0)
    assert valid.weight.dtype == np.float32  # torch's default dtype is kept


@pytest.mark.parametrize(
    ("module", "named"),
    [
        (lambda: torch.nn.Conv2d(1, 2, 3, dilation=2), "dilation=(2, 2)"),
        (lambda: torch.nn.Conv2d(2, 2, 3, groups=2), "groups=2"),
        (
            lambda: torch.nn.Conv2d(1, 2, 3, padding=1, padding_mode="reflect"),
            "padding_mode='reflect'",
        ),
        (lambda: torch.nn.Conv2d(1, 2, 4, padding="same"), "even kernel (4, 4)"),
        (lambda: torch.nn.MaxPool2d(2, ceil_mode=True), "ceil_mode=True"),
        (lambda: torch.nn.MaxPool2d(3, padding=1), "padding=(1, 1)"),
        (lambda: torch.nn.MaxPool2d(2, dilation=2), "dilation=(2, 2)"),
    ],
)
def test_from_torch_refuses_settings_it_cannot_represent_naming_them(
    module: Any, named: str
) -> None:
    with pytest.raises(TypeError, match=r"from_torch: .*") as err:
        from_torch(torch.nn.Sequential(module()))
    assert named in str(err.value)
