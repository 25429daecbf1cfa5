"""Exact scores for candidate pairs: Jaccard, both containments, TF-IDF cosine.

LSH candidates are only likely matches; :func:`score_pairs` measures each one exactly on
the shingle sets and adds the TF-IDF cosine of the two texts (hashed word unigrams and
bigrams, sublinear tf, accents stripped, idf over the documents the candidates name).
Both are computed as sparse row products (scipy, no Python loop per pair) on bounded
chunks of pairs, so memory holds the candidate documents once plus one chunk, whatever the
number of pairs.

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

import numpy as np
import pandas as pd

from lineage import schema
from lineage.errors import ParameterError, shorten
from lineage.shingle import Shingles

__all__ = [
    "RANK_KEY",
    "rank_pairs",
    "score_pairs",
    "shared_shingle_chars",
    "shingle_set",
    "tfidf_cosines",
    "tfidf_matrix",
]

logger = logging.getLogger(__name__)

CHUNK_ENTRIES = 1 << 22
"""Sparse entries (both sides of the pairs) gathered per chunk of pairs: about 4 million,
some 50 MB of indices and values, whatever the number of pairs."""

RANK_KEY = ("jaccard", "containment", "tfidf_cosine")
"""Pairs are ranked by Jaccard, then by the larger containment, then by TF-IDF cosine
(all descending), then by ``a`` and ``b``: a total order, so equal input gives equal
tables."""


def tfidf_matrix(texts: Sequence[str], *, n_features: int = 2**20):
    """Return the L2-normalized TF-IDF rows of ``texts`` (unigrams + bigrams, sublinear tf).

    Terms are hashed into ``n_features`` columns (scikit-learn's ``HashingVectorizer``)
    instead of building a vocabulary, which took a third of a whole analysis at 10k
    documents; with 2**20 columns, collisions change cosines by well under 0.01.

    Examples
    --------
    >>> matrix = tfidf_matrix(["Putin met Trump", "Trump met Putin", "Oil fell"])
    >>> matrix.shape[0], round(float(matrix[0].multiply(matrix[1]).sum()), 3)
    (3, 0.465)
    """
    from sklearn.feature_extraction.text import (  # heavy: import on use
        HashingVectorizer,
        TfidfTransformer,
    )

    counts = HashingVectorizer(
        ngram_range=(1, 2),
        strip_accents="unicode",
        alternate_sign=False,
        norm=None,
        n_features=n_features,
        dtype=np.float64,
    ).transform(texts)
    return TfidfTransformer(sublinear_tf=True).fit_transform(counts).tocsr()


def tfidf_cosines(a: np.ndarray, b: np.ndarray, texts: Sequence[str]) -> np.ndarray:
    """Return the TF-IDF cosine of each pair ``(a[k], b[k])`` of positions into ``texts``.

    Only the texts the pairs name are read, and the idf is theirs (:func:`tfidf_matrix`);
    the products are taken in bounded chunks.

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
    matrix = tfidf_matrix([texts[i] for i in needed.tolist()])
    return _row_products(matrix, np.searchsorted(needed, a), np.searchsorted(needed, b))


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


def _shared_chars_of_pairs(
    shingles: Sequence[Shingles],
    sets: Sequence[np.ndarray],
    incidence,
    small: np.ndarray,
    large: np.ndarray,
) -> np.ndarray:
    """:func:`shared_shingle_chars` of the pairs ``(small[k], large[k])`` (incidence rows).

    ``shingles[row]`` and ``sets[row]`` belong to incidence row ``row``. All pairs at once,
    in chunks of about :data:`CHUNK_ENTRIES` shingles: the entries of each small row are
    numbered, multiplied element-wise with the large row (scipy), and the numbers that
    survive are the shared shingles, carried to every occurrence of each.
    """
    out = np.zeros(small.size, dtype=np.int64)
    # Position of each occurrence in its text's sorted shingle set: its incidence entry.
    entry_of: dict[int, np.ndarray] = {
        row: np.searchsorted(sets[row], shingles[row].hashes) for row in np.unique(small).tolist()
    }
    lengths = np.fromiter((entry_of[row].size for row in small.tolist()), np.int64, small.size)
    cost = np.cumsum(lengths)
    start = 0
    while start < small.size:
        base = int(cost[start - 1]) if start else 0
        stop = max(int(np.searchsorted(cost, base + CHUNK_ENTRIES, side="right")), start + 1)
        rows = small[start:stop].tolist()
        numbered = incidence[small[start:stop]].astype(np.float64)
        numbered.data = np.arange(1, numbered.nnz + 1, dtype=np.float64)
        survived = numbered.multiply(incidence[large[start:stop]]).tocsr().data
        shared = np.zeros(numbered.nnz, dtype=bool)
        shared[survived.astype(np.int64) - 1] = True
        count = lengths[start:stop]
        entries = np.repeat(numbered.indptr[:-1], count) + np.concatenate(
            [entry_of[row] for row in rows]
        )
        out[start:stop] = _covered(
            np.concatenate([shingles[row].starts for row in rows]),
            np.concatenate([shingles[row].ends for row in rows]),
            shared[entries],
            np.repeat(np.arange(stop - start, dtype=np.int64), count),
            stop - start,
        )
        start = stop
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


def _unique_sets(hash_arrays: Sequence, needed: np.ndarray) -> list[np.ndarray]:
    return [
        shingle_set(item.hashes if isinstance(item, Shingles) else item)
        for item in (hash_arrays[i] for i in needed.tolist())
    ]


def _incidence(sets: Sequence[np.ndarray]):
    """Return the binary (documents x distinct shingles) CSR matrix of ``sets``."""
    from scipy.sparse import csr_matrix

    sizes = np.fromiter(map(len, sets), dtype=np.int64, count=len(sets))
    indptr = np.zeros(len(sets) + 1, dtype=np.int64)
    np.cumsum(sizes, out=indptr[1:])
    values = np.concatenate(sets) if sets else np.zeros(0, dtype=np.uint64)
    vocabulary, columns = np.unique(values, return_inverse=True)
    data = np.ones(values.size, dtype=np.float32)
    matrix = csr_matrix((data, columns.ravel(), indptr), shape=(len(sets), vocabulary.size))
    matrix.has_sorted_indices = True  # each set is sorted, and so are its column ids
    return matrix


def _row_products(matrix, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Return ``(matrix[left] * matrix[right]).sum(axis=1)``, a bounded chunk at a time.

    A chunk gathers about :data:`CHUNK_ENTRIES` stored entries of both sides.
    """
    out = np.zeros(left.size)
    if left.size == 0:
        return out
    per_row = np.diff(matrix.indptr)
    cost = np.cumsum(per_row[left] + per_row[right])
    start = 0
    while start < left.size:
        base = int(cost[start - 1]) if start else 0
        stop = int(np.searchsorted(cost, base + CHUNK_ENTRIES, side="right"))
        stop = max(stop, start + 1)
        product = matrix[left[start:stop]].multiply(matrix[right[start:stop]])
        out[start:stop] = np.asarray(product.sum(axis=1)).ravel()
        start = stop
    return out


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
        Compute ``tfidf_cosine``; ``False`` leaves it NaN (the fast path for dedup at
        scale, where fitting a vocabulary of bigrams costs more than the rest).

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
    Cost ``O(P * s)`` for ``P`` pairs of ``s`` shingles (sparse row products), plus one
    TF-IDF pass over the ``D`` documents the candidates name; memory ``O(D * s)`` plus a
    chunk of :data:`CHUNK_ENTRIES` entries, never the pairs times the documents.
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
    sets = _unique_sets(hash_arrays, needed)
    sizes = np.fromiter(map(len, sets), dtype=np.int64, count=len(sets))
    size_a, size_b = sizes[left], sizes[right]
    incidence = _incidence(sets)
    shared = np.rint(_row_products(incidence, left, right)).astype(np.int64)
    union = size_a + size_b - shared
    with np.errstate(invalid="ignore", divide="ignore"):
        jaccard = np.where(union > 0, shared / np.maximum(union, 1), 0.0)
        a_in_b = np.where(size_a > 0, shared / np.maximum(size_a, 1), 0.0)
        b_in_a = np.where(size_b > 0, shared / np.maximum(size_b, 1), 0.0)
    shared_chars = np.zeros(a.size, dtype=np.int64)
    if a.size and all(isinstance(hash_arrays[i], Shingles) for i in (a[0], b[0])):
        # Chars of the side with fewer shingles covered by shingles the other side has.
        found = np.flatnonzero(shared)
        a_smaller = size_a[found] <= size_b[found]
        shared_chars[found] = _shared_chars_of_pairs(
            [hash_arrays[i] for i in needed.tolist()],
            sets,
            incidence,
            np.where(a_smaller, left[found], right[found]),
            np.where(a_smaller, right[found], left[found]),
        )
    cosine = tfidf_cosines(a, b, texts) if tfidf else np.full(a.size, np.nan)
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
