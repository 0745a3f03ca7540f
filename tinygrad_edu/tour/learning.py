"""Tour sections 5–6: logistic regression three ways, and the three gradient-descent modes."""

from __future__ import annotations

import numpy as np

from ..autograd import Array
from ..models import MyNN
from ..train import accuracy
from ..viz import plot_loss_surface, plot_lr_sweep
from . import figures
from .compare import compare_libraries
from .context import Context
from .gd_study import critical_lr, run_gd_study, weights_table
from .report import Section

THRESHOLD = 0.5993


def notebook_loop(
    age: Array, aff: Array, y: Array, epochs: int, threshold: float, lr: float = 0.5
) -> tuple[tuple[float, float, float], list[float]]:
    """The notebook's hand-written batch gradient descent for σ(w1·age + w2·aff + bias).

    Gradients in closed form: ∂L/∂w1 = (1/n)·ageᵀ(p − y), ∂L/∂w2 likewise, ∂L/∂b = mean(p − y).
    Returns the final (w1, w2, bias) and the loss of every epoch.
    """
    w1 = w2 = 1.0
    bias = 0.0
    n = len(age)
    losses = []
    for _ in range(epochs):
        p = 1 / (1 + np.exp(-(w1 * age + w2 * aff + bias)))
        q = np.clip(p, 1e-15, 1 - 1e-15)
        loss = float(-np.mean(y * np.log(q) + (1 - y) * np.log(1 - q)))
        w1 = w1 - lr * (1 / n) * np.dot(age, p - y)
        w2 = w2 - lr * (1 / n) * np.dot(aff, p - y)
        bias = bias - lr * float(np.mean(p - y))
        losses.append(loss)
        if loss <= threshold:
            break
    return (float(w1), float(w2), float(bias)), losses


def _ulps(a: float, b: float) -> str:
    gap = abs(a - b) / np.spacing(abs(b)) if b != 0 else abs(a - b)
    return f"{abs(a - b):.1e} ({gap:.0f} ulp)"


