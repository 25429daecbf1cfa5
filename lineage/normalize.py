r"""Normalization with a map from every normalized character back to the original.

The normalized text is what shingles, sketches and alignment see: compatibility forms
folded (NFKD), accents dropped, quotes, apostrophes and dashes folded to ASCII, case folded
and whitespace runs collapsed to one space. ``NormalizedText.offsets`` maps each
normalized char back to the original, so every later offset can be shown to a person.

Three corpus-level cleaners feed it (:func:`normalize_corpus` runs them all):

- :func:`spelling_variants` finds name spellings of one name in the corpus itself
  (Zelensky, Zelenskiy, Zelenskyy) and folds them to the most frequent one;
- :func:`find_debris` marks scraping debris of one text (a ``date`` prefix, a duplicated
  lead line, photo captions, "SEE ALSO" promos, player notices, bare URLs, contributor
  and sign-off lines, bylines, datelines);
- :func:`find_boilerplate` marks lines that recur across many unrelated documents
  (sign-offs, newsletter promos, legal lines).

Debris and boilerplate stay in the text; their spans go to ``NormalizedText.ignored`` so
later stages can leave them out of reuse figures.

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

import functools
import hashlib
import itertools
import logging
import math
import re
import unicodedata
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from lineage.errors import ParameterError, check_fraction, check_positive_int, shorten
from lineage.records import NormalizedText, Span

__all__ = [
    "find_boilerplate",
    "find_debris",
    "fold_char",
    "normalize_corpus",
    "normalize_text",
    "spelling_variants",
]

logger = logging.getLogger(__name__)

# ---------------------------------------------------------------------------------------
# Character folding
# ---------------------------------------------------------------------------------------

_PUNCT_FOLD = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u00b4": "'",
    "`": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u00ab": '"', "\u00bb": '"', "\u2039": "'", "\u203a": "'", "\u2010": "-", "\u2011": "-",
    "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-", "\u2026": "...",
    "\u00ad": "", "\u200b": "", "\u200c": "", "\u200d": "", "\ufeff": "",
}  # fmt: skip
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


class _FoldTable(dict):
    """A ``str.translate`` table that folds each code point with :func:`fold_char`."""

    def __missing__(self, code: int) -> str:
        folded = fold_char(chr(code))
        self[code] = folded
        return folded


_FOLD_TABLE = _FoldTable()

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


def _fold(text: str) -> tuple[np.ndarray, np.ndarray]:
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


def _collapse_whitespace(codes: np.ndarray, offsets: np.ndarray) -> tuple[str, np.ndarray]:
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


_ANY_WORD = re.compile(r"\w+")


@functools.lru_cache(maxsize=4096)
def _variant_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    """Return a regex matching any of ``words`` as a whole word, longest first."""
    ordered = sorted(words, key=lambda word: (-len(word), word))
    return re.compile(r"\b(?:" + "|".join(map(re.escape, ordered)) + r")\b")


def _fold_variants(
    text: str, offsets: np.ndarray, variants: Mapping[str, str]
) -> tuple[str, np.ndarray]:
    """Replace the whole words of ``text`` that are keys of ``variants``.

    Only the variants present in the text go into the regex (a set intersection in C
    first), so thousands of corpus variants cost no more than the few a text holds.
    """
    present = set(_ANY_WORD.findall(text)).intersection(variants)
    if not present:
        return text, offsets
    return _replace_matches(text, offsets, _variant_pattern(tuple(sorted(present))), variants)


def _split_glued(
    text: str, codes: np.ndarray, offsets: np.ndarray, spans: Iterable[Span]
) -> tuple[np.ndarray, np.ndarray]:
    """Put a space where an ignored span ends (or starts) inside a run of letters.

    Scraped promos run into the next sentence ("...For TalksZelenskyy had"); the space
    keeps the sentence's first word a word of its own. It maps to the original char after
    the boundary, so offsets stay monotone.
    """
    glued = sorted(
        {
            at
            for span in spans
            for at in (span.start, span.end)
            if 0 < at < len(text) and text[at - 1].isalnum() and text[at].isalnum()
        }
    )
    if not glued:
        return codes, offsets
    where = np.searchsorted(offsets[:-1], glued)
    codes = np.insert(codes, where, np.uint32(32))
    offsets = np.insert(offsets, where, glued)
    return codes, offsets


def _normalize(
    text: str,
    variants: Mapping[str, str],
    ignored: tuple[Span, ...],
) -> NormalizedText:
    """Normalize ``text``: fold, split glued ignored spans, collapse spaces, fold variants."""
    normalized, offsets = _fold(text)
    if ignored:
        normalized, offsets = _split_glued(text, normalized, offsets, ignored)
    normalized, offsets = _collapse_whitespace(normalized, offsets)
    if variants:
        normalized, offsets = _fold_variants(normalized, offsets, variants)
    return NormalizedText(normalized, text, offsets, ignored)


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
        Debris and boilerplate spans of the original to carry along (they stay in the
        text; where one ends inside a run of letters, a space is put in the normalized text).

    Returns
    -------
    NormalizedText
        ``offsets[i]`` is the original index of normalized char ``i``.

    Notes
    -----
    Cost is linear in the text and vectorized: each code point is looked up in a table
    filled on first sight of a char (:func:`fold_char` is the definition), offsets and
    whitespace are numpy; Python touches only chars never seen before and the distinct
    chars that fold to several ("…" -> "..."). About 10x the per-char loop it replaced.

    Examples
    --------
    >>> nt = normalize_text("Zelenskiy  SAID", variants={"zelenskiy": "zelensky"})
    >>> nt.text, nt.to_original(0, 8)
    ('zelensky said', (0, 9))
    """
    variants = variants or {}
    return _normalize(text, variants, tuple(ignored))


