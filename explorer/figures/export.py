"""Downloads: figures as PNG/SVG (kaleido + the Chromium on PATH) or self-contained HTML, tables as
CSV/Parquet. Pure functions returning bytes; the pages hand them to a download button."""

from __future__ import annotations

import io
import os
import shutil
import threading
import warnings

import pandas as pd
import plotly.graph_objects as go

FIGURE_FORMATS = ("png", "svg", "html")
FRAME_FORMATS = ("csv", "parquet")
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "chrome")

# kaleido's sync server answers one call at a time through a shared queue; Streamlit runs sessions
# in threads, so calls are serialised here.
_kaleido_lock = threading.Lock()
_server_started = False


class ExportUnavailable(RuntimeError):
    """A static image cannot be made here (no Chromium); the message says what to do."""


def find_browser() -> str | None:
    """The browser kaleido will drive: $BROWSER_PATH, else chromium/chrome on PATH."""
    if os.environ.get("BROWSER_PATH"):
        return os.environ["BROWSER_PATH"]
    for name in BROWSER_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def _to_image(fig: go.Figure, fmt: str, scale: float, width: int | None, height: int | None):
    """First call: a one-shot render (it raises cleanly if Chromium fails). After that, a long-lived
    kaleido server (about 0.2 s per image instead of about 2 s)."""
    global _server_started
    import kaleido

    with _kaleido_lock, warnings.catch_warnings():
        # plotly passes kaleido options that a running server ignores, and says so each time.
        warnings.filterwarnings("ignore", message="The kopts argument is ignored")
        image = fig.to_image(format=fmt, scale=scale, width=width, height=height)
        if not _server_started and hasattr(kaleido, "start_sync_server"):
            kaleido.start_sync_server(silence_warnings=True)
            _server_started = True
        return image


def figure_to_bytes(
    fig: go.Figure,
    fmt: str = "png",
    *,
    scale: float = 2.0,
    width: int | None = None,
    height: int | None = None,
) -> bytes:
    """The figure as PNG or SVG (needs Chromium) or as a standalone HTML page (works offline:
    plotly.js is embedded, not fetched from a CDN)."""
    if fmt not in FIGURE_FORMATS:
        raise ValueError(
            f"Unknown figure format {fmt!r}: choose one of {', '.join(FIGURE_FORMATS)}."
        )
    if fmt == "html":
        return fig.to_html(include_plotlyjs=True, full_html=True).encode("utf-8")
    if find_browser() is None:
        raise ExportUnavailable(
            "PNG/SVG export needs Chromium (install the 'chromium' package, or set BROWSER_PATH). "
            "HTML export and the chart's own camera button work without it."
        )
    return _to_image(fig, fmt, scale, width, height)


def frame_to_bytes(df: pd.DataFrame, fmt: str = "csv") -> bytes:
    """A table as CSV (UTF-8, no index) or Parquet (pyarrow)."""
    if fmt not in FRAME_FORMATS:
        raise ValueError(f"Unknown table format {fmt!r}: choose one of {', '.join(FRAME_FORMATS)}.")
    if fmt == "csv":
        return df.to_csv(index=False).encode("utf-8")
    buffer = io.BytesIO()
    df.to_parquet(buffer, index=False, engine="pyarrow")
    return buffer.getvalue()
