"""Which layer made a tensor: the module calls recorded on the graph, read back.

``Module.__call__`` tags the graph node of each output it returns with ``(module, inputs)``;
the pictures in ``tinygrad_edu.viz`` use these records to name parameters by their layer
(``dense2.weight``). Outputs made under ``no_grad`` have no graph node and so no record.
"""

from __future__ import annotations

from ..tensor import Tensor
from .module import LAYER_CALL_TAG, Module

LayerCall = tuple[Module, tuple[Tensor, ...]]


def layer_call(t: Tensor) -> LayerCall | None:
    """``(module, input_tensors)`` of the innermost module call that returned ``t``, or None.

    Recorded by ``Module.__call__`` for outputs that are part of a graph (have a ``grad_fn``);
    ``input_tensors`` are the call's Tensor arguments (arrays passed in are not Tensors yet).
    """
    calls = layer_calls(t)
    return calls[0] if calls else None


def layer_calls(t: Tensor) -> list[LayerCall]:
    """Every module call that returned ``t``, innermost first (a Dense, then its Sequential)."""
    fn = t.grad_fn
    tags = getattr(fn, "tags", ()) if fn is not None else ()
    return [tag[1:] for tag in tags if tag[0] == LAYER_CALL_TAG]
