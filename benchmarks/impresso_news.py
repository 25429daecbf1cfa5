"""Measure ``lineage`` on OCR newspaper text in French: impresso 1900 and passim's clusters.

Runs the public CLI, ``lineage analyze CORPUS --out DIR``, on passages of the *Gazette de
Lausanne* and the *Journal de Genève* (``../shared/data/impresso-1900-h2/``), reads its
``lineage.json`` and prints:

- aligned-pair precision and recall of ``same_story`` pairs among the labelled pairs
  (``data/impresso_pairs.csv``, read by the rules of ``benchmarks/README.md``), per split,
  counted as :mod:`benchmarks.real_news` counts them (a pair is aligned when ``lineage``
  reports a passage between the two that it does not itself mark as common material);
- agreement with passim's clusters over the whole run: of the pairs of passages from
  different articles that passim put in one cluster, the share ``lineage`` aligns
  (*cluster recall*); of the pairs ``lineage`` aligns, the share passim put in one cluster
  (*cluster precision*); and of random pairs from different clusters, the share aligned
  (*random aligned*). passim's clusters are an algorithm's output, chained transitively and
  holding formulas (death notices, advertisements): read them as agreement, not truth.

Pairs of passages from one article are left out of every measure (passim's passages of
one article may overlap).

    python -m benchmarks.impresso_news \\
        --corpus ../shared/data/impresso-1900-h2/passages.jsonl.gz [--passages N] [--out DIR]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.real_news import (
    analyze_or_reuse,
    evidence_passages,
    first_and_labelled,
    precision_recall,
    unordered,
)

DEFAULT_LABELS = Path(__file__).parent / "data" / "impresso_pairs.csv"
RANDOM_PAIRS = 5_000
"""Random pairs from different passim clusters drawn to measure chance alignment."""
SEED = 20261203


def load_passages(path: str | Path) -> pd.DataFrame:
    """Read the impresso passages (JSONL, optionally gzipped) as a table.

    Examples
    --------
    >>> import tempfile, json, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "p.jsonl"
    >>> row = {"id": "A@0-9", "text": "x", "date": "1900-07-01", "outlet": "GDL",
    ...        "article": "A", "cluster": 3}
    >>> _ = p.write_text(json.dumps(row) + "\\n")
    >>> load_passages(p)[["id", "cluster"]].values.tolist()
    [['A@0-9', 3]]
    """
    frame = pd.read_json(path, lines=True, dtype=False)
    return frame[["id", "text", "date", "outlet", "article", "cluster"]]


def cluster_pairs(passages: pd.DataFrame) -> set[frozenset[str]]:
    """Return every pair of passages of one passim cluster from different articles.

    The pairs number ``sum(size ** 2)`` over clusters (at most 50 members here), never the
    corpus squared.

    Examples
    --------
    >>> frame = pd.DataFrame({"id": ["a1", "a2", "b", "c"], "article": ["A", "A", "B", "C"],
    ...                       "cluster": [1, 1, 1, 2]})
    >>> sorted(sorted(p) for p in cluster_pairs(frame))
    [['a1', 'b'], ['a2', 'b']]
    """
    out = set()
    for _, group in passages.groupby("cluster"):
        rows = list(zip(group["id"], group["article"], strict=True))
        for i, (a, article_a) in enumerate(rows):
            out.update(
                frozenset((a, b)) for b, article_b in rows[i + 1 :] if article_a != article_b
            )
    return out


def random_pairs(passages: pd.DataFrame, count: int, seed: int = SEED) -> set[frozenset[str]]:
    """Draw up to ``count`` pairs of passages from different clusters and articles.

    Examples
    --------
    >>> frame = pd.DataFrame({"id": list("abcd"), "article": list("ABCD"),
    ...                       "cluster": [1, 1, 2, 3]})
    >>> pairs = random_pairs(frame, 3)
    >>> len(pairs), frozenset("ab") in pairs
    (3, False)
    """
    rng = np.random.default_rng(seed)
    ids = passages["id"].to_numpy()
    article = passages["article"].to_numpy()
    cluster = passages["cluster"].to_numpy()
    out: set[frozenset[str]] = set()
    # A small corpus may hold fewer such pairs than asked: the draws are bounded.
    for _ in range(20 * count):
        if len(out) == count:
            break
        i, j = rng.integers(len(ids), size=2)
        if cluster[i] != cluster[j] and article[i] != article[j]:
            out.add(frozenset((ids[i], ids[j])))
    return out


def cluster_agreement(
    passages: pd.DataFrame, aligned: set[frozenset[str]], random_count: int = RANDOM_PAIRS
) -> dict[str, float]:
    """Return how ``lineage``'s aligned pairs agree with passim's clusters.

    Examples
    --------
    >>> frame = pd.DataFrame({"id": list("abcd"), "article": list("ABCD"),
    ...                       "cluster": [1, 1, 2, 2]})
    >>> agreement = cluster_agreement(frame, {frozenset("ab"), frozenset("ac")}, 2)
    >>> agreement["cluster_recall"], agreement["cluster_precision"]
    (0.5, 0.5)
    """
    article = dict(zip(passages["id"], passages["article"], strict=True))
    aligned = {p for p in aligned if len({article.get(x) for x in p}) == 2}
    truth = cluster_pairs(passages)
    chance = random_pairs(passages, random_count)
    hits = len(aligned & truth)
    return {
        "cluster_pairs": len(truth),
        "aligned_pairs": len(aligned),
        "cluster_recall": hits / len(truth) if truth else float("nan"),
        "cluster_precision": hits / len(aligned) if aligned else float("nan"),
        "random_pairs": len(chance),
        "random_aligned": len(aligned & chance) / len(chance) if chance else float("nan"),
    }


def aligned_pairs(passages: pd.DataFrame) -> set[frozenset[str]]:
    """Return the pairs with a passage ``lineage`` does not mark as common material."""
    evidence = evidence_passages(passages) if len(passages) else passages
    return set(unordered(evidence["a"], evidence["b"])) if len(evidence) else set()


def evaluate(frame: pd.DataFrame, passages: pd.DataFrame, labels: pd.DataFrame) -> dict:
    """Return every figure of the benchmark for one run's ``passages`` table."""
    aligned = aligned_pairs(passages)
    present = set(frame["id"])
    labels = labels[labels["a"].isin(present) & labels["b"].isin(present)]
    return {
        "precision_recall": precision_recall(labels, aligned),
        "clusters": cluster_agreement(frame, aligned),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True, help="impresso passages JSONL(.gz)")
    parser.add_argument("--labels", type=Path, default=DEFAULT_LABELS)
    parser.add_argument("--out", type=Path, default=Path("impresso_out"))
    parser.add_argument("--passages", type=int, help="only the first N passages (+ labelled)")
    parser.add_argument(
        "--reuse", action="store_true", help="measure OUT/lineage/lineage.json again, no new run"
    )
    args = parser.parse_args()
    frame = load_passages(args.corpus)
    labels = pd.read_csv(args.labels, dtype=str, keep_default_na=False)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.passages is not None:
        frame = first_and_labelled(frame, labels, args.passages)
    result = analyze_or_reuse(
        args.corpus, args.out, frame[["id", "text", "date", "outlet"]],
        subset=args.passages is not None, reuse=args.reuse, noun="passages",
    )  # fmt: skip
    figures = evaluate(frame, pd.DataFrame(result["passages"]), labels)
    print(figures["precision_recall"].to_string(float_format=lambda x: f"{x:.3f}"))
    c = figures["clusters"]
    print(
        f"passim cluster pairs aligned: {c['cluster_recall']:.3f} of {c['cluster_pairs']}; "
        f"aligned pairs in one passim cluster: {c['cluster_precision']:.3f} of "
        f"{c['aligned_pairs']}; random pairs aligned: {c['random_aligned']:.4f} of "
        f"{c['random_pairs']}"
    )


if __name__ == "__main__":
    main()
