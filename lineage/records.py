"""Plain frozen records that flow between the stages.

Offsets follow Python slice meaning: ``text[start:end]``. Offsets stored in a record are
into the **original** text unless the field name says ``normalized``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

Status = Literal["ok", "warning", "skipped"]
PassageKind = Literal["prose", "quote"]


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


@dataclass(frozen=True)
class Passage:
    """One aligned passage of a pair, in original char offsets of both texts.

    Examples
    --------
    >>> p = Passage("a", 0, 5, "b", 10, 15, kind="prose", similarity=1.0)
    >>> p.a_end - p.a_start
    5
    """

    a: str
    a_start: int
    a_end: int
    b: str
    b_start: int
    b_end: int
    kind: PassageKind = "prose"
    similarity: float = 1.0


@dataclass(frozen=True)
class Quotation:
    """A quotation span of one text in original offsets, with its speaker if found."""

    start: int
    end: int
    speaker: str | None = None
