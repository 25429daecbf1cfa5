"""Figures and the HTML report of an analysis, drawn from its result tables.

Nothing here aligns, scores or infers: every number shown is read from the result tables
(:class:`lineage.report.tables.ResultTables`, which :class:`lineage.Analysis` satisfies;
coverage shares are unions of the passages' spans, :mod:`lineage.intervals`). Nothing in
this package imports the analysis or a stage.
"""

from lineage.report.heatmap import plot_heatmap, reuse_matrix
from lineage.report.html import figure_png, summary_html, write_html, write_report
from lineage.report.tree import derivation_forest, plot_tree

__all__ = [
    "derivation_forest",
    "figure_png",
    "plot_heatmap",
    "plot_tree",
    "reuse_matrix",
    "summary_html",
    "write_html",
    "write_report",
]
