"""Measure the whole command: ``lineage analyze`` (report included) against ``lineage.analyze()``.

For each corpus, in the same run and each in a fresh process (its CPU time and peak
resident memory read with ``os.wait4``, so one run's memory never hides another's):

1. ``lineage analyze CORPUS --out DIR``: the CLI as a user runs it, tables, PNGs and
   report.html written;
2. ``lineage.analyze(CORPUS)`` in a Python process, with a progress callback that reads
   the CPU clock at every stage boundary (the share of each stage), then
   ``lineage.write_outputs`` timed on its own (the report's share);
3. with ``--dedup``: ``lineage dedup CORPUS --out clusters.csv`` and
   ``lineage.near_duplicates`` likewise.

It prints documents per CPU-second, peak RSS, the CLI over ``analyze()`` ratio, each
stage's share, the size of report.html and of the largest PNG, and the log-log growth
slope of CPU time against the number of documents over the sizes run.

Corpora: ``--sizes 10000,20000`` generates that many documents with
:func:`benchmarks.near_duplicate_corpus.generate` (families of rewrites, splices and
unrelated filler built from the seeds' vocabulary and sentences: a generated corpus, said
so in every figure), or ``--one-topic 3000,10000`` with
:func:`benchmarks.near_duplicate_corpus.one_topic` (every document drawn from one pool of
sentences, planted near-duplicates; recall of ``near_duplicates`` on them is printed), and
``--corpus PATH`` (repeatable) for real text such as the Reuters stories.

``--footers`` runs every generated corpus twice, both times with an ``outlet`` column
(documents dealt round-robin to one outlet per 500 documents): as generated, and with each
outlet's footer appended to all its articles (a copyright line worded alike across outlets,
a newsletter plug and a contact line of the outlet's own: see :func:`outlet_footer`). It
prints the cost of the footer run over the plain one, the pairs with a passage that it
gains or loses, the footer-only pairs and the passages lying mostly inside a footer.
``--cli-only`` runs the command alone (no ``lineage.analyze()`` in a second process).

    nice -n 10 python -m benchmarks.whole_analysis --sizes 10000,20000 \\
        --corpus ../shared/data/reuters-21578/reuters-000-013.jsonl.gz --dedup
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

STAGE_AFTER_SKETCH = "candidates (LSH)"


def _run(command: list[str], env: dict[str, str] | None = None) -> dict:
    """Run ``command``, returning its CPU seconds, peak RSS (GiB), wall time and output."""
    wall = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(command, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({process.returncode}):\n{stderr[-3000:]}")
    return {
        "cpu": usage.ru_utime + usage.ru_stime,
        "peak_gib": usage.ru_maxrss / 2**20,
        "wall": time.perf_counter() - wall,
        "stdout": stdout,
    }


def _run_child(command: list[str]) -> tuple[dict, dict]:
    """Run a child of this benchmark: its usage (:func:`_run`) and its last line's JSON."""
    usage = _run(command)
    return usage, json.loads(usage["stdout"].strip().splitlines()[-1])


def _lineage_command() -> list[str]:
    return [sys.executable, "-m", "lineage"]


def child_analyze(corpus: str, out: str) -> None:
    """In a fresh process: ``lineage.analyze`` with stage timing, then the outputs."""
    import lineage
    from lineage.api import write_outputs

    events: list[tuple[str, float]] = []
    sizes: dict[str, int] = {}

    def progress(stage: str, done: int, total: int) -> None:
        events.append((stage, time.process_time()))
        sizes[stage] = total

    start = time.process_time()
    result = lineage.analyze(corpus, progress=progress)
    analyzed = time.process_time()
    write_outputs(result, out)
    written = time.process_time()
    shares: dict[str, float] = {}
    previous_stage, previous = "load", start
    for stage, clock in [*events, ("end", analyzed)]:
        if stage == previous_stage or previous_stage == "load":
            label = previous_stage  # inside a stage (or reading the corpus)
        elif previous_stage == "sketch":
            label = STAGE_AFTER_SKETCH  # between the end of sketching and verification
        else:
            label = "between stages"  # reuse figures, tables
        shares[label] = shares.get(label, 0.0) + clock - previous
        previous_stage, previous = stage, clock
    shares["report (write_outputs)"] = written - analyzed
    print(
        json.dumps(
            {
                "analyze_cpu": analyzed - start,
                "write_cpu": written - analyzed,
                "stages": shares,
                "sizes": sizes,
                "pairs": len(result.pairs),
                "passages": len(result.passages),
                "limits": dict(result.limits),
            }
        )
    )


