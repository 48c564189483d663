"""Page Unroll: the computation graph of s_t = R(s_{t-1}, x_t), y_t = O(s_t), stepped t = 1..T (the view lives in explorer.views.unroll)."""

from explorer.app.page import trace_page
from explorer.views.unroll import PARAMS, view

__all__ = ["PARAMS", "render"]


def render() -> None:
    trace_page("Unroll the recurrence", "unroll", PARAMS, view)
