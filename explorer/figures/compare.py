"""Elman, LSTM and GRU side by side on the same input: how far back does each gradient reach?"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from explorer.figures.axes import finite_range, mark_selected_step, step_ticks
from explorer.figures.gradients import decay_slope
from explorer.figures.style import CELL_COLORS, GREY, apply_theme, escape

CELL_TITLES = {"elman": "Elman", "lstm": "LSTM", "gru": "GRU"}
COMPARED = {
    "log10_grad_norm": ("log10 ‖∂L/∂s_t‖", "solid"),
    "log10_jacobian_norm": ("log10 ‖∂s_T/∂s_t‖", "dash"),
}


def _panel_title(name: str, flow: pd.DataFrame) -> str:
    slope = decay_slope(flow, "forward")
    label = CELL_TITLES.get(name.lower(), escape(name))
    if np.isnan(slope):
        return label
    return f"{label}: {slope:+.2f} decades/step"


def compare_figure(
    flows: dict[str, pd.DataFrame],
    *,
    selected_t: int | None = None,
    large_font: bool = False,
) -> go.Figure:
    """One panel per cell (forward direction), shared y range, the selected t shaded in all."""
    names = list(flows)
    forward = {
        name: flow[flow["direction"] == "forward"].sort_values("t") if "direction" in flow else flow
        for name, flow in flows.items()
    }
    fig = make_subplots(
        rows=1,
        cols=max(1, len(names)),
        shared_yaxes=True,
        horizontal_spacing=0.04,
        subplot_titles=[_panel_title(n, forward[n]) for n in names],
    )
    all_values = []
    for col, name in enumerate(names, start=1):
        rows = forward[name]
        color = CELL_COLORS.get(name.lower(), GREY)
        tokens = [escape(tok) for tok in rows.get("token", rows["t"])]
        for column, (label, dash) in COMPARED.items():
            if column not in rows:
                continue
            y = rows[column].to_numpy(dtype=float)
            all_values.append(y)
            fig.add_trace(
                go.Scatter(
                    x=rows["t"].to_numpy(),
                    y=np.where(np.isfinite(y), y, np.nan),
                    mode="lines+markers" if len(rows) <= 60 else "lines",
                    name=f"{CELL_TITLES.get(name.lower(), escape(name))}: {label}",
                    line={"color": color, "dash": dash, "width": 2.5},
                    marker={"size": 5},
                    customdata=tokens,
                    hovertemplate=f"t=%{{x}} · %{{customdata}}<br>{label} = %{{y:.4f}}"
                    "<extra></extra>",
                ),
                row=1,
                col=col,
            )
        fig.add_hline(y=0, line={"color": "#999999", "width": 1, "dash": "dot"}, row=1, col=col)
        ticks, labels = step_ticks(rows["t"].to_list(), tokens, max_labels=8)
        fig.update_xaxes(tickvals=ticks, ticktext=labels, tickangle=-45, row=1, col=col)
    shared = finite_range(np.concatenate(all_values)) if all_values else None
    if shared is not None:
        fig.update_yaxes(range=list(shared))
    fig.update_yaxes(title_text="log10 of norm (decades)", row=1, col=1)
    fig.update_xaxes(title_text="time step t", row=1, col=(len(names) + 1) // 2)
    mark_selected_step(fig, selected_t, row="all", col="all")
    apply_theme(
        fig,
        title="Same input, three cells: solid ‖∂L/∂s_t‖, dashed ‖∂s_T/∂s_t‖",
        large_font=large_font,
        height=460 if not large_font else 560,
    )
    fig.update_layout(legend={"orientation": "h", "y": -0.3})
    return fig
