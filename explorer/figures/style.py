"""One look for every figure: fonts, colour scales, per-kind node styles, safe hover text.

Colours come from the Okabe-Ito palette (readable for colour-blind viewers and on projectors).
Every figure takes `large_font=True` for a lecture hall: all text grows from 13 to 20 px.
"""

from __future__ import annotations

import copy
import html
import math
from collections.abc import Sequence

import plotly.graph_objects as go
import plotly.io as pio

# The white template as Plotly's validator expands it, computed once at import.
THEME = pio.templates["plotly_white"].to_plotly_json()

FONT_FAMILY = "Arial, Helvetica, sans-serif"
FONT_SIZE = 13
LARGE_FONT_SIZE = 20

# Okabe-Ito: distinguishable under the common colour-vision deficiencies.
BLUE, ORANGE, GREEN, VERMILLION = "#0072B2", "#E69F00", "#009E73", "#D55E00"
PURPLE, SKY, YELLOW, GREY = "#CC79A7", "#56B4E9", "#F0E442", "#7F7F7F"
MISSING_GREY = "#BDBDBD"  # edges / cells whose value is NaN
ZERO_GRADIENT_GREY = "#9E9E9E"  # exactly no gradient flows (log10 = -inf)
NOT_COMPUTED_FILL = "#FFFFFF"  # gradient not computed (NaN): hollow marker with a centre dot
NOT_COMPUTED_LINE = "#6E6E6E"  # its outline, and dotted edges whose gradient is not computed
HIGHLIGHT_FILL = "rgba(240, 228, 66, 0.28)"  # the selected time step

# Diverging, symmetric around 0: states, outputs, tanh-range gates (blue < 0 < red).
DIVERGING_SCALE = "RdBu_r"
# Sequential for [0, 1]: sigmoid gates.
UNIT_SCALE = "Viridis"
# Gradient strength (log10): pale = vanished, dark red = strong. Starts above white so a faded
# edge is still visible on the white background.
GRADIENT_SCALE = [
    [0.0, "#FDE0B2"],
    [0.25, "#FDBB84"],
    [0.5, "#F4784B"],
    [0.75, "#D7301F"],
    [1.0, "#7F0000"],
]

CELL_COLORS = {"elman": VERMILLION, "lstm": BLUE, "gru": GREEN}
DIRECTION_COLORS = {"forward": BLUE, "backward": ORANGE}
DIRECTION_TITLES = {
    "forward": "forward direction (reads left to right)",
    "backward": "backward direction (reads right to left; its last step is t = 1)",
}

# Node kinds of rnnviz.graph and their look; aliases cover naming variants.
KIND_STYLES: dict[str, dict] = {
    "input": {"color": GREEN, "symbol": "square", "name": "input <b>x</b><sub>t</sub>"},
    "state": {"color": BLUE, "symbol": "circle", "name": "state <b>s</b><sub>t</sub>"},
    "hidden": {"color": BLUE, "symbol": "circle", "name": "hidden <b>h</b><sub>t</sub>"},
    "cell": {"color": SKY, "symbol": "circle", "name": "cell <b>c</b><sub>t</sub>"},
    "gate": {"color": ORANGE, "symbol": "diamond", "name": "gate"},
    "op": {"color": YELLOW, "symbol": "diamond", "name": "operation"},
    "preactivation": {
        "color": YELLOW,
        "symbol": "diamond",
        "name": "pre-activation <b>a</b><sub>t</sub>",
    },
    "output": {"color": PURPLE, "symbol": "triangle-up", "name": "output <b>y</b><sub>t</sub>"},
    "loss": {"color": VERMILLION, "symbol": "star", "name": "loss (attaches here)"},
    "param": {"color": GREY, "symbol": "hexagon", "name": "shared parameter"},
    "initial": {
        "color": "#999999",
        "symbol": "circle-open",
        "name": "initial state <b>s</b><sub>0</sub>",
    },
}
KIND_ALIASES = {
    "x": "input",
    "s": "state",
    "h": "hidden",
    "c": "cell",
    "y": "output",
    "parameter": "param",
    "weight": "param",
    "init": "initial",
    "s0": "initial",
    "operation": "op",
    "a": "preactivation",
    "pre": "preactivation",
    "preact": "preactivation",
}
PARAM_KINDS = frozenset({"param", "parameter", "weight"})
PARAM_EDGE_KINDS = frozenset({"param", "parameter", "weight", "shared"})
_FALLBACK_COLORS = (SKY, YELLOW, "#444444", "#8C564B", "#17BECF")


