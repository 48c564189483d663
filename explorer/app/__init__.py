"""The explorer's Streamlit glue: controls, URL state, caching, messages, exports, lecture mode."""
