"""Reading guidance: the prose next to each plot lives in assets/*.md, written in the lecture's
notation. The files are ours (trusted); user text never goes through here."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import streamlit as st

ASSETS = Path(__file__).resolve().parents[2] / "assets"


@lru_cache(maxsize=64)
def read(name: str) -> str:
    """The text of assets/<name>.md (name is one of ours, never from the URL or the user)."""
    path = ASSETS / f"{name}.md"
    return path.read_text(encoding="utf-8")


def show(name: str, *, expanded: bool = True, label: str = "How to read this page") -> None:
    """The guidance in an expander, open by default so a first-time reader sees it."""
    with st.expander(label, expanded=expanded, icon=":material/menu_book:"):
        st.markdown(read(name))
