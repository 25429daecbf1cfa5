r"""Quotations in news text and their speakers; what is quoted and what is prose.

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
The quoted parts of aligned passages are marked from these in :mod:`lineage.quote_parts`.

Examples
--------
>>> text = 'Peskov said: "It is too early to say." Talks went on.'
>>> [(text[q.start : q.end], q.speaker) for q in find_quotations(text)]
[('It is too early to say.', 'Peskov')]
"""

from __future__ import annotations

import re
from typing import NamedTuple

from lineage.errors import ParameterError, check_positive_int
from lineage.records import Quotation

__all__ = ["QuotationScan", "find_quotations", "quotation_problems", "scan_quotations"]

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
_ATTRIBUTED = re.compile(rf"(?:\b(?:{_VERBS})\b[^\S\n]*[:,]?|:)[^\S\n]*\Z")
"""An attribution right before an opening mark: evidence of a quotation left unclosed."""
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


def _scan(text: str, *, max_chars: int, speakers: bool = True) -> tuple[list[Quotation], list[int]]:
    """Return the quotations of ``text`` and the positions of unmatched opening marks.

    An opening double mark that nothing closes (its paragraph ends, or ``max_chars``
    pass, without a closing mark or the newswire continuation) opens a quotation only
    when an attribution comes right before it (``said:``, ``told reporters``); else it
    is an unmatched mark and the text after it stays prose. Without ``speakers`` every
    speaker is ``None`` (reading attributions is most of the cost).
    """
    if not isinstance(text, str):
        raise ParameterError(f"'text' must be a str (got {type(text).__name__})")
    check_positive_int("max_chars", max_chars)
    scanner = _Scanner(text, max_chars)
    for match in _MARKS.finditer(text):
        scanner.read(match.start(), match.group())
    scanner.finish()
    quotations = [
        Quotation(start, end, _speaker(text, start, end) if speakers else None)
        for start, end in scanner.found
    ]
    return quotations, scanner.unmatched


class _Scanner:
    """One left-to-right pass over the quotation marks (and newlines) of a text."""

    def __init__(self, text: str, max_chars: int) -> None:
        self.text, self.max_chars = text, max_chars
        self.found: list[tuple[int, int]] = []
        self.unmatched: list[int] = []
        self.stack: list[tuple[str, int]] = []  # (opener, position)
        self.skip_until = -1

    def emit(self, end: int, closed: bool = True) -> None:
        """Close the outermost open quotation at ``end`` (or leave it as prose)."""
        opener, opened = self.stack[0]
        start, stop = _strip(self.text, opened + 1, end)
        if not closed and not _ATTRIBUTED.search(self.text, max(0, opened - 80), opened):
            self.unmatched.append(opened)  # no closing mark, no attribution: prose
        elif stop > start and (opener not in "'\u2018" or len(self.text[start:stop].split()) >= 2):
            self.found.append((start, stop))
        self.stack.clear()

    def read(self, at: int, mark: str) -> None:
        """Take the mark (or newline) at ``at``."""
        if at < self.skip_until:
            return
        if self.stack and at - self.stack[0][1] > self.max_chars:
            cut = _recover(self.text, self.stack[0][1], self.max_chars)
            self.emit(cut, closed=False)
            self.skip_until = cut
            if at < self.skip_until:
                return
        if mark == "\n":
            self._newline(at)
        else:
            self._mark(at, mark)

    def _newline(self, at: int) -> None:
        if not self.stack:
            return
        double = self.stack[0][0] in _DOUBLE_OPENERS
        continuation = _continues(self.text, at)
        if continuation is not None and double:
            self.skip_until = continuation + 1  # the repeated opener is not a new quote
            del self.stack[1:]
        elif double:
            self.emit(min(at, _recover(self.text, self.stack[0][1], self.max_chars)), closed=False)
        else:
            self.stack.clear()  # an unclosed single mark is most likely an apostrophe

    def _mark(self, at: int, mark: str) -> None:
        text, stack = self.text, self.stack
        single = mark in "'\u2018\u2019"
        if single and (
            at > 0 and text[at - 1].isalnum() and at + 1 < len(text) and text[at + 1].isalnum()
        ):
            return  # apostrophe inside a word
        closer_of = [k for k, (opener, _) in enumerate(stack) if mark in _CLOSERS[opener]]
        if closer_of and (mark not in _CLOSERS or _closing_like(text, at)):
            if closer_of[-1] == 0:
                self.emit(at)
            else:
                del stack[closer_of[-1] :]
        elif mark in _CLOSERS and _opening_like(text, at):
            if single and not stack and mark == "'" and not text[at + 1 : at + 2].isalpha():
                return
            if len(stack) < _MAX_DEPTH:
                stack.append((mark, at))
        # anything else is a stray closing mark: ignored

    def finish(self) -> None:
        """Settle a double mark still open at the end of the text."""
        if self.stack and self.stack[0][0] in _DOUBLE_OPENERS:
            opened = self.stack[0][1]
            end = min(
                _paragraph_end(self.text, opened), _recover(self.text, opened, self.max_chars)
            )
            self.emit(end, closed=False)


def find_quotations(text: str, *, max_chars: int = 3000, speakers: bool = True) -> list[Quotation]:
    r"""Find the top-level quotations of ``text`` with their speakers.

    Parameters
    ----------
    text
        Original text.
    max_chars
        Longest quotation; an unclosed mark is cut at the first sentence end after it
        beyond this (recovery from scraping debris).
    speakers
        Read each quotation's speaker from its attribution; with ``False`` every
        speaker is ``None`` and only the spans are found (faster: what
        :func:`lineage.quote_parts.mark_quotes` needs).

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

    A stray mark (OCR, scraping) with no closing mark and no attribution opens nothing:

    >>> find_quotations('Talks resumed on "Thursday in Istanbul.\nThe delegation left.')
    []
    """
    return _scan(text, max_chars=max_chars, speakers=speakers)[0]


def quotation_problems(text: str, *, max_chars: int = 3000) -> list[str]:
    r"""Describe the quotation marks of ``text`` that open a quotation nothing closes.

    Such a mark is read as prose (see :func:`find_quotations`); each problem names the
    line of the mark.

    Examples
    --------
    >>> quotation_problems('One line.\nTalks resumed on "Thursday in Istanbul.')
    ['line 2: quotation mark without a closing mark or an attribution; read as prose']
    """
    return scan_quotations(text, max_chars=max_chars).problems


class QuotationScan(NamedTuple):
    """The quotations of a text and its quotation problems (see :func:`scan_quotations`)."""

    quotations: list[Quotation]
    """As :func:`find_quotations` returns them."""
    problems: list[str]
    """As :func:`quotation_problems` returns them."""


def scan_quotations(text: str, *, max_chars: int = 3000) -> QuotationScan:
    r"""Find the quotations of ``text`` and describe its unmatched marks, in one pass.

    What :func:`find_quotations` and :func:`quotation_problems` return, for a caller that
    needs both (``lineage analyze`` notes the problems in the documents table).

    Examples
    --------
    >>> scan = scan_quotations('He said: "Go." Then "nothing\nmore.')
    >>> [q.speaker for q in scan.quotations], scan.problems
    ([None], ['line 1: quotation mark without a closing mark or an attribution; read as prose'])
    """
    quotations, unmatched = _scan(text, max_chars=max_chars)
    problems = [
        f"line {text.count(chr(10), 0, at) + 1}: quotation mark without a closing mark or "
        "an attribution; read as prose"
        for at in unmatched
    ]
    return QuotationScan(quotations, problems)


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
