"""Who copied whom: a parent per document with a confidence and the evidence for it.

The structure comes from :func:`lineage.sources.infer_sources`: a maximum spanning
arborescence over the documents (with a virtual root standing for "no parent") scored by
how much of a document's material a candidate parent carries times the probability that
the candidate is upstream, latent sources where no document explains a document's
material, neighbour joining for traditions of complete copies, and second sources
(contamination). This module turns it into the ``edges`` table with

- a **confidence** per parent decision: for a document parent, the margin over the next
  best explanation (another document or no parent) times the direction probability times
  the strength of the verbatim evidence; for a latent parent, how far the material the
  best single document leaves unexplained exceeds the threshold; for "no parent", the
  margin of the root over the best candidate;
- **evidence** naming the cues that decided, with n-gram, passage and char counts;
- a **secondary parent** (``rank`` 2) where :func:`lineage.sources.infer_sources` found a
  second source.

Direction cues (see :class:`lineage.sources.DirectionCues`): text length (containment
asymmetry: a copy trims), the unaligned tail (a copy keeps the top of the story), family
material unique to each side (stemmatology's shared variants: a copy shares its
exemplar's readings and adds its own), and publication dates where known (a source is
never later than its copy).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd

from lineage import schema
from lineage.errors import check_fraction
from lineage.sources import LATENT_PREFIX, SourcesResult, candidate_weights, direction_scores

__all__ = ["DerivationResult", "derive", "to_graph"]

logger = logging.getLogger(__name__)

TRADITION_LATENT_CONFIDENCE = 0.6
"""Share of right parents among lost exemplars placed by neighbour joining (tuning seeds)."""
MARGIN_SLOPE = 16.0
"""Slope of the logistic turning the margin over the next best explanation into a belief."""
ALONE_CONFIDENCE = 0.97
"""Confidence that a document sharing no material with any other has no parent."""
EVIDENCE_SCALE = 20.0
"""Shared n-grams at which a parent's confidence reaches 63% of what the cues allow."""
DEFAULT_THRESHOLDS = dict(
    min_shared=8,
    min_fraction=0.06,
    min_prose_share=0.15,
    root_weight=0.3,
    unexplained_fraction=0.04,
)


@dataclass(frozen=True)
class DerivationResult:
    """Edges and per-document parents.

    Attributes
    ----------
    edges
        Schema ``"edges"``: ``parent, child, confidence, evidence, rank`` (1 primary,
        2 secondary parent). Latent sources appear as parents and, when they hang from a
        document, as children.
    documents
        ``id, parent, parent_confidence, evidence``: one row per document; ``parent`` is
        missing for an independent text, whose ``parent_confidence`` is then the
        confidence that it has no parent in the corpus.
    """

    edges: pd.DataFrame
    documents: pd.DataFrame

    def graph(self) -> nx.DiGraph:
        """Return the derivation graph (see :func:`to_graph`)."""
        return to_graph(self.edges)


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
        )
    return graph


def _logistic(value: float) -> float:
    return float(1.0 / (1.0 + np.exp(-value)))


def derive(
    ids: Sequence[str],
    texts: Sequence[str],
    pairs: pd.DataFrame,
    passages: pd.DataFrame,
    sources: SourcesResult,
    *,
    dates: Mapping[str, object] | None = None,
    secondary_fraction: float = 0.2,
) -> DerivationResult:
    """Derive a parent per document with confidence and evidence.

    Parameters
    ----------
    ids, texts
        The documents.
    pairs
        Pairs table (schema ``"pairs"``); its containment figures are quoted in the
        evidence where present.
    passages
        Passages table (schema ``"passages"``).
    sources
        Result of :func:`lineage.sources.infer_sources` on the same documents.
    dates
        Optional document id -> publication date (pass the same as to
        :func:`lineage.sources.infer_sources`).
    secondary_fraction
        Share of a document's material a second source (see
        ``SourcesResult.secondary``) supplies at which the secondary edge gets confidence
        0.5.

    Returns
    -------
    DerivationResult
    """
    check_fraction("secondary_fraction", secondary_fraction)
    containment = _containment(pairs)
    edges: list[dict] = []
    documents: dict[str, dict] = {}
    for part in sources.parts or (sources,):
        if part.evidence is not None:
            _derive_group(part, dates, secondary_fraction, containment, edges, documents)
    for doc in ids:
        documents.setdefault(
            doc,
            dict(
                id=doc,
                parent=None,
                parent_confidence=ALONE_CONFIDENCE,
                evidence="shares no passage with any document",
            ),
        )
    table = pd.DataFrame(
        [documents[doc] for doc in ids], columns=["id", "parent", "parent_confidence", "evidence"]
    )
    table = table.astype(
        {"id": "string", "parent": "string", "parent_confidence": "float64", "evidence": "string"}
    )
    return DerivationResult(edges=schema.frame("edges", edges), documents=table)


