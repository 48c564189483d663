"""The websocket client behind the classroom load test (benchmarks/st_client.py) speaks Streamlit's
protocol correctly: it runs the app, finds its widgets, changes them and sees the new output.
No browser needed; if this fails, benchmarks/classroom_load.py would measure nothing.
"""

from __future__ import annotations

import sys

import pytest

from tests.support.run_async import run_async
from tools.apphost import APP_SCRIPT, ROOT, AppServer

sys.path.insert(0, str(ROOT / "benchmarks"))
st_client = pytest.importorskip("st_client")

pytestmark = pytest.mark.timeout(180)


async def _change_trivial_text(url: str) -> tuple:
    async with st_client.StreamlitSession(url) as session:
        first = await session.rerun()
        box = st_client.find_widget(first.widgets, "Sentence", ("text_input",))
        second = await session.rerun([st_client.widget_state(box, "hello load test")])
        return first, second


def test_client_changes_a_widget_and_sees_the_new_output():
    with AppServer(ROOT / "benchmarks" / "trivial_app.py") as server:
        first, second = run_async(_change_trivial_text(server.url))
    assert first.ok and second.ok
    assert first.element_counts["markdown"] == 1 and second.element_counts["markdown"] == 1
    assert second.seconds > 0  # measured, not bounded: no test asserts a wall time


async def _explorer_controls(url: str) -> tuple:
    async with st_client.StreamlitSession(url) as session:
        first = await session.rerun()
        text = st_client.find_widget(first.widgets, "sentence", ("text_area", "text_input"))
        seed = st_client.find_widget(first.widgets, "seed", ("number_input", "slider"))
        changed = await session.rerun(
            [st_client.widget_state(text, "a b c d"), st_client.widget_state(seed, 3)]
        )
        return first, changed


def test_the_explorer_has_the_controls_the_load_test_drives():
    if not APP_SCRIPT.exists():
        pytest.skip("streamlit_app.py does not exist yet")
    with AppServer(APP_SCRIPT) as server:
        first, changed = run_async(_explorer_controls(server.url))
    assert first.ok, first.exceptions
    assert changed.ok, changed.exceptions
    assert len(first.pages) >= 5  # the navigation message lists the explorer's pages
    assert changed.element_counts.get("plotly_chart", 0) >= 1
