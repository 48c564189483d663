"""Landing page (url /): what to do in one line, the reach picture at once, and one click into the
lecture walk or the Unroll page."""

from __future__ import annotations

import streamlit as st

from explorer.app import exports, nav, page
from explorer.views.reach import reach

PARAMS = ()
# Before the landing page existed the Unroll page was at /: an old link such as /?t=3&level=op
# still opens the Unroll page with its settings.
UNROLL_KEYS = ("t", "level", "view", "params", "animate")


def render() -> None:
    if any(key in st.query_params for key in UNROLL_KEYS):
        nav.switch("unroll", query_params=st.query_params.to_dict())
    settings = page.open_page("How an RNN unrolls, and why its gradient vanishes", "start", PARAMS)
    fig = reach(settings, key="start-reach")
    left, middle, right = st.columns(3)
    with left:
        nav.link("lecture", "Start the lecture walk", ":material/school:", width="stretch")
    with middle:
        nav.link("unroll", "Step through the unrolled graph", ":material/account_tree:")
    with right:
        nav.link("compare", "Compare the three cells", ":material/compare:")
    page.details("start", label="What the colours mean", expanded=False)
    if fig is not None:
        exports.panel("start", figures={"Reach picture": fig})
