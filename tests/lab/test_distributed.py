"""The distributed runner: a local 2-worker Dask cluster gives the in-process rows, in trial order;
failed trials come back as rows; progress as trials finish; the cluster's address from the env."""

from __future__ import annotations

import os

import pytest

from rnnviz import RnnvizError
from rnnviz import distributed as D
from rnnviz.lab.sweeps import OUTCOME_COLUMNS, lag_sweep, lag_trial
from rnnviz.lab.train import TrainConfig
from tests.support.trials import square

pytest.importorskip("distributed")
# A sweep whose runs end in the middle of learning (not at a trivial 0 or baseline), so a
# difference in the arithmetic between processes would show in the metric.
TINY = TrainConfig(task="adding", max_steps=120, eval_every=40, eval_size=64, probe_size=2,
                   hidden_size=8, batch_size=16)  # fmt: skip


@pytest.fixture(scope="module")
def scheduler():
    """A running 2-worker cluster, as `dask scheduler` + `dask worker` would give, by address."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                      silence_logs=40) as cluster:  # fmt: skip
        workers = {nanny.worker_address for nanny in cluster.workers.values()}
        assert len(workers) == 2
        yield cluster.scheduler_address, workers


def outcomes(frame):
    return frame[list(OUTCOME_COLUMNS)].to_dict("records")


def test_sweep_on_a_local_two_worker_cluster_equals_the_in_process_sweep():
    cells, lags, seeds = ["elman", "lstm"], [4, 9], [0, 1]
    local = lag_sweep(TINY, cells, lags, seeds, workers=0)
    spread = lag_sweep(TINY, cells, lags, seeds, workers=2)
    assert outcomes(spread) == outcomes(local)
    assert [(r["cell"], r["lag"], r["seed"]) for r in outcomes(local)] == [
        (c, lag, s) for c in cells for lag in lags for s in seeds
    ]  # the trials' order, whatever order they finished in
    assert local["metric"].between(0.005, 1.0).all() and local["metric"].nunique() == len(local)


def test_rows_come_back_in_trial_order_from_other_processes(scheduler):
    address, workers = scheduler
    rows = D.run_trials(square, [{"x": x} for x in range(8)], cluster=address)
    assert [r["square"] for r in rows] == [x * x for x in range(8)]
    assert {r["worker"] for r in rows} <= workers and all(r["pid"] != os.getpid() for r in rows)


def test_a_trial_that_raises_is_a_failed_row_and_the_others_finish(scheduler):
    address, _ = scheduler
    trials = [{"x": 1}, {"x": 2, "fail": True}, {"x": 3}]
    for rows in (D.run_trials(square, trials, cluster=address), D.run_trials(square, trials,
                                                                             workers=0)):  # fmt: skip
        assert [r.get("square") for r in rows] == [1, None, 9]
        assert rows[1]["status"] == "failed" and rows[1]["x"] == 2
        assert rows[1]["error"] == "ValueError: trial 2 was told to fail"
    bad = D.run_trials(lag_trial, [{**TINY.to_dict(), "cell": "foo"}], workers=0)[0]
    assert bad["status"] == "failed" and "Unknown cell 'foo'" in bad["error"]


def test_progress_is_reported_as_each_trial_finishes_and_can_cancel(scheduler):
    address, _ = scheduler
    seen = []
    rows = D.run_trials(square, [{"x": x} for x in range(5)], cluster=address,
                        on_result=lambda i, n, row: seen.append((i, n, row["square"])))  # fmt: skip
    assert sorted(seen) == [(i, 5, i * i) for i in range(5)] and len(rows) == 5
    stop_after_two = D.run_trials(square, [{"x": x} for x in range(5)], workers=0,
                                  on_result=lambda i, n, row: i < 1)  # fmt: skip
    assert [r["status"] for r in stop_after_two[2:]] == ["cancelled"] * 3
    assert [r["square"] for r in stop_after_two[:2]] == [0, 1]
    done = []
    sweep = lag_sweep(TINY.replace(max_steps=40), ["gru"], [3, 4, 5], workers=0,
                      on_run=lambda k, n, row: done.append((k, n, row["lag"])) or k < 2)  # fmt: skip
    assert done == [(1, 3, 3), (2, 3, 4)] and list(sweep["lag"]) == [3, 4]


def test_the_cluster_address_comes_from_rnnviz_cluster(scheduler, monkeypatch):
    address, workers = scheduler
    monkeypatch.setenv(D.ENV_CLUSTER, address)
    rows = D.run_trials(square, [{"x": 2}, {"x": 3}])
    assert {r["worker"] for r in rows} <= workers
    assert D.run_trials(square, [{"x": 2}], workers=0)[0]["worker"] == "in-process"
    monkeypatch.setenv(D.ENV_CLUSTER, "my-laptop")
    with pytest.raises(RnnvizError, match=r"RNNVIZ_CLUSTER must be a Dask scheduler address"):
        D.run_trials(square, [{"x": 1}])


def test_bad_arguments_and_an_unreachable_scheduler_get_a_message(monkeypatch):
    monkeypatch.delenv(D.ENV_CLUSTER, raising=False)
    with pytest.raises(RnnvizError, match="module-level function"):
        D.run_trials(lambda trial: trial, [{"x": 1}], workers=0)
    with pytest.raises(RnnvizError, match="workers must be a whole number between 0"):
        D.run_trials(square, [{"x": 1}], workers=-1)
    with pytest.raises(RnnvizError, match=r"trials\[1\] must be a dict"):
        D.run_trials(square, [{"x": 1}, 5], workers=0)
    with pytest.raises(RnnvizError, match="cluster must be a Dask scheduler address"):
        D.run_trials(square, [{"x": 1}], cluster="http://x")
    monkeypatch.setattr(D, "CONNECT_TIMEOUT", 1.0)
    with pytest.raises(RnnvizError, match="Cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        D.run_trials(square, [{"x": 1}], cluster="tcp://127.0.0.1:9")
    assert D.run_trials(square, [], workers=2) == []


def test_a_local_cluster_is_sized_to_the_machine():
    assert D.local_workers() == len(os.sched_getaffinity(0))
