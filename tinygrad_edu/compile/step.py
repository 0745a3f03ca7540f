"""``compile_step``: a training step traced once and replayed as generated Python.

A call of the compiled step does what the eager step does — ``optimizer.zero_grad()``,
``loss = fn(*inputs)``, ``loss.backward()``, ``optimizer.step()`` — and returns the loss as a
Python float. The first call for an input signature (shapes and dtypes) runs eagerly and traces;
later calls replay the generated program (``step.code``) while the guards hold. When a guard
fails the step traces again (a few programs are kept, e.g. the full mini-batch and the short last
one); when a step cannot be replayed at all it runs eagerly and ``step.stats["reason"]`` says why.

Frozen at trace time, as ``jax.jit`` freezes them: Python numbers, Python control flow and which
tensors the step reads. What should change between calls must be an input, a tensor's values, or
an optimizer hyperparameter (``lr`` is read by ``optimizer.step()`` at every call).
"""

from __future__ import annotations

import inspect
from collections import OrderedDict
from collections.abc import Callable
from copy import deepcopy
from typing import Any

import numpy as np

from .._config import fast
from ..autograd import Array
from ..generator_state import generator_owners
from ..nn.layout import layout
from ..optim.base import Optimizer
from ..tensor import Tensor
from .codegen import Program, generate
from .guards import Guard, Signature, mode_failure, signature
from .trace import trace_step

__all__ = ["CompiledStep", "StepMismatchError", "compile_step"]

#: How many traced programs a step keeps (one per input signature, oldest dropped first).
CACHE_SIZE = 4


class StepMismatchError(AssertionError):
    """Check mode: the compiled step and the eager step gave different numbers."""


class _Entry:
    __slots__ = ("guard", "layout", "program", "reason", "replayed")

    def __init__(
        self, program: Program | None, guard: Guard | None, reason: str | None, layout: int
    ) -> None:
        self.program, self.guard, self.reason, self.layout = program, guard, reason, layout
        self.replayed = False  # (the last call replayed it, rather than tracing)


