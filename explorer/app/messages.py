"""Messages for people: errors and warnings shown as text, never a traceback, never user HTML.

st.error/st.warning render Markdown, and engine messages can quote the user's text, so every
message is escaped first: each ASCII punctuation character gets a backslash, which CommonMark
prints literally (no links, images, `:emoji:` or `$math$` can come from user text).
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from typing import TypeVar

import streamlit as st

import rnnviz
from explorer.app import url_state

T = TypeVar("T")
_PUNCTUATION = re.compile("([" + re.escape(string.punctuation) + "])")
MAX_MESSAGE_CHARS = 600


def plain(text: str) -> str:
    """Text made safe to pass to a Markdown-rendering element: shown exactly as typed."""
    text = text if len(text) <= MAX_MESSAGE_CHARS else text[:MAX_MESSAGE_CHARS] + "…"
    return _PUNCTUATION.sub(r"\\\1", text).replace("\n", "  \n")


def error(message: str) -> None:
    st.error(plain(message), icon=":material/error:")


def warning(message: str) -> None:
    st.warning(plain(message), icon=":material/warning:")


def guarded(compute: Callable[[], T], what: str, hint: dict[str, str] | None = None) -> T | None:
    """Run an engine call; on bad input show its message and return None (the page goes on).
    `hint` maps a word in the engine's message to a sentence added after it."""
    try:
        return compute()
    except rnnviz.RnnvizError as exc:
        extra = [text for word, text in (hint or {}).items() if word in str(exc)]
        error(" ".join([f"{what}: {exc}", *extra]))
    except MemoryError:
        error(
            f"{what}: this needs more memory than the server has. Use a shorter text or fewer units."
        )
    return None


def show_trace_warnings(trace: rnnviz.Trace) -> None:
    """NaN/inf or overflow in a run: say so, and what to do about it."""
    for text in trace.warnings:
        # The engine's message names the step and the fix; the sidebar is where to apply it.
        warning(f"{text} (Sidebar: lower the scale value under Initialisation.)")


def show_url_notes() -> None:
    """Notices about URL parameters that were bad or unknown (written by url_state, trusted)."""
    for note in url_state.pending_notes():
        st.warning(note, icon=":material/link_off:")


def show_setting_notes(notes: list[str]) -> None:
    for note in notes:
        st.info(note, icon=":material/info:")
