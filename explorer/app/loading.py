"""Get a page's data: the cached engine call, its errors shown as messages, its warnings shown."""

from __future__ import annotations

import rnnviz
from explorer.app import cache, messages
from explorer.app.controls import MAX_TOKENS, Settings

# The engine's own advice for a long text ("raise max_tokens") is for API users; here the cap is
# the explorer's, so the message says that instead.
TOO_LONG = f"The explorer reads at most {MAX_TOKENS:,} tokens; rnnviz.unroll in Python takes more."


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
        hint={"max_tokens": TOO_LONG},
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
