"""Your own model: upload a torch nn.RNN / nn.LSTM / nn.GRU state_dict; every page then uses it."""

from __future__ import annotations

import streamlit as st

import rnnviz
from explorer.app import guidance, messages
from explorer.app.upload import MAX_UPLOAD_MB, read_model

OWN_KEY = "own_model"


def render() -> None:
    st.title("Your own model")
    guidance.show("model", expanded=True, label="How to save and upload a model")
    upload = st.file_uploader(
        "State dict of a torch nn.RNN, nn.LSTM or nn.GRU (.pt or .pth)",
        type=["pt", "pth"],
        key="upload",
        max_upload_size=MAX_UPLOAD_MB,
    )
    if upload is not None:
        accept(upload.getvalue(), upload.name, upload.file_id)
    own = st.session_state.get(OWN_KEY)
    if own is None:
        st.caption("No model uploaded: the pages use random weights set in the sidebar.")
        return
    if st.session_state.get("weights") == "own":
        st.success(f"In use: {own['summary']}", icon=":material/check_circle:")
    else:  # the sidebar's Weights control chose random or a trained model instead
        st.info(
            f"Uploaded, not in use: {own['summary']}. Choose 'your uploaded model' under Weights "
            "in the sidebar to use it again.",
            icon=":material/info:",
        )
    st.text(f"File: {own['name']}")
    st.button("Forget my model (back to random weights)", on_click=forget, key="forget")


def accept(data: bytes, name: str, file_id: str) -> None:
    """Read an upload once; on success make it the session's model (and rerun so the sidebar
    shows it), on failure show why and keep whatever was in use before."""
    if st.session_state.get("_upload_seen") != file_id:
        st.session_state["_upload_seen"] = file_id
        st.session_state.pop("_upload_error", None)
        try:
            record = read_model(data, name)
        except rnnviz.RnnvizError as exc:
            st.session_state["_upload_error"] = str(exc)
        else:
            st.session_state[OWN_KEY] = record
            st.session_state.pop("_own_cache", None)
            st.rerun()
    if "_upload_error" in st.session_state:
        messages.error(f"This file cannot be used: {st.session_state['_upload_error']}")
        if st.session_state.get(OWN_KEY) is not None:
            st.caption("The model uploaded before is still in use.")


def forget() -> None:
    for key in (OWN_KEY, "_own_cache", "_upload_seen", "_upload_error"):
        st.session_state.pop(key, None)
