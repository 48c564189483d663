"""The Lab's three experiments, as plain DataFrames.

(a) lag sweep: does each cell solve the task as the lag grows (same budget per run)?
(b) phase diagram: for an Elman RNN with a scaled orthogonal W_hh, the measured decay rate of
    ||ds_T/ds_t|| (decades per step) against sigma_max(W_hh) and the activation. Pascanu et al. (2013):
    the gradient must vanish when gamma * sigma_max < 1 (gamma = 1 tanh, 1/4 sigmoid).
(c) exploding gradients: the same Elman run trained with and without Pascanu's clipping.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
import torch

from rnnviz.config import ACTIVATION_GAMMA, UnrollConfig
from rnnviz.errors import RnnvizError
from rnnviz.lab.train import TrainConfig, TrainResult, train
from rnnviz.models import build_rnn
from rnnviz.tables import decay_rate
from rnnviz.unroll import unroll

SweepCallback = Callable[[int, int, dict], bool]  # (run index, runs, metrics) -> keep going?
LAG_SWEEP_COLUMNS = ("cell", "lag", "seed", "solved", "metric", "baseline", "steps", "seconds",
                     "status")  # fmt: skip


def lag_sweep(
    base: TrainConfig,
    cells: Sequence[str],
    lags: Sequence[int],
    seeds: Sequence[int] = (0,),
    on_run: SweepCallback | None = None,
) -> pd.DataFrame:
    """Train every (cell, lag, seed) with `base`'s budget; one row per run. `on_run` False stops."""
    runs = [(c, lag, s) for c in cells for lag in sorted(lags) for s in seeds]
    rows = []
    for index, (cell, lag, seed) in enumerate(runs):
        result = train(base.replace(cell=cell, lag=int(lag), seed=int(seed)))
        row = {
            "cell": cell,
            "lag": int(lag),
            "seed": int(seed),
            "solved": result.solved,
            "metric": result.final_metric,
            "baseline": result.spec.baseline,
            "steps": result.steps,
            "seconds": result.seconds,
            "status": result.status,
        }
        rows.append(row)
        if on_run is not None and on_run(index + 1, len(runs), row) is False:
            break
    return pd.DataFrame(rows, columns=list(LAG_SWEEP_COLUMNS))


def failing_lag(sweep: pd.DataFrame, cell: str) -> int | None:
    """The smallest lag from which the cell fails at every larger swept lag (None: never fails)."""
    rate = sweep[sweep["cell"] == cell].groupby("lag")["solved"].mean().sort_index()  # success rate
    failing = None
    for lag, success in reversed(list(rate.items())):
        if success >= 0.5:
            break
        failing = int(lag)
    return failing


def phase_diagram(
    sigmas: Sequence[float],
    activations: Sequence[str] = ("tanh", "sigmoid"),
    seq_len: int = 30,
    hidden_size: int = 32,
    input_scale: float = 1e-3,
    seed: int = 0,
) -> pd.DataFrame:
    """One row per (activation, sigma_max): measured decay rate of ||ds_T/ds_t|| and Pascanu's.

    W_hh is orthogonal times sigma_max (every singular value equals sigma_max), the inputs are small
    and the bias puts the state's fixed point where the activation's slope is largest (0 for tanh,
    0.5 for sigmoid), so the bound (gamma * sigma_max)^(T-t) is tight and the boundary is visible.
    """
    for act in activations:
        if act not in ("tanh", "sigmoid"):
            raise RnnvizError(f"The phase diagram sweeps tanh and sigmoid, got {act!r}.")
    rng = np.random.default_rng(seed)
    inputs = input_scale * rng.standard_normal((seq_len, hidden_size))  # (T, D) small x_t
    rows = []
    for act in activations:
        gamma = ACTIVATION_GAMMA[act]
        for sigma in sigmas:
            rnn = centred_elman(float(sigma), act, hidden_size, seed)
            x = inputs.copy()  # (T, D)
            # s_0 = 0 is not sigmoid's fixed point: x_1 = -b cancels the bias once, so s_1 = 0.5.
            x[0] -= rnn.bias_hh_l0.detach().numpy()
            trace = unroll(x, rnn=rnn, activation=act, output_size=1)
            rate = decay_rate(trace)  # decades per step, < 0: vanishing
            rows.append({
                "activation": act,
                "gamma": gamma,
                "sigma_max": float(sigma),
                "sigma_gamma": float(sigma) * gamma,
                "measured_rate": rate,
                "pascanu_rate": math.log10(float(sigma) * gamma) if sigma > 0 else -math.inf,
                "regime": "vanishing" if rate < 0 else "exploding",
            })  # fmt: skip
    return pd.DataFrame(rows)


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


# The exploding-gradient demo: a tanh Elman whose W_hh starts with sigma_max = 3, trained
# with plain SGD (Adam would rescale the huge gradients and hide the explosion).
EXPLODING_DEMO = TrainConfig(task="adding", cell="elman", lag=10, activation="tanh", sigma_max=3.0,
                             optimizer="sgd", lr=0.1, max_steps=600, budget_seconds=30.0,
                             stop_when_solved=False, record_every=50, eval_every=10)  # fmt: skip
