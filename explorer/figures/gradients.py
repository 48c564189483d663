"""Gradient flow against time: measured norms, theory beside them, and a one-sentence readout.

Every norm arrives as log10 (rnnviz carries products in log space), and is plotted as that number on a
linear axis titled "log10 ...": a gradient of 10^-400 sits at -400 instead of collapsing to 0.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from explorer.figures import build
from explorer.figures.axes import (
    legend_on_top_layout,
    note_annotation,
    selected_step_shapes,
    step_ticks,
)
from explorer.figures.notation import math_html
from explorer.figures.style import (
    BLUE,
    DIRECTION_TITLES,
    GREEN,
    GREY,
    STACKED_TICKS,
    VERMILLION,
    escape,
    plain_number,
    tagged_label,
    themed,
)
from rnnviz.decay import decay_slope
from rnnviz.names import DIRECTIONS

# Column -> (legend name, colour, dash). Theory lines are dashed/dotted, measurements solid.
FLOW_LINES = {
    "log10_grad_norm": (math_html("log10 ‖∂L/∂s_t‖ (measured)"), BLUE, "solid"),
    "log10_jacobian_norm": (math_html("log10 ‖∂s_T/∂s_t‖ (measured)"), VERMILLION, "solid"),
    "log10_pascanu_bound": (
        math_html("Pascanu bound on ‖∂s_T/∂s_t‖: log10 (γ·σ_max)^(T−t)"),
        GREY,
        "dash",
    ),
    "log10_forget_product": ("log10 ∏ forget gates (LSTM cell path)", GREEN, "dot"),
}
LAST_STATE, FIRST_STATE = math_html("∂s_T"), math_html("∂s_1")  # names our constants only
THEORY_COLUMNS = ("log10_pascanu_bound", "log10_forget_product")
# Below this many decades per step the readout calls the gradient "about constant".
FLAT_SLOPE = 0.02  # decades per step: under this, x1.6 or less over 10 steps
STRONG_SLOPE = 0.1  # over this, x10 or more over 10 steps


def directions_in(frame: pd.DataFrame) -> list[str]:
    """The directions present, forward first."""
    present = set(frame["direction"].unique()) if "direction" in frame else {"forward"}
    return [d for d in DIRECTIONS if d in present] or sorted(present)


def _direction_rows(frame: pd.DataFrame, direction: str) -> pd.DataFrame:
    if "direction" not in frame:
        return frame.sort_values("t")
    return frame[frame["direction"] == direction].sort_values("t")


def _gap_values(values: pd.Series) -> tuple[np.ndarray, int, int, int]:
    """Values with non-finite entries as NaN (drawn as gaps), plus counts of -inf, +inf, NaN."""
    y = values.to_numpy(dtype=float)
    n_zero, n_inf, n_nan = (
        int(np.sum(y == -np.inf)),
        int(np.sum(y == np.inf)),
        int(np.isnan(y).sum()),
    )
    return np.where(np.isfinite(y), y, np.nan), n_zero, n_inf, n_nan


def _gap_note(name: str, n_zero: int, n_inf: int, n_nan: int) -> list[str]:
    notes = []
    if n_zero:
        notes.append(f"{n_zero} step(s) of {name} are exactly 0 (log10 = −∞): shown as gaps.")
    if n_inf:
        notes.append(f"{n_inf} step(s) of {name} overflowed to infinity: shown as gaps.")
    if n_nan:
        notes.append(f"{n_nan} step(s) of {name} are NaN (the numbers broke down): shown as gaps.")
    return notes


def gradient_flow_figure(
    flow: pd.DataFrame,
    *,
    selected_t: int | None = None,
    show_bound: bool = True,
    large_font: bool = False,
    height: int | None = None,
    predictions: Sequence[str] | None = None,
) -> go.Figure:
    """log10 ‖∂L/∂s_t‖ and log10 ‖∂s_T/∂s_t‖ against t, one row per direction, theory overlaid.
    predictions: a trained model's tag / next character per token, written under the tick words."""
    directions = directions_in(flow)
    titles = [DIRECTION_TITLES.get(d, d) for d in directions] if len(directions) > 1 else None
    grid = build.subplot_grid(
        len(directions), 1, titled=titles is not None, shared_xaxes=True, vertical_spacing=0.12
    )
    layout = grid.layout(titles)
    columns = [c for c in FLOW_LINES if c in flow]
    if not show_bound:
        columns = [c for c in columns if c not in THEORY_COLUMNS]
    notes: list[str] = []
    traces: list[dict] = []
    shapes: list[dict] = []
    for row, direction in enumerate(directions, start=1):
        rows = _direction_rows(flow, direction)
        words = list(rows.get("token", rows["t"]))
        tokens = [escape(tok) for tok in words]  # hover text; step_ticks escapes the tick labels
        axes = grid.axes(row, 1)
        for column in columns:
            y, n_zero, n_inf, n_nan = _gap_values(rows[column])
            if column in THEORY_COLUMNS and np.isnan(y).all():
                continue  # the theory does not apply to this cell (NaN by design)
            name, color, dash = FLOW_LINES[column]
            if column == "log10_jacobian_norm" and direction == "backward":
                name = name.replace(LAST_STATE, FIRST_STATE)  # the backward pass ends at t = 1
            label = f"{direction}: {name}" if len(directions) > 1 else name
            notes += _gap_note(
                label.split(" (")[0], n_zero, n_inf, 0 if column in THEORY_COLUMNS else n_nan
            )
            traces.append(
                {
                    "type": "scatter",
                    "x": rows["t"].to_numpy(),
                    "y": y,
                    "mode": "lines+markers" if len(rows) <= 60 else "lines",
                    "name": name,
                    "legendgroup": column,
                    "showlegend": row == 1,
                    "line": {"color": color, "dash": dash, "width": 2.5 if dash == "solid" else 2},
                    "marker": {"size": 6},
                    "customdata": tokens,
                    "hovertemplate": f"t=%{{x}} · %{{customdata}}<br>{name} = %{{y:.4f}}"
                    "<extra></extra>",
                    "connectgaps": False,
                    **axes,
                }
            )
        shapes.append(build.hline(0, {"color": "#999999", "width": 1, "dash": "dot"}, axes))
        layout[grid.axis_key(row, 1, "y")]["title"] = {"text": "log10 of norm (decades)"}
        ticks, labels = step_ticks(rows["t"].to_list(), words)
        if predictions is not None:
            tick_tokens = dict(zip(rows["t"].to_list(), words, strict=True))
            stacked = len(ticks) <= STACKED_TICKS
            labels = [tagged_label(t, tick_tokens[t], predictions, stacked) for t in ticks]
        layout[grid.axis_key(row, 1, "x")].update(tickvals=ticks, ticktext=labels)
    layout["shapes"] = shapes + selected_step_shapes(selected_t, grid, traces)
    layout[grid.axis_key(len(directions), 1, "x")]["title"] = {"text": "time step t"}
    themed(
        layout,
        title="How far back does the gradient reach?",
        large_font=large_font,
        height=height or 260 + 220 * len(directions),
    )
    legend_on_top_layout(layout)
    if notes:
        note = note_annotation("<br>".join(notes), y=-0.3 if len(directions) == 1 else -0.14)
        layout.setdefault("annotations", []).append(note)
        layout["margin"]["b"] = 110 + 22 * len(notes)
    return build.figure(traces, layout, grid=grid)


