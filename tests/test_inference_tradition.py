"""Latent sources and attribution on the seeds and on generated corpora with known truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from benchmarks.lineage_corpus import news_corpus, seed_texts
from benchmarks.lineage_eval import pipeline_tables
from lineage import schema
from lineage.errors import ParameterError
from lineage.inference import InferenceParams, infer_lineage
from lineage.inference.evidence import reuse_evidence
from lineage.inference.tradition import neighbor_joining
from lineage.shingle import shingle


def _short(doc: str) -> str:
    return doc[:3]


@pytest.fixture(scope="module")
def seeds():
    texts = seed_texts()
    ids = sorted(texts)
    _, passages = pipeline_tables(ids, [texts[k] for k in ids])
    return ids, [texts[k] for k in ids], passages


@pytest.fixture(scope="module")
def missing_wire():
    """Five rewrites of a wire story that is not in the corpus, plus an independent story."""
    corpus = news_corpus(11, remove="wire", n_second=0, n_independent=1)
    _, passages = pipeline_tables(corpus.ids, corpus.texts)
    return corpus, passages


def test_seed_quotations_make_no_family(seeds):
    ids, texts, passages = seeds
    result = infer_lineage(ids, texts, passages)
    family = {_short(k): v for k, v in result.families.items()}
    assert family["000"] == family["001"] != -1
    assert family["003"] == -1 and family["004"] == -1
    for members in result.sources["members"]:
        assert not {_short(m) for m in members} & {"003", "004"}


def test_shared_quotations_are_not_material(seeds):
    ids, texts, passages = seeds
    index = {_short(k): i for i, k in enumerate(ids)}
    quoted = passages[(passages["kind"] == "quote") & passages["a"].str.startswith("001")]
    assert quoted["b"].str.startswith("003").any()  # 001 and 003 do share quotations
    evidence = reuse_evidence(ids, texts, passages)
    assert evidence.shared[index["001"], index["003"]] < 8
    assert evidence.shared[index["000"], index["001"]] > 200  # the abridged rewrite


def test_many_rewrites_of_a_missing_wire_hang_from_one_latent_source(missing_wire):
    corpus, passages = missing_wire
    result = infer_lineage(corpus.ids, corpus.texts, passages)
    assert result.sources["id"].str.startswith("latent:").all()
    hanging = [doc for doc in corpus.ids if str(result.parents[doc]).startswith("latent:")]
    rewrites = [doc for doc in corpus.ids if doc.startswith("r")]
    # The generator's truth: all five rewrites draw on the one latent source, and the
    # independent story stays out.
    assert hanging == rewrites and len({result.parents[d] for d in hanging}) == 1
    assert result.parents["i1"] is None


def test_latent_text_reconstructs_the_missing_wire(missing_wire):
    corpus, passages = missing_wire
    result = infer_lineage(corpus.ids, corpus.texts, passages)
    rebuilt = result.sources["text"].iloc[0]
    assert result.sources["chars"].iloc[0] == len(rebuilt)
    wire = news_corpus(11).texts[0]
    got = set(shingle(rebuilt, n=3).hashes.tolist())
    want = set(shingle(wire, n=3).hashes.tolist())
    assert len(got & want) / len(got) > 0.6  # mostly wire text...
    assert len(got & want) / len(want) > 0.5  # ...and most of the wire


def test_attribution_lists_the_latent_source_with_prose_and_quotation(missing_wire):
    corpus, passages = missing_wire
    result = infer_lineage(corpus.ids, corpus.texts, passages)
    table = result.attribution
    assert list(table.columns) == ["document", "source", "chars", "quote_chars", "prose_chars"]
    latent = table[table["source"].str.startswith("latent:")]
    assert len(latent) >= 4
    assert (latent["prose_chars"] > 500).all() and (latent["quote_chars"] > 0).all()
    assert (latent["chars"] <= latent["prose_chars"] + latent["quote_chars"]).all()


def test_present_wire_is_the_source_and_no_latent_is_made():
    corpus = news_corpus(11, n_second=0, n_independent=1)
    _, passages = pipeline_tables(corpus.ids, corpus.texts)
    result = infer_lineage(corpus.ids, corpus.texts, passages)
    assert result.sources.empty
    assert list(result.sources.columns)[:4] == schema.columns("sources")
    assert all(result.parents[r] == "wire" for r in corpus.ids if r.startswith("r"))


def test_no_latent_source_above_a_rewrite_whose_own_text_its_copy_carries():
    # Seed 100: s1 copies r4, r4 rewrites the wire; the n-grams r4 adds to the wire are
    # shared only with s1, which carries nothing r4 lacks. r4 explains them: no latent.
    corpus = news_corpus(100)
    _, passages = pipeline_tables(corpus.ids, corpus.texts)
    result = infer_lineage(corpus.ids, corpus.texts, passages)
    assert result.sources.empty
    assert not result.edges["parent"].str.startswith("latent:").any()
    assert result.parents["wire"] is None
    assert (result.parents["r4"], result.parents["s1"]) == ("wire", "r4")


def test_neighbor_joining_reproduces_the_worked_example():
    # The five-taxon example of Saitou and Nei's method as tabulated on Wikipedia's
    # "Neighbor joining" page: branch lengths a 2, b 3, c 4, d 2, e 1 and inner 3, 2.
    d = np.array(
        [[0, 5, 9, 9, 8], [5, 0, 10, 10, 9], [9, 10, 0, 8, 7], [9, 10, 8, 0, 3], [8, 9, 7, 3, 0]],
        dtype=float,
    )
    tree = neighbor_joining(d, list("abcde"), prefix="u")
    assert sorted(tree.edges(data="length")) == [
        ("a", "u1", 2.0),
        ("b", "u1", 3.0),
        ("c", "u2", 4.0),
        ("d", "u3", 2.0),
        ("e", "u3", 1.0),
        ("u1", "u2", 3.0),
        ("u2", "u3", 2.0),
    ]


def test_parameters_are_checked_at_the_boundary():
    empty = schema.frame("passages", [])
    with pytest.raises(ParameterError, match=r"'min_shared' must be a whole number >= 1"):
        infer_lineage(["a"], ["text"], empty, params=InferenceParams(min_shared=0))
    with pytest.raises(ParameterError, match="differ in length"):
        infer_lineage(["a", "b"], ["text"], empty)
    with pytest.raises(ParameterError, match="unique"):
        infer_lineage(["a", "a"], ["x", "y"], empty)


def test_no_passages_means_no_sources_and_no_parents():
    result = infer_lineage(
        ["a", "b"], ["one text", "another"], pd.DataFrame(schema.frame("passages", []))
    )
    assert result.sources.empty and result.attribution.empty
    assert result.parents == {"a": None, "b": None}
