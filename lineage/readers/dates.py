"""Dates of documents: ISO 8601 from table cells and from the head of a scraped text."""

from __future__ import annotations

import calendar
import datetime as dt
import re
import warnings

import pandas as pd

from lineage.errors import shorten

_DIGIT = re.compile(r"\d")
# ``"\x00" in text`` is slow on texts with non-Latin-1 characters (CPython scans for a


_HEAD_DATE = re.compile(
    r"\s*(?:(?:date|dated|published|updated)\s*:?\s*)?"
    r"(?P<iso>\d{4}-\d{2}-\d{2})(?![\d-])"
    r"|\s*(?:(?:date|dated|published|updated)\s*:?\s*)?"
    r"(?P<words>\d{1,2} [A-Z][a-z]+ \d{4}|[A-Z][a-z]+ \d{1,2},? \d{4})\b",
    re.IGNORECASE,
)
_MONTHS = {m.lower(): n for n, m in enumerate(calendar.month_name) if m} | {
    m.lower(): n for n, m in enumerate(calendar.month_abbr) if m
}


def head_date(text: str) -> dict[str, str]:
    """Return ``{"date": ISO date}`` when ``text`` opens with an unambiguous date, else ``{}``.

    Scraped articles often start with a date line (``date 2025-05-15 Russia's ...``). Only
    a date at the very start counts, and only where it cannot be misread: ISO 8601
    (``2025-05-15``) or a month by name (``15 May 2025``, ``May 15, 2025``), optionally
    after ``date``, ``published`` or ``updated``. ``05/06/2025`` is left alone (May or
    June?).

    Examples
    --------
    >>> head_date(" date 2025-05-15 Russia's Vladimir Putin spurned a challenge")
    {'date': '2025-05-15'}
    >>> head_date("Published: May 15, 2025. Talks in Istanbul"), head_date("05/06/2025 Talks")
    ({'date': '2025-05-15'}, {})
    """
    found = _HEAD_DATE.match(text[:60])
    if found is None:
        return {}
    try:
        if found["iso"]:
            return {"date": dt.date.fromisoformat(found["iso"]).isoformat()}
        parts = found["words"].replace(",", "").split()
        day, month, year = (parts[0], parts[1], parts[2])
        if not day.isdigit():
            day, month = month, day
        number = _MONTHS.get(month.lower())
        if number is None:
            return {}
        return {"date": dt.date(int(year), number, int(day)).isoformat()}
    except ValueError:
        return {}


def iso_date(value: object) -> tuple[object, str]:
    """Return an ISO 8601 date string for ``value`` where it is understood, and a warning.

    ISO 8601 is read directly; other strings go to pandas only when they hold a digit,
    so that words such as "now" never turn into the time of the run.
    """
    if isinstance(value, str):
        text = value.strip()
        try:
            return dt.datetime.fromisoformat(text).isoformat().removesuffix("T00:00:00"), ""
        except ValueError:
            pass
        if _DIGIT.search(text):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # pandas' "could not infer format" notes
                try:
                    stamp = pd.Timestamp(text)
                except (ValueError, TypeError, OverflowError):
                    stamp = pd.NaT
            if not pd.isna(stamp):
                return stamp.isoformat().removesuffix("T00:00:00"), ""
    return value, f"date {shorten(value, 30)} not understood; kept as is"
