"""Tour sections 1–3: activation functions, matrices and broadcasting, losses."""

from __future__ import annotations

import numpy as np

from ..activations import derivative
from ..losses import binary_cross_entropy, mae
from ..tensor import Tensor
from ..viz import plot_activations
from . import figures
from .context import Context, transcript
from .report import Section

ACTIVATIONS = {
    "sigmoid": lambda t: t.sigmoid(),
    "tanh": lambda t: t.tanh(),
    "relu": lambda t: t.relu(),
    "leaky_relu (α = 0.1)": lambda t: t.leaky_relu(0.1),
}


def _by_backward(name: str, xs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """f(x) and f′(x), the derivative read from ``x.grad`` after ``f(x).sum().backward()``."""
    x = Tensor(xs, requires_grad=True)
    y = ACTIVATIONS[name](x)
    y.sum().backward()  # ∂(Σ f(xᵢ))/∂xᵢ = f′(xᵢ): one backward gives every derivative
    assert x.grad is not None
    return y.data, x.grad


def activations_section(ctx: Context) -> Section:
    """The tour's first section: sigmoid, tanh, ReLU and leaky ReLU with derivatives by autograd."""
    s = Section("activations", "Activation functions and their derivatives")
    s.text(
        "A neuron adds up its weighted inputs, z = w·x + b, and passes z through an activation "
        "function. Without one, layers of neurons would collapse into a single linear map; "
        "with one, the network can bend. Training needs the activation's derivative f′(z) too: "
        "it is the factor by which the gradient is scaled on its way back through the neuron.",
        "Below, every derivative comes from the framework's `backward()`: for x holding many "
        "points, `f(x).sum().backward()` leaves f′(xᵢ) in `x.grad` — and it is checked against "
        "the textbook formula.",
    )
    xs = np.linspace(-5, 5, 201)
    worst = 0.0
    closed = {"sigmoid": "sigmoid", "tanh": "tanh", "relu": "relu"}
    for name in ACTIVATIONS:
        slope = _by_backward(name, xs)[1]
        formula = derivative(closed.get(name, "leaky_relu"), xs, negative_slope=0.1)
        worst = max(worst, float(np.abs(formula - slope).max()))
    points = np.array([-3.0, -1.0, 0.0, 1.0, 3.0])
    header = ["x"]
    for name in ACTIVATIONS:
        short = name.split(" ")[0]
        header += [short, f"{short}′"]
    rows = []
    for x in points:
        row = [f"{x:g}"]
        for name in ACTIVATIONS:
            f, d = _by_backward(name, np.array([x]))
            row += [f"{f[0]:.4f}", f"{d[0]:.4f}"]
        rows.append(row)
    s.table(header, rows, "f(x) and f′(x) by backward(); at x = 0 ReLU's derivative is taken as 0.")
    s.text(
        "What to notice: σ′ is at most 0.25 and tanh′ at most 1, and both vanish for large |x| "
        "(saturation): a saturated neuron passes almost no gradient back, which slows deep "
        "networks down. ReLU passes the gradient unchanged for x > 0 and not at all for x < 0 — a "
        "unit stuck there is 'dead'. Leaky ReLU keeps a small slope (here 0.1) so it never dies. "
        "σ maps to (0, 1), which is why it ends a binary classifier: the output reads as a "
        "probability.",
    )
    picture = ctx.out / "activations.png"
    plot_activations(negative_slope=0.1, path=picture)
    s.figure(
        picture, "Activation functions (solid) and their derivatives from backward() (dashed)."
    )
    s.say(
        f"4 activations on 201 points: backward() matches the closed-form derivatives "
        f"(max |diff| {worst:.1e})"
    )
    return s


MATRIX_SESSION = """
X = Tensor([[0.23, 1.0], [0.31, 0.0], [0.45, 1.0]])  # 3 people: age/100, affordability
w = Tensor([[1.0], [1.0]], requires_grad=True)  # one weight per column: (2, 1)
b = Tensor([0.0], requires_grad=True)  # one bias, shape (1,)
z = X @ w + b  # (3, 2) @ (2, 1) → (3, 1); b is broadcast to every row
z
X * Tensor([100.0, 1.0])  # (3, 2) * (2,): elementwise, the row is repeated
(Tensor([[1.0], [2.0], [3.0]]) + Tensor([[10.0, 20.0, 30.0, 40.0]])).shape  # (3,1)+(1,4)
z.sum().backward()  # L = Σ zᵢ
w.grad  # ∂L/∂w = Xᵀ·1: each weight sums its column
b.grad  # b was copied to 3 rows, so its gradient adds 3 ones
"""


def matrices_section(ctx: Context) -> Section:
    """The tour's section on matrix products and broadcasting, shapes written out."""
    s = Section("matrices", "Matrix operations and broadcasting")
    s.text(
        "A layer works on all samples at once: with one row per sample, X has shape (n, "
        "features), the weights (features, outputs), and `X @ w` gives (n, outputs) — the inner "
        "sizes must agree. `*` is different: it multiplies element by element.",
        "Broadcasting lets shapes that differ meet: a dimension of size 1 (or a missing leading "
        "one) is stretched to match, without copying. That is how one bias is added to every "
        "row. Autograd has to undo it: the bias was used n times, so its gradient is the sum "
        "of n contributions. The engine does this once for every op, summing over the stretched "
        "axes, so every gradient has the shape of its tensor.",
    )
    s.code(transcript(MATRIX_SESSION, {"Tensor": Tensor}))
    s.table(
        ["operation", "shapes", "result", "gradient shapes"],
        [
            ["X @ w", "(3, 2) @ (2, 1)", "(3, 1)", "X: (3, 2), w: (2, 1)"],
            ["z + b", "(3, 1) + (1,)", "(3, 1)", "b: (1,) — summed over the 3 rows"],
            ["a + c", "(3, 1) + (1, 4)", "(3, 4)", "a: (3, 1), c: (1, 4)"],
            ["X * v", "(3, 2) * (2,)", "(3, 2)", "v: (2,) — summed over rows"],
        ],
        "Shapes in the session above; each gradient has its tensor's shape.",
    )
    s.say("X @ w + b: (3, 2) @ (2, 1) + (1,) → (3, 1); b.grad sums the 3 broadcast copies")
    return s


LOSS_SESSION = """
y_true = [0.30, 0.7, 1, 0, 0.5]
y_predicted = [1, 1, 0, 0, 1]
mae(y_predicted, y_true)  # mean |p − y| = (0.7 + 0.3 + 1 + 0 + 0.5) / 5
binary_cross_entropy(y_predicted, y_true)  # p clipped into [1e-15, 1 − 1e-15]
"""


def losses_section(ctx: Context) -> Section:
    """The tour's section on MAE and the log loss, and why the log loss clips by epsilon."""
    s = Section("losses", "Losses: MAE, log loss, and why epsilon")
    s.text(
        "A loss turns all predictions into one number to minimise. The mean absolute error "
        "averages |p − y|. For probabilities the log loss (binary cross-entropy) is the standard "
        "choice: L = −mean(y·ln p + (1 − y)·ln(1 − p)). It charges little for a confident right "
        "answer and without bound for a confident wrong one.",
        "Without bound is the problem: ln 0 = −∞. A prediction of exactly 0 or 1 (the example "
        "below has several) makes the loss infinite or NaN, and training breaks. Clipping p into "
        "[ε, 1 − ε] with ε = 1e-15 caps the cost of one prediction at −ln ε ≈ 34.5. Inside the "
        "clip the gradient is untouched; outside it is 0, since the clipped value no longer "
        "depends on p.",
    )
    s.code(transcript(LOSS_SESSION, {"mae": mae, "binary_cross_entropy": binary_cross_entropy}))
    with np.errstate(divide="ignore", invalid="ignore"):
        y, p = np.array([0.30, 0.7, 1, 0, 0.5]), np.array([1.0, 1, 0, 0, 1])
        raw = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    rows = []
    shown = ("1e-20", "1e-15", "0.001", "0.1", "0.5", "0.9", "1 − 1e-16", "1")
    for label, q in zip(shown, (1e-20, 1e-15, 1e-3, 0.1, 0.5, 0.9, 1 - 1e-16, 1.0), strict=True):
        pt = Tensor([q], requires_grad=True)
        loss = binary_cross_entropy(pt, [1.0])
        loss.backward()
        assert pt.grad is not None
        rows.append([label, f"{loss.item():.4f}", f"{pt.grad[0] + 0.0:.4g}"])
    s.table(
        ["p (label y = 1)", "loss −ln(clip p)", "∂L/∂p by backward"],
        rows,
        "Beyond the clip (p < 1e-15, or above 1 − 1e-15) the loss is constant and the gradient 0.",
    )
    s.text(
        f"The same log loss in plain NumPy without clipping gives {raw} for the example above: "
        "one 0·ln 0 is enough to poison the mean."
    )
    s.figure(
        ctx.save(figures.log_loss_curves(np.logspace(-18, 0, 400), 1e-15), "log_loss.png"),
        "Log loss of one prediction for each label; clipping at ε caps it at −ln ε.",
    )
    err = mae([1, 1, 0, 0, 1], y).item()
    bce = binary_cross_entropy([1, 1, 0, 0, 1], y).item()
    s.say(f"MAE {err:.4f}; log loss with ε = 1e-15: {bce:.4f}; without clipping: {raw}")
    return s
