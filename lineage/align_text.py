"""One text made ready for alignment: parameters, tokens, content-word stems, sentences.

:func:`prepare_text` cuts a normalized text into word tokens, their stems (a short
prefix; stop words dropped) and sentences (punctuation and paragraph breaks, short
sentences joined, long ones cut); :class:`AlignParams` holds every threshold of the
alignment (see :mod:`lineage.align` for the whole method).

Examples
--------
>>> from lineage.normalize import normalize_text
>>> params = AlignParams()
>>> a = prepare_text(normalize_text("Talks opened in Istanbul today. Nobody came."), params)
>>> a.n_sentences, a.n_tokens, int(a.stem_ids[2])  # "in" is a stop word
(2, 7, -1)
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lineage.errors import ParameterError, check_fraction, check_positive_int, shorten
from lineage.records import NormalizedText
from lineage.shingle import combine_token_hashes, hashed_tokens, token_hashes

__all__ = ["AlignParams", "PreparedText", "prepare_text", "stop_words"]

_PARAGRAPH = re.compile(r"\n[^\S\n]*\n|\r\n[^\S\r\n]*\r\n")
_STOP = np.isin(np.arange(128), [ord(c) for c in ".!?"])
"""Whether an ASCII code point is sentence punctuation."""
_CLOSING = np.isin(np.arange(128), [ord(c) for c in "\"')]"])
"""Whether an ASCII code point is a closing mark."""
_WIDE_STOP_CODES = np.array([0x3002, 0xFF01, 0xFF1F], dtype=np.uint32)
_POSITION_WEIGHTS = np.random.default_rng(20261203).integers(
    1, 2**63, size=4096, dtype=np.uint64
) | np.uint64(1)
"""Odd random weights of word positions, for the sentence keys of ``_sentence_classes``."""


@functools.cache
def stop_words() -> frozenset[str]:
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
        quotation) is kept from this length on, below ``min_chars``; the public
        ``lineage.align`` and ``lineage analyze`` keep it only as a quotation or as most of a
        text (:func:`lineage.quote_parts.drop_unquoted_phrases`).
    summary_gap, summary_ratio
        A second extension lets seeds lie up to ``summary_gap`` sentences apart on one
        side; its fragments are kept where that side is at least ``summary_ratio`` times
        longer than the other (one text summarizes the other) and their similarity is
        at least ``summary_min_similarity`` (independent reports of one event can look like
        a summary of each other at lower similarity). That similarity is the cosine of the
        short side with the sentences of the long side its seeds matched (a summary
        condenses sentences scattered over a long stretch), and it needs seeds on at least
        ``summary_sentences`` sentences of the short side (one or two sentences about the
        same fact are what independent reports share).
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
    summary_sentences: int = 3
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
            "summary_sentences",
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

    @classmethod
    def of(cls, options: dict[str, object]) -> AlignParams:
        """Return the parameters for keyword ``options``, naming any unknown one.

        Examples
        --------
        >>> AlignParams.of({"max_gap": 2}).max_gap
        2
        """
        unknown = sorted(set(options) - set(cls.__dataclass_fields__))
        if unknown:
            raise ParameterError(
                f"unknown alignment option(s) {', '.join(map(repr, unknown))}; "
                f"known: {', '.join(sorted(cls.__dataclass_fields__))}"
            )
        return cls(**options)  # type: ignore[arg-type]


@dataclass(frozen=True)
class PreparedText:
    """One normalized text cut into tokens and sentences, once, for any number of pairs.

    Everything here depends on the text alone: a text is prepared once and aligned
    against any number of others. Words and stems are identified by 64-bit hashes
    (:func:`lineage.shingle.token_hashes`), so a pair compares arrays of integers.
    ``params`` are the thresholds it was prepared with; the pair aligner
    (:func:`lineage.align.align_prepared`) uses them.
    """

    norm: NormalizedText
    params: AlignParams
    token_starts: np.ndarray
    token_ends: np.ndarray
    stem_ids: np.ndarray
    """Each token's stem as an index into ``stem_vocab``, ``-1`` for a stop word."""
    stem_vocab: np.ndarray
    """uint64 hash of each distinct stem."""
    sentence_tokens: np.ndarray
    """``(n_sentences + 1,)`` token index where each sentence starts, then the token count."""
    sentence_ends: np.ndarray
    """Normalized char where each sentence ends (after its closing punctuation)."""
    sentence_terms: tuple[np.ndarray, np.ndarray, np.ndarray]
    """Stem counts of each sentence, CSR arrays ``(indptr, stem ids, counts)``."""
    sentence_class: np.ndarray
    """Class of each sentence: sentences with the same content words share one class,
    numbered in order of first appearance."""
    ngram_sorted: np.ndarray
    """uint64 hash of every window of ``params.ngram`` words, sorted (none in a shorter
    text)."""
    ngram_order: np.ndarray
    """Token index where each n-gram of ``ngram_sorted`` starts."""
    ngram_repeats: np.ndarray
    """How often each n-gram of ``ngram_sorted`` occurs in this text."""

    @property
    def n_tokens(self) -> int:
        """Number of word tokens."""
        return len(self.token_starts)

    @property
    def n_sentences(self) -> int:
        """Number of sentences (pieces of at most ``max_sentence_words`` words)."""
        return len(self.sentence_tokens) - 1


