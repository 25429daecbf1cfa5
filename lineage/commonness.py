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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TypeVar

import numpy as np

from lineage.errors import ParameterError, check_fraction, check_positive_int
from lineage.shingle import (
    HashedSpans,
    combine_token_hashes,
    offsets_of,
    ranges,
    tokenize_batch,
)

__all__ = [
    "CommonnessModel",
    "CommonnessParams",
    "Marks",
    "distinct_per_text",
    "learn_commonness",
    "select_texts",
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
SLOT_TOLERANCE_TOKENS = 80
"""A copy may change one value per this many tokens (a paragraph) and stay a copy: the
dateline's date of a story sent again the next day, a figure a correction changed. Each
changed value counts as up to ``2 * slot_context`` differing contexts (both sides)."""
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
MIN_VERBATIM_SHARE = 0.4
"""In a corpus that knows its genre, a passage must have this share of its tokens (on each
side) inside word 3-grams both sides hold (``lineage.informative.VERBATIM_NGRAM``): two
stories of one subject, written apart, paraphrase each other (the same facts, names and
figures in the genre's words), while a copy, a correction, an update or a rewrite keeps
runs of its source's words, through OCR misreads too."""
MIN_PARTICULAR_WORDS = 1
"""In a corpus that knows its genre, two documents must share at least this many distinct
*particular* words (found in fewer documents than the ceiling: a name, a figure, a word
of the story rather than of the genre; or inside a text many documents copied) for their
prose passages to be evidence: two notices of one template written about different
companies share only the genre's words, however well they align."""
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
_KEPT_CHARS = 1 << 27
"""Texts up to this many characters in all are tokenized once (their tokens, ~2 bytes a
character, kept between the two passes of :func:`learn_commonness`); more, twice."""


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
        that differ, is a template filled twice and is dropped, unless the passage is long
        enough for its differences to be a copy's changes.
    slot_tolerance_tokens
        A copy may change one value per this many tokens (its shorter side) and stay a copy.
    min_pair_tokens, min_pair_share
        A pair whose prose passages hold fewer than ``min_pair_tokens`` tokens on either side
        and cover less than ``min_pair_share`` of both documents shares one phrase: dropped.
    min_island_tokens, min_island_share
        Once the corpus holds ``min_documents`` (so it knows its genre), a pair whose prose
        passages hold fewer than ``min_island_tokens`` tokens on either side and cover less
        than ``min_island_share`` of both documents shares an island of formula inside two
        different texts: dropped. Lower values keep more short passages lifted into longer
        texts (and more formulas two notices share).
    min_verbatim_share
        Once the corpus holds ``min_documents``, a passage with less than this share of
        its tokens (either side) inside word 3-grams both sides hold is a paraphrase of the
        same subject, not a copy: dropped. 0 turns the rule off (a corpus of free
        rewrites, where paraphrase is the reuse sought).
    min_particular_words
        Once the corpus holds ``min_documents``, a pair sharing fewer distinct particular
        words (rare in the corpus, or copied) keeps no prose passage. Higher drops short
        re-sent notices whose particulars are a name or two; 0 turns the rule off.
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
    slot_tolerance_tokens: int = SLOT_TOLERANCE_TOKENS
    min_pair_tokens: int = MIN_PAIR_TOKENS
    min_pair_share: float = MIN_PAIR_SHARE
    min_island_tokens: int = MIN_ISLAND_TOKENS
    min_island_share: float = MIN_ISLAND_SHARE
    min_verbatim_share: float = MIN_VERBATIM_SHARE
    min_particular_words: int = MIN_PARTICULAR_WORDS
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
            "slot_tolerance_tokens",
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
            "min_verbatim_share",
        ):
            check_fraction(name, getattr(self, name))
        for name in ("copied_run_gap", "min_particular_words"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ParameterError(f"{name!r} must be a whole number >= 0 (got {value!r})")
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
    """Tokens of texts end to end: spans, hashes, and which are numbers, capitalised, initial.

    Text ``i``'s tokens are ``offsets[i]:offsets[i + 1]``; spans are into each text.
    """

    starts: np.ndarray
    ends: np.ndarray
    hashes: np.ndarray
    number: np.ndarray
    capital: np.ndarray
    initial: np.ndarray
    offsets: np.ndarray

    def part(self, i: int) -> _Tokens:
        """Return the tokens of text ``i`` alone."""
        a, b = int(self.offsets[i]), int(self.offsets[i + 1])
        return _Tokens(
            self.starts[a:b],
            self.ends[a:b],
            self.hashes[a:b],
            self.number[a:b],
            self.capital[a:b],
            self.initial[a:b],
            np.array([0, b - a], dtype=np.int64),
        )


_SENTENCE_ENDS = frozenset(".!?")
_DIGIT, _UPPER, _STOP, _SEEN = 1, 2, 4, 8
_CHAR_FLAGS = np.zeros(0x110000, dtype=np.uint8)
"""Per code point: digit, upper case, sentence end; learnt on first sight (``_SEEN``)."""


def _char_flags(codes: np.ndarray) -> np.ndarray:
    """Return the flags of every code point, learning those not seen before."""
    flags = _CHAR_FLAGS[codes]
    unseen = flags == 0
    if unseen.any():
        for code in np.unique(codes[unseen]).tolist():
            char = chr(code)
            _CHAR_FLAGS[code] = (
                _SEEN
                | (_DIGIT if char.isdigit() else 0)
                | (_UPPER if char.isupper() else 0)
                | (_STOP if char in _SENTENCE_ENDS else 0)
            )
        flags = _CHAR_FLAGS[codes]
    return flags


def select_texts(spans: HashedSpans, rows: Sequence[int] | np.ndarray) -> HashedSpans:
    """Return the entries of texts ``rows`` of ``spans``, in that order.

    Examples
    --------
    >>> spans = tokenize_batch(["Putin met Trump", "", "Oil fell"])
    >>> picked = select_texts(spans, [2, 0])
    >>> picked.offsets.tolist(), bool((picked.text(1).hashes == spans.text(0).hashes).all())
    ([0, 2, 5], True)
    """
    rows = np.asarray(rows, dtype=np.int64)
    if rows.size and (np.diff(rows) == 1).all():  # a run of texts: views, no copy
        begin, end = spans.offsets[rows[0]], spans.offsets[rows[-1] + 1]
        return HashedSpans(
            spans.hashes[begin:end],
            spans.starts[begin:end],
            spans.ends[begin:end],
            spans.offsets[rows[0] : rows[-1] + 2] - begin,
        )
    counts = spans.counts()[rows]
    at, _ = ranges(spans.offsets[rows], counts)
    return HashedSpans(spans.hashes[at], spans.starts[at], spans.ends[at], offsets_of(counts))


def _tokenize(texts: Sequence[str], spans: HashedSpans | None = None) -> _Tokens:
    """Tokenize texts (:func:`lineage.shingle.tokenize_batch`) and classify the tokens.

    ``spans`` are the texts' :func:`~lineage.shingle.tokenize_batch` when known. A token's
    hash is its one-token shingle's (:func:`lineage.shingle.shingle` with ``n=1``). A
    token is a number when it holds a digit, capitalised when its first character is
    upper case, initial when a full stop lies between it and the token before (the first
    token of a text is initial). One pass over all the texts' characters.
    """
    spans = spans if spans is not None else tokenize_batch(texts)
    counts, offsets = spans.counts(), spans.offsets
    if offsets[-1] == 0:
        empty, none = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
        return _Tokens(empty, empty, empty.astype(np.uint64), none, none, none, offsets)
    starts, ends = spans.starts, spans.ends
    hashes = combine_token_hashes(spans.hashes, n=1)
    # Characters of all texts end to end, one separator between two texts.
    codes = np.frombuffer("\x00".join(texts).encode("utf-32-le", "surrogatepass"), dtype="<u4")
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    shift = np.repeat(offsets_of(lengths + 1)[:-1], counts)
    first, last = starts + shift, ends + shift
    flags = _char_flags(codes)
    # Digits inside each token, sentence ends between it and the one before.
    wide = np.int32 if codes.size < 2**31 else np.int64
    digits = np.zeros(codes.size + 1, dtype=wide)
    np.cumsum(flags & _DIGIT, dtype=wide, out=digits[1:])
    stops = np.zeros(codes.size + 1, dtype=wide)
    np.cumsum(flags & _STOP, dtype=wide, out=stops[1:])
    number = digits[last] > digits[first]
    capital = (flags[first] & _UPPER).astype(bool)
    initial = np.ones(hashes.size, dtype=bool)
    initial[1:] = stops[first[1:]] > stops[last[:-1]]
    initial[offsets[:-1][counts > 0]] = True
    return _Tokens(starts, ends, hashes, number, capital, initial, offsets)


def _windows(hashes: np.ndarray, offsets: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Hash every window of ``n`` tokens of each text, padded with ``n - 1`` edge tokens.

    Returns the windows end to end and where each text's start. Text ``i``'s tokens are
    ``hashes[offsets[i]:offsets[i + 1]]``. Padding makes a text's first and last tokens
    the start of windows of their own, so a sign-off or a dateline at an edge is judged
    like text inside. Window ``k`` of a text covers its tokens
    ``max(0, k - n + 1) .. min(k, count - 1)``; no tokens make no window.
    """
    lengths = np.diff(offsets)
    some = lengths > 0
    window_offsets = offsets_of(np.where(some, lengths + n - 1, 0))
    if window_offsets[-1] == 0:
        return np.zeros(0, dtype=np.uint64), window_offsets
    padded_offsets = offsets_of(np.where(some, lengths + 2 * (n - 1), 0))
    padded = np.full(int(padded_offsets[-1]), _EDGE, dtype=np.uint64)
    padded[ranges(padded_offsets[:-1] + (n - 1), lengths)[0]] = hashes
    combined = combine_token_hashes(padded, n=n)  # also windows across two texts: not kept
    return combined[ranges(padded_offsets[:-1], np.diff(window_offsets))[0]], window_offsets


def distinct_per_text(values: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the distinct values of each text, end to end, and how many each text has.

    Text ``i``'s values are ``values[offsets[i]:offsets[i + 1]]``; the distinct values are
    grouped by text, though not in text order. Texts of about one length are sorted
    together as the rows of one matrix, padded to the next power of two (memory at most
    twice the values): no Python step per text.

    Examples
    --------
    >>> values = np.array([3, 1, 3, 7, 7, 2], dtype=np.uint64)
    >>> found, counts = distinct_per_text(values, np.array([0, 3, 3, 6]))
    >>> sorted(found.tolist()), counts.tolist()
    ([1, 2, 3, 7], [2, 0, 2])
    """
    lengths = np.diff(offsets)
    widths = np.left_shift(1, np.ceil(np.log2(np.maximum(lengths, 1))).astype(np.int64))
    parts = []
    counts = np.zeros(lengths.size, dtype=np.int64)
    top = np.iinfo(np.uint64).max
    for width in np.unique(widths[lengths > 0]).tolist():
        texts = np.flatnonzero((widths == width) & (lengths > 0))
        sizes = lengths[texts]
        rows = np.full((texts.size, width), top, dtype=np.uint64)
        column, row = ranges(np.zeros(texts.size, dtype=np.int64), sizes)
        rows[row, column] = values[offsets[texts][row] + column]
        rows.sort(axis=1)  # padding sorts last: a text's values are its first `size`
        keep = np.arange(width) < sizes[:, None]
        keep[:, 1:] &= rows[:, 1:] != rows[:, :-1]
        parts.append(rows[keep])
        counts[texts] = keep.sum(axis=1)
    return (np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint64)), counts


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
    return (hashes & mask).astype(np.uint32), ((hashes >> np.uint64(32)) & mask).astype(np.uint32)


@dataclass(frozen=True)
class _Counts:
    """Sparse document-frequency counts of one partition: cells and counts per row."""

    rows: tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]

    @classmethod
    def of(cls, values: np.ndarray, offsets: np.ndarray, bits: int) -> _Counts:
        """Count each distinct hash once per text (text ``i``'s: ``offsets[i]:offsets[i+1]``)."""
        cells = _cells(distinct_per_text(values, offsets)[0], bits)
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


