"""Word tokens with their spans, and hashed word n-gram shingles, vectorized with numpy.

Texts are tokenized and hashed without a Python call or a Python string per token or per
shingle: a batch of texts becomes one array of code points, a lookup table classifies every
code point (word character, joiner, character of a script written without spaces, other),
token boundaries come from comparing each character with its neighbours, and each token is
hashed as a polynomial over its **folded** characters (:func:`lineage.folding.fold_char`:
case, accents and compatibility forms folded, so ``Erdoğan`` and ``erdogan`` hash alike)
with segment sums. The ``n`` token hashes of every window are then combined with a second
polynomial and the MurmurHash3 64-bit finalizer, so every bit of a shingle hash, the low 32
included, depends on every token. All arithmetic is uint64 modulo 2**64 with fixed
constants: the hashes are the same in every process and on every machine (nothing depends
on Python's salted ``hash()``).

Tokens: a run of letters, digits and combining marks of any script written with spaces
(Latin, Greek, Cyrillic, Hangul, ...), joined across one apostrophe or hyphen between word
characters (``putin's``, ``line-up``) and across one dot or comma between digits
(``1,000``, ``3.5``); every character of a script written without spaces (Chinese
ideographs, Japanese kana) is a token of its own.

Examples
--------
>>> tokenize("Putin's line-up, 2024.")
(array([ 0,  8, 17]), array([ 7, 15, 21]))
>>> text = "Nothing's going to happen until Putin and I get together"
>>> sh = shingle(text, n=5)
>>> len(sh), sh.hashes.dtype
(6, dtype('uint64'))
>>> text[sh.starts[1] : sh.ends[1]]
'going to happen until Putin'
>>> bool((shingle("NOTHING'S GOING TO HAPPEN", n=2).hashes
...       == shingle("nothing’s going to happen", n=2).hashes).all())
True
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from lineage.errors import ParameterError, check_positive_int, shorten
from lineage.folding import fold_char

__all__ = [
    "HashedSpans",
    "HashedTokens",
    "Shingles",
    "chunk_bounds",
    "combine_token_hashes",
    "hashed_tokens",
    "offsets_of",
    "ranges",
    "shingle",
    "shingle_batch",
    "shingle_hashes",
    "shingle_windows",
    "text_batches",
    "token_hashes",
    "tokenize",
    "tokenize_batch",
    "tokens_and_words",
    "words_batch",
]

# Character classes of the lookup table.
_OTHER, _WORD, _DIGIT, _JOINER, _NUMBER_JOINER, _NO_SPACE = range(6)
_UNSEEN = 255
_TABLE_SIZE = 0x30000  # Planes 0-2; code points above are "other".
_JOINERS = "'\u2019-\u2010\u2011"
_NUMBER_JOINERS = ".,"
_NO_SPACE_RANGES = (
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3400, 0x4DBF),  # CJK Unified Ideographs Extension A
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs
    (0xF900, 0xFAFF),  # CJK Compatibility Ideographs
    (0x20000, 0x2FA1F),  # CJK Extensions B-F, Compatibility Supplement
)
_IDENTITY_FOLD_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0x20000, 0x2A6DF))

# Odd 64-bit constants: polynomial bases (SplitMix64 gamma, a large odd prime) and the
# MurmurHash3 fmix64 multipliers.
_CHAR_BASE = 0x100000001B3
_TOKEN_BASE = np.uint64(0x9E3779B97F4A7C15)
_LENGTH_SALT = np.uint64(0xD6E8FEB86659FD93)
_FMIX1 = np.uint64(0xFF51AFD7ED558CCD)
_FMIX2 = np.uint64(0xC4CEB9FE1A85EC53)
_SHIFT = np.uint64(33)
_MASK64 = (1 << 64) - 1
_CHAR_INVERSE = pow(_CHAR_BASE, -1, 1 << 64)
_BATCH_CHARS = 1 << 17


@dataclass(frozen=True)
class Shingles:
    """Hashed word n-grams of one text with the char span each covers.

    ``hashes[i]`` is the hash of the n-gram covering ``text[starts[i]:ends[i]]`` (spans
    into the text given to :func:`shingle`). Hashes follow token order, so they may
    repeat; ``np.unique(hashes)`` is the shingle set.
    """

    hashes: np.ndarray
    starts: np.ndarray
    ends: np.ndarray

    def __len__(self) -> int:
        return int(self.hashes.size)


class _CodeTables:
    """Per code point: class, fold polynomial and fold length, learnt on first sight.

    ``poly[c]`` is ``sum_k f_k * C**-k`` over the folded chars ``f`` of ``chr(c)`` and
    ``length[c]`` their count, so a token's hash can be assembled from per-char terms.
    Only code points that occur are worked out (a few hundred in a news corpus), so no
    table of the whole of Unicode is built up front.
    """

    def __init__(self) -> None:
        size = _TABLE_SIZE + 1
        self.classes = np.full(size, _UNSEEN, dtype=np.uint8)
        self.classes[_TABLE_SIZE] = _OTHER  # every code point above the table
        self.poly = np.zeros(size, dtype=np.uint64)
        self.length = np.zeros(size, dtype=np.uint8)
        self.odd = np.zeros(size, dtype=bool)
        """Word chars that fold to other than one char (``ß``, ``ﬁ``, combining marks)."""
        self.any_odd = False
        self.any_no_space = False
        self.lock = threading.Lock()

    def classify(self, index: np.ndarray) -> np.ndarray:
        """Return the class of every table index, learning unseen code points first."""
        classes = self.classes[index]
        unseen = classes == _UNSEEN
        if unseen.any():
            with self.lock:
                for code in np.unique(index[unseen]).tolist():
                    self._learn(code)
            classes = self.classes[index]
        return classes

    def _learn(self, code: int) -> None:
        char = chr(code)
        kind, folded = _OTHER, ""
        if char in _JOINERS:
            kind, folded = _JOINER, fold_char(char)
        elif char in _NUMBER_JOINERS:
            kind, folded = _NUMBER_JOINER, char
        elif char.isalnum() or unicodedata.category(char)[0] == "M":
            kind = _DIGIT if char.isdecimal() else _WORD
            if any(low <= code <= high for low, high in _NO_SPACE_RANGES):
                kind = _NO_SPACE
                self.any_no_space = True
            identity = any(low <= code <= high for low, high in _IDENTITY_FOLD_RANGES)
            folded = char if identity else fold_char(char)
        value, scale = 0, 1
        for piece in folded:
            value = (value + ord(piece) * scale) & _MASK64
            scale = (scale * _CHAR_INVERSE) & _MASK64
        self.poly[code] = value
        self.length[code] = len(folded)
        if kind != _OTHER and len(folded) != 1:
            self.odd[code] = True
            self.any_odd = True
        self.classes[code] = kind  # last: a known class means poly and length are set


_TABLES = _CodeTables()


def offsets_of(counts: np.ndarray | Sequence[int]) -> np.ndarray:
    """Return where each of a run of segments starts, and the total: ``[0, c0, c0 + c1, ...]``.

    Examples
    --------
    >>> offsets_of(np.array([3, 0, 2])).tolist()
    [0, 3, 3, 5]
    """
    counts = np.asarray(counts, dtype=np.int64)
    offsets = np.zeros(counts.size + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return offsets


def ranges(starts: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return every position of the ranges ``[starts[k], starts[k] + lengths[k])`` and its k.

    The positions are ``concatenate([arange(s, s + n) for s, n in zip(starts, lengths)])``,
    made without a Python step per range.

    Examples
    --------
    >>> at, owner = ranges(np.array([10, 0, 5]), np.array([2, 0, 3]))
    >>> at.tolist(), owner.tolist()
    ([10, 11, 5, 6, 7], [0, 0, 2, 2, 2])
    """
    starts = np.asarray(starts, dtype=np.int64)
    lengths = np.asarray(lengths, dtype=np.int64)
    owner = np.repeat(np.arange(lengths.size), lengths)
    begin = offsets_of(lengths)[:-1]
    return np.arange(owner.size) + (starts - begin)[owner], owner


