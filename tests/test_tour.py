"""The tour end to end (quick mode), its report, and the GD study against the notebook's loops."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tinygrad_edu.data import load_home_prices
from tinygrad_edu.tour import SECTIONS, TourResult, run_tour
from tinygrad_edu.tour.context import Context, load_tour_data, transcript
from tinygrad_edu.tour.gd_study import critical_lr, run_gd_study
from tinygrad_edu.tour.learning import logistic_section
from tinygrad_edu.tour.report import Figure, Section, format_table, write_html

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
needs_shared = pytest.mark.skipif(
    not (SHARED / "homeprices_banglore.csv").exists(), reason="the notebook's tables are not beside"
)
FIGURES = {
    "activations.png",
    "log_loss.png",
    "graph_neuron",
    "backward_trace",
    "logistic_cost.png",
    "decision_boundary.png",
    "gd_cost.png",
    "loss_surface.png",
    "lr_sweep.png",
}
TITLES = [
    "Activation functions",
    "Matrix operations and broadcasting",
    "Losses",
    "Autograd and the chain rule",
    "Logistic regression three ways",
    "A compiled training step",
    "Gradient descent: batch, stochastic, mini-batch",
    "prediction: 2600 sq ft, 4 bedrooms",
    "your own data",
]


@pytest.fixture(scope="module")
def tour(tmp_path_factory: pytest.TempPathFactory) -> tuple[TourResult, str]:
    out = tmp_path_factory.mktemp("tour") / "out"
    lines: list[str] = []
    result = run_tour(out, quick=True, progress=False, echo=lines.append)
    return result, "\n".join(lines)


def test_tour_writes_the_report_and_every_figure(tour: tuple[TourResult, str]) -> None:
    result, _ = tour
    assert result.report.name == "report.html" and result.report.stat().st_size > 10_000
    written = {p.stem if p.suffix in (".svg", ".dot") else p.name for p in result.files[1:]}
    assert written == FIGURES
    for path in result.files:
        assert path.exists() and path.stat().st_size > 500, path
    pngs = [p for p in result.files if p.suffix == ".png"]
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)


def test_report_is_self_contained_and_names_every_section(tour: tuple[TourResult, str]) -> None:
    result, _ = tour
    page = result.report.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "<link" not in page and "<script" not in page
    assert page.count("data:image/png;base64,") == 7
    assert page.count("<svg") == 2  # the two graph pictures, inline
    assert len(SECTIONS) == len(TITLES) == 9
    for title in TITLES:
        assert title in page
    assert "MyNN" in page and "PyTorch" in page and "least squares" in page


def test_the_tour_graphs_show_only_what_the_formula_names(tour: tuple[TourResult, str]) -> None:
    folder = tour[0].report.parent
    for stem in ("graph_neuron", "backward_trace"):
        dot = (folder / f"{stem}.dot").read_text(encoding="utf-8")
        assert 'rankdir="TB"' in dot or "rankdir=TB" in dot  # top to bottom, as the README
        for internal in ("Reshape", "reshape1", "const"):
            assert internal not in dot, (stem, internal)
        for name in ("w1", "w2", "age", "aff", "b", "z", "p", "y", "L"):
            assert re.search(rf'label="\{{?{name}\b', dot), (stem, name)


def test_terminal_report_names_every_section(tour: tuple[TourResult, str]) -> None:
    _, text = tour
    for number, title in enumerate(TITLES, start=1):
        assert re.search(rf"\[{number}/9\] .*{re.escape(title)}", text), title
    assert "loop vs MyNN" in text and "report.html" in text
    steps = re.search(r"compiled step: (\d+) of (\d+) losses bit-identical to eager", text)
    assert steps is not None and steps[1] == steps[2], text


def test_terminal_report_has_one_blank_line_before_each_section_and_no_other(
    tour: tuple[TourResult, str],
) -> None:
    lines = tour[1].splitlines()
    after_blank = [lines[i + 1] for i, line in enumerate(lines) if not line.strip()]
    assert len(after_blank) == len(TITLES) + 1  # each section and the closing "wrote ..." line
    assert all(re.match(rf"\[\d/{len(TITLES)}\] ", line) for line in after_blank[:-1]), after_blank
    assert after_blank[-1].startswith("wrote ")
    assert "…" not in tour[1] and "\n  minimum)" in tour[1]  # "least squares (exact minimum)" wraps


def test_tour_matches_the_loop_in_the_logistic_section(tour: tuple[TourResult, str]) -> None:
    result, _ = tour
    section = next(s for s in result.sections if s.key == "logistic")
    table = next(b for b in section.blocks if hasattr(b, "rows"))
    loop, mynn, _ = table.rows  # type: ignore[attr-defined]
    assert loop[1] == mynn[1]  # same number of epochs
    for a, b in zip(loop[2:5], mynn[2:5], strict=True):
        assert float(a) == pytest.approx(float(b), rel=1e-15)


@pytest.mark.usefixtures("without_torch_and_keras")
def test_without_pytorch_and_keras_the_tour_says_how_to_install_them(tmp_path: Path) -> None:
    section = logistic_section(Context(tmp_path, load_tour_data(), quick=True, progress=False))
    assert re.fullmatch(r"Dense \+ Adam: test accuracy \d+%", section.summary[1])
    assert section.summary[2:] == [
        "PyTorch and Keras are not installed: pip install torch==2.13.0 keras"
    ]


def test_transcript_shows_each_line_and_its_value() -> None:
    text = transcript("a = 2 + 3\na * 2  # ten\nprint('hi')", {})
    assert text.splitlines() == [">>> a = 2 + 3", ">>> a * 2  # ten", "10", ">>> print('hi')", "hi"]


def test_html_escapes_text_and_shows_dot_source(tmp_path: Path) -> None:
    dot = tmp_path / "g.dot"
    dot.write_text("digraph { a -> b }")
    s = Section("k", "A <title>")
    s.text("x < y and `code`")
    s.table(["h&"], [["<td>"]])
    s.blocks.append(Figure(dot, "caption"))
    page = write_html([s], tmp_path / "r.html", "T", []).read_text()
    assert "A &lt;title&gt;" in page and "x &lt; y and <code>code</code>" in page
    assert "<th>h&amp;</th>" in page and "<td>&lt;td&gt;</td>" in page
    assert "<pre>digraph { a -&gt; b }</pre>" in page


def test_format_table_aligns_columns() -> None:
    assert format_table(["a", "bb"], [["xxx", "y"]]).splitlines() == [
        "a    bb",
        "───  ──",
        "xxx  y",
    ]


def test_format_table_wraps_long_cells_instead_of_cutting_them() -> None:
    table = format_table(["model", "price"], [["least squares (exact minimum)", "111.6"]], 16)
    assert table.splitlines() == [
        "model" + " " * 12 + "price",  # the column is as wide as its widest line, 15
        "─" * 15 + "  " + "─" * 5,
        "least squares" + " " * 4 + "111.6",
        "(exact minimum)",
    ]


# ------------------------------------------------------- GD modes vs the notebook's loops
def notebook_batch(X: Any, y_true: Any, epochs: int, lr: float = 0.01) -> Any:
    w, b, n = np.ones(X.shape[1]), 0.0, X.shape[0]
    costs = []
    for _ in range(epochs):
        y_pred = np.dot(w, X.T) + b
        w_grad = -(2 / n) * (X.T.dot(y_true - y_pred))
        b_grad = -(2 / n) * np.sum(y_true - y_pred)
        w, b = w - lr * w_grad, b - lr * b_grad
        costs.append(np.mean(np.square(y_true - y_pred)))
    return w, b, costs


def notebook_sgd(X: Any, y_true: Any, steps: int, seed: int, lr: float = 0.01) -> Any:
    """One random row per step, drawn n at a time by a seeded default_rng (with replacement)."""
    w, b, n = np.ones(X.shape[1]), 0.0, X.shape[0]
    rng = np.random.default_rng(seed)
    picks = np.concatenate([rng.integers(0, n, size=n) for _ in range(steps // n)])
    costs = []
    for i in picks:
        x, y = X[i], y_true[i]
        y_pred = np.dot(w, x.T) + b
        w_grad = -(2 / n) * (x.T.dot(y - y_pred))
        b_grad = -(2 / n) * (y - y_pred)
        w, b = w - lr * w_grad, b - lr * b_grad
        costs.append(np.square(y - y_pred))
    return w, b, costs


def notebook_minibatch(X: Any, y_true: Any, epochs: int, size: int, seed: int) -> Any:
    w, b, n, lr = np.ones(X.shape[1]), 0.0, X.shape[0], 0.01
    rng = np.random.default_rng(seed)
    costs = []
    for _ in range(epochs):
        order = rng.permutation(n)
        Xs, ys = X[order], y_true[order]
        for j in range(0, n, size):
            Xj, yj = Xs[j : j + size], ys[j : j + size]
            y_pred = np.dot(w, Xj.T) + b
            w_grad = -(2 / len(Xj)) * (Xj.T.dot(yj - y_pred))
            b_grad = -(2 / len(Xj)) * np.sum(yj - y_pred)
            w, b = w - lr * w_grad, b - lr * b_grad
            costs.append(np.mean(np.square(yj - y_pred)))
    return w, b, costs


@pytest.fixture(scope="module")
def notebook_study() -> Any:
    X, y = load_home_prices(SHARED / "homeprices_banglore.csv")
    return run_gd_study(X, y, seed=7, sweep_lrs=(0.1, 1.5), sweep_epochs=60)


@needs_shared
def test_batch_gd_is_the_notebooks_loop_bit_for_bit(notebook_study: Any) -> None:
    s = notebook_study
    w, b, costs = notebook_batch(s.X_scaled, s.y_scaled, 500)
    run = s.runs["batch"]
    np.testing.assert_array_equal(run.w, w)  # measured: identical bits
    assert run.b == b
    np.testing.assert_array_equal(run.history.loss, costs)
    # What the notebook printed after 500 epochs, and its price for 2600 sq ft / 4 bedrooms.
    np.testing.assert_allclose(run.w, [0.70712464, 0.67456527], atol=5e-9)
    assert run.b == pytest.approx(-0.23034857, abs=5e-9)
    assert s.price(run) == pytest.approx(128.45484, abs=5e-6)
    assert s.price(run, 2600, 4) == s.price(run)


@needs_shared
def test_stochastic_gd_is_the_notebooks_loop(notebook_study: Any) -> None:
    s = notebook_study
    w, b, costs = notebook_sgd(s.X_scaled, s.y_scaled, 10_000, seed=7)
    run = s.runs["stochastic"]
    assert run.history.n_updates == 10_000 and run.lr == pytest.approx(0.01 / 20)
    # The notebook's 2/n factor is lr/n here, applied in another order: measured final weights
    # equal to the bit, per-update costs within 2.8e-16 (2 ulp of the largest cost).
    np.testing.assert_allclose(run.w, w, rtol=0, atol=1e-15)
    assert run.b == pytest.approx(b, abs=1e-15)
    np.testing.assert_allclose(run.history.update_loss, costs, rtol=0, atol=5e-16)


@needs_shared
def test_minibatch_gd_is_the_notebooks_loop(notebook_study: Any) -> None:
    s = notebook_study
    w, b, costs = notebook_minibatch(s.X_scaled, s.y_scaled, 120, 5, seed=7)
    run = s.runs["minibatch"]
    assert run.history.n_updates == 480
    # Measured: final weights equal to the bit, costs within 5.6e-17.
    np.testing.assert_allclose(run.w, w, rtol=0, atol=1e-15)
    assert run.b == pytest.approx(b, abs=1e-15)
    np.testing.assert_allclose(run.history.update_loss, costs, rtol=0, atol=2e-16)


@needs_shared
def test_learning_rate_sweep_diverges_past_two_over_lambda_max(notebook_study: Any) -> None:
    s = notebook_study
    # 2/λ_max of the Hessian (2/n)·AᵀA, A = [X 1], computed here with NumPy's own eigvalsh.
    A = np.column_stack([s.X_scaled, np.ones(20)])
    assert critical_lr(s.X_scaled) == pytest.approx(2 / np.linalg.eigvalsh(A.T @ A / 10).max())
    assert 0.1 < critical_lr(s.X_scaled) < 1.5
    assert s.sweep_outcome(1.5) == "diverged" and s.sweep[1.5].stopped_early
    assert s.sweep_outcome(0.1) != "diverged"
    assert np.isfinite(s.sweep[1.5].loss).all()


@needs_shared
def test_tour_reads_the_notebooks_tables() -> None:
    data = load_tour_data(SHARED)
    assert data.notebook
    assert (len(data.y_train), len(data.y_test), len(data.home_y)) == (22, 6, 20)
    assert data.X_train[:, 0].max() < 1  # age / 100
    with pytest.raises(FileNotFoundError, match=r"insurance_data\.csv"):
        load_tour_data(SHARED.parent)
