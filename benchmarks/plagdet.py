"""PAN's plagiarism-detection measures: precision, recall, granularity and plagdet.

From Potthast, Stein, Barrón-Cedeño and Rosso (2010), "An Evaluation Framework for
Plagiarism Detection" (COLING), as applied to text alignment at PAN 2013: a case and a
detection are each a pair of character spans, one in the suspicious document (``this``)
and one in the source. A detection *detects* a case when it overlaps the case on **both**
sides (same document pair, overlapping ``this`` spans and overlapping ``source`` spans);
the characters a case and a detection share are counted on both sides, so a case of
``this_length + source_length`` characters is fully recalled only when both of its spans
are covered.

- macro recall: the mean over cases of the share of the case's characters (both sides)
  covered by the detections that detect it;
- macro precision: the same with the roles swapped (the mean over detections of the share
  of its characters covered by the cases it detects);
- granularity: the mean number of detections per detected case (1 when nothing is detected);
- plagdet = F1 / log2(1 + granularity).

With no cases and no detections, recall and precision are 1 (nothing to find, nothing
wrongly found); with cases but no detections, or detections but no cases, both are 0. This
is the convention of PAN's own evaluation script.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Annotation:
    """A case or a detection: spans in the suspicious (``this``) and source document."""

    pair: str
    this_start: int
    this_end: int
    source_start: int
    source_end: int

    @property
    def chars(self) -> int:
        """Characters on both sides together."""
        return (self.this_end - self.this_start) + (self.source_end - self.source_start)


def overlaps(x: Annotation, y: Annotation) -> bool:
    """Return whether ``x`` and ``y`` overlap on both sides of the same pair."""
    return (
        x.pair == y.pair
        and x.this_start < y.this_end
        and y.this_start < x.this_end
        and x.source_start < y.source_end
        and y.source_start < x.source_end
    )


def _union_length(spans: Iterable[tuple[int, int]]) -> int:
    total, cur_start, cur_end = 0, None, None
    for start, end in sorted(s for s in spans if s[1] > s[0]):
        if cur_end is None or start > cur_end:
            if cur_end is not None:
                total += cur_end - cur_start
            cur_start, cur_end = start, end
        else:
            cur_end = max(cur_end, end)
    if cur_end is not None:
        total += cur_end - cur_start
    return total


def _by_pair(items: Iterable[Annotation]) -> dict[str, list[Annotation]]:
    grouped: dict[str, list[Annotation]] = defaultdict(list)
    for item in items:
        grouped[item.pair].append(item)
    return grouped


def _covered_share(target: Annotation, others: Sequence[Annotation]) -> float:
    """Share of ``target``'s characters (both sides) inside the ``others`` overlapping it."""
    hits = [o for o in others if overlaps(target, o)]
    if not hits or target.chars == 0:
        return 0.0
    this = _union_length(
        (max(target.this_start, o.this_start), min(target.this_end, o.this_end)) for o in hits
    )
    source = _union_length(
        (max(target.source_start, o.source_start), min(target.source_end, o.source_end))
        for o in hits
    )
    return (this + source) / target.chars


def _macro_recall(cases: Sequence[Annotation], detections: Sequence[Annotation]) -> float:
    if not cases and not detections:
        return 1.0
    if not cases or not detections:
        return 0.0
    dets = _by_pair(detections)
    return sum(_covered_share(case, dets.get(case.pair, ())) for case in cases) / len(cases)


def macro_recall(cases: Sequence[Annotation], detections: Sequence[Annotation]) -> float:
    """Mean over cases of the share of the case's characters that the detections cover.

    Examples
    --------
    >>> case = Annotation("p", 0, 100, 0, 100)
    >>> macro_recall([case], [Annotation("p", 0, 50, 0, 50)])
    0.5
    """
    return _macro_recall(cases, detections)


def macro_precision(cases: Sequence[Annotation], detections: Sequence[Annotation]) -> float:
    """Mean over detections of the share of the detection's characters inside cases.

    Examples
    --------
    >>> case = Annotation("p", 0, 100, 0, 100)
    >>> macro_precision([case], [Annotation("p", 50, 150, 50, 150)])
    0.5
    """
    return _macro_recall(detections, cases)


def granularity(cases: Sequence[Annotation], detections: Sequence[Annotation]) -> float:
    """Mean number of detections per detected case (1 when no case is detected).

    Examples
    --------
    >>> case = Annotation("p", 0, 100, 0, 100)
    >>> granularity([case], [Annotation("p", 0, 50, 0, 50), Annotation("p", 50, 100, 50, 100)])
    2.0
    """
    dets = _by_pair(detections)
    counts = [sum(overlaps(c, d) for d in dets.get(c.pair, ())) for c in cases]
    detected = [n for n in counts if n > 0]
    if not detected:
        return 1.0
    return sum(detected) / len(detected)


def plagdet_score(recall: float, precision: float, gran: float) -> float:
    """Return F1 / log2(1 + granularity), 0 when nothing is right.

    Examples
    --------
    >>> plagdet_score(1.0, 1.0, 1.0)
    1.0
    >>> round(plagdet_score(1.0, 1.0, 2.0), 4)
    0.6309
    """
    if recall <= 0 or precision <= 0 or gran < 1:
        return 0.0
    f1 = 2 * recall * precision / (recall + precision)
    return f1 / math.log2(1 + gran)


def evaluate(cases: Sequence[Annotation], detections: Sequence[Annotation]) -> dict[str, float]:
    """Return ``plagdet``, ``precision``, ``recall`` and ``granularity`` of ``detections``.

    Examples
    --------
    >>> cases = [Annotation("p", 0, 100, 0, 100)]
    >>> evaluate(cases, cases)["plagdet"]
    1.0
    """
    recall = macro_recall(cases, detections)
    precision = macro_precision(cases, detections)
    gran = granularity(cases, detections)
    return {
        "plagdet": plagdet_score(recall, precision, gran),
        "precision": precision,
        "recall": recall,
        "granularity": gran,
    }
