"""Half-open character spans: their union, the characters they cover, and overlaps.

The one implementation of span arithmetic in ``lineage``: alignment, quotations, inference
and the report all measure shares of a text through these functions, so that a character
covered by two passages is counted once everywhere.

A span is ``(start, end)`` with Python slice meaning, ``text[start:end]``; a span with
``end <= start`` is empty and ignored. Spans are given as anything :func:`numpy.asarray`
turns into an ``(n, 2)`` integer array (a list of tuples, an array); a *union* is the
``(k, 2)`` ``int64`` array :func:`union` returns: sorted, disjoint, and with touching spans
joined (``(0, 5)`` and ``(5, 9)`` become ``(0, 9)``).

Every function is vectorized and costs ``O(n log n)`` for ``n`` spans (one sort), plus
``O(q log k)`` for ``q`` query spans against a union of ``k``.
"""

from __future__ import annotations

import bisect

import numpy as np
import numpy.typing as npt

__all__ = [
    "SpanIndex",
    "covered",
    "covered_per_group",
    "inside",
    "intersects",
    "overlap",
    "union",
]


def _as_spans(spans: npt.ArrayLike) -> np.ndarray:
    """Return ``spans`` as an ``(n, 2)`` int64 array without its empty spans."""
    array = np.asarray(spans, dtype=np.int64)
    if array.size == 0:
        return np.zeros((0, 2), dtype=np.int64)
    if array.ndim != 2 or array.shape[1] != 2:
        raise ValueError(f"spans must have shape (n, 2) (got {array.shape})")
    return array[array[:, 1] > array[:, 0]]


def union(spans: npt.ArrayLike) -> np.ndarray:
    """Merge spans into sorted, disjoint spans covering the same characters.

    Parameters
    ----------
    spans
        ``(start, end)`` pairs; empty ones (``end <= start``) are dropped.

    Returns
    -------
    numpy.ndarray
        ``(k, 2)`` int64 array, sorted by start; overlapping and touching spans joined.

    Raises
    ------
    ValueError
        If ``spans`` is not a sequence of pairs.

    Examples
    --------
    >>> union([(5, 9), (0, 3), (2, 5), (12, 12)]).tolist()
    [[0, 9]]
    >>> union([(10, 20), (0, 4)]).tolist()
    [[0, 4], [10, 20]]
    """
    array = _as_spans(spans)
    if len(array) == 0:
        return array
    array = array[np.lexsort((array[:, 1], array[:, 0]))]
    reach = np.maximum.accumulate(array[:, 1])
    opens = np.ones(len(array), dtype=bool)
    opens[1:] = array[1:, 0] > reach[:-1]
    first = np.flatnonzero(opens)
    last = np.append(first[1:], len(array)) - 1
    return np.column_stack((array[first, 0], reach[last]))


def overlap(spans: npt.ArrayLike, starts: npt.ArrayLike, ends: npt.ArrayLike) -> np.ndarray:
    """Count, for each query span, its characters inside the union of ``spans``.

    Parameters
    ----------
    spans
        ``(start, end)`` pairs, in any order, overlapping or not.
    starts, ends
        Query spans, one or many (broadcast together).

    Returns
    -------
    numpy.ndarray
        int64 counts, one per query span (0 for an empty query).

    Examples
    --------
    >>> overlap([(0, 10), (20, 30)], [5, 0, 12], [25, 40, 18]).tolist()
    [10, 20, 0]
    """
    merged = union(spans)
    starts, ends = np.broadcast_arrays(
        np.asarray(starts, dtype=np.int64), np.asarray(ends, dtype=np.int64)
    )
    ends = np.maximum(starts, ends)
    return _chars_before(merged, ends) - _chars_before(merged, starts)


