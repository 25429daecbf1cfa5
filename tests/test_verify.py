import gzip
import json
import math
import re
from collections import Counter
from itertools import combinations, pairwise
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity

from lineage import schema
from lineage.errors import ParameterError
from lineage.shingle import shingle_batch, token_hashes
from lineage.verify import (
    ShingleSets,
    find_in_groups,
    score_pairs,
    shared_shingle_chars,
    tfidf_cosines,
)
from tests.shared_data import shared_data

SEEDS = sorted((Path(__file__).resolve().parents[1] / "seeds").glob("*.txt"))
TEXTS = [path.read_text(encoding="utf-8") for path in SEEDS]
IDS = [path.stem for path in SEEDS]
SHINGLES = shingle_batch(TEXTS)
ALL_PAIRS = pd.DataFrame(list(combinations(range(5), 2)), columns=["a", "b"])


def test_scores_match_closed_forms_and_directions_follow_the_ids():
    sets = [
        np.arange(1, 11, dtype=np.uint64),  # "zeta": 10 elements
        np.arange(6, 16, dtype=np.uint64),  # "alpha": overlaps zeta in 5 of 15
        np.arange(1, 5, dtype=np.uint64),  # "beta": inside zeta
    ]
    ids = ["zeta", "alpha", "beta"]
    candidates = pd.DataFrame({"a": [0, 0, 1], "b": [1, 2, 2]})
    table = score_pairs(candidates, sets, None, ids, tfidf=False).set_index(["a", "b"])
    row = table.loc[("alpha", "zeta")]
    assert row["jaccard"] == pytest.approx(5 / 15)
    assert row["containment_a_in_b"] == pytest.approx(0.5)
    row = table.loc[("beta", "zeta")]
    assert row["jaccard"] == pytest.approx(4 / 10)
    assert row["containment_a_in_b"] == pytest.approx(1.0)  # all of beta is in zeta
    assert row["containment_b_in_a"] == pytest.approx(0.4)
    row = table.loc[("alpha", "beta")]
    assert row["jaccard"] == 0.0
    assert np.isnan(row["tfidf_cosine"])


WORD = re.compile(r"[^\W_]+")


def reference_tfidf_cosine(texts, a, b):
    """The documented TF-IDF, one Python string per word, exact document frequencies."""
    rows = []
    for text in texts:
        words = [w for w in WORD.findall(text) if len(w) >= 2]
        ids = token_hashes(words).tolist()  # folded like lineage's words
        rows.append(Counter(ids + list(pairwise(ids))))
    df = Counter(term for row in rows for term in row)
    vectors = []
    for row in rows:
        weights = {
            t: (1 + math.log(c)) * (math.log((1 + len(texts)) / (1 + df[t])) + 1)
            for t, c in row.items()
        }
        norm = math.sqrt(sum(w * w for w in weights.values()))
        vectors.append({t: w / norm for t, w in weights.items()})
    return [
        sum(w * vectors[j].get(t, 0.0) for t, w in vectors[i].items())
        for i, j in zip(a, b, strict=True)
    ]


def test_tfidf_cosines_follow_the_documented_formula_on_the_seeds():
    pairs = ALL_PAIRS.to_numpy()
    found = tfidf_cosines(pairs[:, 0], pairs[:, 1], TEXTS)
    expected = reference_tfidf_cosine(TEXTS, pairs[:, 0], pairs[:, 1])
    # Only the hashed document-frequency columns differ from the exact computation.
    assert np.abs(found - np.array(expected)).max() < 1e-3
    assert found.min() > 0.05 and found.max() > 0.5


