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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import jinja2
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from lineage.report.heatmap import plot_heatmap
from lineage.report.shown import shown_part
from lineage.report.tables import ResultTables, loaded_ids
from lineage.report.tree import derivation_forest, node_label, plot_tree, tree_pages

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
FINDINGS_MAX = 10
"""Families and independent documents named in the summary before 'and N more'."""
FAMILY_STEPS_MAX = 6
"""Parent-child steps named in one family's line before 'and N more'."""
LABEL_CHARS = 40
"""Characters of an id shown in the summary's sentences before it is cut with '…'."""
TEXT_LABEL_CHARS = 80
"""Characters of an id shown above a full text."""
MOSTLY_SHARED = 0.5
"""A document without a parent whose shared share reaches this is not called independent:
the summary lists it apart, as shared text with no inferred parent (e.g. quotations)."""

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
        summary=_summary(analysis),
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
        summary=_summary(analysis),
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


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _fraction(value: object) -> str:
    """Return a share as a whole percentage, ``<1%`` for a small non-zero one.

    Examples
    --------
    >>> _fraction(0.004), _fraction(0.861), _fraction(None)
    ('<1%', '86%', '')
    """
    if _missing(value):
        return ""
    share = float(value)  # type: ignore[arg-type]
    return "<1%" if 0.0 < share < 0.005 else f"{100 * share:.0f}%"


def _number(value: object) -> str:
    return "?" if _missing(value) else f"{float(value):.2f}"  # type: ignore[arg-type]


def _text(value: object) -> str:
    return "" if _missing(value) else str(value)


def _meta(analysis: ResultTables, doc_id: str, key: str) -> str:
    value = analysis.meta.get(doc_id, {}).get(key)
    if _missing(value) or value is pd.NaT:
        return ""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    return str(value)


def _first_rows(documents: pd.DataFrame) -> pd.DataFrame:
    """Index ``documents`` by id, keeping the first row of a repeated id."""
    ids = documents["id"].astype(str)
    return documents.loc[~ids.duplicated().to_numpy()].set_index(ids[~ids.duplicated()])


# --- summary ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Step:
    """One parent-child line of a family: ``child ← parent (confidence; detail)``."""

    child: str
    parent: str
    confidence: str
    detail: str


def _summary(analysis: ResultTables) -> dict[str, object]:
    """Return the header's values: counts, one entry per family, the documents apart."""
    docs = analysis.documents
    forest = derivation_forest(analysis)
    by_id = _first_rows(docs)
    skipped = [str(i) for i in docs.loc[docs["status"] == "skipped", "id"]]
    families = [(root, members) for root, members in forest.families if len(members) > 1]
    latent = len(analysis.sources)
    shares = by_id["reuse_fraction"].astype(float).reindex(list(forest.independent))
    shared = [d for d in forest.independent if shares.get(d, 0.0) >= MOSTLY_SHARED]
    independent = [d for d in forest.independent if d not in set(shared)]
    lead = (
        f"{len(docs)} documents ({len(loaded_ids(analysis))} analysed, {len(skipped)} skipped): "
        f"{len(families)} famil{'ies' if len(families) != 1 else 'y'} of reused text, "
        f"{latent} latent source{'s' if latent != 1 else ''} (texts not in the corpus), "
        + (f"{len(shared)} sharing text without a parent, " if shared else "")
        + f"{len(independent)} independent."
    )
    return {
        "lead": lead,
        "families": [
            _family(analysis, by_id, root, members) for root, members in families[:FINDINGS_MAX]
        ],
        "more_families": max(0, len(families) - FINDINGS_MAX),
        "shared": _unparented(analysis, by_id, shared),
        "more_shared": max(0, len(shared) - FINDINGS_MAX),
        "independent": _unparented(analysis, by_id, independent),
        "more_independent": max(0, len(independent) - FINDINGS_MAX),
        "skipped": [
            (doc_id, _text(by_id.loc[doc_id, "problem"])) for doc_id in skipped[:FINDINGS_MAX]
        ],
        "more_skipped": max(0, len(skipped) - FINDINGS_MAX),
    }


