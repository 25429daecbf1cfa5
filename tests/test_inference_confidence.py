"""Confidence as a probability: the link model and PAN-13 pairs through the public API."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.alignment import read_pairs, split_of
from benchmarks.reliability import NEGATIVE, PAN, run_pair
from lineage.inference.confidence import link_probability
from lineage.inference.evidence import FEATURES


def _holdout(category: str, count: int) -> list[tuple[str, str, str]]:
    return [p for p in read_pairs(PAN, category) if split_of(p[0]) == "holdout"][:count]


@pytest.fixture(scope="module")
def pan():
    if not PAN.is_dir():
        pytest.skip(f"PAN-13 training corpus absent: {PAN}")
    return {
        category: [run_pair(PAN, category, *pair, dated=True) for pair in _holdout(category, 6)]
        for category in (NEGATIVE, "02-no-obfuscation")
    }


def test_verbatim_reuse_pairs_are_linked_from_their_source(pan):
    rows = pan["02-no-obfuscation"]
    assert [row["linked"] for row in rows] == [True] * len(rows)
    assert [row["parent"] for row in rows] == ["src"] * len(rows)
    assert min(row["confidence"] for row in rows) >= 0.9


def test_negative_pairs_are_not_linked(pan):
    assert [row["linked"] for row in pan[NEGATIVE]] == [False] * len(pan[NEGATIVE])


def test_more_shared_material_never_makes_reuse_less_probable():
    shared = np.log1p(np.arange(0, 200, 5, dtype=float))[:, None]
    assert shared.shape[1] == len(FEATURES)
    probability = link_probability(shared)
    assert (np.diff(probability) >= 0).all()
    assert probability[0] < probability[-1]
