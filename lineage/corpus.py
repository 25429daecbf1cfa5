"""Read a corpus from files, tables or memory, one id per document, and list every problem.

A corpus comes from a folder of ``.txt``/``.md`` files (searched recursively), a folder
of JSONL/CSV/Parquet shards, a single text file, a JSONL file, a CSV/TSV file, a Parquet
file, a pandas DataFrame or Series, or a list of strings. Bad inputs never sink the
corpus: each one (an empty, binary or NUL-riddled file, a malformed JSONL line, a row
without text...) is skipped with a :class:`~lineage.records.Problem`
that names the file and line and says what to try. Inputs loaded with a caveat (a file
decoded with the fallback encoding, a number read as text, a repeated id read as
``id#2``) become documents plus a
``Problem(status="warning")``.
:attr:`Corpus.inputs` lists every input, loaded or skipped, in input order.

JSONL, CSV and Parquet are read as streams (line by line; Parquet batch by batch, one
row group at a time): :func:`iter_corpus_shards` yields bounded shards, and
:func:`load_corpus` is those shards joined. :func:`folder_shards` lists the files of a
folder of shards with the id prefix each is read with, for one task per file.

Where a record sits is said as ``path:line`` (1-based line) for JSONL and CSV rows,
``path row N`` for Parquet rows, ``DataFrame row N`` / ``Series row N`` for pandas
inputs and ``list item N`` for a list (0-based positions, as pandas counts them).

Examples
--------
>>> corpus = load_corpus(["Putin stayed away.", "  ", "Zelensky flew to Ankara."])
>>> corpus.ids
('0', '2')
>>> [(entry.id, entry.status, entry.problem) for entry in corpus.inputs]
[('0', 'ok', ''), ('1', 'skipped', 'text is whitespace only'), ('2', 'ok', '')]
"""

from __future__ import annotations

import calendar
import codecs
import csv
import datetime as dt
import difflib
import gzip
import itertools
import json
import logging
import math
import os
import re
import stat
import sys
import warnings
from collections import Counter
from collections.abc import Container, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any, NamedTuple

import numpy as np
import pandas as pd

from lineage.errors import (
    CorpusError,
    LineageWarning,
    ParameterError,
    check_positive_int,
    shorten,
)
from lineage.records import Document, Problem, Status

logger = logging.getLogger(__name__)

TEXT_SUFFIXES = (".txt", ".md")
"""File suffixes read as one document each when a folder is given (case-insensitive)."""

_JSONL_SUFFIXES = (".jsonl", ".ndjson")
_CSV_DELIMITERS = {".csv": ",", ".tsv": "\t"}
_PARQUET_SUFFIXES = (".parquet", ".pq")
_RESERVED_ID_PREFIX = "latent:"
DUPLICATE_ID_MARK = "#"
"""Joins a repeated id and its number: the second ``wire`` is read as ``wire#2``."""
_DIGIT = re.compile(r"\d")
# ``"\x00" in text`` is slow on texts with non-Latin-1 characters (CPython scans for a
# zero byte, which every ASCII character of a 2-byte string holds): a regex is 3x faster.
_NUL = re.compile("\x00")
_USUAL_TEXT_FIELDS = ("body", "content", "article", "full_text", "maintext", "story", "raw_text")
_NUL_SKIP_FRACTION = 0.01
_CONTROL_SKIP_FRACTION = 0.05
_SNIFF_BYTES = 8192
_MAGIC = {
    b"\x89PNG\r\n\x1a\n": "PNG image",
    b"\xff\xd8\xff": "JPEG image",
    b"GIF87a": "GIF image",
    b"GIF89a": "GIF image",
    b"%PDF-": "PDF document",
    b"PK\x03\x04": "ZIP archive (or .docx/.xlsx)",
    b"\x1f\x8b": "gzip archive",
    b"\x7fELF": "ELF executable",
    b"PAR1": "Parquet file",
    b"SQLite format 3\x00": "SQLite database",
}
# Bytes that do not occur in text: C0 controls other than tab, newlines, form feed and
# escape, plus DEL. NUL is counted apart (see _nul_problem).
_CONTROL_BYTES = bytes(b for b in [*range(1, 32), 127] if b not in b"\t\n\v\f\r\x1b")


@dataclass(frozen=True)
class InputStatus:
    """One input of a corpus, loaded or skipped, as the ``documents`` table lists it.

    ``status`` is ``"ok"``, ``"warning"`` (loaded with a caveat) or ``"skipped"``;
    ``problem`` holds the problem messages (joined by ``"; "``), empty when ``ok``;
    ``chars`` is the length of the loaded text (0 when skipped).
    """

    id: str
    origin: str
    status: Status
    problem: str = ""
    chars: int = 0


@dataclass(frozen=True)
class Corpus:
    """Documents read from a source, with the problems met on the way.

    ``documents`` are the loaded documents in input order; ``problems`` the skipped
    inputs (``status="skipped"``) and the caveats on loaded ones (``status="warning"``),
    in input order. ``inputs`` lists every input once, in input order; it is filled from
    ``documents`` and ``problems`` when not given.

    Examples
    --------
    >>> corpus = load_corpus(["one text", "another"])
    >>> corpus.usable, corpus.texts
    (True, ('one text', 'another'))
    """

    documents: tuple[Document, ...]
    problems: tuple[Problem, ...] = ()
    inputs: tuple[InputStatus, ...] = field(default=(), repr=False)

    def __post_init__(self) -> None:
        if not self.inputs and (self.documents or self.problems):
            object.__setattr__(self, "inputs", _statuses(self.documents, self.problems))

    @property
    def usable(self) -> bool:
        """Whether at least one document was loaded."""
        return bool(self.documents)

    @property
    def ids(self) -> tuple[str, ...]:
        """Document ids in input order."""
        return tuple(document.id for document in self.documents)

    @property
    def texts(self) -> tuple[str, ...]:
        """Document texts in input order."""
        return tuple(document.text for document in self.documents)

    @property
    def skipped(self) -> tuple[Problem, ...]:
        """The problems of skipped inputs, in input order."""
        return tuple(problem for problem in self.problems if problem.status == "skipped")

    @classmethod
    def concat(cls, parts: Iterable[Corpus]) -> Corpus:
        """Join corpora (e.g. the shards of :func:`iter_corpus_shards`) in order.

        Ids are not checked again: shards of one source already have unique ids.

        Examples
        --------
        >>> a, b = load_corpus(["x"]), load_corpus(["y"])
        >>> Corpus.concat([a, b]).texts
        ('x', 'y')
        """
        parts = list(parts)
        return cls(
            documents=tuple(doc for part in parts for doc in part.documents),
            problems=tuple(problem for part in parts for problem in part.problems),
            inputs=tuple(entry for part in parts for entry in part.inputs),
        )


CorpusSource = str | os.PathLike | pd.DataFrame | pd.Series | Sequence[object] | Corpus
"""What :func:`load_corpus` reads: a path, a DataFrame, a Series, a list of texts, a Corpus."""


