"""Pure figure functions: tidy DataFrames / networkx graphs in, plotly Figures out.

No streamlit, no torch: a notebook can call them directly, e.g.
`gradient_flow_figure(rnnviz.unroll("John lives in Salt Lake City").gradient_flow)`.
"""

from explorer.figures.compare import compare_figure
from explorer.figures.export import ExportUnavailable, figure_to_bytes, frame_to_bytes
from explorer.figures.gradients import (
    decay_readout,
    decay_slope,
    gradient_flow_figure,
    singular_values_figure,
)
from explorer.figures.graph import graph_figure, pattern_figure, unroll_animation_figure
from explorer.figures.states import (
    gate_heatmaps_figure,
    outputs_heatmap_figure,
    state_heatmap_figure,
)

__all__ = [
    "ExportUnavailable",
    "compare_figure",
    "decay_readout",
    "decay_slope",
    "figure_to_bytes",
    "frame_to_bytes",
    "gate_heatmaps_figure",
    "gradient_flow_figure",
    "graph_figure",
    "outputs_heatmap_figure",
    "pattern_figure",
    "singular_values_figure",
    "state_heatmap_figure",
    "unroll_animation_figure",
]
