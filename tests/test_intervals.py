"""Span arithmetic checked against the plainest oracle: sets of character positions."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lineage.intervals import (
    SpanIndex,
    covered,
    covered_per_group,
    inside,
    intersects,
    overlap,
    union,
)

span = st.tuples(st.integers(-5, 60), st.integers(-5, 60))
spans = st.lists(span, max_size=12)


def chars(pairs) -> set[int]:
    return {c for start, end in pairs for c in range(start, end)}


@given(spans)
def test_union_covers_the_same_characters_with_disjoint_sorted_spans(pairs):
    merged = union(pairs)
    assert merged.dtype == np.int64
    assert chars(merged.tolist()) == chars(pairs)
    assert all(end > start for start, end in merged.tolist())
    # disjoint and not touching: a gap of at least one character between neighbours
    assert all(merged[1:, 0] > merged[:-1, 1])


@given(spans, spans)
def test_covered_counts_characters_outside_the_holes(pairs, holes):
    assert covered(pairs) == len(chars(pairs))
    assert covered(pairs, holes) == len(chars(pairs) - chars(holes))


@given(spans, st.lists(span, min_size=1, max_size=6))
def test_overlap_counts_each_query_inside_the_union(pairs, queries):
    starts = [s for s, _ in queries]
    ends = [e for _, e in queries]
    expected = [len(chars(pairs) & set(range(s, e))) for s, e in queries]
    assert overlap(pairs, starts, ends).tolist() == expected
    assert intersects(starts, ends, pairs).tolist() == [n > 0 for n in expected]
    index = SpanIndex(pairs)
    assert [index.overlap(s, e) for s, e in queries] == expected
    assert [index.share(s, e) for s, e in queries] == [
        n / (e - s) if e > s else 0.0 for n, (s, e) in zip(expected, queries, strict=True)
    ]
    assert index.spans == [tuple(x) for x in union(pairs).tolist()]


@given(spans, st.lists(span.filter(lambda s: s[1] > s[0]), min_size=1, max_size=6))
def test_inside_means_every_character_is_covered_by_one_merged_span(pairs, queries):
    starts = [s for s, _ in queries]
    ends = [e for _, e in queries]
    covered_chars = chars(pairs)
    expected = [set(range(s, e)) <= covered_chars for s, e in queries]
    assert inside(starts, ends, pairs).tolist() == expected


@given(st.lists(st.tuples(st.integers(0, 4), span), max_size=20))
def test_covered_per_group_equals_covered_of_each_group(rows):
    groups = [g for g, _ in rows]
    labels, counts = covered_per_group(groups, [s for _, (s, _) in rows], [e for _, (_, e) in rows])
    expected = {g: covered([sp for h, sp in rows if h == g]) for g in set(groups)}
    expected = {g: n for g, n in expected.items() if n > 0}
    assert dict(zip(labels.tolist(), counts.tolist(), strict=True)) == expected
    assert labels.tolist() == sorted(labels.tolist())


def test_touching_spans_join_and_empty_input_gives_an_empty_union():
    assert union([(0, 5), (5, 9)]).tolist() == [[0, 9]]
    assert union([]).shape == (0, 2)
    assert covered([]) == 0
    assert overlap([], [0], [10]).tolist() == [0]


def test_a_malformed_span_list_is_refused_with_its_shape():
    with pytest.raises(ValueError, match=r"shape \(n, 2\) \(got \(3,\)\)"):
        union([1, 2, 3])
