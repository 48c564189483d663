"""This run's navigation pages by url path, so a page can link to another (st.page_link needs the
st.Page object) without importing it: shell.py fills it, pages read it."""

from __future__ import annotations

import streamlit as st

_PAGES: dict[str, st.Page] = {}


def remember(pages: dict[str, st.Page]) -> None:
    """pages: url path -> page ("" for the default page, as Streamlit addresses it)."""
    _PAGES.clear()
    _PAGES.update(pages)


def link(url_path: str, label: str, icon: str | None = None, **options) -> None:
    """st.page_link to our page at `url_path` ("" is the landing page); nothing if it is absent."""
    target = _PAGES.get(url_path)
    if target is not None:
        st.page_link(target, label=label, icon=icon, **options)


def switch(url_path: str, query_params: dict) -> None:
    """st.switch_page to our page at `url_path`, keeping the given URL parameters."""
    target = _PAGES.get(url_path)
    if target is not None:
        st.switch_page(target, query_params=query_params)
