"""Where tinygrad_edu spends its time: cProfile of the framework's side of chosen workloads."""

from __future__ import annotations

import cProfile
import io
import pstats

from bench_harness import Workload

#: profile rows kept per workload.
TOP = 15


def profile_framework(wl: Workload, top: int = TOP) -> str:
    """The ``top`` functions by own time (tottime) over one run of tinygrad_edu on ``wl``."""
    impl = next(i for i in wl.impls if i.name == "tinygrad_edu")
    go = impl.prepare()
    profiler = cProfile.Profile()
    profiler.runcall(go)
    buf = io.StringIO()
    stats = pstats.Stats(profiler, stream=buf)
    stats.strip_dirs().sort_stats("tottime").print_stats(top)
    text = buf.getvalue()
    # Keep the table: from the header row on (the preamble names this machine's paths).
    start = text.find("   ncalls")
    head = f"{wl.key} {wl.title}: {stats.total_tt:.3f} s under the profiler\n"  # type: ignore[attr-defined]
    return head + (text[start:] if start >= 0 else text)
