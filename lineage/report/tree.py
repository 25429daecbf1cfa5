"""The derivation forest: who draws on whom, latent sources included, with confidences.

Nodes are the analysed documents (circles) and the latent sources (grey dashed
diamonds: texts inferred from what their members share, not in the corpus). Arrows go
from parent to child, as thick as the edge is sure and labelled with its confidence;
a secondary parent (``rank`` 2) is a dashed arrow. The layout is layered from left to
right: a root in the first column, its children in the next, and so on, each family
kept together; documents with neither parent nor child are listed below the families.

A large forest is drawn in pages (:func:`tree_pages`): the largest families first, as
many as fit a figure of at most :data:`MAX_INCHES` a side at a readable row height, so
every label stays legible and no image grows with the corpus. A family taller than a
page is cut after :data:`PAGE_ROWS` rows, and the title says how many members are not
drawn (``documents.csv`` and ``edges.csv`` list them all).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from lineage.errors import ParameterError
from lineage.report.tables import loaded_ids

if TYPE_CHECKING:
    from lineage.report.tables import ResultTables as Analysis  # the tables, not the class

logger = logging.getLogger(__name__)

COLUMN_INCHES = 2.9
"""Width of one layer (depth) of the forest, label included."""
ROW_INCHES = 0.24
"""Height of one row of a large forest (0.42 for 20 nodes or fewer)."""
MAX_INCHES = 32.0
"""Largest side of a tree figure: under 4,000 pixels at the report's 110 dpi."""
PAGE_ROWS = 110
"""Rows of one band of a page: 110 rows of 0.24 inch (26 inches) with 6-point labels."""
GAP_ROWS = 0.7
"""Space between two families of a band, in rows."""


@dataclass(frozen=True)
class Forest:
    """The primary derivation forest of an analysis, laid out in layers.

    Attributes
    ----------
    graph
        Every node (``kind`` ``"document"`` or ``"latent"``) and every edge
        (``confidence``, ``rank``) of the analysis.
    families
        Roots with at least one child (or a secondary edge), each with its members in
        layout order (root first), largest family first.
    independent
        Documents with neither a parent nor a child.
    positions
        ``node -> (x, row)``: ``x`` in layers (a family's root at its band's left, its
        children one layer right), rows counting down from 0 at the top.
    independent_header
        Where the heading of the independent documents goes (``None`` if there are none).
    primary
        The primary tree: one parent per node, the edges that decide the layout.
    """

    graph: nx.DiGraph
    families: tuple[tuple[str, tuple[str, ...]], ...]
    independent: tuple[str, ...]
    positions: dict[str, tuple[float, float]]
    independent_header: tuple[float, float] | None = None
    primary: nx.DiGraph = field(default_factory=nx.DiGraph)


def derivation_forest(analysis: Analysis, *, bands: int | None = None) -> Forest:
    """Lay the derivation forest out in layers (depth from the roots) and bands.

    Parameters
    ----------
    analysis
        A finished analysis.
    bands
        Side-by-side bands the families are flowed into, like newspaper columns; ``None``
        picks enough to keep a large forest roughly as tall as it is wide.

    Returns
    -------
    Forest
        The graph, its families, the independent documents and node positions.

    Notes
    -----
    O(n + m) for n nodes and m edges. Within a family a node's row is the middle of its
    children's rows, leaves taking consecutive rows in depth-first order, so no two
    primary edges cross. Independent documents follow the families in the same flow.
    """
    ids = loaded_ids(analysis)
    graph = nx.DiGraph()
    graph.add_nodes_from(ids, kind="document")
    for row in analysis.sources.itertuples(index=False):
        graph.add_node(str(row.id), kind="latent", chars=int(row.chars))
    for row in analysis.edges.itertuples(index=False):
        parent, child = str(row.parent), str(row.child)
        if parent not in graph or child not in graph:
            logger.warning("edge %s -> %s names an unknown node; not drawn", parent, child)
            continue
        graph.add_edge(parent, child, confidence=float(row.confidence), rank=int(row.rank))
    tree = _primary_tree(graph)
    roots = [node for node in tree if tree.in_degree(node) == 0]
    linked = {node for edge in graph.edges for node in edge}
    independent = tuple(sorted(node for node in roots if node not in linked))
    families = sorted(
        (
            (root, tuple(nx.dfs_preorder_nodes(tree, root, sort_neighbors=sorted)))
            for root in roots
            if root in linked
        ),
        key=lambda item: (-len(item[1]), item[0]),
    )
    positions, header = _layout(tree, [root for root, _ in families], independent, bands=bands)
    return Forest(graph, tuple(families), independent, positions, header, tree)


