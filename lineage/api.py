"""The Python API: orchestration of the stages, no algorithms of its own.

``analyze`` runs the whole pipeline (corpus -> normalize -> shingle -> sketch -> verify ->
align -> quotes -> sources -> derivation) and returns an :class:`~lineage.analysis.Analysis`;
``near_duplicates`` and ``near_duplicate_clusters`` stop after verification; ``align``
aligns one pair. Per-document and per-pair stages go through a *runner* whose ``map``
is the builtin one in process and a Dask bag on a cluster (:mod:`lineage.distributed`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from lineage import schema
from lineage.align import (
    Alignment,
    align_normalized,
    render_side_by_side,
    reuse_figures,
)
from lineage.align import align as align_texts
from lineage.analysis import Analysis
from lineage.clusters import MEASURES, cluster_pairs
from lineage.commonness import CommonnessModel, learn_commonness
from lineage.corpus import Corpus, load_corpus, read_metadata, with_metadata
from lineage.credits import Credit, credited_fractions, find_credits, learn_agencies
from lineage.distributed import LocalRunner, Runner
from lineage.errors import CorpusError, ParameterError, check_fraction, check_positive_int
from lineage.inference import infer_lineage
from lineage.informative import informative_containment, score_passages
from lineage.intervals import covered
from lineage.io import OutputSet, write_table
from lineage.normalize import normalize_corpus
from lineage.quote_parts import mark_quotes
from lineage.quotes import find_quotations, scan_quotations
from lineage.records import NormalizedText, Passage, Problem, Quotation
from lineage.shingle import shingle, shingle_hashes
from lineage.sketch import (
    CandidateBudget,
    CandidateLimits,
    cap_candidates,
    containment_candidates,
    lsh_candidates,
    minhash_signatures,
)
from lineage.verify import score_pairs, tfidf_cosines

logger = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class _Sketches:
    """What the candidate stage needs of every document."""

    hashes: list[np.ndarray]
    signatures: np.ndarray


def _quiet(stage: str, done: int, total: int) -> None:
    """Report nothing (the default progress callback)."""


def _shingle_hashes(
    texts: Sequence[str], n: int, runner: Runner, batch: int = 2_000
) -> list[np.ndarray]:
    """Shingle hashes of every text, hashed a batch at a time (one runner item a batch)."""
    batches = [list(texts[i : i + batch]) for i in range(0, len(texts), batch)]
    hashed = runner.map(lambda chunk: shingle_hashes(chunk, n=n), batches)
    return [hashes for chunk in hashed for hashes in chunk]


def _sketch(
    texts: Sequence[str], *, shingle_size: int, num_perm: int, seed: int, runner: Runner
) -> _Sketches:
    hashes = _shingle_hashes(texts, shingle_size, runner)
    return _Sketches(hashes, minhash_signatures(hashes, num_perm=num_perm, seed=seed))


def candidate_pairs(
    sketches: _Sketches,
    *,
    threshold: float,
    containment_threshold: float,
    exhaustive_below: int,
    runner: Runner | None = None,
    budget: CandidateBudget | None = None,
) -> pd.DataFrame:
    """Union of LSH Jaccard and containment candidates (every pair in a small corpus).

    Each document keeps at most ``budget.per_document`` candidates (the default
    :class:`~lineage.sketch.CandidateBudget`), the most similar by the sketch estimate;
    ``attrs["limits"]`` of the result says what the budget left out. On a Dask runner
    the Jaccard banding is a shuffle on the cluster
    (:func:`lineage.distributed.lsh_candidates_on_cluster`), capped the same way, with the same
    result. Returns a DataFrame of row positions ``a < b``, sorted, no repeats.
    """
    budget = budget or CandidateBudget()
    n_docs = len(sketches.hashes)
    if n_docs < exhaustive_below:
        pairs = pd.DataFrame(list(combinations(range(n_docs), 2)), columns=["a", "b"])
        pairs = pairs.astype("int64")
        pairs.attrs["limits"] = CandidateLimits()
        return pairs
    sizes = np.array([np.unique(h).size for h in sketches.hashes])
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
    contained = containment_candidates(
        sketches.signatures, sizes, threshold=containment_threshold, budget=budget
    )
    limits = CandidateLimits()
    for part in (banded, contained):
        limits.add(part.attrs["limits"])
    found = pd.concat([banded, contained], ignore_index=True).drop_duplicates()
    # Each part was capped; capping their union keeps what capping all pairs would.
    capped = cap_candidates(found, sketches.signatures, budget, sizes=sizes)
    limits.add(capped.attrs["limits"])
    capped.attrs["limits"] = limits
    if limits.any():
        _warn_limits(limits, budget)
    return capped


def _limits_note(limits: CandidateLimits, budget: CandidateBudget) -> dict[str, object]:
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


def _texts_and_ids(
    texts: Sequence[str] | pd.Series | pd.DataFrame, *, id_column: str, text_column: str
) -> tuple[list[str], list[str]]:
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
        Most candidate pairs verified per document, the most similar by the MinHash
        estimate (a pair stays when it is among the best of either document). When it
        binds, a :class:`~lineage.errors.LineageWarning` says so and the counts are kept
        (``limits``); memory then grows with the documents, not with their pairs.
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
    """Score the candidate pairs of loaded texts and keep those reaching ``threshold``."""
    threshold = check_fraction("threshold", threshold)
    if measure not in MEASURES:
        raise ParameterError(f"'measure' must be one of {sorted(MEASURES)} (got {measure!r})")
    budget = CandidateBudget(per_document=check_positive_int("max_candidates", max_candidates))
    with _runner(**dask) as runner:
        # Shingle hashing folds case, accents and quotes itself: no normalization pass.
        sketches = _sketch(
            texts, shingle_size=shingle_size, num_perm=num_perm, seed=seed, runner=runner
        )
        candidates = candidate_pairs(
            sketches,
            threshold=threshold,
            containment_threshold=threshold,
            exhaustive_below=0,
            runner=runner,
            budget=budget,
        )
    # TF-IDF only for the pairs returned: the candidates below the threshold are dropped.
    shingles = _with_spans(sketches.hashes, texts, candidates, n=shingle_size)
    pairs = score_pairs(candidates, shingles, None, ids, tfidf=False)
    keep = pairs[list(MEASURES[measure])].max(axis=1) >= threshold
    found = pairs[keep].reset_index(drop=True)
    position = pd.Series(np.arange(len(ids)), index=pd.Index(ids))
    found["tfidf_cosine"] = tfidf_cosines(
        position[found["a"]].to_numpy(), position[found["b"]].to_numpy(), texts
    )
    found.attrs["limits"] = _limits_note(candidates.attrs["limits"], budget)
    return found


def _with_spans(
    hashes: list[np.ndarray], texts: Sequence[str], candidates: pd.DataFrame, *, n: int
) -> list[Any]:
    """Shingles with spans for the documents in ``candidates`` (so ``shared_chars`` is filled).

    Only candidate documents are shingled again; the rest keep their bare hashes.
    """
    involved = set(candidates["a"].tolist()) | set(candidates["b"].tolist())
    return [shingle(texts[i], n=n) if i in involved else h for i, h in enumerate(hashes)]


def near_duplicate_clusters(
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
    """Group near-duplicates into clusters with a representative and per-member evidence.

    Parameters are those of :func:`near_duplicates`.

    Returns
    -------
    pandas.DataFrame
        Columns ``cluster, id, representative, matched, jaccard, containment,
        tfidf_cosine``: one row per member of a cluster of two or more documents;
        ``matched`` is the document the member was matched to and the scores are that
        match's. Cluster ids are stable across runs and input orders.

    Examples
    --------
    >>> wire = ("Russia's Vladimir Putin spurned a challenge to meet face-to-face with "
    ...         "Ukrainian President Volodymyr Zelensky in Turkey on Thursday, dealing a "
    ...         "blow to prospects for a peace breakthrough.")
    >>> texts = [wire, wire.replace("Thursday", "Friday"), "An unrelated story on crops."]
    >>> near_duplicate_clusters(texts)[["cluster", "id"]].values.tolist()
    [['c0', '0'], ['c0', '1']]
    """
    texts_list, ids = _texts_and_ids(texts, id_column=id_column, text_column=text_column)
    pairs = _near_duplicate_pairs(
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
    return cluster_pairs(pairs, ids, threshold=threshold, measure=measure)


META_COLUMNS = ("date", "outlet", "title")
"""Metadata shown as columns of the documents table (from the input or ``metadata``)."""


def _text_or_none(value: object) -> str | None:
    return None if value is None else str(value)


def _documents_table(
    corpus: Corpus, figures: dict[str, dict[str, float]], parents: pd.DataFrame
) -> pd.DataFrame:
    """One row per input: loaded documents with figures, skipped ones with their problem."""
    parent_of = parents.set_index("id") if len(parents) else None
    meta = {doc.id: doc.meta for doc in corpus.documents}
    rows = []
    for entry in corpus.inputs:
        row: dict[str, Any] = {
            "id": entry.id,
            "origin": entry.origin,
            "status": entry.status,
            "problem": entry.problem or None,
            "chars": entry.chars,
            "parent": None,
            "parent_confidence": np.nan,
            "parent_status": None,
            "family": None,
            "reuse_fraction": np.nan,
            "prose_reuse_fraction": np.nan,
            "quote_fraction": np.nan,
            "original_fraction": np.nan,
            "ignored_fraction": np.nan,
            "credited_fraction": np.nan,
            **{key: _text_or_none(meta.get(entry.id, {}).get(key)) for key in META_COLUMNS},
        }
        if entry.status != "skipped":
            found = figures.get(entry.id, {})
            row.update(found)
            row["problem"] = "; ".join(filter(None, (entry.problem, found.get("problem")))) or None
            if parent_of is not None and entry.id in parent_of.index:
                row["parent"] = parent_of.at[entry.id, "parent"]
                row["parent_confidence"] = parent_of.at[entry.id, "parent_confidence"]
                row["parent_status"] = parent_of.at[entry.id, "parent_status"]
                row["family"] = parent_of.at[entry.id, "family"]
        rows.append(row)
    return schema.frame("documents", rows)


def analyze(
    corpus: str | Path | Sequence[str] | pd.Series | pd.DataFrame | Corpus,
    *,
    id_column: str = "id",
    text_column: str = "text",
    date_column: str = "date",
    encoding_fallback: str | None = "cp1252",
    metadata: str | Path | pd.DataFrame | None = None,
    threshold: float = 0.5,
    containment_threshold: float = 0.3,
    shingle_size: int = 5,
    num_perm: int = 128,
    seed: int = 1,
    max_candidates: int = 50,
    exhaustive_below: int = 200,
    min_tfidf: float = 0.1,
    client: Any = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> Analysis:
    """Analyze a corpus: reused passages, quotation, latent sources and derivation.

    Parameters
    ----------
    corpus
        A folder of ``.txt``/``.md`` files, a ``.txt``, JSONL, CSV or Parquet file, a list
        of strings, a Series (index as ids) or a DataFrame (see
        :func:`lineage.corpus.load_corpus`).
    id_column, text_column, date_column, encoding_fallback
        How to read ``corpus``, see :func:`lineage.corpus.load_corpus`.
    metadata
        A side file (CSV, JSONL, Parquet) or DataFrame with an ``id`` column and any of
        ``date``, ``outlet``, ``title``, merged into the documents' metadata by id (see
        :func:`lineage.corpus.read_metadata`): dates then serve as direction cues, and all
        three show in the ``documents`` table and the report.
    threshold
        Jaccard threshold of LSH candidate pairs in a large corpus.
    containment_threshold
        Containment threshold of LSH candidate pairs in a large corpus (a short rewrite
        inside a long story).
    shingle_size, num_perm, seed
        Shingle length in words, MinHash permutations and their seed.
    max_candidates
        Most candidate pairs verified per document, the most similar by the MinHash
        estimate (a pair stays when it is among the best of either document). When it
        binds, a :class:`~lineage.errors.LineageWarning` says so and the counts are kept
        (``limits``); memory then grows with the documents, not with their pairs.
    exhaustive_below
        Below this many documents every pair is a candidate (no LSH).
    min_tfidf
        Candidate pairs sharing no shingle are aligned only from this TF-IDF cosine on.
    client, workers, scheduler
        Run the per-document and per-pair stages on Dask: an existing
        ``distributed.Client``, a new local cluster of ``workers`` processes, or the
        scheduler at ``scheduler`` (``tcp://host:8786``).
    progress
        Called as ``progress(stage, done, total)``.

    Returns
    -------
    Analysis
        ``documents`` lists every input, skipped ones with their problem.

    Raises
    ------
    CorpusError
        When the path does not exist or holds no text files.

    Examples
    --------
    >>> result = analyze("seeds")
    >>> docs = result.documents.set_index("id")
    >>> print(docs.loc["000_30916bffc445b469", "parent"])
    001_bf39bc6a18a36fb4
    """
    for name, value in (
        ("threshold", threshold),
        ("containment_threshold", containment_threshold),
        ("min_tfidf", min_tfidf),
    ):
        check_fraction(name, value)
    check_positive_int("shingle_size", shingle_size)
    check_positive_int("num_perm", num_perm)
    progress = progress or _quiet
    params = {
        "threshold": threshold,
        "containment_threshold": containment_threshold,
        "shingle_size": shingle_size,
        "num_perm": num_perm,
        "seed": seed,
        "max_candidates": check_positive_int("max_candidates", max_candidates),
        "exhaustive_below": exhaustive_below,
        "min_tfidf": min_tfidf,
    }
    side = None if metadata is None else read_metadata(metadata)
    loaded = load_corpus(
        corpus,
        id_column=id_column,
        text_column=text_column,
        date_column=date_column,
        encoding_fallback=encoding_fallback,
    )
    if side is not None:
        loaded = with_metadata(loaded, side)
    with _runner(client=client, workers=workers, scheduler=scheduler) as runner:
        return _analyze_loaded(loaded, runner=runner, progress=progress, params=params)


def _runner(*, client: Any, workers: int | None, scheduler: str | None) -> Any:
    """Return a context manager yielding the runner for the options given."""
    if client is None and workers is None and scheduler is None:
        from contextlib import nullcontext

        return nullcontext(LocalRunner())
    from lineage.distributed import dask_runner

    return dask_runner(client=client, workers=workers, scheduler=scheduler)


def _analyze_loaded(
    loaded: Corpus,
    *,
    runner: Runner,
    progress: Progress,
    params: dict[str, Any],
    candidates: pd.DataFrame | None = None,
    commonness: CommonnessModel | None = None,
) -> Analysis:
    """Run the stages on a loaded corpus.

    ``candidates`` (row positions ``a, b``) replaces the candidate step: a persistent
    index (:mod:`lineage.index`) has already found them in its LSH buckets.
    ``commonness`` replaces the model learnt from ``loaded`` (an index learns it from
    every indexed document, not only from a query's candidates).
    """
    ids, texts = list(loaded.ids), list(loaded.texts)
    if not ids:
        empty = {name: schema.frame(name, []) for name in ("pairs", "passages", "sources", "edges")}
        return Analysis(
            documents=_documents_table(loaded, {}, pd.DataFrame()), **empty, params=params
        )
    progress("normalize", 0, len(ids))
    normalized = normalize_corpus(texts)
    progress("normalize", len(ids), len(ids))
    norm_texts = [nt.text for nt in normalized]
    budget = CandidateBudget(per_document=params.get("max_candidates", 50))
    progress("sketch", 0, len(ids))
    sketches = _sketch(
        norm_texts,
        shingle_size=params["shingle_size"],
        num_perm=params["num_perm"],
        seed=params["seed"],
        runner=runner,
    )
    progress("sketch", len(ids), len(ids))
    if candidates is None:
        candidates = candidate_pairs(
            sketches,
            threshold=params["threshold"],
            containment_threshold=params["containment_threshold"],
            exhaustive_below=params["exhaustive_below"],
            runner=runner,
            budget=budget,
        )
    progress("verify candidate pairs", 0, len(candidates))
    pairs = score_pairs(candidates, sketches.hashes, norm_texts, ids)
    progress("verify candidate pairs", len(candidates), len(candidates))
    related = pairs[["jaccard", "containment_a_in_b", "containment_b_in_a"]].max(axis=1) > 0
    related |= pairs["tfidf_cosine"] >= params["min_tfidf"]
    position = {doc_id: i for i, doc_id in enumerate(ids)}
    scans = _mapped(runner, scan_quotations, texts, progress, "quotations")
    quotations = [scan.quotations for scan in scans]
    work = [
        (position[a], position[b])
        for a, b in pairs.loc[related, ["a", "b"]].itertuples(index=False)
    ]
    aligned = _mapped(
        runner,
        lambda ij: _align_pair(
            normalized[ij[0]],
            normalized[ij[1]],
            ids[ij[0]],
            ids[ij[1]],
            quotations[ij[0]],
            quotations[ij[1]],
        ),
        work,
        progress,
        "align pairs",
    )
    # What the genre shares is no evidence: learn it from the corpus, keep the passages
    # with enough informative text and count only their informative characters.
    progress("commonness", 0, 1)
    model = commonness or learn_commonness(texts, mapper=runner.map)
    involved = sorted({i for pair in work for i in pair})
    marked = runner.map(
        model.marks_batch,
        [[texts[i] for i in involved[k : k + 500]] for k in range(0, len(involved), 500)],
    )
    marks = dict(
        zip((ids[i] for i in involved), (m for batch in marked for m in batch), strict=True)
    )
    scored = score_passages((p for found in aligned for p in found), marks, model.params)
    progress("commonness", 1, 1)
    passages = scored.passages
    pairs = informative_containment(_with_shared_chars(pairs, passages), marks)
    notes = {
        (ids[i], ids[j]): found.note
        for (i, j), found in zip(work, aligned, strict=True)
        if found.note
    }
    pairs = pairs.assign(
        alignment_note=[notes.get(key, "") for key in zip(pairs["a"], pairs["b"], strict=True)]
    )
    passages_table, quotes_table = passage_tables(passages, commonness=scored.commonness)
    by_document = scored.pieces_by_document()
    figures = {
        doc_id: _figures(normalized[i], by_document.get(doc_id, [])) for i, doc_id in enumerate(ids)
    }
    for doc_id, scan in zip(ids, scans, strict=True):
        if scan.problems:  # unmatched quotation marks: read as prose, the problem noted
            figures[doc_id]["problem"] = "; ".join(scan.problems)
    dates = {d.id: d.meta["date"] for d in loaded.documents if d.meta.get("date")}
    progress("sources and derivation", 0, len(passages_table))
    # Credits first: a latent source carries the agency its children credit.
    outlets, credits = _credits(loaded, texts)
    lineage = infer_lineage(
        ids,
        texts,
        passages_table,
        pairs=pairs,
        dates=dates,
        credits={doc: {c.agency for c in found if c.agency} for doc, found in credits.items()},
        quotations=dict(zip(ids, quotations, strict=True)),
    )
    progress("sources and derivation", len(passages_table), len(passages_table))
    attribution = schema.frame("attribution", lineage.attribution)
    sources = schema.frame("sources", lineage.sources)
    shares = credited_fractions(attribution, credits, outlets=outlets, sources=sources)
    for doc_id, share in shares.items():
        figures[doc_id]["credited_fraction"] = share
    return Analysis(
        documents=_documents_table(loaded, figures, lineage.documents),
        pairs=pairs,
        passages=passages_table,
        quotes=quotes_table,
        sources=schema.frame("sources", lineage.sources),
        edges=schema.frame("edges", lineage.edges),
        attribution=schema.frame("attribution", lineage.attribution),
        texts=dict(zip(ids, texts, strict=True)),
        ignored={doc_id: normalized[i].ignored for i, doc_id in enumerate(ids)},
        meta={d.id: dict(d.meta) for d in loaded.documents},
        params=params,
        limits=_limits_note(candidates.attrs.get("limits", CandidateLimits()), budget),
    )


def _credits(loaded: Corpus, texts: list[str]) -> tuple[dict[str, str], dict[str, list[Credit]]]:
    """Every document's outlet (``outlet``/``credit`` metadata) and credits (lineage.credits)."""
    outlets = {
        d.id: str(d.meta.get("outlet") or d.meta.get("credit"))
        for d in loaded.documents
        if d.meta.get("outlet") or d.meta.get("credit")
    }
    agencies = learn_agencies(texts, outlets.values())
    credits = {
        doc_id: find_credits(text, agencies) for doc_id, text in zip(loaded.ids, texts, strict=True)
    }
    return outlets, credits


def _mapped(
    runner: Runner,
    fn: Callable[[T], R],
    items: Sequence[T],
    progress: Progress,
    stage: str,
    parts: int = 50,
) -> list[R]:
    """Map ``fn`` over ``items`` on ``runner`` in about ``parts`` steps, reporting each."""
    step = max(1_000, -(-len(items) // parts))
    done: list[R] = []
    progress(stage, 0, len(items))
    for start in range(0, len(items), step):
        done.extend(runner.map(fn, items[start : start + step]))
        progress(stage, len(done), len(items))
    return done


def _align_pair(
    na: NormalizedText,
    nb: NormalizedText,
    a_id: str,
    b_id: str,
    quotes_a: list[Quotation],
    quotes_b: list[Quotation],
) -> Alignment:
    """Align one candidate pair and mark the quoted parts of its whole passages."""
    found = align_normalized(na, nb, a_id=a_id, b_id=b_id)
    marked = mark_quotes(found, quotes_a, quotes_b, texts=(na.original, nb.original))
    return Alignment(marked, found.note)


def passage_tables(
    passages: Iterable[Passage], *, commonness: Sequence[float] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the ``passages`` and ``quotes`` tables of ``passages``.

    Passages are sorted by ``a, b, a_start, b_start``; a row of ``quotes`` is one side of
    one quoted part, ``passage`` being the row number of its passage in ``passages``.

    Examples
    --------
    >>> found = [Passage("x", 0, 50, "y", 0, 50, kind="mixed", quotes=((10, 20, 12, 22),))]
    >>> passages, quotes = passage_tables(found)
    >>> passages["quote_chars"].tolist(), quotes.values.tolist()
    ([10], [[0, 'a', 10, 20], [0, 'b', 12, 22]])
    """
    passages = list(passages)
    shares = list(commonness) if commonness is not None else [float("nan")] * len(passages)
    order = sorted(
        range(len(passages)),
        key=lambda k: (lambda p: (p.a, p.b, p.a_start, p.b_start, p.a_end, p.b_end))(passages[k]),
    )
    ordered = [passages[k] for k in order]
    rows = [
        {
            "a": p.a,
            "a_start": p.a_start,
            "a_end": p.a_end,
            "b": p.b,
            "b_start": p.b_start,
            "b_end": p.b_end,
            "kind": p.kind,
            "quote_chars": p.quote_chars,
            "similarity": p.similarity,
        }
        | {"commonness": shares[k]}
        for k, p in zip(order, ordered, strict=True)
    ]
    parts = [
        {"passage": number, "side": side, "start": start, "end": end}
        for number, p in enumerate(ordered)
        for a0, a1, b0, b1 in p.quotes
        for side, start, end in (("a", a0, a1), ("b", b0, b1))
        if end > start
    ]
    return schema.frame("passages", rows), schema.frame("quotes", parts)


def _figures(normalized: NormalizedText, passages: list[Passage]) -> dict[str, float]:
    """Reuse figures of one document (side ``a`` of ``passages``), debris left out."""
    length = len(normalized.original)
    figures = reuse_figures(length, passages, normalized.ignored)
    ignored = covered([(s.start, s.end) for s in normalized.ignored])
    figures["ignored_fraction"] = round(ignored / length, 4) if length else 0.0
    return figures


def _with_shared_chars(pairs: pd.DataFrame, passages: list[Passage]) -> pd.DataFrame:
    """Fill ``shared_chars``: characters of ``a`` inside the pair's passages."""
    spans: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for p in passages:
        spans.setdefault((p.a, p.b), []).append((p.a_start, p.a_end))
    shared = [covered(spans.get((a, b), [])) for a, b in zip(pairs["a"], pairs["b"], strict=True)]
    return pairs.assign(shared_chars=np.array(shared, dtype=np.int64))


def align(a: str, b: str, **params: object) -> Alignment:
    """Return the whole passages ``a`` and ``b`` share, their quoted parts marked.

    Offsets are into ``a`` and ``b`` exactly as given; ``align(b, a)`` is the mirror
    image of ``align(a, b)``. Each passage's ``kind`` is ``"prose"``, ``"quote"`` or
    ``"mixed"`` and ``quotes`` lists its quoted parts (see
    :func:`lineage.quote_parts.mark_quotes`); see :func:`lineage.align.align` for ``params``
    and for the ``note`` of a pair cut short.

    Examples
    --------
    >>> quote = '"Nothing is going to happen until Putin and I get together," Trump said.'
    >>> a = "Talks in Istanbul stalled on Thursday without the Russian leader. " + quote
    >>> b = quote + " Officials in Kyiv said they were ready to meet in Turkey anyway."
    >>> [(p.kind, a[p.a_start:p.a_end]) for p in align(a, b, min_chars=40)]
    [('quote', 'Nothing is going to happen until Putin and I get together," Trump said.')]
    """
    found = align_texts(a, b, **params)
    marked = mark_quotes(found, find_quotations(a), find_quotations(b), texts=(a, b))
    return Alignment(marked, found.note)


def side_by_side(
    a: str,
    b: str,
    passages: Sequence[Passage],
    *,
    names: tuple[str, str] = ("a", "b"),
    width: int = 100,
) -> str:
    """Render ``passages`` of ``a`` and ``b`` as two text columns (quotes marked)."""
    return render_side_by_side(a, b, passages, width=width, a_label=names[0], b_label=names[1])


def read_text_file(path: str | Path, *, encoding_fallback: str | None = "cp1252") -> str:
    """Read one text file as :func:`lineage.corpus.load_corpus` would, or raise why not."""
    loaded = load_corpus(Path(path), encoding_fallback=encoding_fallback)
    if not loaded.usable:
        raise CorpusError("; ".join(str(p) for p in loaded.skipped))
    return loaded.texts[0]


def dedup_corpus(
    corpus: str | Path,
    *,
    threshold: float = 0.5,
    dask: dict[str, Any] | None = None,
    **corpus_options: Any,
) -> tuple[pd.DataFrame, list[Problem]]:
    """Read ``corpus`` and return its near-duplicate clusters and the load problems.

    Raises :class:`~lineage.errors.CorpusError` when nothing usable was read.
    """
    loaded = load_corpus(corpus, **corpus_options)
    problems = list(loaded.problems)
    if not loaded.usable:
        shown = "; ".join(str(p) for p in problems[:3])
        raise CorpusError(f"no usable document in {corpus}: {shown}")
    frame = pd.DataFrame({"id": loaded.ids, "text": loaded.texts})
    return near_duplicate_clusters(frame, threshold, **(dask or {})), problems


def write_outputs(result: Analysis, out_dir: str | Path, *, raw_csv: bool = False) -> list[Path]:
    """Write the output contract of ``result`` into ``out_dir`` as one set; return the paths.

    ``lineage.json``, ``documents.csv``, ``pairs.csv``, ``passages.csv``, ``quotes.csv``,
    ``sources.csv``, ``edges.csv``, ``attribution.csv``, ``heatmap.png``, ``tree.png``
    and ``report.html``: written into a staging folder and moved over the previous set
    only when all are written (see :mod:`lineage.io`). CSV cells a spreadsheet would
    run as formulas are quoted unless ``raw_csv``.

    Raises
    ------
    OutputError
        When ``out_dir`` cannot be written; the previous outputs are then kept.
    """
    from lineage.report import write_report

    with OutputSet(out_dir) as outputs:
        result.to_json(outputs.staging / "lineage.json")
        for name in ("documents", "pairs", "passages", "quotes", "sources", "edges", "attribution"):
            write_table(getattr(result, name), outputs.staging / f"{name}.csv", raw_csv=raw_csv)
        write_report(result, outputs.staging)
        return outputs.commit()
