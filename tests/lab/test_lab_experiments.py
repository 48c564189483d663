"""The Lab's experiments: the phase boundary sits at sigma_max * gamma = 1, sweeps report per run."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from rnnviz.lab.experiments import (
    EXPLODING_DEMO,
    LAG_SWEEP_COLUMNS,
    exploding_runs,
    failing_lag,
    lag_sweep,
    phase_boundary,
    phase_diagram,
    success_rates,
)
from rnnviz.lab.sweeps import RATE_COLUMNS, rate_sentence
from rnnviz.lab.train import TrainConfig

# Training tests run on one torch thread (as the server and benchmarks do): faster on 2 cores.
pytestmark = pytest.mark.usefixtures("torch_one_thread")


@pytest.fixture(scope="module")
def diagram() -> pd.DataFrame:
    products = np.round(np.arange(0.6, 1.41, 0.1), 2)  # sigma_max * gamma
    return pd.concat(
        [
            phase_diagram(products, ("tanh",), 20, 8),
            phase_diagram(products * 4, ("sigmoid",), 20, 8),
        ]
    )


@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
def test_phase_boundary_sits_at_sigma_gamma_one(diagram, activation):
    crossing = phase_boundary(diagram, activation)
    assert crossing is not None and abs(crossing - 1.0) <= 0.1  # within the grid step
    rows = diagram[diagram["activation"] == activation]
    assert set(rows[rows["sigma_gamma"] < 0.999]["regime"]) == {"vanishing"}
    assert set(rows[rows["sigma_gamma"] > 1.001]["regime"]) == {"exploding"}


def test_measured_rate_obeys_pascanus_bound_and_is_tight_below_it(diagram):
    below = diagram[diagram["sigma_gamma"] < 0.999]
    assert np.all(below["measured_rate"] <= below["pascanu_rate"] + 1e-6)  # the bound holds
    # The state sits where the slope is gamma, so the bound is met with equality (small inputs).
    np.testing.assert_allclose(below["measured_rate"], below["pascanu_rate"], atol=2e-3)
    assert set(diagram.columns) >= {"activation", "gamma", "sigma_max", "measured_rate", "regime"}
    sigmoid = diagram[diagram["activation"] == "sigmoid"]
    assert np.allclose(sigmoid["sigma_max"], sigmoid["sigma_gamma"] * 4)


def test_phase_diagram_refuses_unknown_activations():
    from rnnviz import RnnvizError

    with pytest.raises(RnnvizError, match="tanh and sigmoid"):
        phase_diagram([1.0], ("relu",))


def test_lag_sweep_has_one_row_per_run_and_can_stop():
    base = TrainConfig(task="copy", max_steps=20, eval_every=10, eval_size=64, probe_size=2,
                       hidden_size=8)  # fmt: skip
    sweep = lag_sweep(base, ["elman", "lstm"], [4, 2], workers=0)
    assert list(sweep.columns) == list(LAG_SWEEP_COLUMNS)
    assert list(zip(sweep["cell"], sweep["lag"], strict=True)) == [
        ("elman", 2), ("elman", 4), ("lstm", 2), ("lstm", 4)
    ]  # fmt: skip
    assert (sweep["steps"] <= 20).all() and (sweep["baseline"] == 1 / 8).all()
    stopped = lag_sweep(base, ["gru"], [2, 3, 4], on_run=lambda i, n, row: i < 2, workers=0)
    assert len(stopped) == 2


def test_success_rates_count_seeds_per_cell_and_lag():
    sweep = pd.DataFrame({
        "cell": ["elman"] * 4 + ["lstm"] * 4,
        "lag": [10, 10, 100, 100] * 2,
        "seed": [0, 1] * 4,
        "solved": [True, False, False, False, True, True, True, False],
        "status": ["solved", "steps", "steps", "failed", "solved", "solved", "solved", "steps"],
    })  # fmt: skip
    rates = success_rates(sweep)
    assert list(rates.columns) == list(RATE_COLUMNS)
    assert rates["label"].tolist() == ["1/2", "0/1", "2/2", "1/2"]  # the raised run is not a seed
    assert rates["failed"].tolist() == [0, 1, 0, 0]
    assert rate_sentence(rates, {"elman": "Elman"})[0] == (
        "Elman solves 1/2 at lag 10, 0/1 at lag 100 (1 runs raised an error)"
    )
    assert failing_lag(sweep, "elman") == 100 and failing_lag(sweep, "lstm") is None


def test_sweep_trials_are_validated_before_any_run():
    from rnnviz import RnnvizError

    with pytest.raises(RnnvizError, match="lag for adding must be between 2"):
        lag_sweep(TrainConfig(), ["elman"], [1], workers=0)


def test_failing_lag_is_where_the_cell_stops_solving_for_good():
    sweep = pd.DataFrame({
        "cell": ["elman"] * 5 + ["lstm"] * 5,
        "lag": [5, 10, 20, 30, 50] * 2,
        "solved": [True, True, False, False, False, True, True, True, True, True],
    })  # fmt: skip
    assert failing_lag(sweep, "elman") == 20
    assert failing_lag(sweep, "lstm") is None
    flaky = sweep.assign(solved=[True, False, True, False, False] + [True] * 5)
    assert failing_lag(flaky, "elman") == 30  # a lucky solve at 20 moves the onset


def test_exploding_demo_diverges_without_clipping_and_trains_with_it():
    runs = exploding_runs(EXPLODING_DEMO.replace(max_steps=100), clip=1.0)
    free, clipped = runs["no clipping"], runs["clip at 1"]
    assert free.status == "diverged" and free.steps < 100
    assert clipped.status == "steps" and clipped.steps == 100
    assert math.isfinite(clipped.final_metric)
    assert clipped.history["clipped"].max() > 0  # the threshold was actually hit
