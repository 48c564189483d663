"""Reading guidance: the prose next to each plot lives in assets/*.md, written in the lecture's
notation, and is read through importlib.resources. The files are ours (trusted); user text never
goes through here."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import streamlit as st


def assets_folder() -> Traversable:
    """Where the .md files are: the `explorer.assets` package of an installed wheel or editable
    install (the build maps the repository's assets/ there, see setup.py), or, in a plain checkout
    run from the repository (tests, `streamlit run`), the assets/ folder beside explorer/."""
    try:
        folder = resources.files("explorer.assets")
    except ModuleNotFoundError:
        folder = None
    if folder is not None and folder.joinpath("unroll.md").is_file():
        return folder
    return Path(str(resources.files("explorer"))).parent / "assets"


@lru_cache(maxsize=64)
def read(name: str) -> str:
    """The text of assets/<name>.md (name is one of ours, never from the URL or the user)."""
    return assets_folder().joinpath(f"{name}.md").read_text(encoding="utf-8")


def split(text: str) -> tuple[str, str]:
    """(lead paragraph, the rest): the lead is always shown, the rest folds away."""
    lead, _, rest = text.strip().partition("\n\n")
    return lead, rest.strip()


def show(name: str, *, expanded: bool = False, label: str = "How to read this page") -> None:
    """The lead paragraph above the charts, the detailed reading guide in an expander below it
    (so the first screen shows the figure, not only prose)."""
    lead, rest = split(read(name))
    st.markdown(lead)
    if rest:
        with st.expander(label, expanded=expanded, icon=":material/menu_book:"):
            st.markdown(rest)


def section(name: str, heading: str) -> str:
    """The `## heading` section of assets/<name>.md, without its heading (KeyError if missing)."""
    for block in ("\n" + read(name)).split("\n## ")[1:]:
        head, _, body = block.partition("\n")
        if head.strip() == heading:
            return body.strip()
    raise KeyError(f"assets/{name}.md has no section {heading!r}")
