"""The self-contained HTML report: summary, document table, figures and aligned passages.

One file with its CSS, script and images inline (PNG data URIs): it opens from disk or
an e-mail attachment and fetches nothing. Every piece of corpus text, id and metadata
is escaped with :func:`html.escape`; the page's Content-Security-Policy also forbids
network access and lets only the report's own script (by its hash) run, so an article
carrying ``<script>`` or an ``onerror=`` attribute shows as text and runs nothing.
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from importlib.resources import files
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from lineage.report.heatmap import loaded_ids, plot_heatmap
from lineage.report.shown import shown_part
from lineage.report.tree import derivation_forest, node_label, plot_tree, tree_pages

if TYPE_CHECKING:
    from lineage.analysis import Analysis

logger = logging.getLogger(__name__)

PLAIN, PROSE, QUOTE, DEBRIS = 0, 1, 2, 3
"""Marks of a character, by display priority: debris greys out even a reused passage."""

MARK_CLASSES = {PROSE: "prose", QUOTE: "quote"}
CONTEXT_CHARS = 80
"""Characters of surrounding text shown on each side of an aligned block."""
DEBRIS_TITLE = "scraping debris, left out of the figures"
TREE_PAGES = 5
"""Pages of a large derivation forest written as PNG files (tree.png, tree-2.png, ...)."""
FINDINGS_MAX = 10
"""Families and independent documents named in the summary before 'and N more'."""


def figure_png(figure: Figure, *, dpi: int = 110) -> bytes:
    """Return ``figure`` rendered as PNG bytes (tight bounding box, white background)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight", facecolor="white")
    return buffer.getvalue()


