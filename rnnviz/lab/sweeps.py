"""The lag sweep: train every (cell, lag, seed) on the distributed runner and count successes.

A claim such as "the Elman RNN fails at lag 100" is only as good as the seeds behind it, so the
sweep reports a success rate per (cell, lag) over its seeds ("Elman 0/10, LSTM 10/10"). Every
run is seeded and decided by its step budget (max_steps), so the same seeds give the same rows in
this process, on a local Dask cluster or on a cluster of several machines.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd

from rnnviz.distributed import run_trials
from rnnviz.lab.train import TrainConfig, train

SweepCallback = Callable[[int, int, dict], bool | None]  # (runs done, runs, row) -> keep going?
LAG_SWEEP_COLUMNS = ("cell", "lag", "seed", "solved", "metric", "baseline", "steps", "seconds",
                     "status", "error")  # fmt: skip
# What decides a run's outcome (everything but the wall time): equal across machines.
OUTCOME_COLUMNS = ("cell", "lag", "seed", "solved", "metric", "steps", "status")
RATE_COLUMNS = ("cell", "lag", "solved", "runs", "failed", "rate", "label")


def lag_trial(trial: dict) -> dict:
    """One run of a sweep: `trial` holds TrainConfig's fields; returns a LAG_SWEEP_COLUMNS row."""
    result = train(TrainConfig(**trial).validate())
    return {
        "cell": result.config.cell,
        "lag": result.spec.lag,
        "seed": result.config.seed,
        "solved": result.solved,
        "metric": result.final_metric,
        "baseline": result.spec.baseline,
        "steps": result.steps,
        "seconds": result.seconds,
        "status": result.status,
        "error": "",
    }


def sweep_trials(
    base: TrainConfig, cells: Sequence[str], lags: Sequence[int], seeds: Sequence[int]
) -> list[dict]:
    """The runs of a sweep as TrainConfig dicts, validated here (bad input fails before any run)."""
    # A sweep needs outcomes, not pictures: one at the start and the end is enough.
    base = base.replace(record_every=10**6)
    return [base.replace(cell=c, lag=int(lag), seed=int(s)).to_dict()
            for c in cells for lag in sorted(lags) for s in seeds]  # fmt: skip


def lag_sweep(
    base: TrainConfig,
    cells: Sequence[str],
    lags: Sequence[int],
    seeds: Sequence[int] = (0,),
    on_run: SweepCallback | None = None,
    *,
    cluster: str | None = None,
    workers: int | None = None,
) -> pd.DataFrame:
    """Train every (cell, lag, seed) with `base`'s budget; one row per run, in (cell, lag, seed)
    order. `on_run(done, runs, row)` is called as runs finish; False cancels the rest (their rows
    are dropped). cluster / workers: as `rnnviz.distributed.run_trials` (workers=0: in process)."""
    trials = sweep_trials(base, cells, lags, seeds)
    done = 0

    def progress(index: int, total: int, row: dict) -> bool | None:
        nonlocal done
        done += 1
        return None if on_run is None else on_run(done, total, _sweep_row(row))

    rows = run_trials(lag_trial, trials, cluster=cluster, workers=workers, on_result=progress)
    rows = [_sweep_row(r) for r in rows if r.get("status") != "cancelled"]
    return pd.DataFrame(rows, columns=list(LAG_SWEEP_COLUMNS))


def _sweep_row(row: dict) -> dict:
    """A runner row as a sweep row; a trial that raised keeps its settings and its message."""
    if row.get("status") in ("failed", "cancelled") and "metric" not in row:
        return {"cell": row["cell"], "lag": row["lag"], "seed": row["seed"], "solved": False,
                "metric": float("nan"), "baseline": float("nan"), "steps": 0,
                "seconds": float("nan"), "status": row["status"],
                "error": row.get("error", "")}  # fmt: skip
    return {name: row.get(name) for name in LAG_SWEEP_COLUMNS}


def success_rates(sweep: pd.DataFrame) -> pd.DataFrame:
    """One row per (cell, lag): solved runs, runs that trained, runs that raised, rate, "k/n"."""
    rows = []
    for (cell, lag), runs in sweep.groupby(["cell", "lag"], sort=True):
        trained = runs[runs["status"] != "failed"]
        solved = int(trained["solved"].sum())
        n = len(trained)
        rows.append({"cell": cell, "lag": int(lag), "solved": solved, "runs": n,
                     "failed": len(runs) - n, "rate": solved / n if n else float("nan"),
                     "label": f"{solved}/{n}"})  # fmt: skip
    return pd.DataFrame(rows, columns=list(RATE_COLUMNS))


def rate_sentence(rates: pd.DataFrame, cell_names: dict[str, str] | None = None) -> list[str]:
    """Per cell, e.g. "Elman solves 10/10 at lag 10, 0/10 at lag 100", in the rates' lag order."""
    names = cell_names or {}
    lines = []
    for cell, rows in rates.groupby("cell", sort=False):
        parts = [f"{r.label} at lag {r.lag}" for r in rows.itertuples()]
        failed = int(rows["failed"].sum())
        tail = f" ({failed} runs raised an error)" if failed else ""
        lines.append(f"{names.get(cell, cell)} solves " + ", ".join(parts) + tail)
    return lines


def failing_lag(sweep: pd.DataFrame, cell: str) -> int | None:
    """The smallest lag from which the cell solves under half its seeds at every larger swept lag
    (None: it never fails)."""
    rates = success_rates(sweep[sweep["cell"] == cell]) if "status" in sweep else None
    if rates is None:  # a bare (cell, lag, solved) frame
        rate = sweep[sweep["cell"] == cell].groupby("lag")["solved"].mean().sort_index()
    else:
        rate = rates.set_index("lag")["rate"].sort_index()
    failing = None
    for lag, success in reversed(list(rate.items())):
        if success >= 0.5:
            break
        failing = int(lag)
    return failing
