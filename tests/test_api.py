"""The Python API on the seeds and on small corpora with known answers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import lineage
from lineage.errors import ParameterError

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
WIRE, ABRIDGED, REWRITE, NYT, RFERL = (
    "001_bf39bc6a18a36fb4",
    "000_30916bffc445b469",
    "002_8a724f554aead3e1",
    "003_519159185b2807fc",
    "004_1cade51c715f05f0",
)


@pytest.fixture(scope="module")
def seeds() -> lineage.Analysis:
    return lineage.analyze(SEEDS)


@pytest.fixture(scope="module")
def seed_texts() -> dict[str, str]:
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))}


def test_near_duplicates_takes_lists_series_and_frames(seed_texts: dict[str, str]) -> None:
    wire = seed_texts[WIRE]
    texts = [wire, wire.replace("Thursday", "Friday"), seed_texts[NYT]]
    as_list = lineage.near_duplicates(texts, threshold=0.5)
    assert as_list[["a", "b"]].values.tolist() == [["0", "1"]]
    series = pd.Series(texts, index=["w", "w2", "nyt"])
    assert lineage.near_duplicates(series)[["a", "b"]].values.tolist() == [["w", "w2"]]
    frame = pd.DataFrame({"id": ["x", "y", "z"], "text": texts})
    found = lineage.near_duplicates(frame)
    assert found.columns.tolist()[:6] == [
        "a",
        "b",
        "jaccard",
        "containment_a_in_b",
        "containment_b_in_a",
        "tfidf_cosine",
    ]
    assert found.loc[0, "jaccard"] > 0.8


def test_near_duplicates_by_containment_finds_an_abridged_rewrite(
    seed_texts: dict[str, str],
) -> None:
    wire = seed_texts[WIRE]
    lead = wire[: len(wire) // 3]
    texts = pd.Series([wire, lead, seed_texts[RFERL]], index=["wire", "lead", "other"])
    by_jaccard = lineage.near_duplicates(texts, 0.6)
    assert by_jaccard.empty
    by_containment = lineage.near_duplicates(texts, 0.6, measure="containment")
    row = by_containment.set_index(["a", "b"]).loc[("lead", "wire")]
    assert row["containment_a_in_b"] > 0.9


def test_parameters_are_checked_with_a_diagnosis() -> None:
    with pytest.raises(ParameterError, match=r"'threshold' must be in \[0, 1\] \(got 1.5\)"):
        lineage.near_duplicates(["a b c", "a b c"], threshold=1.5)
    with pytest.raises(ParameterError, match="'measure' must be one of"):
        lineage.near_duplicates(["a b c", "a b c"], measure="cosine")


def test_clusters_name_a_representative_and_each_members_match(
    seed_texts: dict[str, str],
) -> None:
    wire = seed_texts[WIRE]
    texts = pd.Series(
        [
            wire,
            wire.replace("Thursday", "Friday"),
            wire.replace("Putin", "Mr Putin"),
            seed_texts[NYT],
        ],
        index=["wire", "copy1", "copy2", "nyt"],
    )
    clusters = lineage.near_duplicate_clusters(texts)
    assert sorted(clusters["id"]) == ["copy1", "copy2", "wire"]
    assert clusters["cluster"].nunique() == 1
    assert clusters["representative"].nunique() == 1
    assert set(clusters["matched"]) <= {"wire", "copy1", "copy2"}
    again = lineage.near_duplicate_clusters(texts.iloc[::-1])
    assert sorted(again["cluster"]) == sorted(clusters["cluster"])


def test_every_seed_is_listed_with_figures(seeds: lineage.Analysis) -> None:
    docs = seeds.documents.set_index("id")
    assert sorted(docs.index) == sorted([WIRE, ABRIDGED, REWRITE, NYT, RFERL])
    assert (docs["status"] == "ok").all()
    for column in ("reuse_fraction", "prose_reuse_fraction", "quote_fraction", "original_fraction"):
        assert docs[column].between(0, 1).all(), column
    total = docs["reuse_fraction"] + docs["original_fraction"]
    assert (total.round(3) == 1).all()


def test_seed_figures_say_what_a_careful_reader_sees(seeds: lineage.Analysis) -> None:
    docs = seeds.documents.set_index("id")
    assert docs.loc[ABRIDGED, "prose_reuse_fraction"] >= 0.4
    for independent in (NYT, RFERL):
        assert docs.loc[independent, "prose_reuse_fraction"] < 0.10
        assert docs.loc[independent, "quote_fraction"] > 0
    assert docs.loc[REWRITE, "quote_fraction"] > 0.05


def test_every_figure_traces_to_passages(
    seeds: lineage.Analysis, seed_texts: dict[str, str]
) -> None:
    explained = seeds.explain(ABRIDGED)
    assert len(explained) > 0
    for row in explained.itertuples():
        assert row.text == seed_texts[ABRIDGED][row.start : row.end]
        assert row.other_text == seed_texts[row.other][row.other_start : row.other_end]
    quoted = explained[explained["kind"] == "quote"]
    assert quoted["text"].str.contains("Putin and I get together").any()


def test_the_derivation_matches_the_reading_of_the_seeds(seeds: lineage.Analysis) -> None:
    docs = seeds.documents.set_index("id")
    wire_family = {WIRE} | set(seeds.sources["id"])
    assert docs.loc[ABRIDGED, "parent"] in wire_family
    assert pd.isna(docs.loc[NYT, "parent"]) and pd.isna(docs.loc[RFERL, "parent"])
    family = {ABRIDGED, WIRE, *seeds.sources["id"]}
    assert docs.loc[REWRITE, "parent"] in family
    graph = seeds.graph
    assert graph.has_edge(docs.loc[ABRIDGED, "parent"], ABRIDGED)


def test_attribution_says_what_comes_from_which_source(seeds: lineage.Analysis) -> None:
    table = seeds.attribution.set_index(["document", "source"])
    chars = seeds.documents.set_index("id")["chars"]
    from_wire = table.loc[(ABRIDGED, WIRE)]
    assert from_wire["chars"] > 0.4 * chars[ABRIDGED]
    assert from_wire["chars"] == from_wire["quote_chars"] + from_wire["prose_chars"]
    assert (
        seeds.attribution.groupby("document")["chars"].sum()
        <= chars[seeds.attribution.groupby("document").size().index]
    ).all()


def test_the_same_corpus_gives_the_same_result(seeds: lineage.Analysis) -> None:
    again = lineage.analyze(SEEDS)
    for name in ("documents", "pairs", "passages", "sources", "edges", "attribution"):
        pd.testing.assert_frame_equal(getattr(seeds, name), getattr(again, name))


FOOTER = (
    "\u00a9 2025 Daily Example. All rights reserved.\n\n"
    "Sign up for the Daily Example briefing: the top stories in your inbox before seven.\n\n"
    "Have a story tip? Write to tips@daily.example: the newsroom reads every message."
)


def test_a_footer_on_every_article_changes_no_passage_and_no_edge(
    seed_texts: dict[str, str],
) -> None:
    """An outlet's footer on every article is framing, not evidence of reuse."""
    ids, bodies = list(seed_texts), [text.rstrip() for text in seed_texts.values()]
    plain = lineage.analyze(pd.DataFrame({"id": ids, "text": bodies}))
    footed = lineage.analyze(
        pd.DataFrame({"id": ids, "text": [body + "\n\n" + FOOTER for body in bodies]})
    )
    where = ["a", "a_start", "a_end", "b", "b_start", "b_end", "kind", "quote_chars"]
    pd.testing.assert_frame_equal(plain.passages[where], footed.passages[where])
    assert len(plain.passages) > 10
    pd.testing.assert_frame_equal(plain.pairs[["a", "b"]], footed.pairs[["a", "b"]])
    judged = ["parent", "child", "status"]
    pd.testing.assert_frame_equal(plain.edges[judged], footed.edges[judged])
    figures = ["id", "parent", "parent_status", "reuse_fraction", "quote_fraction"]
    # The blank lines between the footer's lines count as text: shares move by < 0.002.
    pd.testing.assert_frame_equal(
        plain.documents[figures], footed.documents[figures], check_exact=False, atol=0.002
    )
    assert (footed.documents["ignored_fraction"] > plain.documents["ignored_fraction"]).all()