def _derive_group(
    sources: SourcesResult,
    dates: Mapping[str, object] | None,
    secondary_fraction: float,
    containment: Mapping[tuple[str, str], float],
    edges: list[dict],
    documents: dict[str, dict],
) -> None:
    """Add the edges and document rows of one group of documents connected by passages."""
    evidence = sources.evidence
    cues = direction_scores(evidence, dates=dates)
    thresholds = {**DEFAULT_THRESHOLDS, **sources.params}
    root_weight = float(thresholds.pop("root_weight"))
    unexplained_fraction = float(thresholds.pop("unexplained_fraction"))
    weights = candidate_weights(evidence, cues, **thresholds)
    sizes = evidence.material_size()
    parents = sources.parents
    members = {row.id: list(row.members) for row in sources.sources.itertuples(index=False)}
    for doc in evidence.ids:
        x = evidence.index(doc)
        parent = parents.get(doc)
        column = weights[:, x]
        order = np.argsort(-column, kind="stable")
        best = float(column[order[0]]) if column.size else 0.0
        if parent is None:
            confidence = root_weight / (root_weight + best) if best > 0 else ALONE_CONFIDENCE
            why = (
                f"no document explains its material (best candidate "
                f"{evidence.ids[order[0]]} at {best:.2f} < {root_weight:.2f})"
                if best > 0
                else "shares no substantial prose material with any document"
            )
            documents[doc] = dict(id=doc, parent=None, parent_confidence=confidence, evidence=why)
            continue
        if parent.startswith(LATENT_PREFIX) and doc in sources.branches:
            confidence = TRADITION_LATENT_CONFIDENCE
            why = (
                f"neighbour joining over the tradition puts a lost exemplar {parent} between "
                f"{doc} and its relatives (branch {sources.branches[doc]:.2f} x the median)"
            )
        elif parent.startswith(LATENT_PREFIX):
            confidence, why = _latent_confidence(
                doc, parent, members[parent], evidence, sources, sizes, unexplained_fraction
            )
        else:
            confidence, why = _document_confidence(
                doc, parent, evidence, cues, weights, root_weight, containment
            )
        edges.append(dict(parent=parent, child=doc, confidence=confidence, evidence=why, rank=1))
        documents[doc] = dict(id=doc, parent=parent, parent_confidence=confidence, evidence=why)
        if doc in sources.secondary:
            other, supplied = sources.secondary[doc]
            own = max(int(sizes[x]), 1)
            edges.append(
                dict(
                    parent=other,
                    child=doc,
                    confidence=_logistic(10.0 * (supplied / own - secondary_fraction)),
                    evidence=(
                        f"{other} supplies {supplied} of {doc}'s {own} shared n-grams that "
                        f"{parent}'s line does not explain (a second exemplar: contamination)"
                    ),
                    rank=2,
                )
            )
    for latent, latent_parent in parents.items():
        if not latent.startswith(LATENT_PREFIX) or latent_parent is None:
            continue
        if latent_parent.startswith(LATENT_PREFIX):
            # Nested lost exemplars of a tradition: as sure as the members' placement.
            confidence = TRADITION_LATENT_CONFIDENCE
            why = f"neighbour joining puts lost exemplar {latent} under {latent_parent}"
        else:
            # The latent source inherits from a document as its best-explained member does.
            confidence, why = max(
                (
                    _document_confidence(
                        member, latent_parent, evidence, cues, weights, root_weight, containment
                    )
                    for member in members.get(latent, [])
                    if member != latent_parent
                ),
                default=(TRADITION_LATENT_CONFIDENCE, f"{latent} hangs from {latent_parent}"),
            )
        edges.append(
            dict(parent=latent_parent, child=latent, confidence=confidence, evidence=why, rank=1)
        )


