"""The text of a latent source, and where each document's reused characters come from.

A latent source's text is rebuilt from its members' aligned prose, in order
(:func:`reconstruct_text`); :func:`attribution` counts per document the characters that
lie inside passages with its source (a document, or a latent source's members).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from lineage.inference.evidence import ReuseEvidence
from lineage.inference.params import InferenceParams
from lineage.intervals import covered, union

__all__ = ["attribution_rows", "reconstruct_text"]


def _passage_map(passages: pd.DataFrame) -> dict[tuple[str, str], np.ndarray]:
    """``(doc, other)`` -> prose passages as rows ``start, end, other_start, other_end``."""
    prose = passages[passages["kind"] != "quote"]
    cols = ["a_start", "a_end", "b_start", "b_end"]
    out: dict[tuple[str, str], list[np.ndarray]] = {}
    for (a, b), group in prose.groupby(["a", "b"], sort=True):
        spans = group[cols].to_numpy(dtype=np.int64)
        out.setdefault((a, b), []).append(spans)
        out.setdefault((b, a), []).append(spans[:, [2, 3, 0, 1]])
    return {key: np.concatenate(parts) for key, parts in out.items()}


def _aligned_position(
    spans: dict[tuple[str, str], np.ndarray], doc: str, other: str, position: int
) -> int | None:
    """Position in ``other`` aligned to ``position`` in ``doc`` (the nearest earlier passage)."""
    rows = spans.get((doc, other))
    if rows is None:
        return None
    before = rows[rows[:, 0] <= position]
    if before.size == 0:
        return None
    inside = before[position < before[:, 1]]
    if inside.size:
        start, end, o_start, o_end = inside[0].tolist()
        return int(o_start + (position - start) * (o_end - o_start) / max(end - start, 1))
    return int(before[np.argmax(before[:, 1]), 3])


def _family_spans(evidence: ReuseEvidence, members: Sequence[str], doc: str) -> np.ndarray:
    """Return the merged prose spans of ``doc`` aligned with any other member."""
    x = evidence.index(doc)
    spans = [
        evidence.prose_spans[(x, evidence.index(o))]
        for o in members
        if o != doc and (x, evidence.index(o)) in evidence.prose_spans
    ]
    return union([tuple(s) for block in spans for s in block.tolist()])


def _free_runs(free: np.ndarray, min_chars: int) -> list[tuple[int, int]]:
    """``[start, end)`` runs of True in ``free`` at least ``min_chars`` long."""
    runs = np.flatnonzero(np.diff(np.concatenate([[0], free.astype(np.int8), [0]])))
    return [
        (int(s), int(e)) for s, e in zip(runs[0::2], runs[1::2], strict=True) if e - s >= min_chars
    ]


def reconstruct_text(
    members: Sequence[str],
    texts: Mapping[str, str],
    evidence: ReuseEvidence,
    passages: pd.DataFrame,
    *,
    min_chars: int = InferenceParams.min_latent_chars,
) -> str:
    """Reconstruct a latent source's text from its members' aligned prose, in order.

    The member carrying the most family material gives the order and the text of what it
    shares with the other members; the material other members share with each other but
    not with it is inserted after the position it follows in that member, each piece
    once.
    """
    spans = _passage_map(passages[passages["a"].isin(members) & passages["b"].isin(members)])
    sizes = evidence.material_size()
    ordered = sorted(members, key=lambda d: (-sizes[evidence.index(d)], d))
    base = ordered[0]
    included = {d: np.zeros(len(texts[d]), dtype=bool) for d in members}
    pieces: list[tuple[float, int, str]] = []

    def mark(doc: str, start: int, end: int) -> None:
        included[doc][start:end] = True
        for other in members:
            if other == doc:
                continue
            lo = _aligned_position(spans, doc, other, start)
            hi = _aligned_position(spans, doc, other, max(end - 1, start))
            if lo is not None and hi is not None and hi >= lo:
                included[other][lo : hi + 1] = True

    for order, doc in enumerate(ordered):
        for start, end in _family_spans(evidence, members, doc).tolist():
            free = ~included[doc][start:end]
            if free.sum() < min_chars:
                continue
            for run_start, run_end in _free_runs(free, min_chars):
                a, b = start + run_start, start + run_end
                at = a if doc == base else _aligned_position(spans, doc, base, a)
                pieces.append((float(-1 if at is None else at), order, texts[doc][a:b].strip()))
                mark(doc, a, b)
    pieces.sort(key=lambda piece: (piece[0], piece[1]))
    return "\n".join(text for _, _, text in pieces if text)


def attribution_rows(
    evidence: ReuseEvidence,
    parents: Mapping[str, str | None],
    latent_members: Mapping[str, list[str]],
) -> list[dict]:
    """Per document with a parent: characters inside passages with its source.

    Returns
    -------
    list of dict
        Rows of the ``"attribution"`` table (``document, source, chars, quote_chars,
        prose_chars``); a latent source's characters are those aligned with any of its
        members. Rows, not a frame: the groups of a corpus make one table at the end.
    """
    rows = []
    for doc in evidence.ids:
        source = parents.get(doc)
        if source is None:
            continue
        x = evidence.index(doc)
        prose, quote = [], []
        for other in latent_members.get(source, [source]):
            if other == doc or other not in evidence.ids:
                continue
            y = evidence.index(other)
            prose += [tuple(s) for s in evidence.prose_spans.get((x, y), np.zeros((0, 2))).tolist()]
            quote += [tuple(s) for s in evidence.quote_spans.get((x, y), np.zeros((0, 2))).tolist()]
        rows.append(
            dict(
                document=doc,
                source=source,
                chars=covered(prose + quote),
                quote_chars=covered(quote),
                prose_chars=covered(prose),
            )
        )
    return rows
