"""A generated news corpus with known near-duplicate families, for tests and benchmarks.

Documents are built from the vocabulary and sentences of base texts (the five seeds by
default) so that the truth is known by construction:

- **families**: a source article (about ``words_per_doc`` words of filler text sampled
  from the base vocabulary, with a few real base sentences mixed in, as stories on one
  event share quotes) and 1-5 rewrites, each made from the source or from an earlier
  rewrite by dropping, inserting and reordering sentences and substituting words, with
  a random intensity per rewrite, so their Jaccard similarities spread over (0, 1);
- **splices**: the first part of a member of one family joined to the last part of a
  member of another (they belong to both families);
- **unrelated** documents: filler text alone.

Truth: every pair of documents that share a family is *related*; :func:`generate`
measures each related pair exactly (Jaccard and containments on
:func:`lineage.shingle.shingle_hashes` sets). Pairs that share no family share at most a
few base sentences, far below any useful threshold (the tests check this by brute force
on small corpora), so "the true near-duplicate pairs at threshold t" are the related pairs
whose exact score is at least t (:func:`true_pairs`).

Examples
--------
>>> corpus = generate(60, seed=3)
>>> len(corpus.texts), corpus.ids[:2]
(60, ['g000000', 'g000001'])
>>> bool(corpus.pairs["jaccard"].between(0, 1).all())
True
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from lineage.shingle import shingle_hashes

SEED_DIR = Path(__file__).resolve().parents[1] / "seeds"
_SENTENCE = re.compile(r"(?<=[.!?])[\"”’']?\s+(?=[\"“‘'A-Z])")
_WORD = re.compile(r"[^\W\d_][\w'’-]*")


class GeneratedCorpus(NamedTuple):
    """Texts, their ids, the measured related pairs and each document's families."""

    texts: list[str]
    ids: list[str]
    pairs: pd.DataFrame
    """Related pairs: ``a, b`` (ids, a < b), ``jaccard``, ``containment_a_in_b``,
    ``containment_b_in_a`` (exact, on 5-word shingles)."""
    families: pd.DataFrame
    """``id, family``: one row per (document, family) membership (splices have two)."""


def base_texts() -> list[str]:
    """Return the texts of the bundled seeds."""
    return [path.read_text(encoding="utf-8") for path in sorted(SEED_DIR.glob("*.txt"))]


