"""rnnviz explorer: `streamlit run streamlit_app.py`. Page setup and navigation only; the pages
live in explorer/pages, the shared sidebar and URL state in explorer/app."""

from explorer.app.shell import main

main()