# ---------------------------------------------------------------------------------------
# Spelling variants of names
# ---------------------------------------------------------------------------------------

_WORD = re.compile(r"[^\W\d_]+")
# A capitalised word inside a sentence: after a word that does not start with an ASCII
# capital (and maybe a comma), or after a title such as "Mr.".
_CAPITAL_INSIDE = re.compile(
    r"\b(?:[^\W\d_A-Z][^\W\d_]*[,;:]?|(?:Mr|Ms|Mrs|Dr|Gen|Sen|Rep|Gov|Col|Lt|St)\.)[ \t]+"
    r"([^\W\d_a-z][^\W\d_]*)"
)
# Calendar words are capitalised common words, never names (March is not a Marco variant).
_CALENDAR = frozenset(
    {"january", "february", "march", "april", "may", "june", "july", "august", "september"}
    | {"october", "november", "december", "monday", "tuesday", "wednesday", "thursday"}
    | {"friday", "saturday", "sunday"}
)
# Endings that make another word from a stem (Russia/Russian, Ukraine/Ukrainian,
# Putin/Putins, Israel/Israeli, German/Germany): such pairs are different words.
_STEM_ENDINGS = frozenset({"", "a", "e", "o", "y", "i", "ia", "us", "um", "is", "on", "an"})
_DERIVED_ENDINGS = frozenset(
    {"s", "es", "n", "an", "ans", "ian", "ians", "ns", "i", "is", "ese", "ish", "ic", "ics"}
    | {"er", "ers", "ern", "ite", "ites", "ist", "ists", "ia", "ean", "eans", "ies"}
    | {"en", "a", "es"}  # irregular plurals: Englishman/Englishmen, datum/data, basis/bases
)


def _fold_word(word: str) -> str:
    """Fold a word as :func:`normalize_text` would (ASCII letters only need lowercasing)."""
    return word.lower() if word.isascii() else word.translate(_FOLD_TABLE)


# Letters that transliterations and spellings swap for one another (Zelenskiy/Zelenskyy,
# Brasil/Brazil, Oscar/Oskar). Any other swapped letter in a short name makes another
# name (Khalid/Khalil, David/Davis, Frances/Francis, Barton/Burton).
_SWAPS = frozenset(frozenset(pair) for pair in ("iy", "ij", "jy", "sz", "ck", "kq", "cq", "vw"))


def _common_subsequence(a: str, b: str) -> int:
    """Length of the longest common subsequence of two short strings."""
    previous = [0] * (len(b) + 1)
    for char_a in a:
        current = [0]
        for j, char_b in enumerate(b):
            current.append(
                previous[j] + 1 if char_a == char_b else max(previous[j + 1], current[j])
            )
        previous = current
    return previous[-1]


def _is_spelling_edit(a: str, b: str) -> bool:
    """Return whether two names are one spelling edit apart.

    Names shorter than eight letters may differ by one letter added or dropped, or one
    letter swapped for a sound-alike (``_SWAPS``); longer names by up to two letters added
    or dropped (so any swap, a transposition, or one letter moved).

    Examples
    --------
    >>> _is_spelling_edit("zelensky", "zelenkyy"), _is_spelling_edit("dmitri", "dmitry")
    (True, True)
    >>> _is_spelling_edit("khalid", "khalil"), _is_spelling_edit("barton", "burton")
    (False, False)
    """
    prefix = 0
    for char_a, char_b in zip(a, b, strict=False):
        if char_a != char_b:
            break
        prefix += 1
    rest_a, rest_b = a[prefix:], b[prefix:]
    suffix = 0
    for char_a, char_b in zip(reversed(rest_a), reversed(rest_b), strict=False):
        if char_a != char_b:
            break
        suffix += 1
    middle_a, middle_b = rest_a[: len(rest_a) - suffix], rest_b[: len(rest_b) - suffix]
    if not middle_a and not middle_b:
        return False
    if len(middle_a) == len(middle_b) == 1 and frozenset(middle_a + middle_b) in _SWAPS:
        return True
    indel = len(middle_a) + len(middle_b) - 2 * _common_subsequence(middle_a, middle_b)
    return indel <= (2 if min(len(a), len(b)) >= 8 else 1)


def _is_other_word(short: str, long: str) -> bool:
    """Return whether two close spellings are different words rather than one name.

    Examples
    --------
    >>> _is_other_word("russia", "russian"), _is_other_word("ukraine", "ukrainian")
    (True, True)
    >>> _is_other_word("zelensky", "zelenskyy"), _is_other_word("zelensky", "zelenskiy")
    (False, False)
    >>> _is_other_word("zelensky", "zelenska"), _is_other_word("german", "germany")
    (True, True)
    >>> _is_other_word("louis", "louise"), _is_other_word("dmitri", "dmitry")
    (True, False)
    """
    if len(short) > len(long):
        short, long = long, short
    prefix = 0
    for char_a, char_b in zip(short, long, strict=False):
        if char_a != char_b:
            break
        prefix += 1
    tail_short, tail_long = short[prefix:], long[prefix:]
    if not tail_short:
        # A doubled last letter is a spelling (Zelensky/Zelenskyy); any other letter added
        # at the end makes another name (Louis/Louise, Robert/Roberto, Chris/Christ).
        return tail_long != short[-1:] * len(tail_long)
    if tail_short in _STEM_ENDINGS and tail_long in _DERIVED_ENDINGS:
        return True
    # Feminine and masculine forms of one surname are two people (Zelensky/Zelenska).
    return tail_short.endswith("a") != tail_long.endswith("a")


