"""The quoted parts of aligned passages: where inside a passage both sides are quotation.

A passage stays whole (:func:`lineage.align.align`); :func:`mark_quotes` finds its quoted
parts from the quotations of both texts (:func:`lineage.quotes.find_quotations`), sets its
``kind`` (``"prose"``, ``"quote"`` or ``"mixed"``) and the text on one side only.

Examples
--------
>>> from lineage.quotes import find_quotations
>>> a = 'Talks stalled. "Nothing will happen until we meet," Trump said on Friday.'
>>> b = 'Talks stalled. "Nothing will happen until we meet," Trump said again.'
>>> [p] = mark_quotes([Passage("a", 0, len(a), "b", 0, len(b))],
...                   find_quotations(a), find_quotations(b), texts=(a, b))
>>> p.kind, quote_share([p]) > 0
('mixed', True)
"""

from __future__ import annotations

import bisect
import difflib
import functools
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Literal

from lineage.errors import ParameterError, check_positive_int, shorten
from lineage.intervals import SpanIndex
from lineage.normalize import fold_char
from lineage.records import Passage, PassageKind, Quotation, complement
from lineage.shingle import tokenize

__all__ = ["drop_unquoted_phrases", "mark_quotes", "quote_share"]


def mark_quotes(
    passages: Iterable[Passage],
    quotations_a: Iterable[Quotation],
    quotations_b: Iterable[Quotation],
    *,
    texts: tuple[str, str],
    copy: Literal["a", "b", "either"] = "either",
    min_words: int = 3,
    min_chars: int = 15,
) -> list[Passage]:
    """Mark the quoted parts of each passage and set its ``kind``; passages stay whole.

    A passage keeps its extent and similarity; what is found is where inside it the two
    sides are quotation, as ``quotes`` parts ``(a_start, a_end, b_start, b_end)``, the
    text on one side only (``a_unmatched``, ``b_unmatched``), and its ``kind``:
    ``"prose"`` without quoted parts, ``"quote"`` when every matched part of it is
    quoted, ``"mixed"`` otherwise.

    How the parts are found. The two sides of a passage are put in correspondence word
    by word. Their folded word tokens (:func:`lineage.shingle.tokenize`,
    :func:`lineage.normalize.fold_char`: case, accents and quote marks do not matter) are
    tiled greedily with common runs of at least three words, longest first and in any
    order (a word n-gram repeated more than 8 times is no anchor). Tiles that follow each
    other in the order of both sides form a *segment*, whose gaps between tiles are
    matched word by word with :class:`difflib.SequenceMatcher`; a segment under the
    minimum size is dropped as chance. Unmatched text after a segment that is short on
    both sides joins it; text on one side only (under the minimum there, at least twice
    it on the other: a sentence inserted, dropped or moved) is unmatched.

    Inside a segment, each quotation boundary of either side is carried to the other
    side over the matched words (a quotation's start goes to the first matched word at
    or after it, its end to the end of the last matched word before it), so every part
    boundary lies between words on both sides. A piece between boundaries is quoted when
    at least half of its words on each side are matched to the other side and at least
    half of its characters lie inside a quotation on **both** sides, or on the copy's
    side alone (``copy="a"`` or ``"b"``; ``copy="either"``, the default when the direction
    is unknown, accepts either side). A piece with fewer than ``min_words`` words or
    ``min_chars`` characters on either side (a closing mark with its attribution,
    ``" Trump said.``) does not stand alone: it is merged into its neighbour and the
    merged piece is judged again. A passage without three common words in a row is
    judged as one piece.

    The result does not depend on which text is ``a``: the work is done with the texts in
    a fixed order of their content, and mirrored back.

    Parameters
    ----------
    passages
        Passages of one pair of texts ``a`` and ``b``.
    quotations_a, quotations_b
        :func:`find_quotations` of ``a`` and of ``b``.
    texts
        The texts ``(a, b)`` the passages' offsets point into.
    copy
        Which side is the copy, if known.
    min_words, min_chars
        Smallest quoted or unquoted piece that stands alone, on each side.

    Returns
    -------
    list of Passage
        The passages in the order given, with ``kind`` and ``quotes`` set.

    Raises
    ------
    ParameterError
        For ``copy`` other than ``"a"``, ``"b"``, ``"either"``, ``texts`` not a pair of
        strings or a minimum below 1.

    Examples
    --------
    >>> from lineage.quotes import find_quotations
    >>> a = 'Talks stalled again. Trump said "nothing will happen until we meet" today.'
    >>> b = 'Talks stalled again. He said that "Nothing will happen until we meet" today.'
    >>> [p] = mark_quotes(
    ...     [Passage("a", 0, len(a), "b", 0, len(b))],
    ...     find_quotations(a), find_quotations(b), texts=(a, b))
    >>> p.kind, (p.a_start, p.a_end) == (0, len(a))
    ('mixed', True)
    >>> [(a[a0:a1], b[b0:b1]) for a0, a1, b0, b1 in p.quotes]
    [('nothing will happen until we meet" today.', 'Nothing will happen until we meet" today.')]

    The closing ``" today.`` is under the minimum and joins the quotation before it.
    """
    if copy not in ("a", "b", "either"):
        raise ParameterError(f"'copy' must be 'a', 'b' or 'either' (got {copy!r})")
    check_positive_int("min_words", min_words)
    check_positive_int("min_chars", min_chars)
    if not (
        isinstance(texts, tuple) and len(texts) == 2 and all(isinstance(t, str) for t in texts)
    ):
        raise ParameterError(f"'texts' must be a pair of str (got {shorten(texts)})")
    passages = list(passages)
    a, b = texts
    if (len(b), b) < (len(a), a):  # one orientation for both orders: a mirror image
        swapped = {"a": "b", "b": "a", "either": "either"}[copy]
        marked = mark_quotes(
            [p.mirror() for p in passages],
            quotations_b,
            quotations_a,
            texts=(b, a),
            copy=swapped,  # type: ignore[arg-type]
            min_words=min_words,
            min_chars=min_chars,
        )
        return [p.mirror() for p in marked]
    rule = _KindRule(
        SpanIndex([(q.start, q.end) for q in quotations_a]),
        SpanIndex([(q.start, q.end) for q in quotations_b]),
        copy,
    )
    minimum = _Minimum(min_words, min_chars)
    return [_mark_one(passage, texts, rule, minimum) for passage in passages]


