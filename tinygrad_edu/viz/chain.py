"""The chain rule written out: ∂L/∂x as a product of local derivatives along each path.

For scalars, a gradient is a sum over the paths from the output L down to x of the product of
the local derivatives on the path (the notebook's "chain rule intuition")::

    ∂L/∂w1 = ∂L/∂ŷ · ∂ŷ/∂z · ∂z/∂w1        one path: one product
    ∂y/∂x  = (path 1) + (path 2) + …        a value used several times: one product per path

``chain_text(trace, x)`` reads the factors from a ``trace_backward`` record, so every number is
one the backward pass used. Tensors (or ops whose local derivative is a Jacobian, like matmul)
have no single number per factor: the step table shows their shares instead.

Paths multiply at every value used twice, so they are counted before any is listed (one pass,
linear in the graph): past ``max_paths`` the text lists the first ones, says how many there are
in all, and gives the gradient backward() computed.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

import numpy as np

from ..tensor import Tensor
from ._text import number
from .escape import printable

if TYPE_CHECKING:
    from .steps import Contribution, TraceRecord


def path_counts(trace: TraceRecord, tensor: Tensor) -> dict[Tensor, int]:
    """For every node of the trace, how many paths of shares lead from it down to ``tensor``.

    One pass over the steps, inputs before the ops that used them (the reverse of the order
    backward ran them in): ``count(tensor) = 1`` and ``count(node)`` is the sum of its inputs'
    counts, so a diamond doubles the count without listing a path. Linear in the graph.
    """
    counts: dict[Tensor, int] = {tensor: 1}
    for step in reversed(trace.steps):
        if step.node is not tensor:
            counts[step.node] = sum(counts.get(c.input, 0) for c in step.contributions)
    return counts


def paths_to(
    trace: TraceRecord, tensor: Tensor, max_paths: int
) -> tuple[list[list[Contribution]], int]:
    """Up to ``max_paths`` paths root → ``tensor`` (each a list of shares, root first), and how
    many paths there are in all. Only branches that reach ``tensor`` are followed, so each path
    listed costs its length, however wide the rest of the graph is."""
    counts = path_counts(trace, tensor)
    by_node = {s.node: s for s in trace.steps}
    found: list[list[Contribution]] = []
    total = counts.get(trace.root, 0)
    # Each entry: a node and the way to it as (last share, the way before it), shared by the
    # branches that continue it, so following a path costs its length, not its length squared.
    stack: list[tuple[Tensor, Any]] = [(trace.root, None)] if total else []
    while stack and len(found) < max_paths:
        node, way = stack.pop()
        if node is tensor:
            path: list[Contribution] = []
            while way is not None:
                path.append(way[0])
                way = way[1]
            found.append(path[::-1])
            continue
        for c in reversed(by_node[node].contributions):
            if counts.get(c.input, 0):
                stack.append((c.input, (c, way)))
    return found, total


def _how_many(n: int) -> str:
    return f"{n:,}" if n < 10**15 else f"more than 10^{len(str(n)) - 1}"


def _scalar(value: object) -> float | None:
    arr = np.asarray(value) if value is not None else None
    return float(arr.reshape(())) if arr is not None and arr.size == 1 else None


def chain_text(trace: TraceRecord, tensor: Tensor, max_paths: int = 8) -> str:
    """∂root/∂tensor as products along paths, with the numbers (see the module doc)."""
    L, x = trace.labels[trace.root], trace.labels.get(tensor, printable(tensor.name or "x"))
    paths, total = paths_to(trace, tensor, max_paths)
    more = total > len(paths)
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
    end = []
    if more:
        intro = (
            f"∂{L}/∂{x} by the chain rule: too many paths to list ({_how_many(total)} in all); "
            f"the product of local derivatives along each of the first {len(paths)}"
        )
        end.append(f"(only the first {len(paths)} paths are shown; their sum is not the gradient)")
    elif len(paths) == 1:
        intro += "the path"
    else:
        intro += f"each of {len(paths)} paths, summed"
        parts = " + ".join(f"({number(p)})" for p in products)
        end.append(f"∂{L}/∂{x} = {parts} = {number(sum(products))}")
    grad = trace.grads.get(tensor)
    if grad is not None:
        end.append(f"backward() computed ∂{L}/∂{x} = {number(_scalar(grad) or 0.0)}")
    return "\n".join([intro + ":", *lines, *end])