def _layout(
    tree: nx.DiGraph,
    roots: Sequence[str],
    independent: Sequence[str],
    *,
    bands: int | None = None,
    band_rows: float | None = None,
) -> tuple[dict[str, tuple[float, float]], tuple[float, float] | None]:
    """Place the families of ``roots`` (in order), then ``independent``, in bands.

    Returns the positions and where the heading of the independent documents goes. With
    ``band_rows`` every band is that many rows and a family taller than that is cut (see
    :func:`_visible`); otherwise ``bands`` (or enough to look square) share the rows.
    """
    blocks: list[dict[str, tuple[float, float]]] = []
    for root in roots:
        local: dict[str, tuple[float, float]] = {}
        _place(tree, root, 0, 0.0, local, _visible(tree, root, band_rows))
        blocks.append(local)
    blocks += [{node: (0.0, 0.0)} for node in independent]
    layers = 1.0 + max((x for block in blocks for x, _ in block.values()), default=0.0)
    heights = [1.0 + max(y for _, y in block.values()) for block in blocks]
    total = sum(heights) + GAP_ROWS * len(roots) + (1.5 if independent else 0.0)
    if bands is None:
        bands = max(1, round(math.sqrt(total * 0.24 / (0.9 * layers * COLUMN_INCHES))))
    limit = band_rows if band_rows else max(max(heights, default=1.0), total / bands)
    positions: dict[str, tuple[float, float]] = {}
    band, row, header = 0, 0.0, None
    for index, (block, height) in enumerate(zip(blocks, heights, strict=True)):
        starts_independent = index == len(roots)
        needed = height + (1.5 if starts_independent else 0.0)
        if row > 0 and row + needed > limit + (0.0 if band_rows else 0.5):
            band, row = band + 1, 0.0
        if starts_independent:
            header = (band * (layers + 0.25), row)
            row += 1.2
        for node, (x, y) in block.items():
            positions[node] = (band * (layers + 0.25) + x, row + y)
        row += height + (GAP_ROWS if index < len(roots) else 0.0)
    return positions, header


def _visible(tree: nx.DiGraph, root: str, max_rows: float | None) -> set[str] | None:
    """Return the members of ``root``'s family drawn within ``max_rows`` rows (``None``: all).

    The kept members are the longest prefix of the family's depth-first order whose
    layout (one row per leaf) fits, so a kept node's parent is always kept.
    """
    order = list(nx.dfs_preorder_nodes(tree, root, sort_neighbors=sorted))
    if max_rows is None or _rows(tree, order) <= max_rows:
        return None
    low, high = 1, len(order)  # the first `low` fit; the first `high` do not
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if _rows(tree, order[:middle]) <= max_rows else (low, middle)
    return set(order[:low])


def _rows(tree: nx.DiGraph, members: Sequence[str]) -> int:
    """Rows the layout of ``members`` (a connected part of one family) takes: its leaves."""
    kept = set(members)
    return sum(1 for node in members if not any(c in kept for c in tree.successors(node)))


