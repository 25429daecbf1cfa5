r"""Normalization with a map from every normalized character back to the original.

The normalized text is what shingles, sketches and alignment see: compatibility forms
folded (NFKD), accents dropped, quotes, apostrophes and dashes folded to ASCII, case folded
and whitespace runs collapsed to one space. ``NormalizedText.offsets`` maps each
normalized char back to the original, so every later offset can be shown to a person.

Examples
--------
>>> nt = normalize_text("Erdoğan’s  “decorative”\n line-up")
>>> nt.text
'erdogan\'s "decorative" line-up'
>>> start = nt.text.index("decorative")
>>> nt.original[slice(*nt.to_original(start, start + 10))]
'decorative'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

import numpy as np

from lineage.records import NormalizedText, Span

_PUNCT_FOLD = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u00b4": "'",
    "`": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u00ab": '"', "\u00bb": '"', "\u2039": "'", "\u203a": "'", "\u2010": "-", "\u2011": "-",
    "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-", "\u2026": "...",
    "\u00ad": "", "\u200b": "", "\u200c": "", "\u200d": "", "\ufeff": "",
}
_FOLDED: dict[str, str] = {}


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


def _collapse_whitespace(text: str, offsets: np.ndarray) -> tuple[str, np.ndarray]:
    """Collapse runs of spaces to one and strip the ends, keeping ``offsets`` in step."""
    if not text:
        return text, offsets
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    space = codes == 32
    keep = ~space
    keep[1:] |= space[1:] & ~space[:-1]
    nonspace = np.flatnonzero(~space)
    if nonspace.size == 0:
        return "", offsets[-1:]
    keep[: nonspace[0]] = False
    keep[nonspace[-1] + 1 :] = False
    kept = codes[keep]
    new_text = kept.astype("<u4").tobytes().decode("utf-32-le")
    new_offsets = np.concatenate([offsets[:-1][keep], offsets[-1:]])
    return new_text, new_offsets


def _replace_matches(
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
        # Each replacement char maps to the source char at the same position, clipped.
        idx = np.minimum(np.arange(len(new)) + start, end - 1)
        maps.append(offsets[idx])
        last = end
    if not pieces:
        return text, offsets
    pieces.append(text[last:])
    maps.append(offsets[last:])
    return "".join(pieces), np.concatenate(maps)


def _variant_pattern(variants: Mapping[str, str]) -> re.Pattern[str] | None:
    if not variants:
        return None
    words = sorted(variants, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(map(re.escape, words)) + r")\b")


def normalize_text(
    text: str,
    *,
    variants: Mapping[str, str] | None = None,
    ignored: Iterable[Span] = (),
) -> NormalizedText:
    """Normalize ``text`` and keep the map back to it.

    Parameters
    ----------
    text
        The original text.
    variants
        Normalized spelling variants to fold, ``{"zelenskiy": "zelensky"}``: whole words of
        the normalized text are replaced (see :func:`spelling_variants`).
    ignored
        Debris and boilerplate spans of the original to carry along (they stay in the text).

    Returns
    -------
    NormalizedText
        ``offsets[i]`` is the original index of normalized char ``i``.

    Examples
    --------
    >>> nt = normalize_text("Zelenskiy  SAID", variants={"zelenskiy": "zelensky"})
    >>> nt.text, nt.to_original(0, 8)
    ('zelensky said', (0, 8))
    """
    parts = [fold_char(c) for c in text]
    lengths = np.fromiter(map(len, parts), dtype=np.int64, count=len(parts))
    normalized = "".join(parts)
    offsets = np.concatenate(
        [np.repeat(np.arange(len(text), dtype=np.int64), lengths), [len(text)]]
    )
    normalized, offsets = _collapse_whitespace(normalized, offsets)
    pattern = _variant_pattern(variants or {})
    if pattern is not None:
        normalized, offsets = _replace_matches(normalized, offsets, pattern, variants or {})
    return NormalizedText(normalized, text, offsets.astype(np.int64), tuple(ignored))
