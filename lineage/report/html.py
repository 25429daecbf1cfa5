"""The self-contained HTML report: summary, document table, figures and aligned passages.

One file with its CSS, script and images inline (PNG data URIs): it opens from disk or
an e-mail attachment and fetches nothing. The page is rendered from the jinja2 templates
in ``templates/`` with autoescaping on, so every piece of corpus text, id and metadata is
escaped by default; the page's Content-Security-Policy also forbids network access and
lets only the report's own script and style (by their hashes) run, so an article carrying
``<script>`` or an ``onerror=`` attribute shows as text and runs nothing.

This module turns the result tables into plain values (strings, numbers, lists of
``(class, text)`` runs) and the templates lay them out; nothing here aligns or scores.
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
import math
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path

import jinja2
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from lineage.report.heatmap import plot_heatmap
from lineage.report.shown import shown_part
from lineage.report.summary import summary_values
from lineage.report.tables import ResultTables
from lineage.report.tree import derivation_forest, node_label, plot_tree, tree_pages
from lineage.report.values import (
    first_rows,
    is_missing,
    meta_value,
    percent,
    plain_text,
    two_places,
)

logger = logging.getLogger(__name__)

PLAIN, PROSE, QUOTE, DEBRIS = 0, 1, 2, 3
"""Marks of a character, by display priority: debris greys out even a reused passage."""

MARK_CLASSES = {PROSE: "prose", QUOTE: "quote", DEBRIS: "debris"}
KIND_MARKS = {"prose": PROSE, "quote": QUOTE, "mixed": PROSE}
"""Highlight of each passage kind; a mixed passage is prose with its quoted parts marked
from the ``quotes`` table when the analysis has one."""
CONTEXT_CHARS = 80
"""Characters of surrounding text shown on each side of an aligned block."""
TREE_PAGES = 5
"""Pages of a large derivation forest written as PNG files (tree.png, tree-2.png, ...)."""
TEXT_LABEL_CHARS = 80
"""Characters of an id shown above a full text."""

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("lineage.report", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def figure_png(figure: Figure, *, dpi: int = 110) -> bytes:
    """Return ``figure`` rendered as PNG bytes (tight bounding box, white background).

    Examples
    --------
    >>> figure_png(Figure(figsize=(1, 1)))[1:4]
    b'PNG'
    """
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight", facecolor="white")
    return buffer.getvalue()


def write_report(analysis: ResultTables, out_dir: str | Path) -> dict[str, Path]:
    """Write ``heatmap.png``, ``tree.png`` and ``report.html`` into ``out_dir``.

    Parameters
    ----------
    analysis
        A finished analysis (:class:`lineage.Analysis`).
    out_dir
        Output folder, created if missing.

    Returns
    -------
    dict
        ``{"heatmap": path, "tree": path, "report": path}``, and ``"tree-2"`` ... for the
        further pages of a large forest (up to :data:`TREE_PAGES`).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    forest = derivation_forest(analysis)
    pages = min(len(tree_pages(forest)), TREE_PAGES)
    images = {
        "heatmap": figure_png(plot_heatmap(analysis).figure),
        "tree": figure_png(plot_tree(analysis, forest=forest).figure),
        **{
            f"tree-{page}": figure_png(plot_tree(analysis, page=page, forest=forest).figure)
            for page in range(2, pages + 1)
        },
    }
    paths = {}
    for name, data in images.items():
        paths[name] = out / f"{name}.png"
        paths[name].write_bytes(data)
    embedded = {name: images[name] for name in ("heatmap", "tree")}
    paths["report"] = write_html(analysis, out / "report.html", images=embedded)
    return paths


