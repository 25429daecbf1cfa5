"""How the report shows one value: a share, a score, a missing cell, a date."""

from __future__ import annotations

import math

import pandas as pd

from lineage.report.tables import ResultTables


def is_missing(value: object) -> bool:
    """Whether a table cell is empty: ``None``, ``pd.NA`` or NaN.

    Examples
    --------
    >>> is_missing(float("nan")), is_missing(pd.NA), is_missing(0.0)
    (True, True, False)
    """
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def percent(value: object) -> str:
    """Return a share as a whole percentage, ``<1%`` for a small non-zero one.

    Examples
    --------
    >>> percent(0.004), percent(0.861), percent(None)
    ('<1%', '86%', '')
    """
    if is_missing(value):
        return ""
    share = float(value)  # type: ignore[arg-type]
    return "<1%" if 0.0 < share < 0.005 else f"{100 * share:.0f}%"


def two_places(value: object) -> str:
    """Return a score with two decimals, ``?`` when missing.

    Examples
    --------
    >>> two_places(0.9573), two_places(None)
    ('0.96', '?')
    """
    return "?" if is_missing(value) else f"{float(value):.2f}"  # type: ignore[arg-type]


def plain_text(value: object) -> str:
    """Return a cell as text, ``""`` when missing.

    Examples
    --------
    >>> plain_text("empty file"), plain_text(None)
    ('empty file', '')
    """
    return "" if is_missing(value) else str(value)


def meta_value(analysis: ResultTables, doc_id: str, key: str) -> str:
    """Return metadata ``key`` of ``doc_id`` as shown (a date as ``YYYY-MM-DD``), else ``""``."""
    value = analysis.meta.get(doc_id, {}).get(key)
    if is_missing(value) or value is pd.NaT:
        return ""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    return str(value)


def first_rows(documents: pd.DataFrame) -> pd.DataFrame:
    """Index ``documents`` by id, keeping the first row of a repeated id."""
    ids = documents["id"].astype(str)
    return documents.loc[~ids.duplicated().to_numpy()].set_index(ids[~ids.duplicated()])
