"""The directional reuse heatmap: how much of each document (row) it shares with another (column).

A cell is the share of the row document's characters covered by passages it has with the
column document (the union of the passages' spans on the row's side, so overlapping
passages count once). It is read straight off the passages table: nothing is aligned or
scored here. Prose and quotation are drawn as two panels with the same row and column
order, so that wire copy (prose) and shared public quotations stand apart.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import Colormap
from matplotlib.figure import Figure

from lineage.errors import check_positive_int

if TYPE_CHECKING:
    from lineage.analysis import Analysis

logger = logging.getLogger(__name__)

KINDS = ("prose", "quote")
"""Passage kinds, in panel order."""

PANEL_TITLES = {"prose": "reused prose", "quote": "shared quotations"}
PANEL_COLORMAPS = {"prose": "Blues", "quote": "Oranges"}
"""Blue for prose and orange for quotations, as in the HTML report's highlights."""

ANNOTATE_MAX = 15
"""Cells carry their value as a number up to this many documents."""


def loaded_ids(analysis: Analysis) -> list[str]:
    """Return the ids of the documents that were analysed (status other than ``skipped``)."""
    docs = analysis.documents
    return [str(i) for i in docs.loc[docs["status"] != "skipped", "id"]]


def reuse_matrix(analysis: Analysis, *, kind: str | None = None) -> pd.DataFrame:
    """Return the directional reuse of every analysed document pair.

    Parameters
    ----------
    analysis
        A finished analysis.
    kind
        ``"prose"`` or ``"quote"`` for passages of that kind only; ``None`` for both.

    Returns
    -------
    pandas.DataFrame
        Square, indexed by the reusing document (rows) and the other document (columns):
        the share of the row document's characters inside passages it shares with the
        column document. The diagonal is NaN.

    Notes
    -----
    Costs O(P log P) for P passages: spans are sorted and their union measured with a
    running maximum of the ends.
    """
    if kind is not None and kind not in KINDS:
        raise ValueError(f"'kind' must be one of {KINDS} or None (got {kind!r})")
    ids = loaded_ids(analysis)
    values = np.zeros((len(ids), len(ids)))
    np.fill_diagonal(values, np.nan)
    index = pd.Index(ids, name="reuser")
    passages = analysis.passages
    if kind is not None:
        passages = passages[passages["kind"] == kind]
    if passages.empty or not ids:
        return pd.DataFrame(values, index=index, columns=pd.Index(ids))
    sides = pd.concat(
        [
            pd.DataFrame(
                {
                    "row": passages["a"].astype(str).to_numpy(),
                    "col": passages["b"].astype(str).to_numpy(),
                    "start": passages["a_start"].to_numpy(np.int64),
                    "end": passages["a_end"].to_numpy(np.int64),
                }
            ),
            pd.DataFrame(
                {
                    "row": passages["b"].astype(str).to_numpy(),
                    "col": passages["a"].astype(str).to_numpy(),
                    "start": passages["b_start"].to_numpy(np.int64),
                    "end": passages["b_end"].to_numpy(np.int64),
                }
            ),
        ],
        ignore_index=True,
    )
    known = set(ids)
    sides = sides[sides["row"].isin(known) & sides["col"].isin(known)]
    sides = sides.sort_values(["row", "col", "start", "end"], ignore_index=True)
    groups = sides.groupby(["row", "col"], sort=False)
    reach = groups["end"].cummax()
    previous_reach = reach.groupby([sides["row"], sides["col"]], sort=False).shift(1)
    previous_reach = previous_reach.fillna(-1).astype(np.int64)
    new_chars = (sides["end"] - np.maximum(sides["start"], previous_reach)).clip(lower=0)
    covered = new_chars.groupby([sides["row"], sides["col"]], sort=False).sum()
    chars = _document_chars(analysis)
    rows = covered.index.get_level_values(0)
    lengths = np.array([chars[row] for row in rows], dtype=float)
    shares = np.divide(
        covered.to_numpy(dtype=float), lengths, out=np.zeros(len(lengths)), where=lengths > 0
    )
    position = {doc_id: n for n, doc_id in enumerate(ids)}
    values[
        [position[row] for row in rows],
        [position[col] for col in covered.index.get_level_values(1)],
    ] = np.minimum(shares, 1.0)
    return pd.DataFrame(values, index=index, columns=pd.Index(ids))