def _decades(low: np.ndarray, high: np.ndarray) -> float:
    """How many decades the positive values span (0 if there are none)."""
    values = np.concatenate([np.asarray(low, dtype=float), np.asarray(high, dtype=float)])
    values = values[np.isfinite(values) & (values > 0)]
    return float(np.log10(values.max() / values.min())) if values.size else 0.0


def _small(slope: float) -> str:
    return "less than 0.001 decades" if abs(slope) < 0.0005 else f"{slope:+.3f} decades"


def decay_readout(flow: pd.DataFrame, *, direction: str = "forward", steps: int = 10) -> str:
    """One plain-language sentence about how fast the gradient shrinks (or grows) per step."""
    slope = decay_slope(flow, direction)
    if math.isnan(slope):
        return (
            "There are too few time steps with a finite gradient to measure how it changes: "
            "use a sequence of at least 2 tokens."
        )
    total = slope * steps
    size = plain_number(total)
    if abs(slope) < FLAT_SLOPE:
        return (
            f"The gradient keeps about the same size (it changes by {_small(slope)} per step): "
            f"after {steps} steps it is still about {size} times its size, neither vanishing nor "
            "exploding."
        )
    strong = abs(slope) >= STRONG_SLOPE
    if slope < 0:
        verdict = "it vanishes" if strong else "it fades slowly, and vanishes over long sequences"
        return (
            f"The gradient shrinks by about {-slope:.2f} decades per step: after {steps} steps it is "
            f"10^{total:.1f} ≈ {size} of its size ({verdict})."
        )
    verdict = "it explodes" if strong else "it grows slowly, and explodes over long sequences"
    return (
        f"The gradient grows by about {slope:.2f} decades per step: after {steps} steps it is "
        f"10^{total:.1f} ≈ {size} times its size ({verdict})."
    )


def rate_in_words(name: str, slope: float) -> str:
    """A cell's decay rate as a sentence: "Elman: −0.29 decades per step, i.e. the gradient
    shrinks 10x every 3.4 steps" (a decade is a factor of 10)."""
    if math.isnan(slope):
        return f"{name}: too few steps to measure a rate"
    rate = f"{name}: {slope:+.2f} decades per step".replace("-", "−")
    if abs(slope) < 0.005:
        return f"{rate}, i.e. the gradient keeps its size (flat)"
    every = 1.0 / abs(slope)
    way = "shrinks" if slope < 0 else "grows"
    span = f"{every:.1f}" if every < 100 else f"{every:,.0f}"
    flat = " (nearly flat)" if abs(slope) < FLAT_SLOPE else ""
    return f"{rate}, i.e. the gradient {way} 10x every {span} steps{flat}"


