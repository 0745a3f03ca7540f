"""The timing harness: implementations of one workload, checked for equality, timed interleaved.

An ``Impl`` is one way of doing a workload (hand-written NumPy, tinygrad_edu, PyTorch,
micrograd). ``prepare()`` builds fresh state (parameters, graphs, optimizers) outside the timer
and returns the timed callable ``go``; ``go()`` does the work and returns a ``Result``: named
arrays (final weights, gradients, the last loss) that must match the NumPy reference.

``run_workload`` first runs every implementation once and compares its result with NumPy's
(this is also the warm-up), then times the survivors round-robin — A, B, C, A, B, C, … — so a
burst of machine noise lands on all of them rather than on whichever happened to run then.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

Result = Mapping[str, Any]
Go = Callable[[], Result]

#: the implementation every other one is checked against and divided by.
REFERENCE = "numpy"
#: the frameworks compared, in report order.
FRAMEWORKS = ("numpy", "tinygrad_edu", "tinygrad_edu compiled", "pytorch", "micrograd")
#: ``bench_floor``'s measuring instruments, reported after the frameworks.
BARE_ENGINES = ("bare graph engine", "bare tape engine")
#: implementation names, in report order.
IMPL_NAMES = FRAMEWORKS + BARE_ENGINES


class MismatchError(AssertionError):
    """An implementation computed something else than the NumPy reference."""


@dataclass
class Impl:
    """One implementation: ``prepare()`` (untimed) returns ``go`` (timed)."""

    name: str
    prepare: Callable[[], Go]
    #: exceptions that are a known limitation of this implementation, reported by class name
    #: (micrograd's recursive topological sort raises RecursionError on long chains).
    expected_failures: tuple[type[BaseException], ...] = ()
    #: extra check on the result (e.g. "the parameters stayed float32"); raises MismatchError.
    validate: Callable[[Result], None] | None = None


@dataclass
class Workload:
    """A named piece of work, its target ratio for tinygrad_edu and its implementations."""

    key: str
    title: str
    target: float
    impls: list[Impl]
    #: relative tolerance, measured against the largest magnitude of each reference array.
    rtol: float
    #: operations per iteration and iterations per run, for the per-operation time.
    ops: int | None = None
    iterations: int = 1
    notes: list[str] = field(default_factory=list)
    #: implementations that could not run here, with the reason ("not installed").
    skipped: dict[str, str] = field(default_factory=dict)


@dataclass
class ImplOutcome:
    """What happened to one implementation of one workload."""

    name: str
    status: str  # "ok", "skipped: …", "RecursionError", "MISMATCH: …"
    check: str = ""  # "reference", "passed (max rel. error …)", or the failure
    times: list[float] = field(default_factory=list)

    @property
    def timed(self) -> bool:
        return self.status == "ok" and bool(self.times)

    def stats(self) -> dict[str, float]:
        """Median, quartiles and minimum of the run times, in seconds."""
        t = np.asarray(self.times)
        q1, med, q3 = np.percentile(t, [25, 50, 75])
        return {"median_s": float(med), "q1_s": float(q1), "q3_s": float(q3), "min_s": t.min()}


def max_rel_error(got: Result, want: Result) -> float:
    """Largest ``max|got − want| / max(max|want|, tiny)`` over the keys of ``want``.

    The error of each array is measured against that array's largest magnitude, which suits
    weights and gradients whose entries differ in scale; shapes must agree exactly.
    """
    worst = 0.0
    for key, ref in want.items():
        if key.startswith("_"):  # bookkeeping such as "_dtypes", checked by ``validate``
            continue
        if key not in got:
            raise MismatchError(f"result has no {key!r} (has {sorted(got)})")
        a = np.asarray(got[key], dtype=np.float64)
        b = np.asarray(ref, dtype=np.float64)
        if a.shape != b.shape:
            raise MismatchError(f"{key!r} has shape {a.shape}, reference {b.shape}")
        if not np.isfinite(a).all():
            raise MismatchError(f"{key!r} is not finite: {a.ravel()[:4]}")
        scale = max(float(np.max(np.abs(b), initial=0.0)), 1e-300)
        err = float(np.max(np.abs(a - b), initial=0.0)) / scale
        worst = max(worst, err)
    return worst


def check(workload: Workload, reference: Result, impl: Impl, result: Result) -> float:
    """Compare ``result`` with the reference; return the error or raise ``MismatchError``."""
    if impl.validate is not None:
        impl.validate(result)
    err = max_rel_error(result, reference)
    if not err <= workload.rtol:
        worst = {
            k: max_rel_error({k: result[k]}, {k: v})
            for k, v in reference.items()
            if not k.startswith("_")
        }
        raise MismatchError(
            f"{workload.key} {impl.name}: relative error {err:.3g} > tolerance "
            f"{workload.rtol:g}; per key: " + ", ".join(f"{k}={e:.3g}" for k, e in worst.items())
        )
    return err


def time_once(go: Go) -> float:
    """Seconds taken by one call of ``go``, after collecting the garbage of earlier runs
    (micrograd's graphs are reference cycles: only the collector frees them)."""
    gc.collect()
    start = time.perf_counter()
    go()
    return time.perf_counter() - start


def run_workload(
    workload: Workload, repeats: int, log: Callable[[str], None] = print
) -> list[ImplOutcome]:
    """Check every implementation against NumPy, then time the ones that agree, interleaved."""
    impls = {impl.name: impl for impl in workload.impls}
    if REFERENCE not in impls:
        raise ValueError(f"{workload.key}: no {REFERENCE} implementation to compare against")
    ref_impl = impls[REFERENCE]
    reference = ref_impl.prepare()()
    if ref_impl.validate is not None:
        ref_impl.validate(reference)
    outcomes: dict[str, ImplOutcome] = {REFERENCE: ImplOutcome(REFERENCE, "ok", "reference")}
    for name, impl in impls.items():
        if name == REFERENCE:
            continue
        try:
            result = impl.prepare()()
            err = check(workload, reference, impl, result)
        except impl.expected_failures as exc:
            outcomes[name] = ImplOutcome(name, type(exc).__name__, "not run to the end")
            log(f"  {workload.key} {name}: {type(exc).__name__} (known limitation)")
            continue
        except MismatchError as exc:
            outcomes[name] = ImplOutcome(name, "MISMATCH", str(exc))
            log(f"  {workload.key} {name}: MISMATCH: {exc}")
            continue
        outcomes[name] = ImplOutcome(name, "ok", f"passed (max rel. error {err:.2g})")
    for name, reason in workload.skipped.items():
        outcomes[name] = ImplOutcome(name, f"skipped: {reason}")
    runners = [(outcomes[n], impls[n]) for n in impls if outcomes[n].status == "ok"]
    # Everything alive now (PyTorch's modules, the data) leaves the cyclic collector's view while
    # timing: each run's gc.collect() then costs microseconds instead of a tenth of a second,
    # and no full collection of those objects lands inside somebody's timed run.
    frozen_by_caller = gc.get_freeze_count() > 0
    gc.collect()
    gc.freeze()
    try:
        for _ in range(repeats):
            for outcome, impl in runners:
                outcome.times.append(time_once(impl.prepare()))
    finally:
        if not frozen_by_caller:
            gc.unfreeze()
    return [outcomes[n] for n in IMPL_NAMES if n in outcomes]


def as_float_array(x: Any) -> NDArray[np.float64]:
    """A float64 copy of a NumPy array, a number or a PyTorch tensor (for results)."""
    if hasattr(x, "detach"):  # a torch tensor
        x = x.detach().cpu().numpy()
    return np.array(x, dtype=np.float64)


@dataclass
class Libs:
    """The optional libraries found in this environment (None when missing, with the reason)."""

    torch: Any = None
    #: ``micrograd.engine.Value``
    Value: Any = None
    missing: dict[str, str] = field(default_factory=dict)

    def available(self, impl: str) -> bool:
        return impl not in self.missing

    @staticmethod
    def find(exclude: tuple[str, ...] = ()) -> Libs:
        """Import PyTorch and micrograd if installed (and not excluded)."""
        libs = Libs()
        if "pytorch" in exclude:
            libs.missing["pytorch"] = "excluded (--without)"
        else:
            try:
                import torch

                libs.torch = torch
                # PyTorch imports much of itself lazily on first use (the optimizers pull in
                # its compiler stack): do that now rather than inside the first workload.
                torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
            except ImportError:
                libs.missing["pytorch"] = "not installed (pip install torch==2.13.0)"
        if "micrograd" in exclude:
            libs.missing["micrograd"] = "excluded (--without)"
        else:
            try:
                from micrograd.engine import Value

                libs.Value = Value
            except ImportError:
                libs.missing["micrograd"] = "not installed (pip install micrograd==0.1.0)"
        return libs
