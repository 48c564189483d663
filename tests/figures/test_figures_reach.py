"""The reach picture (explorer.figures.reach): one row per cell in order, the words as escaped text
in their cells, the colour monotone in the gradient, a colour bar in decades, long sentences cut
to the last 40 words with a note."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import rnnviz
from explorer.figures.reach import MAX_WORDS, decade_label, reach_figure


def _frame(tokens, values) -> pd.DataFrame:
    return pd.DataFrame({"t": range(1, len(tokens) + 1), "token": tokens, "log10": values})


def _luminance(hex_colour: str) -> float:
    r, g, b = (int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_rows_are_the_cells_in_order_and_the_words_are_escaped():
    tokens = ["John", "<b>x</b>", "&", "City"]
    rows = {
        "Elman": _frame(tokens, [-3.0, -2.0, -1.0, -0.2]),
        "LSTM (forget bias 3)": _frame(tokens, [-0.5, -0.4, -0.3, -0.2]),
    }
    trace = reach_figure(rows).to_plotly_json()["data"][0]
    assert list(trace["y"]) == ["Elman", "LSTM (forget bias 3)"]
    assert list(trace["text"][0]) == ["John", "&lt;b&gt;x&lt;/b&gt;", "&amp;", "City"]
    assert trace["texttemplate"] == "%{text}"
    z = reach_figure(rows).data[0].z  # the numbers themselves (to_plotly_json packs them)
    assert np.allclose(np.asarray(z)[0], [-3.0, -2.0, -1.0, -0.2])


def test_quotes_are_escaped_as_entities_plotly_decodes():
    """Plotly shows &quot; and hex entities (&#x27;) literally; decimal ones it decodes."""
    from explorer.figures.style import escape

    assert escape("""it's "x" <b>""") == "it&#39;s &#34;x&#34; &lt;b&gt;"


def test_colour_is_monotone_in_the_gradient_and_the_bar_counts_decades():
    fig = reach_figure({"Elman": _frame(list("abcd"), [-4.2, -3.1, -1.5, -0.1])})
    trace = fig.to_plotly_json()["data"][0]
    scale = trace["colorscale"]
    positions = [stop[0] for stop in scale]
    assert positions == sorted(positions)
    darkness = [_luminance(colour) for _, colour in scale]
    assert darkness == sorted(darkness, reverse=True), "more gradient = darker, throughout"
    assert (trace["zmin"], trace["zmax"]) == (-5, 0)
    assert trace["colorbar"]["ticktext"][0] == "10⁻⁵" and trace["colorbar"]["ticktext"][-1] == "1"
    assert "decades" in trace["colorbar"]["title"]["text"]


def test_an_exact_zero_gradient_takes_the_palest_colour():
    trace = reach_figure({"W=0": _frame(["a", "b"], [-np.inf, 0.0])}).data[0]
    z = np.asarray(trace.z, dtype=float)[0]
    assert z[0] == trace.zmin and np.isfinite(z).all()


def test_long_sentences_show_the_last_forty_words_with_a_note():
    tokens = [f"w{i}" for i in range(100)]
    fig = reach_figure({"Elman": _frame(tokens, np.linspace(-20, 0, 100))})
    trace = fig.to_plotly_json()["data"][0]
    assert len(trace["x"]) == MAX_WORDS and list(trace["x"])[0] == 61
    assert list(trace["text"][0])[-1] == "w99"
    assert "last 40 of 100 words" in fig.layout.xaxis.title.text


@pytest.mark.parametrize("power", [-12, -3, 0, 2])
def test_decade_labels(power):
    assert decade_label(power) == (
        "1"
        if power == 0
        else "10" + str(power).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))
    )


def test_elman_fades_and_the_lstm_with_bias_3_does_not_on_a_real_trace():
    from explorer.views.reach import reach_values  # the switchable source of the numbers

    text = "The keys that the man who lives next door gave me are on the table"
    elman = rnnviz.unroll(text, cell="elman", hidden_size=16, input_size=16)
    lstm = rnnviz.unroll(text, cell="lstm", hidden_size=16, input_size=16, forget_bias=3.0)
    (e, _), (l, measure) = reach_values(elman), reach_values(lstm)
    assert measure == "‖∂L/∂<b>x</b><sub>t</sub>‖"
    spread = lambda f: float(f["log10"].max() - f["log10"].min())  # noqa: E731
    assert spread(e) > 3 * spread(l)
