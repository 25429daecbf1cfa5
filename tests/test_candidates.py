"""Candidate pairs: sketches of each text, and exact duplicates as one group (or not)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import lineage
from lineage.candidates import Sketches, candidate_pairs, sketch_sets, sketch_texts
from lineage.errors import CorpusError, ParameterError
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


def test_sketch_sets_equal_each_texts_sets_and_signatures_whatever_the_batches():
    from benchmarks.near_duplicate_corpus import generate
    from lineage.shingle import shingle_hashes
    from lineage.sketch import minhash_signatures

    texts = [*generate(40, seed=2).texts, "", "Short.", seed("001")]
    hashes = shingle_hashes(texts)
    for batch in (7, 1_000):
        sets, signatures = sketch_sets(
            texts, shingle_size=5, num_perm=32, seed=3, runner=LocalRunner(), batch=batch
        )
        assert len(sets) == len(texts)
        for mine, values in zip(sets.arrays(), hashes, strict=True):
            assert np.array_equal(mine, np.unique(values))
        assert np.array_equal(signatures, minhash_signatures(hashes, num_perm=32, seed=3))


def test_copies_can_be_candidates_like_any_document():
    wire = seed("001")
    rewrite = wire.replace("Thursday", "Friday")
    texts = [wire, wire.upper(), rewrite]
    sets, signatures = sketch_sets(texts, shingle_size=5, num_perm=64, seed=1, runner=LocalRunner())
    sketches = Sketches(sets.arrays(), signatures, sets.sizes())
    options = {"threshold": 0.5, "containment_threshold": None, "exhaustive_below": 0}
    grouped = candidate_pairs(sketches, **options)
    assert grouped.values.tolist() == [[0, 1], [0, 2]]  # the copy only with its original
    every = candidate_pairs(sketches, group_copies=False, **options)
    assert every.values.tolist() == [[0, 1], [0, 2], [1, 2]]


def test_no_containment_threshold_bands_for_jaccard_only():
    wire = seed("001")
    lead = wire[: len(wire) // 4]
    runner = LocalRunner()
    sketches = sketch_texts([wire, lead], shingle_size=5, num_perm=128, seed=1, runner=runner)
    options = {"threshold": 0.8, "exhaustive_below": 0}
    assert candidate_pairs(sketches, containment_threshold=0.8, **options).values.tolist() == [
        [0, 1]
    ]
    assert candidate_pairs(sketches, containment_threshold=None, **options).empty


def test_a_plain_list_gives_what_the_loaded_corpus_gives():
    # A list of plain strings skips the document records of load_corpus; a Series of the
    # same texts (ids from its index, "0", "1", ...) goes through them: same pairs. A list
    # with a blank text or a NUL goes through them too (the blank one is skipped).
    wire = (
        "Russia's Vladimir Putin spurned a challenge to meet face-to-face with Ukrainian "
        "President Volodymyr Zelensky in Turkey on Thursday, dealing a blow to prospects for "
        "a peace breakthrough, while the talks in Istanbul went ahead without both leaders."
    )
    texts = [wire, wire.replace("Thursday", "Friday"), "Crops failed.", wire + " More."]
    plain = lineage.near_duplicates(texts, 0.5)
    assert len(plain) == 3
    pd.testing.assert_frame_equal(plain, lineage.near_duplicates(pd.Series(texts), 0.5))
    odd = lineage.near_duplicates([*texts, "   ", "a\x00b"], 0.5)
    pd.testing.assert_frame_equal(plain, odd)


def test_a_plain_list_is_checked_as_a_loaded_corpus_is():
    # The list fast path keeps load_corpus's refusals: nothing usable, and bad options.
    with pytest.raises(CorpusError, match="no usable text"):
        lineage.near_duplicates([], 0.5)
    with pytest.raises(ParameterError, match="'id_column' must be a non-empty string"):
        lineage.near_duplicates(["one text", "another"], 0.5, id_column="")
    with pytest.raises(ParameterError, match="must differ"):
        lineage.near_duplicates(["one text", "another"], 0.5, id_column="text")