def child_near_duplicates(corpus: str, truth: str | None) -> None:
    """In a fresh process: ``lineage.near_duplicates`` (and its recall of ``truth``)."""
    import pandas as pd

    import lineage

    loaded = lineage.load_corpus(corpus)
    frame = pd.DataFrame({"id": list(loaded.ids), "text": list(loaded.texts)})
    start = time.process_time()
    found = lineage.near_duplicates(frame, 0.5)
    cpu = time.process_time() - start
    figures = {"cpu": cpu, "pairs": len(found), "limits": found.attrs.get("limits", {})}
    if truth:
        expected = set(map(tuple, json.loads(Path(truth).read_text())))
        got = set(zip(found["a"], found["b"], strict=True))
        figures["recall"] = len(expected & got) / max(len(expected), 1)
        figures["precision"] = len(expected & got) / max(len(got), 1)
        figures["truth"] = len(expected)
    print(json.dumps(figures))


def _write_generated(kind: str, n_docs: int, folder: Path) -> tuple[Path, Path]:
    from benchmarks.near_duplicate_corpus import generate, one_topic, true_pairs

    corpus = generate(n_docs, seed=7) if kind == "generated" else one_topic(n_docs, seed=7)
    path = folder / f"{kind}-{n_docs}.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for doc_id, text in zip(corpus.ids, corpus.texts, strict=True):
            handle.write(json.dumps({"id": doc_id, "text": text}) + "\n")
    truth = folder / f"{kind}-{n_docs}.truth.json"
    truth.write_text(json.dumps(sorted(true_pairs(corpus, 0.5))))
    return path, truth


_PAPERS = ("Courier", "Herald", "Gazette", "Tribune", "Chronicle", "Observer", "Ledger", "Post")
_PLACES = ("Northfield", "Lakeside", "Port Ellen", "Maple Ridge", "Eastwick", "Harrow Bay")
_TOPICS = ("politics", "business", "the region", "sport", "science", "culture")


