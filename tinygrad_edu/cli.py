"""The ``tinygrad-edu`` command: ``tour``, ``train`` and ``graph``.

    tinygrad-edu tour [--out DIR] [--data-dir DIR] [--quick]
    tinygrad-edu train [--dataset NAME|CSV] [--model logistic|linear|mlp] [--mode MODE]
                       [--lr LR] [--epochs N] [--batch-size K]
    tinygrad-edu graph [neuron|mynn-loss] [--out DIR]

Usage errors — an unknown dataset, lr ≤ 0, epochs ≤ 0, a negative seed, a missing file, data
too small to split, an output path that cannot be written (``--out`` naming a file, ``--save``
into a missing or read-only folder) — are all found before any training or drawing, and get a
one-line message on stderr and exit status 2. A run that fails (say, the loss overflows) exits
with 1.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import NoReturn

from .data import DataError
from .estimators import DEFAULT_LR, OPTIMIZERS
from .train import TrainingError

PROG = "tinygrad-edu"
DATASETS = ("insurance", "home-prices", "breast-cancer", "digits")
MODELS = ("logistic", "linear", "mlp")
EXAMPLES = ("neuron", "mynn-loss")


class UsageError(Exception):
    """A bad command line; reported in one line with exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        where = self.prog.removeprefix(PROG).strip()
        raise UsageError(f"{where}: {message}" if where else message)


def _positive(kind: type[int] | type[float], name: str) -> argparse._ActionType:
    def parse(text: str) -> int | float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a number, got {text!r}") from None
        if not value > 0 or value != value or value == float("inf"):
            raise argparse.ArgumentTypeError(f"{name} must be > 0, got {text}")
        return value

    return parse


def _non_negative_int(name: str) -> argparse._ActionType:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be an int ≥ 0, got {text!r}") from None
        if value < 0:
            raise argparse.ArgumentTypeError(f"{name} must be an int ≥ 0, got {text}")
        return value

    return parse


def _output_folder(path: Path, flag: str) -> None:
    """A usage error unless ``path`` is a folder, or one that can be made, that can be written."""
    if path.exists() and not path.is_dir():
        raise UsageError(f"{flag} {path}: is a file, not a folder")
    existing = path
    while not existing.exists():  # the folder that ``mkdir(parents=True)`` would start from
        existing = existing.parent
    if not existing.is_dir():
        raise UsageError(f"{flag} {path}: {existing} is a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(f"{flag} {path}: the folder {existing} is not writable")


def _output_file(path: Path, flag: str) -> None:
    """A usage error unless ``path`` names a file that can be written in an existing folder."""
    folder = path.parent
    if path.is_dir():
        raise UsageError(f"{flag} {path}: is a folder; give a file name such as model.npz")
    if not folder.is_dir():
        raise UsageError(f"{flag} {path}: the folder {folder} does not exist; create it first")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"{flag} {path}: the folder {folder} is not writable")


def _version() -> str:
    try:
        return metadata.version("tinygrad_edu")
    except metadata.PackageNotFoundError:
        return "unknown (not installed)"


