"""Real rnnviz traces shared by the figure tests (cached: each unroll runs once per session)."""

from __future__ import annotations

from functools import cache

import numpy as np
import plotly.graph_objects as go

import rnnviz

SENTENCE = "John lives in Salt Lake City"
# A token that is HTML: every figure must show it as text, never as markup.
HOSTILE_TOKENS = ("<script>alert(1)</script>", "<b>bold</b>", "&amp;", "City")


@cache
def sentence_trace(cell: str, **options) -> rnnviz.Trace:
    return rnnviz.unroll(SENTENCE, cell=cell, hidden_size=8, **options)


@cache
def hostile_trace(cell: str = "lstm") -> rnnviz.Trace:
    return rnnviz.unroll(list(HOSTILE_TOKENS), cell=cell, hidden_size=4)


@cache
def vanishing_trace() -> rnnviz.Trace:
    """Elman with sigma_max(W_hh) = 0.1 over 70 tokens: the first gradient is about 10^-97."""
    return rnnviz.unroll([f"w{i}" for i in range(70)], cell="elman", sigma_max=0.1, hidden_size=8)


def floats(values) -> np.ndarray:
    """A trace array as floats (None separators become NaN)."""
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def named(fig: go.Figure, name: str) -> go.Scatter:
    matches = [trace for trace in fig.data if trace.name == name]
    assert len(matches) == 1, [trace.name for trace in fig.data]
    return matches[0]


def strings_in(value) -> list[str]:
    """Every string anywhere in a figure's JSON-like dict (text, hover, ticks, titles, frames)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings_in(v)]
    if isinstance(value, list | tuple) or (isinstance(value, np.ndarray) and value.dtype == object):
        return [s for v in value for s in strings_in(v)]
    return []


def assert_no_markup_from(fig: go.Figure, tokens) -> None:
    """No user token reaches the figure as raw HTML; each appears escaped somewhere."""
    import html

    strings = strings_in(fig.to_plotly_json())
    for token in tokens:
        if html.escape(token) == token:
            continue
        if "<" in token:  # raw markup must never appear
            assert not any(token in s for s in strings), token
        assert any(html.escape(token) in s for s in strings), token  # shown, as text
