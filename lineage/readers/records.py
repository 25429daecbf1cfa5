"""One record (a JSON object, a CSV row, a DataFrame row) made into a document."""

from __future__ import annotations

import datetime as dt
import difflib
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from lineage.errors import shorten
from lineage.readers.dates import iso_date
from lineage.readers.decoding import (
    decode_fallback,
    strip_nuls,
)
from lineage.readers.items import Item, ReadOptions, Where, skip
from lineage.records import Document

_USUAL_TEXT_FIELDS = ("body", "content", "article", "full_text", "maintext", "story", "raw_text")


def text_item(
    text: str,
    where: Where,
    doc_id: str,
    meta: dict[str, object],
    notes: list[str],
    *,
    subject: str,
) -> Item:
    """Check the text (NULs, emptiness) and make the document item.

    ``subject`` names what is empty in a message: ``"file"`` or ``"text"``.
    """
    text, nul_note, nul_skip = strip_nuls(text)
    if nul_skip:
        return skip(where, doc_id, nul_skip)
    if not text or text.isspace():
        what = "empty" if not text else "whitespace only"
        return skip(where, doc_id, f"{subject} is {what}")
    notes = [*notes, nul_note] if nul_note else notes
    document = Document(id=doc_id, text=text, meta=meta, origin=where.label)
    return Item(where, doc_id, document=document, warnings=notes)


def record_item(
    fields: Mapping[Any, object],
    where: Where,
    default_id: str,
    options: ReadOptions,
    notes: Sequence[str] = (),
) -> Item:
    """Make an item from one table record (a JSON object, a CSV row, a DataFrame row)."""
    notes = list(notes)
    doc_id = default_id
    if options.id_column in fields:
        raw_id = fields[options.id_column]
        coerced = coerce_id(raw_id)
        if coerced is None:
            notes.append(
                f"{options.id_column!r} is {_kind(raw_id)}; used the record position "
                f"{default_id!r} as id"
            )
        else:
            doc_id = coerced
    if options.text_column not in fields:
        keys = ", ".join(str(key) for key in fields) or "none"
        return skip(
            where,
            doc_id,
            f"has no {options.text_column!r} field (fields: {keys}); "
            "pass text_column=... naming the field that holds the text"
            f"{suggest_text_field(options.text_column, fields)}",
        )
    raw_text = fields[options.text_column]
    text, text_note, text_skip = coerce_text(raw_text, where, options)
    if text_skip:
        return skip(where, doc_id, text_skip)
    if text_note:
        notes.append(text_note)
    meta: dict[str, object] = {}
    for key, value in fields.items():
        if key in (options.id_column, options.text_column):
            continue
        if isinstance(key, str) and key.startswith("__index_level_"):
            continue
        plain = plain_value(value)
        if plain is None:
            continue
        if key == options.date_column:
            plain, date_note = iso_date(plain)
            if date_note:
                notes.append(date_note)
            meta["date"] = plain
        else:
            meta[str(key)] = plain
    return text_item(text, where, doc_id, meta, notes, subject="text")


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


def coerce_id(value: object) -> str | None:
    """Return a usable id string for ``value``, or ``None`` when it has none."""
    if isinstance(value, np.generic):
        value = value.item()
    if _missing(value) or isinstance(value, (list, dict, tuple, bytes)):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


def coerce_text(value: object, where: Where, options: ReadOptions) -> tuple[str, str, str]:
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
            text, message = decode_fallback(value, error, options)
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


def plain_value(value: object) -> object:
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


def suggest_text_field(name: str, fields: Iterable[object]) -> str:
    """Suggest the field that likely holds the text, as a message tail (or ``""``).

    A field spelled like ``name`` (case aside) wins, else a usual name for article text.
    """
    keys = {str(key).lower(): str(key) for key in fields}
    matches = difflib.get_close_matches(name.lower(), list(keys), n=1, cutoff=0.8)
    usual = [key for key in _USUAL_TEXT_FIELDS if key in keys]
    best = matches[0] if matches else usual[0] if usual else None
    return f" (did you mean text_column={keys[best]!r}?)" if best else ""
