"""`rnnviz lab`: train one cell on a long-lag task and print a summary (JSON or text).

Example: rnnviz lab --task adding --cell lstm --lag 50 --seed 0 --format json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

from rnnviz.errors import RnnvizError
from rnnviz.lab.tasks import TASKS
from rnnviz.lab.train import CELLS, OPTIMIZERS, TrainConfig, train

DEFAULTS = TrainConfig()


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the `lab` subcommand; its handler is stored as `func` (returns the exit code)."""
    p = subparsers.add_parser(
        "lab",
        help="train Elman/LSTM/GRU on a long-lag task and report whether it learned",
        description="Train one RNN cell on a long-lag task (the vanishing-gradient Lab) and print a "
        "summary with the final score, the baseline, whether it was solved, steps and seconds. "
        "The defaults are the lecture's demo (adding problem, lag 100, 6,000 steps): the Elman RNN solves 0/20 seeds, the LSTM 20/20 "
        "(docs/lab-results.md).",
    )
    p.add_argument("--task", choices=TASKS, default=DEFAULTS.task,
                   help="adding (MSE, baseline 0.167), copy or sentence (accuracy)")  # fmt: skip
    p.add_argument("--cell", choices=CELLS, default=DEFAULTS.cell)
    p.add_argument("--lag", type=int, default=DEFAULTS.lag,
                   help="steps the deciding input lies back (adding: the length T)")  # fmt: skip
    p.add_argument("--seed", type=int, default=DEFAULTS.seed)
    p.add_argument("--hidden-size", type=int, default=DEFAULTS.hidden_size)
    p.add_argument("--activation", choices=("tanh", "relu"), default=DEFAULTS.activation,
                   help="Elman's nonlinearity")  # fmt: skip
    p.add_argument("--sigma-max", type=float, default=None,
                   help="start with W_hh rescaled to this largest singular value")  # fmt: skip
    p.add_argument("--steps", type=int, default=DEFAULTS.max_steps,
                   help="step budget: decides the run, the same on any machine (default: the "
                   "lecture demo's %(default)s)")  # fmt: skip
    p.add_argument("--budget-seconds", type=float, default=DEFAULTS.budget_seconds,
                   help="safety cap on wall-clock seconds (status 'budget' if it cuts the run)")  # fmt: skip
    p.add_argument("--batch-size", type=int, default=DEFAULTS.batch_size)
    p.add_argument("--lr", type=float, default=DEFAULTS.lr)
    p.add_argument("--optimizer", choices=OPTIMIZERS, default=DEFAULTS.optimizer)
    p.add_argument("--forget-bias", type=_bias, default=DEFAULTS.forget_bias,
                   help="LSTM forget-gate bias at the start, or 'torch' for torch's init")  # fmt: skip
    p.add_argument("--clip", type=float, default=None,
                   help="clip the gradient norm at this value (Pascanu's rule)")  # fmt: skip
    p.add_argument("--threads", type=int, default=1,
                   help="torch threads (1: small RNNs gain little from more on a shared CPU)")  # fmt: skip
    p.add_argument("--format", choices=("json", "text"), default="text")
    p.add_argument("--save", type=Path, default=None,
                   help="write the trained model's state_dict (torch.save) to this path")  # fmt: skip
    p.set_defaults(func=run)
    return p


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    return TrainConfig(task=args.task, cell=args.cell, lag=args.lag, seed=args.seed,
                       hidden_size=args.hidden_size, activation=args.activation,
                       sigma_max=args.sigma_max, lr=args.lr, optimizer=args.optimizer,
                       batch_size=args.batch_size, max_steps=args.steps,
                       budget_seconds=args.budget_seconds, clip=args.clip,
                       forget_bias=args.forget_bias).validate()  # fmt: skip


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
        if not 1 <= args.threads <= 64:
            raise RnnvizError(f"--threads must be between 1 and 64, got {args.threads}.")
        if args.save is not None and not args.save.parent.exists():
            raise RnnvizError(f"--save: the folder {args.save.parent} does not exist.")
    except RnnvizError as exc:
        print(f"rnnviz lab: error: {exc}", file=sys.stderr)
        return 2
    torch.set_num_threads(args.threads)
    result = train(config)
    summary = result.summary()
    if args.save is not None:
        # The whole model (rnn.* and head.*): the explorer's "Your own model" strips the prefix.
        torch.save(result.model.state_dict(), args.save)
        summary["saved"] = str(args.save)
    if args.format == "json":
        print(json.dumps(summary, indent=2))
    else:
        print(format_text(summary))
    return 0


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


def main(argv: list[str] | None = None) -> int:
    """Run `lab` alone (python -m rnnviz.lab.cli ...), as the full CLI does."""
    parser = argparse.ArgumentParser(prog="rnnviz")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["lab", *(sys.argv[1:] if argv is None else argv)])
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
