"""CLI: train the zoo (`python -m rnnviz.zoo.train [--only NAME] [--cluster ADDR]`) and ship it.

Each model is one trial, `train_trial({"name": ..., "seed": ...})`, run by
`rnnviz.distributed.run_trials` (a Dask cluster at --cluster, local workers, or --workers 0 for
this process). A failed trial is reported and the others still run.
"""

from __future__ import annotations

import argparse
import json
import sys

from rnnviz.distributed import run_trials
from rnnviz.errors import RnnvizError
from rnnviz.zoo.registry import SPECS
from rnnviz.zoo.training import train_trial


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rnnviz.zoo.train", description=__doc__)
    parser.add_argument("--only", action="append", choices=list(SPECS), help="train only NAME")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", help="write weights here instead of the package's models/")
    parser.add_argument("--cluster", help="Dask scheduler address for rnnviz.distributed")
    parser.add_argument("--workers", type=int, help="local workers for rnnviz.distributed")
    args = parser.parse_args(argv)
    trials = [
        {"name": name, "seed": args.seed, **({"out_dir": args.out} if args.out else {})}
        for name in (args.only or list(SPECS))
    ]

    def show(index: int, total: int, result: dict) -> None:
        print(f"[{index + 1}/{total}] {json.dumps(result)}", flush=True)

    try:
        results = run_trials(
            train_trial, trials, cluster=args.cluster, workers=args.workers, on_result=show
        )
    except RnnvizError as exc:  # a bad --cluster / --workers: the message, not a traceback
        print(f"python -m rnnviz.zoo.train: error: {exc}", file=sys.stderr)
        return 2
    return 1 if any(r.get("status", "ok") != "ok" for r in results) else 0  # failed or cancelled


if __name__ == "__main__":
    sys.exit(main())