@dataclass
class _WordStats:
    """What one pass over a corpus learns about its words.

    ``doc_words[doc_offsets[d]:doc_offsets[d + 1]]`` are the ids (in ``vocabulary``) of the
    distinct capitalised words of document ``d`` and ``doc_counts`` their counts there.
    """

    capitalised: Counter[str] = field(default_factory=Counter)
    lowercase: Counter[str] = field(default_factory=Counter)
    inside: Counter[str] = field(default_factory=Counter)
    vocabulary: dict[str, int] = field(default_factory=dict)
    doc_offsets: array = field(default_factory=lambda: array("q", [0]))
    doc_words: array = field(default_factory=lambda: array("q"))
    doc_counts: array = field(default_factory=lambda: array("q"))


def _corpus_word_counts(texts: Iterable[str]) -> _WordStats:
    """Count capitalised, lowercase and mid-sentence capitalised words of a corpus."""
    stats = _WordStats()
    words: Counter[str] = Counter()
    inside: Counter[str] = Counter()
    vocabulary = stats.vocabulary
    for position, text in enumerate(texts):
        if not isinstance(text, str):
            raise ParameterError(
                f"'texts' must hold strings (got {type(text).__name__} at position {position})"
            )
        text = unicodedata.normalize("NFC", text)
        found = _WORD.findall(text)
        words.update(found)
        in_doc = Counter(found)
        inside.update(_CAPITAL_INSIDE.findall(text))
        capitalised = [word for word in in_doc if word[0].isupper()]
        stats.doc_words.extend([vocabulary.setdefault(w, len(vocabulary)) for w in capitalised])
        stats.doc_counts.extend([in_doc[word] for word in capitalised])
        stats.doc_offsets.append(len(stats.doc_words))
    for word, count in words.items():
        if word[0].isupper():
            if not word.isupper() or len(word) == 1:
                stats.capitalised[word] = count
        elif word.islower():
            stats.lowercase[word] = count
    stats.inside.update({w: c for w, c in inside.items() if w[0].isupper() and not w.isupper()})
    return stats


def _names(
    stats: _WordStats,
    *,
    min_length: int,
    min_count: int,
    max_lowercase_fraction: float,
) -> tuple[dict[str, int], dict[str, set[str]]]:
    """Return folded proper names with their counts, and the surface forms of each."""
    total: Counter[str] = Counter()
    lower: Counter[str] = Counter()
    inside_folded: Counter[str] = Counter()
    surfaces: dict[str, set[str]] = defaultdict(set)
    for word, count in stats.capitalised.items():
        folded = _fold_word(word)
        total[folded] += count
        surfaces[folded].add(word)
    for word, count in stats.lowercase.items():
        lower[_fold_word(word)] += count
    for word, count in stats.inside.items():
        inside_folded[_fold_word(word)] += count
    names: dict[str, int] = {}
    for folded, count in total.items():
        if len(folded) < min_length or not folded.isalpha() or folded in _CALENDAR:
            continue
        if count + lower[folded] < min_count or inside_folded[folded] == 0:
            continue
        if lower[folded] > max_lowercase_fraction * (count + lower[folded]):
            continue
        names[folded] = count + lower[folded]
    return names, {name: surfaces[name] for name in names}


def _close_pairs(names: Iterable[str]) -> set[tuple[str, str]]:
    """Pairs of names with the same first letter and a shared one-deletion key.

    A shared key of the names and their one-char deletions finds every pair within one
    edit, and pairs two edits apart by one insertion and one deletion (Zelenkyy/Zelensky),
    in time linear in the summed name lengths.
    """
    buckets: dict[str, list[str]] = defaultdict(list)
    for name in names:
        keys = {name} | {name[:i] + name[i + 1 :] for i in range(1, len(name))}
        for key in keys:
            buckets[key].append(name)
    pairs: set[tuple[str, str]] = set()
    for members in buckets.values():
        if len(members) < 2:
            continue
        members = sorted(set(members))
        for i, first in enumerate(members):
            for second in members[i + 1 :]:
                if first[0] == second[0]:
                    pairs.add((first, second))
    return pairs