@dataclass(frozen=True)
class _Options:
    id_column: str
    text_column: str
    date_column: str
    encoding_fallback: str | None
    batch_size: int
    id_prefix: str = ""
    """Put before the position of a record that has no id (see ``load_corpus``)."""
    alerts: list[str] = field(default_factory=list)
    """Messages for :class:`LineageWarning`, raised by the public functions."""


class _Where(NamedTuple):
    """Where one input sits: a file or record label, and a 1-based line when there is one."""

    origin: str
    line: int | None = None

    @property
    def label(self) -> str:
        return self.origin if self.line is None else f"{self.origin}:{self.line}"


@dataclass(slots=True)
class _Item:
    """One input in input order: a document (with its warnings) or a skip."""

    where: _Where
    id: str
    document: Document | None = None
    warnings: list[str] = field(default_factory=list)
    skip: str = ""

    def problems(self) -> list[Problem]:
        where = self.where
        if self.document is None:
            return [Problem(self.id, where.origin, self.skip, "skipped", where.line)]
        return [
            Problem(self.id, where.origin, text, "warning", where.line) for text in self.warnings
        ]


def load_corpus(
    source: CorpusSource,
    *,
    id_column: str = "id",
    text_column: str = "text",
    date_column: str = "date",
    encoding_fallback: str | None = "cp1252",
    id_prefix: str = "",
) -> Corpus:
    """Read every document of ``source``, skipping bad inputs with a problem each.

    Parameters
    ----------
    source
        A folder (every ``.txt``/``.md`` file below it, in sorted path order; the id is
        the file name without extension, or the relative path where names repeat), a
        ``.txt``/``.md`` file, a JSONL (``.jsonl``/``.ndjson``), CSV (``.csv``/``.tsv``)
        or Parquet (``.parquet``/``.pq``) file (JSONL and CSV may be gzipped, ``.gz``),
        a pandas DataFrame, a pandas Series (index as ids), a list of strings (ids
        ``"0"``, ``"1"``, ...) or a :class:`Corpus` (returned as is).
    id_column
        Column (or JSON field) holding the document id. Without it, a DataFrame's index
        labels, else the 0-based record position, are the ids.
    text_column
        Column (or JSON field) holding the text.
    date_column
        Column holding the publication date, kept as ``meta["date"]`` (an ISO 8601
        string where the value is understood).
    encoding_fallback
        Codec tried where a file is not valid UTF-8 (with a :class:`LineageWarning` and a
        warning problem), or ``None`` to skip such files instead.
    id_prefix
        Put before the record position where a record has no id (``"part-7:"`` gives
        ``"part-7:0"``, ...). In a folder of table shards each file's stem and ``":"``
        are added, so that ids stay unique across the files (see :func:`folder_shards`).

    Returns
    -------
    Corpus
        Documents in input order, every other column of a table kept in
        ``Document.meta``; skipped inputs only as problems. When every input is
        skipped the corpus is returned all the same (``Corpus.usable`` is false).

    Raises
    ------
    CorpusError
        When the path does not exist, is of an unsupported type, or is a folder with no
        text files.
    ParameterError
        When an option is of the wrong kind.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"id": [7, 8], "text": ["a wire story", "a rewrite"],
    ...                       "outlet": ["Reuters", "AA"], "date": ["2025-05-15", None]})
    >>> corpus = load_corpus(frame)
    >>> corpus.documents[0].id, dict(corpus.documents[0].meta)
    ('7', {'outlet': 'Reuters', 'date': '2025-05-15'})
    """
    if isinstance(source, Corpus):
        return source
    options = _options(id_column, text_column, date_column, encoding_fallback, 10_000, id_prefix)
    corpus = Corpus.concat(_shards(_items(source, options), shard_size=sys.maxsize))
    _raise_alerts(options.alerts)
    logger.info(
        "loaded %d documents from %s (%d skipped, %d warnings)",
        len(corpus.documents),
        _describe(source),
        len(corpus.skipped),
        len(corpus.problems) - len(corpus.skipped),
    )
    return corpus


def iter_corpus_shards(
    source: CorpusSource,
    *,
    shard_size: int = 10_000,
    id_column: str = "id",
    text_column: str = "text",
    date_column: str = "date",
    encoding_fallback: str | None = "cp1252",
    id_prefix: str = "",
) -> Iterator[Corpus]:
    """Read ``source`` as a stream of corpora of at most ``shard_size`` inputs each.

    JSONL and CSV files are read line by line and Parquet files batch by batch, so
    memory stays bounded by the shard size (plus one id per document, kept to find
    duplicates across shards). The shards joined with :meth:`Corpus.concat` equal
    :func:`load_corpus` on the same source.

    Parameters
    ----------
    source
        As for :func:`load_corpus`.
    shard_size
        Most inputs (documents and skipped inputs) per shard.
    id_column, text_column, date_column, encoding_fallback, id_prefix
        As for :func:`load_corpus`.

    Returns
    -------
    Iterator[Corpus]
        The shards in input order; each one's ``inputs`` cover the inputs it read.
        Errors about the source as a whole (:class:`CorpusError`,
        :class:`ParameterError`) are raised at once, before the first shard.

    Examples
    --------
    >>> [shard.ids for shard in iter_corpus_shards(["a", "b", "c"], shard_size=2)]
    [('0', '1'), ('2',)]
    """
    shard_size = check_positive_int("shard_size", shard_size)
    options = _options(
        id_column, text_column, date_column, encoding_fallback, shard_size, id_prefix
    )
    if isinstance(source, Corpus):
        return iter([source])
    return _alerting_shards(_items(source, options), options, shard_size)


def _alerting_shards(
    items: Iterator[_Item], options: _Options, shard_size: int
) -> Iterator[Corpus]:
    """Yield the shards, raising the warnings of each before it is handed over."""
    for shard in _shards(items, shard_size=shard_size):
        _raise_alerts(options.alerts)
        yield shard


def _raise_alerts(alerts: list[str], *, most: int = 10) -> None:
    """Raise a :class:`LineageWarning` per message (at most ``most``, then a count)."""
    for message in alerts[:most]:
        warnings.warn(message, LineageWarning, stacklevel=3)
    if len(alerts) > most:
        warnings.warn(
            f"{len(alerts) - most} more inputs were decoded with the fallback encoding; "
            "see the corpus problems",
            LineageWarning,
            stacklevel=3,
        )
    alerts.clear()


