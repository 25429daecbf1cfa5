"""The directional reuse heatmap: how much of each document (row) it shares with another (column).

A cell is the share of the row document's characters covered by passages it has with the
column document (the union of the passages' spans on the row's side, so overlapping
passages count once). It is read straight off the passages table: nothing is aligned or
scored here. Prose and quotation are drawn as two panels with the same row and column
order, so that wire copy (prose) and shared public quotations stand apart.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import Colormap
from matplotlib.figure import Figure

from lineage.errors import check_positive_int
from lineage.intervals import covered_per_group
from lineage.report.tables import loaded_ids

if TYPE_CHECKING:
    from lineage.report.tables import ResultTables as Analysis  # the tables, not the class

logger = logging.getLogger(__name__)

KINDS = ("prose", "quote")
"""Passage kinds, in panel order."""

PANEL_TITLES = {"prose": "reused prose", "quote": "shared quotations"}
PANEL_COLORMAPS = {"prose": "Blues", "quote": "Oranges"}
"""Blue for prose and orange for quotations, as in the HTML report's highlights."""

ANNOTATE_MAX = 15
"""Cells carry their value as a number up to this many documents."""
MAX_PANEL_INCHES = 14.0
"""Largest side of one panel: two panels, labels and colour bars stay under 4,000 pixels
at the report's 110 dpi whatever ``max_documents`` is."""


def reuse_shares(
    analysis: Analysis, *, kind: str | None = None, ids: Sequence[str] | None = None
) -> pd.DataFrame:
    """Return the directional reuse of every document pair that shares a passage.

    Parameters
    ----------
    analysis
        A finished analysis.
    kind
        ``"quote"`` for the quoted parts of passages only (the ``quotes`` table),
        ``"prose"`` for passages outside their quoted parts; ``None`` for both.
    ids
        Only pairs of these documents; ``None`` for every analysed document.

    Returns
    -------
    pandas.DataFrame
        Columns ``reuser, source, share``: one row per ordered pair of analysed documents
        with a passage, ``share`` the part of the reuser's characters inside passages it
        shares with ``source``. Pairs without a passage are absent (the table is sparse).

    Notes
    -----
    Costs O(P log P) for P passages: the union of each cell's spans is measured by
    :func:`lineage.intervals.covered_per_group`.
    Nothing grows with the square of the corpus.
    """
    if kind is not None and kind not in KINDS:
        raise ValueError(f"'kind' must be one of {KINDS} or None (got {kind!r})")
    empty = pd.DataFrame({"reuser": pd.Series(dtype=object), "source": pd.Series(dtype=object)})
    empty["share"] = pd.Series(dtype=float)
    known = set(loaded_ids(analysis) if ids is None else map(str, ids))
    covered = _covered_cells(_passage_sides(analysis), known)
    if kind is not None and not covered.empty:
        # Quoted parts lie inside their passage, so a cell's prose is its passages' chars
        # less its quoted chars.
        quoted = _covered_cells(_quote_sides(analysis), known)
        quoted = quoted.reindex(covered.index, fill_value=0)
        covered = quoted if kind == "quote" else covered - quoted
        covered = covered[covered > 0]
    if covered.empty:
        return empty
    chars = _document_chars(analysis)
    rows = covered.index.get_level_values(0)
    lengths = np.array([chars[row] for row in rows], dtype=float)
    shares = np.divide(
        covered.to_numpy(dtype=float), lengths, out=np.zeros(len(lengths)), where=lengths > 0
    )
    return pd.DataFrame(
        {
            "reuser": np.asarray(rows, dtype=object),
            "source": np.asarray(covered.index.get_level_values(1), dtype=object),
            "share": np.minimum(shares, 1.0),
        }
    )


def _passage_sides(analysis: Analysis) -> pd.DataFrame:
    """Both sides of every passage as ``row, col, start, end`` (``row`` the document)."""
    passages = analysis.passages
    columns = (("a", "b", "a_start", "a_end"), ("b", "a", "b_start", "b_end"))
    return pd.concat(
        [
            pd.DataFrame(
                {
                    "row": passages[row].astype(str).to_numpy(),
                    "col": passages[col].astype(str).to_numpy(),
                    "start": passages[start].to_numpy(np.int64),
                    "end": passages[end].to_numpy(np.int64),
                }
            )
            for row, col, start, end in columns
        ],
        ignore_index=True,
    )


def _quote_sides(analysis: Analysis) -> pd.DataFrame:
    """Every quoted part's side as ``row, col, start, end`` (``row`` the document)."""
    quotes = analysis.quotes
    rows = analysis.passages.iloc[quotes["passage"].to_numpy()]
    on_a = (quotes["side"] == "a").to_numpy()
    a, b = rows["a"].astype(str).to_numpy(), rows["b"].astype(str).to_numpy()
    return pd.DataFrame(
        {
            "row": np.where(on_a, a, b),
            "col": np.where(on_a, b, a),
            "start": quotes["start"].to_numpy(np.int64),
            "end": quotes["end"].to_numpy(np.int64),
        }
    )


def _covered_cells(sides: pd.DataFrame, known: set[str]) -> pd.Series:
    """Characters covered in each ``(row, col)`` cell, its spans counted once."""
    sides = sides[sides["row"].isin(known) & sides["col"].isin(known)]
    if sides.empty:
        return pd.Series(dtype=np.int64)
    cells, keys = pd.factorize(pd.MultiIndex.from_arrays([sides["row"], sides["col"]]))
    labels, chars_in = covered_per_group(cells, sides["start"], sides["end"])
    return pd.Series(chars_in, index=keys[labels]).sort_index()


