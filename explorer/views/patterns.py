"""Patterns: acceptor, transducer, encoder, encoder-decoder (and bidirectional): where the loss
attaches to the unrolled graph, and how the gradient then flows back."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from explorer.app import charts, data, exports, fold, messages, url_state
from explorer.app.controls import Settings
from explorer.figures.gradients import gradient_flow_figure
from explorer.figures.graph import pattern_figure
from rnnviz.config import PATTERNS
from rnnviz.graph import window_graph

WINDOW = 12  # for long sentences, 2W+1 steps are drawn around where the loss attaches
PARAMS = (
    url_state.choice("pview", "acceptor", PATTERNS),
    url_state.flag("pbidir", False),
)
PATTERN_LABELS = {
    "acceptor": "acceptor",
    "transducer": "transducer",
    "encoder": "encoder",
    "encoder-decoder": "encoder–decoder",
}


def view(settings: Settings, prefix: str = "") -> None:
    # Start from the sidebar's pattern and direction setting.
    st.session_state.setdefault(prefix + "pview", settings.config["pattern"])
    st.session_state.setdefault(prefix + "pbidir", settings.config["bidirectional"])
    if settings.model:
        # A trained model is one pattern (a transducer) with its own direction: show that one.
        st.session_state[prefix + "pview"] = settings.config["pattern"]
        st.session_state[prefix + "pbidir"] = settings.config["bidirectional"]
        st.info(
            f"{settings.model} was trained as a {settings.config['pattern']}: the other patterns "
            "need other heads and targets, so this page shows its own (pick random weights in "
            "the sidebar to compare all four)."
        )
    fixed = bool(settings.own_model) or settings.model is not None
    left, right = st.columns([5.6, 1.0], vertical_alignment="center")
    left.segmented_control(
        "Pattern",
        PATTERNS,
        key=prefix + "pview",
        format_func=PATTERN_LABELS.get,
        required=True,
        label_visibility="collapsed",
        disabled=settings.model is not None,
    )
    right.toggle(
        "Bidir.",  # bidirectional; short: the four patterns need the row at projector size
        key=prefix + "pbidir",
        disabled=fixed,
    )
    pattern = st.session_state[prefix + "pview"]
    changes = {"pattern": pattern}
    if not fixed:
        changes["bidirectional"] = st.session_state[prefix + "pbidir"]
    chosen = settings.with_config(**changes)
    trace = data.load_trace(chosen)
    if trace is None:
        return
    graph = messages.guarded(
        lambda: data.graph(chosen.config, chosen.text, "cell", False), "Cannot draw the graph"
    )
    if graph is None:
        return
    big = settings.large_font
    if trace.seq_len > 2 * WINDOW + 1:  # where the loss attaches: the end of the sentence
        graph = window_graph(graph, trace.seq_len, 2 * WINDOW)
        st.caption(
            f"Showing the last {2 * WINDOW + 1} of {trace.seq_len} steps (and the decoder's first)."
        )
    graph_fig = pattern_figure(graph, pattern=pattern, large_font=big, show_params=False)
    charts.show(fold.fit_graph(graph_fig, big), key=prefix + "pattern-graph")
    st.caption(f"Loss: {trace.loss_name} = {trace.loss:.4g}")
    flow_fig = gradient_flow_figure(
        trace.gradient_flow, large_font=big, predictions=trace.predictions
    )
    charts.show(flow_fig, key=prefix + "pattern-flow")
    overview = None if settings.model else _loss_overview(chosen)
    if overview is not None:
        st.subheader("Where each pattern attaches its loss (loss at step t)")
        st.dataframe(overview, hide_index=True)
    if trace.decoder is not None:
        st.subheader("The decoder's targets")
        st.dataframe(
            pd.DataFrame(
                {
                    "k": range(1, len(trace.decoder["tokens"]) + 1),
                    "target token": trace.decoder["tokens"],
                }
            ),
            hide_index=True,
        )
    if not prefix:
        exports.panel(
            "patterns",
            frames={"Step losses": overview} if overview is not None else {},
            figures={"Pattern graph": graph_fig, "Gradient flow": flow_fig},
            graph=graph,
        )


def _loss_overview(settings: Settings) -> pd.DataFrame | None:
    """One column per pattern: the part of the loss attached at each step (0 = none there)."""
    columns = {}
    base = None
    for pattern in PATTERNS:
        trace = messages.guarded(
            lambda p=pattern: data.trace_for({**settings.config, "pattern": p}, settings.text),
            f"Cannot unroll the {pattern} pattern",
        )
        if trace is None:
            return None
        base = trace
        columns[pattern] = trace.step_losses
    return pd.DataFrame({"t": range(1, base.seq_len + 1), "token": base.tokens, **columns})
