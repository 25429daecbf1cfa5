"""Measure ``lineage`` on real 1987 Reuters wire copy against pairs labelled by reading.

Runs the public CLI, ``lineage analyze CORPUS --out DIR`` (so the report is made too),
reads its ``lineage.json`` and prints, for the ``tune`` and ``heldout`` labels apart:

- aligned-pair precision and recall of ``same_story`` pairs. A labelled pair is *aligned*
  when ``lineage`` reports at least one passage between the two stories that it does not
  itself mark as common material (a passage whose ``kind`` names a template, formula or
  common text, or whose ``commonness`` is 0.5 or more, is not counted: the tool has said it
  is not evidence of reuse). ``template`` and ``unrelated`` pairs are the negatives;

and, over every story of the run:

- spurious reuse: stories with ``reuse_fraction > 0.5`` whose best partner shares < 20% of
  their rare word 8-grams (rare: in at most 50 stories of the run), as a share of the
  stories called reused (and of all stories);
- missed reuse: stories having >= 80% of their word 8-grams in one other story but
  ``reuse_fraction < 0.5``, as a share of such stories (and of all stories);
- exact-duplicate groups (byte-identical texts) linked: every member connected to the
  others by passages or edges among the group.

Word 8-grams are counted here, not by ``lineage``: lower-cased runs of ASCII letters and
digits (scikit-learn's ``CountVectorizer``), so the yardstick does not share the measured
code's tokenizer.

It also writes ``labelled_edges.csv`` (for the confidence calibration): one row per
labelled pair with its label, split, whether it is aligned, and the edge ``lineage`` drew
between the two stories, with that edge's confidence.

    python -m benchmarks.real_news --corpus ../shared/data/reuters-21578/reuters-000-013.jsonl.gz \\
        [--labels benchmarks/data/reuters_pairs.csv] [--out /tmp/real_news]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer

NGRAM = 8
"""Words per n-gram of the spurious- and missed-reuse figures (issue 11)."""
RARE_DF = 50
"""An 8-gram is rare when at most this many stories of the run hold it (issue 11)."""
SPURIOUS_PARTNER_SHARE = 0.2
"""A reused story is spurious when no other story shares this share of its rare 8-grams."""
MISSED_PARTNER_SHARE = 0.8
"""A story with this share of its 8-grams in one other story is reuse ``lineage`` must see."""
REUSED = 0.5
"""``reuse_fraction`` above which a story is called reused."""
COMMON_KINDS = ("template", "formula", "common", "boilerplate")
"""Passage kinds that ``lineage`` uses to say a passage is not evidence of reuse."""
POSITIVE = "same_story"
LABELS = ("same_story", "template", "unrelated")
DIRECTIONS = ("a_from_b", "b_from_a", "unknown", "")
SPLITS = ("tune", "heldout")
DEFAULT_LABELS = Path(__file__).parent / "data" / "reuters_pairs.csv"


def load_stories(path: str | Path) -> pd.DataFrame:
    """Read the Reuters JSONL (optionally gzipped) as a table of ``id, text, date``.

    Examples
    --------
    >>> import tempfile, json, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "s.jsonl"
    >>> _ = p.write_text(json.dumps({"id": "r1", "text": "x", "date": "1987"}) + "\\n")
    >>> load_stories(p)["id"].tolist()
    ['r1']
    """
    frame = pd.read_json(path, lines=True, dtype=False)
    return frame[["id", "text", "date"]]


def ngram_incidence(texts: list[str], n: int = NGRAM) -> tuple[sp.csr_matrix, np.ndarray]:
    """Return the story x word n-gram incidence matrix and each n-gram's story count.

    Examples
    --------
    >>> m, df = ngram_incidence(["a b c", "A b, c!", "c d e"], n=2)
    >>> m.shape, sorted(df.tolist())
    ((3, 4), [1, 1, 2, 2])
    """
    vectorizer = CountVectorizer(
        token_pattern=r"[a-z0-9]+", ngram_range=(n, n), binary=True, dtype=np.int32
    )
    matrix = vectorizer.fit_transform(texts).tocsr()
    return matrix, np.asarray(matrix.sum(axis=0)).ravel()


def _restricted(matrix: sp.csr_matrix, df: np.ndarray, max_df: int | None) -> sp.csr_matrix:
    keep = df >= 1 if max_df is None else df <= max_df
    return matrix[:, np.flatnonzero(keep)].tocsr()


def shared_ngram_pairs(matrix: sp.csr_matrix, df: np.ndarray, max_df: int | None) -> pd.DataFrame:
    """Return every pair of stories sharing an n-gram held by at most ``max_df`` stories.

    The product is over n-grams, so its size is bounded by ``sum(df ** 2)`` over the kept
    n-grams (never stories squared when ``max_df`` bounds ``df``).

    Returns
    -------
    pandas.DataFrame
        ``i < j`` (row numbers) and ``shared`` (n-grams in common).

    Examples
    --------
    >>> m, df = ngram_incidence(["a b c d", "a b c x", "y z"], n=2)
    >>> shared_ngram_pairs(m, df, 50).values.tolist()
    [[0, 1, 2]]
    """
    sub = _restricted(matrix, df, max_df)
    product = sp.triu(sub @ sub.T, k=1).tocoo()
    frame = pd.DataFrame({"i": product.row, "j": product.col, "shared": product.data})
    return frame[frame["shared"] > 0].sort_values(["i", "j"], ignore_index=True)


def best_partner_share(matrix: sp.csr_matrix, df: np.ndarray, max_df: int | None) -> np.ndarray:
    """Return, per story, the largest share of its n-grams that one other story holds.

    Only n-grams held by at most ``max_df`` stories count, in the numerator and the
    denominator (``None``: all). A story without such n-grams has share 0.

    Examples
    --------
    >>> m, df = ngram_incidence(["a b c d e", "a b c d", "x y"], n=2)
    >>> best_partner_share(m, df, None).round(2).tolist()
    [0.75, 1.0, 0.0]
    """
    sub = _restricted(matrix, df, max_df)
    product = (sub @ sub.T).tolil()
    product.setdiag(0)
    best = np.asarray(product.tocsr().max(axis=1).todense()).ravel().astype(float)
    own = np.asarray(sub.sum(axis=1)).ravel()
    return np.divide(best, own, out=np.zeros_like(best), where=own > 0)


def reuse_rates(
    reuse_fraction: np.ndarray, rare_share: np.ndarray, all_share: np.ndarray, n_grams: np.ndarray
) -> dict[str, float]:
    """Return the spurious- and missed-reuse counts and rates over the stories of a run.

    Parameters
    ----------
    reuse_fraction
        ``lineage``'s figure per story.
    rare_share
        Best partner's share of the story's rare 8-grams (:func:`best_partner_share`).
    all_share
        Best partner's share of all the story's 8-grams.
    n_grams
        The story's number of distinct 8-grams (a story without any is never "missed").

    Examples
    --------
    >>> r = reuse_rates(np.array([0.9, 0.9, 0.1, 0.0]), np.array([0.1, 0.9, 0.9, 0.0]),
    ...                 np.array([0.1, 0.9, 0.9, 0.0]), np.array([5, 5, 5, 0]))
    >>> r["spurious"], r["reused"], r["missed"], r["should_link"]
    (1, 2, 1, 2)
    """
    reused = reuse_fraction > REUSED
    spurious = reused & (rare_share < SPURIOUS_PARTNER_SHARE)
    should = (n_grams > 0) & (all_share >= MISSED_PARTNER_SHARE)
    missed = should & (reuse_fraction < REUSED)
    n = len(reuse_fraction)
    return {
        "stories": n,
        "reused": int(reused.sum()),
        "spurious": int(spurious.sum()),
        "spurious_rate": spurious.sum() / max(reused.sum(), 1),
        "spurious_of_all": spurious.sum() / max(n, 1),
        "should_link": int(should.sum()),
        "missed": int(missed.sum()),
        "missed_rate": missed.sum() / max(should.sum(), 1),
        "missed_of_all": missed.sum() / max(n, 1),
    }


def evidence_passages(passages: pd.DataFrame) -> pd.DataFrame:
    """Drop the passages ``lineage`` itself marks as common material (not evidence).

    Examples
    --------
    >>> p = pd.DataFrame({"a": ["x", "x"], "b": ["y", "z"], "kind": ["prose", "template"]})
    >>> evidence_passages(p)["b"].tolist()
    ['y']
    """
    keep = np.ones(len(passages), dtype=bool)
    if "kind" in passages:
        keep &= ~passages["kind"].isin(COMMON_KINDS).to_numpy()
    if "commonness" in passages:
        keep &= ~(passages["commonness"].fillna(0).to_numpy() >= 0.5)
    return passages[keep]


def unordered(a: pd.Series, b: pd.Series) -> list[frozenset[str]]:
    """Return each row's pair as an unordered key."""
    return [frozenset((x, y)) for x, y in zip(a, b, strict=True)]


