"""Every page renders for every cell and every pattern, with its reading guidance and charts."""

from __future__ import annotations

import numpy as np
import pytest

from rnnviz.config import CELLS, PATTERNS
from tests.support.app_support import (
    PAGES,
    assert_clean,
    chart_titles,
    charts,
    heatmaps,
    open_app,
    texts,
)

CHART_PAGES = ("start", "unroll", "states", "gradients", "compare", "patterns", "lecture")


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_for_every_cell(page, cell):
    at = open_app(page, query={"cell": cell})
    assert_clean(at)
    assert at.title, "every page has a title"
    assert at.session_state["cell"] == cell
    if page in CHART_PAGES:
        assert charts(at), f"{page} drew no chart"


@pytest.mark.parametrize("pattern", PATTERNS)
@pytest.mark.parametrize("page", ("unroll", "states", "gradients", "patterns"))
def test_every_page_renders_for_every_pattern(page, pattern):
    at = open_app(page, query={"pattern": pattern, "cell": "gru"})
    assert_clean(at)
    assert charts(at)


@pytest.mark.parametrize(
    ("page", "phrase"),
    [
        ("start", "coloured by how much"),
        ("unroll", "parameters of a single cell"),
        ("states", "symmetric around 0"),
        ("gradients", "vanishes"),
        ("compare", "same sentence"),
        ("patterns", "where the loss"),
        ("model", "weights_only=True"),
    ],
)
def test_reading_guidance_is_shown(page, phrase):
    at = open_app(page)
    assert any(phrase.lower() in text.lower() for text in texts(at, "markdown")), phrase


def test_unroll_steps_through_time_and_writes_the_nested_formula():
    at = open_app("unroll", query={"t": "3"})
    assert_clean(at)
    assert at.slider(key="t").value == 3
    latex = texts(at, "latex")[0]
    assert latex.count("R(") == 3 and r"\mathbf{x}_3" in latex
    graph = charts(at)[0]
    assert "t = 1..3" in graph["layout"]["title"]["text"]
    at.button(key="step").click().run()
    assert at.slider(key="t").value == 4
    assert texts(at, "latex")[0].count("R(") == 4
    at.button(key="first").click().run()
    assert at.slider(key="t").value == 1
    at.button(key="back").click().run()  # stays at 1: no step before the first
    assert at.slider(key="t").value == 1
    at.button(key="last").click().run()
    assert at.slider(key="t").value == 6  # "John lives in Salt Lake City": T = 6


def test_unroll_token_is_named_for_the_selected_step():
    at = open_app("unroll", query={"t": "4"})
    assert "'Salt'" in texts(at, "text")[0]


def test_rolled_view_and_op_level_change_the_graph():
    at = open_app("unroll")
    cell_nodes = _node_count(charts(at)[0])
    at.segmented_control(key="level").set_value("op").run()
    assert_clean(at)
    assert _node_count(charts(at)[0]) > cell_nodes
    at.segmented_control(key="view").set_value("rolled").run()
    assert_clean(at)
    assert "Rolled" in chart_titles(at)[0]
    # The step controls stay in their row (nothing jumps) but are disabled: no steps when rolled.
    assert at.slider(key="t").proto.disabled and at.button(key="step").proto.disabled


def _node_count(fig: dict) -> int:
    """Points in the graph's marker traces (nodes), excluding the edge line traces."""
    total = 0
    for trace in fig["data"]:
        if trace.get("mode", "").startswith("markers") and trace.get("x") is not None:
            total += len([x for x in np.asarray(trace["x"], dtype=object) if x is not None])
    return total


def test_lstm_states_show_h_and_c_apart_and_its_gates():
    at = open_app("states", query={"cell": "lstm", "hidden": "5"})
    assert_clean(at)
    titles = chart_titles(at)
    h_t, c_t = "<b>h</b><sub>t</sub>", "<b>c</b><sub>t</sub>"  # the lecture's notation
    assert any(h_t in t for t in titles) and any(c_t in t for t in titles)
    assert any("Gate" in t for t in titles)
    h_map = heatmaps(at)[0]
    assert np.asarray(h_map["z"]).shape == (5, 6)  # H units × T tokens


def test_layer_and_direction_pickers_appear_only_when_needed():
    at = open_app("states")
    assert not at.get("segmented_control")
    at = open_app("states", query={"layers": "2", "bidir": "true"})
    assert_clean(at)
    keys = {w.key for w in at.get("segmented_control")}
    assert {"layer", "dir"} <= keys
    at.segmented_control(key="dir").set_value("backward").run()
    assert any("backward" in t for t in chart_titles(at))


def test_gradient_page_reads_the_decay_out_in_words():
    at = open_app("gradients", query={"scale_by": "largest singular value", "scale": "0.5"})
    assert_clean(at)
    assert any("shrinks" in text and "vanishes" in text for text in texts(at, "markdown"))
    assert len(charts(at)) == 2