def _containment(pairs: pd.DataFrame) -> dict[tuple[str, str], float]:
    """(x, p) -> containment of x in p from the pairs table."""
    out: dict[tuple[str, str], float] = {}
    for row in pairs.itertuples(index=False):
        out[(row.a, row.b)] = float(row.containment_a_in_b)
        out[(row.b, row.a)] = float(row.containment_b_in_a)
    return out


def _document_confidence(
    doc: str,
    parent: str,
    evidence,
    cues,
    weights: np.ndarray,
    root_weight: float,
    containment: Mapping[tuple[str, str], float],
) -> tuple[float, str]:
    x, p = evidence.index(doc), evidence.index(parent)
    column = weights[:, x].copy()
    chosen = float(column[p])
    column[p] = 0.0
    runner = int(np.argmax(column))
    alternative = max(float(column[runner]), root_weight)
    margin = chosen / (chosen + alternative)
    direction = float(cues.probability[p, x])
    sizes = evidence.material_size()
    shared = int(evidence.shared[p, x])
    # Few verbatim n-grams (a loose paraphrase) leave the choice less certain.
    strength = 1.0 - np.exp(-shared / EVIDENCE_SCALE)
    confidence = _logistic(MARGIN_SLOPE * (margin - 0.5)) * direction * strength
    spans = evidence.prose_spans.get((x, p), np.zeros((0, 2)))
    chars = int((spans[:, 1] - spans[:, 0]).sum()) if len(spans) else 0
    decided = [
        name
        for name, values in (
            ("family material", cues.family),
            ("size", cues.size),
            ("trimming", cues.trim),
            ("dates", cues.dates),
        )
        if values[p, x] > 0.1
    ]
    why = (
        f"{parent} carries {shared} of {doc}'s {int(sizes[x])} shared n-grams "
        f"({chars} prose chars in {len(spans)} passages); "
        f"upstream by {', '.join(decided) or 'no clear cue'} (p={direction:.2f}); "
        f"family material only in {parent}: {int(sizes[p]) - shared}, only in {doc}: "
        f"{int(sizes[x]) - shared}; next best "
        + (
            f"{evidence.ids[runner]} {column[runner]:.2f}"
            if column[runner] > root_weight
            else "no parent"
        )
    )
    if (doc, parent) in containment:
        why += f"; containment {containment[(doc, parent)]:.2f} vs {containment[(parent, doc)]:.2f}"
    return confidence, why


def _latent_confidence(
    doc: str,
    latent: str,
    members: list[str],
    evidence,
    sources: SourcesResult,
    sizes: np.ndarray,
    threshold: float,
) -> tuple[float, str]:
    x = evidence.index(doc)
    missing = sources.unexplained.get(doc, 0)
    own = int(sizes[x])
    others = [m for m in members if m != doc]
    shared = sum(int(evidence.shared[x, evidence.index(m)]) for m in others)
    if missing:
        ratio = missing / max(own, 1)
        confidence = _logistic(60.0 * (ratio - threshold)) * (1.0 - np.exp(-missing / 10.0))
        why = (
            f"{missing} of its {own} shared n-grams are shared with relatives but missing "
            f"from every single document that could be its source; {latent} "
            f"(members {', '.join(members)}) explains them"
        )
    else:
        ratios = [
            sources.unexplained.get(m, 0) / max(int(sizes[evidence.index(m)]), 1) for m in others
        ]
        confidence = _logistic(60.0 * (max(ratios, default=0.0) - threshold))
        why = (
            f"other members of {latent} ({', '.join(others)}) carry material shared with "
            f"relatives that {doc} lacks, so it is not their source; "
            f"shares {shared} n-grams with them"
        )
    return confidence, why
