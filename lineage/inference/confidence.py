"""How sure each parent decision is, and the evidence that decided it.

For every document of a group, a **confidence** per parent decision:

- a document parent: the margin over the next best explanation (another document or no
  parent) times the direction probability times the strength of the verbatim evidence;
- a latent parent: how far the material the best single document leaves unexplained
  exceeds the threshold;
- a placement inside a tradition (by neighbour joining): ``tradition_confidence``;
- "no parent": the margin of the root over the best candidate;

and **evidence** naming the cues that decided, with n-gram, passage and char counts. A
second source (contamination) becomes a ``rank`` 2 edge.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import numpy as np
import pandas as pd
import scipy.sparse as sp

from lineage.inference.evidence import GroupEvidence, ReuseEvidence, edge_features
from lineage.inference.forest import descendants
from lineage.inference.model import confidence_model
from lineage.inference.params import InferenceParams
from lineage.inference.tradition import LATENT_PREFIX, Placement

__all__ = [
    "HAS_PARENT",
    "INDEPENDENT",
    "NOT_ENOUGH_EVIDENCE",
    "ROOT",
    "containment_of",
    "document_confidence",
    "latent_confidence",
    "link_matrix",
    "link_probability",
    "score_group",
]

LATENT_SLOPE = 60.0
"""Slope of the logistic turning the unexplained share (over its threshold) into a belief."""
LATENT_SCALE = 10.0
"""Unexplained n-grams at which a latent parent's confidence reaches 63% of its ceiling."""
SECONDARY_SLOPE = 10.0
"""Slope of the logistic turning a second source's supplied share into a belief."""
CUE_FLOOR = 0.1
"""A direction cue above this is named in the evidence as one that decided."""
HAS_PARENT = "parent"
"""``parent_status`` of a document with a parent it was given."""
INDEPENDENT = "independent"
"""``parent_status`` of a document that no document explains and that no document copies."""
ROOT = "root"
"""``parent_status`` of a document that no document explains but that others copy: the
source at the top of its family (some document claims it as its parent)."""
NOT_ENOUGH_EVIDENCE = "not enough evidence"
"""``parent_status`` of a document whose best parent is below ``min_confidence``."""


def _logistic(value: float) -> float:
    return float(1.0 / (1.0 + np.exp(-value)))


def link_probability(features: np.ndarray) -> np.ndarray:
    """Probability that two documents with these :data:`FEATURES` share text by reuse.

    The link model of :mod:`lineage.inference.model` (a logistic regression fitted on
    labelled real pairs by ``benchmarks/reliability.py``). ``features`` holds one
    candidate edge per row (the last axis is :data:`FEATURES`).
    """
    return confidence_model().link(features)


def link_matrix(evidence: ReuseEvidence) -> sp.csr_array:
    """``link[p, x]``: :func:`link_probability` of every pair sharing material (sparse)."""
    n = len(evidence.ids)
    p, x = evidence.related()
    values = link_probability(edge_features(evidence, p, x)) if p.size else np.zeros(0)
    return sp.csr_array((values, (p, x)), shape=(n, n))


def containment_of(pairs: pd.DataFrame) -> dict[tuple[str, str], float]:
    """``(x, p)`` -> containment of ``x`` in ``p``, from the pairs table.

    Examples
    --------
    >>> pairs = pd.DataFrame(dict(a=["a"], b=["b"], containment_a_in_b=[0.9],
    ...                           containment_b_in_a=[0.4]))
    >>> containment_of(pairs)
    {('a', 'b'): 0.9, ('b', 'a'): 0.4}
    """
    out: dict[tuple[str, str], float] = {}
    for row in pairs.itertuples(index=False):
        out[(row.a, row.b)] = float(row.containment_a_in_b)
        out[(row.b, row.a)] = float(row.containment_b_in_a)
    return out


def _choice(evidence: ReuseEvidence, x: int, p: int, other: int, params: InferenceParams) -> float:
    """Belief that ``p`` rather than ``other`` is the source of ``x``.

    Stemmatology's test: the source is the one whose own readings the copy carries. The
    n-grams ``x`` shares with ``p`` but not with ``other``, against those it shares with
    ``other`` but not with ``p``, through a logistic with scale ``choice_scale``.
    """
    with_p, with_other = evidence.pair(x, p), evidence.pair(x, other)
    only_p = np.setdiff1d(with_p, with_other).size
    only_other = np.setdiff1d(with_other, with_p).size
    return _logistic((only_p - only_other) / params.choice_scale)


