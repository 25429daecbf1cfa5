"""Which text of an aligned passage is evidence of copying, and which passages are none.

Alignment finds text two documents share; :mod:`lineage.commonness` says which of it the
genre shares anyway. This stage puts the two together, passage by passage, with no corpus-wide
structure (the commonness model's :class:`~lineage.commonness.Marks` of the documents taking
part is all it reads):

- In a passage a token is *informative* when it is not common material, or when a
  literally rare n-gram covering it is found on the other side of the passage too (a
  re-sent earnings table shares its numbers in order; two companies' tables do not).
  ``commonness`` is the share of the passage's characters (both sides) that are not
  informative, and only the informative characters count toward the reuse figures.
- **Fillers that differ are evidence against copying** (:func:`slot_agreement`). Where both
  sides hold the same words around a filler (a number, or a capitalised word that is not a
  word of the genre: "rose to [N] billion dlrs", "[Name] said it filed"), a copy repeats
  the filler and a second use of one template does not. A passage whose sides fill the
  contexts they share with the same values less often than ``min_slot_agreement``, with at
  least ``min_slot_differences`` that differ, is one template filled twice (two weeks'
  jobless claims, two issuers' bond notices, two days' Treasury balances): it is dropped,
  however rare the template is in the corpus. A copy may change a value per
  ``slot_tolerance_tokens`` tokens and stay a copy: a story sent again the next day
  differs from the first in its dateline's date, whatever the language, while a short
  notice filled with other figures is another notice.
- **One shared phrase is not a copy.** A pair's prose passages are dropped when together
  they hold fewer than ``min_pair_tokens`` tokens on either side and cover less than
  ``min_pair_share`` of both documents (a background sentence two long stories repeat, a
  stock phrase of the trade); a short document wholly inside another keeps its passage,
  and quotations are kept as quotations.
- **One shared paragraph inside two different notices is a formula.** In a corpus large
  enough to know its genre (``Marks.knows_genre``), the same holds for passages of fewer
  than ``min_island_tokens`` tokens covering less than ``min_island_share`` of both
  documents: each document goes on with its own names and figures around the shared
  lines (two companies' dividend notices, two issuers' bond notices, two filings), while
  a re-sent, trimmed or re-headlined story is mostly inside its passage.
- **Nothing particular shared is no copy.** In a corpus that knows its genre, a pair whose
  passages hold fewer than ``min_island_tokens`` tokens on either side and whose documents
  share fewer than ``min_particular_words`` particular words (rare in the corpus, or
  inside a text many documents copied) keeps no prose passage: every word the two hold in common is
  a word of the genre, and the passage is one template written twice about different
  subjects (two companies' split notices, two funds' dividends).
- A passage is dropped when its commonness exceeds ``max_commonness``, or when it holds
  common material and fewer than ``min_informative_tokens`` tokens on either side are
  *evidence* (inside a rare n-gram both sides share, or a word both sides use that is
  neither common material nor a function word).

Parts of one alignment (a quotation cut out of its passage) are judged together. Two
documents whose texts are the same (case and runs of white space aside) are exact
duplicates: their passage is kept whole and wholly informative, whatever it is made of (a
one-line flash of the corpus's commonest formula sent twice is still sent twice).

Examples
--------
>>> from lineage.commonness import learn_commonness
>>> model = learn_commonness(["unrelated filler text"])
>>> week1 = "Claims rose to 355,000 in the week ended March 21 from 341,000 the week before."
>>> week2 = "Claims rose to 332,900 in the week ended March 14 from 368,400 the week before."
>>> marks = {"w1": model.marks(week1), "w2": model.marks(week2)}
>>> whole = Passage("w1", 0, len(week1), "w2", 0, len(week2), "prose", 0.8)
>>> slot_agreement(whole, marks)
SlotAgreement(agree=0, differ=16, tokens=15)
>>> score_passages([whole], marks).passages
[]
>>> marks["again"] = model.marks(week1)
>>> resent = Passage("w1", 0, len(week1), "again", 0, len(week1), "prose", 1.0)
>>> len(score_passages([resent], marks).passages)
1
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from difflib import SequenceMatcher
from typing import NamedTuple

import numpy as np
import pandas as pd

from lineage.commonness import CommonnessParams, Marks
from lineage.records import Passage
from lineage.shingle import combine_token_hashes

_FILLER = np.uint64(0x510E527FADE682D1)
"""The hash a filler takes in a context read as a template."""
NUMBER_SIMILARITY = 0.8
"""Two numbers whose digits agree this much (difflib ratio) are one number misread by OCR."""
NAME_SIMILARITY = 0.65
"""Two names whose letters agree this much (difflib ratio, case and accents folded) are one
name misread by OCR."""
MIN_NAME_CHARS = 4
VERBATIM_NGRAM = 3
"""Words per n-gram of a passage's verbatim share: short enough that OCR misreads (one
word in five or six) leave a reprint most of its n-grams, long enough that a paraphrase
in the genre's words shares few."""
"""A name of at least this many letters inside a longer one is the same name, split otherwise."""

