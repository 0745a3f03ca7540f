"""``Optimizer``: the update rule of plain gradient descent, the batch policy, the state dict.

Every optimizer answers two questions for ``fit``: **which samples** go into each update
(``batches(n)``, the batch policy) and **how the parameters move** once ``backward()`` has
filled ``p.grad`` (``step()``). Subclasses change the second; the first is shared.
"""

from __future__ import annotations

import functools
import numbers
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import numpy as np

from .._checks import check_seed, positive_number
from ..autograd import Array
from ..generator_state import generator_state, set_generator_state
from ..guards import mark_changed
from ..tensor import Tensor
from ._state_checks import hyperparameter, same_keys, state_value

_POLICY_KEYS = ("batch_size", "shuffle", "replace", "seed", "generator")


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


class Optimizer:
    """Plain gradient descent on ``params`` with a configurable batch policy.

    ``step()`` applies ``p ← p − lr·(∂L/∂p + weight_decay·p)`` in place to every parameter that
    has a gradient (parameters with ``grad is None`` took no part in the loss and are left
    alone). ``weight_decay`` is L2 regularisation as in ``torch.optim``: adding
    ``(weight_decay/2)·‖p‖²`` to the loss adds ``weight_decay·p`` to its gradient.

    Batch policy for one epoch over n samples (see ``batches``): the sample order is
    ``replace`` → n independent uniform draws (with replacement); else ``shuffle`` with a
    ``batch_size`` → a seeded permutation; else 0, 1, …, n−1. The order is cut into chunks of
    ``batch_size`` (the last may be smaller); ``batch_size=None`` is one chunk of everything.

    ``state_dict()`` / ``load_state_dict()`` hold everything a stopped run needs to continue
    bit for bit: the hyperparameters (PyTorch's names), each parameter's running state, and the
    batch policy with the position of its random generator.
    """

    #: Attribute names saved in ``state_dict()["param_groups"][0]`` (PyTorch's names).
    hyperparameters: tuple[str, ...] = ("lr", "weight_decay")

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "step" in vars(cls):
            cls.step = _marking(vars(cls)["step"])  # type: ignore[method-assign,assignment]

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float,
        *,
        weight_decay: float = 0.0,
        batch_size: int | None = None,
        shuffle: bool = False,
        replace: bool = False,
        seed: int | None = 0,
    ) -> None:
        owner = type(self).__name__
        self.lr = positive_number(owner, "lr", lr)
        self.weight_decay = positive_number(owner, "weight_decay", weight_decay, allow_zero=True)
        if isinstance(params, Tensor):
            raise TypeError(f"{owner}: params must be an iterable of Tensors; wrap one in a list")
        self.params: list[Tensor] = list(params)
        if not self.params:
            raise ValueError(f"{owner}: params is empty; pass the model's parameters()")
        seen: set[int] = set()
        for i, p in enumerate(self.params):
            if not isinstance(p, Tensor):
                raise TypeError(f"{owner}: parameter {i} is a {type(p).__name__}, not a Tensor")
            if not p.requires_grad:
                raise ValueError(
                    f"{owner}: parameter {i} (shape {p.shape}) does not require grad; "
                    "create it with requires_grad=True"
                )
            if id(p) in seen:
                raise ValueError(f"{owner}: parameter {i} (shape {p.shape}) is listed twice")
            seen.add(id(p))
        if batch_size is not None and (
            isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral)
        ):
            raise TypeError(f"{owner}: batch_size must be an int or None, got {batch_size!r}")
        if batch_size is not None and batch_size < 1:
            raise ValueError(f"{owner}: batch_size must be ≥ 1, got {batch_size}")
        self.batch_size = None if batch_size is None else int(batch_size)
        self.shuffle = bool(shuffle)
        self.replace = bool(replace)
        self.seed = seed
        self._rng = np.random.default_rng(check_seed(owner, seed))
        self._in_order: Array = np.arange(0)

    # ----------------------------------------------------------------------------- batch policy
    @property
    def ordered(self) -> bool:
        """True when every epoch visits 0, 1, …, n−1 in order (so a batch of size n is all of X)."""
        return not self.replace and (self.batch_size is None or not self.shuffle)

    def updates_per_epoch(self, n: int) -> int:
        """How many index arrays ``batches(n)`` yields: 1 for the full batch, else ⌈n / size⌉."""
        return 1 if self.batch_size is None else -(-n // self.batch_size)

    def batches(self, n: int) -> Iterator[Array]:
        """The samples of each update in one epoch over ``n`` samples: int index arrays.

        Each call is one epoch and draws from the optimizer's generator, so epochs differ while
        a fresh optimizer with the same seed repeats them exactly.
        """
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
            raise ValueError(f"{type(self).__name__}.batches: n must be an int ≥ 1, got {n!r}")
        if self.replace:
            order = self._rng.integers(0, n, size=n)
        elif self.shuffle and self.batch_size is not None:
            order = self._rng.permutation(n)
        else:
            if len(self._in_order) != n:
                self._in_order = np.arange(n)
            order = self._in_order
        size = self.batch_size
        if size is None or size >= n:
            yield order
            return
        for start in range(0, n, size):
            yield order[start : start + size]

    # ----------------------------------------------------------------------------------- update
    def zero_grad(self) -> None:
        """Forget the gradients (``p.grad = None``) so the next ``backward`` starts afresh."""
        for p in self.params:
            p.grad = None

    def _with_decay(self, p: Tensor, g: Array) -> Array:
        """The gradient a step uses: ``g + weight_decay·p`` (L2, PyTorch's semantics), or ``g``."""
        return g + self.weight_decay * p.data if self.weight_decay else g

    def step(self) -> None:
        """``p ← p − lr·(g + weight_decay·p)`` for every parameter with a gradient g, in place."""
        lr, decay = self.lr, self.weight_decay
        for p in self.params:
            g = p.grad
            if g is not None:
                if decay:
                    g = g + decay * p.data
                p.data -= lr * g

    # ------------------------------------------------------------------------------ state dict
    def per_parameter_state(self) -> dict[str, list[Any]]:
        """The running state, by PyTorch's names: ``{name: [one entry per parameter]}``.

        The lists are the optimizer's own (arrays are updated in place, step counts replaced),
        which is how ``load_state_dict`` restores them. Plain gradient descent keeps none.
        """
        return {}

    def state_dict(self) -> dict[str, Any]:
        """Everything a resumed run needs, copied, in PyTorch's layout plus the batch policy::

            {"state": {i: {"step": …, "exp_avg": array, …}},      # parameter i, as in torch
             "param_groups": [{"lr": …, "weight_decay": …, …, "params": [0, 1, …]}],
             "batch_policy": {"batch_size", "shuffle", "replace", "seed",
                              "generator": the sample-order generator's position (uint64[6])}}

        Pass it to ``load_state_dict`` of a fresh optimizer of the same class over parameters of
        the same shapes (loaded from the model's own ``state_dict``), and the two runs agree bit
        for bit from there on.
        """
        per = self.per_parameter_state()
        state = {
            i: {
                name: np.array(v[i]) if isinstance(v[i], np.ndarray) else v[i]
                for name, v in per.items()
            }
            for i in range(len(self.params))
        }
        group: dict[str, Any] = {name: getattr(self, name) for name in self.hyperparameters}
        group["params"] = list(range(len(self.params)))
        policy = {key: getattr(self, key) for key in _POLICY_KEYS[:-1]}
        policy["generator"] = generator_state(self._rng)
        return {"state": state, "param_groups": [group], "batch_policy": policy}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Continue from ``state`` (from ``state_dict``), in place; nothing changes unless it fits.

        Checked first, with errors that name what differs: the keys at every level, the number
        of parameters, every state array's shape and dtype against its parameter's, the
        switches (``amsgrad``, ``nesterov``, ``centered``) and the hyperparameters' kinds.
        """
        group, saved, policy = self._checked(state)
        per, n = self.per_parameter_state(), len(self.params)
        for name in self.hyperparameters:
            value = group[name]
            setattr(
                self, name, tuple(map(float, value)) if isinstance(value, (tuple, list)) else value
            )
        for name, values in per.items():
            for i in range(n):
                if isinstance(values[i], np.ndarray):
                    np.copyto(values[i], saved[i][name])
                else:
                    values[i] = int(saved[i][name])
        for key in _POLICY_KEYS[:-1]:
            setattr(self, key, policy[key])
        set_generator_state(self._rng, policy["generator"])

    def _checked(self, state: Mapping[str, Any]) -> tuple[Any, Any, Any]:
        """``state``'s param group, per-parameter state and batch policy, once all are checked."""
        owner = f"{type(self).__name__}.load_state_dict"
        same_keys(owner, "the state dict", state, ["state", "param_groups", "batch_policy"])
        groups = state["param_groups"]
        if not isinstance(groups, (list, tuple)) or len(groups) != 1:
            raise ValueError(f"{owner}: param_groups must be a list of one group, got {groups!r}")
        group, saved, policy = groups[0], state["state"], state["batch_policy"]
        same_keys(owner, "param_groups[0]", group, [*self.hyperparameters, "params"])
        n = len(self.params)
        if len(group["params"]) != n:
            raise ValueError(
                f"{owner}: the state dict is for {len(group['params'])} parameters, "
                f"this optimizer has {n}"
            )
        for name in self.hyperparameters:
            hyperparameter(owner, name, getattr(self, name), group[name])
        per = self.per_parameter_state()
        same_keys(owner, "state", saved, list(range(n)))
        for i in range(n):
            same_keys(owner, f"state[{i}]", saved[i], list(per))
            for name, values in per.items():
                state_value(owner, f"state[{i}][{name!r}]", values[i], saved[i][name])
        same_keys(owner, "batch_policy", policy, list(_POLICY_KEYS))
        size = policy["batch_size"]
        if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 1):
            raise ValueError(f"{owner}: batch_policy['batch_size'] must be None or an int ≥ 1")
        for key in ("shuffle", "replace"):
            if not isinstance(policy[key], bool):
                raise ValueError(f"{owner}: batch_policy[{key!r}] must be a bool")
        set_generator_state(np.random.default_rng(), policy["generator"])  # checks the words
        return group, saved, policy

    def __repr__(self) -> str:
        policy = "full batch" if self.batch_size is None else f"batch_size={self.batch_size}"
        if self.replace:
            policy += ", with replacement"
        elif self.shuffle and self.batch_size is not None:
            policy += f", shuffled (seed={self.seed})"
        decay = f", weight_decay={self.weight_decay:g}" if self.weight_decay else ""
        numbers_ = sum(p.data.size for p in self.params)
        sizes = f"{_plural(len(self.params), 'tensor')}, {_plural(numbers_, 'number')}"
        return f"{type(self).__name__}(lr={self.lr:g}{decay}, {policy}, {sizes})"


def _marking(step: Callable[[Optimizer], None]) -> Callable[[Optimizer], None]:
    """``step``, then every updated parameter marked as changed in place (its version bumped).

    A graph recorded before the step saved the old weights; its backward must refuse rather than
    give gradients at the new ones (see ``guards``). Done here once, so that no optimizer can
    forget it.
    """

    @functools.wraps(step)
    def run(self: Optimizer) -> None:
        step(self)
        mark_changed(*[p for p in self.params if p.grad is not None])

    return run


Optimizer.step = _marking(Optimizer.step)  # type: ignore[method-assign,assignment]
