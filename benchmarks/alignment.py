"""Alignment quality and speed on the PAN 2013 text-alignment training corpus.

Runs what a user runs on (suspicious, source) pairs of each category and scores the
passages against the XML truth with PAN's measures (:mod:`benchmarks.plagdet`):

- ``api``: the public :func:`lineage.align` (whole passages, quoted parts marked);
- ``analyze``: :func:`lineage.analyze` on each pair as a two-document corpus (its
  ``passages`` table, oriented suspicious -> source); ``--analyze-limit`` pairs per
  category, as it also infers sources and derivation;
- ``engine``: :func:`lineage.align.align`, the alignment stage alone;
- ``baseline``: ``difflib.SequenceMatcher`` over word tokens, every matching block of at
  least ``BASELINE_MIN_WORDS`` words a detection.

Speed is pairs per CPU second of the aligning process (reading files excluded; CPU time
rather than wall time, so other load on the machine does not skew it) and its ratio to the
baseline, measured in the same run. With ``--split all`` the tables are printed for
``tune``, ``holdout`` and both together. ``--timing`` also times a generated repeated-text
pair (about 1 MB against 0.5 MB of sentences drawn from a pool of 40) and a 5,000-word
PAN pair (average of 20 calls after the first).

Pairs are split deterministically by a hash of the pair name: ``tune`` (about 70%) is what
thresholds were tuned on, ``holdout`` (about 30%) was never looked at while tuning.
``--limit-per-category`` draws its sample before the split (``holdout`` then gets about 30%
of it): the whole corpus (5,185 pairs, a few CPU minutes) is the figure to report.

Usage::

    python -m benchmarks.alignment --corpus /work/shared/data/pan13-train \
        --split all --analyze-limit 8 --timing
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import json
import random
import re
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd

import lineage
from benchmarks.plagdet import Annotation, evaluate
from lineage.align import align

CATEGORIES = (
    "01-no-plagiarism",
    "02-no-obfuscation",
    "03-random-obfuscation",
    "04-translation-obfuscation",
    "05-summary-obfuscation",
)
HOLDOUT_PERCENT = 30
BASELINE_MIN_WORDS = 8
_WORD = re.compile(r"\w+")


def split_of(pair_name: str) -> str:
    """Return ``"holdout"`` or ``"tune"`` for a pair, fixed by a hash of its name.

    Examples
    --------
    >>> split_of("suspicious-document00005-source-document01090")
    'tune'
    """
    digest = int(hashlib.sha256(pair_name.encode()).hexdigest()[:8], 16)
    return "holdout" if digest % 100 < HOLDOUT_PERCENT else "tune"


def read_pairs(corpus: Path, category: str) -> list[tuple[str, str, str]]:
    """Return ``(pair_name, susp_file, src_file)`` of one category, in file order."""
    pairs = []
    for line in (corpus / category / "pairs").read_text().splitlines():
        if line.strip():
            susp, src = line.split()
            pairs.append((f"{Path(susp).stem}-{Path(src).stem}", susp, src))
    return pairs


def read_truth(corpus: Path, category: str, pair_name: str) -> list[Annotation]:
    """The plagiarism cases of one pair from its XML file."""
    root = ET.parse(corpus / category / f"{pair_name}.xml").getroot()
    cases = []
    for feature in root.iter("feature"):
        if feature.get("name") != "plagiarism":
            continue
        this, src = int(feature.get("this_offset")), int(feature.get("source_offset"))
        cases.append(
            Annotation(
                pair_name,
                this,
                this + int(feature.get("this_length")),
                src,
                src + int(feature.get("source_length")),
            )
        )
    return cases


def baseline(a: str, b: str) -> list[tuple[int, int, int, int]]:
    """Matching blocks of word tokens from ``difflib.SequenceMatcher`` as char spans."""
    ta, tb = list(_WORD.finditer(a)), list(_WORD.finditer(b))
    matcher = difflib.SequenceMatcher(
        None, [m.group().lower() for m in ta], [m.group().lower() for m in tb], autojunk=False
    )
    spans = []
    for block in matcher.get_matching_blocks():
        if block.size >= BASELINE_MIN_WORDS:
            spans.append(
                (
                    ta[block.a].start(),
                    ta[block.a + block.size - 1].end(),
                    tb[block.b].start(),
                    tb[block.b + block.size - 1].end(),
                )
            )
    return spans


def public(a: str, b: str) -> list[tuple[int, int, int, int]]:
    """Passages of the public :func:`lineage.align` as char spans."""
    return [(p.a_start, p.a_end, p.b_start, p.b_end) for p in lineage.align(a, b)]


def engine(a: str, b: str) -> list[tuple[int, int, int, int]]:
    """Passages of the alignment stage :func:`lineage.align.align` as char spans."""
    return [(p.a_start, p.a_end, p.b_start, p.b_end) for p in align(a, b)]


def analyzed(a: str, b: str) -> list[tuple[int, int, int, int]]:
    """Passages of :func:`lineage.analyze` on the pair as a corpus, ``a`` then ``b``."""
    result = lineage.analyze(pd.DataFrame({"id": ["susp", "src"], "text": [a, b]}))
    spans = []
    for p in result.passages.itertuples(index=False):
        sides = {p.a: (p.a_start, p.a_end), p.b: (p.b_start, p.b_end)}
        spans.append((*sides["susp"], *sides["src"]))
    return sorted(spans)


METHODS: dict[str, Callable[[str, str], list[tuple[int, int, int, int]]]] = {
    "api": public,
    "analyze": analyzed,
    "engine": engine,
    "baseline": baseline,
}


def _run_pair(job: tuple[str, str, str, str, tuple[str, ...]]) -> dict:
    corpus, pair_name, susp, src, methods = job
    root = Path(corpus)
    a = (root / "susp" / susp).read_text(encoding="utf-8")
    b = (root / "src" / src).read_text(encoding="utf-8")
    result = {"pair": pair_name}
    for name in methods:
        started = time.process_time()
        spans = METHODS[name](a, b)
        result[name] = {"seconds": time.process_time() - started, "spans": spans}
    return result


def run(
    corpus: Path,
    *,
    split: str = "all",
    limit_per_category: int | None = None,
    jobs: int = 1,
    methods: Iterable[str] = ("api", "engine", "baseline"),
    analyze_limit: int = 0,
    seed: int = 13,
) -> dict:
    """Align the pairs of ``split`` and score them; with ``split="all"`` also per split.

    Returns a dict with one summary (see :func:`score`) per split scored: ``"tune"``,
    ``"holdout"`` and ``"all"`` for ``split="all"``, else just the one asked for.
    """
    methods = tuple(methods)
    results: dict[str, list[dict]] = {}
    truth: dict[str, list[Annotation]] = {}
    with ProcessPoolExecutor(max_workers=jobs) if jobs > 1 else _Serial() as pool:
        for category in CATEGORIES:
            pairs = [p for p in read_pairs(corpus, category) if split in ("all", split_of(p[0]))]
            if limit_per_category and len(pairs) > limit_per_category:
                pairs = sorted(random.Random(seed).sample(pairs, limit_per_category))
            for name, _, _ in pairs:
                truth[name] = read_truth(corpus, category, name)
            jobs_ = [
                (str(corpus), name, s, r, methods + (("analyze",) if k < analyze_limit else ()))
                for k, (name, s, r) in enumerate(pairs)
            ]
            results[category] = list(pool.map(_run_pair, jobs_, chunksize=4))
    splits = ("tune", "holdout", "all") if split == "all" else (split,)
    return {
        which: score(
            {
                c: [r for r in rows if which == "all" or split_of(r["pair"]) == which]
                for c, rows in results.items()
            },
            truth,
            methods,
            which,
        )
        for which in splits
    }


def score(
    results: dict[str, list[dict]],
    truth: dict[str, list[Annotation]],
    methods: tuple[str, ...],
    split: str,
) -> dict:
    """PAN measures per category, on 01-04 together and on everything, and speed.

    A method run on part of the pairs (``analyze``) is scored on those pairs only, and
    ``analyze_same_as_api`` counts the pairs where its passages equal the public API's.
    """
    per_category: dict[str, dict] = {}
    everything: dict[str, tuple[list, list]] = {m: ([], []) for m in methods}
    main: dict[str, tuple[list, list]] = {m: ([], []) for m in methods}
    seconds = dict.fromkeys(methods, 0.0)
    counted = dict.fromkeys(methods, 0)
    same = compared = 0
    for category, rows in results.items():
        per_category[category] = {"pairs": len(rows)}
        for method in methods:
            mine = [r for r in rows if method in r]
            cases = [c for r in mine for c in truth[r["pair"]]]
            dets = [Annotation(r["pair"], *span) for r in mine for span in r[method]["spans"]]
            seconds[method] += sum(r[method]["seconds"] for r in mine)
            counted[method] += len(mine)
            per_category[category][method] = evaluate(cases, dets) | {
                "pairs": len(mine),
                "detections": len(dets),
                "pairs_with_detections": len({d.pair for d in dets}),
            }
            everything[method][0].extend(cases)
            everything[method][1].extend(dets)
            if category != CATEGORIES[-1]:
                main[method][0].extend(cases)
                main[method][1].extend(dets)
        for r in rows:
            if "analyze" in r and "api" in r:
                compared += 1
                same += sorted(map(tuple, r["analyze"]["spans"])) == sorted(
                    map(tuple, r["api"]["spans"])
                )
    speed = {m: counted[m] / max(seconds[m], 1e-9) for m in methods}
    summary = {
        "split": split,
        "pairs": sum(len(rows) for rows in results.values()),
        "categories": per_category,
        "01-04": {m: evaluate(*main[m]) for m in methods},
        "all": {m: evaluate(*everything[m]) for m in methods},
        "pairs_per_second": speed,
        "analyze_same_as_api": [same, compared],
    }
    if "baseline" in methods:
        summary["speed_ratio_vs_baseline"] = {
            m: speed[m] / speed["baseline"] for m in methods if m != "baseline"
        }
    return summary


class _Serial:
    """In-process stand-in for an executor when ``jobs == 1`` (same ``map`` signature)."""

    def __enter__(self) -> _Serial:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    @staticmethod
    def map(function, items, chunksize: int = 1):
        return map(function, items)


def format_table(summary: dict) -> str:
    """A plain-text table of the summary."""
    methods = list(summary["pairs_per_second"])
    lines = [
        f"split={summary['split']} pairs={summary['pairs']}",
        f"{'category':28} {'method':9} {'pairs':>5} {'plagdet':>8} {'prec':>6} {'rec':>6} "
        f"{'gran':>6} {'dets':>5} {'FPpairs':>7}",
    ]
    rows = [(c, summary["categories"][c]) for c in CATEGORIES if c in summary["categories"]]
    for category, entry in rows:
        for method in methods:
            m = entry[method]
            lines.append(
                f"{category:28} {method:9} {m['pairs']:5d} {m['plagdet']:8.4f} "
                f"{m['precision']:6.3f} {m['recall']:6.3f} {m['granularity']:6.3f} "
                f"{m['detections']:5d} {m['pairs_with_detections']:7d}"
            )
    for group in ("01-04", "all"):
        for method in methods:
            m = summary[group][method]
            lines.append(
                f"{group:28} {method:9} {'':5} {m['plagdet']:8.4f} {m['precision']:6.3f} "
                f"{m['recall']:6.3f} {m['granularity']:6.3f}"
            )
    for method in methods:
        lines.append(
            f"pairs/s {method} (per CPU second): {summary['pairs_per_second'][method]:.1f}"
        )
    for method, ratio in summary.get("speed_ratio_vs_baseline", {}).items():
        lines.append(f"speed ratio {method}/baseline: {ratio:.2f}")
    same, compared = summary["analyze_same_as_api"]
    if compared:
        lines.append(f"analyze gives the public API's passages on {same} of {compared} pairs")
    return "\n".join(lines)


def repeated_pair(size: int = 1_000_000, pool_size: int = 40) -> tuple[str, str]:
    """Return ``size`` and ``size / 2`` characters of sentences drawn from one pool.

    The pool is the first ``pool_size`` sentences of the seed ``001`` (generated text:
    every sentence repeats hundreds of times in both texts).
    """
    seeds = Path(__file__).resolve().parents[1] / "seeds"
    source = next(seeds.glob("001_*.txt")).read_text(encoding="utf-8")
    pool = [s for s in re.split(r"(?<=[.!?])\s+", source) if len(s.split()) >= 6][:pool_size]

    def draw(n: int, seed: int) -> str:
        rng, out, chars = random.Random(seed), [], 0
        while chars < n:
            out.append(rng.choice(pool))
            chars += len(out[-1]) + 1
        return " ".join(out)

    return draw(size, 1), draw(size // 2, 2)


def timing(corpus: Path, calls: int = 20) -> dict:
    """CPU seconds of the public API on the repeated pair and on a 5,000-word PAN pair."""
    a, b = repeated_pair()
    started = time.process_time()
    cut = lineage.align(a, b)
    repeated = time.process_time() - started
    for pair_name, susp, src in read_pairs(corpus, "02-no-obfuscation"):
        x = (corpus / "susp" / susp).read_text(encoding="utf-8")
        y = (corpus / "src" / src).read_text(encoding="utf-8")
        if 4500 <= len(x.split()) <= 5500 and 4500 <= len(y.split()) <= 5500:
            chosen = pair_name
            break
    started = time.process_time()
    lineage.align(x, y)
    first = time.process_time() - started
    started = time.process_time()
    for _ in range(calls):
        lineage.align(x, y)
    return {
        "repeated_chars": [len(a), len(b)],
        "repeated_seconds": repeated,
        "repeated_passages": len(cut),
        "repeated_note": cut.note,
        "words_pair": chosen,
        "words": [len(x.split()), len(y.split())],
        "words_first_seconds": first,
        "words_average_seconds": (time.process_time() - started) / calls,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--limit-per-category", type=int, default=None)
    parser.add_argument("--split", choices=("tune", "holdout", "all"), default="all")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument(
        "--analyze-limit", type=int, default=0, help="pairs per category also run by analyze"
    )
    parser.add_argument("--timing", action="store_true", help="time the repeated and 5k pairs")
    parser.add_argument("--json", type=Path, default=None, help="also write the summary here")
    args = parser.parse_args(argv)
    if not (args.corpus / "pairs").is_file():
        parser.error(f"{args.corpus} does not look like the PAN corpus (no 'pairs' file)")
    methods = ("api", "engine") if args.no_baseline else ("api", "engine", "baseline")
    summary = run(
        args.corpus,
        split=args.split,
        limit_per_category=args.limit_per_category,
        jobs=args.jobs,
        methods=methods,
        analyze_limit=args.analyze_limit,
    )
    print("\n\n".join(format_table(part) for part in summary.values()))
    if args.timing:
        summary["timing"] = timing(args.corpus)
        print(json.dumps(summary["timing"], indent=1))
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
