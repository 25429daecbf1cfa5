"""PAN measures against cases computed by hand from the definitions of Potthast et al. 2010."""

import math

import pytest

from benchmarks.plagdet import (
    Annotation,
    evaluate,
    granularity,
    macro_precision,
    macro_recall,
    plagdet_score,
)

CASE = Annotation("p", 100, 200, 1000, 1100)  # 100 chars on each side


def test_perfect_detection_scores_one():
    assert evaluate([CASE], [CASE]) == {
        "plagdet": 1.0,
        "precision": 1.0,
        "recall": 1.0,
        "granularity": 1.0,
    }


def test_half_covered_on_both_sides():
    detection = Annotation("p", 100, 150, 1000, 1050)
    result = evaluate([CASE], [detection])
    assert result["recall"] == pytest.approx(0.5)
    assert result["precision"] == pytest.approx(1.0)
    assert result["plagdet"] == pytest.approx(2 * 0.5 / 1.5)


def test_half_covered_on_one_side_counts_both_sides():
    # The detection covers the whole suspicious span but only half of the source span:
    # (100 + 50) / 200 of the case's characters are recalled; 150 of its 200 are in the case.
    detection = Annotation("p", 100, 200, 1050, 1150)
    assert macro_recall([CASE], [detection]) == pytest.approx(0.75)
    assert macro_precision([CASE], [detection]) == pytest.approx(0.75)


def test_split_detection_has_granularity_two():
    halves = [Annotation("p", 100, 150, 1000, 1050), Annotation("p", 150, 200, 1050, 1100)]
    result = evaluate([CASE], halves)
    assert result["granularity"] == 2.0
    assert result["recall"] == pytest.approx(1.0)
    assert result["precision"] == pytest.approx(1.0)
    assert result["plagdet"] == pytest.approx(1.0 / math.log2(3))


def test_no_detections_scores_zero():
    assert evaluate([CASE], [])["plagdet"] == 0.0
    assert granularity([CASE], []) == 1.0


def test_detections_without_cases_score_zero():
    result = evaluate([], [CASE])
    assert result["precision"] == 0.0
    assert result["plagdet"] == 0.0


def test_nothing_to_find_and_nothing_found_scores_one():
    assert evaluate([], [])["plagdet"] == 1.0


def test_overlap_on_one_side_only_does_not_detect():
    # Right suspicious span, wrong place in the source: PAN-13 requires both sides.
    wrong_source = Annotation("p", 100, 200, 5000, 5100)
    result = evaluate([CASE], [wrong_source])
    assert result["recall"] == 0.0
    assert result["precision"] == 0.0


def test_other_pair_does_not_detect():
    assert evaluate([CASE], [Annotation("q", 100, 200, 1000, 1100)])["plagdet"] == 0.0


def test_macro_average_over_cases_and_detections():
    other = Annotation("p", 500, 600, 3000, 3100)
    detections = [CASE, Annotation("p", 500, 700, 3000, 3200)]
    # recall: (1 + 1) / 2; precision: (1 + 0.5) / 2
    result = evaluate([CASE, other], detections)
    assert result["recall"] == pytest.approx(1.0)
    assert result["precision"] == pytest.approx(0.75)
    assert result["plagdet"] == pytest.approx(2 * 0.75 / 1.75)


def test_plagdet_formula():
    assert plagdet_score(0.5, 1.0, 1.0) == pytest.approx(2 / 3)
    assert plagdet_score(0.0, 0.0, 1.0) == 0.0