def test_tfidf_cosines_stay_close_to_scikit_learns_on_seeds_and_reuters():
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, strip_accents="unicode")
    pairs = ALL_PAIRS.to_numpy()
    exact = cosine_similarity(vectorizer.fit_transform(TEXTS))[pairs[:, 0], pairs[:, 1]]
    assert np.abs(tfidf_cosines(pairs[:, 0], pairs[:, 1], TEXTS) - exact).max() < 0.002
    path = shared_data("reuters-21578") / "reuters-000-013.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        texts = [json.loads(line)["text"] for line, _ in zip(lines, range(400), strict=False)]
    full = cosine_similarity(vectorizer.fit_transform(texts))
    a, b = np.triu_indices(len(texts), k=1)
    close = full[a, b] > 0.05  # the pairs worth a look, and a sample of the rest
    pick = np.flatnonzero(close | (np.arange(a.size) % 97 == 0))
    found = tfidf_cosines(a[pick], b[pick], texts)
    assert close.sum() > 500
    assert np.abs(found - full[a[pick], b[pick]]).max() < 0.02


def test_shingle_sets_overlap_as_intersect1d_even_where_top_bits_repeat():
    rng = np.random.default_rng(5)
    # Values that share their top 32 bits inside one set take the tie path of the lookup.
    high = rng.integers(0, 4, 3000).astype(np.uint64) << np.uint64(32)
    values = high | rng.integers(0, 50, 3000).astype(np.uint64)
    arrays = np.split(values, np.sort(rng.choice(np.arange(1, 3000), 39, replace=False)))
    arrays[7] = np.zeros(0, dtype=np.uint64)
    sets = ShingleSets.of(arrays)
    a, b = np.triu_indices(len(arrays), k=1)
    expected = [np.intersect1d(arrays[i], arrays[j]).size for i, j in zip(a, b, strict=True)]
    assert sets.overlaps(a, b).tolist() == expected
    assert sets.sizes().tolist() == [np.unique(x).size for x in arrays]
    assert max(expected) > 10


def test_wire_family_pairs_rank_above_every_pair_with_independent_reporting():
    table = score_pairs(ALL_PAIRS, SHINGLES, TEXTS, IDS)
    order = list(zip(table["a"].str[:3], table["b"].str[:3], strict=True))
    independent = [k for k, pair in enumerate(order) if {"003", "004"} & set(pair)]
    assert order.index(("000", "001")) < min(independent)
    assert order.index(("001", "002")) < min(independent)
    assert order[0] == ("000", "001")


def test_shared_chars_equal_a_char_mask_of_shared_shingles():
    table = score_pairs(pd.DataFrame({"a": [0], "b": [1]}), SHINGLES, TEXTS, IDS)
    small, large = (SHINGLES[0], SHINGLES[1])
    assert np.unique(small.hashes).size <= np.unique(large.hashes).size
    mask = np.zeros(len(TEXTS[0]), dtype=bool)
    for value, start, end in zip(small.hashes, small.starts, small.ends, strict=True):
        if value in set(large.hashes.tolist()):
            mask[start:end] = True
    assert table.loc[0, "shared_chars"] == mask.sum()
    assert 0 < mask.sum() < len(TEXTS[0])
    plain = score_pairs(
        pd.DataFrame({"a": [0], "b": [1]}), [s.hashes for s in SHINGLES], TEXTS, IDS
    )
    assert plain.loc[0, "shared_chars"] == 0
    assert plain.loc[0, "jaccard"] == table.loc[0, "jaccard"]


def test_shared_chars_of_many_pairs_at_once_equal_each_pair_alone():
    # All pairs are scored together (chunks of the incidence matrix); each must equal the
    # one-pair definition, whichever side is smaller and however the pairs interleave.
    from benchmarks.near_duplicate_corpus import generate

    corpus = generate(60, seed=3)
    shingles = shingle_batch(corpus.texts, n=5)
    pairs = pd.DataFrame(list(combinations(range(60), 2)), columns=["a", "b"])
    table = score_pairs(pairs, shingles, None, corpus.ids, tfidf=False)
    position = {doc_id: k for k, doc_id in enumerate(corpus.ids)}
    expected = []
    for a, b in zip(table["a"], table["b"], strict=True):
        one, other = shingles[position[a]], shingles[position[b]]
        if np.unique(one.hashes).size > np.unique(other.hashes).size:
            one, other = other, one
        expected.append(shared_shingle_chars(one, np.unique(other.hashes)))
    assert table["shared_chars"].tolist() == expected
    assert (table["shared_chars"] > 0).sum() > 30


