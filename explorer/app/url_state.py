"""The whole view lives in the URL: each setting is a query parameter, validated when a page opens.

Why by hand rather than `bind="query-params"`: a bound widget silently drops a bad value, and the
explorer must say which parameter was wrong. So on a session's first sight of a key its value is
parsed here (bad -> default plus a notice naming the parameter), written into st.session_state
before the widget is created, and after each run the current values go back into the URL
(values equal to the default are left out, so a plain URL means the default view).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import streamlit as st

WARNINGS_KEY = "_url_warnings"
ACTIVE_KEY = "_url_active_params"
RUN_DEFAULTS_KEY = "_url_run_defaults"
PAGE_KEY = "_url_page"  # url path of the page this run shows
OWNERS_KEY = "_url_owners"  # parameter key -> the page (or "sidebar") that last seeded it  # defaults that depend on the data, e.g. t = T


@dataclass(frozen=True)
class Param:
    """One URL parameter: its key (also the widget key), default, parser and printer."""

    key: str
    default: Any
    parse: Callable[[str], Any]  # raises ValueError("what is allowed") for a bad value
    dump: Callable[[Any], str] = str


def choice(key: str, default: str, options: Sequence[str]) -> Param:
    def parse(raw: str) -> str:
        if raw not in options:
            raise ValueError(f"choose one of {', '.join(options)}")
        return raw

    return Param(key, default, parse)


def integer(key: str, default: int, low: int, high: int) -> Param:
    def parse(raw: str) -> int:
        if not re.fullmatch(r"-?\d{1,12}", raw.strip()):
            raise ValueError(f"a whole number from {low} to {high}")
        value = int(raw)
        if not low <= value <= high:
            raise ValueError(f"a whole number from {low} to {high}")
        return value

    return Param(key, default, parse)


def number(key: str, default: float | None, low: float, high: float) -> Param:
    """A float; default None means "not set" (an empty widget), written as no parameter."""

    def parse(raw: str) -> float:
        try:
            value = float(raw)
        except ValueError:
            raise ValueError(f"a number from {low:g} to {high:g}") from None
        if not math.isfinite(value) or not low <= value <= high:
            raise ValueError(f"a number from {low:g} to {high:g}")
        return value

    return Param(key, default, parse, dump=lambda v: f"{v:g}")


def flag(key: str, default: bool) -> Param:
    def parse(raw: str) -> bool:
        lowered = raw.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise ValueError("true or false")

    return Param(key, default, parse, dump=lambda v: "true" if v else "false")


def text(key: str, default: str, max_chars: int) -> Param:
    def parse(raw: str) -> str:
        if len(raw) > max_chars:
            raise ValueError(f"at most {max_chars:,} characters")
        return raw

    return Param(key, default, parse)


def set_page(name: str) -> None:
    """The page this run shows: page parameters left by another page are seeded afresh."""
    st.session_state[PAGE_KEY] = name


def seed(params: Sequence[Param], scope: str | None = None) -> None:
    """Before the widgets: give every key not yet in this session (or last set by another page,
    e.g. the Unroll page's `t` when States opens) its URL value or its default."""
    active = st.session_state.setdefault(ACTIVE_KEY, set())
    owners = st.session_state.setdefault(OWNERS_KEY, {})
    scope = scope if scope is not None else st.session_state.get(PAGE_KEY, "")
    for param in params:
        active.add(param.key)
        if param.key in st.session_state and owners.get(param.key, scope) == scope:
            continue
        owners[param.key] = scope
        raw = st.query_params.get(param.key)
        if raw is None:
            st.session_state[param.key] = param.default
            continue
        try:
            st.session_state[param.key] = param.parse(raw)
        except ValueError as reason:
            st.session_state[param.key] = param.default
            _note(f"URL parameter `{param.key}` was not valid ({reason}); using the default.")


def sync(params: Sequence[Param], defaults: dict | None = None) -> None:
    """After the widgets: write the current values into the URL, leaving defaults out.
    `defaults` overrides a parameter's default for this run (the step t: the last step, T)."""
    run_defaults = st.session_state.setdefault(RUN_DEFAULTS_KEY, {})
    run_defaults.update(defaults or {})
    for param in params:
        value = st.session_state.get(param.key, param.default)
        present = param.key in st.query_params
        if value in (param.default, run_defaults.get(param.key, param.default)) or value is None:
            if present:
                del st.query_params[param.key]
            continue
        dumped = param.dump(value)
        if not present or st.query_params.get(param.key) != dumped:
            st.query_params[param.key] = dumped


def begin_run() -> None:
    """Start a run: forget which parameters were active (pages register theirs via `seed`)."""
    st.session_state[ACTIVE_KEY] = set()
    st.session_state[RUN_DEFAULTS_KEY] = {}


def set_run_default(key: str, value) -> None:
    """This run's default for a parameter whose natural default depends on the data (t = T):
    a value equal to it is left out of the URL."""
    st.session_state.setdefault(RUN_DEFAULTS_KEY, {})[key] = value


def finish_run(known: Sequence[Param], page_params: Sequence[Param]) -> None:
    """End a full run: sync every active parameter; drop parameters of pages not shown."""
    active = st.session_state.get(ACTIVE_KEY, set())
    sync([p for p in known if p.key in active])
    for param in page_params:
        if param.key not in active and param.key in st.query_params:
            del st.query_params[param.key]


def check_unknown(known_keys: set[str]) -> None:
    """Name URL parameters the explorer does not use (the name is sanitised: it is user text)."""
    for key in list(st.query_params.keys()):
        if key in known_keys:
            continue
        shown = re.sub(r"[^A-Za-z0-9_-]", "?", key)[:30]
        _note(f"URL parameter `{shown}` is not used by the explorer; it was ignored.")
        del st.query_params[key]


def note(message: str) -> None:
    """A notice shown at the top of the page (e.g. a URL value that cannot apply here)."""
    _note(message)


def _note(message: str) -> None:
    notes = st.session_state.setdefault(WARNINGS_KEY, [])
    if message not in notes:
        notes.append(message)


def pending_notes() -> list[str]:
    return list(st.session_state.get(WARNINGS_KEY, []))


def clear_notes() -> None:
    st.session_state[WARNINGS_KEY] = []
