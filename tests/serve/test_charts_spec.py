"""What charts.show hands to Streamlit must be byte for byte what Streamlit would have sent for the
figure itself (fig.to_dict() encoded), for every figure the app draws and for the array kinds
Plotly treats specially; and building it must leave the figure untouched."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from plotly.tools import return_figure_from_figure_or_data

from explorer.app.charts import _Prepared, browser_dict
from tests.figures.test_figures_build import FIGURES


def sent(fig_or_prepared) -> str:
    """The JSON st.plotly_chart puts into its proto for this argument (its two calls)."""
    figure = return_figure_from_figure_or_data(fig_or_prepared, validate_figure=True)
    return pio.to_json(figure, validate=False)


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_prepared_figure_sends_the_same_json(name):
    fig = FIGURES[name]()
    before = fig.to_json()
    assert sent(_Prepared(browser_dict(fig))) == sent(fig)
    assert fig.to_json() == before


def test_array_kinds_are_encoded_as_plotly_does():
    arrays = {
        "x": np.arange(5, dtype=np.int64),  # narrowed to int8
        "y": np.array([1, 70_000, -3], dtype=np.int64),  # to int32
        "z": np.array([[0.5, np.nan], [np.inf, -1e-300]]),  # 2-D float64 with a shape
        "customdata": np.array([2**40, 1], dtype=np.int64),  # too big: left as it is
        "text": np.array(["a", "<b>"]),  # strings: an object list
        "ids": np.array([], dtype=float),  # empty
        "selectedpoints": np.array([True, False]),  # bool: object list
        "width": np.array([1, 2], dtype=np.uint64),
        "hovertext": pd.Series(["p", "q"]),  # pandas goes through Plotly's own path
        "meta": [np.arange(3)],  # an array inside a list stays an array
    }
    fig = go.Figure({"data": [{"type": "scatter", **arrays}], "layout": {}}, _validate=False)
    assert sent(_Prepared(browser_dict(fig))) == sent(fig)


def test_the_copy_shares_nothing_with_the_figure():
    fig = FIGURES["graph"]()
    before = fig.to_json()
    spec = browser_dict(fig)
    for trace in spec["data"]:
        for value in trace.values():
            if isinstance(value, list):
                value.append("changed")
            elif isinstance(value, dict):
                value["changed"] = 1
    spec["layout"]["title"] = {"text": "changed"}
    assert fig.to_json() == before
    assert json.loads(sent(fig))["layout"].get("title", {}).get("text") != "changed"
