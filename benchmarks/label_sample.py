"""Draw the seeded sample of Reuters story pairs that were labelled by reading.

The pairs are drawn so that reuse and the things that look like it are both present, and
mostly found independently of ``lineage``:

``e_duplicate``
    one pair from each of a few groups of stories that are identical after lower-casing
    and collapsing whitespace;
``a_rare_<lo>_<hi>``
    pairs sharing at least ``--min-rare`` rare word 8-grams (in at most 50 stories),
    in bins of their shared share (shared 8-grams over those of the shorter story);
``b_tfidf_<lo>_<hi>``
    pairs with a high TF-IDF cosine of their words that share at most ``--max-rare`` rare
    8-grams (same topic or same template), in bins of the cosine;
``c_lineage``
    pairs that ``lineage analyze`` aligns (at least one passage) on the first
    ``--lineage-docs`` stories (this stratum depends on the ``lineage`` version run);
``d_random``
    pairs of distinct stories drawn uniformly.

A pair is kept in the first stratum that draws it (order e, a, b, c, d). Its split is a
seeded hash of the pair, never of its content: ``tune`` (about 60%) or ``heldout``.

    python -m benchmarks.label_sample \\
        --corpus ../shared/data/reuters-21578/reuters-000-013.jsonl.gz \\
        --analyzed /tmp/c4000 --out /tmp/sample.csv
    python -m benchmarks.label_sample --corpus ... --show /tmp/sample.csv --rows 0:20

``--analyzed`` names the ``--out`` folder of ``lineage analyze`` run on the first
``--lineage-docs`` stories (without it the analysis is run here through the API). ``--show``
prints both texts of the chosen rows for reading; story text is never written to the repo.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import itertools
import json
import re
from difflib import SequenceMatcher
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer

from benchmarks.real_news import (
    RARE_DF,
    load_stories,
    ngram_incidence,
    shared_ngram_pairs,
)

SEED = 20261203
TUNE_FRACTION = 0.6
RARE_BINS = (0.0, 0.2, 0.5, 0.8, 1.0001)
COSINE_BINS = (0.5, 0.7, 0.9, 1.0001)
SIZES = {"e": 20, "a": 35, "b": 20, "c": 60, "d": 20}
"""Pairs drawn per stratum (per bin for a and b): about 300 in all."""
COLUMNS = ["a", "b", "label", "direction", "split", "stratum", "reason"]


def pair_split(a: str, b: str, seed: int = SEED) -> str:
    """Return ``tune`` or ``heldout`` from a seeded hash of the pair, never its content.

    Examples
    --------
    >>> pair_split("r1", "r2") == pair_split("r1", "r2")
    True
    """
    digest = hashlib.sha256(f"{seed}:{a}:{b}".encode()).digest()
    return "tune" if int.from_bytes(digest[:8], "big") / 2**64 < TUNE_FRACTION else "heldout"


def _newid(story: str) -> int:
    return int(story[1:])


def _ordered(a: str, b: str) -> tuple[str, str]:
    return (a, b) if _newid(a) < _newid(b) else (b, a)


def _duplicate_pairs(ids: list[str], texts: list[str]) -> list[tuple[str, str]]:
    """One pair (the two lowest ids) per group of texts equal after case/space folding."""
    groups: dict[str, list[str]] = {}
    for story, text in zip(ids, texts, strict=True):
        groups.setdefault(" ".join(text.lower().split()), []).append(story)
    return sorted(_ordered(*sorted(g, key=_newid)[:2]) for g in groups.values() if len(g) > 1)


def _differ(pairs: pd.DataFrame, folded: list[str]) -> np.ndarray:
    """Rows whose two texts differ after case/space folding (duplicates are stratum e)."""
    return np.array(
        [folded[i] != folded[j] for i, j in zip(pairs["i"], pairs["j"], strict=True)], dtype=bool
    )


def _id_pairs(pairs: pd.DataFrame, ids: list[str]) -> list[tuple[str, str]]:
    return [_ordered(ids[i], ids[j]) for i, j in zip(pairs["i"], pairs["j"], strict=True)]


def _tfidf_pairs(texts: list[str], floor: float, chunk: int = 500) -> pd.DataFrame:
    """Pairs of cosine >= floor, computed a block of rows at a time."""
    matrix = TfidfVectorizer(sublinear_tf=True, dtype=np.float32).fit_transform(texts)
    rows, cols, values = [], [], []
    for start in range(0, matrix.shape[0], chunk):
        block = (matrix[start : start + chunk] @ matrix.T).tocoo()
        keep = (block.data >= floor) & (block.row + start < block.col)
        rows.append(block.row[keep] + start)
        cols.append(block.col[keep])
        values.append(block.data[keep])
    return pd.DataFrame(
        {"i": np.concatenate(rows), "j": np.concatenate(cols), "cosine": np.concatenate(values)}
    )


def _lineage_pairs(corpus: Path, analyzed: Path | None, n_docs: int) -> set[tuple[str, str]]:
    if analyzed is not None:
        passages = json.loads((analyzed / "lineage.json").read_text())["passages"]
        frame = pd.DataFrame(passages, columns=["a", "b"])
    else:
        import lineage

        stories = load_stories(corpus).head(n_docs)
        frame = lineage.analyze(stories[["id", "text", "date"]]).passages
    return {_ordered(a, b) for a, b in zip(frame["a"], frame["b"], strict=True)}


def _draw(pool: list[tuple[str, str]], k: int, taken: set, rng: np.random.Generator) -> list:
    pool = sorted(set(pool) - taken, key=lambda p: (_newid(p[0]), _newid(p[1])))
    picked = [pool[i] for i in sorted(rng.choice(len(pool), min(k, len(pool)), replace=False))]
    taken.update(picked)
    return picked


def draw_sample(args: argparse.Namespace) -> pd.DataFrame:
    """Return the sampled pairs with their stratum and split (labels empty)."""
    rng = np.random.default_rng(args.seed)
    stories = load_stories(args.corpus)
    ids, texts = stories["id"].tolist(), stories["text"].tolist()
    folded = [" ".join(t.lower().split()) for t in texts]
    matrix, df = ngram_incidence(texts)
    sizes = np.asarray(matrix.sum(axis=1)).ravel()
    shared = shared_ngram_pairs(matrix, df, max_df=RARE_DF)
    shared = shared[_differ(shared, folded)]
    shared["share"] = shared["shared"] / np.minimum(sizes[shared["i"]], sizes[shared["j"]])
    taken: set[tuple[str, str]] = set()
    out: list[tuple[str, str, str]] = []

    def add(pairs: list[tuple[str, str]], stratum: str) -> None:
        size = SIZES[stratum.split("_")[0]]
        out.extend((a, b, stratum) for a, b in _draw(pairs, size, taken, rng))

    add(_duplicate_pairs(ids, texts), "e_duplicate")
    many = shared[shared["shared"] >= args.min_rare]
    for lo, hi in itertools.pairwise(RARE_BINS):
        part = many[(many["share"] >= lo) & (many["share"] < hi)]
        add(_id_pairs(part, ids), f"a_rare_{lo}_{min(hi, 1)}")
    cosine = _tfidf_pairs(texts, COSINE_BINS[0])
    few = shared[shared["shared"] > args.max_rare]
    too_many = set(zip(few["i"], few["j"], strict=True))
    keep = [p not in too_many for p in zip(cosine["i"], cosine["j"], strict=True)]
    cosine = cosine[np.array(keep, dtype=bool) & _differ(cosine, folded)]
    for lo, hi in itertools.pairwise(COSINE_BINS):
        part = cosine[(cosine["cosine"] >= lo) & (cosine["cosine"] < hi)]
        add(_id_pairs(part, ids), f"b_tfidf_{lo}_{min(hi, 1)}")
    add(sorted(_lineage_pairs(args.corpus, args.analyzed, args.lineage_docs)), "c_lineage")
    random = {
        _ordered(ids[i], ids[j])
        for i, j in rng.integers(0, len(ids), size=(4 * SIZES["d"], 2))
        if i != j
    }
    add(sorted(random), "d_random")
    sample = pd.DataFrame(out, columns=["a", "b", "stratum"])
    sample["split"] = [
        pair_split(a, b, args.seed) for a, b in zip(sample["a"], sample["b"], strict=True)
    ]
    for column in ("label", "direction", "reason"):
        sample[column] = ""
    return sample[COLUMNS]


def _diff_view(a: str, b: str, keep: int = 6) -> str:
    """Render ``b`` word by word against ``a``: ``{+added+}``, ``[-removed-]``, equal runs cut."""
    wa, wb = a.split(), b.split()
    out = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, wa, wb, autojunk=False).get_opcodes():
        if op == "equal":
            run = wb[j1:j2]
            if len(run) > 2 * keep:
                run = [*run[:keep], f"<...{len(run) - 2 * keep} same...>", *run[-keep:]]
            out.extend(run)
            continue
        if i2 > i1:
            out.append("[-" + " ".join(wa[i1:i2]) + "-]")
        if j2 > j1:
            out.append("{+" + " ".join(wb[j1:j2]) + "+}")
    return " ".join(out)


IMPRESSO_SIZES = {"f_cluster_2": 25, "g_cluster_3_9": 15, "h_cluster_10plus": 15, "d_random": 10}
"""Pairs drawn per stratum of the impresso sample (passim's cluster size here)."""


def draw_impresso(path: Path, seed: int = SEED) -> pd.DataFrame:
    """Return pairs of impresso passages from passim clusters of each size, and random pairs.

    A pair joins two passages of different articles: of one passim cluster (one pair per
    cluster, clusters drawn at random within the stratum) or, for ``d_random``, of
    different clusters.
    """
    rng = np.random.default_rng(seed)
    frame = pd.read_json(path, lines=True, dtype=False)
    members = frame.groupby("cluster").size()
    by_cluster = {c: g for c, g in frame.groupby("cluster")}
    strata = {
        "f_cluster_2": members[members == 2].index,
        "g_cluster_3_9": members[(members >= 3) & (members <= 9)].index,
        "h_cluster_10plus": members[members >= 10].index,
    }
    out = []
    for stratum, clusters in strata.items():
        picked = 0
        for cluster in rng.permutation(np.sort(np.asarray(clusters))):
            group = by_cluster[cluster]
            if group["article"].nunique() < 2 or picked == IMPRESSO_SIZES[stratum]:
                continue
            first = group.iloc[rng.integers(len(group))]
            others = group[group["article"] != first["article"]]
            second = others.iloc[rng.integers(len(others))]
            out.append((*sorted((first["id"], second["id"])), stratum))
            picked += 1
    while sum(o[2] == "d_random" for o in out) < IMPRESSO_SIZES["d_random"]:
        i, j = rng.integers(len(frame), size=2)
        a, b = frame.iloc[i], frame.iloc[j]
        if a["cluster"] != b["cluster"] and a["article"] != b["article"]:
            out.append((*sorted((a["id"], b["id"])), "d_random"))
    sample = pd.DataFrame(out, columns=["a", "b", "stratum"])
    sample["split"] = [
        pair_split(a, b, seed) for a, b in zip(sample["a"], sample["b"], strict=True)
    ]
    for column in ("label", "direction", "reason"):
        sample[column] = ""
    return sample[COLUMNS]


def show(corpus: Path, sample_path: Path, rows: str) -> None:
    """Print both texts of the chosen rows of a sample, for reading.

    The first text is printed whole; the second whole too, unless it is mostly the same
    words, when it is printed as word changes against the first (a reading aid only).
    """
    stories = load_stories(corpus).set_index("id")
    sample = pd.read_csv(sample_path, dtype=str, keep_default_na=False)
    start, _, stop = rows.partition(":")
    for row, pair in sample.iloc[int(start) : int(stop or len(sample))].iterrows():
        print(f"=============== row {row}  {pair['a']} | {pair['b']}  [{pair['stratum']}]")
        a, b = (stories.loc[pair[side]] for side in ("a", "b"))
        text_a, text_b = (re.sub(r"\n +", "\n", s["text"]) for s in (a, b))
        print(f"--- {pair['a']} {a['date']}\n{text_a}")
        ratio = SequenceMatcher(None, text_a.split(), text_b.split(), autojunk=False).ratio()
        if ratio >= 0.5:
            print(f"--- {pair['b']} {b['date']} as changes to {pair['a']}:")
            print(_diff_view(text_a, text_b))
        else:
            print(f"--- {pair['b']} {b['date']}\n{text_b}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--show", type=Path, help="print the texts of this sample's rows")
    parser.add_argument("--rows", default="0:", help="START:STOP rows for --show")
    parser.add_argument("--analyzed", type=Path, help="lineage analyze --out folder")
    parser.add_argument("--lineage-docs", type=int, default=4000)
    parser.add_argument("--min-rare", type=int, default=5)
    parser.add_argument("--max-rare", type=int, default=2)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--impresso", action="store_true", help="CORPUS is impresso passages")
    args = parser.parse_args()
    if args.show:
        show(args.corpus, args.show, args.rows)
        return
    if args.impresso:
        sample = draw_impresso(args.corpus, args.seed)
        sample.to_csv(args.out, index=False)
        print(sample.groupby(["stratum", "split"]).size().unstack(fill_value=0))
        return
    sample = draw_sample(args)
    sample.to_csv(args.out, index=False, quoting=csv.QUOTE_MINIMAL)
    print(sample.groupby(["stratum", "split"]).size().unstack(fill_value=0))


if __name__ == "__main__":
    main()
