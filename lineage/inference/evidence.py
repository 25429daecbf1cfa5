"""Pairwise evidence of reuse and of its direction, computed once per group of documents.

The stage reads the passages table (which spans of which pair are aligned) and the texts,
and works on **material**: the word n-grams (hashed, see :func:`lineage.shingle.shingle`)
of a document that lie inside a passage with another document *and* occur inside the
matching passage of the other side. Material is therefore both aligned and verbatim, so a
loosely drawn passage does not inflate it, and a paraphrased word shows up as material the
two sides do not share (a variant, in the stemmatologist's sense). N-grams inside a
quotation of the document are left out: a public quotation that independent outlets share
is common knowledge and neither makes a family nor a copy.

From the material come the **direction cues** (:func:`direction_scores`: text length,
trimming of the tail, family material, dates) and the **candidate weights**
(:func:`candidate_weights`: how well each document explains another as its source).
:func:`group_evidence` computes all three once; every later step reads them.

Cost: O(passages + n-grams) for the material, O(n^2) matrices in the documents of one
group connected by passages.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lineage.errors import ParameterError
from lineage.inference.params import DEFAULTS, InferenceParams
from lineage.intervals import covered, inside, intersects, union
from lineage.quotes import find_quotations
from lineage.records import Quotation, complement
from lineage.shingle import Shingles, shingle

__all__ = [
    "FEATURES",
    "DirectionCues",
    "GroupEvidence",
    "ReuseEvidence",
    "candidate_weights",
    "check_documents",
    "direction_scores",
    "edge_features",
    "reuse_evidence",
]


def _uncovered_tail(spans: np.ndarray, length: int) -> float:
    """Share of the last third of a text of ``length`` chars outside the merged ``spans``."""
    start = (2 * length) // 3
    if length - start <= 0:
        return 0.0
    clipped = np.clip(spans, start, length) if spans.size else spans
    return 1.0 - covered(clipped) / (length - start)


@dataclass(frozen=True)
class ReuseEvidence:
    """Shared material of every related pair, the input of source and lineage inference.

    Attributes
    ----------
    ids
        Document ids, in the order of every matrix.
    lengths
        Characters of every document.
    shingle_counts
        Distinct word n-grams of every document.
    shared
        ``shared[i, j]``: distinct n-grams that documents ``i`` and ``j`` share inside
        aligned prose (symmetric).
    material
        Per document, the sorted distinct n-gram hashes it shares with any other document.
    pair_material
        ``(i, j)`` with ``i < j`` -> the sorted hashes the pair shares.
    prose_spans, quote_spans
        ``(i, j)`` -> merged char spans of document ``i`` inside prose (quote) passages
        with document ``j``.
    tails
        ``(i, j)`` -> share of the last third of document ``i`` outside its passages with
        ``j`` (a copy trimmed from the end leaves its source's tail unaligned).
    halves
        Per document, its material in the first and in the second half of the text.
    """

    ids: tuple[str, ...]
    lengths: np.ndarray
    shingle_counts: np.ndarray
    shared: np.ndarray
    material: tuple[np.ndarray, ...]
    pair_material: dict[tuple[int, int], np.ndarray]
    prose_spans: dict[tuple[int, int], np.ndarray]
    quote_spans: dict[tuple[int, int], np.ndarray]
    tails: dict[tuple[int, int], float]
    halves: tuple[tuple[np.ndarray, np.ndarray], ...] = ()

    def prose_share(self) -> np.ndarray:
        """``share[x, p]``: fraction of document ``x``'s chars inside prose passages with ``p``."""
        n = len(self.ids)
        out = np.zeros((n, n))
        for (x, p), spans in self.prose_spans.items():
            out[x, p] = covered(spans) / max(int(self.lengths[x]), 1)
        return out

    def index(self, doc: str) -> int:
        """Row of document ``doc`` in the matrices."""
        return self.ids.index(doc)

    def pair(self, i: int, j: int) -> np.ndarray:
        """Hashes documents ``i`` and ``j`` share (empty when unrelated)."""
        key = (i, j) if i < j else (j, i)
        return self.pair_material.get(key, np.zeros(0, dtype=np.uint64))

    def material_size(self) -> np.ndarray:
        """Distinct shared n-grams of every document."""
        return np.array([m.size for m in self.material], dtype=np.int64)


def check_documents(ids: Sequence[str], texts: Sequence[str]) -> None:
    """Raise a :class:`ParameterError` unless ``ids`` are unique and match ``texts``."""
    if len(ids) != len(texts):
        raise ParameterError(f"'ids' and 'texts' differ in length ({len(ids)} != {len(texts)})")
    if len(set(ids)) != len(ids):
        raise ParameterError("'ids' must be unique")


def _aligned_spans(
    ids: Sequence[str], passages: pd.DataFrame, quoted: Sequence[np.ndarray]
) -> tuple[dict[tuple[int, int], list[tuple[int, int]]], dict[tuple[int, int], list]]:
    """``(i, j)`` -> spans of ``i`` in prose (and in quote) passages with ``j``.

    A ``"mixed"`` passage (prose with quotations inside) is split on each side at the
    document's own quotations ``quoted[i]`` (merged spans).
    """
    index = {doc: k for k, doc in enumerate(ids)}
    prose: dict[tuple[int, int], list[tuple[int, int]]] = {}
    quote: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for row in passages.itertuples(index=False):
        i, j = index.get(row.a), index.get(row.b)
        if i is None or j is None or i == j:
            continue
        for x, y, start, end in ((i, j, row.a_start, row.a_end), (j, i, row.b_start, row.b_end)):
            span = (int(start), int(end))
            if row.kind == "mixed":
                inside = [
                    (max(s, span[0]), min(e, span[1]))
                    for s, e in quoted[x].tolist()
                    if s < span[1] and span[0] < e
                ]
                quote.setdefault((x, y), []).extend(inside)
                prose.setdefault((x, y), []).extend(complement(span, inside))
            else:
                target = quote if row.kind == "quote" else prose
                target.setdefault((x, y), []).append(span)
    return prose, quote


def _halves(
    texts: Sequence[str], shingles: Sequence[Shingles], material: Sequence[np.ndarray]
) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """Per document, its material in the first and in the second half of the text."""
    halves = []
    for x, sh in enumerate(shingles):
        first = sh.starts < len(texts[x]) // 2
        halves.append(
            (
                np.intersect1d(sh.hashes[first], material[x]),
                np.intersect1d(sh.hashes[~first], material[x]),
            )
        )
    return tuple(halves)


def reuse_evidence(
    ids: Sequence[str],
    texts: Sequence[str],
    passages: pd.DataFrame,
    *,
    ngram: int = InferenceParams.ngram,
    quotations: Mapping[str, Sequence[Quotation]] | None = None,
    max_quote_chars: int = InferenceParams.max_quote_chars,
) -> ReuseEvidence:
    """Compute the shared material of every pair that has passages.

    Material is taken from every passage of a pair, quotation or prose, leaving out the
    n-grams inside a quotation of the document itself: a long passage split into pieces
    may mislabel a piece, the quotation marks of the text do not.

    Parameters
    ----------
    ids, texts
        Documents (ids unique, texts the originals the passages point into).
    passages
        Passages table (schema ``"passages"``).
    ngram
        Words per n-gram (see :class:`~lineage.inference.params.InferenceParams`).
    quotations
        Document id -> its quotations; found with :func:`lineage.quotes.find_quotations`
        when not given.
    max_quote_chars
        Longer quotations are ignored (a quotation mark left open).

    Returns
    -------
    ReuseEvidence

    Examples
    --------
    >>> import pandas as pd
    >>> a = "the talks in istanbul were delayed until the afternoon on thursday"
    >>> b = "talks in istanbul were delayed until the evening on thursday"
    >>> rows = [dict(a="A", a_start=4, a_end=len(a), b="B", b_start=0, b_end=len(b),
    ...              kind="prose", similarity=0.9)]
    >>> ev = reuse_evidence(["A", "B"], [a, b], pd.DataFrame(rows))
    >>> int(ev.shared[0, 1])
    5
    """
    check_documents(ids, texts)
    n = len(ids)
    shingles = [shingle(text, n=ngram) for text in texts]
    unquoted = []
    quoted = []
    for doc, text, sh in zip(ids, texts, shingles, strict=True):
        found = quotations[doc] if quotations is not None else find_quotations(text)
        spans = union([(q.start, q.end) for q in found if q.end - q.start <= max_quote_chars])
        unquoted.append(~intersects(sh.starts, sh.ends, spans))
        quoted.append(np.asarray(spans, dtype=np.int64).reshape(-1, 2))
    prose, quote = _aligned_spans(ids, passages, quoted)
    aligned = {
        key: union(prose.get(key, []) + quote.get(key, [])) for key in set(prose) | set(quote)
    }
    shared = np.zeros((n, n), dtype=np.int64)
    pair_material: dict[tuple[int, int], np.ndarray] = {}
    tails: dict[tuple[int, int], float] = {}
    per_doc: list[list[np.ndarray]] = [[] for _ in range(n)]
    for i, j in sorted(key for key in aligned if key[0] < key[1]):
        sides = []
        for x, y in ((i, j), (j, i)):
            sh = shingles[x]
            sides.append(sh.hashes[inside(sh.starts, sh.ends, aligned[(x, y)]) & unquoted[x]])
        common = np.intersect1d(sides[0], sides[1])
        if common.size == 0:
            continue
        pair_material[(i, j)] = common
        shared[i, j] = shared[j, i] = common.size
        per_doc[i].append(common)
        per_doc[j].append(common)
        for x, y in ((i, j), (j, i)):
            tails[(x, y)] = _uncovered_tail(aligned[(x, y)], len(texts[x]))
    material = tuple(
        np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.uint64)
        for parts in per_doc
    )
    return ReuseEvidence(
        ids=tuple(ids),
        lengths=np.array([len(t) for t in texts], dtype=np.int64),
        shingle_counts=np.array([np.unique(s.hashes).size for s in shingles], dtype=np.int64),
        shared=shared,
        material=material,
        pair_material=pair_material,
        prose_spans={key: union(spans) for key, spans in prose.items()},
        quote_spans={key: union(spans) for key, spans in quote.items()},
        tails=tails,
        halves=_halves(texts, shingles, material),
    )


