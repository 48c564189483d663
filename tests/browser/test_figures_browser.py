"""What only a browser shows: the animation really plays, and no user token runs as script.

Uses the session `browser` fixture (headless Debian Chromium; skipped without it) on the figure's
own offline HTML export, so no app server is needed.
"""

from __future__ import annotations

import pytest

from explorer.figures import figure_to_bytes, graph_figure, unroll_animation_figure
from rnnviz.graph import build_graph
from tests.support.figure_cases import hostile_trace, sentence_trace

pytestmark = pytest.mark.browser

# Points drawn in the node traces: plotly's calcdata (hidden points have no numeric x).
NODE_COUNT = """() => {
    const gd = document.querySelector('.js-plotly-plot');
    return gd.calcdata
        .filter((cd, i) => gd._fullData[i].hovertemplate === '%{customdata}<extra></extra>')
        .reduce((n, cd) => n + cd.filter(p => Number.isFinite(p.x)).length, 0);
}"""


def open_figure(browser, tmp_path, fig):
    path = tmp_path / "figure.html"
    path.write_bytes(figure_to_bytes(fig, "html"))
    page = browser.new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(path.as_uri())
    page.wait_for_selector(".js-plotly-plot .main-svg")
    return page, dialogs


def test_play_adds_steps_in_the_browser(browser, tmp_path):
    G = build_graph(sentence_trace("lstm"))
    page, _ = open_figure(browser, tmp_path, unroll_animation_figure(G, frame_ms=100))
    try:
        before = page.evaluate(NODE_COUNT)
        page.get_by_text("▶ Play").click()
        page.wait_for_function(f"({NODE_COUNT})() === {G.number_of_nodes()}", timeout=10_000)
        assert 0 < before < G.number_of_nodes()
        last = len(
            page.evaluate("() => document.querySelector('.js-plotly-plot')._transitionData._frames")
        )
        active = "document.querySelector('.js-plotly-plot').layout.sliders[0].active"
        page.wait_for_function(f"() => {active} === {last - 1}")  # the slider followed
        title = page.evaluate("() => document.querySelector('.js-plotly-plot').layout.title.text")
        assert title.startswith("<b>s</b><sub>6</sub> = R(")  # the formula followed the graph
        shown = [t.replace("\u200b", "") for t in page.locator(".gtitle").all_text_contents()]
        assert shown and shown[0].startswith("s6 = R(R(")  # and the browser drew it (redraw)
    finally:
        page.close()


def test_hostile_tokens_render_as_text_and_run_nothing(browser, tmp_path):
    page, dialogs = open_figure(browser, tmp_path, graph_figure(build_graph(hostile_trace())))
    try:
        labels = page.locator(".js-plotly-plot text").all_text_contents()
        assert any("<script>a…" in label for label in labels)  # visible as literal text
        assert any("<b>bold</…" in label for label in labels)
        assert dialogs == []  # alert(1) never ran
        assert page.locator(".js-plotly-plot script").count() == 0
    finally:
        page.close()
