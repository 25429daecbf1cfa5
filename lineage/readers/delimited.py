"""CSV and TSV files, read row by row with their line numbers."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, NamedTuple

from lineage.readers.decoding import (
    LineDecoder,
)
from lineage.readers.items import Item, ReadOptions, Where, open_binary, skip, unreadable
from lineage.readers.records import (
    record_item,
    suggest_text_field,
)


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


def _row_item(
    record: _CsvRecord,
    header: list[str],
    where: Where,
    default_id: str,
    options: ReadOptions,
    delimiter: str,
    failed: list[str],
    notes: list[str],
) -> Item:
    """Make the item of one CSV record: a document, or a skip saying what is wrong."""
    if record.reread_after:
        notes.append(
            f"read again after the malformed record of line {record.reread_after}; "
            "check that this row is whole"
        )
    if record.fields is None:
        return skip(where, None, record.error)
    if failed:
        return skip(where, None, failed[0])
    if len(record.fields) != len(header):
        return skip(
            where,
            None,
            f"has {len(record.fields)} fields where the header has {len(header)} "
            f"(an unquoted {delimiter!r} or quote in a field?)",
        )
    fields = dict(zip(header, record.fields, strict=True))
    return record_item(fields, where, default_id, options, notes[:2])


def csv_items(
    path: Path, options: ReadOptions, delimiter: str, *, compressed: bool
) -> Iterator[Item]:
    """Read a CSV file row by row (the header names the columns), line numbers kept."""
    origin = str(path)
    decoder = LineDecoder(origin, options)
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
        with open_binary(path, compressed) as stream:
            records = _csv_records(lines(stream), delimiter)
            header, header_line = None, 0
            for record in records:
                last = record.last
                if record.fields:
                    header, header_line = [name.strip() for name in record.fields], record.last
                    break
            if header is None:
                yield skip(Where(origin), None, "empty file (no header line)")
                return
            if options.text_column not in header:
                yield skip(
                    Where(origin),
                    None,
                    f"has no {options.text_column!r} column (columns: {', '.join(header)}); "
                    "pass text_column=... naming the column that holds the text"
                    f"{suggest_text_field(options.text_column, header)}",
                )
                return
            position = 0
            for record in records:
                start, last = record.first, record.last
                if record.fields == []:
                    continue
                where = Where(origin, start)
                default_id = f"{options.id_prefix}{position}"
                position += 1
                failed = [failures.pop(n) for n in range(start, last + 1) if n in failures]
                row_notes = [notes.pop(n) for n in range(start, last + 1) if n in notes]
                yield _row_item(
                    record, header, where, default_id, options, delimiter, failed, row_notes
                )
            if position == 0:
                yield skip(
                    Where(origin, header_line),
                    None,
                    "has a header line but no rows: nothing to read",
                )
    except (OSError, EOFError) as error:
        yield unreadable(origin, last, error)
    finally:
        csv.field_size_limit(previous_limit)
