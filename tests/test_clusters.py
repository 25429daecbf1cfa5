from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from scipy.sparse import csr_matrix

from benchmarks.near_duplicate_corpus import generate, true_pairs
from lineage import schema
from lineage.clusters import cluster_pairs
from lineage.errors import ParameterError
from lineage.shingle import shingle_batch, shingle_hashes
from lineage.sketch import lsh_candidates, minhash_signatures
from lineage.verify import score_pairs

SEEDS = sorted((Path(__file__).resolve().parents[1] / "seeds").glob("*.txt"))
TEXTS = [path.read_text(encoding="utf-8") for path in SEEDS]
IDS = [path.stem for path in SEEDS]


@pytest.fixture(scope="module")
def corpus():
    return generate(400, seed=21)


@pytest.fixture(scope="module")
def scored(corpus):
    hashes = shingle_hashes(corpus.texts)
    candidates = lsh_candidates(minhash_signatures(hashes), threshold=0.5)
    return score_pairs(candidates, hashes, corpus.texts, corpus.ids)


def test_generated_truth_holds_every_similar_pair(corpus):
    # Brute force over all pairs (a document x shingle incidence matrix): pairs outside
    # a shared family are never similar.
    sets = [np.unique(h) for h in shingle_hashes(corpus.texts)]
    _, columns = np.unique(np.concatenate(sets), return_inverse=True)
    rows = np.repeat(np.arange(len(sets)), [s.size for s in sets])
    incidence = csr_matrix((np.ones(rows.size), (rows, columns)))
    shared = (incidence @ incidence.T).toarray()
    sizes = np.array([s.size for s in sets])
    jaccard = shared / (sizes[:, None] + sizes[None, :] - shared)
    position = {doc: k for k, doc in enumerate(corpus.ids)}
    for a, b in zip(corpus.pairs["a"], corpus.pairs["b"], strict=True):
        jaccard[position[a], position[b]] = jaccard[position[b], position[a]] = 0.0
    np.fill_diagonal(jaccard, 0.0)
    assert jaccard.max() < 0.15
    scores = corpus.pairs["jaccard"]
    assert ((scores > 0.4) & (scores < 0.6)).sum() > 20  # pairs near the threshold


def test_clusters_are_the_components_of_the_true_pairs(corpus, scored):
    table = cluster_pairs(scored, corpus.ids, threshold=0.5)
    graph = nx.Graph(true_pairs(corpus, 0.5))
    expected = {frozenset(c) for c in nx.connected_components(graph)}
    found = {frozenset(group["id"]) for _, group in table.groupby("cluster")}
    agree = len(expected & found) / len(expected)
    assert agree >= 0.95
    assert list(table.columns) == schema.columns("clusters")


def test_cluster_ids_are_stable_across_runs_and_input_orders(corpus, scored):
    first = cluster_pairs(scored, corpus.ids, threshold=0.5)
    rng = np.random.default_rng(2)
    shuffled_pairs = scored.iloc[rng.permutation(len(scored))]
    flipped = shuffled_pairs.rename(
        columns={
            "a": "b",
            "b": "a",
            "containment_a_in_b": "containment_b_in_a",
            "containment_b_in_a": "containment_a_in_b",
        }
    )
    shuffled_ids = [corpus.ids[k] for k in rng.permutation(len(corpus.ids))]
    second = cluster_pairs(flipped, shuffled_ids, threshold=0.5)
    pd.testing.assert_frame_equal(first, second)
    assert first["cluster"].iloc[0] == "c0"


def test_every_member_names_its_evidence(corpus, scored):
    table = cluster_pairs(scored, corpus.ids, threshold=0.5)
    pair_scores = {frozenset((row.a, row.b)): row.jaccard for row in scored.itertuples(index=False)}
    for row in table.itertuples(index=False):
        assert row.matched != row.id
        assert row.jaccard == pytest.approx(pair_scores[frozenset((row.id, row.matched))])
        assert row.jaccard >= 0.5
        members = set(table.loc[table["cluster"] == row.cluster, "id"])
        assert row.matched in members
        assert row.representative in members
    assert table.groupby("cluster")["id"].size().min() >= 2


def pairs_frame(rows):
    return pd.DataFrame(
        [
            dict(
                a=a,
                b=b,
                jaccard=j,
                containment_a_in_b=ca,
                containment_b_in_a=cb,
                tfidf_cosine=j,
                shared_chars=0,
            )
            for a, b, j, ca, cb in rows
        ]
    )


def test_representative_has_the_highest_summed_similarity_and_members_prefer_it():
    # A star around "hub" plus a chain hub - leaf3 - tail, and one singleton.
    pairs = pairs_frame(
        [
            ("hub", "leaf1", 0.7, 0.8, 0.8),
            ("hub", "leaf2", 0.6, 0.7, 0.7),
            ("hub", "leaf3", 0.55, 0.6, 0.6),
            ("leaf3", "tail", 0.9, 0.9, 0.95),
            ("alone", "hub", 0.1, 0.2, 0.2),
        ]
    )
    ids = ["tail", "leaf3", "leaf2", "leaf1", "hub", "alone"]
    table = cluster_pairs(pairs, ids, threshold=0.5).set_index("id")
    assert set(table.index) == {"hub", "leaf1", "leaf2", "leaf3", "tail"}
    assert (table["representative"] == "hub").all()
    assert table.loc["leaf3", "matched"] == "hub"  # the representative beats tail's 0.9
    assert table.loc["tail", "matched"] == "leaf3"
    assert table.loc["hub", "matched"] == "leaf1"
    assert table.loc["tail", "containment"] == pytest.approx(0.95)


def test_ties_go_to_the_longest_text_then_the_smallest_id():
    pairs = pairs_frame([("x", "y", 0.8, 0.8, 0.8)])
    assert cluster_pairs(pairs, ["x", "y"])["representative"].iloc[0] == "x"
    longer_y = cluster_pairs(pairs, ["x", "y"], lengths=[10, 20])
    assert longer_y["representative"].iloc[0] == "y"


def test_containment_measure_joins_the_abridged_rewrite_to_the_wire_story():
    shingles = shingle_batch(TEXTS)
    pairs = score_pairs(pd.DataFrame({"a": [0], "b": [1]}), shingles, TEXTS, IDS)
    by_jaccard = cluster_pairs(pairs, IDS, threshold=0.5)
    by_containment = cluster_pairs(pairs, IDS, threshold=0.5, measure="containment")
    assert by_jaccard.empty
    assert set(by_containment["id"]) == {IDS[0], IDS[1]}
    row = by_containment.set_index("id").loc[IDS[0]]
    assert row["matched"] == IDS[1]
    assert row["containment"] > 0.5


def test_bad_arguments_are_named():
    pairs = pairs_frame([("x", "y", 0.8, 0.8, 0.8)])
    with pytest.raises(ParameterError, match=r"'measure' must be one of"):
        cluster_pairs(pairs, ["x", "y"], measure="cosine")
    with pytest.raises(ParameterError, match=r"not in 'ids': \['y'\]"):
        cluster_pairs(pairs, ["x"])
    with pytest.raises(ParameterError, match=r"'threshold' must be in \[0, 1\]"):
        cluster_pairs(pairs, ["x", "y"], threshold=2)
