"""The database of a persistent index: one SQLite file of documents, texts and LSH buckets.

The folder holds ``index.sqlite`` (WAL journal, stdlib :mod:`sqlite3`): the documents with
their metadata and zlib-compressed texts, the LSH band buckets of :mod:`lineage.sketch`
(the Jaccard banding and the containment bandings of
:func:`~lineage.sketch.containment_bandings`, so a query finds the candidates a batch run
on the collection plus the query would), and the corpus-level statistics of
:mod:`lineage.commonness` (the count-min tables of word, n-gram and template document
frequencies and the fingerprints of the texts counted), grown with every batch by
:func:`~lineage.commonness.learn_commonness` in the batch's transaction, so a query scores
passages with the model of the whole collection. MinHash signatures are not kept: the
bucket keys are all a lookup reads.

Bucket entries ``(key, document)`` are kept in segments, as a log-structured merge tree
keeps its runs: a batch writes its entries, sorted, as a new segment (cost proportional to
the batch, not to the index), and the newest segments are merged while the newest is at
least half the size of the one before, so there are ``O(log(documents / batch))`` of them
for a query to probe and each entry is rewritten ``O(log)`` times in all. A segment is
stored as compressed blocks of ``BLOCK_ENTRIES`` sorted entries (key deltas and document
numbers, split into byte planes, zlib): about 6 bytes an entry instead of a B-tree row of
~18, and a lookup reads only the blocks whose key range holds a query key.
:class:`IndexStore` writes one batch in one transaction. :mod:`lineage.index` is the API
over it.

Examples
--------
>>> import tempfile
>>> store = IndexStore.create(Path(tempfile.mkdtemp()) / "idx", IndexParams())
>>> len(store), store.stats()["segments"]
(0, 0)
>>> store.close()
"""

from __future__ import annotations

import inspect
import json
import logging
import math
import sqlite3
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from lineage.boilerplate import _EDGE_SHARE, _in_header_or_footer, _keyed_lines, find_boilerplate
from lineage.commonness import (
    CommonnessModel,
    CommonnessParams,
    learn_commonness,
    select_texts,
    text_fingerprint,
)
from lineage.errors import LineageError, ParameterError, check_fraction, check_positive_int
from lineage.records import Document, Span
from lineage.shingle import HashedSpans
from lineage.sketch import (
    band_keys,
    containment_bandings,
    lsh_parameters,
    nonempty_rows,
    size_classes,
)
from lineage.version import __version__

__all__ = ["DATABASE", "SCHEMA_VERSION", "IndexFileError", "IndexParams", "IndexStore"]

logger = logging.getLogger("lineage.index")

