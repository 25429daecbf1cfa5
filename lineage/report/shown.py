"""What the HTML report shows of a large analysis: a readable part, the rest in the tables.

A report of 20,000 documents cannot show every document's text, every edge's passages
and a 20,000-row table and stay a file a browser opens (57 MB on 6,000 Reuters stories).
:func:`shown_part` keeps the surest derivation edges, the texts of the documents they
join, and the most reused documents' rows, and says what it left out; ``documents.csv``,
``edges.csv`` and ``passages.csv`` beside the report hold everything.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from lineage.errors import check_positive_int

if TYPE_CHECKING:
    from lineage.report.tables import ResultTables as Analysis  # the tables, not the class


@dataclass(frozen=True)
class ReportLimits:
    """How much of an analysis the HTML report shows.

    Attributes
    ----------
    edges
        Derivation edges shown with their passages, the surest first.
    documents
        Rows of the documents table: the documents of the edges shown, then the most
        reused, up to this many.

    Examples
    --------
    >>> ReportLimits().edges
    150
    """

    edges: int = 150
    documents: int = 1000

    def __post_init__(self) -> None:
        check_positive_int("edges", self.edges)
        check_positive_int("documents", self.documents)


def shown_part(analysis: Analysis, limits: ReportLimits | None = None) -> tuple[Analysis, str]:
    """Return the part of ``analysis`` the report shows, and a note of what was left out.

    Parameters
    ----------
    analysis
        A finished analysis.
    limits
        How much to show (:class:`ReportLimits` by default).

    Returns
    -------
    shown, note
        ``analysis`` with its edges, texts and documents rows cut to the limits (the
        same object when nothing is cut), and a sentence saying what is left out and
        where to find it (empty when nothing is).

    Examples
    --------
    >>> import lineage
    >>> result = lineage.analyze("seeds")
    >>> shown, note = shown_part(result, ReportLimits(edges=1, documents=2))
    >>> len(shown.edges), len(shown.texts) <= 2, note.startswith("Shown: the 1 surest")
    (1, True, True)
    """
    limits = limits or ReportLimits()
    edges, docs = analysis.edges, analysis.documents
    if len(edges) <= limits.edges and len(docs) <= limits.documents:
        return analysis, ""
    edges = edges.sort_values(
        ["confidence", "parent", "child"], ascending=[False, True, True], ignore_index=True
    ).head(limits.edges)
    joined = set(edges["parent"].astype(str)) | set(edges["child"].astype(str))
    texts = {doc_id: text for doc_id, text in analysis.texts.items() if doc_id in joined}
    order = docs.assign(_joined=docs["id"].astype(str).isin(joined)).sort_values(
        ["_joined", "reuse_fraction", "id"], ascending=[False, False, True], na_position="last"
    )
    rows = order.head(max(limits.documents, len(texts))).drop(columns="_joined")
    rows = docs.loc[docs.index.isin(rows.index)]  # keep the table's own order
    note = (
        f"Shown: the {len(edges)} surest of {len(analysis.edges)} derivation edges with "
        f"their passages, the full texts of the {len(texts)} documents they join, and "
        f"{len(rows)} of {len(docs)} documents in the table (those, then the most reused). "
        "documents.csv, edges.csv and passages.csv beside this report hold everything."
    )
    return replace(analysis, edges=edges, texts=texts, documents=rows), note
