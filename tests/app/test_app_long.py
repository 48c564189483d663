"""Long sentences stay readable: the graph pages draw a window of steps, not a squeezed strip."""

from __future__ import annotations

import re

from tests.support.app_support import assert_clean, charts, open_app, texts

LONG = " ".join(f"w{i % 50}" for i in range(300))


def _inputs_drawn(at) -> list[str]:
    """'x_t' of every x_t node drawn in the graph chart (hidden steps have no x; labels are thinned
    on long sentences, so the hover, which every node keeps, is read)."""
    name = "input <b>x</b><sub>t</sub>"
    (inputs,) = [
        tr for tr in charts(at)[0]["data"] if tr.get("name") == name and "customdata" in tr
    ]
    drawn = [h for h, x in zip(inputs["customdata"], inputs["x"], strict=True) if x == x]  # not NaN
    return ["x_" + re.search(r"<sub>(\d+)</sub>", h).group(1) for h in drawn]


def test_unroll_draws_a_window_of_steps_for_a_long_sentence():
    at = open_app("unroll", query={"text": LONG, "cell": "gru"})
    assert_clean(at)
    assert any("showing steps 276..300" in text for text in texts(at, "text"))
    assert _inputs_drawn(at) == [f"x_{t}" for t in range(276, 301)]
    at = open_app("unroll", query={"text": LONG, "cell": "gru", "t": "5"})
    assert_clean(at)
    assert any("showing steps 1..25" in text for text in texts(at, "text"))
    assert _inputs_drawn(at) == [f"x_{t}" for t in range(1, 6)]  # built up to t = 5


def test_patterns_draw_the_end_where_the_loss_attaches():
    at = open_app("patterns", query={"text": LONG, "cell": "elman", "pview": "encoder-decoder"})
    assert_clean(at)
    assert any("Showing the last 25 of 300 steps" in text for text in texts(at, "caption"))
    assert len(charts(at)) >= 2