def test_table_is_canonical_whatever_the_candidate_order():
    shuffled = ALL_PAIRS.sample(frac=1.0, random_state=4)
    flipped = shuffled.rename(columns={"a": "b", "b": "a"})
    repeated = pd.concat([flipped, shuffled, pd.DataFrame({"a": [2], "b": [2]})])
    first = score_pairs(ALL_PAIRS, SHINGLES, TEXTS, IDS)
    second = score_pairs(repeated, SHINGLES, TEXTS, IDS)
    pd.testing.assert_frame_equal(first, second)
    assert (first["a"] < first["b"]).all()
    assert list(first.columns) == schema.columns("pairs")


def test_no_candidates_give_an_empty_pairs_table():
    table = score_pairs(pd.DataFrame({"a": [], "b": []}), SHINGLES, TEXTS, IDS)
    assert table.empty
    assert list(table.columns) == schema.columns("pairs")


def test_inputs_that_disagree_are_named():
    with pytest.raises(ParameterError, match=r"one entry per document \(got 5, 5, 4\)"):
        score_pairs(ALL_PAIRS, SHINGLES, TEXTS, IDS[:4])
    with pytest.raises(ParameterError, match=r"row positions in \[0, 5\)"):
        score_pairs(pd.DataFrame({"a": [0], "b": [7]}), SHINGLES, TEXTS, IDS)
    with pytest.raises(ParameterError, match=r"'texts' are needed for tfidf=True"):
        score_pairs(ALL_PAIRS, SHINGLES, None, IDS)
    with pytest.raises(ParameterError, match=r"lacks columns \['b'\]"):
        score_pairs(pd.DataFrame({"a": [0]}), SHINGLES, TEXTS, IDS)


def test_shingle_set_is_the_sorted_distinct_values_and_reuses_a_ready_set():
    from lineage.verify import shingle_set

    values = SHINGLES[2].hashes
    ready = shingle_set(values)
    assert np.array_equal(ready, np.unique(values))
    assert shingle_set(ready) is ready


def test_lookups_are_exact_where_hashes_differ_only_in_their_low_bits():
    # Groups are keyed by their top bits: 4 and 5 (and 2**40 + 1 and 2**40 + 3) share a
    # key, so a query must still find its own value, never its neighbour.
    from lineage.verify import find_in_groups

    values = np.array([4, 5, 9, 1 << 40, (1 << 40) + 1, (1 << 40) + 3], dtype=np.uint64)
    queries = np.array([5, 4, 6, 9, (1 << 40) + 3, (1 << 40) + 2, 1 << 40], dtype=np.uint64)
    found = find_in_groups(queries, np.array([4, 3]), values, np.array([3, 3]))
    assert found.tolist() == [1, 0, -1, 2, 5, -1, 3]
    sets = ShingleSets.of([values[:3], values[3:], np.array([5, 7], dtype=np.uint64)])
    assert sets.overlaps(np.array([0, 0, 1]), np.array([2, 1, 2])).tolist() == [1, 0, 0]


def test_lookups_match_a_set_intersection_on_random_sets():
    from lineage.verify import find_in_groups

    rng = np.random.default_rng(7)
    pool = rng.integers(0, 1 << 63, size=400, dtype=np.uint64)
    groups = [(rng.choice(pool, 30), np.unique(rng.choice(pool, 50))) for _ in range(40)]
    queries = np.concatenate([q for q, _ in groups])
    values = np.concatenate([v for _, v in groups])
    found = find_in_groups(
        queries,
        np.array([q.size for q, _ in groups]),
        values,
        np.array([v.size for _, v in groups]),
    )
    expected, base = [], 0
    for q, v in groups:
        expected.extend(base + int(np.flatnonzero(v == x)[0]) if x in v else -1 for x in q)
        base += v.size
    assert found.tolist() == expected


def test_find_in_groups_refuses_values_of_another_dtype():
    # uint64 queries among uint32 values would silently find nothing.
    with pytest.raises(ParameterError, match="one unsigned dtype"):
        find_in_groups(
            np.array([7], np.uint64), np.array([1]), np.array([7], np.uint32), np.array([1])
        )