def prepare_text(norm: NormalizedText, params: AlignParams | None = None) -> PreparedText:
    """Cut a normalized text into tokens, content-word stems and sentences.

    Sentences end at sentence punctuation and at paragraph breaks of the original; a
    sentence with fewer than ``min_sentence_words`` content words joins the next one, and
    a longer one than ``max_sentence_words`` words (or unpunctuated text) is cut into
    pieces of bounded length, so that one seed never stands for a whole page.

    A text is prepared once and aligned against any number of others
    (:func:`lineage.align.align_prepared`).

    Parameters
    ----------
    norm
        The normalized text (:func:`lineage.normalize.normalize_text`).
    params
        The alignment thresholds (the defaults of :class:`AlignParams` if ``None``).

    Returns
    -------
    PreparedText
        Tokens, stems, sentences and word n-grams of ``norm``, with ``params``.
    """
    params = params or AlignParams()
    text = norm.text
    token_starts, token_ends, hashes, prefixes = hashed_tokens(text, prefix=params.stem_length)
    # A stem is the word cut to ``stem_length`` chars (hashed); stop words have none.
    stem_ids = np.full(len(hashes), -1, dtype=np.int64)
    content = ~_is_stop_word(hashes)
    stem_vocab, stem_ids[content] = np.unique(prefixes[content], return_inverse=True)
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    sentence_tokens = _sentence_bounds(norm, codes, token_starts, content, params)
    sentence = np.repeat(np.arange(len(sentence_tokens) - 1), np.diff(sentence_tokens))[content]
    next_starts = np.append(token_starts[sentence_tokens[1:-1]], len(text))
    trailing_space = np.zeros(len(next_starts), dtype=np.int64)
    trailing_space[:-1] = codes[next_starts[:-1] - 1] == ord(" ")
    ngrams = combine_token_hashes(hashes, n=params.ngram)[: max(len(hashes) - params.ngram + 1, 0)]
    order = np.argsort(ngrams)
    ngrams = ngrams[order]
    new = np.ones(len(ngrams) + 1, dtype=bool)
    new[1:-1] = ngrams[1:] != ngrams[:-1]
    runs = np.diff(np.flatnonzero(new))
    return PreparedText(
        norm,
        params,
        token_starts,
        token_ends,
        stem_ids,
        stem_vocab,
        sentence_tokens,
        next_starts - trailing_space,
        _sentence_terms(stem_ids[content], sentence, len(sentence_tokens) - 1, len(stem_vocab)),
        _sentence_classes(stem_vocab[stem_ids[content]], sentence, len(sentence_tokens) - 1),
        ngrams,
        order,
        np.repeat(runs, runs),
    )


