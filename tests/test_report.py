"""The report draws the analysis of the seeds faithfully and escapes everything it shows.

The analysis is the real one (``lineage.analyze``) of the five seed articles plus one
hostile article (a copy of a wire paragraph wrapped in ``<script>``/``onerror=`` markup,
with a hostile id and outlet) and one empty input that the loader skips.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import re
import subprocess
import sys
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from markupsafe import escape  # the escaping of the report's templates (jinja2 autoescape)
from matplotlib.figure import Figure
from PIL import Image

import lineage
from benchmarks.lineage_corpus import news_corpus
from benchmarks.report_scale import synthetic_forest
from lineage.errors import ParameterError
from lineage.records import complement
from lineage.report import (
    derivation_forest,
    plot_heatmap,
    plot_tree,
    reuse_matrix,
    summary_html,
    write_report,
)
from lineage.report.heatmap import choose_documents, reuse_shares

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
WIRE = "001_bf39bc6a18a36fb4"
REWRITE = "000_30916bffc445b469"
HOSTILE_ID = "zz<img src=x onerror=window.__pwned=1>"
HOSTILE_OUTLET = "<script>window.__pwned = 1</script>Evil $Times"
SCRIPT = "<script>window.__pwned = true; document.title = 'pwned';</script>"
IMAGE = "<img src=x onerror=\"window.__pwned = true; document.title = 'pwned'\">"


def seed_frame() -> pd.DataFrame:
    """The seeds as a table with outlet and date columns, as a data scientist has them."""
    outlets = {
        "000": "Agency rewrite",
        "001": "Reuters",
        "002": "Rewrite desk",
        "003": "New York Times",
        "004": "RFE/RL",
    }
    rows = [
        {
            "id": path.stem,
            "text": path.read_text(encoding="utf-8"),
            "outlet": outlets[path.stem[:3]],
            "date": "2025-05-15",
        }
        for path in sorted(SEEDS.glob("*.txt"))
    ]
    return pd.DataFrame(rows)


def hostile_frame() -> pd.DataFrame:
    """The seeds plus a hostile article that copies the wire, and an empty input."""
    frame = seed_frame()
    wire = frame.set_index("id").loc[WIRE, "text"]
    paragraphs = [p for p in wire.split("\n") if len(p) > 200][1:4]
    hostile = SCRIPT + "\n" + "\n".join(paragraphs) + "\n" + IMAGE + "\n"
    extra = pd.DataFrame(
        [
            {"id": HOSTILE_ID, "text": hostile, "outlet": HOSTILE_OUTLET, "date": "2025-05-16"},
            {"id": "empty", "text": "   ", "outlet": "Nobody", "date": "2025-05-16"},
        ]
    )
    return pd.concat([frame, extra], ignore_index=True)


@pytest.fixture(scope="session")
def hostile_analysis() -> lineage.Analysis:
    return lineage.analyze(hostile_frame())


@pytest.fixture(scope="session")
def hostile_report(hostile_analysis, tmp_path_factory) -> dict[str, Path]:
    return write_report(hostile_analysis, tmp_path_factory.mktemp("report"))


class _Page(HTMLParser):
    """Collects tags, attributes and the text inside <script> and <style>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.inline: dict[str, list[str]] = {"script": [], "style": []}
        self._inside: str | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag in self.inline:
            self._inside = tag
            self.inline[tag].append("")

    def handle_endtag(self, tag):
        if tag == self._inside:
            self._inside = None

    def handle_data(self, data):
        if self._inside:
            self.inline[self._inside][-1] += data


def parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def test_pngs_are_real_images_of_sane_size(hostile_report):
    for name in ("heatmap", "tree"):
        path = hostile_report[name]
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        with Image.open(path) as image:
            width, height = image.size
            assert 400 <= width <= 8000 and 250 <= height <= 8000, (name, image.size)
            pixels = np.asarray(image.convert("L"))
        assert pixels.std() > 10, f"{name} looks blank"


