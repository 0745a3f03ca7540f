"""pause_gc: an opt-in pause of the cyclic collector that restores exactly what it found."""

from __future__ import annotations

import gc
import threading
import weakref

import numpy as np

from tinygrad_edu import Tensor, pause_gc


def test_pause_gc_restores_an_enabled_collector_and_leaves_a_disabled_one_alone() -> None:
    assert gc.isenabled()
    with pause_gc():
        assert not gc.isenabled()
        with pause_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer block is still open
    assert gc.isenabled()
    gc.disable()
    try:
        with pause_gc():
            pass
        assert not gc.isenabled()  # it was off before: it stays off
    finally:
        gc.enable()


def test_two_threads_overlapping_leave_the_collector_enabled_only_after_both() -> None:
    inside, release = threading.Barrier(2), threading.Event()
    states: list[bool] = []

    def worker() -> None:
        with pause_gc():
            inside.wait(10)
            release.wait(10)

    thread = threading.Thread(target=worker)
    thread.start()
    with pause_gc():
        inside.wait(10)
    states.append(gc.isenabled())  # the worker is still inside: still paused
    release.set()
    thread.join()
    states.append(gc.isenabled())
    assert states == [False, True]


def test_a_graph_built_while_paused_is_freed_by_reference_counting() -> None:
    with pause_gc():
        x = Tensor(np.ones(3), requires_grad=True)
        y = x
        for _ in range(1000):
            y = y * 1.0001 + 0.0001
        probe = weakref.ref(y.grad_fn)
        y.sum().backward()
        del y
        assert probe() is None  # no cycle kept it: freed at once, with the collector off
