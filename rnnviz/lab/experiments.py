"""The Lab's three experiments, as plain DataFrames.

(a) lag sweep (in `sweeps.py`, re-exported here): the success rate over seeds of each cell as the
    lag grows, the same step budget per run;
(b) phase diagram: for an Elman RNN with a scaled orthogonal W_hh, the measured decay rate of
    ||ds_T/ds_t|| (decades per step) against sigma_max(W_hh) and the activation. Pascanu et al. (2013):
    the gradient must vanish when gamma * sigma_max < 1 (gamma = 1 tanh, 1/4 sigmoid).
(c) exploding gradients: the same Elman run trained with and without Pascanu's clipping.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import torch

from rnnviz.config import ACTIVATION_GAMMA, UnrollConfig
from rnnviz.distributed import run_trials
from rnnviz.errors import RnnvizError
from rnnviz.lab.sweeps import LAG_SWEEP_COLUMNS, failing_lag, lag_sweep, success_rates
from rnnviz.lab.train import TrainConfig, TrainResult, train
from rnnviz.models import build_rnn
from rnnviz.tables import decay_rate
from rnnviz.unroll import unroll


def phase_diagram(
    sigmas: Sequence[float],
    activations: Sequence[str] = ("tanh", "sigmoid"),
    seq_len: int = 30,
    hidden_size: int = 32,
    input_scale: float = 1e-3,
    seed: int = 0,
    *,
    cluster: str | None = None,
    workers: int | None = 0,
) -> pd.DataFrame:
    """One row per (activation, sigma_max): measured decay rate of ||ds_T/ds_t|| and Pascanu's.

    W_hh is orthogonal times sigma_max (every singular value equals sigma_max), the inputs are small
    and the bias puts the state's fixed point where the activation's slope is largest (0 for tanh,
    0.5 for sigmoid), so the bound (gamma * sigma_max)^(T-t) is tight and the boundary is visible.
    Each point is one trial of `rnnviz.distributed.run_trials`; they take milliseconds, so they run
    in this process unless `cluster` or `workers` says otherwise.
    """
    for act in activations:
        if act not in ("tanh", "sigmoid"):
            raise RnnvizError(f"The phase diagram sweeps tanh and sigmoid, got {act!r}.")
    trials = [{"activation": act, "sigma_max": float(sigma), "seq_len": int(seq_len),
               "hidden_size": int(hidden_size), "input_scale": float(input_scale),
               "seed": int(seed)} for act in activations for sigma in sigmas]  # fmt: skip
    rows = run_trials(phase_trial, trials, cluster=cluster, workers=workers)
    for row in rows:
        if row.get("status") == "failed":
            raise RnnvizError(f"A phase-diagram point failed: {row['error']}")
    return pd.DataFrame(rows).drop(columns=["trial_seconds"])


def phase_trial(trial: dict) -> dict:
    """One point of the phase diagram (module-level, so a Dask worker can import it)."""
    act, sigma = trial["activation"], trial["sigma_max"]
    seq_len, hidden_size, seed = trial["seq_len"], trial["hidden_size"], trial["seed"]
    rng = np.random.default_rng(seed)
    x = trial["input_scale"] * rng.standard_normal((seq_len, hidden_size))  # (T, D) small x_t
    rnn = centred_elman(float(sigma), act, hidden_size, seed)
    # s_0 = 0 is not sigmoid's fixed point: x_1 = -b cancels the bias once, so s_1 = 0.5.
    x[0] -= rnn.bias_hh_l0.detach().numpy()
    trace = unroll(x, rnn=rnn, activation=act, output_size=1)
    rate = decay_rate(trace)  # decades per step, < 0: vanishing
    gamma = ACTIVATION_GAMMA[act]
    return {
        "activation": act,
        "gamma": gamma,
        "sigma_max": float(sigma),
        "sigma_gamma": float(sigma) * gamma,
        "measured_rate": rate,
        "pascanu_rate": math.log10(float(sigma) * gamma) if sigma > 0 else -math.inf,
        "regime": "vanishing" if rate < 0 else "exploding",
    }


def centred_elman(sigma_max: float, activation: str, hidden_size: int, seed: int) -> torch.nn.RNN:
    """An Elman nn.RNN with W_hh = sigma_max * orthogonal and its fixed point at max slope."""
    config = UnrollConfig(cell="elman", hidden_size=hidden_size, input_size=hidden_size,
                          init="orthogonal", sigma_max=sigma_max, seed=seed)  # fmt: skip
    rnn = build_rnn(config.validate())
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.eye(hidden_size, dtype=torch.float64))  # x_t enters as is
        rnn.bias_ih_l0.zero_()
        # sigmoid's slope peaks at 1/4 where its input is 0, i.e. at the state 0.5: make s = 0.5 a
        # fixed point by b = -W_hh 0.5. tanh peaks at 0, already the fixed point with b = 0.
        centre = 0.5 if activation == "sigmoid" else 0.0
        rnn.bias_hh_l0.copy_(-centre * rnn.weight_hh_l0.sum(dim=1))  # (H,)
    return rnn


def phase_boundary(diagram: pd.DataFrame, activation: str) -> float | None:
    """sigma_max * gamma where the measured rate crosses 0 (linear interpolation), None if never."""
    rows = diagram[diagram["activation"] == activation].sort_values("sigma_gamma")
    x, y = rows["sigma_gamma"].to_numpy(), rows["measured_rate"].to_numpy()
    for i in range(len(x) - 1):
        if y[i] < 0 <= y[i + 1]:
            return float(x[i] + (x[i + 1] - x[i]) * (-y[i]) / (y[i + 1] - y[i]))
    return None


def exploding_runs(base: TrainConfig, clip: float = 1.0) -> dict[str, TrainResult]:
    """The same run without and with clipping: {"no clipping": result, "clip at 1": result}."""
    return {
        "no clipping": train(base.replace(clip=None)),
        f"clip at {clip:g}": train(base.replace(clip=clip)),
    }


__all__ = ["LAG_SWEEP_COLUMNS", "EXPLODING_DEMO", "exploding_runs", "failing_lag", "lag_sweep",
           "phase_boundary", "phase_diagram", "phase_trial", "success_rates"]  # fmt: skip

# The exploding-gradient demo: a tanh Elman whose W_hh starts with sigma_max = 3, trained
# with plain SGD (Adam would rescale the huge gradients and hide the explosion).
EXPLODING_DEMO = TrainConfig(task="adding", cell="elman", lag=10, activation="tanh", sigma_max=3.0,
                             optimizer="sgd", lr=0.1, max_steps=600, budget_seconds=30.0,
                             stop_when_solved=False, record_every=50, eval_every=10)  # fmt: skip
