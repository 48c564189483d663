"""CLI: train the zoo (`python -m rnnviz.zoo.train [--only NAME] [--cluster ADDR]`) and ship it.

Each model is one trial, `train_one(name=..., seed=...)`. With `rnnviz.distributed` importable
the trials go through its `run_trials` (a Dask cluster at --cluster, or local workers); without it
they run here, one after the other. A failed trial is reported and the others still run.
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback

from rnnviz.zoo.registry import SPECS
from rnnviz.zoo.training import train_one, train_trial


def _in_process(trials: list[dict], on_result) -> list[dict]:
    """The trials one after the other; on_result(index, total, row) as `run_trials` calls it."""
    results = []
    for index, trial in enumerate(trials):
        try:
            result = {"status": "ok", **train_one(**trial)}
        except Exception as exc:  # noqa: BLE001 - one failed trial must not stop the others
            traceback.print_exc()
            result = {**trial, "status": "failed", "error": f"{type(exc).__name__}: {exc}"}
        on_result(index, len(trials), result)
        results.append(result)
    return results


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
        from rnnviz.distributed import run_trials
    except ImportError:
        ignored = " (--cluster/--workers ignored)" if args.cluster or args.workers else ""
        print(
            f"rnnviz.distributed is not available: {len(trials)} trial(s) in-process{ignored}",
            file=sys.stderr,
        )
        results = _in_process(trials, show)
    else:
        results = run_trials(
            train_trial, trials, cluster=args.cluster, workers=args.workers, on_result=show
        )
    failed = [r for r in results if r.get("status", "ok") != "ok" or "error" in r]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
