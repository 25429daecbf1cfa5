"""What every reader of a corpus source shares: options, places, items, skips."""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, NamedTuple

from lineage.records import Document, Problem


@dataclass(frozen=True)
class ReadOptions:
    """How to read a source: column names, fallback codec, batch size, id prefix."""

    id_column: str
    text_column: str
    date_column: str
    encoding_fallback: str | None
    batch_size: int
    id_prefix: str = ""
    """Put before the position of a record that has no id (see ``load_corpus``)."""
    alerts: list[str] = field(default_factory=list)
    """Messages for :class:`LineageWarning`, raised by the public functions."""


class Where(NamedTuple):
    """Where one input sits: a file or record label, and a 1-based line when there is one."""

    origin: str
    line: int | None = None

    @property
    def label(self) -> str:
        """Say where, as ``path:line`` or the origin alone.

        Examples
        --------
        >>> Where("news.jsonl", 3).label, Where("DataFrame row 0").label
        ('news.jsonl:3', 'DataFrame row 0')
        """
        return self.origin if self.line is None else f"{self.origin}:{self.line}"


@dataclass(slots=True)
class Item:
    """One input in input order: a document (with its warnings) or a skip."""

    where: Where
    id: str
    document: Document | None = None
    warnings: list[str] = field(default_factory=list)
    skip: str = ""

    def problems(self) -> list[Problem]:
        """Return the skip, or the warnings of the loaded document, as problem records."""
        where = self.where
        if self.document is None:
            return [Problem(self.id, where.origin, self.skip, "skipped", where.line)]
        return [
            Problem(self.id, where.origin, text, "warning", where.line) for text in self.warnings
        ]


def skip(where: Where, item_id: str | None, message: str) -> Item:
    """Return the item of an input skipped for ``message`` (id: ``item_id``, else the place).

    Examples
    --------
    >>> item = skip(Where("a.txt"), None, "empty file (0 bytes)")
    >>> item.id, item.document, item.problems()[0].status
    ('a.txt', None, 'skipped')
    """
    return Item(where, item_id if item_id is not None else where.label, skip=message)


def open_binary(path: Path, compressed: bool) -> IO[bytes]:
    """Open ``path`` for reading bytes, through gzip when ``compressed``."""
    return gzip.open(path, "rb") if compressed else path.open("rb")


def unreadable(origin: str, line_no: int, error: BaseException) -> Item:
    """Return the skip of a file that failed after ``line_no`` lines (0: at once).

    Examples
    --------
    >>> unreadable("big.jsonl.gz", 41, EOFError("truncated")).problems()[0].line
    42
    """
    reason = getattr(error, "strerror", None) or error
    if line_no == 0:
        return skip(Where(origin), None, f"could not be read ({reason})")
    return skip(Where(origin, line_no + 1), None, f"unreadable from this line on ({reason})")