_Span = tuple[int, int, int, int]
"""A piece of a passage as ``(a_start, a_end, b_start, b_end)``."""
_Piece = tuple[int, int, int, int, PassageKind]
"""A piece with its kind: ``(a_start, a_end, b_start, b_end, kind)``."""


def _mark_one(p: Passage, texts: tuple[str, str], rule: _KindRule, minimum: _Minimum) -> Passage:
    """Return ``p`` whole, with its quoted pieces as parts and its kind."""
    pieces = _split_one(p, texts, rule, minimum)
    a_unmatched = complement((p.a_start, p.a_end), [(x[0], x[1]) for x in pieces])
    b_unmatched = complement((p.b_start, p.b_end), [(x[2], x[3]) for x in pieces])
    parts = tuple(sorted(x[:4] for x in pieces if x[4] == "quote"))
    if not parts:
        kind: PassageKind = "prose"
    elif all(x[4] == "quote" for x in pieces):
        kind = "quote"
    else:
        kind = "mixed"
    return replace(p, kind=kind, quotes=parts, a_unmatched=a_unmatched, b_unmatched=b_unmatched)


@dataclass(frozen=True)
class _KindRule:
    """Whether a piece is a quote: the share of it inside quotations, see the caller."""

    spans_a: SpanIndex
    spans_b: SpanIndex
    copy: str

    def kind(self, x: _Span | _Piece) -> PassageKind:
        in_a = self.spans_a.share(x[0], x[1]) >= 0.5
        in_b = self.spans_b.share(x[2], x[3]) >= 0.5
        quote = (in_a and in_b) or {"a": in_a, "b": in_b, "either": in_a or in_b}[self.copy]
        return "quote" if quote else "prose"


@functools.lru_cache(maxsize=65_536)
def _fold(word: str) -> str:
    """Fold a word char by char (:func:`lineage.normalize.fold_char`), once per word."""
    return "".join(map(fold_char, word))


