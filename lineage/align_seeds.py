"""Seeds of a pair alignment: what two prepared texts share.

A *seed* is a pair of places, one in each text, that share enough to start a passage
(see :mod:`lineage.align` for the whole method):

- a **sentence seed** is a sentence pair whose TF-ISF cosine and Dice coefficient of
  content-word stems both pass a threshold (paraphrase, reordering, translation);
- a **phrase seed** is a maximal run of shared word n-grams (every word kept): a copied
  phrase or quotation inside otherwise different sentences, with exact bounds.

Sentences or n-grams repeated more than ``max_repeats`` times in either text seed nothing,
and repeated sentences are compared once per class, so the cost is near-linear in the
texts whatever they repeat.

Examples
--------
>>> from lineage.align_text import AlignParams, prepare_text
>>> from lineage.normalize import normalize_text
>>> params = AlignParams()
>>> text = "Putin spurned a challenge to meet Zelensky in Istanbul on Thursday."
>>> ta = prepare_text(normalize_text(text), params)
>>> tb = prepare_text(normalize_text("Talks opened. " + text), params)
>>> seeds, note = find_seeds(ta, tb, Vectors(ta, tb), params)
>>> seeds.a_sent.tolist(), seeds.b_sent.tolist(), seeds.phrase.tolist()
([[0, 0], [0, 0]], [[0, 0], [0, 0]], [False, True])
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from lineage.align_text import AlignParams, PreparedText
from lineage.shingle import ranges as _ranges

__all__ = ["Seeds", "Vectors", "find_seeds", "phrase_seeds", "sentence_seeds"]

logger = logging.getLogger(__name__)

_TRIM_TOKENS = 5  # an unshared sentence head or tail shorter than this stays in
_BLOCK_ROWS = 1024  # sentences of ``a`` per block of the sparse cosine product


@dataclass
class Seeds:
    """Seeds as parallel arrays: sentence ranges and normalized char ranges per side."""

    a_sent: np.ndarray  # (k, 2) first and last sentence index
    b_sent: np.ndarray
    a_char: np.ndarray  # (k, 2) normalized [start, end)
    b_char: np.ndarray
    phrase: np.ndarray  # (k,) bool: a run of shared word n-grams (verbatim)

    def __len__(self) -> int:
        return len(self.a_sent)

    def subset(self, keep: np.ndarray) -> Seeds:
        """Return the seeds selected by the mask or index array ``keep``."""
        return Seeds(
            self.a_sent[keep],
            self.b_sent[keep],
            self.a_char[keep],
            self.b_char[keep],
            self.phrase[keep],
        )


class Vectors:
    """Stem ids, ISF weights and sentence vectors shared by both texts of a pair.

    Stem ids index the pair's joint vocabulary (sorted stem hashes, so the ids do not
    depend on which text comes first); ``-1`` is a stop word.
    """

    def __init__(self, ta: PreparedText, tb: PreparedText) -> None:
        vocab, inverse = np.unique(
            np.concatenate([ta.stem_vocab, tb.stem_vocab]), return_inverse=True
        )
        inverse = inverse.reshape(-1)
        # The last entry maps a stop word (-1) to -1.
        map_a = np.append(inverse[: len(ta.stem_vocab)], -1)
        map_b = np.append(inverse[len(ta.stem_vocab) :], -1)
        self.a_ids, self.b_ids = map_a[ta.stem_ids], map_b[tb.stem_ids]
        self.n_terms = max(len(vocab), 1)
        indptr_a, stems_a, counts_a = ta.sentence_terms
        indptr_b, stems_b, counts_b = tb.sentence_terms
        terms_a, terms_b = map_a[stems_a], map_b[stems_b]
        n_sentences = ta.n_sentences + tb.n_sentences
        df = np.bincount(np.concatenate([terms_a, terms_b]), minlength=self.n_terms)
        self.idf = np.log((1 + n_sentences) / (1 + df)) + 1.0
        self.a_vec = self._weighted(indptr_a, terms_a, counts_a)
        self.b_vec = self._weighted(indptr_b, terms_b, counts_b)

    def _weighted(
        self, indptr: np.ndarray, terms: np.ndarray, counts: np.ndarray
    ) -> sparse.csr_matrix:
        """Return the L2-normalized ISF-weighted stem counts of each sentence (CSR rows)."""
        weighted = counts * self.idf[terms]
        rows = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
        norms = np.sqrt(np.bincount(rows, weighted * weighted, minlength=len(indptr) - 1))
        norms[norms == 0] = 1.0
        scaled = weighted * (1.0 / norms)[rows]
        return sparse.csr_matrix((scaled, terms, indptr), shape=(len(indptr) - 1, self.n_terms))

    def span_similarity(self, a_tokens: tuple[int, int], b_tokens: tuple[int, int]) -> float:
        """Cosine of the ISF-weighted stem counts of two token ranges."""
        va = self._span_vector(self.a_ids[a_tokens[0] : a_tokens[1]])
        vb = self._span_vector(self.b_ids[b_tokens[0] : b_tokens[1]])
        denom = float(np.linalg.norm(va) * np.linalg.norm(vb))
        return float(va @ vb) / denom if denom else 0.0

    def ranges_similarity(
        self, a_ranges: list[tuple[int, int]], b_ranges: list[tuple[int, int]]
    ) -> float:
        """Cosine of the stem counts of several token ranges a side (each token once)."""
        va = self._span_vector(self.a_ids[_mask(len(self.a_ids), a_ranges)])
        vb = self._span_vector(self.b_ids[_mask(len(self.b_ids), b_ranges)])
        denom = float(np.linalg.norm(va) * np.linalg.norm(vb))
        return float(va @ vb) / denom if denom else 0.0

    def _span_vector(self, ids: np.ndarray) -> np.ndarray:
        ids = ids[ids >= 0]
        return np.bincount(ids, minlength=self.n_terms) * self.idf


def _mask(n: int, ranges: list[tuple[int, int]]) -> np.ndarray:
    """Boolean mask of the ``n`` tokens inside any of the (possibly overlapping) ``ranges``."""
    mask = np.zeros(n, dtype=bool)
    for start, end in ranges:
        mask[start:end] = True
    return mask


def _members(classes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the sentences of each class as ``(order, first, count)``.

    Class k's sentences are ``order[first[k] : first[k] + count[k]]``, in text order.
    """
    order = np.argsort(classes, kind="stable")
    count = np.bincount(classes)
    first = np.concatenate(([0], np.cumsum(count)[:-1]))
    return order, first, count


