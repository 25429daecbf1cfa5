"""Every result table's columns and dtypes, declared once.

A stage that returns a table builds it with :func:`frame`, so the column contract is
checked in one place and empty results still carry their columns.

Examples
--------
>>> frame("pairs", []).columns.tolist()[:3]
['a', 'b', 'jaccard']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache

import numpy as np
import pandas as pd
from pandas.api.types import pandas_dtype

SCHEMA_VERSION = "1.0"

TABLES: dict[str, dict[str, str]] = {
    "documents": {
        "id": "string",
        "parent": "string",
        "parent_confidence": "float64",
        "parent_status": "string",
        "family": "Int64",
        "reuse_fraction": "float64",
        "prose_reuse_fraction": "float64",
        "quote_fraction": "float64",
        "original_fraction": "float64",
        "ignored_fraction": "float64",
        "credited_fraction": "float64",
        "chars": "int64",
        "status": "string",
        "problem": "string",
        "origin": "string",
        "date": "string",
        "outlet": "string",
        "title": "string",
    },
    "pairs": {
        "a": "string",
        "b": "string",
        "jaccard": "float64",
        "containment_a_in_b": "float64",
        "containment_b_in_a": "float64",
        "tfidf_cosine": "float64",
        "shared_chars": "int64",
    },
    "passages": {
        "a": "string",
        "a_start": "int64",
        "a_end": "int64",
        "b": "string",
        "b_start": "int64",
        "b_end": "int64",
        "kind": "string",
        "quote_chars": "int64",
        "similarity": "float64",
        "commonness": "float64",
    },
    "quotes": {
        "passage": "int64",
        "side": "string",
        "start": "int64",
        "end": "int64",
    },
    "sources": {
        "id": "string",
        "members": "object",
        "text": "string",
        "chars": "int64",
    },
    "edges": {
        "parent": "string",
        "child": "string",
        "confidence": "float64",
        "evidence": "string",
        "rank": "int64",
    },
    "attribution": {
        "document": "string",
        "source": "string",
        "chars": "int64",
        "quote_chars": "int64",
        "prose_chars": "int64",
    },
    "index_inputs": {
        "id": "string",
        "origin": "string",
        "status": "string",
        "problem": "string",
    },
    "clusters": {
        "cluster": "string",
        "id": "string",
        "representative": "string",
        "matched": "string",
        "jaccard": "float64",
        "containment": "float64",
        "tfidf_cosine": "float64",
    },
}


def columns(table: str) -> list[str]:
    """Return the column names of ``table`` in contract order.

    Examples
    --------
    >>> columns("edges")
    ['parent', 'child', 'confidence', 'evidence', 'rank']
    """
    return list(TABLES[table])


def frame(table: str, rows: Iterable[Mapping[str, object]] | pd.DataFrame) -> pd.DataFrame:
    """Build ``table`` from rows (dicts, dataclass dicts or a DataFrame) with its dtypes.

    Columns beyond the contract are kept after the contract columns; a missing contract
    column raises ``KeyError`` naming it.
    """
    dtypes = _dtypes(table, pd.get_option("mode.string_storage"))
    if isinstance(rows, pd.DataFrame):
        data = rows
        missing = [name for name in dtypes if name not in data.columns]
        if missing and not (data.empty and len(data.columns) == 0):
            raise KeyError(f"table {table!r} lacks columns {missing}")
        extra = [name for name in data.columns if name not in dtypes]
        # One new frame from typed columns: a column set in place per dtype costs 3x as much.
        columns = {
            name: _retyped(data[name], dtype) if name in data.columns else _typed([], dtype)
            for name, dtype in dtypes.items()
        }
        columns.update({name: data[name].copy() for name in extra})
        return pd.DataFrame(columns, index=data.index).reset_index(drop=True)
    return typed_frame(dtypes, rows, table=table)


def typed_frame(
    dtypes: Mapping[str, object],
    rows: Iterable[Mapping[str, object]],
    *,
    table: str = "table",
    extra: bool = True,
) -> pd.DataFrame:
    """Build a frame of ``dtypes`` (name -> dtype or alias) from rows, column by column.

    Each column is made once in its dtype from the rows' values (a key a row lacks is
    missing there); with ``extra``, keys beyond ``dtypes`` follow, typed as pandas infers
    them. No intermediate frame is built: a table of a few rows costs well under a
    millisecond. ``KeyError`` names the ``dtypes`` columns no row has (none when there is
    no row).

    Examples
    --------
    >>> table = typed_frame({"a": "string", "n": "int64"}, [{"a": "x", "n": 1, "z": 0.5}])
    >>> [str(dtype) for dtype in table.dtypes], table.loc[0, "a"]
    (['string', 'int64', 'float64'], 'x')
    """
    rows = list(rows)
    dtypes = _resolved(tuple(dtypes.items()), pd.get_option("mode.string_storage"))
    present = dict.fromkeys(key for row in rows for key in row) if rows else {}
    missing = [name for name in dtypes if name not in present] if rows else []
    if missing:
        raise KeyError(f"table {table!r} lacks columns {missing}")
    columns = {
        name: _typed([row.get(name) for row in rows], dtype) for name, dtype in dtypes.items()
    }
    columns.update(
        {
            name: pd.Series([row.get(name, np.nan) for row in rows]).array
            for name in present
            if extra and name not in dtypes
        }
    )
    return pd.DataFrame(columns, index=pd.RangeIndex(len(rows)), copy=False)


def _retyped(column: pd.Series, dtype: object) -> pd.Series:
    """Return ``column`` in ``dtype`` (itself when it has it: an astype costs ~0.1 ms)."""
    return column if column.dtype == dtype else column.astype(dtype)


def _typed(values: list[object], dtype: object) -> object:
    """Return ``values`` as an array of ``dtype``, as ``Series.astype`` would convert them."""
    if not isinstance(dtype, np.dtype):  # an extension dtype: string, Int64
        return pd.array(values, dtype=dtype)
    if dtype.kind == "O":
        return np.fromiter(values, dtype=object, count=len(values))
    if dtype.kind == "f":
        return np.array([np.nan if v is None else v for v in values], dtype=dtype)
    return np.array(values, dtype=dtype)


@cache
def _dtypes(table: str, storage: str) -> dict[str, object]:
    """Return ``table``'s dtypes, resolved once per string storage option.

    A dtype alias is looked up among every registered dtype each time it is read.
    """
    return _resolved(tuple(TABLES[table].items()), storage)


@cache
def _resolved(dtypes: tuple[tuple[str, object], ...], storage: str) -> dict[str, object]:
    """Return the dtypes of ``(name, alias)`` items, resolved once per string storage."""
    return {name: pandas_dtype(dtype) for name, dtype in dtypes}