def _options(
    id_column: str,
    text_column: str,
    date_column: str,
    encoding_fallback: str | None,
    batch_size: int,
    id_prefix: str,
) -> _Options:
    for name, value in [
        ("id_column", id_column),
        ("text_column", text_column),
        ("date_column", date_column),
    ]:
        if not isinstance(value, str) or not value:
            raise ParameterError(f"{name!r} must be a non-empty string (got {shorten(value)})")
    if not isinstance(id_prefix, str):
        raise ParameterError(f"'id_prefix' must be a string (got {shorten(id_prefix)})")
    if id_column == text_column:
        raise ParameterError(
            f"'id_column' and 'text_column' must differ (both are {shorten(id_column)})"
        )
    if encoding_fallback is not None:
        try:
            codecs.lookup(encoding_fallback)
        except (LookupError, TypeError):
            raise ParameterError(
                "'encoding_fallback' must be a codec name such as 'cp1252' or 'latin-1', "
                f"or None (got {shorten(encoding_fallback)})"
            ) from None
    return _Options(id_column, text_column, date_column, encoding_fallback, batch_size, id_prefix)


def _shards(items: Iterator[_Item], *, shard_size: int) -> Iterator[Corpus]:
    """Group the id-checked ``items`` into corpora of ``shard_size`` inputs."""
    shard: list[_Item] = []
    for item in _unique_ids(items):
        shard.append(item)
        if len(shard) >= shard_size:
            yield _corpus(shard)
            shard = []
    if shard:
        yield _corpus(shard)


def _corpus(items: list[_Item]) -> Corpus:
    documents = tuple(item.document for item in items if item.document is not None)
    problems = tuple(problem for item in items for problem in item.problems())
    inputs = tuple(
        InputStatus(
            id=item.id,
            origin=item.where.label,
            status="skipped" if item.document is None else "warning" if item.warnings else "ok",
            problem=item.skip or "; ".join(item.warnings),
            chars=0 if item.document is None else len(item.document.text),
        )
        for item in items
    )
    return Corpus(documents, problems, inputs)


def _statuses(
    documents: Sequence[Document], problems: Sequence[Problem]
) -> tuple[InputStatus, ...]:
    """List documents, then skipped problems, for a corpus built by hand."""
    warned: dict[str, list[str]] = {}
    for problem in problems:
        if problem.status == "warning":
            warned.setdefault(problem.id, []).append(problem.message)
    loaded = [
        InputStatus(
            doc.id,
            doc.origin,
            "warning" if doc.id in warned else "ok",
            "; ".join(warned.get(doc.id, [])),
            len(doc.text),
        )
        for doc in documents
    ]
    skipped = [
        InputStatus(p.id, _Where(p.origin, p.line).label, "skipped", p.message)
        for p in problems
        if p.status == "skipped"
    ]
    return tuple(loaded + skipped)


def fresh_id(doc_id: str, taken: Container[str]) -> str:
    """Return the id a repeat of ``doc_id`` gets: ``doc_id#2``, else ``#3``... not in ``taken``.

    The first document with an id keeps it; each later one gets the next free suffix, so
    no document is lost and the rule gives the same ids on every run of the same input.

    Examples
    --------
    >>> fresh_id("wire", {"wire"}), fresh_id("wire", {"wire", "wire#2"})
    ('wire#2', 'wire#3')
    """
    number = 2
    while f"{doc_id}{DUPLICATE_ID_MARK}{number}" in taken:
        number += 1
    return f"{doc_id}{DUPLICATE_ID_MARK}{number}"


def duplicate_id_message(doc_id: str, new_id: str, first_origin: str) -> str:
    """Say that ``doc_id`` was already used at ``first_origin`` and is read as ``new_id``."""
    return (
        f"duplicate id {doc_id!r}: already used by {first_origin}; loaded as {new_id!r} "
        "(give each record its own id to choose the names)"
    )


def _unique_ids(items: Iterable[_Item]) -> Iterator[_Item]:
    """Give a repeated id the next free ``#N`` suffix (with a warning); skip reserved ids."""
    first_origin: dict[str, str] = {}
    for item in items:
        if item.document is not None:
            if item.id.startswith(_RESERVED_ID_PREFIX):
                item = _skip(
                    item.where,
                    item.id,
                    f"id {item.id!r} starts with {_RESERVED_ID_PREFIX!r}, which is reserved "
                    "for latent sources; rename it",
                )
            elif item.id in first_origin:
                new_id = fresh_id(item.id, first_origin)
                note = duplicate_id_message(item.id, new_id, first_origin[item.id])
                item = _Item(
                    item.where,
                    new_id,
                    document=replace(item.document, id=new_id),
                    warnings=[*item.warnings, note],
                )
                first_origin[new_id] = item.where.label
            else:
                first_origin[item.id] = item.where.label
        if item.document is None:
            logger.info("skipped %s: %s", item.where.label, item.skip)
        yield item


def _skip(where: _Where, item_id: str | None, message: str) -> _Item:
    return _Item(where, item_id if item_id is not None else where.label, skip=message)


def _describe(source: object) -> str:
    if isinstance(source, (str, os.PathLike)):
        return str(source)
    return type(source).__name__


# --------------------------------------------------------------------------- dispatch


def _items(source: object, options: _Options) -> Iterator[_Item]:
    """Return an iterator of one item per input of ``source``, in input order.

    Errors about the source as a whole (its type, a missing path, an empty folder) are
    raised here at once; problems with single inputs come out as skipped items.
    """
    if isinstance(source, pd.DataFrame):
        return _frame_items(source, options, "DataFrame")
    if isinstance(source, pd.Series):
        texts = source.to_numpy(dtype=object)
        frame = pd.DataFrame({options.text_column: texts}, index=source.index)
        return _frame_items(frame, options, "Series")
    if isinstance(source, (str, os.PathLike)):
        return _path_items(Path(source), options)
    if isinstance(source, (list, tuple)):
        return (
            _record_item({options.text_column: value}, _Where(f"list item {n}"), str(n), options)
            for n, value in enumerate(source)
        )
    raise ParameterError(
        "'source' must be a path, a pandas DataFrame or Series, or a list of strings "
        f"(got {type(source).__name__})"
    )


def _check_exists(path: Path) -> None:
    """Raise :class:`CorpusError` naming ``path`` when it does not exist."""
    if not path.exists():
        hint = ""
        if "\n" in str(path) or len(str(path)) > 200:
            hint = "; to load texts directly, pass a list of strings"
        raise CorpusError(f"corpus path does not exist: {shorten(str(path), 120)}{hint}")


def _path_items(path: Path, options: _Options) -> Iterator[_Item]:
    """Return the item iterator for a folder or file, by its suffix."""
    _check_exists(path)
    if path.is_dir():
        return _folder_items(path, options)
    not_regular = _not_regular(path)
    if not_regular:
        raise CorpusError(f"cannot read {str(path)!r}: it is {not_regular}, not a file")
    kind, compressed = _suffix_kind(path)
    if kind in TEXT_SUFFIXES and not compressed:
        return iter([_text_file_item(path, path.stem, options)])
    if _is_table(path):
        return _table_items(path, options)
    raise CorpusError(
        f"cannot read {str(path)!r}: unsupported file type "
        f"{''.join(path.suffixes) or '(no suffix)'}; "
        "give a folder of .txt/.md files, a .txt, .md, .jsonl, .csv, .tsv or .parquet file"
    )