@functools.cache
def _stop_word_table() -> tuple[np.ndarray, np.uint64, np.ndarray]:
    """Return a collision-free lookup of the token hashes of :func:`stop_words`.

    That is ``(hashes, shift, slots)``: ``hashes`` sorted with a sentinel at index 0 that
    no stop word has, and ``slots[h >> shift]`` the index in ``hashes`` of the one stop
    word whose high bits are those of ``h`` (0 for none). The shift is the largest that
    keeps the stop words apart, so the table stays small.
    """
    stop = np.sort(token_hashes(sorted(stop_words())))
    for bits in range(12, 33):  # the fixed list needs 16 bits
        shift = np.uint64(64 - bits)
        high = stop >> shift
        if len(np.unique(high)) == len(stop):
            break
    else:  # pragma: no cover
        raise AssertionError("stop-word hashes collide in their top 32 bits")
    hashes = np.concatenate(([~stop[0]], stop))  # index 0: a hash that is no stop word
    slots = np.zeros(1 << bits, dtype=np.int64)
    slots[high.astype(np.int64)] = np.arange(1, len(hashes))
    return hashes, shift, slots


def _is_stop_word(hashes: np.ndarray) -> np.ndarray:
    """Whether each token hash is that of a stop word (two lookups per token).

    Examples
    --------
    >>> _is_stop_word(token_hashes(["the", "Kremlin", "said"])).tolist()
    [True, False, True]
    """
    stop, shift, slots = _stop_word_table()
    return stop[slots[(hashes >> shift).astype(np.int64)]] == hashes


