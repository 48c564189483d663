"""`rnnviz lab`: train one cell on a long-lag task and print a summary (JSON or text).

Example: rnnviz lab --task adding --cell lstm --lag 50 --seed 0 --format json

Every value is checked (TrainConfig.validate, the engine's ranges) and the --save target is
checked before training starts; the model is written atomically (a temporary file, then rename).
"""

from __future__ import annotations

import argparse
import json
import os
import stat
import tempfile
from pathlib import Path

from rnnviz.cli.output import OutputError, write_stdout
from rnnviz.cli.parser import fail
from rnnviz.errors import RnnvizError
from rnnviz.lab.config import CELLS, OPTIMIZERS, TrainConfig
from rnnviz.lab.specs import TASKS

PROG = "rnnviz lab"
DEFAULTS = TrainConfig()
# TrainConfig field -> flag, so an RnnvizError names what the user typed
FLAGS = {
    "task": "--task", "cell": "--cell", "lag": "--lag", "seed": "--seed",
    "hidden_size": "--hidden-size", "activation": "--activation", "sigma_max": "--sigma-max",
    "max_steps": "--steps", "budget_seconds": "--budget-seconds", "batch_size": "--batch-size",
    "lr": "--lr", "optimizer": "--optimizer", "forget_bias": "--forget-bias", "clip": "--clip",
    "threads": "--threads",
}  # fmt: skip


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the `lab` subcommand; its handler is stored as `func` (returns the exit code)."""
    p = subparsers.add_parser(
        "lab",
        help="train Elman/LSTM/GRU on a long-lag task and report whether it learned",
        description="Train one RNN cell on a long-lag task (the vanishing-gradient Lab) and print a "
        "summary with the final score, the baseline, whether it was solved, steps and seconds. "
        "The defaults are the lecture's demo (adding problem, lag 100, 6,000 steps): the Elman RNN "
        "solves 0/20 seeds, the LSTM 20/20 (docs/lab-results.md).",
    )
    p.add_argument("--task", choices=TASKS, default=DEFAULTS.task,
                   help="adding (MSE, baseline 0.167), copy or sentence (accuracy)")  # fmt: skip
    p.add_argument("--cell", choices=CELLS, default=DEFAULTS.cell, help="the recurrence R")
    p.add_argument("--lag", metavar="N", type=int, default=DEFAULTS.lag,
                   help="steps the deciding input lies back (adding: the length T)")  # fmt: skip
    p.add_argument(
        "--seed", metavar="N", type=int, default=DEFAULTS.seed, help="weights and every batch"
    )
    p.add_argument("--hidden-size", metavar="N", type=int, default=DEFAULTS.hidden_size, help="H")
    p.add_argument("--activation", choices=("tanh", "relu"), default=DEFAULTS.activation,
                   help="Elman's nonlinearity")  # fmt: skip
    p.add_argument("--sigma-max", metavar="X", type=float, default=None,
                   help="start with W_hh rescaled to this largest singular value (default: torch's init)")  # fmt: skip
    p.add_argument(
        "--steps",
        metavar="N",
        type=int,
        default=DEFAULTS.max_steps,
        help="step budget: decides the run, the same on any machine",
    )
    p.add_argument("--budget-seconds", metavar="S", type=float, default=DEFAULTS.budget_seconds,
                   help="safety cap on wall-clock seconds (status 'budget' if it cuts the run)")  # fmt: skip
    p.add_argument(
        "--batch-size", metavar="N", type=int, default=DEFAULTS.batch_size, help="sequences a step"
    )
    p.add_argument("--lr", metavar="X", type=float, default=DEFAULTS.lr, help="learning rate")
    p.add_argument("--optimizer", choices=OPTIMIZERS, default=DEFAULTS.optimizer, help="optimiser")
    p.add_argument("--forget-bias", metavar="X", type=_bias, default=DEFAULTS.forget_bias,
                   help="LSTM forget-gate bias at the start, or 'torch' for torch's init (Elman and GRU have no forget gate: unused there)")  # fmt: skip
    p.add_argument("--clip", metavar="X", type=float, default=None,
                   help="clip the gradient norm at this value (Pascanu's rule; default: no clipping)")  # fmt: skip
    p.add_argument("--threads", metavar="N", type=int, default=DEFAULTS.threads,
                   help="torch threads (small RNNs gain little from more on a shared CPU)")  # fmt: skip
    p.add_argument("--format", choices=("json", "text"), default="text", help="summary format")
    p.add_argument("--save", metavar="PATH", type=Path, default=None,
                   help="write the trained model's state_dict (torch.save) to this file (default: not saved)")  # fmt: skip
    p.set_defaults(func=run)
    return p


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    return TrainConfig(task=args.task, cell=args.cell, lag=args.lag, seed=args.seed,
                       hidden_size=args.hidden_size, activation=args.activation,
                       sigma_max=args.sigma_max, lr=args.lr, optimizer=args.optimizer,
                       batch_size=args.batch_size, max_steps=args.steps,
                       budget_seconds=args.budget_seconds, clip=args.clip,
                       forget_bias=args.forget_bias, threads=args.threads).validate()  # fmt: skip


def _bias(text: str) -> float | None:
    if text.strip().lower() == "torch":
        return None
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number or 'torch', got {text!r}") from None


def run(args: argparse.Namespace) -> int:
    """Train and print; 2 with a message for bad arguments, 0 otherwise (diverged runs included)."""
    try:
        config = config_from_args(args)
        if args.save is not None:
            check_save_target(args.save)
    except RnnvizError as exc:
        return fail(PROG, exc, FLAGS)
    from rnnviz.lab.train import train  # torch: only once the arguments are known to be good

    result = train(config)  # sets torch's thread count to --threads for the run
    summary = result.summary()
    if args.save is not None:
        # The whole model (rnn.* and head.*): rnnviz.unroll(state_dict=...) strips the prefix.
        save_atomically(result.model.state_dict(), args.save)
        summary["saved"] = str(args.save)
    write_stdout(
        (json.dumps(summary, indent=2) if args.format == "json" else format_text(summary)) + "\n"
    )
    return 0


def check_save_target(path: Path) -> None:
    """Refuse, before any training, a --save that could not be written: a folder, a device, a
    missing or unwritable folder. Writability is tried with a real file (os.access says yes to root
    even where nothing can be created, e.g. /proc)."""
    try:
        _check_save_target(path)
    except OSError as exc:  # e.g. a name too long, a folder we may not look into
        raise RnnvizError(f"--save: cannot use {str(path)!r} ({exc.strerror or exc}).") from None


def _check_save_target(path: Path) -> None:
    if path.exists() and path.is_dir():
        raise RnnvizError(
            f"--save: {str(path)!r} is a folder; give a file name such as {str(path / 'model.pt')!r}."
        )
    if path.exists() and not stat.S_ISREG(path.stat().st_mode):
        raise RnnvizError(f"--save: {str(path)!r} exists and is not a regular file.")
    folder = path.parent
    if not folder.exists():
        raise RnnvizError(f"--save: the folder {str(folder)!r} does not exist.")
    if not folder.is_dir():
        raise RnnvizError(f"--save: {str(folder)!r} is not a folder.")
    try:
        fd, probe = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".probe")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise RnnvizError(f"--save: cannot write in {str(folder)!r} ({exc.strerror}).") from None


def save_atomically(state_dict: dict, path: Path) -> None:
    """torch.save into a temporary file beside `path`, then rename: a full disk or a crash never
    leaves a half-written model under the target name."""
    import torch

    temporary = None
    try:
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            torch.save(state_dict, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except (OSError, RuntimeError) as exc:  # torch's writer reports a full disk as RuntimeError
        reason = getattr(exc, "strerror", None) or " ".join(str(exc).split())[:200]
        raise OutputError(f"--save: cannot write {str(path)!r} ({reason}).") from None
    finally:
        if temporary is not None and os.path.exists(temporary):
            os.unlink(temporary)


def format_text(summary: dict) -> str:
    metric = "final_mse" if "final_mse" in summary else "final_accuracy"
    verdict = "SOLVED" if summary["solved"] else "not solved"
    lines = [
        f"{summary['cell']} on {summary['task']} (lag {summary['lag']}, seed {summary['seed']}): "
        f"{verdict}",
        f"  {metric} = {summary[metric]}   baseline = {summary['baseline']} "
        f"({summary['baseline_name'].replace('_', ' ')})",
        f"  {summary['steps']} steps in {summary['seconds']} s; {summary['message']}",
    ]
    if "saved" in summary:
        lines.append(f"  state_dict saved to {summary['saved']}")
    return "\n".join(lines)