def _suffix_kind(path: Path) -> tuple[str, bool]:
    """Return the lower-case format suffix (under a ``.gz``) and whether it is gzipped."""
    suffixes = [suffix.lower() for suffix in path.suffixes[-2:]]
    compressed = bool(suffixes) and suffixes[-1] == ".gz"
    if compressed:
        return (suffixes[0] if len(suffixes) == 2 else ""), True
    return (suffixes[-1] if suffixes else ""), False


def _is_table(path: Path) -> bool:
    kind, compressed = _suffix_kind(path)
    streams = (*_JSONL_SUFFIXES, *_CSV_DELIMITERS)
    return kind in streams or (kind in _PARQUET_SUFFIXES and not compressed)


def _table_items(path: Path, options: _Options) -> Iterator[_Item]:
    kind, compressed = _suffix_kind(path)
    if kind in _JSONL_SUFFIXES:
        return _jsonl_items(path, options, compressed=compressed)
    if kind in _CSV_DELIMITERS:
        return _csv_items(path, options, _CSV_DELIMITERS[kind], compressed=compressed)
    return _parquet_items(path, options)


# ----------------------------------------------------------------------------- folders


def _folder_items(root: Path, options: _Options) -> Iterator[_Item]:
    """Return the item iterator over the files below ``root`` (checked at once).

    A folder with ``.txt``/``.md`` files is read as one document per file. A folder with
    none but with table files (JSONL, CSV, Parquet: the shards of a large corpus) is read
    as those tables one after the other; there, a record without an id column gets
    ``"<file stem>:<position>"`` so that ids stay unique across shards. A subfolder that
    cannot be listed (no permission, a symbolic link loop) is a skipped input of its own.
    """
    texts, tables, others, failed = _scan_folder(root)
    folder_problems = [
        _skip(_Where(str(root.joinpath(*relative.parts))), relative.as_posix(), message)
        for relative, message in failed
    ]
    if texts:
        if tables or others:
            logger.info("ignored %d non-text files under %s", len(tables) + len(others), root)
        files = (
            _text_file_item(root.joinpath(*relative.parts), doc_id, options)
            for relative, doc_id in zip(texts, _folder_ids(texts), strict=True)
        )
        return itertools.chain(files, folder_problems)
    if tables:
        if others:
            logger.info("ignored %d other files under %s", len(others), root)
        return itertools.chain(_table_folder_items(root, tables, options), folder_problems)
    if failed:
        relative, message = failed[0]
        raise CorpusError(
            f"nothing readable in folder {str(root)!r}: "
            f"{str(root.joinpath(*relative.parts))!r} {message}"
        )
    found = ", ".join(sorted(others)[:5]) or "nothing"
    raise CorpusError(
        f"folder {str(root)!r} has no .txt, .md or table (.jsonl, .csv, .parquet) files "
        f"(found: {found})"
    )


def _table_folder_items(root: Path, tables: list[Path], options: _Options) -> Iterator[_Item]:
    for path, prefix in _shard_prefixes(root, tables):
        yield from _table_items(path, replace(options, id_prefix=options.id_prefix + prefix))


def folder_shards(source: object) -> list[tuple[Path, str]]:
    """List the table files of a folder of shards, each with the id prefix it is read with.

    This is how :func:`load_corpus` reads such a folder, file after file: reading each
    file with ``load_corpus(path, id_prefix=prefix)`` (e.g. one file per worker) gives
    the same documents and ids. The folder of text files and any other source give
    ``[]``.

    Parameters
    ----------
    source
        Any corpus source.

    Returns
    -------
    list of (Path, str)
        The JSONL, CSV and Parquet files below ``source`` in sorted path order, and
        ``"<file stem>:"`` for each (the relative path where stems repeat).

    Examples
    --------
    >>> folder_shards(["not a folder"])
    []
    """
    if not isinstance(source, (str, os.PathLike)) or not Path(source).is_dir():
        return []
    texts, tables, _, _ = _scan_folder(Path(source))
    return [] if texts else _shard_prefixes(Path(source), tables)


def _shard_prefixes(root: Path, tables: list[Path]) -> list[tuple[Path, str]]:
    names = _folder_ids(tables)
    return [
        (root.joinpath(*relative.parts), f"{name}:")
        for relative, name in zip(tables, names, strict=True)
    ]


def _scan_folder(
    root: Path,
) -> tuple[list[Path], list[Path], list[str], list[tuple[Path, str]]]:
    """List what lies below ``root``, as paths relative to it.

    Returns the text files and the table files (sorted), the other files, and the
    subfolders that could not be listed, each with why. Hidden files and folders (a
    leading dot, e.g. ``.ipynb_checkpoints``) are left out.
    Symbolic links to folders are followed, each real folder once.
    """
    texts: list[Path] = []
    tables: list[Path] = []
    others: list[str] = []
    failed: list[tuple[Path, str]] = []
    seen: set[str] = set()

    def unlisted(error: OSError) -> None:
        place = Path(error.filename or root)
        failed.append((place.relative_to(root), _unlistable(error)))

    for directory, subdirs, names in os.walk(root, onerror=unlisted, followlinks=True):
        real = os.path.realpath(directory)
        if real in seen:  # a link back to a folder already read
            subdirs[:] = []
            failed.append(
                (Path(directory).relative_to(root), "is a link to a folder already read; skipped")
            )
            continue
        seen.add(real)
        subdirs[:] = sorted(name for name in subdirs if not name.startswith("."))
        for name in names:
            if name.startswith("."):
                continue
            relative = Path(directory, name).relative_to(root)
            if Path(name).suffix.lower() in TEXT_SUFFIXES:
                texts.append(relative)
            elif _is_table(relative):
                tables.append(relative)
            else:
                others.append(relative.as_posix())
    texts.sort(key=lambda rel: rel.parts)
    tables.sort(key=lambda rel: rel.parts)
    failed.sort(key=lambda pair: pair[0].parts)
    return texts, tables, others, failed


def _unlistable(error: OSError) -> str:
    reason = error.strerror or str(error)
    return f"folder could not be read ({reason}); the files in it are not in the corpus"


def _folder_ids(files: Sequence[Path]) -> list[str]:
    """File stems as ids; relative paths where stems repeat (with suffix if still needed)."""
    stems = Counter(_stem(rel) for rel in files)
    bare = Counter(rel.parent.joinpath(_stem(rel)).as_posix() for rel in files)
    ids = []
    for rel in files:
        bare_id = rel.parent.joinpath(_stem(rel)).as_posix()
        if bare[bare_id] > 1:
            ids.append(rel.as_posix())
        else:
            ids.append(bare_id if stems[_stem(rel)] > 1 else _stem(rel))
    return ids


def _stem(path: Path) -> str:
    """Return the file name without its format suffix (and without ``.gz``)."""
    name = path.name
    if name.lower().endswith(".gz"):
        name = name[:-3]
    return Path(name).stem


