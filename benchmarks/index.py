"""The persistent index against batch near-duplicate detection, measured in the same run.

For each size N, a generated corpus of ~600-word documents (``benchmarks.scale.write_corpus``:
Zipf pseudo-words, a tenth of the documents near-copies of others) is written, then each
step runs in a fresh process (so its peak memory is its own):

1. batch: :func:`lineage.near_duplicates` on the N documents plus the query texts;
2. build: :meth:`lineage.Index.build` on the N documents (5,000 per transaction);
3. add: :meth:`lineage.Index.add` of 1,000 new documents to the built index;
4. query: :meth:`lineage.Index.query` of single texts, one at a time: near-copies of indexed
   documents (2% of words changed, ends trimmed) and fresh documents, half each; then
   :meth:`lineage.Index.near_duplicates` (the scored pairs only, no alignment) of the same.

Reported: seconds (wall and CPU; the ratios use CPU seconds, which other load on a shared
machine sways less; query latency in wall and in CPU milliseconds) and peak resident
memory of each step; build / batch time; index size on disk per document beside the gzip
size of the texts (target: <= 1.5 x gzip + 1 KiB per document); add time at each N
(target: 100k within 1.5 x of 10k); query p50 and p95 (targets
50 ms and 200 ms); near-duplicate recall of the queries against the batch answer (pairs with
Jaccard >= 0.5 that batch finds between a query and an indexed document, found by the query).

Figures are from a generated corpus, not real text. Run
``nice -n 10 python -m benchmarks.index --sizes 10000 100000``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.scale import write_corpus

ADD = 1_000


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu() -> float:
    """CPU seconds of this process: less swayed than wall time by other load on the box."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _read(folder: Path) -> pd.DataFrame:
    return pd.concat(
        [pd.read_json(p, lines=True) for p in sorted(folder.glob("shard-*.jsonl"))],
        ignore_index=True,
    )