def test_compare_puts_three_cells_on_shared_scales():
    at = open_app("compare")
    assert_clean(at)
    figs = charts(at)
    assert len(figs) == 4  # the gradient comparison + one h_t heatmap per cell
    ranges = {(h["zmin"], h["zmax"]) for fig in figs[1:] for h in fig["data"] if "zmin" in h}
    assert len(ranges) == 1, "the three h_t heatmaps share one colour range"
    at.slider(key="t").set_value(2).run()
    assert_clean(at)


def test_patterns_table_shows_where_each_loss_attaches():
    at = open_app("patterns")
    assert_clean(at)
    table = at.dataframe[0].value
    assert list(table.columns[:2]) == ["t", "token"]
    assert (table["acceptor"].iloc[:-1] == 0).all() and table["acceptor"].iloc[-1] > 0
    assert (table["transducer"] > 0).all()
    at.segmented_control(key="pview").set_value("encoder-decoder").run()
    assert_clean(at)
    assert "encoder-decoder" in chart_titles(at)[0]


def test_lecture_walks_the_seven_topics_in_order():
    at = open_app("lecture")
    assert_clean(at)
    assert at.title[0].value.startswith("1/7 · Modeling sequences")
    assert at.button(key="lec_prev").disabled
    for number in range(2, 8):
        at.button(key="lec_next").click().run()
        assert_clean(at)
        assert at.title[0].value.startswith(f"{number}/7")
        assert charts(at), f"topic {number} shows a view"
    assert at.button(key="lec_next").disabled
    assert at.session_state["cell"] == "lstm"  # topic 7's preset
    assert "keys" in at.session_state["text"]
    at.button(key="lec_prev").click().run()
    assert at.title[0].value.startswith("6/7") and at.session_state["cell"] == "elman"


def test_lecture_mode_injects_only_the_static_css():
    at = open_app("unroll", query={"big": "true", "text": "<style>body{display:none}</style>"})
    assert_clean(at)
    from explorer.app.fold import COMPACT_CSS
    from explorer.app.lecture import LARGE_TYPE_CSS

    bodies = [str(h.proto.body) for h in at.get("html")]
    assert bodies == [COMPACT_CSS.strip(), LARGE_TYPE_CSS.strip()]
    assert charts(at)[0]["layout"]["font"]["size"] == 20


def test_a_link_to_a_topic_shows_its_preset_unless_the_url_sets_the_sidebar():
    at = open_app("lecture", query={"topic": "6"})
    assert_clean(at)
    assert at.title[0].value.startswith("6/7")
    assert "keys" in at.session_state["text"] and at.session_state["hidden"] == 16
    at = open_app("lecture", query={"topic": "6", "text": "my own words"})
    assert at.session_state["text"] == "my own words"


def test_play_shows_the_animation_as_the_main_graph():
    at = open_app("unroll")
    assert len(charts(at)) == 1
    at.toggle(key="animate").set_value(True).run()
    assert_clean(at)
    assert len(charts(at)) == 1, "the animation replaces the stepped graph, not a second chart"
    import json

    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert len(spec["frames"]) == 6  # one frame per step t = 1..6


def test_switching_pages_keeps_the_selected_step():
    from streamlit.navigation.page import calc_hash

    at = open_app("unroll", query={"t": "3"})
    for page in ("states", "gradients", "compare"):
        at._page_hash = calc_hash(page)  # noqa: SLF001 - see test_app_support
        at.run()
        assert_clean(at)
        assert at.slider(key="t").value == 3, page


def test_the_lab_page_is_in_the_navigation_when_it_exists():
    import importlib.util

    if importlib.util.find_spec("explorer.pages.lab") is None:
        pytest.skip("explorer/pages/lab.py does not exist")
    at = open_app("lab")
    assert_clean(at)
    assert at.title[0].value.startswith("Lab")


def test_long_sequences_get_singular_values_at_spaced_steps():
    at = open_app("gradients", query={"text": "tick " * 400})
    assert_clean(at)
    assert any("300 evenly spaced steps of 400" in c for c in texts(at, "caption"))


def test_the_elman_topic_opens_the_operation_level_graph():
    at = open_app("lecture", query={"topic": "4"})
    at.button(key="lec_next").click().run()
    assert_clean(at)
    assert at.title[0].value.startswith("5/7")
    assert at.segmented_control(key="lec_level").value == "op"
    at.button(key="lec_prev").click().run()
    assert at.segmented_control(key="lec_level").value == "cell"


@pytest.mark.parametrize("view", ["unrolled", "rolled"])
@pytest.mark.parametrize("level", ["cell", "op"])
@pytest.mark.parametrize("cell", CELLS)
def test_every_graph_view_of_a_deep_bidirectional_encoder_decoder(cell, level, view):
    query = {
        "cell": cell,
        "level": level,
        "view": view,
        "layers": "2",
        "bidir": "true",
        "pattern": "encoder-decoder",
        "hidden": "4",
        "input": "3",
    }
    at = open_app("unroll", query=query)
    assert_clean(at)
    graph = charts(at)[0]
    assert _node_count(graph) > 0
    assert ("Rolled" in graph["layout"]["title"]["text"]) == (view == "rolled")