def _pair_evidence(
    stats: _WordStats,
    surfaces: Mapping[str, set[str]],
    pairs: Iterable[tuple[str, str]],
) -> tuple[dict[tuple[str, str], int], dict[tuple[str, str], float]]:
    """Return, per pair, the documents repeating both spellings and the context similarity.

    One writer keeps one spelling: two spellings each repeated in one document are two
    names (Johnson and Johnston), not a variant. And two spellings of one name turn up
    among the same other names: the context of a spelling is the idf-weighted sum of the
    names of the documents it occurs in; the similarity is the cosine of two contexts,
    leaving out the two spellings themselves (Barton and Burton keep different company).
    """
    pair_list = sorted(pairs)
    all_names = sorted(surfaces)
    name_id = {name: i for i, name in enumerate(all_names)}
    name_of_word = np.full(len(stats.vocabulary), -1, dtype=np.int64)
    for name in all_names:
        for surface in surfaces[name]:
            name_of_word[stats.vocabulary[surface]] = name_id[name]
    offsets = np.frombuffer(stats.doc_offsets, dtype=np.int64)
    words = np.frombuffer(stats.doc_words, dtype=np.int64)
    counts = np.frombuffer(stats.doc_counts, dtype=np.int64)
    docs = np.repeat(np.arange(offsets.size - 1), np.diff(offsets))
    names = name_of_word[words]
    known = names >= 0
    # documents x names, occurrence counts (two surfaces of one name add up)
    per_doc = sparse.csr_matrix(
        (counts[known].astype(np.float64), (docs[known], names[known])),
        shape=(offsets.size - 1, len(all_names)),
    )
    present = per_doc.copy()
    present.data[:] = 1.0
    doc_freq = np.asarray(present.sum(axis=0)).ravel()
    idf = np.log((1 + present.shape[0]) / (1 + doc_freq)) + 1.0
    first = np.array([name_id[a] for a, _ in pair_list], dtype=np.int64)
    second = np.array([name_id[b] for _, b in pair_list], dtype=np.int64)
    candidates, index = np.unique(np.concatenate([first, second]), return_inverse=True)
    row_a, row_b = index[: len(pair_list)], index[len(pair_list) :]
    members = present[:, candidates].tocsc()
    repeated = (per_doc[:, candidates] >= 2).astype(np.float64).tocsc()
    together = (repeated.T @ repeated).tocsr()
    profile = (members.T @ present.multiply(idf[None, :]).tocsr()).tocsr()
    pa, pb = profile[row_a], profile[row_b]
    own = [
        np.asarray(p[np.arange(len(pair_list)), ids]).ravel()
        for p in (pa, pb)
        for ids in (first, second)
    ]
    a_at_a, a_at_b, b_at_a, b_at_b = own
    dot = np.asarray(pa.multiply(pb).sum(axis=1)).ravel() - a_at_a * b_at_a - a_at_b * b_at_b
    norm_a = np.asarray(pa.multiply(pa).sum(axis=1)).ravel() - a_at_a**2 - a_at_b**2
    norm_b = np.asarray(pb.multiply(pb).sum(axis=1)).ravel() - b_at_a**2 - b_at_b**2
    norm = np.sqrt(np.clip(norm_a, 0, None) * np.clip(norm_b, 0, None))
    cosine = np.divide(dot, norm, out=np.zeros_like(dot), where=norm > 0)
    repeated_both = np.asarray(together[row_a, row_b]).ravel()
    return (
        {pair: int(n) for pair, n in zip(pair_list, repeated_both, strict=True)},
        {pair: float(c) for pair, c in zip(pair_list, cosine, strict=True)},
    )


def spelling_variants(
    texts: Iterable[str],
    *,
    min_length: int = 5,
    min_count: int = 1,
    max_lowercase_fraction: float = 0.1,
    min_context_similarity: float = 0.3,
) -> dict[str, str]:
    """Find spelling variants of proper names in a corpus and map each to one spelling.

    A name is a word written capitalised (at least once inside a sentence, after a
    lowercase word or a title such as ``Mr.``) and almost never in lowercase, so common
    words never take part (nor do month and day names). Two names are variants when

    - they start with the same letter and are one spelling edit apart: in names under eight
      letters one letter added or dropped, or swapped for a sound-alike (i/y/j, s/z, c/k/q,
      v/w); in longer names up to two letters added or dropped (Zelenkyy/Zelensky);
    - neither is the other with a derivational ending (Russia/Russian, Ukraine/Ukrainian,
      Putin/Putins, German/Germany), a letter added at the end (Louis/Louise; a doubled
      last letter is a spelling: Zelensky/Zelenskyy) or a feminine form (Zelensky/Zelenska);
    - no document repeats both (a writer keeps one spelling; Johnson and Johnston repeated
      in one story are two people);
    - they keep the same company: the idf-weighted names of the documents each occurs in
      have a cosine of at least ``min_context_similarity`` (Barton and Burton do not).

    Names are taken from most to least frequent; each joins the group of its most frequent
    variant, so the canonical spelling of a group is its most frequent one (ties broken
    alphabetically).

    Parameters
    ----------
    texts
        The documents (read once; any iterable).
    min_length
        Shorter names are left alone (Iran/Iraq, Kyiv/Kiev are too short to tell).
    min_count
        Names seen fewer times in the corpus are left alone.
    max_lowercase_fraction
        Largest share of lowercase occurrences a word may have and still count as a name.
    min_context_similarity
        Smallest cosine between the name contexts of two spellings.

    Returns
    -------
    dict of str to str
        ``{variant: canonical}`` over normalized (folded, lowercase) words; canonical
        spellings do not appear as keys. Pass it to :func:`normalize_text`.

    Notes
    -----
    Cost is two passes over the corpus plus the summed lengths of the distinct names:
    candidate pairs come from buckets of one-deletion keys, never from all pairs. On the
    PAN-13 training texts (5,057 documents, about 23,000 names) it keeps about 90 variants,
    mostly typos and transliterations (Mumansk/Murmansk, Abdallah/Abdullah); the doubtful
    ones are spellings of one given name borne by different people (Michel/Michael).

    Examples
    --------
    >>> spelling_variants([
    ...     "Talks in Ankara with Zelensky ended; Zelensky and Russian troops left Ankara.",
    ...     "Reporters met Zelenskiy in Ankara.",
    ...     "The president, Zelenskyy, flew to Ankara.",
    ... ])
    {'zelenskiy': 'zelensky', 'zelenskyy': 'zelensky'}
    """
    check_positive_int("min_length", min_length)
    check_positive_int("min_count", min_count)
    check_fraction("max_lowercase_fraction", max_lowercase_fraction)
    check_fraction("min_context_similarity", min_context_similarity)
    if isinstance(texts, str):
        raise ParameterError(f"'texts' must be a sequence of strings (got {shorten(texts)})")
    stats = _corpus_word_counts(texts)
    names, surfaces = _names(
        stats,
        min_length=min_length,
        min_count=min_count,
        max_lowercase_fraction=max_lowercase_fraction,
    )
    close: dict[tuple[str, str], int] = {}
    for first, second in _close_pairs(names):
        if _is_spelling_edit(first, second) and not _is_other_word(first, second):
            close[(first, second)] = 0
    if not close:
        return {}
    together, similarity = _pair_evidence(stats, surfaces, close)
    neighbours: dict[str, set[str]] = defaultdict(set)
    for pair, count in together.items():
        logger.debug(
            "variant candidate %s: together %d, context %.3f", pair, count, similarity[pair]
        )
        if count == 0 and similarity[pair] >= min_context_similarity:
            neighbours[pair[0]].add(pair[1])
            neighbours[pair[1]].add(pair[0])
    order = sorted(names, key=lambda name: (-names[name], name))
    rank = {name: i for i, name in enumerate(order)}
    canonical: dict[str, str] = {}
    for name in order:
        earlier = sorted(
            (rank[other], other) for other in neighbours[name] if rank[other] < rank[name]
        )
        target = name
        for _, other in earlier:
            head = canonical[other]
            if head == other or not _is_other_word(name, head):
                target = head
                break
        canonical[name] = target
    mapping = {name: head for name, head in canonical.items() if head != name}
    logger.info("spelling variants: %d names, %d variants", len(names), len(mapping))
    return dict(sorted(mapping.items()))