def logistic_section(ctx: Context) -> Section:
    """The notebook's insurance neuron: its hand-written loop against ``MyNN`` and others."""
    s = Section("logistic", "Logistic regression three ways")
    d = ctx.data
    Xtr, ytr, Xte, yte = d.X_train, d.y_train, d.X_test, d.y_test
    s.text(
        f"Does a person buy insurance, given age and whether they can afford it? The model is one "
        f"neuron, p = σ(w1·age/100 + w2·affordability + b), trained on {len(ytr)} rows and tested "
        f"on {len(yte)} (the notebook's split, random_state = 25), all from w1 = w2 = 1, b = 0.",
        "(a) The notebook's hand-written loop: the gradient formulas derived on paper, "
        "∂L/∂w1 = (1/n)·Σ ageᵢ(pᵢ − yᵢ). (b) `MyNN`: the same loop, but the gradients come from "
        "`loss.backward()` through the graph. Both use learning rate 0.5 and stop at the first "
        f"epoch whose loss is ≤ {THRESHOLD}.",
    )
    epochs = 1000
    (lw1, lw2, lb), loop_losses = notebook_loop(Xtr[:, 0], Xtr[:, 1], ytr, epochs, THRESHOLD)
    net = MyNN(lr=0.5)
    history = net.fit(Xtr, ytr, epochs=epochs, loss_threshold=THRESHOLD)
    got = (float(net.w1), float(net.w2), float(net.bias))
    same = sum(a == b for a, b in zip(loop_losses, history.loss, strict=False))
    s.table(
        ["implementation", "epochs", "w1", "w2", "bias", "last loss"],
        [
            [
                "(a) hand-written loop",
                str(len(loop_losses)),
                *(f"{v:.16f}" for v in (lw1, lw2, lb)),
                f"{loop_losses[-1]:.16f}",
            ],
            [
                "(b) MyNN, backward()",
                str(len(history.loss)),
                *(f"{v:.16f}" for v in got),
                f"{history.loss[-1]:.16f}",
            ],
            [
                "|difference|",
                str(len(history.loss) - len(loop_losses)),
                *(_ulps(a, b) for a, b in zip(got, (lw1, lw2, lb), strict=True)),
                _ulps(history.loss[-1], loop_losses[-1]),
            ],
        ],
        f"{same} of {len(loop_losses)} epoch losses are bit-identical.",
    )
    s.text(
        "Same numbers to the last bit or two. The forward pass is bit-identical: the graph runs "
        "the very same NumPy operations in the same order. The gradients are the same "
        "derivative, computed along a different path — the chain rule multiplies "
        "(−y/p + (1 − y)/(1 − p))·p(1 − p) where the paper formula has simplified it to p − y, "
        "and reverse mode applies the mean's 1/n to every sample before summing, where the loop "
        "sums first. Floating point rounds each path differently, by about one unit in the last "
        "place (ulp). Both are right; they are just not the same arithmetic.",
    )
    lr, adam_epochs = 0.01, ctx.epochs(500, 60)
    s.text(
        "(c) The notebook also trained a Keras neuron: Dense(1, sigmoid), weights ones, bias "
        f"zeros, Adam, log loss. Here tinygrad_edu's `Dense` + `Adam` does the same for "
        f"{adam_epochs} full-batch epochs, next to PyTorch and Keras when they are installed "
        f"(same data, start, float64, Adam ε = 1e-7). The learning rate is {lr}, not Keras's "
        "default 0.001: Adam moves each weight by about lr per step, so 500 steps of 0.001 "
        "barely get going (the loss falls from 0.711 only to 0.625 on the notebook's split).",
    )
    cmp = compare_libraries(Xtr, ytr, Xte, lr=lr, epochs=adam_epochs, progress=ctx.progress)
    header, rows = cmp.table()
    s.table(header, rows, "Test predictions are P(bought) for the test rows, in order.")
    for reason in cmp.skipped_lines():
        s.text(reason)
    s.text(
        "PyTorch runs the same Adam rule and agrees to rounding. Keras puts Adam's ε before "
        "the bias correction (a larger effective ε in early steps) and reduces its loss in "
        "float32 even for float64 weights, so it lands a little further away — about 1e-5 here."
    )
    ours = cmp.results[0]
    mynn_acc = accuracy(net.predict(Xte), yte)
    adam_acc = accuracy(ours.test_proba, yte)
    s.figure(
        ctx.save(
            figures.curves(
                [
                    (
                        "batch GD, lr 0.5",
                        "epoch",
                        {"(a) hand-written": loop_losses, "(b) MyNN": history.loss},
                    ),
                    (f"Adam, lr {lr}", "epoch", {r.name: r.losses for r in cmp.results}),
                ],
                log_y=False,
            ),
            "logistic_cost.png",
        ),
        "Cost per epoch. Left: the loop and MyNN draw one curve. Right: Adam in each library.",
    )
    lines = {"MyNN": got, "Dense + Adam": (*ours.weights, ours.bias)}
    s.figure(
        ctx.save(
            figures.decision_boundary(Xte, yte, lines, "test set and decision boundaries"),
            "decision_boundary.png",
        ),
        f"Test rows; each line is where a model's p = 0.5. Test accuracy: MyNN {mynn_acc:.0%}, "
        f"Dense + Adam {adam_acc:.0%}.",
    )
    p47 = float(net.predict([[0.47, 1.0]])[0])
    s.text(f"MyNN's P(bought | age 47, can afford) = {p47:.3f}.")
    compared = "".join(f"; {k}: max |diff| {v:.1e}" for k, v in cmp.differences().items())
    s.say(
        f"loop vs MyNN: {len(loop_losses)} vs {len(history.loss)} epochs, largest parameter gap "
        f"{max(abs(a - b) for a, b in zip(got, (lw1, lw2, lb), strict=True)):.1e}",
        f"Dense + Adam: test accuracy {adam_acc:.0%}{compared}",
        *cmp.skipped_lines(),
    )
    return s