def write_html(
    analysis: ResultTables, path: str | Path, *, images: Mapping[str, bytes] | None = None
) -> Path:
    """Write the self-contained HTML report of ``analysis`` to ``path``.

    Parameters
    ----------
    analysis
        A finished analysis.
    path
        The file to write (UTF-8).
    images
        PNG bytes of ``"heatmap"`` and ``"tree"`` if already rendered; drawn otherwise.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    path = Path(path)
    path.write_text(report_html(analysis, images=images), encoding="utf-8")
    logger.info("report written to %s", path)
    return path


def report_html(analysis: ResultTables, *, images: Mapping[str, bytes] | None = None) -> str:
    """Return the HTML report of ``analysis`` as one string (see :func:`write_html`)."""
    images = dict(images or {})
    if "heatmap" not in images:
        images["heatmap"] = figure_png(plot_heatmap(analysis).figure)
    if "tree" not in images:
        images["tree"] = figure_png(plot_tree(analysis).figure)
    style = _static_text("report.css")
    script = _static_text("report.js")
    policy = "; ".join(
        [
            "default-src 'none'",
            f"style-src '{_csp_hash(style)}'",
            f"script-src '{_csp_hash(script)}'",
            "img-src data:",
            "base-uri 'none'",
            "form-action 'none'",
        ]
    )
    shown, note = shown_part(analysis)  # a large analysis: a readable part, see the tables
    index = _text_anchors(shown)
    marks = _Marks(shown)
    return _ENV.get_template("report.html").render(
        policy=policy,
        style=style,
        script=script,
        title=f"lineage report: {len(analysis.documents)} documents",
        summary=summary_values(analysis),
        note=note,
        table=_documents_table(shown, index=index, sortable=True),
        heatmap=_data_uri(images["heatmap"]),
        tree=_data_uri(images["tree"]),
        edges=_edges(shown, index=index, marks=marks),
        texts=_texts(shown, index=index, marks=marks),
    )


def summary_html(analysis: ResultTables, *, max_rows: int = 30) -> str:
    """Return a compact HTML summary for Jupyter: the findings and the document table.

    No script and no images, so it renders in untrusted notebooks; the full report is
    :func:`write_html`.
    """
    docs = analysis.documents
    shown = analysis
    if len(docs) > max_rows:
        order = docs.sort_values("reuse_fraction", ascending=False, na_position="last")
        shown = replace(analysis, documents=order.head(max_rows))  # type: ignore[type-var]
    return _ENV.get_template("summary.html").render(
        summary=summary_values(analysis),
        table=_documents_table(shown, index=_text_anchors(analysis), sortable=False, link=False),
        max_rows=max_rows if len(docs) > max_rows else None,
        total=len(docs),
    )


def _text_anchors(analysis: ResultTables) -> dict[str, int]:
    """Return the anchor number of every document whose text the report shows."""
    ids = dict.fromkeys(analysis.documents["id"].astype(str))
    return {doc_id: n for n, doc_id in enumerate(ids) if doc_id in analysis.texts}


def _static_text(name: str) -> str:
    """Return a template file's raw text (the CSS and script, hashed for the CSP as is)."""
    source, _, _ = _ENV.loader.get_source(_ENV, name)  # type: ignore[union-attr]
    return source


def _csp_hash(source: str) -> str:
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


# --- documents table --------------------------------------------------------------------

COLUMNS = (
    ("id", "document", "text"),
    ("outlet", "outlet", "text"),
    ("date", "date", "text"),
    ("chars", "chars", "number"),
    ("reuse_fraction", "reuse", "number"),
    ("prose_reuse_fraction", "prose", "number"),
    ("quote_fraction", "quotation", "number"),
    ("original_fraction", "original", "number"),
    ("credited_fraction", "credited", "number"),
    ("parent", "parent", "text"),
    ("parent_confidence", "confidence", "number"),
    ("status", "status", "text"),
    ("problem", "problem", "text"),
)
"""Columns of the documents table: table column, heading, sort type."""


def _documents_table(
    analysis: ResultTables, *, index: Mapping[str, int], sortable: bool, link: bool = True
) -> dict[str, object]:
    """Return the per-document table: headings and, per row, its cells' values."""
    rows = []
    for row in analysis.documents.to_dict(orient="records"):
        doc_id = str(row["id"])
        cells = []
        for key, _, kind in COLUMNS:
            value = (
                meta_value(analysis, doc_id, key) or None
                if key in ("outlet", "date")
                else row.get(key)
            )
            cells.append(_cell(key, kind, value))
        rows.append(
            {
                "status": plain_text(row.get("status")),
                "anchor": index.get(doc_id) if link else None,
                "cells": cells,
            }
        )
    return {"columns": COLUMNS, "rows": rows, "sortable": sortable}


def _cell(key: str, kind: str, value: object) -> dict[str, object]:
    """One cell: what it shows, how it sorts, and its style."""
    if is_missing(value):
        return {"key": key, "shown": "", "sort": "", "css": None}
    if kind == "number":
        number = float(value)  # type: ignore[arg-type]
        if key == "chars":
            shown = f"{int(number):,}"
        else:
            shown = percent(number) if key.endswith("_fraction") else f"{number:.2f}"
        return {"key": key, "shown": shown, "sort": repr(number), "css": "num"}
    text = str(value)
    return {
        "key": key,
        "shown": text,
        "sort": text.lower(),
        "css": "date" if key == "date" else None,
    }


# --- highlighted texts ------------------------------------------------------------------