def _sentence_terms(
    stems: np.ndarray, sentence: np.ndarray, n_sentences: int, n_stems: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stem counts of each sentence as CSR arrays ``(indptr, stem ids, counts)``.

    ``stems`` are the stem ids of the content tokens, ``sentence`` their sentences.
    """
    width = max(n_stems, 1)
    keys = np.sort(sentence * width + stems)
    new = np.ones(len(keys) + 1, dtype=bool)
    new[1:-1] = keys[1:] != keys[:-1]
    first = np.flatnonzero(new)
    row, stem = np.divmod(keys[first[:-1]], width)
    indptr = np.zeros(n_sentences + 1, dtype=np.int64)
    np.cumsum(np.bincount(row, minlength=n_sentences), out=indptr[1:])
    return indptr, stem, np.diff(first).astype(np.float64)


def _sentence_classes(terms: np.ndarray, sentence: np.ndarray, n_sentences: int) -> np.ndarray:
    """Class of each sentence: sentences with the same content words share one class.

    ``terms`` are the stem hashes of the content tokens in text order, ``sentence``
    their sentences. Classes are numbered in order of first appearance. A sentence's
    content-word sequence is keyed by its length and a 64-bit sum of its stems' hashes
    times random weights of their positions (a collision has probability about 2**-64
    per pair).
    """
    sizes = np.bincount(sentence, minlength=n_sentences)
    kept = np.zeros(n_sentences + 1, dtype=np.int64)
    np.cumsum(sizes, out=kept[1:])
    position = np.arange(len(sentence)) - kept[sentence]
    with np.errstate(over="ignore"):
        terms = terms * _POSITION_WEIGHTS[position % len(_POSITION_WEIGHTS)]
    key = np.zeros(n_sentences, dtype=np.uint64)
    filled = np.flatnonzero(sizes)  # content tokens are in sentence order
    if len(filled):
        key[filled] = np.add.reduceat(terms, kept[filled])
    key ^= sizes.astype(np.uint64) << np.uint64(56)
    # Numbered in order of first appearance: a dict over the few hundred sentence keys.
    number: dict[int, int] = {}
    return np.fromiter(
        (number.setdefault(k, len(number)) for k in key.tolist()), dtype=np.int64, count=n_sentences
    )


def _sentence_ends(codes: np.ndarray) -> np.ndarray:
    r"""Return the char positions where sentences end, from the text's code points.

    A run of ``.!?`` and then of closing marks ``"')]`` ends a sentence when a space
    follows (the end is that space); so does an ideographic full stop (the end is right
    after it). The same ends as the regular expression
    ``[.!?]+["')\]]*(?= )|[\u3002\uff01\uff1f]``, found on the code points with numpy:
    a regular expression tried at every character was the slowest part of a long text.

    Examples
    --------
    >>> text = 'He left. "No," she said.\u3002 Then'
    >>> _sentence_ends(np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)).tolist()
    [8, 25]
    """
    # From each space, step back over closing marks (runs of a few chars: a few steps
    # over the spaces still in such a run), then look for sentence punctuation.
    space = np.flatnonzero(codes[1:] == ord(" ")) + 1
    before = space - 1
    opening = np.zeros(len(space), dtype=bool)  # only closing marks since the text start
    active = np.flatnonzero(_ascii_in(codes[before], _CLOSING))
    while len(active):
        at_start = before[active] == 0
        opening[active[at_start]] = True
        active = active[~at_start]
        before[active] -= 1
        active = active[_ascii_in(codes[before[active]], _CLOSING)]
    ends = space[~opening & _ascii_in(codes[before], _STOP)]
    wide = np.flatnonzero(codes >= _WIDE_STOP_CODES.min())
    if len(wide):
        wide = wide[(codes[wide, None] == _WIDE_STOP_CODES).any(axis=1)] + 1
        ends = np.union1d(ends, wide)
    return ends


def _ascii_in(codes: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Whether each code point is an ASCII one marked in ``table`` (a lookup, one pass)."""
    return table[np.minimum(codes, 127)] & (codes < 128)


def _paragraph_starts(text: str) -> list[int]:
    r"""Return ``m.start()`` of every match of ``_PARAGRAPH`` (a blank line) in ``text``.

    A match can only start at a ``\n`` or ``\r``: the pattern is tried there alone,
    in text order, as :meth:`re.Pattern.finditer` would (trying it at every character is
    slow on a long text).

    Examples
    --------
    >>> _paragraph_starts("One.\n\nTwo.\r\n \r\nThree.\nFour.")
    [4, 10]
    """
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    starts, reached = [], 0
    for at in np.flatnonzero((codes == 10) | (codes == 13)).tolist():
        if at >= reached and (match := _PARAGRAPH.match(text, at)):
            starts.append(at)
            reached = match.end()
    return starts


def _sentence_bounds(
    norm: NormalizedText,
    codes: np.ndarray,
    token_starts: np.ndarray,
    is_content: np.ndarray,
    params: AlignParams,
) -> np.ndarray:
    """Return the token index where each sentence starts, then the token count.

    ``codes`` are the code points of ``norm.text``.
    """
    n_words = len(token_starts)
    # Sentence ends in the normalized text, plus paragraph breaks of the original.
    breaks = _sentence_ends(codes)
    if norm.original:
        paragraph_at = _paragraph_starts(norm.original)
        if paragraph_at:
            breaks = np.append(breaks, np.searchsorted(norm.offsets[:-1], paragraph_at))
    break_tokens = np.unique(np.searchsorted(token_starts, breaks))
    break_tokens = break_tokens[(break_tokens > 0) & (break_tokens < n_words)]
    content = np.zeros(n_words + 1, dtype=np.int64)
    np.cumsum(is_content, out=content[1:])
    # Greedy: a break ends a sentence once it holds min_sentence_words content words
    # since the last one that did: from each break, the next such break is a search.
    seen = content[break_tokens]
    following = np.searchsorted(seen, seen + params.min_sentence_words).tolist()
    bounds, at = [0], int(np.searchsorted(seen, params.min_sentence_words))
    while at < len(following):
        bounds.append(at)
        at = following[at]
    bounds = break_tokens[bounds[1:]].tolist()
    last = int(content[bounds[-1]]) if bounds else 0
    if bounds and content[-1] - last < 1:
        bounds.pop()  # a trailing fragment without content joins the last sentence
    # Text without sentence punctuation (headlines, lists) is cut into pieces of bounded
    # length so that one seed never stands for a whole page.
    edges = np.array([0, *bounds, n_words], dtype=np.int64)
    starts, lengths = edges[:-1], np.diff(edges)
    count = -(-lengths // params.max_sentence_words)
    which = np.repeat(np.arange(len(lengths)), count)
    step = np.arange(len(which)) - np.repeat(np.cumsum(count) - count, count) + 1
    pieces = starts[which] + (lengths[which] * step) // count[which]
    return np.concatenate(([0], pieces)).astype(np.int64)
