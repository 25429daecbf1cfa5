"""Exact scores for candidate pairs: Jaccard, both containments, TF-IDF cosine.

LSH candidates are only likely matches; :func:`score_pairs` measures each one exactly on
the shingle sets and adds the TF-IDF cosine of the two texts (:func:`tfidf_cosines`).
Each document's distinct shingles are kept sorted in one flat array
(:class:`ShingleSets`); a pair's shared shingles are found by looking every shingle of
the smaller side up in the larger side's set, all pairs of a chunk in one
``numpy.searchsorted`` (no Python loop per pair, no sparse matrix, nothing per pair of
documents that are not candidates). Memory holds the candidate documents' sets once plus
a chunk of about :data:`CHUNK_ENTRIES` shingles, whatever the number of pairs.

Examples
--------
>>> import pandas as pd
>>> from lineage.shingle import shingle_batch
>>> texts = ["Putin spurned a challenge to meet Zelensky in Turkey on Thursday.",
...          "Putin spurned a challenge to meet Zelensky in Istanbul on Thursday.",
...          "Markets rallied as oil prices fell for a third day."]
>>> pairs = score_pairs(pd.DataFrame({"a": [0], "b": [1]}), shingle_batch(texts, n=3),
...                     texts, ["x", "y", "z"])
>>> pairs[["a", "b", "jaccard", "containment_a_in_b"]].round(3).to_dict("records")
[{'a': 'x', 'b': 'y', 'jaccard': 0.5, 'containment_a_in_b': 0.667}]
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lineage import schema
from lineage.errors import ParameterError, shorten
from lineage.shingle import (
    HashedSpans,
    Shingles,
    combine_token_hashes,
    text_batches,
    words_batch,
)

__all__ = [
    "RANK_KEY",
    "TFIDF_BUCKETS",
    "ShingleSets",
    "TermCounts",
    "pairs_table",
    "rank_pairs",
    "score_pairs",
    "set_scores",
    "shared_chars_of_pairs",
    "shared_shingle_chars",
    "shingle_set",
    "tfidf_cosines",
]

logger = logging.getLogger(__name__)

CHUNK_ENTRIES = 1 << 18
"""Shingles (both sides of the pairs) looked up per chunk of pairs: about 260,000, a few
MB of keys and positions whatever the number of pairs, so the temporary arrays of one
chunk are reused by the next instead of being mapped in afresh (page faults cost more
than the lookups)."""

RANK_KEY = ("jaccard", "containment", "tfidf_cosine")
"""Pairs are ranked by Jaccard, then by the larger containment, then by TF-IDF cosine
(all descending), then by ``a`` and ``b``: a total order, so equal input gives equal
tables."""

TFIDF_BUCKETS = 1 << 20
"""Columns the document frequencies of TF-IDF terms are counted in (terms hashed into
them, as scikit-learn's ``HashingVectorizer`` does with its default ``n_features``)."""

_HIGH = np.uint64(32)
_RUN = 64
"""Lookups in sorted runs this long on average are searched as they come."""


def _ranges(starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Return ``concatenate([arange(s, s + n) for s, n in zip(starts, sizes)])``."""
    total = int(sizes.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    begin = np.cumsum(sizes) - sizes
    return np.repeat(starts - begin, sizes) + np.arange(total)


@dataclass(frozen=True)
class ShingleSets:
    """Each document's distinct shingle hashes, sorted, in one flat array.

    Document ``i``'s set is ``values[offsets[i]:offsets[i + 1]]`` (uint64, ascending;
    uint32 values work alike).

    Examples
    --------
    >>> import numpy as np
    >>> sets = ShingleSets.of([np.array([5, 1, 5], np.uint64), np.array([1, 9], np.uint64)])
    >>> sets.sizes().tolist(), sets.overlaps(np.array([0]), np.array([1])).tolist()
    ([2, 2], [1])
    >>> sets.contains(np.array([1, 1]), np.array([9, 5], np.uint64)).tolist()
    [True, False]
    """

    values: np.ndarray
    offsets: np.ndarray

    @classmethod
    def of(cls, hash_arrays: Sequence[np.ndarray] | HashedSpans) -> ShingleSets:
        """Return the sets of per-document shingle hashes (repeats and order do not matter)."""
        if isinstance(hash_arrays, HashedSpans):
            values, offsets = hash_arrays.hashes.copy(), hash_arrays.offsets
        else:
            arrays = [np.asarray(h, dtype=np.uint64) for h in hash_arrays]
            offsets = np.zeros(len(arrays) + 1, dtype=np.int64)
            np.cumsum([a.size for a in arrays], out=offsets[1:])
            values = np.concatenate(arrays) if arrays else np.zeros(0, dtype=np.uint64)
        for begin, end in zip(offsets[:-1].tolist(), offsets[1:].tolist(), strict=True):
            values[begin:end].sort()
        distinct = np.ones(values.size, dtype=bool)
        np.not_equal(values[1:], values[:-1], out=distinct[1:])
        distinct[offsets[:-1][np.diff(offsets) > 0]] = True  # each set's first value
        return cls(values[distinct], _kept_offsets(distinct, offsets))

    @classmethod
    def join(cls, parts: Sequence[ShingleSets]) -> ShingleSets:
        """Return the sets of ``parts`` one after the other (documents renumbered)."""
        if not parts:
            return cls.of([])
        sizes = np.concatenate([part.sizes() for part in parts])
        offsets = np.zeros(sizes.size + 1, dtype=np.int64)
        np.cumsum(sizes, out=offsets[1:])
        return cls(np.concatenate([part.values for part in parts]), offsets)

    def __len__(self) -> int:
        return int(self.offsets.size - 1)

    def sizes(self) -> np.ndarray:
        """Return the number of distinct shingles of each document."""
        return np.diff(self.offsets)

    def arrays(self) -> list[np.ndarray]:
        """Return each document's set (views)."""
        return np.split(self.values, self.offsets[1:-1])

    def positions(
        self, rows: np.ndarray, queries: np.ndarray, of: np.ndarray | None = None
    ) -> np.ndarray:
        """Return where each query sits in its document's set (-1: absent).

        Query ``k`` is looked for in the set of document ``rows[k]``, or, with ``of``,
        of document ``rows[of[k]]`` (rows given once per group of queries). Keys
        ``(document, top 32 bits)`` of the documents asked about are sorted by
        construction, so one ``searchsorted`` finds every query; the few values of one
        set that share their top 32 bits are told apart by their full value.
        """
        found = np.full(queries.size, -1, dtype=np.int64)
        if queries.size == 0:
            return found
        used, local = np.unique(rows, return_inverse=True)
        if of is not None:
            local = local[of]
        sizes = self.offsets[used + 1] - self.offsets[used]
        at = _ranges(self.offsets[used], sizes)
        if at.size == 0:
            return found
        values = self.values[at]
        wide = values.dtype == np.uint64  # 32-bit values are keys of their own
        keys = np.repeat(np.arange(used.size, dtype=np.uint64), sizes) << _HIGH
        keys |= (values >> _HIGH) if wide else values
        wanted = local.astype(np.uint64) << _HIGH
        wanted |= (queries >> _HIGH) if wide else queries
        # A search that starts from where the last one ended is many times faster: sort
        # lookups that come in no order (a few runs of sorted ones need not be).
        if np.count_nonzero(wanted[1:] < wanted[:-1]) * _RUN < wanted.size:
            start = np.searchsorted(keys, wanted)
        else:
            order = np.argsort(wanted)
            start = np.empty(wanted.size, dtype=np.int64)
            start[order] = np.searchsorted(keys, wanted[order])
        change = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1], True])
        for step in range(int(np.diff(change).max())):  # 1 unless top bits repeat in a set
            index = np.minimum(start + step, keys.size - 1)
            hit = (keys[index] == wanted) & (values[index] == queries)
            found[hit] = at[index[hit]]
        return found

    def contains(
        self, rows: np.ndarray, queries: np.ndarray, of: np.ndarray | None = None
    ) -> np.ndarray:
        """Return whether each query is in its document's set (see :meth:`positions`)."""
        return self.positions(np.asarray(rows, dtype=np.int64), queries, of) >= 0

    def overlaps(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Return the number of shingles documents ``a[k]`` and ``b[k]`` share.

        Every shingle of the smaller set is looked up in the larger one, a chunk of about
        :data:`CHUNK_ENTRIES` shingles at a time, pairs in the order of their larger
        document (so the lookups of a chunk come nearly sorted). Cost ``O(s log s)`` per
        pair of ``s`` shingles.
        """
        a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
        sizes = self.sizes()
        swap = sizes[a] > sizes[b]
        small, large = np.where(swap, b, a), np.where(swap, a, b)
        order = np.argsort(large, kind="stable")
        small, large = small[order], large[order]
        out = np.zeros(a.size, dtype=np.int64)
        for begin, end in _chunks(sizes[small] + sizes[large]):
            count = sizes[small[begin:end]]
            queries = self.values[_ranges(self.offsets[small[begin:end]], count)]
            pair = np.repeat(np.arange(end - begin), count)
            hit = self.contains(large[begin:end], queries, of=pair)
            out[order[begin:end]] = np.bincount(pair, weights=hit, minlength=end - begin)
        return out


def _kept_offsets(kept: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Return the offsets of each segment of ``offsets`` after keeping ``kept`` entries."""
    total = np.zeros(kept.size + 1, dtype=np.int64)
    np.cumsum(kept, out=total[1:])
    return total[offsets]


def _chunks(cost: np.ndarray) -> list[tuple[int, int]]:
    """Return ``(begin, end)`` runs of items whose ``cost`` adds up to about CHUNK_ENTRIES."""
    total = np.cumsum(cost)
    out, begin = [], 0
    while begin < cost.size:
        before = int(total[begin - 1]) if begin else 0
        end = max(int(np.searchsorted(total, before + CHUNK_ENTRIES, side="right")), begin + 1)
        out.append((begin, end))
        begin = end
    return out


_LOW32 = np.uint64(0xFFFFFFFF)
_FREQUENCY_CHUNK = 1 << 21


class TermCounts:
    """TF-IDF terms of texts added a batch at a time, and the cosines of pairs of them.

    The terms of a text are its words of two or more chars
    (:func:`lineage.shingle.tokens_and_words`: runs of letters and digits, case, accents
    and quote styles folded) and the pairs of consecutive such words; a term weighs
    ``(1 + log tf) * (log((1 + n) / (1 + df)) + 1)`` over the ``n`` texts added and each
    text's weights are L2-normalized. That is scikit-learn's ``TfidfVectorizer(ngram_range
    =(1, 2), sublinear_tf=True, strip_accents="unicode")`` fitted on those texts,
    computed on lineage's hashed words without a Python string per word: a term is the
    top 32 bits of its 64-bit hash (two terms of a pair of texts share them with odds of
    about 1 in 2,000 for two 1,000-word texts, against scikit-learn's 2**20 hashed
    columns), document frequencies are counted in :data:`TFIDF_BUCKETS` hashed columns,
    and a char of a script written without spaces is a word of its own (scikit-learn
    joins a run of them). Each text keeps its sorted terms and their counts (8 bytes a
    term); nothing is held per pair of texts.

    Examples
    --------
    >>> from lineage.shingle import words_batch
    >>> counts = TermCounts()
    >>> counts.add(words_batch(["Putin met Trump", "Trump met Putin"]))
    >>> counts.add(words_batch(["Oil fell"]))
    >>> counts.cosines(np.array([0, 0]), np.array([1, 2])).round(3).tolist()
    [0.465, 0.0]
    """

    def __init__(self) -> None:
        self._terms: list[np.ndarray] = []
        self._counts: list[np.ndarray] = []
        self._sizes: list[np.ndarray] = []

    def __len__(self) -> int:
        return int(sum(sizes.size for sizes in self._sizes))

    def add(self, words: HashedSpans) -> None:
        """Add the texts whose words these are (the next positions, in order)."""
        long = words.ends - words.starts >= 2
        owner = words.owners()[long]
        hashes = words.hashes[long]
        follows = owner[1:] == owner[:-1]  # word k and k + 1 are in one text
        bigrams = combine_token_hashes(hashes, n=2)[follows] if hashes.size > 1 else hashes[:0]
        keys = np.concatenate([owner, owner[:-1][follows]]).astype(np.uint64) << _HIGH
        keys |= np.concatenate([hashes, bigrams]) >> _HIGH
        keys.sort()
        first = np.ones(keys.size, dtype=bool)
        np.not_equal(keys[1:], keys[:-1], out=first[1:])
        starts = np.flatnonzero(first)
        terms = keys[starts]
        self._counts.append(np.diff(np.append(starts, keys.size)))
        self._terms.append((terms & _LOW32).astype(np.uint32))
        self._sizes.append(np.bincount((terms >> _HIGH).astype(np.int64), minlength=len(words)))

    @staticmethod
    def _idf(values: np.ndarray, texts: int) -> np.ndarray:
        """Return the idf of each term occurrence ``values`` over ``texts`` texts (float32).

        Document frequencies are counted in :data:`TFIDF_BUCKETS` columns; a few texts'
        terms (a query and its candidates) are counted at the columns they use only, so the
        cost follows the terms, not the columns.
        """
        columns = values & np.uint32(TFIDF_BUCKETS - 1)
        if columns.size < TFIDF_BUCKETS // 8:
            _, at, frequency = np.unique(columns, return_inverse=True, return_counts=True)
            return (np.log((1.0 + texts) / (1.0 + frequency)) + 1.0).astype(np.float32)[at]
        frequency = np.zeros(TFIDF_BUCKETS, dtype=np.int64)
        for begin in range(0, columns.size, _FREQUENCY_CHUNK):
            frequency += np.bincount(
                columns[begin : begin + _FREQUENCY_CHUNK], minlength=TFIDF_BUCKETS
            )
        return (np.log((1.0 + texts) / (1.0 + frequency)) + 1.0).astype(np.float32)[columns]

    def cosines(self, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        """Return the TF-IDF cosine of texts ``left[k]`` and ``right[k]`` (positions added)."""
        left, right = np.asarray(left, dtype=np.int64), np.asarray(right, dtype=np.int64)
        if left.size == 0:
            return np.zeros(0)
        sizes = np.concatenate(self._sizes)
        offsets = np.zeros(sizes.size + 1, dtype=np.int64)
        np.cumsum(sizes, out=offsets[1:])
        terms = ShingleSets(np.concatenate(self._terms), offsets)
        idf = self._idf(terms.values, sizes.size)
        # Weights before each text's L2 norm (float32), a part at a time.
        weights = np.empty(terms.values.size, dtype=np.float32)
        squares = np.zeros(sizes.size)
        done, texts = 0, 0
        for counts, part_sizes in zip(self._counts, self._sizes, strict=True):
            part = weights[done : done + counts.size]
            part[:] = 1.0  # 1 + log tf: most terms occur once
            repeated = np.flatnonzero(counts > 1)
            part[repeated] += np.log(counts[repeated])
            part *= idf[done : done + counts.size]
            rows = np.repeat(np.arange(part_sizes.size), part_sizes)
            squares[texts : texts + part_sizes.size] = np.bincount(
                rows, weights=np.square(part, dtype=np.float64), minlength=part_sizes.size
            )
            done += counts.size
            texts += part_sizes.size
        norms = np.sqrt(squares)
        swap = sizes[left] > sizes[right]
        small, large = np.where(swap, right, left), np.where(swap, left, right)
        order = np.argsort(large, kind="stable")  # lookups come nearly sorted
        small, large = small[order], large[order]
        out = np.zeros(left.size)
        for begin, end in _chunks(sizes[small] + sizes[large]):
            count = sizes[small[begin:end]]
            at = _ranges(offsets[small[begin:end]], count)
            pair = np.repeat(np.arange(end - begin), count)
            found = terms.positions(large[begin:end], terms.values[at], of=pair)
            hit = found >= 0
            products = weights[at[hit]].astype(np.float64) * weights[found[hit]]
            dots = np.bincount(pair[hit], weights=products, minlength=end - begin)
            scale = norms[small[begin:end]] * norms[large[begin:end]]
            out[order[begin:end]] = np.where(scale > 0, dots / np.maximum(scale, 1e-300), 0.0)
        return np.clip(out, 0.0, 1.0)


def tfidf_cosines(
    a: np.ndarray,
    b: np.ndarray,
    texts: Sequence[str],
) -> np.ndarray:
    """Return the TF-IDF cosine of each pair ``(a[k], b[k])`` of positions into ``texts``.

    The terms, weights and idf are those of :class:`TermCounts`, the idf over the texts
    the pairs name (only they are read, a batch at a time).

    Examples
    --------
    >>> import numpy as np
    >>> texts = ["Putin met Trump", "Trump met Putin", "Oil fell"]
    >>> tfidf_cosines(np.array([0, 0]), np.array([1, 2]), texts).round(3).tolist()
    [0.465, 0.0]
    """
    a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    if a.size == 0:
        return np.zeros(0)
    needed = np.union1d(a, b)
    counts = TermCounts()
    for batch in text_batches([texts[i] for i in needed.tolist()]):
        counts.add(words_batch(batch))
    return counts.cosines(np.searchsorted(needed, a), np.searchsorted(needed, b))


def shared_shingle_chars(shingles: Shingles, other: np.ndarray) -> int:
    """Return how many chars of a text are covered by its shingles found in ``other``.

    Parameters
    ----------
    shingles
        The text's shingles with spans (spans in token order).
    other
        Sorted unique hashes of the other text.

    Examples
    --------
    >>> import numpy as np
    >>> from lineage.shingle import shingle
    >>> text = "one two three four five six"
    >>> mine = shingle(text, n=2)
    >>> shared_shingle_chars(mine, np.unique(shingle("two three four", n=2).hashes))
    14
    """
    shared = np.isin(shingles.hashes, other, assume_unique=False)
    segment = np.zeros(shingles.hashes.size, dtype=np.int64)
    return int(_covered(shingles.starts, shingles.ends, shared, segment, 1)[0])


def _covered(
    starts: np.ndarray, ends: np.ndarray, shared: np.ndarray, segment: np.ndarray, n: int
) -> np.ndarray:
    """Chars covered by the ``shared`` spans of each of ``n`` segments (spans in token order).

    Spans come in token order within a segment, so starts and ends both increase: the
    part of a span not already covered starts at max(start, previous end).
    """
    starts, ends, segment = starts[shared], ends[shared], segment[shared]
    if segment.size == 0:
        return np.zeros(n, dtype=np.int64)
    previous = np.empty_like(starts)
    previous[1:] = ends[:-1]
    first = np.ones(segment.size, dtype=bool)
    first[1:] = segment[1:] != segment[:-1]
    previous[first] = starts[first]
    gain = np.clip(ends - np.maximum(starts, previous), 0, None)
    return np.bincount(segment, weights=gain, minlength=n).round().astype(np.int64)


def shared_chars_of_pairs(
    shingles: HashedSpans, small: np.ndarray, sets: ShingleSets, large: np.ndarray
) -> np.ndarray:
    """:func:`shared_shingle_chars` of many pairs at once.

    Pair ``k`` is text ``small[k]`` of ``shingles`` (its shingles with spans) against
    the set of document ``large[k]`` of ``sets``: every shingle occurrence of the one is
    looked up in the other's set, a chunk of about :data:`CHUNK_ENTRIES` occurrences at a
    time.
    """
    out = np.zeros(small.size, dtype=np.int64)
    counts = shingles.counts()
    for begin, end in _chunks(counts[small] + sets.sizes()[large]):
        count = counts[small[begin:end]]
        at = _ranges(shingles.offsets[small[begin:end]], count)
        pair = np.repeat(np.arange(end - begin), count)
        shared = sets.contains(large[begin:end], shingles.hashes[at], of=pair)
        out[begin:end] = _covered(shingles.starts[at], shingles.ends[at], shared, pair, end - begin)
    return out


def shingle_set(values: np.ndarray) -> np.ndarray:
    """Return the sorted distinct values of ``values`` (as is, without a copy, if they are).

    Examples
    --------
    >>> import numpy as np
    >>> shingle_set(np.array([5, 1, 5, 3], dtype=np.uint64)).tolist()
    [1, 3, 5]
    """
    values = np.asarray(values)
    if values.size < 2 or bool((values[1:] > values[:-1]).all()):
        return values
    values = np.sort(values)
    keep = np.ones(values.size, dtype=bool)
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


def _as_spans(items: Sequence[Shingles]) -> HashedSpans:
    """Return per-document :class:`~lineage.shingle.Shingles` as one flat HashedSpans."""
    offsets = np.zeros(len(items) + 1, dtype=np.int64)
    np.cumsum([len(item) for item in items], out=offsets[1:])
    join = [
        np.concatenate([getattr(i, name) for i in items]) for name in ("hashes", "starts", "ends")
    ]
    return HashedSpans(*join, offsets)


def score_pairs(
    candidates: pd.DataFrame,
    hash_arrays: Sequence[np.ndarray] | Sequence[Shingles],
    texts: Sequence[str] | None,
    ids: Sequence[str],
    *,
    tfidf: bool = True,
) -> pd.DataFrame:
    """Score every candidate pair exactly and rank the pairs.

    Parameters
    ----------
    candidates
        Columns ``a, b``: row positions into ``hash_arrays``, ``texts`` and ``ids``
        (from :func:`lineage.sketch.lsh_candidates`). Repeats and self-pairs are dropped.
    hash_arrays
        Per document, its shingle hashes, or its :class:`~lineage.shingle.Shingles` (then
        ``shared_chars`` is filled).
    texts
        The documents' texts for TF-IDF (only those the candidates name are read, and
        the idf is theirs); ``None`` with ``tfidf=False``.
    ids
        The documents' ids.
    tfidf
        Compute ``tfidf_cosine`` (:func:`tfidf_cosines`); ``False`` leaves it NaN.

    Returns
    -------
    pandas.DataFrame
        Schema ``"pairs"``: ``a, b`` (ids, ``a < b``), ``jaccard``,
        ``containment_a_in_b`` (share of ``a``'s shingles found in ``b``),
        ``containment_b_in_a``, ``tfidf_cosine`` and ``shared_chars`` (chars of the side
        with fewer shingles covered by shingles the other side has; 0 without spans,
        alignment gives the exact figure). Ranked by :data:`RANK_KEY`.

    Raises
    ------
    ParameterError
        If the inputs disagree in length or a candidate is out of range.

    Notes
    -----
    Cost ``O(P * s log s)`` for ``P`` pairs of ``s`` shingles, plus one sort of each
    candidate document's shingles and one TF-IDF pass over the ``D`` documents the
    candidates name; memory ``O(D * s)`` plus a chunk of :data:`CHUNK_ENTRIES`
    shingles, never the pairs times the documents.
    """
    n = len(ids)
    if len(hash_arrays) != n or (texts is not None and len(texts) != n):
        raise ParameterError(
            f"'hash_arrays', 'texts' and 'ids' need one entry per document "
            f"(got {len(hash_arrays)}, {None if texts is None else len(texts)}, {n})"
        )
    if tfidf and texts is None:
        raise ParameterError("'texts' are needed for tfidf=True (or pass tfidf=False)")
    missing = {"a", "b"} - set(candidates.columns)
    if missing:
        raise ParameterError(f"'candidates' lacks columns {sorted(missing)}")
    a = candidates["a"].to_numpy(dtype=np.int64)
    b = candidates["b"].to_numpy(dtype=np.int64)
    if a.size and (min(a.min(), b.min()) < 0 or max(a.max(), b.max()) >= n):
        raise ParameterError(
            f"'candidates' must hold row positions in [0, {n}) "
            f"(got {shorten(sorted({*a.tolist(), *b.tolist()}))})"
        )
    keep = a != b
    codes = np.unique(np.minimum(a, b)[keep] * n + np.maximum(a, b)[keep])
    a, b = codes // n, codes % n
    needed = np.union1d(a, b)
    left, right = np.searchsorted(needed, a), np.searchsorted(needed, b)
    chosen = [hash_arrays[i] for i in needed.tolist()]
    spans = _as_spans(chosen) if chosen and isinstance(chosen[0], Shingles) else None
    sets = ShingleSets.of(spans or [getattr(c, "hashes", c) for c in chosen])
    shared = sets.overlaps(left, right)
    shared_chars = np.zeros(a.size, dtype=np.int64)
    if spans is not None:
        # Chars of the side with fewer shingles covered by shingles the other side has.
        found = np.flatnonzero(shared)
        sizes = sets.sizes()
        a_smaller = sizes[left[found]] <= sizes[right[found]]
        shared_chars[found] = shared_chars_of_pairs(
            spans,
            np.where(a_smaller, left[found], right[found]),
            sets,
            np.where(a_smaller, right[found], left[found]),
        )
    cosine = tfidf_cosines(a, b, texts) if tfidf else np.full(a.size, np.nan)
    sizes = sets.sizes()
    return pairs_table(a, b, sizes[left], sizes[right], shared, cosine, shared_chars, ids)


def set_scores(
    size_a: np.ndarray, size_b: np.ndarray, shared: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return Jaccard and both containments of sets of these sizes sharing ``shared``.

    Examples
    --------
    >>> [x.tolist() for x in set_scores(np.array([4, 0]), np.array([2, 0]), np.array([2, 0]))]
    [[0.5, 0.0], [0.5, 0.0], [1.0, 0.0]]
    """
    union = size_a + size_b - shared
    jaccard = np.where(union > 0, shared / np.maximum(union, 1), 0.0)
    a_in_b = np.where(size_a > 0, shared / np.maximum(size_a, 1), 0.0)
    b_in_a = np.where(size_b > 0, shared / np.maximum(size_b, 1), 0.0)
    return jaccard, a_in_b, b_in_a


def pairs_table(
    a: np.ndarray,
    b: np.ndarray,
    size_a: np.ndarray,
    size_b: np.ndarray,
    shared: np.ndarray,
    cosine: np.ndarray,
    shared_chars: np.ndarray,
    ids: Sequence[str],
) -> pd.DataFrame:
    """Return the ranked pairs table of positions ``a, b`` from their set sizes and overlap.

    Examples
    --------
    >>> one = np.array([0])
    >>> pairs_table(one, one + 1, np.array([4]), np.array([2]), np.array([2]),
    ...             np.array([0.5]), np.array([10]), ["y", "x"])[["a", "jaccard",
    ...             "containment_a_in_b"]].to_dict("records")
    [{'a': 'x', 'jaccard': 0.5, 'containment_a_in_b': 1.0}]
    """
    jaccard, a_in_b, b_in_a = set_scores(size_a, size_b, shared)
    id_array = np.array([str(i) for i in ids], dtype=object)
    name_a, name_b = id_array[a], id_array[b]
    swap = name_a > name_b
    table = pd.DataFrame(
        {
            "a": np.where(swap, name_b, name_a),
            "b": np.where(swap, name_a, name_b),
            "jaccard": jaccard,
            "containment_a_in_b": np.where(swap, b_in_a, a_in_b),
            "containment_b_in_a": np.where(swap, a_in_b, b_in_a),
            "tfidf_cosine": cosine,
            "shared_chars": shared_chars,
        }
    )
    return rank_pairs(table)


def rank_pairs(table: pd.DataFrame) -> pd.DataFrame:
    """Sort a pairs table by :data:`RANK_KEY` (descending) then ``a, b``; as schema "pairs".

    Examples
    --------
    >>> import pandas as pd
    >>> rows = [dict(a="p", b="q", jaccard=0.2, containment_a_in_b=0.9,
    ...              containment_b_in_a=0.1, tfidf_cosine=0.5, shared_chars=0),
    ...         dict(a="m", b="n", jaccard=0.6, containment_a_in_b=0.7,
    ...              containment_b_in_a=0.7, tfidf_cosine=0.9, shared_chars=0)]
    >>> rank_pairs(pd.DataFrame(rows))["a"].tolist()
    ['m', 'p']
    """
    containment = np.maximum(table["containment_a_in_b"], table["containment_b_in_a"])
    order = np.lexsort(
        (
            table["b"].astype(str).to_numpy(),
            table["a"].astype(str).to_numpy(),
            -table["tfidf_cosine"].fillna(-1.0).to_numpy(),
            -np.asarray(containment, dtype=float),
            -table["jaccard"].to_numpy(dtype=float),
        )
    )
    return schema.frame("pairs", table.iloc[order])
