"""MinHash signatures (vectorized, bit-identical to datasketch) and LSH candidate pairs.

:func:`minhash_signatures` (:mod:`lineage.minhash`) computes the signatures of many
documents at once, bit-identical to ``datasketch.MinHash``.

:func:`lsh_candidates` bands the signatures and returns the pairs that share a band. The
band count and width come from the LSH S-curve: a pair with Jaccard ``s`` shares at least
one of ``b`` bands of ``r`` rows with probability ``1 - (1 - s**r)**b``; among the
``(b, r)`` with ``b * r <= num_perm`` whose probability at the threshold reaches
``recall_target``, the one with the smallest false-positive area
``integral_0^t 1 - (1 - s**r)**b ds`` is used (:func:`lsh_parameters`). datasketch's
default weights balance both errors and miss about a fifth of the pairs just above the
threshold; here recall is the constraint and exact verification removes the extra
candidates.

Both work under a :class:`CandidateBudget`: a band bucket of more documents than the
budget allows (copies of one text, a template every article carries) is not expanded into
all its pairs but each member is paired with its nearest neighbours in the bucket, and
each document keeps at most ``per_document`` candidates, the most similar by the sketch
estimate (a pair stays when it is among the best of either of its documents). What the
budget left out is counted in a :class:`CandidateLimits` (``DataFrame.attrs["limits"]``
of the result), so memory grows with the documents, never with the square of a bucket.

:func:`containment_candidates` finds pairs where a short text sits inside a long one
(high containment, low Jaccard), the idea of LSH Ensemble: documents are split into
size classes (powers of two) and each pair of classes is banded at the Jaccard implied by
the containment threshold and the largest size ratio between the two classes.

Examples
--------
>>> from lineage.shingle import shingle_hashes
>>> texts = ["the quick brown fox jumps over the lazy dog near the river bank today",
...          "the quick brown fox jumps over the lazy dog near the river bank",
...          "an entirely different sentence about markets and oil prices this week"]
>>> signatures = minhash_signatures(shingle_hashes(texts, n=3), num_perm=64)
>>> signatures.shape, signatures.dtype
((3, 64), dtype('uint32'))
>>> lsh_candidates(signatures, threshold=0.5).to_dict("records")
[{'a': 0, 'b': 1}]
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from lineage.candidate_budget import DEFAULT_BUDGET, CandidateBudget, CandidateLimits
from lineage.errors import ParameterError, check_fraction, check_positive_int, shorten
from lineage.minhash import SCHEMES, check_signatures, minhash_signatures, mix64, nonempty_rows
from lineage.shingle import ranges

__all__ = [
    "SCHEMES",
    "CandidateBudget",
    "CandidateLimits",
    "band_keys",
    "banding",
    "cap_candidates",
    "check_signatures",
    "containment_bandings",
    "containment_candidates",
    "lsh_candidates",
    "lsh_parameters",
    "minhash_signatures",
    "nonempty_rows",
    "pair_probability",
    "pairs_in_buckets",
    "size_classes",
]

logger = logging.getLogger(__name__)

_BAND_BASE = np.uint64(0x9E3779B97F4A7C15)
_ESTIMATE_CHUNK = 1 << 16
"""Pairs whose signatures are compared at once (two 128-wide rows each: ~64 MB)."""


def pair_probability(similarity: float | np.ndarray, bands: int, rows: int) -> np.ndarray:
    """Return the chance that a pair of this Jaccard shares a band: ``1-(1-s**r)**b``.

    Examples
    --------
    >>> round(float(pair_probability(0.5, bands=20, rows=5)), 2)
    0.47
    """
    s = np.asarray(similarity, dtype=float)
    return 1.0 - (1.0 - s**rows) ** bands


def lsh_parameters(
    threshold: float, *, num_perm: int = 128, recall_target: float = 0.99
) -> tuple[int, int]:
    """Choose ``(bands, rows)`` so a pair at ``threshold`` is found with ``recall_target``.

    Among all ``(b, r)`` with ``b * r <= num_perm`` and ``b >= 2`` (datasketch's
    ``MinHashLSH`` needs two bands) whose S-curve reaches ``recall_target`` at
    ``threshold``, return the one with the smallest false-positive area
    ``integral_0^threshold 1-(1-s**r)**b ds`` (fewest candidates below the threshold).
    If none reaches the target, return the one with the highest probability at the
    threshold.

    Parameters
    ----------
    threshold
        Jaccard similarity that must be found, in (0, 1].
    num_perm
        Signature length.
    recall_target
        Probability that a pair with Jaccard exactly ``threshold`` becomes a candidate
        (pairs above it are found more often).

    Returns
    -------
    tuple of int
        ``(bands, rows)``.

    Examples
    --------
    >>> lsh_parameters(0.5, num_perm=128, recall_target=0.99)
    (35, 3)
    >>> bands, rows = lsh_parameters(0.8, num_perm=128, recall_target=0.95)
    >>> bool(pair_probability(0.8, bands, rows) >= 0.95)
    True
    """
    threshold = check_fraction("threshold", threshold)
    recall_target = check_fraction("recall_target", recall_target)
    num_perm = check_positive_int("num_perm", num_perm)
    if threshold == 0.0 or num_perm < 2:
        return max(num_perm, 2), 1
    grid = np.linspace(0.0, threshold, 201)
    best: tuple[float, int, int] | None = None
    fallback: tuple[float, int, int] = (-1.0, 2, 1)
    for rows in range(1, num_perm // 2 + 1):
        at_threshold = threshold**rows
        if at_threshold >= 1.0:
            bands = 2
        elif at_threshold <= 0.0:
            bands = num_perm + 1
        else:
            bands = max(2, math.ceil(math.log1p(-recall_target) / math.log1p(-at_threshold)))
        if bands * rows > num_perm:
            most = num_perm // rows
            reached = float(pair_probability(threshold, most, rows))
            if most >= 2 and reached > fallback[0]:
                fallback = (reached, most, rows)
            continue
        area = float(np.trapezoid(pair_probability(grid, bands, rows), grid))
        if best is None or area < best[0]:
            best = (area, bands, rows)
    if best is None:
        logger.info(
            "no LSH banding of %d permutations reaches recall %.2f at %.2f; using %s",
            num_perm,
            recall_target,
            threshold,
            fallback[1:],
        )
        return fallback[1], fallback[2]
    return best[1], best[2]


def banding(
    threshold: float,
    *,
    num_perm: int | None,
    params: tuple[int, int] | None = None,
    recall_target: float = 0.99,
) -> tuple[int, int]:
    """Return the ``(bands, rows)`` of an LSH run: ``params`` checked, else the S-curve's.

    Examples
    --------
    >>> banding(0.5, num_perm=128, params=(16, 8)), banding(0.5, num_perm=128)
    ((16, 8), (35, 3))
    """
    if params is None:
        return lsh_parameters(threshold, num_perm=num_perm, recall_target=recall_target)
    bands, rows = (
        check_positive_int(name, v) for name, v in zip(("bands", "rows"), params, strict=True)
    )
    if num_perm is not None and bands * rows > num_perm:
        raise ParameterError(
            f"'params' needs bands * rows <= num_perm ({bands} * {rows} > {num_perm})"
        )
    return bands, rows


def band_keys(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """Return one uint64 key per (band, document): a hash of the band's rows."""
    keys = np.zeros((bands, signatures.shape[0]), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for row in range(rows):
            column = signatures[:, row : bands * rows : rows].T.astype(np.uint64)
            keys *= _BAND_BASE
            keys += column
    return mix64(keys)


def pairs_in_buckets(
    order: np.ndarray, sorted_keys: np.ndarray, max_bucket: int | None = None
) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Return the pairs of elements whose sorted keys are equal (one LSH bucket).

    ``order[i]`` is the element whose key is ``sorted_keys[i]``. In a bucket of more
    than ``max_bucket`` elements each is paired with the next ``max_bucket`` only.
    Returns the two aligned arrays of elements, the number of such large buckets and the
    pairs they did not form.

    Examples
    --------
    >>> import numpy as np
    >>> left, right, large, skipped = pairs_in_buckets(
    ...     np.arange(5), np.array([7, 7, 7, 7, 9]), max_bucket=2)
    >>> list(zip(left.tolist(), right.tolist())), large, skipped
    ([(0, 1), (0, 2), (1, 2), (1, 3), (2, 3)], 1, 1)
    """
    empty = np.zeros(0, dtype=np.int64)
    if sorted_keys.size < 2:
        return empty, empty, 0, 0
    change = np.flatnonzero(sorted_keys[1:] != sorted_keys[:-1]) + 1
    bounds = np.concatenate([[0], change, [sorted_keys.size]])
    sizes = np.diff(bounds)
    group_end = np.repeat(bounds[1:], sizes)
    after = group_end - np.arange(sorted_keys.size) - 1  # later members of my group
    large, skipped = 0, 0
    if max_bucket is not None:
        big = sizes > max_bucket + 1  # up to max_bucket + 1 members: all pairs formed
        large = int(big.sum())
        full = sizes[big] * (sizes[big] - 1) // 2
        after = np.minimum(after, max_bucket)
        kept = np.add.reduceat(after, bounds[:-1])[big] if large else full
        skipped = int((full - kept).sum()) if large else 0
    total = int(after.sum())
    if total == 0:
        return empty, empty, large, skipped
    step, left = ranges(np.zeros(after.size, dtype=np.int64), after)
    right = left + 1 + step
    return order[left], order[right], large, skipped


def _estimates(signatures: np.ndarray, codes: np.ndarray, sizes: np.ndarray | None) -> np.ndarray:
    """Return the sketch estimate of each pair ``code = a * n + b``.

    The estimated Jaccard ``J``, or with ``sizes`` the estimated share of the smaller
    document's shingles found in the larger, ``J (|a| + |b|) / ((1 + J) min(|a|, |b|))``.
    Computed ``_ESTIMATE_CHUNK`` pairs at a time.
    """
    n = signatures.shape[0]
    out = np.empty(codes.size)
    for start in range(0, codes.size, _ESTIMATE_CHUNK):
        chunk = codes[start : start + _ESTIMATE_CHUNK]
        a, b = chunk // n, chunk % n
        out[start : start + chunk.size] = (signatures[a] == signatures[b]).mean(axis=1)
        if sizes is not None:
            jaccard = out[start : start + chunk.size]
            small = np.maximum(np.minimum(sizes[a], sizes[b]), 1)
            shared = jaccard * (sizes[a] + sizes[b]) / (1.0 + jaccard)
            out[start : start + chunk.size] = np.minimum(shared / small, 1.0)
    return out


def _cap(
    codes: np.ndarray, scores: np.ndarray, n: int, per_document: int, limits: CandidateLimits
) -> tuple[np.ndarray, np.ndarray]:
    """Keep the pairs among the ``per_document`` best (score, then code) of either end."""
    if codes.size == 0:
        return codes, scores
    ends = np.concatenate([codes // n, codes % n])
    index = np.tile(np.arange(codes.size), 2)
    order = np.lexsort((np.tile(codes, 2), -np.tile(scores, 2), ends))
    ends_sorted = ends[order]
    starts = np.flatnonzero(np.r_[True, ends_sorted[1:] != ends_sorted[:-1]])
    rank, _ = ranges(np.zeros(starts.size, dtype=np.int64), np.diff(np.r_[starts, order.size]))
    keep = np.zeros(codes.size, dtype=bool)
    keep[index[order[rank < per_document]]] = True
    if not keep.all():
        over = ends_sorted[rank == per_document]
        limits._capped.update(over.tolist())
        limits.capped_documents = len(limits._capped)
        limits.pairs_dropped += int((~keep).sum())
    return codes[keep], scores[keep]


def _banded_pairs(
    signatures: np.ndarray,
    members: np.ndarray,
    bands: int,
    rows: int,
    budget: CandidateBudget | None = None,
    sizes: np.ndarray | None = None,
    limits: CandidateLimits | None = None,
) -> np.ndarray:
    """Return unique pair codes ``a * n + b`` (a < b, positions) sharing a band.

    Under a ``budget`` the pairs are capped as they come, whenever more than twice
    ``per_document`` per document are held, and at the end (see :func:`cap_candidates`:
    capping in parts keeps exactly the pairs a cap of the whole set keeps), so memory
    stays within about ``2 * per_document`` pairs per document plus one band's pairs.
    """
    n = signatures.shape[0]
    limits = CandidateLimits() if limits is None else limits
    keys = band_keys(signatures[members], bands, rows)
    max_bucket = None if budget is None else budget.max_bucket
    kept = np.zeros(0, dtype=np.int64)
    scores = np.zeros(0)
    codes: list[np.ndarray] = []
    for band in keys:
        order = np.argsort(band, kind="stable")
        left, right, large, skipped = pairs_in_buckets(order, band[order], max_bucket)
        limits.large_buckets += large
        limits.bucket_pairs_skipped += skipped
        left, right = members[left], members[right]
        low, high = np.minimum(left, right), np.maximum(left, right)
        found = np.unique(low * n + high)
        if budget is None:
            codes.append(found)
            continue
        found = found[~np.isin(found, kept, assume_unique=True)]
        kept = np.concatenate([kept, found])
        scores = np.concatenate([scores, _estimates(signatures, found, sizes)])
        if kept.size > 2 * members.size * budget.per_document:  # cap when it could bind
            kept, scores = _cap(kept, scores, n, budget.per_document, limits)
    if budget is not None:
        kept, scores = _cap(kept, scores, n, budget.per_document, limits)
        return np.sort(kept)
    return np.unique(np.concatenate(codes)) if codes else np.zeros(0, dtype=np.int64)


def cap_candidates(
    candidates: pd.DataFrame,
    signatures: np.ndarray,
    budget: CandidateBudget,
    *,
    sizes: Sequence[int] | np.ndarray | None = None,
) -> pd.DataFrame:
    """Keep each document's ``budget.per_document`` most similar candidates.

    Parameters
    ----------
    candidates
        Columns ``a, b`` (row positions into ``signatures``).
    signatures
        ``(n_docs, num_perm)`` from :func:`minhash_signatures`.
    budget
        The cap.
    sizes
        Distinct shingles per document: rank by the estimated containment of the
        smaller document in the larger instead of the estimated Jaccard.

    Returns
    -------
    pandas.DataFrame
        Columns ``a, b``, sorted: the pairs ranked among the ``per_document`` best of
        ``a`` or of ``b`` (by estimate, ties by position). ``attrs["limits"]`` is the
        :class:`CandidateLimits` of the cap. Capping a set in parts and then the union of
        the parts gives the same pairs as capping the whole set.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> signatures = np.array([[1, 2, 3, 4], [1, 2, 3, 9], [1, 2, 8, 9], [1, 7, 8, 9]])
    >>> pairs = pd.DataFrame({"a": [0, 0, 0, 1, 1, 2], "b": [1, 2, 3, 2, 3, 3]})
    >>> capped = cap_candidates(pairs, signatures, CandidateBudget(per_document=1))
    >>> capped.values.tolist(), capped.attrs["limits"].pairs_dropped
    ([[0, 1], [1, 2], [2, 3]], 3)
    """
    signatures = check_signatures(signatures)
    n = signatures.shape[0]
    a = candidates["a"].to_numpy(dtype=np.int64)
    b = candidates["b"].to_numpy(dtype=np.int64)
    codes = np.unique(np.minimum(a, b) * n + np.maximum(a, b))
    sizes_array = None if sizes is None else np.asarray(sizes, dtype=np.int64)
    limits = CandidateLimits()
    kept, _ = _cap(
        codes, _estimates(signatures, codes, sizes_array), n, budget.per_document, limits
    )
    frame = _pairs_frame(np.sort(kept), n)
    frame.attrs["limits"] = limits
    return frame


def _pairs_frame(codes: np.ndarray, n: int) -> pd.DataFrame:
    return pd.DataFrame({"a": codes // n, "b": codes % n}).astype("int64")


def lsh_candidates(
    signatures: np.ndarray,
    *,
    threshold: float = 0.5,
    recall_target: float = 0.99,
    params: tuple[int, int] | None = None,
    budget: CandidateBudget | None = DEFAULT_BUDGET,
    sizes: Sequence[int] | np.ndarray | None = None,
) -> pd.DataFrame:
    """Return the pairs of documents that share at least one LSH band, within a budget.

    Parameters
    ----------
    signatures
        ``(n_docs, num_perm)`` from :func:`minhash_signatures`.
    threshold
        Jaccard similarity the candidates are for.
    recall_target
        Chance that a pair exactly at ``threshold`` becomes a candidate; the bands are
        chosen by :func:`lsh_parameters`.
    params
        ``(bands, rows)`` to use instead (as datasketch's ``MinHashLSH(params=...)``).
    budget
        Per-document cap and largest bucket expanded (:class:`CandidateBudget`); ``None``
        for every pair sharing a band.
    sizes
        Distinct shingles per document, to rank a document's candidates by estimated
        containment rather than Jaccard under the budget.

    Returns
    -------
    pandas.DataFrame
        Columns ``a, b`` (int64 row positions, ``a < b``), sorted, no repeats. Documents
        without shingles are never candidates. ``attrs["limits"]`` is a
        :class:`CandidateLimits` saying what the budget left out.

    Notes
    -----
    Band ``i`` is rows ``i*r .. (i+1)*r - 1`` of the signature, as in ``MinHashLSH``,
    so the same ``params`` and no budget give the same candidates as inserting the
    signatures into ``MinHashLSH`` and querying each (and, while no bucket is larger and
    no document has more candidates than the budget, with it). Cost ``O(b * n log n)``
    plus the pairs found; under a budget at most about ``n * per_document`` pairs are
    held at any time, whatever the buckets.
    """
    signatures = check_signatures(signatures)
    threshold = check_fraction("threshold", threshold)
    num_perm = signatures.shape[1]
    bands, rows = banding(threshold, num_perm=num_perm, params=params, recall_target=recall_target)
    logger.debug("LSH with %d bands of %d rows at threshold %.2f", bands, rows, threshold)
    limits = CandidateLimits()
    sizes_array = None if sizes is None else np.asarray(sizes, dtype=np.int64)
    codes = _banded_pairs(
        signatures, nonempty_rows(signatures), bands, rows, budget, sizes_array, limits
    )
    frame = _pairs_frame(codes, signatures.shape[0])
    frame.attrs["limits"] = limits
    return frame


def size_classes(sizes: Sequence[int] | np.ndarray) -> np.ndarray:
    """Return the size class ``floor(log2(size))`` of each document (0 for empty ones).

    Examples
    --------
    >>> size_classes([0, 1, 3, 4, 1000]).tolist()
    [0, 0, 1, 2, 9]
    """
    sizes = np.asarray(sizes, dtype=np.int64)
    return np.floor(np.log2(np.maximum(sizes, 1))).astype(np.int64)


def containment_bandings(
    threshold: float, *, num_perm: int, max_ratio: float = 8.0, recall_target: float = 0.95
) -> list[tuple[int, int]]:
    """Return the ``(bands, rows)`` that :func:`containment_candidates` uses per class gap.

    Entry ``k`` bands two size classes ``k`` apart, at the Jaccard implied by the
    containment ``threshold`` and the largest size ratio between them,
    ``min(2**(k+1), max_ratio)``; classes further apart than the list is long are not
    compared. A persistent index stores these bands to find the same candidates.

    Examples
    --------
    >>> containment_bandings(0.3, num_perm=128)
    [(26, 1), (46, 1), (86, 1), (86, 1)]
    """
    span = math.ceil(math.log2(max_ratio)) if max_ratio > 1 else 0
    bandings = []
    for gap in range(span + 1):
        ratio = min(2.0 ** (gap + 1), max_ratio)
        implied = threshold / (1.0 + ratio - threshold) if threshold > 0 else 0.0
        bandings.append(lsh_parameters(implied, num_perm=num_perm, recall_target=recall_target))
    return bandings


def containment_candidates(
    signatures: np.ndarray,
    sizes: Sequence[int] | np.ndarray,
    *,
    threshold: float = 0.5,
    max_ratio: float = 8.0,
    recall_target: float = 0.95,
    budget: CandidateBudget | None = DEFAULT_BUDGET,
) -> pd.DataFrame:
    """Return pairs where the smaller document may be contained in the larger one.

    The containment of ``Q`` in ``X`` is ``|Q & X| / |Q|``. When it is at least ``t`` and
    ``|X| <= x |Q|``, the Jaccard is at least ``t / (1 + x - t)``. Documents are put in
    size classes ``[2**k, 2**(k+1))``; each class is banded against itself and every
    larger class up to ``max_ratio`` times larger, at the Jaccard threshold implied by
    the largest size ratio between the two classes (the partitioning of LSH Ensemble,
    Zhu et al., VLDB 2016). Exact verification then keeps the real ones.

    Parameters
    ----------
    signatures
        ``(n_docs, num_perm)`` from :func:`minhash_signatures`.
    sizes
        Number of distinct shingles of each document.
    threshold
        Containment of the smaller document in the larger one the candidates are for.
    max_ratio
        Largest size ratio (larger / smaller) searched; a shorter text inside a text more
        than this many times longer is not looked for.
    recall_target
        Chance that a pair exactly at the implied Jaccard becomes a candidate.
    budget
        Per-document cap (ranked by estimated containment) and largest bucket expanded,
        as for :func:`lsh_candidates`; ``None`` for no cap.

    Returns
    -------
    pandas.DataFrame
        Columns ``a, b`` (int64 row positions, ``a < b``), sorted, no repeats;
        ``attrs["limits"]`` as for :func:`lsh_candidates`.

    Examples
    --------
    >>> from lineage.shingle import shingle_hashes
    >>> story = " ".join(f"word{i}" for i in range(400))
    >>> brief = " ".join(f"word{i}" for i in range(100, 220))
    >>> hashes = shingle_hashes([story, brief, "nothing in common at all here"], n=3)
    >>> signatures = minhash_signatures(hashes, num_perm=128)
    >>> sizes = [len(set(h.tolist())) for h in hashes]
    >>> containment_candidates(signatures, sizes, threshold=0.8).to_dict("records")
    [{'a': 0, 'b': 1}]
    """
    signatures = check_signatures(signatures)
    threshold = check_fraction("threshold", threshold)
    sizes = np.asarray(sizes, dtype=np.int64)
    if sizes.shape != (signatures.shape[0],):
        raise ParameterError(
            f"'sizes' needs one entry per signature row ({signatures.shape[0]}), "
            f"got shape {sizes.shape}"
        )
    if not isinstance(max_ratio, (int, float)) or max_ratio < 1:
        raise ParameterError(f"'max_ratio' must be a number >= 1 (got {shorten(max_ratio)})")
    num_perm = signatures.shape[1]
    n = signatures.shape[0]
    usable = np.intersect1d(nonempty_rows(signatures), np.flatnonzero(sizes > 0))
    size_class = size_classes(sizes)
    banding = containment_bandings(
        threshold, num_perm=num_perm, max_ratio=max_ratio, recall_target=recall_target
    )
    classes = np.unique(size_class[usable])
    codes: list[np.ndarray] = []
    limits = CandidateLimits()
    for low in classes:
        for high in classes[(classes >= low) & (classes - low < len(banding))]:
            members = usable[(size_class[usable] == low) | (size_class[usable] == high)]
            if members.size < 2:
                continue
            bands, rows = banding[high - low]
            found = _banded_pairs(signatures, members, bands, rows, budget, sizes, limits)
            if high != low:  # pairs inside one class are covered by (low, low)
                a_class, b_class = size_class[found // n], size_class[found % n]
                found = found[a_class != b_class]
            codes.append(found)
    all_codes = np.unique(np.concatenate(codes)) if codes else np.zeros(0, dtype=np.int64)
    a, b = all_codes // n, all_codes % n
    small, large = np.minimum(sizes[a], sizes[b]), np.maximum(sizes[a], sizes[b])
    keep = large <= max_ratio * np.maximum(small, 1)
    frame = _pairs_frame(all_codes[keep], n)
    if budget is not None:  # each class pair was capped; cap their union the same way
        frame = cap_candidates(frame, signatures, budget, sizes=sizes)
        limits.add(frame.attrs["limits"])
    frame.attrs["limits"] = limits
    return frame
