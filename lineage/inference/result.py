"""The one typed result of lineage inference, read by the api and the report.

Examples
--------
>>> rows = [dict(id="a", parent=None, parent_confidence=0.97, parent_status="independent",
...              family=-1, evidence="alone")]
>>> documents_frame(rows)["parent"].isna().tolist()
[True]
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import pandas as pd

from lineage import schema

__all__ = [
    "DOCUMENT_COLUMNS",
    "EDGE_EXTRAS",
    "Lineage",
    "documents_frame",
    "edges_frame",
    "sources_frame",
    "to_graph",
]

DOCUMENT_COLUMNS = {
    "id": "string",
    "parent": "string",
    "parent_confidence": "float64",
    "parent_status": "string",
    "family": "int64",
    "evidence": "string",
}
"""Columns of :attr:`Lineage.documents`."""


@dataclass(frozen=True)
class Lineage:
    """Parents, latent sources and attribution of every document.

    Attributes
    ----------
    documents
        ``id, parent, parent_confidence, parent_status, evidence``: one row per document,
        in input order. ``parent_status`` is ``"parent"``, ``"root"`` (no parent, and
        claimed as the parent of some document: the top of its family),
        ``"independent"`` (no parent and no claimed child; for both, ``parent`` is
        missing and ``parent_confidence`` the confidence that it has no parent in the
        corpus) or ``"not enough evidence"`` (``parent`` and ``parent_confidence`` missing: the best
        parent's probability, named in ``evidence``, is below ``min_confidence``).
        ``family`` numbers the documents connected by substantial shared material (``-1``:
        none), so two documents whose parent is undecided still show as one family.
    edges
        Schema ``"edges"``: ``parent, child, confidence, evidence, rank`` (1 primary, 2
        secondary parent), plus ``status`` and ``link_confidence``. ``confidence`` is the
        probability that ``parent`` is the source of ``child``; ``link_confidence`` that
        the two share text by reuse, whichever way. ``status`` is ``"parent"`` for a
        claimed parent or ``"not enough evidence"`` for a link whose direction is not
        claimed (``confidence`` below ``min_confidence``; the child's ``parent`` is
        missing). Latent sources appear as parents and, when they hang from a document,
        as children.
    sources
        Schema ``"sources"`` (``id, members, text, chars``) plus ``parent`` (the latent
        source's own parent, or missing), ``family`` and ``agency`` (the agencies its
        readers credit, most credited first, or missing).
    attribution
        Schema ``"attribution"``: per document, the characters inside passages with its
        source (a document, or a latent source's members).
    parents
        Document or latent id -> parent id (``None`` for no parent).
    families
        Document id -> family number (``-1``: shares no substantial material).
    """

    documents: pd.DataFrame
    edges: pd.DataFrame
    sources: pd.DataFrame
    attribution: pd.DataFrame
    parents: dict[str, str | None]
    families: dict[str, int]

    def graph(self) -> nx.DiGraph:
        """Return the derivation graph of the edges (see :func:`to_graph`).

        Links whose direction is "not enough evidence" are edges too, with their
        ``status``: filter on it for the claimed parents only.
        """
        return to_graph(self.edges)

    def forest(self) -> nx.DiGraph:
        """Return the inferred forest ``parent -> child``, undecided links included.

        Unlike :meth:`graph`, a document whose parent is "not enough evidence" keeps the
        link inference placed it under: the structure without the claim.
        """
        graph = nx.DiGraph()
        graph.add_nodes_from(self.parents)
        graph.add_edges_from((p, c) for c, p in self.parents.items() if p is not None)
        return graph


def documents_frame(rows: list[dict]) -> pd.DataFrame:
    """Build the documents table of a :class:`Lineage` from rows."""
    return schema.typed_frame(DOCUMENT_COLUMNS, rows, table="documents", extra=False)


EDGE_EXTRAS = {"status": "string", "link_confidence": "float64"}
"""Columns of :attr:`Lineage.edges` after the ``edges`` schema."""


def edges_frame(rows: list[dict]) -> pd.DataFrame:
    """Build the edges table of a :class:`Lineage` (``status, link_confidence`` added)."""
    return schema.typed_frame(schema.TABLES["edges"] | EDGE_EXTRAS, rows, table="edges")


SOURCE_EXTRAS = {"parent": "string", "family": "int64", "agency": "string"}
"""Columns of :attr:`Lineage.sources` after the ``sources`` schema."""


def sources_frame(rows: list[dict]) -> pd.DataFrame:
    """Build the sources table of a :class:`Lineage` (``parent, family, agency`` added)."""
    return schema.typed_frame(schema.TABLES["sources"] | SOURCE_EXTRAS, rows, table="sources")


def to_graph(edges: pd.DataFrame) -> nx.DiGraph:
    """Return the derivation graph: an edge parent -> child per row, with its attributes.

    Examples
    --------
    >>> edges = schema.frame("edges", [dict(parent="latent:1", child="a", confidence=0.9,
    ...                                     evidence="", rank=1)])
    >>> sorted(to_graph(edges).edges(data="confidence"))
    [('latent:1', 'a', 0.9)]
    """
    graph = nx.DiGraph()
    for row in edges.itertuples(index=False):
        graph.add_edge(
            row.parent,
            row.child,
            confidence=float(row.confidence),
            evidence=row.evidence,
            rank=int(row.rank),
            status=getattr(row, "status", "parent"),
        )
    return graph