class _Words:
    """Word tokens of one side of a passage: char spans (into the text) and folded forms.

    The spans are kept as lists too: the pieces of a passage are judged one at a time
    (each answer deciding the next question), and :mod:`bisect` on a list answers a
    single question without numpy's per-call overhead.
    """

    def __init__(self, text: str, start: int, end: int) -> None:
        starts, ends = tokenize(text[start:end])
        self.starts: list[int] = (starts + start).tolist()
        self.ends: list[int] = (ends + start).tolist()
        self.folded = [_fold(text[s:e]) for s, e in zip(self.starts, self.ends, strict=True)]
        self.matched_before: list[int] = [0] * (len(self.starts) + 1)
        """Matched words before each word (:meth:`set_matched`), for :meth:`matched_share`."""

    def _range(self, start: int, end: int) -> tuple[int, int]:
        """Return the first and one past the last word wholly inside ``[start, end)``."""
        return bisect.bisect_left(self.starts, start), bisect.bisect_right(self.ends, end)

    def set_matched(self, matched: Iterable[int]) -> None:
        """Take the words matched to the other side (word indices)."""
        flags = [0] * len(self.starts)
        for k in matched:
            flags[k] = 1
        self.matched_before = [0, *itertools.accumulate(flags)]

    def matched_share(self, start: int, end: int) -> float:
        """Return the share of the words wholly inside ``[start, end)`` that are matched."""
        first, last = self._range(start, end)
        if last <= first:
            return 0.0
        return (self.matched_before[last] - self.matched_before[first]) / (last - first)

    def count(self, start: int, end: int) -> int:
        """Count the words wholly inside ``[start, end)``."""
        first, last = self._range(start, end)
        return max(0, last - first)

    def start_at_or_after(self, char: int, limit: int) -> int:
        """Return the start of the first word starting at or after ``char`` (``limit`` if none)."""
        k = bisect.bisect_left(self.starts, char)
        return min(self.starts[k], limit) if k < len(self.starts) else limit

    def end_at_or_before(self, char: int, limit: int) -> int:
        """Return the end of the last word ending at or before ``char`` (``limit`` if none)."""
        k = bisect.bisect_right(self.ends, char) - 1
        return max(self.ends[k], limit) if k >= 0 else limit


@dataclass(frozen=True)
class _Minimum:
    words: int
    chars: int

    def short(self, x: _Span | _Piece, words_a: _Words, words_b: _Words) -> bool:
        return (
            min(x[1] - x[0], x[3] - x[2]) < self.chars
            or words_a.count(x[0], x[1]) < self.words
            or words_b.count(x[2], x[3]) < self.words
        )

    def inserted(self, x: _Span, words_a: _Words, words_b: _Words) -> bool:
        """Tell text on one side only: under the minimum there, twice it on the other."""
        sides = (
            (x[1] - x[0], words_a.count(x[0], x[1])),
            (x[3] - x[2], words_b.count(x[2], x[3])),
        )
        return any(
            (chars < self.chars or words < self.words)
            and other_chars >= 2 * self.chars
            and other_words >= 2 * self.words
            for (chars, words), (other_chars, other_words) in (sides, sides[::-1])
        )


_MIN_TILE = 3  # shortest run of common words taken as a correspondence
_MAX_REPEATS = 8  # a word n-gram more frequent than this on side b is no anchor


def _common_ends(fa: list[str], fb: list[str]) -> tuple[int, int]:
    """Return the lengths of the common prefix and of the common suffix (not overlapping it)."""
    shortest = min(len(fa), len(fb))
    prefix = next((k for k in range(shortest) if fa[k] != fb[k]), shortest)
    suffix = next(
        (k for k in range(shortest - prefix) if fa[-1 - k] != fb[-1 - k]), shortest - prefix
    )
    return prefix, suffix


