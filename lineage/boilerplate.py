"""Boilerplate: lines that recur across many unrelated documents of a corpus."""

from __future__ import annotations

import hashlib
import logging
import math
from array import array
from collections.abc import Iterator, Sequence

import numpy as np
from scipy import sparse

from lineage.debris import line_key, text_lines
from lineage.errors import ParameterError, check_fraction, check_positive_int, shorten
from lineage.records import Span

logger = logging.getLogger("lineage.normalize")


def find_boilerplate(
    texts: Sequence[str],
    *,
    min_documents: int = 5,
    min_fraction: float = 0.05,
    enough_documents: int = 100,
    max_line_chars: int = 400,
    max_block_chars: int = 1000,
) -> list[list[Span]]:
    r"""Mark whole lines that recur across many unrelated documents of a corpus.

    A line (a paragraph of the text, compared on its lowercase words) is boilerplate when

    - at least ``max(min_documents, min(ceil(min_fraction * len(texts)), enough_documents))``
      documents hold it: in a large corpus a line that ``enough_documents`` hold
      qualifies whatever its share (an outlet's footer in a corpus of forty outlets);
    - it is at most ``max_line_chars`` long (sign-offs, promos and legal lines are short;
      a reused paragraph of prose is usually not);
    - it sits in a header or footer in at least 80% of its occurrences: only recurring
      lines stand between it and the start or the end of a document that has text of its
      own (sign-offs, promos and legal lines frame a text; a reused paragraph sits amid
      the outlet's own prose);
    - the lines that travel with it are few: the recurring lines found in at least a
      quarter of its documents, with it, add up to at most ``max_block_chars``. Outlets
      that reprint or excerpt one story bring many of its paragraphs along (reuse, not
      boilerplate); a sign-off sits in documents that share nothing else.

    A sentence inside a paragraph is never boilerplate, so a quotation that outlets repeat
    within their own prose stays reuse.

    Parameters
    ----------
    texts
        The original documents.
    min_documents
        Fewest documents a line must recur in.
    min_fraction
        Smallest share of the corpus a line must recur in (up to ``enough_documents``).
    enough_documents
        Documents enough for any line, whatever the size of the corpus.
    max_line_chars
        Longest line that can be boilerplate.
    max_block_chars
        Largest block of lines travelling together that can still be boilerplate.

    Returns
    -------
    list of list of Span
        Per document, spans of kind ``"boilerplate"`` (original offsets, sorted); the label
        says in how many documents the line recurs.

    Notes
    -----
    Cost is linear in the corpus size plus a sparse product of the document-by-line
    matrix of the recurring lines. Lines are counted by 64-bit hashes in numpy arrays
    (16 bytes a line), and only documents holding boilerplate are read a second time.

    Examples
    --------
    >>> texts = [f"Story {i} happened.\nSign up for our newsletter." for i in range(6)]
    >>> [(s.start, s.end, s.label) for s in find_boilerplate(texts)[0]]
    [(18, 45, 'in 6 documents')]
    """
    check_positive_int("min_documents", min_documents)
    check_fraction("min_fraction", min_fraction)
    check_positive_int("enough_documents", enough_documents)
    check_positive_int("max_line_chars", max_line_chars)
    check_positive_int("max_block_chars", max_block_chars)
    if isinstance(texts, str) or not isinstance(texts, Sequence):
        raise ParameterError(f"'texts' must be a sequence of strings (got {shorten(texts)})")
    line_docs, line_hashes, line_lengths = array("q"), array("Q"), array("q")
    for position, text in enumerate(texts):
        if not isinstance(text, str):
            raise ParameterError(
                f"'texts' must hold strings (got {type(text).__name__} at position {position})"
            )
        for _, _, key_hash, key_length in _keyed_lines(text, max_line_chars):
            line_docs.append(position)
            line_hashes.append(key_hash)
            line_lengths.append(key_length)
    result: list[list[Span]] = [[] for _ in texts]
    docs = np.frombuffer(line_docs, dtype=np.int64)
    hashes = np.frombuffer(line_hashes, dtype=np.uint64)
    lengths = np.frombuffer(line_lengths, dtype=np.int64)
    eligible = lengths > 0  # short lines with words; the rest can never be boilerplate
    # documents per line: one row per (line, document)
    order = np.lexsort((docs[eligible], hashes[eligible]))
    e_docs, e_hashes = docs[eligible][order], hashes[eligible][order]
    first = np.ones(e_hashes.size, dtype=bool)
    first[1:] = (e_hashes[1:] != e_hashes[:-1]) | (e_docs[1:] != e_docs[:-1])
    e_docs, e_hashes = e_docs[first], e_hashes[first]
    distinct, documents = np.unique(e_hashes, return_counts=True)
    needed = max(min_documents, min(math.ceil(min_fraction * len(texts)), enough_documents))
    recurring = distinct[documents >= needed]
    counts = documents[documents >= needed]
    if not recurring.size:
        return result
    # column of every line (in text order) among the recurring ones, -1 for the others
    at = np.minimum(np.searchsorted(recurring, hashes), recurring.size - 1)
    column = np.where(eligible & (recurring[at] == hashes), at, -1)
    key_lengths = np.zeros(recurring.size, dtype=np.int64)
    key_lengths[column[column >= 0]] = lengths[column >= 0]
    in_edge = _in_header_or_footer(docs, column >= 0)
    edge_share = np.bincount(column[in_edge], minlength=recurring.size) / np.maximum(
        np.bincount(column[column >= 0], minlength=recurring.size), 1
    )
    e_column = np.searchsorted(recurring, e_hashes)
    kept = (e_column < recurring.size) & (
        recurring[np.minimum(e_column, recurring.size - 1)] == e_hashes
    )
    presence = sparse.csr_matrix(
        (np.ones(int(kept.sum())), (e_docs[kept], e_column[kept])),
        shape=(len(texts), recurring.size),
    )
    together = (presence.T @ presence).tocsr()
    boilerplate = edge_share >= _EDGE_SHARE
    for j in np.flatnonzero(boilerplate).tolist():
        row = slice(together.indptr[j], together.indptr[j + 1])
        companions = together.indices[row][together.data[row] >= _COMPANION_SHARE * counts[j]]
        boilerplate[j] = key_lengths[companions].sum() <= max_block_chars
    marked = {
        int(h): int(n) for h, n in zip(recurring[boilerplate], counts[boilerplate], strict=True)
    }
    marked_lines = (column >= 0) & boilerplate[np.maximum(column, 0)]
    for position in np.unique(docs[marked_lines]).tolist():
        for start, end, key_hash, key_length in _keyed_lines(texts[position], max_line_chars):
            if key_length and key_hash in marked:
                label = f"in {marked[key_hash]} documents"
                result[position].append(Span(start, end, "boilerplate", label))
    logger.info("boilerplate: %d recurring lines, %d marked", recurring.size, len(marked))
    return result