# ---------------------------------------------------------------------------------------
# Scraping debris of one text
# ---------------------------------------------------------------------------------------

_LINE = re.compile(r"[^\r\n]+")
_DATE_PREFIX = re.compile(
    r"\A\s*((?:date|published|updated|posted)\s*:?\s+\d{4}-\d{2}-\d{2}"
    r"(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}:?\d{2})?)?)(?=\s|\Z)",
    re.IGNORECASE,
)
_CAPTION_START = re.compile(r"(?:FILE PHOTO|PHOTO|File photo|Photo)\s*:\s")
_CAPTION_CREDIT = re.compile(
    r"\b(?:REUTERS|Reuters|AFP|EPA(?:-EFE)?|AP Photo|ANADOLU|Anadolu|Getty Images|SPUTNIK)"
    r"/[A-Z][^\n/]*(?:/[^\n/]+)*\)?\s*\Z"
)
_PROMO_LABEL = re.compile(
    r"(?:SEE ALSO|READ MORE|READ ALSO|ALSO READ|RELATED|Read more|Read also|See also)\s*:\s*"
)
# Where a promo title runs into the next sentence with no space: "...For TalksZelenskyy".
_GLUED = re.compile(r"(?<=[^\W\d_A-Z]|[?!)\]\"”’])(?=[^\W\d_a-z][^\W\d_A-Z])")
_PLAYER = re.compile(
    r"(?:Your browser does(?:n['’]t| not) support (?:HTML5|the video tag|this video)"
    r"|Your browser does(?:n['’]t| not) support the audio element"
    r"|Video player is loading|This video is (?:no longer )?(?:un)?available)\b.*",
    re.IGNORECASE,
)
_URL = re.compile(
    r"(?:https?://\S+|www\.[\w-]+(?:\.[\w-]+)+(?:/\S*)?"
    r"|[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|co\.uk|gov|edu|info|news|io)(?:/\S*)?)",
    re.IGNORECASE,
)
_NAME = r"[A-Z][\w.'’-]*(?: [A-Z][\w.'’-]*){0,3}"
_NAMES = rf"{_NAME}(?:(?:,| and|, and| &) {_NAME})*"
_CONTRIBUTORS = re.compile(
    rf"(?:{_NAMES} contributed (?:additional )?(?:reporting|research)"
    rf"(?: from [A-Z][^.\n]{{0,80}}?)?(?: to this (?:article|report|story))?\.\s*)+"
)
_CREDITS = re.compile(
    r"\((?:Additional )?[Rr]eporting by [A-Z][^()\n]{0,300}\)"
    r"|(?:Additional )?[Rr]eporting by [A-Z][^\n]{0,300}?(?:; |\. )"
    r"(?:[Ww]riting|[Ee]diting) by [^\n]+"
)
_SIGNOFF = re.compile(
    r"(?:[-—–] ?)?(?:(?:With )?[Aa]gencies|AFP|Reuters|AP|Associated Press|dpa|UNIAN|TASS"
    r"|Agence France-Presse|(?:With )?(?:AFP|Reuters|AP) and agencies)\.?"
)
_LEGAL = re.compile(r"(?:©|\(c\)|Copyright(?: ©)?) ?(?:\d{4}[-–]?)+\b[^\n]{0,200}", re.IGNORECASE)
_BYLINE = re.compile(rf"By {_NAMES}(?:,? (?:Reuters|AP|AFP|RFE/RL|CNN|BBC News))?")
_DATELINE = re.compile(
    r"[A-Z][A-Z'’.-]+(?:[ /][A-Z][A-Z'’.-]+)*(?:, [A-Z][\w.]+(?: [A-Z][\w.]+)?)*"
    r"(?:,? [A-Z][a-z]{2,8}\.? \d{1,2})? \((?:Reuters|AP|AFP|RFE/RL|dpa|AA)\) ?[-—–]+"
)


def _lines(text: str) -> list[tuple[int, int]]:
    """Return ``(start, end)`` of every non-blank line, without its outer whitespace."""
    spans = []
    for match in _LINE.finditer(text):
        line = match.group(0)
        stripped = line.strip()
        if stripped:
            start = match.start() + len(line) - len(line.lstrip())
            spans.append((start, start + len(stripped)))
    return spans


def _line_key(line: str) -> str:
    """Reduce a line to its lowercase words, for comparing lines."""
    return " ".join(_ANY_WORD.findall(line.casefold()))