def precision_recall(labels: pd.DataFrame, aligned: set[frozenset[str]]) -> pd.DataFrame:
    """Return aligned-pair precision and recall of ``same_story`` per split.

    Examples
    --------
    >>> labels = pd.DataFrame({"a": ["r1", "r1", "r2", "r3"], "b": ["r2", "r3", "r3", "r4"],
    ...     "label": ["same_story", "same_story", "template", "unrelated"],
    ...     "split": ["heldout"] * 4})
    >>> row = precision_recall(labels, {frozenset(("r1", "r2")), frozenset(("r2", "r3"))})
    >>> row.loc["heldout", ["precision", "recall"]].tolist()
    [0.5, 0.5]
    """
    hit = np.array([key in aligned for key in unordered(labels["a"], labels["b"])], dtype=bool)
    positive = (labels["label"] == POSITIVE).to_numpy()
    rows = {}
    for split in [s for s in SPLITS if (labels["split"] == s).any()]:
        mine = (labels["split"] == split).to_numpy()
        tp = int((mine & hit & positive).sum())
        fp = int((mine & hit & ~positive).sum())
        fn = int((mine & ~hit & positive).sum())
        rows[split] = {
            "pairs": int(mine.sum()),
            "same_story": int((mine & positive).sum()),
            "tp": tp,
            "fp": fp,
            "fn": fn,
            "precision": tp / (tp + fp) if tp + fp else float("nan"),
            "recall": tp / (tp + fn) if tp + fn else float("nan"),
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def duplicate_groups(ids: list[str], texts: list[str]) -> list[list[str]]:
    """Return the groups (two or more stories) of byte-identical texts.

    Examples
    --------
    >>> duplicate_groups(["r1", "r2", "r3"], ["x", "y", "x"])
    [['r1', 'r3']]
    """
    groups: dict[str, list[str]] = {}
    for story, text in zip(ids, texts, strict=True):
        groups.setdefault(text, []).append(story)
    return [g for g in groups.values() if len(g) > 1]


def groups_linked(groups: list[list[str]], links: list[tuple[str, str]]) -> int:
    """Return how many groups are connected by the links among their own members.

    Examples
    --------
    >>> groups_linked([["a", "b", "c"], ["d", "e"]], [("a", "b"), ("c", "b"), ("d", "x")])
    1
    """
    graph = nx.Graph(links)
    return sum(all(m in graph for m in g) and nx.is_connected(graph.subgraph(g)) for g in groups)


def pair_relations(labels: pd.DataFrame, edges: pd.DataFrame) -> pd.DataFrame:
    """Return, per labelled pair, the edge ``lineage`` drew between its two stories.

    ``edge`` is ``a_from_b`` (b is a's parent), ``b_from_a``, ``siblings`` (both children
    of one latent source) or empty; ``confidence`` is that of the direct edge, or the
    lower of the two sibling edges.

    Examples
    --------
    >>> labels = pd.DataFrame({"a": ["r1", "r3"], "b": ["r2", "r4"]})
    >>> edges = pd.DataFrame({"parent": ["r1", "latent:1", "latent:1"],
    ...     "child": ["r2", "r3", "r4"], "confidence": [0.9, 0.8, 0.6]})
    >>> pair_relations(labels, edges)[["edge", "confidence"]].values.tolist()
    [['b_from_a', 0.9], ['siblings', 0.6]]
    """
    parent = dict(zip(edges["child"], edges["parent"], strict=True))
    confidence = dict(zip(edges["child"], edges["confidence"], strict=True))
    kinds, values = [], []
    for a, b in zip(labels["a"], labels["b"], strict=True):
        if parent.get(a) == b:
            kinds.append("a_from_b")
            values.append(confidence[a])
        elif parent.get(b) == a:
            kinds.append("b_from_a")
            values.append(confidence[b])
        elif parent.get(a) is not None and parent.get(a) == parent.get(b):
            kinds.append("siblings")
            values.append(min(confidence[a], confidence[b]))
        else:
            kinds.append("")
            values.append(float("nan"))
    return pd.DataFrame({"edge": kinds, "confidence": values}, index=labels.index)


def run_cli(corpus: Path, out: Path) -> tuple[dict, float]:
    """Run ``lineage analyze CORPUS --out OUT`` in a fresh process; return its JSON, seconds."""
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "lineage", "analyze", str(corpus), "--out", str(out)], check=True
    )
    seconds = time.perf_counter() - start
    return json.loads((out / "lineage.json").read_text()), seconds