def singular_values_figure(
    sv: pd.DataFrame, *, selected_t: int | None = None, large_font: bool = False
) -> go.Figure:
    """Largest, median and smallest singular value of J_t = ∂s_t/∂s_{t-1} per step, line at σ = 1."""
    directions = directions_in(sv)
    titles = [DIRECTION_TITLES.get(d, d) for d in directions] if len(directions) > 1 else None
    grid = build.subplot_grid(len(directions), 1, titled=titles is not None, shared_xaxes=True)
    layout = grid.layout(titles)
    traces: list[dict] = []
    zero_count = 0
    for row, direction in enumerate(directions, start=1):
        rows = _direction_rows(sv, direction)
        stats = _sigma_stats(rows)
        ts, tokens = stats["t"], [escape(tok) for tok in stats["token"]]  # hover text
        zero_count += int((rows["value"] <= 0).sum())
        traces += _sigma_traces(stats, ts, tokens, row, grid.axes(row, 1))
        y_axis = layout[grid.axis_key(row, 1, "y")]
        y_axis.update(type="log", title={"text": math_html("σ of ∂s_t/∂s_{t−1} (log scale)")})
        y_axis["exponentformat"] = "power"
        if _decades(stats["low"], stats["high"]) >= 2:
            y_axis["dtick"] = 1  # one tick per decade, no 2/5 clutter
        ticks, labels = step_ticks(ts.tolist(), list(stats["token"]))  # escapes them itself
        layout[grid.axis_key(row, 1, "x")].update(tickvals=ticks, ticktext=labels)
    shapes = selected_step_shapes(selected_t, grid, traces)
    if shapes:
        layout["shapes"] = shapes
    layout[grid.axis_key(len(directions), 1, "x")]["title"] = {"text": "time step t"}
    themed(
        layout,
        title="Per-step Jacobian singular values",
        large_font=large_font,
        height=240 + 220 * len(directions),
    )
    legend_on_top_layout(layout)
    if zero_count:
        text = f"{zero_count} singular value(s) are exactly 0 and cannot sit on a log axis."
        layout.setdefault("annotations", []).append(note_annotation(text))
        layout["margin"]["b"] = 110
    return build.figure(traces, layout, grid=grid)


def _sigma_stats(rows: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per step t (ascending): its token and the largest, median and smallest σ, NaN skipped
    (what groupby("t").agg(max, median, min) gives, in numpy: a quarter of the time)."""
    t = rows["t"].to_numpy()
    order = np.argsort(t, kind="stable")
    values = rows["value"].to_numpy(dtype=float)[order]
    ts, start = np.unique(t[order], return_index=True)
    groups = np.split(values, start[1:])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a step whose σ are all NaN stays NaN
        mid = np.array([np.nanmedian(group) for group in groups], dtype=float)
    return {
        "t": ts,
        "token": rows["token"].to_numpy()[order][start],
        "high": np.fmax.reduceat(values, start),
        "mid": mid,
        "low": np.fmin.reduceat(values, start),
    }


def _sigma_traces(
    stats: dict[str, np.ndarray], ts: np.ndarray, tokens: list[str], row: int, axes: dict
) -> list[dict]:
    """Largest, smallest (band filled between) and median σ per step, and the σ = 1 line."""
    traces = []
    for column, name, extra in (
        ("high", "largest σ", {}),
        ("low", "smallest σ", {"fill": "tonexty", "fillcolor": "rgba(0,114,178,0.15)"}),
        ("mid", "median σ", {}),
    ):
        y = np.asarray(stats[column], dtype=float)
        traces.append(
            {
                "type": "scatter",
                "x": ts,
                "y": np.where(y > 0, y, np.nan),  # log axis: 0 cannot be drawn, leave a gap
                "mode": "lines",
                "name": name,
                "legendgroup": column,
                "showlegend": row == 1,
                "line": {"color": BLUE, "width": 2.5 if column == "mid" else 1},
                "customdata": tokens,
                "hovertemplate": f"t=%{{x}} · %{{customdata}}<br>{name} = %{{y:.6g}}<extra></extra>",
                **extra,
                **axes,
            }
        )
    traces.append(
        {
            "type": "scatter",
            "x": [float(ts.min() - 0.5), float(ts.max() + 0.5)],
            "y": [1.0, 1.0],
            "mode": "lines",
            "name": "σ = 1: the step keeps the norm",
            "legendgroup": "one",
            "showlegend": row == 1,
            "line": {"color": VERMILLION, "dash": "dash", "width": 1.5},
            "hoverinfo": "skip",
            **axes,
        }
    )
    return traces