def _text_file_item(path: Path, doc_id: str, options: _Options) -> _Item:
    where = _Where(str(path))
    try:
        kind = _not_regular(path)
        if kind:
            return _skip(where, doc_id, f"not a regular file ({kind}); not read")
        data = path.read_bytes()
    except OSError as error:
        reason = error.strerror or str(error)
        if path.is_symlink() and not path.exists():
            reason = f"a broken symbolic link to {os.readlink(path)!r}"
        return _skip(where, doc_id, f"could not be read ({reason})")
    if not data:
        return _skip(where, doc_id, "empty file (0 bytes)")
    binary = _binary_kind(data)
    if binary:
        return _skip(where, doc_id, f"not a text file ({binary})")
    text, notes, failure = _decode(data, where, options)
    if failure:
        return _skip(where, doc_id, failure)
    return _text_item(text, where, doc_id, head_date(text), notes, subject="file")


_HEAD_DATE = re.compile(
    r"\s*(?:(?:date|dated|published|updated)\s*:?\s*)?"
    r"(?P<iso>\d{4}-\d{2}-\d{2})(?![\d-])"
    r"|\s*(?:(?:date|dated|published|updated)\s*:?\s*)?"
    r"(?P<words>\d{1,2} [A-Z][a-z]+ \d{4}|[A-Z][a-z]+ \d{1,2},? \d{4})\b",
    re.IGNORECASE,
)
_MONTHS = {m.lower(): n for n, m in enumerate(calendar.month_name) if m} | {
    m.lower(): n for n, m in enumerate(calendar.month_abbr) if m
}


def head_date(text: str) -> dict[str, str]:
    """Return ``{"date": ISO date}`` when ``text`` opens with an unambiguous date, else ``{}``.

    Scraped articles often start with a date line (``date 2025-05-15 Russia's ...``). Only
    a date at the very start counts, and only where it cannot be misread: ISO 8601
    (``2025-05-15``) or a month by name (``15 May 2025``, ``May 15, 2025``), optionally
    after ``date``, ``published`` or ``updated``. ``05/06/2025`` is left alone (May or
    June?).

    Examples
    --------
    >>> head_date(" date 2025-05-15 Russia's Vladimir Putin spurned a challenge")
    {'date': '2025-05-15'}
    >>> head_date("Published: May 15, 2025. Talks in Istanbul"), head_date("05/06/2025 Talks")
    ({'date': '2025-05-15'}, {})
    """
    found = _HEAD_DATE.match(text[:60])
    if found is None:
        return {}
    try:
        if found["iso"]:
            return {"date": dt.date.fromisoformat(found["iso"]).isoformat()}
        parts = found["words"].replace(",", "").split()
        day, month, year = (parts[0], parts[1], parts[2])
        if not day.isdigit():
            day, month = month, day
        number = _MONTHS.get(month.lower())
        if number is None:
            return {}
        return {"date": dt.date(int(year), number, int(day)).isoformat()}
    except ValueError:
        return {}


def read_metadata(source: str | os.PathLike | pd.DataFrame) -> dict[str, dict[str, object]]:
    """Read a metadata side file (CSV, JSONL or Parquet) into ``{id: {column: value}}``.

    The file has an ``id`` column naming documents of the corpus, and any of ``date``,
    ``outlet``, ``title`` (other columns are kept too). Dates are turned into ISO 8601
    where they are understood; empty cells are left out.

    Raises
    ------
    CorpusError
        When the file cannot be read or has no ``id`` column.

    Examples
    --------
    >>> frame = pd.DataFrame({"id": ["001"], "date": ["15 May 2025"], "outlet": ["Reuters"]})
    >>> read_metadata(frame)
    {'001': {'date': '2025-05-15', 'outlet': 'Reuters'}}
    """
    if isinstance(source, pd.DataFrame):
        frame = source.astype(object)
    else:
        path = Path(source)
        kind, _ = _suffix_kind(path)
        try:
            if kind in _JSONL_SUFFIXES:
                frame = pd.read_json(path, lines=True, dtype=False)
            elif kind in _PARQUET_SUFFIXES:
                frame = pd.read_parquet(path)
            else:
                delimiter = "\t" if kind == ".tsv" else ","
                frame = pd.read_csv(path, dtype=str, keep_default_na=False, sep=delimiter)
        except (OSError, ValueError, pd.errors.ParserError) as error:
            raise CorpusError(f"cannot read the metadata file {str(path)!r}: {error}") from None
    if "id" not in frame.columns:
        columns = ", ".join(map(str, frame.columns)) or "none"
        raise CorpusError(f"the metadata has no 'id' column (columns: {columns})")
    metadata: dict[str, dict[str, object]] = {}
    for record in frame.to_dict("records"):
        doc_id = _coerce_id(record.pop("id"))
        if doc_id is None:
            continue
        values = {str(key): _plain(value) for key, value in record.items()}
        values = {key: value for key, value in values.items() if value is not None}
        if "date" in values:
            values["date"] = _iso_date(values["date"])[0]
        metadata[doc_id] = values
    return metadata


def with_metadata(corpus: Corpus, metadata: Mapping[str, Mapping[str, object]]) -> Corpus:
    """Return ``corpus`` with each document's ``meta`` updated from ``metadata`` (by id).

    The side file wins over a date found in the text. Ids of ``metadata`` that name no
    document raise one :class:`LineageWarning`.

    Examples
    --------
    >>> corpus = with_metadata(load_corpus(["a text"]), {"0": {"outlet": "AA"}})
    >>> dict(corpus.documents[0].meta)
    {'outlet': 'AA'}
    """
    documents = tuple(
        replace(doc, meta={**doc.meta, **metadata[doc.id]}) if doc.id in metadata else doc
        for doc in corpus.documents
    )
    unknown = sorted(set(metadata) - {doc.id for doc in documents})
    if unknown:
        shown = ", ".join(map(repr, unknown[:5])) + (" ..." if len(unknown) > 5 else "")
        message = f"the metadata names {len(unknown)} ids not in the corpus: {shown}"
        logger.warning(message)
        warnings.warn(message, LineageWarning, stacklevel=2)
    return Corpus(documents, corpus.problems, corpus.inputs)


def _not_regular(path: Path) -> str:
    """Name what ``path`` is when it is not a regular file (reading a FIFO would block)."""
    mode = path.stat().st_mode
    kinds = [
        (stat.S_ISFIFO, "a named pipe"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISDIR, "a folder"),
    ]
    return next((name for test, name in kinds if test(mode)), "")


# --------------------------------------------------------------------------- decoding


def _binary_kind(data: bytes) -> str:
    """Name the kind of a binary file from its signature or its control bytes, else ``""``."""
    for magic, name in _MAGIC.items():
        if data.startswith(magic):
            return f"{name} signature"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return ""
    head = data[:_SNIFF_BYTES]
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    if controls > _CONTROL_SKIP_FRACTION * len(head):
        share = f"{controls / len(head):.0%} control bytes in its first {len(head)} bytes"
        return f"{share}: binary, or text in a garbled encoding"
    return ""


