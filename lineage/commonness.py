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
template). In a passage (:func:`score_passages`) a token is *informative* when it is not
common material, or when a literally rare n-gram covering it is found on the other side of
the passage too (a re-sent earnings table shares its numbers in order; two companies'
tables do not). ``commonness`` is the share of the passage's characters (both sides) that
are not informative. A passage is dropped when its commonness exceeds ``max_commonness``,
or when it holds common material and fewer than ``min_informative_tokens`` tokens on either
side are *evidence* (inside a rare n-gram both sides share, or a word both sides use that is
neither common material nor a function word); the informative characters of a kept passage
are what counts toward the reuse figures.

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
from dataclasses import dataclass, field, replace
from typing import TypeVar

import numpy as np
import pandas as pd

from lineage.errors import ParameterError, check_fraction, check_positive_int
from lineage.records import Passage
from lineage.shingle import combine_token_hashes, shingle_batch

__all__ = [
    "CommonnessModel",
    "CommonnessParams",
    "Marks",
    "ScoredPassages",
    "informative_containment",
    "learn_commonness",
    "score_passages",
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
    table_bits: int = TABLE_BITS

    def __post_init__(self) -> None:
        for name in ("ngram", "min_documents", "min_template_documents", "min_informative_tokens"):
            check_positive_int(name, getattr(self, name))
        for name in ("document_share", "max_commonness", "function_word_share"):
            check_fraction(name, getattr(self, name))
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
    """Tokens of one text: spans, hashes, and which are numbers or capitalised."""

    starts: np.ndarray
    ends: np.ndarray
    hashes: np.ndarray
    number: np.ndarray
    capital: np.ndarray


def _classify(text: str, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Whether each token holds a digit, and whether it starts with a capital letter."""
    if starts.size == 0:
        empty = np.zeros(0, dtype=bool)
        return empty, empty
    codes = np.frombuffer(text.encode("utf-32-le"), dtype="<u4")
    unique, inverse = np.unique(codes, return_inverse=True)
    digit = np.array([chr(c).isdigit() for c in unique.tolist()])[inverse]
    upper = np.array([chr(c).isupper() for c in unique.tolist()])[inverse]
    digits_before = np.concatenate([[0], np.cumsum(digit)])
    return digits_before[ends] > digits_before[starts], upper[starts]


def _tokenize(texts: Sequence[str]) -> list[_Tokens]:
    out = []
    for text, sh in zip(texts, shingle_batch(texts, n=1), strict=True):
        number, capital = _classify(text, sh.starts, sh.ends)
        out.append(_Tokens(sh.starts, sh.ends, sh.hashes, number, capital))
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


def _table(parts: Sequence[_Counts], bits: int) -> np.ndarray:
    """Add partition counts into a two-row count-min table (uint16, saturating)."""
    table = np.zeros((2, 1 << bits), dtype=np.uint32)
    for part in parts:
        for row, (cells, counts) in enumerate(part.rows):
            np.add.at(table[row], cells, counts.astype(np.uint32))
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
    ngram: int

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
        for tokens in _tokenize(texts):
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
            common_window = (literal_df >= self.ceiling) | (
                (slots > 0)
                & (words >= self.params.min_template_words)
                & (template_df >= self.template_ceiling)
                & (2 * literal_df <= template_df)
            )
            # Token i is covered by windows i .. i + n - 1.
            before = np.concatenate([[0], np.cumsum(common_window)])
            count = tokens.hashes.size
            at = np.arange(count)
            common = before[at + n] > before[at] if count else np.zeros(0, dtype=bool)
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
                    n,
                )
            )
        return out


def _fingerprint(text: str) -> bytes:
    """Digest the text with case and runs of white space folded (exact duplicates)."""
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
    params = params or CommonnessParams()
    mapper = mapper or _map
    seen: set[bytes] = set()
    distinct = []
    for text in texts:
        key = _fingerprint(text)
        if key not in seen:
            seen.add(key)
            distinct.append(text)
    ceiling = params.ceiling(len(distinct))
    n, bits = params.ngram, params.table_bits
    batches = [distinct[i : i + _BATCH] for i in range(0, len(distinct), _BATCH)]
    literal = mapper(lambda batch: _count_literal(batch, n, bits), batches)
    words = _table([w for w, _ in literal], bits)
    ngrams = _table([g for _, g in literal], bits)

    def count_templates(batch: Sequence[str]) -> _Counts:
        hashes = []
        for tokens in _tokenize(batch):
            fixed = (_count(words, tokens.hashes, bits) >= ceiling) & tokens.capital
            hashes.append(_windows(_template_hashes(tokens, fixed)[0], n))
        return _Counts.of(hashes, bits)

    templates = _table(mapper(count_templates, batches), bits)
    return CommonnessModel(len(distinct), ceiling, params, words, ngrams, templates)


@dataclass(frozen=True)
class ScoredPassages:
    """Passages that clear the floor, with their commonness and informative spans.

    ``passages[i]`` kept its offsets; ``commonness[i]`` is the share of its characters
    (both sides together) that are common material; ``a_spans[i]`` and ``b_spans[i]`` are
    its informative character spans on each side (what counts toward reuse figures).
    ``dropped`` counts the passages that carried too little informative text.
    """

    passages: list[Passage]
    commonness: list[float]
    a_spans: list[list[tuple[int, int]]]
    b_spans: list[list[tuple[int, int]]]
    dropped: int = 0

    def pieces_by_document(self) -> dict[str, list[Passage]]:
        """Informative pieces of every passage, grouped by document, each seen as side ``a``.

        A piece keeps its passage's ``kind`` and ``similarity`` and its partner's whole
        span, so reuse figures count informative characters only.
        """
        grouped: dict[str, list[Passage]] = {}
        for p, a_spans, b_spans in zip(self.passages, self.a_spans, self.b_spans, strict=True):
            for seen, spans in ((p, a_spans), (p.mirror(), b_spans)):
                for start, end in spans:
                    quotes = tuple(
                        (max(q0, start), min(q1, end), r0, r1)
                        for q0, q1, r0, r1 in seen.quotes
                        if q0 < end and start < q1
                    )
                    grouped.setdefault(seen.a, []).append(
                        replace(seen, a_start=start, a_end=end, quotes=quotes)
                    )
        return grouped


def _inside(marks: Marks, start: int, end: int) -> tuple[int, int]:
    """Tokens ``[first, last)`` lying wholly inside the char span ``[start, end)``."""
    first = int(np.searchsorted(marks.starts, start, side="left"))
    last = int(np.searchsorted(marks.ends, end, side="right"))
    return first, max(first, last)


def _side(
    own: Marks, other: Marks, span: tuple[int, int], other_span: tuple[int, int]
) -> tuple[int, list[tuple[int, int]]]:
    """Informative tokens of one side of a passage and its informative char spans."""
    first, last = _inside(own, *span)
    if last <= first:
        return 0, []
    theirs_at = other.inner_windows(*_inside(other, *other_span))
    theirs = other.windows[slice(*theirs_at)][other.rare[slice(*theirs_at)]]
    lo, hi = own.inner_windows(first, last)
    shared = own.rare[lo:hi] & np.isin(own.windows[lo:hi], theirs)
    # Tokens covered by a shared rare n-gram: window k covers tokens k - n + 1 .. k.
    cover = np.zeros(last - first + 1, dtype=np.int64)
    at = np.flatnonzero(shared) + (lo - first) - (own.ngram - 1)
    np.add.at(cover, at, 1)
    np.add.at(cover, at + own.ngram, -1)
    covered = np.cumsum(cover[:-1]) > 0
    informative = ~own.common[first:last] | covered
    # Evidence for the floor: text shared through a rare n-gram, or a word of the other
    # side that is neither common material nor a function word (a paraphrase).
    their_words = other.tokens[slice(*_inside(other, *other_span))]
    content = ~own.common[first:last] & ~own.function[first:last]
    evidence = covered | (content & np.isin(own.tokens[first:last], their_words))
    # Each token owns the chars from its start to the next token's start (the passage's
    # edges for the first and last), so a wholly informative passage is wholly counted.
    bounds = np.concatenate([[span[0]], own.starts[first + 1 : last], [span[1]]])
    change = np.flatnonzero(np.diff(np.concatenate([[0], informative.astype(np.int8), [0]])))
    runs = [
        (int(bounds[s]), int(bounds[e])) for s, e in zip(change[::2], change[1::2], strict=True)
    ]
    return int(evidence.sum()), runs


def score_passages(
    passages: Iterable[Passage],
    marks: dict[str, Marks],
    params: CommonnessParams | None = None,
) -> ScoredPassages:
    """Keep the passages that carry enough informative text and say how common each is.

    Parameters
    ----------
    passages
        Aligned passages (original offsets).
    marks
        :meth:`CommonnessModel.marks` of every document taking part, by id (of the
        original texts the passage offsets point into).
    params
        ``min_informative_tokens`` and ``max_commonness``, see :class:`CommonnessParams`.

    Returns
    -------
    ScoredPassages

    Notes
    -----
    ``O(tokens of the passages)`` per passage; no corpus-wide structure.

    Examples
    --------
    >>> texts = [f"Shr {i} cts vs {i + 1} cts. Net {i}0 mln vs {i}1 mln. Reuter" for i in range(30)]
    >>> model = learn_commonness(texts)
    >>> marks = {"x": model.marks(texts[1]), "y": model.marks(texts[2])}
    >>> table = Passage("x", 0, len(texts[1]), "y", 0, len(texts[2]), "prose", 0.5)
    >>> score_passages([table], marks).passages
    []
    """
    params = params or CommonnessParams()
    kept: list[Passage] = []
    commonness: list[float] = []
    a_spans: list[list[tuple[int, int]]] = []
    b_spans: list[list[tuple[int, int]]] = []
    dropped = 0
    for unit in _units(passages):
        first, last = unit[0], unit[-1]
        a_span, b_span = (first.a_start, last.a_end), (first.b_start, last.b_end)
        a_count, a_runs = _side(marks[first.a], marks[first.b], a_span, b_span)
        b_count, b_runs = _side(marks[first.b], marks[first.a], b_span, a_span)
        common = _common_share(a_runs + b_runs, a_span, b_span)
        if common > params.max_commonness or (
            common > 0 and min(a_count, b_count) < params.min_informative_tokens
        ):
            dropped += len(unit)
            continue
        for p in unit:
            a_part = _clip(a_runs, p.a_start, p.a_end)
            b_part = _clip(b_runs, p.b_start, p.b_end)
            kept.append(p)
            commonness.append(
                round(_common_share(a_part + b_part, (p.a_start, p.a_end), (p.b_start, p.b_end)), 4)
            )
            a_spans.append(a_part)
            b_spans.append(b_part)
    return ScoredPassages(kept, commonness, a_spans, b_spans, dropped)


UNIT_GAP = 3
"""Passages of a pair this close on both sides are parts of one alignment (a quotation
cut out of its passage) and are judged together."""


def _units(passages: Iterable[Passage]) -> list[list[Passage]]:
    """Group the parts of each alignment: passages of a pair that touch on both sides."""
    units: list[list[Passage]] = []
    for p in sorted(passages, key=lambda p: (p.a, p.b, p.a_start, p.b_start)):
        prev = units[-1][-1] if units else None
        if (
            prev is not None
            and (prev.a, prev.b) == (p.a, p.b)
            and 0 <= p.a_start - prev.a_end <= UNIT_GAP
            and 0 <= p.b_start - prev.b_end <= UNIT_GAP
        ):
            units[-1].append(p)
        else:
            units.append([p])
    return units


def _clip(runs: list[tuple[int, int]], start: int, end: int) -> list[tuple[int, int]]:
    """Return the parts of ``runs`` inside ``[start, end)``."""
    return [(max(s, start), min(e, end)) for s, e in runs if min(e, end) > max(s, start)]


def _common_share(
    runs: list[tuple[int, int]], a_span: tuple[int, int], b_span: tuple[int, int]
) -> float:
    """Share of the characters of both sides outside the informative ``runs``."""
    chars = (a_span[1] - a_span[0]) + (b_span[1] - b_span[0])
    return 1.0 - sum(e - s for s, e in runs) / chars if chars > 0 else 1.0


def informative_containment(pairs: pd.DataFrame, marks: dict[str, Marks]) -> pd.DataFrame:
    """Add containment over informative n-grams to a pairs table.

    ``informative_containment_a_in_b`` is the share of ``a``'s informative n-grams (common
    neither literally nor as a template) found among ``b``'s n-grams, and the mirror
    column; 0 when a document has none or has no marks. Unlike ``containment_a_in_b`` it is
    not inflated by the template and formulas two documents of one genre share.

    Parameters
    ----------
    pairs
        A table with columns ``a`` and ``b`` (document ids).
    marks
        :meth:`CommonnessModel.marks` by document id.

    Returns
    -------
    pandas.DataFrame
        ``pairs`` with the two columns added.

    Examples
    --------
    >>> model = learn_commonness(["x"])
    >>> marks = {"1": model.marks("a b c d e f g"), "2": model.marks("a b c d e f g h i j")}
    >>> table = informative_containment(pd.DataFrame({"a": ["1"], "b": ["2"]}), marks)
    >>> table[["informative_containment_a_in_b", "informative_containment_b_in_a"]].values
    array([[1. , 0.5]])
    """

    def inner(m: Marks) -> slice:
        first, last = m.inner_windows(0, m.starts.size)
        return slice(first, last) if last > first else slice(0, m.windows.size)

    sets = {}
    for doc, m in marks.items():
        at = inner(m)
        sets[doc] = (np.unique(m.windows[at][m.informative[at]]), np.unique(m.windows[at]))
    empty = (np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.uint64))

    def share(x: str, y: str) -> float:
        mine, theirs = sets.get(x, empty)[0], sets.get(y, empty)[1]
        if mine.size == 0:
            return 0.0
        return round(float(np.isin(mine, theirs, assume_unique=True).mean()), 6)

    a_in_b = [share(a, b) for a, b in zip(pairs["a"], pairs["b"], strict=True)]
    b_in_a = [share(b, a) for a, b in zip(pairs["a"], pairs["b"], strict=True)]
    return pairs.assign(
        informative_containment_a_in_b=np.array(a_in_b, dtype=np.float64),
        informative_containment_b_in_a=np.array(b_in_a, dtype=np.float64),
    )