def test_align_marks_quotation_and_prose(seed_texts: dict[str, str]) -> None:
    passages = lineage.align(seed_texts[NYT], seed_texts[RFERL])
    kinds = {p.kind for p in passages}
    assert "quote" in kinds
    prose = sum(p.a_end - p.a_start for p in passages if p.kind == "prose")
    assert prose < 0.1 * len(seed_texts[NYT])


def test_one_topic_corpus_stays_within_the_candidate_budget_and_finds_the_planted_copies():
    from benchmarks.near_duplicate_corpus import one_topic, true_pairs

    corpus = one_topic(300, seed=4)
    frame = pd.DataFrame({"id": corpus.ids, "text": corpus.texts})
    with pytest.warns(
        lineage.LineageWarning, match=r"candidate budget: .*\d+ documents had more than 5"
    ):
        found = lineage.near_duplicates(frame, 0.5, max_candidates=5)
    limits = found.attrs["limits"]
    assert limits["candidates_per_document"] == 5
    assert limits["capped_documents"] > 0 and limits["pairs_dropped"] > 0
    planted = true_pairs(corpus, 0.5)
    assert len(planted) >= 20
    recall = len(planted & set(zip(found["a"], found["b"], strict=True))) / len(planted)
    assert recall >= 0.95


def test_analysis_records_what_the_budget_left_out_in_lineage_json():
    from benchmarks.near_duplicate_corpus import one_topic

    corpus = one_topic(60, seed=5)
    frame = pd.DataFrame({"id": corpus.ids, "text": corpus.texts})
    with pytest.warns(lineage.LineageWarning, match="candidate budget"):
        result = lineage.analyze(frame, exhaustive_below=0, max_candidates=2)
    limits = result.to_dict()["limits"]
    assert limits["capped_documents"] > 0
    assert "raise max_candidates" in limits["note"]
    assert len(result.pairs) <= 60 * 2
    with pytest.raises(ParameterError, match=r"'max_candidates' must be"):
        lineage.analyze(frame, max_candidates=0)


