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
    data = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(list(rows))
    spec = TABLES[table]
    if data.empty and len(data.columns) == 0:
        data = pd.DataFrame({name: pd.Series([], dtype=object) for name in spec})
    missing = [name for name in spec if name not in data.columns]
    if missing:
        raise KeyError(f"table {table!r} lacks columns {missing}")
    extra = [name for name in data.columns if name not in spec]
    # One new frame from typed columns: a column set in place per dtype costs 3x as much.
    dtypes = _dtypes(table, pd.get_option("mode.string_storage"))
    columns = {name: data[name].astype(dtypes[name]) for name in spec}
    columns.update({name: data[name].copy() for name in extra})
    return pd.DataFrame(columns, index=data.index).reset_index(drop=True)


@cache
def _dtypes(table: str, storage: str) -> dict[str, object]:
    """Return ``table``'s dtypes, resolved once per string storage option.

    A dtype alias is looked up among every registered dtype each time it is read.
    """
    return {name: pandas_dtype(dtype) for name, dtype in TABLES[table].items()}