def sentence_seeds(
    ta: PreparedText, tb: PreparedText, vec: Vectors, params: AlignParams
) -> tuple[Seeds, str]:
    """Sentence pairs whose cosine and Dice both pass their thresholds, and a budget note.

    Sentences repeated inside a text are compared once (one class per distinct sentence);
    a class found more than ``max_repeats`` times in either text seeds nothing (like a
    frequent n-gram, it says nothing about where one text took from the other), so the
    cost stays near-linear whatever the texts repeat. Beyond ``max_seeds`` seeds the
    strongest are kept and the returned note says so.
    """
    order_a, first_a, count_a = _members(ta.sentence_class)
    order_b, first_b, count_b = _members(tb.sentence_class)
    i, j, c = _class_pairs(vec, order_a[first_a], order_b[first_b], params)
    rare = (count_a[i] <= params.max_repeats) & (count_b[j] <= params.max_repeats)
    i, j, c = i[rare], j[rare], c[rare]
    # Every sentence of class i against every sentence of class j (at most max_repeats**2).
    pairs = count_a[i] * count_b[j]
    which = np.repeat(np.arange(len(i)), pairs)
    within = np.arange(int(pairs.sum())) - np.repeat(np.cumsum(pairs) - pairs, pairs)
    width = np.maximum(count_b[j][which], 1)
    i = order_a[first_a[i][which] + within // width]
    j = order_b[first_b[j][which] + within % width]
    c = c[which]
    note = ""
    if len(c) > params.max_seeds:
        note = (
            f"cut short: {len(c):,} sentence seeds, more than max_seeds={params.max_seeds:,}; "
            "the strongest were kept"
        )
        strongest = np.lexsort((j, i, -c))[: params.max_seeds]
        i, j = i[strongest], j[strongest]
    a_char, b_char = _shared_extent(ta, tb, vec, i, j)
    seeds = Seeds(
        np.stack([i, i], axis=1), np.stack([j, j], axis=1), a_char, b_char, np.zeros(len(i), bool)
    )
    return seeds, note


def _class_pairs(
    vec: Vectors, rep_a: np.ndarray, rep_b: np.ndarray, params: AlignParams
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return ``(i, j, cosine)`` of the sentence classes that pass both thresholds.

    ``rep_a`` and ``rep_b`` are one sentence of each class; ``i`` and ``j`` index them.
    The cosine is a sparse product computed in blocks of rows, and only passing entries
    are kept, so memory stays bounded for long texts; the Dice coefficient is counted
    for those entries only.
    """
    a_vec = vec.a_vec if len(rep_a) == vec.a_vec.shape[0] else vec.a_vec[rep_a]
    b_vec = vec.b_vec if len(rep_b) == vec.b_vec.shape[0] else vec.b_vec[rep_b]
    # The CSR arrays of b's rows are the CSC arrays of its transpose: no copy.
    b_vec_t = sparse.csc_matrix(
        (b_vec.data, b_vec.indices, b_vec.indptr), shape=(b_vec.shape[1], b_vec.shape[0])
    )
    found_i, found_j, found_c = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)], [np.zeros(0)]
    for first in range(0, len(rep_a), _BLOCK_ROWS):
        block = a_vec if len(rep_a) <= _BLOCK_ROWS else a_vec[first : first + _BLOCK_ROWS]
        cos = (block @ b_vec_t).tocoo()
        passing = cos.data >= params.min_cosine
        found_i.append(first + cos.row[passing].astype(np.int64))
        found_j.append(cos.col[passing].astype(np.int64))
        found_c.append(cos.data[passing])
    i, j, c = np.concatenate(found_i), np.concatenate(found_j), np.concatenate(found_c)
    sizes = np.diff(a_vec.indptr)[i] + np.diff(b_vec.indptr)[j]
    dice = 2 * _shared_terms(a_vec, b_vec, i, j) / np.maximum(sizes, 1)
    keep = dice >= params.min_dice
    i, j, c = i[keep], j[keep], c[keep]
    if len(c) and params.relative_cosine > 0:
        # A seed far weaker than the best partner of either sentence is an echo (a title,
        # a recurring phrase) that would stretch a passage; keep only near-best partners.
        best_a = np.zeros(len(rep_a))
        best_b = np.zeros(len(rep_b))
        np.maximum.at(best_a, i, c)
        np.maximum.at(best_b, j, c)
        keep = (c >= params.relative_cosine * best_a[i]) & (c >= params.relative_cosine * best_b[j])
        i, j, c = i[keep], j[keep], c[keep]
    return i, j, c


def _row_entries(matrix: sparse.csr_matrix, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the column of every stored entry of ``rows`` and which of ``rows`` it is in."""
    at, owner = _ranges(matrix.indptr[rows], np.diff(matrix.indptr)[rows])
    return matrix.indices[at], owner


def _shared_terms(
    a_vec: sparse.csr_matrix, b_vec: sparse.csr_matrix, i: np.ndarray, j: np.ndarray
) -> np.ndarray:
    """Count the terms row ``i[k]`` of ``a_vec`` shares with row ``j[k]`` of ``b_vec``."""
    terms_a, pair_a = _row_entries(a_vec, i)
    terms_b, pair_b = _row_entries(b_vec, j)
    keys = np.sort(
        np.concatenate([pair_a * a_vec.shape[1] + terms_a, pair_b * a_vec.shape[1] + terms_b])
    )
    twice = keys[1:][keys[1:] == keys[:-1]]  # a term is once per row: twice means shared
    return np.bincount(twice // a_vec.shape[1], minlength=len(i))


def _shared_extent(
    ta: PreparedText, tb: PreparedText, vec: Vectors, i: np.ndarray, j: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Char extents of sentence pairs, each side cut to its first..last shared stem.

    A sentence that is only partly reused then does not stretch a passage over its
    unshared head or tail. All pairs at once: the tokens of every pair's two sentences
    are keyed by (pair, stem), and a token is shared when its key is on the other side.
    """
    a_tok, a_pair = _ranges(ta.sentence_tokens[i], np.diff(ta.sentence_tokens)[i])
    b_tok, b_pair = _ranges(tb.sentence_tokens[j], np.diff(tb.sentence_tokens)[j])
    width = vec.n_terms + 1  # stem ids from -1 (a stop word) to n_terms - 1
    key_a = a_pair * width + vec.a_ids[a_tok] + 1
    key_b = b_pair * width + vec.b_ids[b_tok] + 1
    shared_a = (vec.a_ids[a_tok] >= 0) & np.isin(key_a, key_b, kind="sort")
    shared_b = (vec.b_ids[b_tok] >= 0) & np.isin(key_b, key_a, kind="sort")
    return _trimmed(ta, i, a_tok, a_pair, shared_a), _trimmed(tb, j, b_tok, b_pair, shared_b)


def _trimmed(
    text: PreparedText,
    sentences: np.ndarray,
    tokens: np.ndarray,
    pair: np.ndarray,
    shared: np.ndarray,
) -> np.ndarray:
    """Char extent of each sentence, its unshared head and tail cut when long enough.

    An unshared head or tail of fewer than ``_TRIM_TOKENS`` tokens stays in; a sentence
    that shares nothing (only possible with ``min_dice=0``) is kept whole. The extent
    runs to the sentence end (its closing punctuation) when its last token is kept.
    """
    first = text.sentence_tokens[sentences]
    last = text.sentence_tokens[sentences + 1] - 1
    lo, hi = first.copy(), last.copy()
    at, owner = tokens[shared], pair[shared]  # grouped by pair, in token order
    if len(at):
        starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
        ends = np.r_[starts[1:], len(owner)] - 1
        lo[owner[starts]], hi[owner[ends]] = at[starts], at[ends]
    head = np.where(lo - first >= _TRIM_TOKENS, lo, first)
    tail = np.where(last - hi >= _TRIM_TOKENS, hi, last)
    end = np.where(tail == last, text.sentence_ends[sentences], text.token_ends[tail])
    return np.stack([text.token_starts[head], end], axis=1).astype(np.int64)


def phrase_seeds(ta: PreparedText, tb: PreparedText, params: AlignParams) -> Seeds:
    """Maximal runs of shared word n-grams, one seed per run (diagonal in both texts).

    An n-gram found more than ``max_repeats`` times in either text anchors nothing.
    """
    n = params.ngram
    # Each text's n-grams are sorted by hash once (prepare_text): a pair is a merge.
    left = np.searchsorted(tb.ngram_sorted, ta.ngram_sorted, side="left")
    counts = np.searchsorted(tb.ngram_sorted, ta.ngram_sorted, side="right") - left
    keep = (counts > 0) & (counts <= params.max_repeats) & (ta.ngram_repeats <= params.max_repeats)
    pos_a, left, counts = ta.ngram_order[keep], left[keep], counts[keep]
    if len(pos_a) == 0:
        empty = np.zeros((0, 2), np.int64)
        return Seeds(empty, empty, empty, empty, np.zeros(0, bool))
    pa = np.repeat(pos_a, counts)
    offsets = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    pb = tb.ngram_order[np.repeat(left, counts) + offsets]
    # Group matches by diagonal and join consecutive positions into runs.
    diag = pa - pb
    order = np.lexsort((pa, diag))
    pa, pb, diag = pa[order], pb[order], diag[order]
    new_run = np.ones(len(pa), dtype=bool)
    new_run[1:] = (diag[1:] != diag[:-1]) | (pa[1:] != pa[:-1] + 1)
    run_first = np.flatnonzero(new_run)
    run_last = np.r_[run_first[1:], len(pa)] - 1
    a_tok = np.stack([pa[run_first], pa[run_last] + n], axis=1)
    b_tok = np.stack([pb[run_first], pb[run_last] + n], axis=1)
    return Seeds(
        _token_sentences(ta, a_tok),
        _token_sentences(tb, b_tok),
        np.stack([ta.token_starts[a_tok[:, 0]], ta.token_ends[a_tok[:, 1] - 1]], axis=1),
        np.stack([tb.token_starts[b_tok[:, 0]], tb.token_ends[b_tok[:, 1] - 1]], axis=1),
        np.ones(len(a_tok), bool),
    )


def _token_sentences(text: PreparedText, tokens: np.ndarray) -> np.ndarray:
    """Sentence indices of the first and last token of each ``[start, end)`` token range."""
    first = np.searchsorted(text.sentence_tokens, tokens[:, 0], side="right") - 1
    last = np.searchsorted(text.sentence_tokens, tokens[:, 1] - 1, side="right") - 1
    return np.stack([first, last], axis=1)


def find_seeds(
    ta: PreparedText, tb: PreparedText, vec: Vectors, params: AlignParams
) -> tuple[Seeds, str]:
    """Return the sentence seeds and then the phrase seeds of a pair, and a budget note."""
    sentence, note = sentence_seeds(ta, tb, vec, params)
    phrase = phrase_seeds(ta, tb, params)
    logger.debug("%d sentence seeds, %d phrase seeds", len(sentence), len(phrase))
    seeds = Seeds(
        *(
            np.concatenate([getattr(sentence, f), getattr(phrase, f)]).astype(np.int64)
            for f in ("a_sent", "b_sent", "a_char", "b_char")
        ),
        np.concatenate([sentence.phrase, phrase.phrase]),
    )
    return seeds, note