def _date_order(ids: Sequence[str], dates: Mapping[str, object] | None) -> np.ndarray:
    """``order[i, j]`` = +1 when ``i`` is dated before ``j``, -1 after, 0 unknown or equal."""
    n = len(ids)
    out = np.zeros((n, n))
    if not dates:
        return out
    stamps = pd.to_datetime(pd.Series([dates.get(d) for d in ids], dtype=object), errors="coerce")
    known = stamps.notna().to_numpy()
    if known.sum() < 2:
        return out
    values = stamps.to_numpy(dtype="datetime64[ns]").astype(np.int64).astype(float)
    order = np.sign(values[None, :] - values[:, None])
    return np.where(known[:, None] & known[None, :], order, 0.0)


@dataclass(frozen=True)
class DirectionCues:
    """Per ordered pair ``(p, x)``: cues that ``p`` is upstream of ``x``, each in [-1, 1].

    ``family`` compares the family material each side carries that the other lacks (a
    copy carries a subset of its source's material); ``size`` the lengths in distinct
    n-grams (a copy trims); ``trim`` how much more of one side's last third is left
    unaligned (a copy keeps the top of its source and drops its tail);
    ``dates`` the publication order where both are known; ``probability`` that ``p`` is
    upstream of ``x`` (from the dates where known, else a logistic of the other cues).
    """

    family: np.ndarray
    size: np.ndarray
    trim: np.ndarray
    dates: np.ndarray
    probability: np.ndarray


