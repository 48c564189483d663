"""Module-level trial functions for the distributed runner's tests (workers import them by name)."""

from __future__ import annotations

import os


def square(trial: dict) -> dict:
    """A trial with a known answer; names the process that ran it."""
    if trial.get("fail"):
        raise ValueError(f"trial {trial['x']} was told to fail")
    return {"x": trial["x"], "square": trial["x"] ** 2, "pid": os.getpid(), "worker": worker()}


def worker() -> str:
    """The Dask worker's address, or "in-process" outside a worker."""
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):
        return "in-process"
