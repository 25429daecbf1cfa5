"""Is ``confidence`` a probability? Fit the confidence model and print reliability tables.

Two kinds of labelled real pairs, each split into a part the model is fitted on and a part
only measured:

- **Reuters** (``--reuters DIR``): the output of a whole-corpus run of
  ``python -m benchmarks.real_news --corpus ... --out DIR`` (``DIR/lineage/lineage.json``,
  ``DIR/corpus.jsonl`` and ``DIR/labelled_edges.csv``: the pairs labelled by reading,
  ``benchmarks/data/reuters_pairs.csv``, with their ``tune``/``heldout`` split). The features
  are those the corpus run gave the pair (its passages, their commonness, the pairs
  table's informative containment), as a user sees them.
- **PAN-13** training pairs (``--pan``): each pair a two-document corpus through
  :func:`lineage.analyze`, the source dated one day before the suspicious document; split
  by a hash of the pair's name (:func:`benchmarks.alignment.split_of`: ``tune`` ~70%,
  ``holdout`` ~30%). A pair is reuse (with the known source) when its truth file holds a
  plagiarism case: every pair of ``02``-``04``, but only 238 of the 1,185 pairs listed in
  ``05-summary-obfuscation`` (the others pair a summary with an unrelated source: the
  truth gives them no case, they are negatives, reported as ``05-summary-no-case``);
  ``01-no-plagiarism`` is negative. ``--pan FILE`` keeps the analysed tables, so later
  runs only re-run inference.

``--fit`` fits the link model (gradient-boosted trees on
:data:`lineage.inference.model.FEATURES`, the ``tune`` rows of both, each source weighing
the same) and writes ``lineage/inference/confidence_model.json``; run again without
``--fit`` to measure.

Every table re-runs :func:`lineage.inference.infer_lineage` (what :func:`lineage.analyze`
calls) on the saved tables, with the stories' dates (as the CLI passes them) and without,
so a refitted model is measured on the same corpus run without running it again.

An edge is right when the pair is reuse and, for an edge that claims a direction (``status``
"parent"), its parent is the source; its stated probability is ``confidence``. An edge whose
direction is "not enough evidence" claims only the link: it is right when the pair is reuse,
and its stated probability is ``link_confidence``.

Usage::

    python -m benchmarks.reliability --reuters DIR --pan FILE [--per-category 200] [--fit]
"""

from __future__ import annotations

import argparse
import itertools
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

import lineage
from benchmarks.alignment import read_pairs, read_truth, split_of
from lineage import schema
from lineage.inference import infer_lineage
from lineage.inference.confidence import HAS_PARENT
from lineage.inference.evidence import (
    edge_features,
    informative_of,
    reuse_evidence,
)
from lineage.inference.model import DIRECTION_FEATURES, FEATURES, MODEL_FILE
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
NO_CASE = "05-summary-no-case"
"""Pairs listed in ``05-summary-obfuscation`` whose truth holds no case: negatives."""
NEGATIVES = (NEGATIVE, NO_CASE)
DATES = {"src": "2013-01-01", "susp": "2013-01-02"}
"""The source is dated one day before the suspicious document built from it."""
BINS = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
MODEL_PATH = Path(__file__).resolve().parents[1] / "lineage" / "inference" / MODEL_FILE
HELDOUT = {"tune": "tune", "heldout": "heldout", "holdout": "heldout"}
"""Split names of the two label sets, as one."""


def has_case(corpus: Path, category: str, name: str) -> bool:
    """Whether the truth file of pair ``name`` holds a plagiarism case (the pair is reuse)."""
    return bool(read_truth(corpus, category, name))


def labelled_pairs(corpus: Path) -> dict[str, list[tuple[str, str, str]]]:
    """``(pair, susp, src)`` of every PAN pair by label: its folder, or :data:`NO_CASE`."""
    out: dict[str, list[tuple[str, str, str]]] = {}
    for category in CATEGORIES:
        for pair in read_pairs(corpus, category):
            label = category
            if category != NEGATIVE and not has_case(corpus, category, pair[0]):
                label = NO_CASE
            out.setdefault(label, []).append(pair)
    return out


