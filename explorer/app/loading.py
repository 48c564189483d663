"""Get a page's data: the cached engine call, its errors shown as messages, its warnings shown."""

from __future__ import annotations

import rnnviz
from explorer.app import cache, messages
from explorer.app.controls import Settings


def load_trace(
    settings: Settings, *, random_weights: bool = False, quiet: bool = False, **changes
) -> rnnviz.Trace | None:
    """The trace for the sidebar settings (with `changes` applied), or None after an st.error.

    quiet=True skips the setting notes (a page that loads several traces shows them once)."""
    if not quiet:
        messages.show_setting_notes(settings.notes)
    config = {**settings.config, **changes}
    trace = messages.guarded(
        lambda: cache.trace_for(config, settings.text, random_weights=random_weights),
        "Cannot unroll this input",
    )
    if trace is not None:
        messages.show_trace_warnings(trace)
    return trace


def load_frame(kind: str, settings: Settings, **changes):
    """One tidy table of the trace (states, gates, outputs, singular_values), or None."""
    config = {**settings.config, **changes}
    return messages.guarded(
        lambda: cache.frame(kind, config, settings.text), f"Cannot build the {kind} table"
    )