def gd_section(ctx: Context) -> Section:
    """Batch, stochastic and mini-batch gradient descent on the home prices, side by side."""
    s = Section("gd-modes", "Gradient descent: batch, stochastic, mini-batch")
    X, y = ctx.data.home_X, ctx.data.home_y
    n = len(y)
    study = run_gd_study(
        X,
        y,
        batch_epochs=ctx.epochs(500, 100),
        sgd_steps=ctx.epochs(10_000, 2_000),
        minibatch_epochs=ctx.epochs(120, 30),
        sweep_epochs=ctx.epochs(200, 40),
        progress=ctx.progress,
    )
    s.text(
        f"Home prices: price ≈ w1·area + w2·bedrooms + b on {n} homes, with each column min-max "
        "scaled to [0, 1] (area in square feet would otherwise swamp bedrooms). One linear "
        "neuron, mean squared error, w = (1, 1), b = 0. The three modes differ only in how many "
        "rows each update looks at: all of them (batch), one drawn at random (stochastic), or "
        "5 of a fresh shuffle (mini-batch).",
        f"The notebook's stochastic loop scales one row's gradient by 2/n rather than 2, which "
        f"is plain SGD with learning rate 0.01/n = {0.01 / n:.3g}: its "
        f"{study.runs['stochastic'].history.n_updates:,} tiny steps move the weights about as "
        f"far as {study.runs['stochastic'].history.n_updates / n:.0f} batch epochs.",
    )
    header, rows = weights_table(study)
    s.table(header, rows, "Final cost: the cost of the last update's batch.")
    runs = study.runs
    s.figure(
        ctx.save(
            figures.curves(
                [
                    ("cost per epoch", "epoch", {r.label: r.history.loss for r in runs.values()}),
                    (
                        "cost per update",
                        "update (log scale)",
                        {r.label: r.history.update_loss for r in runs.values()},
                    ),
                ],
                smooth=(0, min(n, 100)),
            ),
            "gd_cost.png",
        ),
        "Cost versus iteration. Per epoch, the modes look alike; per update, stochastic GD is "
        "noisy (each update sees one row) and mini-batch sits in between.",
    )
    Xs, ys = study.X_scaled, study.y_scaled
    b_fixed = runs["batch"].b

    def cost(w1: float, w2: float) -> float:
        return float(np.mean((w1 * Xs[:, 0] + w2 * Xs[:, 1] + b_fixed - ys) ** 2))

    paths = {run.label: np.array(run.path)[:, :2] for run in runs.values()}
    every = np.concatenate(list(paths.values()))
    lo, hi = every.min(axis=0) - 0.15, every.max(axis=0) + 0.15
    surface = ctx.out / "loss_surface.png"
    plot_loss_surface(cost, (lo[0], hi[0]), (lo[1], hi[1]), paths=paths, path=surface,
                      names=("w1 (area)", "w2 (bedrooms)"))  # fmt: skip
    s.figure(
        surface,
        f"The cost as a landscape over the two weights (bias held at batch GD's final value, "
        f"{b_fixed:.3f}), and each mode's path, one point per epoch, from the start at (1, 1).",
    )
    crit = critical_lr(Xs)
    s.text(
        f"Learning rate. On this quadratic cost, batch GD converges for lr < 2/λ_max = {crit:.3f} "
        "(λ_max: the largest curvature) and diverges above it: every step overshoots the "
        "minimum by more than the last. Too small and it crawls."
    )
    sweep = ctx.out / "lr_sweep.png"
    diverging = [float("inf")]  # stopped before overflowing; drawn as the infinity it heads to
    curves = {
        lr: h.loss + diverging if study.sweep_outcome(lr) == "diverged" else h.loss
        for lr, h in study.sweep.items()
    }
    plot_lr_sweep(curves, path=sweep)
    s.figure(
        sweep,
        "Batch GD at several learning rates: cost per epoch (left) and the final "
        "cost against the rate (right); diverging runs are stopped before they overflow.",
    )
    s.say(
        *(f"{r[0]}: w = ({r[3]}, {r[4]}), b = {r[5]}, price {r[7]}" for r in rows),
        "lr sweep: " + ", ".join(f"{lr:g} {study.sweep_outcome(lr)}" for lr in study.sweep),
    )
    ctx.results["gd"] = study
    return s
