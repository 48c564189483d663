"""Trained models in the explorer: the Weights control switches every page to a zoo model (the
pages then show that model's numbers, its tags under the words), the unit finder ranks units
(built-in feature, regex; a bad regex gets a message), lecture topic 4 opens with the tagger, and
a bad ?weights= falls back with a notice."""

from __future__ import annotations

import re

import numpy as np
import pytest
from streamlit.navigation.page import calc_hash

import rnnviz
from rnnviz import tables
from tests.support.app_support import assert_clean, charts, heatmaps, open_app, texts

SENTENCE = "John lives in Salt Lake City"
TAGGED = ["1:John<br>PER", "2:lives<br>O", "3:in<br>O", "4:Salt<br>LOC", "5:Lake<br>LOC"]
TAGGED.append("6:City<br>LOC")
PAGES = ("unroll", "states", "gradients", "compare", "patterns", "start", "lecture")


def goto(at, page: str):
    at._page_hash = calc_hash(page)  # noqa: SLF001 - see tests/support/app_support
    return at.run()


def heatmap_titled(at, start: str) -> dict:
    for fig in charts(at):
        title = fig["layout"].get("title", {}).get("text", "")
        if title.startswith(start):
            return fig
    raise AssertionError(f"no chart titled {start!r}")


def test_the_weights_control_switches_every_page_to_the_model():
    at = open_app("states")
    assert at.sidebar.selectbox(key="weights").value == "random"
    at.sidebar.selectbox(key="weights").set_value("tagger-lstm").run()
    assert_clean(at)
    # The model's shape in the disabled controls; the sentence stays editable.
    assert at.sidebar.selectbox(key="cell").value == "lstm"
    assert at.sidebar.selectbox(key="cell").disabled
    assert at.sidebar.number_input(key="hidden").value == 48
    assert at.sidebar.checkbox(key="bidir").value and at.sidebar.checkbox(key="bidir").disabled
    assert at.sidebar.selectbox(key="pattern").value == "transducer"
    assert not at.sidebar.text_area(key="text").disabled
    assert at.query_params["weights"] == "tagger-lstm"
    # The States page shows the model's own h_t (not a random LSTM of its size).
    expected = rnnviz.unroll(SENTENCE, model="tagger-lstm")
    h_map = np.asarray(heatmaps(at)[0]["z"])
    np.testing.assert_allclose(h_map, expected.h[:, 0, 0, :].T, rtol=1e-9, atol=1e-12)
    for page in PAGES:
        goto(at, page)
        assert_clean(at)
        assert charts(at), page
        assert at.session_state["weights"] == "tagger-lstm" or page == "lecture", page


def test_the_gradient_page_draws_the_models_flow_with_its_tags():
    at = open_app("gradients", query={"weights": "tagger-gru"})
    assert_clean(at)
    fig = heatmap_titled(at, "How far back")
    assert fig["layout"]["xaxis"]["ticktext"] == TAGGED  # forward row; backward below it
    expected = rnnviz.unroll(SENTENCE, model="tagger-gru").gradient_flow
    forward = [t for t in fig["data"] if t.get("legendgroup") == "log10_grad_norm"]
    got = np.asarray(forward[0]["y"], dtype=float)
    want = expected[expected["direction"] == "forward"]["log10_grad_norm"].to_numpy()
    np.testing.assert_allclose(got, want, rtol=1e-9)


def test_compare_runs_the_three_models_of_the_family():
    at = open_app("compare", query={"weights": "tagger-gru"})
    assert_clean(at)
    titles = [fig["layout"]["title"]["text"] for fig in charts(at)]
    for name in ("tagger-elman", "tagger-lstm", "tagger-gru"):
        assert any(t.startswith(name) for t in titles), titles
    assert any("trained models" in i for i in texts(at, "info"))
    assert at.number_input(key="cfbias").disabled
    assert heatmap_titled(at, "tagger-lstm")["data"][0]["x"] == TAGGED
    elman = heatmap_titled(at, "tagger-elman")["data"][0]["z"]
    expected = rnnviz.unroll(SENTENCE, model="tagger-elman").h[:, 0, 0, :].T
    np.testing.assert_allclose(np.asarray(elman), expected, rtol=1e-9, atol=1e-12)