def test_reuse_matrix_is_the_union_of_each_pairs_passages(hostile_analysis):
    matrix = reuse_matrix(hostile_analysis)
    chars = hostile_analysis.documents.set_index("id")["chars"]
    for doc_id in matrix.index:
        explained = hostile_analysis.explain(doc_id)
        for other in matrix.columns.drop(doc_id):
            mine = explained[explained["other"] == other]
            covered = set()
            for start, end in zip(mine["start"], mine["end"], strict=True):
                covered.update(range(start, end))
            assert matrix.loc[doc_id, other] == pytest.approx(len(covered) / chars[doc_id])
    assert np.isnan(np.diag(matrix.to_numpy(dtype=float))).all()
    prose, quote = (
        reuse_matrix(hostile_analysis, kind="prose"),
        reuse_matrix(hostile_analysis, kind="quote"),
    )
    total = matrix.to_numpy(dtype=float)
    assert np.nanmax(prose.to_numpy(dtype=float) - total) <= 1e-12
    assert np.nanmax(quote.to_numpy(dtype=float) - total) <= 1e-12


def test_heatmap_shows_the_wire_family_next_to_each_other(hostile_analysis):
    matrix = reuse_matrix(hostile_analysis)
    assert matrix.loc[REWRITE, WIRE] > 0.3, "the abridged rewrite reuses much of the wire"
    order, note = choose_documents(
        reuse_shares(hostile_analysis), list(matrix.index), max_documents=60
    )
    assert note == ""
    assert sorted(order) == sorted(matrix.index)
    assert abs(order.index(REWRITE) - order.index(WIRE)) == 1


def test_heatmap_panels_and_validation(hostile_analysis):
    figure = Figure(figsize=(10, 5))
    ax = figure.add_subplot()
    assert plot_heatmap(hostile_analysis, ax=ax) is ax
    panels = [child for child in ax.child_axes if child.get_title()]
    assert [p.get_title() for p in panels] == ["reused prose", "shared quotations"]
    loaded = (hostile_analysis.documents["status"] != "skipped").sum()
    assert all(len(p.get_xticklabels()) == loaded for p in panels)
    annotated = [t.get_text() for t in panels[0].texts]
    expected = reuse_matrix(hostile_analysis, kind="prose").loc[REWRITE, WIRE]
    assert f"{100 * expected:.0f}" in annotated
    with pytest.raises(ParameterError, match=r"'max_documents' must be"):
        plot_heatmap(hostile_analysis, max_documents=0)


def test_tree_places_every_analysed_document_and_latent_source(hostile_analysis):
    forest = derivation_forest(hostile_analysis)
    docs = hostile_analysis.documents
    loaded = set(docs.loc[docs["status"] != "skipped", "id"])
    latent = set(hostile_analysis.sources["id"])
    assert set(forest.positions) == loaded | latent
    assert len(set(forest.positions.values())) == len(forest.positions), "nodes overlap"
    edges = hostile_analysis.edges
    linked = set(edges["parent"]) | set(edges["child"])
    assert set(forest.independent) == loaded - linked
    for row in edges[edges["rank"] == 1].itertuples():
        px, _ = forest.positions[row.parent]
        cx, _ = forest.positions[row.child]
        assert cx == px + 1, "a child sits one layer right of its parent"
    ax = plot_tree(hostile_analysis)
    labels = " ".join(t.get_text() for t in ax.texts)
    assert "Reuters, 2025-05-15" in labels
    confidences = {f"{c:.2f}" for c in edges.loc[edges["rank"] == 1, "confidence"]}
    assert confidences <= {t.get_text() for t in ax.texts}


def test_html_lists_every_document_and_fetches_nothing(hostile_report, hostile_analysis):
    html = hostile_report["report"].read_text(encoding="utf-8")
    for doc_id in hostile_analysis.documents["id"]:
        assert escape(doc_id) in html
    page = parse(html)
    for tag, attrs in page.tags:
        for name in ("src", "href", "action", "srcset", "poster", "data"):
            value = attrs.get(name)
            if value is not None:
                assert value.startswith(("#", "data:image/png;base64,")), (tag, name, value[:60])
    images = [attrs["src"] for tag, attrs in page.tags if tag == "img"]
    assert len(images) == 2
    for src in images:
        assert base64.b64decode(src.split(",", 1)[1])[:4] == b"\x89PNG"
    assert not re.search(r"url\(|@import", " ".join(page.inline["style"]))


def test_csp_forbids_the_network_and_allows_only_the_reports_own_code(hostile_report):
    page = parse(hostile_report["report"].read_text(encoding="utf-8"))
    policies = [
        a["content"] for t, a in page.tags if a.get("http-equiv") == "Content-Security-Policy"
    ]
    assert len(policies) == 1
    policy = dict(part.strip().split(" ", 1) for part in policies[0].split(";"))
    assert policy["default-src"] == "'none'" and policy["img-src"] == "data:"

    def digest(source: str) -> str:
        return (
            "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"
        )

    assert [digest(s) for s in page.inline["script"]] == [policy["script-src"]]
    assert [digest(s) for s in page.inline["style"]] == [policy["style-src"]]


