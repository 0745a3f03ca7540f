"""The notebooks in ``demos/`` run top to bottom in a fresh kernel, and are saved with outputs.

Each notebook is copied into a temporary folder and executed there with nbclient, on the kernel
of the Python running the tests; any cell error fails the test, and so does a warning printed by a
cell. When the teaching notebook's original tables are beside the repository (``../shared/data``)
they are linked into the same place relative to the copy, so the cells that read them run too.

The saved files must read well without running: every code cell executed, in order, no errors, no
paths of the machine that ran them, figures as modest inline PNGs.

To execute the notebooks and save them with their outputs (after editing one):

    .venv/bin/python tests/test_notebooks.py [demos/NAME.ipynb ...]
"""

from __future__ import annotations

import base64
import importlib.util
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


@pytest.mark.skipif(not HAVE_RUNNER, reason="nbclient, nbformat or ipykernel not installed")
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_in_a_clean_kernel(path: Path, tmp_path: Path) -> None:
    from nbclient.exceptions import CellExecutionError

    try:
        nb = _execute(path, tmp_path)
    except CellExecutionError as err:
        pytest.fail(f"{path.name}: a cell failed\n{err}")
    assert not _warnings(nb), f"{path.name} printed warnings: {_warnings(nb)}"


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
        with tempfile.TemporaryDirectory() as tmp:
            nb = _execute(path, Path(tmp), link_shared=False)  # saved outputs: shipped data
        for cell in nb.cells:
            cell.metadata.pop("execution", None)
        nbformat.write(nb, path)
        print(f"executed and saved {path.name}")


if __name__ == "__main__":
    main(sys.argv[1:])
    shutil.rmtree(ROOT / "demos" / ".ipynb_checkpoints", ignore_errors=True)