__all__ = [
    "ScoredPassages",
    "SlotAgreement",
    "duplicate_passages",
    "informative_containment",
    "score_passages",
    "slot_agreement",
]


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


def _covered(shared: np.ndarray, lo: int, first: int, last: int, n: int) -> np.ndarray:
    """Which tokens ``[first, last)`` lie inside a ``shared`` window.

    Window ``lo + k`` covers tokens ``lo + k - n + 1 .. lo + k``.
    """
    cover = np.zeros(last - first + 1, dtype=np.int64)
    at = np.flatnonzero(shared) + (lo - first) - (n - 1)
    np.add.at(cover, at, 1)
    np.add.at(cover, at + n, -1)
    return np.cumsum(cover[:-1]) > 0


def _side(
    own: Marks, other: Marks, span: tuple[int, int], other_span: tuple[int, int]
) -> tuple[int, list[tuple[int, int]], float]:
    """Informative tokens of one side of a passage, its informative spans, its verbatim share.

    The verbatim share is the share of its tokens inside a word ``VERBATIM_NGRAM``-gram the
    other side holds too (1 for a side too short to hold one).
    """
    first, last = _inside(own, *span)
    if last <= first:
        return 0, [], 1.0
    their_first, their_last = _inside(other, *other_span)
    theirs_at = slice(*other.inner_windows(their_first, their_last))
    lo, hi = own.inner_windows(first, last)
    verbatim = 1.0
    if min(last - first, their_last - their_first) >= VERBATIM_NGRAM:
        mine = combine_token_hashes(own.tokens[first:last], n=VERBATIM_NGRAM)
        held = np.isin(
            mine, combine_token_hashes(other.tokens[their_first:their_last], n=VERBATIM_NGRAM)
        )
        at = first + VERBATIM_NGRAM - 1
        verbatim = float(_covered(held, at, first, last, VERBATIM_NGRAM).mean())
    theirs = other.windows[theirs_at][other.rare[theirs_at]]
    shared = own.rare[lo:hi] & np.isin(own.windows[lo:hi], theirs)
    covered = _covered(shared, lo, first, last, own.ngram)
    informative = ~own.common[first:last] | covered
    # Evidence for the floor: text shared through a rare n-gram, or a word of the other
    # side that is neither common material nor a function word (a paraphrase).
    their_words = other.tokens[their_first:their_last]
    content = ~own.common[first:last] & ~own.function[first:last]
    evidence = covered | (content & np.isin(own.tokens[first:last], their_words))
    # Each token owns the chars from its start to the next token's start (the passage's
    # edges for the first and last), so a wholly informative passage is wholly counted.
    bounds = np.concatenate([[span[0]], own.starts[first + 1 : last], [span[1]]])
    change = np.flatnonzero(np.diff(np.concatenate([[0], informative.astype(np.int8), [0]])))
    runs = [
        (int(bounds[s]), int(bounds[e])) for s, e in zip(change[::2], change[1::2], strict=True)
    ]
    return int(evidence.sum()), runs, verbatim