def _decode(data: bytes, where: _Where, options: _Options) -> tuple[str, list[str], str]:
    """Decode file bytes: BOM, else UTF-8, else the fallback codec.

    Returns the text, warning messages and a failure message (empty unless skipped).
    """
    for bom, codec in [
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ]:
        if data.startswith(bom):
            try:
                return data.decode(codec), [], ""
            except UnicodeDecodeError as error:
                return (
                    "",
                    [],
                    f"starts with a {codec} byte-order mark but is not valid {codec} "
                    f"({error.reason})",
                )
    try:
        return data.decode("utf-8"), [], ""
    except UnicodeDecodeError as error:
        text, message = _fallback(data, error, options)
    if not text:
        return "", [], message
    options.alerts.append(f"{where.label}: {message}")
    return text, [message], ""


def _fallback(data: bytes, error: UnicodeDecodeError, options: _Options) -> tuple[str, str]:
    """Decode with the fallback codec where UTF-8 fails; return the text and the message.

    A UTF-8 text with a few stray bytes of the fallback codec (scraped text often has
    some) keeps its UTF-8 characters and only those bytes are decoded with the codec;
    a text mostly in the fallback codec is decoded with it throughout. The text is
    ``""`` when no fallback is allowed.
    """
    bad = f"byte 0x{data[error.start]:02x} at offset {error.start}"
    codec = options.encoding_fallback
    if codec is None:
        return "", (
            f"not valid UTF-8 ({bad}); pass encoding_fallback='cp1252' (or the real "
            "encoding) to read it"
        )
    text, stray, utf8_extra = _decode_mixed(data, codec)
    if utf8_extra >= stray:
        plural = "s" if stray > 1 else ""
        how = f"decoded the {stray} non-UTF-8 byte{plural} as {codec}, the rest as UTF-8"
    else:
        text, how = data.decode(codec, errors="replace"), f"decoded as {codec}"
    message = (
        f"not valid UTF-8 ({bad}); {how}; pass encoding_fallback=... "
        "(e.g. 'latin-1', 'cp1251') if that is wrong"
    )
    return text, message


def _decode_mixed(data: bytes, codec: str) -> tuple[str, int, int]:
    """Decode UTF-8, and with ``codec`` the bytes that are not UTF-8.

    Returns the text, the number of bytes decoded with ``codec`` and the number of
    bytes beyond one per character in the UTF-8 parts (how much real UTF-8 there is).

    Examples
    --------
    >>> _decode_mixed("Zelensky’s ".encode() + "’94".encode("cp1252"), "cp1252")
    ('Zelensky’s ’94', 1, 2)
    """
    view = memoryview(data)
    parts: list[str] = []
    position = stray = utf8_extra = 0
    while True:
        try:
            utf8 = str(view[position:], "utf-8")
            bad_start = bad_end = len(data)
        except UnicodeDecodeError as error:
            bad_start, bad_end = position + error.start, position + error.end
            utf8 = str(view[position:bad_start], "utf-8")
        parts.append(utf8)
        utf8_extra += (bad_start - position) - len(utf8)
        if bad_start == len(data):
            return "".join(parts), stray, utf8_extra
        parts.append(str(view[bad_start:bad_end], codec, "replace"))
        stray += bad_end - bad_start
        position = bad_end


class _LineDecoder:
    """Decode the lines of one file: UTF-8 (BOM stripped on line 1), else the fallback.

    The first line that needs the fallback raises one :class:`LineageWarning` for the
    file; every such line gets its own warning problem.
    """

    def __init__(self, origin: str, options: _Options) -> None:
        self.origin = origin
        self.options = options
        self.warned = False

    def decode(self, raw: bytes, line: int) -> tuple[str, str, str]:
        """Return the line's text, a warning and a failure message (each possibly empty)."""
        if line == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8) :]
        try:
            return raw.decode("utf-8"), "", ""
        except UnicodeDecodeError as error:
            text, message = _fallback(raw, error, self.options)
        if not text:
            return raw.decode("utf-8", errors="replace"), "", message
        if not self.warned:
            self.warned = True
            self.options.alerts.append(
                f"{self.origin}:{line}: {message} (later such lines of this file are "
                "listed as problems only)"
            )
        return text, message, ""


def _nul_problem(text: str) -> tuple[str, str, str]:
    """Handle NUL characters: strip a few (warning) or skip a NUL-riddled text.

    Returns the text, a warning and a skip message (each possibly empty).
    """
    if ("\x00" not in text) if text.isascii() else (_NUL.search(text) is None):
        return text, "", ""
    nuls = text.count("\x00")
    if nuls <= _NUL_SKIP_FRACTION * len(text):
        plural = "s" if nuls > 1 else ""
        return text.replace("\x00", ""), f"removed {nuls} NUL character{plural}", ""
    hint = ""
    if (
        min(text[0::2].count("\x00"), text[1::2].count("\x00")) < nuls * 0.05
        and nuls > len(text) / 3
    ):
        hint = "; it looks like UTF-16 without a byte-order mark: re-save it as UTF-8"
    return text, "", f"NUL-riddled: {nuls} of its {len(text)} characters are NUL, not text{hint}"


def _text_item(
    text: str,
    where: _Where,
    doc_id: str,
    meta: dict[str, object],
    notes: list[str],
    *,
    subject: str,
) -> _Item:
    """Check the text (NULs, emptiness) and make the document item.

    ``subject`` names what is empty in a message: ``"file"`` or ``"text"``.
    """
    text, nul_note, nul_skip = _nul_problem(text)
    if nul_skip:
        return _skip(where, doc_id, nul_skip)
    if not text or text.isspace():
        what = "empty" if not text else "whitespace only"
        return _skip(where, doc_id, f"{subject} is {what}")
    notes = [*notes, nul_note] if nul_note else notes
    document = Document(id=doc_id, text=text, meta=meta, origin=where.label)
    return _Item(where, doc_id, document=document, warnings=notes)


# ----------------------------------------------------------------------------- records


