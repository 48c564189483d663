"""The frame around every page: warm-up, navigation, the shared sidebar, URL sync.

streamlit_app.py calls `main()`; pages read the sidebar's Settings with `controls.current()`.
"""

from __future__ import annotations

import importlib
import importlib.util

import streamlit as st

from explorer.app import controls, data, fold, lecture, messages, nav, url_state

PAGES = (
    # (module under explorer.pages, title, url path, icon); the first is the default page, at /
    ("start", "Start", "start", ":material/home:"),
    ("unroll", "Unroll", "unroll", ":material/account_tree:"),
    ("states", "States", "states", ":material/grid_on:"),
    ("gradients", "Gradient flow", "gradients", ":material/trending_down:"),
    ("compare", "Compare cells", "compare", ":material/compare:"),
    ("patterns", "Patterns", "patterns", ":material/call_split:"),
    ("lecture", "Lecture walk", "lecture", ":material/school:"),
    ("model", "Your own model", "model", ":material/upload_file:"),
    ("lab", "Lab", "lab", ":material/science:"),
)


def _make_pages() -> list[st.Page]:
    pages, by_path = [], {}
    for index, (module_name, title, url_path, icon) in enumerate(PAGES):
        module = importlib.import_module(f"explorer.pages.{module_name}")
        page = st.Page(module.render, title=title, url_path=url_path, icon=icon, default=index == 0)
        pages.append(page)
        by_path["" if index == 0 else url_path] = page  # "" addresses the default page
    nav.remember(by_path)  # keyed by our own paths: page.url_path needs a running app
    return pages


def page_params() -> list[url_state.Param]:
    """URL parameters owned by pages (dropped from the URL when their page is not shown)."""
    params: list[url_state.Param] = []
    for module_name, *_ in PAGES:
        module = importlib.import_module(f"explorer.pages.{module_name}")
        for param in getattr(module, "PARAMS", ()):
            if param.key not in {p.key for p in params}:
                params.append(param)
    return params


def main() -> None:
    """One full run of the app."""
    st.set_page_config(page_title="rnnviz: RNNs unrolled", page_icon="🔁", layout="wide")
    data.warm_up()
    navigation = st.navigation(_make_pages())
    url_state.begin_run()
    url_state.set_page(navigation.url_path)
    extra = page_params()
    url_state.check_unknown({p.key for p in (*controls.SIDEBAR_PARAMS, *extra)})
    settings = controls.render_sidebar(folded=navigation.url_path == "lab")
    fold.apply_style()
    lecture.apply_style(settings.large_font)
    controls.publish(settings)
    notices = st.container()  # at the top of the page, filled after the page read its params
    if settings.own_model:
        own = st.session_state["own_model"]["summary"]  # our text, not the file name
        st.caption(f":material/upload_file: Every view shows your uploaded model ({own}).")
    navigation.run()
    url_state.finish_run((*controls.SIDEBAR_PARAMS, *extra), extra)
    with notices:
        messages.show_url_notes()
