"""The Python API: orchestration of the stages, no algorithms of its own.

``analyze`` runs the whole pipeline (corpus -> normalize -> shingle -> sketch -> verify ->
align -> quotes -> sources -> derivation) and returns an :class:`~lineage.analysis.Analysis`;
``near_duplicates`` and ``near_duplicate_clusters`` stop after verification; ``align``
aligns one pair. Per-document and per-pair stages go through a *runner* whose ``map``
is the builtin one in process and a Dask bag on a cluster (:mod:`lineage.distributed`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from lineage import schema
from lineage.align import (
    Alignment,
    AlignParams,
    PreparedText,
    align_prepared,
    prepare_text,
    render_side_by_side,
)
from lineage.align import align as align_texts
from lineage.analysis import Analysis
from lineage.candidates import candidate_pairs, limits_note, sketch_texts
from lineage.commonness import CommonnessModel, CommonnessParams, learn_commonness
from lineage.corpus import Corpus, load_corpus, read_metadata, with_metadata
from lineage.credits import Credit, credited_fractions, find_credits, learn_agencies
from lineage.dedup import dedup_corpus, near_duplicate_clusters, near_duplicates
from lineage.errors import CorpusError, check_fraction, check_positive_int
from lineage.inference import Lineage, infer_lineage
from lineage.informative import (
    ScoredPassages,
    duplicate_passages,
    informative_containment,
    score_passages,
)
from lineage.io import OutputSet, write_table
from lineage.normalize import normalize_corpus
from lineage.quote_parts import drop_unquoted_phrases, mark_quotes
from lineage.quotes import QuotationScan, find_quotations, scan_quotations
from lineage.records import NormalizedText, Passage, Quotation, Span
from lineage.result_tables import (
    document_figures,
    documents_table,
    passage_tables,
    with_shared_chars,
)
from lineage.runners import LocalRunner, Runner, open_runner
from lineage.sketch import (
    CandidateBudget,
    CandidateLimits,
)
from lineage.verify import score_pairs

__all__ = [
    "align",
    "analyze",
    "candidate_pairs",
    "dedup_corpus",
    "near_duplicate_clusters",
    "near_duplicates",
    "passage_tables",
    "read_text_file",
    "side_by_side",
    "write_outputs",
    "write_table",
]

logger = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")
Progress = Callable[[str, int, int], None]


def _quiet(stage: str, done: int, total: int) -> None:
    """Report nothing (the default progress callback)."""


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
    with open_runner(client=client, workers=workers, scheduler=scheduler) as runner:
        return _analyze_loaded(loaded, runner=runner, progress=progress, params=params)


def _analyze_loaded(
    loaded: Corpus,
    *,
    runner: Runner,
    progress: Progress,
    params: dict[str, Any],
    candidates: pd.DataFrame | None = None,
    commonness: CommonnessModel | None = None,
    focus: str | None = None,
    boilerplate: Sequence[Sequence[Span]] | None = None,
) -> Analysis:
    """Run the stages on a loaded corpus.

    ``candidates`` (row positions ``a, b``) replaces the candidate step: a persistent
    index (:mod:`lineage.index`) has already found them in its LSH buckets.
    ``commonness`` replaces the model learnt from ``loaded`` (an index learns it from
    every indexed document, not only from a query's candidates). ``focus`` is the one
    document whose answer is wanted (an index's query): the documents table holds its
    row alone, and when no passage involves it, it is a document alone, with no lineage
    stage run for the others. ``boilerplate`` replaces the boilerplate spans found in
    ``loaded`` (an index knows its whole corpus's).
    """
    ids, texts = list(loaded.ids), list(loaded.texts)
    if not ids:
        empty = {name: schema.frame(name, []) for name in ("pairs", "passages", "sources", "edges")}
        return Analysis(
            documents=documents_table(loaded, {}, pd.DataFrame()), **empty, params=params
        )
    progress("normalize", 0, len(ids))
    normalized = normalize_corpus(texts, boilerplate=True if boilerplate is None else boilerplate)
    progress("normalize", len(ids), len(ids))
    if focus is not None and candidates is not None and candidates.empty:
        return _alone_answer(loaded, normalized, params, focus)
    budget = CandidateBudget(per_document=params.get("max_candidates", 50))
    # Search and alignment read the texts with their framing lines blanked: a footer or a
    # legal line is no evidence of reuse (NormalizedText.evidence).
    evidence = [nt.evidence() for nt in normalized]
    # An exact duplicate is represented by its earliest copy (then by content, then id);
    # its words only, so that framing blanked or not leaves the order as it is.
    rank = [
        (str(d.meta.get("date") or "\uffff"), " ".join(evidence[i].text.split()), d.id)
        for i, d in enumerate(loaded.documents)
    ]
    pairs, candidates = _verified_pairs(
        evidence, ids, params, runner=runner, progress=progress, candidates=candidates,
        budget=budget, rank=rank,
    )  # fmt: skip
    pairs, scored, scans = _scored_passages(
        evidence, ids, pairs, params, runner=runner, progress=progress, commonness=commonness
    )
    passages_table, quotes_table = passage_tables(scored.passages, commonness=scored.commonness)
    progress("sources and derivation", 0, len(passages_table))
    if focus is None or passages_table[["a", "b"]].eq(focus).any(axis=None):
        quotations = {doc_id: scan.quotations for doc_id, scan in zip(ids, scans, strict=True)}
        lineage, shares = _lineage(loaded, passages_table, pairs, quotations)
    else:  # the others' lineage is no part of the answer
        lineage, shares = _alone(focus), {}
    progress("sources and derivation", len(passages_table), len(passages_table))
    return Analysis(
        documents=_documents_table(
            loaded, normalized, scans, scored.pieces_by_document(), lineage, shares, focus=focus
        ),
        pairs=pairs,
        passages=passages_table,
        quotes=quotes_table,
        **_lineage_tables(lineage, framed=focus is None),
        texts=dict(zip(ids, texts, strict=True)),
        ignored={doc_id: normalized[i].ignored for i, doc_id in enumerate(ids)},
        meta={d.id: dict(d.meta) for d in loaded.documents},
        params=params,
        limits=limits_note(candidates.attrs.get("limits", CandidateLimits()), budget),
    )


def _lineage_tables(lineage: Lineage, *, framed: bool) -> dict[str, pd.DataFrame]:
    """Return the sources, edges and attribution tables of ``lineage``.

    ``framed``: in their schema's dtypes (:func:`lineage.schema.frame`); else as the
    lineage stage made them (a query's answer reads them so).
    """
    names = ("sources", "edges", "attribution")
    if not framed:
        return {name: getattr(lineage, name) for name in names}
    return {name: schema.frame(name, getattr(lineage, name)) for name in names}


def _documents_table(
    loaded: Corpus,
    normalized: Sequence[NormalizedText],
    scans: Sequence[QuotationScan],
    pieces: dict[str, list[Passage]],
    lineage: Lineage,
    shares: dict[str, float],
    *,
    focus: str | None = None,
) -> pd.DataFrame:
    """Return the documents table: every input of ``loaded``, or the row of ``focus``.

    ``pieces`` are the informative pieces of every document
    (:meth:`~lineage.informative.ScoredPassages.pieces_by_document`), ``shares`` their
    credited fractions (:func:`_lineage`).
    """
    ids = list(loaded.ids)
    shown = range(len(ids)) if focus is None else [ids.index(focus)]
    figures = {}
    for i in shown:
        figures[ids[i]] = document_figures(normalized[i], pieces.get(ids[i], []))
        if scans[i].problems:  # unmatched quotation marks: read as prose, the problem noted
            figures[ids[i]]["problem"] = "; ".join(scans[i].problems)
        if ids[i] in shares:
            figures[ids[i]]["credited_fraction"] = shares[ids[i]]
    if focus is not None:
        loaded = Corpus((loaded.documents[shown[0]],))
    return documents_table(loaded, figures, lineage.documents)


def _verified_pairs(
    normalized: list[NormalizedText],
    ids: list[str],
    params: dict[str, Any],
    *,
    runner: Runner,
    progress: Progress,
    candidates: pd.DataFrame | None,
    budget: CandidateBudget,
    rank: list[tuple[str, str, str]],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sketch the texts, find the candidate pairs (unless given) and score them exactly.

    ``rank`` orders each group of exact duplicates (see :func:`candidate_pairs`).
    """
    norm_texts = [nt.text for nt in normalized]
    progress("sketch", 0, len(ids))
    sketches = sketch_texts(
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
            rank=rank,
        )
    progress("verify candidate pairs", 0, len(candidates))
    pairs = score_pairs(candidates, sketches.hashes, norm_texts, ids)
    progress("verify candidate pairs", len(candidates), len(candidates))
    return pairs, candidates


def _scored_passages(
    normalized: list[NormalizedText],
    ids: list[str],
    pairs: pd.DataFrame,
    params: dict[str, Any],
    *,
    runner: Runner,
    progress: Progress,
    commonness: CommonnessModel | None,
) -> tuple[pd.DataFrame, ScoredPassages, list[QuotationScan]]:
    """Align the related pairs, then keep the passages the genre does not explain.

    Returns the pairs with ``shared_chars``, informative containments and alignment notes,
    the scored passages (:func:`lineage.commonness.score_passages`) and each text's
    quotations with their problems (:func:`lineage.quotes.scan_quotations`).
    """
    texts = [nt.original for nt in normalized]
    related = pairs[["jaccard", "containment_a_in_b", "containment_b_in_a"]].max(axis=1) > 0
    related |= pairs["tfidf_cosine"] >= params["min_tfidf"]
    position = {doc_id: i for i, doc_id in enumerate(ids)}
    scans = _mapped(runner, scan_quotations, texts, progress, "quotations")
    quotations = [scan.quotations for scan in scans]
    work = [
        (position[a], position[b])
        for a, b in pairs.loc[related, ["a", "b"]].itertuples(index=False)
    ]
    # Each text is prepared for alignment once (tokens, stems, sentences), not once per pair.
    involved = sorted({i for pair in work for i in pair})
    prepared = dict(
        zip(
            involved,
            _mapped(
                runner,
                prepare_text,
                [normalized[i] for i in involved],
                progress,
                "prepare texts",
            ),
            strict=True,
        )
    )
    aligned = _mapped(
        runner,
        lambda ij: _align_pair(
            prepared[ij[0]],
            prepared[ij[1]],
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
    progress("commonness", 0, len(texts))  # learnt from every document
    model = commonness or learn_commonness(texts, mapper=runner.map)
    marked = runner.map(
        model.marks_batch,
        [[texts[i] for i in involved[k : k + 500]] for k in range(0, len(involved), 500)],
    )
    marks = dict(
        zip((ids[i] for i in involved), (m for batch in marked for m in batch), strict=True)
    )
    # An exact duplicate is one however short: alignment's floors may leave it no passage.
    unaligned = [(ids[i], ids[j]) for (i, j), found in zip(work, aligned, strict=True) if not found]
    every = [p for passages in aligned for p in passages] + duplicate_passages(unaligned, marks)
    scored = score_passages(every, marks, model.params)
    progress("commonness", len(texts), len(texts))
    pairs = informative_containment(with_shared_chars(pairs, scored.passages), marks)
    notes = {
        (ids[i], ids[j]): found.note
        for (i, j), found in zip(work, aligned, strict=True)
        if found.note
    }
    pairs = pairs.assign(
        alignment_note=[notes.get(key, "") for key in zip(pairs["a"], pairs["b"], strict=True)]
    )
    return pairs, scored, scans


def _lineage(
    loaded: Corpus,
    passages: pd.DataFrame,
    pairs: pd.DataFrame,
    quotations: dict[str, list[Quotation]],
) -> tuple[Lineage, dict[str, float]]:
    """Infer parents and latent sources, then each document's credited share."""
    ids, texts = list(loaded.ids), list(loaded.texts)
    dates = {d.id: d.meta["date"] for d in loaded.documents if d.meta.get("date")}
    # Credits first: a latent source carries the agency its children credit.
    outlets, credits = _credits(loaded, texts)
    lineage = infer_lineage(
        ids,
        texts,
        passages,
        pairs=pairs,
        dates=dates,
        credits={doc: {c.agency for c in found if c.agency} for doc, found in credits.items()},
        quotations=quotations,
    )
    attribution = schema.frame("attribution", lineage.attribution)
    sources = schema.frame("sources", lineage.sources)
    shares = credited_fractions(attribution, credits, outlets=outlets, sources=sources)
    return lineage, shares


def _alone_answer(
    loaded: Corpus, normalized: list[NormalizedText], params: dict[str, Any], focus: str
) -> Analysis:
    """Answer for ``focus``, a document with no candidate (an index query): it is alone.

    The tables of pairs, passages and sources are those of an analysis of one document
    (made once, :func:`_lone_analysis`).
    """
    at = list(loaded.ids).index(focus)
    document, norm = loaded.documents[at], normalized[at]
    documents = _documents_table(
        Corpus((document,)), [norm], [scan_quotations(document.text)], {}, _alone(focus), {}
    )
    return replace(
        _lone_analysis(tuple(sorted(params.items()))),
        documents=documents,
        texts={focus: document.text},
        ignored={focus: norm.ignored},
        meta={focus: dict(document.meta)},
        params=params,
    )


@cache
def _lone_analysis(params: tuple[tuple[str, Any], ...]) -> Analysis:
    """Analyze one document, once per ``params`` (items): its empty tables are any lone one's."""
    return _analyze_loaded(
        load_corpus(["alone"]),
        runner=LocalRunner(),
        progress=_quiet,
        params=dict(params),
        commonness=learn_commonness([], CommonnessParams(table_bits=8)),  # marks nothing
    )


@cache
def _alone_verdict() -> Lineage:
    """Return the lineage stage's verdict on a document sharing no passage (asked once)."""
    return infer_lineage(["alone"], ["alone"], schema.frame("passages", []))


def _alone(doc_id: str) -> Lineage:
    """Return the lineage of ``doc_id`` alone: :func:`_alone_verdict` under its id."""
    verdict = _alone_verdict()
    return replace(verdict, documents=verdict.documents.assign(id=doc_id))


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
    ta: PreparedText,
    tb: PreparedText,
    a_id: str,
    b_id: str,
    quotes_a: list[Quotation],
    quotes_b: list[Quotation],
) -> Alignment:
    """Align one candidate pair and mark the quoted parts of its whole passages."""
    found = align_prepared(ta, tb, a_id=a_id, b_id=b_id)
    texts = (ta.norm.original, tb.norm.original)
    marked = mark_quotes(found, quotes_a, quotes_b, texts=texts)
    kept = drop_unquoted_phrases(marked, texts=texts, min_chars=ta.params.min_chars)
    return Alignment(kept, found.note)


def align(a: str, b: str, **params: object) -> Alignment:
    """Return the whole passages ``a`` and ``b`` share, their quoted parts marked.

    Offsets are into ``a`` and ``b`` exactly as given; ``align(b, a)`` is the mirror
    image of ``align(a, b)``. Each passage's ``kind`` is ``"prose"``, ``"quote"`` or
    ``"mixed"`` and ``quotes`` lists its quoted parts (see
    :func:`lineage.quote_parts.mark_quotes`); see :func:`lineage.align.align` for ``params``
    and for the ``note`` of a pair cut short. A passage shorter than ``min_chars`` on either
    side (a verbatim run kept by ``min_copy_chars``) is kept only as a quotation or as most
    of a text (:func:`lineage.quote_parts.drop_unquoted_phrases`), as in :func:`analyze`.

    Examples
    --------
    >>> quote = '"Nothing is going to happen until Putin and I get together," Trump said.'
    >>> a = "Talks in Istanbul stalled on Thursday without the Russian leader. " + quote
    >>> b = quote + " Officials in Kyiv said they were ready to meet in Turkey anyway."
    >>> [(p.kind, a[p.a_start:p.a_end]) for p in align(a, b, min_chars=40)]
    [('quote', 'Nothing is going to happen until Putin and I get together," Trump said.')]
    """
    found = align_texts(a, b, **params)
    if not found:
        return found
    quotes_a, quotes_b = (find_quotations(text, speakers=False) for text in (a, b))
    marked = mark_quotes(found, quotes_a, quotes_b, texts=(a, b))
    min_chars = AlignParams.of(params).min_chars
    return Alignment(drop_unquoted_phrases(marked, texts=(a, b), min_chars=min_chars), found.note)


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