def _record_item(
    fields: Mapping[Any, object],
    where: _Where,
    default_id: str,
    options: _Options,
    notes: Sequence[str] = (),
) -> _Item:
    """Make an item from one table record (a JSON object, a CSV row, a DataFrame row)."""
    notes = list(notes)
    doc_id = default_id
    if options.id_column in fields:
        raw_id = fields[options.id_column]
        coerced = _coerce_id(raw_id)
        if coerced is None:
            notes.append(
                f"{options.id_column!r} is {_kind(raw_id)}; used the record position "
                f"{default_id!r} as id"
            )
        else:
            doc_id = coerced
    if options.text_column not in fields:
        keys = ", ".join(str(key) for key in fields) or "none"
        return _skip(
            where,
            doc_id,
            f"has no {options.text_column!r} field (fields: {keys}); "
            "pass text_column=... naming the field that holds the text"
            f"{_close(options.text_column, fields)}",
        )
    raw_text = fields[options.text_column]
    text, text_note, text_skip = _coerce_text(raw_text, where, options)
    if text_skip:
        return _skip(where, doc_id, text_skip)
    if text_note:
        notes.append(text_note)
    meta: dict[str, object] = {}
    for key, value in fields.items():
        if key in (options.id_column, options.text_column):
            continue
        if isinstance(key, str) and key.startswith("__index_level_"):
            continue
        plain = _plain(value)
        if plain is None:
            continue
        if key == options.date_column:
            plain, date_note = _iso_date(plain)
            if date_note:
                notes.append(date_note)
            meta["date"] = plain
        else:
            meta[str(key)] = plain
    return _text_item(text, where, doc_id, meta, notes, subject="text")


def _kind(value: object) -> str:
    if _missing(value):
        return "missing"
    if isinstance(value, str):
        return "empty"
    return f"a {type(value).__name__} ({shorten(value, 30)})"


def _missing(value: object) -> bool:
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    return isinstance(value, float) and math.isnan(value)


def _coerce_id(value: object) -> str | None:
    """Return a usable id string for ``value``, or ``None`` when it has none."""
    if isinstance(value, np.generic):
        value = value.item()
    if _missing(value) or isinstance(value, (list, dict, tuple, bytes)):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


def _coerce_text(value: object, where: _Where, options: _Options) -> tuple[str, str, str]:
    """Return the text of a record value, a warning and a skip message."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, str):
        return value, "", ""
    if _missing(value):
        return "", "", f"{options.text_column!r} is missing (null)"
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8"), "", ""
        except UnicodeDecodeError as error:
            text, message = _fallback(value, error, options)
            if text:
                options.alerts.append(f"{where.label}: {message}")
            return text, message if text else "", "" if text else message
    if isinstance(value, (bool, int, float)):
        text = str(value)
        return (
            text,
            f"{options.text_column!r} is a number ({shorten(value, 30)}); read as {text!r}",
            "",
        )
    return (
        "",
        "",
        f"{options.text_column!r} is a {type(value).__name__} ({shorten(value, 40)}), not a string",
    )


def _plain(value: object) -> object:
    """Turn a metadata value into plain JSON-friendly Python; ``None`` when missing."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, (list, tuple, dict)):
        return value
    if _missing(value) or value == "":
        return None
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return value


def _iso_date(value: object) -> tuple[object, str]:
    """Return an ISO 8601 date string for ``value`` where it is understood, and a warning.

    ISO 8601 is read directly; other strings go to pandas only when they hold a digit,
    so that words such as "now" never turn into the time of the run.
    """
    if isinstance(value, str):
        text = value.strip()
        try:
            return dt.datetime.fromisoformat(text).isoformat().removesuffix("T00:00:00"), ""
        except ValueError:
            pass
        if _DIGIT.search(text):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # pandas' "could not infer format" notes
                try:
                    stamp = pd.Timestamp(text)
                except (ValueError, TypeError, OverflowError):
                    stamp = pd.NaT
            if not pd.isna(stamp):
                return stamp.isoformat().removesuffix("T00:00:00"), ""
    return value, f"date {shorten(value, 30)} not understood; kept as is"


def _close(name: str, fields: Iterable[object]) -> str:
    """Suggest the field that likely holds the text, as a message tail (or ``""``).

    A field spelled like ``name`` (case aside) wins, else a usual name for article text.
    """
    keys = {str(key).lower(): str(key) for key in fields}
    matches = difflib.get_close_matches(name.lower(), list(keys), n=1, cutoff=0.8)
    usual = [key for key in _USUAL_TEXT_FIELDS if key in keys]
    best = matches[0] if matches else usual[0] if usual else None
    return f" (did you mean text_column={keys[best]!r}?)" if best else ""


# ------------------------------------------------------------------------------ tables


def _open_binary(path: Path, compressed: bool) -> IO[bytes]:
    return gzip.open(path, "rb") if compressed else path.open("rb")


def _jsonl_items(path: Path, options: _Options, *, compressed: bool) -> Iterator[_Item]:
    """Read a JSONL file line by line: one object per line, blank lines ignored."""
    origin = str(path)
    decoder = _LineDecoder(origin, options)
    position = 0
    line_no = 0
    try:
        with _open_binary(path, compressed) as stream:
            for line_no, raw in enumerate(stream, 1):
                if raw.isspace():
                    continue
                where = _Where(origin, line_no)
                default_id = f"{options.id_prefix}{position}"
                position += 1
                line, note, failure = decoder.decode(raw, line_no)
                record, failure = (None, failure) if failure else _parse_json_line(line)
                if failure:
                    yield _skip(where, None, failure)
                    continue
                if not isinstance(record, dict):
                    yield _skip(
                        where,
                        None,
                        f"is a JSON {_json_kind(record)}, not an object; each line must be "
                        f'one object such as {{"{options.id_column}": ..., '
                        f'"{options.text_column}": ...}}',
                    )
                    continue
                yield _record_item(record, where, default_id, options, [note] if note else [])
    except (OSError, EOFError) as error:
        yield _unreadable(origin, line_no, error)
        return
    if position == 0:
        yield _skip(_Where(origin), None, "no JSON lines in the file (empty or whitespace only)")


def _parse_json_line(line: str) -> tuple[object, str]:
    """Return the value of one JSON line and ``""``, or ``None`` and why it is not JSON."""
    try:
        return json.loads(line), ""
    except RecursionError:
        return None, "JSON nested too deeply to read"
    except json.JSONDecodeError:
        pass
    # Parse again without the line end (other than JSON's whitespace, which rstrip also
    # drops), so that a cut-off string is reported as such, not as holding a newline.
    try:
        return json.loads(line.rstrip()), ""
    except json.JSONDecodeError as error:
        reason = error.msg.rstrip(": ").removesuffix(" at")
        excerpt = shorten(line.strip(), 60)
        return None, f"not valid JSON ({reason} at column {error.colno}): {excerpt}"


def _json_kind(value: object) -> str:
    kinds = {list: "list", str: "string", bool: "boolean", int: "number", float: "number"}
    return "null" if value is None else kinds.get(type(value), type(value).__name__)


def _unreadable(origin: str, line_no: int, error: BaseException) -> _Item:
    reason = getattr(error, "strerror", None) or error
    if line_no == 0:
        return _skip(_Where(origin), None, f"could not be read ({reason})")
    return _skip(_Where(origin, line_no + 1), None, f"unreadable from this line on ({reason})")


class _CsvRecord(NamedTuple):
    """One CSV record: its first and last line, its fields (``None`` if malformed) and why."""

    first: int
    last: int
    fields: list[str] | None
    error: str = ""
    reread_after: int = 0
    """Line of the malformed record this one was read again after (0: none)."""


