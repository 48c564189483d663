"""Node traces of the unrolled graph: markers filled by the gradient that reaches each node, the
lecture's labels (every k-th step when crowded), the R/O box labels and the legend-only entries
(each kind's shape, 'exactly 0' grey, 'not computed' hollow)."""

from __future__ import annotations

import math

import numpy as np

from explorer.figures.graph.data import GraphArrays
from explorer.figures.style import (
    NOT_COMPUTED_FILL,
    NOT_COMPUTED_LINE,
    ZERO_GRADIENT_GREY,
    kind_style,
)

LABELLED_STEPS = 13  # more steps than this: label every k-th step only
BOX_LINE = "#4D4D4D"
NODE_HOVER = "%{customdata}<extra></extra>"
ZERO_NAME = "grey: no gradient flows (exactly 0)"
UNKNOWN_NAME = "hollow, dotted: gradient not computed"
TEXT_POSITIONS = {
    "param": "middle left",
    "x": "bottom center",
    "input": "bottom center",
    "c": "top center",
    "loss": "top center",
}  # everything else (s, h, a, y): under the node, inside its box


def scatter(**props) -> dict:
    """A scatter trace dict as go.Scatter would send it: with its type, without None values."""
    return {"type": "scatter", **{k: v for k, v in props.items() if v is not None}}


def labelled_every(data: GraphArrays) -> int:
    """k: only every k-th step's nodes carry a label (the first and last always do)."""
    steps = np.unique(data.t[np.isfinite(data.t) & (data.t >= 1)])
    return max(1, math.ceil(len(steps) / LABELLED_STEPS))


def _label_step(t: float, first: float, last: float, every: int) -> bool:
    return math.isnan(t) or t < first or t == last or int(t - first) % every == 0


def box_labels(data: GraphArrays, p, every: int) -> dict:
    """'R' / 'O' in the top-left corner of each box (every k-th step when crowded)."""
    boxes = data.placement.boxes
    first, last = _step_range(data)
    text = [boxes[i].label if _label_step(boxes[i].t, first, last, every) else "" for i in p.idx]
    return scatter(
        x=p.x,
        y=p.y,
        mode="text",
        text=text,
        textposition="bottom right",
        textfont={"color": BOX_LINE},
        name="box labels",
        showlegend=False,
        hoverinfo="skip",
    )


def _step_range(data: GraphArrays) -> tuple[float, float]:
    steps = data.t[np.isfinite(data.t) & (data.t >= 1)]
    return (float(steps.min()), float(steps.max())) if steps.size else (math.nan, math.nan)


def _node_text(data: GraphArrays, idx: np.ndarray, kind: str, every: int):
    """Labels, their position and colour. Gates carry their letter inside the marker; other
    kinds sit next to it; past LABELLED_STEPS steps only every k-th step is labelled."""
    first, last = _step_range(data)
    keep = [_label_step(data.t[i], first, last, every) for i in idx]
    if kind == "gate":
        letters = [data.ids[i].split(":", 1)[1][0] for i in idx]
        ink = ["#FFFFFF" if _dark(data.color[i]) else "#111111" for i in idx]
        return (
            [ltr if k else "" for ltr, k in zip(letters, keep, strict=True)],
            "middle center",
            ink,
        )
    text = [data.text[i] if k else "" for i, k in zip(idx, keep, strict=True)]
    # few steps and wide boxes (one chain): a label fits right of its node, inside its box
    roomy = every == 1 and data.placement.geometry.box_w >= 0.3
    where = [_text_position(data, i, kind, roomy) for i in idx]
    return text, where if len(set(where)) > 1 else (where[0] if where else None), None


def _text_position(data: GraphArrays, i: int, kind: str, roomy: bool) -> str:
    """Outside boxes (s_0, parameters, inputs) labels sit outside; inside, under the node."""
    if kind in ("param", "parameter", "weight"):
        right_side = data.x[i] > np.nanmedian(data.x)  # the decoder's, right of its steps
        return "middle right" if right_side else "middle left"
    if data.t[i] == 0 or (data.placement.box_of[i] < 0 and kind not in TEXT_POSITIONS):
        return "top center"
    if roomy and kind not in TEXT_POSITIONS and data.placement.extra.get("level") != "op":
        return "bottom right"  # cell level: x_t -> s_t and s_t -> y_t arrive from straight below
    return TEXT_POSITIONS.get(kind, "bottom center")


def _dark(color: str) -> bool:
    """Whether a fill is dark enough to need white text (relative luminance below 0.4)."""
    if color.startswith("rgb"):
        r, g, b = (float(v) / 255 for v in color[color.index("(") + 1 : -1].split(",")[:3])
    else:
        r, g, b = (int(color[k : k + 2], 16) / 255 for k in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.4


def node_trace(data: GraphArrays, p, size: int, labelled: bool, every: int) -> dict:
    """One kind's nodes (p: a traces.Piece), each filled by its own gradient."""
    style = kind_style(p.key)
    size = size * (1.3 if style["symbol"] == "star" else 1.0)
    unknown = [math.isnan(data.grad[i]) for i in p.idx]
    symbols = [style["symbol"] + ("-dot" if u else "") for u in unknown]
    text, where, ink = _node_text(data, p.idx, p.key, every) if labelled else (None, None, None)
    return scatter(
        x=p.x,
        y=p.y,
        mode="markers+text" if labelled else "markers",
        text=text,
        textposition=where,
        textfont={"color": ink} if ink else None,
        marker={
            "color": [data.color[i] for i in p.idx],
            "symbol": symbols,
            "size": size,
            "line": {
                "color": [NOT_COMPUTED_LINE if u else "#333333" for u in unknown],
                "width": [2.0 if u else 1.0 for u in unknown],
            },
        },
        name=style["name"],
        showlegend=False,
        customdata=[data.hover[i] for i in p.idx],
        hovertemplate=NODE_HOVER,
    )


def legend_entries(data: GraphArrays, size: int) -> list[dict]:
    """Legend-only traces: each node kind's shape in a neutral fill (the fill is the gradient),
    exactly-zero grey and not-computed hollow."""
    entries = []
    for kind in dict.fromkeys(data.kind):
        style = kind_style(kind)
        entries.append(_legend(style["name"], style["symbol"], "#E6E6E6", "#333333", size))
    if np.isneginf(data.grad).any() or np.isneginf(data.edge_grad).any():
        entries.append(_legend(ZERO_NAME, "circle", ZERO_GRADIENT_GREY, "#333333", size))
    if np.isnan(data.grad).any() and not data.rolled:
        entries.append(
            _legend(UNKNOWN_NAME, "circle-dot", NOT_COMPUTED_FILL, NOT_COMPUTED_LINE, size)
        )
    return entries


def _legend(name: str, symbol: str, fill: str, line: str, size: int) -> dict:
    return scatter(
        x=[None],
        y=[None],
        mode="markers",
        name=name,
        showlegend=True,
        hoverinfo="skip",
        marker={
            "symbol": symbol,
            "color": fill,
            "size": size * 0.7,
            "line": {"color": line, "width": 1.5},
        },
    )
