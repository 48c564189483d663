"""Bad input gets a message, never an exception; the user's other settings stay as they were."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.app.controls import MAX_TOKENS
from tests.support.app_support import assert_clean, charts, heatmaps, open_app, raw_texts, texts

HOSTILE = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"]


@pytest.mark.parametrize("text", ["", "   \n\t "])
@pytest.mark.parametrize("page", ["unroll", "states", "gradients", "compare", "patterns"])
def test_empty_text_says_so_and_keeps_the_settings(page, text):
    at = open_app(page, query={"cell": "lstm", "hidden": "5"})
    at.sidebar.text_area(key="text").set_value(text).run()
    assert not at.exception
    assert any("empty" in e or "no tokens" in e for e in texts(at, "error")), texts(at, "error")
    assert (at.session_state["cell"], at.session_state["hidden"]) == ("lstm", 5)


def test_too_long_text_names_the_cap():
    at = open_app("states")
    at.sidebar.text_area(key="text").set_value("word " * (MAX_TOKENS + 1)).run()
    assert not at.exception
    errors = texts(at, "error")
    assert errors and "2,000" in errors[0] and "2,001" in errors[0]
    assert not charts(at)


@pytest.mark.parametrize(
    "text", ["I ❤️ RNNs 🚀🚀", "שלום עולם יפה", "مرحبا بالعالم", "ǅemal 日本語 テスト"]
)
def test_emoji_and_rtl_text_render(text):
    at = open_app("states", query={"text": text})
    assert_clean(at)
    labels = list(heatmaps(at)[0]["x"])
    assert len(labels) == np.asarray(heatmaps(at)[0]["z"]).shape[1] >= 2


@pytest.mark.parametrize("text", HOSTILE)
@pytest.mark.parametrize("page", ["unroll", "states", "gradients", "patterns"])
def test_html_text_is_shown_as_plain_text_only(page, text):
    at = open_app(page, query={"text": text})
    assert_clean(at)
    from explorer.app.fold import COMPACT_CSS

    bodies = [str(h.proto.body) for h in at.get("html")]
    assert bodies == [COMPACT_CSS.strip()], "no HTML element may be created from user text"
    for markdown in raw_texts(at, "markdown") + raw_texts(at, "caption"):
        assert "<script" not in markdown and "<img" not in markdown
    for fig in charts(at):
        for trace in fig["data"]:
            for field in ("x", "text", "hovertext", "customdata"):
                values = trace.get(field)
                if values is not None:
                    flat = " ".join(map(str, np.asarray(values, dtype=object).ravel()))
                    assert "<script" not in flat and "<img" not in flat


def test_html_text_in_an_error_is_escaped():
    at = open_app("states", query={"tok": "char"})
    at.sidebar.text_area(key="text").set_value("<script>" * 300).run()  # 2,400 chars: too long
    assert not at.exception
    assert texts(at, "error")
    for message in raw_texts(at, "error"):
        assert "<script>" not in message


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("hidden", "100000"),
        ("hidden", "-3"),
        ("hidden", "abc"),
        ("layers", "99"),
        ("input", "0"),
        ("seed", "-1"),
        ("scale", "1e9"),
        ("scale", "nan"),
        ("fbias", "inf"),
        ("cell", "transformer"),
        ("act", "<b>x</b>"),
        ("bidir", "maybe"),
        ("pattern", "../../etc/passwd"),
        ("tok", "byte"),
        ("text", "x " * 20_000),
    ],
)
def test_bad_url_parameter_falls_back_with_a_notice(param, value):
    at = open_app(
        "states", query={param: value, "cell": "gru"} if param != "cell" else {param: value}
    )
    assert_clean(at)
    notices = texts(at, "warning")
    assert any(f"`{param}`" in n and "default" in n for n in notices), notices
    assert charts(at), "the page still draws with the default"
    if param != "cell":
        assert at.session_state["cell"] == "gru", "the other URL settings are kept"


def test_unknown_and_path_like_parameters_are_named_and_dropped():
    at = open_app("states", query={"file": "/etc/passwd", "<x>": "1"})
    assert_clean(at)
    notices = texts(at, "warning")
    assert any("`file`" in n and "ignored" in n for n in notices)
    assert any("`?x?`" in n for n in notices), "the odd name is shown sanitised"
    assert "file" not in at.query_params


def test_bad_step_in_the_url_falls_back():
    at = open_app("unroll", query={"t": "banana"})
    assert_clean(at)
    assert any("`t`" in n for n in texts(at, "warning"))
    assert at.slider(key="t").value == 6


def test_step_past_the_end_is_clamped():
    at = open_app("unroll", query={"t": "500"})
    assert_clean(at)
    assert at.slider(key="t").value == 6


def test_a_one_token_sentence_has_no_slider_but_works():
    at = open_app("unroll", query={"text": "Hello"})
    assert_clean(at)
    assert not at.get("slider") and charts(at)


def test_exploding_weights_warn_and_still_draw():
    query = {"cell": "elman", "act": "identity", "scale": "100", "tok": "char", "text": "ab" * 200}
    at = open_app("gradients", query=query)
    assert not at.exception
    warnings = texts(at, "warning")
    assert any("NaN or inf" in w for w in warnings), warnings
    assert charts(at)


def test_sizes_in_range_but_too_slow_together_are_refused_at_once():
    query = {"cell": "lstm", "hidden": "256", "input": "256", "layers": "4", "bidir": "true"}
    at = open_app("gradients", query=query)
    assert not at.exception
    assert any("Jacobian" in e and "512" in e for e in texts(at, "error")), texts(at, "error")
    assert at.session_state["hidden"] == 256, "the settings stay; the message says what to lower"


def test_a_long_text_on_a_big_cell_is_refused_with_the_estimate():
    query = {"cell": "lstm", "hidden": "256", "input": "256", "text": "word " * 1500}
    at = open_app("states", query=query)
    assert not at.exception
    assert any("would take about" in e and "1,500 tokens" in e for e in texts(at, "error"))