def test_tags_appear_under_the_words_and_stay_escaped():
    at = open_app("states", query={"weights": "tagger-lstm"})
    assert_clean(at)
    for title in ("State <b>h</b>", "State <b>c</b>", "Gate activations", "Outputs"):
        assert heatmap_titled(at, title)["data"][0]["x"] == TAGGED, title
    outputs = heatmap_titled(at, "Outputs")["layout"]["yaxis"]
    assert outputs["ticktext"] == ["O", "PER", "LOC"]
    # Random weights: no predictions, plain labels.
    plain = open_app("states")
    assert heatmaps(plain)[0]["x"][0] == "1:John"
    # User text is escaped in the tick label; the tag line is ours.
    hostile = open_app("states", query={"weights": "tagger-lstm", "text": "<b>Ann</b> sings"})
    assert_clean(hostile)
    labels = heatmaps(hostile)[0]["x"]
    assert labels[0] == "1:&lt;<br>O"  # the tagger's tokenizer splits off "<"
    # Exactly one tag: our own "<br>" is the only markup; every "<" of the text is escaped.
    assert all(
        label.count("<br>") == 1 and "<" not in label.replace("<br>", "") for label in labels
    )


def test_a_character_model_predicts_the_next_character():
    text = "def f(x):\n    return x  # done\n"
    at = open_app("states", query={"weights": "charlm-lstm", "text": text})
    assert_clean(at)
    assert at.sidebar.radio(key="tok").value == "char" and at.sidebar.radio(key="tok").disabled
    trace = rnnviz.unroll(text, model="charlm-lstm")
    labels = heatmaps(at)[0]["x"]
    assert len(labels) == len(text)
    # Many columns: the prediction on the tick's own line (rotated ticks would collide).
    assert labels[0] == f"1:d → {trace.predictions[0]}"


def test_the_unit_finder_ranks_units_for_a_builtin_feature():
    at = open_app("states", query={"weights": "tagger-lstm"})
    assert at.selectbox(key="ufeat").value == "person"  # a tagger's first choice
    trace = rnnviz.unroll(SENTENCE, model="tagger-lstm")
    want = tables.rank_units(trace, "person").head(8)
    table = at.dataframe[-1].value
    assert list(table["unit"]) == [f"h[{u}]" for u in want["unit"]]
    np.testing.assert_allclose(table["r"], want["correlation"].round(3))
    fig = heatmap_titled(at, "The units that follow")
    band = fig["data"][1]
    assert list(np.asarray(band["z"]).ravel()) == [1.0, 0, 0, 0, 0, 0]  # John is the person
    # The c part and the backward direction rank their own units.
    at.segmented_control(key="upart").set_value("c").run()
    at.segmented_control(key="dir").set_value("backward").run()
    assert_clean(at)
    want_c = tables.rank_units(trace, "person", direction="backward", part="c").head(8)
    assert list(at.dataframe[-1].value["unit"]) == [f"c[{u}]" for u in want_c["unit"]]


def test_the_code_preset_shows_the_char_lstms_quote_cell():
    """The example the brief asks for: a held-out stdlib file (a preset), read by charlm-lstm; the
    unit finder starts on "inside a string" and ranks Karpathy's quote cell, h[56], first."""
    from explorer.app.controls import PRESETS

    name = next(n for n in PRESETS if n.startswith("Python code"))
    at = open_app("states", query={"weights": "charlm-lstm"})
    at.sidebar.selectbox(key="preset").set_value(name).run()
    assert_clean(at)
    assert at.session_state["text"] == PRESETS[name]
    assert at.selectbox(key="ufeat").value == "string"
    table = at.dataframe[-1].value
    assert table["unit"].iloc[0] == "h[56]" and table["r"].iloc[0] >= 0.8


def test_the_unit_finder_ranks_units_for_a_regex_with_random_weights_too():
    at = open_app("states", query={"text": "The cat sat on the mat with a hat"})
    at.selectbox(key="ufeat").set_value("a regex…").run()
    at.text_input(key="uregex").input(r"[cmh]at").run()
    assert_clean(at)
    config = at.session_state["_settings"].config  # the sidebar's random-weights config
    trace = rnnviz.unroll("The cat sat on the mat with a hat", config=rnnviz.UnrollConfig(**config))
    want = tables.rank_units(trace, re.compile(r"[cmh]at")).head(8)
    table = at.dataframe[-1].value
    assert list(table["unit"]) == [f"h[{u}]" for u in want["unit"]]
    assert any("Random weights" in c for c in texts(at, "caption"))