def _is_title(words: Sequence[str], *, min_capitalised: float = 0.6) -> bool:
    """Return whether ``words`` read like a Title Case headline."""
    letters = [word for word in words if word[:1].isalpha()]
    if not letters:
        return False
    capitalised = sum(word[0].isupper() for word in letters)
    return capitalised >= min_capitalised * len(letters)


def _date_prefix(text: str, lines: list[tuple[int, int]]) -> list[Span]:
    match = _DATE_PREFIX.match(text)
    return [Span(*match.span(1), "date_prefix")] if match else []


def _duplicated_lines(text: str, lines: list[tuple[int, int]]) -> list[Span]:
    """Mark a line repeated, or cut short and repeated, by the next (a scraped lead)."""
    found = []
    for (start, end), (next_start, next_end) in itertools.pairwise(lines):
        if end - start < 40 or (
            text[start : start + 12].casefold() != text[next_start : next_start + 12].casefold()
        ):
            continue
        key, next_key = _line_key(text[start:end]), _line_key(text[next_start:next_end])
        if key and next_key.startswith(key):
            found.append(Span(start, end, "duplicated_line"))
    return found


def _photo_captions(text: str, lines: list[tuple[int, int]]) -> list[Span]:
    found = []
    for start, end in lines:
        line = text[start:end]
        if _CAPTION_START.match(line) or _CAPTION_CREDIT.search(line[-120:]):
            found.append(Span(start, end, "photo_caption"))
    return found


def _promos(text: str, lines: list[tuple[int, int]]) -> list[Span]:
    """Mark "SEE ALSO: Title" promos, up to where a glued next sentence starts."""
    found = []
    for start, end in lines:
        line = text[start:end]
        label = _PROMO_LABEL.match(line)
        if not label:
            continue
        title_end = None
        for join in _GLUED.finditer(line, label.end()):
            following = line[join.start() :].split()[:5]
            if any(word[:1].islower() for word in following):
                title_end = join.start()
                break
        if title_end is None and _is_title(line[label.end() :].split()):
            title_end = len(line)
        if title_end is not None:
            found.append(Span(start, start + title_end, "see_also"))
    return found


def _player_notices(text: str, lines: list[tuple[int, int]]) -> list[Span]:
    """Mark a video player's notice and the video's title line right after it."""
    found = []
    for i, (start, end) in enumerate(lines):
        if not _PLAYER.fullmatch(text, start, end):
            continue
        found.append(Span(start, end, "player_notice"))
        if i + 1 < len(lines):
            next_start, next_end = lines[i + 1]
            title = text[next_start:next_end]
            if (
                len(title) <= 200
                and not re.search(r"[.!?:;,][\"”’']?\Z", title)
                and _is_title(title.split(), min_capitalised=0.7)
            ):
                found.append(Span(next_start, next_end, "player_notice", "video title"))
    return found


def _whole_lines(pattern: re.Pattern[str], kind: str) -> Callable[..., list[Span]]:
    def rule(text: str, lines: list[tuple[int, int]]) -> list[Span]:
        return [Span(s, e, kind) for s, e in lines if pattern.fullmatch(text, s, e)]

    rule.__name__ = f"_{kind}_lines"
    rule.__doc__ = f"Lines that are wholly {kind.replace('_', ' ')}."
    return rule


def _datelines(text: str, lines: list[tuple[int, int]]) -> list[Span]:
    """Mark "KYIV, May 15 (Reuters) -" opening a paragraph."""
    found = []
    for start, end in lines:
        match = _DATELINE.match(text, start, end)
        if match:
            found.append(Span(start, match.end(), "dateline"))
    return found


_DEBRIS_RULES: tuple[Callable[[str, list[tuple[int, int]]], list[Span]], ...] = (
    _date_prefix,
    _duplicated_lines,
    _photo_captions,
    _promos,
    _player_notices,
    _whole_lines(_URL, "url"),
    _whole_lines(_CONTRIBUTORS, "contributors"),
    _whole_lines(_CREDITS, "contributors"),
    _whole_lines(_SIGNOFF, "signoff"),
    _whole_lines(_LEGAL, "legal"),
    _whole_lines(_BYLINE, "byline"),
    _datelines,
)


def _drop_overlaps(spans: Iterable[Span]) -> list[Span]:
    """Sort spans and drop each one that overlaps an earlier kept one."""
    kept: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end, s.kind)):
        if kept and span.start < kept[-1].end:
            continue
        kept.append(span)
    return kept


def _overlap(first: Span, second: Span) -> bool:
    return first.start < second.end and second.start < first.end


def find_debris(text: str) -> list[Span]:
    r"""Mark scraping debris in one text, in original offsets.

    Each kind is one small rule that looks at whole lines (or a line's head); rules prefer
    missing debris to marking prose. Kinds: ``date_prefix`` (``date 2025-05-15`` opening
    the text), ``duplicated_line`` (a lead line repeated, or cut short and repeated, by the
    next line), ``photo_caption`` (``FILE PHOTO: ... REUTERS/Name``), ``see_also`` (a
    "SEE ALSO:" promo up to where the glued next sentence starts), ``player_notice``
    ("Your browser doesn't support HTML5" and the video title after it), ``url`` (a bare
    site address on its own line), ``contributors`` ("X contributed reporting.",
    "(Reporting by ...; Editing by ...)"), ``signoff`` ("Agencies"), ``legal``
    ("© 2025 ..."), ``byline`` ("By Name") and ``dateline`` ("KYIV (Reuters) -").

    Parameters
    ----------
    text
        One original text.

    Returns
    -------
    list of Span
        Non-overlapping spans sorted by start; ``text[span.start:span.end]`` is the debris.

    Examples
    --------
    >>> text = "date 2025-05-15 Talks began.\nAgencies"
    >>> [(s.kind, text[s.start:s.end]) for s in find_debris(text)]
    [('date_prefix', 'date 2025-05-15'), ('signoff', 'Agencies')]
    """
    if not isinstance(text, str):
        raise ParameterError(f"'text' must be a string (got {type(text).__name__})")
    lines = _lines(text)
    return _drop_overlaps(span for rule in _DEBRIS_RULES for span in rule(text, lines))