def _chars_before(merged: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Characters of the union ``merged`` before each of ``points``."""
    if len(merged) == 0:
        return np.zeros(points.shape, dtype=np.int64)
    widths = merged[:, 1] - merged[:, 0]
    before = np.concatenate(([0], np.cumsum(widths)))
    k = np.searchsorted(merged[:, 0], points, side="right")  # spans starting at or before
    partial = np.clip(points - merged[np.maximum(k - 1, 0), 0], 0, widths[np.maximum(k - 1, 0)])
    return before[np.maximum(k - 1, 0)] + np.where(k > 0, partial, 0)


def covered(spans: npt.ArrayLike, holes: npt.ArrayLike = ()) -> int:
    """Count the characters inside the union of ``spans`` and outside every hole.

    Parameters
    ----------
    spans
        ``(start, end)`` pairs, in any order, overlapping or not.
    holes
        ``(start, end)`` pairs not to count (e.g. boilerplate), in any order.

    Returns
    -------
    int
        The number of characters.

    Examples
    --------
    >>> covered([(0, 10), (5, 20)])
    20
    >>> covered([(0, 10), (5, 20)], [(15, 18), (16, 19)])
    16
    """
    merged = union(spans)
    total = int((merged[:, 1] - merged[:, 0]).sum())
    if len(merged) == 0 or np.asarray(holes).size == 0:
        return total
    return total - int(overlap(holes, merged[:, 0], merged[:, 1]).sum())


def inside(starts: npt.ArrayLike, ends: npt.ArrayLike, spans: npt.ArrayLike) -> np.ndarray:
    """Mark the query spans that lie wholly inside one span of the union of ``spans``.

    Parameters
    ----------
    starts, ends
        Query spans (e.g. the shingles of a text).
    spans
        ``(start, end)`` pairs, in any order.

    Returns
    -------
    numpy.ndarray
        Boolean mask, one entry per query span.

    Examples
    --------
    >>> inside([0, 4, 8], [3, 9, 10], [(0, 5), (5, 10)]).tolist()
    [True, True, True]
    >>> inside([0, 4], [3, 12], [(0, 10)]).tolist()
    [True, False]
    """
    merged = union(spans)
    starts, ends = np.broadcast_arrays(
        np.asarray(starts, dtype=np.int64), np.asarray(ends, dtype=np.int64)
    )
    if len(merged) == 0:
        return np.zeros(starts.shape, dtype=bool)
    k = np.searchsorted(merged[:, 0], starts, side="right") - 1
    return (k >= 0) & (ends <= merged[np.maximum(k, 0), 1])


def intersects(starts: npt.ArrayLike, ends: npt.ArrayLike, spans: npt.ArrayLike) -> np.ndarray:
    """Mark the query spans that share at least one character with ``spans``.

    Parameters
    ----------
    starts, ends
        Query spans (e.g. the shingles of a text).
    spans
        ``(start, end)`` pairs, in any order.

    Returns
    -------
    numpy.ndarray
        Boolean mask, one entry per query span.

    Examples
    --------
    >>> intersects([0, 4, 10], [3, 6, 12], [(5, 10)]).tolist()
    [False, True, False]
    """
    return overlap(spans, starts, ends) > 0


def covered_per_group(
    groups: npt.ArrayLike, starts: npt.ArrayLike, ends: npt.ArrayLike
) -> tuple[np.ndarray, np.ndarray]:
    """Count the characters inside the union of each group's spans.

    Parameters
    ----------
    groups
        Integer group label of each span (e.g. a code for a ``(document, partner)`` pair).
    starts, ends
        The spans.

    Returns
    -------
    labels : numpy.ndarray
        The distinct group labels that have at least one span, sorted.
    chars : numpy.ndarray
        int64 characters covered by each of those groups' spans, counted once each.

    Examples
    --------
    >>> labels, chars = covered_per_group([1, 0, 1, 1], [0, 0, 5, 30], [10, 4, 20, 31])
    >>> labels.tolist(), chars.tolist()
    ([0, 1], [4, 21])
    """
    groups = np.asarray(groups, dtype=np.int64)
    starts = np.asarray(starts, dtype=np.int64)
    ends = np.asarray(ends, dtype=np.int64)
    keep = ends > starts
    groups, starts, ends = groups[keep], starts[keep], ends[keep]
    if len(groups) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    order = np.lexsort((ends, starts, groups))
    groups, starts, ends = groups[order], starts[order], ends[order]
    # A running maximum of the ends that restarts at each group: lift every group above the
    # previous one's reach so a single accumulate never carries a reach across groups.
    first = np.ones(len(groups), dtype=bool)
    first[1:] = groups[1:] != groups[:-1]
    level = np.cumsum(first) - 1
    lift = level * (int(ends.max()) - min(int(starts.min()), 0) + 1)
    reach = np.maximum.accumulate(ends + lift) - lift
    previous = np.empty_like(reach)
    previous[0] = starts[0]
    previous[1:] = reach[:-1]
    previous[first] = starts[first]
    new = np.clip(ends - np.maximum(starts, previous), 0, None)
    labels = groups[first]
    return labels, np.add.reduceat(new, np.flatnonzero(first))


class SpanIndex:
    """The union of some spans, ready for many single queries (``O(log k)`` each).

    :func:`overlap` answers many queries at once; a caller that asks one span at a time
    (each answer deciding the next question) would pay numpy's per-call overhead every
    time, so this keeps the union as plain lists and answers with :mod:`bisect`.

    Examples
    --------
    >>> index = SpanIndex([(20, 30), (0, 10), (5, 8)])
    >>> index.overlap(5, 25), index.overlap(12, 18), index.share(0, 20)
    (10, 0, 0.5)
    """

    def __init__(self, spans: npt.ArrayLike) -> None:
        merged = union(spans)
        self.spans: list[tuple[int, int]] = [(int(a), int(b)) for a, b in merged.tolist()]
        """The union as sorted, disjoint ``(start, end)`` pairs."""
        self._starts: list[int] = merged[:, 0].tolist()
        self._widths: list[int] = (merged[:, 1] - merged[:, 0]).tolist()
        self._before: list[int] = np.concatenate(([0], np.cumsum(self._widths))).tolist()

    def _chars_before(self, point: int) -> int:
        k = bisect.bisect_right(self._starts, point)
        if k == 0:
            return 0
        return self._before[k - 1] + min(max(point - self._starts[k - 1], 0), self._widths[k - 1])

    def overlap(self, start: int, end: int) -> int:
        """Count the characters of ``[start, end)`` inside the union (as :func:`overlap`)."""
        return self._chars_before(max(start, end)) - self._chars_before(start)

    def share(self, start: int, end: int) -> float:
        """Return the share of ``[start, end)`` inside the union (0 for an empty span)."""
        return self.overlap(start, end) / (end - start) if end > start else 0.0