def sample_pairs(
    corpus: Path, per_category: int | None, seed: int
) -> list[tuple[str, str, str, str]]:
    """``(label, pair, susp, src)`` of up to ``per_category`` pairs a label, seeded.

    Labels are :data:`CATEGORIES` and :data:`NO_CASE` (:func:`labelled_pairs`).
    """
    rng = np.random.default_rng(seed)
    out = []
    for label, pairs in labelled_pairs(corpus).items():
        if per_category is not None and per_category < len(pairs):
            keep = np.sort(rng.choice(len(pairs), per_category, replace=False))
            pairs = [pairs[k] for k in keep]
        out += [(label, *pair) for pair in pairs]
    return out


def pair_features(
    ids: Sequence[str], texts: Sequence[str], passages: pd.DataFrame, pairs: pd.DataFrame
) -> dict:
    """The link model's :data:`FEATURES` of the pair ``ids`` (as inference computes them).

    Returns ``features`` and ``shared`` (n-grams of material the two share).
    """
    evidence = reuse_evidence(ids, texts, passages, informative=informative_of(pairs))
    features = edge_features(evidence, np.array([0]), np.array([1]))[0].tolist()
    return dict(features=features, shared=int(evidence.shared[0, 1]))


def _texts(corpus: Path, susp: str, src: str) -> dict[str, str]:
    return {
        "susp": (corpus / "susp" / susp).read_text(encoding="utf-8"),
        "src": (corpus / "src" / src).read_text(encoding="utf-8"),
    }


def analyse_pan_pair(corpus: Path, category: str, name: str, susp: str, src: str) -> dict:
    """Analyse one PAN pair (dated) through :func:`lineage.analyze`; keep its tables."""
    texts = _texts(corpus, susp, src)
    frame = pd.DataFrame({"id": list(texts), "text": list(texts.values())})
    frame["date"] = [DATES[doc] for doc in texts]
    analysis = lineage.analyze(frame)
    return dict(
        category=category,
        pair=name,
        susp=susp,
        src=src,
        split=HELDOUT[split_of(name)],
        passages=analysis.passages.to_dict(orient="records"),
        pairs=analysis.pairs.to_dict(orient="records"),
    )


def _edge_between(edges: pd.DataFrame, a: str, b: str) -> dict | None:
    """The rank-1 edge between ``a`` and ``b`` either way, or ``None``."""
    rows = edges[
        (edges["rank"] == 1)
        & (
            ((edges["parent"] == a) & (edges["child"] == b))
            | ((edges["parent"] == b) & (edges["child"] == a))
        )
    ]
    return rows.iloc[0].to_dict() if len(rows) else None


def _outcome(edge: dict | None, reuse: bool, source: str | None) -> dict:
    """Whether an edge links the pair, what it claims and whether that is right."""
    if edge is None:
        return dict(linked=False, claimed=False, parent=None, confidence=np.nan, right=False)
    claimed = edge.get("status", HAS_PARENT) == HAS_PARENT
    right = reuse and (not claimed or source is None or edge["parent"] == source)
    return dict(
        linked=True,
        claimed=claimed,
        parent=edge["parent"],
        confidence=float(edge["confidence"] if claimed else edge["link_confidence"]),
        right=bool(right),
    )


def pan_rows(corpus: Path, cached: Sequence[dict]) -> pd.DataFrame:
    """Features and outcomes (dated and undated) of every analysed PAN pair."""
    rows = []
    for item in cached:
        texts = _texts(corpus, item["susp"], item["src"])
        passages = pd.DataFrame(item["passages"])
        pairs = pd.DataFrame(item["pairs"])
        reuse = item["category"] not in NEGATIVES
        base = dict(category=item["category"], pair=item["pair"], split=item["split"], reuse=reuse)
        features = dict(features=None, shared=0)
        if len(passages):
            features = pair_features(
                ["src", "susp"], [texts["src"], texts["susp"]], passages, pairs
            )
        for dated in (True, False):
            result = infer_lineage(
                ["susp", "src"],
                [texts["susp"], texts["src"]],
                passages if len(passages) else schema.frame("passages", []),
                pairs=pairs,
                dates=DATES if dated else None,
            )
            edge = _edge_between(result.edges, "src", "susp")
            rows.append(
                dict(
                    base,
                    dated=dated,
                    **features,
                    **_outcome(edge, reuse, "src"),
                )
            )
    return pd.DataFrame(rows)