class _Marks:
    """Passages of the shown analysis indexed once: by pair and by document.

    Each pair's passages are grouped in one pass over the passages table, so an edge
    finds its passages by a dictionary look-up instead of a scan of every passage.
    """

    def __init__(self, analysis: ResultTables) -> None:
        self.analysis = analysis
        passages = analysis.passages.reset_index(drop=True)
        quoted = _quoted_parts(analysis, passages)
        self.by_pair: dict[tuple[str, str], pd.DataFrame] = {}
        self.by_doc: dict[str, list[tuple[int, int, int]]] = {}
        self.quoted = quoted
        if passages.empty:
            return
        a, b = passages["a"].astype(str), passages["b"].astype(str)
        first, second = np.minimum(a, b), np.maximum(a, b)
        for (x, y), rows in passages.groupby([first, second], sort=False):
            self.by_pair[(str(x), str(y))] = rows
        marks = passages["kind"].map(KIND_MARKS).fillna(PROSE).astype(int)
        for side, doc in (("a", a), ("b", b)):
            starts, ends = passages[f"{side}_start"], passages[f"{side}_end"]
            for doc_id, start, end, mark in zip(doc, starts, ends, marks, strict=True):
                self.by_doc.setdefault(doc_id, []).append((int(start), int(end), int(mark)))
        for doc_id, start, end in quoted:
            self.by_doc.setdefault(doc_id, []).append((start, end, QUOTE))

    def pair(self, left: str, right: str) -> pd.DataFrame:
        """Return one pair's passages with ``l_*``/``r_*`` columns, ``left`` on the left."""
        rows = self.by_pair.get((min(left, right), max(left, right)))
        if rows is None:
            return pd.DataFrame(columns=["l_start", "l_end", "r_start", "r_end", "kind"])
        forward = rows["a"].astype(str) == left
        columns = {
            "l_start": np.where(forward, rows["a_start"], rows["b_start"]),
            "l_end": np.where(forward, rows["a_end"], rows["b_end"]),
            "r_start": np.where(forward, rows["b_start"], rows["a_start"]),
            "r_end": np.where(forward, rows["b_end"], rows["a_end"]),
            "kind": rows["kind"].to_numpy(),
            "similarity": rows["similarity"].to_numpy(),
        }
        oriented = pd.DataFrame(columns)
        return oriented.sort_values(["r_start", "l_start"], ignore_index=True)

    def of(self, doc_id: str, spans: Iterable[tuple[int, int, int]] = ()) -> np.ndarray:
        """One mark per character of ``doc_id``: ``spans``, its quoted parts and debris."""
        text = self.analysis.texts.get(doc_id, "")
        debris = [(s.start, s.end, DEBRIS) for s in self.analysis.ignored.get(doc_id, ())]
        return _marks(len(text), [*spans, *debris])


def _quoted_parts(analysis: ResultTables, passages: pd.DataFrame) -> list[tuple[str, int, int]]:
    """``(document, start, end)`` of the quoted parts inside passages (the ``quotes`` table)."""
    quotes = getattr(analysis, "quotes", None)
    if not isinstance(quotes, pd.DataFrame) or quotes.empty or passages.empty:
        return []
    known = quotes[quotes["passage"].isin(passages.index)]
    docs = [
        str(passages.loc[int(n), side])
        for n, side in zip(known["passage"], known["side"], strict=True)
    ]
    return list(zip(docs, known["start"].astype(int), known["end"].astype(int), strict=True))


def _marks(length: int, spans: Iterable[tuple[int, int, int]]) -> np.ndarray:
    """Return one mark per character: the highest-priority span covering it."""
    marks = np.zeros(length, dtype=np.int8)
    for start, end, mark in spans:
        start, end = max(0, start), min(length, end)
        if start < end:
            np.maximum(marks[start:end], mark, out=marks[start:end])
    return marks


def _runs(text: str, marks: np.ndarray, start: int = 0, end: int | None = None) -> list:
    """Return ``text[start:end]`` as ``(class, piece)`` runs of one mark each.

    Examples
    --------
    >>> _runs("abcdef", np.array([0, 1, 1, 2, 0, 3], dtype=np.int8))
    [('', 'a'), ('prose', 'bc'), ('quote', 'd'), ('', 'e'), ('debris', 'f')]
    """
    end = len(text) if end is None else end
    start, end = max(0, start), min(len(text), end)
    if start >= end:
        return []
    window = marks[start:end]
    cuts = np.flatnonzero(np.diff(window)) + 1
    bounds = zip(np.concatenate([[0], cuts]), np.concatenate([cuts, [len(window)]]), strict=True)
    return [(MARK_CLASSES.get(int(window[s]), ""), text[start + s : start + e]) for s, e in bounds]


