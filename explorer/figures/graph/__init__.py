"""Figures of the unrolled graph (mirrors rnnviz.graph): the stepped DAG, a pattern's view, the
build-up animation. `data` flattens a graph into arrays, `traces` styles them, `layout` fixes axes."""

from explorer.figures.graph.animation import unroll_animation_figure
from explorer.figures.graph.figure import graph_figure, pattern_figure

__all__ = ["graph_figure", "pattern_figure", "unroll_animation_figure"]