def tree_pages(forest: Forest) -> list[tuple[str, ...]]:
    """Split the families of ``forest`` into pages that each fit one readable figure.

    Parameters
    ----------
    forest
        From :func:`derivation_forest`.

    Returns
    -------
    list of tuple of str
        The roots of each page's families, the largest families first. A page holds as
        many bands of :data:`PAGE_ROWS` rows as fit :data:`MAX_INCHES` across; a family
        taller than a band fills one band (it is cut there). At least one page.
    """
    pages: list[list[str]] = [[]]
    band, row, layers = 0, 0.0, 1.0
    for root, members in forest.families:
        height = min(float(_rows(forest.primary, members)), PAGE_ROWS)
        depth = 1.0 + max(forest.positions[m][0] - forest.positions[root][0] for m in members)
        # The flow of _layout with bands of PAGE_ROWS rows: a new band when this one is full.
        next_band, next_row = (
            (band + 1, 0.0) if row > 0 and row + height > PAGE_ROWS else (band, row)
        )
        bands = max(1, int(MAX_INCHES // ((max(layers, depth) + 0.25) * COLUMN_INCHES)))
        if pages[-1] and next_band >= bands:
            pages.append([])
            next_band, next_row, layers = 0, 0.0, depth
        pages[-1].append(root)
        band, row, layers = next_band, next_row + height + GAP_ROWS, max(layers, depth)
    return [tuple(page) for page in pages]


def _primary_tree(graph: nx.DiGraph) -> nx.DiGraph:
    """Return the forest of primary edges: one parent per node, cycles broken.

    A node with several primary parents keeps the surest; a cycle (which a derivation
    should never have) loses its least sure edge, so every node ends up below a root.
    """
    tree = nx.DiGraph()
    tree.add_nodes_from(graph)
    for child in graph:
        parents = [
            (data["confidence"], parent)
            for parent, _, data in graph.in_edges(child, data=True)
            if data["rank"] == 1
        ]
        if parents:
            confidence, parent = max(parents, key=lambda item: (item[0], item[1]))
            tree.add_edge(parent, child, confidence=confidence)
    while True:
        try:
            cycle = nx.find_cycle(tree)
        except nx.NetworkXNoCycle:
            return tree
        weakest = min(cycle, key=lambda edge: (tree.edges[edge]["confidence"], edge))
        logger.warning("derivation cycle through %s; edge %s -> %s not drawn", cycle, *weakest)
        tree.remove_edge(*weakest)


def _place(
    tree: nx.DiGraph,
    node: str,
    depth: int,
    row: float,
    positions: dict[str, tuple[float, float]],
    visible: set[str] | None = None,
) -> float:
    """Place ``node``'s subtree from ``row`` down; return the first free row after it.

    Only the ``visible`` members are placed (all when ``None``).
    """
    children = [c for c in sorted(tree.successors(node)) if visible is None or c in visible]
    if not children:
        positions[node] = (float(depth), row)
        return row + 1.0
    first = row
    for child in children:
        row = _place(tree, child, depth + 1, row, positions, visible)
    rows = [positions[child][1] for child in children]
    positions[node] = (float(depth), (rows[0] + rows[-1]) / 2.0 if rows else first)
    return row


def node_label(analysis: Analysis, node: str, *, limit: int = 26) -> str:
    """Return the label of a node: its id, and outlet and date where the metadata has them.

    Examples
    --------
    >>> from lineage import schema
    >>> from lineage.analysis import Analysis
    >>> tables = [name for name in schema.TABLES if name not in ("clusters", "index_inputs")]
    >>> empty = {name: schema.frame(name, []) for name in tables}
    >>> a = Analysis(**empty, meta={"001": {"outlet": "Reuters", "date": "2025-05-15"}})
    >>> node_label(a, "001")
    '001 · Reuters, 2025-05-15'
    """
    label = node if len(node) <= limit else node[: limit - 1] + "…"
    details = [
        value
        for value in (_meta_text(analysis, node, "outlet"), _meta_text(analysis, node, "date"))
        if value
    ]
    return label + (" · " + ", ".join(details) if details else "")


def _meta_text(analysis: Analysis, node: str, key: str) -> str:
    """Return ``meta[node][key]`` as short text ('' when missing); dates lose their time."""
    value = analysis.meta.get(node, {}).get(key)
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return ""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    text = str(value)
    return text[:10] if key == "date" else text[:28]


def plot_tree(
    analysis: Analysis, ax: Axes | None = None, *, page: int = 1, forest: Forest | None = None
) -> Axes:
    """Draw the derivation forest, or one page of it when it is large.

    Parameters
    ----------
    analysis
        A finished analysis.
    ax
        Axes to draw into; ``None`` makes a new :class:`matplotlib.figure.Figure` sized
        for the page (at most :data:`MAX_INCHES` a side).
    page
        Which page of :func:`tree_pages` to draw (1 is the largest families). A forest
        that fits one figure is drawn whole, independent documents included.
    forest
        :func:`derivation_forest` of ``analysis`` if already computed.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.

    Raises
    ------
    ParameterError
        If ``page`` is not one of the pages.
    """
    forest = forest or derivation_forest(analysis)
    pages = tree_pages(forest)
    if isinstance(page, bool) or not isinstance(page, int) or not 1 <= page <= len(pages):
        raise ParameterError(f"'page' must be a whole number in [1, {len(pages)}] (got {page!r})")
    graph, positions, header = forest.graph, forest.positions, forest.independent_header
    whole = len(pages) == 1 and _fits(positions)
    if not whole:
        positions, header = _layout(forest.primary, pages[page - 1], (), band_rows=PAGE_ROWS)
    nodes = list(positions)
    small = len(nodes) <= 20
    width = max((x for x, _ in positions.values()), default=0.0) + 1.0
    rows = max((y for _, y in positions.values()), default=0.0) + 1.0
    row_inches = 0.42 if small else ROW_INCHES
    if ax is None:
        height = min(rows * row_inches + 1.6, MAX_INCHES)
        fig = Figure(figsize=(min(width * COLUMN_INCHES + 0.4, MAX_INCHES), height))
        ax = fig.add_axes((0.01, 1.1 / height, 0.98, 1.0 - 1.6 / height))
    ax.set_axis_off()
    title = _title(analysis, forest)
    if not whole:
        first = sum(len(earlier) for earlier in pages[: page - 1]) + 1
        members = dict(forest.families)
        hidden = sum(len(members[root]) for root in pages[page - 1]) - len(nodes)
        title += (
            f"\npage {page} of {len(pages)}: families {first}-{first + len(pages[page - 1]) - 1}"
            f" of {len(forest.families)}, largest first"
            + (f"; {hidden} members of the largest not drawn" if hidden else "")
            + "; independent documents not drawn (documents.csv lists every one)"
        )
    ax.set_title(title, fontsize=10, loc="left")
    if not nodes:
        ax.text(0.5, 0.5, "no documents to draw", ha="center", va="center", fontsize=10)
        return ax
    xy = {node: (x, -y) for node, (x, y) in positions.items()}
    font = 8.0 if small else 6.0
    size = 110.0 if small else 45.0
    documents = [n for n in nodes if graph.nodes[n]["kind"] == "document"]
    latent = [n for n in nodes if graph.nodes[n]["kind"] == "latent"]
    with_parent = {child for _, child in graph.edges}
    no_parent = _no_parent_confidence(analysis)
    _draw_edges(ax, graph, xy, node_size=size, font=font)
    for group, face in (
        ([n for n in documents if n in with_parent], "#4c72b0"),
        ([n for n in documents if n not in with_parent], "#ffffff"),
    ):
        if group:
            ax.scatter(
                [xy[n][0] for n in group],
                [xy[n][1] for n in group],
                s=size,
                marker="o",
                facecolors=face,
                edgecolors="#1f3b66",
                linewidths=1.2,
                zorder=3,
            )
    if latent:
        ax.scatter(
            [xy[n][0] for n in latent],
            [xy[n][1] for n in latent],
            s=size * 1.6,
            marker="D",
            facecolors="#d9d9d9",
            edgecolors="#555555",
            linewidths=1.2,
            linestyles="--",
            zorder=3,
        )
    for node in nodes:
        x, y = xy[node]
        if graph.nodes[node]["kind"] == "latent":
            label = f"{node} · not in corpus, {graph.nodes[node]['chars']:,} chars"
        else:
            label = node_label(analysis, node)
            if node in no_parent and node not in with_parent and not graph.out_degree(node):
                label += f" · no parent ({no_parent[node]:.2f})"
        has_children = graph.out_degree(node) > 0
        ax.text(
            x + (-0.03 if has_children else 0.05),
            y + (0.32 if has_children else 0.0),
            label,
            parse_math=False,
            fontsize=font,
            va="bottom" if has_children else "center",
            ha="left",
            zorder=4,
            bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.8}
            if has_children
            else None,
        )
    if header is not None:
        x, y = header
        ax.text(
            x - 0.03,
            -y - 0.2,
            f"independent ({len(forest.independent)}): no parent, no child",
            fontsize=font + 1,
            fontstyle="italic",
            va="center",
            ha="left",
        )
    ax.set_xlim(-0.1, width)
    ax.set_ylim(-rows + 0.4, 0.9)
    ax.legend(
        handles=_legend_handles(),
        loc="upper left",
        bbox_to_anchor=(0.0, 0.0),
        ncol=3 if width >= 2 else 2,
        fontsize=7,
        frameon=False,
    )
    return ax


def _fits(positions: dict[str, tuple[float, float]]) -> bool:
    """Whether a layout fits one figure of at most :data:`MAX_INCHES` a side."""
    width = max((x for x, _ in positions.values()), default=0.0) + 1.0
    rows = max((y for _, y in positions.values()), default=0.0) + 1.0
    return width * COLUMN_INCHES + 0.4 <= MAX_INCHES and rows * ROW_INCHES + 1.6 <= MAX_INCHES


def _no_parent_confidence(analysis: Analysis) -> dict[str, float]:
    """Return how sure the analysis is that a parentless document has no parent."""
    docs = analysis.documents
    rows = docs[docs["parent"].isna() & docs["parent_confidence"].notna()]
    return dict(zip(rows["id"].astype(str), rows["parent_confidence"].astype(float), strict=True))


def _draw_edges(
    ax: Axes,
    graph: nx.DiGraph,
    xy: dict[str, tuple[float, float]],
    *,
    node_size: float,
    font: float,
) -> None:
    """Draw every edge as an arrow whose width follows its confidence, with the value.

    One line collection and one marker set per kind of edge (no patch per arrow: a page
    of a few hundred edges draws in a second), the head a triangle just before the child.
    """
    from matplotlib.collections import LineCollection

    head = 0.06 * math.sqrt(node_size / 45.0)  # stop short of the child's marker, in layers
    for rank, style, color in ((1, "solid", "#1f3b66"), (2, "dashed", "#8c8c8c")):
        edges = [(u, v) for u, v, r in graph.edges(data="rank") if (r == 1) == (rank == 1)]
        edges = [(u, v) for u, v in edges if u in xy and v in xy]
        if not edges:
            continue
        confidence = np.array([graph.edges[e]["confidence"] for e in edges], dtype=float)
        start = np.array([xy[u] for u, _ in edges], dtype=float)
        end = np.array([xy[v] for _, v in edges], dtype=float)
        rightward = end[:, 0] >= start[:, 0]
        end[:, 0] -= np.where(rightward, head, -head)
        ax.add_collection(
            LineCollection(
                np.stack([start, end], axis=1),
                linewidths=0.6 + 2.4 * np.nan_to_num(confidence),
                colors=color,
                linestyles=style,
                zorder=2,
            )
        )
        for marker, chosen in ((">", rightward), ("<", ~rightward)):
            if chosen.any():
                ax.scatter(end[chosen, 0], end[chosen, 1], s=28, marker=marker, c=color, zorder=2.5)
        at = start + 0.7 * (end - start)
        for (x, y), value in zip(at, confidence, strict=True):
            ax.text(
                x,
                y,
                f"{value:.2f}" if rank == 1 else f"{value:.2f} (2nd)",
                fontsize=max(font - 1, 6.0),
                color=color,
                ha="center",
                va="center",
                zorder=3.5,
                bbox={"boxstyle": "square,pad=0.05", "fc": "white", "ec": "none", "alpha": 0.85},
            )


def _legend_handles() -> list[Line2D]:
    common = {"linestyle": "none", "markersize": 7}
    return [
        Line2D(
            [],
            [],
            marker="o",
            mfc="#4c72b0",
            mec="#1f3b66",
            label="document with a parent",
            **common,
        ),
        Line2D(
            [],
            [],
            marker="o",
            mfc="#ffffff",
            mec="#1f3b66",
            label="document without a parent",
            **common,
        ),
        Line2D(
            [],
            [],
            marker="D",
            mfc="#d9d9d9",
            mec="#555555",
            label="latent source (not in corpus)",
            **common,
        ),
        Line2D([], [], color="#1f3b66", lw=2, label="derives from (width, label: confidence)"),
        Line2D([], [], color="#8c8c8c", lw=1.5, ls="--", label="secondary parent"),
    ]


def _title(analysis: Analysis, forest: Forest) -> str:
    kinds = nx.get_node_attributes(forest.graph, "kind")
    documents = sum(1 for k in kinds.values() if k == "document")
    latent = len(kinds) - documents
    skipped = len(analysis.documents) - documents
    families = sum(1 for _, members in forest.families if len(members) > 1)
    parts = [
        f"{documents} documents",
        f"{latent} latent source{'s' if latent != 1 else ''}",
        f"{families} famil{'ies' if families != 1 else 'y'}",
        f"{len(forest.independent)} independent",
    ]
    if skipped:
        parts.append(f"{skipped} skipped (not drawn)")
    return "Derivation forest: " + ", ".join(parts)
