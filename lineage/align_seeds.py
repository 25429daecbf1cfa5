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
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from lineage.align_text import AlignParams, PreparedText
from lineage.shingle import combine_token_hashes, token_hashes

__all__ = ["Seeds", "Vectors", "find_seeds", "phrase_seeds", "sentence_seeds"]

logger = logging.getLogger(__name__)

_TRIM_TOKENS = 5  # an unshared sentence head or tail shorter than this stays in
_BLOCK_ROWS = 1024  # sentences of ``a`` per block of the sparse cosine product
_POSITION_WEIGHTS = np.random.default_rng(20261203).integers(
    1, 2**63, size=4096, dtype=np.uint64
) | np.uint64(1)
"""Odd random weights of word positions, for the sentence keys of ``_sentence_classes``."""


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
    """Stem ids, ISF weights and sentence vectors shared by both texts of a pair."""

    def __init__(self, ta: PreparedText, tb: PreparedText) -> None:
        ids, vocab = pd.factorize(np.concatenate([ta.stems, tb.stems]))
        self.a_ids, self.b_ids = ids[: len(ta.stems)], ids[len(ta.stems) :]
        self.n_terms = max(len(vocab), 1)
        counts_a = self._sentence_counts(self.a_ids, ta.sentence_tokens)
        counts_b = self._sentence_counts(self.b_ids, tb.sentence_tokens)
        n_sentences = counts_a.shape[0] + counts_b.shape[0]
        df = np.bincount(
            np.concatenate([counts_a.indices, counts_b.indices]), minlength=self.n_terms
        )
        self.idf = np.log((1 + n_sentences) / (1 + df)) + 1.0
        self.a_bin, self.a_vec = self._binary_and_weighted(counts_a)
        self.b_bin, self.b_vec = self._binary_and_weighted(counts_b)

    def _sentence_counts(self, ids: np.ndarray, bounds: np.ndarray) -> sparse.csr_matrix:
        rows = np.repeat(np.arange(len(bounds) - 1), np.diff(bounds))
        keep = ids >= 0
        matrix = sparse.csr_matrix(
            (np.ones(int(keep.sum())), (rows[keep], ids[keep])),
            shape=(len(bounds) - 1, self.n_terms),
        )
        matrix.sum_duplicates()
        return matrix

    def _binary_and_weighted(
        self, counts: sparse.csr_matrix
    ) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
        """Return the 0/1 and the L2-normalized ISF-weighted rows of ``counts``."""
        shape, indices, indptr = counts.shape, counts.indices, counts.indptr
        binary = sparse.csr_matrix((np.ones(len(indices)), indices, indptr), shape=shape)
        weighted = counts.data * self.idf[indices]
        rows = np.repeat(np.arange(shape[0]), np.diff(indptr))
        norms = np.sqrt(np.bincount(rows, weighted * weighted, minlength=shape[0]))
        norms[norms == 0] = 1.0
        scaled = weighted * (1.0 / norms)[rows]
        return binary, sparse.csr_matrix((scaled, indices, indptr), shape=shape)

    def span_similarity(self, a_tokens: tuple[int, int], b_tokens: tuple[int, int]) -> float:
        """Cosine of the ISF-weighted stem counts of two token ranges."""
        va = self._span_vector(self.a_ids[a_tokens[0] : a_tokens[1]])
        vb = self._span_vector(self.b_ids[b_tokens[0] : b_tokens[1]])
        denom = float(np.linalg.norm(va) * np.linalg.norm(vb))
        return float(va @ vb) / denom if denom else 0.0

    def _span_vector(self, ids: np.ndarray) -> np.ndarray:
        ids = ids[ids >= 0]
        return np.bincount(ids, minlength=self.n_terms) * self.idf


