"""The sidebar's Weights control (`?weights=`): torch's random initialisation, a trained zoo model
by name (rnnviz.zoo), or the model uploaded in this session (offered only while there is one).

A zoo model's engine config carries its name as config["model"], a plain value, so the pages'
caches key on it like any other setting (explorer.app.data unrolls with model= when it is set).
"""

from __future__ import annotations

import streamlit as st

from explorer.app import url_state
from rnnviz import zoo
from rnnviz.zoo.bridge import model_config

RANDOM = "random"
OWN = "own"
ZOO_MODELS = zoo.names()
WEIGHTS = (RANDOM, *ZOO_MODELS, OWN)


def zoo_config(name: str, max_tokens: int, seed: int = 0) -> dict:
    """The engine config a zoo model implies (its cell, sizes, tokenizer, transducer pattern),
    plus "model": its name, a plain value that tells explorer.app.data to unroll with model=."""
    _, config = model_config(name, {"seed": seed, "max_tokens": max_tokens}, None, False)
    return {**config.to_dict(), "model": name}


def zoo_summary(name: str) -> str:
    """One line on a zoo model for the sidebar and captions (our text: names are ours)."""
    spec = zoo.load(name).spec
    cell = {"elman": "Elman", "lstm": "LSTM", "gru": "GRU"}[spec.cell]
    if spec.kind == "tagger":
        what = "bidirectional tagger (O PER LOC) reading words"
    else:
        what = "character language model (predicts the next character)"
    return f"{name}: a trained {cell} {what}, H={spec.hidden_size}, D={spec.input_size}"


def follow_upload() -> None:
    """A newly uploaded (or Lab-trained) model becomes the one in use; once it is forgotten, the
    pages go back to random weights. Runs before the Weights widget exists."""
    own = st.session_state.get("own_model")
    seen = st.session_state.get("_own_followed")
    if own is not None and own["digest"] != seen:
        st.session_state["_own_followed"] = own["digest"]
        st.session_state["weights"] = OWN
    if st.session_state.get("weights") == OWN and own is None:
        if "weights" in st.query_params and seen is None:
            url_state.note(
                "URL parameter `weights` asks for an uploaded model, but this session has "
                "none; using random weights."
            )
        st.session_state["weights"] = RANDOM
        st.session_state.pop("_own_followed", None)


def weights_control(model: str | None) -> None:
    """The Weights selectbox (the uploaded model among the options only while there is one)."""
    options = [RANDOM, *ZOO_MODELS] + ([OWN] if st.session_state.get("own_model") else [])
    st.subheader("Weights")
    st.selectbox(
        "Weights",
        options,
        key="weights",
        format_func=_weights_label,
        label_visibility="collapsed",
        help="Random initialisation (set below), a small model trained in this repository "
        "(docs/zoo.md), or the model you uploaded on 'Your own model'.",
    )
    if model is not None:
        st.info(f"Using {zoo_summary(model)}. Cell, sizes and tokenizer come from the model.")


def _weights_label(value: str) -> str:
    if value == RANDOM:
        return "random initialisation"
    if value == OWN:
        return "your uploaded model"
    return f"trained: {value}"
