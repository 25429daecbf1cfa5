"""Near-duplicate detection benchmark: lineage against datasketch, from raw text.

Generates ``--n`` documents with known near-duplicate families
(:mod:`benchmarks.near_duplicate_corpus`), then runs each engine end to end from the raw
texts, each in its own subprocess so each has its own peak memory:

- ``lineage``: ``lineage.near_duplicates`` (vectorized shingles folded for case, accents
  and quote styles -> MinHash signatures -> LSH with bands chosen for recall at the
  threshold, under the per-document candidate budget -> exact Jaccard and TF-IDF of every
  candidate -> pairs at or above the threshold);
- ``datasketch-update``: datasketch as its documentation shows: shingle strings,
  ``MinHash.update`` per shingle, ``MinHashLSH`` insert then query every document (the
  query result is the answer); run on the first ``--baseline-n`` documents;
- ``rensa``: rensa (Rust MinHash) as a whole pipeline, from shingle strings to pairs
  whose MinHash estimate reaches the threshold (``pip install rensa``; a benchmark
  baseline, not a dependency);
- ``datasketch-bulk``: datasketch at its best: shingle strings, ``MinHash.bulk``,
  ``MinHashLSH`` insertion session, query.

Both baselines tokenize with ``re.findall(r"\\w+", text.lower())`` and join 5 tokens per
shingle string. Truth: the related pairs of the generated corpus whose exact Jaccard on
lineage's 5-word shingles is at least ``--threshold``; for an engine run on a sample, the
true pairs inside the sample. Speed is documents per CPU second of the engine process
(the machine is shared, CPU time is steadier than wall time; both are printed) and the
ratios compare engines measured in this same invocation.

``--before PATH`` adds ``lineage-before``: the same ``lineage.near_duplicates`` call
with ``PATH`` (a checkout of an earlier version) first on ``sys.path``, so a change is
measured against the code it replaces in one invocation. An engine's CPU includes
``import lineage`` (a worker imports nothing of lineage before the clock starts; pandas
and numpy are imported by every worker before it). ``--stages`` prints, for the
lineage engines, the CPU seconds of each stage: ``import lineage``, loading the texts,
sketching (shingles, MinHash, sets), LSH candidates, exact verification, tokenizing the
pairs' texts again, ``shared_chars``, TF-IDF; ``other`` is the rest (ranking, tables).

Run::

    python -m benchmarks.dedup --n 20000 --threshold 0.5 --seed 0 --baseline-n 2000
    python -m benchmarks.dedup --n 8000 --engines lineage,lineage-before,rensa \
        --before /tmp/main-checkout --stages
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ENGINES = ("lineage", "rensa", "datasketch-bulk", "datasketch-update", "lineage-before")
_WORD = re.compile(r"\w+")


def _baseline_shingles(text: str, n: int = 5) -> list[bytes]:
    tokens = _WORD.findall(text.lower())
    if len(tokens) < n:
        return [" ".join(tokens).encode("utf-8")] if tokens else []
    return [" ".join(tokens[i : i + n]).encode("utf-8") for i in range(len(tokens) - n + 1)]


STAGES = {
    "load": ["lineage.dedup:_texts_and_ids"],
    "sketch": ["lineage.dedup:sketch_texts", "lineage.dedup:sketch_sets"],
    "lsh": ["lineage.dedup:candidate_pairs"],
    "verify": ["lineage.dedup:score_pairs", "lineage.verify:ShingleSets.overlaps"],
    "retokenize": [
        "lineage.dedup:_with_spans",
        "lineage.dedup:tokens_and_words",
        "lineage.verify:tokens_and_words",
        "lineage.verify:shingle_windows",
    ],
    "shared_chars": ["lineage.dedup:shared_chars_of_pairs", "lineage.verify:shared_chars_of_pairs"],
    "tfidf": [
        "lineage.dedup:tfidf_cosines",
        "lineage.verify:TermCounts.add",
        "lineage.verify:TermCounts.cosines",
    ],
}
"""Where each stage of ``near_duplicates`` lives, in this version or an earlier one
(names a version lacks are skipped; ``verify`` before included ``shared_chars``; the
texts of the pairs kept are read again in ``lineage.dedup`` before, ``lineage.verify``
now)."""

STAGE_CPU: dict[str, float] = {}


def _timed(stage: str, function):
    def timed(*args, **kwargs):
        start = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            STAGE_CPU[stage] = STAGE_CPU.get(stage, 0.0) + time.process_time() - start

    return timed


def _time_stages() -> None:
    """Wrap every stage function this version has so its CPU adds up in STAGE_CPU."""
    for stage, targets in STAGES.items():
        for target in targets:
            module_name, _, name = target.partition(":")
            owner = importlib.import_module(module_name)
            *path, attribute = name.split(".")
            for part in path:
                owner = getattr(owner, part, None)
            if owner is not None and hasattr(owner, attribute):
                setattr(owner, attribute, _timed(stage, getattr(owner, attribute)))


def run_lineage(texts: list[str], ids: list[str], threshold: float, num_perm: int) -> set:
    """The public API a user calls: ``lineage.near_duplicates`` (exact Jaccard verified)."""
    start = time.process_time()
    import lineage

    STAGE_CPU["import"] = time.process_time() - start
    if os.environ.get("DEDUP_STAGES"):
        _time_stages()
    # The texts as a list, as the other engines get them (ids are their positions).
    found = lineage.near_duplicates(texts, threshold, num_perm=num_perm)
    pairs = zip(found["a"].astype(int), found["b"].astype(int), strict=True)
    return {tuple(sorted((ids[a], ids[b]))) for a, b in pairs}


def run_rensa(texts: list[str], ids: list[str], threshold: float, num_perm: int) -> set:
    """Run rensa's whole pipeline: shingle strings to pairs.

    ``RMinHash.from_token_sets`` (Rust), ``RMinHashLSH`` (32 bands) insert and query,
    candidates kept when their MinHash estimate reaches the threshold (rensa does not
    verify exactly).
    """
    from rensa import RMinHash, RMinHashLSH

    minhashes = RMinHash.from_token_sets(
        [_baseline_shingles(text) for text in texts], num_perm=num_perm, seed=42
    )
    lsh = RMinHashLSH(threshold=threshold, num_perm=num_perm, num_bands=32)
    lsh.insert_many(minhashes, 0)
    found = set()
    for i, candidates in enumerate(lsh.query_all(minhashes)):
        for j in candidates:
            if i < j and minhashes[i].jaccard(minhashes[j]) >= threshold:
                found.add((ids[i], ids[j]) if ids[i] < ids[j] else (ids[j], ids[i]))
    return found


def _query_all(lsh, minhashes, ids: list[str]) -> set:
    found = set()
    for key, minhash in zip(ids, minhashes, strict=True):
        for other in lsh.query(minhash):
            if other != key:
                found.add((min(key, other), max(key, other)))
    return found


def run_datasketch_update(texts: list[str], ids: list[str], threshold: float, num_perm: int):
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    minhashes = []
    for key, text in zip(ids, texts, strict=True):
        minhash = MinHash(num_perm=num_perm)
        for value in _baseline_shingles(text):
            minhash.update(value)
        lsh.insert(key, minhash)
        minhashes.append(minhash)
    return _query_all(lsh, minhashes, ids)


def run_datasketch_bulk(texts: list[str], ids: list[str], threshold: float, num_perm: int):
    from datasketch import MinHash, MinHashLSH

    minhashes = MinHash.bulk([_baseline_shingles(t) for t in texts], num_perm=num_perm)
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    with lsh.insertion_session() as session:
        for key, minhash in zip(ids, minhashes, strict=True):
            session.insert(key, minhash)
    return _query_all(lsh, minhashes, ids)


RUNNERS = {
    "lineage": run_lineage,
    "lineage-before": run_lineage,
    "rensa": run_rensa,
    "datasketch-update": run_datasketch_update,
    "datasketch-bulk": run_datasketch_bulk,
}


def peak_mib() -> float:
    """Peak resident memory of this process in MiB.

    ``VmHWM`` is the high-water mark of this process's own address space, reset by
    ``exec``; ``ru_maxrss`` is not (on Linux a child inherits the parent's figure), so it
    is only the fallback where ``/proc`` is missing.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker(engine: str, corpus_path: Path, truth_path: Path, limit: int, args) -> dict:
    """Run one engine on the first ``limit`` documents and return its measurements."""
    texts, ids = [], []
    with corpus_path.open(encoding="utf-8") as lines:
        for line, _ in zip(lines, range(limit), strict=False):
            record = json.loads(line)
            ids.append(record["id"])
            texts.append(record["text"])
    inside = set(ids)
    truth = {
        (a, b)
        for a, b in json.loads(truth_path.read_text(encoding="utf-8"))
        if a in inside and b in inside
    }
    loaded_mib = peak_mib()
    wall, cpu = time.perf_counter(), time.process_time()
    found = RUNNERS[engine](texts, ids, args.threshold, args.num_perm)
    cpu = time.process_time() - cpu
    wall = time.perf_counter() - wall
    peak = peak_mib()
    hits = len(found & truth)
    return {
        "engine": engine,
        "docs": len(texts),
        "cpu_s": cpu,
        "wall_s": wall,
        "docs_per_cpu_s": len(texts) / cpu,
        "docs_per_wall_s": len(texts) / wall,
        "peak_mib": peak,
        "corpus_loaded_mib": loaded_mib,
        "found": len(found),
        "true": len(truth),
        "precision": hits / len(found) if found else 1.0,
        "recall": hits / len(truth) if truth else 1.0,
        "stages": {**STAGE_CPU, "other": cpu - sum(STAGE_CPU.values())} if STAGE_CPU else {},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000, help="documents to generate")
    parser.add_argument("--threshold", type=float, default=0.5, help="Jaccard threshold")
    parser.add_argument("--seed", type=int, default=0, help="seed of the generated corpus")
    parser.add_argument(
        "--baseline-n", type=int, default=2000, help="documents for datasketch-update"
    )
    parser.add_argument(
        "--bulk-n", type=int, default=None, help="documents for datasketch-bulk (default --n)"
    )
    parser.add_argument("--num-perm", type=int, default=128)
    parser.add_argument("--engines", default=",".join(ENGINES[:4]), help="comma-separated")
    parser.add_argument(
        "--before", type=Path, help="checkout of an earlier lineage, run as lineage-before"
    )
    parser.add_argument("--stages", action="store_true", help="CPU per lineage stage")
    parser.add_argument("--worker", choices=ENGINES, help=argparse.SUPPRESS)
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--truth", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--limit", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        if args.worker == "lineage-before":  # ahead of this checkout's lineage
            sys.path.insert(0, os.environ["LINEAGE_BEFORE"])
        result = worker(args.worker, args.corpus, args.truth, args.limit, args)
        print(json.dumps(result))
        return 0

    from benchmarks.near_duplicate_corpus import generate, true_pairs

    started = time.perf_counter()
    corpus = generate(args.n, seed=args.seed)
    generated_s = time.perf_counter() - started
    truth = sorted(true_pairs(corpus, args.threshold))
    print(
        f"corpus: {args.n} docs, {np.mean([len(t.split()) for t in corpus.texts]):.0f} words "
        f"on average, {len(corpus.pairs)} related pairs, {len(truth)} with Jaccard >= "
        f"{args.threshold}; generated in {generated_s:.1f} s"
    )
    limits = {
        "lineage": args.n,
        "datasketch-bulk": min(args.bulk_n or args.n, args.n),
        "datasketch-update": min(args.baseline_n, args.n),
        "rensa": args.n,
        "lineage-before": args.n,
    }
    results = []
    with tempfile.TemporaryDirectory() as folder:
        corpus_path = Path(folder) / "corpus.jsonl"
        truth_path = Path(folder) / "truth.json"
        with corpus_path.open("w", encoding="utf-8") as out:
            for doc_id, text in zip(corpus.ids, corpus.texts, strict=True):
                out.write(json.dumps({"id": doc_id, "text": text}) + "\n")
        truth_path.write_text(json.dumps(truth), encoding="utf-8")
        for engine in args.engines.split(","):
            command = [
                sys.executable, "-m", "benchmarks.dedup", "--worker", engine,
                "--corpus", str(corpus_path), "--truth", str(truth_path),
                "--limit", str(limits[engine]), "--threshold", str(args.threshold),
                "--num-perm", str(args.num_perm),
            ]  # fmt: skip
            env = dict(os.environ, DEDUP_STAGES="1" if args.stages else "")
            if engine == "lineage-before":
                if args.before is None:
                    parser.error("lineage-before needs --before PATH")
                env["LINEAGE_BEFORE"] = str(args.before.resolve())
            run = subprocess.run(command, capture_output=True, text=True, check=True, env=env)
            results.append(json.loads(run.stdout.strip().splitlines()[-1]))
    stages = {r["engine"]: r.pop("stages") for r in results if r.get("stages")}
    table = pd.DataFrame(results).set_index("engine")
    speed = table["docs_per_cpu_s"]
    for baseline in ("datasketch-update", "datasketch-bulk", "rensa", "lineage-before"):
        if baseline in speed:
            table[f"x_{baseline}"] = speed / speed[baseline]
    columns = [
        "docs", "cpu_s", "wall_s", "docs_per_cpu_s", "docs_per_wall_s", "peak_mib",
        "corpus_loaded_mib", "found", "true", "precision", "recall",
    ] + [c for c in table.columns if c.startswith("x_")]  # fmt: skip
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table[columns].round(3).to_string())
        if stages:
            frame = pd.DataFrame(stages).fillna(0.0)
            frame.loc["total"] = frame.sum()
            print("\nCPU seconds per stage")
            print(frame.round(3).to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
