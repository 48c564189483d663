"""Helpers for the explorer's AppTest suites (no tests here): open a page, read its charts.

Pages are callables registered with st.navigation, so a page is chosen by the hash Streamlit gives
its url_path (AppTest.switch_page only knows file pages).
"""

from __future__ import annotations

import base64
import json
import re
import string
from pathlib import Path

import numpy as np
from streamlit.navigation.page import calc_hash
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "streamlit_app.py"
PAGES = ("start", "unroll", "states", "gradients", "compare", "patterns", "lecture", "model")
TIMEOUT = 60
_ESCAPE = re.compile(r"\\([" + re.escape(string.punctuation) + "])")


def open_app(page: str = "unroll", query: dict | None = None, state: dict | None = None) -> AppTest:
    """The app on one page (by url path), with URL parameters and session state, after one run."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    for key, value in (state or {}).items():
        at.session_state[key] = value
    at._page_hash = calc_hash(page)  # noqa: SLF001 - see the module docstring
    return at.run()


def decode(value):
    """Plotly's JSON with its base64 typed arrays ({"dtype", "bdata"[, "shape"]}) as numpy."""
    if isinstance(value, dict):
        if "bdata" in value and "dtype" in value:
            array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
            if "shape" in value:
                shape = [int(n) for n in str(value["shape"]).split(",")]
                array = array.reshape(shape)
            return array
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def charts(at: AppTest) -> list[dict]:
    """Every Plotly chart on the page as a decoded figure dict (data + layout)."""
    return [decode(json.loads(chart.proto.spec)) for chart in at.get("plotly_chart")]


def chart_titles(at: AppTest) -> list[str]:
    titles = []
    for fig in charts(at):
        title = fig["layout"].get("title", {})
        titles.append(title.get("text", "") if isinstance(title, dict) else str(title))
    return titles


def heatmaps(at: AppTest) -> list[dict]:
    return [trace for fig in charts(at) for trace in fig["data"] if trace.get("type") == "heatmap"]


def texts(at: AppTest, kind: str) -> list[str]:
    """The values of every element of one kind: "error", "warning", "info", "markdown", ...,
    with the app's Markdown escapes (a backslash before punctuation) removed: what a reader sees."""
    return [_ESCAPE.sub(r"\1", str(element.value)) for element in getattr(at, kind)]


def raw_texts(at: AppTest, kind: str) -> list[str]:
    """The values as sent to the browser (Markdown source, escapes included)."""
    return [str(element.value) for element in getattr(at, kind)]


def assert_clean(at: AppTest) -> None:
    """No exception element and no error message on the page."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, texts(at, "error")


def chart_fingerprint(at: AppTest) -> str:
    """A string that changes whenever any chart's data changes (layout ignored)."""
    return json.dumps([chart_data(fig) for fig in charts(at)], default=_plain, sort_keys=True)


def chart_data(fig: dict) -> list:
    return fig["data"]


def _plain(value):
    if isinstance(value, np.ndarray):
        return value.round(12).tolist()
    raise TypeError(type(value))
