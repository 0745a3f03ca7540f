"""The scaling table: cost per op of a W6-style chain as the graph grows, with and without pause_gc.

``x = x * 1.0001 + 0.0001`` written out n/2 times (n ops), then ``x.sum().backward()``, then the
graph dropped: the time of all three, divided by n. Were the engine's cost per op constant, every
row would show the same number. Python's cyclic garbage collector makes it grow: it visits every
tracked object of the graph again at each full collection, and the longer the graph, the more of
it lies outside the CPU caches when it does. ``tinygrad_edu.pause_gc()`` is the opt-in that
pauses it (the graph holds no reference cycles, so reference counting alone frees it).

Each size is timed ``repeats`` times per mode, interleaved (NumPy, default, paused, NumPy, …);
the table keeps the fastest run (the least disturbed by the rest of the machine). The gradient
of every run is checked against hand-written NumPy's, and the number of collections of each
generation during the default run is recorded: full ones (generation 2) are what grows.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from tinygrad_edu import Tensor, pause_gc

#: graph sizes (ops) of a full run, and the one the others are compared with.
FULL_SIZES = (1_000, 20_000, 100_000, 1_000_000)
QUICK_SIZES = (1_000, 4_000)
REFERENCE_OPS = 20_000
MODES = ("numpy", "default", "pause_gc")
X0 = np.linspace(0.5, 2.0, 4)


def _numpy_chain(n_ops: int) -> np.ndarray:
    x = X0.copy()
    for _ in range(n_ops // 2):
        x *= 1.0001
        x += 0.0001
    g = np.ones_like(x)  # ∂x'/∂x = 1.0001 per statement
    for _ in range(n_ops // 2):
        g *= 1.0001
    return g


def _tensor_chain(n_ops: int) -> np.ndarray:
    x = x_in = Tensor(X0, requires_grad=True)
    for _ in range(n_ops // 2):
        x = x * 1.0001 + 0.0001
    x.sum().backward()
    del x  # the graph is freed inside the timed region, as in W6
    assert x_in.grad is not None
    return x_in.grad


def _paused_chain(n_ops: int) -> np.ndarray:
    with pause_gc():
        return _tensor_chain(n_ops)


RUNNERS: dict[str, Callable[[int], np.ndarray]] = {
    "numpy": _numpy_chain,
    "default": _tensor_chain,
    "pause_gc": _paused_chain,
}


class _Collections:
    """Counts the cyclic collector's collections per generation while it is installed."""

    def __init__(self) -> None:
        self.counts = [0, 0, 0]

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self.counts[info["generation"]] += 1


def _time(mode: str, n_ops: int) -> tuple[float, np.ndarray, list[int]]:
    gc.collect()  # each run starts from the same collector state
    counter = _Collections()
    gc.callbacks.append(counter)
    try:
        t0 = time.perf_counter()
        grad = RUNNERS[mode](n_ops)
        seconds = time.perf_counter() - t0
    finally:
        gc.callbacks.remove(counter)
    return seconds, grad, counter.counts


def scaling(sizes: tuple[int, ...], repeats: int) -> dict[str, Any]:
    """Time every size in every mode; the record that results.json and the tables show."""
    rows = []
    for n_ops in sizes:
        best = dict.fromkeys(MODES, float("inf"))
        collections: list[int] = []
        expected = _numpy_chain(n_ops)
        runs = 1 if n_ops >= 500_000 else repeats  # one run of a million ops takes seconds
        for _ in range(runs):
            for mode in MODES:
                seconds, grad, counts = _time(mode, n_ops)
                if not np.allclose(grad, expected, rtol=1e-11, atol=0.0):
                    raise AssertionError(f"scaling: {mode} at {n_ops} ops: wrong gradient {grad}")
                best[mode] = min(best[mode], seconds)
                if mode == "default":
                    collections = counts
        row: dict[str, Any] = {"ops": n_ops, "runs": runs, "collections_default": collections}
        for mode in MODES:
            row[f"{mode}_per_op_s"] = best[mode] / n_ops
        for mode in MODES[1:]:
            row[f"{mode}_ratio"] = best[mode] / best["numpy"]
        rows.append(row)
        print(
            f"scaling {n_ops:>9,} ops: NumPy {row['numpy_per_op_s'] * 1e9:.0f} ns/op, "
            f"tinygrad_edu {row['default_per_op_s'] * 1e9:.0f} ns/op, "
            f"with pause_gc {row['pause_gc_per_op_s'] * 1e9:.0f} ns/op",
            flush=True,
        )
    reference = next((r for r in rows if r["ops"] == REFERENCE_OPS), rows[min(1, len(rows) - 1)])
    for row in rows:
        for mode in MODES:
            row[f"{mode}_vs_reference"] = row[f"{mode}_per_op_s"] / reference[f"{mode}_per_op_s"]
    return {
        "reference_ops": reference["ops"],
        "method": (
            "x = x * 1.0001 + 0.0001 written out n/2 times (n ops) on a 4-element float64 array, "
            "then x.sum().backward(), then the graph dropped; fastest of the runs, interleaved"
        ),
        "rows": rows,
    }


def markdown(record: dict[str, Any]) -> list[str]:
    """The scaling table as Markdown lines (used in results.md and in the docs tables)."""
    ref = record["reference_ops"]
    lines = [
        f"| ops in the chain | NumPy per op | tinygrad_edu per op | ÷ at {ref:,} "
        f"| with `pause_gc()` per op | ÷ at {ref:,} | full collections (default) |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in record["rows"]:
        lines.append(
            f"| {row['ops']:,} | {row['numpy_per_op_s'] * 1e9:.0f} ns "
            f"| {row['default_per_op_s'] * 1e9:.0f} ns ({row['default_ratio']:.2f}×) "
            f"| {row['default_vs_reference']:.2f} "
            f"| {row['pause_gc_per_op_s'] * 1e9:.0f} ns ({row['pause_gc_ratio']:.2f}×) "
            f"| {row['pause_gc_vs_reference']:.2f} | {row['collections_default'][2]} |"
        )
    return lines
