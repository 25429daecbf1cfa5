from pathlib import Path

import numpy as np
import pytest
from datasketch import LeanMinHash, MinHash, MinHashLSH
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.near_duplicate_corpus import one_topic
from lineage.errors import ParameterError
from lineage.shingle import shingle_hashes
from lineage.sketch import (
    CandidateBudget,
    cap_candidates,
    containment_candidates,
    lsh_candidates,
    lsh_parameters,
    minhash_signatures,
    pair_probability,
)

SEEDS = sorted((Path(__file__).resolve().parents[1] / "seeds").glob("*.txt"))
TEXTS = [path.read_text(encoding="utf-8") for path in SEEDS]
HASHES = shingle_hashes(TEXTS)


def datasketch_minhash(values, *, num_perm, seed, scheme):
    width = (lambda v: v) if scheme == "affine64" else (lambda v: v & 0xFFFFFFFF)
    minhash = MinHash(num_perm=num_perm, seed=seed, scheme=scheme, hashfunc=width)
    minhash.update_batch(values.tolist())
    return minhash


@pytest.mark.parametrize("scheme", ["affine32", "legacy", "affine64"])
@pytest.mark.parametrize(("seed", "num_perm"), [(1, 128), (42, 64), (7, 200)])
def test_signatures_are_bit_identical_to_datasketch_on_the_seeds(scheme, seed, num_perm):
    signatures = minhash_signatures(HASHES, num_perm=num_perm, seed=seed, scheme=scheme)
    for row, values in zip(signatures, HASHES, strict=True):
        expected = datasketch_minhash(values, num_perm=num_perm, seed=seed, scheme=scheme)
        assert row.dtype == expected.hashvalues.dtype
        assert np.array_equal(row, expected.hashvalues)


def test_signatures_equal_datasketch_update_one_value_at_a_time():
    values = HASHES[0][:150]
    minhash = MinHash(num_perm=32, seed=3, hashfunc=lambda v: v & 0xFFFFFFFF)
    for value in values.tolist():
        minhash.update(value)
    assert np.array_equal(minhash_signatures([values], num_perm=32, seed=3)[0], minhash.hashvalues)


def test_flat_shingles_sign_as_one_array_per_document():
    from lineage.shingle import shingle_windows, tokenize_batch

    flat = shingle_windows(tokenize_batch([*TEXTS, "", "One."]), n=5)
    expected = minhash_signatures([*HASHES, np.zeros(0, np.uint64), flat.text(6).hashes])
    assert np.array_equal(minhash_signatures(flat), expected)


def test_empty_document_gets_the_empty_signature():
    signatures = minhash_signatures([np.zeros(0, np.uint64), HASHES[0]], num_perm=16)
    assert np.array_equal(signatures[0], MinHash(num_perm=16).hashvalues)
    assert minhash_signatures([], num_perm=16).shape == (0, 16)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(0, 2**64 - 1), min_size=1, max_size=60),
    st.lists(st.integers(0, 2**64 - 1), min_size=1, max_size=60),
)
def test_signature_of_a_union_is_the_minimum_and_order_does_not_matter(first, second):
    a = np.array(first, dtype=np.uint64)
    b = np.array(second, dtype=np.uint64)
    union = np.concatenate([b[::-1], a, a])
    sig = minhash_signatures([a, b, union], num_perm=32, seed=5)
    assert np.array_equal(sig[2], np.minimum(sig[0], sig[1]))
    merged = datasketch_minhash(a, num_perm=32, seed=5, scheme="affine32")
    merged.merge(datasketch_minhash(b, num_perm=32, seed=5, scheme="affine32"))
    assert np.array_equal(sig[2], merged.hashvalues)


def test_estimated_jaccard_of_the_wire_pair_is_near_the_exact_one():
    a, b = (np.unique(h) for h in HASHES[:2])
    exact = np.intersect1d(a, b).size / np.union1d(a, b).size
    sig = minhash_signatures([a, b], num_perm=256)
    estimate = float((sig[0] == sig[1]).mean())
    sigma = np.sqrt(exact * (1 - exact) / 256)
    assert abs(estimate - exact) < 4 * sigma + 1e-9
    assert exact > 0.1


@pytest.mark.parametrize("threshold", [0.3, 0.5, 0.7, 0.9])
@pytest.mark.parametrize("target", [0.9, 0.95, 0.99])
def test_lsh_parameters_reach_the_recall_target_within_num_perm(threshold, target):
    bands, rows = lsh_parameters(threshold, num_perm=128, recall_target=target)
    assert bands >= 2
    assert bands * rows <= 128
    assert pair_probability(threshold, bands, rows) >= target


