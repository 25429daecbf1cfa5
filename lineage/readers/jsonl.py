"""JSON Lines files (``.jsonl``, ``.ndjson``, gzipped or not), read line by line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from lineage.errors import shorten
from lineage.readers.decoding import (
    LineDecoder,
)
from lineage.readers.items import Item, ReadOptions, Where, open_binary, skip, unreadable
from lineage.readers.records import (
    record_item,
)


def jsonl_items(path: Path, options: ReadOptions, *, compressed: bool) -> Iterator[Item]:
    """Read a JSONL file line by line: one object per line, blank lines ignored."""
    origin = str(path)
    decoder = LineDecoder(origin, options)
    position = 0
    line_no = 0
    try:
        with open_binary(path, compressed) as stream:
            for line_no, raw in enumerate(stream, 1):
                if raw.isspace():
                    continue
                where = Where(origin, line_no)
                default_id = f"{options.id_prefix}{position}"
                position += 1
                line, note, failure = decoder.decode(raw, line_no)
                record, failure = (None, failure) if failure else _parse_json_line(line)
                if failure:
                    yield skip(where, None, failure)
                    continue
                if not isinstance(record, dict):
                    yield skip(
                        where,
                        None,
                        f"is a JSON {_json_kind(record)}, not an object; each line must be "
                        f'one object such as {{"{options.id_column}": ..., '
                        f'"{options.text_column}": ...}}',
                    )
                    continue
                yield record_item(record, where, default_id, options, [note] if note else [])
    except (OSError, EOFError) as error:
        yield unreadable(origin, line_no, error)
        return
    if position == 0:
        yield skip(Where(origin), None, "no JSON lines in the file (empty or whitespace only)")


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