def test_hostile_text_id_and_metadata_are_shown_as_text(hostile_report):
    html = hostile_report["report"].read_text(encoding="utf-8")
    page = parse(html)
    assert [t for t, _ in page.tags].count("script") == 1
    assert "__pwned" not in page.inline["script"][0]
    for tag, attrs in page.tags:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        assert not (tag == "img" and attrs.get("src") == "x")
    shown = re.sub(r"<[^>]*>", "", html)  # highlights may cut a text into several tags
    for raw in (SCRIPT, IMAGE, HOSTILE_ID, HOSTILE_OUTLET):
        assert raw not in html
        assert escape(raw) in shown
    summary = summary_html(lineage.analyze(hostile_frame().tail(3)))
    assert SCRIPT not in summary and escape(HOSTILE_ID) in summary
    assert "<script" not in summary


def marked(html: str, kind: str) -> list[str]:
    return re.findall(rf"<mark class='{kind}'>(.*?)</mark>", html, flags=re.S)


def test_passages_are_highlighted_by_kind_and_debris_greyed(hostile_report, hostile_analysis):
    html = hostile_report["report"].read_text(encoding="utf-8")
    texts = hostile_analysis.texts
    spans: dict[str, dict[str, list[tuple[int, int]]]] = {}
    passages = hostile_analysis.passages
    parts = hostile_analysis.quotes
    for number, p in enumerate(passages.itertuples()):
        for side, doc, start, end in (
            ("a", p.a, p.a_start, p.a_end),
            ("b", p.b, p.b_start, p.b_end),
        ):
            mine = parts[(parts["passage"] == number) & (parts["side"] == side)]
            quoted = list(zip(mine["start"], mine["end"], strict=True))
            kinds = spans.setdefault(doc, {"prose": [], "quote": []})
            if p.kind == "quote":  # a quotation passage is marked whole
                kinds["quote"].append((start, end))
                continue
            kinds["quote"].extend(quoted)  # quoted parts of a passage are marked as quotes
            kinds["prose"].extend(complement((start, end), quoted))
    checked = {"prose": 0, "quote": 0}
    for doc, kinds in spans.items():
        debris = [(s.start, s.end) for s in hostile_analysis.ignored.get(doc, ())]
        for kind, own in kinds.items():
            others = kinds["quote" if kind == "prose" else "prose"] + debris
            shown = marked(html, kind)
            for start, end in own:
                if any(s < end and start < e for s, e in others):
                    continue
                piece = escape(texts[doc][start:end])
                assert any(piece in block for block in shown), (doc, kind, start, end)
                checked[kind] += 1
    assert checked["prose"] > 0 and checked["quote"] > 0
    greyed = re.findall(r"<span class='debris'[^>]*>(.*?)</span>", html, flags=re.S)
    ignored = [(d, s) for d, spans in hostile_analysis.ignored.items() for s in spans]
    assert ignored, "the seeds carry scraping debris (the wire's date prefix, a photo caption)"
    for doc, span in ignored:
        assert escape(texts[doc][span.start : span.end]) in "".join(greyed)


def test_every_edge_has_its_passages_side_by_side(hostile_report, hostile_analysis):
    html = hostile_report["report"].read_text(encoding="utf-8")
    articles = re.findall(r"<article class='edge'>(.*?)</article>", html, flags=re.S)
    assert len(articles) == len(hostile_analysis.edges) > 0
    for article in articles:  # every edge of the seeds rests on passages the reader can see
        assert article.count("<div class='pair'>") >= 1
        assert "No aligned passages" not in article


def test_summary_names_the_wire_family_first(hostile_analysis):
    summary = summary_html(hostile_analysis)
    first_family = re.search(r"<li>(.*?)</li>", summary, flags=re.S).group(1)
    assert REWRITE in first_family
    assert "skipped" in summary.lower() and "empty" in summary