def direction_scores(
    evidence: ReuseEvidence,
    *,
    dates: Mapping[str, object] | None = None,
    params: InferenceParams = DEFAULTS,
) -> DirectionCues:
    """Return the direction cues and ``probability[p, x]`` that ``p`` is upstream of ``x``.

    Where both dates are known and differ, the earlier text is upstream (probability 1);
    otherwise the probability is a logistic combination of the text cues with the
    ``direction_*`` weights of ``params``. ``probability[p, x] + probability[x, p] == 1``.
    """
    sizes = evidence.material_size().astype(float)
    shared = evidence.shared.astype(float)
    unique = sizes[:, None] - shared  # unique[p, x]: p's family material x lacks
    family = (unique - unique.T) / (unique + unique.T + 10.0)
    total = np.maximum(evidence.shingle_counts.astype(float), 1.0)
    size = (total[:, None] - total[None, :]) / (total[:, None] + total[None, :])
    n = len(evidence.ids)
    trim = np.zeros((n, n))
    for (x, y), tail in evidence.tails.items():
        trim[x, y] = tail - evidence.tails.get((y, x), tail)
    order = _date_order(evidence.ids, dates)
    logit = (
        params.direction_family * family
        + params.direction_size * size
        + params.direction_trim * trim
    )
    # A text is never the source of an earlier one: known dates decide the direction.
    probability = np.where(order != 0, (order > 0).astype(float), 1.0 / (1.0 + np.exp(-logit)))
    return DirectionCues(family, size, trim, order, probability)


