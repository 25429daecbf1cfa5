"""Scraping debris of one text: date prefixes, captions, promos, bylines, datelines..."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Sequence

from lineage.errors import ParameterError
from lineage.folding import ANY_WORD
from lineage.records import Span

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
    r"|Agence France-Presse|(?:With )?(?:AFP|Reuters|AP) and agencies"
    r"|[Rr]euter|REUTER)\.{0,3}"  # the 1980s Reuters sign-off, "REUTER..." when cut
)
_LEGAL = re.compile(r"(?:©|\(c\)|Copyright(?: ©)?) ?(?:\d{4}[-–]?)+\b[^\n]{0,200}", re.IGNORECASE)
_BYLINE = re.compile(rf"By {_NAMES}(?:,? (?:Reuters|AP|AFP|RFE/RL|CNN|BBC News))?")
_DATELINE = re.compile(
    r"[A-Z][A-Z'’.-]+(?:[ /][A-Z][A-Z'’.-]+)*(?:, [A-Z][\w.]+(?: [A-Z][\w.]+)?)*"
    r"(?:,? [A-Z][a-z]{2,8}\.? \d{1,2})? \((?:Reuters|AP|AFP|RFE/RL|dpa|AA)\) ?[-—–]+"
)


def text_lines(text: str) -> list[tuple[int, int]]:
    """Return ``(start, end)`` of every non-blank line, without its outer whitespace."""
    spans = []
    for match in _LINE.finditer(text):
        line = match.group(0)
        stripped = line.strip()
        if stripped:
            start = match.start() + len(line) - len(line.lstrip())
            spans.append((start, start + len(stripped)))
    return spans


def line_key(line: str) -> str:
    """Reduce a line to its lowercase words, for comparing lines."""
    return " ".join(ANY_WORD.findall(line.casefold()))


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
        key, next_key = line_key(text[start:end]), line_key(text[next_start:next_end])
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

    rule.__name__ = f"_{kind}text_lines"
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


def drop_overlaps(spans: Iterable[Span]) -> list[Span]:
    """Sort spans and drop each one that overlaps an earlier kept one."""
    kept: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end, s.kind)):
        if kept and span.start < kept[-1].end:
            continue
        kept.append(span)
    return kept


def spans_overlap(first: Span, second: Span) -> bool:
    """Whether two spans share a character.

    Examples
    --------
    >>> url = Span(0, 5, "url")
    >>> spans_overlap(url, Span(4, 9, "byline")), spans_overlap(url, Span(5, 9, "byline"))
    (True, False)
    """
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
    lines = text_lines(text)
    return drop_overlaps(span for rule in _DEBRIS_RULES for span in rule(text, lines))
