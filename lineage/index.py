"""A persistent index: keep a collection, add to it, ask where a new text came from.

The index is one folder holding one SQLite database (:mod:`lineage.index_store`: the
documents, their compressed texts, LSH bucket segments and the commonness model's counts).
:meth:`Index.add` sketches a batch of documents as :func:`lineage.near_duplicates` does
and writes it in one transaction: a reader sees the index as it was before the batch or
after it, and a process killed in the middle leaves it as before. :meth:`Index.query`
looks a text up in the buckets, then hands the text and its candidates to the same
pipeline as :func:`lineage.analyze` (normalize, verify, align, quotes, sources,
derivation) with the candidate pairs the buckets gave: the pairs and passages of the
query are those of a batch analysis of the collection plus the query.

Examples
--------
>>> import tempfile
>>> wire = ("Russia's Vladimir Putin spurned a challenge to meet face-to-face with "
...         "Ukrainian President Volodymyr Zelensky in Turkey on Thursday, dealing a "
...         "blow to prospects for a peace breakthrough in the war. They would be the first "
...         "direct talks between the sides since March 2022, but hopes were dented by Donald "
...         "Trump, who said there would be no movement without a meeting with Putin.")
>>> folder = tempfile.mkdtemp()
>>> with Index.create(folder + "/idx") as index:
...     added = index.add(pd.DataFrame({"id": ["wire", "crops"],
...                                     "text": [wire, "An unrelated story on crops."],
...                                     "date": ["2025-05-15", "2025-05-15"]}))
...     found = index.query(wire.replace("Thursday", "Friday"), date="2025-05-16")
>>> found.passages[["a", "b"]].drop_duplicates().values.tolist()
[['query', 'wire']]
>>> print(found.documents.loc[0, "parent"])
wire
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lineage import api, schema
from lineage.analysis import _records
from lineage.commonness import CommonnessModel, distinct_per_text
from lineage.corpus import (
    Corpus,
    iter_corpus_shards,
    load_corpus,
    read_metadata,
    with_metadata,
)
from lineage.debris import find_debris, spans_overlap
from lineage.errors import ParameterError, check_positive_int
from lineage.index_store import (
    DATABASE,
    SCHEMA_VERSION,
    IndexFileError,
    IndexParams,
    IndexSketch,
    IndexStore,
    LineCounts,
    TextLines,
)
from lineage.normalize import normalize_corpus
from lineage.records import FRAMING_KINDS, Document, Span
from lineage.runners import LocalRunner
from lineage.shingle import HashedSpans, shingle_hashes, shingle_windows, tokenize_batch
from lineage.sketch import (
    minhash_signatures,
)
from lineage.verify import rank_pairs, score_pairs

__all__ = ["DATABASE", "SCHEMA_VERSION", "Index", "IndexFileError", "IndexParams", "QueryResult"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class QueryResult:
    """The answer to :meth:`Index.query`: tables in the columns of the output contract.

    Attributes
    ----------
    documents
        One row per query text: the ``documents`` columns of :func:`lineage.analyze`
        (``reuse_fraction``, ``parent``, ``parent_confidence``, ...) plus ``matches`` (how
        many indexed documents it shares passages with) and ``parent_kind``
        (``"document"``, ``"unseen common source"`` or ``None``).
    pairs
        The scored candidate pairs of each query text with indexed documents (as in the
        ``pairs`` table of an analysis, ``a < b``).
    passages
        The passages each query text shares with indexed documents, offsets into both.
    sources
        Latent sources a query text is ascribed to (ids ``latent:...``).
    texts
        The texts of the query and of the indexed documents it matched, by id.
    """

    documents: pd.DataFrame
    pairs: pd.DataFrame
    passages: pd.DataFrame
    sources: pd.DataFrame
    texts: dict[str, str] = field(default_factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """Return the tables as JSON-ready lists of records."""
        return {
            "documents": _records(self.documents),
            "pairs": _records(self.pairs),
            "passages": _records(self.passages),
            "sources": _records(self.sources),
        }


Progress = Callable[[str, int, int], None]


class Index:
    """A persistent near-duplicate and reuse index in one folder.

    Open an existing index with ``Index(path)``, make a new one with :meth:`create` or
    :meth:`build`. Use it as a context manager, or call :meth:`close`.

    Parameters
    ----------
    path
        The index folder (it holds ``index.sqlite``).
    readonly
        Open for queries only; any number of readers may query while one writer adds.

    Raises
    ------
    IndexFileError
        When ``path`` is missing, is not an index folder, holds a file that is not a
        lineage index (or a corrupt one), or an index of another schema version.

    Examples
    --------
    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> Index.create(folder + "/news").close()
    >>> with Index(folder + "/news") as index:
    ...     index.stats()["documents"]
    0
    """

    def __init__(self, path: str | Path, *, readonly: bool = False) -> None:
        self.path = Path(path)
        self._store = IndexStore(self.path, readonly=readonly)
        self.params = self._store.params
        self.last_added: pd.DataFrame | None = None
        """The inputs of the last :meth:`add` with their status."""

    @classmethod
    def create(cls, path: str | Path, *, params: IndexParams | None = None) -> Index:
        """Make a new, empty index folder at ``path`` and open it.

        Parameters
        ----------
        path
            A folder that does not exist yet, or an empty one.
        params
            The settings (default: those of :func:`lineage.analyze`).

        Raises
        ------
        IndexFileError
            When ``path`` is a file or a folder that is not empty.
        """
        IndexStore.create(Path(path), params or IndexParams()).close()
        return cls(path)

    @classmethod
    def build(
        cls,
        path: str | Path,
        corpus: Any,
        *,
        params: IndexParams | None = None,
        batch_size: int = 5_000,
        progress: Progress | None = None,
        **corpus_options: Any,
    ) -> Index:
        """Create an index at ``path`` and add ``corpus`` to it (see :meth:`add`).

        What :meth:`add` returned is kept in :attr:`last_added`. When nothing could be
        added (the corpus is missing or unreadable), no index is left at ``path``.
        """
        fresh = not Path(path).exists()
        index = cls.create(path, params=params)
        try:
            index.add(corpus, batch_size=batch_size, progress=progress, **corpus_options)
        except BaseException:
            empty = len(index) == 0
            index.close()
            if empty:  # nothing was added: leave no index behind
                for file in Path(path).iterdir():
                    if file.name.startswith(DATABASE):
                        file.unlink()
                if fresh:
                    Path(path).rmdir()
            raise
        return index

    def close(self) -> None:
        """Close the database connection."""
        self._store.close()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- adding -----------------------------------------------------------------------

    def _sketch(self, texts: Sequence[str], boilerplate: Sequence[list[Span]]) -> IndexSketch:
        """Shingle and MinHash the evidence of texts as :func:`lineage.analyze` does.

        The evidence is the text without its framing lines
        (:meth:`~lineage.records.NormalizedText.evidence`: debris of the framing kinds and
        the corpus ``boilerplate`` spans of each text): the tokens inside them are left out.
        Shingle hashing folds case, accents, quotes and dashes itself (the hashes of a text
        equal those of its :func:`~lineage.normalize.normalize_text`), so no normalization
        pass is needed; name variants are not folded here, as they would be learnt from
        the batch alone and differ from batch to batch. All the tokens are kept: the
        commonness model of a batch is counted from them, as an analysis counts it from
        the original texts.
        """
        params = self.params
        tokens = tokenize_batch(texts)
        framing = []
        for text, recurring in zip(texts, boilerplate, strict=True):
            debris = find_debris(text)
            framing.append(
                [span for span in debris if span.kind in FRAMING_KINDS]
                + [r for r in recurring if not any(spans_overlap(r, s) for s in debris)]
            )
        shingles = shingle_windows(_outside(tokens, framing), n=params.shingle_size)
        signatures = minhash_signatures(shingles, num_perm=params.num_perm, seed=params.seed)
        sizes = distinct_per_text(shingles.hashes, shingles.offsets)[1]
        return IndexSketch(signatures, sizes, tokens)

    def _boilerplate(
        self, texts: Sequence[str], *, counted: bool = True
    ) -> tuple[list[list[Span]], LineCounts, int]:
        """Return the corpus boilerplate of ``texts``, what they add to the line counts, and N.

        As :func:`~lineage.boilerplate.find_boilerplate` finds it in the indexed documents
        and ``texts`` together (``N`` documents), from the line counts the index keeps
        (:class:`~lineage.index_store.LineCounts`). ``counted``: the texts are not in the
        index (yet); else they are counted already and add nothing.
        """
        documents = len(self) + (len(texts) if counted else 0)
        new = TextLines.of(texts)
        known = self._store.line_counts(new.lines)
        added = new.counts(known, documents) if counted else LineCounts.empty()
        return new.boilerplate(known.plus(added), documents, len(texts)), added, documents

    def _indexed_boilerplate(
        self, texts: Sequence[str], added: LineCounts, documents: int
    ) -> list[list[Span]]:
        """Return the boilerplate of indexed ``texts``, ``added`` counted (``documents`` in all)."""
        lines = TextLines.of(texts)
        counts = self._store.line_counts(lines.lines).plus(added)
        return lines.boilerplate(counts, documents, len(texts))

    def add(
        self,
        corpus: Any,
        *,
        batch_size: int = 5_000,
        progress: Progress | None = None,
        metadata: str | Path | pd.DataFrame | None = None,
        **corpus_options: Any,
    ) -> pd.DataFrame:
        """Add the documents of ``corpus``, one transaction per batch.

        Parameters
        ----------
        corpus
            Anything :func:`lineage.load_corpus` reads (a folder, a JSONL/CSV/Parquet file,
            a DataFrame, a list of texts, a :class:`~lineage.corpus.Corpus`).
        batch_size
            Documents sketched and written per transaction.
        progress
            Called as ``progress("add", done, total_so_far)`` after each batch.
        metadata
            A side file (CSV, JSONL, Parquet) or DataFrame with an ``id`` column and any
            of ``date``, ``outlet``, ``title``, as for :func:`lineage.analyze`: stored with
            the documents, so a query's parent respects their dates.
        **corpus_options
            ``id_column``, ``text_column``, ``date_column``, ``encoding_fallback``.

        Returns
        -------
        pandas.DataFrame
            One row per input: ``id, origin, status, problem``. Inputs the corpus rules
            skip, and ids the index already holds (the first is kept), are ``skipped``.

        Notes
        -----
        Cost is proportional to the batch: it is sketched on its own (its normalization
        learns name variants and boilerplate from the batch, as an analysis of it would)
        and its rows go into B-trees, ``O(batch * log(index))``. A reader sees the index
        before or after a batch, never in between; a killed writer leaves it as before.
        """
        batch_size = check_positive_int("batch_size", batch_size)
        progress = progress or (lambda stage, done, total: None)
        side = None if metadata is None else read_metadata(metadata)
        rows: list[dict[str, Any]] = []
        done = 0
        seen: set[str] = set()
        for shard in iter_corpus_shards(corpus, shard_size=batch_size, **corpus_options):
            if side is not None:
                shard = with_metadata(shard, side, warn_unknown=False)
                seen.update(shard.ids)
            rows.extend(self._add_shard(shard))
            done += len(shard.inputs)
            progress("add", done, done)
        if side is not None:  # one warning for the ids named in no batch
            with_metadata(Corpus(()), {k: v for k, v in side.items() if k not in seen})
        self.last_added = schema.frame("index_inputs", rows)
        return self.last_added

    def _add_shard(self, shard: Corpus) -> list[dict[str, Any]]:
        ids = list(shard.ids)
        present = self._store.present(ids)
        fresh = [doc for doc in shard.documents if doc.id not in present]
        inputs = []
        for entry in shard.inputs:
            row = {
                "id": entry.id,
                "origin": entry.origin,
                "status": entry.status,
                "problem": entry.problem or None,
            }
            if entry.status != "skipped" and entry.id in present:
                row["status"] = "skipped"
                row["problem"] = (
                    f"duplicate id {entry.id!r}: already in the index; the first is kept"
                )
            inputs.append(row)
        if fresh:
            texts = [doc.text for doc in fresh]
            boilerplate, lines, _ = self._boilerplate(texts)
            self._store.write(fresh, replace(self._sketch(texts, boilerplate), lines=lines))
        return inputs

    # -- reading ----------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._store)

    def commonness(self) -> CommonnessModel:
        """Return what the indexed documents share: the model a query scores passages with.

        The :func:`~lineage.commonness.learn_commonness` model of the indexed texts, kept
        in the index and grown with every batch (texts identical up to case and white
        space count once), as :func:`lineage.analyze` learns it from its corpus.

        Examples
        --------
        >>> import tempfile
        >>> with Index.create(tempfile.mkdtemp() + "/common") as index:
        ...     _ = index.add([f"Shr {i} cts vs {i + 1} cts. Reuter" for i in range(12)])
        ...     model = index.commonness()
        >>> model.documents, bool(model.marks("Shr 1 cts vs 2 cts. Reuter").common.all())
        (12, True)
        """
        with self._store.snapshot():
            return self._store.commonness()

    def stats(self) -> dict[str, Any]:
        """Return counts, settings and size on disk of the index.

        Returns
        -------
        dict
            ``documents``, ``batches``, ``distinct_texts`` (texts the commonness model
            counts), ``buckets`` (bucket entries), ``segments`` (bucket
            segments a query probes), ``bytes`` (database and journal on disk),
            ``bytes_per_document``, ``schema_version`` and ``params``.
        """
        return self._store.stats()

    def near_duplicates(self, source: Any, **corpus_options: Any) -> pd.DataFrame:
        """Return the scored candidate pairs of each query text, without alignment.

        The first steps of :meth:`query` only (buckets, then exact Jaccard, containments and
        TF-IDF cosine by :func:`lineage.verify.score_pairs` on the normalized texts): the
        fast answer to "is this a copy of something indexed?".

        Parameters
        ----------
        source
            As for :meth:`query`.
        **corpus_options
            ``id_column``, ``text_column``, ``date_column``, ``encoding_fallback``.

        Returns
        -------
        pandas.DataFrame
            The ``pairs`` columns (``a < b``), one row per query text and candidate,
            ranked as :func:`lineage.verify.rank_pairs` ranks them.
        """
        loaded = self._load_query(source, date=None, **corpus_options)
        found = []
        for document in loaded.documents:
            family, boilerplate = self._family(document)
            if not family:
                continue
            texts = [d.text for d in family] + [document.text]
            normalized = [
                nt.evidence().text for nt in normalize_corpus(texts, boilerplate=boilerplate)
            ]
            hashes = shingle_hashes(normalized, n=self.params.shingle_size)
            star = pd.DataFrame({"a": range(len(family)), "b": len(family)}, dtype="int64")
            found.append(
                score_pairs(star, hashes, normalized, [d.id for d in family] + [document.id])
            )
        return (
            rank_pairs(pd.concat(found, ignore_index=True)) if found else schema.frame("pairs", [])
        )

    def query(
        self,
        source: Any,
        *,
        date: str | None = None,
        **corpus_options: Any,
    ) -> QueryResult:
        """Find what indexed documents a text reuses, how much of it, and its likely parent.

        Parameters
        ----------
        source
            One text (a ``str``; its id is ``"query"``), a :class:`~pathlib.Path` to a
            file or folder, a DataFrame, or whatever else :func:`lineage.load_corpus`
            reads. Each query text is answered on its own against the index (query texts
            are not compared with each other); a text under the id of an indexed
            document is compared with the other indexed documents.
        date
            Publication date of a single text given as a ``str`` (ISO 8601): an indexed
            document dated after it is not taken for its parent.
        **corpus_options
            ``id_column``, ``text_column``, ``date_column``, ``encoding_fallback``.

        Returns
        -------
        QueryResult
            Pairs, passages and the ``documents`` row of every query text, as an analysis
            of the indexed documents plus that text gives them.

        Raises
        ------
        CorpusError
            When no query text could be read.

        Notes
        -----
        Candidates come from the LSH buckets (the candidates a batch analysis finds); each
        is aligned with the query text, and the ``family`` closest among themselves, then
        the candidates and the text go through the analysis stages
        (:func:`lineage.api.analyze`'s own code, with these candidate pairs).
        """
        loaded = self._load_query(source, date=date, **corpus_options)
        parts = [self._answer(document, *self._family(document)) for document in loaded.documents]
        skipped = [
            {"id": p.id, "origin": p.origin, "status": "skipped", "problem": p.message}
            for p in loaded.skipped
        ]
        return _concat(parts, skipped)

    def _load_query(self, source: Any, *, date: str | None, **options: Any) -> Corpus:
        if isinstance(source, str):
            frame = pd.DataFrame({"id": ["query"], "text": [source], "date": [date]})
            return load_corpus(frame)
        if date is not None:
            raise ParameterError("'date' is for a single text; give dates in a date column")
        loaded = load_corpus(source, **options)
        if not loaded.usable:
            from lineage.errors import CorpusError

            shown = "; ".join(str(p) for p in loaded.skipped[:3])
            raise CorpusError(f"no usable query text: {shown}")
        return loaded

    def _family(self, document: Document) -> tuple[list[Document], list[list[Span]]]:
        """Return the candidates of a query text, and the corpus boilerplate of them and it.

        Read in one snapshot of the index. The boilerplate spans are those of the
        candidates, then of the text (the order of :meth:`_answer`'s corpus); a text under
        an indexed document's id is that document, counted once.
        """
        with self._store.snapshot():
            again = bool(self._store.present([document.id]))
            mine, added, documents = self._boilerplate([document.text], counted=not again)
            sketch = self._sketch([document.text], mine)
            keys = self._store.layout.keys(sketch.signatures)
            docs = self._store.candidates(keys[0], int(sketch.sizes[0]))
            family = [d for d in self._store.documents(docs) if d.id != document.id]
            if not family:
                return family, mine
            theirs = self._indexed_boilerplate([d.text for d in family], added, documents)
        return family, [*theirs, *mine]

    def _answer(
        self, document: Document, family: list[Document], boilerplate: list[list[Span]]
    ) -> QueryResult:
        """Run the analysis stages on ``document`` and its candidate documents ``family``.

        A query under an indexed document's id is that document asked about again: the
        answer is what the index's other documents give it (``family`` leaves it out).
        ``boilerplate``: the corpus boilerplate spans of each of ``family`` and ``document``
        (:meth:`_family`), blanked as an analysis of the whole corpus blanks them.
        """
        corpus = Corpus((*family, document))
        q = len(family)
        top = min(self.params.family, q)
        pairs = [(i, q) for i in range(q)]
        pairs += [(i, j) for i in range(top) for j in range(i + 1, top)]
        candidates = pd.DataFrame(pairs, columns=["a", "b"], dtype="int64")
        result = api._analyze_loaded(
            corpus,
            runner=LocalRunner(),
            progress=lambda stage, done, total: None,
            params=self.params.analysis(),
            candidates=candidates,
            commonness=self.commonness(),
            focus=document.id,
            boilerplate=boilerplate,
        )
        me = document.id
        pairs, passages, sources = result.pairs, result.passages, result.sources
        if len(pairs):  # the query's pairs, not those of its candidates among themselves
            pairs = pairs[(pairs["a"] == me) | (pairs["b"] == me)].reset_index(drop=True)
        if len(passages):
            mine = (passages["a"] == me) | (passages["b"] == me)
            passages = passages[mine].reset_index(drop=True)
        if len(sources):
            sources = sources[[me in list(m) for m in sources["members"]]].reset_index(drop=True)
        partners = (set(passages["a"]) | set(passages["b"])) - {me}
        parent = result.documents.loc[0, "parent"]
        kind = (
            None
            if pd.isna(parent)
            else "unseen common source"
            if str(parent).startswith("latent:")
            else "document"
        )
        return QueryResult(
            documents=result.documents.assign(matches=len(partners), parent_kind=kind),
            pairs=pairs,
            passages=passages,
            sources=sources,
            texts={k: v for k, v in result.texts.items() if k == me or k in partners},
        )


def _concat(parts: list[QueryResult], skipped: list[dict[str, Any]]) -> QueryResult:
    """Join the answers of several query texts (and the query inputs that were skipped)."""
    if len(parts) == 1 and not skipped:
        return parts[0]
    documents = pd.concat(
        [p.documents for p in parts] + ([pd.DataFrame(skipped)] if skipped else []),
        ignore_index=True,
    )
    tables = {}
    for name in ("pairs", "passages", "sources"):
        frames = [getattr(p, name) for p in parts if len(getattr(p, name))]
        tables[name] = pd.concat(frames, ignore_index=True) if frames else schema.frame(name, [])
    texts = {k: v for p in parts for k, v in p.texts.items()}
    return QueryResult(documents=documents, texts=texts, **tables)


def _outside(tokens: HashedSpans, spans: Sequence[Sequence[Span]]) -> HashedSpans:
    r"""Return the tokens of each text that start outside every one of its ``spans``.

    Examples
    --------
    >>> tokens = tokenize_batch(["Story one.\nSign up now", "Two"])
    >>> _outside(tokens, [[Span(11, 22, "boilerplate")], []]).offsets.tolist()
    [0, 2, 3]
    """
    owner = tokens.owners()
    flat = [(i, span.start, span.end) for i, own in enumerate(spans) for span in own]
    if not flat:
        return tokens
    table = np.array(flat, dtype=np.int64)
    starts, ends = (table[:, 0] << 32) | table[:, 1], (table[:, 0] << 32) | table[:, 2]
    order = np.argsort(starts, kind="stable")
    starts, reach = starts[order], np.maximum.accumulate(ends[order])
    at = (owner << 32) | tokens.starts
    before = np.searchsorted(starts, at, side="right") - 1
    keep = ~((before >= 0) & (reach[np.maximum(before, 0)] > at))
    offsets = np.zeros(len(tokens) + 1, dtype=np.int64)
    np.cumsum(np.bincount(owner[keep], minlength=len(tokens)), out=offsets[1:])
    return HashedSpans(tokens.hashes[keep], tokens.starts[keep], tokens.ends[keep], offsets)