class _Writer:
    """Makes filler sentences and rewrites from a base vocabulary, with one generator."""

    def __init__(self, texts: Sequence[str], rng: np.random.Generator) -> None:
        words: dict[str, int] = {}
        for text in texts:
            for word in _WORD.findall(text):
                key = word.lower()
                words[key] = words.get(key, 0) + 1
        self.vocab = np.array(sorted(words), dtype=object)
        counts = np.array([words[w] for w in self.vocab], dtype=float)
        self.cumulative = np.cumsum(counts / counts.sum())
        self.sentences = [
            " ".join(s.split())
            for text in texts
            for s in _SENTENCE.split(text)
            if len(s.split()) >= 8
        ]
        self.rng = rng

    def words(self, count: int) -> np.ndarray:
        picks = np.searchsorted(self.cumulative, self.rng.random(count), side="right")
        return self.vocab[np.minimum(picks, self.vocab.size - 1)]

    def filler(self, count: int) -> list[str]:
        if count <= 0:
            return []
        lengths = self.rng.integers(12, 31, count)
        words = self.words(int(lengths.sum()))
        ends = np.cumsum(lengths) - 1
        words[ends] = words[ends] + "\x1f"
        firsts = ends[:-1] + 1
        words[0] = words[0].capitalize()
        words[firsts] = [w.capitalize() for w in words[firsts]]
        text = " ".join(words)[:-1]  # drop the last marker
        return [sentence + "." for sentence in text.split("\x1f ")]

    def article(self, words_per_doc: int) -> list[str]:
        sentences = self.filler(max(1, words_per_doc // 21))
        for _ in range(int(self.rng.integers(0, 4))):
            quote = self.sentences[int(self.rng.integers(len(self.sentences)))]
            sentences.insert(int(self.rng.integers(len(sentences) + 1)), quote)
        return sentences

    def rewrite(self, sentences: list[str]) -> list[str]:
        rng = self.rng
        out = list(sentences)
        strength = rng.random()  # 0: light touch, 1: heavy rewrite
        for _ in range(int(rng.integers(0, 1 + round(8 * strength)))):
            if len(out) > 3:
                out.pop(int(rng.integers(len(out))))
        for sentence in self.filler(int(rng.integers(0, 1 + round(6 * strength)))):
            out.insert(int(rng.integers(len(out) + 1)), sentence)
        if rng.random() < 0.5 and len(out) > 4:
            start = int(rng.integers(len(out) - 2))
            block = out[start : start + int(rng.integers(1, 4))]
            del out[start : start + len(block)]
            at = int(rng.integers(len(out) + 1))
            out[at:at] = block
        rate = 0.12 * strength * rng.random()
        if rate > 0:
            text_words = " ".join(out).split(" ")
            hits = np.flatnonzero(rng.random(len(text_words)) < rate)
            for position, word in zip(hits.tolist(), self.words(hits.size), strict=True):
                text_words[position] = word
            out = _sentences_of(" ".join(text_words))
        return out


def _sentences_of(text: str) -> list[str]:
    pieces = re.split(r"(?<=\.) ", text)
    return [p for p in pieces if p]


def _join(sentences: list[str]) -> str:
    paragraphs = [" ".join(sentences[i : i + 3]) for i in range(0, len(sentences), 3)]
    return "\n\n".join(paragraphs)


def generate(
    n_docs: int,
    *,
    seed: int = 0,
    base_texts: Sequence[str] | None = None,
    family_share: float = 0.5,
    splice_share: float = 0.03,
    words_per_doc: int = 600,
    shingle_size: int = 5,
) -> GeneratedCorpus:
    """Generate ``n_docs`` documents with known near-duplicate families.

    Parameters
    ----------
    n_docs
        Number of documents.
    seed
        Seed of the generator: the same arguments give the same corpus.
    base_texts
        Texts whose vocabulary and sentences are used (default: the bundled seeds).
    family_share
        Share of the documents that belong to a family of near-duplicates.
    splice_share
        Share of the documents that splice two families.
    words_per_doc
        Approximate length of a source article.
    shingle_size
        Words per shingle for the exact scores of related pairs.

    Returns
    -------
    GeneratedCorpus
        ``texts``, ``ids`` (``g000000`` ... in text order), ``pairs`` (every related pair
        with its exact Jaccard and containments) and ``families``.
    """
    rng = np.random.default_rng(seed)
    writer = _Writer(list(base_texts) if base_texts is not None else globals()["base_texts"](), rng)
    docs: list[list[str]] = []
    labels: list[list[int]] = []
    family_members: list[list[int]] = []
    target_family_docs = round(n_docs * family_share)
    while len(docs) < target_family_docs:
        size = min(int(rng.integers(2, 7)), target_family_docs - len(docs))
        if size < 2:
            break
        family = len(family_members)
        members = [writer.article(words_per_doc)]
        for _ in range(size - 1):
            parent = members[int(rng.integers(len(members)))]
            members.append(writer.rewrite(parent))
        family_members.append(list(range(len(docs), len(docs) + size)))
        docs.extend(members)
        labels.extend([[family]] * size)
    splices = round(n_docs * splice_share) if len(family_members) >= 2 else 0
    for _ in range(min(splices, n_docs - len(docs))):
        first, second = rng.choice(len(family_members), 2, replace=False).tolist()
        left = docs[family_members[first][int(rng.integers(len(family_members[first])))]]
        right = docs[family_members[second][int(rng.integers(len(family_members[second])))]]
        cut_left = int(rng.integers(len(left) // 3, 2 * len(left) // 3 + 1))
        cut_right = int(rng.integers(len(right) // 3, 2 * len(right) // 3 + 1))
        docs.append(left[:cut_left] + right[cut_right:])
        labels.append([first, second])
    while len(docs) < n_docs:
        docs.append(writer.filler(max(1, words_per_doc // 21)))
        labels.append([])

    order = rng.permutation(len(docs))
    texts = [_join(docs[i]) for i in order.tolist()]
    ids = [f"g{k:06d}" for k in range(len(texts))]
    new_position = np.empty(len(docs), dtype=np.int64)
    new_position[order] = np.arange(len(docs))
    membership = [
        (int(new_position[old]), family) for old, fams in enumerate(labels) for family in fams
    ]
    families = pd.DataFrame(membership, columns=["position", "family"]).sort_values(
        ["family", "position"]
    )
    pairs = _related_pairs(texts, ids, families, shingle_size)
    families = pd.DataFrame(
        {
            "id": [ids[p] for p in families["position"]],
            "family": families["family"].to_numpy(),
        }
    ).reset_index(drop=True)
    return GeneratedCorpus(texts, ids, pairs, families)


def _sorted_set(values: np.ndarray) -> np.ndarray:
    values = np.sort(values)
    keep = np.ones(values.size, dtype=bool)
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


def _related_pairs(
    texts: list[str], ids: list[str], families: pd.DataFrame, shingle_size: int
) -> pd.DataFrame:
    """Exact scores of every pair of documents sharing a family."""
    codes: set[tuple[int, int]] = set()
    by_family: dict[int, list[int]] = {}
    for position, family in zip(
        families["position"].tolist(), families["family"].tolist(), strict=True
    ):
        by_family.setdefault(family, []).append(position)
    for members in by_family.values():
        members.sort()
        codes.update(
            (members[i], members[j])
            for i in range(len(members))
            for j in range(i + 1, len(members))
        )
    pairs = sorted(codes)
    needed = sorted({p for pair in pairs for p in pair})
    hashes = shingle_hashes([texts[p] for p in needed], n=shingle_size)
    sets = {p: _sorted_set(h) for p, h in zip(needed, hashes, strict=True)}
    rows = []
    for i, j in pairs:
        found = np.searchsorted(sets[j], sets[i])
        found[found == sets[j].size] = 0
        shared = int(np.count_nonzero(sets[j][found] == sets[i])) if sets[j].size else 0
        size_i, size_j = sets[i].size, sets[j].size
        rows.append(
            (
                ids[i],
                ids[j],
                shared / max(size_i + size_j - shared, 1),
                shared / max(size_i, 1),
                shared / max(size_j, 1),
            )
        )
    return pd.DataFrame(
        rows, columns=["a", "b", "jaccard", "containment_a_in_b", "containment_b_in_a"]
    )


def true_pairs(
    corpus: GeneratedCorpus, threshold: float, *, measure: str = "jaccard"
) -> set[tuple[str, str]]:
    """Return the pairs ``(a, b)`` whose exact score reaches ``threshold``.

    ``measure`` is ``"jaccard"`` or ``"containment"`` (the larger of the two).
    """
    pairs = corpus.pairs
    if measure == "jaccard":
        score = pairs["jaccard"]
    else:
        score = np.maximum(pairs["containment_a_in_b"], pairs["containment_b_in_a"])
    chosen = pairs[score >= threshold]
    return set(zip(chosen["a"], chosen["b"], strict=True))


def one_topic(
    n_docs: int,
    *,
    seed: int = 0,
    pool: int = 80,
    sentences_per_doc: int = 16,
    planted_share: float = 0.1,
    shingle_size: int = 5,
) -> GeneratedCorpus:
    """Generate a corpus about one topic: every document drawn from one pool of sentences.

    As a week of coverage of one event can be: ``pool`` sentences (filler from the seeds'
    vocabulary plus the seeds' own sentences), each document ``sentences_per_doc`` of
    them in random order, so any two documents share a few sentences and most pairs
    look alike to LSH. A ``planted_share`` of the documents are near-duplicates of an
    earlier one (one sentence replaced, ~2% of words substituted); an original and its
    copies (and copies of copies) form a family, and every pair of a family, measured
    exactly, is in ``pairs`` (the truth at a threshold: :func:`true_pairs`).

    Examples
    --------
    >>> corpus = one_topic(50, seed=1)
    >>> len(corpus.texts), bool((corpus.pairs["jaccard"] > 0.5).mean() > 0.9)
    (50, True)
    """
    rng = np.random.default_rng(seed)
    writer = _Writer(base_texts(), rng)
    sentences = (writer.sentences + writer.filler(pool))[:pool]
    texts: list[str] = []
    family_of: dict[int, int] = {}
    family_rows: list[tuple[int, int]] = []
    for position in range(n_docs):
        if texts and rng.random() < planted_share:
            source = int(rng.integers(len(texts)))
            picked = _sentences_of(texts[source].replace("\n\n", " "))
            picked[int(rng.integers(len(picked)))] = sentences[int(rng.integers(pool))]
            words = " ".join(picked).split(" ")
            hits = np.flatnonzero(rng.random(len(words)) < 0.02)
            for at, word in zip(hits.tolist(), writer.words(hits.size), strict=True):
                words[at] = word
            texts.append(_join(_sentences_of(" ".join(words))))
            family = family_of.setdefault(source, len(family_of))  # a copy of a copy: same
            family_of[position] = family
            family_rows += [(source, family), (position, family)]
        else:
            chosen = rng.choice(pool, size=min(sentences_per_doc, pool), replace=False)
            texts.append(_join([sentences[i] for i in chosen.tolist()]))
    ids = [f"t{i:06d}" for i in range(n_docs)]
    families = pd.DataFrame(family_rows, columns=["position", "family"]).drop_duplicates()
    pairs = _related_pairs(texts, ids, families, shingle_size)
    families = pd.DataFrame(
        {"id": [ids[p] for p in families["position"]], "family": families["family"]}
    )
    return GeneratedCorpus(texts, ids, pairs, families)