def _tiles(fa: list[str], fb: list[str]) -> list[tuple[int, int, int]]:
    """Greedy tiling: longest common word runs first, each word used at most once.

    A common prefix and suffix are tiles whatever they hold (a copy of repetitive text);
    in between, runs start at word n-grams found at most ``_MAX_REPEATS`` times on side
    ``b``. Returns ``(i, j, length)`` triples with ``fa[i:i+length] == fb[j:j+length]``.
    """
    prefix, suffix = _common_ends(fa, fb)
    end_a, end_b = len(fa) - suffix, len(fb) - suffix
    index: dict[tuple[str, ...], list[int]] = {}
    for j, gram in enumerate(
        zip(*(fb[prefix + k : end_b] for k in range(_MIN_TILE)), strict=False), prefix
    ):
        index.setdefault(gram, []).append(j)
    candidates = []
    reached: dict[int, int] = {}  # diagonal i - j -> end of the last run found on it
    for i, gram in enumerate(
        zip(*(fa[prefix + k : end_a] for k in range(_MIN_TILE)), strict=False), prefix
    ):
        found = index.get(gram, ())
        if len(found) > _MAX_REPEATS:
            continue
        for j in found:
            if reached.get(i - j, -1) > i:
                continue  # inside a longer run found already
            length = _MIN_TILE
            while i + length < end_a and j + length < end_b and fa[i + length] == fb[j + length]:
                length += 1
            reached[i - j] = i + length
            candidates.append((-length, i, j))
    candidates.sort()
    used_a = bytearray(len(fa))  # 1 where a word is in a tile already
    used_b = bytearray(len(fb))
    tiles = [(0, 0, prefix)] if prefix else []
    if suffix:
        tiles.append((end_a, end_b, suffix))
    for negative, i, j in candidates:
        length = -negative
        if used_a.find(1, i, i + length) < 0 and used_b.find(1, j, j + length) < 0:
            lo, hi = 0, length  # the whole run is free (the usual case)
        else:  # the longest stretch of it free on both sides (the first of equals)
            run_start, (lo, hi) = 0, (0, 0)
            for k in range(length + 1):
                if k == length or used_a[i + k] or used_b[j + k]:
                    if k - run_start > hi - lo:
                        lo, hi = run_start, k
                    run_start = k + 1
        if hi - lo >= _MIN_TILE:
            used_a[i + lo : i + hi] = b"\x01" * (hi - lo)
            used_b[j + lo : j + hi] = b"\x01" * (hi - lo)
            tiles.append((i + lo, j + lo, hi - lo))
    return sorted(tiles)


def _segments(tiles: list[tuple[int, int, int]]) -> list[list[tuple[int, int, int]]]:
    """Group tiles (sorted on ``a``) into runs consecutive in the order of both sides."""
    rank_b = {tile: r for r, tile in enumerate(sorted(tiles, key=lambda t: t[1]))}
    runs: list[list[tuple[int, int, int]]] = []
    for tile in tiles:
        if runs and rank_b[tile] == rank_b[runs[-1][-1]] + 1:
            runs[-1].append(tile)
        else:
            runs.append([tile])
    return runs


def _matched_words(
    run: list[tuple[int, int, int]], fa: list[str], fb: list[str]
) -> list[tuple[int, int]]:
    """Word pairs ``(i, j)`` matched in a run: its tiles and the gaps between them."""
    pairs: list[tuple[int, int]] = []
    for (i, j, n), nxt in itertools.zip_longest(run, run[1:]):
        pairs.extend((i + k, j + k) for k in range(n))
        if nxt is not None:
            gap_a, gap_b = (i + n, nxt[0]), (j + n, nxt[1])
            matcher = difflib.SequenceMatcher(
                None, fa[gap_a[0] : gap_a[1]], fb[gap_b[0] : gap_b[1]], autojunk=False
            )
            for x, y, size in matcher.get_matching_blocks():
                pairs.extend((gap_a[0] + x + k, gap_b[0] + y + k) for k in range(size))
    return pairs


def _split_one(
    p: Passage, texts: tuple[str, str], rule: _KindRule, minimum: _Minimum
) -> list[_Piece]:
    """Cut one passage into quote and prose pieces over its word correspondence."""
    whole = (p.a_start, p.a_end, p.b_start, p.b_end)
    if p.a_end <= p.a_start or p.b_end <= p.b_start:
        return [(*whole, rule.kind(whole))]
    wa = _Words(texts[0], p.a_start, p.a_end)
    wb = _Words(texts[1], p.b_start, p.b_end)
    tiles = _tiles(wa.folded, wb.folded)
    while True:
        runs = _segments(tiles)
        keep = [run for run in runs if not minimum.short(_run_span(run, wa, wb), wa, wb)]
        if len(keep) == len(runs):
            break
        tiles = [tile for run in keep for tile in run]
    if not runs:
        return [(*whole, rule.kind(whole))]
    cores = [_run_span(run, wa, wb) for run in runs]
    a_next = [c[0] for c in cores[1:]] + [p.a_end]
    b_order = sorted(range(len(cores)), key=lambda r: cores[r][2])
    b_next = dict(zip(b_order, [cores[r][2] for r in b_order[1:]] + [p.b_end], strict=True))
    tails = [(core[1], a_next[r], core[3], b_next[r]) for r, core in enumerate(cores)]
    gaps = []  # unmatched text between segments long enough on both sides to stand alone
    for r, tail in enumerate(tails):
        if not minimum.inserted(tail, wa, wb):
            if minimum.short(tail, wa, wb):
                cores[r] = (cores[r][0], tail[1], cores[r][2], tail[3])
            else:
                gaps.append(tail)
    head = (p.a_start, cores[0][0], p.b_start, cores[0][2])
    if b_order[0] == 0 and not minimum.inserted(head, wa, wb):  # same first segment on both sides
        if minimum.short(head, wa, wb):
            cores[0] = (p.a_start, cores[0][1], p.b_start, cores[0][3])
        else:
            gaps.append(head)
    matches = [_matched_words(run, wa.folded, wb.folded) for run in runs]
    wa.set_matched(i for pairs in matches for i, _ in pairs)
    wb.set_matched(j for pairs in matches for _, j in pairs)
    quoted = rule.spans_a.overlap(p.a_start, p.a_end) or rule.spans_b.overlap(p.b_start, p.b_end)

    def kind(x: _Span | _Piece) -> PassageKind:
        if not quoted:  # no quotation on either side: every piece is prose
            return "prose"
        shared = wa.matched_share(x[0], x[1]) >= 0.5 and wb.matched_share(x[2], x[3]) >= 0.5
        return "prose" if rule.kind(x) == "prose" or not shared else "quote"

    pieces: list[_Piece] = [(*gap, kind(gap)) for gap in gaps]
    for pairs, core in zip(matches, cores, strict=True):
        pieces.extend(_mark(_cut(core, pairs, wa, wb, rule), kind, wa, wb, minimum))
    return sorted(pieces, key=lambda x: (x[0], x[1]))


