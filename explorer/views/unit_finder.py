"""The unit finder on the States page (LSTMVis's select view): pick a feature of the text (or type
a regex), see which units' activations follow it best (|Pearson r|) and those units over the text.

The ranking is the engine's (`rnnviz.tables.rank_units`); with random weights the correlations are
small, which is the true answer. Bad input (a regex that does not compile, a feature that never
changes on this text) gets a message, never a traceback.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

import rnnviz
from explorer.app import charts, messages
from explorer.figures.units import unit_finder_figure
from rnnviz import tables
from rnnviz.zoo.text_features import regex_mask

REGEX = "a regex…"
TOP_UNITS = 8
DEFAULTS = ("string", "person")
FEATURE_LABELS = {
    "string": "inside a string",
    "comment": "inside a comment",
    "string_or_comment": "inside a string or comment",
    "bracket_depth": "bracket depth",
    "indent": "indentation",
    "column": "column",
    "identifier": "inside an identifier",
    "person": "person (tagged PER)",
    "place": "place (tagged LOC)",
    "name": "person or place",
    "capitalised": "capitalised word",
}


def unit_finder(
    trace: rnnviz.Trace, layer: int, direction: str, prefix: str = "", large_font: bool = False
) -> dict:
    """Draw the finder for one layer and direction; return its figure by name (for exports)."""
    st.subheader("Unit finder: which units follow a feature of the text?")
    features = tables.unit_features_frame(trace)
    names = [c for c in features.columns if c not in ("t", "token")]
    choice_key, regex_key, part_key = prefix + "ufeat", prefix + "uregex", prefix + "upart"
    if st.session_state.get(choice_key) not in (*names, REGEX):
        # Start on the showcase (docs/zoo.md): the LSTM's string cells, the taggers' name cells.
        st.session_state[choice_key] = next((n for n in DEFAULTS if n in names), names[0])
    st.session_state.setdefault(regex_key, "")
    parts = ("h", "c") if trace.c is not None else ("h",)
    if st.session_state.get(part_key) not in parts:
        st.session_state[part_key] = "h"
    left, middle, right = st.columns([3, 3, 1.4], vertical_alignment="bottom")
    left.selectbox(
        "Feature", [*names, REGEX], key=choice_key, format_func=lambda n: FEATURE_LABELS.get(n, n)
    )
    chosen = st.session_state[choice_key]
    middle.text_input(
        "Regex",
        key=regex_key,
        help="A Python regular expression: a token is on when a character of it is inside a "
        "match (words are joined by spaces).",
        placeholder=r"e.g. [A-Z]\w+ or \(",
        disabled=chosen != REGEX,
    )
    if len(parts) > 1:
        right.segmented_control("Part", parts, key=part_key, required=True)
    part = st.session_state[part_key]
    found = _feature(trace, features, chosen, st.session_state[regex_key])
    if found is None:
        return {}
    feature, values, label = found
    try:
        ranked = tables.rank_units(trace, feature, layer=layer, direction=direction, part=part)
    except rnnviz.RnnvizError as exc:
        st.info(f"Nothing to rank: {messages.plain(str(exc))}", icon=":material/info:")
        return {}
    return _show(trace, ranked, values, label, layer, direction, part, prefix, large_font)


def _feature(trace, features: pd.DataFrame, chosen: str, pattern: str):
    """(what rank_units takes, the values per token, its name), or None after a message."""
    if chosen != REGEX:
        return chosen, features[chosen].to_numpy(dtype=float), FEATURE_LABELS.get(chosen, chosen)
    if not pattern:
        st.caption("Type a regular expression to rank the units by it.")
        return None
    joiner = "" if trace.config.tokenize == "char" else " "
    try:  # a bad pattern, or one that backtracks past regex_mask's time limit
        compiled = tables.regex_feature(pattern)
        mask = regex_mask(trace.tokens, compiled, joiner)
    except rnnviz.RnnvizError as exc:
        messages.error(f"This regex cannot be used: {exc}")
        return None
    return mask, mask, f"regex {pattern}"  # rank_units takes the 0/1 values: one match, not two


def _show(trace, ranked, values, label, layer, direction, part, prefix, large_font) -> dict:
    top = ranked.head(TOP_UNITS)
    table = pd.DataFrame(
        {
            "unit": [f"{part}[{u}]" for u in top["unit"]],
            "part": part,
            "r": top["correlation"].round(3),
        }
    )
    activations = (trace.h if part == "h" else trace.c)[:, layer - 1, _direction_index(direction)]
    fig = unit_finder_figure(
        activations[:, top["unit"].to_numpy()],
        table["unit"].tolist(),
        top["correlation"].fillna(0.0).tolist(),
        values,
        list(trace.tokens),
        feature_name=label,
        predictions=trace.predictions,
        large_font=large_font,
    )
    left, right = st.columns([1, 4])
    with left:
        st.dataframe(table, hide_index=True)
        best = float(np.nan_to_num(top["abs_correlation"].iloc[0]))
        if trace.predictions is None:
            st.caption(f"Random weights: the best |r| is {best:.2f}; no unit was trained for this.")
    with right:
        charts.show(fig, key=prefix + "unit-finder")
    return {"Unit finder": fig}


def _direction_index(direction: str) -> int:
    return 0 if direction == "forward" else 1


__all__ = ["REGEX", "unit_finder"]