def kind_style(kind: str) -> dict:
    """Colour, marker symbol and legend name for a node kind (unknown kinds get a stable colour)."""
    key = KIND_ALIASES.get(str(kind), str(kind))
    if key in KIND_STYLES:
        return KIND_STYLES[key]
    color = _FALLBACK_COLORS[sum(map(ord, key)) % len(_FALLBACK_COLORS)]
    return {"color": color, "symbol": "circle", "name": key}


def font_size(large_font: bool) -> int:
    return LARGE_FONT_SIZE if large_font else FONT_SIZE


def theme_layout(
    title: str | None = None, *, large_font: bool = False, height: int | None = None
) -> dict:
    """The layout apply_theme sets, as a plain dict for build.figure. The template is the shared
    THEME itself, not a copy: go.Figure deep-copies its layout, so no figure can change THEME."""
    size = font_size(large_font)
    layout: dict = {
        "template": THEME,
        "font": {"family": FONT_FAMILY, "size": size, "color": "#222222"},
        "hoverlabel": {"font": {"family": FONT_FAMILY, "size": size}},
        "margin": {"l": 70, "r": 30, "t": 70 if title else 30, "b": 60},
    }
    if large_font:  # the back row: every text explicit (a host theme cannot shrink it), and
        # high-contrast hover, dark text on white with a dark border, whatever the trace colour
        layout["hoverlabel"] = {
            "font": {"family": FONT_FAMILY, "size": size, "color": "#111111"},
            "bgcolor": "#FFFFFF",
            "bordercolor": "#111111",
        }
        layout["legend"] = {"font": {"size": size}}
    if title is not None:
        layout["title"] = {
            "text": title,
            "font": {"size": size + 2},
            "x": 0.01,
            "xanchor": "left",
            "yref": "container",
            "y": 1.0,
            "yanchor": "top",
            "pad": {"t": 16},
        }
    if height is not None:
        layout["height"] = height
    return layout


def themed(
    layout: dict, *, title: str | None = None, large_font: bool = False, height: int | None = None
) -> dict:
    """apply_theme for a layout dict: theme merged in, every annotation's font at the text size."""
    merge(layout, theme_layout(title, large_font=large_font, height=height))
    size = font_size(large_font)
    for annotation in layout.get("annotations", []):
        annotation["font"] = {**annotation.get("font", {}), "size": size}
    return layout


def merge(target: dict, update: dict) -> dict:
    """Plotly's update_layout on plain dicts: nested dicts merge, anything else is replaced."""
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict) and key != "template":
            merge(target[key], value)
        else:
            target[key] = value
    return target


def apply_theme(
    fig: go.Figure, *, title: str | None = None, large_font: bool = False, height: int | None = None
) -> go.Figure:
    """White template, one font, hover labels as large as the text around them."""
    layout = theme_layout(title, large_font=large_font, height=height)
    # The template is valid by construction: set it without Plotly re-validating ~20 kB (18 ms).
    fig.layout._validate = False  # noqa: SLF001 - what plotly does for its default template
    try:
        fig.layout.template = copy.deepcopy(layout.pop("template"))  # stored as is: copy
    finally:
        fig.layout._validate = fig._validate  # noqa: SLF001
    fig.update_layout(layout)
    fig.update_annotations(font_size=font_size(large_font))
    if large_font:
        fig.update_xaxes(tickfont_size=LARGE_FONT_SIZE, title_font_size=LARGE_FONT_SIZE)
        fig.update_yaxes(tickfont_size=LARGE_FONT_SIZE, title_font_size=LARGE_FONT_SIZE)
        for trace in fig.data:
            _lecture_trace_fonts(trace, LARGE_FONT_SIZE)
    return fig


def lecture_fonts(data: list, layout: dict, size: int = LARGE_FONT_SIZE) -> None:
    """Every text of a dict-built figure at least `size` px, written out explicitly: axes (ticks
    and titles), colour bars, trace text, annotations, sliders and buttons. Called by
    build.figure when the layout's font is the lecture size."""
    for key, value in layout.items():
        if not isinstance(value, dict):
            continue
        if key.startswith("coloraxis") and isinstance(value.get("colorbar"), dict):
            _colorbar_fonts(value["colorbar"], size)
        if key.startswith(("xaxis", "yaxis")):
            _at_least(value, "tickfont", size)
            title = value.get("title")
            if title is not None:
                value["title"] = title = {"text": title} if isinstance(title, str) else title
                _at_least(title, "font", size)
    for annotation in layout.get("annotations", []):
        _at_least(annotation, "font", size)
    for slider in layout.get("sliders", []):
        _at_least(slider, "font", size)
        _at_least(slider.setdefault("currentvalue", {}), "font", size)
    for menu in layout.get("updatemenus", []):
        _at_least(menu, "font", size)
    _at_least(layout.setdefault("legend", {}), "font", size)
    if isinstance(layout.get("title"), dict):
        _at_least(layout["title"], "font", size)
    for trace in data:
        _lecture_trace_fonts(trace, size)