def _run_span(run: list[tuple[int, int, int]], wa: _Words, wb: _Words) -> _Span:
    """Return the span of a run's tiles on both sides."""
    (i0, j0, _), (i1, j1, n1) = run[0], run[-1]
    return wa.starts[i0], wa.ends[i1 + n1 - 1], wb.starts[j0], wb.ends[j1 + n1 - 1]


def _cut(
    segment: _Span,
    pairs: list[tuple[int, int]],
    wa: _Words,
    wb: _Words,
    rule: _KindRule,
) -> list[_Span]:
    """Cut a segment at the quotation boundaries of both sides, carried over matched words."""
    a_start, a_end, b_start, b_end = segment
    sides = (
        ([wa.starts[i] for i, _ in pairs], [wa.ends[i] for i, _ in pairs], a_start, a_end),
        ([wb.starts[j] for _, j in pairs], [wb.ends[j] for _, j in pairs], b_start, b_end),
    )

    def carry(char: int, source: int, opening: bool) -> int:
        """Return the position on the other side matching a cut at ``char`` on side ``source``."""
        starts, ends, _, _ = sides[source]
        o_starts, o_ends, low, high = sides[1 - source]
        if opening:
            k = bisect.bisect_left(starts, char)
            return o_starts[k] if k < len(starts) else high
        k = bisect.bisect_right(ends, char) - 1
        return o_ends[k] if k >= 0 else low

    points = []
    for source, (spans, words) in enumerate(((rule.spans_a, wa), (rule.spans_b, wb))):
        low, high = sides[source][2], sides[source][3]
        for start, end in spans.spans:
            if low < start < high:
                x = words.start_at_or_after(start, high)
                points.append(
                    (x, carry(x, source, True)) if source == 0 else (carry(x, 1, True), x)
                )
            if low < end < high:
                x = words.end_at_or_before(end, low)
                points.append(
                    (x, carry(x, source, False)) if source == 0 else (carry(x, 1, False), x)
                )
    for (i0, j0), (i1, j1) in itertools.pairwise(pairs):  # around unmatched gaps: insertions
        if i1 - i0 > 1 or j1 - j0 > 1:
            points += [(wa.ends[i0], wb.ends[j0]), (wa.starts[i1], wb.starts[j1])]
    points.sort()
    path = [(a_start, b_start)]
    for x, y in [*points, (a_end, b_end)]:
        path.append((min(max(x, path[-1][0]), a_end), min(max(y, path[-1][1]), b_end)))
    return [
        (x0, x1, y0, y1) for (x0, y0), (x1, y1) in itertools.pairwise(path) if x1 > x0 or y1 > y0
    ]


def _mark(
    pieces: list[_Span],
    kind: Callable[[_Span], PassageKind],
    wa: _Words,
    wb: _Words,
    minimum: _Minimum,
) -> list[_Piece]:
    """Leave out one-sided insertions, then settle the pieces between them."""
    marked: list[_Piece] = []
    group: list[_Span] = []
    for piece in [*pieces, None]:
        if piece is None or minimum.inserted(piece, wa, wb):
            marked.extend(_settle(group, kind, wa, wb, minimum))
            group = []
        else:
            group.append(piece)
    return marked