def _csv_records(
    lines: Iterator[tuple[int, str]], delimiter: str, reread_after: int = 0
) -> Iterator[_CsvRecord]:
    """Parse numbered lines into CSV records; never let one bad quote swallow the rest.

    A malformed record (a quote never closed, or closed in a later line before a stray
    character) is reported on its first line, and the lines it had taken after that
    one are parsed again as records of their own, so none of them vanish.
    """
    taken: list[tuple[int, str]] = []

    def feed() -> Iterator[str]:
        for number, text in lines:
            taken.append((number, text))
            yield text

    reader = csv.reader(feed(), delimiter=delimiter, strict=True)
    while True:
        taken.clear()
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            first, last = taken[0][0], taken[-1][0]
            rest = list(taken[1:])
            yield _CsvRecord(first, last, None, _csv_error(error, first, last), reread_after)
            yield from _csv_records(iter(rest), delimiter, reread_after=first)
            continue
        yield _CsvRecord(taken[0][0], taken[-1][0], fields, "", reread_after)


def _csv_error(error: csv.Error, first: int, last: int) -> str:
    """Say what is wrong with a malformed record spanning lines ``first`` to ``last``."""
    if "unexpected end of data" in str(error):
        what = "a quoted field opens on this line and is never closed"
    else:
        what = f"malformed CSV record ({error})"
        if last > first:
            what += f"; a quote opened on this line runs on to line {last}"
    if last > first:
        return f"{what}; the {last - first} lines after it are read again as rows"
    return what


def _csv_items(
    path: Path, options: _Options, delimiter: str, *, compressed: bool
) -> Iterator[_Item]:
    """Read a CSV file row by row (the header names the columns), line numbers kept."""
    origin = str(path)
    decoder = _LineDecoder(origin, options)
    notes: dict[int, str] = {}
    failures: dict[int, str] = {}

    def lines(stream: IO[bytes]) -> Iterator[tuple[int, str]]:
        for line_no, raw in enumerate(stream, 1):
            text, note, failure = decoder.decode(raw, line_no)
            if note:
                notes[line_no] = note
            if failure:
                failures[line_no] = failure
            yield line_no, text

    previous_limit = csv.field_size_limit()
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # articles can exceed the 128 KiB default
    last = 0
    try:
        with _open_binary(path, compressed) as stream:
            records = _csv_records(lines(stream), delimiter)
            header, header_line = None, 0
            for record in records:
                last = record.last
                if record.fields:
                    header, header_line = [name.strip() for name in record.fields], record.last
                    break
            if header is None:
                yield _skip(_Where(origin), None, "empty file (no header line)")
                return
            if options.text_column not in header:
                yield _skip(
                    _Where(origin),
                    None,
                    f"has no {options.text_column!r} column (columns: {', '.join(header)}); "
                    "pass text_column=... naming the column that holds the text"
                    f"{_close(options.text_column, header)}",
                )
                return
            position = 0
            for record in records:
                start, last = record.first, record.last
                if record.fields == []:
                    continue
                where = _Where(origin, start)
                default_id = f"{options.id_prefix}{position}"
                position += 1
                failed = [failures.pop(n) for n in range(start, last + 1) if n in failures]
                row_notes = [notes.pop(n) for n in range(start, last + 1) if n in notes]
                if record.reread_after:
                    row_notes.append(
                        f"read again after the malformed record of line {record.reread_after}; "
                        "check that this row is whole"
                    )
                if record.fields is None:
                    yield _skip(where, None, record.error)
                elif failed:
                    yield _skip(where, None, failed[0])
                elif len(record.fields) != len(header):
                    yield _skip(
                        where,
                        None,
                        f"has {len(record.fields)} fields where the header has {len(header)} "
                        f"(an unquoted {delimiter!r} or quote in a field?)",
                    )
                else:
                    fields = dict(zip(header, record.fields, strict=True))
                    yield _record_item(fields, where, default_id, options, row_notes[:2])
            if position == 0:
                yield _skip(
                    _Where(origin, header_line),
                    None,
                    "has a header line but no rows: nothing to read",
                )
    except (OSError, EOFError) as error:
        yield _unreadable(origin, last, error)
    finally:
        csv.field_size_limit(previous_limit)


def _parquet_items(path: Path, options: _Options) -> Iterator[_Item]:
    """Read a Parquet file batch by batch (``options.batch_size`` rows at a time)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    origin = str(path)
    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as error:
        yield _skip(_Where(origin), None, f"not a readable Parquet file ({error})")
        return
    names = parquet.schema_arrow.names
    if options.text_column not in names:
        yield _skip(
            _Where(origin),
            None,
            f"has no {options.text_column!r} column (columns: {', '.join(names)}); "
            f"pass text_column=... naming the column that holds the text"
            f"{_close(options.text_column, names)}",
        )
        return
    position = 0
    try:
        for batch in _parquet_batches(parquet, options.batch_size):
            for record in batch.to_pylist():
                where = _Where(f"{origin} row {position}")
                default_id = f"{options.id_prefix}{position}"
                yield _record_item(record, where, default_id, options)
                position += 1
    except (pa.ArrowException, OSError) as error:
        yield _skip(
            _Where(f"{origin} row {position}"),
            None,
            f"unreadable from this row on ({error})",
        )
        return
    if position == 0:
        yield _skip(_Where(origin), None, "has no rows: nothing to read")


def _parquet_batches(parquet: Any, batch_size: int) -> Iterator[Any]:
    """Yield record batches one row group at a time.

    One ``iter_batches`` over the whole file grows in memory with the file (measured:
    +70 MiB from 20k to 60k rows of 600 words, pyarrow 26); a reader per row group
    stays flat, which keeps the stream bounded.
    """
    for group in range(parquet.num_row_groups):
        yield from parquet.iter_batches(
            batch_size=batch_size, row_groups=[group], use_threads=False
        )


def _frame_items(frame: pd.DataFrame, options: _Options, name: str) -> Iterator[_Item]:
    """Read a DataFrame's rows; the index labels are the ids when no id column exists."""
    if options.text_column not in frame.columns:
        columns = ", ".join(str(column) for column in frame.columns) or "none"
        yield _skip(
            _Where(name),
            None,
            f"has no {options.text_column!r} column (columns: {columns}); "
            "pass text_column=... naming the column that holds the text"
            f"{_close(options.text_column, frame.columns)}",
        )
        return
    index_ids = options.id_column not in frame.columns
    for start in range(0, len(frame), options.batch_size):
        chunk = frame.iloc[start : start + options.batch_size]
        for offset, (label, record) in enumerate(
            zip(chunk.index, chunk.to_dict("records"), strict=True)
        ):
            position = start + offset
            default_id = (_coerce_id(label) if index_ids else None) or str(position)
            yield _record_item(record, _Where(f"{name} row {position}"), default_id, options)