def _lecture_trace_fonts(trace, size: int) -> None:
    """A trace's own text: its text font and the colour bar of its marker or heatmap."""
    if isinstance(trace, dict):
        if "text" in trace or "texttemplate" in trace:
            _at_least(trace, "textfont", size)
        marker = trace.get("marker") if isinstance(trace.get("marker"), dict) else {}
        for bar in (trace.get("colorbar"), marker.get("colorbar")):
            if isinstance(bar, dict):
                _colorbar_fonts(bar, size)
        return
    # A plotly trace object (apply_theme's figures): only colour bars that were set.
    if getattr(trace, "text", None) is not None and hasattr(trace, "textfont"):
        trace.textfont.size = max(trace.textfont.size or 0, size)
    for holder in (trace, getattr(trace, "marker", None)):
        bar = getattr(holder, "colorbar", None) if holder is not None else None
        if bar is not None and bar.to_plotly_json():
            bar.tickfont.size = max(bar.tickfont.size or 0, size)
            bar.title.font.size = max(bar.title.font.size or 0, size)


def _colorbar_fonts(bar: dict, size: int) -> None:
    _at_least(bar, "tickfont", size)
    title = bar.get("title")
    title = {"text": title} if isinstance(title, str) else (title or {})
    bar["title"] = title
    _at_least(title, "font", size)


def _at_least(holder, key: str, size: int) -> None:
    """holder[key]['size'] raised to `size` (dicts; plotly objects are handled by the caller)."""
    if not isinstance(holder, dict):
        return
    font = holder.get(key)
    font = dict(font) if isinstance(font, dict) else {}
    font["size"] = max(font.get("size") or 0, size)
    holder[key] = font


def escape(text: object) -> str:
    """User text as inert text: Plotly renders hover and tick text as a subset of HTML.
    Plotly decodes decimal numeric entities but neither &quot; nor hex ones (a tick showed
    "&#x27;" for a quote), so the quotes are written as &#34; and &#39;."""
    return html.escape(str(text), quote=True).replace("&quot;", "&#34;").replace("&#x27;", "&#39;")


def step_label(t: int, token: object) -> str:
    """The x-axis label of one time step, e.g. '3:in' (escaped)."""
    return f"{int(t)}:{escape(token)}"


# Whitespace a character model predicts, made visible under the token.
VISIBLE = {" ": "␣", "\n": "⏎", "\t": "⇥", "\r": "␍"}


def tagged_label(
    t: int, token: object, predictions: Sequence[str] | None = None, stacked: bool = True
) -> str:
    """'t:token', and under it a trained model's prediction at t (trace.predictions: a tag or the
    predicted next character) when there are predictions; both parts escaped. stacked=False puts
    it on the same line ('t:token → TAG'): many columns get rotated ticks, where two lines collide."""
    label = step_label(t, token)
    if predictions is None or not 1 <= t <= len(predictions):
        return label
    predicted = str(predictions[t - 1])
    return label + ("<br>" if stacked else " → ") + escape(VISIBLE.get(predicted, predicted))


# Up to this many columns a tick's prediction goes under its word; past it, on the same line.
STACKED_TICKS = 12


def exact(value: float) -> str:
    """A float as its shortest round-tripping text, 'n/a' for NaN: hover shows exact numbers."""
    value = float(value)
    if math.isnan(value):
        return "n/a"
    return repr(value)


def plain_number(log10_value: float) -> str:
    """10**log10_value in words-friendly form, computed in log space so 10**-400 still prints."""
    if math.isnan(log10_value):
        return "n/a"
    if math.isinf(log10_value):
        return "0" if log10_value < 0 else "infinity"
    if -4 <= log10_value < 6:
        value = 10.0**log10_value
        digits = max(0, 1 - math.floor(log10_value))  # two significant figures
        return f"{value:,.{digits}f}"
    exponent = math.floor(log10_value)
    mantissa = 10.0 ** (log10_value - exponent)
    if round(mantissa, 1) >= 10:
        mantissa, exponent = 1.0, exponent + 1
    return f"{mantissa:.1f} × 10^{exponent}"
