"""Each sidebar control changes what the figures show, and lands in the URL."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.app.controls import PRESETS
from tests.support.app_support import (
    assert_clean,
    chart_fingerprint,
    chart_titles,
    heatmaps,
    open_app,
)

# (widget kind, key, new value, page, query that makes the control matter)
CHANGES = [
    ("selectbox", "cell", "gru", "states", {}),
    ("selectbox", "act", "relu", "states", {}),
    ("number_input", "hidden", 12, "states", {}),
    ("number_input", "input", 3, "states", {}),
    ("number_input", "layers", 2, "gradients", {}),
    ("checkbox", "bidir", True, "states", {}),
    ("selectbox", "init", "orthogonal", "states", {}),
    ("selectbox", "scale_by", "spectral radius", "gradients", {"scale": "0.5"}),
    ("number_input", "scale", 2.5, "states", {}),
    ("number_input", "fbias", 3.0, "gradients", {"cell": "lstm"}),
    ("number_input", "seed", 7, "states", {}),
    ("selectbox", "pattern", "transducer", "gradients", {}),
    ("radio", "tok", "char", "states", {}),
    ("text_area", "text", "Colorless green ideas sleep furiously", "states", {}),
]


@pytest.mark.parametrize(
    ("kind", "key", "value", "page", "query"), CHANGES, ids=[c[1] for c in CHANGES]
)
def test_each_control_changes_the_figures_and_the_url(kind, key, value, page, query):
    at = open_app(page, query=query)
    assert_clean(at)
    before = chart_fingerprint(at)
    getattr(at.sidebar, kind)(key=key).set_value(value).run()
    assert_clean(at)
    assert chart_fingerprint(at) != before, f"changing {key} left every figure unchanged"
    assert key in at.query_params, f"{key} is not in the URL"


def test_hidden_size_sets_the_heatmap_rows_and_text_sets_the_columns():
    at = open_app("states")
    at.sidebar.number_input(key="hidden").set_value(11).run()
    at.sidebar.text_area(key="text").set_value("one two three").run()
    z = np.asarray(heatmaps(at)[0]["z"])
    assert z.shape == (11, 3)
    assert list(heatmaps(at)[0]["x"]) == ["1:one", "2:two", "3:three"]


def test_char_tokenizer_gives_one_step_per_character():
    at = open_app("states", query={"text": "abc d", "tok": "char"})
    assert np.asarray(heatmaps(at)[0]["z"]).shape[1] == 5


def test_preset_fills_the_sentence():
    at = open_app("states")
    at.sidebar.selectbox(key="preset").set_value("Long-range agreement").run()
    assert_clean(at)
    assert at.session_state["text"] == PRESETS["Long-range agreement"]
    assert np.asarray(heatmaps(at)[0]["z"]).shape[1] == len(PRESETS["Long-range agreement"].split())


def test_controls_that_do_not_apply_are_disabled():
    at = open_app("states", query={"cell": "gru"})
    assert at.sidebar.selectbox(key="act").disabled
    assert at.sidebar.number_input(key="fbias").disabled
    at = open_app("states", query={"cell": "lstm"})
    assert not at.sidebar.number_input(key="fbias").disabled


def test_an_elman_activation_left_set_does_not_break_a_gated_cell():
    """act stays in the session (and the URL) when the cell changes: the LSTM runs with its own."""
    at = open_app("states", query={"act": "relu"})
    at.sidebar.selectbox(key="cell").set_value("lstm").run()
    assert_clean(at)
    at = open_app("states", query={"cell": "gru", "act": "sigmoid"})
    assert_clean(at)


def test_identity_init_on_a_gated_cell_is_explained_not_crashed():
    at = open_app("states", query={"cell": "lstm", "init": "identity"})
    assert_clean(at)
    assert any("identity" in info.value for info in at.info)


def test_the_url_restores_the_whole_view():
    query = {
        "cell": "lstm",
        "hidden": "6",
        "layers": "2",
        "bidir": "true",
        "seed": "3",
        "text": "a b c d",
        "pattern": "transducer",
        "layer": "2",
        "dir": "backward",
    }
    at = open_app("states", query=query)
    assert_clean(at)
    state = at.session_state
    assert (state["cell"], state["hidden"], state["layers"], state["bidir"]) == ("lstm", 6, 2, True)
    assert state["seed"] == 3 and state["pattern"] == "transducer"
    assert any("layer 2, backward" in t for t in chart_titles(at))
    assert np.asarray(heatmaps(at)[0]["z"]).shape == (6, 4)


def test_default_values_stay_out_of_the_url():
    at = open_app("states")
    assert "cell" not in at.query_params and "hidden" not in at.query_params
    at.sidebar.number_input(key="hidden").set_value(9).run()
    assert at.query_params["hidden"] in ("9", ["9"])
    at.sidebar.number_input(key="hidden").set_value(8).run()
    assert "hidden" not in at.query_params
