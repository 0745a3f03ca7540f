"""The chain rule written out: ∂L/∂x as a product of local derivatives along each path.

For scalars, a gradient is a sum over the paths from the output L down to x of the product of
the local derivatives on the path (the notebook's "chain rule intuition")::

    ∂L/∂w1 = ∂L/∂ŷ · ∂ŷ/∂z · ∂z/∂w1        one path: one product
    ∂y/∂x  = (path 1) + (path 2) + …        a value used several times: one product per path

``chain_text(trace, x)`` reads the factors from a ``trace_backward`` record, so every number is
one the backward pass used. Tensors (or ops whose local derivative is a Jacobian, like matmul)
have no single number per factor: the step table shows their shares instead.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import numpy as np

from ..tensor import Tensor
from ._text import number
from .escape import printable

if TYPE_CHECKING:
    from .trace import BackwardTrace, Contribution

#: Stop enumerating after this many partial paths (deep graphs have exponentially many).
MAX_EXPANSIONS = 100_000


def paths_to(
    trace: BackwardTrace, tensor: Tensor, max_paths: int
) -> tuple[list[list[Contribution]], bool]:
    """Up to ``max_paths`` paths root → ``tensor`` (each a list of shares, root first), and
    whether there were more."""
    by_node = {s.node: s for s in trace.steps}
    found: list[list[Contribution]] = []
    stack: list[tuple[Tensor, list[Contribution]]] = [(trace.root, [])]
    expansions = 0
    while stack and expansions < MAX_EXPANSIONS:
        node, path = stack.pop()
        expansions += 1
        if node is tensor:
            if len(found) == max_paths:
                return found, True
            found.append(path)
            continue
        step = by_node.get(node)
        for c in reversed(step.contributions if step is not None else ()):
            stack.append((c.input, [*path, c]))
    return found, bool(stack)


def _scalar(value: object) -> float | None:
    arr = np.asarray(value) if value is not None else None
    return float(arr.reshape(())) if arr is not None and arr.size == 1 else None


def chain_text(trace: BackwardTrace, tensor: Tensor, max_paths: int = 8) -> str:
    """∂root/∂tensor as products along paths, with the numbers (see the module doc)."""
    L, x = trace.labels[trace.root], trace.labels.get(tensor, printable(tensor.name or "x"))
    paths, more = paths_to(trace, tensor, max_paths)
    if not paths:
        return f"No gradient reaches {x} from {L}: no path of ops that need a gradient joins them."
    seed = _scalar(trace.seed)
    lines: list[str] = []
    products: list[float] = []
    for k, path in enumerate(paths, 1):
        nodes = [L] + [c.label for c in path]
        factors = [f"∂{a}/∂{b}" for a, b in itertools.pairwise(nodes)]
        hops = [L] + [f"{c.label} (as {c.operand})" if c.operand else c.label for c in path]
        values = [_scalar(c.local) for c in path]
        if seed is None or any(v is None for v in values) or not path:
            if not path:  # the tensor is the root itself
                return f"∂{L}/∂{L} = {number(seed) if seed is not None else 'the seed'}"
            return (
                f"∂{L}/∂{x} passes through tensors or a Jacobian op (such as matmul): its chain "
                "rule is a product of Jacobians, not of numbers. The step table (print(trace)) "
                "shows each share instead."
            )
        numbers = [v for v in values if v is not None]
        product = seed * float(np.prod(numbers))
        products.append(product)
        head = f"path {k}: " if len(paths) > 1 else ""
        shown = " × ".join(f"({number(v)})" for v in numbers)
        if seed != 1:
            shown = f"({number(seed)}) × " + shown
        lines += [
            f"{head}{' → '.join(hops)}",
            f"  {' · '.join(factors)}",
            f"  = {shown}",
            f"  = {number(product)}",
        ]
    intro = f"∂{L}/∂{x} by the chain rule: the product of local derivatives along "
    intro += "the path" if len(paths) == 1 else f"each of {len(paths)} paths, summed"
    end = []
    if len(paths) > 1:
        parts = " + ".join(f"({number(p)})" for p in products)
        end = [f"∂{L}/∂{x} = {parts} = {number(sum(products))}"]
    if more:
        end.append(f"(more than {max_paths} paths: only the first {max_paths} are shown)")
    grad = trace.grads.get(tensor)
    if grad is not None and not more:
        end.append(f"backward() computed ∂{L}/∂{x} = {number(_scalar(grad) or 0.0)}")
    return "\n".join([intro + ":", *lines, *end])