# Lines that share at least this share of a line's documents travel with it.
_COMPANION_SHARE = 0.25
# Boilerplate frames texts: it is in a header or footer in at least this share of places.
_EDGE_SHARE = 0.8


def _in_header_or_footer(docs: np.ndarray, recurring: np.ndarray) -> np.ndarray:
    """Mark lines with only recurring lines between them and their document's start or end.

    ``docs`` gives the document of each line (lines in text order, documents ascending).
    Documents made of recurring lines only (compilations, reposts) have no header or
    footer: their lines say nothing about what is boilerplate.
    """
    if not docs.size:
        return np.zeros(0, dtype=bool)
    other = (~recurring).astype(np.int64)
    starts = np.flatnonzero(np.r_[True, docs[1:] != docs[:-1]])
    sizes = np.diff(np.r_[starts, docs.size])
    before = np.cumsum(other) - other  # other lines before each line, corpus-wide
    before -= np.repeat(before[starts], sizes)
    per_doc = np.add.reduceat(other, starts)
    after = np.repeat(per_doc, sizes) - before - other
    has_own_text = np.repeat(per_doc, sizes) > 0
    return recurring & has_own_text & ((before == 0) | (after == 0))


def _keyed_lines(text: str, max_chars: int) -> Iterator[tuple[int, int, int, int]]:
    """Yield ``(start, end, key hash, key length)`` of every non-blank line.

    The key is the line's lowercase words; its hash is a stable 64-bit BLAKE2b digest, so
    a corpus of millions of lines is counted in numpy arrays, not in a dict of strings.
    Lines longer than ``max_chars`` or without words get hash and length 0.
    """
    for start, end in text_lines(text):
        key = line_key(text[start:end]) if end - start <= max_chars else ""
        if not key:
            yield start, end, 0, 0
            continue
        digest = hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8)
        yield start, end, int.from_bytes(digest.digest(), "little"), len(key)