def reuters_rows(run: Path) -> pd.DataFrame:
    """Features and outcomes (dated and undated) of the labelled pairs of a corpus run.

    Outcomes are the edges of :func:`infer_lineage` on the run's tables with the current
    model, with the stories' dates and without.
    """
    result = json.loads((run / "lineage" / "lineage.json").read_text())
    passages = schema.frame("passages", pd.DataFrame(result["passages"]))
    pairs = pd.DataFrame(result["pairs"])
    stories = pd.read_json(run / "corpus.jsonl", lines=True, dtype={"id": str, "date": str})
    texts = dict(zip(stories["id"], stories["text"], strict=True))
    ids = stories["id"].tolist()
    labels = pd.read_csv(run / "labelled_edges.csv", dtype=str, keep_default_na=False)
    by_pair = {
        key: part for key, part in passages.groupby([passages["a"], passages["b"]], sort=False)
    }
    pair_rows = {(a, b): k for k, (a, b) in enumerate(zip(pairs["a"], pairs["b"], strict=True))}
    # The run's tables through inference with the current model, with and without dates.
    dates = dict(zip(stories["id"], stories["date"], strict=True))
    outcomes = {
        dated: infer_lineage(
            ids, list(texts.values()), passages, pairs=pairs, dates=dates if dated else None
        ).edges
        for dated in (True, False)
    }
    rows = []
    for label in labels.itertuples(index=False):
        key = (label.a, label.b) if label.a < label.b else (label.b, label.a)
        inside = by_pair.get(key)
        features = dict(features=None, shared=0)
        if inside is not None:
            row = pairs.iloc[[pair_rows[key]]] if key in pair_rows else pairs.iloc[[]]
            features = pair_features(list(key), [texts[key[0]], texts[key[1]]], inside, row)
        source = {"b_from_a": label.a, "a_from_b": label.b}.get(label.direction)
        reuse = label.label == "same_story"
        for dated, edges in outcomes.items():
            edge = _edge_between(edges, label.a, label.b)
            rows.append(
                dict(
                    category=f"reuters-{label.label}",
                    pair=f"{label.a}-{label.b}",
                    split=HELDOUT[label.split],
                    reuse=reuse,
                    dated=dated,
                    **features,
                    **_outcome(edge, reuse, source),
                )
            )
    return pd.DataFrame(rows)


LINK_SETTINGS = dict(
    max_depth=3, max_iter=50, learning_rate=0.1, min_samples_leaf=20, early_stopping=False
)
"""Gradient boosting of the link model: 50 shallow trees (few labelled pairs)."""
MONOTONE = {"log_shared": 1, "shorter_share": 1, "commonness": -1, "log_aligned_chars": 1}
"""More (or longer) shared material never makes reuse less probable; more common never more."""
DIRECTION_PRIOR = [1.5, 5.0, 5.0, 0.0, 0.0]
"""Direction weights (family, size, trim, ...): a prior for news, where a copy abridges.

Not fitted: on the labelled real pairs the length cues point opposite ways by genre (a
PAN-13 suspicious document expands its source; a news rewrite abridges it), so no
weights fit both (see benchmarks/README.md, reliability).
"""


def _export_trees(model: object) -> list[dict]:
    """The fitted trees of a ``HistGradientBoostingClassifier`` as plain arrays."""
    trees = []
    for (predictor,) in model._predictors:
        nodes = predictor.nodes
        trees.append(
            {
                "feature": nodes["feature_idx"].astype(int).tolist(),
                "threshold": [round(float(t), 9) for t in nodes["num_threshold"]],
                "left": nodes["left"].astype(int).tolist(),
                "right": nodes["right"].astype(int).tolist(),
                "value": [round(float(v), 9) for v in nodes["value"]],
                "leaf": nodes["is_leaf"].astype(bool).tolist(),
            }
        )
    return trees


