"""Which reader a file needs, by its suffix (``.jsonl``, ``.csv.gz``, ``.parquet``...)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from lineage.readers.delimited import csv_items
from lineage.readers.items import Item, ReadOptions
from lineage.readers.jsonl import jsonl_items
from lineage.readers.parquet import parquet_items

TEXT_SUFFIXES = (".txt", ".md")
"""File suffixes read as one document each when a folder is given (case-insensitive)."""

JSONL_SUFFIXES = (".jsonl", ".ndjson")
CSV_DELIMITERS = {".csv": ",", ".tsv": "\t"}
PARQUET_SUFFIXES = (".parquet", ".pq")


def suffix_kind(path: Path) -> tuple[str, bool]:
    """Return the lower-case format suffix (under a ``.gz``) and whether it is gzipped.

    Examples
    --------
    >>> suffix_kind(Path("news.CSV.gz")), suffix_kind(Path("notes"))
    (('.csv', True), ('', False))
    """
    suffixes = [suffix.lower() for suffix in path.suffixes[-2:]]
    compressed = bool(suffixes) and suffixes[-1] == ".gz"
    if compressed:
        return (suffixes[0] if len(suffixes) == 2 else ""), True
    return (suffixes[-1] if suffixes else ""), False


def is_table(path: Path) -> bool:
    """Whether ``path`` names a JSONL, CSV/TSV (either maybe gzipped) or Parquet file.

    Examples
    --------
    >>> is_table(Path("part-1.jsonl.gz")), is_table(Path("a.parquet.gz")), is_table(Path("a.txt"))
    (True, False, False)
    """
    kind, compressed = suffix_kind(path)
    streams = (*JSONL_SUFFIXES, *CSV_DELIMITERS)
    return kind in streams or (kind in PARQUET_SUFFIXES and not compressed)


def table_items(path: Path, options: ReadOptions) -> Iterator[Item]:
    """Return the items of a table file, read by the reader of its format."""
    kind, compressed = suffix_kind(path)
    if kind in JSONL_SUFFIXES:
        return jsonl_items(path, options, compressed=compressed)
    if kind in CSV_DELIMITERS:
        return csv_items(path, options, CSV_DELIMITERS[kind], compressed=compressed)
    return parquet_items(path, options)
