"""The Lab's figures: pure functions from the Lab's DataFrames to Plotly figures (no streamlit, torch).

- training_curves_figure: held-out score against training step, with the guessing baseline.
- gradient_picture_figure: training step x t heatmap of log10 ||dL/ds_t|| (RNNbow's view).
- gradient_norm_figure: the gradient norm before clipping, per evaluation window, with the threshold.
- lag_sweep_figure: final score against lag for each cell (median over seeds).
- success_rate_figure: share of seeds that solved the task against lag, labelled "k/n".
- phase_diagram_figure: measured decay rate against sigma_max * gamma, beside Pascanu's bound.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from explorer.figures.notation import math_html
from explorer.figures.style import (
    CELL_COLORS,
    DIVERGING_SCALE,
    GREY,
    ORANGE,
    PURPLE,
    SKY,
    VERMILLION,
    apply_theme,
    escape,
)

SIGMA_MAX = math_html("σ_max")
SIGMA_GAMMA = math_html("σ_max·γ")
RUN_COLORS = (CELL_COLORS["lstm"], CELL_COLORS["elman"], CELL_COLORS["gru"], ORANGE, PURPLE, SKY)
METRIC_TITLES = {"mse": "held-out MSE", "accuracy": "held-out accuracy"}
CURVE_TITLES = {
    "mse": "Held-out MSE during training",
    "accuracy": "Held-out accuracy during training",
}
GRADIENT_TITLE = math_html("log10 ‖∂L/∂s_t‖")


def _run_color(name: str, index: int) -> str:
    return CELL_COLORS.get(str(name).lower(), RUN_COLORS[index % len(RUN_COLORS)])


def training_curves_figure(
    histories: dict[str, pd.DataFrame],
    *,
    metric: str,
    baseline: float,
    success: float | None = None,
    references: dict[str, float] | None = None,
    large_font: bool = False,
) -> go.Figure:
    """One line per run (name -> history with `step`, `metric`), the baseline dashed, and more
    labelled reference levels (label -> value) dotted."""
    fig = go.Figure()
    for index, (name, history) in enumerate(histories.items()):
        fig.add_trace(go.Scatter(
            x=history["step"], y=history["metric"], mode="lines+markers", name=escape(name),
            line={"color": _run_color(name, index), "width": 3}, marker={"size": 5},
            hovertemplate="step %{x}<br>" + METRIC_TITLES[metric] + " %{y:.4g}<extra>%{fullData.name}</extra>",
        ))  # fmt: skip
    what = "predicting the mean" if metric == "mse" else "guessing"
    fig.add_hline(y=baseline, line={"color": GREY, "dash": "dash"},
                  annotation_text=f"baseline ({what}) {baseline:.3g}")  # fmt: skip
    if success is not None:
        fig.add_hline(y=success, line={"color": VERMILLION, "dash": "dot"},
                      annotation_text=f"solved {'below' if metric == 'mse' else 'from'} {success:g}",
                      annotation_position="bottom right")  # fmt: skip
    for label, value in (references or {}).items():
        fig.add_hline(y=value, line={"color": GREY, "dash": "dot"}, annotation_text=escape(label),
                      annotation_position="bottom left")  # fmt: skip
    fig.update_xaxes(title_text="training step")
    fig.update_yaxes(title_text=METRIC_TITLES[metric], type="log" if metric == "mse" else "linear")
    return apply_theme(fig, title=CURVE_TITLES[metric],
                       large_font=large_font, height=380)  # fmt: skip


def gradient_picture_figure(
    picture: pd.DataFrame,
    *,
    title: str = "How far back the gradient reaches",
    z_range: tuple[float, float] | None = None,
    large_font: bool = False,
) -> go.Figure:
    """Heatmap: x = t (1..T, the loss is at T), y = training step, colour = log10 ||dL/ds_t||.
    Give several pictures the same `z_range` (see `picture_range`) to compare their colours."""
    steps = sorted(picture["step"].unique())
    ts = sorted(picture["t"].unique())
    grid = picture.pivot_table(index="step", columns="t", values="log10_grad_norm", aggfunc="first")
    z = grid.reindex(index=steps, columns=ts).to_numpy(dtype=float)  # (steps, T)
    exact_zero = np.isneginf(z)
    z = np.where(np.isfinite(z), z, np.nan)
    low, high = z_range if z_range is not None else picture_range([picture])
    fig = go.Figure(go.Heatmap(
        x=ts, y=steps, z=z, zmin=low, zmax=high, colorscale="Viridis",
        colorbar={"title": {"text": GRADIENT_TITLE}},
        hovertemplate="t = %{x}<br>training step %{y}<br>" + GRADIENT_TITLE + " = %{z:.2f}<extra></extra>",
    ))  # fmt: skip
    fig.update_xaxes(title_text="time step t (the loss is read at t = T)")
    fig.update_yaxes(title_text="training step")
    if exact_zero.any():
        fig.add_annotation(text=f"{int(exact_zero.sum())} cell(s) blank: the gradient is exactly 0",
                           xref="paper", yref="paper", x=0, y=-0.34, showarrow=False)  # fmt: skip
    fig = apply_theme(fig, title=title, large_font=large_font, height=400)
    if exact_zero.any():
        fig.update_layout(margin={"b": 100})
    return fig


def picture_range(pictures: list[pd.DataFrame]) -> tuple[float, float]:
    """Whole decades spanning every finite log10 value of the pictures (for a shared colour bar)."""
    values = np.concatenate([p["log10_grad_norm"].to_numpy(dtype=float) for p in pictures] or [[]])
    finite = values[np.isfinite(values)]
    if not finite.size:
        return -1.0, 0.0
    low, high = float(np.floor(finite.min())), float(np.ceil(finite.max()))
    return low, max(high, low + 1.0)


def gradient_norm_figure(
    histories: dict[str, pd.DataFrame], *, clip: float | None = None, large_font: bool = False
) -> go.Figure:
    """The largest gradient norm (before clipping) in each evaluation window, log scale."""
    fig = go.Figure()
    for index, (name, history) in enumerate(histories.items()):
        norms = pd.to_numeric(history["grad_norm"], errors="coerce").astype(float)
        norms = norms.where(np.isfinite(norms))  # inf/NaN (a diverged step) leave a gap
        fig.add_trace(go.Scatter(
            x=history["step"], y=norms, mode="lines+markers", name=escape(name),
            line={"color": _run_color(name, index), "width": 3},
            hovertemplate="step %{x}<br>||grad|| %{y:.4g}<extra>%{fullData.name}</extra>",
        ))  # fmt: skip
    if clip is not None:
        fig.add_hline(y=clip, line={"color": VERMILLION, "dash": "dot"},
                      annotation_text=f"clipping threshold {clip:g}")  # fmt: skip
    fig.update_xaxes(title_text="training step")
    fig.update_yaxes(title_text="gradient norm before clipping", type="log")
    return apply_theme(
        fig, title="Gradient norm during training", large_font=large_font, height=360
    )


def lag_sweep_figure(
    sweep: pd.DataFrame, *, metric: str, success: float, large_font: bool = False
) -> go.Figure:
    """Final score against lag, one line per cell; filled markers = solved, open = failed."""
    fig = go.Figure()
    for index, (cell, rows) in enumerate(sweep.groupby("cell", sort=False)):
        rows = rows.groupby("lag", as_index=False).agg(metric=("metric", "median"),
                                                        solved=("solved", "mean"))  # fmt: skip
        fig.add_trace(go.Scatter(
            x=rows["lag"], y=rows["metric"], mode="lines+markers", name=escape(cell),
            line={"color": _run_color(cell, index), "width": 3},
            marker={"size": 12, "symbol": ["circle" if s >= 0.5 else "circle-open" for s in rows["solved"]]},
            customdata=rows["solved"],
            hovertemplate="lag %{x}<br>" + METRIC_TITLES[metric] + " %{y:.4g}<br>solved in %{customdata:.0%} of seeds<extra>%{fullData.name}</extra>",
        ))  # fmt: skip
    baseline = float(sweep["baseline"].iloc[0]) if len(sweep) else math.nan
    fig.add_hline(y=baseline, line={"color": GREY, "dash": "dash"},
                  annotation_text=f"baseline {baseline:.3g}")  # fmt: skip
    fig.add_hline(y=success, line={"color": VERMILLION, "dash": "dot"},
                  annotation_text=f"solved threshold {success:g}", annotation_position="bottom right")  # fmt: skip
    fig.update_xaxes(title_text="lag (steps between the deciding input and the output)")
    fig.update_yaxes(title_text=f"final {METRIC_TITLES[metric]}",
                     type="log" if metric == "mse" else "linear")  # fmt: skip
    return apply_theme(fig, title="Which cell still learns as the lag grows",
                       large_font=large_font, height=400)  # fmt: skip


def success_rate_figure(rates: pd.DataFrame, *, large_font: bool = False) -> go.Figure:
    """Share of seeds that solved the task against lag, one line per cell, each point "k/n"."""
    fig = go.Figure()
    for index, (cell, rows) in enumerate(rates.groupby("cell", sort=False)):
        rows = rows.sort_values("lag")
        fig.add_trace(go.Scatter(
            x=rows["lag"], y=rows["rate"], mode="lines+markers+text", name=escape(cell),
            text=[escape(label) for label in rows["label"]], textposition="top center",
            line={"color": _run_color(cell, index), "width": 3}, marker={"size": 12},
            hovertemplate="lag %{x}<br>solved %{text} seeds<extra>%{fullData.name}</extra>",
        ))  # fmt: skip
    fig.update_xaxes(title_text="lag (steps between the deciding input and the output)")
    fig.update_yaxes(title_text="seeds that solved it", range=[-0.08, 1.15], tickformat=".0%")
    return apply_theme(fig, title="Success rate over seeds as the lag grows",
                       large_font=large_font, height=400)  # fmt: skip


def phase_diagram_figure(diagram: pd.DataFrame, *, large_font: bool = False) -> go.Figure:
    """Left: regime map (activation x sigma_max*gamma, colour = measured decades per step).
    Right: measured rate and Pascanu's log10(gamma * sigma_max) against sigma_max * gamma."""
    fig = make_subplots(rows=1, cols=2, column_widths=[0.5, 0.5], horizontal_spacing=0.12,
                        subplot_titles=("Measured decay rate (blue: vanishing, red: exploding)",
                                        "Measured against Pascanu's bound"))  # fmt: skip
    activations = list(dict.fromkeys(diagram["activation"]))
    products = sorted(diagram["sigma_gamma"].round(6).unique())
    grid = diagram.assign(sg=diagram["sigma_gamma"].round(6)).pivot_table(
        index="activation", columns="sg", values="measured_rate", aggfunc="first")  # fmt: skip
    z = grid.reindex(index=activations, columns=products).to_numpy(dtype=float)  # (A, P)
    bound = float(np.nanmax(np.abs(z))) if np.isfinite(z).any() else 1.0
    fig.add_trace(go.Heatmap(
        x=products, y=activations, z=z, zmid=0.0, zmin=-bound, zmax=bound,
        colorscale=DIVERGING_SCALE, colorbar={"title": {"text": "decades/step"}, "x": 0.44},
        hovertemplate="%{y}, " + SIGMA_GAMMA + " = %{x:.3g}<br>measured %{z:.4f} decades/step<extra></extra>",
    ), row=1, col=1)  # fmt: skip
    fig.add_vline(x=1.0, line={"color": "black", "width": 2, "dash": "dash"}, row=1, col=1)
    for index, act in enumerate(activations):
        rows = diagram[diagram["activation"] == act].sort_values("sigma_gamma")
        color = RUN_COLORS[index % len(RUN_COLORS)]
        fig.add_trace(go.Scatter(
            x=rows["sigma_gamma"], y=rows["measured_rate"], mode="lines+markers",
            name=f"measured, {escape(act)}", line={"color": color, "width": 3},
            customdata=rows["sigma_max"],
            hovertemplate=SIGMA_MAX + " %{customdata:.3g}<br>rate %{y:.4f}<extra>%{fullData.name}</extra>",
        ), row=1, col=2)  # fmt: skip
    pascanu = diagram.drop_duplicates("sigma_gamma").sort_values("sigma_gamma")
    fig.add_trace(go.Scatter(
        x=pascanu["sigma_gamma"], y=pascanu["pascanu_rate"], mode="lines",
        name=math_html("Pascanu: log10(γ·σ_max)"), line={"color": GREY, "dash": "dash", "width": 2},
    ), row=1, col=2)  # fmt: skip
    fig.add_hline(y=0.0, line={"color": "black", "width": 1}, row=1, col=2)
    fig.add_vline(x=1.0, line={"color": "black", "width": 2, "dash": "dash"}, row=1, col=2)
    fig.update_xaxes(title_text=math_html("σ_max(W_hh)·γ"))
    fig.update_yaxes(title_text="activation", row=1, col=1)
    fig.update_yaxes(
        title_text=math_html("decades per step (slope of log10 ‖∂s_T/∂s_t‖)"), row=1, col=2
    )
    return apply_theme(fig, title=math_html("Vanishing or exploding: the phase boundary σ_max·γ = 1"),
                       large_font=large_font, height=430)  # fmt: skip
