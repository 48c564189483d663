"""The decay rate of the gradient: one rule for the engine's tables and the explorer's figures.

Least-squares slope of log10 ||ds_T/ds_t|| against the lag (steps travelled), in decades per step:
< 0 vanishes, > 0 grows. numpy and pandas only, so figures can import it without torch.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd


def decay_slope(flow: pd.DataFrame, direction: str = "forward") -> float:
    """Decades per step from a gradient_flow table (one direction's rows); NaN with fewer than two
    distinct lags at a finite norm (e.g. one token, or a product that is exactly 0 everywhere)."""
    rows = flow[flow["direction"] == direction] if "direction" in flow else flow
    lag = rows["lag"].to_numpy(dtype=float)
    y = rows["log10_jacobian_norm"].to_numpy(dtype=float)
    keep = np.isfinite(lag) & np.isfinite(y)
    if np.unique(lag[keep]).size < 2:
        return math.nan
    slope, _ = np.polyfit(lag[keep], y[keep], 1)
    return float(slope)