def chunk_bounds(cost: np.ndarray, limit: int) -> list[tuple[int, int]]:
    """Return ``(begin, end)`` runs of items whose ``cost`` adds up to about ``limit``.

    Each run holds at least one item, so an item costing more than ``limit`` is a run of
    its own: what works a chunk at a time keeps its temporary arrays about ``limit`` long.

    Examples
    --------
    >>> chunk_bounds(np.array([3, 3, 3, 9, 1]), 6)
    [(0, 2), (2, 3), (3, 4), (4, 5)]
    """
    total = np.cumsum(cost)
    out, begin = [], 0
    while begin < total.size:
        before = int(total[begin - 1]) if begin else 0
        end = max(int(np.searchsorted(total, before + limit, side="right")), begin + 1)
        out.append((begin, end))
        begin = end
    return out


_POWERS: dict[int, np.ndarray] = {}


def _powers(base: int, count: int) -> np.ndarray:
    """Return (at least) ``base**0 .. base**(count-1)`` modulo 2**64 as uint64, cached."""
    known = _POWERS.get(base)
    if known is None or known.size < count:
        steps = np.full(max(count, 2 * _BATCH_CHARS), base, dtype=np.uint64)
        steps[0] = 1
        known = np.cumprod(steps, dtype=np.uint64)
        known.setflags(write=False)
        _POWERS[base] = known
    return known