def replicated(analysis: lineage.Analysis, copies: int) -> lineage.Analysis:
    """``copies`` disjoint copies of a real analysis, ids prefixed: a large corpus of families."""

    def prefixed(table: pd.DataFrame, columns: list[str], k: int) -> pd.DataFrame:
        table = table.copy()
        for column in columns:
            table[column] = table[column].map(lambda v: v if pd.isna(v) else f"c{k:02d}/{v}")
        return table

    def renamed(mapping: dict, k: int) -> dict:
        return {f"c{k:02d}/{key}": value for key, value in mapping.items()}

    tables = {
        "documents": ["id", "parent"],
        "pairs": ["a", "b"],
        "passages": ["a", "b"],
        "sources": ["id"],
        "edges": ["parent", "child"],
    }
    frames = {
        name: pd.concat(
            [prefixed(getattr(analysis, name), columns, k) for k in range(copies)],
            ignore_index=True,
        )
        for name, columns in tables.items()
    }
    frames["sources"]["members"] = [
        tuple(f"c{k:02d}/{m}" for m in members)
        for k in range(copies)
        for members in analysis.sources["members"]
    ]
    merged = {"texts": {}, "ignored": {}, "meta": {}}
    for k in range(copies):
        for name in merged:
            merged[name].update(renamed(getattr(analysis, name), k))
    return lineage.Analysis(**frames, **merged)


def test_large_corpus_figures_stay_readable(hostile_analysis, tmp_path):
    large = replicated(hostile_analysis, 34)
    loaded = (large.documents["status"] != "skipped").sum()
    assert loaded >= 200
    ax = plot_heatmap(large, max_documents=60)
    panels = [child for child in ax.child_axes if child.get_title()]
    assert 0 < len(panels[0].get_yticklabels()) <= 60
    assert f"of {loaded} documents" in ax.get_title()
    assert not any(panel.texts for panel in panels), "no cell annotations at this size"
    forest = derivation_forest(large)
    nodes = loaded + len(large.sources)
    assert len(set(forest.positions.values())) == len(forest.positions) == nodes
    root_columns = {forest.positions[root][0] for root, _ in forest.families}
    assert len(root_columns) > 1, "a large forest is flowed into side-by-side bands"
    paths = write_report(large, tmp_path)
    for name in ("heatmap", "tree"):
        with Image.open(paths[name]) as image:
            assert max(image.size) <= 8000 and min(image.size) >= 400, (name, image.size)
    html = paths["report"].read_text(encoding="utf-8")
    assert html.count("<article class='edge'>") == len(large.edges)


def test_large_forest_is_drawn_in_readable_pages(tmp_path):
    from lineage.report.tree import PAGE_ROWS, tree_pages

    analysis = synthetic_forest(star=400, pairs=600)
    forest = derivation_forest(analysis)
    pages = tree_pages(forest)
    assert pages[0][0] == "wire", "the largest family comes first"
    assert [root for page in pages for root in page] == [root for root, _ in forest.families]
    assert len(pages) >= 3
    ax = plot_tree(analysis, page=1, forest=forest)
    drawn = [t.get_text() for t in ax.texts if t.get_text().startswith("copy")]
    assert len(drawn) == PAGE_ROWS, "a family taller than a page is cut at the page"
    assert f"{400 + 1 - PAGE_ROWS - 1} members of the largest not drawn" in ax.get_title(loc="left")
    assert all(t.get_fontsize() >= 6 for t in ax.texts), "every label stays readable"
    ax = plot_tree(analysis, page=2, forest=forest)
    stories = {t.get_text() for t in ax.texts if t.get_text().startswith("story")}
    assert stories and len(stories) <= len(pages[1])
    with pytest.raises(ParameterError, match=r"'page' must be"):
        plot_tree(analysis, page=len(pages) + 1, forest=forest)
    paths = write_report(analysis, tmp_path)
    assert {"tree", "tree-2", "tree-3"} <= set(paths)
    html = paths["report"].read_text(encoding="utf-8")
    assert html.count("<article class='edge'>") == 150, "the surest edges, not all 1,000"
    assert "the 150 surest of 1000 derivation edges" in html
    assert "documents.csv, edges.csv and passages.csv" in html
    for name, path in paths.items():
        if path.suffix == ".png":
            with Image.open(path) as image:
                assert max(image.size) <= 4000, (name, image.size)