def pairs_with_known_jaccard(rng, count, low, high, size=300):
    """Pairs of random sets whose exact Jaccard is drawn from [low, high]."""
    sets = []
    truth = []
    for _ in range(count):
        target = rng.uniform(low, high)
        shared = round(2 * size * target / (1 + target))
        common = rng.integers(0, 2**64, shared, dtype=np.uint64)
        a = np.concatenate([common, rng.integers(0, 2**64, size - shared, dtype=np.uint64)])
        b = np.concatenate([common, rng.integers(0, 2**64, size - shared, dtype=np.uint64)])
        sets += [a, b]
        truth.append(shared / (2 * size - shared))
    return sets, np.array(truth)


def test_lsh_recall_just_above_the_threshold_beats_datasketch_defaults():
    rng = np.random.default_rng(11)
    sets, truth = pairs_with_known_jaccard(rng, 300, 0.5, 0.6)
    assert truth.min() >= 0.49
    signatures = minhash_signatures(sets, num_perm=128)
    found = lsh_candidates(signatures, threshold=0.5)
    expected = {(2 * i, 2 * i + 1) for i in range(300)}
    ours = set(zip(found["a"], found["b"], strict=True))
    recall = len(ours & expected) / len(expected)
    assert recall >= 0.97
    default = MinHashLSH(threshold=0.5, num_perm=128)
    defaults_recall = float(np.mean([pair_probability(t, default.b, default.r) for t in truth]))
    assert recall > defaults_recall


def test_unrelated_documents_are_not_candidates():
    rng = np.random.default_rng(3)
    sets = [rng.integers(0, 2**64, 400, dtype=np.uint64) for _ in range(300)]
    found = lsh_candidates(minhash_signatures(sets), threshold=0.5)
    assert found.empty
    assert list(found.columns) == ["a", "b"]


def test_candidates_equal_datasketch_minhashlsh_with_the_same_bands():
    rng = np.random.default_rng(5)
    sets, _ = pairs_with_known_jaccard(rng, 60, 0.2, 0.8)
    signatures = minhash_signatures(sets, num_perm=128, seed=1)
    bands, rows = lsh_parameters(0.5, num_perm=128)
    index = MinHashLSH(threshold=0.5, num_perm=128, params=(bands, rows))
    sketches = [
        LeanMinHash(MinHash(hashvalues=row, seed=1, scheme="affine32")) for row in signatures
    ]
    for key, sketch in enumerate(sketches):
        index.insert(key, sketch)
    theirs = {
        (min(key, other), max(key, other))
        for key, sketch in enumerate(sketches)
        for other in index.query(sketch)
        if other != key
    }
    found = lsh_candidates(signatures, threshold=0.5)
    assert set(zip(found["a"], found["b"], strict=True)) == theirs
    assert len(theirs) > 20


def test_candidates_are_sorted_unique_and_ordered():
    sets = [HASHES[0], HASHES[0], HASHES[1], HASHES[0][::-1]]
    found = lsh_candidates(minhash_signatures(sets), threshold=0.9)
    assert found.to_dict("records") == [
        {"a": 0, "b": 1},
        {"a": 0, "b": 3},
        {"a": 1, "b": 3},
    ]


def test_abridged_rewrite_is_contained_in_the_wire_story_and_found():
    # Seed 000 is an abridged agency rewrite of the Reuters story 001.
    sets = [np.unique(h) for h in HASHES]
    contained = np.intersect1d(sets[0], sets[1]).size / sets[0].size
    jaccard = np.intersect1d(sets[0], sets[1]).size / np.union1d(sets[0], sets[1]).size
    assert contained > jaccard
    sizes = [s.size for s in sets]
    threshold = round(contained - 0.05, 2)
    found = containment_candidates(minhash_signatures(sets), sizes, threshold=threshold)
    assert {"a": 0, "b": 1} in found.to_dict("records")


def test_containment_finds_a_short_text_inside_a_long_one_that_jaccard_misses():
    rng = np.random.default_rng(8)
    story = rng.integers(0, 2**64, 1200, dtype=np.uint64)
    briefs = [
        np.concatenate(
            [rng.choice(story, 200, replace=False), rng.integers(0, 2**64, 40, dtype=np.uint64)]
        )
        for _ in range(20)
    ]
    others = [rng.integers(0, 2**64, 300, dtype=np.uint64) for _ in range(20)]
    sets = [story, *briefs, *others]
    signatures = minhash_signatures(sets)
    sizes = [np.unique(s).size for s in sets]
    found = containment_candidates(signatures, sizes, threshold=0.8)
    story_pairs = {int(b) for a, b in zip(found["a"], found["b"], strict=True) if a == 0}
    assert story_pairs >= set(range(1, 21))
    assert not story_pairs & set(range(21, 41))
    by_jaccard = lsh_candidates(signatures, threshold=0.8)
    assert not (by_jaccard["a"] == 0).any()


