"""Run many independent trials (training runs, measurements) on a Dask cluster and get rows back.

`run_trials(func, trials)` calls `func(trial)` for every trial dict and returns one dict per trial,
in the trials' order. Where they run:

- `cluster="tcp://host:8786"` (or the environment variable RNNVIZ_CLUSTER): a running Dask
  scheduler and its workers (`dask scheduler`, then `dask worker tcp://host:8786` on each machine);
- otherwise a local cluster started for the call: `workers` processes (default: one per CPU core),
  one thread each;
- `workers=0`: in this process, one trial after the other (no Dask), e.g. for tests and debugging.

Every trial runs with torch (and BLAS) on one thread, so a seeded trial gives the same numbers in
process, on a local cluster or on another machine with the same library versions. A trial that
raises becomes a row {**trial, "status": "failed", "error": message}; the others go on.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from contextlib import contextmanager

from rnnviz.errors import RnnvizError

ENV_CLUSTER = "RNNVIZ_CLUSTER"
CONNECT_TIMEOUT = 10.0  # seconds to reach a scheduler before giving up with a message
MAX_WORKERS = 256
_ADDRESS = re.compile(r"^(tcp|tls)://[A-Za-z0-9_.\-\[\]:]+:\d{1,5}$")
# on_result(trial index in `trials`, number of trials, row) -> False cancels the trials not done.
ResultCallback = Callable[[int, int, dict], bool | None]


def run_trials(
    func: Callable[[dict], dict],
    trials: list[dict],
    *,
    cluster: str | None = None,
    workers: int | None = None,
    on_result: ResultCallback | None = None,
) -> list[dict]:
    """`func(trial)` for every trial; one row per trial, in order (see the module docstring).

    `on_result(index, total, row)` is called in this thread as each trial finishes (index is the
    trial's position in `trials`; count the calls for progress). If it returns False, the trials
    still waiting are cancelled and come back as {**trial, "status": "cancelled"}.
    """
    _check_func(func)
    for i, trial in enumerate(trials):
        if not isinstance(trial, dict):
            raise RnnvizError(f"trials[{i}] must be a dict of keyword values, got {trial!r}.")
    trials = [dict(t) for t in trials]  # copies: the caller's dicts are not changed
    if workers is not None and (
        isinstance(workers, bool) or not isinstance(workers, int) or not 0 <= workers <= MAX_WORKERS
    ):
        raise RnnvizError(
            f"workers must be a whole number between 0 (in this process) and {MAX_WORKERS}, "
            f"got {workers!r}."
        )
    address = cluster_address(cluster, workers)
    if not trials:
        return []
    if address is None and workers == 0:
        return _run_in_process(func, trials, on_result)
    return _run_on_dask(func, trials, address, workers, on_result)


def cluster_address(cluster: str | None, workers: int | None = None) -> str | None:
    """The scheduler to use: `cluster`, else RNNVIZ_CLUSTER (unless workers=0), else None (local)."""
    source = "cluster"
    if cluster is None and workers != 0:
        cluster, source = os.environ.get(ENV_CLUSTER, "").strip() or None, ENV_CLUSTER
    if cluster is None:
        return None
    if not isinstance(cluster, str) or not _ADDRESS.match(cluster.strip()):
        raise RnnvizError(
            f"{source} must be a Dask scheduler address like tcp://host:8786, got {cluster!r}."
        )
    return cluster.strip()


def local_workers() -> int:
    """One worker per CPU core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def run_trial(func: Callable[[dict], dict], trial: dict) -> dict:
    """One trial on one thread; an exception becomes a failed row (module-level: Dask ships it)."""
    start = time.perf_counter()
    try:
        with one_thread():
            row = func(dict(trial))
        if not isinstance(row, dict):
            raise TypeError(f"{_name(func)} returned {type(row).__name__}, not a dict")
    except Exception as exc:  # noqa: BLE001 - any failure of one trial is reported, not raised
        message = str(exc) if isinstance(exc, RnnvizError) else f"{type(exc).__name__}: {exc}"
        return {**trial, "status": "failed", "error": message,
                "trial_seconds": time.perf_counter() - start}  # fmt: skip
    return {**row, "trial_seconds": time.perf_counter() - start}


@contextmanager
def one_thread():
    """torch and BLAS on one thread while a trial runs (same numbers everywhere), then restored."""
    import torch
    from threadpoolctl import threadpool_limits

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(limits=1):
            yield
    finally:
        torch.set_num_threads(before)


def _run_in_process(func, trials: list[dict], on_result) -> list[dict]:
    rows: list[dict | None] = [None] * len(trials)
    for index, trial in enumerate(trials):
        rows[index] = run_trial(func, trial)
        if on_result is not None and on_result(index, len(trials), rows[index]) is False:
            break
    return [row if row is not None else {**t, "status": "cancelled"}
            for row, t in zip(rows, trials, strict=True)]  # fmt: skip


def _run_on_dask(func, trials: list[dict], address: str | None, workers: int | None, on_result):
    from distributed import as_completed

    with _client(address, workers) as client:
        futures = [client.submit(run_trial, func, trial, pure=False) for trial in trials]
        position = {future.key: i for i, future in enumerate(futures)}
        rows: list[dict | None] = [None] * len(trials)
        for future in as_completed(futures, loop=client.loop):
            index = position[future.key]
            try:
                rows[index] = future.result()
            except Exception as exc:  # noqa: BLE001 - a worker died or the row did not come back
                rows[index] = {**trials[index], "status": "failed",
                               "error": f"{type(exc).__name__}: {exc}"}  # fmt: skip
            if on_result is not None and on_result(index, len(trials), rows[index]) is False:
                client.cancel([f for f in futures if not f.done()])
                break
    return [row if row is not None else {**t, "status": "cancelled"}
            for row, t in zip(rows, trials, strict=True)]  # fmt: skip


@contextmanager
def _client(address: str | None, workers: int | None):
    """A client on the scheduler at `address`, or on a local cluster made (and closed) for it."""
    from distributed import Client, LocalCluster

    if address is not None:
        try:
            client = Client(address, timeout=f"{CONNECT_TIMEOUT}s", set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise RnnvizError(
                f"Cannot reach the Dask scheduler at {address} within {CONNECT_TIMEOUT:g} s "
                f"({exc}). Start one with `dask scheduler` and workers with `dask worker "
                f"{address}`, or leave cluster / {ENV_CLUSTER} unset to run on this machine."
            ) from None
        with client:
            yield client
        return
    n = workers if workers is not None else local_workers()
    # processes, not threads: torch releases the GIL only in its kernels, and one process per
    # trial keeps each trial's thread settings and memory its own.
    with (
        LocalCluster(
            n_workers=n,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",  # a free port: 8787 may be taken
            silence_logs=40,
        ) as local,  # fmt: skip
        Client(local, set_as_default=False) as client,
    ):
        yield client


def _check_func(func) -> None:
    """Dask ships `func` by reference: it must be a module-level function a worker can import."""
    name = _name(func)
    module = getattr(func, "__module__", None)
    qualname = getattr(func, "__qualname__", "")
    if not callable(func) or module in (None, "__main__") or "<" in qualname:
        raise RnnvizError(
            f"func must be a module-level function of an importable module (workers import it), "
            f"got {name}."
        )


def _name(func) -> str:
    return f"{getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', repr(func))}"
