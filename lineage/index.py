"""A persistent index: keep a collection, add to it, ask where a new text came from.

An index is one folder holding one SQLite database (``index.sqlite``, WAL journal, stdlib
:mod:`sqlite3`): the documents with their metadata and zlib-compressed texts, their MinHash
signatures, the LSH band buckets of :mod:`lineage.sketch` (the Jaccard banding and the
containment bandings of :func:`~lineage.sketch.containment_bandings`, so a query finds the
candidates a batch run on the collection plus the query would), and the document frequency
of every shingle hash (a count-min table: two rows of ``2**22`` cells), updated with every
batch.

Bucket entries are kept in segments, as a log-structured merge tree keeps its runs: a batch
writes its entries, sorted, as a new segment at the end of the table (cost proportional to
the batch, not to the index), and the newest segments are merged while the newest is at
least half the size of the one before, so there are ``O(log(documents / batch))`` of them
for a query to probe and each entry is rewritten ``O(log)`` times in all.

:meth:`Index.add` sketches a batch of documents and writes it in one transaction: a
reader sees the index as it was before the batch or after it, and a process killed in
the middle leaves it as before. :meth:`Index.query` looks a text up in the buckets, then
hands the text and its candidates to the same pipeline as :func:`lineage.analyze`
(normalize, verify, align, quotes, sources, derivation) with the candidate pairs the
buckets gave: the pairs and passages of the query are those of a batch analysis of the
collection plus the query.

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

import json
import logging
import sqlite3
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lineage import api, schema
from lineage.analysis import _records
from lineage.commonness import CommonnessModel, learn_commonness
from lineage.corpus import Corpus, iter_corpus_shards, load_corpus
from lineage.errors import LineageError, ParameterError, check_fraction, check_positive_int
from lineage.normalize import normalize_corpus
from lineage.records import Document
from lineage.runners import LocalRunner
from lineage.shingle import shingle_hashes
from lineage.sketch import (
    band_keys,
    containment_bandings,
    lsh_parameters,
    minhash_signatures,
    nonempty_rows,
    size_classes,
)
from lineage.verify import rank_pairs, score_pairs
from lineage.version import __version__

__all__ = ["DATABASE", "SCHEMA_VERSION", "Index", "IndexFileError", "IndexParams", "QueryResult"]

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 1
"""Version of the database layout, kept in ``PRAGMA user_version``."""
DATABASE = "index.sqlite"
"""Name of the database file inside an index folder."""
_FORMAT = "lineage-index"
_KEY_BITS = 47  # bucket keys fit SQLite's 6-byte integers; a false match is ~2**-47 a key
_SALT = np.uint64(0x9E3779B97F4A7C15)

_SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE documents(
    doc INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    origin TEXT NOT NULL,
    meta TEXT NOT NULL,
    chars INTEGER NOT NULL,
    shingles INTEGER NOT NULL,
    batch INTEGER NOT NULL,
    signature BLOB NOT NULL
);
CREATE TABLE texts(doc INTEGER PRIMARY KEY, text BLOB NOT NULL);
CREATE TABLE buckets(
    segment INTEGER NOT NULL, key INTEGER NOT NULL, doc INTEGER NOT NULL,
    PRIMARY KEY(segment, key, doc)
) WITHOUT ROWID;
CREATE TABLE segments(segment INTEGER PRIMARY KEY, entries INTEGER NOT NULL);
CREATE TABLE counts(name TEXT NOT NULL, row INTEGER NOT NULL, cells BLOB NOT NULL,
    PRIMARY KEY(name, row));
"""
_PAGE_SIZE = 16384  # zlib texts of a few KB pack several to a page
_COUNT_BITS = 22
"""Cells per row of the count-min document-frequency table (two rows of uint32)."""


class IndexFileError(LineageError):
    """A folder or file that is not a usable index (missing, foreign, corrupt, other version)."""


