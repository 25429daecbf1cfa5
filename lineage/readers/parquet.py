"""Parquet files, read one row group at a time."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lineage.readers.items import Item, ReadOptions, Where, skip
from lineage.readers.records import (
    record_item,
    suggest_text_field,
)


def parquet_items(path: Path, options: ReadOptions) -> Iterator[Item]:
    """Read a Parquet file batch by batch (``options.batch_size`` rows at a time)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    origin = str(path)
    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as error:
        yield skip(Where(origin), None, f"not a readable Parquet file ({error})")
        return
    names = parquet.schema_arrow.names
    if options.text_column not in names:
        yield skip(
            Where(origin),
            None,
            f"has no {options.text_column!r} column (columns: {', '.join(names)}); "
            f"pass text_column=... naming the column that holds the text"
            f"{suggest_text_field(options.text_column, names)}",
        )
        return
    position = 0
    try:
        for batch in _parquet_batches(parquet, options.batch_size):
            for record in batch.to_pylist():
                where = Where(f"{origin} row {position}")
                default_id = f"{options.id_prefix}{position}"
                yield record_item(record, where, default_id, options)
                position += 1
    except (pa.ArrowException, OSError) as error:
        yield skip(
            Where(f"{origin} row {position}"),
            None,
            f"unreadable from this row on ({error})",
        )
        return
    if position == 0:
        yield skip(Where(origin), None, "has no rows: nothing to read")


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