def outlet_footer(outlet: int) -> str:
    """Return the footer outlet number ``outlet`` appends to every article (generated text).

    Three paragraphs, as scraped pages carry them: a copyright line worded alike by every
    outlet but for its name, a newsletter plug and a contact line of the outlet's own.

    >>> outlet_footer(0).splitlines()[0]
    '© 2025 Northfield Courier. All rights reserved. This material may not be published, \
broadcast, rewritten or redistributed without permission.'
    >>> outlet_footer(0) == outlet_footer(48)
    False
    """
    paper = _PAPERS[outlet % len(_PAPERS)]
    place = _PLACES[(outlet // len(_PAPERS)) % len(_PLACES)]
    name = f"{place} {paper}" + (f" {outlet // 48 + 1}" if outlet >= 48 else "")
    topic = _TOPICS[outlet % len(_TOPICS)]
    slug = name.lower().replace(" ", "")
    return "\n\n".join(
        [
            f"© 2025 {name}. All rights reserved. This material may not be published, "
            "broadcast, rewritten or redistributed without permission.",
            f"Sign up for the {name} morning briefing: the stories on {topic} that matter to "
            f"{place}, in your inbox before seven every weekday. Read more at {slug}.example.",
            f"Have a story tip for the {paper} newsroom? Write to tips@{slug}.example or call "
            f"the {place} desk, which reads every message that readers send.",
        ]
    )


def _write_outlets(corpus: Path, folder: Path, per_outlet: int = 500) -> tuple[Path, Path]:
    """Write ``corpus`` with an ``outlet`` column, plain and with the outlets' footers.

    The footer corpus gets a ``footer_start`` column: where the footer begins in the text.
    """
    rows = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines()]
    outlets = max(2, len(rows) // per_outlet)
    plain = folder / f"{corpus.stem}-outlets.jsonl"
    footers = folder / f"{corpus.stem}-footers.jsonl"
    with plain.open("w", encoding="utf-8") as p, footers.open("w", encoding="utf-8") as f:
        for position, row in enumerate(rows):
            footer = outlet_footer(position % outlets)
            row["outlet"] = footer.split(".")[0].removeprefix("© 2025 ")
            p.write(json.dumps(row) + "\n")
            row["footer_start"] = len(row["text"]) + 2
            row["text"] = row["text"] + "\n\n" + footer
            f.write(json.dumps(row) + "\n")
    return plain, footers


def footer_only(plain_out: Path, footer_out: Path, footer_corpus: Path) -> dict[str, int]:
    """Compare the runs without and with footers: pairs gained or lost, footer passages.

    ``plain_out`` and ``footer_out`` are the output folders of ``lineage analyze`` on the
    same corpus without and with footers. A passage lies in a footer when over half of it,
    on either side, is inside the footer of its document; a footer-only pair has no other.
    """
    import pandas as pd

    def passages(folder: Path) -> pd.DataFrame:
        return pd.read_csv(
            folder / "passages.csv", keep_default_na=False, dtype={"a": str, "b": str}
        )

    plain, found = passages(plain_out), passages(footer_out)
    footer_start = {
        str(row["id"]): int(row["footer_start"])
        for row in map(json.loads, footer_corpus.read_text(encoding="utf-8").splitlines())
    }
    in_footer = np.zeros(len(found), dtype=bool)
    for side in ("a", "b"):
        begin = found[side].map(footer_start).to_numpy()
        start, end = found[f"{side}_start"].to_numpy(), found[f"{side}_end"].to_numpy()
        inside = np.clip(end - np.maximum(start, begin), 0, None)
        in_footer |= inside > 0.5 * (end - start)
    by_pair = found.assign(in_footer=in_footer).groupby(["a", "b"])["in_footer"].all()
    before = set(zip(plain["a"], plain["b"], strict=True))
    after = set(zip(found["a"], found["b"], strict=True))
    return {
        "gained_pairs": len(after - before),
        "lost_pairs": len(before - after),
        "footer_only_pairs": int(by_pair.sum()),
        "passages_in_footers": int(in_footer.sum()),
    }


def _count(path: Path) -> int:
    import lineage

    return len(lineage.load_corpus(path).documents)


def _png_sides(folder: Path) -> int:
    from PIL import Image

    sides = [max(Image.open(p).size) for p in folder.glob("*.png")]
    return max(sides, default=0)


def measure(
    label: str,
    corpus: Path,
    truth: Path | None,
    args: argparse.Namespace,
    cli_out: Path | None = None,
) -> dict:
    """Run the CLI, the API and (optionally) dedup on one corpus; print and return figures.

    The CLI's output folder is ``cli_out`` when given (kept), else a temporary one.
    """
    n_docs = _count(corpus)
    row: dict = {"label": label, "docs": n_docs}
    print(f"\n== {label}: {n_docs} documents ({corpus})", flush=True)
    me = [sys.executable, "-m", "benchmarks.whole_analysis"]
    with tempfile.TemporaryDirectory() as tmp:
        if not args.skip_analyze:
            out = cli_out or Path(tmp) / "cli"
            cli = _run([*_lineage_command(), "analyze", str(corpus), "--out", str(out)])
            html = (out / "report.html").stat().st_size / 2**20
            row.update(
                cli_cpu=cli["cpu"],
                cli_peak=cli["peak_gib"],
                html_mib=html,
                png_px=_png_sides(out),
            )
            print(
                f"  lineage analyze (CLI): cpu {cli['cpu']:.1f} s, wall {cli['wall']:.1f} s, "
                f"peak {cli['peak_gib']:.2f} GiB, {n_docs / cli['cpu']:.0f} docs/CPU-s, "
                f"report.html {html:.2f} MB, largest PNG side {row['png_px']} px",
                flush=True,
            )
            if not args.cli_only:
                api, inner = _run_child(
                    [*me, "--child-analyze", str(corpus), str(Path(tmp) / "api")]
                )
                row.update(
                    api_cpu=inner["analyze_cpu"],
                    api_process_cpu=api["cpu"],
                    api_peak=api["peak_gib"],
                    stages=inner["stages"],
                    pairs=inner["pairs"],
                    passages=inner["passages"],
                    limits=inner["limits"],
                )
                total = sum(inner["stages"].values())
                print(
                    f"  lineage.analyze(): cpu {inner['analyze_cpu']:.1f} s "
                    f"({n_docs / inner['analyze_cpu']:.0f} docs/CPU-s), process peak "
                    f"{api['peak_gib']:.2f} GiB; write_outputs {inner['write_cpu']:.1f} s; "
                    f"CLI / analyze() = {cli['cpu'] / inner['analyze_cpu']:.2f}",
                    flush=True,
                )
                print(
                    f"  {inner['pairs']} pairs, {inner['passages']} passages; "
                    f"sizes {inner['sizes']}"
                )
                print(
                    "  stage shares: "
                    + ", ".join(f"{k} {100 * v / total:.0f}%" for k, v in inner["stages"].items())
                )
                if inner["limits"]:
                    print(f"  limits: {inner['limits'].get('note')}")
        if args.dedup:
            out = Path(tmp) / "clusters.csv"
            cli = _run([*_lineage_command(), "dedup", str(corpus), "--out", str(out)])
            command = [*me, "--child-near-duplicates", str(corpus)]
            api, inner = _run_child(command + ([str(truth)] if truth else []))
            row.update(
                dedup_cpu=cli["cpu"],
                dedup_peak=cli["peak_gib"],
                nd_cpu=inner["cpu"],
                nd_peak=api["peak_gib"],
                nd_recall=inner.get("recall"),
                nd_precision=inner.get("precision"),
            )
            quality = (
                f", recall {inner['recall']:.3f} precision {inner['precision']:.3f} "
                f"of {inner['truth']} true pairs (jaccard >= 0.5)"
                if truth
                else ""
            )
            print(
                f"  lineage dedup (CLI): cpu {cli['cpu']:.1f} s, peak {cli['peak_gib']:.2f} GiB, "
                f"{n_docs / cli['cpu']:.0f} docs/CPU-s; near_duplicates(): cpu "
                f"{inner['cpu']:.1f} s ({n_docs / inner['cpu']:.0f} docs/CPU-s), process peak "
                f"{api['peak_gib']:.2f} GiB, {inner['pairs']} pairs{quality}",
                flush=True,
            )
            if inner["limits"]:
                print(f"  limits: {inner['limits'].get('note')}")
    return row


def measure_footers(
    n_docs: int, corpus: Path, truth: Path, workdir: Path, args: argparse.Namespace
) -> dict:
    """Measure a generated corpus with outlets, without and with their footers; compare."""
    plain, footers = _write_outlets(corpus, workdir)
    outs = {name: workdir / f"out-{name}-{n_docs}" for name in ("plain", "footers")}
    for out in outs.values():
        shutil.rmtree(out, ignore_errors=True)
    before = measure(f"generated {n_docs}, outlets", plain, truth, args, outs["plain"])
    after = measure(f"generated {n_docs}, outlets + footers", footers, truth, args, outs["footers"])
    added = footer_only(outs["plain"], outs["footers"], footers)
    row = {
        "label": f"footers {n_docs}",
        "docs": n_docs,
        "cli_cost": after["cli_cpu"] / before["cli_cpu"],
        "api_cost": after["api_cpu"] / before["api_cpu"] if "api_cpu" in after else None,
        "plain": before,
        "footers": after,
        **added,
    }
    api = "" if row["api_cost"] is None else f", analyze() CPU {row['api_cost']:.2f}x"
    print(
        f"  footers / plain: CLI CPU {row['cli_cost']:.2f}x{api}; "
        f"pairs with a passage gained {added['gained_pairs']}, lost {added['lost_pairs']}; "
        f"footer-only pairs {added['footer_only_pairs']}; passages mostly inside a footer "
        f"{added['passages_in_footers']}",
        flush=True,
    )
    return row


def slope(sizes: list[int], seconds: list[float]) -> float | None:
    """Least-squares slope of log(seconds) against log(sizes) (None under two sizes)."""
    if len(sizes) < 2:
        return None
    return float(np.polyfit(np.log(sizes), np.log(seconds), 1)[0])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="", help="generated corpora, e.g. 10000,20000")
    parser.add_argument("--one-topic", default="", help="one-topic corpora, e.g. 3000,10000")
    parser.add_argument("--corpus", action="append", default=[], help="a real corpus path")
    parser.add_argument("--dedup", action="store_true", help="also lineage dedup")
    parser.add_argument("--skip-analyze", action="store_true", help="dedup only")
    parser.add_argument("--cli-only", action="store_true", help="no lineage.analyze() run")
    parser.add_argument("--footers", action="store_true", help="generated corpora with footers")
    parser.add_argument("--workdir", default=None, help="keep generated corpora here")
    parser.add_argument("--child-analyze", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--child-near-duplicates", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_analyze:
        child_analyze(*args.child_analyze)
        return
    if args.child_near_duplicates:
        corpus, *truth = args.child_near_duplicates
        child_near_duplicates(corpus, truth[0] if truth else None)
        return
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="whole_analysis_"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load {os.getloadavg()}")
    rows = []
    for kind, sizes in (("generated", args.sizes), ("one-topic", args.one_topic)):
        for n_docs in [int(s) for s in sizes.split(",") if s]:
            corpus = workdir / f"{kind}-{n_docs}.jsonl"
            truth = workdir / f"{kind}-{n_docs}.truth.json"
            if not corpus.exists() or not truth.exists():
                corpus, truth = _write_generated(kind, n_docs, workdir)
            if kind == "generated" and args.footers:
                rows.append(measure_footers(n_docs, corpus, truth, workdir, args))
            else:
                rows.append(measure(f"{kind} {n_docs}", corpus, truth, args))
    for path in args.corpus:
        rows.append(measure(Path(path).name, Path(path), None, args))
    generated = [r for r in rows if r["label"].startswith("generated") and "cli_cpu" in r]
    if len(generated) >= 2:
        docs = [r["docs"] for r in generated]
        for key in ("cli_cpu", "api_cpu"):
            value = slope(docs, [r[key] for r in generated])
            print(f"growth slope of {key} over {docs}: {value:.2f}")
    print("\n" + json.dumps(rows, default=str))


if __name__ == "__main__":
    main()
