"""``nn.Conv2d`` and ``nn.MaxPool2d`` on their own: hand-computed outputs and sizes, the
initialisation, state dicts and files, and the errors for bad settings and inputs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tinygrad_edu.losses import cross_entropy
from tinygrad_edu.nn import Conv2d, Dense, Flatten, MaxPool2d, Sequential
from tinygrad_edu.optim import Adam
from tinygrad_edu.train import fit, predict


def test_a_hand_computed_convolution_with_padding_and_stride() -> None:
    # x = 1…9 as a 3×3 image, one 2×2 filter [[1, 0], [0, −1]] (top-left minus bottom-right),
    # bias 0.5, padding 1, stride 2: windows start at rows/columns −1 and 1 of the image.
    conv = Conv2d(1, 1, 2, stride=2, padding=1, seed=0)
    assert conv.bias is not None
    np.copyto(conv.weight.data, [[[[1.0, 0.0], [0.0, -1.0]]]])
    np.copyto(conv.bias.data, [0.5])
    x = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    out = conv(x).data[0, 0]
    # window (−1,−1): 0 − 1;  (−1, 1): 0 − 3;  (1,−1): 0 − 7;  (1, 1): 5 − 9
    np.testing.assert_array_equal(out, [[-0.5, -2.5], [-6.5, -3.5]])


@pytest.mark.parametrize(
    ("h", "w", "kernel", "stride", "padding", "out"),
    [
        (8, 8, 3, 1, 0, (6, 6)),  # ⌊(8 − 3)/1⌋ + 1
        (8, 8, 3, 1, 1, (8, 8)),  # "same" for an odd kernel
        (7, 9, 3, 2, 0, (3, 4)),  # ⌊(7 − 3)/2⌋ + 1, ⌊(9 − 3)/2⌋ + 1
        (5, 6, (2, 3), (1, 3), (1, 0), (6, 2)),  # ⌊(5 + 2 − 2)/1⌋ + 1, ⌊(6 − 3)/3⌋ + 1
    ],
)
def test_output_size_is_floor_of_padded_size_minus_kernel_over_stride_plus_one(
    h: int, w: int, kernel: Any, stride: Any, padding: Any, out: tuple[int, int]
) -> None:
    conv = Conv2d(2, 3, kernel, stride, padding, seed=0)
    assert conv(np.zeros((4, 2, h, w))).shape == (4, 3, *out)


def test_max_pool_keeps_each_windows_largest_value_and_drops_leftover_rows() -> None:
    x = np.array([[[[1.0, 9.0, 2.0, 0.0, 7.0], [3.0, 4.0, 8.0, 6.0, 7.0], [5.0] * 5]]])
    np.testing.assert_array_equal(MaxPool2d(2)(x).data, [[[[9.0, 8.0]]]])  # row 3, column 5 left
    # 1×2 windows every 3 columns: columns (0, 1) and (3, 4) of each row
    rows = MaxPool2d((1, 2), stride=(1, 3))(x).data[0, 0]
    np.testing.assert_array_equal(rows, [[9.0, 7.0], [4.0, 7.0], [5.0, 5.0]])


def test_initial_values_are_pytorchs_uniform_bounds_and_repeat_with_the_seed() -> None:
    conv = Conv2d(3, 16, (3, 5), seed=7)
    bound = 1 / np.sqrt(3 * 3 * 5)  # 1/√fan_in
    assert conv.weight.shape == (16, 3, 3, 5) and conv.bias is not None
    assert conv.bias.shape == (16,)
    for values in (conv.weight.data, conv.bias.data):
        assert np.abs(values).max() <= bound
        assert np.abs(values).max() > 0.8 * bound  # spread over the range, not shrunk
    again = Conv2d(3, 16, (3, 5), seed=7)
    np.testing.assert_array_equal(again.weight.data, conv.weight.data)
    assert not np.array_equal(Conv2d(3, 16, (3, 5), seed=8).weight.data, conv.weight.data)
    assert Conv2d(1, 2, 3, dtype=np.float32).weight.dtype == np.float32
    assert Conv2d(1, 2, 3, bias=False).bias is None


def test_repr_shows_the_settings_as_pytorch_does() -> None:
    assert repr(Conv2d(1, 8, 3)) == "Conv2d(1, 8, kernel_size=(3, 3), stride=(1, 1))"
    assert repr(Conv2d(2, 4, (3, 5), stride=2, padding=(1, 2), bias=False)) == (
        "Conv2d(2, 4, kernel_size=(3, 5), stride=(2, 2), padding=(1, 2), bias=False)"
    )
    assert repr(MaxPool2d(2)) == "MaxPool2d(kernel_size=2, stride=2)"
    assert repr(MaxPool2d((2, 3), stride=1)) == "MaxPool2d(kernel_size=(2, 3), stride=1)"


def test_state_dict_save_and_load_carry_the_filters(tmp_path: Path) -> None:
    model = Sequential(Conv2d(1, 4, 3, seed=0), MaxPool2d(2), Flatten(), Conv2d(1, 2, 1, seed=1))
    state = model.state_dict()
    assert {k: v.shape for k, v in state.items()} == {
        "0.weight": (4, 1, 3, 3),
        "0.bias": (4,),
        "3.weight": (2, 1, 1, 1),
        "3.bias": (2,),
    }
    other = Sequential(Conv2d(1, 4, 3, seed=5), MaxPool2d(2), Flatten(), Conv2d(1, 2, 1, seed=6))
    model.save(tmp_path / "cnn.npz")
    other.load(tmp_path / "cnn.npz")
    for key, value in other.state_dict().items():
        np.testing.assert_array_equal(value, state[key])
    wrong = Sequential(Conv2d(1, 5, 3), MaxPool2d(2), Flatten(), Conv2d(1, 2, 1))
    with pytest.raises(ValueError, match=r"0\.weight"):
        wrong.load_state_dict(state)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Conv2d(0, 1, 3), "in_channels must be an int ≥ 1, got 0"),
        (lambda: Conv2d(1, 2.5, 3), "out_channels must be an int ≥ 1, got 2.5"),
        (lambda: Conv2d(1, 1, 0), "kernel_size must be an int ≥ 1 or a pair of them, got 0"),
        (lambda: Conv2d(1, 1, (3, 3, 3)), r"kernel_size must .* got \(3, 3, 3\)"),
        (lambda: Conv2d(1, 1, 3, stride=0), "stride must be an int ≥ 1 or a pair of them, got 0"),
        (lambda: Conv2d(1, 1, 3, padding=-1), "padding must be an int ≥ 0 or a pair of them"),
        (lambda: Conv2d(1, 1, 3, padding="same"), "padding must be an int ≥ 0 .* got 'same'"),
        (lambda: MaxPool2d(0), "MaxPool2d: kernel_size must be an int ≥ 1"),
        (lambda: MaxPool2d(2, stride=(1, 0)), r"MaxPool2d: stride must .* got \(1, 0\)"),
    ],
)
def test_bad_settings_are_refused_naming_the_setting_and_value(make: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()


def test_an_input_that_is_not_nchw_is_refused_naming_its_shape() -> None:
    conv = Conv2d(1, 2, 3)
    with pytest.raises(ValueError, match=r"expected a 4-D input \(N, C, H, W\) — NCHW.* \(8, 8\)"):
        conv(np.zeros((8, 8)))
    with pytest.raises(ValueError, match=r"4-D input .*NCHW.*got shape \(2, 8, 8\)"):
        MaxPool2d(2)(np.zeros((2, 8, 8)))


def test_a_wrong_channel_count_names_both_numbers() -> None:
    with pytest.raises(ValueError, match=r"expected 3 input channel\(s\).*got 1 .*\(2, 1, 8, 8\)"):
        Conv2d(3, 2, 3)(np.zeros((2, 1, 8, 8)))


def test_a_kernel_larger_than_the_padded_input_names_all_sizes() -> None:
    with pytest.raises(ValueError, match=r"kernel 5×5 is larger than the padded input 4×6 "):
        Conv2d(1, 1, 5, padding=(1, 0))(np.zeros((1, 1, 2, 6)))
    with pytest.raises(ValueError, match=r"kernel 3×3 is larger than the input 2×6"):
        MaxPool2d(3)(np.zeros((1, 1, 2, 6)))


def test_fit_trains_on_images_with_one_sample_per_row_of_the_first_axis() -> None:
    rng = np.random.default_rng(0)
    images = rng.normal(size=(20, 1, 5, 5))
    labels = (images[:, 0, :, :2].sum(axis=(1, 2)) > 0).astype(int)  # is the left side bright?
    model = Sequential(Conv2d(1, 2, 3, seed=0), Flatten(), Dense(2 * 3 * 3, 2, seed=1))
    optimizer = Adam(model.parameters(), lr=0.05)
    history = fit(model, images, labels, cross_entropy, optimizer, epochs=30, progress=False)
    assert len(history.loss) == 30 and history.loss[-1] < 0.5 * history.loss[0]
    assert predict(model, images).shape == (20, 2)