@dataclass(frozen=True)
class _Literal:
    """Word and n-gram counts of one batch of texts, and its tokens when kept."""

    words: _Counts
    ngrams: _Counts
    tokens: _Tokens | None


def _count_literal(
    texts: Sequence[str], spans: HashedSpans | None, n: int, bits: int, keep: bool
) -> _Literal:
    """Document frequencies of the words and of the literal n-grams of some texts."""
    tokens = _tokenize(texts, spans)
    windows, window_offsets = _windows(tokens.hashes, tokens.offsets, n)
    return _Literal(
        _Counts.of(tokens.hashes, tokens.offsets, bits),
        _Counts.of(windows, window_offsets, bits),
        replace(tokens, starts=tokens.starts[:0], ends=tokens.ends[:0]) if keep else None,
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
    particular: np.ndarray
    """Whether each token is a word of few documents, not of the genre: found in fewer
    than the ceiling of them, or inside a stretch many documents copied."""
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

    @cached_property
    def particular_words(self) -> np.ndarray:
        """The distinct tokens marked ``particular``, sorted once however many pairs ask."""
        return np.unique(self.tokens[self.particular])

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
        every = _tokenize(texts)
        for i, text in enumerate(texts):
            tokens = every.part(i)
            literal = _windows(tokens.hashes, tokens.offsets, n)[0]
            literal_df = _count(self.ngrams, literal, bits)
            word_df = _count(self.words, tokens.hashes, bits)
            fixed = (word_df >= self.ceiling) & tokens.capital
            template, slot = _template_hashes(tokens, fixed)
            template_df = _count(self.templates, _windows(template, tokens.offsets, n)[0], bits)
            slots = _window_sums(slot, n)
            words = _window_sums(~slot, n)
            # A template is common where it recurs with fillers that differ: its literal
            # n-gram is found in at most half of the documents that have the template.
            common_literal = literal_df >= self.ceiling
            copied = _copied_windows(common_literal, slot, n, self.params)
            common_literal &= ~copied
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
                    (word_df < self.ceiling) | _covered_tokens(copied, n),
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
    fingerprints: Sequence[bytes] | None = None,
    tokens: HashedSpans | None = None,
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
    fingerprints
        The :func:`text_fingerprint` of each text, when the caller has them already.
    tokens
        The texts' :func:`lineage.shingle.tokenize_batch`, when the caller has it (a
        persistent index tokenizes a batch once, for its sketches and for this model).

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
    for name, given in (("fingerprints", fingerprints), ("tokens", tokens)):
        if given is not None and len(given) != len(texts):
            raise ParameterError(
                f"'{name}' needs one entry per text (got {len(given)} for {len(texts)} texts)"
            )
    seen: set[bytes] = set()
    kept = []
    keys = fingerprints if fingerprints is not None else map(text_fingerprint, texts)
    for position, key in enumerate(keys):
        if key not in seen:
            seen.add(key)
            kept.append(position)
    distinct = [texts[i] for i in kept]
    documents = len(distinct) + (prior.documents if prior is not None else 0)
    ceiling = params.ceiling(documents)
    n, bits = params.ngram, params.table_bits
    rows = np.array(kept, dtype=np.int64)
    batches = [
        (
            distinct[i : i + _BATCH],
            None if tokens is None else select_texts(tokens, rows[i : i + _BATCH]),
        )
        for i in range(0, len(distinct), _BATCH)
    ]
    # The second pass reads the tokens of the first, up to a bound on the memory they take.
    keep = sum(map(len, distinct)) <= _KEPT_CHARS
    literal = mapper(lambda batch: _count_literal(*batch, n, bits, keep), batches)
    words = _table([part.words for part in literal], bits, None if prior is None else prior.words)
    ngrams = _table(
        [part.ngrams for part in literal], bits, None if prior is None else prior.ngrams
    )

    def count_templates(item: _Tokens | tuple[Sequence[str], HashedSpans | None]) -> _Counts:
        found = item if isinstance(item, _Tokens) else _tokenize(*item)
        fixed = (_count(words, found.hashes, bits) >= ceiling) & found.capital
        windows, offsets = _windows(_template_hashes(found, fixed)[0], found.offsets, n)
        return _Counts.of(windows, offsets, bits)

    items = [part.tokens for part in literal] if keep else batches
    start = None if prior is None else prior.templates
    templates = _table(mapper(count_templates, items), bits, start)
    return CommonnessModel(documents, ceiling, params, words, ngrams, templates)
