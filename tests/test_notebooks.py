"""The notebooks in ``demos/`` run top to bottom in a fresh kernel, and are saved with outputs.

Each notebook is copied into a temporary folder and executed there with nbclient, on the kernel
of the Python running the tests; any cell error fails the test, and so does a warning printed by a
cell, and so does a file the notebook leaves in its folder (a reader's ``demos/`` stays clean).
What its cells print must match what the saved copy shows (numbers to 4 significant digits), so a
notebook cannot go stale when the library changes. Notebooks with optional cells for the teaching
notebook's original tables run a second time with those tables linked in at
``../shared/data`` (relative to the copy), when they are beside the repository.

The saved files must read well without running: every code cell executed, in order, no errors, no
paths of the machine that ran them, figures as modest inline PNGs.

To execute the notebooks and save them with their outputs (after editing one):

    .venv/bin/python tests/test_notebooks.py [demos/NAME.ipynb ...]
"""

from __future__ import annotations

import base64
import importlib.util
import math
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEMOS = ROOT / "demos"
SHARED = ROOT.parent / "shared"
NOTEBOOKS = sorted(DEMOS.glob("*.ipynb"))
EXPECTED = [
    "01_activation_functions.ipynb",
    "02_matrices_and_broadcasting.ipynb",
    "03_losses.ipynb",
    "04_autograd_and_the_chain_rule.ipynb",
    "05_logistic_regression_three_ways.ipynb",
    "06_gradient_descent_modes.ipynb",
    "07_mlp_on_real_data.ipynb",
    "08_higher_order_and_forward_mode.ipynb",
    "09_layers_optimizers_and_pytorch.ipynb",
    "10_a_small_cnn.ipynb",
]
HAVE_RUNNER = all(importlib.util.find_spec(m) for m in ("nbclient", "nbformat", "ipykernel"))
MACHINE_PATH = re.compile(r"/(home|tmp|work|root|Users|var|opt|usr)/|\\Users\\|site-packages")
MAX_PNG_BYTES = 200_000
TIMEOUT = 300


def _execute(path: Path, workdir: Path, link_shared: bool = True) -> Any:
    """Run the notebook at ``path`` from ``workdir/demos`` and return it with its outputs.

    With ``link_shared``, the original tables (when present) appear at ``workdir/shared``.
    """
    import nbformat
    from nbclient import NotebookClient

    demos = workdir / "demos"
    demos.mkdir(parents=True, exist_ok=True)
    if link_shared and SHARED.is_dir() and not (workdir / "shared").exists():
        (workdir / "shared").symlink_to(SHARED, target_is_directory=True)
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(demos)}},
    )
    client.execute()
    return nb


def _code_cells(nb: Any) -> list[Any]:
    return [c for c in nb.cells if c.cell_type == "code"]


def _warnings(nb: Any) -> list[str]:
    return [
        out.text
        for cell in _code_cells(nb)
        for out in cell.get("outputs", [])
        if out.output_type == "stream" and out.name == "stderr" and "Warning" in out.text
    ]


NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def _printed(nb: Any) -> list[str]:
    """What each code cell printed to stdout or returned, in order (no figures, no stderr).

    stderr is left out: a first import of matplotlib on a new machine says there that it is
    building its font cache. Warnings on stderr are caught by ``_warnings`` instead.
    """
    texts = []
    for cell in _code_cells(nb):
        parts = []
        for out in cell.get("outputs", []):
            if out.output_type == "stream" and out.name == "stdout":
                parts.append(out.text)
            elif out.output_type == "execute_result":
                parts.append(out.data.get("text/plain", ""))
        texts.append("".join(parts))
    return texts


def _needs_missing_library(nb: Any) -> set[int]:
    """Numbers (from 1) of code cells tagged ``optional:<module>`` whose module is not installed.

    Such a cell was saved with the library (e.g. the PyTorch comparison) and prints a one-line
    "not installed" note without it; the note is right, so its output is not compared.
    """
    missing = set()
    for k, cell in enumerate(_code_cells(nb), start=1):
        for tag in cell.get("metadata", {}).get("tags", []):
            if tag.startswith("optional:") and importlib.util.find_spec(tag[9:]) is None:
                missing.add(k)
    return missing


def _same_text(saved: str, fresh: str) -> bool:
    """Equal words, and numbers equal to 4 significant digits (last-bit noise is not a change)."""
    if NUMBER.sub("#", saved) != NUMBER.sub("#", fresh):
        return False
    pairs = zip(NUMBER.findall(saved), NUMBER.findall(fresh), strict=True)
    return all(math.isclose(float(a), float(b), rel_tol=1e-4, abs_tol=1e-12) for a, b in pairs)


def _run(path: Path, workdir: Path, link_shared: bool) -> Any:
    from nbclient.exceptions import CellExecutionError

    try:
        nb = _execute(path, workdir, link_shared=link_shared)
    except CellExecutionError as err:
        pytest.fail(f"{path.name}: a cell failed\n{err}")
    assert not _warnings(nb), f"{path.name} printed warnings: {_warnings(nb)}"
    left = sorted(p.name for p in (workdir / "demos").iterdir())
    assert not left, f"{path.name} left {left} beside itself; write to a temporary folder instead"
    return nb


