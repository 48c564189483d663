"""Page States: heatmaps of s_t (h_t, c_t), the gates and the outputs y_t (the view lives in explorer.views.states)."""

from explorer.app.page import trace_page
from explorer.views.states import PARAMS, view

__all__ = ["PARAMS", "render"]


def render() -> None:
    trace_page("States, gates and outputs", "states", PARAMS, view)