def first_and_labelled(frame: pd.DataFrame, labels: pd.DataFrame, n: int) -> pd.DataFrame:
    """The first ``n`` rows of ``frame`` and every row a label names (a short run keeps them).

    Examples
    --------
    >>> frame = pd.DataFrame({"id": ["x", "y", "z"]})
    >>> first_and_labelled(frame, pd.DataFrame({"a": ["z"], "b": ["q"]}), 1)["id"].tolist()
    ['x', 'z']
    """
    wanted = set(labels["a"]) | set(labels["b"])
    return frame[(np.arange(len(frame)) < n) | frame["id"].isin(wanted)]


def analyze_or_reuse(
    corpus: Path, out: Path, rows: pd.DataFrame, *, subset: bool, reuse: bool, noun: str
) -> dict:
    """``lineage.json`` of ``lineage analyze`` on ``rows`` of ``corpus``, run into ``OUT/lineage``.

    A ``subset`` of the corpus is written to ``OUT/corpus.jsonl`` and analysed instead of
    ``corpus``; with ``reuse``, an earlier run's output in ``OUT`` is read, not made again.
    """
    if subset:
        corpus = out / "corpus.jsonl"
        rows.to_json(corpus, orient="records", lines=True)
    previous = out / "lineage" / "lineage.json"
    if reuse and previous.exists():
        print(f"{len(rows)} {noun}, lineage output of an earlier run: {previous}")
        return json.loads(previous.read_text())
    result, seconds = run_cli(corpus, out / "lineage")
    print(f"{len(rows)} {noun}, lineage analyze {seconds:.0f} s wall")
    return result


