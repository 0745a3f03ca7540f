"""Optimizers: one update rule for gradient descent, how each one picks its samples, schedules.

Every optimizer answers two questions for ``fit``:

* **which samples** go into each update — ``batches(n)`` yields, for one epoch over ``n``
  samples, one index array per update (the *batch policy*);
* **how the parameters move** once ``backward()`` has filled ``p.grad = ∂L/∂p`` — ``step()``.

The three gradient-descent modes share one rule, ``p ← p − lr·∂L/∂p`` (applied in place to
``p.data``), and differ only in their batch policy:

============  ===========================================  =====================
class         samples per update                           updates per epoch
============  ===========================================  =====================
BatchGD       all n, in order                              1
StochasticGD  1, each sample once in a seeded random order  n
MiniBatchGD   ``batch_size``, chunks of a seeded permutation ⌈n / batch_size⌉
============  ===========================================  =====================

``Momentum``, ``Adam``, ``AdamW``, ``RMSprop`` and ``Adagrad`` change the rule (they keep
running averages of the gradient) and take the whole batch unless given a ``batch_size``; each
follows its ``torch.optim`` namesake step for step, with its arguments. Every optimizer takes
``weight_decay`` (L2 added to the gradient, as in ``torch.optim``; ``AdamW`` decoupled). A seed
makes the sample order repeat from run to run; the generator lives in the optimizer, so
successive epochs of one run still differ, and ``state_dict()`` saves its position.

Schedules (``StepLR``, ``ExponentialLR``, ``CosineAnnealingLR``) change ``lr`` once per epoch;
``clip_grad_norm`` caps the gradients' total norm before a step.

One job per module: ``base`` (the ``Optimizer``: rule, batch policy, state dict), ``gd`` (the
three modes and ``Momentum``), ``adaptive`` (Adam, AdamW, RMSprop, Adagrad), ``schedulers``,
``clip``.

>>> from tinygrad_edu import Tensor
>>> w = Tensor([1.0, -2.0], requires_grad=True)
>>> opt = BatchGD([w], lr=0.1)
>>> (w * w).sum().backward()          # ∂L/∂w = 2w = [2, -4]
>>> opt.step(); w.data                # w − 0.1·[2, −4]
array([ 0.8, -1.6])
"""

from .adaptive import Adagrad, Adam, AdamW, RMSprop
from .base import Optimizer
from .clip import clip_grad_norm
from .gd import BatchGD, MiniBatchGD, Momentum, StochasticGD
from .schedulers import CosineAnnealingLR, ExponentialLR, LRScheduler, StepLR

__all__ = [
    "Adagrad",
    "Adam",
    "AdamW",
    "BatchGD",
    "CosineAnnealingLR",
    "ExponentialLR",
    "LRScheduler",
    "MiniBatchGD",
    "Momentum",
    "Optimizer",
    "RMSprop",
    "StepLR",
    "StochasticGD",
    "clip_grad_norm",
]