class CompiledStep:
    """A training step ``fn`` with ``optimizer``, traced and replayed (see the module docstring).

    ``step(*inputs) -> float`` is one update; ``step.loss_and_grads(*inputs) -> float`` stops
    before the update (``fit`` checks the loss first); ``step.code`` is the last program;
    ``step.stats`` counts traces, replays and eager calls and keeps the last reason to stay eager.
    """

    def __init__(self, fn: Callable[..., Any], optimizer: Optimizer, check: int = 0) -> None:
        if not callable(fn):
            raise TypeError(f"compile_step: fn must be callable, got {type(fn).__name__}")
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"compile_step: optimizer must be a tinygrad_edu Optimizer, got "
                f"{type(optimizer).__name__}"
            )
        if isinstance(check, bool) or not isinstance(check, int) or check < 0:
            raise ValueError(f"compile_step: check must be an int ≥ 0, got {check!r}")
        self.fn, self.optimizer, self.check = fn, optimizer, check
        self.arity, self.arg_names = _arity(fn)
        self.stats: dict[str, Any] = {"traces": 0, "replays": 0, "eager": 0, "reason": None}
        self._cache: OrderedDict[Signature, _Entry] = OrderedDict()
        self._last: _Entry | None = None
        self._fast_replay: Callable[..., float | None] | None = (
            None  # (the last program's, once checked)
        )

    @property
    def code(self) -> str:
        """The source of the most recently used program: the forward and backward written out."""
        if self._last is None or self._last.program is None:
            why = self.stats["reason"] or "the step has not been called yet"
            raise RuntimeError(f"compile_step: no compiled program to show ({why})")
        return self._last.program.source

    @property
    def replay_code(self) -> str:
        """What a replayed ``step(*inputs)`` runs: ``code``'s functions as one (``replay``)."""
        if self._last is None or self._last.program is None:
            _ = self.code  # (the same error)
        assert self._last is not None and self._last.program is not None
        return self._last.program.replay_source

    def clear(self) -> None:
        """Forget every program: the next call traces again (after changing a frozen flag)."""
        self._cache.clear()
        self._last = None
        self._fast_replay = None

    def __repr__(self) -> str:
        name = getattr(self.fn, "__name__", type(self.fn).__name__)
        st = self.stats
        shown = (
            "print(step.code) shows the program"
            if self._last and self._last.program
            else (f"running eagerly: {st['reason']}" if st["reason"] else "not called yet")
        )
        return (
            f"<CompiledStep of {name} with {type(self.optimizer).__name__}: "
            f"{len(self._cache)} program(s), {st['traces']} trace(s), {st['replays']} replay(s), "
            f"{st['eager']} eager call(s); {shown}>"
        )

    def __call__(self, *inputs: Any) -> float:
        replay = self._fast_replay
        if replay is not None and (value := replay(*inputs)) is not None:
            self.stats["replays"] += 1  # (the common case: the last program, its guards held)
            return value
        if self.check and self.stats["traces"] + self.stats["replays"] < self.check:
            return self._checked(inputs)
        value = self.loss_and_grads(*inputs)
        last = self._last
        if last is not None and last.program is not None and last.replayed:
            last.program.update()
            # the next call with the same guards: one call
            self._fast_replay = last.program.replay
        else:
            self.optimizer.step()
            self._fast_replay = None
        return value

    def loss_and_grads(self, *inputs: Any) -> float:
        """``zero_grad``, the loss and the gradients in ``.grad``, without the update."""
        if self.arity is not None and len(inputs) != self.arity:
            raise TypeError(
                f"compile_step: the step takes {self.arity} input(s) (as fn does), got "
                f"{len(inputs)}"
            )
        arrays = [x.data if isinstance(x, Tensor) else np.asarray(x) for x in inputs]
        last = self._last
        if (  # the common case first: the last program again, every guard in one expression
            not fast.special  # (no thread has switched grad mode, anomaly mode or tangents)
            and last is not None
            and last.program is not None
            and last.layout == layout.version
            and last.program.holds(self.optimizer.params, *arrays)
        ):  # (``_replay`` written out: a call less on every step)
            self.stats["replays"] += 1
            last.replayed = True
            self.optimizer.zero_grad()
            return float(last.program.run(*arrays).item())
        reason = mode_failure()
        if reason is not None:
            return self._eager(inputs, reason)
        key = signature(arrays)
        entry = self._cache.get(key)
        if entry is not None:
            failed = (
                "a module's parameter, layer or forward hooks changed"
                if (entry.layout != layout.version)
                else (entry.guard.failure(arrays) if entry.guard is not None else None)
            )
            if failed is None:
                self._last = entry
                if entry.program is None:
                    return self._eager(inputs, entry.reason)
                return self._replay(entry, entry.program, arrays)
            self.stats["reason"] = f"traced again: {failed}"
        return self._trace(key, inputs, arrays)

    def _replay(self, entry: _Entry, program: Program, arrays: list[Array]) -> float:
        self._last = entry
        self.stats["replays"] += 1
        entry.replayed = True
        self.optimizer.zero_grad()
        return float(program.run(*arrays).item())

    def _trace(self, key: Signature, inputs: tuple[Any, ...], arrays: list[Array]) -> float:
        tensors = [
            x if isinstance(x, Tensor) else Tensor.from_numpy(a)
            for x, a in zip(inputs, arrays, strict=True)
        ]
        before, hook_calls = layout.version, layout.hook_calls
        trace = trace_step(self.fn, self.optimizer, tensors)
        self.stats["traces"] += 1
        if layout.version != before:
            trace.reason = "the step replaced a module's parameter or layer; it runs eagerly"
        elif layout.hook_calls != hook_calls:
            trace.reason = "a module's forward hook ran (Python the replay would skip)"
        if trace.reason is None:
            program = generate(
                trace,
                self.optimizer,
                self.arg_names,
                [a.dtype for a in arrays],
                [a.shape for a in arrays],
            )
            entry = _Entry(
                program,
                Guard(self.optimizer, program.tensors, program.holds, trace.modes, trace.masks),
                None,
                before,
            )
        else:
            entry = _Entry(None, None, trace.reason, before)
            self.stats["reason"] = trace.reason
        self._cache[key] = entry
        self._cache.move_to_end(key)
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        self._last = entry
        return trace.value

    def _eager(self, inputs: tuple[Any, ...], reason: str | None) -> float:
        self.stats["eager"] += 1
        self.stats["reason"] = reason
        return eager_loss_and_grads(self.fn, self.optimizer, inputs)

    def _checked(self, inputs: tuple[Any, ...]) -> float:
        """Run eager, put everything back (parameters, optimizer state, the positions of the
        Dropout generators), run compiled; raise on any difference."""
        params = self.optimizer.params
        start = [p.data.copy() for p in params]
        state = deepcopy(self.optimizer.state_dict())
        drawn = [(o.generator, o.generator.bit_generator.state) for o in list(generator_owners)]
        eager_value = eager_loss_and_grads(self.fn, self.optimizer, inputs)
        self.optimizer.step()
        expected = [(p.data.copy(), None if p.grad is None else p.grad.copy()) for p in params]
        for p, data in zip(params, start, strict=True):
            p.data[...] = data
        self.optimizer.load_state_dict(state)
        for generator, position in drawn:  # (the same Dropout masks again)
            generator.bit_generator.state = position
        value = self.loss_and_grads(*inputs)
        self.optimizer.step()
        if not _same(value, eager_value):
            raise StepMismatchError(
                f"compile_step check: the compiled loss is {value!r}, the eager loss "
                f"{eager_value!r}; {_FROZEN}"
            )
        for i, (p, (data, grad)) in enumerate(zip(params, expected, strict=True)):
            for what, got, want in (("value", p.data, data), ("gradient", p.grad, grad)):
                if (got is None or want is None) != (got is None and want is None) or (
                    got is not None
                    and want is not None
                    and not np.array_equal(got, want, equal_nan=True)
                ):
                    diff = (
                        "one is None"
                        if got is None or want is None
                        else f"max difference {np.max(np.abs(got - want)):.3g}"
                    )
                    raise StepMismatchError(
                        f"compile_step check: parameter {i} (shape {p.shape}) {what} differs "
                        f"between the compiled and the eager step ({diff}); {_FROZEN}"
                    )
        return value


