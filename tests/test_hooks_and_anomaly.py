"""Tensor hooks, module forward hooks and detect_anomaly."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_edu import Tensor, detect_anomaly, is_anomaly_enabled


def test_a_hook_sees_the_gradient_and_can_replace_it() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * 3  # ∂L/∂h = 2h = [6, 12] for L = Σ h²
    seen: list[np.ndarray] = []
    h.register_hook(lambda g: seen.append(g.copy()))
    h.register_hook(lambda g: g * 0.5)  # halves what flows on
    (h * h).sum().backward()
    np.testing.assert_array_equal(seen[0], [6.0, 12.0])
    np.testing.assert_array_equal(x.grad, [9.0, 18.0])  # 3 · ½ · [6, 12]


def test_a_leaf_hook_runs_before_accumulation_and_can_be_removed() -> None:
    w = Tensor([1.0], requires_grad=True)
    handle = w.register_hook(lambda g: g + 100)
    (w * 2).sum().backward()
    assert w.grad[0] == 102.0
    handle.remove()
    handle.remove()  # twice is harmless
    (w * 2).sum().backward()
    assert w.grad[0] == 104.0


def test_removing_the_last_hook_leaves_a_plain_tensor() -> None:
    from tinygrad_edu import compile_step
    from tinygrad_edu.optim import BatchGD

    w = Tensor([1.0, 2.0], requires_grad=True)
    first, second = w.register_hook(lambda g: g), w.register_hook(lambda g: g)
    first.remove()
    assert w._hooks is not None  # one is left
    second.remove()
    assert w._hooks is None
    # ... so a compiled step that reads w replays instead of running eagerly for its hooks
    step = compile_step(lambda x: (w * x).sum(), BatchGD([w], lr=0.1))
    assert [step(np.array([3.0, 3.0])) for _ in range(3)] == pytest.approx([9.0, 7.2, 5.4])
    assert step.stats["replays"] == 2
    h = (w * 2).retain_grad()
    h.register_hook(lambda g: g).remove()
    assert h.retains_grad  # retain_grad is not a removable hook: it stays


def test_retain_grad_keeps_the_hooked_gradient() -> None:
    x = Tensor([1.0], requires_grad=True)
    h = x * 2
    h.retain_grad()
    h.register_hook(lambda g: g * 10)
    h.sum().backward()
    assert h.grad[0] == 10.0 and x.grad[0] == 20.0


def test_a_hook_returning_the_wrong_shape_is_named() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)

    def bad(g: np.ndarray) -> np.ndarray:
        return np.ones(3)

    x.register_hook(bad)
    with pytest.raises(ValueError, match=r"hook bad returned a gradient of shape \(3,\)"):
        (x * 1.0).sum().backward()


def test_a_hook_on_a_tensor_without_grad_is_refused() -> None:
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor([1.0]).register_hook(lambda g: None)


def test_hooks_run_during_grad_too_and_see_tensors_with_create_graph() -> None:
    from tinygrad_edu import grad

    x = Tensor(3.0, requires_grad=True)
    kinds: list[type] = []
    x.register_hook(lambda g: kinds.append(type(g)))
    grad(x * x, x)
    grad(x * x, x, create_graph=True)
    assert kinds == [np.ndarray, Tensor]


# --------------------------------------------------------------------------------- anomaly
def test_anomaly_mode_names_the_op_that_made_a_nan_in_forward() -> None:
    x = Tensor([1.0, np.inf], requires_grad=True, name="x")
    with (
        detect_anomaly(),
        np.errstate(invalid="ignore"),
        pytest.raises(FloatingPointError, match=r"Sub produced nan.*'x'"),
    ):
        _ = x - x  # inf − inf
    assert not is_anomaly_enabled()


def test_anomaly_mode_names_the_op_and_the_users_line_for_a_bad_gradient() -> None:
    x = Tensor([0.0, 4.0], requires_grad=True, name="x")
    with detect_anomaly(), np.errstate(divide="ignore"):
        y = x.sqrt()  # finite forward; ∂√x/∂x = 1/(2√x) is inf at 0
        with pytest.raises(FloatingPointError) as info:
            y.sum().backward()
    message = str(info.value)
    assert "Sqrt.backward returned inf" in message
    assert "test_hooks_and_anomaly.py" in message and "y = x.sqrt()" in message


def test_without_anomaly_mode_a_nan_passes_silently_as_in_numpy() -> None:
    x = Tensor([0.0], requires_grad=True)
    with np.errstate(divide="ignore"):
        x.sqrt().sum().backward()
    assert np.isinf(x.grad[0])
