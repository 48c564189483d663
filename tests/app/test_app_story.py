"""The story at a glance, by default: the landing page's reach picture, Compare's own LSTM forget
bias (Elman falls, LSTM stays flat, rates named in words), the lecture topics' starting states and
experiments, and exports that offer only what exists."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.figures.gradients import decay_slope
from tests.support.app_support import assert_clean, chart_titles, charts, open_app, texts

LONG = "The keys that the man who lives next door gave me are on the table"


def _reach(at) -> dict:
    return next(t for fig in charts(at) for t in fig["data"] if t.get("texttemplate"))


def test_the_landing_page_shows_the_reach_picture_and_the_ways_in():
    at = open_app("start")
    assert_clean(at)
    reach = _reach(at)
    assert list(reach["y"]) == ["Elman", "LSTM (forget bias 3)", "GRU"]
    assert [str(w) for w in reach["text"][0]] == ["John", "lives", "in", "Salt", "Lake", "City"]
    assert "forget-gate bias 3" in chart_titles(at)[0]
    links = [link.proto.label for link in at.get("page_link")]
    assert any("lecture" in label.lower() for label in links)
    assert any("unrolled graph" in label.lower() for label in links)


def test_the_reach_picture_escapes_the_typed_words():
    at = open_app("start", query={"text": "<b>bold</b> & <script>x</script>"})
    assert_clean(at)
    words = " ".join(str(w) for w in np.asarray(_reach(at)["text"], dtype=object).ravel())
    # The word tokenizer splits "<" off as a token of its own: it must reach Plotly escaped.
    assert "<" not in words and "&lt;" in words and "&amp;" in words


def test_an_old_unroll_link_to_the_root_still_opens_the_unroll_page():
    at = open_app("start", query={"t": "3", "level": "op"})
    at.run()
    assert_clean(at)
    assert at.slider(key="t").value == 3
    assert at.session_state["level"] == "op"


@pytest.mark.parametrize("sidebar_cell", ["elman", "gru", "lstm"])
def test_compare_shows_elman_falling_and_the_lstm_flat_by_default(sidebar_cell):
    at = open_app(
        "compare", query={"text": LONG, "hidden": "16", "input": "16", "cell": sidebar_cell}
    )
    assert_clean(at)
    fig = charts(at)[0]
    titles = [a["text"] for a in fig["layout"]["annotations"]]
    assert any(title.startswith("LSTM (forget bias 3)") for title in titles), titles
    rates = " ".join(texts(at, "markdown"))
    assert "Elman: −0." in rates and "shrinks 10x every" in rates
    lstm = next(
        ln for ln in "\n".join(texts(at, "markdown")).split("\n") if ln.startswith("LSTM (")
    )
    assert "(nearly flat)" in lstm or "keeps its size" in lstm or "grows" in lstm, lstm


def test_compare_forget_bias_comes_from_its_own_url_parameter():
    flat = open_app("compare", query={"text": LONG, "hidden": "16", "input": "16"})
    faded = open_app("compare", query={"text": LONG, "hidden": "16", "input": "16", "cfbias": "0"})
    assert_clean(faded)
    assert faded.session_state["cfbias"] == 0.0
    assert any(t.startswith("LSTM (forget bias 0)") for t in _panel_titles(faded))

    def lstm_slope(at):
        lines = "\n".join(texts(at, "markdown")).split("\n")
        line = next(ln for ln in lines if ln.strip().startswith("LSTM ("))
        return float(line.split(":")[1].split("decades")[0].replace("−", "-"))

    assert lstm_slope(faded) < -0.1 < lstm_slope(flat)


def _panel_titles(at) -> list[str]:
    return [a["text"] for a in charts(at)[0]["layout"]["annotations"]]


def test_a_bad_cfbias_falls_back_with_a_notice():
    at = open_app("compare", query={"cfbias": "lots"})
    assert_clean(at)
    assert at.session_state["cfbias"] == 3.0
    assert any("cfbias" in w for w in texts(at, "warning"))


def test_topic_2_opens_at_the_first_step_and_builds_up_with_step():
    at = open_app("lecture", query={"topic": "2"})
    assert_clean(at)
    assert at.slider(key="lec_t").value == 1
    assert "t = 1..1" in chart_titles(at)[0]
    at.button(key="lec_step").click().run()
    assert at.slider(key="lec_t").value == 2


def test_the_lstm_topic_tells_the_story_without_a_control():
    at = open_app("lecture", query={"topic": "7"})
    assert_clean(at)
    assert any(t.startswith("LSTM (forget bias 3)") for t in _panel_titles(at))


def test_topic_6_experiments_contrast_a_sure_vanishing_with_real_growth():
    at = open_app("lecture", query={"topic": "6"})
    slopes = {}
    for label in ("σ_max 0.9", "linear"):
        button = next(b for b in at.button if b.label.startswith(label))
        button.click().run()
        assert_clean(at)
        rates = " ".join(texts(at, "markdown"))
        slopes[label] = rates
    assert "shrinks 10x" in slopes["σ_max 0.9"]
    assert "grows 10x" in slopes["linear"]
    assert at.session_state["act"] == "identity"


def test_the_elman_states_export_offers_no_gates():
    at = open_app("states", query={"cell": "elman"})
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels and not any("Gates" in label for label in labels)
    at = open_app("states", query={"cell": "lstm"})
    assert any("Gates" in b.proto.label for b in at.get("download_button"))


def test_the_unroll_graph_is_exported_as_png_svg_and_html():
    at = open_app("unroll")
    labels = [b.proto.label for b in at.get("download_button")]
    for fmt in ("PNG", "SVG", "HTML"):
        assert f"Graph figure ({fmt})" in labels, labels


def test_decay_slope_of_the_compare_default_is_what_the_rates_say():
    at = open_app("compare", query={"text": LONG, "hidden": "16", "input": "16"})
    import rnnviz

    elman = rnnviz.unroll(LONG, cell="elman", hidden_size=16, input_size=16, seed=0)
    slope = decay_slope(elman.gradient_flow)
    assert f"Elman: {slope:+.2f}".replace("-", "−") in " ".join(texts(at, "markdown"))


def test_a_topic_link_in_lecture_mode_still_shows_the_topics_preset():
    at = open_app("lecture", query={"topic": "6", "big": "true"})
    assert_clean(at)
    assert "keys" in at.session_state["text"] and at.session_state["big"] is True