def reuse_matrix(
    analysis: Analysis, *, kind: str | None = None, ids: Sequence[str] | None = None
) -> pd.DataFrame:
    """Return the directional reuse among ``ids`` as a square table.

    Parameters
    ----------
    analysis
        A finished analysis.
    kind
        ``"prose"`` or ``"quote"`` for passages of that kind only; ``None`` for both.
    ids
        The documents of the table, in its order; ``None`` for every analysed document
        (only sensible for a small corpus: the table has ``len(ids) ** 2`` cells).

    Returns
    -------
    pandas.DataFrame
        Indexed by the reusing document (rows) and the other document (columns): the
        share of the row document's characters inside passages it shares with the column
        document (see :func:`reuse_shares`). The diagonal is NaN.
    """
    ids = loaded_ids(analysis) if ids is None else [str(i) for i in ids]
    return _square(reuse_shares(analysis, kind=kind, ids=ids), ids)


def _square(shares: pd.DataFrame, ids: Sequence[str]) -> pd.DataFrame:
    """Spread the sparse ``shares`` over the square of ``ids`` (zero where absent)."""
    values = np.zeros((len(ids), len(ids)))
    np.fill_diagonal(values, np.nan)
    position = {doc_id: n for n, doc_id in enumerate(ids)}
    rows = shares["reuser"].map(position)
    cols = shares["source"].map(position)
    inside = rows.notna() & cols.notna()
    values[rows[inside].astype(int), cols[inside].astype(int)] = shares.loc[inside, "share"]
    return pd.DataFrame(values, index=pd.Index(ids, name="reuser"), columns=pd.Index(ids))


def _document_chars(analysis: Analysis) -> dict[str, int]:
    """Return every analysed document's length, from the table or else from its text."""
    chars = {}
    for doc_id, length in zip(
        analysis.documents["id"].astype(str), analysis.documents["chars"], strict=True
    ):
        length = int(length) if pd.notna(length) else 0
        chars[doc_id] = length or len(analysis.texts.get(doc_id, ""))
    return chars


def cluster_order(similarity: np.ndarray) -> np.ndarray:
    """Order documents so that those that share text sit together.

    Parameters
    ----------
    similarity
        Square symmetric matrix in [0, 1] (NaN on the diagonal is allowed), over the few
        hundred documents drawn at most.

    Returns
    -------
    numpy.ndarray
        Row positions: the leaves of an average-linkage clustering on ``1 - similarity``
        with optimal leaf ordering.

    Examples
    --------
    >>> s = np.array([[1, 0, 0.9], [0, 1, 0], [0.9, 0, 1]])
    >>> order = cluster_order(s).tolist()
    >>> sorted(order), abs(order.index(0) - order.index(2))
    ([0, 1, 2], 1)
    """
    n = len(similarity)
    if n < 3:
        return np.arange(n)
    from scipy.cluster.hierarchy import leaves_list, linkage
    from scipy.spatial.distance import squareform

    distance = 1.0 - np.nan_to_num(similarity, nan=1.0)
    distance = np.clip((distance + distance.T) / 2.0, 0.0, 1.0)
    np.fill_diagonal(distance, 0.0)
    tree = linkage(squareform(distance, checks=False), method="average", optimal_ordering=True)
    return leaves_list(tree)


def choose_documents(
    shares: pd.DataFrame, ids: Sequence[str], *, max_documents: int
) -> tuple[list[str], str]:
    """Pick the documents to draw, the most reused first, and order them among themselves.

    Parameters
    ----------
    shares
        :func:`reuse_shares` over both kinds (sparse: one row per pair with a passage).
    ids
        Every analysed document.
    max_documents
        Most documents to draw.

    Returns
    -------
    ids, note
        Document ids in drawing order, and a note for the title saying what was left out
        (empty when nothing was).

    Notes
    -----
    A document's weight is the sum of its shares with every other document, both ways;
    the ``max_documents`` heaviest (ties by id) are kept, and only they are clustered
    (a ``max_documents`` square), so the cost is O(P + k log k + max_documents ** 2).
    """
    ids = [str(i) for i in ids]
    if len(ids) > max_documents:
        weight = pd.concat(
            [
                shares.groupby("reuser")["share"].sum(),
                shares.groupby("source")["share"].sum(),
            ]
        )
        weight = weight.groupby(level=0).sum().reindex(ids, fill_value=0.0)
        ranked = sorted(ids, key=lambda doc_id: (-weight[doc_id], doc_id))
        chosen = ranked[:max_documents]
        note = f"the {len(chosen)} most reused of {len(ids)} documents"
    else:
        chosen, note = ids, ""
    square = _square(shares, chosen).to_numpy(dtype=float)
    similarity = np.fmax(np.nan_to_num(square), np.nan_to_num(square).T)
    return [chosen[i] for i in cluster_order(similarity)], note


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
        Most documents to draw (a few hundred at most stay legible); beyond it the most
        reused are drawn, ordered among themselves, and the title says how many of how
        many (see :func:`choose_documents`).

    Returns
    -------
    matplotlib.axes.Axes
        The axes holding both panels (``ax.child_axes`` are the panels and colour bars).
    """
    check_positive_int("max_documents", max_documents)
    ids, note = choose_documents(
        reuse_shares(analysis), loaded_ids(analysis), max_documents=max_documents
    )
    n = len(ids)
    if ax is None:
        cell = float(np.clip(6.0 / max(n, 1), 0.17, 0.75))
        cell = min(cell, MAX_PANEL_INCHES / max(n, 1))
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
        values = reuse_matrix(analysis, kind=kind, ids=ids).to_numpy(dtype=float)
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
