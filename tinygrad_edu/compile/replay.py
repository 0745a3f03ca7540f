"""``replay``: one replayed call of the compiled step, written as a single function.

``step(*inputs)`` on a replay is ``holds``, ``optimizer.zero_grad()``, ``compiled_step`` and
``update``. Written out as those four calls and ``CompiledStep``'s own checks it costs about 1 µs
of Python around a few µs of NumPy on a small model; ``replay`` is the same lines in one
function — the guard's test, then ``compiled_step``'s lines, then ``update``'s — so a step is
one call. It returns the loss as a float, or ``None`` when a guard fails (``CompiledStep`` then
takes its general path, which says why or traces again). Nothing in it is new code: every line
comes from the three functions ``step.code`` shows (``compiled_step``'s reads of the tensors'
arrays, ``p0 = param0.data``, move up into the guard), and two shortcuts keep their effect:

* an input that already is an ``ndarray`` is taken as it is (``asarray`` would return it too);
* ``optimizer.zero_grad()`` is left out when it is ``Optimizer``'s own and ``compiled_step`` sets
  every parameter's ``.grad``: all it would do is set them to ``None`` first.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["replay_lines"]

_READ = re.compile(r"    [pc]\d+ = (param|t)\d+\.data")


def replay_lines(
    args: Sequence[str],
    checks: Sequence[str],
    step_lines: Sequence[str],
    update_lines: Sequence[str],
    layout_version: int,
    zero_grad: bool = True,
) -> list[str]:
    """The source of ``replay(*inputs)`` from the lines of ``holds``' ``checks`` (on ``params``
    and ``args``), ``compiled_step`` and ``update``, for a model layout at ``layout_version``;
    ``zero_grad=False`` when ``compiled_step`` sets every parameter's ``.grad`` anyway."""
    if step_lines[-1] != "    return loss" or update_lines[0] != "def update():":
        raise ValueError("replay_lines: compiled_step must end in 'return loss'; update is def")
    convert = [
        f"    {a} = {a} if type({a}) is ndarray else {a}.data if isinstance({a}, Tensor) "
        f"else asarray({a})"
        for a in args
    ]
    unpack = f"    {', '.join(args)}{',' if len(args) == 1 else ''} = inputs" if args else ""
    # ``compiled_step``'s ``p0 = param0.data`` lines go before the guard, which then reads p0.
    reads = [line for line in step_lines if _READ.fullmatch(line)]
    body = [line for line in step_lines[1:-1] if line not in reads]
    for line in reads:
        var, ref = line.split(" = ")
        checks = [re.sub(rf"\b{re.escape(ref)}\.", f"{var.strip()}.", c) for c in checks]
    update = [
        "        return value" if line == "        return" else line for line in update_lines[1:]
    ]
    return [
        "def replay(*inputs):",
        "    # one replayed step: holds, optimizer.zero_grad(), compiled_step, update, as one call",
        f"    if len(inputs) != {len(args)} or fast.special or layout.version != {layout_version}:",
        "        return None  # (a wrong call, a mode switched, a module changed: the full path)",
        *([unpack] if unpack else []),
        *convert,
        "    params = optimizer.params",
        *reads,
        "    if not (",
        *(f"        {'and ' if i else ''}{c}" for i, c in enumerate(checks)),
        "    ):",
        "        return None",
        "    optimizer.zero_grad()"
        if zero_grad
        else "    # (optimizer.zero_grad() left out: compiled_step sets every parameter's .grad)",
        *body,
        "    value = float(loss.item())",
        *update,
        "    return value",
    ]