def evaluate(stories: pd.DataFrame, result: dict, labels: pd.DataFrame) -> dict:
    """Return every figure of the benchmark for one run of ``lineage`` on ``stories``."""
    ids, texts = stories["id"].tolist(), stories["text"].tolist()
    documents = pd.DataFrame(result["documents"]).set_index("id").reindex(ids)
    passages = pd.DataFrame(result["passages"], columns=None)
    evidence = evidence_passages(passages) if len(passages) else passages
    aligned = set(unordered(evidence["a"], evidence["b"])) if len(evidence) else set()
    edges = pd.DataFrame(result["edges"], columns=["parent", "child", "confidence"])
    matrix, df = ngram_incidence(texts)
    rates = reuse_rates(
        documents["reuse_fraction"].fillna(0).to_numpy(),
        best_partner_share(matrix, df, RARE_DF),
        best_partner_share(matrix, df, None),
        np.asarray(matrix.sum(axis=1)).ravel(),
    )
    groups = duplicate_groups(ids, texts)
    links = list(zip(evidence["a"], evidence["b"], strict=True)) if len(evidence) else []
    links += list(zip(edges["parent"], edges["child"], strict=True))
    present = set(ids)
    labels = labels[labels["a"].isin(present) & labels["b"].isin(present)]
    relations = pair_relations(labels, edges)
    keys = unordered(labels["a"], labels["b"])
    table = labels.assign(aligned=[k in aligned for k in keys], **relations)
    return {
        "precision_recall": precision_recall(labels, aligned),
        "rates": rates,
        "duplicate_groups": len(groups),
        "duplicate_groups_linked": groups_linked(groups, links),
        "edges": table.drop(columns=["reason"], errors="ignore"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True, help="Reuters JSONL(.gz)")
    parser.add_argument("--labels", type=Path, default=DEFAULT_LABELS)
    parser.add_argument("--out", type=Path, default=Path("real_news_out"))
    parser.add_argument("--stories", type=int, help="only the first N stories (+ labelled ones)")
    parser.add_argument(
        "--reuse", action="store_true", help="measure OUT/lineage/lineage.json again, no new run"
    )
    args = parser.parse_args()
    stories = load_stories(args.corpus)
    labels = pd.read_csv(args.labels, dtype=str, keep_default_na=False)
    if args.stories is not None:
        stories = first_and_labelled(stories, labels, args.stories)
    args.out.mkdir(parents=True, exist_ok=True)
    result = analyze_or_reuse(
        args.corpus, args.out, stories, subset=args.stories is not None, reuse=args.reuse,
        noun="stories",
    )  # fmt: skip
    figures = evaluate(stories, result, labels)
    print(figures["precision_recall"].to_string(float_format=lambda x: f"{x:.3f}"))
    rates = figures["rates"]
    print(
        f"spurious reuse: {rates['spurious']} of {rates['reused']} reused stories "
        f"({rates['spurious_rate']:.1%}; {rates['spurious_of_all']:.1%} of all stories)"
    )
    print(
        f"missed reuse: {rates['missed']} of {rates['should_link']} stories with >= 80% of "
        f"their 8-grams in another ({rates['missed_rate']:.1%}; "
        f"{rates['missed_of_all']:.1%} of all stories)"
    )
    print(
        f"exact-duplicate groups linked: {figures['duplicate_groups_linked']} of "
        f"{figures['duplicate_groups']}"
    )
    figures["edges"].to_csv(args.out / "labelled_edges.csv", index=False)
    print(f"labelled pairs with lineage's edges: {args.out / 'labelled_edges.csv'}")


if __name__ == "__main__":
    main()
