"""pandas DataFrames and Series, read in batches of rows."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd

from lineage.readers.items import Item, ReadOptions, Where, skip
from lineage.readers.records import (
    coerce_id,
    record_item,
    suggest_text_field,
)


def frame_items(frame: pd.DataFrame, options: ReadOptions, name: str) -> Iterator[Item]:
    """Read a DataFrame's rows; the index labels are the ids when no id column exists."""
    if options.text_column not in frame.columns:
        columns = ", ".join(str(column) for column in frame.columns) or "none"
        yield skip(
            Where(name),
            None,
            f"has no {options.text_column!r} column (columns: {columns}); "
            "pass text_column=... naming the column that holds the text"
            f"{suggest_text_field(options.text_column, frame.columns)}",
        )
        return
    index_ids = options.id_column not in frame.columns
    for start in range(0, len(frame), options.batch_size):
        chunk = frame.iloc[start : start + options.batch_size]
        for offset, (label, record) in enumerate(
            zip(chunk.index, chunk.to_dict("records"), strict=True)
        ):
            position = start + offset
            default_id = (coerce_id(label) if index_ids else None) or str(position)
            yield record_item(record, Where(f"{name} row {position}"), default_id, options)
