r"""Passage alignment of one pair of texts: seed, extend, filter.

The method follows the PAN text-alignment tradition (Sanchez-Perez, Sidorov and Gelbukh,
2014, "A Winning Approach to Text Alignment for Text Reuse Detection at PAN 2014"):

1. **Seeds.** Both texts are cut into sentences; each sentence becomes a TF-ISF vector of
   its content-word stems (stop words removed, words cut to a short prefix). A sentence pair
   is a seed when its cosine *and* its Dice coefficient both pass a threshold, which finds
   paraphrase, reordering and translation as well as copies. Shared runs of word n-grams
   (every word kept) are seeds too: they catch a copied phrase or quotation inside
   otherwise different sentences, with exact character bounds.
2. **Extension.** Seeds close to each other on *both* sides (at most ``max_gap`` sentences
   apart) are clustered by splitting alternately on gaps in the first and in the second text
   until nothing splits. Each cluster spans one passage; a passage whose two sides are not
   similar enough is re-clustered with a smaller gap, down to single seeds. A passage then
   takes in a neighbouring sentence pair at each end that is still similar (edited edges).
   Verbatim runs are also clustered on their own (a shared quotation survives next to a
   failed paraphrase), and a second pass with a wide gap on one side finds summaries (one
   side at least ``summary_ratio`` times longer than the other).
3. **Filter.** Passages shorter than ``min_chars`` on either side are dropped (verbatim
   ones from ``min_copy_chars``), and of passages that overlap on either side only the
   best (similarity times its shorter side) is kept, so no two passages ever overlap.

Cost is near-linear in the texts for unrelated pairs: the sentence cosine is a sparse
product computed in blocks, and only passing entries are kept. On the PAN 2013 training
corpus (``benchmarks/alignment.py``) plagdet is about 0.92 over categories 01-04.

Offsets are computed on the normalized text (:func:`lineage.normalize.normalize_text`) and
mapped back to the texts as given.

Examples
--------
>>> a = "The cat sat on the mat all day long. It was sunny and warm outside. " * 3
>>> b = "Unrelated opening words here. " + a
>>> [(p.a_start, p.a_end, p.b_start, p.b_end) for p in align(a, b)]
[(0, 203, 30, 233)]
"""

from __future__ import annotations

import bisect
import functools
import itertools
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse

from lineage.errors import ParameterError, check_fraction, check_positive_int, shorten
from lineage.intervals import covered, union
from lineage.normalize import normalize_text
from lineage.records import NormalizedText, Passage, Span, complement
from lineage.shingle import combine_token_hashes, token_hashes, tokenize

__all__ = [
    "AlignParams",
    "Alignment",
    "align",
    "align_normalized",
    "render_side_by_side",
    "reuse_figures",
]

logger = logging.getLogger(__name__)

_SENTENCE_END = re.compile(r"[.!?]+[\"')\]]*(?= )|[\u3002\uff01\uff1f]")
_PARAGRAPH = re.compile(r"\n[^\S\n]*\n|\r\n[^\S\r\n]*\r\n")
_TRIM_TOKENS = 5  # an unshared sentence head or tail shorter than this stays in