@pytest.mark.skipif(not HAVE_RUNNER, reason="nbclient, nbformat or ipykernel not installed")
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_and_prints_what_it_was_saved_with(path: Path, tmp_path: Path) -> None:
    """Runs top to bottom on the shipped data, and its saved outputs are not stale."""
    import nbformat

    fresh = _printed(_run(path, tmp_path, link_shared=False))
    saved_nb = nbformat.read(path, as_version=4)
    saved = _printed(saved_nb)
    missing = _needs_missing_library(saved_nb)
    assert len(fresh) == len(saved)
    for k, (old, new) in enumerate(zip(saved, fresh, strict=True), start=1):
        if k in missing:  # saved with an optional library this machine lacks: ran, not compared
            continue
        assert _same_text(old, new), (
            f"{path.name}, code cell {k} now prints something else; re-run "
            f"python tests/test_notebooks.py {path.relative_to(ROOT)}\n"
            f"--- saved:\n{old}\n--- now:\n{new}"
        )


USES_ORIGINALS = [p for p in NOTEBOOKS if '\\"shared\\"' in p.read_text(encoding="utf-8")]


@pytest.mark.skipif(not HAVE_RUNNER, reason="nbclient, nbformat or ipykernel not installed")
@pytest.mark.skipif(not SHARED.is_dir(), reason="the original tables are not beside the repo")
@pytest.mark.parametrize("path", USES_ORIGINALS, ids=lambda p: p.name)
def test_optional_cells_read_the_original_tables(path: Path, tmp_path: Path) -> None:
    printed = "".join(_printed(_run(path, tmp_path, link_shared=True)))
    assert "original table" in printed, f"{path.name} did not pick up the original table"


@pytest.mark.skipif(not HAVE_RUNNER, reason="nbclient, nbformat or ipykernel not installed")
@pytest.mark.skipif(not SHARED.is_dir(), reason="the original tables are not beside the repo")
def test_tables_further_up_than_beside_the_repository_are_not_read(tmp_path: Path) -> None:
    """Only demos/, the repository and the folder holding it are searched for ``shared/``."""
    (tmp_path / "shared").symlink_to(SHARED, target_is_directory=True)
    workdir = tmp_path / "one" / "two"  # so shared/ is three levels above the notebook
    path = DEMOS / "06_gradient_descent_modes.ipynb"
    printed = "".join(_printed(_run(path, workdir, link_shared=False)))
    assert "Using the table shipped with tinygrad_edu." in printed


def test_the_stale_output_check_can_fail() -> None:
    assert _same_text("loss 0.123456 after 5 epochs", "loss 0.1234561 after 5 epochs")
    assert not _same_text("loss 0.1235 after 5 epochs", "loss 0.1240 after 5 epochs")
    assert not _same_text("Tensor(2., grad_fn=Mean)", "Tensor(2., grad_fn=MeanSquaredError)")


def test_the_notebooks_are_all_there() -> None:
    missing = [name for name in EXPECTED if not (DEMOS / name).is_file()]
    assert not missing, f"notebooks missing from demos/: {missing}"


@pytest.mark.skipif(not HAVE_RUNNER, reason="nbformat not installed")
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_saved_notebook_reads_well_without_running(path: Path) -> None:
    import nbformat

    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    cells = _code_cells(nb)
    assert cells, f"{path.name} has no code"
    counts = [c.execution_count for c in cells]
    assert counts == list(range(1, len(cells) + 1)), (
        f"{path.name} is not saved freshly executed top to bottom (execution counts {counts}); "
        "run: python tests/test_notebooks.py"
    )
    assert nb.cells[0].cell_type == "markdown", f"{path.name} should open with an explanation"
    assert sum(c.cell_type == "markdown" for c in nb.cells) * 2 >= len(cells), (
        f"{path.name}: too little explanation for its code"
    )
    for cell in cells:
        for out in cell.get("outputs", []):
            assert out.output_type != "error", f"{path.name} was saved with an error"
            png = out.get("data", {}).get("image/png")
            if png:
                assert len(base64.b64decode(png)) <= MAX_PNG_BYTES, f"{path.name}: figure too big"
    assert not _warnings(nb), f"{path.name} was saved with warnings in its outputs"
    for cell in cells:  # figures are binary data, anything else is text a reader sees
        for out in cell.get("outputs", []):
            out.get("data", {}).pop("image/png", None)
    found = MACHINE_PATH.search(nbformat.writes(nb))
    assert found is None, f"{path.name} contains a path of this machine: {found.group(0)!r}"


def main(paths: list[str]) -> None:
    """Execute each notebook (all of ``demos/`` by default) and save it with its outputs.

    The saved outputs come from the data shipped with the package, never the original tables.
    """
    import tempfile

    import nbformat

    for name in paths or [str(p) for p in NOTEBOOKS]:
        path = Path(name).resolve()
        with tempfile.TemporaryDirectory() as tmp:  # a level down: no shared/ beside it
            nb = _execute(path, Path(tmp) / "copy", link_shared=False)  # outputs: shipped data
        for cell in nb.cells:
            cell.metadata.pop("execution", None)
        nbformat.write(nb, path)
        print(f"executed and saved {path.name}")


if __name__ == "__main__":
    main(sys.argv[1:])
    shutil.rmtree(ROOT / "demos" / ".ipynb_checkpoints", ignore_errors=True)