# ---------------------------------------------------------------------------------------
# Boilerplate across a corpus
# ---------------------------------------------------------------------------------------


def find_boilerplate(
    texts: Sequence[str],
    *,
    min_documents: int = 5,
    min_fraction: float = 0.05,
    max_line_chars: int = 400,
    max_block_chars: int = 1000,
) -> list[list[Span]]:
    r"""Mark whole lines that recur across many unrelated documents of a corpus.

    A line (a paragraph of the text, compared on its lowercase words) is boilerplate when

    - at least ``max(min_documents, ceil(min_fraction * len(texts)))`` documents hold it;
    - it is at most ``max_line_chars`` long (sign-offs, promos and legal lines are short;
      a reused paragraph of prose is usually not);
    - it sits in a header or footer in at least 80% of its occurrences: only recurring
      lines stand between it and the start or the end of a document that has text of its
      own (sign-offs, promos and legal lines frame a text; a reused paragraph sits amid
      the outlet's own prose);
    - the lines that travel with it are few: the recurring lines found in at least a
      quarter of its documents, with it, add up to at most ``max_block_chars``. Outlets
      that reprint or excerpt one story bring many of its paragraphs along (reuse, not
      boilerplate); a sign-off sits in documents that share nothing else.

    A sentence inside a paragraph is never boilerplate, so a quotation that outlets repeat
    within their own prose stays reuse.

    Parameters
    ----------
    texts
        The original documents.
    min_documents
        Fewest documents a line must recur in.
    min_fraction
        Smallest share of the corpus a line must recur in.
    max_line_chars
        Longest line that can be boilerplate.
    max_block_chars
        Largest block of lines travelling together that can still be boilerplate.

    Returns
    -------
    list of list of Span
        Per document, spans of kind ``"boilerplate"`` (original offsets, sorted); the label
        says in how many documents the line recurs.

    Notes
    -----
    Cost is linear in the corpus size plus a sparse product of the document-by-line
    matrix of the recurring lines. Lines are counted by 64-bit hashes in numpy arrays
    (16 bytes a line), and only documents holding boilerplate are read a second time.

    Examples
    --------
    >>> texts = [f"Story {i} happened.\nSign up for our newsletter." for i in range(6)]
    >>> [(s.start, s.end, s.label) for s in find_boilerplate(texts)[0]]
    [(18, 45, 'in 6 documents')]
    """
    check_positive_int("min_documents", min_documents)
    check_fraction("min_fraction", min_fraction)
    check_positive_int("max_line_chars", max_line_chars)
    check_positive_int("max_block_chars", max_block_chars)
    if isinstance(texts, str) or not isinstance(texts, Sequence):
        raise ParameterError(f"'texts' must be a sequence of strings (got {shorten(texts)})")
    line_docs, line_hashes, line_lengths = array("q"), array("Q"), array("q")
    for position, text in enumerate(texts):
        if not isinstance(text, str):
            raise ParameterError(
                f"'texts' must hold strings (got {type(text).__name__} at position {position})"
            )
        for _, _, key_hash, key_length in _keyed_lines(text, max_line_chars):
            line_docs.append(position)
            line_hashes.append(key_hash)
            line_lengths.append(key_length)
    result: list[list[Span]] = [[] for _ in texts]
    docs = np.frombuffer(line_docs, dtype=np.int64)
    hashes = np.frombuffer(line_hashes, dtype=np.uint64)
    lengths = np.frombuffer(line_lengths, dtype=np.int64)
    eligible = lengths > 0  # short lines with words; the rest can never be boilerplate
    # documents per line: one row per (line, document)
    order = np.lexsort((docs[eligible], hashes[eligible]))
    e_docs, e_hashes = docs[eligible][order], hashes[eligible][order]
    first = np.ones(e_hashes.size, dtype=bool)
    first[1:] = (e_hashes[1:] != e_hashes[:-1]) | (e_docs[1:] != e_docs[:-1])
    e_docs, e_hashes = e_docs[first], e_hashes[first]
    distinct, documents = np.unique(e_hashes, return_counts=True)
    needed = max(min_documents, math.ceil(min_fraction * len(texts)))
    recurring = distinct[documents >= needed]
    counts = documents[documents >= needed]
    if not recurring.size:
        return result
    # column of every line (in text order) among the recurring ones, -1 for the others
    at = np.minimum(np.searchsorted(recurring, hashes), recurring.size - 1)
    column = np.where(eligible & (recurring[at] == hashes), at, -1)
    key_lengths = np.zeros(recurring.size, dtype=np.int64)
    key_lengths[column[column >= 0]] = lengths[column >= 0]
    in_edge = _in_header_or_footer(docs, column >= 0)
    edge_share = np.bincount(column[in_edge], minlength=recurring.size) / np.maximum(
        np.bincount(column[column >= 0], minlength=recurring.size), 1
    )
    e_column = np.searchsorted(recurring, e_hashes)
    kept = (e_column < recurring.size) & (
        recurring[np.minimum(e_column, recurring.size - 1)] == e_hashes
    )
    presence = sparse.csr_matrix(
        (np.ones(int(kept.sum())), (e_docs[kept], e_column[kept])),
        shape=(len(texts), recurring.size),
    )
    together = (presence.T @ presence).tocsr()
    boilerplate = edge_share >= _EDGE_SHARE
    for j in np.flatnonzero(boilerplate).tolist():
        row = slice(together.indptr[j], together.indptr[j + 1])
        companions = together.indices[row][together.data[row] >= _COMPANION_SHARE * counts[j]]
        boilerplate[j] = key_lengths[companions].sum() <= max_block_chars
    marked = {
        int(h): int(n) for h, n in zip(recurring[boilerplate], counts[boilerplate], strict=True)
    }
    marked_lines = (column >= 0) & boilerplate[np.maximum(column, 0)]
    for position in np.unique(docs[marked_lines]).tolist():
        for start, end, key_hash, key_length in _keyed_lines(texts[position], max_line_chars):
            if key_length and key_hash in marked:
                label = f"in {marked[key_hash]} documents"
                result[position].append(Span(start, end, "boilerplate", label))
    logger.info("boilerplate: %d recurring lines, %d marked", recurring.size, len(marked))
    return result