def _contexts(
    marks: Marks, first: int, last: int, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Template and literal hashes of ``[first, last)``'s ``n``-token windows; which are filled."""
    if last <= first:
        empty = np.zeros(0, dtype=np.uint64)
        return empty, empty, np.zeros(0, dtype=bool)
    width = min(n, last - first)
    slots = np.convolve(marks.filler[first:last].astype(np.int64), np.ones(width, dtype=np.int64))
    slots = slots[width - 1 : last - first]
    # A window of fillers only has no context to compare them in (a column of figures).
    return (
        combine_token_hashes(
            np.where(marks.filler[first:last], _FILLER, marks.tokens[first:last]), n=n
        ),
        combine_token_hashes(marks.tokens[first:last], n=n),
        (slots > 0) & (slots < width),
    )


def _fold(text: str) -> str:
    """Case and accents folded, as the token hashes fold them."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if c.isalnum())


def _digits(number: str) -> str:
    """Return the digits of a number, without zeros leading its first run of digits.

    Examples
    --------
    >>> _digits("08,"), _digits("0.5"), _digits("1461,95")
    ('8', '05', '146195')
    """
    runs = re.findall(r"\d+", number)
    return "".join([runs[0].lstrip("0") or "0", *runs[1:]]) if runs else ""


def _same_filler(x: str, y: str) -> bool:
    """Whether two fillers are one value read twice: the same characters up to OCR misreads.

    Numbers are compared by their digits, leading zeros aside (``1461,95`` and ``1461.95``
    are one number, and so are ``08`` and ``8``): the
    same when their difflib ratio is at least ``NUMBER_SIMILARITY`` (one digit misread in
    five; ``1986`` and ``1987`` differ). Names are compared by their letters, case and
    accents folded: the same when one holds the other (a compound split otherwise,
    ``Burger`` and ``Schalk-Burger``) or their ratio is at least ``NAME_SIMILARITY``
    (``Crémieux`` and ``Crémleux``, ``Marion`` and ``Manon``; two names of different
    people or companies rarely come this close).
    """
    if any(c.isdigit() for c in x + y):
        x, y = _digits(x), _digits(y)
        floor = NUMBER_SIMILARITY
    else:
        x, y = _fold(x), _fold(y)
        floor = NAME_SIMILARITY
        if min(len(x), len(y)) >= MIN_NAME_CHARS and (x in y or y in x):
            return True
    if x == y:
        return True
    ratio = max(SequenceMatcher(None, x, y).ratio(), SequenceMatcher(None, y, x).ratio())
    return ratio >= floor


def _variant(own: Marks, at: int, other: Marks, starts: np.ndarray, width: int) -> bool:
    """Whether ``own``'s window at ``at`` is one of ``other``'s at ``starts``, fillers aside.

    It is when every filler is the same value (:func:`_same_filler`): an OCR or spelling
    variant of the same context.
    """

    def fillers(m: Marks, k: int) -> list[str]:
        return [m.text[m.starts[i] : m.ends[i]] for i in range(k, k + width) if m.filler[i]]

    mine = fillers(own, at)
    return any(
        all(_same_filler(x, y) for x, y in zip(mine, fillers(other, k), strict=True))
        for k in starts.tolist()
    )


class SlotAgreement(NamedTuple):
    """How a passage's two sides fill the contexts they share (:func:`slot_agreement`)."""

    agree: int
    """Filled contexts both sides hold with the same fillers."""
    differ: int
    """Filled contexts both sides hold as a template, with other fillers."""
    tokens: int = 0
    """Tokens of the passage's shorter side."""

    def filled_twice(self, params: CommonnessParams) -> bool:
        """Whether the fillers differ too often for a copy: one template filled twice.

        They do when at least ``min_slot_differences`` contexts differ, fewer than
        ``min_slot_agreement`` of the filled contexts agree, and more differ than the
        values a copy may change in its length: one per ``slot_tolerance_tokens`` tokens,
        each held by up to ``slot_context`` contexts on each side (a story re-sent the next
        day under its new dateline, a corrected figure).

        Examples
        --------
        >>> params = CommonnessParams()
        >>> SlotAgreement(agree=0, differ=6, tokens=40).filled_twice(params)
        True
        >>> SlotAgreement(agree=0, differ=6, tokens=240).filled_twice(params)
        False
        """
        changes = self.tokens // params.slot_tolerance_tokens
        return (
            self.differ >= params.min_slot_differences
            and self.differ > 2 * params.slot_context * changes
            and self.agree < params.min_slot_agreement * (self.agree + self.differ)
        )


def slot_agreement(
    passage: Passage, marks: dict[str, Marks], params: CommonnessParams | None = None
) -> SlotAgreement:
    """Count the filled contexts a passage's two sides share, with the same fillers or not.

    A *filled context* is a window of ``slot_context`` tokens holding a filler (a number, or
    a capitalised word that is not a word of the genre) and a word that is not one, read as
    a template (fillers
    replaced by their slot). Of the filled contexts of one side whose template the other
    side has too, those whose fillers are the same values there *agree*, the others
    *differ*; both sides are counted, so the figure is symmetric. Fillers are the same
    value when they are literally the same (case and accents folded), when numbers have the
    same digits (``1461,95`` and ``1461.95``), or when names differ only as OCR misreads
    do (see :func:`_same_filler`: ``Bridel`` and ``Brldel``).

    Parameters
    ----------
    passage
        One aligned passage (original offsets).
    marks
        :meth:`~lineage.commonness.CommonnessModel.marks` of both documents, by id.
    params
        ``slot_context``.

    Returns
    -------
    SlotAgreement

    Notes
    -----
    ``O(w log w)`` for the ``w`` filled contexts of the passage, plus a character
    comparison for each context that differs literally.

    Examples
    --------
    >>> from lineage.commonness import learn_commonness
    >>> model = learn_commonness(["x"])
    >>> a, b = "Net rose to 12 mln dlrs", "Net rose to 15 mln dlrs"
    >>> marks = {"a": model.marks(a), "b": model.marks(b)}
    >>> slot_agreement(Passage("a", 0, len(a), "b", 0, len(b)), marks)
    SlotAgreement(agree=0, differ=6, tokens=6)
    >>> a, b = "Premium 1461,95 fr. per year", "Premium 1461.95 fr. per year"
    >>> marks = {"a": model.marks(a), "b": model.marks(b)}
    >>> slot_agreement(Passage("a", 0, len(a), "b", 0, len(b)), marks)
    SlotAgreement(agree=4, differ=0, tokens=5)
    """
    n = (params or CommonnessParams()).slot_context
    sides = [
        (marks[passage.a], _inside(marks[passage.a], passage.a_start, passage.a_end)),
        (marks[passage.b], _inside(marks[passage.b], passage.b_start, passage.b_end)),
    ]
    tokens = min(last - first for _, (first, last) in sides)
    contexts = [_contexts(m, *span, n) for m, span in sides]
    agree = differ = 0
    for k, ((own, (first, last)), mine) in enumerate(zip(sides, contexts, strict=True)):
        other, theirs = sides[1 - k][0], contexts[1 - k]
        filled, their_filled = mine[2], theirs[2]
        shared = filled & np.isin(mine[0], theirs[0][their_filled])
        same = shared & np.isin(mine[1], theirs[1][their_filled])
        at = first + np.arange(filled.size)
        for w in np.flatnonzero(shared & ~same).tolist():
            starts = sides[1 - k][1][0] + np.flatnonzero(their_filled & (theirs[0] == mine[0][w]))
            same[w] = _variant(own, int(at[w]), other, starts, min(n, last - first))
        agree += int(same.sum())
        differ += int((shared & ~same).sum())
    return SlotAgreement(agree, differ, tokens)


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
    >>> from lineage.commonness import learn_commonness
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
        duplicate = marks[first.a].fingerprint == marks[first.b].fingerprint
        if duplicate:  # kept whole: no need to find its common runs
            a_runs, b_runs = [a_span], [b_span]
        else:
            a_count, a_runs, a_verbatim = _side(marks[first.a], marks[first.b], a_span, b_span)
            b_count, b_runs, b_verbatim = _side(marks[first.b], marks[first.a], b_span, a_span)
            paraphrase = (
                marks[first.a].knows_genre
                and marks[first.b].knows_genre
                and min(a_verbatim, b_verbatim) < params.min_verbatim_share
            )
        common = _common_share(a_runs + b_runs, a_span, b_span)
        whole = replace(
            first, a_start=a_span[0], a_end=a_span[1], b_start=b_span[0], b_end=b_span[1]
        )
        if not duplicate and (
            common > params.max_commonness
            or (common > 0 and min(a_count, b_count) < params.min_informative_tokens)
            or paraphrase
            or slot_agreement(whole, marks, params).filled_twice(params)
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
    tokens = _pair_tokens(kept, marks)
    scant = _scant_pairs(tokens, marks, params) | _generic_pairs(tokens, marks, params)
    keep = [k for k, p in enumerate(kept) if (p.a, p.b) not in scant or p.kind != "prose"]
    return ScoredPassages(
        [kept[k] for k in keep],
        [commonness[k] for k in keep],
        [a_spans[k] for k in keep],
        [b_spans[k] for k in keep],
        dropped + len(kept) - len(keep),
    )


def duplicate_passages(pairs: Iterable[tuple[str, str]], marks: dict[str, Marks]) -> list[Passage]:
    """Whole-text passages of the pairs whose texts are the same, case and white space aside.

    An exact duplicate is a duplicate however short its text or common its words:
    alignment's length floors may leave a one-line flash sent twice without a passage,
    and :func:`score_passages` keeps such a passage whole.

    Examples
    --------
    >>> from lineage.commonness import learn_commonness
    >>> model = learn_commonness(["x"])
    >>> marks = {"a": model.marks("Rates unchanged"), "b": model.marks("RATES  unchanged"),
    ...          "c": model.marks("Rates cut")}
    >>> [(p.a, p.b, p.b_end) for p in duplicate_passages([("a", "b"), ("a", "c")], marks)]
    [('a', 'b', 16)]
    """
    return [
        Passage(a, 0, len(marks[a].text), b, 0, len(marks[b].text), "prose", 1.0)
        for a, b in pairs
        if marks[a].fingerprint == marks[b].fingerprint
    ]


def _pair_tokens(
    passages: list[Passage], marks: dict[str, Marks]
) -> dict[tuple[str, str], list[int]]:
    """Tokens inside each pair's passages, on side ``a`` and on side ``b``."""
    tokens: dict[tuple[str, str], list[int]] = {}
    for p in passages:
        count = tokens.setdefault((p.a, p.b), [0, 0])
        for side, (doc, start, end) in enumerate(
            ((p.a, p.a_start, p.a_end), (p.b, p.b_start, p.b_end))
        ):
            first, last = _inside(marks[doc], start, end)
            count[side] += last - first
    return tokens


def _scant_pairs(
    tokens: dict[tuple[str, str], list[int]], marks: dict[str, Marks], params: CommonnessParams
) -> set[tuple[str, str]]:
    """Pairs whose passages are one phrase, or one island of formula: too short, too small a share.

    A pair's passages (of every kind) are scant when they hold fewer than
    ``min_pair_tokens`` tokens on either side *and* cover less than ``min_pair_share`` of
    both documents' tokens: a sentence two long stories share, not a copy of either; or,
    when both documents' corpus knows its genre, fewer than ``min_island_tokens`` and less
    than ``min_island_share``: a paragraph of formula inside two different notices. Only
    the prose passages of a scant pair are dropped (a quotation is reported as one); a short
    document wholly inside another is not scant. ``tokens`` are each pair's tokens inside
    its passages, side ``a`` and side ``b`` (:func:`_pair_tokens`).
    """
    scant = set()
    for (a, b), (in_a, in_b) in tokens.items():
        share = max(in_a / max(marks[a].starts.size, 1), in_b / max(marks[b].starts.size, 1))
        fewer = min(in_a, in_b)
        island = marks[a].knows_genre and marks[b].knows_genre
        if (fewer < params.min_pair_tokens and share < params.min_pair_share) or (
            island and fewer < params.min_island_tokens and share < params.min_island_share
        ):
            scant.add((a, b))
    return scant


def _generic_pairs(
    tokens: dict[tuple[str, str], list[int]], marks: dict[str, Marks], params: CommonnessParams
) -> set[tuple[str, str]]:
    """Pairs that share no word particular to them: two specimens of the genre, not a copy.

    In a corpus that knows its genre, two documents whose passages hold fewer than
    ``min_island_tokens`` tokens on either side (notices, flashes: a paragraph at most) and
    whose shared words are all words of the genre (not ``Marks.particular``) share fewer
    than ``min_particular_words`` particular words: two companies' split notices, two
    issuers' bond notices, two funds' dividend notices align word for word around names
    and figures of their own. A copy, a correction or a rewrite keeps something particular
    of its story (a name, a figure, a rare word). Exact duplicates are exempt (a flash sent
    twice is sent twice).
    """
    generic = set()
    for (a, b), (in_a, in_b) in tokens.items():
        mine, theirs = marks[a], marks[b]
        if (
            not (mine.knows_genre and theirs.knows_genre)
            or min(in_a, in_b) >= params.min_island_tokens
            or mine.fingerprint == theirs.fingerprint
        ):
            continue
        shared = np.intersect1d(mine.particular_words, theirs.particular_words, True)
        if shared.size < params.min_particular_words:
            generic.add((a, b))
    return generic


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
    >>> from lineage.commonness import learn_commonness
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
