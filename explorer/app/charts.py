"""How every Plotly figure is put on a page: full width, SVG from the mode bar, export beside it,
and the figure handed to Streamlit already in the form it sends to the browser."""

from __future__ import annotations

import base64
import copy

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from _plotly_utils.basevalidators import is_homogeneous_array
from _plotly_utils.utils import plotlyjsShortTypes, to_typed_array_spec

# The mode bar's camera button saves an SVG at twice the size, made in the viewer's own browser.
PLOTLY_CONFIG = {
    "toImageButtonOptions": {"format": "svg", "scale": 2},
    "displaylogo": False,
}

# Keys Plotly leaves as they are when it turns arrays into typed arrays (_plotly_utils.utils).
_SKIPPED = frozenset(("geojson", "layer", "layers", "range"))
_SCALAR_TYPES = frozenset((str, float, int, bool, type(None), np.float64, np.float32))
_PLAIN = _SCALAR_TYPES | {dict, list, tuple}
_NARROWER = {"int64": ("int8", "int16", "int32"), "uint64": ("uint8", "uint16", "uint32")}


def browser_dict(fig: go.Figure) -> dict:
    """Exactly `fig.to_dict()` (a copy of data, layout and frames with numpy arrays as base64
    typed arrays), built in one walk instead of a deep copy followed by a second walk that asks
    every list element whether it is an array. Measured on the Unroll page's graph: 11 ms ->
    1 ms per rerun; tests/serve/test_charts_spec.py checks it equals to_dict() on every figure."""
    result = {"data": [_copy(trace) for trace in fig._data], "layout": _copy(fig._layout)}  # noqa: SLF001
    frames = [_copy(frame._props) for frame in fig._frame_objs]  # noqa: SLF001
    if frames:
        result["frames"] = frames
    return result


def _copy(value):
    kind = type(value)
    if kind is dict:
        out = {}
        for key, item in value.items():
            if key in _SKIPPED:
                out[key] = copy.deepcopy(item)
            elif type(item) is np.ndarray:
                out[key] = _typed_array(item)
            elif type(item) not in _PLAIN and is_homogeneous_array(item):
                out[key] = to_typed_array_spec(item)
            else:
                out[key] = _copy(item)
        return out
    if kind is list or kind is tuple:
        if not any(type(item) not in _SCALAR_TYPES for item in value):
            return kind(value)  # numbers and strings (most lists): a flat copy is a deep one
        return kind(_copy(item) for item in value)
    if kind in _SCALAR_TYPES:
        return value
    return copy.deepcopy(value)  # e.g. an array inside a list stays an array, as in to_dict()


def _typed_array(array: np.ndarray):
    """to_typed_array_spec(array) for a numeric numpy array, without its detour through
    narwhals (3/4 of to_dict()'s time on the graph figure): the same int64 -> int8/16/32
    narrowing, dtype codes and base64 bytes. Anything else takes Plotly's own function."""
    if array.size == 0 or array.dtype.kind not in "uif":
        return to_typed_array_spec(array)
    dtype = array.dtype.name
    if dtype in ("int64", "uint64"):
        low, high = array.min(), array.max()
        for narrow in _NARROWER[dtype]:
            limits = np.iinfo(narrow)
            if limits.min <= low and high <= limits.max:
                array, dtype = array.astype(narrow), narrow
                break
        else:
            return to_typed_array_spec(array)
    if dtype not in plotlyjsShortTypes:
        return to_typed_array_spec(array)
    spec = {
        "dtype": plotlyjsShortTypes[dtype],
        "bdata": base64.b64encode(np.ascontiguousarray(array)).decode("ascii"),
    }
    if array.ndim > 1:
        spec["shape"] = str(array.shape)[1:-1]
    return spec


class _Prepared(go.Figure):
    """What st.plotly_chart receives: a Figure whose to_dict() is the ready dict (Streamlit
    calls to_dict() once, then encodes it to JSON without validating it again)."""

    def __init__(self, spec: dict) -> None:
        super().__init__()
        self._spec = spec

    def to_dict(self) -> dict:
        return self._spec


def show(fig: go.Figure, key: str) -> None:
    """Draw one figure; `key` keeps the chart element stable across reruns."""
    st.plotly_chart(_Prepared(browser_dict(fig)), width="stretch", config=PLOTLY_CONFIG, key=key)
