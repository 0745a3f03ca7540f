"""What every section of the tour shares: the data, the output folder, the run settings.

Also ``transcript``, which runs a few lines of Python the way an interactive session would and
records each line with what it printed, so the code shown in the report is the code that ran.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..autograd import Array
from ..data import DataError, load_home_prices, load_insurance, train_test_split

#: The notebook's file names, looked for in ``--data-dir``.
INSURANCE_CSV = "insurance_data.csv"
HOME_PRICES_CSV = "homeprices_banglore.csv"


@dataclass
class TourData:
    """The two tables: insurance (age/100, affordability → bought) split 80/20, home prices."""

    source: str
    X_train: Array
    X_test: Array
    y_train: Array
    y_test: Array
    home_X: Array
    home_y: Array

    @property
    def notebook(self) -> bool:
        """True when these are the notebook's own tables (so its printed numbers apply)."""
        return self.source != "shipped"


def load_tour_data(data_dir: Path | None = None) -> TourData:
    """The shipped tables, or the notebook's CSVs from ``data_dir`` (FileNotFoundError if absent,
    DataError if the insurance table has fewer than the 2 rows a split needs).

    Insurance: X = [age/100, affordability], split by ``train_test_split(test_size=0.2,
    random_state=25)`` as the notebook did. Home prices: X = [area, bedrooms], y = price.
    """
    if data_dir is None:
        X, y = load_insurance(scale_age=True)
        home = load_home_prices()
        source = "shipped"
    else:
        paths = [data_dir / INSURANCE_CSV, data_dir / HOME_PRICES_CSV]
        missing = [p.name for p in paths if not p.is_file()]
        if missing:
            raise FileNotFoundError(f"{data_dir} has no {' or '.join(missing)}")
        X, y = load_insurance(paths[0], scale_age=True)
        if len(y) < 2:
            raise DataError(
                f"{paths[0]}: {len(y)} data row(s) are too few to split into a training and a "
                "test part; the tour needs at least 2"
            )
        home = load_home_prices(paths[1])
        source = str(data_dir)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=25)
    return TourData(source, X_train, X_test, y_train, y_test, home[0], home[1])


@dataclass
class Context:
    """Settings of one tour run; ``quick`` shortens every training run (for tests)."""

    out: Path
    data: TourData
    quick: bool = False
    progress: bool = True
    results: dict[str, Any] = field(default_factory=dict)  # passed from section to section

    def epochs(self, full: int, quick: int) -> int:
        """``quick`` epochs in a quick tour (``--quick``), else ``full``."""
        return quick if self.quick else full

    def save(self, fig: Any, name: str) -> Path:
        """Save a matplotlib Figure as ``out/name`` (PNG at 110 dpi) and return the path."""
        path = self.out / name
        fig.savefig(path, dpi=110, bbox_inches="tight")
        return path


def transcript(lines: str, namespace: dict[str, Any]) -> str:
    """Run ``lines`` one statement per line, like ``>>>`` prompts; return prompts and outputs.

    Expressions show their ``repr`` (NumPy arrays with 4 significant digits), statements what
    they print. A trailing ``# comment`` is kept in the shown line.
    """
    shown = []
    with np.printoptions(precision=4, suppress=True):
        for line in lines.strip("\n").splitlines():
            shown.append(f">>> {line}")
            code = line.split("  #")[0].strip()
            if not code:
                continue
            buffer = io.StringIO()
            with contextlib.redirect_stdout(buffer):
                try:
                    value = eval(compile(code, "<tour>", "eval"), namespace)
                except SyntaxError:
                    exec(compile(code, "<tour>", "exec"), namespace)
                    value = None
            if buffer.getvalue():
                shown.append(buffer.getvalue().rstrip("\n"))
            if value is not None:
                shown.append(repr(value))
    return "\n".join(shown)
