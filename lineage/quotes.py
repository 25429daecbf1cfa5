r"""Quotations in news text, their speakers, and quote/prose marking of passages.

:func:`find_quotations` finds top-level quotations: straight and curly double quotes,
guillemets (« »), low-high quotes („ “), curly single quotes used as primary quotes, and
quotes nested inside others (which belong to the outer quotation). A quotation that runs over
several paragraphs with only the opening mark repeated at each paragraph start (the newswire
convention) is one quotation. Marks left unbalanced by scraping are recovered from: an
unclosed double quote ends at the end of its paragraph (unless the next paragraph continues
it), and never runs longer than ``max_chars``; a stray closing mark is ignored.

A quotation's span is its content between the marks (marks excluded), in offsets of the
text as given. The speaker is read from an attribution next to the quotation
(``"...," said Medinsky``, ``Zelensky said: "..."``, ``"...," Trump told reporters``).

Examples
--------
>>> text = 'Peskov said: "It is too early to say." Talks went on.'
>>> [(text[q.start : q.end], q.speaker) for q in find_quotations(text)]
[('It is too early to say.', 'Peskov')]
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Literal

from lineage.errors import ParameterError, check_positive_int
from lineage.records import Passage, Quotation

__all__ = ["find_quotations", "quote_share", "split_passages_by_quotes"]

# Closers accepted for each opener; straight marks close themselves.
_CLOSERS = {
    '"': '"',
    "\u201c": "\u201d\u201c",  # “ closes with ” (or “ in German-style text after „)
    "\u201e": "\u201c\u201d",  # „ closes with “ or ”
    "\u00ab": "\u00bb",  # « »
    "\u2018": "\u2019",  # ‘ ’
    "'": "'",
}
_MAX_DEPTH = 3  # deeper nesting is debris, not quotation
_DOUBLE_OPENERS = '"\u201c\u201e\u00ab'
_MARKS = re.compile("[\"'\u201c\u201d\u201e\u00ab\u00bb\u2018\u2019\n]")
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)")
_NAME = r"(?:[A-Z][\w'\u2019.-]*)(?:\s+(?:[A-Z][\w'\u2019.-]*|de|von|van|bin|al))*"
_VERBS = (
    r"said|says|told(?:\s+(?:reporters|journalists|the\s+\w+|\w+))?|added|wrote|stated|"
    r"declared|asked|insisted|warned|explained|noted|tweeted|posted|replied|responded|"
    r"continued|argued|stressed|announced|recalled|claimed|urged"
)
_TITLES = frozenset(
    [
        "President",
        "Mr.",
        "Mr",
        "Mrs.",
        "Ms.",
        "Dr.",
        "Secretary",
        "Minister",
        "Prime",
        "Foreign",
        "Defense",
        "Defence",
        "Chancellor",
        "Senator",
        "Gen.",
        "General",
        "Spokesman",
        "Spokeswoman",
        "Kremlin",
        "Russian",
        "Ukrainian",
        "US",
        "U.S.",
        "Turkish",
        "American",
        "State",
        "Sen.",
        "Rep.",
        "Prof.",
        "Sir",
        "Lord",
        "Chief",
        "NATO",
    ]
)
_AFTER_VERB_NAME = re.compile(rf"^[\s,.!?\u2014-]*(?:{_VERBS})\s+(?P<name>{_NAME})")
_AFTER_NAME_VERB = re.compile(rf"^[\s,.!?\u2014-]*(?P<name>{_NAME})\s+(?:{_VERBS})\b")
_VERB_BEFORE = re.compile(rf"\b(?:{_VERBS})\b")
_NAME_PARTICLES = frozenset(("de", "von", "van", "bin", "al"))
_PRONOUNS = frozenset(
    ["He", "She", "It", "They", "We", "I", "You", "His", "Her", "The", "This", "That", "A", "An"]
)


def _opening_like(text: str, at: int) -> bool:
    before = text[at - 1] if at > 0 else " "
    after = text[at + 1] if at + 1 < len(text) else " "
    return (before.isspace() or before in "([{\u2014-/\"'\u201c\u2018\u00ab:") and (
        not after.isspace()
    )


def _closing_like(text: str, at: int) -> bool:
    before = text[at - 1] if at > 0 else " "
    after = text[at + 1] if at + 1 < len(text) else " "
    return not before.isspace() and not (after.isalnum())


def _paragraph_end(text: str, at: int) -> int:
    end = text.find("\n", at)
    return len(text) if end < 0 else end


def _recover(text: str, opened: int, max_chars: int) -> int:
    """Return where an unclosed quotation ends.

    That is its paragraph end, or, if that is more than ``max_chars`` away, the first
    sentence end after the opening mark.
    """
    end = _paragraph_end(text, opened)
    if end - opened <= max_chars:
        return end
    sentence = _SENTENCE_END.search(text, opened + 1, opened + max_chars)
    return sentence.end() if sentence else opened + max_chars


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _continues(text: str, newline: int) -> int | None:
    """Position of an opening double mark starting the paragraph after ``newline``."""
    at = newline + 1
    while at < len(text) and text[at].isspace():
        at += 1
    if at < len(text) and text[at] in _DOUBLE_OPENERS:
        return at
    return None


def find_quotations(text: str, *, max_chars: int = 3000) -> list[Quotation]:
    r"""Find the top-level quotations of ``text`` with their speakers.

    Parameters
    ----------
    text
        Original text.
    max_chars
        Longest quotation; an unclosed mark is cut at the first sentence end after it
        beyond this (recovery from scraping debris).

    Returns
    -------
    list of Quotation
        Content spans (marks excluded) in offsets of ``text``, in text order, with the
        speaker where an attribution is found (else ``None``).

    Examples
    --------
    Newswire convention: the quote runs on, only the opening mark is repeated.

    >>> text = '"We will go on.\n"We will not stop," he said.\nNext paragraph.'
    >>> [text[q.start : q.end] for q in find_quotations(text)]
    ['We will go on.\n"We will not stop,']
    """
    if not isinstance(text, str):
        raise ParameterError(f"'text' must be a str (got {type(text).__name__})")
    check_positive_int("max_chars", max_chars)
    found: list[tuple[int, int]] = []
    stack: list[tuple[str, int]] = []  # (opener, position)
    skip_until = -1

    def emit(end: int) -> None:
        start, stop = _strip(text, stack[0][1] + 1, end)
        opener = stack[0][0]
        if stop > start and (opener not in "'\u2018" or len(text[start:stop].split()) >= 2):
            found.append((start, stop))
        stack.clear()

    for match in _MARKS.finditer(text):
        at = match.start()
        if at < skip_until:
            continue
        mark = match.group()
        if stack and at - stack[0][1] > max_chars:
            cut = _recover(text, stack[0][1], max_chars)
            emit(cut)
            skip_until = cut
            if at < skip_until:
                continue
        if mark == "\n":
            if not stack:
                continue
            continuation = _continues(text, at)
            if continuation is not None and stack[0][0] in _DOUBLE_OPENERS:
                skip_until = continuation + 1  # the repeated opener is not a new quote
                del stack[1:]
                continue
            if stack[0][0] in _DOUBLE_OPENERS:
                emit(min(at, _recover(text, stack[0][1], max_chars)))  # unclosed: recover
            else:
                stack.clear()  # an unclosed single mark is most likely an apostrophe
            continue
        single = mark in "'\u2018\u2019"
        if single and (
            at > 0 and text[at - 1].isalnum() and at + 1 < len(text) and text[at + 1].isalnum()
        ):
            continue  # apostrophe inside a word
        closer_of = [k for k, (opener, _) in enumerate(stack) if mark in _CLOSERS[opener]]
        if closer_of and (mark not in _CLOSERS or _closing_like(text, at)):
            depth = closer_of[-1]
            if depth == 0:
                emit(at)
            else:
                del stack[depth:]
            continue
        if mark in _CLOSERS and _opening_like(text, at):
            if single and not stack and mark == "'" and not text[at + 1 : at + 2].isalpha():
                continue
            if len(stack) < _MAX_DEPTH:
                stack.append((mark, at))
        # anything else is a stray closing mark: ignored
    if stack and stack[0][0] in _DOUBLE_OPENERS:
        emit(min(_paragraph_end(text, stack[0][1]), _recover(text, stack[0][1], max_chars)))
    return [Quotation(start, end, _speaker(text, start, end)) for start, end in found]


def _clean_name(name: str) -> str | None:
    words = [w for w in name.replace("\u2019s", "").replace("'s", "").split() if w]
    titled = [k for k, w in enumerate(words) if w in _TITLES]
    if titled and titled[-1] < len(words) - 1:
        words = words[titled[-1] + 1 :]  # "French Foreign Minister Jean-Noel Barrot"
    elif titled:
        words = [w for w in words if w not in _TITLES] or words
    if not words or words[0] in _PRONOUNS:
        return None
    words[-1] = words[-1].rstrip(".,")
    return " ".join(words[-3:])


def _speaker(text: str, start: int, end: int) -> str | None:
    """Name in an attribution right after or right before the quotation."""
    after = text[end : end + 120].split("\n", 1)[0].lstrip("\"'\u201d\u00bb\u2019")
    for pattern in (_AFTER_VERB_NAME, _AFTER_NAME_VERB):
        match = pattern.match(after)
        if match:
            name = _clean_name(match.group("name"))
            if name:
                return name
    window = max(0, start - 300)
    line_start = text.rfind("\n", window, start) + 1 or window
    if not text[line_start:start].strip("\"'\u201c\u201e\u00ab\u2018 \t"):
        line_start = text.rfind("\n", window, max(line_start - 1, window)) + 1 or window
    before = text[max(line_start, start - 200) : start].rstrip("\"'\u201c\u201e\u00ab\u2018")
    sentence_start = max(before.rfind(". "), before.rfind("? "), before.rfind("! "))
    before = before[sentence_start + 1 :]
    verbs = [m for m in _VERB_BEFORE.finditer(before) if "." not in before[m.end() :]]
    for verb in reversed(verbs[-2:]):
        if len(before) - verb.end() <= 90:
            name = _name_before(before[: verb.start()])
            if name:
                return name
    return None


def _name_before(prefix: str) -> str | None:
    """Return the capitalized words right before an attribution verb.

    Skips a ", who" or an appositive between commas ("Peskov, the Kremlin spokesman, said").
    """
    prefix = prefix.rstrip()
    if prefix.endswith(", who"):
        prefix = prefix[:-5].rstrip()
    elif prefix.endswith(","):
        inner = prefix.rfind(",", 0, len(prefix) - 1)
        if inner >= 0 and len(prefix) - inner < 70:
            prefix = prefix[:inner].rstrip()
    name: list[str] = []
    for word in reversed(prefix.split()[-8:]):
        if not (word[:1].isupper() or (name and word in _NAME_PARTICLES)):
            break
        name.append(word)
    return _clean_name(" ".join(reversed(name))) if name else None


def _coverage(spans: Sequence[tuple[int, int]], start: int, end: int) -> float:
    """Share of ``[start, end)`` inside the (sorted, disjoint) ``spans``."""
    if end <= start:
        return 0.0
    inside = 0
    first = max(0, bisect.bisect_right(spans, (start, start)) - 1)
    for s, e in spans[first:]:
        if s >= end:
            break
        inside += max(0, min(e, end) - max(s, start))
    return inside / (end - start)


def _spans(quotations: Iterable[Quotation]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted((q.start, q.end) for q in quotations):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def split_passages_by_quotes(
    passages: Iterable[Passage],
    quotations_a: Iterable[Quotation],
    quotations_b: Iterable[Quotation],
    *,
    copy: Literal["a", "b", "either"] = "either",
) -> list[Passage]:
    """Mark each passage ``kind="quote"`` or ``"prose"``, splitting mixed passages.

    Each passage is cut at the quotation boundaries of both sides (a boundary on one side
    is carried to the other by linear interpolation along the passage). A piece is a
    quote when at least half of it lies inside a quotation on **both** sides, or on the
    copy's side alone (``copy="a"`` or ``"b"``: the derived text quotes what it took;
    ``copy="either"``, the default when the direction is unknown, accepts either side).
    Neighbouring pieces of one kind are joined again.

    Parameters
    ----------
    passages
        Passages of one pair of texts ``a`` and ``b``.
    quotations_a, quotations_b
        :func:`find_quotations` of ``a`` and of ``b``.
    copy
        Which side is the copy, if known.

    Returns
    -------
    list of Passage
        Pieces covering the passages exactly, each with ``kind`` set and the
        similarity of its passage.

    Examples
    --------
    >>> p = Passage("a", 0, 100, "b", 0, 100)
    >>> [(x.a_start, x.a_end, x.kind) for x in
    ...  split_passages_by_quotes([p], [Quotation(40, 100)], [Quotation(40, 100)])]
    [(0, 40, 'prose'), (40, 100, 'quote')]
    """
    if copy not in ("a", "b", "either"):
        raise ParameterError(f"'copy' must be 'a', 'b' or 'either' (got {copy!r})")
    spans_a, spans_b = _spans(quotations_a), _spans(quotations_b)
    pieces: list[Passage] = []
    for passage in passages:
        pieces.extend(_split_one(passage, spans_a, spans_b, copy))
    return pieces


def _split_one(
    p: Passage, spans_a: list[tuple[int, int]], spans_b: list[tuple[int, int]], copy: str
) -> list[Passage]:
    a_len, b_len = p.a_end - p.a_start, p.b_end - p.b_start
    if a_len <= 0 or b_len <= 0:
        return [replace(p, kind="prose")]

    def to_a(y: int) -> int:
        return p.a_start + round((y - p.b_start) * a_len / b_len)

    def to_b(x: int) -> int:
        return p.b_start + round((x - p.a_start) * b_len / a_len)

    cuts = {p.a_start, p.a_end}
    cuts.update(x for s, e in spans_a for x in (s, e) if p.a_start < x < p.a_end)
    cuts.update(to_a(y) for s, e in spans_b for y in (s, e) if p.b_start < y < p.b_end)
    bounds = sorted(x for x in cuts if p.a_start <= x <= p.a_end)
    out: list[Passage] = []
    for x0, x1 in itertools.pairwise(bounds):
        if x1 <= x0:
            continue
        y0, y1 = to_b(x0), to_b(x1)
        in_a = _coverage(spans_a, x0, x1) >= 0.5
        in_b = _coverage(spans_b, y0, y1) >= 0.5
        quote = (in_a and in_b) or {"a": in_a, "b": in_b, "either": in_a or in_b}[copy]
        kind = "quote" if quote else "prose"
        if out and out[-1].kind == kind:
            out[-1] = replace(out[-1], a_end=x1, b_end=y1)
        else:
            out.append(replace(p, a_start=x0, a_end=x1, b_start=y0, b_end=y1, kind=kind))
    if out:
        out[-1] = replace(out[-1], a_end=p.a_end, b_end=p.b_end)
    return out


def quote_share(passages: Iterable[Passage]) -> float:
    """Share of the ``a``-side characters of ``passages`` in quote pieces.

    Examples
    --------
    >>> quote_share(
    ...     [Passage("a", 0, 30, "b", 0, 30, kind="quote"), Passage("a", 30, 40, "b", 0, 10)]
    ... )
    0.75
    """
    total = quoted = 0
    for p in passages:
        total += p.a_end - p.a_start
        quoted += (p.a_end - p.a_start) if p.kind == "quote" else 0
    return quoted / total if total else 0.0
