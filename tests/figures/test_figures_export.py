"""Downloads: figure bytes (HTML offline; PNG/SVG through kaleido + Chromium) and table bytes."""

from __future__ import annotations

import io
import re

import pandas as pd
import pytest

from explorer.figures import figure_to_bytes, frame_to_bytes, gradient_flow_figure
from explorer.figures.export import find_browser
from rnnviz import tables
from tests.support.figure_cases import sentence_trace

needs_chromium = pytest.mark.skipif(
    find_browser() is None,
    reason="PNG/SVG export needs Chromium on PATH (apt-get install chromium) or $BROWSER_PATH",
)


@pytest.fixture(scope="module")
def flow_figure():
    return gradient_flow_figure(sentence_trace("lstm").gradient_flow, selected_t=2)


def test_html_export_embeds_plotly_and_works_offline(flow_figure):
    page = figure_to_bytes(flow_figure, "html").decode("utf-8")
    assert page.lstrip().lower().startswith("<!doctype html>")
    assert not re.search(r"<script[^>]*\bsrc=", page)  # no script fetched from a CDN
    assert len(page) > 1_000_000  # plotly.js itself is inside
    assert "log10 of norm (decades)" in page


@needs_chromium
def test_png_export_is_an_image_at_the_requested_size(flow_figure):
    png = figure_to_bytes(flow_figure, "png", scale=1, width=640, height=400)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (640, 400)


@needs_chromium
def test_svg_export_contains_the_figure_text(flow_figure):
    svg = figure_to_bytes(flow_figure, "svg").decode("utf-8")
    assert svg.lstrip().startswith("<svg") and "1:John" in svg


def test_unknown_formats_are_refused_with_the_choices(flow_figure):
    with pytest.raises(ValueError, match="png, svg, html"):
        figure_to_bytes(flow_figure, "jpeg")
    with pytest.raises(ValueError, match="csv, parquet"):
        frame_to_bytes(pd.DataFrame({"a": [1]}), "xlsx")


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_tables_round_trip(fmt):
    frame = tables.states_frame(sentence_trace("lstm"))
    data = frame_to_bytes(frame, fmt)
    back = pd.read_csv(io.BytesIO(data)) if fmt == "csv" else pd.read_parquet(io.BytesIO(data))
    assert list(back.columns) == ["t", "token", "layer", "direction", "part", "unit", "value"]
    pd.testing.assert_frame_equal(back, frame.reset_index(drop=True), check_dtype=False)
