"""The app's entry point inside the package: `streamlit run <site-packages>/explorer/main.py` runs
the whole explorer (`rnnviz ui` and `rnnviz serve` find this file with importlib, never through a
path relative to a checkout)."""

from explorer.app.shell import main

main()
