"""Page Compare cells: the same sentence through Elman, LSTM and GRU (view: explorer.views.compare)."""

from explorer.app.page import details, open_page
from explorer.views.compare import PARAMS, view

__all__ = ["PARAMS", "render"]


def render() -> None:
    view(open_page("Elman, LSTM and GRU on the same sentence", "compare", PARAMS))
    details("compare")
