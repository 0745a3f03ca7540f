"""The guided tour: the teaching notebook re-done by the framework, as a terminal report and HTML.

``run_tour(out)`` runs every section in order, prints a compact report, and writes
``out/report.html`` (self-contained: figures inlined) plus every figure as its own file.

=========================  =================================================================
section                    what it shows
=========================  =================================================================
activations                σ, tanh, ReLU, leaky ReLU and their derivatives, by backward()
matrices                   matmul, elementwise ops, broadcasting — also in gradients
losses                     MAE, log loss, and why the predictions are clipped at ε
autograd                   the chain rule on one neuron, by hand and by backward()
logistic                   the notebook's loop vs MyNN vs Dense + Adam (vs PyTorch, Keras)
compiled                   the logistic step compiled: its generated code, equal to eager
gd-modes                   batch, stochastic and mini-batch GD; learning-rate sweep
prediction                 2600 sq ft, 4 bedrooms, through the scalers and back
your-data                  the same on your own table
=========================  =================================================================
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .basics import activations_section, losses_section, matrices_section
from .chain_rule import chain_rule_section
from .closing import own_data_section, prediction_section
from .compiled import compiled_section
from .context import Context, load_tour_data
from .learning import gd_section, logistic_section
from .report import Section, render_terminal, write_html

__all__ = ["SECTIONS", "TourResult", "run_tour"]

SECTIONS: tuple[Callable[[Context], Section], ...] = (
    activations_section,
    matrices_section,
    losses_section,
    chain_rule_section,
    logistic_section,
    compiled_section,
    gd_section,
    prediction_section,
    own_data_section,
)
TITLE = "tinygrad_edu: the notebook, re-done by the framework"


@dataclass
class TourResult:
    sections: list[Section]
    report: Path
    seconds: float

    @property
    def files(self) -> list[Path]:
        """The report and every figure, in the order written."""
        return [self.report, *(p for s in self.sections for p in s.figures)]


def run_tour(
    out: Path = Path("tour-output"),
    data_dir: Path | None = None,
    quick: bool = False,
    progress: bool = True,
    echo: Callable[[str], None] = print,
) -> TourResult:
    """Run every section, echo the terminal report, write ``out/report.html``; return them.

    ``data_dir`` holds the notebook's ``insurance_data.csv`` and ``homeprices_banglore.csv``
    (default: the tables shipped with the package). ``quick`` shortens every training run.
    """
    start = time.perf_counter()
    data = load_tour_data(data_dir)
    out.mkdir(parents=True, exist_ok=True)
    ctx = Context(out, data, quick=quick, progress=progress)
    source = "the tables shipped with tinygrad_edu" if data_dir is None else f"{data_dir}"
    echo(f"{TITLE}\ndata: {source}{'  (quick run: shortened training)' if quick else ''}")
    sections = []
    for number, make in enumerate(SECTIONS, start=1):
        section = make(ctx)
        sections.append(section)
        echo(render_terminal(section, number, len(SECTIONS)))
    seconds = time.perf_counter() - start
    intro = [
        f"Data: {source}. Insurance: {len(data.y_train)} training and {len(data.y_test)} test "
        f"rows; home prices: {len(data.home_y)} rows.",
        f"Made by `tinygrad-edu tour` in {seconds:.1f} s"
        + (" (quick run: shortened training)." if quick else "."),
    ]
    report = write_html(sections, out / "report.html", TITLE, intro)
    echo(f"\nwrote {report} and {sum(len(s.figures) for s in sections)} figures in {out}/")
    return TourResult(sections, report, seconds)
