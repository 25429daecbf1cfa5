"""Cost and size of the report alone on a large analysis (tables generated, texts real).

A wire story copied by 400 outlets and ``--families`` story/rewrite pairs (each child
reuses its parent's first 100 characters), every document given a generated article's
text (``near_duplicate_corpus.generate``): what ``lineage.report.write_report`` costs and
writes when the analysis has ``2 * families + 401`` documents. The tables are made up, so
this measures the report only, not an analysis.

    python -m benchmarks.report_scale --families 9800
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import lineage
from benchmarks.near_duplicate_corpus import generate
from lineage import schema
from lineage.report import write_report


def synthetic_forest(star: int, pairs: int, texts: list[str] | None = None) -> lineage.Analysis:
    """A wire story copied by ``star`` outlets, and ``pairs`` story/rewrite families.

    Every child reuses its parent's first 100 characters (a passage), so the reuse
    shares are known: 100 / 1,000 of each child, 100 / 1,000 of the parent per child.
    With ``texts``, documents take them in turn (the report shows aligned text).
    """
    edges = [{"parent": "wire", "child": f"copy{k:04d}", "confidence": 0.9} for k in range(star)]
    edges += [
        {"parent": f"story{k:05d}", "child": f"rewrite{k:05d}", "confidence": 0.7}
        for k in range(pairs)
    ]
    passages = []
    for edge in edges:
        edge.update(evidence="", rank=1)
        passages.append(
            dict(
                a=edge["parent"], a_start=0, a_end=100, b=edge["child"], b_start=0, b_end=100,
                kind="prose", quote_chars=0, similarity=1.0, commonness=0.0,
            )
        )  # fmt: skip
    ids = sorted({e["parent"] for e in edges} | {e["child"] for e in edges})
    blank = {name: None for name in schema.columns("documents")}
    documents = [{**blank, "id": i, "chars": 1000, "status": "ok"} for i in ids]
    return lineage.Analysis(
        documents=schema.frame("documents", documents),
        pairs=schema.frame("pairs", []),
        passages=schema.frame("passages", passages),
        sources=schema.frame("sources", []),
        edges=schema.frame("edges", edges),
        texts={doc_id: texts[k % len(texts)] for k, doc_id in enumerate(ids)} if texts else {},
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", type=int, default=9800)
    args = parser.parse_args()
    analysis = synthetic_forest(400, args.families, generate(500, seed=1).texts)
    from PIL import Image

    with tempfile.TemporaryDirectory() as out:
        cpu = time.process_time()
        paths = write_report(analysis, out)
        cpu = time.process_time() - cpu
        sides = {k: Image.open(v).size for k, v in paths.items() if Path(v).suffix == ".png"}
        html = paths["report"].stat().st_size / 2**20
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(
        f"{len(analysis.documents)} documents, {len(analysis.edges)} edges: write_report "
        f"{cpu:.1f} CPU-s, report.html {html:.2f} MB, PNGs {sides}, peak {peak:.2f} GiB"
    )


if __name__ == "__main__":
    main()
