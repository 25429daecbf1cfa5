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

Cost: O(passages + n-grams) for the material; every pairwise figure is kept only for the
pairs that share material (sparse), so memory grows with the related pairs, not with the
square of the documents.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from lineage.errors import ParameterError
from lineage.inference.model import DIRECTION_FEATURES, FEATURES, confidence_model
from lineage.inference.params import DEFAULTS, InferenceParams
from lineage.intervals import covered, inside, intersects, union
from lineage.quotes import find_quotations
from lineage.records import Quotation, complement
from lineage.shingle import Shingles, shingle

__all__ = [
    "DIRECTION_FEATURES",
    "FEATURES",
    "DirectionCues",
    "GroupEvidence",
    "ReuseEvidence",
    "candidate_weights",
    "check_documents",
    "direction_features",
    "direction_scores",
    "edge_features",
    "informative_of",
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
        aligned prose (a symmetric sparse array: only related pairs are stored).
    material
        Per document, the sorted distinct n-gram hashes it shares with any other document.
    pair_material
        ``(i, j)`` with ``i < j`` -> the sorted hashes the pair shares.
    prose_spans, quote_spans
        ``(i, j)`` -> merged char spans of document ``i`` inside prose (quote) passages
        with document ``j``.
    prose_covered
        ``(i, j)`` -> characters of ``prose_spans[(i, j)]`` (computed once).
    tails
        ``(i, j)`` -> share of the last third of document ``i`` outside its passages with
        ``j`` (a copy trimmed from the end leaves its source's tail unaligned).
    halves
        Per document, its material in the first and in the second half of the text.
    pair_figures
        ``(i, j)`` with ``i < j`` -> figures of the pair's passages and pairs-table row:
        ``commonness`` and ``similarity`` (char-weighted means over its passages),
        ``aligned_chars`` (the smaller side's characters inside them) and
        ``informative_containment`` (the larger of the pairs table's two directions; the
        share of the shorter text's n-grams the pair shares when the table lacks it).
    """

    ids: tuple[str, ...]
    lengths: np.ndarray
    shingle_counts: np.ndarray
    shared: sp.csr_array
    material: tuple[np.ndarray, ...]
    pair_material: dict[tuple[int, int], np.ndarray]
    prose_spans: dict[tuple[int, int], np.ndarray]
    quote_spans: dict[tuple[int, int], np.ndarray]
    tails: dict[tuple[int, int], float]
    halves: tuple[tuple[np.ndarray, np.ndarray], ...] = ()
    pair_figures: dict[tuple[int, int], dict[str, float]] = field(default_factory=dict)
    prose_covered: dict[tuple[int, int], int] = field(default_factory=dict)

    def prose_share(self, x: np.ndarray, p: np.ndarray) -> np.ndarray:
        """Fraction of each document ``x``'s chars inside prose passages with ``p``."""
        chars = self._prose(x, p)
        return chars / np.maximum(self.lengths[np.asarray(x, dtype=np.int64)], 1)

    def prose_chars(self, x: np.ndarray, p: np.ndarray) -> np.ndarray:
        """Characters of prose passages between each ``x`` and ``p``, on the smaller side."""
        return np.minimum(self._prose(x, p), self._prose(p, x))

    def _prose(self, x: np.ndarray, p: np.ndarray) -> np.ndarray:
        """Characters of each document ``x`` inside prose passages with ``p``."""
        return np.array(
            [
                self.prose_covered.get((a, b), 0)
                for a, b in zip(np.asarray(x).tolist(), np.asarray(p).tolist(), strict=True)
            ],
            dtype=float,
        ).reshape(-1)

    def neighbours(self, i: int) -> np.ndarray:
        """Rows of the documents sharing material with document ``i``."""
        return self.shared.indices[self.shared.indptr[i] : self.shared.indptr[i + 1]]

    def related(self) -> tuple[np.ndarray, np.ndarray]:
        """``(p, x)``: every ordered pair of rows that shares material (both orders)."""
        coo = self.shared.tocoo()
        return coo.row.astype(np.int64), coo.col.astype(np.int64)

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


def _passage_figures(
    ids: Sequence[str], passages: pd.DataFrame
) -> dict[tuple[int, int], dict[str, float]]:
    """``(i, j)`` (``i < j``) -> char-weighted commonness and similarity of its passages.

    A passages table without a ``commonness`` column (or a missing value) counts as 0.
    """
    if passages.empty:
        return {}
    n = len(ids)
    index = {doc: k for k, doc in enumerate(ids)}
    # Plain arrays and one bincount per figure: a groupby on a frame of a few rows costs
    # milliseconds of pandas overhead, and inference asks this once per group.
    i = np.array([index.get(doc, -1) for doc in passages["a"].tolist()], dtype=np.int64)
    j = np.array([index.get(doc, -1) for doc in passages["b"].tolist()], dtype=np.int64)
    keep = (i >= 0) & (j >= 0)
    span = passages["a_end"].to_numpy(dtype=np.int64) - passages["a_start"].to_numpy(dtype=np.int64)
    weight = np.maximum(span, 1).astype(float)[keep]

    def column(name: str) -> np.ndarray:
        if name not in passages:
            return np.zeros(int(keep.sum()))
        values = passages[name].to_numpy(dtype=float, na_value=np.nan)[keep]
        return np.nan_to_num(values, nan=0.0)

    keys, group = np.unique(
        np.minimum(i, j)[keep] * n + np.maximum(i, j)[keep], return_inverse=True
    )
    w = np.bincount(group, weights=weight, minlength=keys.size)
    wc = np.bincount(group, weights=weight * column("commonness"), minlength=keys.size)
    ws = np.bincount(group, weights=weight * column("similarity"), minlength=keys.size)
    sums = zip(keys.tolist(), w.tolist(), wc.tolist(), ws.tolist(), strict=True)
    return {
        (key // n, key % n): {"commonness": c / total, "similarity": s / total}
        for key, total, c, s in sums
    }


def reuse_evidence(
    ids: Sequence[str],
    texts: Sequence[str],
    passages: pd.DataFrame,
    *,
    ngram: int = InferenceParams.ngram,
    quotations: Mapping[str, Sequence[Quotation]] | None = None,
    max_quote_chars: int = InferenceParams.max_quote_chars,
    informative: Mapping[tuple[str, str], float] | None = None,
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
    informative
        ``(a, b)`` with ``a < b`` -> the pair's informative containment (the larger
        direction, see :func:`informative_of`); missing pairs use the share of the shorter
        text's n-grams they share.

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
    shingles = [shingle(text, n=ngram) for text in texts]
    unquoted, quoted = _unquoted(ids, texts, shingles, quotations, max_quote_chars)
    prose, quote = _aligned_spans(ids, passages, quoted)
    aligned = {
        key: union(prose.get(key, []) + quote.get(key, [])) for key in set(prose) | set(quote)
    }
    pair_material = _pair_material(shingles, aligned, unquoted)
    prose_spans = {key: union(spans) for key, spans in prose.items()}
    per_doc: list[list[np.ndarray]] = [[] for _ in ids]
    for (i, j), common in pair_material.items():
        per_doc[i].append(common)
        per_doc[j].append(common)
    material = tuple(
        np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.uint64)
        for parts in per_doc
    )
    counts = np.array([np.unique(s.hashes).size for s in shingles], dtype=np.int64)
    tails = {
        (x, y): _uncovered_tail(aligned[(x, y)], len(texts[x]))
        for i, j in pair_material
        for x, y in ((i, j), (j, i))
    }
    return ReuseEvidence(
        ids=tuple(ids),
        lengths=np.array([len(t) for t in texts], dtype=np.int64),
        shingle_counts=counts,
        shared=_symmetric(pair_material, len(ids)),
        material=material,
        pair_material=pair_material,
        prose_spans=prose_spans,
        prose_covered={key: covered(spans) for key, spans in prose_spans.items()},
        quote_spans={key: union(spans) for key, spans in quote.items()},
        tails=tails,
        halves=_halves(texts, shingles, material),
        pair_figures=_pair_figures(ids, passages, pair_material, aligned, counts, informative),
    )


def _unquoted(
    ids: Sequence[str],
    texts: Sequence[str],
    shingles: Sequence[Shingles],
    quotations: Mapping[str, Sequence[Quotation]] | None,
    max_quote_chars: int,
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Per document, which n-grams lie outside its quotations, and its quotation spans."""
    unquoted, quoted = [], []
    for doc, text, sh in zip(ids, texts, shingles, strict=True):
        found = quotations[doc] if quotations is not None else find_quotations(text)
        spans = union([(q.start, q.end) for q in found if q.end - q.start <= max_quote_chars])
        unquoted.append(~intersects(sh.starts, sh.ends, spans))
        quoted.append(np.asarray(spans, dtype=np.int64).reshape(-1, 2))
    return unquoted, quoted


def _pair_material(
    shingles: Sequence[Shingles],
    aligned: Mapping[tuple[int, int], list[tuple[int, int]]],
    unquoted: Sequence[np.ndarray],
) -> dict[tuple[int, int], np.ndarray]:
    """``(i, j)`` (``i < j``) -> the unquoted n-grams inside both sides' passages."""
    out = {}
    for i, j in sorted(key for key in aligned if key[0] < key[1]):
        sides = []
        for x, y in ((i, j), (j, i)):
            sh = shingles[x]
            sides.append(sh.hashes[inside(sh.starts, sh.ends, aligned[(x, y)]) & unquoted[x]])
        common = np.intersect1d(sides[0], sides[1])
        if common.size:
            out[(i, j)] = common
    return out


def _symmetric(pair_material: Mapping[tuple[int, int], np.ndarray], n: int) -> sp.csr_array:
    """Return the sparse symmetric ``shared`` array: n-grams each related pair shares."""
    keys = np.array(list(pair_material), dtype=np.int64).reshape(-1, 2)
    sizes = np.array([m.size for m in pair_material.values()], dtype=np.int64)
    rows = np.r_[keys[:, 0], keys[:, 1]]
    cols = np.r_[keys[:, 1], keys[:, 0]]
    return sp.csr_array((np.concatenate([sizes, sizes]), (rows, cols)), shape=(n, n))


def _pair_figures(
    ids: Sequence[str],
    passages: pd.DataFrame,
    pair_material: Mapping[tuple[int, int], np.ndarray],
    aligned: Mapping[tuple[int, int], list[tuple[int, int]]],
    counts: np.ndarray,
    informative: Mapping[tuple[str, str], float] | None,
) -> dict[tuple[int, int], dict[str, float]]:
    """Figures of every related pair (see :attr:`ReuseEvidence.pair_figures`)."""
    figures = _passage_figures(ids, passages)
    out = {}
    for (i, j), common in pair_material.items():
        pair = dict(figures.get((i, j), {"commonness": 0.0, "similarity": 0.0}))
        pair["aligned_chars"] = float(min(covered(aligned[(i, j)]), covered(aligned[(j, i)])))
        key = (ids[i], ids[j]) if ids[i] < ids[j] else (ids[j], ids[i])
        shorter = common.size / max(int(min(counts[i], counts[j])), 1)
        pair["informative_containment"] = float((informative or {}).get(key, shorter))
        out[(i, j)] = pair
    return out


def _stamps(ids: Sequence[str], dates: Mapping[str, object] | None) -> np.ndarray:
    """Publication time of every document in ns (NaN where unknown)."""
    if not dates:
        return np.full(len(ids), np.nan)
    stamps = pd.to_datetime(pd.Series([dates.get(d) for d in ids], dtype=object), errors="coerce")
    values = stamps.to_numpy(dtype="datetime64[ns]").astype(np.int64).astype(float)
    return np.where(stamps.notna().to_numpy(), values, np.nan)


def direction_features(evidence: ReuseEvidence, p: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Return the :data:`DIRECTION_FEATURES` of the ordered pairs ``(p, x)``, a row each.

    Antisymmetric: the cues of ``(x, p)`` are those of ``(p, x)`` negated.

    Examples
    --------
    >>> import pandas as pd
    >>> a = "the talks in istanbul were delayed until the afternoon on thursday at noon"
    >>> b = "the talks in istanbul were delayed until the afternoon"
    >>> rows = [dict(a="A", a_start=0, a_end=len(b), b="B", b_start=0, b_end=len(b),
    ...              kind="prose", similarity=1.0)]
    >>> ev = reuse_evidence(["A", "B"], [a, b], pd.DataFrame(rows))
    >>> cues = direction_features(ev, np.array([0, 1]), np.array([1, 0]))
    >>> cues[0].round(2).tolist(), bool((cues[0] == -cues[1]).all())
    ([0.0, 0.22, 0.8, 0.22, 0.8], True)
    """
    p, x = np.asarray(p, dtype=np.int64), np.asarray(x, dtype=np.int64)
    sizes = evidence.material_size().astype(float)
    shared = evidence.shared[p, x].astype(float) if p.size else np.zeros(0)
    mine, theirs = sizes[p] - shared, sizes[x] - shared  # family material the other lacks
    family = (mine - theirs) / (mine + theirs + 10.0)
    total = np.maximum(evidence.shingle_counts.astype(float), 1.0)
    size = (total[p] - total[x]) / (total[p] + total[x])
    tails = evidence.tails
    trim = np.array(
        [
            tails.get((a, b), 0.0) - tails.get((b, a), tails.get((a, b), 0.0))
            for a, b in zip(p.tolist(), x.tolist(), strict=True)
        ]
    ).reshape(-1)
    covered = np.clip(shared / np.minimum(total[p], total[x]), 0.0, 1.0)
    return np.stack([family, size, trim, size * covered, trim * covered], axis=-1)


@dataclass(frozen=True)
class DirectionCues:
    """Cues that ``p`` is upstream of ``x`` for any ordered pairs of one group's documents.

    Computed on demand per pair (nothing is stored per pair of the group): ``features``
    are the :data:`DIRECTION_FEATURES` (family material each side carries that the other
    lacks, lengths, trimmed tail); ``order`` the publication order where both dates are
    known; ``probability`` that ``p`` is upstream (see :func:`direction_scores`).
    """

    evidence: ReuseEvidence
    stamps: np.ndarray

    def features(self, p: np.ndarray, x: np.ndarray) -> np.ndarray:
        """:func:`direction_features` of the pairs ``(p, x)``."""
        return direction_features(self.evidence, p, x)

    def order(self, p: np.ndarray, x: np.ndarray) -> np.ndarray:
        """+1 where ``p`` is dated before ``x``, -1 after, 0 where unknown or equal."""
        gap = (
            self.stamps[np.asarray(x, dtype=np.int64)] - self.stamps[np.asarray(p, dtype=np.int64)]
        )
        return np.nan_to_num(np.sign(gap), nan=0.0)

    def probability(self, p: np.ndarray, x: np.ndarray) -> np.ndarray:
        """Probability that ``p`` is upstream of ``x``; the reverse pairs sum to 1."""
        p, x = (
            np.atleast_1d(np.asarray(p, dtype=np.int64)),
            np.atleast_1d(np.asarray(x, dtype=np.int64)),
        )
        learnt = confidence_model().direction(self.features(p, x)) if p.size else np.zeros(0)
        # A pair alone cannot be oriented by its text: the length cues point opposite
        # ways by genre (a PAN-13 copy expands its source, a news rewrite abridges it).
        degree = np.diff(self.evidence.shared.indptr)
        alone = (degree[p] <= 1) & (degree[x] <= 1)
        learnt = np.where(alone, 0.5, learnt)
        # A text is never the source of an earlier one: known dates decide the direction.
        order = self.order(p, x)
        return np.where(order != 0, (order > 0).astype(float), learnt)


def direction_scores(
    evidence: ReuseEvidence,
    *,
    dates: Mapping[str, object] | None = None,
) -> DirectionCues:
    """Return the direction cues of a group, whose ``probability(p, x)`` orients a pair.

    Where both dates are known and differ, the earlier text is upstream (probability 1).
    Otherwise, for a pair inside a family of three or more documents, the probability is
    the direction model's (:mod:`lineage.inference.model`) from
    :func:`direction_features`; for a pair alone (neither shares material with a third
    document) it is 0.5: "not enough evidence". On PAN-13 pairs alone the length cues
    orient 95% of the pairs the wrong way (the copy expands its source, where a news
    rewrite abridges it): two texts alone do not tell which genre they are.
    """
    return DirectionCues(evidence, _stamps(evidence.ids, dates))


def informative_of(pairs: pd.DataFrame) -> dict[tuple[str, str], float]:
    """Return ``(a, b)`` (``a < b``) -> the larger informative containment of the pair.

    Empty when the pairs table has no ``informative_containment_*`` columns.

    Examples
    --------
    >>> pairs = pd.DataFrame(dict(a=["x"], b=["y"], informative_containment_a_in_b=[0.2],
    ...                           informative_containment_b_in_a=[0.7]))
    >>> informative_of(pairs)
    {('x', 'y'): 0.7}
    """
    columns = ["informative_containment_a_in_b", "informative_containment_b_in_a"]
    if pairs is None or not set(columns) <= set(pairs.columns):
        return {}
    best = pairs[columns].astype(float).max(axis=1).fillna(0.0)
    keys = [(a, b) if a < b else (b, a) for a, b in zip(pairs["a"], pairs["b"], strict=True)]
    return dict(zip(keys, best.tolist(), strict=True))


def edge_features(evidence: ReuseEvidence, p: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Return the :data:`FEATURES` of candidate edges from rows ``p`` to rows ``x``.

    One row of features per edge, in the order of :data:`FEATURES`; the features are
    those of the pair, so ``p -> x`` and ``x -> p`` read the same.

    Examples
    --------
    >>> import pandas as pd
    >>> a = "the talks in istanbul were delayed until the afternoon on thursday"
    >>> rows = [dict(a="A", a_start=0, a_end=len(a), b="B", b_start=0, b_end=len(a),
    ...              kind="prose", similarity=1.0)]
    >>> ev = reuse_evidence(["A", "B"], [a, a], pd.DataFrame(rows))
    >>> edge_features(ev, np.array([0]), np.array([1])).round(2).tolist()
    [[2.3, 1.0, 1.0, 0.0, 1.0, 4.2]]
    """
    rows = []
    for i, j in zip(np.asarray(p).tolist(), np.asarray(x).tolist(), strict=True):
        key = (i, j) if i < j else (j, i)
        shared = int(evidence.shared[i, j])
        figures = evidence.pair_figures.get(key, {})
        shorter = max(int(min(evidence.shingle_counts[i], evidence.shingle_counts[j])), 1)
        rows.append(
            (
                np.log1p(shared),
                shared / shorter,
                figures.get("informative_containment", shared / shorter),
                figures.get("commonness", 0.0),
                figures.get("similarity", 0.0),
                np.log1p(figures.get("aligned_chars", 0.0)),
            )
        )
    return np.array(rows, dtype=float).reshape(-1, len(FEATURES))


def candidate_weights(
    evidence: ReuseEvidence,
    cues: DirectionCues,
    link: sp.csr_array,
    params: InferenceParams = DEFAULTS,
) -> sp.csr_array:
    """``weight[p, x]``: how well document ``p`` explains ``x`` as its source (0 = no edge).

    The share of ``x``'s family material that ``p`` carries, times the probability that
    ``p`` is upstream. Pairs sharing fewer than ``min_shared`` n-grams, or less than
    ``min_fraction`` of the shorter text's n-grams (unless ``min_shared_alone`` or more),
    get no edge, unless at least ``min_prose_share`` of either text's characters lie in prose
    passages with the other, or the two sides of their prose passages hold at least
    ``min_prose_chars`` characters each (a passage lifted into a long text); nor does a
    pair whose ``link`` probability (that the two share text by reuse, from the fitted link
    model) is below ``min_confidence``, nor a ``p`` dated after ``x``. Only related pairs are
    computed (a sparse array).
    """
    n = len(evidence.ids)
    p, x = evidence.related()
    shared = evidence.shared[p, x].astype(float) if p.size else np.zeros(0)
    sizes = np.maximum(evidence.material_size(), 1)
    counts = np.maximum(evidence.shingle_counts, 1)
    # Share of the shorter text: a passage copied into a long text is still most of its
    # source's story, and a long verbatim passage is reuse whatever surrounds it.
    share = shared / np.minimum(counts[p], counts[x])
    verbatim = (shared >= params.min_shared) & (share >= params.min_fraction)
    verbatim |= shared >= params.min_shared_alone
    # A loose rewrite shares few verbatim n-grams but much aligned (paraphrased) prose.
    prose = np.maximum(evidence.prose_share(x, p), evidence.prose_share(p, x))
    paraphrased = (shared >= 2) & (params.min_prose_share <= prose)
    # A passage lifted into a long text, paraphrased: a small share of either, but a
    # paragraph the passage floor (lineage.informative) already judged to be evidence.
    paraphrased |= (shared >= 2) & (evidence.prose_chars(x, p) >= params.min_prose_chars)
    ok = (verbatim | paraphrased) & (link[p, x] >= params.min_confidence if p.size else False)
    ok &= cues.order(p, x) >= 0  # never a source published later
    weight = shared / sizes[x] * cues.probability(p, x) if p.size else np.zeros(0)
    return sp.csr_array((weight[ok], (p[ok], x[ok])), shape=(n, n))


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
        (:func:`lineage.inference.confidence.link_matrix`; sparse, related pairs only).
    weights
        :func:`candidate_weights`: ``weights[p, x]``, how well ``p`` explains ``x``
        (sparse).
    sizes
        Distinct shared n-grams of every document (``evidence.material_size()``).
    """

    evidence: ReuseEvidence
    cues: DirectionCues
    link: sp.csr_array
    weights: sp.csr_array
    sizes: np.ndarray

    def candidates(self, x: int) -> tuple[np.ndarray, np.ndarray]:
        """Rows of the candidate parents of document ``x`` and their weights."""
        column = sp.csc_array(self.weights[:, [x]])
        return column.indices.astype(np.int64), column.data
