"""Exact scores for candidate pairs: Jaccard, both containments, TF-IDF cosine.

LSH candidates are only likely matches; :func:`score_pairs` measures each one exactly on
the shingle sets and adds the TF-IDF cosine of the two texts (:func:`tfidf_cosines`).
Each document's distinct shingles are kept sorted in one flat array
(:class:`ShingleSets`); a pair's shared shingles are found by looking every shingle of
the smaller side up in the larger side's set, all pairs of a chunk merged by one stable
sort (:func:`find_in_groups`: no Python loop per pair, no sparse matrix, nothing per
pair of documents that are not candidates). Memory holds the candidate documents' sets once plus
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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lineage import schema
from lineage.errors import ParameterError, shorten
from lineage.shingle import (
    HashedSpans,
    Shingles,
    chunk_bounds,
    combine_token_hashes,
    offsets_of,
    ranges,
    shingle_windows,
    text_batches,
    tokens_and_words,
    words_batch,
)

__all__ = [
    "RANK_KEY",
    "TFIDF_BUCKETS",
    "ShingleSets",
    "TermCounts",
    "find_in_groups",
    "pair_matches",
    "pairs_of_sets",
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
            offsets = offsets_of([a.size for a in arrays])
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
        offsets = offsets_of(np.concatenate([part.sizes() for part in parts]))
        return cls(np.concatenate([part.values for part in parts]), offsets)

    def __len__(self) -> int:
        return int(self.offsets.size - 1)

    def sizes(self) -> np.ndarray:
        """Return the number of distinct shingles of each document."""
        return np.diff(self.offsets)

    def arrays(self) -> list[np.ndarray]:
        """Return each document's set (views)."""
        return np.split(self.values, self.offsets[1:-1])

    def overlaps(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Return the number of shingles documents ``a[k]`` and ``b[k]`` share.

        Every shingle of the smaller set is looked up in the larger one
        (:func:`pair_matches`). Cost ``O(s)`` per pair of ``s`` shingles.
        """
        a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
        sizes = self.sizes()
        swap = sizes[a] > sizes[b]
        small, large = np.where(swap, b, a), np.where(swap, a, b)
        out = np.zeros(a.size, dtype=np.int64)
        for begin, end, pair, _, found in pair_matches(self, small, self, large):
            out[begin:end] = np.bincount(pair, weights=found >= 0, minlength=end - begin)
        return out


def _kept_offsets(kept: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Return the offsets of each segment of ``offsets`` after keeping ``kept`` entries."""
    return offsets_of(kept)[offsets]


def _group_keys(values: np.ndarray, counts: np.ndarray, bits: int) -> np.ndarray:
    """Return sort keys ``(group, value)`` in one uint64: the group in the top ``bits``.

    A value of 32 bits is kept whole below the group; a 64-bit value loses its low
    ``bits`` (values equal in the rest share a key: :func:`find_in_groups` checks).
    """
    group = np.repeat(np.arange(counts.size, dtype=np.uint64), counts)
    width = values.dtype.itemsize * 8
    if width + bits <= 64:
        return (group << np.uint64(width)) | values.astype(np.uint64)
    return (group << np.uint64(64 - bits)) | (values >> np.uint64(bits))


def find_in_groups(
    queries: np.ndarray, query_counts: np.ndarray, values: np.ndarray, value_counts: np.ndarray
) -> np.ndarray:
    """Return where each query sits among its group's values (-1: absent).

    Group ``k`` is a run of ``query_counts[k]`` queries (any order, repeats allowed) and a
    run of ``value_counts[k]`` distinct values, ascending; the result indexes ``values``.
    Both are keyed by ``(group, value)`` and put in order by one stable sort: the values
    are one sorted run, so the sort merges (linear time), and a query's match is the
    value that ends its run of equal keys. Groups whose values share a key (64-bit values
    equal in all but their low bits, about once in 2**40 pairs of values) are looked up
    exactly, one group at a time.

    Examples
    --------
    >>> import numpy as np
    >>> find_in_groups(np.array([7, 2, 9, 2], np.uint32), np.array([3, 1]),
    ...                np.array([2, 7, 2, 3], np.uint32), np.array([2, 2])).tolist()
    [1, 0, -1, 2]
    """
    if queries.dtype != values.dtype or queries.dtype.kind != "u":
        raise ParameterError(
            f"queries and values must share one unsigned dtype (got {queries.dtype} and "
            f"{values.dtype})"
        )
    found = np.full(queries.size, -1, dtype=np.int64)
    if queries.size == 0 or values.size == 0:
        return found
    bits = max(int(query_counts.size - 1).bit_length(), 1)
    keys = np.concatenate(
        [_group_keys(queries, query_counts, bits), _group_keys(values, value_counts, bits)]
    )
    order = np.argsort(keys, kind="stable")  # queries before values of an equal key
    keys = keys[order]
    tied = np.flatnonzero(keys[1:] == keys[:-1])  # sorted entry i has the key of i + 1
    if tied.size == 0:
        return found
    # Runs of equal keys (mostly a query and its value) end one entry after their last tie.
    new_run = np.empty(tied.size, dtype=bool)
    new_run[0] = True
    np.not_equal(np.diff(tied), 1, out=new_run[1:])
    run_end = np.append(tied[:-1][new_run[1:]], tied[-1]) + 1
    last = order[run_end][np.cumsum(new_run) - 1]
    first = order[tied]
    asking = (first < queries.size) & (last >= queries.size)
    query, value = first[asking], last[asking] - queries.size
    equal = queries[query] == values[value]
    found[query[equal]] = value[equal]
    twins = first[(first >= queries.size) & (order[tied + 1] >= queries.size)]
    if twins.size:  # a key shared by two values of a group: look that group up exactly
        query_offsets, value_offsets = offsets_of(query_counts), offsets_of(value_counts)
        groups = np.searchsorted(value_offsets, twins - queries.size, side="right") - 1
        for group in np.unique(groups).tolist():
            q0, q1 = query_offsets[group], query_offsets[group + 1]
            v0, v1 = value_offsets[group], value_offsets[group + 1]
            at = np.minimum(np.searchsorted(values[v0:v1], queries[q0:q1]), v1 - v0 - 1)
            found[q0:q1] = np.where(values[v0:v1][at] == queries[q0:q1], v0 + at, -1)
    return found


def pair_matches(
    queries: ShingleSets | HashedSpans,
    small: np.ndarray,
    sets: ShingleSets,
    large: np.ndarray,
) -> Iterator[tuple[int, int, np.ndarray, np.ndarray, np.ndarray]]:
    """Look up the entries of ``queries`` row ``small[k]`` in ``sets`` row ``large[k]``.

    Pairs are taken a chunk of about :data:`CHUNK_ENTRIES` entries (both sides) at a
    time; each chunk yields ``(begin, end, pair, at, found)``: the pairs
    ``begin:end``, then for every query entry its pair (``0 .. end - begin - 1``), its
    position in ``queries`` and the position of the equal value in ``sets.values``
    (-1: absent). The one lookup behind set overlaps, shared characters and TF-IDF dot
    products (:func:`find_in_groups`).
    """
    counts, sizes = np.diff(queries.offsets), sets.sizes()
    entries = queries.values if isinstance(queries, ShingleSets) else queries.hashes
    for begin, end in chunk_bounds(counts[small] + sizes[large], CHUNK_ENTRIES):
        count, size = counts[small[begin:end]], sizes[large[begin:end]]
        at, pair = ranges(queries.offsets[small[begin:end]], count)
        within, _ = ranges(sets.offsets[large[begin:end]], size)
        found = find_in_groups(entries[at], count, sets.values[within], size)
        yield begin, end, pair, at, np.where(found >= 0, within[np.maximum(found, 0)], -1)


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
    joins a run of them). Each text keeps its sorted terms and their tf weights (8 bytes
    a term); nothing is held per pair of texts.

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
        self._tf: list[np.ndarray] = []
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
        counts = np.diff(np.append(starts, keys.size))
        tf = np.ones(counts.size, dtype=np.float32)  # 1 + log tf: most terms occur once
        repeated = np.flatnonzero(counts > 1)
        tf[repeated] += np.log(counts[repeated])
        self._tf.append(tf)
        self._terms.append((terms & _LOW32).astype(np.uint32))
        self._sizes.append(np.bincount((terms >> _HIGH).astype(np.int64), minlength=len(words)))

    @staticmethod
    def _norms(terms: ShingleSets, weights: np.ndarray, texts: int) -> np.ndarray:
        """Weigh each term's tf by its idf over ``texts`` texts (in place); return L2 norms.

        Document frequencies are counted in :data:`TFIDF_BUCKETS` columns; a few texts'
        terms (a query and its candidates) are counted at the columns they use only, so the
        cost follows the terms, not the columns. Many texts are weighed a run of texts at a
        time, so no temporary array is as long as all their terms.
        """
        mask = np.uint32(TFIDF_BUCKETS - 1)
        sizes = np.diff(terms.offsets)
        runs = chunk_bounds(sizes, _FREQUENCY_CHUNK)
        if terms.values.size < TFIDF_BUCKETS // 8:
            _, at, frequency = np.unique(
                terms.values & mask, return_inverse=True, return_counts=True
            )
            idf = (np.log((1.0 + texts) / (1.0 + frequency)) + 1.0).astype(np.float32)
            weights *= idf[at]
        else:
            frequency = np.zeros(TFIDF_BUCKETS, dtype=np.int64)
            for begin, end in runs:
                frequency += np.bincount(
                    terms.values[terms.offsets[begin] : terms.offsets[end]] & mask,
                    minlength=TFIDF_BUCKETS,
                )
            idf = (np.log((1.0 + texts) / (1.0 + frequency)) + 1.0).astype(np.float32)
            for begin, end in runs:
                done, upto = terms.offsets[begin], terms.offsets[end]
                weights[done:upto] *= idf[terms.values[done:upto] & mask]
        squares = np.zeros(sizes.size)
        for begin, end in runs:
            some = begin + np.flatnonzero(sizes[begin:end])
            if some.size:
                done, upto = terms.offsets[begin], terms.offsets[end]
                squares[some] = np.add.reduceat(
                    np.square(weights[done:upto], dtype=np.float64),
                    terms.offsets[some] - done,
                )
        return np.sqrt(squares)

    def cosines(self, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        """Return the TF-IDF cosine of texts ``left[k]`` and ``right[k]`` (positions added)."""
        left, right = np.asarray(left, dtype=np.int64), np.asarray(right, dtype=np.int64)
        if left.size == 0:
            return np.zeros(0)
        sizes = np.concatenate(self._sizes)
        terms = ShingleSets(np.concatenate(self._terms), offsets_of(sizes))
        weights = np.concatenate(self._tf)
        norms = self._norms(terms, weights, sizes.size)
        swap = sizes[left] > sizes[right]
        small, large = np.where(swap, right, left), np.where(swap, left, right)
        out = np.zeros(left.size)
        for begin, end, pair, at, found in pair_matches(terms, small, terms, large):
            hit = found >= 0
            products = weights[at[hit]].astype(np.float64) * weights[found[hit]]
            dots = np.bincount(pair[hit], weights=products, minlength=end - begin)
            scale = norms[small[begin:end]] * norms[large[begin:end]]
            out[begin:end] = np.where(scale > 0, dots / np.maximum(scale, 1e-300), 0.0)
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
    return _read_pair_texts(a, b, texts, tfidf=True)[1]


def _read_pair_texts(
    left: np.ndarray,
    right: np.ndarray,
    texts: Sequence[str],
    *,
    tfidf: bool,
    sets: ShingleSets | None = None,
    shingle_size: int = 5,
) -> tuple[np.ndarray, np.ndarray]:
    """Read the texts of pairs once: their TF-IDF cosines and the chars they share.

    Only the texts the pairs name are tokenized, a batch at a time. With ``sets`` (the
    shingle sets of ``texts``' documents) ``shared_chars`` is that of the side with
    fewer shingles (its ``shingle_size``-word shingles looked up in the other's set),
    else 0; without ``tfidf`` the cosines are NaN.
    """
    involved = np.union1d(left, right)
    local_left, local_right = np.searchsorted(involved, left), np.searchsorted(involved, right)
    shared_chars = np.zeros(left.size, dtype=np.int64)
    terms = TermCounts()
    if sets is not None:
        left_smaller = sets.sizes()[left] <= sets.sizes()[right]
        small = np.where(left_smaller, local_left, local_right)
        large = np.where(left_smaller, right, left)
        by_small = np.argsort(small, kind="stable")
    done = 0
    for batch in text_batches([texts[i] for i in involved.tolist()]):
        if sets is None:
            terms.add(words_batch(batch))
        else:
            tokens, words = tokens_and_words(batch)
            if tfidf:
                terms.add(words)
            begin, end = np.searchsorted(small[by_small], [done, done + len(batch)])
            mine = by_small[begin:end]
            shared_chars[mine] = shared_chars_of_pairs(
                shingle_windows(tokens, n=shingle_size), small[mine] - done, sets, large[mine]
            )
        done += len(batch)
    cosines = terms.cosines(local_left, local_right) if tfidf else np.full(left.size, np.nan)
    return shared_chars, cosines


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
    looked up in the other's set (:func:`pair_matches`).
    """
    out = np.zeros(small.size, dtype=np.int64)
    for begin, end, pair, at, found in pair_matches(shingles, small, sets, large):
        shared = found >= 0
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
    offsets = offsets_of([len(item) for item in items])
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
    local_texts = None if texts is None else [texts[i] for i in needed.tolist()]
    local_ids = [ids[i] for i in needed.tolist()]
    return pairs_of_sets(sets, left, right, local_texts, local_ids, spans=spans, tfidf=tfidf)


def pairs_of_sets(
    sets: ShingleSets,
    left: np.ndarray,
    right: np.ndarray,
    texts: Sequence[str] | None,
    ids: Sequence[str],
    *,
    shared: np.ndarray | None = None,
    spans: HashedSpans | None = None,
    shingle_size: int | None = None,
    tfidf: bool = True,
) -> pd.DataFrame:
    """Return the ranked pairs table of pairs ``(left[k], right[k])`` of ``sets``' documents.

    ``texts`` and ``ids`` are those of ``sets``' documents (only the texts the pairs name
    are read); ``shared`` their overlaps when known (:meth:`ShingleSets.overlaps`).
    ``shared_chars`` is that of the side with fewer shingles: from its ``spans`` (the
    shingles of ``sets``' documents with their spans), or, with ``shingle_size``, from
    its texts tokenized again (with their TF-IDF terms, in the same pass); else 0.

    Examples
    --------
    >>> from lineage.shingle import shingle_hashes
    >>> texts = ["a b c d e f g", "a b c d e f h", "x y z"]
    >>> sets = ShingleSets.of(shingle_hashes(texts, n=3))
    >>> table = pairs_of_sets(sets, np.array([0]), np.array([1]), texts, ["p", "q", "r"],
    ...                       shingle_size=3)
    >>> table[["a", "b", "jaccard", "shared_chars"]].round(3).to_dict("records")
    [{'a': 'p', 'b': 'q', 'jaccard': 0.667, 'shared_chars': 11}]
    """
    if texts is None and (tfidf or (spans is None and shingle_size is not None)):
        raise ParameterError("'texts' are needed for tfidf=True or shingle_size (or pass spans)")
    sizes = sets.sizes()
    if shared is None:
        shared = sets.overlaps(left, right)
    found = np.flatnonzero(shared)
    shared_chars = np.zeros(left.size, dtype=np.int64)
    cosines = np.full(left.size, np.nan)
    if spans is not None:
        left_smaller = sizes[left[found]] <= sizes[right[found]]
        shared_chars[found] = shared_chars_of_pairs(
            spans,
            np.where(left_smaller, left[found], right[found]),
            sets,
            np.where(left_smaller, right[found], left[found]),
        )
    if (tfidf or shingle_size is not None) and left.size:
        with_sets = sets if spans is None and shingle_size is not None else None
        chars, cosines = _read_pair_texts(
            left, right, texts, tfidf=tfidf, sets=with_sets, shingle_size=shingle_size or 0
        )
        if with_sets is not None:
            shared_chars[found] = chars[found]
    return pairs_table(left, right, sizes[left], sizes[right], shared, cosines, shared_chars, ids)


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
