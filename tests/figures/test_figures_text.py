"""Text of every figure: the lecture's notation (no raw `s_{t-1}` / `x_t` anywhere), lecture-mode
sizes (every text at least 20 px, hover high-contrast) and today's sizes in default mode."""

from __future__ import annotations

import re

import pytest

from explorer.figures.notation import label_html, math_html, power_of_ten, significant
from tests.support.figure_gallery import GALLERY

# A one-letter symbol with a raw subscript: 's_t', "x'_3", 'W_hh', 's_{t-1}', 'sigma_max'.
RAW_SUBSCRIPT = re.compile(
    r"_\{|(?<![A-Za-z0-9_%.\[])[A-Za-zσγ]'*_[A-Za-z0-9]|[a-z]+_max|[A-Za-z]_[tT]\b"
)
STRUCTURAL_KEYS = {"type", "mode", "xref", "yref", "xaxis", "yaxis", "hoverinfo", "textposition",
                   "symbol", "legendgroup", "uid", "fill", "dash", "layer", "anchor", "matches",
                   "overlaying", "side", "method", "colorscale", "template"}  # fmt: skip


def texts(value, key: str = "") -> list[str]:
    """Every string a viewer can read in a figure's JSON (no template, no enum-like values)."""
    if key in STRUCTURAL_KEYS:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in texts(v, k)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in texts(v, key)]
    if hasattr(value, "dtype") and value.dtype == object:
        return [s for v in value.tolist() for s in texts(v, key)]
    return []


def json_of(fig) -> dict:
    out = fig.to_plotly_json()
    out["layout"].pop("template", None)
    return out


@pytest.mark.parametrize("name", sorted(GALLERY))
def test_no_raw_subscripts_in_any_text(name):
    fig = GALLERY[name](False)
    bad = sorted({s for s in texts(json_of(fig)) if RAW_SUBSCRIPT.search(s)})
    assert not bad, bad[:5]


def font_sizes(value, path: str = "") -> list[tuple[str, float]]:
    """(path, size) of every font size set anywhere in the figure's JSON."""
    found = []
    if isinstance(value, dict):
        for k, v in value.items():
            here = f"{path}.{k}"
            if k.endswith("font") and isinstance(v, dict) and "size" in v:
                size = v["size"]
                for s in size if isinstance(size, list | tuple) else [size]:
                    found.append((here, s))
            found += font_sizes(v, here)
    elif isinstance(value, list | tuple):
        for i, v in enumerate(value):
            found += font_sizes(v, f"{path}[{i}]")
    return found


@pytest.mark.parametrize("name", sorted(GALLERY))
def test_lecture_mode_sets_every_text_to_at_least_20px(name):
    fig = json_of(GALLERY[name](True))
    layout = fig["layout"]
    assert layout["font"]["size"] >= 20
    assert layout["hoverlabel"]["font"]["size"] >= 20
    assert layout["legend"]["font"]["size"] >= 20
    assert "title" not in layout or layout["title"]["font"]["size"] >= 20
    hover = layout["hoverlabel"]  # dark text on white with a dark border
    assert hover["bgcolor"] == "#FFFFFF" and hover["bordercolor"] == "#111111"
    assert hover["font"]["color"] == "#111111"
    axes = [v for k, v in layout.items() if k.startswith(("xaxis", "yaxis"))]
    for axis in axes:
        assert axis["tickfont"]["size"] >= 20, axis
    for trace in fig["data"]:
        bar = trace.get("colorbar") or (trace.get("marker") or {}).get("colorbar")
        if bar:
            assert bar["tickfont"]["size"] >= 20 and bar["title"]["font"]["size"] >= 20
        if trace.get("text") is not None and "text" in (trace.get("mode") or "text"):
            assert trace["textfont"]["size"] >= 20, trace.get("name")
    small = [(p, s) for p, s in font_sizes(fig) if s < 20]
    assert not small, small[:5]


@pytest.mark.parametrize("name", ["graph", "flow", "state", "lab_curves"])
def test_default_mode_keeps_todays_sizes(name):
    layout = json_of(GALLERY[name](False))["layout"]
    assert layout["font"]["size"] == 13
    assert "bgcolor" not in layout["hoverlabel"]


def test_notation_converts_labels_and_formulas():
    assert label_html("s_3") == "<b>s</b><sub>3</sub>"
    assert label_html("s^2b_3") == "<b>s</b>'<sup>2</sup><sub>3</sub>"  # backward: a prime
    assert label_html("s^f_1") == "<b>s</b><sub>1</sub>"
    assert label_html("W_hh^2") == "W<sub>hh</sub><sup>2</sup>"
    assert label_html("x'_1") == "<b>x</b>'<sub>1</sub>"  # the decoder keeps its prime
    assert label_html("L") == "L" and label_html("gate") == "gate"
    assert math_html("‖∂L/∂s_t‖") == "‖∂L/∂<b>s</b><sub>t</sub>‖"
    assert math_html("∂s_t/∂s_{t-1}") == "∂<b>s</b><sub>t</sub>/∂<b>s</b><sub>t−1</sub>"
    assert math_html("σ_max(W_hh)") == "σ<sub>max</sub>(W<sub>hh</sub>)"


def test_gradients_print_from_their_log10_with_three_digits():
    assert power_of_ten(-4.3125) == "10<sup>−4.31</sup>"
    assert power_of_ten(-400.0) == "10<sup>−400</sup>"  # 1e-400 is 0.0 as a float: still printed
    assert power_of_ten(-12.345) == "10<sup>−12.3</sup>"
    assert power_of_ten(float("-inf")).startswith("0 (exactly")
    assert power_of_ten(float("nan")) == "not computed"
    assert significant(0.73149) == "0.731" and significant(float("nan")) == "n/a"
