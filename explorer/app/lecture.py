"""Lecture mode: projector-sized type (static CSS) and the guided walk through the lecture's topics.

Each topic is a preset view: sidebar settings (applied when the lecturer steps to it, so they can
still change the sentence live) plus which page's view to show, and its explanation in
assets/lecture-<n>.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import streamlit as st

from explorer.app import controls

# Static CSS written here, never built from user text: bigger type for a lecture hall.
LARGE_TYPE_CSS = """
<style>
html, body, [data-testid="stAppViewContainer"] { font-size: 20px; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li { font-size: 1.25rem; }
[data-testid="stSidebar"] label p { font-size: 1.1rem; }
[data-testid="stWidgetLabel"] p { font-size: 1.15rem; }
h1 { font-size: 2rem !important; }
h2, h3 { font-size: 1.9rem !important; }
[data-testid="stSidebar"] h3 { font-size: 1.3rem !important; }
.katex { font-size: 1.5em !important; }
code { font-size: 1.1rem; }
</style>
"""


def apply_style(large_font: bool) -> None:
    if large_font:
        st.html(LARGE_TYPE_CSS)


@dataclass(frozen=True)
class Topic:
    """One step of the guided walk: a title, the sidebar values it sets, the view it shows."""

    title: str
    view: str  # "unroll" | "states" | "gradients" | "compare" | "patterns"
    # Sidebar key -> value (other sidebar keys go to their default); "lec_" keys set the view.
    preset: dict = field(default_factory=dict)


LONG_RANGE = controls.PRESETS["Long-range agreement"]
TOPICS: tuple[Topic, ...] = (
    Topic("Modeling sequences", "states", {"text": controls.DEFAULT_TEXT}),
    # Opens at t = 1, as the slides do: Step builds the graph up one application of R at a time.
    Topic("The RNN abstraction", "unroll", {"lec_level": "cell", "lec_t": 1}),
    Topic(
        "Usage patterns",
        "patterns",
        {"pattern": "transducer"},
    ),
    Topic(
        "Bidirectional RNNs",
        "unroll",
        # The trained bidirectional tagger: PER O O LOC LOC LOC under the words.
        {"weights": "tagger-lstm", "lec_level": "cell", "lec_t": 0},
    ),
    Topic(
        "The Elman RNN", "unroll", {"cell": "elman", "act": "tanh", "lec_level": "op", "lec_t": 0}
    ),
    Topic(
        "The vanishing gradient problem",
        "gradients",
        {"cell": "elman", "text": LONG_RANGE, "hidden": 16, "input": 16},
    ),
    Topic(
        "Long short-term memory",
        "compare",
        # Compare's LSTM has its own forget-gate bias, 3 (lec_cfbias): Elman falls, LSTM stays flat.
        {"cell": "lstm", "text": LONG_RANGE, "hidden": 16, "input": 16, "lec_cfbias": 3.0},
    ),
)

# Topic number -> (button label, sidebar values on top of the topic's preset). Measured on the
# long-range sentence, H = D = 16, seed 0 (decades per step of ||ds_T/ds_t||):
#   tanh, sigma_max 0.9: -0.36 (must vanish: gamma * sigma_max < 1);
#   tanh, sigma_max 1.5: -0.15 (gamma * sigma_max > 1, and it still vanishes: no guarantee either way);
#   identity activation, spectral radius 1.2: +0.08 (really grows: x1.2 per step once aligned).
_TOPIC_6 = TOPICS[5].preset
EXPERIMENTS: dict[int, tuple[tuple[str, dict, str], ...]] = {
    6: (
        (
            "σ_max 0.9",
            {**_TOPIC_6, "scale_by": "largest singular value", "scale": 0.9},
            "W_hh rescaled to largest singular value 0.9: γ·σ_max < 1, so it must vanish.",
        ),
        (
            "σ_max 1.5",
            {**_TOPIC_6, "scale_by": "largest singular value", "scale": 1.5},
            "γ·σ_max = 1.5 > 1: the bound guarantees nothing, and tanh's saturation still makes "
            "the gradient vanish.",
        ),
        (
            "linear, ρ 1.2",
            {**_TOPIC_6, "act": "identity", "scale_by": "spectral radius", "scale": 1.2},
            "Identity activation (nothing saturates), W_hh at spectral radius 1.2: the gradient "
            "really grows, about x1.2 per step back.",
        ),
        ("torch init", dict(_TOPIC_6), "Back to torch's default initialisation."),
    ),
}


def try_experiment(number: int, label: str) -> None:
    """Button callback: the topic's preset plus the experiment's values (before the sidebar)."""
    values = next(v for name, v, _ in EXPERIMENTS[number] if name == label)
    controls.reset_to_defaults(keep=("big",))
    st.session_state.update(values)


def apply_topic(index: int) -> None:
    """Reset the sidebar, then set this topic's preset (called from a button callback, before
    the sidebar widgets are drawn, so setting their keys is allowed)."""
    controls.reset_to_defaults(keep=("big",))
    st.session_state["lec_t"] = 0  # each topic starts at its own step (0 = the last, T)
    for key, value in TOPICS[index].preset.items():
        st.session_state[key] = value
    st.session_state["topic"] = index + 1