def _settle(
    pieces: list[_Span],
    kind: Callable[[_Span], PassageKind],
    wa: _Words,
    wb: _Words,
    minimum: _Minimum,
) -> list[_Piece]:
    """Set the kinds of contiguous pieces, merging each piece below the minimum.

    One pass from the start: a short piece joins the piece before it (the first one
    joins the next), the merged piece's kind is decided again, and neighbours of one kind
    are joined.
    """

    def merge(first: _Piece, second: _Piece) -> _Piece:
        merged = (first[0], second[1], first[2], second[3])
        return (*merged, kind(merged))

    settled: list[_Piece] = []
    for span in pieces:
        piece: _Piece = (*span, kind(span))
        if settled and (
            settled[-1][4] == piece[4]
            or minimum.short(piece, wa, wb)
            or minimum.short(settled[-1], wa, wb)
        ):
            piece = merge(settled.pop(), piece)
        if settled and settled[-1][4] == piece[4]:
            piece = merge(settled.pop(), piece)
        settled.append(piece)
    if len(settled) == 1 and minimum.short(settled[0], wa, wb):
        return []  # a sliver between two insertions, with no neighbour to join
    return settled


def drop_unquoted_phrases(
    passages: Iterable[Passage],
    *,
    texts: tuple[str, str],
    min_chars: int,
    min_share: float = 0.5,
) -> list[Passage]:
    """Drop the short passages that are neither quotation nor most of a text.

    Alignment keeps a verbatim run shorter than ``min_chars`` on either side (from its
    ``min_copy_chars``) because a shared *quotation* is evidence however short: the words
    two outlets quote alike. Outside quotation such a run is a phrase two texts share (a
    name, "the American Civil Liberties Union of Southern California", a formula), and
    no evidence of reuse, unless it is most of a short text (a classified advertisement
    printed again). So a passage under ``min_chars`` on either side stays only when it
    has quoted parts (``kind`` ``"quote"`` or ``"mixed"``, see :func:`mark_quotes`) or
    covers at least ``min_share`` of the characters of one of the two texts (white space
    at their ends aside). Both sides are judged alike: the result for the mirrored pair
    is the mirror of the result.

    Parameters
    ----------
    passages
        Passages of one pair, quoted parts marked (:func:`mark_quotes`).
    texts
        The texts ``(a, b)`` the passages' offsets point into.
    min_chars
        The alignment's ``min_chars``: the shortest passage that stands as prose.
    min_share
        The share of a text a shorter prose passage must cover to stand.

    Returns
    -------
    list of Passage
        The passages kept, in the order given.

    Examples
    --------
    >>> a, b = "The Civil Liberties Union sued again.", "Civil Liberties Union sued again."
    >>> phrase = Passage("a", 4, 37, "b", 0, 33, similarity=1.0)
    >>> background = ("Talks went on all week. " * 3, "Nobody came to the talks. " * 3)
    >>> len(drop_unquoted_phrases([phrase], texts=(a, b), min_chars=150))  # all of b
    1
    >>> len(
    ...     drop_unquoted_phrases(
    ...         [phrase], texts=(a + background[0], b + background[1]), min_chars=150
    ...     )
    ... )
    0
    """
    check_positive_int("min_chars", min_chars)
    if not 0 <= min_share <= 1:
        raise ParameterError(f"'min_share' must be in [0, 1] (got {shorten(min_share)})")
    a_chars, b_chars = (len(text.strip()) for text in texts)
    return [
        p
        for p in passages
        if min(p.a_end - p.a_start, p.b_end - p.b_start) >= min_chars
        or p.kind != "prose"
        or p.a_end - p.a_start >= min_share * a_chars
        or p.b_end - p.b_start >= min_share * b_chars
    ]


def quote_share(passages: Iterable[Passage]) -> float:
    """Share of the ``a``-side characters of ``passages`` inside their quoted parts.

    Examples
    --------
    >>> quote_share(
    ...     [Passage("a", 0, 30, "b", 0, 30, kind="quote", quotes=((0, 30, 0, 30),)),
    ...      Passage("a", 30, 40, "b", 0, 10)]
    ... )
    0.75
    """
    total = quoted = 0
    for p in passages:
        total += p.a_end - p.a_start
        quoted += p.quote_chars
    return quoted / total if total else 0.0