@pytest.mark.parametrize("pattern", ["(", "[a-", "*x"])
def test_a_bad_regex_gets_a_message_not_a_traceback(pattern):
    at = open_app("states")
    at.selectbox(key="ufeat").set_value("a regex…").run()
    at.text_input(key="uregex").input(pattern).run()
    assert not at.exception
    assert any("This regex cannot be used" in e for e in texts(at, "error"))
    assert charts(at)  # the heatmaps above are still there


def test_a_feature_that_never_changes_is_explained():
    at = open_app("states", query={"weights": "tagger-lstm", "text": "the cat sat"})
    assert_clean(at)  # nobody is a person here: "person" is constant
    assert any("same value at every token" in i for i in texts(at, "info"))


def test_topic_4_opens_with_the_tagger_and_shows_its_tags():
    at = open_app("lecture", query={"topic": "4"})
    assert_clean(at)
    assert at.session_state["weights"] == "tagger-lstm"
    assert at.segmented_control(key="lec_level").value == "cell"
    for direction in ("forward", "backward"):
        fig = heatmap_titled(at, f"State <b>h</b><sub>t</sub> (layer 1, {direction})")
        assert fig["data"][0]["x"] == TAGGED
    assert any("PER O O LOC LOC LOC" in m for m in texts(at, "markdown"))
    at.button(key="lec_next").click().run()
    assert at.session_state["weights"] == "random"


def test_a_bad_weights_value_falls_back_with_a_notice():
    at = open_app("states", query={"weights": "nonsense"})
    assert_clean(at)
    assert at.session_state["weights"] == "random"
    assert any("`weights`" in w and "random" in w for w in texts(at, "warning"))
    at = open_app("states", query={"weights": "own"})  # no upload in this session
    assert_clean(at)
    assert at.session_state["weights"] == "random"
    assert any("uploaded model" in w for w in texts(at, "warning"))


def test_an_upload_is_one_of_the_weights_and_a_zoo_model_can_replace_it():
    import io

    import torch

    torch.manual_seed(0)
    rnn = torch.nn.GRU(input_size=3, hidden_size=5)
    buffer = io.BytesIO()
    torch.save(rnn.state_dict(), buffer)
    at = open_app("model")
    at.get("file_uploader")[0].upload("mine.pt", buffer.getvalue()).run()
    assert_clean(at)
    assert at.session_state["weights"] == "own"  # a new upload is put in use
    assert "your uploaded model" in at.sidebar.selectbox(key="weights").options
    at.sidebar.selectbox(key="weights").set_value("tagger-elman").run()
    assert_clean(at)
    assert any("not in use" in i for i in texts(at, "info"))
    goto(at, "states")
    assert at.sidebar.selectbox(key="cell").value == "elman"
    assert heatmaps(at)[0]["x"][0].endswith("<br>PER")  # tagger-elman reads John as a person
    at.sidebar.selectbox(key="weights").set_value("own").run()
    assert_clean(at)
    assert at.sidebar.selectbox(key="cell").value == "gru"
    assert heatmaps(at)[0]["x"][0] == "1:John"  # an uploaded RNN has no head: no predictions


def test_the_reach_picture_writes_each_models_tags_under_its_words():
    at = open_app("start", query={"weights": "tagger-lstm"})
    assert_clean(at)
    reach = heatmap_titled(at, "Gradient reaching each word")
    assert reach["data"][0]["y"] == ["tagger-elman", "tagger-lstm", "tagger-gru"]
    lstm_row = reach["data"][0]["text"][1]
    assert lstm_row == [label.split(":", 1)[1] for label in TAGGED]
    assert "trained weights" in reach["layout"]["title"]["text"]


def test_patterns_shows_the_models_own_pattern_only():
    at = open_app("patterns", query={"weights": "tagger-gru"})
    assert_clean(at)
    assert at.segmented_control(key="pview").value == "transducer"
    assert at.segmented_control(key="pview").disabled and at.toggle(key="pbidir").disabled
    assert any("trained as a transducer" in i for i in texts(at, "info"))
