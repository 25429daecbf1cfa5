"""The result of an analysis: the five tables of the output contract plus the texts.

:class:`Analysis` holds data only; drawing and writing are delegated to
:mod:`lineage.report` and computing to the stages, so a notebook user gets one object to
filter with pandas, plot, explain and save.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from lineage import schema
from lineage.records import Span

if TYPE_CHECKING:
    import networkx as nx
    from matplotlib.axes import Axes


def _json_value(value: Any) -> Any:
    """Turn pandas/numpy scalars and missing values into plain JSON values."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        return _json_value(value.item())
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    return value


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {str(k): _json_value(v) for k, v in row.items()} for row in table.to_dict(orient="records")
    ]


@dataclass(frozen=True)
class Analysis:
    """Tables of one analysis (see ``DESIGN.md``, the output contract) and the texts.

    Attributes
    ----------
    documents, pairs, passages, sources, edges, attribution, quotes
        DataFrames with the columns of :data:`lineage.schema.TABLES`; a row of
        ``quotes`` is one side of a quoted part of the passage in row ``passage``.
    texts
        Original text of every loaded document, by id.
    ignored
        Debris and boilerplate spans (original offsets) of every document, by id.
    meta
        Metadata of every document (date, outlet, ...), by id.
    params
        The options the analysis ran with.
    limits
        What the candidate budget left out (see :class:`lineage.sketch.CandidateLimits`):
        counts and a note; empty when the budget changed nothing.
    """

    documents: pd.DataFrame
    pairs: pd.DataFrame
    passages: pd.DataFrame
    sources: pd.DataFrame
    edges: pd.DataFrame
    attribution: pd.DataFrame = field(default_factory=lambda: schema.frame("attribution", []))
    quotes: pd.DataFrame = field(default_factory=lambda: schema.frame("quotes", []))
    texts: Mapping[str, str] = field(default_factory=dict)
    ignored: Mapping[str, tuple[Span, ...]] = field(default_factory=dict)
    meta: Mapping[str, Mapping[str, object]] = field(default_factory=dict)
    params: Mapping[str, object] = field(default_factory=dict)
    limits: Mapping[str, object] = field(default_factory=dict)

    @property
    def graph(self) -> nx.DiGraph:
        """The derivation graph: an edge parent -> child per row of :attr:`edges`."""
        import networkx as nx

        graph = nx.DiGraph()
        for row in self.documents.itertuples(index=False):
            graph.add_node(row.id, kind="document", status=row.status)
        for row in self.sources.itertuples(index=False):
            graph.add_node(row.id, kind="latent", chars=row.chars)
        for row in self.edges.itertuples(index=False):
            graph.add_edge(
                row.parent,
                row.child,
                confidence=row.confidence,
                evidence=row.evidence,
                rank=row.rank,
            )
        return graph

    def explain(self, doc_id: str) -> pd.DataFrame:
        """Return the passages behind ``doc_id``'s figures, with their text on both sides.

        One row per passage in which ``doc_id`` takes part, seen from ``doc_id``'s side:
        ``other``, ``start``, ``end``, ``text``, ``other_start``, ``other_end``,
        ``other_text``, ``kind``, ``quote_chars`` (on ``doc_id``'s side), ``similarity``.
        """
        if doc_id not in self.texts:
            known = ", ".join(sorted(self.texts)[:5])
            raise KeyError(f"no document {doc_id!r} in this analysis (ids start: {known})")
        quoted = (
            (self.quotes["end"] - self.quotes["start"])
            .groupby([self.quotes["passage"], self.quotes["side"]])
            .sum()
        )
        rows = []
        for number, p in enumerate(self.passages.itertuples(index=False)):
            if doc_id not in (p.a, p.b):
                continue
            mine_a = p.a == doc_id
            other = p.b if mine_a else p.a
            start, end = (p.a_start, p.a_end) if mine_a else (p.b_start, p.b_end)
            o_start, o_end = (p.b_start, p.b_end) if mine_a else (p.a_start, p.a_end)
            rows.append(
                {
                    "other": other,
                    "start": start,
                    "end": end,
                    "text": self.texts[doc_id][start:end],
                    "other_start": o_start,
                    "other_end": o_end,
                    "other_text": self.texts.get(other, "")[o_start:o_end],
                    "kind": p.kind,
                    "quote_chars": int(quoted.get((number, "a" if mine_a else "b"), 0)),
                    "similarity": p.similarity,
                }
            )
        columns = [
            "other",
            "start",
            "end",
            "text",
            "other_start",
            "other_end",
            "other_text",
            "kind",
            "quote_chars",
            "similarity",
        ]
        return pd.DataFrame(rows, columns=columns).sort_values(
            ["start", "other"], ignore_index=True
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the ``lineage.json`` object (see the output contract)."""
        return {
            "schema_version": schema.SCHEMA_VERSION,
            "params": {k: _json_value(v) for k, v in self.params.items()},
            "limits": {k: _json_value(v) for k, v in self.limits.items()},
            "documents": _records(self.documents),
            "pairs": _records(self.pairs),
            "passages": _records(self.passages),
            "quotes": _records(self.quotes),
            "sources": _records(self.sources),
            "edges": _records(self.edges),
            "attribution": _records(self.attribution),
        }

    def to_json(self, path: str | Path) -> Path:
        """Write ``lineage.json`` to ``path`` and return the path."""
        from lineage.io import atomic_file

        path = Path(path)
        with atomic_file(path) as temporary:
            temporary.write_text(
                json.dumps(self.to_dict(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
            )
        return path

    def plot_heatmap(self, ax: Axes | None = None) -> Axes:
        """Draw the directional reuse heatmap on ``ax`` (a new figure if None)."""
        from lineage.report.heatmap import plot_heatmap

        return plot_heatmap(self, ax=ax)

    def plot_tree(self, ax: Axes | None = None) -> Axes:
        """Draw the derivation forest on ``ax`` (a new figure if None)."""
        from lineage.report.tree import plot_tree

        return plot_tree(self, ax=ax)

    def to_html(self, path: str | Path) -> Path:
        """Write the self-contained HTML report to ``path`` and return the path."""
        from lineage.report.html import write_html

        return write_html(self, Path(path))

    def _repr_html_(self) -> str:
        from lineage.report.html import summary_html

        return summary_html(self)
