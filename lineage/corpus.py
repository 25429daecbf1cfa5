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

import codecs
import logging
import os
import sys
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from lineage.errors import (
    CorpusError,
    LineageWarning,
    ParameterError,
    check_positive_int,
    shorten,
)
from lineage.readers.dates import iso_date
from lineage.readers.folders import (
    folder_items,
    folder_shards,
    not_regular,
    text_file_item,
)
from lineage.readers.formats import (
    JSONL_SUFFIXES,
    PARQUET_SUFFIXES,
    TEXT_SUFFIXES,
    is_table,
    suffix_kind,
    table_items,
)
from lineage.readers.frames import frame_items
from lineage.readers.ids import (
    unique_ids,
)
from lineage.readers.items import Item, ReadOptions, Where
from lineage.readers.records import (
    coerce_id,
    plain_value,
    record_item,
)
from lineage.records import Document, Problem, Status

__all__ = [
    "TEXT_SUFFIXES",
    "Corpus",
    "CorpusSource",
    "InputStatus",
    "folder_shards",
    "iter_corpus_shards",
    "load_corpus",
    "read_metadata",
    "with_metadata",
]

logger = logging.getLogger(__name__)


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
    items: Iterator[Item], options: ReadOptions, shard_size: int
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


def plain_list(
    source: object, *, id_column: str = "id", text_column: str = "text"
) -> tuple[list[str], list[str]] | None:
    """Return ``(texts, ids)`` of a list of clean strings as :func:`load_corpus` reads it.

    A non-empty list or tuple of strings, none blank and none holding NUL, loads with
    positions as ids and every text as it is: this skips the per-document records. Any
    other source gives ``None`` (load it with :func:`load_corpus`). The options are
    checked as :func:`load_corpus` checks them, and the same line is logged.

    Examples
    --------
    >>> plain_list(["a wire story", "a rewrite"])
    (['a wire story', 'a rewrite'], ['0', '1'])
    >>> plain_list(["a wire story", " "]) is None
    True
    """
    _options(id_column, text_column, "date", None, 10_000, "")
    if not isinstance(source, (list, tuple)) or not source:
        return None
    if not all(
        type(text) is str and text and not text.isspace() and "\x00" not in text for text in source
    ):
        return None
    logger.info(
        "loaded %d documents from %s (0 skipped, 0 warnings)", len(source), _describe(source)
    )
    return list(source), [str(position) for position in range(len(source))]


def _options(
    id_column: str,
    text_column: str,
    date_column: str,
    encoding_fallback: str | None,
    batch_size: int,
    id_prefix: str,
) -> ReadOptions:
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
    return ReadOptions(
        id_column, text_column, date_column, encoding_fallback, batch_size, id_prefix
    )


def _shards(items: Iterator[Item], *, shard_size: int) -> Iterator[Corpus]:
    """Group the id-checked ``items`` into corpora of ``shard_size`` inputs."""
    shard: list[Item] = []
    for item in unique_ids(items):
        shard.append(item)
        if len(shard) >= shard_size:
            yield _corpus(shard)
            shard = []
    if shard:
        yield _corpus(shard)


def _corpus(items: list[Item]) -> Corpus:
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
        InputStatus(p.id, Where(p.origin, p.line).label, "skipped", p.message)
        for p in problems
        if p.status == "skipped"
    ]
    return tuple(loaded + skipped)


def _describe(source: object) -> str:
    if isinstance(source, (str, os.PathLike)):
        return str(source)
    return type(source).__name__


# --------------------------------------------------------------------------- dispatch


def _items(source: object, options: ReadOptions) -> Iterator[Item]:
    """Return an iterator of one item per input of ``source``, in input order.

    Errors about the source as a whole (its type, a missing path, an empty folder) are
    raised here at once; problems with single inputs come out as skipped items.
    """
    if isinstance(source, pd.DataFrame):
        return frame_items(source, options, "DataFrame")
    if isinstance(source, pd.Series):
        texts = source.to_numpy(dtype=object)
        frame = pd.DataFrame({options.text_column: texts}, index=source.index)
        return frame_items(frame, options, "Series")
    if isinstance(source, (str, os.PathLike)):
        return _path_items(Path(source), options)
    if isinstance(source, (list, tuple)):
        return (
            record_item({options.text_column: value}, Where(f"list item {n}"), str(n), options)
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


def _path_items(path: Path, options: ReadOptions) -> Iterator[Item]:
    """Return the item iterator for a folder or file, by its suffix."""
    _check_exists(path)
    if path.is_dir():
        return folder_items(path, options)
    kind = not_regular(path)
    if kind:
        raise CorpusError(f"cannot read {str(path)!r}: it is {kind}, not a file")
    kind, compressed = suffix_kind(path)
    if kind in TEXT_SUFFIXES and not compressed:
        return iter([text_file_item(path, path.stem, options)])
    if is_table(path):
        return table_items(path, options)
    raise CorpusError(
        f"cannot read {str(path)!r}: unsupported file type "
        f"{''.join(path.suffixes) or '(no suffix)'}; "
        "give a folder of .txt/.md files, a .txt, .md, .jsonl, .csv, .tsv or .parquet file"
    )


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
        kind, _ = suffix_kind(path)
        try:
            if kind in JSONL_SUFFIXES:
                frame = pd.read_json(path, lines=True, dtype=False)
            elif kind in PARQUET_SUFFIXES:
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
        doc_id = coerce_id(record.pop("id"))
        if doc_id is None:
            continue
        values = {str(key): plain_value(value) for key, value in record.items()}
        values = {key: value for key, value in values.items() if value is not None}
        if "date" in values:
            values["date"] = iso_date(values["date"])[0]
        metadata[doc_id] = values
    return metadata


def with_metadata(
    corpus: Corpus, metadata: Mapping[str, Mapping[str, object]], *, warn_unknown: bool = True
) -> Corpus:
    """Return ``corpus`` with each document's ``meta`` updated from ``metadata`` (by id).

    The side file wins over a date found in the text. Ids of ``metadata`` that name no
    document raise one :class:`LineageWarning` unless ``warn_unknown`` is false (a shard of a
    corpus names only some of the ids).

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
    if unknown and warn_unknown:
        shown = ", ".join(map(repr, unknown[:5])) + (" ..." if len(unknown) > 5 else "")
        message = f"the metadata names {len(unknown)} ids not in the corpus: {shown}"
        logger.warning(message)
        warnings.warn(message, LineageWarning, stacklevel=2)
    return Corpus(documents, corpus.problems, corpus.inputs)