def _finalize(values: np.ndarray) -> np.ndarray:
    """Apply MurmurHash3 fmix64 in place to a uint64 array (a bijection of 64-bit values)."""
    values ^= values >> _SHIFT
    values *= _FMIX1
    values ^= values >> _SHIFT
    values *= _FMIX2
    values ^= values >> _SHIFT
    return values


def _code_points(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Return the code points of ``texts`` joined by NUL, and each text's first index."""
    joined = "\x00".join(texts)
    codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    return codes, offsets_of(lengths + 1)[:-1]


def _token_spans(classes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return token starts and ends (exclusive) from char classes.

    Runs of word chars, joined across a joiner with a word char on each side or a
    number joiner with a digit on each side (joiners are rare: only they are looked at
    one by one); each char of a script written without spaces is a token of its own.
    """
    word = (classes - np.uint8(_WORD)) <= np.uint8(_DIGIT - _WORD)  # class WORD or DIGIT
    joiners = np.flatnonzero((classes - np.uint8(_JOINER)) <= np.uint8(_NUMBER_JOINER - _JOINER))
    joiners = joiners[(joiners > 0) & (joiners < classes.size - 1)]
    if joiners.size:
        before, after = joiners - 1, joiners + 1
        joined = np.where(
            classes[joiners] == _NUMBER_JOINER,
            (classes[before] == _DIGIT) & (classes[after] == _DIGIT),
            word[before] & word[after],
        )
        word[joiners[joined]] = True
    edges = np.zeros(classes.size + 2, dtype=bool)
    edges[1:-1] = word
    change = np.flatnonzero(edges[1:] != edges[:-1])
    starts, ends = change[0::2], change[1::2]
    if _TABLES.any_no_space:
        single = np.flatnonzero(classes == _NO_SPACE)
        if single.size:
            order = np.argsort(np.concatenate([starts, single]), kind="stable")
            starts = np.concatenate([starts, single])[order]
            ends = np.concatenate([ends, single + 1])[order]
    return starts, ends


def _running_sums(index: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Return the running sums of the chars' hash terms, and folded-char counts if needed.

    Char ``c`` at folded rank ``r`` contributes ``poly[c] * C**-r``; entry ``i`` of the
    first result is the sum over the chars before ``i`` (so a span's sum is a difference,
    see :func:`_span_hashes`). While every word char of the batch folds to exactly one
    char the ranks are the positions and the second result is ``None``; else it is the
    number of folded chars before each char (and in all, last).
    """
    sums = np.zeros(index.size + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        if not _TABLES.any_odd or not _TABLES.odd[index].any():
            terms = _TABLES.poly[index] * _powers(_CHAR_INVERSE, index.size)[: index.size]
            before = None
        else:  # some char folds to none or several: rank by folded chars
            before = offsets_of(_TABLES.length[index])
            inverse = _powers(_CHAR_INVERSE, int(before[-1]) + 1)
            terms = _TABLES.poly[index] * inverse[before[:-1]]
        np.cumsum(terms, out=sums[1:])
    return sums, before


def _span_hashes(
    running: tuple[np.ndarray, np.ndarray | None], starts: np.ndarray, ends: np.ndarray
) -> np.ndarray:
    """Hash every span ``[starts[k], ends[k])`` as a polynomial of its folded chars.

    Span ``k`` with folded chars ``f_0 .. f_{m-1}`` hashes to
    ``fmix64(sum_i f_i * C**(m-1-i) + m * SALT)``: the difference of the running sums
    (:func:`_running_sums`) at its ends is ``sum_i f_i * C**-rank_i`` and
    ``C**rank_of_last`` brings it back. Only differences inside a span count, so the
    chars between tokens cost one step of the running sum, and any contiguous spans
    (tokens, words, token prefixes) hash from the same sums.
    """
    if starts.size == 0:
        return np.zeros(0, dtype=np.uint64)
    sums, before = running
    if before is None:
        folded = ends - starts
        last_rank = ends - 1
    else:
        folded = before[ends] - before[starts]
        last_rank = np.maximum(before[ends] - 1, 0)
    with np.errstate(over="ignore"):
        hashes = sums[ends] - sums[starts]
        hashes *= _powers(_CHAR_BASE, int(last_rank.max()) + 1)[last_rank]
        hashes += folded.astype(np.uint64) * _LENGTH_SALT
    return _finalize(hashes)


def combine_token_hashes(hashes: np.ndarray, *, n: int = 5) -> np.ndarray:
    """Combine the token hashes of every window of ``n`` consecutive tokens into one.

    The window ``t[i], ..., t[i+n-1]`` hashes to ``fmix64(sum_k t[i+k] * B**(n-1-k))``
    modulo 2**64, computed for all windows at once. Fewer than ``n`` tokens (but at least
    one) make one window of all of them; no tokens make no window.

    Parameters
    ----------
    hashes
        uint64 token hashes in text order.
    n
        Tokens per shingle.

    Returns
    -------
    numpy.ndarray
        uint64 array of ``max(len(hashes) - n + 1, min(len(hashes), 1))`` shingle hashes.

    Examples
    --------
    >>> tokens = token_hashes("a b c d".split())
    >>> combine_token_hashes(tokens, n=3).size, combine_token_hashes(tokens, n=9).size
    (2, 1)
    """
    n = check_positive_int("n", n)
    hashes = np.asarray(hashes, dtype=np.uint64)
    width = min(n, hashes.size)
    count = hashes.size - width + 1 if hashes.size else 0
    combined = np.zeros(count, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for k in range(width):
            combined *= _TOKEN_BASE
            combined += hashes[k : k + count]
    return _finalize(combined)


def tokenize(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Return the char spans of the word tokens of ``text``.

    Parameters
    ----------
    text
        Any text; normalized text gives the spans the rest of the pipeline uses.

    Returns
    -------
    tuple of numpy.ndarray
        ``(starts, ends)`` int64 arrays, ``text[starts[i]:ends[i]]`` is token ``i``.

    Examples
    --------
    >>> text = "Зеленский встретился с Путиным; 普京说 1,000 «ok»"
    >>> starts, ends = tokenize(text)
    >>> [text[s:e] for s, e in zip(starts, ends)]
    ['Зеленский', 'встретился', 'с', 'Путиным', '普', '京', '说', '1,000', 'ok']
    """
    if not isinstance(text, str):
        raise ParameterError(f"'text' must be a str (got {shorten(text)})")
    codes, _ = _code_points([text])
    starts, ends = _token_spans(_TABLES.classify(_table_index(codes)))
    return starts.astype(np.int64), ends.astype(np.int64)


class HashedTokens(NamedTuple):
    """Word tokens of one text: char spans, hashes and hashes of their first chars."""

    starts: np.ndarray
    ends: np.ndarray
    hashes: np.ndarray
    prefixes: np.ndarray
    """uint64 hash of each token's first ``prefix`` chars (of the whole token if shorter)."""


def hashed_tokens(text: str, *, prefix: int = 6) -> HashedTokens:
    """Return the char spans of the word tokens of ``text`` and their hashes, in one pass.

    The same as :func:`tokenize` and then :func:`token_hashes` of the tokens and of
    their first ``prefix`` chars (a cheap stem), without making a string of each token.

    Examples
    --------
    >>> found = hashed_tokens("Putin met PUTIN meetings", prefix=4)
    >>> found.starts.tolist(), bool(found.hashes[0] == found.hashes[2])
    ([0, 6, 10, 16], True)
    >>> bool((found.hashes == token_hashes(["Putin", "met", "PUTIN", "meetings"])).all())
    True
    >>> bool((found.prefixes == token_hashes(["Puti", "met", "PUTI", "meet"])).all())
    True
    """
    if not isinstance(text, str):
        raise ParameterError(f"'text' must be a str (got {shorten(text)})")
    prefix = check_positive_int("prefix", prefix)
    codes, _ = _code_points([text])
    index = _table_index(codes)
    starts, ends = _token_spans(_TABLES.classify(index))
    running = _running_sums(index)
    hashes = _span_hashes(running, starts, ends)
    # Tokens longer than ``prefix`` hash again over their first ``prefix`` chars.
    prefixes = hashes.copy()
    long = np.flatnonzero(ends - starts > prefix)
    if len(long):
        prefixes[long] = _span_hashes(running, starts[long], starts[long] + prefix)
    return HashedTokens(starts.astype(np.int64), ends.astype(np.int64), hashes, prefixes)


def token_hashes(tokens: Iterable[str]) -> np.ndarray:
    """Return the 64-bit hash of each token, the one :func:`shingle` gives it.

    Examples
    --------
    >>> hashes = token_hashes(["Putin", "PUTİN", "Trump"])
    >>> bool(hashes[0] == hashes[1]), bool(hashes[0] == hashes[2])
    (True, False)
    """
    tokens = list(tokens)
    codes, bases = _code_points(tokens)
    lengths = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
    keep = lengths > 0
    out = np.zeros(len(tokens), dtype=np.uint64)
    index = _table_index(codes)
    _TABLES.classify(index)
    out[keep] = _span_hashes(_running_sums(index), bases[keep], (bases + lengths)[keep])
    return out


def _table_index(codes: np.ndarray) -> np.ndarray:
    """Return the table index (intp, so lookups need no cast) of every code point."""
    if codes.size and codes.max() > _TABLE_SIZE:
        codes = np.minimum(codes, np.uint32(_TABLE_SIZE))
    return codes.astype(np.intp)


@dataclass(frozen=True)
class HashedSpans:
    """Hashed spans (tokens or shingles) of many texts in flat arrays.

    Text ``i`` owns entries ``offsets[i]:offsets[i + 1]``, in text order: ``hashes``
    (uint64), ``starts`` and ``ends`` (int64 char offsets into that text). Flat arrays
    keep a large corpus in a few numpy arrays instead of three per text.

    Examples
    --------
    >>> spans = tokenize_batch(["Putin met Trump", "", "Oil fell"])
    >>> len(spans), spans.offsets.tolist(), spans.counts().tolist()
    (3, [0, 3, 3, 5], [3, 0, 2])
    >>> spans.text(2).starts.tolist(), spans.text(2).ends.tolist()
    ([0, 4], [3, 8])
    """

    hashes: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    offsets: np.ndarray

    def __len__(self) -> int:
        return int(self.offsets.size - 1)

    def counts(self) -> np.ndarray:
        """Return the number of entries of each text."""
        return np.diff(self.offsets)

    def owners(self) -> np.ndarray:
        """Return the text of each entry."""
        return np.repeat(np.arange(len(self), dtype=np.int64), self.counts())

    def text(self, i: int) -> Shingles:
        """Return text ``i``'s entries (views, no copy)."""
        begin, end = int(self.offsets[i]), int(self.offsets[i + 1])
        return Shingles(self.hashes[begin:end], self.starts[begin:end], self.ends[begin:end])

    def split(self) -> list[Shingles]:
        """Return every text's entries (views), in text order."""
        return [self.text(i) for i in range(len(self))]

    def hash_arrays(self) -> list[np.ndarray]:
        """Return every text's hashes (views), in text order."""
        return np.split(self.hashes, self.offsets[1:-1])


def _word_spans(classes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the starts and ends of the runs of letters and digits (joiners split them).

    Each char of a script written without spaces is a run of its own.
    """
    word = (classes == _WORD) | (classes == _DIGIT)
    single = classes == _NO_SPACE
    starts = np.flatnonzero(single | (word & ~np.r_[False, word[:-1]]))
    ends = np.flatnonzero(single | (word & ~np.r_[word[1:], False])) + 1
    return starts, ends


def _tokenize_chunk(
    texts: Sequence[str], *, tokens: bool = True, words: bool = False
) -> list[tuple[np.ndarray, ...]]:
    """Tokens and/or words of one batch: hashes, starts and ends into each text, counts."""
    codes, bases = _code_points(texts)
    index = _table_index(codes)
    classes = _TABLES.classify(index)
    spans = [_token_spans(classes)] if tokens else []
    if words:
        spans.append(_word_spans(classes))
    running = _running_sums(index)
    out = []
    for starts, ends in spans:
        hashes = _span_hashes(running, starts, ends)
        counts = np.diff(np.append(np.searchsorted(starts, bases), starts.size))
        base = np.repeat(bases, counts)
        out.append((hashes, starts - base, ends - base, counts))
    return out


def text_batches(texts: Sequence[str]) -> Iterable[Sequence[str]]:
    """Split ``texts`` into runs of about 130,000 chars (at least one text each).

    What the batch functions here work on at once: the temporary arrays of a batch fit
    a processor's cache and are reused by the next batch.

    Examples
    --------
    >>> [len(batch) for batch in text_batches(["a" * 100_000, "b", "c" * 50_000, "d"])]
    [3, 1]
    """
    begin, size = 0, 0
    for index, text in enumerate(texts):
        size += len(text) + 1
        if size >= _BATCH_CHARS:
            yield texts[begin : index + 1]
            begin, size = index + 1, 0
    if begin < len(texts):
        yield texts[begin:]


def _check_texts(texts: Iterable[str]) -> list[str]:
    texts = list(texts)
    for position, text in enumerate(texts):
        if not isinstance(text, str):
            raise ParameterError(
                f"texts[{position}] must be a str (got {type(text).__name__}: {shorten(text)})"
            )
    return texts


def _flat(parts: list[tuple[np.ndarray, ...]]) -> HashedSpans:
    """Join per-chunk ``(hashes, starts, ends, counts)`` into one :class:`HashedSpans`."""
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return HashedSpans(np.zeros(0, dtype=np.uint64), empty, empty, np.zeros(1, np.int64))
    offsets = offsets_of(np.concatenate([part[3] for part in parts]))
    hashes, starts, ends = (np.concatenate([part[k] for part in parts]) for k in range(3))
    return HashedSpans(hashes, starts.astype(np.int64), ends.astype(np.int64), offsets)


def tokenize_batch(texts: Iterable[str]) -> HashedSpans:
    """Tokenize and hash many texts at once: each text's tokens, spans and token hashes.

    ``tokenize_batch(texts).text(i)`` holds the spans :func:`tokenize` gives ``texts[i]``
    and the hashes :func:`token_hashes` gives those tokens, without a Python loop or
    string per token or per text (texts are handled in batches of about 130,000
    chars). Tokenize once and derive the rest: word n-gram shingles
    (:func:`shingle_windows`), per-token features.

    Parameters
    ----------
    texts
        The texts.

    Returns
    -------
    HashedSpans
        Token hashes (uint64) and spans of every text, flat.

    Examples
    --------
    >>> tokens = tokenize_batch(["Putin met Trump", "PUTIN"])
    >>> tokens.counts().tolist(), bool(tokens.hashes[0] == tokens.hashes[3])
    ([3, 1], True)
    >>> bool((tokens.hashes[:3] == token_hashes(["Putin", "met", "Trump"])).all())
    True
    """
    texts = _check_texts(texts)
    return _flat([_tokenize_chunk(chunk)[0] for chunk in text_batches(texts)])


def tokens_and_words(texts: Iterable[str]) -> tuple[HashedSpans, HashedSpans]:
    """Return :func:`tokenize_batch` of ``texts`` and their words, in one pass.

    A word is a run of letters and digits, not joined across apostrophes, hyphens or
    number punctuation (``putin's`` is ``putin`` and ``s``, ``1,000`` is ``1`` and
    ``000``): the terms of scikit-learn's default token pattern, hashed as tokens are.

    Examples
    --------
    >>> tokens, words = tokens_and_words(["Putin's line-up of 1,000"])
    >>> tokens.counts().tolist(), words.counts().tolist()
    ([4], [7])
    >>> bool(words.hashes[0] == token_hashes(["PUTIN"])[0])
    True
    """
    texts = _check_texts(texts)
    chunks = [_tokenize_chunk(chunk, words=True) for chunk in text_batches(texts)]
    return _flat([chunk[0] for chunk in chunks]), _flat([chunk[1] for chunk in chunks])


def words_batch(texts: Iterable[str]) -> HashedSpans:
    """Return the words of :func:`tokens_and_words` alone (the tokens are not hashed).

    Examples
    --------
    >>> words_batch(["Putin's line-up of 1,000"]).counts().tolist()
    [7]
    """
    texts = _check_texts(texts)
    return _flat(
        [_tokenize_chunk(chunk, tokens=False, words=True)[0] for chunk in text_batches(texts)]
    )


def shingle_windows(tokens: HashedSpans, *, n: int = 5) -> HashedSpans:
    """Return the word ``n``-gram shingles of tokenized texts (see :func:`shingle`).

    Parameters
    ----------
    tokens
        From :func:`tokenize_batch`.
    n
        Tokens per shingle; a text with fewer than ``n`` tokens but at least one has a
        single shingle of all of them, a text without tokens none.

    Returns
    -------
    HashedSpans
        Shingle hashes of every text with the char span each covers (from its first
        token's start to its last token's end): text ``i``'s entries equal
        ``shingle(texts[i], n=n)``.

    Examples
    --------
    >>> texts = ["a b c d", "e f", ""]
    >>> windows = shingle_windows(tokenize_batch(texts), n=3)
    >>> windows.counts().tolist(), windows.text(0).ends.tolist()
    ([2, 1, 0], [5, 7])
    >>> bool((windows.text(1).hashes == shingle("e f", n=3).hashes).all())
    True
    """
    n = check_positive_int("n", n)
    counts = tokens.counts()
    offsets = offsets_of(np.where(counts >= n, counts - n + 1, np.minimum(counts, 1)))
    size = tokens.hashes.size
    # Windows of n tokens over the concatenation, less those that cross into the next text.
    keep = np.ones(max(size - n + 1, 0), dtype=bool)
    crossing = (tokens.offsets[1:-1, None] - np.arange(1, n)).ravel()
    keep[crossing[(crossing >= 0) & (crossing < keep.size)]] = False
    hashes = combine_token_hashes(tokens.hashes, n=n)[keep] if keep.size else keep.astype(np.uint64)
    starts = tokens.starts[: keep.size][keep]
    ends = tokens.ends[n - 1 :][keep]
    short = np.flatnonzero((counts > 0) & (counts < n))
    if short.size:  # texts of fewer than n tokens: one window of all their tokens
        first = tokens.offsets[short]
        width = counts[short]
        mixed = np.zeros(short.size, dtype=np.uint64)
        with np.errstate(over="ignore"):
            for k in range(int(width.max())):
                take = width > k
                mixed[take] *= _TOKEN_BASE
                mixed[take] += tokens.hashes[first[take] + k]
        at = offsets[short] - np.arange(short.size)  # windows of longer texts before each
        hashes = np.insert(hashes, at, _finalize(mixed))
        starts = np.insert(starts, at, tokens.starts[first])
        ends = np.insert(ends, at, tokens.ends[first + width - 1])
    return HashedSpans(hashes, starts, ends, offsets)


def shingle_batch(texts: Iterable[str], *, n: int = 5) -> list[Shingles]:
    """Shingle many texts at once: ``[shingle(t, n=n) for t in texts]``, vectorized.

    Parameters
    ----------
    texts
        The texts.
    n
        Tokens per shingle (see :func:`shingle` for texts shorter than ``n`` tokens).

    Returns
    -------
    list of Shingles
        One per text, in text order, spans into each text.
    """
    n = check_positive_int("n", n)
    return shingle_windows(tokenize_batch(texts), n=n).split()


def shingle(text: str, *, n: int = 5) -> Shingles:
    """Hash the word ``n``-grams of ``text`` and keep the char span of each.

    Parameters
    ----------
    text
        The text to shingle (usually ``NormalizedText.text``; spans point into it).
    n
        Tokens per shingle. A text with fewer than ``n`` tokens but at least one gives a
        single shingle of all its tokens (so short texts still compare); a text without
        tokens gives no shingles.

    Returns
    -------
    Shingles
        ``hashes`` (uint64), ``starts`` and ``ends`` (int64 char offsets into ``text``).

    Raises
    ------
    ParameterError
        If ``n`` is not a whole number >= 1 or ``text`` is not a string.

    Examples
    --------
    >>> sh = shingle("Putin spurned a challenge.", n=5)
    >>> len(sh), int(sh.starts[0]), int(sh.ends[0])
    (1, 0, 25)
    >>> len(shingle("  ...  ", n=5))
    0
    """
    n = check_positive_int("n", n)
    if not isinstance(text, str):
        raise ParameterError(f"'text' must be a str (got {shorten(text)})")
    return shingle_batch([text], n=n)[0]


def shingle_hashes(texts: Iterable[str], *, n: int = 5) -> list[np.ndarray]:
    """Return the shingle hashes of many texts (without spans).

    Equal to ``[shingle(t, n=n).hashes for t in texts]``.

    Parameters
    ----------
    texts
        The texts.
    n
        Tokens per shingle (see :func:`shingle` for texts shorter than ``n`` tokens).

    Returns
    -------
    list of numpy.ndarray
        One uint64 array per text, in text order.

    Examples
    --------
    >>> texts = ["Trump said nothing will happen until he meets Putin", "Hi", ""]
    >>> [h.size for h in shingle_hashes(texts, n=5)]
    [5, 1, 0]
    >>> bool((shingle_hashes(texts)[0] == shingle(texts[0]).hashes).all())
    True
    """
    n = check_positive_int("n", n)
    return shingle_windows(tokenize_batch(texts), n=n).hash_arrays()