def make_queries(indexed: pd.DataFrame, fresh: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    """Half near-copies of random indexed documents, half fresh documents."""
    rng = np.random.default_rng(seed)
    rows = []
    for k, i in enumerate(rng.choice(len(indexed), n // 2, replace=False).tolist()):
        words = indexed["text"].iloc[i].split()
        changed = rng.random(len(words)) < 0.02
        swaps = rng.choice(words, int(changed.sum()))
        for position, word in zip(np.flatnonzero(changed).tolist(), swaps.tolist(), strict=True):
            words[position] = word
        cut = rng.integers(0, 19, 2)
        rows.append({"id": f"q{k:04d}", "text": " ".join(words[cut[0] : len(words) - cut[1]])})
    for k in range(n - n // 2):
        rows.append({"id": f"q{n // 2 + k:04d}", "text": fresh["text"].iloc[k]})
    return pd.DataFrame(rows)


def step_batch(work: Path) -> dict:
    import lineage

    frame = pd.concat([_read(work / "corpus"), pd.read_json(work / "queries.jsonl", lines=True)])
    start, cpu = time.perf_counter(), _cpu()
    pairs = lineage.near_duplicates(frame, 0.5)
    seconds, cpu = time.perf_counter() - start, _cpu() - cpu
    queries = set(pd.read_json(work / "queries.jsonl", lines=True)["id"])
    mine = pairs[pairs["a"].isin(queries) != pairs["b"].isin(queries)]
    mine[["a", "b", "jaccard"]].to_json(work / "batch_pairs.jsonl", orient="records", lines=True)
    return {"seconds": seconds, "cpu": cpu, "peak_mib": _peak_mib(), "pairs": len(pairs)}


def step_build(work: Path) -> dict:
    from lineage import Index

    corpus = _read(work / "corpus")
    start, cpu = time.perf_counter(), _cpu()
    Index.build(work / "index", corpus, batch_size=5_000).close()
    seconds, cpu = time.perf_counter() - start, _cpu() - cpu
    size = sum(f.stat().st_size for f in (work / "index").iterdir())
    gz = sum(len(gzip.compress(t.encode("utf-8"))) for t in corpus["text"])
    return {
        "seconds": seconds,
        "cpu": cpu,
        "peak_mib": _peak_mib(),
        "bytes": size,
        "bytes_per_doc": size / len(corpus),
        "gzip_bytes_per_doc": gz / len(corpus),
        "tables": _table_sizes(work / "index"),
    }


def _table_sizes(folder: Path) -> dict[str, int]:
    import sqlite3

    with sqlite3.connect(folder / "index.sqlite") as db:
        try:
            rows = db.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name").fetchall()
        except sqlite3.OperationalError:  # SQLite built without dbstat
            return {}
    return {name: int(size) for name, size in rows}


def step_add(work: Path) -> dict:
    from lineage import Index

    extra = _read(work / "extra")
    with Index(work / "index") as index:
        start, cpu = time.perf_counter(), _cpu()
        index.add(extra.head(ADD), batch_size=ADD)
        seconds, cpu = time.perf_counter() - start, _cpu() - cpu
    return {"seconds": seconds, "cpu": cpu, "peak_mib": _peak_mib()}


def step_query(work: Path) -> dict:
    from lineage import Index

    queries = pd.read_json(work / "queries.jsonl", lines=True)
    found = []
    latencies = []
    cpu_times = []  # CPU seconds of each query: what other load on the machine sways least
    with Index(work / "index", readonly=True) as index:
        index.query(queries.iloc[[0]])  # warm: imports, page cache of the first pages
        for row in queries.itertuples(index=False):
            start, cpu = time.perf_counter(), _cpu()
            answer = index.query(pd.DataFrame([row._asdict()]))
            latencies.append(time.perf_counter() - start)
            cpu_times.append(_cpu() - cpu)
            pairs = answer.pairs[answer.pairs["jaccard"] >= 0.5]
            found.extend(pairs[["a", "b"]].itertuples(index=False, name=None))
    batch = pd.read_json(work / "batch_pairs.jsonl", lines=True)
    truth = set(batch.loc[batch["jaccard"] >= 0.5, ["a", "b"]].itertuples(index=False, name=None))
    fast = []
    with Index(work / "index", readonly=True) as index:
        for row in queries.itertuples(index=False):
            start = time.perf_counter()
            index.near_duplicates(pd.DataFrame([row._asdict()]))
            fast.append(time.perf_counter() - start)
    fast_ms = np.array(fast) * 1000
    ms = np.array(latencies) * 1000
    cpu_ms = np.array(cpu_times) * 1000
    return {
        "queries": len(queries),
        "p50_ms": float(np.percentile(ms, 50)),
        "p95_ms": float(np.percentile(ms, 95)),
        "max_ms": float(ms.max()),
        "cpu_p50_ms": float(np.percentile(cpu_ms, 50)),
        "cpu_p95_ms": float(np.percentile(cpu_ms, 95)),
        "pairs_p50_ms": float(np.percentile(fast_ms, 50)),
        "pairs_p95_ms": float(np.percentile(fast_ms, 95)),
        "batch_pairs": len(truth),
        "recall": len(truth & set(found)) / len(truth) if truth else None,
        "peak_mib": _peak_mib(),
    }


STEPS = {"batch": step_batch, "build": step_build, "add": step_add, "query": step_query}


def run_size(n: int, queries: int, root: Path) -> dict:
    work = root / f"n{n}"
    write_corpus(work / "corpus", n, words=600, seed=n)
    write_corpus(work / "extra", ADD + queries, words=600, seed=n + 1)
    for shard in (work / "extra").glob("shard-*.jsonl"):  # ids apart from the corpus's
        shard.write_text(shard.read_text().replace('{"id": "d', '{"id": "x'))
    extra = _read(work / "extra")
    make_queries(_read(work / "corpus"), extra.tail(queries), queries, seed=n).to_json(
        work / "queries.jsonl", orient="records", lines=True
    )
    figures: dict = {"n": n}
    for step in ("batch", "build", "query", "add"):
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.index", "--step", step, str(work)],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise SystemExit(f"step {step} at {n} failed:\n{done.stderr}")
        figures[step] = json.loads(done.stdout)
        print(f"n={n} {step}: {json.dumps(figures[step])}", file=sys.stderr, flush=True)
    shutil.rmtree(work)
    return figures


def report(results: list[dict]) -> str:
    lines = [
        "| N | batch s (CPU s) | build s (CPU s) | build/batch CPU | add 1k s (CPU s) "
        "| query p50 / p95 ms (CPU ms) "
        "| pairs only p50 / p95 ms | recall "
        "| index B/doc | gzip B/doc | size target B/doc | peak MiB batch / build |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        b, bu, a, q = r["batch"], r["build"], r["add"], r["query"]
        target = 1.5 * bu["gzip_bytes_per_doc"] + 1024
        lines.append(
            f"| {r['n']:,} | {b['seconds']:.1f} ({b['cpu']:.1f}) "
            f"| {bu['seconds']:.1f} ({bu['cpu']:.1f}) | {bu['cpu'] / b['cpu']:.2f} "
            f"| {a['seconds']:.2f} ({a['cpu']:.2f}) "
            f"| {q['p50_ms']:.0f} / {q['p95_ms']:.0f} "
            f"({q['cpu_p50_ms']:.0f} / {q['cpu_p95_ms']:.0f}) "
            f"| {q['pairs_p50_ms']:.0f} / {q['pairs_p95_ms']:.0f} | {q['recall']:.3f} "
            f"| {bu['bytes_per_doc']:.0f} | {bu['gzip_bytes_per_doc']:.0f} | {target:.0f} "
            f"| {b['peak_mib']:.0f} / {bu['peak_mib']:.0f} |"
        )
    if len(results) >= 2:
        ratio = results[-1]["add"]["cpu"] / results[0]["add"]["cpu"]
        lines.append(
            f"\nadd 1k at {results[-1]['n']:,} / at {results[0]['n']:,} (CPU): {ratio:.2f} "
            "(target 1.5)"
        )
    for r in results:
        lines.append(f"table bytes at {r['n']:,}: {json.dumps(r['build']['tables'])}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000])
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--step", choices=sorted(STEPS), help=argparse.SUPPRESS)
    parser.add_argument("work", nargs="?", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.step:
        print(json.dumps(STEPS[args.step](args.work)))
        return 0
    with tempfile.TemporaryDirectory(prefix="lineage-index-bench-") as root:
        results = [run_size(n, args.queries, Path(root)) for n in args.sizes]
    print(report(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
