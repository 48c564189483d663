"""Get a page's data: the cached engine call, its errors shown as messages, its warnings shown."""

from __future__ import annotations

import contextlib

import streamlit as st

import rnnviz
from explorer.app import cache, controls, guidance, messages, url_state
from explorer.app.controls import MAX_TOKENS, Settings

SPINNER_MIN_STEPS = 40
# The engine's own advice for a long text ("raise max_tokens") is for API users; here the cap is
# the explorer's, so the message says that instead.
TOO_LONG = f"The explorer reads at most {MAX_TOKENS:,} tokens; rnnviz.unroll in Python takes more."


def open_page(title: str, guide: str, params) -> Settings:
    """What every page starts with: its title, its reading guidance, the sidebar's settings, and
    its own URL parameters read into the session."""
    st.title(title)
    guidance.show(guide)
    settings = controls.current()
    url_state.seed(params)
    return settings


def trace_page(title: str, guide: str, params, view) -> None:
    """A page that draws one trace: open it, load the trace (or show why not), then view it."""
    settings = open_page(title, guide, params)
    trace = load_trace(settings)
    if trace is not None:
        view(settings, trace)


def default_params(params, prefix: str = "") -> None:
    """Give a view's widgets their defaults (prefixed keys when the lecture walk embeds the view)."""
    for param in params:
        st.session_state.setdefault(prefix + param.key, param.default)


def load_trace(
    settings: Settings, *, random_weights: bool = False, quiet: bool = False, **changes
) -> rnnviz.Trace | None:
    """The trace for the sidebar settings (with `changes` applied), or None after an st.error.

    quiet=True skips the setting notes (a page that loads several traces shows them once)."""
    if not quiet:
        messages.show_setting_notes(settings.notes)
    config = {**settings.config, **changes}
    with _maybe_spinner(settings.text, config.get("tokenize", "word")):
        trace = messages.guarded(
            lambda: cache.trace_for(config, settings.text, random_weights=random_weights),
            "Cannot unroll this input",
            hint={"max_tokens": TOO_LONG},
        )
    if trace is not None:
        messages.show_trace_warnings(trace)
    return trace


def _maybe_spinner(text: str, level: str):
    """A spinner for long inputs only: a lecture-sized sentence (T <= 40) never shows one (and
    Streamlit shows any spinner only after 0.5 s, so a cache hit never flashes it)."""
    steps = len(rnnviz.tokenize(text[: 20 * SPINNER_MIN_STEPS], level)) if text.strip() else 0
    if steps <= SPINNER_MIN_STEPS:
        return contextlib.nullcontext()
    return st.spinner("Unrolling the sequence…", show_time=True)


def load_frame(kind: str, settings: Settings, **changes):
    """One tidy table of the trace (states, gates, outputs, singular_values), or None."""
    config = {**settings.config, **changes}
    return messages.guarded(
        lambda: cache.frame(kind, config, settings.text), f"Cannot build the {kind} table"
    )
