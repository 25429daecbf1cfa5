"""Characters folded for comparison (accents, quotes, dashes, case), offsets kept."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

import numpy as np

_PUNCT_FOLD = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u00b4": "'",
    "`": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u00ab": '"', "\u00bb": '"', "\u2039": "'", "\u203a": "'", "\u2010": "-", "\u2011": "-",
    "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-", "\u2026": "...",
    "\u00ad": "", "\u200b": "", "\u200c": "", "\u200d": "", "\ufeff": "",
}  # fmt: skip
_FOLDED: dict[str, str] = {}
ANY_WORD = re.compile(r"\w+")
"""A run of word characters, as text is compared word by word."""


def fold_char(char: str) -> str:
    r"""Return the normalized form of one character (possibly empty or several chars).

    Examples
    --------
    >>> fold_char("ğ"), fold_char("—"), fold_char("ﬁ"), fold_char("\t")
    ('g', '-', 'fi', ' ')
    """
    folded = _FOLDED.get(char)
    if folded is None:
        if char in _PUNCT_FOLD:
            folded = _PUNCT_FOLD[char]
        elif char.isspace():
            folded = " "
        else:
            decomposed = unicodedata.normalize("NFKD", char)
            kept = "".join(c for c in decomposed if not unicodedata.combining(c))
            folded = "".join(_PUNCT_FOLD.get(c, c) for c in kept).casefold()
            if not kept:
                folded = ""
        _FOLDED[char] = folded
    return folded


class _FoldTable(dict):
    """A ``str.translate`` table that folds each code point with :func:`fold_char`."""

    def __missing__(self, code: int) -> str:
        folded = fold_char(chr(code))
        self[code] = folded
        return folded


FOLD_TABLE = _FoldTable()

# Per code point, learnt on first sight: the first char of its fold in the low 24 bits and
# the fold's length above them (_UNKNOWN until seen); folds longer than one char ("…" ->
# "...") are kept whole in _LONG_FOLDS.
_UNKNOWN = np.uint32(0xFFFFFFFF)
_LENGTH_SHIFT = 24
_FOLD_CODE = np.full(0x110000, _UNKNOWN, dtype=np.uint32)
_LONG_FOLDS: dict[int, np.ndarray] = {}


def _codes(text: str) -> np.ndarray:
    """Return the code points of ``text`` as a uint32 array (lone surrogates allowed)."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _text(codes: np.ndarray) -> str:
    """Return the text of a uint32 array of code points."""
    if codes.size and codes.max() < 128:
        return codes.astype(np.uint8).tobytes().decode("ascii")
    return codes.astype("<u4", copy=False).tobytes().decode("utf-32-le", "surrogatepass")


def _learn(codes: np.ndarray) -> None:
    """Fill the lookup table for code points not seen before."""
    for code in np.unique(codes).tolist():
        folded = fold_char(chr(code))
        if len(folded) > 1:
            _LONG_FOLDS[code] = _codes(folded)
        first = ord(folded[0]) if folded else 0
        _FOLD_CODE[code] = first | (len(folded) << _LENGTH_SHIFT)


def fold_with_offsets(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Fold every char of ``text`` (:func:`fold_char`).

    Returns the folded code points and ``len + 1`` offsets into ``text``. Python looks
    only at code points never seen before and at the distinct ones whose fold is longer
    than one char; the rest is numpy gathers.
    """
    codes = _codes(text).astype(np.intp)
    n = codes.size
    packed = _FOLD_CODE[codes]
    unknown = packed == _UNKNOWN
    if unknown.any():
        _learn(codes[unknown])
        packed = _FOLD_CODE[codes]
    lengths = packed >> _LENGTH_SHIFT
    first = packed & np.uint32((1 << _LENGTH_SHIFT) - 1)
    if (lengths == 1).all():
        return first, np.arange(n + 1, dtype=np.int64)
    lengths = lengths.astype(np.int64)
    folded = np.repeat(first, lengths)
    starts = np.cumsum(lengths) - lengths
    long_at = np.flatnonzero(lengths > 1)
    for code in np.unique(codes[long_at]).tolist():
        where = starts[long_at[codes[long_at] == code]]
        chars = _LONG_FOLDS[code]
        for k in range(1, chars.size):
            folded[where + k] = chars[k]
    offsets = np.repeat(np.arange(n, dtype=np.int64), lengths)
    return folded, np.concatenate([offsets, np.array([n], dtype=np.int64)])


def collapse_whitespace(codes: np.ndarray, offsets: np.ndarray) -> tuple[str, np.ndarray]:
    """Collapse runs of spaces to one and strip the ends, keeping ``offsets`` in step.

    Takes folded code points and returns the text.
    """
    space = codes == 32
    nonspace = np.flatnonzero(~space)
    if nonspace.size == 0:
        return "", offsets[-1:]
    keep = ~space
    keep[1:] |= space[1:] & ~space[:-1]
    keep[: nonspace[0]] = False
    keep[nonspace[-1] + 1 :] = False
    if keep.all():
        return _text(codes), offsets
    return _text(codes[keep]), np.concatenate([offsets[:-1][keep], offsets[-1:]])


def replace_matches(
    text: str, offsets: np.ndarray, pattern: re.Pattern[str], replacements: Mapping[str, str]
) -> tuple[str, np.ndarray]:
    """Replace every match of ``pattern`` by ``replacements[match]``, keeping offsets."""
    pieces: list[str] = []
    maps: list[np.ndarray] = []
    last = 0
    for match in pattern.finditer(text):
        start, end = match.span()
        new = replacements[match.group(0)]
        pieces.append(text[last:start])
        maps.append(offsets[last:start])
        pieces.append(new)
        # Each replacement char maps to the source char at the same position, clipped, and
        # the last one to the last source char, so the word maps back to the whole word.
        idx = np.minimum(np.arange(len(new)) + start, end - 1)
        idx[-1:] = end - 1
        maps.append(offsets[idx])
        last = end
    if not pieces:
        return text, offsets
    pieces.append(text[last:])
    maps.append(offsets[last:])
    return "".join(pieces), np.concatenate(maps)
