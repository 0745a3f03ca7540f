"""The ``tinygrad-edu`` command line: help, version, bad arguments, train, graph."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tinygrad_edu.cli import main


def run(capsys: Any, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_version_and_help(capsys: Any) -> None:
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.startswith("tinygrad-edu 0.")
    for argv in (["--help"], ["tour", "--help"], ["train", "--help"], ["graph", "--help"]):
        code, out, _ = run(capsys, *argv)
        assert code == 0 and out.startswith("usage: tinygrad-edu"), argv
    assert "--batch-size" in run(capsys, "train", "--help")[1]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["train", "--dataset", "mnist"], "unknown dataset 'mnist'; choose insurance"),
        (["train", "--lr", "0"], "argument --lr: --lr must be > 0, got 0"),
        (["train", "--lr", "-0.5"], "--lr must be > 0, got -0.5"),
        (["train", "--lr", "fast"], "--lr must be a number, got 'fast'"),
        (["train", "--epochs", "0"], "--epochs must be > 0, got 0"),
        (["train", "--epochs", "2.5"], "--epochs must be a number, got '2.5'"),
        (["train", "--dataset", "no/such.csv"], "--dataset no/such.csv: no such file"),
        (["train", "--model", "svm"], "argument --model: invalid choice: 'svm'"),
        (["train", "--dataset", "insurance", "--model", "linear"], "linear needs a numeric"),
        (["tour", "--data-dir", "no/such/dir"], "--data-dir no/such/dir: no such folder"),
        (["graph", "resnet"], "invalid choice: 'resnet'"),
        (["fly"], "invalid choice: 'fly'"),
    ],
)
def test_bad_arguments_give_one_line_and_status_2(
    capsys: Any, argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("tinygrad-edu: error: "), err
    assert message in err
    assert "Traceback" not in err and out == ""


def test_no_arguments_prints_the_help(capsys: Any) -> None:
    code, out, err = run(capsys)
    assert code == 0 and err == ""
    assert out.startswith("usage: tinygrad-edu") and all(
        c in out for c in ("tour", "train", "graph")
    )


def test_train_help_shows_every_default(capsys: Any) -> None:
    out = " ".join(run(capsys, "train", "--help")[1].split())
    for text in (
        "(default: batch for linear, adam otherwise)",
        "else by mode: batch 0.1, sgd 0.01, minibatch 0.05, momentum 0.05, adam 0.01)",
        "(default: 30 for mlp, 500 otherwise)",
        "(default: 32 for mlp unless --mode batch;",
        "(default: 32)",
        "(default: 0)",
        "(default: insurance)",
    ):
        assert text in out, text


def test_an_mlp_on_a_binary_task_reports_its_accuracy(capsys: Any, tmp_path: Path) -> None:
    table = tmp_path / "separable.csv"  # the label is x1 > 5: an easy, exactly learnable rule
    table.write_text("x1,x2,label\n" + "".join(f"{i},{i % 3},{int(i > 5)}\n" for i in range(12)))
    code, out, _ = run(
        capsys, "train", "--dataset", str(table), "--model", "mlp", "--epochs", "3",
        "--no-progress",
    )  # fmt: skip
    assert code == 0
    test_line = next(line for line in out.splitlines() if line.startswith("test:"))
    assert re.fullmatch(r"test:  loss [0-9.e+-]+, accuracy (0|1|0\.[0-9]+)", test_line), test_line


def test_data_dir_without_the_tables(capsys: Any, tmp_path: Path) -> None:
    code, _, err = run(capsys, "tour", "--data-dir", str(tmp_path), "--quick")
    assert code == 2 and "insurance_data.csv or homeprices_banglore.csv" in err


def test_bad_arguments_from_a_real_process() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tinygrad_edu.cli", "train", "--lr", "-1"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "tinygrad-edu: error: train: argument --lr: --lr must be > 0, got -1"
    ]


def test_train_prints_the_history(capsys: Any) -> None:
    code, out, _ = run(
        capsys, "train", "--dataset", "insurance", "--mode", "batch", "--lr", "2",
        "--epochs", "40", "--no-progress",
    )  # fmt: skip
    assert code == 0
    assert "History(epochs_run=40, n_updates=40" in out
    assert "model: logistic regression" in out and "BatchGD(lr=2" in out
    assert "test:  loss" in out and "accuracy" in out and "learned: w = [" in out


def test_train_linear_mlp_and_a_csv(capsys: Any, tmp_path: Path) -> None:
    code, out, _ = run(capsys, "train", "--dataset", "home-prices", "--epochs", "5")
    assert code == 0 and "model: linear regression" in out and "History(epochs_run=5," in out
    code, out, _ = run(
        capsys, "train", "--dataset", "digits", "--epochs", "1", "--hidden", "8", "--no-progress"
    )
    assert code == 0 and "Sequential(" in out and "accuracy" in out
    table = tmp_path / "mine.csv"
    table.write_text("x1,x2,label\n" + "".join(f"{i},{i % 3},{int(i > 5)}\n" for i in range(12)))
    saved = tmp_path / "model.npz"
    code, out, _ = run(
        capsys, "train", "--dataset", str(table), "--mode", "sgd", "--epochs", "3",
        "--save", str(saved),
    )  # fmt: skip
    assert code == 0 and "mine.csv (x1, x2 → label)" in out and "StochasticGD" in out
    assert saved.exists() and saved.stat().st_size > 0


def test_a_diverging_run_exits_1_with_one_line(capsys: Any) -> None:
    code, _, err = run(
        capsys, "train", "--dataset", "home-prices", "--lr", "1e6", "--epochs", "50",
        "--no-progress",
    )  # fmt: skip
    assert code == 1 and err.count("\n") == 1 and "loss became" in err


@pytest.mark.parametrize("example", ["neuron", "mynn-loss"])
def test_graph_writes_files(capsys: Any, tmp_path: Path, example: str) -> None:
    code, out, _ = run(capsys, "graph", example, "--out", str(tmp_path))
    assert code == 0
    names = {p.name for p in tmp_path.iterdir()}
    wanted = {f"{example}{end}" for end in (".dot", "_backward.dot", "_trace.txt")}
    wanted |= {f"{example}{end}" for end in (".svg", "_backward.svg", "_backprop.html")}
    assert wanted <= names
    frames = sorted(n for n in names if n.startswith(f"{example}_backprop_") and n[-4:] == ".svg")
    assert frames and frames[0] == f"{example}_backprop_000.svg"
    for name in wanted | set(frames):  # every file written is listed, each frame too
        path = tmp_path / name
        assert path.stat().st_size > 100 and f"wrote {path}" in out
    trace = (tmp_path / f"{example}_trace.txt").read_text()
    assert "Backward pass from L" in trace


def csv_rows(path: Path, rows: int) -> Path:
    path.write_text("x1,x2,label\n" + "".join(f"{i},{i % 3},{i % 2}\n" for i in range(rows)))
    return path


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["train", "--seed", "-1"], "train: argument --seed: --seed must be an int ≥ 0, got -1"),
        (["train", "--seed", "1.5"], "--seed must be an int ≥ 0, got '1.5'"),
        (["train", "--dataset", "{header}"], "0 data row(s) are too few to split"),
        (["train", "--dataset", "{one_row}"], "1 data row(s) are too few to split"),
        (["train", "--save", "{tmp}/no/such/x.npz"], "the folder {tmp}/no/such does not exist"),
        (["train", "--save", "{tmp}"], "--save {tmp}: is a folder; give a file name"),
        (["train", "--save", "{file}/x.npz"], "the folder {file} does not exist"),
        (["graph", "--out", "{file}"], "graph: --out {file}: is a file, not a folder"),
        (["graph", "--out", "{file}/sub"], "--out {file}/sub: {file} is a file, not a folder"),
        (["tour", "--out", "{file}", "--quick"], "tour: --out {file}: is a file, not a folder"),
        (["tour", "--data-dir", "{tiny_tables}", "--quick"], "1 data row(s) are too few"),
    ],
)
def test_usage_errors_are_found_before_any_work(
    capsys: Any, tmp_path: Path, argv: list[str], message: str
) -> None:
    tables = tmp_path / "tables"
    tables.mkdir()
    (tables / "insurance_data.csv").write_text("age,affordibility,bought_insurance\n22,1,0\n")
    (tables / "homeprices_banglore.csv").write_text("area,bedrooms,price\n1056,2,39.07\n")
    names = {
        "tmp": str(tmp_path),
        "file": str(csv_rows(tmp_path / "table.csv", 12)),
        "header": str(csv_rows(tmp_path / "header.csv", 0)),
        "one_row": str(csv_rows(tmp_path / "one.csv", 1)),
        "tiny_tables": str(tables),
    }
    before = sorted(p.name for p in tmp_path.iterdir())
    code, out, err = run(capsys, *(a.format(**names) for a in argv))
    assert code == 2 and out == ""  # nothing trained, drawn or printed
    assert err.count("\n") == 1 and err.startswith("tinygrad-edu: error: "), err
    assert message.format(**names) in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # and nothing written
