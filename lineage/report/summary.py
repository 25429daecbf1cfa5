"""The report's summary: counts, one line per family, the documents apart."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from lineage.report.tables import ResultTables, loaded_ids
from lineage.report.tree import derivation_forest, node_label
from lineage.report.values import first_rows, is_missing, percent, plain_text, two_places

FINDINGS_MAX = 10
"""Families and independent documents named in the summary before 'and N more'."""
FAMILY_STEPS_MAX = 6
"""Parent-child steps named in one family's line before 'and N more'."""
LABEL_CHARS = 40
"""Characters of an id shown in the summary's sentences before it is cut with '…'."""
MOSTLY_SHARED = 0.5
"""A document without a parent whose shared share reaches this is not called independent:
the summary lists it apart, as shared text with no inferred parent (e.g. quotations)."""


@dataclass(frozen=True)
class _Step:
    """One parent-child line of a family: ``child ← parent (confidence; detail)``."""

    child: str
    parent: str
    confidence: str
    detail: str


def summary_values(analysis: ResultTables) -> dict[str, object]:
    """Return the header's values: counts, one entry per family, the documents apart."""
    docs = analysis.documents
    forest = derivation_forest(analysis)
    by_id = first_rows(docs)
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
            (doc_id, plain_text(by_id.loc[doc_id, "problem"])) for doc_id in skipped[:FINDINGS_MAX]
        ],
        "more_skipped": max(0, len(skipped) - FINDINGS_MAX),
    }


def _family(
    analysis: ResultTables, by_id: pd.DataFrame, root: str, members: Sequence[str]
) -> dict[str, object]:
    """One family: its head (a document or a latent source) and who derives from whom."""
    parents = _primary_parents(analysis)
    sources = first_rows(analysis.sources) if len(analysis.sources) else None
    steps = []
    for member in members[1:]:
        parent, confidence = parents.get(member, ("", float("nan")))
        if member in by_id.index:
            reuse = by_id.loc[member, "reuse_fraction"]
            detail = f"{percent(reuse)} of it reused" if not is_missing(reuse) else "not measured"
        else:  # a latent source under another: it has no figures of its own
            detail = "a latent source"
        steps.append(_Step(member, parent, two_places(confidence), detail))
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
            "reuse": percent(by_id.loc[doc_id, "reuse_fraction"]),
            "quote": percent(by_id.loc[doc_id, "quote_fraction"]),
            "prose": percent(by_id.loc[doc_id, "prose_reuse_fraction"]),
        }
        for doc_id in ids[:FINDINGS_MAX]
    ]
