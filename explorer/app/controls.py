"""The sidebar: one set of controls shared by every page, each a URL parameter (see url_state).

Widgets get their values only through st.session_state (seeded from the URL), never through a
`value=`/`index=` argument, so the URL, the session and the widget never disagree.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import streamlit as st

from explorer.app import url_state
from explorer.app.url_state import Param
from explorer.app.weights import (
    OWN,
    RANDOM,
    WEIGHTS,
    ZOO_MODELS,
    follow_upload,
    weights_control,
    zoo_config,
)
from rnnviz.config import ACTIVATIONS, CELLS, DEFAULT_MAX_TOKENS, INITS, PATTERNS, TOKENIZERS
from rnnviz.zoo import charlm_data

# Dashboard caps: far below the engine's (1024 units, 8 layers) so a slider never freezes a lecture.
# The engine itself accepts more from Python; docs/notes/app.md says so.
MAX_HIDDEN = 256
MAX_INPUT = 256
MAX_LAYERS = 4
# Tokens per sentence: 2,000 by default; a room that wants whole documents sets RNNVIZ_MAX_TOKENS
# (up to the engine's 10,000; pages draw long sentences windowed, decimated or sampled).
MAX_TOKENS = max(1, min(int(os.environ.get("RNNVIZ_MAX_TOKENS") or 2000), DEFAULT_MAX_TOKENS))
MAX_TEXT_CHARS = 10 * MAX_TOKENS
MAX_SEED = 2**31 - 1


def _held_out_code(name: str = "runpy.py", chars: int = 1500) -> dict[str, str]:
    """The opening of a standard-library file no char LM read (every machine has it), cut at a
    line end: with charlm-lstm the unit finder shows its quote cell there (docs/zoo.md)."""
    try:
        text = (charlm_data.stdlib_dir() / name).read_text(encoding="utf-8")
    except OSError:
        return {}
    return {f"Python code ({name}, for the char LMs)": text[: text.rfind("\n", 0, chars) + 1]}


PRESETS = {
    "John lives in Salt Lake City": "John lives in Salt Lake City",
    "Long-range agreement": "The keys that the man who lives next door gave me are on the table",
    "Counting (a a a … b)": "a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a b",
    "Two clauses": "The movie was not good , but the actors were brilliant",
    **_held_out_code(),
}
DEFAULT_TEXT = PRESETS["John lives in Salt Lake City"]
SCALINGS = ("factor", "spectral radius", "largest singular value")
PENDING_KEY = "_pending_preset"
# Sidebar keys that an uploaded model decides (key -> rnnviz.infer_config field).
OWN_MODEL_KEYS = {
    "cell": "cell",
    "hidden": "hidden_size",
    "input": "input_size",
    "layers": "num_layers",
    "bidir": "bidirectional",
}

# Sidebar keys a zoo model decides (key -> UnrollConfig field); shown in the disabled controls.
ZOO_KEYS = {**OWN_MODEL_KEYS, "tok": "tokenize", "pattern": "pattern"}

# Each control's URL parameter. The key is also the widget key and the st.session_state key.
SIDEBAR_PARAMS: tuple[Param, ...] = (
    url_state.choice("weights", RANDOM, WEIGHTS),
    url_state.text("text", DEFAULT_TEXT, MAX_TEXT_CHARS),
    url_state.choice("tok", "word", TOKENIZERS),
    url_state.choice("cell", "elman", CELLS),
    url_state.choice("act", "tanh", ACTIVATIONS),
    url_state.integer("hidden", 8, 1, MAX_HIDDEN),
    url_state.integer("input", 8, 1, MAX_INPUT),
    url_state.integer("layers", 1, 1, MAX_LAYERS),
    url_state.flag("bidir", False),
    url_state.choice("init", "default", INITS),
    url_state.choice("scale_by", "factor", SCALINGS),
    url_state.number("scale", 1.0, 0.0, 100.0),
    url_state.number("fbias", None, -20.0, 20.0),
    url_state.integer("seed", 0, 0, MAX_SEED),
    url_state.choice("pattern", "acceptor", PATTERNS),
    url_state.flag("big", False),
)


@dataclass(frozen=True)
class Settings:
    """What the sidebar asks for: an engine config (plain values), the text and view options."""

    config: dict  # UnrollConfig fields as plain values (hashable once itemised)
    text: str
    large_font: bool = False
    own_model: str | None = None  # the uploaded file's name when "Your own model" is in use
    notes: list[str] = field(default_factory=list)  # why a control was adjusted
    model: str | None = None  # the zoo model's name (also config["model"]) when one is chosen

    @property
    def key(self) -> tuple:
        """A hashable, plain-value key for caches."""
        return (tuple(sorted(self.config.items())), self.text, self.own_model)

    def with_config(self, **changes) -> Settings:
        return Settings(
            {**self.config, **changes}, self.text, self.large_font, self.own_model, [], self.model
        )


def apply_preset_text() -> None:
    """on_change of the preset picker: put the preset sentence into the text box."""
    choice = st.session_state.get("preset")
    if choice in PRESETS:
        st.session_state["text"] = PRESETS[choice]
    st.session_state["preset"] = (
        None  # the box is an action, not a state: it shows the prompt again
    )


def reset_to_defaults(keep: tuple[str, ...] = ()) -> None:
    """Put every sidebar control back to its default (used by lecture steps before a preset)."""
    for param in SIDEBAR_PARAMS:
        if param.key in keep:
            continue
        if param.key == "weights" and st.session_state.get("weights") == OWN:
            continue  # an uploaded model stays in use until it is forgotten or Weights changes
        st.session_state[param.key] = param.default


def request_preset(values: dict) -> None:
    """From a page (after the sidebar is drawn): apply these sidebar values on an immediate rerun
    (a widget's key cannot be set once the widget exists in this run)."""
    st.session_state[PENDING_KEY] = values
    st.rerun()


def render_sidebar(folded: bool = False) -> Settings:
    """Draw the shared controls and return the Settings they describe. folded: inside a closed
    expander (pages with controls of their own); the widgets still exist, so nothing is lost."""
    url_state.seed(SIDEBAR_PARAMS, scope="sidebar")
    pending = st.session_state.pop(PENDING_KEY, None)
    if pending is not None:
        reset_to_defaults(keep=("big",))
        st.session_state.update(pending)
    follow_upload()
    weights = st.session_state["weights"]
    own = st.session_state.get("own_model") if weights == OWN else None
    model = weights if weights in ZOO_MODELS else None
    if own is not None:
        # Show the file's cell and sizes in the (disabled) controls; set before the widgets exist.
        for key, field_name in OWN_MODEL_KEYS.items():
            st.session_state[key] = own["config"][field_name]
    if model is not None:
        implied = zoo_config(model, MAX_TOKENS)
        for key, field_name in ZOO_KEYS.items():
            st.session_state[key] = implied[field_name]
        st.session_state["init"] = "default"
    with st.sidebar:
        st.toggle("Lecture mode: projector-sized type", key="big")
        box = st.expander("Explorer settings (this page has its own)") if folded else st.container()
        with box:
            weights_control(model)
            _sentence_controls(fixed=model is not None)
            _cell_controls(own, model)
            _init_controls(own, model)
            _task_controls(fixed=model is not None)
    return _settings_from_state(own, model)


def _sentence_controls(fixed: bool = False) -> None:
    # Plain Unicode, not $math$: the sidebar is on every page, and KaTeX (its script and fonts)
    # would then load before any page's first chart, even the landing page's.
    st.subheader("Input x₁ … x_T")
    st.selectbox(
        "Preset sentence",
        list(PRESETS),
        index=None,
        placeholder="Pick a preset…",
        key="preset",
        on_change=apply_preset_text,
    )
    st.text_area(
        "Sentence",
        key="text",
        height=80,
        help=f"Any text; split into word or character tokens. At most {MAX_TOKENS:,} tokens.",
    )
    st.radio("Tokenize", TOKENIZERS, key="tok", horizontal=True, disabled=fixed)


def _cell_controls(own: dict | None, model: str | None) -> None:
    st.subheader("Cell R")
    if own is not None:
        st.info(f"Using your model: {own['summary']}. Cell and sizes come from the file.")
    fixed = own is not None or model is not None
    st.selectbox("Cell", CELLS, key="cell", disabled=fixed, format_func=_cell_label)
    st.selectbox(
        "Activation (Elman)",
        ACTIVATIONS,
        key="act",
        disabled=st.session_state["cell"] != "elman" or model is not None,
        help="nn.RNN files do not record their nonlinearity: pick the one it was trained with.",
    )
    st.number_input("Hidden size H", 1, MAX_HIDDEN, step=1, key="hidden", disabled=fixed)
    st.number_input("Input size D", 1, MAX_INPUT, step=1, key="input", disabled=fixed)
    st.number_input("Layers", 1, MAX_LAYERS, step=1, key="layers", disabled=fixed)
    st.checkbox("Bidirectional", key="bidir", disabled=fixed)


def _init_controls(own: dict | None, model: str | None) -> None:
    st.subheader("Initialisation")
    fixed = own is not None or model is not None
    st.selectbox("Init", INITS, key="init", disabled=fixed)
    st.selectbox("Rescale W_hh by", SCALINGS, key="scale_by", disabled=fixed)
    st.number_input("Scale value", 0.0, 100.0, step=0.1, key="scale", disabled=fixed)
    st.number_input(
        "Forget-gate bias (LSTM)",
        -20.0,
        20.0,
        step=0.5,
        key="fbias",
        placeholder="torch default",
        disabled=st.session_state["cell"] != "lstm" or fixed,
    )
    st.number_input("Seed", 0, MAX_SEED, step=1, key="seed")


def _task_controls(fixed: bool = False) -> None:
    st.subheader("Pattern")
    st.selectbox("Pattern", PATTERNS, key="pattern", disabled=fixed)


def _cell_label(cell: str) -> str:
    return {"elman": "Elman (simple RNN)", "lstm": "LSTM", "gru": "GRU"}[cell]


def _settings_from_state(own: dict | None, model: str | None) -> Settings:
    """Turn widget values into a valid engine config, noting each adjustment it needed."""
    s = st.session_state
    notes: list[str] = []
    cell = s["cell"]
    init = s["init"]
    if init == "identity" and cell != "elman":
        notes.append("Init 'identity' (IRNN) is for the Elman cell only; using 'default'.")
        init = "default"
    config = {
        "cell": cell,
        "hidden_size": int(s["hidden"]),
        "input_size": int(s["input"]),
        "num_layers": int(s["layers"]),
        "bidirectional": bool(s["bidir"]),
        "activation": s["act"],
        "init": init,
        "init_scale": 1.0,
        "spectral_radius": None,
        "sigma_max": None,
        "forget_bias": s["fbias"] if cell == "lstm" and s["fbias"] is not None else None,
        "seed": int(s["seed"]),
        "pattern": s["pattern"],
        "tokenize": s["tok"],
        "max_tokens": MAX_TOKENS,
    }
    scale = float(s["scale"]) if s["scale"] is not None else 1.0
    field_name = {"factor": "init_scale", "spectral radius": "spectral_radius"}.get(
        s["scale_by"], "sigma_max"
    )
    config[field_name] = scale
    if own is not None:
        # The file's weights are used as they are: no init, rescaling or bias override.
        config.update(own["config"], init="default", init_scale=1.0, spectral_radius=None)
        config.update(sigma_max=None, forget_bias=None)
    if config["cell"] != "elman":  # the LSTM's and GRU's nonlinearities are fixed
        config["activation"] = "tanh"
    if model is not None:
        # The model's config as the engine implies it; only the seed and token cap are ours.
        config = zoo_config(model, MAX_TOKENS, int(s["seed"]))
        notes = []
    own_name = own["name"] if own else None
    return Settings(config, s["text"], bool(s["big"]), own_name, notes, model)


def publish(settings: Settings) -> None:
    """Make this run's Settings available to the page; URL notices go once a setting changes."""
    previous = st.session_state.get("_settings")
    if previous is not None and previous.key != settings.key:
        url_state.clear_notes()
    st.session_state["_settings"] = settings


def current() -> Settings:
    """The Settings the sidebar produced in this run (pages call this)."""
    return st.session_state["_settings"]
