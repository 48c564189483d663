"""Lecture walk: the lecture's seven topics in order, each a preset view with its explanation.

Previous/Next (or the ← → keys) set the topic's preset in the sidebar, so the lecturer can then
type a sentence from the audience and the view follows.
"""

from __future__ import annotations

import streamlit as st

from explorer.app import controls, data, guidance, url_state
from explorer.app.lecture import TOPICS, apply_topic
from explorer.views import compare, gradients, patterns, states, unroll

PARAMS = (url_state.integer("topic", 1, 1, len(TOPICS)),)
PREFIX = "lec_"  # the views' widget keys on this page (not URL parameters)


def render() -> None:
    url_state.seed(PARAMS)
    index = st.session_state["topic"] - 1
    topic = TOPICS[index]
    _first_visit(index)
    _stepper(index)
    st.title(f"{index + 1}. {topic.title}")
    st.markdown(guidance.read(f"lecture-{index + 1}"))
    settings = controls.current()
    _show_view(topic.view, settings)
    url_state.sync(PARAMS)


def _first_visit(index: int) -> None:
    """A link to a topic (?topic=6) shows that topic's preset, unless the URL sets the sidebar
    itself (then the lecturer's own settings win). Once per session."""
    if st.session_state.get("_lecture_visited"):
        return
    st.session_state["_lecture_visited"] = True
    if any(param.key in st.query_params for param in controls.SIDEBAR_PARAMS):
        return
    if TOPICS[index].preset:
        controls.request_preset(TOPICS[index].preset)


def _stepper(index: int) -> None:
    back, where, forward = st.columns([2, 3, 2], vertical_alignment="center")
    back.button(
        "← Previous",
        key="lec_prev",
        disabled=index == 0,
        on_click=apply_topic,
        args=(index - 1,),
        shortcut="Left",
        width="stretch",
    )
    forward.button(
        "Next →",
        key="lec_next",
        disabled=index == len(TOPICS) - 1,
        on_click=apply_topic,
        args=(index + 1,),
        shortcut="Right",
        width="stretch",
        type="primary",
    )
    where.progress((index + 1) / len(TOPICS), text=f"Topic {index + 1} of {len(TOPICS)}")


def _show_view(name: str, settings: controls.Settings) -> None:
    """The topic's view, drawn by the same code as its page (widget keys prefixed)."""
    if name == "compare":
        compare.view(settings, prefix=PREFIX)
        return
    if name == "patterns":
        patterns.view(settings, prefix=PREFIX)
        return
    trace = data.load_trace(settings)
    if trace is None:
        return
    {"unroll": unroll.view, "states": states.view, "gradients": gradients.view}[name](
        settings, trace, prefix=PREFIX
    )
