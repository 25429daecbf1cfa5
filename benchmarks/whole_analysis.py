"""Time the whole analysis (``lineage.analyze``) on a corpus, against detection alone.

Runs ``lineage.near_duplicates`` (read, shingle, MinHash, LSH, verify) and then
``lineage.analyze`` (the same plus normalization with variants and debris, alignment of
every candidate pair, quotations, sources and derivation) on the same corpus in this
process, and prints documents per second per core, CPU seconds, peak memory and the
ratio of the two: what the analysis costs on top of near-duplicate detection.

    python -m benchmarks.whole_analysis CORPUS [--skip-baseline]

CORPUS is anything ``lineage.analyze`` reads (e.g. a folder of JSONL shards written by
``python -m benchmarks.scale --workdir DIR``).
"""

from __future__ import annotations

import argparse
import resource
import time

import lineage


def _timed(label: str, run) -> tuple[float, object]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = run()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"{label:<18} wall {wall:8.1f} s   cpu {cpu:8.1f} s   peak so far {peak:5.2f} GiB")
    return cpu, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus")
    parser.add_argument("--skip-baseline", action="store_true")
    args = parser.parse_args()
    corpus = lineage.load_corpus(args.corpus)
    n_docs = len(corpus.documents)
    print(f"{n_docs} documents ({len(corpus.skipped)} inputs skipped)")
    base_cpu = None
    if not args.skip_baseline:
        frame = {"id": list(corpus.ids), "text": list(corpus.texts)}
        import pandas as pd

        base_cpu, pairs = _timed(
            "near_duplicates", lambda: lineage.near_duplicates(pd.DataFrame(frame), 0.5)
        )
        print(f"  {len(pairs)} near-duplicate pairs")
    cpu, result = _timed("analyze", lambda: lineage.analyze(corpus))
    print(
        f"  {len(result.pairs)} pairs, {len(result.passages)} passages, "
        f"{len(result.edges)} edges, {len(result.sources)} latent sources"
    )
    print(f"analyze: {n_docs / cpu:.0f} docs per CPU-second (one core)")
    if base_cpu:
        print(f"analyze costs {cpu / base_cpu:.1f}x near-duplicate detection on this corpus")


if __name__ == "__main__":
    main()
