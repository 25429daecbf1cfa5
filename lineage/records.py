"""Plain frozen records that flow between the stages.

Offsets follow Python slice meaning: ``text[start:end]``. Offsets stored in a record are
into the **original** text unless the field name says ``normalized``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np

Status = Literal["ok", "warning", "skipped"]
PassageKind = Literal["prose", "quote", "mixed"]


@dataclass(frozen=True)
class Document:
    """One input text.

    Examples
    --------
    >>> Document(id="000", text="Putin spurned a challenge.", meta={"outlet": "X"}).id
    '000'
    """

    id: str
    text: str
    meta: Mapping[str, object] = field(default_factory=dict)
    origin: str = ""
    """Where the text came from: a file path, ``path:line`` for a table row, or ``""``."""


@dataclass(frozen=True)
class Problem:
    """Something wrong with one input: a skipped document or a caveat on a loaded one.

    ``id`` is the document id when one could be made (a file stem, a row's id), else
    ``origin`` itself. ``status`` is ``"skipped"`` when no document was made and
    ``"warning"`` when the document was loaded with a caveat (e.g. cp1252 fallback).
    """

    id: str
    origin: str
    message: str
    status: Status = "skipped"
    line: int | None = None

    def __str__(self) -> str:
        """Return ``origin[:line]: message``, the form the CLI prints."""
        where = self.origin if self.line is None else f"{self.origin}:{self.line}"
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Span:
    """A marked region of a text (debris, boilerplate, quotation) in original offsets."""

    start: int
    end: int
    kind: str
    label: str = ""


FRAMING_KINDS = frozenset(
    {
        "boilerplate",
        "legal",
        "signoff",
        "contributors",
        "byline",
        "url",
        "see_also",
        "player_notice",
    }
)
"""Kinds of ignored span that frame a text rather than tell it: whole lines of legal
notices, sign-offs, credits, links, promos and corpus boilerplate. They are blanked for
candidate search and alignment (:meth:`NormalizedText.evidence`). Captions, date prefixes,
datelines and duplicated lead lines sit amid the prose and stay."""


@dataclass(frozen=True)
class NormalizedText:
    """A normalized text with a map from every normalized char back to the original.

    ``offsets`` has ``len(text) + 1`` int64 entries: ``offsets[i]`` is the original
    index of normalized char ``i`` and ``offsets[len(text)]`` is ``len(original)``.
    ``ignored`` lists debris and boilerplate spans (original offsets) that are kept in
    the text but left out of reuse figures.

    Examples
    --------
    >>> import numpy as np
    >>> nt = NormalizedText("ab", "A  B", np.array([0, 3, 4]))
    >>> nt.to_original(0, 2)
    (0, 4)
    """

    text: str
    original: str
    offsets: np.ndarray
    ignored: tuple[Span, ...] = ()

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a normalized span ``[start, end)`` to the original span that covers it."""
        if start >= end:
            at = int(self.offsets[start])
            return at, at
        return int(self.offsets[start]), int(self.offsets[end - 1]) + 1

    def evidence(self) -> NormalizedText:
        """Return this text with its framing blanked: what search and alignment read.

        Framing lines (:data:`FRAMING_KINDS`: the footer every article of an outlet
        carries, a copyright line, a sign-off) are no evidence of reuse: they must neither
        make two documents candidates nor extend a passage. Blanking (spaces in ``text``)
        keeps every offset valid.

        Examples
        --------
        >>> import numpy as np
        >>> nt = NormalizedText("story. sign up", "Story. Sign up", np.arange(15),
        ...                     (Span(7, 14, "boilerplate"),))
        >>> nt.evidence().text
        'story.        '
        """
        spans = [span for span in self.ignored if span.kind in FRAMING_KINDS]
        if not spans:
            return self
        starts = np.searchsorted(self.offsets[:-1], [span.start for span in spans])
        ends = np.searchsorted(self.offsets[:-1], [span.end for span in spans])
        covered = np.zeros(len(self.text) + 1, dtype=np.int64)
        np.add.at(covered, starts, 1)
        np.add.at(covered, ends, -1)
        codes = np.frombuffer(self.text.encode("utf-32-le"), dtype=np.uint32).copy()
        codes[np.cumsum(covered[:-1]) > 0] = 32
        return replace(self, text=codes.tobytes().decode("utf-32-le"))


def complement(
    extent: tuple[int, int], spans: Iterable[tuple[int, int]]
) -> tuple[tuple[int, int], ...]:
    """Return the parts of ``extent`` outside every one of ``spans``, in order.

    Examples
    --------
    >>> complement((0, 10), [(2, 4), (3, 6)])
    ((0, 2), (6, 10))
    """
    gaps, at = [], extent[0]
    for start, end in sorted(spans):
        if start > at:
            gaps.append((at, min(start, extent[1])))
        at = max(at, end)
        if at >= extent[1]:
            break
    if at < extent[1]:
        gaps.append((at, extent[1]))
    return tuple(g for g in gaps if g[1] > g[0])


@dataclass(frozen=True)
class Passage:
    """One whole aligned passage of a pair, in original char offsets of both texts.

    A passage is the unit a reader compares: quotations inside it are parts of it
    (``quotes``), never cuts through it. ``kind`` is ``"prose"`` when no part of it is
    quoted, ``"quote"`` when all that is matched in it is quoted on one side or both,
    and ``"mixed"`` otherwise.

    Attributes
    ----------
    quotes
        The quoted parts as ``(a_start, a_end, b_start, b_end)``: a quotation on one side
        with the words matched to it on the other, inside the passage on both sides, in
        the order of ``a``, not overlapping.
    a_unmatched, b_unmatched
        Text inside the passage on one side that has no counterpart on the other (a
        sentence inserted or dropped by the rewrite), as ``(start, end)`` spans; it is
        part of the passage a reader sees but not counted as reused.

    Examples
    --------
    >>> p = Passage("a", 0, 50, "b", 10, 60, kind="mixed", quotes=((20, 30, 30, 40),))
    >>> p.a_end - p.a_start, p.quote_chars
    (50, 10)
    >>> m = p.mirror()
    >>> m.a, m.a_start, m.a_end, m.quotes
    ('b', 10, 60, ((30, 40, 20, 30),))
    """

    a: str
    a_start: int
    a_end: int
    b: str
    b_start: int
    b_end: int
    kind: PassageKind = "prose"
    similarity: float = 1.0
    quotes: tuple[tuple[int, int, int, int], ...] = ()
    a_unmatched: tuple[tuple[int, int], ...] = ()
    b_unmatched: tuple[tuple[int, int], ...] = ()

    @property
    def quote_chars(self) -> int:
        """Characters of side ``a`` inside the quoted parts."""
        return sum(end - start for start, end, _, _ in self.quotes)

    def mirror(self) -> Passage:
        """Return the same passage seen from side ``b`` (``a`` and ``b`` swapped)."""
        return Passage(
            self.b,
            self.b_start,
            self.b_end,
            self.a,
            self.a_start,
            self.a_end,
            self.kind,
            self.similarity,
            tuple(sorted((b0, b1, a0, a1) for a0, a1, b0, b1 in self.quotes)),
            self.b_unmatched,
            self.a_unmatched,
        )


@dataclass(frozen=True)
class Quotation:
    """A quotation span of one text in original offsets, with its speaker if found."""

    start: int
    end: int
    speaker: str | None = None
