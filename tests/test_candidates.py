"""Candidate pairs: exact duplicates are one group, paired with their representative only."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import lineage
from lineage.candidates import candidate_pairs, sketch_texts
from lineage.runners import LocalRunner

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def seed(prefix: str) -> str:
    return next(SEEDS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


def _candidates(texts: list[str], **options) -> pd.DataFrame:
    sketches = sketch_texts(texts, shingle_size=5, num_perm=64, seed=1, runner=LocalRunner())
    return candidate_pairs(
        sketches, threshold=0.5, containment_threshold=0.3, exhaustive_below=0, **options
    )


def test_a_repeated_one_word_text_is_one_group_of_linear_size():
    texts = ["Reuters"] * 400 + ["REUTERS."] * 100 + [f"word{k}" for k in range(100)]
    found = _candidates(texts)
    # 500 copies (case and punctuation do not matter) are 499 pairs with the first copy;
    # before grouping, each copy was paired up to the budget (about 50 x 500 rows).
    assert len(found) == 499
    assert (found["a"] == 0).all() and sorted(found["b"]) == list(range(1, 500))


def test_the_representative_follows_the_rank_not_the_input_order():
    texts = ["an identical notice to all members"] * 3 + ["something else entirely here"]
    found = _candidates(texts, rank=["c", "a", "b", "d"])
    assert found.values.tolist() == [[0, 1], [1, 2]]


def test_analyze_reports_exact_duplicates_as_pairs_and_whole_passages():
    wire, other = seed("001"), seed("003")
    ids = ["w1", "w2", "w3", "w4", "nyt"]
    result = lineage.analyze(pd.DataFrame({"id": ids, "text": [wire] * 4 + [other]}))
    copies = result.pairs[result.pairs["jaccard"] == 1.0]
    # Four copies: three pairs, all with the representative (the first id: no dates,
    # same text), instead of six; each copy shares its whole text with it.
    assert copies[["a", "b"]].values.tolist() == [["w1", "w2"], ["w1", "w3"], ["w1", "w4"]]
    whole = result.passages[result.passages["b"].isin(["w2", "w3", "w4"])]
    assert len(whole) == 3 and set(whole["a"]) == {"w1"}
    assert (whole["a_end"] - whole["a_start"]).min() >= len(wire.strip()) - 1
    docs = result.documents.set_index("id")
    assert (docs.loc[["w1", "w2", "w3", "w4"], "reuse_fraction"] >= 0.99).all()
    # The copies keep what the other story shares with the wire (through w1).
    assert result.pairs.loc[result.pairs["a"] == "nyt", "b"].tolist() == ["w1"]


def test_the_earliest_copy_represents_its_duplicates():
    wire = seed("001")
    frame = pd.DataFrame(
        {
            "id": ["x", "y", "z"],
            "text": [wire] * 3,
            "date": ["2025-05-16", "2025-05-14", "2025-05-15"],
        }
    )
    result = lineage.analyze(frame)
    assert result.pairs[["a", "b"]].values.tolist() == [["x", "y"], ["y", "z"]]
    assert set(result.edges["parent"]) == {"y"}
