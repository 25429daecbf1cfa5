"""Corpora with a known derivation, for testing and scoring source and lineage inference.

Two generators, both deterministic for a seed:

- :func:`news_corpus`: a wire story (sentences of the seed wire story 001 mixed with
  generated ones, and quotations), outlets rewriting it and rewriting each other (trimming
  from the end, dropping and reordering sentences, paraphrase by word substitutions,
  inserted context and quotations), independent stories on the same event that share only
  public quotations, and optionally the wire (or a rewrite with several children) removed
  from the corpus so that a latent source is needed.
- :func:`manuscript_corpus`: a root text copied down a random tree, every copy adding word
  substitutions, omissions and transpositions; some copies lost, a few copied from two
  exemplars (contamination).

Both return a :class:`GeneratedCorpus` whose truth covers lost nodes too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
import numpy as np

from benchmarks.stemma import contract_truth

__all__ = ["GeneratedCorpus", "manuscript_corpus", "news_corpus", "seed_texts"]

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
_SPEAKERS = ("Zelensky", "Trump", "Rubio", "Erdogan", "Peskov", "Fidan", "Medinsky", "Umerov")
_QUOTE = re.compile(r"[“\"]([^”\"\n]{25,200}?)[,.]?[”\"]")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


@dataclass(frozen=True)
class GeneratedCorpus:
    """A generated corpus and its true derivation.

    ``parents`` and ``secondary`` cover every node, lost ones included; ``ids``/``texts``
    are the extant documents only (the corpus a method sees).
    """

    ids: tuple[str, ...]
    texts: tuple[str, ...]
    parents: dict[str, str | None]
    secondary: dict[str, str] = field(default_factory=dict)
    dates: dict[str, str] = field(default_factory=dict)
    kind: str = ""

    def true_parents(self) -> dict[str, str | None]:
        """Extant document -> identifiable true parent (see ``contract_truth``)."""
        return contract_truth(self.parents, self.ids)

    def true_graph(self) -> nx.DiGraph:
        """The true derivation graph over all nodes, secondary parents included."""
        graph = nx.DiGraph()
        graph.add_nodes_from(self.parents)
        for child, parent in self.parents.items():
            if parent is not None:
                graph.add_edge(parent, child)
        for child, parent in self.secondary.items():
            graph.add_edge(parent, child)
        return graph


def seed_texts() -> dict[str, str]:
    """Return the seed articles by id (file stem)."""
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))}


def _sentences(text: str) -> list[str]:
    out = []
    for paragraph in text.splitlines():
        out.extend(s.strip() for s in _SENTENCE_END.split(paragraph) if s.strip())
    return out


def _pools() -> tuple[list[str], list[str], list[str], list[str]]:
    seeds = seed_texts()
    by_prefix = {key[:3]: text for key, text in seeds.items()}
    wire = [
        s
        for s in _sentences(by_prefix["001"])
        if not re.search(r"[“”\"]", s) and len(s.split()) >= 8 and "date" not in s[:6]
    ]
    independent = [
        s
        for key in ("003", "004")
        for s in _sentences(by_prefix[key])
        if not re.search(r"[“”\"]", s) and len(s.split()) >= 8
    ]
    quotes = sorted({q.strip() for text in seeds.values() for q in _QUOTE.findall(text)})
    vocabulary = sorted(
        {w.lower() for text in seeds.values() for w in re.findall(r"[A-Za-z]{3,}", text)}
    )
    return wire, independent, quotes, vocabulary


def _generated_sentence(rng: np.random.Generator, vocabulary: list[str]) -> str:
    words = [vocabulary[i] for i in rng.integers(0, len(vocabulary), int(rng.integers(12, 25)))]
    return " ".join(words).capitalize() + "."


def _quote_sentence(rng: np.random.Generator, quote: str) -> str:
    speaker = _SPEAKERS[int(rng.integers(len(_SPEAKERS)))]
    verb = ("said", "told reporters", "said in a statement")[int(rng.integers(3))]
    return f"“{quote},” {speaker} {verb}."


def _paraphrase(rng: np.random.Generator, sentence: str, vocabulary: list[str], rate: float) -> str:
    words = sentence.split(" ")
    for i in range(len(words)):
        if rng.random() < rate and words[i].isalpha():
            new = vocabulary[int(rng.integers(len(vocabulary)))]
            words[i] = new.capitalize() if words[i][0].isupper() else new
    return " ".join(words)


def _rewrite(
    rng: np.random.Generator,
    segments: list[str],
    vocabulary: list[str],
    quotes: list[str],
) -> list[str]:
    """One outlet's rewrite: trim, drop, reorder, paraphrase, insert context and quotes."""
    keep = max(3, int(np.ceil(len(segments) * rng.uniform(0.55, 0.9))))
    out = [s for i, s in enumerate(segments[:keep]) if i == 0 or rng.random() > 0.12]
    for _ in range(int(rng.integers(0, 3))):
        i, j = rng.integers(1, len(out), 2) if len(out) > 2 else (0, 0)
        out[i], out[j] = out[j], out[i]
    out = [_paraphrase(rng, s, vocabulary, 0.12) if rng.random() < 0.5 else s for s in out]
    for _ in range(int(rng.integers(1, 4))):
        out.insert(int(rng.integers(1, len(out) + 1)), _generated_sentence(rng, vocabulary))
    for _ in range(int(rng.integers(0, 3))):
        quote = quotes[int(rng.integers(len(quotes)))]
        out.insert(int(rng.integers(1, len(out) + 1)), _quote_sentence(rng, quote))
    return out