def write_report(analysis: Analysis, out_dir: str | Path) -> dict[str, Path]:
    """Write ``heatmap.png``, ``tree.png`` and ``report.html`` into ``out_dir``.

    Parameters
    ----------
    analysis
        A finished analysis.
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
    analysis: Analysis, path: str | Path, *, images: Mapping[str, bytes] | None = None
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


def report_html(analysis: Analysis, *, images: Mapping[str, bytes] | None = None) -> str:
    """Return the HTML report of ``analysis`` as one string (see :func:`write_html`)."""
    images = dict(images or {})
    if "heatmap" not in images:
        images["heatmap"] = figure_png(plot_heatmap(analysis).figure)
    if "tree" not in images:
        images["tree"] = figure_png(plot_tree(analysis).figure)
    style = _template_text("report.css")
    script = _template_text("report.js")
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
    note = f"<p class='meta'>{escape(note)}</p>" if note else ""
    page = Template(_template_text("report.html"))
    return page.substitute(
        policy=escape(policy),
        style=style,
        script=script,
        title=escape(f"lineage report: {len(analysis.documents)} documents"),
        summary=_summary(analysis),
        table=note + _documents_table(shown, index=index, sortable=True),
        heatmap=_image(images["heatmap"], "Directional reuse heatmap, prose and quotations"),
        tree=_image(images["tree"], "Derivation forest with latent sources and confidences"),
        edges=note + _edges(shown, index=index),
        texts=_texts(shown, index=index),
    )


def summary_html(analysis: Analysis, *, max_rows: int = 30) -> str:
    """Return a compact HTML summary for Jupyter: the findings and the document table.

    No script and no images, so it renders in untrusted notebooks; the full report is
    :func:`write_html`.
    """
    docs = analysis.documents
    shown = analysis
    note = ""
    if len(docs) > max_rows:
        order = docs.sort_values("reuse_fraction", ascending=False, na_position="last")
        shown = _with_documents(analysis, order.head(max_rows))
        note = (
            f"<p>{max_rows} most reused of {len(docs)} documents shown; "
            "<code>.documents</code> has them all.</p>"
        )
    index = _text_anchors(analysis)
    return (
        "<div class='lineage-summary'>"
        "<style>.lineage-summary td.num{text-align:right}"
        ".lineage-summary .ids{font-family:monospace}</style>"
        f"{_summary(analysis)}{note}"
        f"{_documents_table(shown, index=index, sortable=False, link=False)}</div>"
    )


def _text_anchors(analysis: Analysis) -> dict[str, int]:
    """Return the anchor number of every document whose text the report shows."""
    ids = analysis.documents["id"].astype(str)
    return {doc_id: n for n, doc_id in enumerate(ids) if doc_id in analysis.texts}


def _with_documents(analysis: Analysis, documents: pd.DataFrame) -> Analysis:
    from dataclasses import replace

    return replace(analysis, documents=documents)


def _template_text(name: str) -> str:
    return files("lineage.report").joinpath("templates", name).read_text(encoding="utf-8")


def _csp_hash(source: str) -> str:
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


def _image(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{escape(alt)}">'


def _fraction(value: object) -> str:
    """Return a share as a whole percentage, ``<1%`` for a small non-zero one."""
    if _missing(value):
        return ""
    share = float(value)  # type: ignore[arg-type]
    return "<1%" if 0.0 < share < 0.005 else f"{100 * share:.0f}%"


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _text(value: object) -> str:
    return "" if _missing(value) else str(value)


def _meta(analysis: Analysis, doc_id: str, key: str) -> str:
    value = analysis.meta.get(doc_id, {}).get(key)
    if _missing(value) or value is pd.NaT:
        return ""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    return str(value)


def _ids(names: Iterable[str]) -> str:
    return ", ".join(f"<span class='ids'>{escape(name)}</span>" for name in names)


def _summary(analysis: Analysis) -> str:
    """Return the header: counts, one line per family, the independent and skipped ones."""
    docs = analysis.documents
    forest = derivation_forest(analysis)
    by_id = docs.set_index(docs["id"].astype(str))
    analysed = loaded_ids(analysis)
    skipped = [str(i) for i in docs.loc[docs["status"] == "skipped", "id"]]
    families = [(root, members) for root, members in forest.families if len(members) > 1]
    latent = len(analysis.sources)
    lead = (
        f"{len(docs)} documents ({len(analysed)} analysed, {len(skipped)} skipped): "
        f"{len(families)} famil{'ies' if len(families) != 1 else 'y'} of reused text, "
        f"{latent} latent source{'s' if latent != 1 else ''} (texts not in the corpus), "
        f"{len(forest.independent)} independent."
    )
    lines = [_family_line(analysis, by_id, root, members) for root, members in families]
    more = len(lines) - FINDINGS_MAX
    if more > 0:
        lines = [
            *lines[:FINDINGS_MAX],
            f"… and {more} smaller famil{'ies' if more != 1 else 'y'} (see the tree).",
        ]
    if forest.independent:
        lines.append(_independent_line(analysis, by_id, forest.independent))
    if skipped:
        problems = [
            f"<span class='ids'>{escape(i)}</span> ({escape(_text(by_id.loc[i, 'problem']))})"
            for i in skipped[:FINDINGS_MAX]
        ]
        more = f" and {len(skipped) - FINDINGS_MAX} more" if len(skipped) > FINDINGS_MAX else ""
        lines.append("Skipped: " + "; ".join(problems) + more + ".")
    items = "".join(f"<li>{line}</li>" for line in lines)
    return f"<p class='lead'>{escape(lead)}</p><ul class='findings'>{items}</ul>"


def _family_line(analysis: Analysis, by_id: pd.DataFrame, root: str, members: Sequence[str]) -> str:
    """One sentence about a family: its head and who derives from whom, how surely."""
    graph = _primary_parents(analysis)
    if root in by_id.index:
        head = f"<b class='ids'>{escape(node_label(analysis, root, limit=40))}</b>"
    else:
        chars = analysis.sources.set_index("id").loc[root, "chars"] if len(analysis.sources) else 0
        head = (
            f"<b class='ids'>{escape(root)}</b>, a source not in the corpus "
            f"(reconstructed: {int(chars):,} chars),"
        )
    steps = []
    for member in members[1:]:
        parent, confidence = graph.get(member, ("", float("nan")))
        reuse = by_id.loc[member, "reuse_fraction"] if member in by_id.index else float("nan")
        steps.append(
            f"<span class='ids'>{escape(member)}</span> ← <span class='ids'>{escape(parent)}</span>"
            f" (confidence {_number(confidence)}; {_fraction(reuse)} of it reused)"
        )
    shown = steps[:6]
    more = f", and {len(steps) - 6} more" if len(steps) > 6 else ""
    return f"{head} heads a family of {len(members)}: " + ", ".join(shown) + more + "."


def _primary_parents(analysis: Analysis) -> dict[str, tuple[str, float]]:
    """Return ``child -> (primary parent, confidence)`` from the edges table."""
    parents: dict[str, tuple[str, float]] = {}
    edges = analysis.edges.sort_values(["rank", "confidence"], ascending=[True, False])
    for row in edges.itertuples(index=False):
        if int(row.rank) == 1:
            parents.setdefault(str(row.child), (str(row.parent), float(row.confidence)))
    return parents


def _number(value: float) -> str:
    return "?" if _missing(value) else f"{value:.2f}"


def _independent_line(analysis: Analysis, by_id: pd.DataFrame, independent: Sequence[str]) -> str:
    shown = []
    for doc_id in independent[:FINDINGS_MAX]:
        row = by_id.loc[doc_id]
        shown.append(
            f"<span class='ids'>{escape(node_label(analysis, doc_id, limit=40))}</span> "
            f"(shares {_fraction(row['quote_fraction'])} as quotations, "
            f"{_fraction(row['prose_reuse_fraction'])} as prose)"
        )
    more = len(independent) - len(shown)
    tail = f", and {more} more" if more > 0 else ""
    return "Independent, no parent: " + "; ".join(shown) + tail + "."


COLUMNS = (
    ("id", "document", "text"),
    ("outlet", "outlet", "text"),
    ("date", "date", "text"),
    ("chars", "chars", "number"),
    ("reuse_fraction", "reuse", "number"),
    ("prose_reuse_fraction", "prose", "number"),
    ("quote_fraction", "quotation", "number"),
    ("original_fraction", "original", "number"),
    ("parent", "parent", "text"),
    ("parent_confidence", "confidence", "number"),
    ("status", "status", "text"),
    ("problem", "problem", "text"),
)


def _documents_table(
    analysis: Analysis, *, index: Mapping[str, int], sortable: bool, link: bool = True
) -> str:
    """Return the per-document table; sortable ones get header buttons for the script."""
    head = []
    for _, title, kind in COLUMNS:
        label = f"<button type='button'>{title}</button>" if sortable else title
        head.append(f"<th data-type='{kind}' scope='col'>{label}</th>")
    body = []
    for row in analysis.documents.to_dict(orient="records"):
        doc_id = str(row["id"])
        cells = []
        for key, _, kind in COLUMNS:
            if key in ("outlet", "date"):
                value: object = _meta(analysis, doc_id, key) or None
            else:
                value = row.get(key)
            cells.append(_cell(key, kind, value, doc_id, index, link=link))
        status = escape(_text(row.get("status")))
        body.append(f"<tr class='{status}'>{''.join(cells)}</tr>")
    table_class = "documents sortable" if sortable else "documents"
    return (
        f"<table class='{table_class}' id='documents-table'><thead><tr>{''.join(head)}</tr>"
        f"</thead><tbody>{''.join(body)}</tbody></table>"
    )


def _cell(
    key: str, kind: str, value: object, doc_id: str, index: Mapping[str, int], *, link: bool
) -> str:
    if _missing(value):
        return "<td data-sort=''></td>"
    if kind == "number":
        number = float(value)  # type: ignore[arg-type]
        shown = (
            f"{int(number):,}"
            if key == "chars"
            else (_fraction(number) if key.endswith("_fraction") else f"{number:.2f}")
        )
        return f"<td class='num' data-sort='{number!r}'>{shown}</td>"
    text = str(value)
    shown = escape(text)
    if key == "id" and link and doc_id in index:
        shown = f"<a class='ids' href='#doc-{index[doc_id]}'>{shown}</a>"
    elif key in ("id", "parent"):
        shown = f"<span class='ids'>{shown}</span>"
    css = " class='date'" if key == "date" else ""
    return f"<td{css} data-sort='{escape(text.lower())}'>{shown}</td>"


def _marks(length: int, spans: Iterable[tuple[int, int, int]]) -> np.ndarray:
    """Return one mark per character: the highest-priority span covering it."""
    marks = np.zeros(length, dtype=np.int8)
    for start, end, mark in spans:
        start, end = max(0, start), min(length, end)
        if start < end:
            np.maximum(marks[start:end], mark, out=marks[start:end])
    return marks


def _marked(text: str, marks: np.ndarray, start: int = 0, end: int | None = None) -> str:
    """Return ``text[start:end]`` escaped, runs of prose/quote in ``<mark>``, debris greyed."""
    end = len(text) if end is None else end
    start, end = max(0, start), min(len(text), end)
    if start >= end:
        return ""
    window = marks[start:end]
    cuts = np.flatnonzero(np.diff(window)) + 1
    pieces = []
    for run_start, run_end in zip(
        np.concatenate([[0], cuts]), np.concatenate([cuts, [len(window)]]), strict=True
    ):
        piece = escape(text[start + run_start : start + run_end])
        mark = int(window[run_start])
        if mark == DEBRIS:
            piece = f"<span class='debris' title='{DEBRIS_TITLE}'>{piece}</span>"
        elif mark in MARK_CLASSES:
            piece = f"<mark class='{MARK_CLASSES[mark]}'>{piece}</mark>"
        pieces.append(piece)
    return "".join(pieces)


def _debris(analysis: Analysis, doc_id: str) -> list[tuple[int, int, int]]:
    return [(span.start, span.end, DEBRIS) for span in analysis.ignored.get(doc_id, ())]


def _oriented(analysis: Analysis, left: str, right: str) -> pd.DataFrame:
    """Return the passages of one pair with ``l_*``/``r_*`` columns, ``left`` on the left."""
    passages = analysis.passages
    forward = passages[(passages["a"] == left) & (passages["b"] == right)]
    backward = passages[(passages["a"] == right) & (passages["b"] == left)]
    columns = {"kind": "kind", "similarity": "similarity"}
    oriented = pd.concat(
        [
            forward.rename(
                columns={
                    "a_start": "l_start",
                    "a_end": "l_end",
                    "b_start": "r_start",
                    "b_end": "r_end",
                }
            )[["l_start", "l_end", "r_start", "r_end", *columns]],
            backward.rename(
                columns={
                    "b_start": "l_start",
                    "b_end": "l_end",
                    "a_start": "r_start",
                    "a_end": "r_end",
                }
            )[["l_start", "l_end", "r_start", "r_end", *columns]],
        ],
        ignore_index=True,
    )
    return oriented.sort_values(["r_start", "l_start"], ignore_index=True)


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


def _pair_html(analysis: Analysis, left: str, right: str) -> str:
    """Return the aligned passages of one pair side by side (``left`` | ``right``)."""
    oriented = _oriented(analysis, left, right)
    if oriented.empty:
        return "<p class='empty'>No aligned passages between these two texts.</p>"
    left_text = analysis.texts.get(left, "")
    right_text = analysis.texts.get(right, "")
    kinds = {"prose": PROSE, "quote": QUOTE}
    left_marks = _marks(
        len(left_text),
        [
            *((r.l_start, r.l_end, kinds.get(r.kind, PROSE)) for r in oriented.itertuples()),
            *_debris(analysis, left),
        ],
    )
    right_marks = _marks(
        len(right_text),
        [
            *((r.r_start, r.r_end, kinds.get(r.kind, PROSE)) for r in oriented.itertuples()),
            *_debris(analysis, right),
        ],
    )
    rows = []
    for block in _blocks(oriented):
        l_start, l_end = int(block["l_start"].min()), int(block["l_end"].max())
        r_start, r_end = int(block["r_start"].min()), int(block["r_end"].max())
        chars = (block["r_end"] - block["r_start"]).groupby(block["kind"]).sum()
        caption = ", ".join(f"{kind} {int(n):,} chars" for kind, n in chars.items())
        similarity = float(block["similarity"].min())
        rows.append(
            "<div class='pair'>"
            f"<div class='side'><div class='head'>{escape(left)} [{l_start}:{l_end}]</div>"
            f"{_excerpt(left_text, left_marks, l_start, l_end)}</div>"
            f"<div class='side'><div class='head'>{escape(right)} [{r_start}:{r_end}] · "
            f"{escape(caption)} · similarity ≥ {similarity:.2f}</div>"
            f"{_excerpt(right_text, right_marks, r_start, r_end)}</div></div>"
        )
    return "".join(rows)


def _excerpt(text: str, marks: np.ndarray, start: int, end: int) -> str:
    before = max(0, start - CONTEXT_CHARS)
    after = min(len(text), end + CONTEXT_CHARS)
    return (
        ("…" if before > 0 else "")
        + _marked(text, marks, before, after)
        + ("…" if after < len(text) else "")
    )


def _edges(analysis: Analysis, *, index: Mapping[str, int]) -> str:
    """Return one article per edge: the pair's passages, or a latent source's evidence."""
    if analysis.edges.empty:
        return "<p class='empty'>No derivation edges: every document is independent.</p>"
    sources = {str(row.id): row for row in analysis.sources.itertuples(index=False)}
    articles = []
    edges = analysis.edges.sort_values(["parent", "rank", "child"], ignore_index=True)
    for number, edge in enumerate(edges.itertuples(index=False)):
        parent, child = str(edge.parent), str(edge.child)
        role = "secondary parent" if int(edge.rank) != 1 else "parent"
        heading = (
            f"<h3 id='edge-{number}'>{_id_link(child, index)} derives from "
            f"{_id_link(parent, index)}</h3>"
            f"<p class='meta'>{role}, confidence {_number(float(edge.confidence))}"
            f" · evidence: {escape(_text(edge.evidence))}</p>"
        )
        if parent in sources:
            body = _latent_html(analysis, sources[parent], child)
        else:
            body = _pair_html(analysis, parent, child)
        articles.append(f"<article class='edge'>{heading}{body}</article>")
    return "".join(articles)


def _id_link(node: str, index: Mapping[str, int]) -> str:
    """Return an escaped id, linked to the document's full text when it is a document."""
    if node in index:
        return f"<a class='ids' href='#doc-{index[node]}'>{escape(node)}</a>"
    return f"<span class='ids'>{escape(node)}</span>"


