"""The documents, passages and quotes tables of an analysis, from the stage outputs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from lineage import schema
from lineage.align import (
    reuse_figures,
)
from lineage.corpus import Corpus
from lineage.intervals import covered
from lineage.records import NormalizedText, Passage

META_COLUMNS = ("date", "outlet", "title")
"""Metadata shown as columns of the documents table (from the input or ``metadata``)."""


def _text_or_none(value: object) -> str | None:
    return None if value is None else str(value)


def documents_table(
    corpus: Corpus, figures: dict[str, dict[str, float]], parents: pd.DataFrame
) -> pd.DataFrame:
    """One row per input: loaded documents with figures, skipped ones with their problem."""
    parent_of = parents.set_index("id") if len(parents) else None
    meta = {doc.id: doc.meta for doc in corpus.documents}
    rows = []
    for entry in corpus.inputs:
        row: dict[str, Any] = {
            "id": entry.id,
            "origin": entry.origin,
            "status": entry.status,
            "problem": entry.problem or None,
            "chars": entry.chars,
            "parent": None,
            "parent_confidence": np.nan,
            "parent_status": None,
            "family": None,
            "reuse_fraction": np.nan,
            "prose_reuse_fraction": np.nan,
            "quote_fraction": np.nan,
            "original_fraction": np.nan,
            "ignored_fraction": np.nan,
            "credited_fraction": np.nan,
            **{key: _text_or_none(meta.get(entry.id, {}).get(key)) for key in META_COLUMNS},
        }
        if entry.status != "skipped":
            found = figures.get(entry.id, {})
            row.update(found)
            row["problem"] = "; ".join(filter(None, (entry.problem, found.get("problem")))) or None
            if parent_of is not None and entry.id in parent_of.index:
                row["parent"] = parent_of.at[entry.id, "parent"]
                row["parent_confidence"] = parent_of.at[entry.id, "parent_confidence"]
                row["parent_status"] = parent_of.at[entry.id, "parent_status"]
                row["family"] = parent_of.at[entry.id, "family"]
        rows.append(row)
    return schema.frame("documents", rows)


def passage_tables(
    passages: Iterable[Passage], *, commonness: Sequence[float] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the ``passages`` and ``quotes`` tables of ``passages``.

    Passages are sorted by ``a, b, a_start, b_start``; a row of ``quotes`` is one side of
    one quoted part, ``passage`` being the row number of its passage in ``passages``.

    Examples
    --------
    >>> found = [Passage("x", 0, 50, "y", 0, 50, kind="mixed", quotes=((10, 20, 12, 22),))]
    >>> passages, quotes = passage_tables(found)
    >>> passages["quote_chars"].tolist(), quotes.values.tolist()
    ([10], [[0, 'a', 10, 20], [0, 'b', 12, 22]])
    """
    passages = list(passages)
    shares = list(commonness) if commonness is not None else [float("nan")] * len(passages)
    order = sorted(
        range(len(passages)),
        key=lambda k: (lambda p: (p.a, p.b, p.a_start, p.b_start, p.a_end, p.b_end))(passages[k]),
    )
    ordered = [passages[k] for k in order]
    rows = [
        {
            "a": p.a,
            "a_start": p.a_start,
            "a_end": p.a_end,
            "b": p.b,
            "b_start": p.b_start,
            "b_end": p.b_end,
            "kind": p.kind,
            "quote_chars": p.quote_chars,
            "similarity": p.similarity,
        }
        | {"commonness": shares[k]}
        for k, p in zip(order, ordered, strict=True)
    ]
    parts = [
        {"passage": number, "side": side, "start": start, "end": end}
        for number, p in enumerate(ordered)
        for a0, a1, b0, b1 in p.quotes
        for side, start, end in (("a", a0, a1), ("b", b0, b1))
        if end > start
    ]
    return schema.frame("passages", rows), schema.frame("quotes", parts)


def document_figures(normalized: NormalizedText, passages: list[Passage]) -> dict[str, float]:
    """Reuse figures of one document (side ``a`` of ``passages``), debris left out."""
    length = len(normalized.original)
    figures = reuse_figures(length, passages, normalized.ignored)
    ignored = covered([(s.start, s.end) for s in normalized.ignored])
    figures["ignored_fraction"] = round(ignored / length, 4) if length else 0.0
    return figures


def with_shared_chars(pairs: pd.DataFrame, passages: list[Passage]) -> pd.DataFrame:
    """Fill ``shared_chars``: characters of ``a`` inside the pair's passages."""
    spans: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for p in passages:
        spans.setdefault((p.a, p.b), []).append((p.a_start, p.a_end))
    shared = [covered(spans.get((a, b), [])) for a, b in zip(pairs["a"], pairs["b"], strict=True)]
    return pairs.assign(shared_chars=np.array(shared, dtype=np.int64))
