"""Confidence as a probability: the fitted model, and PAN-13 pairs through the public API."""

from __future__ import annotations

import json
from importlib.resources import files

import numpy as np
import pytest

from benchmarks.alignment import read_pairs, split_of
from benchmarks.reliability import (
    NEGATIVE,
    NO_CASE,
    PAN,
    analyse_pan_pair,
    labelled_pairs,
    pan_rows,
)
from lineage.inference.confidence import link_probability
from lineage.inference.model import FEATURES, MODEL_FILE, confidence_model
from lineage.inference.params import DEFAULTS


def _holdout(category: str, count: int) -> list[tuple[str, str, str]]:
    return [p for p in read_pairs(PAN, category) if split_of(p[0]) == "holdout"][:count]


@pytest.fixture(scope="module")
def pan():
    if not PAN.is_dir():
        pytest.skip(f"PAN-13 training corpus absent: {PAN}")
    cached = [
        analyse_pan_pair(PAN, category, *pair)
        for category in (NEGATIVE, "02-no-obfuscation")
        for pair in _holdout(category, 6)
    ]
    rows = pan_rows(PAN, cached)
    return {dated: part for dated, part in rows.groupby("dated")}


def test_verbatim_reuse_pairs_are_linked_from_their_source_when_dated(pan):
    rows = pan[True][pan[True]["reuse"]]
    assert rows["linked"].all() and rows["claimed"].all()
    assert (rows["parent"] == "src").all()
    assert rows["confidence"].min() >= 0.9


def test_undated_verbatim_reuse_pairs_stay_linked(pan):
    # Without dates two documents sharing a passage are still one family: the link is
    # kept, whether or not its direction can be told.
    rows = pan[False][pan[False]["reuse"]]
    assert rows["linked"].all()
    assert rows["confidence"].min() >= 0.9


def test_negative_pairs_are_not_linked(pan):
    for rows in pan.values():
        assert not rows.loc[~rows["reuse"], "linked"].any()


def test_more_shared_material_never_makes_reuse_less_probable():
    features = np.tile([0.0, 0.5, 0.5, 0.1, 0.9, 6.0], (40, 1))
    features[:, FEATURES.index("log_shared")] = np.log1p(np.arange(0, 200, 5, dtype=float))
    probability = link_probability(features)
    assert (np.diff(probability) >= 0).all()
    assert probability[0] < probability[-1]


def test_the_model_is_plain_numbers_and_says_where_it_was_fitted():
    data = json.loads(files("lineage.inference").joinpath(MODEL_FILE).read_text())
    assert data["link"]["features"] == list(FEATURES)
    assert "tune" in data["fitted_on"] and "Reuters" in data["fitted_on"]
    model = confidence_model()
    # The direction model is antisymmetric: swapping the two texts gives the complement.
    cues = np.array([[0.3, -0.2, 0.5, -0.1, 0.2]])
    assert np.allclose(model.direction(cues) + model.direction(-cues), 1.0)


@pytest.fixture(scope="module")
def obfuscated():
    if not PAN.is_dir():
        pytest.skip(f"PAN-13 training corpus absent: {PAN}")
    category = "03-random-obfuscation"
    cached = [analyse_pan_pair(PAN, category, *pair) for pair in _holdout(category, 5)]
    rows = pan_rows(PAN, cached)
    return rows[rows["dated"]]


def test_a_reworded_passage_lifted_into_a_long_document_is_linked(obfuscated):
    # A reworded paragraph is a small share of a long document and shares few verbatim
    # 3-grams: once the passage floor kept it, the link model decides, not a share floor.
    found = obfuscated[obfuscated["features"].notna()]
    assert len(found) >= 3
    assert (found["features"].str[1] < DEFAULTS.min_fraction).any()
    assert found["linked"].all() and (found["parent"] == "src").all()


def test_summary_pairs_without_a_case_are_negatives():
    # 05 lists summaries paired with unrelated sources: their truth holds no case.
    if not PAN.is_dir():
        pytest.skip(f"PAN-13 training corpus absent: {PAN}")
    labels = {pair[0]: label for label, pairs in labelled_pairs(PAN).items() for pair in pairs}
    assert labels["suspicious-document01448-source-document02516"] == NO_CASE
    assert labels["suspicious-document00361-source-document02197"] == "05-summary-obfuscation"
    counts = {label: len(pairs) for label, pairs in labelled_pairs(PAN).items()}
    assert counts["05-summary-obfuscation"] + counts[NO_CASE] == 1185
    assert counts["02-no-obfuscation"] == 1000
