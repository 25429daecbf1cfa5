"""Candidate pairs: MinHash sketches banded for Jaccard and containment, within a budget."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from lineage.runners import LocalRunner, Runner
from lineage.shingle import shingle_hashes, shingle_windows, text_batches, tokenize_batch
from lineage.sketch import (
    CandidateBudget,
    CandidateLimits,
    cap_candidates,
    containment_candidates,
    lsh_candidates,
    minhash_signatures,
)
from lineage.verify import ShingleSets


@dataclass(frozen=True)
class Sketches:
    """What the candidate stage needs of every document.

    ``hashes`` are each document's shingle hashes (in text order, or its sorted set),
    ``sizes`` the number of distinct ones (worked out from ``hashes`` when ``None``).
    """

    hashes: list[np.ndarray]
    signatures: np.ndarray
    sizes: np.ndarray | None = None


def mapped_shingle_hashes(
    texts: Sequence[str], n: int, runner: Runner, batch: int = 2_000
) -> list[np.ndarray]:
    """Shingle hashes of every text, hashed a batch at a time (one runner item a batch)."""
    batches = [list(texts[i : i + batch]) for i in range(0, len(texts), batch)]
    hashed = runner.map(lambda chunk: shingle_hashes(chunk, n=n), batches)
    return [hashes for chunk in hashed for hashes in chunk]


def sketch_texts(
    texts: Sequence[str], *, shingle_size: int, num_perm: int, seed: int, runner: Runner
) -> Sketches:
    """Shingle-hash ``texts`` on ``runner`` and MinHash them: what :func:`candidate_pairs` reads.

    Examples
    --------
    >>> from lineage.runners import LocalRunner
    >>> found = sketch_texts(["a b c d e f", "a b c d e g"], shingle_size=5, num_perm=16,
    ...                      seed=1, runner=LocalRunner())
    >>> [h.size for h in found.hashes], found.signatures.shape
    ([2, 2], (2, 16))
    """
    hashes = mapped_shingle_hashes(texts, shingle_size, runner)
    return Sketches(hashes, minhash_signatures(hashes, num_perm=num_perm, seed=seed))


def _sketch_batch(
    texts: Sequence[str], *, shingle_size: int, num_perm: int, seed: int
) -> tuple[list[ShingleSets], np.ndarray]:
    """Shingle sets and MinHash signatures of some texts, a batch of chars at a time.

    The sets stay in parts, joined once for the whole corpus (each join copies them).
    """
    sets, signatures = [], []
    for batch in text_batches(texts):
        shingles = shingle_windows(tokenize_batch(batch), n=shingle_size)
        sets.append(ShingleSets.of(shingles))
        signatures.append(minhash_signatures(shingles, num_perm=num_perm, seed=seed))
    return sets, np.concatenate(signatures)


def sketch_sets(
    texts: Sequence[str],
    *,
    shingle_size: int,
    num_perm: int,
    seed: int,
    runner: Runner,
    batch: int = 1_000,
) -> tuple[ShingleSets, np.ndarray]:
    """Return every text's shingle set and MinHash signature, a batch of texts at a time.

    Each batch is tokenized once (:func:`lineage.shingle.tokenize_batch`), its shingles
    signed and reduced to sorted sets, and only the sets and signatures are kept: memory
    holds one batch's tokens, not the corpus'. On a Dask runner the batches are mapped
    over the cluster with the same function, so the result is the same.

    Examples
    --------
    >>> sets, signatures = sketch_sets(["a b c d e f", "a b c d e g", ""], shingle_size=5,
    ...                                num_perm=16, seed=1, runner=LocalRunner())
    >>> sets.sizes().tolist(), signatures.shape
    ([2, 2, 0], (3, 16))
    """
    batches = [list(texts[i : i + batch]) for i in range(0, len(texts), batch)]
    done = runner.map(
        lambda chunk: _sketch_batch(chunk, shingle_size=shingle_size, num_perm=num_perm, seed=seed),
        batches,
    )
    if not done:
        return ShingleSets.of([]), np.zeros((0, num_perm), dtype=np.uint32)
    parts = [part for sets, _ in done for part in sets]
    return ShingleSets.join(parts), np.concatenate([s for _, s in done])


def duplicate_groups(hashes: Sequence[np.ndarray], rank: Sequence[Any] | None = None) -> np.ndarray:
    """Return the representative of each document: documents with the same shingles are one.

    Documents whose shingle hash sequences are equal (identical texts up to case,
    accents, punctuation and white space) form a group, found in one pass by a digest of
    the sequence; the first member in ``rank`` order represents it. A document without
    shingles (no word) is its own group. This is a wider equality than
    :func:`lineage.commonness.text_fingerprint` (case and white space only): texts that
    differ in punctuation, accents or quote styles are one group here, two texts there.

    Parameters
    ----------
    hashes
        Shingle hashes of each document, in text order (:func:`sketch_texts`).
    rank
        A sort key per document (default: the input order); give one fixed by content
        (e.g. date, then text) so the choice does not depend on the input order.

    Returns
    -------
    numpy.ndarray
        The position of each document's representative (itself when it has no double).

    Examples
    --------
    >>> hashes = [np.array([1, 2], np.uint64), np.array([3], np.uint64),
    ...           np.array([1, 2], np.uint64), np.zeros(0, np.uint64), np.zeros(0, np.uint64)]
    >>> duplicate_groups(hashes).tolist()
    [0, 1, 0, 3, 4]
    >>> duplicate_groups(hashes, rank=["b", "x", "a", "y", "z"]).tolist()
    [2, 1, 2, 3, 4]
    """
    n_docs = len(hashes)
    order = range(n_docs) if rank is None else sorted(range(n_docs), key=lambda i: rank[i])
    first: dict[bytes, int] = {}
    representative = np.arange(n_docs, dtype=np.int64)
    for i in order:
        if hashes[i].size:
            digest = hashlib.blake2b(np.ascontiguousarray(hashes[i]).tobytes(), digest_size=16)
            representative[i] = first.setdefault(digest.digest(), i)
    return representative


def candidate_pairs(
    sketches: Sketches,
    *,
    threshold: float,
    containment_threshold: float | None,
    exhaustive_below: int,
    runner: Runner | None = None,
    budget: CandidateBudget | None = None,
    rank: Sequence[Any] | None = None,
    group_copies: bool = True,
) -> pd.DataFrame:
    """Union of LSH Jaccard and containment candidates (every pair in a small corpus).

    ``containment_threshold=None`` looks for Jaccard candidates only. With
    ``group_copies``, exact duplicates are grouped first (:func:`duplicate_groups`,
    ``rank`` picks each group's representative): only representatives are candidates of
    other documents, and each other member is paired with its representative alone, so a
    text repeated ``k`` times costs ``k - 1`` pairs, not ``k * (k - 1) / 2`` (nor a
    budget's worth each). Without it every copy is a candidate like any document (the
    pairs a copy forms with its original's near-duplicates are candidates too).

    Each document keeps at most ``budget.per_document`` candidates (the default
    :class:`~lineage.sketch.CandidateBudget`), the most similar by the sketch estimate;
    ``attrs["limits"]`` of the result says what the budget left out. On a Dask runner
    the Jaccard banding is a shuffle on the cluster
    (:func:`lineage.distributed.lsh_candidates_on_cluster`), capped the same way, with the same
    result. Returns a DataFrame of row positions ``a < b``, sorted, no repeats.

    Examples
    --------
    >>> texts = ["the same short notice here", "The same short notice, here.", "other words"]
    >>> found = sketch_texts(texts, shingle_size=5, num_perm=16, seed=1, runner=LocalRunner())
    >>> candidate_pairs(found, threshold=0.5, containment_threshold=0.5,
    ...                 exhaustive_below=0).values.tolist()
    [[0, 1]]
    """
    budget = budget or CandidateBudget()
    n_docs = len(sketches.hashes)
    representative = duplicate_groups(sketches.hashes, rank) if group_copies else np.arange(n_docs)
    unique = np.flatnonzero(representative == np.arange(n_docs))
    if len(unique) < n_docs:
        sizes = None if sketches.sizes is None else sketches.sizes[unique]
        inner = candidate_pairs(
            Sketches([sketches.hashes[i] for i in unique], sketches.signatures[unique], sizes),
            threshold=threshold,
            containment_threshold=containment_threshold,
            exhaustive_below=exhaustive_below,
            runner=runner,
            budget=budget,
            group_copies=False,  # the representatives are distinct already
        )
        members = np.flatnonzero(representative != np.arange(n_docs))
        ends = (representative[members], members)
        pairs = pd.DataFrame(
            {
                "a": np.concatenate([unique[inner["a"].to_numpy()], np.minimum(*ends)]),
                "b": np.concatenate([unique[inner["b"].to_numpy()], np.maximum(*ends)]),
            }
        )
        pairs = pairs.sort_values(["a", "b"], ignore_index=True).astype("int64")
        pairs.attrs["limits"] = inner.attrs["limits"]
        return pairs
    if n_docs < exhaustive_below:
        pairs = pd.DataFrame(list(combinations(range(n_docs), 2)), columns=["a", "b"])
        pairs = pairs.astype("int64")
        pairs.attrs["limits"] = CandidateLimits()
        return pairs
    sizes = sketches.sizes
    if sizes is None:
        sizes = np.array([np.unique(h).size for h in sketches.hashes], dtype=np.int64)
    if runner is None or isinstance(runner, LocalRunner):
        banded = lsh_candidates(
            sketches.signatures, threshold=threshold, budget=budget, sizes=sizes
        )
    else:
        from lineage.distributed import lsh_candidates_on_cluster

        banded = lsh_candidates_on_cluster(
            sketches.signatures, client=runner.client, threshold=threshold, budget=budget,
            sizes=sizes,
        )  # fmt: skip
    parts = [banded]
    if containment_threshold is not None:
        parts.append(
            containment_candidates(
                sketches.signatures, sizes, threshold=containment_threshold, budget=budget
            )
        )
    limits = CandidateLimits()
    for part in parts:
        limits.add(part.attrs["limits"])
    if len(parts) == 1:  # capped already (capping again keeps every pair)
        capped = banded
    else:
        found = pd.concat(parts, ignore_index=True).drop_duplicates()
        # Each part was capped; capping their union keeps what capping all pairs would.
        capped = cap_candidates(found, sketches.signatures, budget, sizes=sizes)
        limits.add(capped.attrs["limits"])
    capped.attrs["limits"] = limits
    if limits.any():
        _warn_limits(limits, budget)
    return capped


def limits_note(limits: CandidateLimits, budget: CandidateBudget) -> dict[str, object]:
    """Return what the candidate budget left out, for ``lineage.json`` (``{}``: nothing)."""
    if not limits.any():
        return {}
    return {
        "candidates_per_document": budget.per_document,
        "bucket_size": budget.max_bucket,
        **limits.as_dict(),
        "note": _limits_message(limits, budget),
    }


def _limits_message(limits: CandidateLimits, budget: CandidateBudget) -> str:
    parts = []
    if limits.large_buckets:
        parts.append(
            f"{limits.large_buckets} LSH buckets of more than {budget.max_bucket} documents "
            f"were paired with neighbours only ({limits.bucket_pairs_skipped} pairs not formed)"
        )
    if limits.pairs_dropped:
        parts.append(
            f"{limits.capped_documents} documents had more than {budget.per_document} "
            f"candidate pairs; only their {budget.per_document} most similar by the sketch "
            "(and pairs the other document ranks among its best) were verified"
        )
    return "candidate budget: " + "; ".join(parts) + " (raise max_candidates to keep more)"


def _warn_limits(limits: CandidateLimits, budget: CandidateBudget) -> None:
    import warnings

    from lineage.errors import LineageWarning

    warnings.warn(_limits_message(limits, budget), LineageWarning, stacklevel=3)