def test_heatmap_draws_the_most_reused_from_sparse_shares():
    analysis = synthetic_forest(star=30, pairs=300)
    shares = reuse_shares(analysis)
    assert len(shares) == 2 * len(analysis.edges), "one row per direction of a passage"
    assert set(shares["share"]) == {0.1}
    ids = list(analysis.documents["id"])
    order, note = choose_documents(shares, ids, max_documents=20)
    assert "wire" in order, "the most reused document is drawn"
    assert len(order) == 20 and note == f"the 20 most reused of {len(ids)} documents"
    assert set(order) - {"wire"} <= {f"copy{k:04d}" for k in range(30)}
    ax = plot_heatmap(analysis, max_documents=20)
    panels = [child for child in ax.child_axes if child.get_title()]
    assert all(p.images[0].get_array().shape == (20, 20) for p in panels), "no N x N image"


# --- report defects found through the command line (issue 13, item 8) ----------------------


def run_cli(corpus: Path, out: Path) -> str:
    """Run ``lineage analyze CORPUS --out OUT`` as a user does; return the report's HTML."""
    done = subprocess.run(
        [sys.executable, "-m", "lineage", "analyze", str(corpus), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return (out / "report.html").read_text(encoding="utf-8")


def findings(html: str) -> list[str]:
    """The summary's findings as plain text, one per line."""
    items = re.search(r"<ul class='findings'>(.*?)</ul>", html, flags=re.S).group(1)
    return [unescape(re.sub(r"<[^>]*>", "", li)) for li in re.findall(r"<li>(.*?)</li>", items)]


def test_children_of_a_latent_source_say_how_much_of_them_is_reused(tmp_path):
    corpus = news_corpus(11, remove="wire", n_second=0, n_independent=1)
    folder = tmp_path / "corpus"
    folder.mkdir()
    for doc_id, text in zip(corpus.ids, corpus.texts, strict=True):
        (folder / f"{doc_id}.txt").write_text(text, encoding="utf-8")
    lines = findings(run_cli(folder, tmp_path / "out"))
    family = next(line for line in lines if "a source not in the corpus" in line)
    steps = re.findall(r"(\w+) ← (latent:\d+) \(confidence ([\d.]+); ([^)]*)\)", family)
    reuse = pd.read_csv(tmp_path / "out" / "documents.csv").set_index("id")["reuse_fraction"]
    assert {child for child, *_ in steps} == {d for d in corpus.ids if d.startswith("r")}
    for child, _, _, detail in steps:
        assert detail == f"{100 * reuse[child]:.0f}% of it reused"


def test_a_text_shared_in_full_is_not_listed_as_independent(tmp_path):
    wire = (SEEDS / f"{WIRE}.txt").read_text(encoding="utf-8")
    quotes = re.findall(r"“[^”]{80,400}”", wire)[:4]
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / f"{WIRE}.txt").write_text(wire, encoding="utf-8")
    (folder / "quotes_only.txt").write_text(
        "".join(f"Zelensky said: {q}\n" for q in quotes), encoding="utf-8"
    )
    html = run_cli(folder, tmp_path / "out")
    docs = pd.read_csv(tmp_path / "out" / "documents.csv").set_index("id")
    row = docs.loc["quotes_only"]
    assert pd.isna(row["parent"]) and row["reuse_fraction"] > 0.9  # all quotation, no parent
    lines = findings(html)
    independent = next(line for line in lines if line.startswith("Independent"))
    shared = next(line for line in lines if line.startswith("Shared text but no parent"))
    assert "quotes_only" not in independent and WIRE in independent

    def percent(share: float) -> str:
        return f"{100 * share:.0f}%"

    assert (
        f"quotes_only ({percent(row['reuse_fraction'])} shared: "
        f"{percent(row['quote_fraction'])} as quotations, "
        f"{percent(row['prose_reuse_fraction'])} as prose)"
    ) in shared


def test_repeated_ids_never_crash_the_report(hostile_analysis, tmp_path):
    docs = hostile_analysis.documents
    repeated = pd.concat([docs, docs[docs["id"].isin([WIRE, REWRITE])]], ignore_index=True)
    sources = hostile_analysis.sources
    analysis = dataclasses.replace(
        hostile_analysis, documents=repeated, sources=pd.concat([sources, sources])
    )
    html = analysis.to_html(tmp_path / "report.html").read_text(encoding="utf-8")
    notebook = analysis._repr_html_()
    for page in (html, notebook):
        assert f"{len(repeated)} documents" in page
        assert REWRITE in findings(page)[0]
    rows = re.findall(r"<tr class='[^']*'>(.*?)</tr>", html, flags=re.S)
    assert len(rows) == len(repeated)