@dataclass(frozen=True)
class IndexParams:
    """Settings of an index, fixed when it is created (those of :func:`lineage.analyze`).

    Attributes
    ----------
    threshold, containment_threshold, shingle_size, num_perm, seed, exhaustive_below, min_tfidf
        As for :func:`lineage.analyze`: a query scores what an analysis with these would.
    recall_target, containment_recall, max_ratio
        The LSH settings of :func:`lineage.sketch.lsh_candidates` and
        :func:`lineage.sketch.containment_candidates` (their defaults, as the analysis uses).
    family
        A query aligns the text with every candidate, and the ``family`` candidates sharing
        most buckets with it also among themselves, so source inference sees how they
        relate (``family * (family - 1) / 2`` more alignments).
    max_candidates
        Most candidates of a query text (those sharing most buckets with it), as
        :func:`lineage.analyze` keeps at most this many per document. Where it binds, the
        two can keep different ones: a batch run also keeps a pair that the *other*
        document ranks among its best, by the MinHash estimate.
    """

    threshold: float = 0.5
    containment_threshold: float = 0.3
    shingle_size: int = 5
    num_perm: int = 128
    seed: int = 1
    exhaustive_below: int = 200
    min_tfidf: float = 0.1
    recall_target: float = 0.99
    containment_recall: float = 0.95
    max_ratio: float = 8.0
    family: int = 5
    max_candidates: int = 50

    def __post_init__(self) -> None:
        for name in (
            "threshold",
            "containment_threshold",
            "min_tfidf",
            "recall_target",
            "containment_recall",
        ):
            check_fraction(name, getattr(self, name))
        for name in ("shingle_size", "num_perm", "max_candidates"):
            check_positive_int(name, getattr(self, name))
        if not isinstance(self.max_ratio, (int, float)) or self.max_ratio < 1:
            raise ParameterError(f"'max_ratio' must be a number >= 1 (got {self.max_ratio!r})")
        for name in ("seed", "exhaustive_below", "family"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ParameterError(f"'{name}' must be a whole number >= 0 (got {value!r})")

    def analysis(self) -> dict[str, Any]:
        """Return the parameters of :func:`lineage.analyze` these settings stand for."""
        names = ("threshold", "containment_threshold", "shingle_size", "num_perm", "seed")
        names += ("exhaustive_below", "min_tfidf", "max_candidates")
        return {name: getattr(self, name) for name in names}


@dataclass(frozen=True)
class _Layout:
    """Which bands of the signatures an index keeps, and which banding finds what."""

    rows: tuple[tuple[int, int], ...]
    """``(rows, bands)`` per distinct band width: the bands stored of that width."""
    jaccard: tuple[int, int]
    """``(bands, rows)`` of the Jaccard banding."""
    containment: tuple[tuple[int, int], ...]
    """``(bands, rows)`` per size-class gap."""

    @classmethod
    def of(cls, params: IndexParams) -> _Layout:
        jaccard = lsh_parameters(
            params.threshold, num_perm=params.num_perm, recall_target=params.recall_target
        )
        containment = containment_bandings(
            params.containment_threshold,
            num_perm=params.num_perm,
            max_ratio=params.max_ratio,
            recall_target=params.containment_recall,
        )
        widest: dict[int, int] = {}
        for bands, rows in (jaccard, *containment):
            widest[rows] = max(widest.get(rows, 0), bands)
        return cls(tuple(sorted(widest.items())), jaccard, tuple(containment))

    def keys(self, signatures: np.ndarray) -> np.ndarray:
        """Return the bucket keys of each row of ``signatures``: ``(n, keys)`` int64."""
        parts = []
        for rows, bands in self.rows:
            keys = band_keys(signatures, bands, rows)  # (bands, n)
            salts = (np.arange(bands, dtype=np.uint64) + np.uint64(rows << 16)) * _SALT
            with np.errstate(over="ignore"):
                parts.append(((keys ^ salts[:, None]) >> np.uint64(64 - _KEY_BITS)).T)
        return np.concatenate(parts, axis=1).astype(np.int64)

    def slots(self) -> list[tuple[int, int]]:
        """Return ``(rows, band)`` of every column of :meth:`keys`."""
        return [(rows, band) for rows, bands in self.rows for band in range(bands)]


@dataclass(frozen=True)
class _Sketch:
    """What the index keeps of a batch of documents besides their texts."""

    hashes: list[np.ndarray]
    signatures: np.ndarray
    sizes: np.ndarray


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


def _connect(database: Path, *, readonly: bool) -> sqlite3.Connection:
    uri = f"{database.resolve().as_uri()}?mode={'ro' if readonly else 'rw'}"
    connection = sqlite3.connect(uri, uri=True, timeout=60, isolation_level=None)
    connection.execute("PRAGMA busy_timeout = 60000")
    return connection


def _cells(hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the two count-min cells of each hash: bits of its low and of its high half."""
    mask = np.uint64((1 << _COUNT_BITS) - 1)
    return (hashes & mask).astype(np.intp), ((hashes >> np.uint64(32)) & mask).astype(np.intp)


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
        self._common: tuple[int, CommonnessModel] | None = None
        database = self.path / DATABASE
        if not self.path.exists():
            raise IndexFileError(f"no index at {self.path}: make one with `lineage index build`")
        if not self.path.is_dir():
            raise IndexFileError(
                f"{self.path} is a file, not an index folder (an index is a folder holding "
                f"{DATABASE}, made by `lineage index build`)"
            )
        if not database.is_file():
            raise IndexFileError(
                f"{self.path} is not an index: it holds no {DATABASE} "
                "(make one with `lineage index build`)"
            )
        self._db = _connect(database, readonly=readonly)
        try:
            self.params = self._check(database)
            if not readonly:
                self._db.execute("PRAGMA journal_mode = WAL")
        except sqlite3.DatabaseError as error:
            self._db.close()
            raise IndexFileError(f"{database} is not a lineage index ({error})") from None
        except IndexFileError:
            self._db.close()
            raise
        self._layout = _Layout.of(self.params)
        self._slots = self._layout.slots()
        self.last_added: pd.DataFrame | None = None
        """The inputs of the last :meth:`add` with their status."""

    def _check(self, database: Path) -> IndexParams:
        """Return the index's settings, or raise why this database is not a usable index."""
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        tables = {row[0] for row in self._db.execute("SELECT name FROM sqlite_master")}
        if "meta" not in tables:
            raise IndexFileError(
                f"{database} is an SQLite database but not a lineage index (no 'meta' table)"
            )
        meta = dict(self._db.execute("SELECT key, value FROM meta"))
        if meta.get("format") != _FORMAT:
            raise IndexFileError(f"{database} is an SQLite database but not a lineage index")
        if version != SCHEMA_VERSION:
            raise IndexFileError(
                f"{database} has index schema version {version}; this lineage reads version "
                f"{SCHEMA_VERSION}: rebuild it with `lineage index build` from the original "
                f"corpus (or open it with the lineage {meta.get('lineage', 'release')} that "
                "wrote it)"
            )
        stored = json.loads(meta["params"])
        known = {f.name for f in fields(IndexParams)}
        return IndexParams(**{k: v for k, v in stored.items() if k in known})

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
        params = params or IndexParams()
        path = Path(path)
        if path.exists() and (not path.is_dir() or any(path.iterdir())):
            what = "an index" if (path / DATABASE).exists() else "not an empty folder"
            raise IndexFileError(
                f"cannot create an index at {path}: it is {what} "
                "(add to an index with `lineage index add`)"
            )
        path.mkdir(parents=True, exist_ok=True)
        part = path / (DATABASE + ".part")
        part.unlink(missing_ok=True)
        with sqlite3.connect(part, isolation_level=None) as db:
            db.execute(f"PRAGMA page_size = {_PAGE_SIZE}")
            db.execute("PRAGMA auto_vacuum = INCREMENTAL")  # give merged segments' pages back
            db.executescript(_SCHEMA)
            rows = [
                ("format", _FORMAT),
                ("lineage", __version__),
                ("params", json.dumps(asdict(params))),
                ("documents", "0"),
                ("batches", "0"),
            ]
            db.executemany("INSERT INTO meta VALUES (?, ?)", rows)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        db.close()
        part.replace(path / DATABASE)  # a half-made index never has the final name
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
        self._db.close()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- adding -----------------------------------------------------------------------

    def _sketch(self, texts: Sequence[str]) -> _Sketch:
        """Shingle and MinHash texts as :func:`lineage.near_duplicates` does.

        Shingle hashing folds case, accents, quotes and dashes itself (the hashes of a
        text equal those of its :func:`~lineage.normalize.normalize_text`), so no
        normalization pass is needed; name variants are not folded here, as they would be
        learnt from the batch alone and differ from batch to batch.
        """
        params = self.params
        hashes = shingle_hashes(list(texts), n=params.shingle_size)
        signatures = minhash_signatures(hashes, num_perm=params.num_perm, seed=params.seed)
        sizes = np.array([np.unique(h).size for h in hashes], dtype=np.int64)
        return _Sketch(hashes, signatures, sizes)

    def add(
        self,
        corpus: Any,
        *,
        batch_size: int = 5_000,
        progress: Progress | None = None,
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
        rows: list[dict[str, Any]] = []
        done = 0
        for shard in iter_corpus_shards(corpus, shard_size=batch_size, **corpus_options):
            rows.extend(self._add_shard(shard))
            done += len(shard.inputs)
            progress("add", done, done)
        self.last_added = pd.DataFrame(rows, columns=["id", "origin", "status", "problem"])
        return self.last_added

    def _add_shard(self, shard: Corpus) -> list[dict[str, Any]]:
        ids = list(shard.ids)
        present = self._present(ids)
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
            self._write(fresh, self._sketch([doc.text for doc in fresh]))
        return inputs

    def _present(self, ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(ids), 900):
            chunk = ids[start : start + 900]
            marks = ",".join("?" * len(chunk))
            found.update(
                r[0]
                for r in self._db.execute(f"SELECT id FROM documents WHERE id IN ({marks})", chunk)
            )
        return found

    def _write(self, docs: Sequence[Document], sketch: _Sketch) -> None:
        """Insert one batch in one transaction."""
        db = self._db
        keys = self._layout.keys(sketch.signatures)
        banded = np.zeros(len(docs), dtype=bool)
        banded[nonempty_rows(sketch.signatures)] = True
        unique = [np.unique(h) for h in sketch.hashes]
        texts = [zlib.compress(doc.text.encode("utf-8"), 6) for doc in docs]
        db.execute("BEGIN IMMEDIATE")
        try:
            logger.info("writing a batch of %d documents", len(docs))
            first = db.execute("SELECT coalesce(max(doc), 0) + 1 FROM documents").fetchone()[0]
            batch = int(db.execute("SELECT value FROM meta WHERE key = 'batches'").fetchone()[0])
            numbers = np.arange(first, first + len(docs), dtype=np.int64)
            db.executemany(
                "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    (
                        int(n),
                        doc.id,
                        doc.origin,
                        json.dumps(dict(doc.meta), ensure_ascii=False, default=str),
                        len(doc.text),
                        int(size),
                        batch + 1,
                        sig.tobytes(),
                    )
                    for n, doc, size, sig in zip(
                        numbers, docs, sketch.sizes, sketch.signatures, strict=True
                    )
                ),
            )
            db.executemany(
                "INSERT INTO texts VALUES (?, ?)",
                zip(numbers.tolist(), texts, strict=True),
            )
            owners = np.repeat(numbers[banded], keys.shape[1])
            self._write_segment(keys[banded].ravel(), owners)
            self._count(unique)
            db.execute(
                "UPDATE meta SET value = CAST(value AS INTEGER) + ? WHERE key = 'documents'",
                (len(docs),),
            )
            db.execute("UPDATE meta SET value = ? WHERE key = 'batches'", (str(batch + 1),))
            # Give the pages of merged segments and replaced counts back to the file
            # (Python's sqlite3 steps this pragma once: one page a call).
            for _ in range(db.execute("PRAGMA freelist_count").fetchone()[0]):
                db.execute("PRAGMA incremental_vacuum(1)")
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise

    def _write_segment(self, keys: np.ndarray, docs: np.ndarray) -> None:
        """Write bucket entries as a new segment, then merge the newest segments."""
        db = self._db
        segment = db.execute("SELECT coalesce(max(segment), 0) + 1 FROM segments").fetchone()[0]
        order = np.lexsort((docs, keys))
        db.executemany(
            "INSERT OR IGNORE INTO buckets VALUES (?, ?, ?)",
            (
                (segment, k, d)
                for k, d in zip(keys[order].tolist(), docs[order].tolist(), strict=True)
            ),
        )
        db.execute("INSERT INTO segments VALUES (?, ?)", (segment, int(keys.size)))
        while True:
            newest = db.execute(
                "SELECT segment, entries FROM segments ORDER BY segment DESC LIMIT 2"
            ).fetchall()
            if len(newest) < 2 or 2 * newest[0][1] < newest[1][1]:
                return
            (last, last_size), (before, before_size) = newest
            db.execute(
                "INSERT INTO buckets SELECT ?, key, doc FROM buckets "
                "WHERE segment IN (?, ?) ORDER BY key, doc",
                (last + 1, before, last),
            )
            db.execute("DELETE FROM buckets WHERE segment IN (?, ?)", (before, last))
            db.execute("DELETE FROM segments WHERE segment IN (?, ?)", (before, last))
            db.execute("INSERT INTO segments VALUES (?, ?)", (last + 1, last_size + before_size))

    def _count(self, hash_sets: Sequence[np.ndarray]) -> None:
        """Add one to the count-min cells of every distinct shingle of every document."""
        hashes = np.concatenate(hash_sets) if hash_sets else np.zeros(0, dtype=np.uint64)
        table = self._counts("shingles")
        for row, cells in enumerate(_cells(hashes)):
            table[row] += np.bincount(cells, minlength=1 << _COUNT_BITS).astype(np.uint32)
            self._db.execute(
                "INSERT OR REPLACE INTO counts VALUES ('shingles', ?, ?)",
                (row, zlib.compress(table[row].tobytes(), 1)),
            )

    def _counts(self, name: str) -> np.ndarray:
        """Return the count-min table ``name`` (zeros where nothing was counted yet)."""
        table = np.zeros((2, 1 << _COUNT_BITS), dtype=np.uint32)
        for row, cells in self._db.execute("SELECT row, cells FROM counts WHERE name = ?", (name,)):
            table[row] = np.frombuffer(zlib.decompress(cells), dtype=np.uint32)
        return table

    # -- reading ----------------------------------------------------------------------

    def __len__(self) -> int:
        return int(self._db.execute("SELECT value FROM meta WHERE key = 'documents'").fetchone()[0])

    def document_frequency(self, hashes: Iterable[int] | np.ndarray) -> np.ndarray:
        """Return in how many indexed documents each shingle hash is found.

        ``hashes`` are :func:`lineage.shingle.shingle_hashes` values of normalized text. The
        counts are a count-min sketch's: never below the truth, above it only where both
        cells of a hash collide with other shingles'.

        Examples
        --------
        >>> import tempfile
        >>> from lineage.shingle import shingle_hashes
        >>> with Index.create(tempfile.mkdtemp() + "/df") as index:
        ...     _ = index.add(["one two three four five six", "one two three four five"])
        ...     index.document_frequency(shingle_hashes(["one two three four five six"])[0])
        array([2, 1])
        """
        values = np.asarray(list(hashes) if not isinstance(hashes, np.ndarray) else hashes)
        table = self._counts("shingles")
        first, second = _cells(values.astype(np.uint64))
        return np.minimum(table[0][first], table[1][second]).astype(np.int64)

    def stats(self) -> dict[str, Any]:
        """Return counts, settings and size on disk of the index.

        Returns
        -------
        dict
            ``documents``, ``batches``, ``buckets`` (bucket entries), ``segments`` (bucket
            segments a query probes), ``bytes`` (database and journal on disk),
            ``bytes_per_document``, ``schema_version`` and ``params``.
        """
        meta = dict(self._db.execute("SELECT key, value FROM meta"))
        size = sum(f.stat().st_size for f in self.path.iterdir() if f.name.startswith(DATABASE))
        documents = int(meta["documents"])
        return {
            "path": str(self.path),
            "schema_version": SCHEMA_VERSION,
            "documents": documents,
            "batches": int(meta["batches"]),
            "buckets": self._db.execute("SELECT count(*) FROM buckets").fetchone()[0],
            "segments": self._db.execute("SELECT count(*) FROM segments").fetchone()[0],
            "bytes": size,
            "bytes_per_document": round(size / documents, 1) if documents else None,
            "params": asdict(self.params),
        }

    def _candidates(self, keys: np.ndarray, size: int) -> list[int]:
        """Return the documents a batch run would pair with a text of these keys and size.

        The rules of :func:`lineage.api.candidate_pairs`: every document below
        ``exhaustive_below``; else a shared Jaccard band, or a shared band of the
        containment banding for the two size classes (sizes within ``max_ratio``).
        Ordered by the number of buckets shared, most first; at most ``max_candidates``.
        """
        params = self.params
        if len(self) + 1 < params.exhaustive_below:
            rows = self._db.execute("SELECT doc FROM documents ORDER BY doc").fetchall()
            return [r[0] for r in rows]
        if size == 0:
            return []
        slot_of = {int(k): slot for k, slot in zip(keys, self._slots, strict=True)}
        marks = ",".join("?" * len(slot_of))
        found: dict[int, set[tuple[int, int]]] = {}
        segments = [r[0] for r in self._db.execute("SELECT segment FROM segments")]
        query = f"SELECT key, doc FROM buckets WHERE segment = ? AND key IN ({marks})"
        for key, doc in (
            row for segment in segments for row in self._db.execute(query, [segment, *slot_of])
        ):
            found.setdefault(doc, set()).add(slot_of[key])
        if not found:
            return []
        docs = list(found)
        sizes = dict(self._fetch("SELECT doc, shingles FROM documents WHERE doc IN ({})", docs))
        my_class = int(size_classes([size])[0])
        j_bands, j_rows = self._layout.jaccard
        chosen = []
        for doc in docs:
            slots = found[doc]
            hit = any(rows == j_rows and band < j_bands for rows, band in slots)
            other = sizes[doc]
            gap = abs(int(size_classes([other])[0]) - my_class)
            if not hit and other > 0 and gap < len(self._layout.containment):
                bands, rows = self._layout.containment[gap]
                small, large = min(size, other), max(size, other)
                hit = large <= params.max_ratio * max(small, 1) and any(
                    r == rows and band < bands for r, band in slots
                )
            if hit:
                chosen.append(doc)
        chosen.sort(key=lambda doc: (-len(found[doc]), doc))
        return chosen[: params.max_candidates]

    def _fetch(self, sql: str, docs: Sequence[int]) -> list[tuple]:
        rows: list[tuple] = []
        for start in range(0, len(docs), 900):
            chunk = list(docs[start : start + 900])
            rows.extend(self._db.execute(sql.format(",".join("?" * len(chunk))), chunk))
        return rows

    def _documents(self, docs: Sequence[int]) -> list[Document]:
        """Return the indexed documents ``docs`` (texts decompressed), in that order."""
        sql = (
            "SELECT d.doc, d.id, d.origin, d.meta, t.text FROM documents d "
            "JOIN texts t ON t.doc = d.doc WHERE d.doc IN ({})"
        )
        by_doc = {
            row[0]: Document(
                row[1], zlib.decompress(row[4]).decode("utf-8"), json.loads(row[3]), row[2]
            )
            for row in self._fetch(sql, docs)
        }
        return [by_doc[doc] for doc in docs]

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
        sketch = self._sketch(list(loaded.texts))
        keys = self._layout.keys(sketch.signatures)
        found = []
        for position, document in enumerate(loaded.documents):
            docs = self._candidates(keys[position], int(sketch.sizes[position]))
            family = [d for d in self._documents(docs) if d.id != document.id]
            if not family:
                continue
            texts = [d.text for d in family] + [document.text]
            normalized = [nt.text for nt in normalize_corpus(texts)]
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
        sketch = self._sketch(list(loaded.texts))
        keys = self._layout.keys(sketch.signatures)
        parts: list[QueryResult] = []
        for position, document in enumerate(loaded.documents):
            docs = self._candidates(keys[position], int(sketch.sizes[position]))
            parts.append(self._answer(document, docs))
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

    def _commonness(self) -> CommonnessModel:
        """Return what the indexed documents share (learnt on first use and after an add)."""
        count = len(self)
        if self._common is None or self._common[0] != count:
            rows = self._db.execute("SELECT text FROM texts ORDER BY doc")
            texts = [zlib.decompress(row[0]).decode("utf-8") for row in rows]
            self._common = (count, learn_commonness(texts))
        return self._common[1]

    def _answer(self, document: Document, docs: list[int]) -> QueryResult:
        """Run the analysis stages on ``document`` and its candidates ``docs``."""
        # A query under an indexed document's id is that document asked about again:
        # the answer is what the index's other documents give it.
        family = [d for d in self._documents(docs) if d.id != document.id]
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
            commonness=self._commonness(),
        )
        me = document.id
        mine = (result.pairs["a"] == me) | (result.pairs["b"] == me)
        passages = result.passages[(result.passages["a"] == me) | (result.passages["b"] == me)]
        row = result.documents[result.documents["id"] == me].reset_index(drop=True)
        partners = set(passages["a"]) | set(passages["b"])
        row["matches"] = len(partners - {me})
        parent = row.loc[0, "parent"]
        row["parent_kind"] = (
            None
            if pd.isna(parent)
            else "unseen common source"
            if str(parent).startswith("latent:")
            else "document"
        )
        sources = result.sources[result.sources["members"].map(lambda m: me in list(m))]
        shown = {me, *partners}
        return QueryResult(
            documents=row,
            pairs=result.pairs[mine].reset_index(drop=True),
            passages=passages.reset_index(drop=True),
            sources=sources.reset_index(drop=True),
            texts={k: v for k, v in result.texts.items() if k in shown},
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
