"""Near-duplicates: scored pairs and clusters of a corpus, without alignment."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lineage.candidates import Sketches, candidate_pairs, limits_note, sketch_sets
from lineage.clusters import MEASURES, cluster_pairs
from lineage.corpus import load_corpus, plain_list, read_metadata, with_metadata
from lineage.errors import CorpusError, ParameterError, check_fraction, check_positive_int
from lineage.records import Problem
from lineage.runners import open_runner
from lineage.sketch import CandidateBudget
from lineage.verify import pairs_of_sets, set_scores


def _texts_and_ids(
    texts: Sequence[str] | pd.Series | pd.DataFrame, *, id_column: str, text_column: str
) -> tuple[list[str], list[str]]:
    plain = plain_list(texts, id_column=id_column, text_column=text_column)
    if plain is not None:
        return plain
    corpus = load_corpus(texts, id_column=id_column, text_column=text_column)
    if not corpus.usable:
        raise CorpusError(
            "no usable text in the input: " + "; ".join(str(p) for p in corpus.skipped[:3])
        )
    return list(corpus.texts), list(corpus.ids)


def near_duplicates(
    texts: Sequence[str] | pd.Series | pd.DataFrame,
    threshold: float = 0.5,
    *,
    id_column: str = "id",
    text_column: str = "text",
    measure: str = "jaccard",
    shingle_size: int = 5,
    num_perm: int = 128,
    seed: int = 1,
    max_candidates: int = 50,
    client: Any = None,
    workers: int | None = None,
    scheduler: str | None = None,
) -> pd.DataFrame:
    """Return the near-duplicate pairs of ``texts`` with their exact scores.

    Parameters
    ----------
    texts
        A list of strings (ids ``"0"``, ``"1"``, ...), a Series (its index as ids) or a
        DataFrame (``id_column`` and ``text_column``).
    id_column, text_column
        Columns of a DataFrame holding ids and texts.
    threshold
        Pairs whose exact ``measure`` reaches this are returned.
    measure
        ``"jaccard"`` of the word ``shingle_size``-gram sets, or ``"containment"``: the
        larger share of one document's shingles found in the other (a short rewrite
        inside a long story).
    shingle_size, num_perm, seed
        Shingle length in words, MinHash permutations and their seed.
    max_candidates
        Most candidate pairs verified per document, as for :func:`lineage.analyze`.
    client, workers, scheduler
        Hash and band on Dask, as in :func:`analyze`.

    Returns
    -------
    pandas.DataFrame
        Columns ``a, b, jaccard, containment_a_in_b, containment_b_in_a, tfidf_cosine,
        shared_chars``, ``a < b``, most similar first. ``attrs["limits"]`` says what
        the candidate budget left out (``{}`` when nothing).

    Examples
    --------
    >>> wire = ("Russia's Vladimir Putin spurned a challenge to meet face-to-face with "
    ...         "Ukrainian President Volodymyr Zelensky in Turkey on Thursday, dealing a "
    ...         "blow to prospects for a peace breakthrough.")
    >>> texts = [wire, wire.replace("Thursday", "Friday"), "An unrelated story on crops."]
    >>> near_duplicates(texts, 0.5)[["a", "b"]].values.tolist()
    [['0', '1']]
    """
    texts_list, ids = _texts_and_ids(texts, id_column=id_column, text_column=text_column)
    return _near_duplicate_pairs(
        texts_list,
        ids,
        threshold,
        measure=measure,
        shingle_size=shingle_size,
        num_perm=num_perm,
        seed=seed,
        max_candidates=max_candidates,
        dask={"client": client, "workers": workers, "scheduler": scheduler},
    )


def _near_duplicate_pairs(
    texts: list[str],
    ids: list[str],
    threshold: float,
    *,
    measure: str,
    shingle_size: int,
    num_perm: int,
    seed: int,
    max_candidates: int,
    dask: dict[str, Any],
) -> pd.DataFrame:
    """Score the candidate pairs of loaded texts and keep those reaching ``threshold``.

    Each text is tokenized once for its shingle set and signature; the exact scores
    come from the sets; only the texts of the pairs returned are tokenized again, for
    ``shared_chars`` (shingle spans) and ``tfidf_cosine`` (words), by
    :func:`lineage.verify.pairs_of_sets` as for every pairs table.
    """
    threshold = check_fraction("threshold", threshold)
    if measure not in MEASURES:
        raise ParameterError(f"'measure' must be one of {sorted(MEASURES)} (got {measure!r})")
    budget = CandidateBudget(per_document=check_positive_int("max_candidates", max_candidates))
    with open_runner(**dask) as runner:
        # Shingle hashing folds case, accents and quotes itself: no normalization pass.
        sets, signatures = sketch_sets(
            texts, shingle_size=shingle_size, num_perm=num_perm, seed=seed, runner=runner
        )
        candidates = candidate_pairs(
            Sketches(sets.arrays(), signatures, sets.sizes()),
            threshold=threshold,
            # Jaccard >= t needs no containment search; containment >= t does.
            containment_threshold=threshold if measure == "containment" else None,
            exhaustive_below=0,
            runner=runner,
            budget=budget,
            group_copies=False,  # a copy's pairs with its original's near-duplicates count
        )
    a = candidates["a"].to_numpy(dtype=np.int64)
    b = candidates["b"].to_numpy(dtype=np.int64)
    sizes = sets.sizes()
    shared = sets.overlaps(a, b)
    jaccard, a_in_b, b_in_a = set_scores(sizes[a], sizes[b], shared)
    score = jaccard if measure == "jaccard" else np.maximum(a_in_b, b_in_a)
    keep = score >= threshold
    found = pairs_of_sets(
        sets, a[keep], b[keep], texts, ids, shared=shared[keep], shingle_size=shingle_size
    )
    found.attrs["limits"] = limits_note(candidates.attrs["limits"], budget)
    return found


def near_duplicate_clusters(
    texts: Sequence[str] | pd.Series | pd.DataFrame, threshold: float = 0.5, **options: Any
) -> pd.DataFrame:
    """Group near-duplicates into clusters with a representative and per-member evidence.

    ``texts``, ``threshold`` and the keyword ``options`` are those of :func:`near_duplicates`.

    Returns
    -------
    pandas.DataFrame
        Columns ``cluster, id, representative, matched, jaccard, containment,
        tfidf_cosine``: one row per member of a cluster of two or more documents;
        ``matched`` is the document the member was matched to and the scores are that
        match's. Cluster ids are stable across runs and input orders.

    Examples
    --------
    >>> notice = ("The board of directors will meet on Monday at the head office to approve "
    ...           "the accounts of the year and to elect the new chairman of the company.")
    >>> frame = pd.DataFrame({"id": ["x", "y", "z"],
    ...                       "text": [notice, notice + " Members may vote by post.", "Crops."]})
    >>> near_duplicate_clusters(frame)[["cluster", "id"]].values.tolist()
    [['c0', 'x'], ['c0', 'y']]
    """
    pairs = near_duplicates(texts, threshold, **options)
    # Clusters and their numbering depend only on the pairs (not on the ids' order).
    ids = sorted(set(pairs["a"]) | set(pairs["b"]))
    return cluster_pairs(pairs, ids, threshold=threshold, measure=options.get("measure", "jaccard"))


def dedup_corpus(
    corpus: str | Path,
    *,
    threshold: float = 0.5,
    dask: dict[str, Any] | None = None,
    metadata: str | Path | pd.DataFrame | None = None,
    **corpus_options: Any,
) -> tuple[pd.DataFrame, list[Problem]]:
    """Read ``corpus`` and return its near-duplicate clusters and the load problems.

    ``metadata`` is a side file as for :func:`lineage.analyze`, read and checked the same
    way (a file that cannot be read is an error, ids it names that are not in the corpus a
    warning). Raises :class:`~lineage.errors.CorpusError` when nothing usable was read.
    """
    side = None if metadata is None else read_metadata(metadata)
    loaded = load_corpus(corpus, **corpus_options)
    if side is not None:
        loaded = with_metadata(loaded, side)
    problems = list(loaded.problems)
    if not loaded.usable:
        shown = "; ".join(str(p) for p in problems[:3])
        raise CorpusError(f"no usable document in {corpus}: {shown}")
    frame = pd.DataFrame({"id": loaded.ids, "text": loaded.texts})
    return near_duplicate_clusters(frame, threshold, **(dask or {})), problems
