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
>>> a.n_sentences, a.words[:3]
(2, ['talks', 'opened', 'in'])
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from lineage.errors import ParameterError, check_fraction, check_positive_int, shorten
from lineage.records import NormalizedText
from lineage.shingle import tokenize

__all__ = ["AlignParams", "PreparedText", "prepare_text", "stop_words"]

_PARAGRAPH = re.compile(r"\n[^\S\n]*\n|\r\n[^\S\r\n]*\r\n")
_STOP_CODES = np.array([ord(c) for c in ".!?"], dtype=np.uint32)
_CLOSING_CODES = np.array([ord(c) for c in "\"')]"], dtype=np.uint32)
_WIDE_STOP_CODES = np.array([0x3002, 0xFF01, 0xFF1F], dtype=np.uint32)


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

    ``params`` are the thresholds it was prepared with; the pair aligner
    (:func:`lineage.align.align_prepared`) uses them.
    """

    norm: NormalizedText
    params: AlignParams
    token_starts: np.ndarray
    token_ends: np.ndarray
    words: list[str]
    stems: np.ndarray
    """Object array: each token's stem, ``None`` for a stop word."""
    sentence_tokens: np.ndarray
    """``(n_sentences + 1,)`` token index where each sentence starts, then the token count."""
    sentence_ends: np.ndarray
    """Normalized char where each sentence ends (after its closing punctuation)."""

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
        Tokens, stems and sentences of ``norm``, with ``params``.
    """
    params = params or AlignParams()
    text = norm.text
    token_starts, token_ends = tokenize(text)
    words = [text[s:e] for s, e in zip(token_starts.tolist(), token_ends.tolist(), strict=True)]
    # Stems are cut once per distinct word (pandas.factorize keeps first-seen order).
    codes, distinct = pd.factorize(np.asarray(words, dtype=object))
    stopped = stop_words()
    cut = params.stem_length
    stem_of = np.empty(len(distinct), dtype=object)
    stem_of[:] = [None if w in stopped else w[:cut] for w in distinct]
    stems = stem_of[codes]
    is_content = np.not_equal(stems, None)
    sentence_tokens = _sentence_bounds(norm, token_starts, is_content, params)
    next_starts = np.append(token_starts[sentence_tokens[1:-1]], len(text))
    trailing_space = np.array([text[i - 1] == " " for i in next_starts[:-1].tolist()] + [False])
    return PreparedText(
        norm,
        params,
        token_starts,
        token_ends,
        words,
        stems,
        sentence_tokens,
        next_starts - trailing_space,
    )


def _sentence_ends(text: str) -> list[int]:
    r"""Return the char positions where sentences end.

    A run of ``.!?`` and then of closing marks ``"')]`` ends a sentence when a space
    follows (the end is that space); so does an ideographic full stop (the end is right
    after it). The same ends as the regular expression
    ``[.!?]+["')\]]*(?= )|[\u3002\uff01\uff1f]``, found on the code points with numpy:
    a regular expression tried at every character was the slowest part of a long text.

    Examples
    --------
    >>> _sentence_ends('He left. "No," she said.\u3002 Then')
    [8, 25]
    """
    if not text:
        return []
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    stop = np.isin(codes, _STOP_CODES)
    closing = np.isin(codes, _CLOSING_CODES)
    # For each char, the last position at or before it that is not a closing mark.
    at = np.arange(len(codes))
    last_open = np.maximum.accumulate(np.where(closing, -1, at))
    space = np.flatnonzero(codes[1:] == ord(" ")) + 1
    before = last_open[space - 1]
    ends = space[(before >= 0) & stop[np.maximum(before, 0)]]
    wide = np.flatnonzero(np.isin(codes, _WIDE_STOP_CODES)) + 1
    return np.union1d(ends, wide).tolist()


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
    norm: NormalizedText, token_starts: np.ndarray, is_content: np.ndarray, params: AlignParams
) -> np.ndarray:
    """Return the token index where each sentence starts, then the token count."""
    text, n_words = norm.text, len(token_starts)
    # Sentence ends in the normalized text, plus paragraph breaks of the original.
    breaks = _sentence_ends(text)
    if norm.original:
        paragraph_at = _paragraph_starts(norm.original)
        if paragraph_at:
            breaks.extend(np.searchsorted(norm.offsets[:-1], paragraph_at).tolist())
    break_tokens = np.unique(np.searchsorted(token_starts, np.asarray(breaks, dtype=np.int64)))
    content = np.concatenate(([0], np.cumsum(is_content))).tolist()
    bounds = [0]
    for tok in break_tokens.tolist():
        if 0 < tok < n_words and content[tok] - content[bounds[-1]] >= params.min_sentence_words:
            bounds.append(tok)
    if n_words > 0 and len(bounds) > 1 and content[-1] - content[bounds[-1]] < 1:
        bounds.pop()  # a trailing fragment without content joins the last sentence
    bounds.append(n_words)
    # Text without sentence punctuation (headlines, lists) is cut into pieces of bounded
    # length so that one seed never stands for a whole page.
    starts = np.asarray(bounds[:-1], dtype=np.int64)
    lengths = np.diff(np.asarray(bounds, dtype=np.int64))
    count = -(-lengths // params.max_sentence_words)
    which = np.repeat(np.arange(len(lengths)), count)
    step = np.arange(len(which)) - np.repeat(np.cumsum(count) - count, count) + 1
    pieces = starts[which] + (lengths[which] * step) // count[which]
    return np.concatenate(([0], pieces)).astype(np.int64)