def news_corpus(
    seed: int,
    *,
    n_rewrites: int = 5,
    n_second: int = 3,
    n_independent: int = 2,
    remove: str | None = None,
    dated: bool = False,
) -> GeneratedCorpus:
    """Generate a news-like corpus: a wire story, its rewrites, and independent stories.

    Parameters
    ----------
    seed
        Random seed; the same seed gives the same corpus.
    n_rewrites
        Outlets rewriting the wire directly.
    n_second
        Outlets rewriting one of those rewrites (chosen at random).
    n_independent
        Independent stories on the same event that share only quotations.
    remove
        ``None`` keeps every text; ``"wire"`` removes the wire story; ``"rewrite"`` removes
        the wire's rewrite with the most children (a latent source one level down).
    dated
        Give every document a publication date (a copy is always later than its source).

    Returns
    -------
    GeneratedCorpus
        Node ids are ``wire``, ``r1``... (direct rewrites), ``s1``... (second-hand) and
        ``i1``... (independent).
    """
    rng = np.random.default_rng(seed)
    wire_pool, independent_pool, quotes, vocabulary = _pools()
    picked = sorted(rng.choice(len(wire_pool), size=min(16, len(wire_pool)), replace=False))
    wire = [wire_pool[i] for i in picked]
    for _ in range(6):
        wire.insert(int(rng.integers(1, len(wire) + 1)), _generated_sentence(rng, vocabulary))
    for quote in rng.choice(len(quotes), size=4, replace=False):
        wire.insert(int(rng.integers(1, len(wire) + 1)), _quote_sentence(rng, quotes[int(quote)]))

    docs: dict[str, list[str]] = {"wire": wire}
    parents: dict[str, str | None] = {"wire": None}
    for k in range(1, n_rewrites + 1):
        docs[f"r{k}"] = _rewrite(rng, wire, vocabulary, quotes)
        parents[f"r{k}"] = "wire"
    for k in range(1, n_second + 1):
        source = f"r{int(rng.integers(1, n_rewrites + 1))}"
        docs[f"s{k}"] = _rewrite(rng, docs[source], vocabulary, quotes)
        parents[f"s{k}"] = source
    # Independent stories draw disjoint sentences: they share quotations, never prose.
    shuffled = rng.permutation(len(independent_pool))
    per_story = min(10, len(independent_pool) // max(n_independent, 1))
    for k in range(1, n_independent + 1):
        picked = shuffled[(k - 1) * per_story : k * per_story]
        story = [independent_pool[int(i)] for i in picked]
        story += [_generated_sentence(rng, vocabulary) for _ in range(4)]
        for quote in rng.choice(len(quotes), size=4, replace=False):
            story.insert(
                int(rng.integers(1, len(story) + 1)), _quote_sentence(rng, quotes[int(quote)])
            )
        docs[f"i{k}"] = story
        parents[f"i{k}"] = None

    removed: set[str] = set()
    if remove == "wire":
        removed = {"wire"}
    elif remove == "rewrite":
        counts = {r: sum(p == r for p in parents.values()) for r in docs if r.startswith("r")}
        best = max(sorted(counts), key=lambda r: counts[r])
        if counts[best] >= 2:
            removed = {best}
    elif remove is not None:
        raise ValueError(f"'remove' must be None, 'wire' or 'rewrite' (got {remove!r})")

    depth = {"wire": 0}
    for node in docs:
        if parents[node] is not None:
            depth[node] = depth[parents[node]] + 1
        else:
            depth[node] = 0
    dates = {n: f"2025-05-{15 + depth[n]:02d}" for n in docs if n not in removed} if dated else {}
    ids = tuple(n for n in docs if n not in removed)
    return GeneratedCorpus(
        ids=ids,
        texts=tuple("\n".join(docs[n]) for n in ids),
        parents=parents,
        dates=dates,
        kind=f"news(seed={seed}, remove={remove})",
    )


def _copy(
    rng: np.random.Generator, tokens: list[tuple[int, str]], vocabulary: list[str], rate: float
):
    """One scribe's copy: substitutions, omissions of 1-3 words, adjacent transpositions."""
    out: list[tuple[int, str]] = []
    i = 0
    while i < len(tokens):
        r = rng.random()
        if r < rate * 0.3:  # omission
            i += int(rng.integers(1, 4))
            continue
        position, word = tokens[i]
        if r < rate * 0.8:  # substitution
            word = vocabulary[int(rng.integers(len(vocabulary)))]
        out.append((position, word))
        i += 1
    for _ in range(int(rng.poisson(len(out) * rate * 0.2))):
        j = int(rng.integers(0, len(out) - 1))
        out[j], out[j + 1] = out[j + 1], out[j]
    return out


def manuscript_corpus(
    seed: int,
    *,
    n_copies: int = 20,
    lost_fraction: float = 0.3,
    n_contaminated: int = 2,
    words: int = 400,
    rate: float = 0.03,
) -> GeneratedCorpus:
    """Generate a manuscript tradition: a root text copied down a random tree.

    Parameters
    ----------
    seed
        Random seed.
    n_copies
        Copies made (the root excluded).
    lost_fraction
        Share of the copies that are lost; the root is lost too with probability 1/2.
    n_contaminated
        Copies made from two exemplars (the first half of the text from one, the rest from
        the other); their second exemplar is recorded in ``secondary``.
    words
        Length of the root text in words (taken from the seed articles).
    rate
        Per-word chance of a scribal change in each copy.

    Returns
    -------
    GeneratedCorpus
        Node ids ``m00`` (the root), ``m01``...
    """
    rng = np.random.default_rng(seed)
    _, _, _, vocabulary = _pools()
    seeds = seed_texts()
    source_words = " ".join(seeds[k] for k in sorted(seeds)).split()
    start = int(rng.integers(0, len(source_words) - words))
    root = list(enumerate(source_words[start : start + words]))
    texts = {"m00": root}
    parents: dict[str, str | None] = {"m00": None}
    secondary: dict[str, str] = {}
    contaminated = set(
        rng.choice(np.arange(3, n_copies + 1), size=n_contaminated, replace=False).tolist()
    )
    for k in range(1, n_copies + 1):
        name = f"m{k:02d}"
        existing = list(texts)
        exemplar = existing[int(rng.integers(len(existing)))]
        parents[name] = exemplar
        tokens = texts[exemplar]
        if k in contaminated:
            other = [e for e in existing if e != exemplar]
            second = other[int(rng.integers(len(other)))]
            secondary[name] = second
            cut = words // 2
            tokens = [t for t in tokens if t[0] < cut] + [t for t in texts[second] if t[0] >= cut]
        texts[name] = _copy(rng, tokens, vocabulary, rate)
    copies = [n for n in texts if n != "m00"]
    lost = set(rng.choice(copies, size=round(lost_fraction * len(copies)), replace=False).tolist())
    if rng.random() < 0.5:
        lost.add("m00")
    ids = tuple(n for n in texts if n not in lost)
    return GeneratedCorpus(
        ids=ids,
        texts=tuple(" ".join(w for _, w in texts[n]) for n in ids),
        parents=parents,
        secondary=secondary,
        kind=f"manuscripts(seed={seed})",
    )
