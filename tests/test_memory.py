"""Training does not leak: each step's graph is freed once its loss is dropped."""

from __future__ import annotations

import gc
import tracemalloc
import weakref

import numpy as np

from tinygrad_edu import Tensor
from tinygrad_edu.losses import mse
from tinygrad_edu.nn import Dense
from tinygrad_edu.optim import BatchGD


def test_nothing_of_the_graph_outlives_the_loss() -> None:
    layer = Dense(3, 1, seed=0)
    out = layer(np.ones((4, 3)))
    loss = mse(out, np.zeros(4))
    loss.backward()
    probes = [weakref.ref(out), weakref.ref(loss), weakref.ref(loss.grad_fn)]
    del out, loss
    gc.collect()
    assert [p() for p in probes] == [None, None, None]


def test_ten_thousand_steps_leave_memory_flat() -> None:
    rng = np.random.default_rng(0)
    X, y = Tensor(rng.random((20, 2))), Tensor(rng.random(20))
    model = Dense(2, 1, seed=0)
    opt = BatchGD(model.parameters(), lr=0.01)

    def steps(count: int) -> None:
        for _ in range(count):
            loss = mse(model(X), y)
            opt.zero_grad()
            loss.backward()
            opt.step()

    steps(100)  # warm caches (NumPy, the layer-call registry) before measuring
    gc.collect()
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        steps(10_000)
        gc.collect()
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # One step's graph is a few kilobytes; a leak of even one small object per step would add
    # hundreds of kilobytes over 10,000 steps. The bound allows for allocator noise only.
    assert after - before < 64 * 1024, f"memory grew by {after - before} bytes over 10,000 steps"
