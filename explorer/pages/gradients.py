"""Page Gradient flow: how much of the loss's gradient reaches each s_t (the view lives in explorer.views.gradients)."""

from explorer.app.page import trace_page
from explorer.views.gradients import PARAMS, view

__all__ = ["PARAMS", "render"]


def render() -> None:
    trace_page("Gradient flow back through time", "gradients", PARAMS, view)