def _excerpt(text: str, marks: np.ndarray, start: int, end: int) -> dict[str, object]:
    before = max(0, start - CONTEXT_CHARS)
    after = min(len(text), end + CONTEXT_CHARS)
    return {
        "head": before > 0,
        "runs": _runs(text, marks, before, after),
        "tail": after < len(text),
    }


def _blocks(oriented: pd.DataFrame, *, gap: int = CONTEXT_CHARS) -> list[pd.DataFrame]:
    """Group passages that sit next to each other on both sides into one display block."""
    blocks: list[list[int]] = []
    last = None
    for position, row in enumerate(oriented.itertuples(index=False)):
        if last is not None and (
            row.r_start <= last.r_end + gap
            and last.l_start - gap <= row.l_start <= last.l_end + gap
        ):
            blocks[-1].append(position)
        else:
            blocks.append([position])
        last = row
    return [oriented.iloc[rows] for rows in blocks]


def _pair(marks: _Marks, left: str, right: str) -> list[dict[str, object]]:
    """Return one pair's aligned passages side by side (``left`` | ``right``) as blocks."""
    oriented = marks.pair(left, right)
    if oriented.empty:
        return []
    texts = marks.analysis.texts
    left_text, right_text = texts.get(left, ""), texts.get(right, "")
    kinds = oriented["kind"].map(KIND_MARKS).fillna(PROSE).astype(int)
    left_marks = marks.of(left, zip(oriented["l_start"], oriented["l_end"], kinds, strict=True))
    right_marks = marks.of(right, zip(oriented["r_start"], oriented["r_end"], kinds, strict=True))
    blocks = []
    for block in _blocks(oriented):
        l_start, l_end = int(block["l_start"].min()), int(block["l_end"].max())
        r_start, r_end = int(block["r_start"].min()), int(block["r_end"].max())
        chars = (block["r_end"] - block["r_start"]).groupby(block["kind"]).sum()
        blocks.append(
            {
                "left": left,
                "right": right,
                "l_span": f"[{l_start}:{l_end}]",
                "r_span": f"[{r_start}:{r_end}]",
                "caption": ", ".join(f"{kind} {int(n):,} chars" for kind, n in chars.items()),
                "similarity": f"{float(block['similarity'].min()):.2f}",
                "l_excerpt": _excerpt(left_text, left_marks, l_start, l_end),
                "r_excerpt": _excerpt(right_text, right_marks, r_start, r_end),
            }
        )
    return blocks


def _edges(
    analysis: ResultTables, *, index: Mapping[str, int], marks: _Marks
) -> list[dict[str, object]]:
    """One entry per edge: the pair's passages, or a latent source's text and evidence."""
    sources = first_rows(analysis.sources) if len(analysis.sources) else None
    entries = []
    edges = analysis.edges.sort_values(["parent", "rank", "child"], ignore_index=True)
    for edge in edges.itertuples(index=False):
        parent, child = str(edge.parent), str(edge.child)
        entry: dict[str, object] = {
            "parent": parent,
            "child": child,
            "parent_anchor": index.get(parent),
            "child_anchor": index.get(child),
            "role": "secondary parent" if int(edge.rank) != 1 else "parent",
            "confidence": two_places(edge.confidence),
            "evidence": plain_text(edge.evidence),
            "latent": None,
            "blocks": [],
        }
        if sources is not None and parent in sources.index:
            members = [str(m) for m in _members(sources.loc[parent, "members"]) if str(m) != child]
            text = plain_text(sources.loc[parent, "text"])
            entry["latent"] = {
                "text": text,
                "members": members,
                "agency": plain_text(sources.loc[parent].get("agency", "")),
                "shared_by": [*members, child],
                "pairs": [(member, _pair(marks, member, child)) for member in members],
            }
        else:
            entry["blocks"] = _pair(marks, parent, child)
        entries.append(entry)
    return entries


def _members(value: object) -> list[object]:
    """Return a latent source's members from whatever sequence the table holds."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    return list(value)  # type: ignore[call-overload]


def _texts(
    analysis: ResultTables, *, index: Mapping[str, int], marks: _Marks
) -> list[dict[str, object]]:
    """Every shown document's full text with all its reused passages and debris marked."""
    entries = []
    for doc_id, number in index.items():
        text = analysis.texts.get(doc_id)
        if text is None:
            continue
        entries.append(
            {
                "anchor": number,
                "label": node_label(analysis, doc_id, limit=TEXT_LABEL_CHARS),
                "chars": f"{len(text):,}",
                "runs": _runs(text, marks.of(doc_id, marks.by_doc.get(doc_id, []))),
            }
        )
    return entries
