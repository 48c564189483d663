"""The floor for browser latency: one text input, its value written back. Nothing else runs."""

import streamlit as st

sentence = st.text_input("Sentence", value="the cat sat on the mat")
st.write(f"You typed: {sentence}")