def document_confidence(
    doc: str,
    parent: str,
    group: GroupEvidence,
    params: InferenceParams,
    containment: Mapping[tuple[str, str], float],
    derived: Collection[str] = (),
) -> tuple[float, str]:
    """Probability and evidence that document ``parent`` is the source of ``doc``.

    The product of three parts: the **link** probability that the two share text by
    reuse (:func:`link_probability`, calibrated on labelled real pairs); the **direction**,
    1 when ``parent`` is dated before ``doc`` (a later text is never a source), else the
    direction cues' probability that ``parent`` is upstream; and the **choice** over the
    next best document parent (see :func:`_choice`; 1 when there is none), leaving
    out the documents in ``derived`` (those placed below ``parent`` or ``doc``: a copy of
    the parent carries its text without being another explanation of it).
    """
    evidence, cues = group.evidence, group.cues
    x, p = evidence.index(doc), evidence.index(parent)
    excluded = {p} | {evidence.index(d) for d in derived if d in evidence.ids}
    rows, values = group.candidates(x)
    keep = ~np.isin(rows, list(excluded))
    rows, values = rows[keep], values[keep]
    runner = int(rows[np.argmax(values)]) if rows.size else p
    alternative = float(values.max()) if rows.size else 0.0
    choice = _choice(evidence, x, p, runner, params) if alternative > 0 else 1.0
    dated = bool(cues.order([p], [x])[0] > 0)
    direction = 1.0 if dated else float(cues.probability([p], [x])[0])
    link = float(group.link[p, x])
    confidence = link * direction * choice
    shared = int(evidence.shared[p, x])
    spans = evidence.prose_spans.get((x, p), np.zeros((0, 2)))
    chars = int((spans[:, 1] - spans[:, 0]).sum()) if len(spans) else 0
    features = cues.features([p], [x])[0]
    cue_values = (
        ("family material", features[0]),
        ("size", features[1]),
        ("trimming", features[2]),
        ("dates", float(cues.order([p], [x])[0])),
    )
    decided = [name for name, value in cue_values if value > CUE_FLOOR]
    sizes = group.sizes
    next_best = f"{evidence.ids[runner]} {alternative:.2f}" if alternative > 0 else "none"
    why = (
        f"{parent} carries {shared} of {doc}'s {int(sizes[x])} shared n-grams "
        f"({chars} prose chars in {len(spans)} passages): reuse p={link:.2f}; "
        f"upstream by {', '.join(decided) or 'no clear cue'} (p={direction:.2f}); "
        f"family material only in {parent}: {int(sizes[p]) - shared}, only in {doc}: "
        f"{int(sizes[x]) - shared}; next best document {next_best}"
    )
    if (doc, parent) in containment:
        why += f"; containment {containment[(doc, parent)]:.2f} vs {containment[(parent, doc)]:.2f}"
    return confidence, why


def latent_confidence(
    doc: str,
    latent: str,
    members: list[str],
    group: GroupEvidence,
    placement: Placement,
    params: InferenceParams,
) -> tuple[float, str]:
    """Confidence and evidence that ``doc`` draws on the latent source ``latent``."""
    evidence, sizes = group.evidence, group.sizes
    x = evidence.index(doc)
    missing = placement.unexplained.get(doc, 0)
    own = int(sizes[x])
    others = [m for m in members if m != doc]
    shared = sum(int(evidence.shared[x, evidence.index(m)]) for m in others)
    threshold = params.unexplained_fraction
    if missing:
        ratio = missing / max(own, 1)
        confidence = _logistic(LATENT_SLOPE * (ratio - threshold)) * (
            1.0 - np.exp(-missing / LATENT_SCALE)
        )
        why = (
            f"{missing} of its {own} shared n-grams are shared with relatives but missing "
            f"from every single document that could be its source; {latent} "
            f"(members {', '.join(members)}) explains them"
        )
    else:
        ratios = [
            placement.unexplained.get(m, 0) / max(int(sizes[evidence.index(m)]), 1) for m in others
        ]
        confidence = _logistic(LATENT_SLOPE * (max(ratios, default=0.0) - threshold))
        why = (
            f"other members of {latent} ({', '.join(others)}) carry material shared with "
            f"relatives that {doc} lacks, so it is not their source; "
            f"shares {shared} n-grams with them"
        )
    return confidence, why


def _no_parent(doc: str, group: GroupEvidence, params: InferenceParams) -> dict:
    """Document row of a document of the group left without a parent."""
    evidence = group.evidence
    rows, values = group.candidates(evidence.index(doc))
    best = float(values.max()) if rows.size else 0.0
    top = int(rows[np.argmax(values)]) if rows.size else 0
    if best > 0:
        confidence = params.root_weight / (params.root_weight + best)
        why = (
            f"no document explains its material (best candidate "
            f"{evidence.ids[top]} at {best:.2f} < {params.root_weight:.2f})"
        )
    else:
        confidence = params.alone_confidence
        why = "shares no substantial prose material with any document"
    return dict(
        id=doc, parent=None, parent_confidence=confidence, parent_status=INDEPENDENT, evidence=why
    )


def _primary(
    doc: str,
    parent: str,
    group: GroupEvidence,
    placement: Placement,
    params: InferenceParams,
    containment: Mapping[tuple[str, str], float],
) -> tuple[float, str]:
    """Confidence and evidence of the primary parent ``parent`` of document ``doc``."""
    if doc in placement.branches:
        # Rooted over the whole tradition's tree, not by the cues of this one pair.
        what = "a lost exemplar" if parent.startswith(LATENT_PREFIX) else "the copy"
        why = (
            f"neighbour joining over the tradition puts {what} {parent} next to {doc} "
            f"(branch {placement.branches[doc]:.2f} x the median), rooted where the "
            f"direction cues over the whole tree are most probable"
        )
        return params.tradition_confidence, why
    if parent.startswith(LATENT_PREFIX):
        members = sorted(placement.latent_members[parent])
        return latent_confidence(doc, parent, members, group, placement, params)
    derived = descendants(placement.parents, parent) | descendants(placement.parents, doc)
    return document_confidence(doc, parent, group, params, containment, derived)


