"""A compiled training step: trace one eager step, guard what it assumed, replay it as code.

``compile_step(fn, optimizer)`` (``step``) records the ops of one training step (``trace``),
writes them out as straight-line Python — each op's own forward and backward code, copied from
the op where it can be (``inline``), else a call of its methods (``codegen``) — and replays that
program while cheap checks still hold (``guards``).
"""

from .step import CompiledStep, StepMismatchError, compile_step

__all__ = ["CompiledStep", "StepMismatchError", "compile_step"]
