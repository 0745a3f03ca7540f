"""Grad mode is per thread and re-entrant: no_grad, enable_grad, set_grad_enabled.

Threads are coordinated with events and barriers, never sleeps.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np

from tinygrad_edu import Tensor, enable_grad, is_grad_enabled, no_grad, set_grad_enabled


def _in_thread(target: Callable[[], None]) -> threading.Thread:
    thread = threading.Thread(target=target)
    thread.start()
    return thread


def test_another_threads_no_grad_does_not_stop_this_thread_recording() -> None:
    entered, done = threading.Event(), threading.Event()

    def background_predict() -> None:
        with no_grad():
            entered.set()
            done.wait(10)

    thread = _in_thread(background_predict)
    assert entered.wait(10)
    w = Tensor(1.0, requires_grad=True)
    u = 3 * (2 * w) + w  # ∂u/∂w = 7
    u.backward()
    done.set()
    thread.join()
    assert w.grad == 7.0


def test_interleaved_no_grad_in_two_threads_leaves_recording_on_for_both() -> None:
    # A enters, B enters, A leaves, B leaves: with one process-wide flag, A's exit restored
    # "on" too early and B's exit restored A's "off" for everyone.
    barrier = threading.Barrier(2)
    b_entered, a_left = threading.Event(), threading.Event()
    after: dict[str, bool] = {}

    def a() -> None:
        barrier.wait(10)
        with no_grad():
            b_entered.wait(10)
        a_left.set()
        after["a"] = is_grad_enabled()

    def b() -> None:
        barrier.wait(10)
        with no_grad():
            b_entered.set()
            a_left.wait(10)
            after["b_inside"] = is_grad_enabled()
        after["b"] = is_grad_enabled()

    threads = [_in_thread(a), _in_thread(b)]
    for t in threads:
        t.join()
    assert after == {"a": True, "b_inside": False, "b": True}
    assert is_grad_enabled()


def test_a_recursive_no_grad_function_restores_recording() -> None:
    @no_grad()
    def depth(n: int) -> bool:
        return is_grad_enabled() if n == 0 else depth(n - 1)

    assert depth(3) is False
    assert is_grad_enabled()


def test_one_no_grad_object_entered_twice_restores_each_level() -> None:
    context = no_grad()
    with context:
        with enable_grad():
            with context:
                assert not is_grad_enabled()
            assert is_grad_enabled()  # back to what the inner entry found
        assert not is_grad_enabled()
    assert is_grad_enabled()


def test_set_grad_enabled_as_a_call_and_as_a_block() -> None:
    with set_grad_enabled(False):
        assert not is_grad_enabled()
        y = Tensor([1.0], requires_grad=True) * 2
    assert is_grad_enabled() and y.grad_fn is None
    set_grad_enabled(False)
    try:
        assert not is_grad_enabled()
    finally:
        set_grad_enabled(True)
    assert is_grad_enabled()


def test_an_exception_inside_no_grad_still_restores_recording() -> None:
    try:
        with no_grad():
            raise KeyError("boom")
    except KeyError:
        pass
    assert is_grad_enabled()
    w = Tensor(np.ones(2), requires_grad=True)
    assert (w * 2).grad_fn is not None