SCHEMA_VERSION = 4
"""Version of the database layout, kept in ``PRAGMA user_version``.

1: one row per bucket entry, signatures stored; 2: bucket entries in compressed blocks per
segment, no signatures; 3: the commonness model's tables and text fingerprints instead of
shingle counts; 4: the boilerplate model's line counts, and bucket keys of each text's
evidence (framing lines left out, as :func:`lineage.analyze` sketches it)."""
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
    batch INTEGER NOT NULL
);
CREATE TABLE texts(doc INTEGER PRIMARY KEY, text BLOB NOT NULL);
CREATE TABLE segments(
    segment INTEGER PRIMARY KEY,
    entries INTEGER NOT NULL,
    first_block INTEGER NOT NULL,
    firsts BLOB NOT NULL
);
CREATE TABLE blocks(block INTEGER PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE counts(name TEXT NOT NULL, row INTEGER NOT NULL, cells BLOB NOT NULL,
    PRIMARY KEY(name, row));
CREATE TABLE fingerprints(fingerprint BLOB PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE lines(line INTEGER PRIMARY KEY, documents INTEGER NOT NULL,
    occurrences INTEGER NOT NULL, edges INTEGER NOT NULL, block INTEGER NOT NULL);
"""
_PAGE_SIZE = 16384  # zlib texts of a few KB pack several to a page
BLOCK_ENTRIES = 256
"""Bucket entries per compressed block of a segment."""
_KEY_BYTES = 6  # a key delta fits in _KEY_BITS
_DOC_BYTES = 4
_TABLES = ("words", "ngrams", "templates")
"""The count-min tables of :class:`~lineage.commonness.CommonnessModel`, stored by name."""


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
class BandLayout:
    """Which bands of the signatures an index keeps, and which banding finds what."""

    rows: tuple[tuple[int, int], ...]
    """``(rows, bands)`` per distinct band width: the bands stored of that width."""
    jaccard: tuple[int, int]
    """``(bands, rows)`` of the Jaccard banding."""
    containment: tuple[tuple[int, int], ...]
    """``(bands, rows)`` per size-class gap."""

    @classmethod
    def of(cls, params: IndexParams) -> BandLayout:
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
class IndexSketch:
    """What the index keeps of a batch of documents besides their texts.

    ``sizes`` counts each document's distinct shingles (of its evidence); ``tokens`` (its
    :func:`~lineage.shingle.tokenize_batch`) is what the commonness model is counted from,
    ``lines`` what the boilerplate model is grown by.
    """

    signatures: np.ndarray
    sizes: np.ndarray
    tokens: HashedSpans | None = None
    lines: LineCounts | None = None


_BOILERPLATE = {
    name: parameter.default
    for name, parameter in inspect.signature(find_boilerplate).parameters.items()
    if parameter.default is not inspect.Parameter.empty
}
"""The settings of :func:`~lineage.boilerplate.find_boilerplate` a batch analysis uses."""


def boilerplate_needed(documents: int) -> int:
    """Fewest documents a line must recur in to be boilerplate in a corpus of ``documents``.

    The rule of :func:`~lineage.boilerplate.find_boilerplate`.

    Examples
    --------
    >>> boilerplate_needed(30), boilerplate_needed(1_000), boilerplate_needed(100_000)
    (5, 50, 100)
    """
    share = math.ceil(_BOILERPLATE["min_fraction"] * documents)
    return max(_BOILERPLATE["min_documents"], min(share, _BOILERPLATE["enough_documents"]))


@dataclass(frozen=True)
class LineCounts:
    """Counts of lines (by the hash of their words) over some documents: the boilerplate model.

    What :func:`~lineage.boilerplate.find_boilerplate` reads of a corpus, kept so that it
    grows document by document: per line, the ``documents`` holding it, its
    ``occurrences``, the occurrences in a header or footer (``edges``: only recurring
    lines stand between it and the text's start or end) and ``block``, the sum over those
    of the characters of the run of recurring lines around it (the lines that travel with
    it). A line is boilerplate when it recurs in enough documents, sits in a header or
    footer in most places, and its runs are short on average (a sign-off, not a reprinted
    story). Whether a line recurs, when a document is counted, is judged with the counts
    of the documents counted before it and with it; a batch analysis judges it with the
    whole corpus, so the two can differ for the first documents of a growing corpus.
    """

    lines: np.ndarray
    documents: np.ndarray
    occurrences: np.ndarray
    edges: np.ndarray
    block: np.ndarray

    @classmethod
    def empty(cls) -> LineCounts:
        """Return counts of no line."""
        zero = np.zeros(0, dtype=np.int64)
        return cls(zero, zero, zero, zero, zero)

    def plus(self, other: LineCounts) -> LineCounts:
        """Return these counts and ``other``'s added up, line by line."""
        lines = np.concatenate([self.lines, other.lines])
        distinct, at = np.unique(lines, return_inverse=True)
        totals = [
            np.bincount(at, weights=np.concatenate([getattr(self, name), getattr(other, name)]),
                        minlength=distinct.size).astype(np.int64)
            for name in ("documents", "occurrences", "edges", "block")
        ]  # fmt: skip
        return LineCounts(distinct, *totals)

    def at(self, lines: np.ndarray) -> LineCounts:
        """Return the counts of ``lines`` (zero for a line not counted), in that order."""
        where = np.minimum(np.searchsorted(self.lines, lines), max(self.lines.size - 1, 0))
        known = (self.lines[where] == lines) if self.lines.size else np.zeros(lines.size, bool)

        def pick(values: np.ndarray) -> np.ndarray:
            return np.where(known, values[where] if values.size else 0, 0).astype(np.int64)

        return LineCounts(
            lines, *(pick(getattr(self, n)) for n in ("documents", "occurrences", "edges", "block"))
        )


@dataclass(frozen=True)
class TextLines:
    """The non-blank lines of some texts, in text order, keyed as for boilerplate."""

    docs: np.ndarray
    """The text of each line (ascending)."""
    lines: np.ndarray
    """The line's key hash as a signed 64-bit integer (0: too long or without words)."""
    lengths: np.ndarray
    starts: np.ndarray
    ends: np.ndarray

    @classmethod
    def of(cls, texts: Sequence[str]) -> TextLines:
        """Key every non-blank line of ``texts`` (:func:`~lineage.boilerplate.find_boilerplate`)."""
        rows = [
            (position, *line)
            for position, text in enumerate(texts)
            for line in _keyed_lines(text, _BOILERPLATE["max_line_chars"])
        ]
        table = np.array(rows, dtype=np.uint64).reshape(-1, 5)
        return cls(
            table[:, 0].astype(np.int64),
            table[:, 3].view(np.int64).copy(),
            table[:, 4].astype(np.int64),
            table[:, 1].astype(np.int64),
            table[:, 2].astype(np.int64),
        )

    def counts(self, known: LineCounts, documents: int) -> LineCounts:
        """Return what these texts add to the line counts ``known`` (theirs included).

        ``documents``: how many documents the corpus holds with these texts. A line
        recurs when ``known`` and these texts together put it in enough documents.
        """
        eligible = self.lengths > 0
        if not eligible.any():
            return LineCounts.empty()
        pairs = np.unique(np.stack([self.lines[eligible], self.docs[eligible]]), axis=1)
        lines, per_text = np.unique(pairs[0], return_counts=True)
        so_far = known.at(lines).documents + per_text
        recurring_lines = lines[so_far >= boilerplate_needed(documents)]
        recurring = eligible & np.isin(self.lines, recurring_lines)
        edge = _in_header_or_footer(self.docs, recurring)
        # the run of recurring lines around each line: chars of its recurring lines
        run = np.cumsum(np.r_[True, (self.docs[1:] != self.docs[:-1]) | ~recurring[1:]])
        run_chars = np.bincount(run, weights=np.where(recurring, self.lengths, 0))[run]
        at = np.searchsorted(lines, self.lines[eligible])
        return LineCounts(
            lines,
            per_text,
            np.bincount(at, minlength=lines.size),
            np.bincount(at, weights=edge[eligible], minlength=lines.size).astype(np.int64),
            np.bincount(
                at, weights=np.where(edge, run_chars, 0)[eligible], minlength=lines.size
            ).astype(np.int64),
        )

    def boilerplate(self, counts: LineCounts, documents: int, texts: int) -> list[list[Span]]:
        """Return the boilerplate spans of each of ``texts`` texts, by the line ``counts``.

        ``counts`` are those of a corpus of ``documents`` documents (these texts counted).
        """
        spans: list[list[Span]] = [[] for _ in range(texts)]
        found = counts.at(self.lines)
        marked = (
            (self.lengths > 0)
            & (found.documents >= boilerplate_needed(documents))
            & (found.edges >= _EDGE_SHARE * np.maximum(found.occurrences, 1))
            & (found.block <= _BOILERPLATE["max_block_chars"] * np.maximum(found.edges, 1))
        )
        for k in np.flatnonzero(marked).tolist():
            label = f"in {int(found.documents[k])} documents"
            spans[int(self.docs[k])].append(
                Span(int(self.starts[k]), int(self.ends[k]), "boilerplate", label)
            )
        return spans


def connect_database(database: Path, *, readonly: bool) -> sqlite3.Connection:
    uri = f"{database.resolve().as_uri()}?mode={'ro' if readonly else 'rw'}"
    connection = sqlite3.connect(uri, uri=True, timeout=60, isolation_level=None)
    connection.execute("PRAGMA busy_timeout = 60000")
    return connection


def encode_block(keys: np.ndarray, docs: np.ndarray) -> bytes:
    """Pack sorted bucket entries: key deltas and document numbers as byte planes, zlib.

    Examples
    --------
    >>> keys, docs = np.array([5, 9, 9, 2**46]), np.array([3, 1, 2, 70000])
    >>> back = decode_block(encode_block(keys, docs), 5)
    >>> back[0].tolist() == keys.tolist(), back[1].tolist() == docs.tolist()
    (True, True)
    """
    deltas = np.diff(keys.astype(np.int64), prepend=keys[:1]).astype("<u8")
    key_planes = deltas.view(np.uint8).reshape(-1, 8)[:, :_KEY_BYTES].T
    doc_planes = docs.astype("<u4").view(np.uint8).reshape(-1, _DOC_BYTES).T
    return zlib.compress(key_planes.tobytes() + doc_planes.tobytes(), 1)


def encode_blocks(keys: np.ndarray, docs: np.ndarray) -> list[bytes]:
    """Pack sorted bucket entries as :func:`encode_block` blocks of ``BLOCK_ENTRIES`` each.

    The full blocks are laid out in one numpy pass; only their compression is per block.

    Examples
    --------
    >>> keys, docs = np.arange(600) * 3, np.arange(600) % 7
    >>> blocks = encode_blocks(keys, docs)
    >>> len(blocks), blocks[1] == encode_block(keys[256:512], docs[256:512])
    (3, True)
    """
    full = keys.size // BLOCK_ENTRIES * BLOCK_ENTRIES
    deltas = np.diff(keys[:full].astype(np.int64), prepend=keys[:1]).astype("<u8")
    deltas[::BLOCK_ENTRIES] = 0
    planes = np.concatenate(
        [
            deltas.view(np.uint8).reshape(-1, BLOCK_ENTRIES, 8)[:, :, :_KEY_BYTES],
            docs[:full].astype("<u4").view(np.uint8).reshape(-1, BLOCK_ENTRIES, _DOC_BYTES),
        ],
        axis=2,
    ).transpose(0, 2, 1)  # per block: key byte planes, then document byte planes
    laid = np.ascontiguousarray(planes)
    blocks = [zlib.compress(block.tobytes(), 1) for block in laid]
    if full < keys.size:
        blocks.append(encode_block(keys[full:], docs[full:]))
    return blocks


def decode_block(data: bytes, first: int) -> tuple[np.ndarray, np.ndarray]:
    """Unpack :func:`encode_block` given the block's first key: ``(keys, docs)``, int64."""
    raw = np.frombuffer(zlib.decompress(data), dtype=np.uint8)
    n = raw.size // (_KEY_BYTES + _DOC_BYTES)
    wide = np.zeros((n, 8), dtype=np.uint8)
    wide[:, :_KEY_BYTES] = raw[: n * _KEY_BYTES].reshape(_KEY_BYTES, n).T
    keys = np.cumsum(wide.view("<u8").ravel()).astype(np.int64) + first
    docs = raw[n * _KEY_BYTES :].reshape(_DOC_BYTES, n).T.copy().view("<u4").ravel()
    return keys, docs.astype(np.int64)


def decode_blocks(blobs: Sequence[bytes], firsts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unpack several :func:`encode_block` blocks at once: their entries end to end.

    ``firsts[i]`` is block ``i``'s first key. One numpy pass over all of them: a query
    reads a hundred blocks or so, and a pass per block would cost more than the reading.

    Examples
    --------
    >>> one = encode_block(np.array([5, 9]), np.array([3, 1]))
    >>> two = encode_block(np.array([2**40, 2**40 + 1]), np.array([7, 8]))
    >>> keys, docs = decode_blocks([one, two], np.array([5, 2**40]))
    >>> keys.tolist() == [5, 9, 2**40, 2**40 + 1], docs.tolist()
    (True, [3, 1, 7, 8])
    """
    raws = [zlib.decompress(blob) for blob in blobs]
    width = _KEY_BYTES + _DOC_BYTES
    sizes = np.array([len(raw) // width for raw in raws], dtype=np.int64)
    raw = np.frombuffer(b"".join(raws), dtype=np.uint8)
    total = int(sizes.sum())
    block_starts = np.cumsum(sizes) - sizes  # first entry of each block
    owner = np.repeat(np.arange(sizes.size), sizes)
    local = np.arange(total) - block_starts[owner]
    base = (block_starts * width)[owner] + local  # byte of plane 0 of each entry
    stride = sizes[owner]
    wide = np.zeros((total, 8), dtype=np.uint8)
    for plane in range(_KEY_BYTES):
        wide[:, plane] = raw[base + plane * stride]
    deltas = wide.view("<u8").ravel().astype(np.int64)
    running = np.cumsum(deltas)
    keys = running - (running - deltas)[block_starts][owner] + firsts[owner]
    doc_bytes = np.zeros((total, 4), dtype=np.uint8)
    for plane in range(_DOC_BYTES):
        doc_bytes[:, plane] = raw[base + (_KEY_BYTES + plane) * stride]
    return keys, doc_bytes.view("<u4").ravel().astype(np.int64)


class IndexStore:
    """The SQLite database of an index: documents, texts, bucket segments and counts.

    Parameters
    ----------
    path
        The index folder (it holds ``index.sqlite``).
    readonly
        Open for reading only.

    Raises
    ------
    IndexFileError
        When ``path`` is missing, is not an index folder, holds a file that is not a
        lineage index (or a corrupt one), or an index of another schema version.
    """

    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        self.path = path
        database = self.path / DATABASE
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
        self.db = connect_database(database, readonly=readonly)
        try:
            self.params = self._check(database)
            if not readonly:
                self.db.execute("PRAGMA journal_mode = WAL")
        except sqlite3.DatabaseError as error:
            self.db.close()
            raise IndexFileError(f"{database} is not a lineage index ({error})") from None
        except IndexFileError:
            self.db.close()
            raise
        self.layout = BandLayout.of(self.params)
        self.slots = self.layout.slots()
        self._directories: dict[int, tuple[int, np.ndarray]] = {}
        """Committed segments never change (a merge writes a new one): their directories."""
        self._model: tuple[str, CommonnessModel] | None = None
        """The commonness model as of a number of batches."""

    def _check(self, database: Path) -> IndexParams:
        """Return the index's settings, or raise why this database is not a usable index."""
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        tables = {row[0] for row in self.db.execute("SELECT name FROM sqlite_master")}
        if "meta" not in tables:
            raise IndexFileError(
                f"{database} is an SQLite database but not a lineage index (no 'meta' table)"
            )
        meta = dict(self.db.execute("SELECT key, value FROM meta"))
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
    def create(cls, path: Path, params: IndexParams) -> IndexStore:
        """Make a new, empty index database in the folder ``path`` (:meth:`lineage.Index.create`).

        The database is written under a temporary name and renamed: a half-made index
        never has the final name.
        """
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
                ("commonness", json.dumps(asdict(CommonnessParams()))),
                ("distinct", "0"),
            ]
            db.executemany("INSERT INTO meta VALUES (?, ?)", rows)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        db.close()
        part.replace(path / DATABASE)  # a half-made index never has the final name
        return cls(path)

    def close(self) -> None:
        """Close the database connection."""
        self.db.close()

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Read in one transaction: what a writer commits meanwhile is not seen halfway."""
        if self.db.in_transaction:
            yield
            return
        self.db.execute("BEGIN")
        try:
            yield
        finally:
            self.db.execute("COMMIT")

    def present(self, ids: Sequence[str]) -> set[str]:
        """Return those of ``ids`` the index already holds."""
        found: set[str] = set()
        for start in range(0, len(ids), 900):
            chunk = ids[start : start + 900]
            marks = ",".join("?" * len(chunk))
            found.update(
                r[0]
                for r in self.db.execute(f"SELECT id FROM documents WHERE id IN ({marks})", chunk)
            )
        return found

    def write(self, docs: Sequence[Document], sketch: IndexSketch) -> None:
        """Insert one batch in one transaction."""
        db = self.db
        keys = self.layout.keys(sketch.signatures)
        banded = np.zeros(len(docs), dtype=bool)
        banded[nonempty_rows(sketch.signatures)] = True
        texts = [zlib.compress(doc.text.encode("utf-8"), 1) for doc in docs]
        db.execute("BEGIN IMMEDIATE")
        try:
            logger.info("writing a batch of %d documents", len(docs))
            first = db.execute("SELECT coalesce(max(doc), 0) + 1 FROM documents").fetchone()[0]
            batch = int(db.execute("SELECT value FROM meta WHERE key = 'batches'").fetchone()[0])
            numbers = np.arange(first, first + len(docs), dtype=np.int64)
            db.executemany(
                "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    (
                        int(n),
                        doc.id,
                        doc.origin,
                        json.dumps(dict(doc.meta), ensure_ascii=False, default=str),
                        len(doc.text),
                        int(size),
                        batch + 1,
                    )
                    for n, doc, size in zip(numbers, docs, sketch.sizes, strict=True)
                ),
            )
            db.executemany(
                "INSERT INTO texts VALUES (?, ?)",
                zip(numbers.tolist(), texts, strict=True),
            )
            owners = np.repeat(numbers[banded], keys.shape[1])
            self._write_segment(keys[banded].ravel(), owners)
            model = self._grow_commonness([doc.text for doc in docs], sketch.tokens)
            if sketch.lines is not None:
                self._grow_lines(sketch.lines)
            db.execute(
                "UPDATE meta SET value = CAST(value AS INTEGER) + ? WHERE key = 'documents'",
                (len(docs),),
            )
            db.execute("UPDATE meta SET value = ? WHERE key = 'batches'", (str(batch + 1),))
            # Give the pages of merged segments and replaced counts back to the file
            # (the pragma frees one page per row stepped: fetch them all).
            db.execute("PRAGMA incremental_vacuum").fetchall()
            db.execute("COMMIT")
            self._model = (str(batch + 1), model)
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise

    def _write_segment(self, keys: np.ndarray, docs: np.ndarray) -> None:
        """Write bucket entries as a new segment, then merge the newest segments."""
        db = self.db
        segment = db.execute("SELECT coalesce(max(segment), 0) + 1 FROM segments").fetchone()[0]
        self._put_segment(segment, keys, docs)
        while True:
            newest = db.execute(
                "SELECT segment, entries FROM segments ORDER BY segment DESC LIMIT 2"
            ).fetchall()
            if len(newest) < 2 or 2 * newest[0][1] < newest[1][1]:
                return
            (last, _), (before, _) = newest
            parts = [self._segment_entries(before), self._segment_entries(last)]
            self._drop_segments((before, last))
            merged_keys = np.concatenate([k for k, _ in parts])
            merged_docs = np.concatenate([d for _, d in parts])
            self._put_segment(last + 1, merged_keys, merged_docs)

    def _put_segment(self, segment: int, keys: np.ndarray, docs: np.ndarray) -> None:
        """Sort entries by key and document and store them as segment ``segment`` in blocks.

        Entries come with each key's documents ascending (a batch's, document by document;
        a merge's, an older segment then a newer): a stable sort by key then orders them
        by key and document, and merges two sorted runs in linear time.
        """
        order = np.argsort(keys, kind="stable")
        keys, docs = keys[order], docs[order]
        if (docs[1:][keys[1:] == keys[:-1]] < docs[:-1][keys[1:] == keys[:-1]]).any():
            order = np.lexsort((docs, keys))  # not so: sort by both
            keys, docs = keys[order], docs[order]
        if keys.size:  # the same entry twice (two bands with one key) is kept once
            fresh = np.ones(keys.size, dtype=bool)
            fresh[1:] = (keys[1:] != keys[:-1]) | (docs[1:] != docs[:-1])
            keys, docs = keys[fresh], docs[fresh]
        first_block = self.db.execute("SELECT coalesce(max(block), 0) + 1 FROM blocks").fetchone()
        starts = np.arange(0, keys.size, BLOCK_ENTRIES)
        self.db.executemany(
            "INSERT INTO blocks VALUES (?, ?)",
            enumerate(encode_blocks(keys, docs), start=first_block[0]),
        )
        firsts = zlib.compress(keys[starts].astype("<i8").tobytes(), 6)
        self.db.execute(
            "INSERT INTO segments VALUES (?, ?, ?, ?)",
            (segment, int(keys.size), first_block[0], firsts),
        )

    def _segment_entries(self, segment: int) -> tuple[np.ndarray, np.ndarray]:
        """Return every ``(keys, docs)`` entry of a segment, sorted."""
        first_block, firsts = self._directory(segment)
        rows = self.db.execute(
            "SELECT block, data FROM blocks WHERE block BETWEEN ? AND ? ORDER BY block",
            (first_block, first_block + firsts.size - 1),
        )
        blobs = [data for _, data in rows]
        if not blobs:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        return decode_blocks(blobs, firsts)

    def _directory(self, segment: int) -> tuple[int, np.ndarray]:
        """Return a segment's first block number and the first key of each of its blocks."""
        first_block, firsts = self.db.execute(
            "SELECT first_block, firsts FROM segments WHERE segment = ?", (segment,)
        ).fetchone()
        return first_block, np.frombuffer(zlib.decompress(firsts), dtype="<i8")

    def _drop_segments(self, segments: Sequence[int]) -> None:
        for segment in segments:
            first_block, firsts = self._directory(segment)
            self.db.execute(
                "DELETE FROM blocks WHERE block BETWEEN ? AND ?",
                (first_block, first_block + firsts.size - 1),
            )
            self.db.execute("DELETE FROM segments WHERE segment = ?", (segment,))

    def entries(self) -> tuple[np.ndarray, np.ndarray]:
        """Return every bucket entry of the index, ``(keys, docs)`` sorted by key and doc."""
        segments = [r[0] for r in self.db.execute("SELECT segment FROM segments")]
        parts = [self._segment_entries(segment) for segment in segments]
        keys = np.concatenate([k for k, _ in parts]) if parts else np.zeros(0, dtype=np.int64)
        docs = np.concatenate([d for _, d in parts]) if parts else np.zeros(0, dtype=np.int64)
        order = np.lexsort((docs, keys))
        return keys[order], docs[order]

    def _lookup(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return the bucket entries ``(keys, docs)`` whose key is one of ``keys``.

        In each segment, the blocks whose key range can hold a query key are read: for a
        key equal to a block's first key, the block before it too (equal keys may run
        across a block boundary). The blocks read are decoded together
        (:func:`decode_blocks`).
        """
        wanted = np.unique(keys.astype(np.int64))
        segments = [r[0] for r in self.db.execute("SELECT segment FROM segments")]
        self._directories = {s: self._directories.get(s) or self._directory(s) for s in segments}
        numbers, firsts_of = [], []
        for segment in segments:
            first_block, firsts = self._directories[segment]
            low = np.maximum(np.searchsorted(firsts, wanted, side="left") - 1, 0)
            high = np.searchsorted(firsts, wanted, side="right") - 1
            some = high >= low
            cover = np.zeros(firsts.size + 1, dtype=np.int64)  # +1 from low, -1 after high
            np.add.at(cover, low[some], 1)
            np.add.at(cover, high[some] + 1, -1)
            blocks = np.flatnonzero(np.cumsum(cover[:-1]) > 0)
            numbers.append(first_block + blocks)
            firsts_of.append(firsts[blocks])
        chosen = np.concatenate(numbers) if numbers else np.zeros(0, dtype=np.int64)
        if not chosen.size:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        first_keys = dict(zip(chosen.tolist(), np.concatenate(firsts_of).tolist(), strict=True))
        data, starts = [], []
        for block, blob in self._fetch(
            "SELECT block, data FROM blocks WHERE block IN ({})", chosen.tolist()
        ):
            data.append(blob)
            starts.append(first_keys[block])
        block_keys, block_docs = decode_blocks(data, np.array(starts, dtype=np.int64))
        at = np.minimum(np.searchsorted(wanted, block_keys), wanted.size - 1)
        hit = wanted[at] == block_keys
        return block_keys[hit], block_docs[hit]

    def _grow_commonness(
        self, texts: Sequence[str], tokens: HashedSpans | None = None
    ) -> CommonnessModel:
        """Add the texts not counted yet (by fingerprint) to the stored commonness model.

        ``tokens`` are the texts' :func:`~lineage.shingle.tokenize_batch`, when known.
        """
        prints = [text_fingerprint(text) for text in texts]
        known = {
            row[0]
            for start in range(0, len(prints), 900)
            for row in self.db.execute(
                "SELECT fingerprint FROM fingerprints WHERE fingerprint IN ({})".format(
                    ",".join("?" * len(prints[start : start + 900]))
                ),
                prints[start : start + 900],
            )
        }
        fresh: dict[bytes, int] = {}
        for position, key in enumerate(prints):
            if key not in known:
                fresh.setdefault(key, position)
        model = self.commonness()
        if not fresh:
            return model
        rows = list(fresh.values())
        model = learn_commonness(
            [texts[i] for i in rows],
            prior=model,
            fingerprints=list(fresh),
            tokens=None if tokens is None else select_texts(tokens, rows),
        )
        self.db.executemany("INSERT INTO fingerprints VALUES (?)", ((k,) for k in fresh))
        self.db.executemany(
            "INSERT OR REPLACE INTO counts VALUES (?, ?, ?)",
            (
                (
                    name,
                    row,
                    zlib.compress(
                        table[row].astype("<u2").view(np.uint8).reshape(-1, 2).T.tobytes(), 1
                    ),
                )
                for name in _TABLES
                for table in [getattr(model, name)]
                for row in range(table.shape[0])
            ),
        )
        self.db.execute("UPDATE meta SET value = ? WHERE key = 'distinct'", (str(model.documents),))
        return model

    def _grow_lines(self, counts: LineCounts) -> None:
        """Add a batch's line counts to the boilerplate model (:class:`LineCounts`)."""
        self.db.executemany(
            "INSERT INTO lines VALUES (?, ?, ?, ?, ?) ON CONFLICT(line) DO UPDATE SET "
            "documents = documents + excluded.documents, "
            "occurrences = occurrences + excluded.occurrences, "
            "edges = edges + excluded.edges, block = block + excluded.block",
            zip(
                *(
                    getattr(counts, name).tolist()
                    for name in ("lines", "documents", "occurrences", "edges", "block")
                ),
                strict=True,
            ),
        )

    def line_counts(self, lines: np.ndarray) -> LineCounts:
        """Return the stored counts of ``lines`` (those counted; sorted by line)."""
        wanted = np.unique(lines[lines != 0]).tolist()
        rows = self._fetch("SELECT * FROM lines WHERE line IN ({}) ORDER BY line", wanted)
        if not rows:
            return LineCounts.empty()
        table = np.array(rows, dtype=np.int64)
        order = np.argsort(table[:, 0], kind="stable")  # chunks are sorted each, not together
        return LineCounts(*table[order].T)

    def commonness(self) -> CommonnessModel:
        """Return the commonness model of the indexed texts (:meth:`lineage.Index.commonness`)."""
        meta = dict(
            self.db.execute(
                "SELECT key, value FROM meta WHERE key IN ('batches', 'distinct', 'commonness')"
            )
        )
        if self._model is not None and self._model[0] == meta["batches"]:
            return self._model[1]
        stored = json.loads(meta["commonness"])
        known = {f.name for f in fields(CommonnessParams)}
        params = CommonnessParams(**{k: v for k, v in stored.items() if k in known})
        cells = 1 << params.table_bits
        tables = {name: np.zeros((2, cells), dtype=np.uint16) for name in _TABLES}
        for name, row, data in self.db.execute("SELECT name, row, cells FROM counts"):
            planes = np.frombuffer(zlib.decompress(data), dtype=np.uint8).reshape(2, cells)
            tables[name][row] = planes.T.copy().view("<u2").ravel()
        documents = int(meta["distinct"])
        model = CommonnessModel(documents, params.ceiling(documents), params, **tables)
        self._model = (meta["batches"], model)
        return model

    def __len__(self) -> int:
        """Return how many documents the index holds."""
        return int(self.db.execute("SELECT value FROM meta WHERE key = 'documents'").fetchone()[0])

    def stats(self) -> dict[str, Any]:
        """Return counts, settings and size on disk (see :meth:`lineage.Index.stats`)."""
        meta = dict(self.db.execute("SELECT key, value FROM meta"))
        size = sum(f.stat().st_size for f in self.path.iterdir() if f.name.startswith(DATABASE))
        documents = int(meta["documents"])
        return {
            "path": str(self.path),
            "schema_version": SCHEMA_VERSION,
            "documents": documents,
            "batches": int(meta["batches"]),
            "distinct_texts": int(meta["distinct"]),
            "buckets": self.db.execute("SELECT coalesce(sum(entries), 0) FROM segments").fetchone()[
                0
            ],
            "segments": self.db.execute("SELECT count(*) FROM segments").fetchone()[0],
            "bytes": size,
            "bytes_per_document": round(size / documents, 1) if documents else None,
            "params": asdict(self.params),
        }

    def candidates(self, keys: np.ndarray, size: int) -> list[int]:
        """Return the documents a batch run would pair with a text of these keys and size.

        The rules of :func:`lineage.api.candidate_pairs`: every document below
        ``exhaustive_below``; else a shared Jaccard band, or a shared band of the
        containment banding for the two size classes (sizes within ``max_ratio``).
        Ordered by the number of buckets shared, most first; at most ``max_candidates``.
        """
        params = self.params
        if len(self) + 1 < params.exhaustive_below:
            rows = self.db.execute("SELECT doc FROM documents ORDER BY doc").fetchall()
            return [r[0] for r in rows]
        if size == 0:
            return []
        slot_of = {int(k): slot for k, slot in zip(keys, self.slots, strict=True)}
        found: dict[int, set[tuple[int, int]]] = {}
        found_keys, found_docs = self._lookup(keys)
        for key, doc in zip(found_keys.tolist(), found_docs.tolist(), strict=True):
            found.setdefault(doc, set()).add(slot_of[key])
        if not found:
            return []
        docs = list(found)
        sizes = dict(self._fetch("SELECT doc, shingles FROM documents WHERE doc IN ({})", docs))
        my_class = int(size_classes([size])[0])
        j_bands, j_rows = self.layout.jaccard
        chosen = []
        for doc in docs:
            slots = found[doc]
            hit = any(rows == j_rows and band < j_bands for rows, band in slots)
            other = sizes[doc]
            gap = abs(int(size_classes([other])[0]) - my_class)
            if not hit and other > 0 and gap < len(self.layout.containment):
                bands, rows = self.layout.containment[gap]
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
            rows.extend(self.db.execute(sql.format(",".join("?" * len(chunk))), chunk))
        return rows

    def documents(self, docs: Sequence[int]) -> list[Document]:
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

    def texts(self) -> Iterator[str]:
        """Yield the text of every indexed document, in the order they were added."""
        for row in self.db.execute("SELECT text FROM texts ORDER BY doc"):
            yield zlib.decompress(row[0]).decode("utf-8")
