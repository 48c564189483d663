"""The explorer's pages; each module has `render()` (what st.navigation runs)."""
