"""Lecture walk: the lecture's seven topics in order, each a preset view with its explanation.

One row holds the topic's title and Previous/Next (or the ← → keys); one sentence says what to
look at; the topic's picture follows at once and the rest of the explanation sits below it.
Previous/Next set the topic's preset in the sidebar, so the lecturer can then type a sentence from
the audience and the view follows.
"""

from __future__ import annotations

import streamlit as st

from explorer.app import charts, controls, data, guidance, url_state
from explorer.app.lecture import EXPERIMENTS, TOPICS, apply_topic, try_experiment
from explorer.figures.states import state_heatmap_figure
from explorer.views import compare, gradients, patterns, states, unroll
from explorer.views.reach import reach

PARAMS = (url_state.integer("topic", 1, 1, len(TOPICS)),)
PREFIX = "lec_"  # the views' widget keys on this page (not URL parameters)


def render() -> None:
    url_state.seed(PARAMS)
    index = st.session_state["topic"] - 1
    topic = TOPICS[index]
    _first_visit(index)
    _header(index)
    lead, rest = guidance.split(guidance.read(f"lecture-{index + 1}"))
    st.markdown(lead)
    settings = controls.current()
    if index + 1 in EXPERIMENTS:
        _experiments(index + 1)
    _show_view(topic.view, settings)
    if rest:
        st.markdown(rest)
    if topic.view == "gradients":
        reach(settings, key="lec-reach")
    url_state.sync(PARAMS)


def _first_visit(index: int) -> None:
    """A link to a topic (?topic=6) shows that topic's preset, unless the URL sets the sidebar
    itself (then the lecturer's own settings win). Once per session."""
    if st.session_state.get("_lecture_visited"):
        return
    st.session_state["_lecture_visited"] = True
    # Lecture mode (?big=true) is how the room sees it, not a setting of the view.
    if any(p.key in st.query_params for p in controls.SIDEBAR_PARAMS if p.key != "big"):
        return
    if TOPICS[index].preset:
        controls.request_preset(TOPICS[index].preset)


def _header(index: int) -> None:
    """The title and the stepper on one row: the picture starts right below."""
    title, back, forward = st.columns([6, 2.4, 2], vertical_alignment="center")
    title.title(f"{index + 1}/{len(TOPICS)} · {TOPICS[index].title}")
    back.button(
        "Previous",  # the shortcut hint (←) is drawn by Streamlit: no arrow in the label
        key="lec_prev",
        disabled=index == 0,
        on_click=apply_topic,
        args=(index - 1,),
        shortcut="Left",
        width="stretch",
    )
    forward.button(
        "Next",  # Streamlit shows the → shortcut hint: "Next →" once
        key="lec_next",
        disabled=index == len(TOPICS) - 1,
        on_click=apply_topic,
        args=(index + 1,),
        shortcut="Right",
        width="stretch",
        type="primary",
    )


def _experiments(number: int) -> None:
    """The topic's experiments as buttons: each sets its sidebar values (on the next run)."""
    for column, (label, _, why) in zip(
        st.columns(len(EXPERIMENTS[number])), EXPERIMENTS[number], strict=True
    ):
        column.button(
            label,
            help=why,
            key=f"lec_try_{number}_{label[:12]}",
            on_click=try_experiment,
            args=(number, label),
            width="stretch",
        )


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
    if name == "unroll" and trace.predictions is not None:
        _tagged_states(settings, trace)


def _tagged_states(settings: controls.Settings, trace) -> None:
    """A trained model's h_t in both directions, its tags under the words (topic 4's tagger)."""
    frame = data.load_frame("states", settings)
    if frame is None:
        return
    directions = ("forward", "backward")[: trace.num_directions]
    for column, direction in zip(st.columns(len(directions)), directions, strict=True):
        with column:
            fig = state_heatmap_figure(
                frame,
                part="h",
                layer=1,
                direction=direction,
                large_font=settings.large_font,
                predictions=trace.predictions,
            )
            charts.show(fig, key=f"lec-tagged-{direction}")
