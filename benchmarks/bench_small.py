"""W1 (tiny expression), W2 (the notebook's logistic regression), W6 (a 20,000-op chain).

Small arrays, many operations: these workloads measure the per-operation cost of building and
walking the graph, which is where an autograd framework loses to hand-written NumPy.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import bench_compiled as compiled
import bench_data as data
import bench_floor as floor
import numpy as np
from bench_harness import Go, Impl, Libs, Result, Workload, as_float_array

from tinygrad_edu import Tensor
from tinygrad_edu.losses import binary_cross_entropy
from tinygrad_edu.nn import Dense
from tinygrad_edu.optim import BatchGD

EPS = 1e-15  # the notebook's log-loss clipping


# ----------------------------------------------------------------------- micrograd extensions
def _mg_unary(Value: Any, x: Any, value: float, slope: float, op: str) -> Any:
    """A one-input micrograd node with local derivative ``slope``, written as micrograd's own
    ops are (micrograd 0.1.0 ships only +, *, ** and relu)."""
    out = Value(value, (x,), op)

    def _backward() -> None:
        x.grad += slope * out.grad

    out._backward = _backward
    return out


def mg_tanh(Value: Any, x: Any) -> Any:
    t = math.tanh(x.data)
    return _mg_unary(Value, x, t, 1.0 - t * t, "tanh")


def mg_sigmoid(Value: Any, x: Any) -> Any:
    s = 1.0 / (1.0 + math.exp(-x.data))
    return _mg_unary(Value, x, s, s * (1.0 - s), "sigmoid")


def mg_log(Value: Any, x: Any) -> Any:
    return _mg_unary(Value, x, math.log(x.data), 1.0 / x.data, "log")


def mg_clip(Value: Any, x: Any, lo: float, hi: float) -> Any:
    inside = lo <= x.data <= hi
    return _mg_unary(Value, x, min(max(x.data, lo), hi), 1.0 if inside else 0.0, "clip")


def _optional(libs: Libs, key: str, workload: Workload, make: Callable[[], Impl]) -> None:
    """Add the implementation if its library is installed, else note why it is skipped."""
    if libs.available(key):
        workload.impls.append(make())
    else:
        workload.skipped[key] = libs.missing[key]


# -------------------------------------------------------------------------------------- W1
def w1(sizes: data.Sizes, libs: Libs) -> Workload:
    """((a*b + c).tanh() * d).sum() forward and backward on 4-element float64 arrays."""
    a, b, c, d = data.w1_inputs()
    iters = sizes.w1_iterations

    def numpy() -> Go:
        def go() -> Result:
            for _ in range(iters):
                z = a * b
                z += c
                t = np.tanh(z)
                loss = (t * d).sum()
                gz = t * t  # ∂L/∂z = d·(1 − tanh² z)
                np.subtract(1.0, gz, out=gz)
                gz *= d
                ga, gb, gd = gz * b, gz * a, t
            return {"loss": loss, "a": ga, "b": gb, "c": gz, "d": gd}

        return go

    def tge() -> Go:
        A, B, C, D = (Tensor(x, requires_grad=True) for x in (a, b, c, d))

        def go() -> Result:
            for _ in range(iters):
                for p in (A, B, C, D):
                    p.zero_grad()
                loss = ((A * B + C).tanh() * D).sum()
                loss.backward()
            return {"loss": loss.item(), "a": A.grad, "b": B.grad, "c": C.grad, "d": D.grad}

        return go

    def torch_() -> Go:
        torch = libs.torch
        A, B, C, D = (torch.tensor(x, requires_grad=True) for x in (a, b, c, d))

        def go() -> Result:
            for _ in range(iters):
                for p in (A, B, C, D):
                    p.grad = None
                loss = ((A * B + C).tanh() * D).sum()
                loss.backward()
            grads = {k: as_float_array(p.grad) for k, p in zip("abcd", (A, B, C, D), strict=True)}
            return {"loss": loss.item(), **grads}

        return go

    def micrograd() -> Go:
        V = libs.Value
        leaves = [[V(float(x)) for x in arr] for arr in (a, b, c, d)]
        flat = [v for row in leaves for v in row]

        def go() -> Result:
            for _ in range(iters):
                for v in flat:
                    v.grad = 0.0
                ai, bi, ci, di = leaves
                t = [mg_tanh(V, ai[i] * bi[i] + ci[i]) * di[i] for i in range(4)]
                loss = t[0] + t[1] + t[2] + t[3]
                loss.backward()
            grads = {
                k: np.array([v.grad for v in row]) for k, row in zip("abcd", leaves, strict=True)
            }
            return {"loss": loss.data, **grads}

        return go

    wl = Workload(
        "W1", "tiny expression fwd+bwd, 4-element float64", data.TARGETS["W1"], [], rtol=1e-12
    )
    wl.ops, wl.iterations = 5, iters
    wl.impls += [Impl("numpy", numpy), Impl("tinygrad_edu", tge), compiled.w1(a, b, c, d, iters)]
    wl.impls += floor.w1(a, b, c, d, iters)
    _optional(libs, "pytorch", wl, lambda: Impl("pytorch", torch_))
    _optional(libs, "micrograd", wl, lambda: Impl("micrograd", micrograd))
    return wl


# -------------------------------------------------------------------------------------- W2
def w2(sizes: data.Sizes, libs: Libs) -> Workload:
    """Logistic regression, 10 × 2, sigmoid + log loss, batch GD lr 0.5, w = 1, b = 0."""
    X, y = data.insurance()
    n, epochs, lr = len(y), sizes.w2_epochs, 0.5

    def numpy() -> Go:
        XT = np.ascontiguousarray(X.T)
        w0, b0 = np.ones(2), np.zeros(())

        def go() -> Result:
            w, b = w0, b0  # updated in place
            for _ in range(epochs):
                z = X @ w
                z += b
                p = np.exp(-z)
                p += 1.0
                np.divide(1.0, p, out=p)
                pc = np.clip(p, EPS, 1.0 - EPS)
                loss = -np.mean(y * np.log(pc) + (1.0 - y) * np.log(1.0 - pc))
                dz = p - y  # ∂L/∂z = (p − y)/n: sigmoid and log loss fused
                dz /= n
                w -= lr * (XT @ dz)
                b -= lr * dz.sum()
            return {"w": w, "b": b, "loss": loss}

        return go

    def tge() -> Go:
        Xt, yt = Tensor(X), Tensor(y)
        model = Dense(2, 1, activation="sigmoid", weight_init="ones", bias_init="zeros")
        opt = BatchGD(model.parameters(), lr=lr)

        def go() -> Result:
            for _ in range(epochs):
                loss = binary_cross_entropy(model(Xt), yt, eps=EPS)
                opt.zero_grad()
                loss.backward()
                opt.step()
            w, b = model.weight.data.reshape(-1), model.bias.data.reshape(())
            return {"w": w, "b": b, "loss": loss.item()}

        return go

    def torch_() -> Go:
        torch = libs.torch
        Xt, yt = torch.tensor(X), torch.tensor(y).reshape(-1, 1)
        model = torch.nn.Linear(2, 1, dtype=torch.float64)
        torch.nn.init.ones_(model.weight)
        torch.nn.init.zeros_(model.bias)
        opt = torch.optim.SGD(model.parameters(), lr=lr)
        bce = torch.nn.functional.binary_cross_entropy

        def go() -> Result:
            for _ in range(epochs):
                loss = bce(torch.sigmoid(model(Xt)), yt)
                opt.zero_grad()
                loss.backward()
                opt.step()
            w = as_float_array(model.weight).reshape(-1)
            return {"w": w, "b": as_float_array(model.bias).reshape(()), "loss": loss.item()}

        return go

    def micrograd() -> Go:
        V = libs.Value
        rows = [(float(x1), float(x2), float(t)) for (x1, x2), t in zip(X, y, strict=True)]
        w1, w2_, bias = V(1.0), V(1.0), V(0.0)

        def go() -> Result:
            for _ in range(epochs):
                total: Any = None
                for x1, x2, t in rows:
                    p = mg_clip(V, mg_sigmoid(V, w1 * x1 + w2_ * x2 + bias), EPS, 1.0 - EPS)
                    term = t * mg_log(V, p) + (1.0 - t) * mg_log(V, 1.0 - p)
                    total = term if total is None else total + term
                loss = total * (-1.0 / n)
                for v in (w1, w2_, bias):
                    v.grad = 0.0
                loss.backward()
                for v in (w1, w2_, bias):
                    v.data -= lr * v.grad
            return {"w": np.array([w1.data, w2_.data]), "b": bias.data, "loss": loss.data}

        return go

    wl = Workload(
        "W2", "notebook logistic regression, 10×2, batch GD", data.TARGETS["W2"], [], rtol=1e-10
    )
    wl.impls += [
        Impl("numpy", numpy),
        Impl("tinygrad_edu", tge),
        compiled.w2(X, y, epochs, lr, EPS),
    ]
    _optional(libs, "pytorch", wl, lambda: Impl("pytorch", torch_))
    _optional(libs, "micrograd", wl, lambda: Impl("micrograd", micrograd))
    wl.notes.append(f"{epochs} epochs; every version computes the epoch's log loss")
    return wl


# -------------------------------------------------------------------------------------- W6
def w6(sizes: data.Sizes, libs: Libs) -> Workload:
    """``x = x * 1.0001 + 0.0001`` written out N times (2N ops), then ``x.sum()`` backward."""
    steps = sizes.w6_statements
    x0 = np.linspace(0.5, 2.0, 4)

    def numpy() -> Go:
        def go() -> Result:
            x = x0.copy()
            for _ in range(steps):
                x *= 1.0001
                x += 0.0001
            loss = x.sum()
            g = np.ones_like(x)  # the chain rule statement by statement: ∂x'/∂x = 1.0001
            for _ in range(steps):
                g *= 1.0001
            return {"x": x, "loss": loss, "grad": g}

        return go

    def tge() -> Go:
        def go() -> Result:
            x = x_in = Tensor(x0, requires_grad=True)
            for _ in range(steps):
                x = x * 1.0001 + 0.0001
            loss = x.sum()
            loss.backward()
            return {"x": x.data, "loss": loss.item(), "grad": x_in.grad}

        return go

    def torch_() -> Go:
        torch = libs.torch

        def go() -> Result:
            x = x_in = torch.tensor(x0, requires_grad=True)
            for _ in range(steps):
                x = x * 1.0001 + 0.0001
            loss = x.sum()
            loss.backward()
            return {"x": as_float_array(x), "loss": loss.item(), "grad": as_float_array(x_in.grad)}

        return go

    def micrograd() -> Go:
        V = libs.Value

        def go() -> Result:
            leaves = [V(float(v)) for v in x0]
            xs = list(leaves)
            for _ in range(steps):
                xs = [x * 1.0001 + 0.0001 for x in xs]
            loss = xs[0] + xs[1] + xs[2] + xs[3]
            loss.backward()
            grad = np.array([v.grad for v in leaves])
            return {"x": np.array([x.data for x in xs]), "loss": loss.data, "grad": grad}

        return go

    wl = Workload("W6", f"chain of {2 * steps:,} ops, backward", data.TARGETS["W6"], [], rtol=1e-11)
    wl.ops, wl.iterations = 2 * steps + 1, 1
    wl.impls += [Impl("numpy", numpy), Impl("tinygrad_edu", tge), *floor.w6(x0, steps)]
    _optional(libs, "pytorch", wl, lambda: Impl("pytorch", torch_))
    _optional(
        libs,
        "micrograd",
        wl,
        lambda: Impl("micrograd", micrograd, expected_failures=(RecursionError,)),
    )
    wl.notes.append(f"x has 4 float64 elements; {steps:,} statements of one mul and one add")
    return wl