@functools.cache
def _stop_words() -> frozenset[str]:
    """Scikit-learn's English stop words plus news attribution words, read once.

    The list is read from scikit-learn's own ``_stop_words`` module file, which imports
    nothing: importing ``sklearn.feature_extraction`` would cost a second or more of
    start-up (scipy.stats and more) for one constant.
    """
    import importlib.util

    package = importlib.util.find_spec("sklearn")
    if package is None or not package.submodule_search_locations:  # pragma: no cover
        raise ImportError("lineage.align needs scikit-learn's English stop-word list")
    path = Path(package.submodule_search_locations[0], "feature_extraction", "_stop_words.py")
    spec = importlib.util.spec_from_file_location("lineage._english_stop_words", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return frozenset(module.ENGLISH_STOP_WORDS) | {"s", "t", "said", "says", "mr", "ms"}


@dataclass(frozen=True)
class AlignParams:
    """Thresholds of :func:`align`; every field is a keyword option of it.

    Attributes
    ----------
    min_cosine, min_dice
        A sentence pair is a seed when its TF-ISF cosine and its Dice coefficient of
        stems are both at least these.
    ngram
        Length in words of the shared word n-grams that seed copied phrases.
    max_gap
        Seeds at most this many sentences apart (on both sides) join one passage.
    min_similarity
        A passage's two sides must reach this cosine, else it is re-clustered tighter.
    min_chars
        Passages shorter than this (original characters) on either side are dropped.
    stem_length
        Words are cut to this many characters before comparison (a cheap stemmer).
    min_sentence_words
        Sentences with fewer content words are joined to the next one.
    relative_cosine
        A sentence seed is kept only if its cosine is at least this share of the best
        cosine of each of its two sentences (0 keeps every seed).
    max_sentence_words
        Longer sentences (or unpunctuated text) are cut into pieces of at most this many
        words.
    min_copy_chars
        A passage made only of verbatim runs of ``ngram`` words (a copied phrase, a shared
        quotation) is kept from this length on, below ``min_chars``.
    summary_gap, summary_ratio
        A second extension lets seeds lie up to ``summary_gap`` sentences apart on one
        side; its fragments are kept where that side is at least ``summary_ratio`` times
        longer than the other (one text summarizes the other) and their similarity is
        at least ``summary_min_similarity`` (independent reports of one event can look like
        a summary of each other at lower similarity).
    max_repeats
        A sentence or word n-gram found more than this many times in either text seeds
        nothing (a refrain, a template line): it says nothing about where one text took
        from the other, and skipping it keeps the cost near-linear on repetitive text.
    max_seeds
        Budget of sentence seeds per pair; beyond it only the strongest are kept and the
        result's ``note`` says the pair was cut short.
    grow_cosine, grow_steps
        A passage takes in up to ``grow_steps`` neighbouring sentence pairs at each end
        whose cosine is at least ``grow_cosine`` (heavily edited edges; 1 or 0 steps turn
        this off).
    """

    min_cosine: float = 0.3
    min_dice: float = 0.3
    ngram: int = 8
    max_gap: int = 3
    min_similarity: float = 0.45
    min_chars: int = 150
    stem_length: int = 6
    min_sentence_words: int = 3
    relative_cosine: float = 0.8
    max_sentence_words: int = 50
    min_copy_chars: int = 40
    summary_gap: int = 24
    grow_cosine: float = 0.4
    grow_steps: int = 1
    summary_ratio: float = 3.0
    summary_min_similarity: float = 0.5
    max_repeats: int = 8
    max_seeds: int = 50_000

    def __post_init__(self) -> None:
        for name in (
            "min_cosine",
            "min_dice",
            "min_similarity",
            "relative_cosine",
            "grow_cosine",
            "summary_min_similarity",
        ):
            check_fraction(name, getattr(self, name))
        for name in (
            "ngram",
            "min_chars",
            "stem_length",
            "min_sentence_words",
            "max_sentence_words",
            "min_copy_chars",
            "summary_gap",
            "max_repeats",
            "max_seeds",
        ):
            check_positive_int(name, getattr(self, name))
        if not isinstance(self.summary_ratio, (int, float)) or self.summary_ratio < 1:
            raise ParameterError(
                f"'summary_ratio' must be a number >= 1 (got {shorten(self.summary_ratio)})"
            )
        for name in ("max_gap", "grow_steps"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ParameterError(f"{name!r} must be a whole number >= 0 (got {shorten(value)})")


def _params(options: dict[str, object]) -> AlignParams:
    known = AlignParams.__dataclass_fields__
    unknown = sorted(set(options) - set(known))
    if unknown:
        raise ParameterError(
            f"unknown alignment option(s) {', '.join(map(repr, unknown))}; "
            f"known: {', '.join(sorted(known))}"
        )
    return AlignParams(**options)  # type: ignore[arg-type]


@dataclass(frozen=True)
class _Text:
    """One normalized text cut into tokens and sentences."""

    norm: NormalizedText
    token_starts: np.ndarray
    token_ends: np.ndarray
    words: list[str]
    stems: list[str | None]
    sentence_tokens: np.ndarray
    """``(n_sentences + 1,)`` token index where each sentence starts, then the token count."""
    sentence_ends: np.ndarray
    """Normalized char where each sentence ends (after its closing punctuation)."""

    @property
    def n_sentences(self) -> int:
        return len(self.sentence_tokens) - 1


def _prepare(norm: NormalizedText, params: AlignParams) -> _Text:
    text = norm.text
    token_starts, token_ends = tokenize(text)
    words = [text[s:e] for s, e in zip(token_starts.tolist(), token_ends.tolist(), strict=True)]
    cut = params.stem_length
    stop_words = _stop_words()
    stems: list[str | None] = [None if w in stop_words else w[:cut] for w in words]

    # Sentence ends in the normalized text, plus paragraph breaks of the original.
    breaks = [m.end() for m in _SENTENCE_END.finditer(text)]
    if norm.original:
        paragraph_at = [m.start() for m in _PARAGRAPH.finditer(norm.original)]
        if paragraph_at:
            breaks.extend(np.searchsorted(norm.offsets[:-1], paragraph_at).tolist())
    break_tokens = np.unique(np.searchsorted(token_starts, np.asarray(breaks, dtype=np.int64)))
    content = np.cumsum([0] + [s is not None for s in stems])
    bounds = [0]
    for tok in break_tokens.tolist():
        if 0 < tok < len(words) and content[tok] - content[bounds[-1]] >= (
            params.min_sentence_words
        ):
            bounds.append(tok)
    if len(words) > 0 and len(bounds) > 1 and content[-1] - content[bounds[-1]] < 1:
        bounds.pop()  # a trailing fragment without content joins the last sentence
    bounds.append(len(words))
    # Text without sentence punctuation (headlines, lists) is cut into pieces of bounded
    # length so that one seed never stands for a whole page.
    longest = params.max_sentence_words
    pieces = [0]
    for start, end in itertools.pairwise(bounds):
        count = -(-(end - start) // longest)
        pieces.extend(start + ((end - start) * np.arange(1, count + 1)) // count)
    sentence_tokens = np.asarray(pieces, dtype=np.int64)
    next_starts = np.append(token_starts[sentence_tokens[1:-1]], len(text))
    trailing_space = np.array([text[i - 1] == " " for i in next_starts[:-1]] + [False], bool)
    return _Text(
        norm, token_starts, token_ends, words, stems, sentence_tokens, next_starts - trailing_space
    )


@dataclass
class _Seeds:
    """Seeds as parallel arrays: sentence ranges and normalized char ranges per side."""

    a_sent: np.ndarray  # (k, 2) first and last sentence index
    b_sent: np.ndarray
    a_char: np.ndarray  # (k, 2) normalized [start, end)
    b_char: np.ndarray
    phrase: np.ndarray  # (k,) bool: a run of shared word n-grams (verbatim)

    def __len__(self) -> int:
        return len(self.a_sent)


def _subset(seeds: _Seeds, keep: np.ndarray) -> _Seeds:
    return _Seeds(
        seeds.a_sent[keep],
        seeds.b_sent[keep],
        seeds.a_char[keep],
        seeds.b_char[keep],
        seeds.phrase[keep],
    )


class _Vectors:
    """Stem ids, ISF weights and sentence vectors shared by both texts of a pair."""

    def __init__(self, ta: _Text, tb: _Text) -> None:
        vocab: dict[str, int] = {}
        self.a_ids = np.array(
            [-1 if s is None else vocab.setdefault(s, len(vocab)) for s in ta.stems], np.int64
        )
        self.b_ids = np.array(
            [-1 if s is None else vocab.setdefault(s, len(vocab)) for s in tb.stems], np.int64
        )
        self.n_terms = max(len(vocab), 1)
        counts_a = self._sentence_counts(self.a_ids, ta.sentence_tokens)
        counts_b = self._sentence_counts(self.b_ids, tb.sentence_tokens)
        n_sentences = counts_a.shape[0] + counts_b.shape[0]
        df = (
            np.asarray((counts_a > 0).sum(axis=0)).ravel()
            + np.asarray((counts_b > 0).sum(axis=0)).ravel()
        )
        self.idf = np.log((1 + n_sentences) / (1 + df)) + 1.0
        self.a_bin, self.b_bin = self._binary(counts_a), self._binary(counts_b)
        self.a_vec, self.b_vec = self._weigh(counts_a), self._weigh(counts_b)

    def _sentence_counts(self, ids: np.ndarray, bounds: np.ndarray) -> sparse.csr_matrix:
        rows = np.repeat(np.arange(len(bounds) - 1), np.diff(bounds))
        keep = ids >= 0
        matrix = sparse.csr_matrix(
            (np.ones(int(keep.sum())), (rows[keep], ids[keep])),
            shape=(len(bounds) - 1, self.n_terms),
        )
        matrix.sum_duplicates()
        return matrix

    @staticmethod
    def _binary(counts: sparse.csr_matrix) -> sparse.csr_matrix:
        binary = counts.copy()
        binary.data[:] = 1.0
        return binary

    def _weigh(self, counts: sparse.csr_matrix) -> sparse.csr_matrix:
        weighted = sparse.csr_matrix(counts.multiply(self.idf[np.newaxis, :]))
        norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        return sparse.csr_matrix(sparse.diags(1.0 / norms) @ weighted)

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
    """Class of each sentence: sentences with the same content words share one class."""
    ids_list, bounds_list = ids.tolist(), bounds.tolist()
    classes: dict[tuple[int, ...], int] = {}
    return np.array(
        [
            classes.setdefault(tuple(x for x in ids_list[s:e] if x >= 0), len(classes))
            for s, e in itertools.pairwise(bounds_list)
        ],
        dtype=np.int64,
    )


def _members(classes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the sentences of each class as ``(order, first, count)``.

    Class k's sentences are ``order[first[k] : first[k] + count[k]]``, in text order.
    """
    order = np.argsort(classes, kind="stable")
    count = np.bincount(classes)
    first = np.concatenate(([0], np.cumsum(count)[:-1]))
    return order, first, count


def _sentence_seeds(ta: _Text, tb: _Text, vec: _Vectors, params: AlignParams) -> tuple[_Seeds, str]:
    """Sentence pairs whose cosine and Dice both pass their thresholds, and a budget note.

    Sentences repeated inside a text are compared once (one class per distinct sentence);
    a class found more than ``max_repeats`` times in either text seeds nothing (like a
    frequent n-gram, it says nothing about where one text took from the other), so the
    cost stays near-linear whatever the texts repeat. Beyond ``max_seeds`` seeds the
    strongest are kept and the returned note says so.
    """
    classes_a = _sentence_classes(vec.a_ids, ta.sentence_tokens)
    classes_b = _sentence_classes(vec.b_ids, tb.sentence_tokens)
    order_a, first_a, count_a = _members(classes_a)
    order_b, first_b, count_b = _members(classes_b)
    rep_a, rep_b = order_a[first_a], order_b[first_b]  # one sentence of each class
    a_vec, a_bin = vec.a_vec[rep_a], vec.a_bin[rep_a]
    b_vec_t, b_bin_t = vec.b_vec[rep_b].T.tocsr(), vec.b_bin[rep_b].T.tocsr()
    sizes_a = np.asarray(a_bin.sum(axis=1)).ravel()
    sizes_b = np.asarray(b_bin_t.sum(axis=0)).ravel()
    found_i: list[np.ndarray] = []
    found_j: list[np.ndarray] = []
    found_c: list[np.ndarray] = []
    block = 1024
    for first in range(0, len(rep_a), block):
        cos = (a_vec[first : first + block] @ b_vec_t).tocoo()
        passing = cos.data >= params.min_cosine
        i, j = cos.row[passing], cos.col[passing]
        if len(i) == 0:
            continue
        inter = np.asarray((a_bin[first : first + block] @ b_bin_t)[i, j]).ravel()
        dice = 2 * inter / np.maximum(sizes_a[first + i] + sizes_b[j], 1)
        keep = dice >= params.min_dice
        found_i.append(first + i[keep])
        found_j.append(j[keep])
        found_c.append(cos.data[passing][keep])
    i = np.concatenate(found_i) if found_i else np.zeros(0, np.int64)
    j = np.concatenate(found_j) if found_j else np.zeros(0, np.int64)
    c = np.concatenate(found_c) if found_c else np.zeros(0)
    if len(c) and params.relative_cosine > 0:
        # A seed far weaker than the best partner of either sentence is an echo (a title,
        # a recurring phrase) that would stretch a passage; keep only near-best partners.
        best_a = np.zeros(len(rep_a))
        best_b = np.zeros(len(rep_b))
        np.maximum.at(best_a, i, c)
        np.maximum.at(best_b, j, c)
        keep = (c >= params.relative_cosine * best_a[i]) & (c >= params.relative_cosine * best_b[j])
        i, j, c = i[keep], j[keep], c[keep]
    rare = (count_a[i] <= params.max_repeats) & (count_b[j] <= params.max_repeats)
    i, j, c = i[rare], j[rare], c[rare]
    # Every sentence of class i against every sentence of class j (at most max_repeats**2).
    pairs = count_a[i] * count_b[j]
    which = np.repeat(np.arange(len(i)), pairs)
    within = np.arange(int(pairs.sum())) - np.repeat(np.cumsum(pairs) - pairs, pairs)
    width = count_b[j][which]
    i = order_a[first_a[i][which] + within // np.maximum(width, 1)]
    j = order_b[first_b[j][which] + within % np.maximum(width, 1)]
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
    seeds = _Seeds(
        np.stack([i, i], axis=1), np.stack([j, j], axis=1), a_char, b_char, np.zeros(len(i), bool)
    )
    return seeds, note


def _shared_extent(
    ta: _Text, tb: _Text, vec: _Vectors, i: np.ndarray, j: np.ndarray
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


def _extent(text: _Text, sentence: int, first: int, last: int) -> tuple[int, int]:
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


def _ngram_seeds(ta: _Text, tb: _Text, params: AlignParams) -> _Seeds:
    """Maximal runs of shared word n-grams, one seed per run (diagonal in both texts).

    An n-gram found more than ``max_repeats`` times in either text anchors nothing.
    """
    n = params.ngram
    ha = _ngram_hashes(ta.words, n)
    hb = _ngram_hashes(tb.words, n)
    shared = np.intersect1d(ha, hb)
    empty = np.zeros((0, 2), np.int64)
    none = _Seeds(empty, empty, empty, empty, np.zeros(0, bool))
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
    return _Seeds(
        _token_sentences(ta, a_tok),
        _token_sentences(tb, b_tok),
        np.stack([ta.token_starts[a_tok[:, 0]], ta.token_ends[a_tok[:, 1] - 1]], axis=1),
        np.stack([tb.token_starts[b_tok[:, 0]], tb.token_ends[b_tok[:, 1] - 1]], axis=1),
        np.ones(len(a_tok), bool),
    )


def _token_sentences(text: _Text, tokens: np.ndarray) -> np.ndarray:
    """Sentence indices of the first and last token of each ``[start, end)`` token range."""
    first = np.searchsorted(text.sentence_tokens, tokens[:, 0], side="right") - 1
    last = np.searchsorted(text.sentence_tokens, tokens[:, 1] - 1, side="right") - 1
    return np.stack([first, last], axis=1)


def _split_on_gaps(group: np.ndarray, spans: np.ndarray, max_gap: int) -> list[np.ndarray]:
    order = group[np.lexsort((spans[group, 1], spans[group, 0]))]
    starts = spans[order, 0]
    reach = np.maximum.accumulate(spans[order, 1])
    cut = np.flatnonzero(starts[1:] - reach[:-1] - 1 > max_gap) + 1
    return np.split(order, cut)


def _cluster(group: np.ndarray, seeds: _Seeds, gap_a: int, gap_b: int) -> list[np.ndarray]:
    """Split seeds alternately on gaps in ``a`` and in ``b`` until nothing splits."""
    done: list[np.ndarray] = []
    stack = [group]
    while stack:
        current = stack.pop()
        parts = _split_on_gaps(current, seeds.a_sent, gap_a)
        if len(parts) == 1:
            parts = _split_on_gaps(current, seeds.b_sent, gap_b)
            if len(parts) == 1:
                done.append(current)
                continue
        stack.extend(parts)
    return done


@dataclass(frozen=True)
class _Fragment:
    a_char: tuple[int, int]
    b_char: tuple[int, int]
    similarity: float
    verbatim: bool
    """Made of shared n-gram runs only."""


def _fragment(group: np.ndarray, seeds: _Seeds, ta: _Text, tb: _Text, vec: _Vectors) -> _Fragment:
    a_char = (int(seeds.a_char[group, 0].min()), int(seeds.a_char[group, 1].max()))
    b_char = (int(seeds.b_char[group, 0].min()), int(seeds.b_char[group, 1].max()))
    a_tok = _char_tokens(ta, a_char)
    b_tok = _char_tokens(tb, b_char)
    verbatim = bool(seeds.phrase[group].all())
    return _Fragment(a_char, b_char, vec.span_similarity(a_tok, b_tok), verbatim)


def _char_tokens(text: _Text, chars: tuple[int, int]) -> tuple[int, int]:
    first = int(np.searchsorted(text.token_starts, chars[0], side="left"))
    last = int(np.searchsorted(text.token_starts, chars[1], side="left"))
    return first, last


def _extend(
    seeds: _Seeds,
    ta: _Text,
    tb: _Text,
    vec: _Vectors,
    params: AlignParams,
    gaps: tuple[int, int] | None = None,
) -> list[_Fragment]:
    """Cluster seeds into fragments, tightening the gaps where a fragment is not similar.

    ``gaps`` are the largest gaps (in sentences) in ``a`` and in ``b``, ``max_gap`` on
    both sides by default. A cluster that is still not similar enough with no gap at all
    falls apart into its single seeds, each judged on its own (so a shared quotation
    inside a paraphrased sentence pair survives).
    """
    fragments: list[_Fragment] = []
    first = gaps or (params.max_gap, params.max_gap)
    pending = [(np.arange(len(seeds)), first)] if len(seeds) else []
    while pending:
        group, (gap_a, gap_b) = pending.pop()
        if gap_a >= 0 and gap_b >= 0:
            clusters = _cluster(group, seeds, gap_a, gap_b)
        else:
            clusters = np.split(group, len(group))
        for cluster in clusters:
            fragment = _fragment(cluster, seeds, ta, tb, vec)
            if fragment.similarity >= params.min_similarity:
                fragments.append(fragment)
            elif gap_a >= 0 and gap_b >= 0 and len(cluster) > 1:
                pending.append((cluster, _tighter(gap_a, gap_b)))
    return fragments


def _tighter(gap_a: int, gap_b: int) -> tuple[int, int]:
    """Both gaps one step smaller, the larger one in proportion; -1 once one reaches 0."""
    if min(gap_a, gap_b) == 0:
        return -1, -1
    small = min(gap_a, gap_b)
    scale = (small - 1) / small
    return int(gap_a * scale), int(gap_b * scale)


def _summaries(
    seeds: _Seeds, ta: _Text, tb: _Text, vec: _Vectors, params: AlignParams
) -> list[_Fragment]:
    """Fragments where one side condenses a much longer stretch of the other (a summary).

    The long side may have gaps of up to ``summary_gap`` sentences; only fragments whose
    long side is at least ``summary_ratio`` times the short side are kept.
    """
    found: list[_Fragment] = []
    wide, narrow = params.summary_gap, params.max_gap
    for gaps, long_b in (((narrow, wide), True), ((wide, narrow), False)):
        for f in _extend(seeds, ta, tb, vec, params, gaps):
            a_len, b_len = f.a_char[1] - f.a_char[0], f.b_char[1] - f.b_char[0]
            long_len, short_len = (b_len, a_len) if long_b else (a_len, b_len)
            if (
                long_len >= params.summary_ratio * max(short_len, 1)
                and f.similarity >= params.summary_min_similarity
            ):
                found.append(f)
    return found


def _grow(
    fragment: _Fragment, ta: _Text, tb: _Text, vec: _Vectors, params: AlignParams
) -> _Fragment:
    """Take in the neighbouring sentence pair at either end while it is still similar.

    Heavily edited first and last sentences of a reused passage often miss the seed
    thresholds; a pair of neighbours with cosine at least ``grow_cosine`` joins the
    passage (at most ``grow_steps`` sentences at each end).
    """
    if params.grow_cosine >= 1.0 or params.grow_steps == 0:
        return fragment
    a0, a1 = fragment.a_char
    b0, b1 = fragment.b_char
    i0, i1 = _sentence_of(ta, a0), _sentence_of(ta, a1 - 1)
    j0, j1 = _sentence_of(tb, b0), _sentence_of(tb, b1 - 1)
    grown = False
    for _ in range(params.grow_steps):
        if i0 > 0 and j0 > 0 and _pair_cosine(vec, i0 - 1, j0 - 1) >= params.grow_cosine:
            i0, j0, grown = i0 - 1, j0 - 1, True
            a0 = int(ta.token_starts[ta.sentence_tokens[i0]])
            b0 = int(tb.token_starts[tb.sentence_tokens[j0]])
        else:
            break
    for _ in range(params.grow_steps):
        if (
            i1 + 1 < ta.n_sentences
            and j1 + 1 < tb.n_sentences
            and _pair_cosine(vec, i1 + 1, j1 + 1) >= params.grow_cosine
        ):
            i1, j1, grown = i1 + 1, j1 + 1, True
            a1, b1 = int(ta.sentence_ends[i1]), int(tb.sentence_ends[j1])
        else:
            break
    if not grown:
        return fragment
    similarity = vec.span_similarity(_char_tokens(ta, (a0, a1)), _char_tokens(tb, (b0, b1)))
    return _Fragment((a0, a1), (b0, b1), similarity, fragment.verbatim)


def _sentence_of(text: _Text, char: int) -> int:
    token = int(np.searchsorted(text.token_starts, char, side="right")) - 1
    return int(np.searchsorted(text.sentence_tokens, max(token, 0), side="right")) - 1


def _pair_cosine(vec: _Vectors, i: int, j: int) -> float:
    """Cosine of sentence ``i`` of ``a`` and sentence ``j`` of ``b`` (rows read in place)."""
    a, b = vec.a_vec, vec.b_vec
    a_terms, b_terms = slice(a.indptr[i], a.indptr[i + 1]), slice(b.indptr[j], b.indptr[j + 1])
    _, x, y = np.intersect1d(
        a.indices[a_terms], b.indices[b_terms], assume_unique=True, return_indices=True
    )
    return float(a.data[a_terms][x] @ b.data[b_terms][y])


def _filter(fragments: list[_Fragment], ta: _Text, tb: _Text, params: AlignParams):
    """Drop short fragments, then keep the best of any that overlap on either side."""
    scored = []
    for fragment in fragments:
        a = ta.norm.to_original(*fragment.a_char)
        b = tb.norm.to_original(*fragment.b_char)
        shortest = params.min_copy_chars if fragment.verbatim else params.min_chars
        if min(a[1] - a[0], b[1] - b[0]) < shortest:
            continue
        quality = fragment.similarity * min(a[1] - a[0], b[1] - b[0])
        scored.append((-quality, a, b, fragment.similarity))
    scored.sort()
    kept: list[tuple[tuple[int, int], tuple[int, int], float]] = []
    taken_a: list[tuple[int, int]] = []  # sorted, disjoint
    taken_b: list[tuple[int, int]] = []
    for _, a, b, similarity in scored:
        if _hits(taken_a, a) or _hits(taken_b, b):
            continue
        bisect.insort(taken_a, a)
        bisect.insort(taken_b, b)
        kept.append((a, b, similarity))
    kept.sort()
    return kept


def _hits(taken: list[tuple[int, int]], span: tuple[int, int]) -> bool:
    """Whether ``span`` overlaps any of the sorted, disjoint spans in ``taken``."""
    at = bisect.bisect_left(taken, span)
    return (at < len(taken) and taken[at][0] < span[1]) or (at > 0 and taken[at - 1][1] > span[0])


class Alignment(list[Passage]):
    """The passages of one pair: a list, with a note when the work was cut short.

    Attributes
    ----------
    note
        ``""`` when the pair was aligned completely; else what was cut short and why
        (a repeated text beyond the seed budget).

    Examples
    --------
    >>> found = Alignment([Passage("a", 0, 50, "b", 5, 55)])
    >>> found.complete, len(found), found.mirror()[0].a
    (True, 1, 'b')
    """

    def __init__(self, passages: Iterable[Passage] = (), note: str = "") -> None:
        super().__init__(passages)
        self.note = note

    @property
    def complete(self) -> bool:
        """Whether every seed of the pair was used (no budget cut)."""
        return not self.note

    def mirror(self) -> Alignment:
        """Return the passages seen from the other text, sorted by their new ``a`` side."""
        return Alignment(sorted((p.mirror() for p in self), key=_position), self.note)


def _position(p: Passage) -> tuple[int, int, int, int]:
    return p.a_start, p.a_end, p.b_start, p.b_end


def _content_order(na: NormalizedText, nb: NormalizedText) -> bool:
    """Whether ``(na, nb)`` is the pair's canonical order (decided by content only)."""
    return (len(na.text), na.text, na.original) <= (len(nb.text), nb.text, nb.original)


def align_normalized(
    na: NormalizedText,
    nb: NormalizedText,
    *,
    a_id: str = "a",
    b_id: str = "b",
    **params: object,
) -> Alignment:
    """Align two normalized texts; offsets of the result are into their originals.

    The result is the mirror image of ``align_normalized(nb, na)``: the pair is always
    aligned in one order fixed by the texts' content (shorter first, then the text),
    never by ids or argument order, and mirrored back when the arguments came the other
    way. Texts whose normalized forms are equal are one passage (an exact duplicate),
    when long enough, without alignment.

    Parameters
    ----------
    na, nb
        Normalized texts (:func:`lineage.normalize.normalize_text` or ``normalize_corpus``).
    a_id, b_id
        Ids written into the passages.
    **params
        Thresholds, see :class:`AlignParams`.

    Returns
    -------
    Alignment
        Passages sorted by ``a_start``, ``kind="prose"`` (see
        :func:`lineage.quotes.mark_quotes` to mark quotations); no two passages overlap
        on either side. ``note`` says when a cost budget cut the pair short.

    Raises
    ------
    ParameterError
        For an unknown option or one out of range.
    """
    options = _params(params)
    if not _content_order(na, nb):
        return align_normalized(nb, na, a_id=b_id, b_id=a_id, **params).mirror()
    ta, tb = _prepare(na, options), _prepare(nb, options)
    if not _informative(ta, options) or not _informative(tb, options):
        return Alignment()
    if na.text == nb.text:
        a, b = na.to_original(0, len(na.text)), nb.to_original(0, len(nb.text))
        return Alignment([Passage(a_id, *a, b_id, *b, kind="prose", similarity=1.0)])
    vec = _Vectors(ta, tb)
    sentence, note = _sentence_seeds(ta, tb, vec, options)
    phrase = _ngram_seeds(ta, tb, options)
    seeds = _Seeds(
        *(
            np.concatenate([getattr(sentence, f), getattr(phrase, f)]).astype(np.int64)
            for f in ("a_sent", "b_sent", "a_char", "b_char")
        ),
        np.concatenate([sentence.phrase, phrase.phrase]),
    )
    logger.debug(
        "%s~%s: %d sentence seeds, %d phrase seeds", a_id, b_id, len(sentence), len(phrase)
    )
    if len(seeds) == 0:
        return Alignment(note=note)
    # Verbatim runs are also extended on their own: a shared quotation must not be lost
    # because it sits next to a short paraphrased sentence that fails the filter.
    fragments = (
        [_grow(f, ta, tb, vec, options) for f in _extend(seeds, ta, tb, vec, options)]
        + _extend(_subset(seeds, seeds.phrase), ta, tb, vec, options)
        + _summaries(seeds, ta, tb, vec, options)
    )
    return Alignment(
        (
            Passage(a_id, a[0], a[1], b_id, b[0], b[1], kind="prose", similarity=round(sim, 6))
            for a, b, sim in _filter(fragments, ta, tb, options)
        ),
        note,
    )


def _informative(text: _Text, params: AlignParams) -> bool:
    """Whether ``text`` is long enough to hold a passage: ``ngram`` words, ``min_copy_chars``.

    Shorter texts (a word, a headline) share nothing that is evidence of reuse, so they
    are not aligned at all.
    """
    if len(text.words) < params.ngram:
        return False
    start, end = text.norm.to_original(0, len(text.norm.text))
    return end - start >= params.min_copy_chars


def align(a: str, b: str, **params: object) -> Alignment:
    """Find the passages that ``a`` and ``b`` share, with offsets into both as given.

    Parameters
    ----------
    a, b
        The two texts.
    **params
        Thresholds, see :class:`AlignParams` (``min_chars=150``, ``max_gap=3``, ...).

    Returns
    -------
    Alignment
        A list of passages with ids ``"a"`` and ``"b"``, sorted by ``a_start``; the mirror
        image of ``align(b, a)``.

    Examples
    --------
    >>> text = "Putin spurned a challenge to meet Zelensky in Istanbul on Thursday. " * 4
    >>> other = "Talks opened in Turkey with no Russian leader present. " + text
    >>> [(p.a_start, p.a_end, p.b_start, p.b_end) for p in align(text, other)]
    [(0, 271, 55, 326)]
    """
    for name, value in (("a", a), ("b", b)):
        if not isinstance(value, str):
            raise ParameterError(f"{name!r} must be a str (got {type(value).__name__})")
    return align_normalized(normalize_text(a), normalize_text(b), **params)


def reuse_figures(
    doc_length: int, passages: Iterable[Passage], ignored: Iterable[Span] = ()
) -> dict[str, float]:
    """Reuse shares of one document from its passages (the document is side ``a``).

    Every figure is a share of the document's characters, debris and boilerplate
    (``ignored``) left out of both the numerator and the denominator, so each figure can be
    traced to passages:

    - ``reuse_fraction``: inside the union of all passages, less their unmatched text
      (``a_unmatched``: sentences the other side lacks);
    - ``quote_fraction``: inside the union of the passages' quoted parts (``quotes``);
    - ``prose_reuse_fraction``: reused and outside every quoted part;
    - ``original_fraction``: ``1 - reuse_fraction``.

    Parameters
    ----------
    doc_length
        Length of the document's original text.
    passages
        Passages of the document with the document as side ``a`` (swap sides first for
        passages where it is side ``b``), any number of partner documents.
    ignored
        Debris and boilerplate spans of the document.

    Returns
    -------
    dict
        ``reuse_fraction``, ``prose_reuse_fraction``, ``quote_fraction``,
        ``original_fraction``, each in [0, 1].

    Examples
    --------
    >>> ps = [
    ...     Passage("d", 0, 40, "x", 0, 40),
    ...     Passage("d", 30, 50, "y", 0, 20, kind="quote", quotes=((30, 50, 0, 20),)),
    ... ]
    >>> reuse_figures(100, ps, [Span(90, 100, "debris")])
    {'reuse_fraction': 0.5556, 'prose_reuse_fraction': 0.3333,
     'quote_fraction': 0.2222, 'original_fraction': 0.4444}
    """
    if isinstance(doc_length, bool) or not isinstance(doc_length, int) or doc_length < 0:
        raise ParameterError(f"'doc_length' must be a whole number >= 0 (got {doc_length!r})")
    holes = union([(max(0, s.start), min(doc_length, s.end)) for s in ignored])
    counted = doc_length - covered(holes)
    passages = list(passages)
    spans = [
        (max(0, start), min(doc_length, end))
        for p in passages
        for start, end in complement((p.a_start, p.a_end), p.a_unmatched)
    ]
    quote_spans = union(
        [(max(0, start), min(doc_length, end)) for p in passages for start, end, _, _ in p.quotes]
    )
    if counted <= 0:
        return dict.fromkeys(("reuse_fraction", "prose_reuse_fraction", "quote_fraction"), 0.0) | {
            "original_fraction": 1.0
        }
    reuse = covered(spans, holes) / counted
    quote = covered(quote_spans, holes) / counted
    prose = covered(spans, np.concatenate((holes, quote_spans))) / counted
    return {
        "reuse_fraction": round(reuse, 4),
        "prose_reuse_fraction": round(prose, 4),
        "quote_fraction": round(quote, 4),
        "original_fraction": round(1.0 - reuse, 4),
    }


def render_side_by_side(
    a: str,
    b: str,
    passages: Sequence[Passage],
    *,
    width: int = 100,
    a_label: str = "a",
    b_label: str = "b",
) -> str:
    """Render the passages of a pair as two text columns, one block per passage.

    Parameters
    ----------
    a, b
        The two texts the passages index into.
    passages
        Passages of ``a`` and ``b`` (from :func:`align`).
    width
        Total line width; each column gets about half.
    a_label, b_label
        Column titles (e.g. the file names).

    Returns
    -------
    str
        A header per passage (number, kind, similarity, offsets, quoted characters)
        followed by the two spans wrapped side by side, quoted parts between ``⟦`` and
        ``⟧``.

    Examples
    --------
    >>> p = Passage("a", 0, 11, "b", 4, 15, similarity=1.0)
    >>> print(render_side_by_side("hello world", "say hello world", [p], width=40))
    #1 prose similarity 1.00  a[0:11]  b[4:15]
    hello world        | hello world
    >>> p = Passage("a", 0, 17, "b", 0, 17, kind="mixed", quotes=((4, 8, 4, 8),))
    >>> print(render_side_by_side('he "said" it all', 'he "said" it all', [p], width=60))
    #1 mixed similarity 1.00  a[0:17]  b[0:17]  quoted 4 chars
    he "⟦said⟧" it all            | he "⟦said⟧" it all
    """
    import textwrap

    check_positive_int("width", width)
    column = max(10, (width - 3) // 2)
    blocks: list[str] = []
    for number, p in enumerate(passages, start=1):
        quoted = f"  quoted {p.quote_chars} chars" if p.quotes else ""
        header = (
            f"#{number} {p.kind} similarity {p.similarity:.2f}  {a_label}[{p.a_start}:{p.a_end}]"
            f"  {b_label}[{p.b_start}:{p.b_end}]{quoted}"
        )
        sides = (
            _with_marks(a, p.a_start, p.a_end, [(q[0], q[1]) for q in p.quotes]),
            _with_marks(b, p.b_start, p.b_end, [(q[2], q[3]) for q in p.quotes]),
        )
        left, right = (textwrap.wrap(" ".join(side.split()), column) or [""] for side in sides)
        rows = max(len(left), len(right))
        left += [""] * (rows - len(left))
        right += [""] * (rows - len(right))
        lines = [f"{x:<{column}} | {y}".rstrip() for x, y in zip(left, right, strict=True)]
        blocks.append("\n".join([header, *lines]))
    return "\n\n".join(blocks)


def _with_marks(text: str, start: int, end: int, parts: list[tuple[int, int]]) -> str:
    """Return ``text[start:end]`` with each part between ``⟦`` and ``⟧``."""
    pieces, at = [], start
    for part_start, part_end in sorted(parts):
        if part_end <= part_start:
            continue
        pieces += [text[at:part_start], "\u27e6", text[part_start:part_end], "\u27e7"]
        at = part_end
    return "".join([*pieces, text[at:end]])