def _latent_html(analysis: Analysis, source: object, child: str) -> str:
    """Evidence for a latent parent: its text, and the child's passages with co-members."""
    members = [str(m) for m in (getattr(source, "members", ()) or ()) if str(m) != child]
    text = _text(getattr(source, "text", ""))
    parts = [
        f"<details><summary>Reconstructed text of {escape(str(getattr(source, 'id', '')))} "
        f"({len(text):,} chars), shared by {_ids([*members, child])}</summary>"
        f"<div class='text'>{escape(text)}</div></details>"
    ]
    for member in members:
        parts.append(
            f"<p class='meta'>Passages <span class='ids'>{escape(child)}</span> shares with "
            f"fellow member <span class='ids'>{escape(member)}</span>:</p>"
        )
        parts.append(_pair_html(analysis, member, child))
    return "".join(parts)


def _texts(analysis: Analysis, *, index: Mapping[str, int]) -> str:
    """Return every document's full text with all its reused passages and debris marked."""
    kinds = {"prose": PROSE, "quote": QUOTE}
    spans: dict[str, list[tuple[int, int, int]]] = {doc_id: [] for doc_id in analysis.texts}
    for p in analysis.passages.itertuples(index=False):
        mark = kinds.get(p.kind, PROSE)
        for doc_id, start, end in ((p.a, p.a_start, p.a_end), (p.b, p.b_start, p.b_end)):
            if doc_id in spans:
                spans[str(doc_id)].append((int(start), int(end), mark))
    parts = []
    for doc_id, number in index.items():
        text = analysis.texts.get(doc_id)
        if text is None:
            continue
        marks = _marks(len(text), [*spans.get(doc_id, []), *_debris(analysis, doc_id)])
        parts.append(
            f"<details id='doc-{number}'><summary class='ids'>"
            f"{escape(node_label(analysis, doc_id, limit=80))} · {len(text):,} chars</summary>"
            f"<div class='text'>{_marked(text, marks)}</div></details>"
        )
    return "".join(parts) or "<p class='empty'>No texts.</p>"
