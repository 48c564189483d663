"""Long sentences stay readable: the graph pages draw a window of steps, not a squeezed strip."""

from __future__ import annotations

import time

from tests.support.app_support import assert_clean, charts, open_app, texts

LONG = " ".join(f"w{i % 50}" for i in range(300))


def _inputs_drawn(at) -> list[str]:
    """Labels of the x_t nodes in the graph chart."""
    (inputs,) = [tr for tr in charts(at)[0]["data"] if tr.get("name") == "input x_t"]
    return [label.split("<br>")[0] for label in inputs["text"]]


def test_unroll_draws_a_window_of_steps_for_a_long_sentence():
    start = time.perf_counter()
    at = open_app("unroll", query={"text": LONG, "cell": "gru"})
    assert_clean(at)
    assert time.perf_counter() - start < 60
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
