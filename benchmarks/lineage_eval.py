"""Score source and lineage inference on generated corpora with known truth.

Runs the real pipeline on every corpus: :func:`lineage.api.analyze` normalizes, finds
candidate pairs, aligns them (:func:`lineage.align.align_normalized`) and splits the
passages into quotation and prose; then :func:`lineage.inference.infer_lineage` runs on
its pairs and passages (as ``analyze`` itself does), and the result is compared with
the truth of :mod:`benchmarks.lineage_corpus`.

Prints: parent accuracy on news-like corpora (with and without the wire or an
intermediate rewrite removed), parent accuracy and average sign similarity on
manuscript-like traditions, and a reliability table (confidence bins against the share
of edges that are right). Seeds below 100 were used while tuning; seeds from 100 up are
kept aside and reported separately.

Usage::

    python -m benchmarks.lineage_eval [--seeds 5]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from benchmarks.lineage_corpus import GeneratedCorpus, manuscript_corpus, news_corpus
from benchmarks.stemma import match_latents, parent_accuracy, sign_similarity
from lineage.api import analyze
from lineage.inference import InferenceParams, Lineage, infer_lineage

TUNING_SEEDS = range(0, 100)
HELD_OUT_SEEDS = range(100, 200)


def pipeline_tables(
    ids: Sequence[str], texts: Sequence[str], dates: Mapping[str, str] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run the real pipeline (:func:`lineage.api.analyze`) and return its pairs and passages."""
    frame = pd.DataFrame({"id": list(ids), "text": list(texts)})
    if dates:
        frame["date"] = [dates.get(doc) for doc in ids]
    analysis = analyze(frame)
    return analysis.pairs, analysis.passages


def run(corpus: GeneratedCorpus, *, use_dates: bool = False, **options) -> Lineage:
    """Run the pipeline and lineage inference (``options``: InferenceParams fields)."""
    dates = corpus.dates if use_dates else None
    pairs, passages = pipeline_tables(corpus.ids, corpus.texts, dates)
    params = InferenceParams(**options)
    return infer_lineage(
        corpus.ids, corpus.texts, passages, pairs=pairs, dates=dates, params=params
    )


def edge_outcomes(corpus: GeneratedCorpus, result: Lineage) -> list[tuple[float, bool]]:
    """(confidence, right) for every primary parent decision, 'no parent' included."""
    truth = corpus.true_parents()
    inferred = dict(zip(result.documents["id"], result.documents["parent"], strict=True))
    inferred = {k: (None if pd.isna(v) else v) for k, v in inferred.items()}
    mapping = match_latents(truth, inferred, corpus.ids)
    out = []
    for row in result.documents.itertuples(index=False):
        parent = None if pd.isna(row.parent) else mapping.get(row.parent, row.parent)
        out.append((float(row.parent_confidence), parent == truth.get(row.id)))
    return out


def score(corpus: GeneratedCorpus, result: Lineage) -> dict[str, float]:
    """Parent accuracy and (for traditions) sign similarity of one run."""
    inferred = {
        row.id: (None if pd.isna(row.parent) else row.parent)
        for row in result.documents.itertuples(index=False)
    }
    out = {
        "parent_accuracy": parent_accuracy(corpus.true_parents(), inferred, corpus.ids),
        "documents": len(corpus.ids),
    }
    # Distances over the inferred forest, links left "not enough evidence" included.
    out["sign_similarity"] = sign_similarity(corpus.true_graph(), result.forest(), list(corpus.ids))
    return out


def reliability(outcomes: list[tuple[float, bool]]) -> pd.DataFrame:
    """Confidence bins against the share of decisions that are right."""
    frame = pd.DataFrame(outcomes, columns=["confidence", "right"])
    bins = [0.0, 0.2, 0.4, 0.6, 0.8, 0.9, 1.0001]
    frame["bin"] = pd.cut(frame["confidence"], bins, right=False)
    table = frame.groupby("bin", observed=False).agg(
        decisions=("right", "size"), right=("right", "mean"), mean_confidence=("confidence", "mean")
    )
    high = frame[frame["confidence"] >= 0.8]
    table.loc[">= 0.8"] = [len(high), high["right"].mean(), high["confidence"].mean()]
    return table


SETTINGS: list[tuple[str, dict[str, object]]] = [
    ("news", dict(remove=None)),
    ("news, chain wire>r1>s1", dict(n_rewrites=1, n_second=1, n_independent=1)),
    ("news, wire removed", dict(remove="wire")),
    ("news, rewrite removed", dict(remove="rewrite")),
    ("news, dated", dict(remove=None, dated=True)),
    ("manuscripts", dict(n_copies=20)),
]


def generate(name: str, options: Mapping[str, object], seed: int) -> GeneratedCorpus:
    """The corpus of one setting and seed."""
    if name.startswith("manuscripts"):
        return manuscript_corpus(seed, **options)
    return news_corpus(seed, **options)


def secondary_outcomes(corpus: GeneratedCorpus, result: Lineage) -> tuple[int, int, int]:
    """(secondary edges inferred, of them true second exemplars, true contaminations)."""
    secondary = result.edges[result.edges["rank"] == 2]
    right = sum(
        corpus.secondary.get(c) == p
        for p, c in zip(secondary["parent"], secondary["child"], strict=True)
    )
    return len(secondary), right, len(corpus.secondary)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5, help="seeds per setting and split")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    rows = []
    outcomes: dict[str, list[tuple[float, bool]]] = {"tuning": [], "held-out": []}
    for split, seeds in (("tuning", TUNING_SEEDS), ("held-out", HELD_OUT_SEEDS)):
        for name, options in SETTINGS:
            scores, secondary = [], np.zeros(3, dtype=int)
            for seed in list(seeds)[: args.seeds]:
                corpus = generate(name, options, seed)
                result = run(corpus, use_dates=bool(options.get("dated")))
                scores.append(score(corpus, result))
                secondary += secondary_outcomes(corpus, result)
                outcomes[split] += edge_outcomes(corpus, result)
            rows.append(
                dict(
                    split=split,
                    setting=name,
                    corpora=len(scores),
                    documents=sum(s["documents"] for s in scores),
                    parent_accuracy=np.mean([s["parent_accuracy"] for s in scores]),
                    sign_similarity=np.mean([s["sign_similarity"] for s in scores]),
                    secondary_found_right_true="/".join(str(v) for v in secondary),
                )
            )
    table = pd.DataFrame(rows)
    pd.set_option("display.width", 160)
    print(table.to_string(index=False, float_format="%.3f"))
    news = table[table["setting"].str.startswith("news")]
    for split, part in news.groupby("split", sort=False):
        pooled = np.average(part["parent_accuracy"], weights=part["documents"])
        print(f"news parent accuracy, all settings pooled by document ({split}): {pooled:.3f}")
    for split, values in outcomes.items():
        print(f"\nReliability ({split}): confidence bin -> share of parent decisions right")
        print(reliability(values).to_string(float_format="%.3f"))
    print(f"\n{time.perf_counter() - started:.1f}s")


if __name__ == "__main__":
    main()