def test_bad_parameters_say_what_was_received():
    with pytest.raises(ParameterError, match=r"'scheme' must be one of"):
        minhash_signatures(HASHES, scheme="sha1")
    with pytest.raises(ParameterError, match=r"hash_arrays\[0\] must be a 1-d array"):
        minhash_signatures([np.array(["a"])])
    with pytest.raises(ParameterError, match=r"'threshold' must be in \[0, 1\] \(got 1.5\)"):
        lsh_candidates(np.zeros((2, 8), np.uint32), threshold=1.5)
    with pytest.raises(ParameterError, match=r"bands \* rows <= num_perm \(9 \* 2 > 16\)"):
        lsh_candidates(np.zeros((2, 16), np.uint32), params=(9, 2))
    with pytest.raises(ParameterError, match=r"'sizes' needs one entry per signature row"):
        containment_candidates(np.zeros((2, 8), np.uint32), [1])


@pytest.fixture(scope="module")
def one_topic_sketch():
    """300 documents drawn from one pool of 80 sentences: most pairs look alike to LSH."""
    corpus = one_topic(300, seed=2)
    hashes = shingle_hashes(corpus.texts)
    sizes = np.array([np.unique(h).size for h in hashes])
    return corpus, minhash_signatures(hashes), sizes


def test_budget_band_by_band_keeps_what_a_cap_of_all_pairs_keeps(one_topic_sketch):
    _, signatures, sizes = one_topic_sketch
    unbounded = lsh_candidates(signatures, threshold=0.2, budget=None)
    assert len(unbounded) > 300 * 20, "the corpus makes many candidates without a budget"
    budget = CandidateBudget(per_document=5, bucket_size=10_000)
    by_containment = lsh_candidates(signatures, threshold=0.2, budget=budget, sizes=sizes)
    expected = cap_candidates(unbounded, signatures, budget, sizes=sizes)
    assert by_containment.values.tolist() == expected.values.tolist()
    capped = lsh_candidates(signatures, threshold=0.2, budget=budget)
    assert capped.values.tolist() == cap_candidates(unbounded, signatures, budget).values.tolist()
    assert len(capped) <= 300 * 5
    limits = capped.attrs["limits"]
    assert limits.pairs_dropped >= len(unbounded) - len(capped)
    assert limits.large_buckets == 0 and limits.capped_documents > 0
    # Every document keeps its own 5 best candidates by the estimated Jaccard.
    kept = set(zip(capped["a"], capped["b"], strict=True))
    estimate = (signatures[unbounded["a"]] == signatures[unbounded["b"]]).mean(axis=1)
    for doc in (0, 17, 123):
        mine = sorted(
            np.flatnonzero((unbounded["a"] == doc) | (unbounded["b"] == doc)),
            key=lambda i: (-estimate[i], unbounded.at[i, "a"], unbounded.at[i, "b"]),
        )
        assert {tuple(unbounded.loc[i, ["a", "b"]]) for i in mine[:5]} <= kept


def test_large_buckets_give_neighbours_not_all_pairs():
    text = " ".join(f"word{i}" for i in range(200))
    signatures = minhash_signatures(shingle_hashes([text] * 400), num_perm=64)
    budget = CandidateBudget(per_document=8)
    found = lsh_candidates(signatures, threshold=0.5, budget=budget)
    limits = found.attrs["limits"]
    assert limits.large_buckets > 0
    assert limits.bucket_pairs_skipped > 0
    assert len(found) <= 400 * 8, "400 copies would be 79,800 pairs without the budget"
    degree = np.bincount(np.r_[found["a"], found["b"]], minlength=400)
    assert degree.min() >= 1, "every copy is still paired with some of its copies"
    contained = containment_candidates(signatures, [200] * 400, threshold=0.5, budget=budget)
    assert len(contained) <= 400 * 8 and contained.attrs["limits"].large_buckets > 0


def test_budget_validates_its_numbers():
    with pytest.raises(ParameterError, match=r"'per_document' must be"):
        CandidateBudget(per_document=0)
    with pytest.raises(ParameterError, match=r"'bucket_size' must be"):
        CandidateBudget(bucket_size=-1)
