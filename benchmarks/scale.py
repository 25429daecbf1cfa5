"""Cost curves of near-duplicate detection and alignment, in process and on Dask.

For each size, a corpus of ~``--words``-word documents with known near-duplicate clusters
is generated (numpy word ids over a pseudo-word vocabulary, sentences of 12-30 words) and
written as JSONL shards of ``--shard-docs`` documents; each engine then runs in a fresh
process (so its peak memory is its own) and streams the shards back:

1. sketch: :func:`lineage.distributed.sketch_corpus` (normalize, shingle, MinHash per
   shard; in process, or one file per task on the workers);
2. LSH: :func:`lineage.sketch.lsh_candidates` in process, the band-key shuffle
   :func:`lineage.distributed.lsh_candidates_on_cluster` on Dask;
3. verify: the candidate documents are read again (:func:`~lineage.distributed.gather_texts`),
   shingled and scored exactly (:func:`lineage.verify.score_pairs`, no TF-IDF);
4. align (``--align``): :func:`lineage.align.align_normalized` on every candidate pair
   sharing a shingle, mapped by the runner.

Reported: seconds per stage, documents per second (and per core), peak resident memory of
the client and of each worker, recall and precision of the verified pairs
(``jaccard >= --threshold``) against the generated clusters, the log-log slope of the
detection time against N per engine, and Dask over in-process time ratios.

Truth: a cluster is an original document and 1-3 copies, each copy with ~2% of its words
substituted and up to 3% trimmed at each end, so every pair in a cluster has a 5-shingle
Jaccard well above 0.5; unrelated documents share next to nothing.

Run ``python -m benchmarks.scale --sizes 10000 --engine both`` (see ``--help``).
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

_LETTERS = np.array(list("abcdefghiklmnoprstuvwy"))


def _vocabulary(size: int, rng: np.random.Generator) -> list[str]:
    """Distinct pseudo-words of 2-10 letters."""
    words: set[str] = set()
    while len(words) < size:
        lengths = rng.integers(2, 11, size)
        letters = rng.choice(_LETTERS, size=int(lengths.sum()))
        cuts = np.cumsum(lengths)[:-1]
        words.update("".join(chunk) for chunk in np.split(letters, cuts))
    return sorted(words)[:size]


def _word_ids(rng: np.random.Generator, shape: tuple[int, ...], vocabulary: int) -> np.ndarray:
    """Log-uniform word ids: word ``k`` has frequency about ``1 / k`` (Zipf's law)."""
    return (np.exp(rng.random(shape) * math.log(vocabulary)) - 1).astype(np.int32)


def _text(ids: np.ndarray, vocab: list[str], ends: np.ndarray) -> str:
    words = [vocab[i] for i in ids.tolist()]
    for end in ends.tolist():
        if end < len(words):
            words[end] += "."
    return " ".join(words)


def write_corpus(
    folder: Path,
    n_docs: int,
    *,
    words: int = 600,
    shard_docs: int = 10_000,
    copy_share: float = 0.1,
    substitution: float = 0.02,
    trim: float = 0.03,
    vocabulary: int = 40_000,
    seed: int = 0,
) -> pd.DataFrame:
    """Write ``n_docs`` documents as JSONL shards in ``folder``; return the clusters.

    Each shard holds originals and copies of its originals (``copy_share`` of its
    documents), in shuffled order. Returns ``id, cluster`` for every document that has a
    near-duplicate (the cluster is its original's id); also written as ``truth.parquet``
    beside the shards.
    """
    folder.mkdir(parents=True, exist_ok=True)
    vocab = _vocabulary(vocabulary, np.random.default_rng(seed))
    truth: list[tuple[str, str]] = []
    made = 0
    for shard in range(math.ceil(n_docs / shard_docs)):
        rng = np.random.default_rng([seed, shard])
        count = min(shard_docs, n_docs - made)
        copies = round(count * copy_share)
        originals = count - copies
        tokens = _word_ids(rng, (originals, words), vocabulary)
        ids = [f"d{made + k:08d}" for k in range(count)]
        order = rng.permutation(count)  # position of document k inside the shard file
        lines: list[str | None] = [None] * count
        sources = rng.integers(0, originals, copies)
        for k in range(count):
            if k < originals:
                row = tokens[k]
            else:
                row = tokens[sources[k - originals]].copy()
                changed = rng.random(words) < substitution
                row[changed] = _word_ids(rng, (int(changed.sum()),), vocabulary)
                cut = rng.integers(0, int(trim * words) + 1, 2)
                row = row[cut[0] : words - cut[1]]
            ends = np.cumsum(rng.integers(12, 31, words // 12 + 1)) - 1
            lines[order[k]] = json.dumps({"id": ids[k], "text": _text(row, vocab, ends)})
        clustered = set(sources.tolist())
        truth.extend((ids[k], ids[k]) for k in sorted(clustered))
        truth.extend((ids[originals + j], ids[s]) for j, s in enumerate(sources.tolist()))
        (folder / f"shard-{shard:05d}.jsonl").write_text("\n".join(lines) + "\n")
        made += count
    table = pd.DataFrame(truth, columns=["id", "cluster"])
    table.to_parquet(folder / "truth.parquet")
    return table


def _peak_rss_bytes() -> int:
    """Peak resident memory of this process (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _cpu_seconds(client: object | None) -> float:
    """CPU seconds used so far by this process and by every worker of ``client``."""
    used = time.process_time()
    if client is not None:
        used += sum(client.run(time.process_time).values())
    return used


def _report(figures: dict, stage: str, client: object | None, cpu_before: float) -> None:
    """Log the figures so far (a run stopped by the timeout still tells how far it got)."""
    cpu = round(_cpu_seconds(client) - cpu_before, 1)
    print(json.dumps({"done": stage, **figures, "cpu_s": cpu}), file=sys.stderr, flush=True)


def _prepared(texts: list[str], *, n: int) -> list[np.ndarray]:
    from lineage.normalize import normalize_text
    from lineage.shingle import shingle_hashes

    return shingle_hashes([normalize_text(t).text for t in texts], n=n)


def _align_pair(item: tuple[str, str, str, str]) -> int:
    """Align one pair of original texts; return the number of passages."""
    from lineage.align import align_normalized
    from lineage.normalize import normalize_text

    a_id, a_text, b_id, b_text = item
    return len(
        align_normalized(normalize_text(a_text), normalize_text(b_text), a_id=a_id, b_id=b_id)
    )


def _chunks(items: list, size: int) -> list[list]:
    return [items[k : k + size] for k in range(0, len(items), size)]


def run_engine(
    folder: Path, engine: str, *, workers: int, threshold: float, align: bool, shard_docs: int
) -> dict:
    """Run the pipeline on the shards in ``folder`` with one engine; return the figures."""
    from lineage import distributed
    from lineage.distributed import LocalRunner
    from lineage.sketch import lsh_candidates
    from lineage.verify import score_pairs

    figures: dict = {"engine": engine, "workers": workers if engine == "dask" else 1}
    client = None
    start = time.perf_counter()
    if engine == "dask":
        client = distributed.start_local_cluster(workers)
        client.wait_for_workers(workers)
        runner = distributed.DaskRunner(client)
    else:
        runner = LocalRunner()
    figures["cluster_start_s"] = round(time.perf_counter() - start, 2)
    cpu_before = _cpu_seconds(client)
    try:
        clock = time.perf_counter()
        sketch = distributed.sketch_corpus(folder, runner=runner, shard_size=shard_docs)
        figures["sketch_s"] = round(time.perf_counter() - clock, 2)
        n = len(sketch)
        figures["documents"] = n
        _report(figures, "sketch", client, cpu_before)

        clock = time.perf_counter()
        if client is None:
            candidates = lsh_candidates(sketch.signatures, threshold=threshold)
        else:
            candidates = distributed.lsh_candidates_on_cluster(
                sketch.signatures, client=client, threshold=threshold
            )
        figures["lsh_s"] = round(time.perf_counter() - clock, 2)
        figures["candidates"] = len(candidates)
        _report(figures, "lsh", client, cpu_before)

        clock = time.perf_counter()
        positions = np.union1d(candidates["a"].to_numpy(), candidates["b"].to_numpy())
        ids = [sketch.ids[p] for p in positions.tolist()]
        texts_by_id = distributed.gather_texts(folder, ids, runner=runner)
        texts = [texts_by_id[i] for i in ids]
        hashes = [
            h for part in runner.map(partial(_prepared, n=5), _chunks(texts, 500)) for h in part
        ]
        local = pd.DataFrame(
            {
                "a": np.searchsorted(positions, candidates["a"].to_numpy()),
                "b": np.searchsorted(positions, candidates["b"].to_numpy()),
            }
        )
        pairs = score_pairs(local, hashes, None, ids, tfidf=False)
        found = pairs[pairs["jaccard"] >= threshold]
        figures["verify_s"] = round(time.perf_counter() - clock, 2)
        figures["pairs"] = len(found)
        figures["detect_s"] = round(figures["sketch_s"] + figures["lsh_s"] + figures["verify_s"], 2)

        truth = pd.read_parquet(folder / "truth.parquet")
        cluster = dict(zip(truth["id"], truth["cluster"], strict=True))
        sizes = truth.groupby("cluster").size()
        true_pairs = int((sizes * (sizes - 1) // 2).sum())
        hits = sum(
            1
            for a, b in zip(found["a"], found["b"], strict=True)
            if cluster.get(a) is not None and cluster.get(a) == cluster.get(b)
        )
        figures["true_pairs"] = true_pairs
        figures["recall"] = round(hits / true_pairs, 4) if true_pairs else 1.0
        figures["precision"] = round(hits / len(found), 4) if len(found) else 1.0
        _report(figures, "verify", client, cpu_before)

        if align:
            clock = time.perf_counter()
            related = pairs[pairs["jaccard"] > 0]
            work = [
                (a, texts_by_id[a], b, texts_by_id[b])
                for a, b in zip(related["a"], related["b"], strict=True)
            ]
            passages = sum(runner.map(_align_pair, work))
            figures["align_s"] = round(time.perf_counter() - clock, 2)
            figures["aligned_pairs"] = len(work)
            figures["passages"] = int(passages)
        total = figures["detect_s"] + figures.get("align_s", 0.0)
        figures["total_s"] = round(total, 2)
        cores = figures["workers"]
        figures["docs_per_s"] = round(n / total, 1)
        figures["docs_per_s_per_core"] = round(n / total / cores, 1)
        cpu = _cpu_seconds(client) - cpu_before
        figures["cpu_s"] = round(cpu, 1)
        figures["docs_per_cpu_s"] = round(n / cpu, 1)
        figures["client_peak_gib"] = round(_peak_rss_bytes() / 2**30, 3)
        if client is not None:
            peaks = client.run(_peak_rss_bytes)
            figures["worker_peak_gib"] = [round(v / 2**30, 3) for v in peaks.values()]
    finally:
        if client is not None:
            distributed.close(client)
    return figures


def _run_child(command: list[str], timeout: float) -> tuple[int | str, str, str]:
    """Run one engine in its own process group; on timeout stop the group (workers too)."""
    child = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
        start_new_session=True,
    )
    try:
        stdout, log = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        stdout, log = child.communicate()
        return "timeout", stdout, log
    return child.returncode, stdout, log


def _slope(sizes: list[int], seconds: list[float]) -> float | None:
    """Least-squares slope of log(time) against log(N)."""
    if len(sizes) < 2:
        return None
    return float(np.polyfit(np.log(sizes), np.log(seconds), 1)[0])


def main(argv: list[str] | None = None) -> int:
    """Generate the corpora, run the engines in subprocesses and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000", help="comma-separated corpus sizes")
    parser.add_argument("--engine", choices=["inprocess", "dask", "both"], default="both")
    parser.add_argument("--workers", type=int, default=2, help="Dask worker processes")
    parser.add_argument("--words", type=int, default=600, help="words per document")
    parser.add_argument("--threshold", type=float, default=0.5, help="Jaccard threshold")
    parser.add_argument("--shard-docs", type=int, default=10_000, help="documents per shard")
    parser.add_argument("--align", action="store_true", help="also align the candidate pairs")
    parser.add_argument("--workdir", type=Path, help="keep the corpora here (default: temp)")
    parser.add_argument("--timeout", type=float, default=1500, help="seconds per engine run")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--run", type=Path, help=argparse.SUPPRESS)  # one engine, in a child
    args = parser.parse_args(argv)

    if args.run is not None:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
        logging.getLogger("distributed").setLevel(logging.WARNING)
        figures = run_engine(
            args.run,
            args.engine,
            workers=args.workers,
            threshold=args.threshold,
            align=args.align,
            shard_docs=args.shard_docs,
        )
        print(json.dumps(figures))
        return 0

    sizes = [int(size) for size in args.sizes.split(",")]
    engines = ["inprocess", "dask"] if args.engine == "both" else [args.engine]
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="lineage-scale-"))
    results: list[dict] = []
    try:
        for size in sizes:
            folder = workdir / f"n{size}-w{args.words}-s{args.shard_docs}"
            if not (folder / "truth.parquet").exists():
                clock = time.perf_counter()
                write_corpus(folder, size, words=args.words, shard_docs=args.shard_docs)
                print(
                    f"generated {size} documents in {time.perf_counter() - clock:.1f} s", flush=True
                )
            for engine in engines:
                command = [
                    sys.executable, "-m", "benchmarks.scale", "--run", str(folder),
                    "--engine", engine, "--workers", str(args.workers),
                    "--threshold", str(args.threshold), "--shard-docs", str(args.shard_docs),
                ] + (["--align"] if args.align else [])  # fmt: skip
                status, stdout, log = _run_child(command, args.timeout)
                if status == "timeout":
                    print(f"{engine} at {size}: over {args.timeout:.0f} s, stopped", flush=True)
                    print("\n".join(log.splitlines()[-5:]), flush=True)
                    reached = [line for line in log.splitlines() if line.startswith('{"done"')]
                    partial_figures = json.loads(reached[-1]) if reached else {}
                    results.append(
                        {**partial_figures, "engine": engine, "n": size, "timeout": args.timeout}
                    )
                    continue
                if status != 0:
                    print(f"{engine} at {size} failed:\n{log[-3000:]}", flush=True)
                    return 1
                figures = json.loads(stdout.strip().splitlines()[-1])
                figures["n"] = size
                results.append(figures)
                print(json.dumps(figures), flush=True)
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)

    finished = [r for r in results if "timeout" not in r]
    print()
    print("| N | engine | cores | sketch s | LSH s | verify s | align s | docs/s | "
          "docs/s/core | docs/CPU-s | recall | precision | client GiB | worker GiB |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in finished:
        workers = ", ".join(f"{v:.2f}" for v in r.get("worker_peak_gib", [])) or "-"
        print(
            f"| {r['n']:,} | {r['engine']} | {r['workers']} | {r['sketch_s']} | {r['lsh_s']} | "
            f"{r['verify_s']} | {r.get('align_s', '-')} | {r['docs_per_s']:,} | "
            f"{r['docs_per_s_per_core']:,} | {r['docs_per_cpu_s']:,} | {r['recall']} | "
            f"{r['precision']} | "
            f"{r['client_peak_gib']:.2f} | {workers} |"
        )
    for engine in engines:
        runs = [r for r in finished if r["engine"] == engine]
        slope = _slope([r["n"] for r in runs], [r["detect_s"] for r in runs])
        if slope is not None:
            print(f"{engine}: log-log slope of detection time against N = {slope:.3f}")
    for size in sizes:
        pair = {r["engine"]: r for r in finished if r["n"] == size}
        if len(pair) == 2:
            ratio = pair["dask"]["total_s"] / pair["inprocess"]["total_s"]
            print(f"N={size:,}: dask / in-process time = {ratio:.2f}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