def test_near_duplicates_counts_the_shared_characters_of_identical_texts():
    wire = (SEEDS / "001_bf39bc6a18a36fb4.txt").read_text(encoding="utf-8")
    pairs = lineage.near_duplicates([wire, wire, "An unrelated story about crops in Kansas."], 0.5)
    (row,) = pairs.itertuples()
    assert (row.a, row.b, row.jaccard) == ("0", "1", 1.0)
    # every char from the first token to the last; the closing full stop is no token
    assert row.shared_chars == len(wire.strip().removesuffix("."))


def test_near_duplicates_return_a_copys_pairs_with_its_originals_near_duplicates(
    seed_texts: dict[str, str],
) -> None:
    # The copy (same shingles, other case and quotes) and the rewrite share as much with
    # each other as the original does with the rewrite: all three pairs are returned.
    wire = seed_texts[WIRE]
    copy = wire.upper().replace("'", "\u2019")
    rewrite = wire.replace("Thursday", "Friday").replace("Putin", "the Kremlin leader")
    found = lineage.near_duplicates(pd.Series([wire, copy, rewrite], index=["w", "c", "r"]))
    pairs = found.set_index(["a", "b"])
    assert sorted(pairs.index) == [("c", "r"), ("c", "w"), ("r", "w")]
    assert pairs.loc[("c", "w"), "jaccard"] == 1.0
    assert pairs.loc[("c", "r"), "jaccard"] == pairs.loc[("r", "w"), "jaccard"] > 0.5


@pytest.mark.parametrize("measure", ["jaccard", "containment"])
def test_near_duplicates_are_every_pair_at_the_threshold_scored_as_score_pairs_does(measure):
    # Against every pair of a small generated corpus scored one way (score_pairs on all
    # pairs, exhaustive): the LSH path finds the same pairs with the same scores.
    from itertools import combinations

    from benchmarks.near_duplicate_corpus import generate
    from lineage.clusters import MEASURES
    from lineage.shingle import shingle_batch
    from lineage.verify import score_pairs, tfidf_cosines

    corpus = generate(80, seed=6)
    everything = pd.DataFrame(list(combinations(range(80), 2)), columns=["a", "b"])
    exact = score_pairs(everything, shingle_batch(corpus.texts), None, corpus.ids, tfidf=False)
    exact = exact[exact[list(MEASURES[measure])].max(axis=1) >= 0.5].reset_index(drop=True)
    frame = pd.DataFrame({"id": corpus.ids, "text": corpus.texts})
    found = lineage.near_duplicates(frame, 0.5, measure=measure)
    assert len(exact) > 25
    columns = ["a", "b", "jaccard", "containment_a_in_b", "containment_b_in_a", "shared_chars"]
    ranked = found[columns].sort_values(["a", "b"], ignore_index=True)
    pd.testing.assert_frame_equal(ranked, exact[columns].sort_values(["a", "b"], ignore_index=True))
    position = {doc_id: k for k, doc_id in enumerate(corpus.ids)}
    a, b = found["a"].map(position).to_numpy(), found["b"].map(position).to_numpy()
    np.testing.assert_allclose(found["tfidf_cosine"], tfidf_cosines(a, b, corpus.texts))