FEATURES = ("log_shared",)
"""Evidence features of a candidate edge ``p -> x`` that the link model reads.

``log_shared``: log(1 + distinct n-grams of material the two share). Shares of either
text (how much of it is shared) are left out until labelled pairs that share text without
reuse (templates, formulas) can weigh them: on PAN-13, 423 of the 424 training pairs with
shared material are reuse, which leaves such weights unidentified.
"""


def edge_features(evidence: ReuseEvidence, p: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Return the :data:`FEATURES` of candidate edges from rows ``p`` to rows ``x``.

    One row of features per edge, in the order of :data:`FEATURES`.

    Examples
    --------
    >>> import pandas as pd
    >>> a = "the talks in istanbul were delayed until the afternoon on thursday"
    >>> rows = [dict(a="A", a_start=0, a_end=len(a), b="B", b_start=0, b_end=len(a),
    ...              kind="prose", similarity=1.0)]
    >>> ev = reuse_evidence(["A", "B"], [a, a], pd.DataFrame(rows))
    >>> edge_features(ev, np.array([0]), np.array([1])).round(2).tolist()
    [[2.3]]
    """
    shared = evidence.shared[np.asarray(p), np.asarray(x)].astype(float)
    return np.log1p(shared)[:, None]


def candidate_weights(
    evidence: ReuseEvidence,
    cues: DirectionCues,
    link: np.ndarray,
    params: InferenceParams = DEFAULTS,
) -> np.ndarray:
    """``weight[p, x]``: how well document ``p`` explains ``x`` as its source (0 = no edge).

    The share of ``x``'s family material that ``p`` carries, times the probability that
    ``p`` is upstream. Pairs sharing fewer than ``min_shared`` n-grams, or less than
    ``min_fraction`` of the shorter text's n-grams (unless ``min_shared_alone`` or more),
    get no edge, unless at least ``min_prose_share`` of ``x``'s characters lie in prose passages
    with ``p``; nor does a pair whose ``link``
    probability (that the two share text by reuse) is below ``min_confidence``, nor a
    ``p`` dated after ``x``.
    """
    sizes = np.maximum(evidence.material_size(), 1)
    explain = evidence.shared / sizes[None, :]  # explain[p, x] = shared / |material x|
    counts = np.maximum(evidence.shingle_counts, 1)
    # Share of the shorter text: a passage copied into a long text is still most of its
    # source's story, and a long verbatim passage is reuse whatever surrounds it.
    share = evidence.shared / np.minimum(counts[:, None], counts[None, :])
    verbatim = (evidence.shared >= params.min_shared) & (share >= params.min_fraction)
    verbatim |= evidence.shared >= params.min_shared_alone
    # A loose rewrite shares few verbatim n-grams but much aligned (paraphrased) prose.
    paraphrased = (evidence.shared >= 2) & (params.min_prose_share <= evidence.prose_share().T)
    ok = (verbatim | paraphrased) & (link >= params.min_confidence)
    ok &= cues.dates >= 0  # never a source published later
    np.fill_diagonal(ok, False)
    return np.where(ok, explain * cues.probability, 0.0)


@dataclass(frozen=True)
class GroupEvidence:
    """Material, direction cues and candidate weights of one group, computed once.

    Attributes
    ----------
    evidence
        The shared material (:class:`ReuseEvidence`).
    cues
        The direction cues (:class:`DirectionCues`).
    link
        ``link[p, x]``: probability that ``p`` and ``x`` share text by reuse
        (:func:`lineage.inference.confidence.link_matrix`).
    weights
        :func:`candidate_weights`: ``weights[p, x]``, how well ``p`` explains ``x``.
    sizes
        Distinct shared n-grams of every document (``evidence.material_size()``).
    """

    evidence: ReuseEvidence
    cues: DirectionCues
    link: np.ndarray
    weights: np.ndarray
    sizes: np.ndarray
