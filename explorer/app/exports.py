"""Exports on every page: tables (CSV, Parquet), figures (PNG, SVG, HTML), the graph (JSON).

Every file is made only when its button is clicked (st.download_button takes a callable): a PNG or
SVG goes through kaleido and Chromium, 0.2-2 s each, which must never slow down a rerun.
"""

from __future__ import annotations

from collections.abc import Callable

import networkx as nx
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from explorer.figures.export import figure_to_bytes, find_browser, frame_to_bytes

TABLE_FORMATS = {"csv": "text/csv", "parquet": "application/vnd.apache.parquet"}
FIGURE_FORMATS = {"png": "image/png", "svg": "image/svg+xml", "html": "text/html"}


def images_possible() -> bool:
    """kaleido needs a Chromium; without one the PNG/SVG buttons are disabled, with the reason."""
    return find_browser() is not None


def graph_bytes(graph: nx.DiGraph) -> bytes:
    from rnnviz.graph import graph_to_json

    return graph_to_json(graph).encode("utf-8")


def _lazy(make: Callable[[], bytes], what: str) -> Callable[[], bytes]:
    """Wrap a file maker so a failure (e.g. no Chromium for kaleido) gives a readable file
    instead of a traceback: the download then contains the reason."""

    def run() -> bytes:
        try:
            return make()
        except Exception as exc:  # noqa: BLE001 - any failure must reach the user as text
            return f"Could not make {what}: {type(exc).__name__}: {exc}\n".encode()

    return run


def panel(
    name: str,
    *,
    frames: dict[str, pd.DataFrame] | None = None,
    figures: dict[str, go.Figure] | None = None,
    graph: nx.DiGraph | None = None,
) -> None:
    """An "Export" expander with one download button per file; `name` prefixes file names."""
    with st.expander("Export", icon=":material/download:") as box:
        for label, frame in (frames or {}).items():
            _buttons(name, label, "table", TABLE_FORMATS, lambda x, f=frame: frame_to_bytes(f, x))
        images = images_possible()
        for label, fig in (figures or {}).items():
            _buttons(
                name,
                label,
                "figure",
                FIGURE_FORMATS,
                lambda x, f=fig: figure_to_bytes(f, x),
                disabled={fmt for fmt in FIGURE_FORMATS if fmt != "html" and not images},
            )
        if graph is not None:
            box.download_button(
                "Graph (JSON, node-link)",
                data=_lazy(lambda: graph_bytes(graph), "the graph"),
                file_name=f"rnnviz-{name}-graph.json",
                mime="application/json",
                on_click="ignore",
                key=f"dl-{name}-graph",
            )
        st.caption("Files are made when you click. The camera icon on a chart saves an SVG too.")


def _buttons(
    name: str,
    label: str,
    kind: str,
    formats: dict[str, str],
    make: Callable[[str], bytes],
    disabled: set[str] = frozenset(),
) -> None:
    """One row of download buttons, one per format, for a table or a figure."""
    key_kind = "" if kind == "table" else "fig-"
    for column, (fmt, mime) in zip(st.columns(len(formats)), formats.items(), strict=True):
        off = fmt in disabled
        column.download_button(
            f"{label} {kind} ({fmt.upper()})",
            data=_lazy(lambda x=fmt: make(x), f"the {fmt} {kind}"),
            file_name=f"rnnviz-{name}-{_slug(label)}.{fmt}",
            mime=mime,
            on_click="ignore",
            key=f"dl-{name}-{_slug(label)}-{key_kind}{fmt}",
            disabled=off,
            help="Needs Chromium on the server (kaleido)." if off else None,
        )


def _slug(label: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in label.lower()).strip("-")