def build_parser() -> argparse.ArgumentParser:
    """The ``tinygrad-edu`` argument parser: the ``tour``, ``train`` and ``graph`` sub-commands."""
    parser = _Parser(
        prog=PROG,
        description="An autograd micro-framework on NumPy: the guided tour, training, graphs.",
        epilog="Start with:  tinygrad-edu tour   (then open tour-output/report.html)",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    tour = sub.add_parser(
        "tour",
        help="re-do the teaching notebook: terminal report, HTML report and figures",
        description="Run every section of the notebook with the framework; write report.html "
        "(self-contained) and the figures into --out.",
    )
    tour.add_argument("--out", type=Path, default=Path("tour-output"), help="output folder")
    tour.add_argument(
        "--data-dir",
        type=Path,
        help="folder with the notebook's insurance_data.csv and homeprices_banglore.csv "
        "(default: the tables shipped with the package)",
    )
    tour.add_argument("--quick", action="store_true", help="shorter training runs (for tests)")
    tour.add_argument("--no-progress", action="store_true", help="no progress bars")

    train = sub.add_parser(
        "train",
        help="train a model on a data set and print its History",
        description="Train a model; the data are split 80/20 (random_state 25) and scaled.",
    )
    train.add_argument(
        "--dataset",
        default="insurance",
        help=f"{', '.join(DATASETS)}, or a CSV path whose last column is the target "
        "(default: insurance)",
    )
    train.add_argument(
        "--model",
        choices=MODELS,
        help="the model (default: logistic for 0/1 targets, linear for numbers, mlp for digits)",
    )
    train.add_argument(
        "--mode",
        choices=OPTIMIZERS,
        help="optimizer / gradient-descent mode (default: batch for linear, adam otherwise)",
    )
    lrs = ", ".join(f"{mode} {lr:g}" for mode, lr in DEFAULT_LR.items())
    train.add_argument(
        "--lr",
        type=_positive(float, "--lr"),
        help=f"learning rate, > 0 (default: 0.01 for linear with batch, else by mode: {lrs})",
    )
    train.add_argument(
        "--epochs",
        type=_positive(int, "--epochs"),
        help="epochs, > 0 (default: 30 for mlp, 500 otherwise)",
    )
    train.add_argument(
        "--batch-size",
        type=_positive(int, "--batch-size"),
        help="samples per update (default: 32 for mlp unless --mode batch; otherwise the "
        "mode's own: all rows for batch, momentum and adam, 1 for sgd, 5 for minibatch)",
    )
    train.add_argument(
        "--hidden",
        type=_positive(int, "--hidden"),
        default=32,
        help="width of the mlp's hidden layer (default: 32)",
    )
    train.add_argument(
        "--seed",
        type=_non_negative_int("--seed"),
        default=0,
        help="seed for shuffling and init (default: 0)",
    )
    train.add_argument(
        "--save", type=Path, help="save the trained parameters to this .npz (default: not saved)"
    )
    train.add_argument(
        "--no-progress",
        action="store_true",
        help="no progress bar (default: a bar when the output is a terminal)",
    )

    graph = sub.add_parser(
        "graph",
        help="draw the graph and the backward trace of a built-in example",
        description="Write the forward graph (DOT and SVG) and the backward trace of an example.",
    )
    graph.add_argument(
        "example",
        nargs="?",
        choices=EXAMPLES,
        default="neuron",
        help="neuron (one sigmoid neuron, one person) or mynn-loss (MyNN's "
        "log loss on four rows); default neuron",
    )
    graph.add_argument("--out", type=Path, default=Path("graphs"), help="output folder")
    return parser


def _tour(args: argparse.Namespace) -> int:
    from .tour import run_tour

    if args.data_dir is not None and not args.data_dir.is_dir():
        raise UsageError(f"tour: --data-dir {args.data_dir}: no such folder")
    _output_folder(args.out, "tour: --out")
    try:
        run_tour(args.out, args.data_dir, quick=args.quick, progress=not args.no_progress)
    except FileNotFoundError as err:
        raise UsageError(f"tour: --data-dir: {err}") from None
    return 0


def _train(args: argparse.Namespace) -> int:
    from .tour.commands import CommandError, train_command

    if args.save is not None:
        _output_file(args.save, "train: --save")
    try:
        return train_command(args)
    except CommandError as err:
        raise UsageError(f"train: {err}") from None


def _graph(args: argparse.Namespace) -> int:
    from .tour.commands import graph_command

    _output_folder(args.out, "graph: --out")
    return graph_command(args.example, args.out)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``); return the exit status."""
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv:  # nothing asked: say what there is, as pip and docker do
        parser.print_help()
        return 0
    try:
        args = parser.parse_args(argv)
        run = {"tour": _tour, "train": _train, "graph": _graph}[args.command]
        return run(args)
    except SystemExit as done:  # --help and --version
        return int(done.code or 0)
    except (UsageError, DataError) as err:
        print(f"{PROG}: error: {_one_line(err)}", file=sys.stderr)
        return 2
    except (TrainingError, ImportError, OSError) as err:
        print(f"{PROG}: {_one_line(err)}", file=sys.stderr)
        return 1


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split()) or type(err).__name__


if __name__ == "__main__":  # python -m tinygrad_edu.cli
    sys.exit(main())