def _latent_parent_edge(
    latent: str,
    parent: str,
    group: GroupEvidence,
    placement: Placement,
    params: InferenceParams,
    containment: Mapping[tuple[str, str], float],
) -> dict:
    """Edge from the parent of a latent source to it."""
    if parent.startswith(LATENT_PREFIX):
        # Nested lost exemplars of a tradition: as sure as the members' placement.
        confidence = params.tradition_confidence
        why = f"neighbour joining puts lost exemplar {latent} under {parent}"
    else:
        # The latent source inherits from a document as its best-explained member does.
        confidence, why = max(
            (
                document_confidence(member, parent, group, params, containment)
                for member in sorted(placement.latent_members.get(latent, []))
                if member != parent
            ),
            default=(params.tradition_confidence, f"{latent} hangs from {parent}"),
        )
    return _edge(parent, latent, confidence, why, link=confidence, status=HAS_PARENT)


def _edge(
    parent: str, child: str, confidence: float, why: str, *, link: float, status: str, rank: int = 1
) -> dict:
    """One row of the edges table."""
    return dict(
        parent=parent,
        child=child,
        confidence=confidence,
        evidence=why,
        rank=rank,
        status=status,
        link_confidence=link,
    )


def _secondary_edge(
    doc: str, parent: str, group: GroupEvidence, placement: Placement, params: InferenceParams
) -> dict:
    """Rank-2 edge from a document's second source (contamination)."""
    other, supplied = placement.secondary[doc]
    own = max(int(group.sizes[group.evidence.index(doc)]), 1)
    confidence = _logistic(SECONDARY_SLOPE * (supplied / own - params.secondary_fraction))
    why = (
        f"{other} supplies {supplied} of {doc}'s {own} shared n-grams that "
        f"{parent}'s line does not explain (a second exemplar: contamination)"
    )
    return _edge(other, doc, confidence, why, link=confidence, status=HAS_PARENT, rank=2)


def _link_of(doc: str, parent: str, group: GroupEvidence, confidence: float) -> float:
    """Probability that ``doc`` and ``parent`` share text by reuse, whichever way."""
    if parent.startswith(LATENT_PREFIX) or parent not in group.evidence.ids:
        return confidence
    evidence = group.evidence
    return float(group.link[evidence.index(parent), evidence.index(doc)])


def score_group(
    group: GroupEvidence,
    placement: Placement,
    params: InferenceParams,
    containment: Mapping[tuple[str, str], float],
) -> tuple[list[dict], list[dict]]:
    """Edges and document rows of a group.

    Edges carry ``parent, child, confidence, evidence, rank`` and ``status``, ``"parent"``
    for a claimed parent or ``"not enough evidence"`` for a link whose direction (or
    choice of parent) is below ``min_confidence``: the two share text by reuse with
    probability ``link_confidence``, but which is the source is not claimed (the child's
    ``parent`` is then missing).
    """
    edges: list[dict] = []
    documents: list[dict] = []
    for doc in group.evidence.ids:
        parent = placement.parents.get(doc)
        if parent is None:
            documents.append(_no_parent(doc, group, params))
            continue
        confidence, why = _primary(doc, parent, group, placement, params, containment)
        link = _link_of(doc, parent, group, confidence)
        if confidence < params.min_confidence and not parent.startswith(LATENT_PREFIX):
            why = (
                f"{NOT_ENOUGH_EVIDENCE}: linked to {parent} (reuse p={link:.2f}), but "
                f"{parent} as its source at p={confidence:.2f} < "
                f"{params.min_confidence:.2f}; {why}"
            )
            edges.append(_edge(parent, doc, confidence, why, link=link, status=NOT_ENOUGH_EVIDENCE))
            status, parent, confidence = NOT_ENOUGH_EVIDENCE, None, np.nan
        else:
            edges.append(_edge(parent, doc, confidence, why, link=link, status=HAS_PARENT))
            status = HAS_PARENT
        documents.append(
            dict(
                id=doc,
                parent=parent,
                parent_confidence=confidence,
                parent_status=status,
                evidence=why,
            )
        )
        if parent is not None and doc in placement.secondary:
            edges.append(_secondary_edge(doc, parent, group, placement, params))
    for latent, parent in placement.parents.items():
        if latent.startswith(LATENT_PREFIX) and parent is not None:
            edges.append(_latent_parent_edge(latent, parent, group, placement, params, containment))
    copied = {edge["parent"] for edge in edges if edge["status"] == HAS_PARENT}
    for row in documents:
        if row["parent_status"] == INDEPENDENT and row["id"] in copied:
            row["parent_status"] = ROOT
    return edges, documents
