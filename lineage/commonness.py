"""What is common to the genre of a corpus, learnt from the corpus itself, and so no evidence.

Two earnings reports share "Shr ... cts vs ... cts, Net ... vs ..."; two death notices share
their formula; every wire story ends with its sign-off. None of that is reuse. This stage
learns, from the corpus it is given and with no list of phrases, which word n-grams are
*common*, and then says which characters of an aligned passage are evidence of copying.

The model (:func:`learn_commonness`) counts document frequencies, each document counted once
however often it is repeated verbatim (so a story sent twenty times is not "common"):

- **words**: a word found in at least :attr:`CommonnessModel.ceiling` documents is a word of
  the genre, not a name; one in ``function_word_share`` of them is a function word.
- **literal n-grams**: word ``ngram``-grams hashed as :mod:`lineage.shingle` hashes them
  (case and accents folded; the text padded at both ends so a sign-off or a dateline is an
  n-gram of its own). One found in at least the ceiling of documents is common (passim's
  document-frequency ceiling, TextPAIR's "banality").
- **templates**: the same n-grams with every *filler* replaced by a slot: a token with a
  digit (numbers, dates, amounts) and a capitalised token that is not a word of the genre
  (names). A template with a slot and at least ``min_template_words`` words is common when
  it recurs in ``min(ceiling, min_template_documents)`` documents *with fillers that differ*
  (its literal n-gram is in at most half of them): earnings tables, issue notices, filings,
  datelines. Fillers that differ are evidence *against* copying; fillers that agree in
  every document are a copy, not a template.

The ceiling is ``max(min_documents, ceil(document_share * documents))``: 10 documents up to
5,000 distinct documents, then 0.2% of them. Below it nothing is common, so a small corpus
(five reports of one event, a pair of texts) is judged by alignment alone.

A token is *common material* when some n-gram covering it is common (literally or as a
template). What that means for an aligned passage (which passages are evidence, and which of
their characters count toward reuse) is :mod:`lineage.informative`'s job.

Counts live in fixed-size count-min tables (two rows of ``2**table_bits`` cells): memory
does not grow with the corpus, partitions (Dask) add up cell by cell into the same tables,
and a rare n-gram is taken for common only if both its cells collide with common ones.

Examples
--------
>>> texts = [f"Shr {i} cts vs {i + 1} cts. Net {i}0 mln vs {i}1 mln. Reuter" for i in range(30)]
>>> model = learn_commonness(texts)
>>> model.ceiling
10
>>> marks = model.marks(texts[0])
>>> bool(marks.common.all())
True
>>> model.marks("Talks in Istanbul stalled on Thursday.").common.any()
np.False_
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TypeVar

import numpy as np

from lineage.errors import ParameterError, check_fraction, check_positive_int
from lineage.shingle import combine_token_hashes, shingle_batch

__all__ = [
    "CommonnessModel",
    "CommonnessParams",
    "Marks",
    "learn_commonness",
    "text_fingerprint",
]

T = TypeVar("T")
R = TypeVar("R")
Mapper = Callable[[Callable[[T], R], Sequence[T]], list[R]]

MIN_COMMON_DOCUMENTS = 10
"""An n-gram is never common below this many documents (a small corpus learns nothing)."""
COMMON_DOCUMENT_SHARE = 0.002
"""Above ``MIN_COMMON_DOCUMENTS``, the share of documents that makes an n-gram common."""
MIN_TEMPLATE_WORDS = 2
"""A template needs this many words besides its slots (``[N] cts vs [N]`` has two)."""
MIN_INFORMATIVE_TOKENS = 8
"""A passage holding any common material carries at least this many tokens of evidence on
each side, else it is dropped: tokens inside a rare n-gram both sides share, or words both
sides use that are neither common material nor function words. (A passage with no common
material at all stands on alignment's own floors, ``min_chars`` and ``min_copy_chars``.)"""
FUNCTION_WORD_SHARE = 0.01
"""A word found in this share of the documents (and at least the ceiling) is a function word."""
MIN_TEMPLATE_DOCUMENTS = 5
"""A template whose fillers differ is common from this many documents (or the ceiling)."""
MAX_COMMONNESS = 0.4
"""A passage whose characters are common beyond this share is dropped."""
SLOT_CONTEXT = 3
"""Tokens of the windows in which two sides' fillers are compared (a filler and its
neighbours: "rose to [N] billion")."""
MIN_SLOT_AGREEMENT = 0.7
"""A passage whose two sides fill the same template context with the same values less often
than this (of the contexts both sides fill) is one template filled twice, not a copy."""
MIN_SLOT_DIFFERENCES = 4
"""Differing filled contexts (both sides counted) before a passage is judged a template
filled twice: one figure changed by a rewrite or a translation is not enough."""
MIN_PAIR_TOKENS = 25
"""A pair's prose passages with fewer tokens than this on either side (a sentence), ..."""
MIN_PAIR_SHARE = 0.25
"""... covering less than this share of both documents, are one shared phrase: dropped."""
MIN_ISLAND_TOKENS = 80
"""In a corpus that knows its genre, a pair's prose passages with fewer tokens than this on
either side (a paragraph), ..."""
MIN_ISLAND_SHARE = 0.65
"""... covering less than this share of both documents (each goes on with text of its own:
other names, other figures), are a formula two documents of the genre share: dropped.
A short story re-sent, trimmed or under a new headline is mostly inside its passage."""
MIN_COPIED_RUN_TOKENS = 80
"""A stretch of this many tokens, every one inside a common literal n-gram (gaps of up to
``COPIED_RUN_GAP`` tokens bridged), is one text copied by many documents (a wire story
carried by a dozen outlets), not the genre: genre material recurs in short pieces broken by
fillers that differ (a table, a notice) or in lines a corpus repeats at an edge, which
:mod:`lineage.normalize` removes as boilerplate."""
COPIED_RUN_GAP = 2
"""Tokens (a word or two an outlet changed) bridged inside a copied stretch."""
TABLE_BITS = 22
"""Each row of a count-min table has ``2**TABLE_BITS`` cells."""

_NUMBER_SLOT = np.uint64(0x6A09E667F3BCC908)
_NAME_SLOT = np.uint64(0xBB67AE8584CAA73B)
_EDGE = np.uint64(0x3C6EF372FE94F82B)
_BATCH = 2_000


@dataclass(frozen=True)
class CommonnessParams:
    """Thresholds of the commonness model; module constants give the defaults.

    Attributes
    ----------
    ngram
        Words per n-gram.
    min_documents, document_share
        The ceiling: an n-gram (or template) found in at least
        ``max(min_documents, ceil(document_share * documents))`` distinct documents is common.
    min_template_words
        Words (not slots) a template needs to count as one.
    min_template_documents
        A template is common from ``min(ceiling, min_template_documents)`` documents when
        its fillers differ (its literal n-gram is in at most half of them).
    min_informative_tokens
        Informative tokens a passage needs on each side (see ``MIN_INFORMATIVE_TOKENS``).
    function_word_share
        Words found in this share of the documents are function words: sharing them is
        no evidence.
    max_commonness
        A passage whose common share of characters exceeds this is dropped.
    slot_context, min_slot_agreement, min_slot_differences
        Filler agreement (see :func:`lineage.informative.slot_agreement`): a passage whose
        sides fill shared contexts of ``slot_context`` tokens with the same values less
        often than ``min_slot_agreement``, with at least ``min_slot_differences`` fillers
        that differ, is a template filled twice and is dropped.
    min_pair_tokens, min_pair_share
        A pair whose prose passages hold fewer than ``min_pair_tokens`` tokens on either side
        and cover less than ``min_pair_share`` of both documents shares one phrase: dropped.
    min_island_tokens, min_island_share
        Once the corpus holds ``min_documents`` (so it knows its genre), a pair whose prose
        passages hold fewer than ``min_island_tokens`` tokens on either side and cover less
        than ``min_island_share`` of both documents shares an island of formula inside two
        different texts: dropped. Lower values keep more short passages lifted into longer
        texts (and more formulas two notices share).
    min_copied_run_tokens, copied_run_gap
        A stretch of at least ``min_copied_run_tokens`` tokens covered by common literal
        n-grams (gaps of up to ``copied_run_gap`` tokens bridged) is a text many documents
        copied, so evidence, not genre. Lower: shorter verbatim runs (long formulas)
        count as reuse; higher: a wire story carried by more documents than the ceiling
        is taken for genre and its copies are missed.
    table_bits
        Count-min table rows have ``2**table_bits`` cells.
    """

    ngram: int = 5
    min_documents: int = MIN_COMMON_DOCUMENTS
    document_share: float = COMMON_DOCUMENT_SHARE
    min_template_words: int = MIN_TEMPLATE_WORDS
    min_template_documents: int = MIN_TEMPLATE_DOCUMENTS
    min_informative_tokens: int = MIN_INFORMATIVE_TOKENS
    function_word_share: float = FUNCTION_WORD_SHARE
    max_commonness: float = MAX_COMMONNESS
    slot_context: int = SLOT_CONTEXT
    min_slot_agreement: float = MIN_SLOT_AGREEMENT
    min_slot_differences: int = MIN_SLOT_DIFFERENCES
    min_pair_tokens: int = MIN_PAIR_TOKENS
    min_pair_share: float = MIN_PAIR_SHARE
    min_island_tokens: int = MIN_ISLAND_TOKENS
    min_island_share: float = MIN_ISLAND_SHARE
    min_copied_run_tokens: int = MIN_COPIED_RUN_TOKENS
    copied_run_gap: int = COPIED_RUN_GAP
    table_bits: int = TABLE_BITS

    def __post_init__(self) -> None:
        for name in (
            "ngram",
            "min_documents",
            "min_template_documents",
            "min_informative_tokens",
            "slot_context",
            "min_slot_differences",
            "min_pair_tokens",
            "min_island_tokens",
            "min_copied_run_tokens",
        ):
            check_positive_int(name, getattr(self, name))
        for name in (
            "document_share",
            "max_commonness",
            "function_word_share",
            "min_slot_agreement",
            "min_pair_share",
            "min_island_share",
        ):
            check_fraction(name, getattr(self, name))
        gap = self.copied_run_gap
        if isinstance(gap, bool) or not isinstance(gap, int) or gap < 0:
            raise ParameterError(f"'copied_run_gap' must be a whole number >= 0 (got {gap!r})")
        bits, words = self.table_bits, self.min_template_words
        if isinstance(bits, bool) or not isinstance(bits, int) or not 8 <= bits <= 30:
            raise ParameterError(f"'table_bits' must be a whole number in [8, 30] (got {bits!r})")
        if isinstance(words, bool) or not isinstance(words, int) or not 0 <= words <= self.ngram:
            raise ParameterError(
                f"'min_template_words' must be a whole number in [0, ngram={self.ngram}] "
                f"(got {words!r})"
            )

    def ceiling(self, documents: int) -> int:
        """Document frequency from which an n-gram is common in a corpus of ``documents``.

        Examples
        --------
        >>> CommonnessParams().ceiling(5), CommonnessParams().ceiling(14_000)
        (10, 28)
        """
        return max(self.min_documents, math.ceil(self.document_share * documents))


@dataclass(frozen=True)
class _Tokens:
    """Tokens of one text: spans, hashes, and which are numbers, capitalised, or initial."""

    starts: np.ndarray
    ends: np.ndarray
    hashes: np.ndarray
    number: np.ndarray
    capital: np.ndarray
    initial: np.ndarray


_SENTENCE_ENDS = frozenset(".!?")


def _classify(
    text: str, starts: np.ndarray, ends: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Whether each token holds a digit, starts with a capital letter, opens a sentence."""
    if starts.size == 0:
        empty = np.zeros(0, dtype=bool)
        return empty, empty, empty
    codes = np.frombuffer(text.encode("utf-32-le"), dtype="<u4")
    unique, inverse = np.unique(codes, return_inverse=True)
    chars = [chr(c) for c in unique.tolist()]
    digit = np.array([c.isdigit() for c in chars])[inverse]
    upper = np.array([c.isupper() for c in chars])[inverse]
    stop = np.array([c in _SENTENCE_ENDS for c in chars])[inverse]
    digits_before = np.concatenate([[0], np.cumsum(digit)])
    stops_before = np.concatenate([[0], np.cumsum(stop)])
    # A token opens a sentence when a full stop lies between it and the one before.
    initial = np.ones(starts.size, dtype=bool)
    initial[1:] = stops_before[starts[1:]] > stops_before[ends[:-1]]
    return digits_before[ends] > digits_before[starts], upper[starts], initial


def _tokenize(texts: Sequence[str]) -> list[_Tokens]:
    out = []
    for text, sh in zip(texts, shingle_batch(texts, n=1), strict=True):
        out.append(_Tokens(sh.starts, sh.ends, sh.hashes, *_classify(text, sh.starts, sh.ends)))
    return out


def _windows(hashes: np.ndarray, n: int) -> np.ndarray:
    """Hashes of every window of ``n`` tokens, the text padded with ``n - 1`` edge tokens.

    Padding makes a text's first and last tokens the start of windows of their own, so a
    sign-off or a dateline at an edge is judged like text inside. Window ``k`` covers the
    tokens ``max(0, k - n + 1) .. min(k, count - 1)``; no tokens make no window.
    """
    if hashes.size == 0:
        return np.zeros(0, dtype=np.uint64)
    pad = np.full(n - 1, _EDGE, dtype=np.uint64)
    return combine_token_hashes(np.concatenate([pad, hashes, pad]), n=n)


def _window_sums(values: np.ndarray, n: int) -> np.ndarray:
    """Sum of ``values`` (per token) over every window of :func:`_windows`."""
    if values.size == 0:
        return np.zeros(0, dtype=np.int64)
    total = np.concatenate([[0], np.cumsum(np.concatenate([values, np.zeros(n - 1)]))])
    ahead = np.concatenate([np.zeros(n - 1), total])
    return (total - ahead[: total.size])[1:].astype(np.int64)


def _cells(hashes: np.ndarray, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the two count-min cells of each hash (its low and high 32 bits, masked)."""
    mask = np.uint64((1 << bits) - 1)
    return (hashes & mask).astype(np.int64), ((hashes >> np.uint64(32)) & mask).astype(np.int64)


@dataclass(frozen=True)
class _Counts:
    """Sparse document-frequency counts of one partition: cells and counts per row."""

    rows: tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]

    @classmethod
    def of(cls, per_document: Iterable[np.ndarray], bits: int) -> _Counts:
        """Count each distinct hash once per document."""
        arrays = [np.unique(h) for h in per_document]
        hashes = np.concatenate(arrays) if arrays else np.zeros(0, dtype=np.uint64)
        cells = _cells(hashes, bits)
        return cls(tuple(np.unique(c, return_counts=True) for c in cells))  # type: ignore[arg-type]


def _table(parts: Sequence[_Counts], bits: int, start: np.ndarray | None = None) -> np.ndarray:
    """Add partition counts into a two-row count-min table (uint16, saturating).

    ``start`` is a table the counts are added to (that of other texts).
    """
    table = np.zeros((2, 1 << bits), dtype=np.uint32)
    if start is not None:
        table += start
    for part in parts:
        for row, (cells, counts) in enumerate(part.rows):
            table[row, cells] += counts.astype(np.uint32)  # cells are distinct
    return np.minimum(table, np.iinfo(np.uint16).max).astype(np.uint16)


def _count(table: np.ndarray, hashes: np.ndarray, bits: int) -> np.ndarray:
    """Document frequency of each hash: the smaller of its two cells."""
    if hashes.size == 0:
        return np.zeros(0, dtype=np.int64)
    first, second = _cells(hashes, bits)
    return np.minimum(table[0][first], table[1][second]).astype(np.int64)


def _count_literal(texts: Sequence[str], n: int, bits: int) -> tuple[_Counts, _Counts]:
    """Document frequencies of the words and of the literal n-grams of some texts."""
    tokens = _tokenize(texts)
    return (
        _Counts.of((t.hashes for t in tokens), bits),
        _Counts.of((_windows(t.hashes, n) for t in tokens), bits),
    )


def _template_hashes(tokens: _Tokens, fixed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Token hashes with fillers replaced by slots, and which tokens are slots."""
    slot = tokens.number | (tokens.capital & ~fixed)
    hashes = tokens.hashes.copy()
    hashes[tokens.number] = _NUMBER_SLOT
    hashes[slot & ~tokens.number] = _NAME_SLOT
    return hashes, slot


@dataclass(frozen=True)
class Marks:
    """What the model says of one text, token by token (spans into the text as given).

    ``windows[k]`` is the literal hash of window ``k`` (see :func:`_windows`: the text is
    padded so that window ``k`` ends at token ``k``), ``rare[k]`` whether it is found in
    fewer documents than the ceiling, ``informative[k]`` whether it is common neither
    literally nor as a template, and ``common[i]`` whether token ``i`` is common material
    (some window covering it is common).
    """

    starts: np.ndarray
    ends: np.ndarray
    windows: np.ndarray
    rare: np.ndarray
    informative: np.ndarray
    common: np.ndarray
    tokens: np.ndarray
    """Hash of every token (case and accents folded)."""
    function: np.ndarray
    """Whether each token is a function word of the corpus (found in very many documents)."""
    filler: np.ndarray
    """Whether each token is a filler: a number, or a name (see ``CommonnessModel._fillers``)."""
    ngram: int
    text: str = field(default="", repr=False)
    """The text as given (fillers are compared by their characters, allowing for OCR)."""
    knows_genre: bool = False
    """Whether the model's corpus held ``min_documents`` distinct texts, enough to tell
    its genre's formulas (a smaller corpus is judged by alignment alone)."""

    @cached_property
    def fingerprint(self) -> bytes:
        """The text's :func:`text_fingerprint`, digested once however many pairs ask."""
        return text_fingerprint(self.text)

    def inner_windows(self, first: int, last: int) -> tuple[int, int]:
        """Windows made only of tokens ``[first, last)``: ``range(*inner_windows(...))``."""
        return first + self.ngram - 1, max(first + self.ngram - 1, last)


@dataclass(frozen=True)
class CommonnessModel:
    """What a corpus shares: common words, and document frequencies of n-grams and templates.

    Made by :func:`learn_commonness`. ``words``, ``ngrams`` and ``templates`` are count-min
    tables of document frequencies (two rows of ``2**table_bits`` uint16 cells, saturating):
    48 MB with the defaults, whatever the corpus size, sent to workers once per stage.
    """

    documents: int
    ceiling: int
    params: CommonnessParams = field(repr=False)
    words: np.ndarray = field(repr=False)
    ngrams: np.ndarray = field(repr=False)
    templates: np.ndarray = field(repr=False)

    @property
    def function_ceiling(self) -> int:
        """Documents from which a word is a function word ("the", "de", "per", "said")."""
        return max(self.ceiling, math.ceil(self.params.function_word_share * self.documents))

    @property
    def template_ceiling(self) -> int:
        """Documents from which a template whose fillers vary is common.

        ``min_template_documents``, once the corpus holds ``min_documents``; a smaller
        corpus learns nothing (the ceiling, which it cannot reach).
        """
        if self.documents < self.params.min_documents:
            return self.ceiling
        return min(self.ceiling, self.params.min_template_documents)

    def _fillers(self, tokens: _Tokens, slot: np.ndarray) -> np.ndarray:
        """Numbers, and names once the corpus is large enough to know its genre's words.

        A capitalised word is a name when it is not a word of the genre (found in the
        ceiling of documents) and does not open a sentence; a corpus smaller than
        ``min_documents`` knows no words of its genre, so only its numbers are fillers.
        """
        if self.documents < self.params.min_documents:
            return tokens.number.copy()
        return tokens.number | (slot & ~tokens.initial)

    def marks(self, text: str) -> Marks:
        """Mark the common tokens and the rare n-grams of one text.

        Examples
        --------
        >>> model = learn_commonness(["Reuter sign-off text number %d here. Reuter" % i
        ...                           for i in range(12)])
        >>> m = model.marks("A different story entirely, told once. Reuter")
        >>> int(m.common.sum()), int(m.starts.size)
        (1, 7)
        """
        return self.marks_batch([text])[0]

    def marks_batch(self, texts: Sequence[str]) -> list[Marks]:
        """:meth:`marks` of many texts."""
        n, bits = self.params.ngram, self.params.table_bits
        out = []
        for text, tokens in zip(texts, _tokenize(texts), strict=True):
            literal = _windows(tokens.hashes, n)
            literal_df = _count(self.ngrams, literal, bits)
            word_df = _count(self.words, tokens.hashes, bits)
            fixed = (word_df >= self.ceiling) & tokens.capital
            template, slot = _template_hashes(tokens, fixed)
            template_df = _count(self.templates, _windows(template, n), bits)
            slots = _window_sums(slot, n)
            words = _window_sums(~slot, n)
            # A template is common where it recurs with fillers that differ: its literal
            # n-gram is found in at most half of the documents that have the template.
            common_literal = literal_df >= self.ceiling
            common_literal &= ~_copied_windows(common_literal, slot, n, self.params)
            common_window = common_literal | (
                (slots > 0)
                & (words >= self.params.min_template_words)
                & (template_df >= self.template_ceiling)
                & (2 * literal_df <= template_df)
            )
            common = _covered_tokens(common_window, n)
            out.append(
                Marks(
                    tokens.starts,
                    tokens.ends,
                    literal,
                    literal_df < self.ceiling,
                    ~common_window,
                    common,
                    tokens.hashes,
                    word_df >= self.function_ceiling,
                    self._fillers(tokens, slot),
                    n,
                    text,
                    self.documents >= self.params.min_documents,
                )
            )
        return out


def _covered_tokens(windows: np.ndarray, n: int) -> np.ndarray:
    """Whether each token lies in some marked window (token ``i`` is in windows ``i .. i+n-1``)."""
    count = windows.size - (n - 1) if windows.size else 0
    before = np.concatenate([[0], np.cumsum(windows)])
    at = np.arange(count)
    return before[at + n] > before[at]


def _copied_windows(
    common_literal: np.ndarray, slot: np.ndarray, n: int, params: CommonnessParams
) -> np.ndarray:
    """Mark the common literal windows inside a long stretch many documents copied verbatim.

    A gap of up to ``copied_run_gap`` tokens (a word an outlet changed) is bridged unless it
    holds a filler (``slot``: a number or a name): a formula filled with other names or
    figures is pieces of a template, not one copied text.

    Examples
    --------
    >>> params = CommonnessParams(min_copied_run_tokens=8, copied_run_gap=1)
    >>> common = np.array([False] * 4 + [True] * 10 + [False] * 4)  # 14 tokens, n=5
    >>> slot = np.zeros(14, dtype=bool)
    >>> _copied_windows(common, slot, 5, params).sum()  # the 10 windows cover tokens 0..13
    np.int64(10)
    >>> _copied_windows(common, slot, 5, CommonnessParams()).any()
    np.False_
    """
    covered = _covered_tokens(common_literal, n)
    if not covered.any():
        return np.zeros_like(common_literal)
    # Stretches of covered tokens, bridged over gaps of up to copied_run_gap tokens.
    edges = np.flatnonzero(np.diff(np.concatenate([[0], covered.astype(np.int8), [0]])))
    starts, ends = edges[0::2], edges[1::2]
    fillers_before = np.concatenate([[0], np.cumsum(slot)])
    bridged = (starts[1:] - ends[:-1] <= params.copied_run_gap) & (
        fillers_before[starts[1:]] == fillers_before[ends[:-1]]
    )
    # Stretches are in order, so a bridged group ends where its last stretch ends.
    first = starts[np.concatenate([[True], ~bridged])]
    last = ends[np.concatenate([~bridged, [True]])]
    in_copy = np.zeros(covered.size, dtype=bool)
    for start, end in zip(first.tolist(), last.tolist(), strict=True):
        if end - start >= params.min_copied_run_tokens:
            in_copy[start:end] = True
    # Window k covers tokens k-n+1 .. k (the edge windows pad with the edge token): copied
    # when all its tokens are in a copied stretch.
    padded = np.pad(in_copy, n - 1, mode="edge")
    inside = np.lib.stride_tricks.sliding_window_view(padded, n).all(axis=1)
    return common_literal & inside


def text_fingerprint(text: str) -> bytes:
    """Digest the text with case and runs of white space folded (exact duplicates).

    Texts of one fingerprint count once in :func:`learn_commonness`.

    Examples
    --------
    >>> text_fingerprint("One  story") == text_fingerprint("one story")
    True
    """
    return hashlib.blake2b(
        " ".join(text.casefold().split()).encode("utf-8"), digest_size=16
    ).digest()


def _map(fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
    return [fn(item) for item in items]


def learn_commonness(
    texts: Sequence[str],
    params: CommonnessParams | None = None,
    *,
    mapper: Mapper | None = None,
    prior: CommonnessModel | None = None,
) -> CommonnessModel:
    """Learn from ``texts`` which words, n-grams and templates their genre shares.

    Parameters
    ----------
    texts
        The corpus (original texts). Texts identical up to case and white space count once.
    params
        Thresholds, see :class:`CommonnessParams`.
    mapper
        ``mapper(fn, items) -> list`` over batches of texts; the builtin loop by default, a
        Dask runner's ``map`` on a cluster (partition counts add up, so the model is the
        same).
    prior
        The model of other texts (none of which is repeated in ``texts``), to grow by
        ``texts``: a persistent index adds each batch so (:mod:`lineage.index`). Its
        counts and documents carry over and its ``params`` are used; the templates of
        ``texts`` are read with the words of both. Grown batch by batch, the model is the
        one learnt at once but for the templates of earlier batches, read with the common
        words known then.

    Returns
    -------
    CommonnessModel

    Notes
    -----
    Two passes over the distinct texts (words and n-grams, then templates, whose slots
    depend on which capitalised words are common), ``O(total tokens)`` time and
    ``O(2**table_bits)`` memory.

    Examples
    --------
    >>> model = learn_commonness(["one story", "one story", "another one"])
    >>> model.documents, model.ceiling
    (2, 10)
    """
    params = prior.params if prior is not None else params or CommonnessParams()
    mapper = mapper or _map
    seen: set[bytes] = set()
    distinct = []
    for text in texts:
        key = text_fingerprint(text)
        if key not in seen:
            seen.add(key)
            distinct.append(text)
    documents = len(distinct) + (prior.documents if prior is not None else 0)
    ceiling = params.ceiling(documents)
    n, bits = params.ngram, params.table_bits
    batches = [distinct[i : i + _BATCH] for i in range(0, len(distinct), _BATCH)]
    literal = mapper(lambda batch: _count_literal(batch, n, bits), batches)
    words = _table([w for w, _ in literal], bits, None if prior is None else prior.words)
    ngrams = _table([g for _, g in literal], bits, None if prior is None else prior.ngrams)

    def count_templates(batch: Sequence[str]) -> _Counts:
        hashes = []
        for tokens in _tokenize(batch):
            fixed = (_count(words, tokens.hashes, bits) >= ceiling) & tokens.capital
            hashes.append(_windows(_template_hashes(tokens, fixed)[0], n))
        return _Counts.of(hashes, bits)

    start = None if prior is None else prior.templates
    templates = _table(mapper(count_templates, batches), bits, start)
    return CommonnessModel(documents, ceiling, params, words, ngrams, templates)
