"""Checkout shim: `streamlit run streamlit_app.py` runs the packaged entry point explorer/main.py."""

import runpy

runpy.run_module("explorer.main", run_name="__main__")  # afresh on every rerun, as Streamlit does