def _sentence_classes(ids: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """Class of each sentence: sentences with the same content words share one class.

    Classes are numbered in order of first appearance. A sentence's content-word
    sequence is keyed by its length and a 64-bit sum of its stem ids times random
    weights of their positions (a collision has probability about 2**-64 per pair).
    """
    content = ids >= 0
    sentence = np.repeat(np.arange(len(bounds) - 1), np.diff(bounds))[content]
    kept = np.concatenate(([0], np.cumsum(np.bincount(sentence, minlength=len(bounds) - 1))))
    position = np.arange(len(sentence)) - kept[sentence]
    weights = _POSITION_WEIGHTS[position % len(_POSITION_WEIGHTS)]
    with np.errstate(over="ignore"):
        terms = (ids[content].astype(np.uint64) + np.uint64(1)) * weights
    key = np.zeros(len(bounds) - 1, dtype=np.uint64)
    np.add.at(key, sentence, terms)
    key ^= np.diff(kept).astype(np.uint64) << np.uint64(56)
    return pd.factorize(key)[0].astype(np.int64)


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
    order_a, first_a, count_a = _members(_sentence_classes(vec.a_ids, ta.sentence_tokens))
    order_b, first_b, count_b = _members(_sentence_classes(vec.b_ids, tb.sentence_tokens))
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
    are kept, so memory stays bounded for long texts.
    """
    a_vec, a_bin = vec.a_vec[rep_a], vec.a_bin[rep_a]
    b_vec_t, b_bin_t = vec.b_vec[rep_b].T.tocsr(), vec.b_bin[rep_b].T.tocsr()
    sizes_a = np.asarray(a_bin.sum(axis=1)).ravel()
    sizes_b = np.asarray(b_bin_t.sum(axis=0)).ravel()
    found_i, found_j, found_c = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)], [np.zeros(0)]
    for first in range(0, len(rep_a), _BLOCK_ROWS):
        cos = (a_vec[first : first + _BLOCK_ROWS] @ b_vec_t).tocoo()
        passing = cos.data >= params.min_cosine
        i, j = cos.row[passing], cos.col[passing]
        if len(i) == 0:
            continue
        inter = np.asarray((a_bin[first : first + _BLOCK_ROWS] @ b_bin_t)[i, j]).ravel()
        dice = 2 * inter / np.maximum(sizes_a[first + i] + sizes_b[j], 1)
        keep = dice >= params.min_dice
        found_i.append(first + i[keep])
        found_j.append(j[keep])
        found_c.append(cos.data[passing][keep])
    i, j, c = np.concatenate(found_i), np.concatenate(found_j), np.concatenate(found_c)
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


def _shared_extent(
    ta: PreparedText, tb: PreparedText, vec: Vectors, i: np.ndarray, j: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Char extents of sentence pairs, each side cut to its first..last shared stem.

    A sentence that is only partly reused then does not stretch a passage over its
    unshared head or tail.
    """
    a_char = np.zeros((len(i), 2), np.int64)
    b_char = np.zeros((len(i), 2), np.int64)
    a_ids, b_ids = vec.a_ids.tolist(), vec.b_ids.tolist()  # plain lists: short loops
    a_bounds, b_bounds = ta.sentence_tokens.tolist(), tb.sentence_tokens.tolist()
    for k, (si, sj) in enumerate(zip(i.tolist(), j.tolist(), strict=True)):
        a0, a1 = a_bounds[si], a_bounds[si + 1]
        b0, b1 = b_bounds[sj], b_bounds[sj + 1]
        ids_a, ids_b = a_ids[a0:a1], b_ids[b0:b1]
        set_a, set_b = set(ids_a), set(ids_b)
        in_a = [n for n, x in enumerate(ids_a) if x >= 0 and x in set_b]
        in_b = [n for n, x in enumerate(ids_b) if x >= 0 and x in set_a]
        if not in_a or not in_b:  # only possible with min_dice=0
            in_a, in_b = [0, a1 - a0 - 1], [0, b1 - b0 - 1]
        a_char[k] = _extent(ta, si, *_trim(in_a, a0, a1))
        b_char[k] = _extent(tb, sj, *_trim(in_b, b0, b1))
    return a_char, b_char


def _trim(shared: list[int], first: int, end: int) -> tuple[int, int]:
    """Return the first and last token of sentence ``[first, end)`` to keep.

    ``shared`` are the positions (within the sentence) of tokens shared with the other
    side; an unshared head or tail is cut only when it is long enough to matter.
    """
    head = first + shared[0] if shared[0] >= _TRIM_TOKENS else first
    tail = first + shared[-1] if end - first - 1 - shared[-1] >= _TRIM_TOKENS else end - 1
    return head, tail


def _extent(text: PreparedText, sentence: int, first: int, last: int) -> tuple[int, int]:
    """Chars from token ``first`` to token ``last``, or to the sentence end if it is last."""
    start = (
        text.token_starts[text.sentence_tokens[sentence]]
        if first == text.sentence_tokens[sentence]
        else text.token_starts[first]
    )
    end = (
        text.sentence_ends[sentence]
        if last == text.sentence_tokens[sentence + 1] - 1
        else text.token_ends[last]
    )
    return int(start), int(end)


def _ngram_hashes(words: Sequence[str], n: int) -> np.ndarray:
    """Hashes of every window of ``n`` words (none for a text shorter than ``n``)."""
    if len(words) < n:
        return np.zeros(0, dtype=np.uint64)
    return combine_token_hashes(token_hashes(words), n=n)


def phrase_seeds(ta: PreparedText, tb: PreparedText, params: AlignParams) -> Seeds:
    """Maximal runs of shared word n-grams, one seed per run (diagonal in both texts).

    An n-gram found more than ``max_repeats`` times in either text anchors nothing.
    """
    n = params.ngram
    ha = _ngram_hashes(ta.words, n)
    hb = _ngram_hashes(tb.words, n)
    shared = np.intersect1d(ha, hb)
    empty = np.zeros((0, 2), np.int64)
    none = Seeds(empty, empty, empty, empty, np.zeros(0, bool))
    if len(shared) == 0:
        return none
    pos_a = np.flatnonzero(np.isin(ha, shared))
    pos_b = np.flatnonzero(np.isin(hb, shared))
    order_b = np.argsort(hb[pos_b], kind="stable")
    sorted_b = hb[pos_b][order_b]
    left = np.searchsorted(sorted_b, ha[pos_a], side="left")
    right = np.searchsorted(sorted_b, ha[pos_a], side="right")
    counts = right - left
    values, in_a = np.unique(ha, return_counts=True)
    counts_a = in_a[np.searchsorted(values, ha[pos_a])]
    keep = (counts <= params.max_repeats) & (counts_a <= params.max_repeats)
    pos_a, left, counts = pos_a[keep], left[keep], counts[keep]
    if len(pos_a) == 0:
        return none
    pa = np.repeat(pos_a, counts)
    offsets = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    pb = pos_b[order_b][np.repeat(left, counts) + offsets]
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
