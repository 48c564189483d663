"""Exports: every page offers its files, and each button's (deferred) data is the right file."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
from streamlit.delta_generator import DeltaGenerator

import rnnviz
from explorer.app import exports
from explorer.figures import gradient_flow_figure
from explorer.figures.export import find_browser
from rnnviz.graph import build_graph
from tests.support.app_support import open_app

EXPECTED_LABELS = {
    "unroll": {"States table (CSV)", "States table (PARQUET)", "Graph (JSON, node-link)"},
    "states": {"Gates table (CSV)", "Outputs table (PARQUET)", "Gates figure (SVG)"},
    "gradients": {"Gradient flow table (CSV)", "Singular values figure (PNG)"},
    "compare": {"Gradient flow (3 cells) table (CSV)", "LSTM h figure (HTML)"},
    "patterns": {
        "Step losses table (CSV)",
        "Pattern graph figure (SVG)",
        "Graph (JSON, node-link)",
    },
}


@pytest.mark.parametrize("page", list(EXPECTED_LABELS))
def test_each_page_offers_its_downloads(page):
    at = open_app(page, query={"cell": "lstm"})
    buttons = at.get("download_button")
    labels = {b.proto.label for b in buttons}
    assert EXPECTED_LABELS[page] <= labels, labels - EXPECTED_LABELS[page]
    assert len(labels) == len(buttons), "one button per file, each labelled apart"
    for button in buttons:
        if button.proto.disabled:  # PNG/SVG without Chromium on the server: greyed out, with why
            assert "Chromium" in button.proto.help and find_browser() is None, button.proto.label
        else:
            assert button.proto.HasField("deferred_file_id"), "files are made only when clicked"


@pytest.fixture
def recorded(monkeypatch):
    """Call exports.panel outside a server and keep every button's label, data and file name."""
    calls = []

    def record(self, label, data, file_name=None, mime=None, **kwargs):
        calls.append({"label": label, "data": data, "file_name": file_name, "mime": mime})
        return False

    monkeypatch.setattr(DeltaGenerator, "download_button", record)
    return calls


@pytest.fixture(scope="module")
def trace():
    return rnnviz.unroll("John lives in Salt Lake City", cell="gru", hidden_size=4, input_size=3)


def test_tables_graph_and_html_come_back_intact(recorded, trace):
    frame = trace.gradient_flow
    fig = gradient_flow_figure(frame)
    graph = build_graph(trace)
    exports.panel("gradients", frames={"Flow": frame}, figures={"Flow": fig}, graph=graph)
    files = {call["file_name"]: call for call in recorded}
    csv = pd.read_csv(io.BytesIO(files["rnnviz-gradients-flow.csv"]["data"]()))
    assert list(csv.columns) == list(frame.columns) and len(csv) == len(frame)
    parquet = pd.read_parquet(io.BytesIO(files["rnnviz-gradients-flow.parquet"]["data"]()))
    pd.testing.assert_frame_equal(parquet, frame.reset_index(drop=True), check_dtype=False)
    html = files["rnnviz-gradients-flow.html"]["data"]().decode()
    assert "<html" in html and "How far back does the gradient reach?" in html
    document = json.loads(files["rnnviz-gradients-graph.json"]["data"]())
    assert len(document["nodes"]) == graph.number_of_nodes()
    assert files["rnnviz-gradients-flow.svg"]["mime"] == "image/svg+xml"


@pytest.mark.skipif(find_browser() is None, reason="PNG/SVG export needs Chromium (kaleido)")
def test_png_and_svg_are_real_images(recorded, trace):
    exports.panel("x", figures={"Flow": gradient_flow_figure(trace.gradient_flow)})
    files = {call["file_name"]: call["data"] for call in recorded}
    assert files["rnnviz-x-flow.png"]().startswith(b"\x89PNG\r\n\x1a\n")
    assert b"<svg" in files["rnnviz-x-flow.svg"]()[:400]


def test_a_failed_export_gives_a_readable_file_not_a_traceback():
    def broken() -> bytes:
        raise RuntimeError("no browser")

    data = exports._lazy(broken, "the png figure")()  # noqa: SLF001
    assert data.decode().startswith("Could not make the png figure: RuntimeError: no browser")
