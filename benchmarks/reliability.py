"""Is ``confidence`` a probability? Fit the link model and print reliability tables.

Every labelled pair runs through the public API as a two-document corpus
(:func:`lineage.analyze`): PAN-13 training pairs (``01-no-plagiarism`` negative,
``02``-``05`` reuse with the known source in ``src/``). The suspicious document is dated
one day after its source (PAN builds it from the source), so the direction comes from the
dates and ``confidence`` is the probability that the edge links a real reuse pair; with
``--undated`` every pair runs a second time without dates and the direction found from
the text alone is reported.

Pairs are split as in :mod:`benchmarks.alignment` (a hash of the pair name: ``tune`` about
70%, ``holdout`` about 30%). ``--fit`` fits the link model (scikit-learn
``LogisticRegression`` on :data:`lineage.inference.confidence.FEATURES`) on the ``tune``
part only and writes its coefficients to ``lineage/inference/link_model.json``; run again
without ``--fit`` to measure the model through ``lineage.analyze``.

Prints, per split: the reliability table (bins 0.5-0.6 ... 0.9-1.0 of edge confidence:
edges, mean confidence, share right), the share of reuse pairs linked by an edge per
category, the share of negative pairs linked, and the direction accuracy.

Usage::

    python -m benchmarks.reliability [--per-category 200] [--seed 0] [--dates both] [--fit]
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

import lineage
from benchmarks.alignment import read_pairs, split_of
from lineage.inference.confidence import MODEL_FILE
from lineage.inference.evidence import FEATURES, edge_features, reuse_evidence
from lineage.inference.params import DEFAULTS

PAN = next(
    (
        place / "shared" / "data" / "pan13-train"
        for place in Path(__file__).resolve().parents[1:4]
        if (place / "shared" / "data" / "pan13-train").is_dir()
    ),
    Path("../shared/data/pan13-train"),
)
"""PAN-13 beside the checkout (``../shared/data``; a worktree sits one level deeper)."""
NEGATIVE = "01-no-plagiarism"
CATEGORIES = (
    NEGATIVE,
    "02-no-obfuscation",
    "03-random-obfuscation",
    "04-translation-obfuscation",
    "05-summary-obfuscation",
)
DATES = {"src": "2013-01-01", "susp": "2013-01-02"}
"""The source is dated one day before the suspicious document built from it."""
BINS = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
REUTERS_LABELS = Path(__file__).resolve().parent / "data" / "reuters_pairs.csv"
MODEL_PATH = Path(__file__).resolve().parents[1] / "lineage" / "inference" / MODEL_FILE


def sample_pairs(
    corpus: Path, per_category: int | None, seed: int
) -> list[tuple[str, str, str, str]]:
    """``(category, pair, susp, src)`` of up to ``per_category`` pairs a category, seeded."""
    rng = np.random.default_rng(seed)
    out = []
    for category in CATEGORIES:
        pairs = read_pairs(corpus, category)
        if per_category is not None and per_category < len(pairs):
            keep = np.sort(rng.choice(len(pairs), per_category, replace=False))
            pairs = [pairs[k] for k in keep]
        out += [(category, *pair) for pair in pairs]
    return out


def run_pair(corpus: Path, category: str, name: str, susp: str, src: str, *, dated: bool) -> dict:
    """Analyze one pair as a two-document corpus; its outcome and evidence features."""
    texts = {
        "susp": (corpus / "susp" / susp).read_text(encoding="utf-8"),
        "src": (corpus / "src" / src).read_text(encoding="utf-8"),
    }
    frame = pd.DataFrame({"id": list(texts), "text": list(texts.values())})
    if dated:
        frame["date"] = [DATES[doc] for doc in texts]
    analysis = lineage.analyze(frame)
    edges = analysis.edges[analysis.edges["rank"] == 1]
    direct = edges[edges["parent"].isin(list(texts)) & edges["child"].isin(list(texts))]
    row = dict(
        category=category,
        pair=name,
        split=split_of(name),
        reuse=category != NEGATIVE,
        dated=dated,
        passages=len(analysis.passages),
        linked=len(direct) > 0,
        parent=direct["parent"].iloc[0] if len(direct) else None,
        confidence=float(direct["confidence"].iloc[0]) if len(direct) else float("nan"),
        status=";".join(analysis.documents.get("parent_status", pd.Series(dtype=str)).astype(str)),
    )
    if len(analysis.passages):
        evidence = reuse_evidence(
            list(texts),
            list(texts.values()),
            analysis.passages,
            ngram=DEFAULTS.ngram,
            max_quote_chars=DEFAULTS.max_quote_chars,
        )
        features = edge_features(evidence, np.array([1, 0]), np.array([0, 1]))
        row["features_src_susp"], row["features_susp_src"] = features.tolist()
    return row


def reuters_rows(corpus: Path, labels: Path) -> pd.DataFrame:
    """Run every labelled Reuters pair, dated as published, as a two-document corpus.

    ``right`` for an edge: the pair is ``same_story`` and the edge's parent is the
    labelled source (either way when the label leaves the direction open).
    """
    from benchmarks.real_news import load_stories

    stories = load_stories(corpus).set_index("id")
    table = pd.read_csv(labels, dtype=str, keep_default_na=False)
    rows = []
    for pair in table.itertuples(index=False):
        frame = stories.loc[[pair.a, pair.b]].reset_index()
        analysis = lineage.analyze(frame)
        edges = analysis.edges[analysis.edges["rank"] == 1]
        direct = edges[
            edges["parent"].isin([pair.a, pair.b]) & edges["child"].isin([pair.a, pair.b])
        ]
        source = {"a_from_b": pair.b, "b_from_a": pair.a}.get(pair.direction)
        parent = direct["parent"].iloc[0] if len(direct) else None
        rows.append(
            dict(
                category=f"reuters-{pair.label}",
                pair=f"{pair.a}-{pair.b}",
                split="holdout" if pair.split == "heldout" else "tune",
                reuse=pair.label == "same_story",
                dated=True,
                passages=len(analysis.passages),
                linked=len(direct) > 0,
                parent=parent,
                right=bool(len(direct) and pair.label == "same_story" and source in (None, parent)),
                confidence=float(direct["confidence"].iloc[0]) if len(direct) else float("nan"),
            )
        )
    return pd.DataFrame(rows)


def collect(
    corpus: Path, pairs: Sequence[tuple[str, str, str, str]], *, dated: bool
) -> pd.DataFrame:
    """Run every pair; one row each (see :func:`run_pair`)."""
    return pd.DataFrame([run_pair(corpus, *pair, dated=dated) for pair in pairs])


def fit(rows: pd.DataFrame) -> dict:
    """Fit the link model on pairs with shared material, both orientations of each pair."""
    from sklearn.linear_model import LogisticRegression

    shared = rows[rows["features_src_susp"].notna()]
    x = np.array(list(shared["features_src_susp"]) + list(shared["features_susp_src"]))
    y = np.concatenate([shared["reuse"].to_numpy(bool)] * 2)
    model = LogisticRegression(C=1.0, max_iter=1000).fit(x, y)
    return dict(
        features=list(FEATURES),
        coef=[round(float(c), 6) for c in model.coef_[0]],
        intercept=round(float(model.intercept_[0]), 6),
        fitted_on=(
            f"PAN-13 training pairs, tune split, {len(shared)} pairs with shared material "
            f"({int(shared['reuse'].sum())} reuse, {int((~shared['reuse']).sum())} negative), "
            "both orientations; scikit-learn LogisticRegression(C=1.0)"
        ),
    )


def reliability_table(confidence: np.ndarray, right: np.ndarray) -> pd.DataFrame:
    """Bins 0.5-0.6 ... 0.9-1.0: edges, mean confidence, share right, and their gap."""
    rows = []
    for low, high in itertools.pairwise(BINS):
        inside = (confidence >= low) & ((confidence < high) | (high == 1.0))
        count = int(inside.sum())
        mean = float(confidence[inside].mean()) if count else float("nan")
        share = float(right[inside].mean()) if count else float("nan")
        rows.append(
            dict(
                bin=f"{low:.1f}-{high:.1f}",
                edges=count,
                mean_confidence=mean,
                share_right=share,
                gap=abs(share - mean) if count else float("nan"),
            )
        )
    return pd.DataFrame(rows)


def summary(rows: pd.DataFrame) -> str:
    """Reliability table, link rates per category and direction accuracy of some rows."""
    edges = rows[rows["linked"]]
    right = (edges["reuse"] & (edges["parent"] == "src")).to_numpy(bool)
    if "right" in edges:  # labelled pairs whose source is not called "src"
        right = edges["right"].fillna(False).to_numpy(bool) | right
    lines = [
        reliability_table(edges["confidence"].to_numpy(float), right).to_string(
            index=False, float_format="%.3f"
        )
    ]
    for category, part in rows.groupby("category"):
        lines.append(
            f"{category}: {len(part)} pairs, with passages {part['passages'].gt(0).mean():.3f}, "
            f"linked by an edge {part['linked'].mean():.3f}"
        )
    reuse = rows[rows["reuse"]]
    linked = reuse[reuse["linked"]]
    from_source = linked["right"] if "right" in linked else linked["parent"] == "src"
    lines.append(
        f"reuse pairs linked {reuse['linked'].mean():.3f} ({int(reuse['linked'].sum())}/"
        f"{len(reuse)}); negative pairs linked {rows.loc[~rows['reuse'], 'linked'].mean():.3f}; "
        f"direction right on linked reuse pairs "
        f"{from_source.mean() if len(linked) else float('nan'):.3f} "
        f"({int(from_source.sum())}/{len(linked)})"
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=PAN)
    parser.add_argument("--per-category", type=int, default=200, help="0: every pair")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--dates",
        choices=("dated", "undated", "both"),
        default="dated",
        help="run the pairs with dates (source first), without, or both",
    )
    parser.add_argument("--fit", action="store_true", help="fit and write link_model.json")
    parser.add_argument("--cache", type=Path, help="read/write the collected rows (JSONL)")
    parser.add_argument("--reuters", type=Path, help="Reuters JSONL(.gz): measure its labels")
    parser.add_argument("--labels", type=Path, default=REUTERS_LABELS)
    args = parser.parse_args(argv)
    if args.reuters:
        rows = reuters_rows(args.reuters, args.labels)
        for split in ("tune", "holdout"):
            part = rows[rows["split"] == split]
            print(f"\n== Reuters labelled pairs, {split} part ({len(part)} pairs) ==")
            print(summary(part))
        return
    started = time.perf_counter()
    if args.cache and args.cache.exists():
        rows = pd.read_json(args.cache, lines=True)
    else:
        pairs = sample_pairs(args.corpus, args.per_category or None, args.seed)
        runs = [
            collect(args.corpus, pairs, dated=dated)
            for dated in (True, False)
            if args.dates in ("both", "dated" if dated else "undated")
        ]
        rows = pd.concat(runs, ignore_index=True)
        if args.cache:
            rows.to_json(args.cache, orient="records", lines=True)
    if args.fit:
        model = fit(rows[rows["dated"].astype(bool) & (rows["split"] == "tune")])
        MODEL_PATH.write_text(json.dumps(model, indent=2) + "\n")
        print(f"wrote {MODEL_PATH}: {model}")
    pd.set_option("display.width", 160)
    for dated, by_dates in rows.groupby("dated", sort=False):
        for split in ("tune", "holdout"):
            part = by_dates[by_dates["split"] == split]
            label = "dated" if dated else "undated"
            print(f"\n== PAN-13, {label}, {split} part ({len(part)} pairs) ==")
            print(summary(part))
    print(f"\n{time.perf_counter() - started:.1f}s")


if __name__ == "__main__":
    main()