def fit(rows: pd.DataFrame) -> dict:
    """Fit the link model on the ``tune`` rows; return the JSON object of the model.

    Each source of labels weighs the same in total (PAN-13 has five times the pairs).
    """
    from sklearn.ensemble import HistGradientBoostingClassifier

    tune = rows[(rows["split"] == "tune") & rows["dated"] & rows["features"].notna()]
    # Only pairs above the floor of evidence can be related: fit on those.
    tune = tune[tune["shared"] >= DEFAULTS.min_shared]
    x = np.array(tune["features"].tolist(), dtype=float)
    reuters = tune["category"].str.startswith("reuters").to_numpy(bool)
    weight = np.where(reuters, 1.0, reuters.sum() / max((~reuters).sum(), 1))
    model = HistGradientBoostingClassifier(
        monotonic_cst=[MONOTONE.get(name, 0) for name in FEATURES], random_state=0, **LINK_SETTINGS
    ).fit(x, tune["reuse"].to_numpy(bool), sample_weight=weight)
    counts = tune.groupby(reuters)["reuse"].agg(["size", "sum"])
    described = "; ".join(
        f"{'Reuters whole-corpus run' if key else 'PAN-13 two-document runs'}: "
        f"{int(row['size'])} pairs with passages ({int(row['sum'])} reuse)"
        for key, row in counts.iterrows()
    )
    return {
        "link": {
            "features": list(FEATURES),
            "baseline": round(float(np.ravel(model._baseline_prediction)[0]), 9),
            "trees": _export_trees(model),
        },
        "direction": {"features": list(DIRECTION_FEATURES), "coef": DIRECTION_PRIOR},
        "fitted_on": (
            f"link: tune parts only ({described}; each source weighs the same), "
            f"scikit-learn HistGradientBoostingClassifier({LINK_SETTINGS}, monotone in "
            f"{sorted(MONOTONE)}), benchmarks/reliability.py --fit. direction: a prior for "
            "news (a copy abridges its source), not fitted: the labelled real pairs' length "
            "cues point opposite ways by genre"
        ),
    }


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
    """Reliability table, link rates per category and the direction found, of some rows."""
    edges = rows[rows["linked"]]
    table = reliability_table(edges["confidence"].to_numpy(float), edges["right"].to_numpy(bool))
    lines = [table.to_string(index=False, float_format="%.3f")]
    for category, part in rows.groupby("category"):
        lines.append(
            f"{category}: {len(part)} pairs, linked by an edge {part['linked'].mean():.3f}"
        )
    reuse = rows[rows["reuse"]]
    linked = reuse[reuse["linked"]]
    claimed = linked[linked["claimed"]]
    lines.append(
        f"reuse pairs linked {reuse['linked'].mean():.3f} ({int(reuse['linked'].sum())}/"
        f"{len(reuse)}); negative pairs linked {rows.loc[~rows['reuse'], 'linked'].mean():.3f}; "
        f"of the linked reuse pairs, direction claimed {len(claimed)}, right "
        f"{int(claimed['right'].sum())}; 'not enough evidence' {len(linked) - len(claimed)}"
    )
    return "\n".join(lines)


def load_cache(path: Path) -> list[dict]:
    """Analysed PAN pairs written by :func:`analyse_pan_pair` (one JSON object a line)."""
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def collect_pan(corpus: Path, pairs: Sequence[tuple[str, str, str, str]], cache: Path) -> None:
    """Analyse the PAN pairs not yet in ``cache`` and append them to it."""
    done = {item["pair"] for item in load_cache(cache)} if cache.exists() else set()
    with cache.open("a") as out:
        for category, name, susp, src in pairs:
            if name not in done:
                item = analyse_pan_pair(corpus, category, name, susp, src)
                out.write(json.dumps(item, default=str) + "\n")
                out.flush()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuters", type=Path, help="output folder of benchmarks.real_news")
    parser.add_argument("--pan", type=Path, help="analysed PAN pairs (JSONL), made if absent")
    parser.add_argument("--corpus", type=Path, default=PAN, help="PAN-13 training corpus")
    parser.add_argument("--per-category", type=int, default=200, help="0: every pair")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--fit", action="store_true", help=f"fit and write {MODEL_FILE}")
    parser.add_argument("--rows", type=Path, help="write the measured rows (JSONL) here")
    args = parser.parse_args(argv)
    parts = []
    if args.pan:
        collect_pan(
            args.corpus, sample_pairs(args.corpus, args.per_category or None, args.seed), args.pan
        )
        parts.append(pan_rows(args.corpus, load_cache(args.pan)))
    if args.reuters:
        parts.append(reuters_rows(args.reuters))
    if not parts:
        parser.error("give --reuters DIR and/or --pan FILE")
    rows = pd.concat(parts, ignore_index=True)
    if args.fit:
        model = fit(rows)
        MODEL_PATH.write_text(json.dumps(model) + "\n")
        print(f"wrote {MODEL_PATH}; refit rows with the new model by running again")
        return
    if args.rows:
        rows.to_json(args.rows, orient="records", lines=True)
    pd.set_option("display.width", 160)
    rows["source"] = np.where(rows["category"].str.startswith("reuters"), "Reuters", "PAN-13")
    for (source, dated, split), part in rows.groupby(["source", "dated", "split"], sort=False):
        print(f"\n== {source}, {'dated' if dated else 'undated'}, {split} ({len(part)} pairs) ==")
        print(summary(part))


if __name__ == "__main__":
    main()