def eager_loss_and_grads(
    fn: Callable[..., Any], optimizer: Optimizer, inputs: tuple[Any, ...]
) -> float:
    """The eager step without its update: ``zero_grad``, ``fn(*inputs)``, ``backward``."""
    optimizer.zero_grad()
    tensors = [x if isinstance(x, Tensor) else Tensor.from_numpy(np.asarray(x)) for x in inputs]
    loss = fn(*tensors)
    if not isinstance(loss, Tensor) or loss.data.size != 1:
        raise TypeError("compile_step: fn must return a one-element loss Tensor")
    loss.backward()
    return float(loss.data.reshape(()))


_FROZEN = (
    "the step has a Python branch or number frozen at trace time: call step.clear() after "
    "changing it, or pass it in as a tensor"
)


def _same(a: float, b: float) -> bool:
    return a == b or (a != a and b != b)


def _arity(fn: Callable[..., Any]) -> tuple[int | None, list[str]]:
    """How many inputs ``fn`` takes (None: any number) and their names."""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return None, []
    if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params):
        return None, []
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len([p for p in positional if p.default is p.empty]), [p.name for p in positional]


def compile_step(fn: Callable[..., Any], optimizer: Optimizer, *, check: int = 0) -> CompiledStep:
    """A compiled training step: ``step(*inputs)`` is ``zero_grad``, ``loss = fn(*inputs)``,
    ``backward``, ``optimizer.step()``, and returns the loss as a float.

    ``fn`` maps the step's inputs (arrays or Tensors, e.g. a batch ``xb, yb``) to a one-element
    loss Tensor; it receives each input as a Tensor (an array is wrapped without a copy). The
    first call traces it; later calls replay ``step.code``, generated Python that runs each op's
    own ``forward`` and ``backward`` code on arrays, while the guards hold (input shapes and
    dtypes, the optimizer's parameters, the tensors read, grad mode). ``check=N`` runs the eager
    step beside the compiled one for the first N calls and raises ``StepMismatchError`` naming
    the parameter and the difference.

    >>> from tinygrad_edu import Tensor
    >>> from tinygrad_edu.losses import mse
    >>> from tinygrad_edu.optim import BatchGD
    >>> w = Tensor([[0.0]], requires_grad=True)
    >>> step = compile_step(lambda xb, yb: mse(xb @ w, yb), BatchGD([w], lr=0.1))
    >>> [round(step([[1.0], [2.0]], [[2.0], [4.0]]), 4) for _ in range(3)]
    [10.0, 2.5, 0.625]
    """
    return CompiledStep(fn, optimizer, check)