# Lines that share at least this share of a line's documents travel with it.
_COMPANION_SHARE = 0.25
# Boilerplate frames texts: it is in a header or footer in at least this share of places.
_EDGE_SHARE = 0.8


def _in_header_or_footer(docs: np.ndarray, recurring: np.ndarray) -> np.ndarray:
    """Mark lines with only recurring lines between them and their document's start or end.

    ``docs`` gives the document of each line (lines in text order, documents ascending).
    Documents made of recurring lines only (compilations, reposts) have no header or
    footer: their lines say nothing about what is boilerplate.
    """
    if not docs.size:
        return np.zeros(0, dtype=bool)
    other = (~recurring).astype(np.int64)
    starts = np.flatnonzero(np.r_[True, docs[1:] != docs[:-1]])
    sizes = np.diff(np.r_[starts, docs.size])
    before = np.cumsum(other) - other  # other lines before each line, corpus-wide
    before -= np.repeat(before[starts], sizes)
    per_doc = np.add.reduceat(other, starts)
    after = np.repeat(per_doc, sizes) - before - other
    has_own_text = np.repeat(per_doc, sizes) > 0
    return recurring & has_own_text & ((before == 0) | (after == 0))


def _keyed_lines(text: str, max_chars: int) -> Iterator[tuple[int, int, int, int]]:
    """Yield ``(start, end, key hash, key length)`` of every non-blank line.

    The key is the line's lowercase words; its hash is a stable 64-bit BLAKE2b digest, so
    a corpus of millions of lines is counted in numpy arrays, not in a dict of strings.
    Lines longer than ``max_chars`` or without words get hash and length 0.
    """
    for start, end in _lines(text):
        key = _line_key(text[start:end]) if end - start <= max_chars else ""
        if not key:
            yield start, end, 0, 0
            continue
        digest = hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8)
        yield start, end, int.from_bytes(digest.digest(), "little"), len(key)


# ---------------------------------------------------------------------------------------
# The corpus stage
# ---------------------------------------------------------------------------------------


def normalize_corpus(
    texts: Sequence[str],
    *,
    variants: bool | Mapping[str, str] = True,
    debris: bool = True,
    boilerplate: bool = True,
) -> list[NormalizedText]:
    """Normalize every text of a corpus with what the corpus itself teaches.

    Each text is ``normalize_text(text, variants=..., ignored=...)`` with the corpus's
    variants and the text's debris and boilerplate; a distributed run that computes those
    once over the corpus and normalizes shard by shard with :func:`normalize_text` gives
    the same result.

    Parameters
    ----------
    texts
        The original documents.
    variants
        ``True`` folds the name variants :func:`spelling_variants` finds in ``texts``; a
        mapping folds those given (e.g. found on a larger corpus); ``False`` folds none.
    debris
        Mark :func:`find_debris` spans in ``ignored``.
    boilerplate
        Mark :func:`find_boilerplate` spans in ``ignored``.

    Returns
    -------
    list of NormalizedText
        One per text, in order; ``ignored`` holds the debris and boilerplate spans
        (sorted, non-overlapping; debris wins where both mark the same line).

    Examples
    --------
    >>> texts = ["date 2025-05-15 Talks with Zelenskiy in Ankara.", "We met Zelensky in Ankara."]
    >>> texts.append("In Ankara, they met Zelensky.")
    >>> out = normalize_corpus(texts)
    >>> [nt.text for nt in out[:2]]
    ['date 2025-05-15 talks with zelensky in ankara.', 'we met zelensky in ankara.']
    >>> out[0].ignored[0].kind
    'date_prefix'
    """
    if isinstance(texts, str) or not isinstance(texts, Sequence):
        raise ParameterError(f"'texts' must be a sequence of strings (got {shorten(texts)})")
    if isinstance(variants, Mapping):
        mapping = dict(variants)
    else:
        mapping = spelling_variants(texts) if variants else {}
    boiler = find_boilerplate(texts) if boilerplate else [[] for _ in texts]
    result = []
    for text, recurring in zip(texts, boiler, strict=True):
        spans = find_debris(text) if debris else []
        # Debris is the more specific finding: it wins over a boilerplate span it touches.
        recurring = [r for r in recurring if not any(_overlap(r, s) for s in spans)]
        ignored = tuple(_drop_overlaps([*spans, *recurring]))
        result.append(_normalize(text, mapping, ignored))
    return result
