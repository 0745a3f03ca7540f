"""PyTorch, imported only when a conversion needs it, and copying arrays to and from it."""

from __future__ import annotations

from typing import Any

import numpy as np


def require_torch() -> Any:
    """The ``torch`` module, or an ``ImportError`` saying how to install it."""
    try:
        import torch
    except ImportError:
        raise ImportError(
            "tinygrad_edu.interop needs PyTorch: pip install torch==2.13.0 "
            "(or the project's torch extra)"
        ) from None
    return torch


def to_numpy(t: Any) -> np.ndarray[Any, Any]:
    """A torch tensor's values as a new NumPy array (a copy, never shared with torch)."""
    return np.array(t.detach().cpu().numpy())


def copy_into(torch: Any, target: Any, values: np.ndarray[Any, Any]) -> None:
    """Overwrite the torch tensor ``target`` with ``values`` (same shape), outside autograd."""
    with torch.no_grad():
        target.copy_(torch.from_numpy(np.array(values, order="C")))


def torch_dtype(torch: Any, dtype: np.dtype[Any]) -> Any:
    """The torch dtype of a NumPy dtype (float64 → torch.float64, …)."""
    return torch.from_numpy(np.empty(0, dtype)).dtype
