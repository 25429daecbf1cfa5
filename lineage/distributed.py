"""Run the stages on a Dask cluster: sharded sketching and LSH as a shuffle.

Nothing here re-implements a stage. The runners (:mod:`lineage.runners`) map the
in-process stage functions over a :mod:`dask.bag`. :func:`sketch_corpus` reads a corpus in
shards (:func:`lineage.corpus.iter_corpus_shards`) and maps :func:`sketch_shard`
(normalize, shingle, MinHash) over them; a folder of JSONL/CSV/Parquet files is read by
the workers themselves, one file per task, so the client never holds the texts.
:func:`lsh_candidates_on_cluster` is :func:`lineage.sketch.lsh_candidates` as a dataframe
shuffle: one ``(band, key, doc)`` row per band of every document, shuffled on the band
key, pairs emitted within each group; it gives exactly the in-process candidate set for
the same parameters. Dask is imported inside the functions, so ``import lineage`` never
needs it.

Examples
--------
>>> LocalRunner().map(len, ["ab", "abc"])
[2, 3]
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from lineage import sketch as sketching
from lineage.corpus import Corpus, InputStatus, iter_corpus_shards
from lineage.errors import ParameterError, check_fraction, check_positive_int
from lineage.normalize import normalize_text
from lineage.readers.formats import CSV_DELIMITERS, JSONL_SUFFIXES, PARQUET_SUFFIXES
from lineage.readers.ids import duplicate_id_message, fresh_id
from lineage.runners import (
    DaskRunner,
    LocalRunner,
    Runner,
    close,
    connect,
    dask_runner,
    start_local_cluster,
)
from lineage.shingle import shingle_hashes
from lineage.sketch import minhash_signatures

__all__ = [
    "TABLE_SUFFIXES",
    "CorpusSketch",
    "DaskRunner",
    "LocalRunner",
    "Runner",
    "close",
    "connect",
    "dask_runner",
    "gather_texts",
    "lsh_candidates_on_cluster",
    "sketch_corpus",
    "sketch_shard",
    "start_local_cluster",
    "table_files",
    "write_parquet",
]

logger = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

TABLE_SUFFIXES = (*JSONL_SUFFIXES, *CSV_DELIMITERS, *PARQUET_SUFFIXES)
"""Suffixes of the table files a folder of shards is made of (JSONL and CSV may be ``.gz``)."""

_BAND_TABLE_META = {"band": "int32", "key": "uint64", "doc": "int64"}
_PAIR_META = {"a": "int64", "b": "int64"}
_SIGNATURE_CHUNK_ROWS = 50_000


# ----------------------------------------------------------------------------- sketch


@dataclass(frozen=True)
class CorpusSketch:
    """What near-duplicate search needs of every document, without its text.

    ``ids[i]``, ``signatures[i]`` (MinHash of the normalized text's shingles) and
    ``sizes[i]`` (distinct shingles) describe loaded document ``i`` in input order;
    ``inputs`` lists every input, skipped ones with their problem.
    """

    ids: tuple[str, ...]
    signatures: np.ndarray
    sizes: np.ndarray
    inputs: tuple[InputStatus, ...] = field(default=(), repr=False)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def skipped(self) -> tuple[InputStatus, ...]:
        """Inputs that were skipped, with their problem, in input order."""
        return tuple(entry for entry in self.inputs if entry.status == "skipped")

    @classmethod
    def concat(cls, parts: Sequence[CorpusSketch], *, num_perm: int) -> CorpusSketch:
        """Join sketches in order (an empty list gives an empty sketch)."""
        signatures = [part.signatures for part in parts if len(part)]
        return cls(
            ids=tuple(doc_id for part in parts for doc_id in part.ids),
            signatures=(
                np.concatenate(signatures)
                if signatures
                else np.zeros((0, num_perm), dtype=np.uint32)
            ),
            sizes=np.concatenate([part.sizes for part in parts]).astype(np.int64)
            if parts
            else np.zeros(0, dtype=np.int64),
            inputs=tuple(entry for part in parts for entry in part.inputs),
        )


def sketch_shard(
    shard: Corpus, *, shingle_size: int = 5, num_perm: int = 128, seed: int = 1
) -> CorpusSketch:
    """Normalize, shingle and MinHash the documents of one shard.

    The stages of ``lineage.api.near_duplicates`` for one shard: ``normalize_text``,
    ``shingle_hashes`` and ``minhash_signatures`` (each row depends on its document
    only, so shards give the signatures of the whole corpus).

    Examples
    --------
    >>> from lineage.corpus import load_corpus
    >>> part = sketch_shard(load_corpus(["Putin stayed away from the talks.", "  "]))
    >>> part.ids, part.signatures.shape, part.skipped[0].problem
    (('0',), (1, 128), 'text is whitespace only')
    """
    texts = [normalize_text(text).text for text in shard.texts]
    hashes = shingle_hashes(texts, n=shingle_size)
    return CorpusSketch(
        ids=shard.ids,
        signatures=minhash_signatures(hashes, num_perm=num_perm, seed=seed),
        sizes=_distinct_counts(hashes),
        inputs=shard.inputs,
    )


def _distinct_counts(hash_arrays: Sequence[np.ndarray]) -> np.ndarray:
    """Return ``[np.unique(h).size for h in hash_arrays]`` with one sort for all of them.

    Examples
    --------
    >>> _distinct_counts([np.array([5, 3, 5], dtype=np.uint64), np.zeros(0, np.uint64)])
    array([2, 0])
    """
    lengths = np.fromiter(map(len, hash_arrays), dtype=np.int64, count=len(hash_arrays))
    if not lengths.size or not lengths.max():
        return np.zeros(lengths.size, dtype=np.int64)
    # Rows padded with copies of their first value, so padding never adds a distinct value.
    rows = np.empty((lengths.size, int(lengths.max())), dtype=np.uint64)
    for row, (values, length) in enumerate(zip(hash_arrays, lengths.tolist(), strict=True)):
        rows[row, :length] = values
        rows[row, length:] = values[0] if length else 0
    rows.sort(axis=1)
    counts = (rows[:, 1:] != rows[:, :-1]).sum(axis=1) + 1
    return np.where(lengths > 0, counts, 0).astype(np.int64)


def table_files(source: object) -> list[Path] | None:
    """Return the table files of a folder of shards, sorted, or ``None`` for other sources.

    A folder of shards holds JSONL, CSV or Parquet files (see :data:`TABLE_SUFFIXES`)
    and no ``.txt``/``.md`` file (a folder of text files is one document per file).
    """
    if not isinstance(source, (str, os.PathLike)) or not Path(source).is_dir():
        return None
    files, texts = [], False
    for path in Path(source).rglob("*"):
        if any(part.startswith(".") for part in path.relative_to(source).parts):
            continue
        name = path.name.lower().removesuffix(".gz")
        if name.endswith((".txt", ".md")):
            texts = True
        elif path.is_file() and name.endswith(TABLE_SUFFIXES):
            files.append(path)
    return None if texts or not files else sorted(files)


def _sketch_file(
    path: str, *, shard_size: int, read: Mapping[str, Any], **params: Any
) -> CorpusSketch:
    """Read one table file in shards and sketch each (a worker's task)."""
    parts = [
        sketch_shard(shard, **params)
        for shard in iter_corpus_shards(path, shard_size=shard_size, **read)
    ]
    logger.info("sketched %s: %d documents", path, sum(map(len, parts)))
    return CorpusSketch.concat(parts, num_perm=params["num_perm"])


def _map_files(runner: Runner | None, task: Callable[[str], R], files: list[Path]) -> list[R]:
    """Map ``task`` over file paths, one file per partition on Dask (files are big items)."""
    paths = [str(path) for path in files]
    if isinstance(runner, DaskRunner):
        return runner.map(task, paths, partition_size=1)
    return (runner or LocalRunner()).map(task, paths)


def _batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def sketch_corpus(
    source: object,
    *,
    runner: Runner | None = None,
    shard_size: int = 10_000,
    shingle_size: int = 5,
    num_perm: int = 128,
    seed: int = 1,
    id_column: str = "id",
    text_column: str = "text",
    date_column: str = "date",
    encoding_fallback: str | None = "cp1252",
) -> CorpusSketch:
    """Sketch every document of ``source`` in shards, on ``runner`` (in process by default).

    A folder of JSONL/CSV/Parquet files (:func:`table_files`) is read one file per task,
    by the workers; any other source (a file, a folder of text files, a DataFrame...) is
    read here with :func:`~lineage.corpus.iter_corpus_shards` and handed out shard by
    shard, a few shards per worker at a time, so memory stays bounded by the shards in
    flight. A corrupt file is skipped with a problem naming it; a document id met again in
    a later file is read as ``id#2`` (with a warning), as ``load_corpus`` does.

    Parameters
    ----------
    source
        A folder of table files, or anything :func:`lineage.corpus.load_corpus` reads.
    runner
        ``LocalRunner()``, a :class:`DaskRunner`, or ``None`` (in process).
    shard_size
        Most inputs per shard.
    shingle_size, num_perm, seed
        As for ``lineage.api.near_duplicates``.
    id_column, text_column, date_column, encoding_fallback
        As for :func:`lineage.corpus.load_corpus`.

    Returns
    -------
    CorpusSketch
        Ids, signatures and shingle-set sizes of the loaded documents in input order,
        and every input's status.

    Examples
    --------
    >>> texts = ["Putin spurned a challenge to meet Zelensky in Turkey on Thursday.",
    ...          "Putin spurned a challenge to meet Zelensky in Turkey on Friday.", ""]
    >>> sketch = sketch_corpus(texts, shard_size=2)
    >>> sketch.ids, [entry.status for entry in sketch.inputs]
    (('0', '1'), ['ok', 'ok', 'skipped'])
    """
    shard_size = check_positive_int("shard_size", shard_size)
    params = {"shingle_size": shingle_size, "num_perm": num_perm, "seed": seed}
    read = {
        "id_column": id_column,
        "text_column": text_column,
        "date_column": date_column,
        "encoding_fallback": encoding_fallback,
    }
    mapper = (runner or LocalRunner()).map
    files = table_files(source)
    if files is not None:
        logger.info("sketching %d table files of %s", len(files), source)
        task = partial(_sketch_file, shard_size=shard_size, read=read, **params)
        parts = _map_files(runner, task, files)
        return _drop_repeated_ids(CorpusSketch.concat(parts, num_perm=num_perm))
    in_flight = 2 * getattr(runner, "parallelism", 1)
    task = partial(sketch_shard, **params)
    parts: list[CorpusSketch] = []
    shards = iter_corpus_shards(source, shard_size=shard_size, **read)
    for batch in _batches(shards, in_flight):
        parts.extend(mapper(task, batch))
    return CorpusSketch.concat(parts, num_perm=num_perm)


def _drop_repeated_ids(sketch: CorpusSketch) -> CorpusSketch:
    """Give an id an earlier file already used the next ``#N`` suffix, as ``load_corpus`` does."""
    first: dict[str, str] = {}
    ids = list(sketch.ids)
    row = 0
    inputs = list(sketch.inputs)
    for index, entry in enumerate(inputs):
        if entry.status == "skipped":
            continue
        if entry.id in first:
            new_id = fresh_id(entry.id, first)
            note = duplicate_id_message(entry.id, new_id, first[entry.id])
            inputs[index] = replace(
                entry,
                id=new_id,
                status="warning",
                problem="; ".join(filter(None, [entry.problem, note])),
            )
            ids[row] = new_id
            first[new_id] = entry.origin
            logger.info("%s: %s", entry.origin, note)
        else:
            first[entry.id] = entry.origin
        row += 1
    if tuple(ids) == sketch.ids:
        return sketch
    return replace(sketch, ids=tuple(ids), inputs=tuple(inputs))


def _texts_of_file(
    path: str, wanted: frozenset[str], *, shard_size: int, read: Mapping[str, Any]
) -> dict[str, str]:
    found: dict[str, str] = {}
    for shard in iter_corpus_shards(path, shard_size=shard_size, **read):
        for document in shard.documents:
            if document.id in wanted and document.id not in found:
                found[document.id] = document.text
    return found


def gather_texts(
    source: object,
    ids: Collection[str],
    *,
    runner: Runner | None = None,
    shard_size: int = 10_000,
    **read: Any,
) -> dict[str, str]:
    """Read ``source`` again and return the original texts of the documents in ``ids``.

    For a second pass (verification, alignment) over the few documents that are
    candidates: a folder of table files is read by the workers, one file per task, and
    only the wanted texts come back. ``read`` takes the options of
    :func:`lineage.corpus.load_corpus`. Where an id repeats, the first document wins.

    Examples
    --------
    >>> gather_texts(["first text", "second text", "third"], {"2", "0"})
    {'0': 'first text', '2': 'third'}
    """
    wanted = frozenset(ids)
    shard_size = check_positive_int("shard_size", shard_size)
    files = table_files(source)
    if files is None:
        files_found = [_texts_of_file(source, wanted, shard_size=shard_size, read=read)]
    else:
        task = partial(_texts_of_file, wanted=wanted, shard_size=shard_size, read=read)
        files_found = _map_files(runner, task, files)
    texts: dict[str, str] = {}
    for found in files_found:
        for doc_id, text in found.items():
            texts.setdefault(doc_id, text)
    return texts


# -------------------------------------------------------------------------------- LSH


def _band_table(chunk: tuple[np.ndarray, np.ndarray], bands: int, rows: int) -> pd.DataFrame:
    """One ``(band, key, doc)`` row per band of every non-empty signature of ``chunk``."""
    positions, signatures = chunk
    keep = sketching.nonempty_rows(signatures)
    keys = sketching.band_keys(signatures[keep], bands, rows)
    return pd.DataFrame(
        {
            "band": np.repeat(np.arange(bands, dtype=np.int32), keep.size),
            "key": keys.ravel(),
            "doc": np.tile(np.asarray(positions, dtype=np.int64)[keep], bands),
        }
    )


def _band_table_of_items(
    items: Iterable[tuple[int, np.ndarray]], bands: int, rows: int
) -> pd.DataFrame:
    items = list(items)
    if not items:
        return pd.DataFrame(
            {name: pd.Series([], dtype=dtype) for name, dtype in _BAND_TABLE_META.items()}
        )
    positions = np.array([position for position, _ in items], dtype=np.int64)
    return _band_table((positions, np.stack([signature for _, signature in items])), bands, rows)


def _pairs_within_groups(part: pd.DataFrame, max_bucket: int | None) -> pd.DataFrame:
    """Pairs ``a < b`` of documents sharing a ``(band, key)`` group of this partition.

    The pairs of :func:`lineage.sketch.pairs_in_buckets` over the group's documents in
    position order, as in process (a group larger than ``max_bucket`` gives neighbours).
    """
    part = part[part.duplicated(["band", "key"], keep=False)]
    part = part.sort_values(["band", "key", "doc"], kind="stable")
    band, key = part["band"].to_numpy(), part["key"].to_numpy()
    group = np.cumsum(np.r_[True, (band[1:] != band[:-1]) | (key[1:] != key[:-1])])
    left, right, _, _ = sketching.pairs_in_buckets(part["doc"].to_numpy(), group, max_bucket)
    pairs = pd.DataFrame({"a": np.minimum(left, right), "b": np.maximum(left, right)})
    return pairs.drop_duplicates().astype(_PAIR_META)


def lsh_candidates_on_cluster(
    signatures: np.ndarray | Any,
    *,
    client: Any,
    threshold: float = 0.5,
    recall_target: float = 0.99,
    params: tuple[int, int] | None = None,
    num_perm: int | None = None,
    chunk_rows: int = _SIGNATURE_CHUNK_ROWS,
    budget: sketching.CandidateBudget | None = sketching.DEFAULT_BUDGET,
    sizes: np.ndarray | None = None,
) -> pd.DataFrame:
    """Return the pairs sharing an LSH band, computed as a shuffle on the cluster.

    Every document gives one ``(band, key, doc)`` row per band (the band keys of
    :mod:`lineage.sketch`); the table is shuffled on ``key`` so each group lands in one
    partition, where every pair of the group is emitted; duplicates (pairs sharing
    several bands) are dropped. Under a ``budget`` a group larger than its bucket size
    gives each member's next neighbours only (in the workers) and the client keeps each
    document's best candidates (:func:`lineage.sketch.cap_candidates`; for an array
    input). The result equals ``lineage.sketch.lsh_candidates(signatures, threshold=...,
    params=..., budget=..., sizes=...)``.

    Parameters
    ----------
    signatures
        ``(n_docs, num_perm)`` array (sent to the workers in chunks of ``chunk_rows``),
        or a ``dask.bag.Bag`` of ``(position, signature_row)`` items (then give
        ``num_perm`` unless ``params`` is given).
    client
        The ``distributed.Client`` to compute on.
    threshold, recall_target, params
        As for :func:`lineage.sketch.lsh_candidates`.
    num_perm
        Signature length of a bag input.
    chunk_rows
        Signature rows per task for an array input.
    budget, sizes
        As for :func:`lineage.sketch.lsh_candidates` (the per-document cap needs an
        array input).

    Returns
    -------
    pandas.DataFrame
        Columns ``a, b`` (int64 row positions, ``a < b``), sorted, no repeats;
        ``attrs["limits"]`` counts the pairs the per-document cap dropped.
    """
    import dask
    import dask.bag as db
    import dask.dataframe as dd

    threshold = check_fraction("threshold", threshold)
    chunk_rows = check_positive_int("chunk_rows", chunk_rows)
    if isinstance(signatures, db.Bag):
        if num_perm is None and params is None:
            raise ParameterError("a bag of signatures needs 'num_perm' (or 'params')")
        width = num_perm
    else:
        signatures = sketching.check_signatures(signatures)
        width = signatures.shape[1]
    bands, rows = sketching.banding(
        threshold, num_perm=width, params=params, recall_target=recall_target
    )
    meta = pd.DataFrame(
        {name: pd.Series([], dtype=dtype) for name, dtype in _BAND_TABLE_META.items()}
    )
    if isinstance(signatures, db.Bag):
        parts = signatures.map_partitions(_band_table_of_items, bands, rows).to_delayed()
    else:
        n_docs = signatures.shape[0]
        if n_docs < 2:
            empty = pd.DataFrame({name: pd.Series([], dtype=d) for name, d in _PAIR_META.items()})
            empty.attrs["limits"] = sketching.CandidateLimits()
            return empty
        chunks = [
            (
                np.arange(start, min(start + chunk_rows, n_docs)),
                signatures[start : start + chunk_rows],
            )
            for start in range(0, n_docs, chunk_rows)
        ]
        scattered = client.scatter(chunks)
        parts = [dask.delayed(_band_table)(chunk, bands, rows) for chunk in scattered]
    table = dd.from_delayed(parts, meta=meta, verify_meta=False)
    npartitions = max(table.npartitions, 2 * max(1, sum(client.nthreads().values())))
    pair_meta = pd.DataFrame({name: pd.Series([], dtype=d) for name, d in _PAIR_META.items()})
    pairs = table.shuffle(on="key", npartitions=npartitions, shuffle_method="tasks").map_partitions(
        _pairs_within_groups, None if budget is None else budget.max_bucket, meta=pair_meta
    )
    # A pair sharing several bands may come from several partitions: one pass here.
    found = client.compute(pairs).result().drop_duplicates()
    logger.debug(
        "distributed LSH: %d bands of %d rows, %d candidate pairs", bands, rows, len(found)
    )
    found = found.sort_values(["a", "b"], ignore_index=True).astype(_PAIR_META)
    if budget is not None and not isinstance(signatures, db.Bag):
        return sketching.cap_candidates(found, signatures, budget, sizes=sizes)
    found.attrs["limits"] = sketching.CandidateLimits()
    return found


# ----------------------------------------------------------------------------- output


def write_parquet(
    tables: Mapping[str, pd.DataFrame], out_dir: str | os.PathLike
) -> dict[str, Path]:
    """Write each table as ``out_dir/<name>.parquet`` (for results too big for JSON/CSV).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     paths = write_parquet({"pairs": pd.DataFrame({"a": ["x"], "b": ["y"]})}, folder)
    ...     pd.read_parquet(paths["pairs"]).values.tolist()
    [['x', 'y']]
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for name, table in tables.items():
        if not name or "/" in name or name.startswith("."):
            raise ParameterError(f"table names must be plain file names (got {name!r})")
        path = out / f"{name}.parquet"
        table.to_parquet(path, index=False)
        written[name] = path
    return written
