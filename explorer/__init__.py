"""rnnviz explorer: the Streamlit app's figures (explorer.figures, pure Plotly) and pages."""