def _family(
    analysis: ResultTables, by_id: pd.DataFrame, root: str, members: Sequence[str]
) -> dict[str, object]:
    """One family: its head (a document or a latent source) and who derives from whom."""
    parents = _primary_parents(analysis)
    sources = _first_rows(analysis.sources) if len(analysis.sources) else None
    steps = []
    for member in members[1:]:
        parent, confidence = parents.get(member, ("", float("nan")))
        if member in by_id.index:
            reuse = by_id.loc[member, "reuse_fraction"]
            detail = f"{_fraction(reuse)} of it reused" if not _missing(reuse) else "not measured"
        else:  # a latent source under another: it has no figures of its own
            detail = "a latent source"
        steps.append(_Step(member, parent, _number(confidence), detail))
    latent = root not in by_id.index
    chars = int(sources.loc[root, "chars"]) if latent and sources is not None else 0
    return {
        "head": root if latent else node_label(analysis, root, limit=LABEL_CHARS),
        "latent": latent,
        "chars": chars,
        "size": len(members),
        "steps": steps[:FAMILY_STEPS_MAX],
        "more": max(0, len(steps) - FAMILY_STEPS_MAX),
    }


def _primary_parents(analysis: ResultTables) -> dict[str, tuple[str, float]]:
    """Return ``child -> (primary parent, confidence)`` from the edges table."""
    parents: dict[str, tuple[str, float]] = {}
    edges = analysis.edges.sort_values(["rank", "confidence"], ascending=[True, False])
    for row in edges.itertuples(index=False):
        if int(row.rank) == 1:
            parents.setdefault(str(row.child), (str(row.parent), float(row.confidence)))
    return parents


def _unparented(
    analysis: ResultTables, by_id: pd.DataFrame, ids: Sequence[str]
) -> list[dict[str, str]]:
    """Documents without a parent, with the shares they hold in common with others."""
    return [
        {
            "label": node_label(analysis, doc_id, limit=LABEL_CHARS),
            "reuse": _fraction(by_id.loc[doc_id, "reuse_fraction"]),
            "quote": _fraction(by_id.loc[doc_id, "quote_fraction"]),
            "prose": _fraction(by_id.loc[doc_id, "prose_reuse_fraction"]),
        }
        for doc_id in ids[:FINDINGS_MAX]
    ]


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
                _meta(analysis, doc_id, key) or None if key in ("outlet", "date") else row.get(key)
            )
            cells.append(_cell(key, kind, value))
        rows.append(
            {
                "status": _text(row.get("status")),
                "anchor": index.get(doc_id) if link else None,
                "cells": cells,
            }
        )
    return {"columns": COLUMNS, "rows": rows, "sortable": sortable}


def _cell(key: str, kind: str, value: object) -> dict[str, object]:
    """One cell: what it shows, how it sorts, and its style."""
    if _missing(value):
        return {"key": key, "shown": "", "sort": "", "css": None}
    if kind == "number":
        number = float(value)  # type: ignore[arg-type]
        if key == "chars":
            shown = f"{int(number):,}"
        else:
            shown = _fraction(number) if key.endswith("_fraction") else f"{number:.2f}"
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
    sources = _first_rows(analysis.sources) if len(analysis.sources) else None
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
            "confidence": _number(edge.confidence),
            "evidence": _text(edge.evidence),
            "latent": None,
            "blocks": [],
        }
        if sources is not None and parent in sources.index:
            members = [str(m) for m in _members(sources.loc[parent, "members"]) if str(m) != child]
            text = _text(sources.loc[parent, "text"])
            entry["latent"] = {
                "text": text,
                "members": members,
                "agency": _text(sources.loc[parent].get("agency", "")),
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
