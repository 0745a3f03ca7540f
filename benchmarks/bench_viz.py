"""How the pictures scale: ``to_dot``, ``trace_backward``, ``trace.chain`` and the animation's
frames on chains of growing size. Linear work shows as a flat time per node.

    python benchmarks/bench_viz.py            # chains of 1,000, 10,000 and 100,000 nodes
    python benchmarks/bench_viz.py --quick    # 200 and 2,000 nodes (a few seconds)

Each chain is ``x · 1.0001 · 1.0001 ⋯`` (every op has its constant, so n/3 ops make n nodes
with the constants drawn). The animation builds the DOT documents of its frames (no Graphviz),
on a chain whose backward pass has ``MAX_FRAMES - 1`` steps, with ``max_nodes=None``.
Times are the best of three runs; nothing is asserted.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from typing import Any

from tinygrad_edu import Tensor
from tinygrad_edu.viz import animate_backward, to_dot, trace_backward
from tinygrad_edu.viz.animate import MAX_FRAMES


def chain(nodes: int) -> tuple[Tensor, Tensor]:
    """A chain of about ``nodes`` picture nodes: value, op and constant per multiplication."""
    x = Tensor(1.0, requires_grad=True, name="x")
    y = x
    for _ in range(max(nodes // 3, 1)):
        y = y * 1.0001
    return y, x


def best(fn: Callable[[], Any], repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def at_size(n: int) -> list[tuple[str, int, float]]:
    """The picture and trace timings on a chain of ``n`` nodes."""
    y, x = chain(n)
    trace = trace_backward(y)
    return [
        ("to_dot(max_nodes=None)", n, best(lambda: to_dot(y, max_nodes=None))),
        ("to_dot(trace=…, max_nodes=None)", n,
         best(lambda: to_dot(y, trace=trace, max_nodes=None))),
        ("trace_backward", n, best(lambda: trace_backward(y))),
        ("str(trace)", n, best(lambda: str(trace))),
        ("trace.chain(x)", n, best(lambda: trace.chain(x))),
    ]  # fmt: skip


def rows(sizes: Sequence[int]) -> list[tuple[str, int, float]]:
    found = [row for n in sizes for row in at_size(n)]
    y, _ = chain(3 * (MAX_FRAMES - 1))
    trace = trace_backward(y)
    frames = best(lambda: animate_backward(trace, max_nodes=None), repeats=1)
    found.append((f"animation, {MAX_FRAMES} frames (per frame)", 3 * (MAX_FRAMES - 1),
                  frames / MAX_FRAMES))  # fmt: skip
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes only")
    args = parser.parse_args(argv)
    sizes = (200, 2_000) if args.quick else (1_000, 10_000, 100_000)
    print(f"{'what':<36} {'nodes':>8} {'seconds':>9} {'µs per node':>12}")
    for what, n, seconds in rows(sizes):
        print(f"{what:<36} {n:>8,} {seconds:>9.4f} {1e6 * seconds / n:>12.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
