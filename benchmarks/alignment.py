"""Alignment quality and speed on the PAN 2013 text-alignment training corpus.

Runs :func:`lineage.align.align` on (suspicious, source) pairs of each category and scores
the passages against the XML truth with PAN's measures (:mod:`benchmarks.plagdet`). A plain
baseline runs in the same process on the same pairs: ``difflib.SequenceMatcher`` over word
tokens, every matching block of at least ``BASELINE_MIN_WORDS`` words a detection. Speed is
pairs per CPU second of the aligning process (reading files excluded; CPU time rather than
wall time, so other load on the machine does not skew it) and its ratio to the baseline.
With ``--split all`` the tables are printed for ``tune``, ``holdout`` and both together.

Pairs are split deterministically by a hash of the pair name: ``tune`` (about 70%) is what
thresholds were tuned on, ``holdout`` (about 30%) was never looked at while tuning.

Usage::

    python -m benchmarks.alignment --corpus /work/shared/data/pan13-train \
        --split all --limit-per-category 100 --jobs 2
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import json
import re
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

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


def ours(a: str, b: str) -> list[tuple[int, int, int, int]]:
    """Passages of :func:`lineage.align.align` as char spans."""
    return [(p.a_start, p.a_end, p.b_start, p.b_end) for p in align(a, b)]


METHODS: dict[str, Callable[[str, str], list[tuple[int, int, int, int]]]] = {
    "lineage": ours,
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
    methods: Iterable[str] = ("lineage", "baseline"),
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
            pairs = pairs[:limit_per_category] if limit_per_category else pairs
            for name, _, _ in pairs:
                truth[name] = read_truth(corpus, category, name)
            jobs_ = [(str(corpus), name, s, r, methods) for name, s, r in pairs]
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
    """PAN measures per category, on 01-04 together and on everything, and speed."""
    per_category: dict[str, dict] = {}
    everything: dict[str, tuple[list, list]] = {m: ([], []) for m in methods}
    main: dict[str, tuple[list, list]] = {m: ([], []) for m in methods}
    seconds = dict.fromkeys(methods, 0.0)
    total_pairs = 0
    for category, rows in results.items():
        cases = [c for r in rows for c in truth[r["pair"]]]
        total_pairs += len(rows)
        per_category[category] = {"pairs": len(rows), "cases": len(cases)}
        for method in methods:
            dets = [Annotation(r["pair"], *span) for r in rows for span in r[method]["spans"]]
            seconds[method] += sum(r[method]["seconds"] for r in rows)
            per_category[category][method] = evaluate(cases, dets) | {
                "detections": len(dets),
                "pairs_with_detections": len({d.pair for d in dets}),
            }
            everything[method][0].extend(cases)
            everything[method][1].extend(dets)
            if category != CATEGORIES[-1]:
                main[method][0].extend(cases)
                main[method][1].extend(dets)
    summary = {
        "split": split,
        "pairs": total_pairs,
        "categories": per_category,
        "01-04": {m: evaluate(*main[m]) for m in methods},
        "all": {m: evaluate(*everything[m]) for m in methods},
        "pairs_per_second": {m: total_pairs / max(seconds[m], 1e-9) for m in methods},
    }
    if "lineage" in methods and "baseline" in methods:
        summary["speed_ratio_vs_baseline"] = (
            summary["pairs_per_second"]["lineage"] / summary["pairs_per_second"]["baseline"]
        )
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
        f"{'category':28} {'method':9} {'plagdet':>8} {'prec':>6} {'rec':>6} {'gran':>6} "
        f"{'dets':>5} {'FPpairs':>7}",
    ]
    rows = [(c, summary["categories"][c]) for c in CATEGORIES if c in summary["categories"]]
    for category, entry in rows:
        for method in methods:
            m = entry[method]
            lines.append(
                f"{category + ' (' + str(entry['pairs']) + ')':28} {method:9} "
                f"{m['plagdet']:8.4f} {m['precision']:6.3f} {m['recall']:6.3f} "
                f"{m['granularity']:6.3f} {m['detections']:5d} {m['pairs_with_detections']:7d}"
            )
    for group in ("01-04", "all"):
        for method in methods:
            m = summary[group][method]
            lines.append(
                f"{group:28} {method:9} {m['plagdet']:8.4f} {m['precision']:6.3f} "
                f"{m['recall']:6.3f} {m['granularity']:6.3f}"
            )
    for method in methods:
        lines.append(
            f"pairs/s {method} (per CPU second): {summary['pairs_per_second'][method]:.1f}"
        )
    if "speed_ratio_vs_baseline" in summary:
        lines.append(f"speed ratio lineage/baseline: {summary['speed_ratio_vs_baseline']:.2f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--limit-per-category", type=int, default=None)
    parser.add_argument("--split", choices=("tune", "holdout", "all"), default="all")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--json", type=Path, default=None, help="also write the summary here")
    args = parser.parse_args(argv)
    if not (args.corpus / "pairs").is_file():
        parser.error(f"{args.corpus} does not look like the PAN corpus (no 'pairs' file)")
    methods = ("lineage",) if args.no_baseline else ("lineage", "baseline")
    summary = run(
        args.corpus,
        split=args.split,
        limit_per_category=args.limit_per_category,
        jobs=args.jobs,
        methods=methods,
    )
    print("\n\n".join(format_table(part) for part in summary.values()))
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
