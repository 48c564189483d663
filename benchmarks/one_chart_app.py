"""The floor for a first page: one small Plotly chart and nothing else (benchmarks/cold_start.py)."""

import plotly.graph_objects as go
import streamlit as st

st.title("One chart")
st.plotly_chart(go.Figure(go.Scatter(x=[1, 2, 3, 4], y=[3, 1, 4, 1])), key="chart")
