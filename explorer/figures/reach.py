"""The reach picture: every word of the sentence coloured by how much gradient reaches it, one row
per cell (Elman / LSTM / GRU aligned word by word), on one log colour scale in decades.

Pure: a dict of tidy frames (columns t, token, log10) in, a Plotly heatmap out; no streamlit, no
torch. After Distill's "Visualizing memorization in RNNs": the words are the picture.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from explorer.figures import build
from explorer.figures.style import GRADIENT_SCALE, VISIBLE, escape, themed

MAX_WORDS = 40  # more columns than this and the words no longer fit as text in their cells
SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def decade_label(power: int) -> str:
    """10 to an integer power as text: 10⁻³ (what one colour-bar tick means)."""
    return "1" if power == 0 else "10" + str(power).translate(SUPERSCRIPT)


def shown_steps(seq_len: int, max_words: int = MAX_WORDS) -> tuple[int, int]:
    """(first t, last t) of the columns drawn: the last `max_words` words, nearest the loss."""
    return max(1, seq_len - max_words + 1), seq_len


def reach_figure(
    rows: dict[str, pd.DataFrame],
    *,
    measure: str = "‖∂L/∂<b>x</b><sub>t</sub>‖",
    title: str | None = None,
    large_font: bool = False,
    max_words: int = MAX_WORDS,
) -> go.Figure:
    """One row per entry of `rows` (name -> frame with t, token, log10), top to bottom in order;
    a column per word, the word written in its cell; colour = log10 of `measure`."""
    names = list(rows)
    seq_len = max((int(frame["t"].max()) for frame in rows.values() if len(frame)), default=0)
    first, last = shown_steps(seq_len, max_words)
    columns = list(range(first, last + 1))
    z = np.full((len(names), len(columns)), np.nan)
    words = [[""] * len(columns) for _ in names]
    for i, name in enumerate(names):
        frame = rows[name]
        # A trained model's tag / next character (column "prediction") goes under its word.
        tags = frame["prediction"] if "prediction" in frame else [None] * len(frame)
        for t, token, value, tag in zip(
            frame["t"], frame["token"], frame["log10"], tags, strict=True
        ):
            if first <= int(t) <= last:
                z[i, int(t) - first] = float(value)
                word = escape(token)
                words[i][int(t) - first] = (
                    word if tag is None else f"{word}<br>{escape(VISIBLE.get(tag, tag))}"
                )
    finite = z[np.isfinite(z)]
    low = math.floor(finite.min()) if finite.size else -1
    high = math.ceil(finite.max()) if finite.size else 0
    high = high if high > low else low + 1
    # An exactly-zero gradient (log10 = -inf) takes the palest colour; NaN stays blank.
    colour_z = np.where(np.isneginf(z), low, z)
    powers = _ticks(low, high)
    labels = [escape(name) for name in names]
    hover = [
        [f"{labels[i]} · t = {columns[j]} · {words[i][j]}" for j in range(len(columns))]
        for i in range(len(names))
    ]
    trace = {
        "type": "heatmap",
        "z": colour_z,
        "x": columns,
        "y": labels,
        "text": words,
        "texttemplate": "%{text}",
        "customdata": hover,
        "hovertemplate": f"%{{customdata}}<br>log10 {measure} = %{{z:.2f}}<extra></extra>",
        "colorscale": GRADIENT_SCALE,
        "zmin": low,
        "zmax": high,
        "xgap": 2,
        "ygap": 6,
        "colorbar": {
            "title": {"text": f"{measure}<br>(decades)", "side": "right"},
            "tickvals": powers,
            "ticktext": [decade_label(p) for p in powers],
            "thickness": 14,
        },
    }
    note = _note(seq_len, first)
    layout = {
        "xaxis": {
            "title": {"text": "time step t (the loss reads the last word)" + note},
            "tickvals": columns if len(columns) <= 20 else columns[:: max(1, len(columns) // 10)],
            "showgrid": False,
            "zeroline": False,
        },
        "yaxis": {"autorange": "reversed", "showgrid": False, "automargin": True, "tickfont": {}},
    }
    themed(
        layout,
        title=title or f"How much gradient reaches each word: colour = {measure}, log scale",
        large_font=large_font,
        height=(150 if not large_font else 180) + (75 if not large_font else 95) * len(names),
    )
    layout["margin"]["l"] = 20
    # The cell names are the rows' titles: as large as the text, and dark, not tick-grey.
    layout["yaxis"]["tickfont"] = {"size": layout["font"]["size"], "color": "#222222"}
    return build.figure([trace], layout)


def _ticks(low: int, high: int) -> list[int]:
    """Integer decades between low and high, at most ~7 of them."""
    step = max(1, math.ceil((high - low) / 6))
    return list(range(low, high + 1, step))


def _note(seq_len: int, first: int) -> str:
    if first <= 1:
        return ""
    return f"; the last {seq_len - first + 1} of {seq_len} words are shown"
