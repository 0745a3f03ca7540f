"""Train one sigmoid neuron with nothing but Tensors and the chain rule, and print what it learned.

The data: two inputs (age / 100 and "can afford it") and a 0/1 label drawn from a known logistic
rule, the shape of the teaching notebook's insurance table. The loop is plain gradient descent:
forward, log loss, backward, step.
"""

from __future__ import annotations

import numpy as np

from tinygrad_edu import Tensor, no_grad

rng = np.random.default_rng(7)
age = rng.integers(18, 66, size=40) / 100  # age / 100, as the notebook scales it
afford = rng.integers(0, 2, size=40).astype(float)
truth = 1 / (1 + np.exp(-(9.0 * age + 2.5 * afford - 5.5)))  # the rule the neuron should find
X = np.column_stack([age, afford])
y = (rng.random(40) < truth).astype(float)

w = Tensor([1.0, 1.0], requires_grad=True, name="w")  # the notebook starts at w1 = w2 = 1
b = Tensor(0.0, requires_grad=True, name="b")  # and bias = 0

for epoch in range(1001):
    p = (Tensor(X) @ w + b).sigmoid()  # forward: p = σ(X·w + b)
    p = p.clip(1e-15, 1 - 1e-15)  # log loss with the notebook's epsilon
    loss = -(y * p.log() + (1 - y) * (1 - p).log()).mean()
    w.grad = b.grad = None
    loss.backward()  # chain rule from the loss back to w and b
    with no_grad():  # the update is not part of the model
        w.data -= 0.5 * w.grad
        b.data -= 0.5 * b.grad
    if epoch % 200 == 0:
        print(f"epoch {epoch:4d}  loss {loss.item():.4f}  w {w.data.round(4)}  b {b.data:.4f}")

print(f"\nlearned  w1 = {w.data[0]:.4f}, w2 = {w.data[1]:.4f}, bias = {b.data:.4f}")
with no_grad():
    print(
        "P(insurance | age 47, can afford) =",
        round((Tensor([0.47, 1.0]) @ w + b).sigmoid().item(), 3),
    )
