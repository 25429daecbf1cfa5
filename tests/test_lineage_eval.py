"""Stemma metrics against hand-computed cases, and the generators' truth."""

from __future__ import annotations

import re

import networkx as nx
import pytest

from benchmarks.lineage_corpus import manuscript_corpus, news_corpus
from benchmarks.lineage_eval import reliability
from benchmarks.stemma import contract_truth, match_latents, parent_accuracy, sign_similarity


def test_sign_similarity_of_a_graph_with_itself_is_one():
    tree = nx.DiGraph([("L", "a"), ("L", "b"), ("a", "c"), ("a", "d")])
    assert sign_similarity(tree, tree, ["a", "b", "c", "d"]) == 1.0


def test_sign_similarity_swapped_chain_by_hand():
    # True a-b-c; inferred a-c-b. Per ordered triple (A; B, C), true vs inferred signs:
    # (a; b,c) -1/+1 -> 0, (a; c,b) +1/-1 -> 0, (b; a,c) 0/+1 -> 1/2, (b; c,a) 0/-1 -> 1/2,
    # (c; a,b) +1/0 -> 1/2, (c; b,a) -1/0 -> 1/2. Mean 2/6.
    truth = nx.Graph([("a", "b"), ("b", "c")])
    inferred = nx.Graph([("a", "c"), ("c", "b")])
    assert sign_similarity(truth, inferred, ["a", "b", "c"]) == pytest.approx(2 / 6)


def test_sign_similarity_star_around_lost_node_against_chain_by_hand():
    # All true distances are 2 (sign 0). The chain a-b-c gives signs -1, +1 from a,
    # 0, 0 from b and +1, -1 from c: scores 1/2, 1/2, 1, 1, 1/2, 1/2 -> 4/6.
    star = nx.Graph([("L", "a"), ("L", "b"), ("L", "c")])
    chain = nx.Graph([("a", "b"), ("b", "c")])
    assert sign_similarity(star, chain, ["a", "b", "c"]) == pytest.approx(4 / 6)


def test_sign_similarity_counts_unconnected_texts_as_equally_far():
    # An empty inferred graph makes every inferred sign 0; against the chain a-b-c that
    # is 1/2 for the four triples with a true sign +-1 and 1 for the two with 0.
    chain = nx.Graph([("a", "b"), ("b", "c")])
    empty = nx.Graph()
    assert sign_similarity(chain, empty, ["a", "b", "c"]) == pytest.approx(4 / 6)


def test_sign_similarity_paths_run_through_latent_nodes():
    truth = nx.DiGraph([("wire", "a"), ("wire", "b"), ("a", "c")])
    inferred = nx.DiGraph([("latent:1", "a"), ("latent:1", "b"), ("a", "c")])
    assert sign_similarity(truth, inferred, ["a", "b", "c"]) == 1.0


def test_parent_accuracy_matches_latents_to_lost_parents_one_to_one():
    truth = {"a": "wire", "b": "wire", "c": "a", "d": "lost2", "e": "lost2"}
    inferred = {"a": "latent:1", "b": "latent:1", "c": "a", "d": "latent:1", "e": "latent:2"}
    # latent:1 stands for wire (two children agree), so latent:2 for lost2: a, b, c, e right.
    assert match_latents(truth, inferred, truth) == {"latent:1": "wire", "latent:2": "lost2"}
    assert parent_accuracy(truth, inferred, list(truth)) == pytest.approx(4 / 5)


def test_contract_truth_keeps_lost_nodes_with_two_extant_lines_only():
    parents = {"root": None, "x": "root", "a": "x", "y": "root", "b": "y", "c": "y"}
    # x is lost with one extant child: a hangs from root; y keeps two children.
    assert contract_truth(parents, ["a", "b", "c", "root"]) == {
        "a": "root",
        "b": "y",
        "c": "y",
        "root": None,
    }


def test_reliability_table_bins_and_high_confidence_row():
    table = reliability([(0.95, True), (0.85, False), (0.1, True), (0.5, True)])
    assert table.loc[">= 0.8", "decisions"] == 2
    assert table.loc[">= 0.8", "right"] == 0.5


def test_news_corpus_is_deterministic_and_its_truth_is_consistent():
    one, two = news_corpus(3, remove="wire"), news_corpus(3, remove="wire")
    assert one.texts == two.texts
    assert "wire" not in one.ids
    truth = one.true_parents()
    assert all(truth[r] == "wire" for r in one.ids if r.startswith("r"))
    assert all(truth[i] is None for i in one.ids if i.startswith("i"))
    for child in (s for s in one.ids if s.startswith("s")):
        assert truth[child] in one.ids


def test_independent_stories_share_quotations_but_no_prose_with_the_wire():
    corpus = news_corpus(5)
    texts = dict(zip(corpus.ids, corpus.texts, strict=True))
    wire = set(texts["wire"].splitlines())
    for doc in ("i1", "i2"):
        shared = [s for s in texts[doc].splitlines() if s in wire]
        assert all(re.match(r"“", s) for s in shared)
    quotes = {q for q in re.findall(r"“([^”]+)”", texts["i1"])}
    assert any(q in texts[other] for q in quotes for other in corpus.ids if other != "i1")


def test_manuscript_corpus_records_lost_copies_and_contamination():
    corpus = manuscript_corpus(2, n_copies=12, n_contaminated=2)
    assert len(corpus.secondary) == 2
    lost = set(corpus.parents) - set(corpus.ids)
    assert lost and len(corpus.ids) >= 8
    graph = corpus.true_graph()
    assert nx.is_directed_acyclic_graph(graph)
    assert all(graph.in_degree(child) == 2 for child in corpus.secondary)