def _document_chars(analysis: Analysis) -> dict[str, int]:
    """Return every analysed document's length, from the table or else from its text."""
    chars = {}
    for row in analysis.documents.itertuples(index=False):
        doc_id = str(row.id)
        length = row.chars if pd.notna(row.chars) else 0
        chars[doc_id] = int(length) or len(analysis.texts.get(doc_id, ""))
    return chars


def cluster_order(similarity: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Order documents so that those that share text sit together.

    Parameters
    ----------
    similarity
        Square symmetric matrix in [0, 1] (NaN on the diagonal is allowed).

    Returns
    -------
    order, labels
        ``order`` lists row positions, leaves of an average-linkage clustering on
        ``1 - similarity`` with optimal leaf ordering; ``labels[i]`` is the flat cluster
        of row ``i`` (documents joined at an average similarity of at least 0.1).

    Examples
    --------
    >>> s = np.array([[1, 0, 0.9], [0, 1, 0], [0.9, 0, 1]])
    >>> order, labels = cluster_order(s)
    >>> sorted(order.tolist()), bool(labels[0] == labels[2] != labels[1])
    ([0, 1, 2], True)
    """
    n = len(similarity)
    if n < 3:
        return np.arange(n), np.arange(n)
    from scipy.cluster.hierarchy import fcluster, leaves_list, linkage
    from scipy.spatial.distance import squareform

    distance = 1.0 - np.nan_to_num(similarity, nan=1.0)
    distance = np.clip((distance + distance.T) / 2.0, 0.0, 1.0)
    np.fill_diagonal(distance, 0.0)
    tree = linkage(squareform(distance, checks=False), method="average", optimal_ordering=True)
    return leaves_list(tree), fcluster(tree, t=0.9, criterion="distance")


def choose_documents(total: pd.DataFrame, *, max_documents: int) -> tuple[list[str], str]:
    """Pick the documents to draw: all of them, or the largest clusters when too many.

    Parameters
    ----------
    total
        :func:`reuse_matrix` over both kinds.
    max_documents
        Most documents to draw.

    Returns
    -------
    ids, note
        Document ids in drawing order, and a note for the title saying what was left out
        (empty when nothing was).
    """
    ids = list(total.index)
    values = total.to_numpy(dtype=float)
    similarity = np.fmax(np.nan_to_num(values), np.nan_to_num(values).T)
    order, labels = cluster_order(similarity)
    if len(ids) <= max_documents:
        return [ids[i] for i in order], ""
    sizes = pd.Series(labels).value_counts()
    weight = pd.Series(similarity.sum(axis=1)).groupby(labels).sum()
    ranked = sorted(sizes.index, key=lambda c: (-sizes[c], -weight[c], c))
    chosen: set[int] = set()
    clusters = 0
    for cluster in ranked:
        members = np.flatnonzero(labels == cluster)
        if sizes[cluster] < 2 or len(chosen) + len(members) > max_documents:
            break
        chosen.update(members.tolist())
        clusters += 1
    if not chosen:
        strongest = np.argsort(-similarity.sum(axis=1), kind="stable")[:max_documents]
        chosen = set(strongest.tolist())
        note = f"the {len(chosen)} most reused of {len(ids)} documents"
    else:
        note = f"top {clusters} clusters: {len(chosen)} of {len(ids)} documents"
    return [ids[i] for i in order if i in chosen], note


def _short(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def plot_heatmap(analysis: Analysis, ax: Axes | None = None, *, max_documents: int = 60) -> Axes:
    """Draw the directional reuse heatmap, prose and quotation side by side.

    Parameters
    ----------
    analysis
        A finished analysis.
    ax
        Axes to draw into; it is split into the two panels and their colour bars. ``None``
        makes a new :class:`matplotlib.figure.Figure` sized for the number of documents.
    max_documents
        Most documents to draw; beyond it the largest clusters of documents that share
        text are drawn, and the title says how many were left out.

    Returns
    -------
    matplotlib.axes.Axes
        The axes holding both panels (``ax.child_axes`` are the panels and colour bars).
    """
    check_positive_int("max_documents", max_documents)
    matrices = {kind: reuse_matrix(analysis, kind=kind) for kind in KINDS}
    total = reuse_matrix(analysis)
    ids, note = choose_documents(total, max_documents=max_documents)
    n = len(ids)
    if ax is None:
        cell = float(np.clip(6.0 / max(n, 1), 0.17, 0.75))
        label_inches = 0.075 * min(24, max((len(i) for i in ids), default=4))
        panel = max(n * cell, 1.6)
        fig = Figure(figsize=(2 * panel + 1.6 + label_inches, panel + 1.2 + label_inches))
        ax = fig.add_axes(
            (
                (label_inches + 0.2) / (2 * panel + 1.6 + label_inches),
                (label_inches + 0.2) / (panel + 1.2 + label_inches),
                (2 * panel + 1.2) / (2 * panel + 1.6 + label_inches),
                panel / (panel + 1.2 + label_inches),
            )
        )
    ax.set_axis_off()
    cell_points = 72.0 * ax.get_position().height * ax.figure.get_figheight() / max(n, 1)
    font = float(np.clip(0.5 * cell_points, 4.5, 9.0))
    title = "Directional reuse: share of the row document found in the column document"
    ax.set_title(title + (f"\n({note})" if note else ""), fontsize=10, pad=22)
    if n == 0:
        ax.text(0.5, 0.5, "no documents to draw", ha="center", va="center", fontsize=10)
        return ax
    step = max(1, int(np.ceil(n / 80)))
    labels = [_short(i, 24) for i in ids]
    placements = {"prose": (0.0, 0.455), "quote": (0.5, 0.955)}
    for kind in KINDS:
        values = matrices[kind].loc[ids, ids].to_numpy(dtype=float)
        left, bar_left = placements[kind]
        panel = ax.inset_axes((left, 0.0, 0.44, 1.0))
        cmap = _colormap(PANEL_COLORMAPS[kind])
        image = panel.imshow(
            np.ma.masked_invalid(values), cmap=cmap, vmin=0.0, vmax=1.0, interpolation="none"
        )
        panel.set_title(PANEL_TITLES[kind], fontsize=10)
        panel.set_xticks(
            range(0, n, step), labels[::step], rotation=90, fontsize=font, parse_math=False
        )
        panel.set_yticks(
            range(0, n, step), labels[::step] if kind == "prose" else [], parse_math=False
        )
        panel.tick_params(axis="y", labelsize=font, length=2 if kind == "prose" else 0)
        panel.tick_params(axis="x", length=2)
        panel.set_xlabel("source (column)", fontsize=8)
        if kind == "prose":
            panel.set_ylabel("reusing document (row)", fontsize=8)
        if n <= ANNOTATE_MAX:
            _annotate(panel, values, fontsize=float(np.clip(60.0 / n, 6.0, 10.0)))
        bar = ax.inset_axes((bar_left, 0.0, 0.015, 1.0))
        colorbar = ax.figure.colorbar(image, cax=bar)
        colorbar.ax.tick_params(labelsize=7)
        colorbar.set_label("share of row document", fontsize=7)
    logger.debug("heatmap of %d documents drawn", n)
    return ax


def _colormap(name: str) -> Colormap:
    import matplotlib

    return matplotlib.colormaps[name].with_extremes(bad="#e6e6e6")


def _annotate(panel: Axes, values: np.ndarray, *, fontsize: float) -> None:
    """Write every non-empty cell's value as a percentage."""
    for row, col in zip(*np.nonzero(np.nan_to_num(values) > 0.0), strict=True):
        value = values[row, col]
        panel.text(
            col,
            row,
            f"{100 * value:.0f}" if value >= 0.01 else "<1",
            ha="center",
            va="center",
            fontsize=fontsize,
            color="white" if value > 0.55 else "black",
        )
