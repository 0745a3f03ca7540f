"""Typed constants in a compiled program: ``1 - h3`` as ``one - h3``, only where the bits stay.

Hand cases show which numbers are rewritten and which are left alone (an int array, an operand
whose dtype the code does not say, a name that may change dtype in a branch, a number the dtype
cannot hold); a property test evaluates each rewritten line beside the original on random arrays;
the compiled steps of float32 models are checked against eager.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinygrad_edu import Tensor, compile_step
from tinygrad_edu.compile.constants import typed_constants
from tinygrad_edu.losses import binary_cross_entropy
from tinygrad_edu.nn import Dense
from tinygrad_edu.optim import BatchGD

F64, F32 = np.dtype(np.float64), np.dtype(np.float32)


def _typed(line: str, **dtypes: Any) -> tuple[str, dict[str, Any]]:
    env: dict[str, Any] = {"np": np}
    (out,) = typed_constants([line], {k: np.dtype(v) for k, v in dtypes.items()}, env)
    return out, env


def test_a_number_beside_a_float64_array_becomes_a_read_only_0d_array() -> None:
    line, env = _typed("    y = 1 - x * x  # the comment stays", x=F64)
    assert line == "    y = one - x * x  # the comment stays"
    assert env["one"].shape == () and env["one"].dtype == F64 and env["one"] == 1.0
    assert not env["one"].flags.writeable


def test_the_constant_takes_the_arrays_dtype_as_numpy_would() -> None:
    assert _typed("    y = 0.5 * x", x=F32)[0] == "    y = half_float32 * x"
    assert _typed("    m = x >= 0", x=F64)[0] == "    m = x >= zero"
    assert _typed("    y = 2 / np.exp(x)", x=F32)[0] == "    y = two_float32 / np.exp(x)"


def test_numbers_numpy_would_not_turn_into_the_arrays_dtype_are_left_alone() -> None:
    assert _typed("    y = 1 - x", x=np.int64)[0] == "    y = 1 - x"  # (an int array)
    assert _typed("    y = 1 - f(x)", x=F64)[0] == "    y = 1 - f(x)"  # (f's dtype: unknown)
    assert _typed("    y = 1e300 * x", x=F32)[0] == "    y = 1e300 * x"  # (float32 overflows)
    assert _typed("    y = x ** 2", x=F64)[0] == "    y = x ** 2"  # (power has its own paths)


def test_a_name_that_may_change_dtype_in_a_branch_is_unknown_after_it() -> None:
    lines = [
        "    z = x * 1",
        "    if x.size > 3:",
        "        z = x.astype(float32)",
        "    y = 2 * z",
    ]
    env: dict[str, Any] = {"np": np, "float32": F32}
    out = typed_constants(lines, {"x": F64}, env)
    assert out == [
        "    z = x * one",
        "    if x.size > 3:",
        "        z = x.astype(float32)",
        "    y = 2 * z",
    ]


def test_a_cast_says_its_dtype_with_or_without_copy() -> None:
    # A loss's targets: ``yb.reshape(...).astype(float64, copy=False)`` is float64 either way.
    env: dict[str, Any] = {"np": np, "float64": F64}
    lines = ["    h = yb.reshape((3, 1)).astype(float64, copy=False)", "    q = 1 - h"]
    assert typed_constants(lines, {"yb": np.dtype(np.int64)}, env)[1] == "    q = one - h"
    env = {"np": np, "float64": F64}  # any other keyword may change what is made: unknown
    lines = ["    h = np.add(yb, 1, dtype=float64)", "    q = 1 - h"]
    assert typed_constants(lines, {"yb": np.dtype(np.int64)}, env)[1] == "    q = 1 - h"


def test_a_block_header_is_rewritten_in_place() -> None:
    line, _ = _typed("    if (p0 > 0).all():", p0=F64)
    assert line == "    if (p0 > zero).all():"


def test_a_name_already_taken_by_another_value_is_not_reused() -> None:
    env: dict[str, Any] = {"np": np, "one": np.ones(())}  # (writeable: not a constant)
    (line,) = typed_constants(["    y = 1 - x"], {"x": F64}, env)
    assert line == "    y = one_2 - x" and env["one_2"] is not env["one"]


_ops = st.sampled_from(["{c} - x", "x * {c}", "{c} / x", "x + {c}", "x >= {c}", "{c} < -x"])
_numbers = st.one_of(
    st.integers(-5, 5), st.floats(-1e3, 1e3, allow_nan=False).filter(lambda v: v != 0)
)


@given(
    op=_ops,
    number=_numbers,
    dtype=st.sampled_from([F64, F32]),
    data=st.data(),
)
def test_a_rewritten_line_gives_the_same_bits_as_the_original(
    op: str, number: float, dtype: np.dtype[Any], data: st.DataObject
) -> None:
    x = data.draw(
        hnp.arrays(
            dtype, hnp.array_shapes(max_dims=2, max_side=3), elements=st.floats(-10, 10, width=32)
        )
    )
    source = "    y = " + op.format(c=repr(number))
    env: dict[str, Any] = {"np": np}
    (rewritten,) = typed_constants([source], {"x": dtype}, env)
    assert rewritten != source  # (every one of these sites is typed)
    with np.errstate(all="ignore"):
        want, got = (
            eval(source.split(" = ", 1)[1], {"x": x}),
            eval(rewritten.split(" = ", 1)[1], {**env, "x": x}),
        )
    assert want.dtype == got.dtype and want.tobytes() == got.tobytes()


def test_a_float32_model_compiles_to_the_eager_bits() -> None:
    X = np.linspace(-2, 2, 20, dtype=np.float32).reshape(10, 2)
    y = (X[:, 0] > 0).astype(np.float32)
    model = Dense(2, 1, activation="sigmoid", dtype=np.float32, seed=0)
    step = compile_step(
        lambda xb, yb: binary_cross_entropy(model(xb), yb),
        BatchGD(model.parameters(), lr=0.5),
        check=4,
    )
    for _ in range(4):  # a trace, then three replays, each beside the eager step
        step(X, y)
    assert step.stats["replays"] == 3
    assert "one_float32 - h3" in step.code and "lr_as_float32(optimizer.lr)" in step.code
    assert model.weight.dtype == np.float32


def test_a_learning_rate_changed_between_steps_is_read_again() -> None:
    w = Tensor([1.0, 2.0], requires_grad=True)
    opt = BatchGD([w], lr=0.5)
    step = compile_step(lambda: (w * w).sum(), opt)
    step()  # w ← w − 0.5·2w = 0
    opt.lr = 0.25
    w.data[...] = [1.0, 2.0]
    step()  # the replay: w ← w − 0.25·2w = w/2
    np.testing.assert_array_equal(w.data, [0.5, 1.0])
