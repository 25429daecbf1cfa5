"""The command line, run as a user runs it: in a subprocess, on real files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from lineage.cli import cli

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lineage", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


@pytest.fixture(scope="module")
def seeds_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("seeds")
    done = run("analyze", str(SEEDS), "--out", str(out))
    assert done.returncode == 0, done.stderr
    return out


def test_every_command_has_help_and_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in cli.commands:
        done = CliRunner().invoke(cli, [name, "--help"])
        assert done.exit_code == 0
        assert f"Usage: cli {name}" in done.output
        assert f"lineage {name}" in readme, f"README does not show 'lineage {name}'"


def test_version_matches_package_metadata() -> None:
    from importlib.metadata import version

    done = run("--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"lineage, version {version('lineage')}"


def test_analyze_writes_the_output_contract(seeds_out: Path) -> None:
    names = {p.name for p in seeds_out.iterdir()}
    assert {
        "lineage.json",
        "documents.csv",
        "pairs.csv",
        "passages.csv",
        "heatmap.png",
        "tree.png",
        "report.html",
    } <= names
    data = json.loads((seeds_out / "lineage.json").read_text(encoding="utf-8"))
    assert data["schema_version"]
    ids = sorted(d["id"] for d in data["documents"])
    assert ids == sorted(p.stem for p in SEEDS.glob("*.txt"))
    for key in ("pairs", "passages", "sources", "edges"):
        assert isinstance(data[key], list)
    texts = {p.stem: p.read_text(encoding="utf-8") for p in SEEDS.glob("*.txt")}
    for passage in data["passages"]:
        a_text = texts[passage["a"]][passage["a_start"] : passage["a_end"]]
        b_text = texts[passage["b"]][passage["b_start"] : passage["b_end"]]
        assert a_text.strip() and b_text.strip()


def test_analyze_missing_path_says_so_without_traceback(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-corpus"
    done = run("analyze", str(missing), "--out", str(tmp_path / "out"))
    assert done.returncode == 2
    assert "no-such-corpus" in done.stderr
    assert "Traceback" not in done.stderr


def test_analyze_exits_nonzero_when_nothing_is_usable(tmp_path: Path) -> None:
    corpus = tmp_path / "bad"
    corpus.mkdir()
    (corpus / "empty.txt").write_text("", encoding="utf-8")
    (corpus / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    done = run("analyze", str(corpus), "--out", str(tmp_path / "out"))
    assert done.returncode == 2
    assert "empty.txt" in done.stderr and "image.txt" in done.stderr
    assert "Traceback" not in done.stderr
    data = json.loads((tmp_path / "out" / "lineage.json").read_text(encoding="utf-8"))
    assert sorted(d["status"] for d in data["documents"]) == ["skipped", "skipped"]


def test_one_bad_document_does_not_sink_the_corpus(tmp_path: Path) -> None:
    corpus = tmp_path / "mixed"
    corpus.mkdir()
    for seed in sorted(SEEDS.glob("*.txt"))[:2]:
        (corpus / seed.name).write_bytes(seed.read_bytes())
    (corpus / "broken.txt").write_bytes(b"\x00\x00\x00\x00" * 50)
    (corpus / "legacy.txt").write_bytes("“Quoted” in cp1252 – a dash".encode("cp1252"))
    done = run("analyze", str(corpus), "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert any(line.startswith("skipped: ") and "broken.txt" in line for line in lines)
    assert any(line.startswith("warning: ") and "legacy.txt" in line for line in lines)
    assert "LineageWarning" not in done.stderr
    data = json.loads((tmp_path / "out" / "lineage.json").read_text(encoding="utf-8"))
    by_id = {d["id"]: d for d in data["documents"]}
    assert by_id["broken"]["status"] == "skipped" and by_id["broken"]["problem"]
    assert sum(d["status"] == "ok" for d in data["documents"]) == 2
    assert by_id["legacy"]["status"] == "warning" and "cp1252" in by_id["legacy"]["problem"]


def test_dedup_writes_clusters_with_evidence(tmp_path: Path) -> None:
    corpus = tmp_path / "dups"
    corpus.mkdir()
    wire = (SEEDS / "001_bf39bc6a18a36fb4.txt").read_text(encoding="utf-8")
    (corpus / "wire.txt").write_text(wire, encoding="utf-8")
    (corpus / "copy.txt").write_text(wire.replace("Thursday", "Friday"), encoding="utf-8")
    (corpus / "other.txt").write_text(
        (SEEDS / "003_519159185b2807fc.txt").read_text(encoding="utf-8"), encoding="utf-8"
    )
    out = tmp_path / "clusters.csv"
    done = run("dedup", str(corpus), "--out", str(out))
    assert done.returncode == 0, done.stderr
    import pandas as pd

    clusters = pd.read_csv(out)
    assert sorted(clusters["id"]) == ["copy", "wire"]
    assert clusters["cluster"].nunique() == 1
    assert (clusters["jaccard"] > 0.7).all()


def test_dedup_reads_a_metadata_side_file_as_analyze_does(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    side = tmp_path / "meta.csv"
    side.write_text("id,date,outlet\n001_bf39bc6a18a36fb4,2025-05-15,Reuters\nghost,,AA\n")
    plain = CliRunner().invoke(cli, ["dedup", str(SEEDS)])
    done = CliRunner().invoke(cli, ["dedup", str(SEEDS), "--metadata", str(side)])
    assert done.exit_code == 0, done.output
    assert done.stdout == plain.stdout  # the clusters do not depend on metadata
    assert "1 ids not in the corpus: 'ghost'" in caplog.text
    bad = CliRunner().invoke(cli, ["dedup", str(SEEDS), "--metadata", str(tmp_path / "no.csv")])
    assert bad.exit_code == 2


def test_align_prints_passages_and_json() -> None:
    a, b = SEEDS / "000_30916bffc445b469.txt", SEEDS / "001_bf39bc6a18a36fb4.txt"
    done = run("align", str(a), str(b))
    assert done.returncode == 0, done.stderr
    assert "Zelensk" in done.stdout
    done = run("align", str(a), str(b), "--json")
    passages = json.loads(done.stdout)
    text_a = a.read_text(encoding="utf-8")
    assert passages and {"a_start", "a_end", "b_start", "b_end", "kind"} <= set(passages[0])
    covered = sum(p["a_end"] - p["a_start"] for p in passages)
    assert covered > 0.4 * len(text_a)


def test_analyze_on_a_local_dask_cluster_writes_the_same_tables(
    seeds_out: Path, tmp_path: Path
) -> None:
    done = run("analyze", str(SEEDS), "--out", str(tmp_path), "--workers", "2")
    assert done.returncode == 0, done.stderr
    assert "INFO" not in done.stderr  # Dask's logs show only with -v
    for name in ("documents.csv", "pairs.csv", "passages.csv", "edges.csv"):
        assert (tmp_path / name).read_text() == (seeds_out / name).read_text(), name


def test_progress_shows_each_stage_and_its_size_on_a_terminal_only(seeds_out, tmp_path) -> None:
    import os
    import pty

    quiet = run("analyze", str(SEEDS), "--out", str(tmp_path / "piped"))
    assert quiet.returncode == 0
    assert "analyze:" not in quiet.stderr, "no progress when stderr is not a terminal"
    leader, follower = pty.openpty()
    done = subprocess.run(
        [sys.executable, "-m", "lineage", "analyze", str(SEEDS), "--out", str(tmp_path / "tty")],
        stdout=subprocess.PIPE,
        stderr=follower,
        cwd=ROOT,
        timeout=300,
    )
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    assert done.returncode == 0
    text = shown.decode("utf-8", "replace")
    pairs = len(json.loads((seeds_out / "lineage.json").read_text(encoding="utf-8"))["pairs"])
    for stage in ("normalize", "sketch", "quotations", "align pairs", "write tables and report"):
        assert f"analyze: {stage}" in text, stage
    assert "analyze: verify candidate pairs" in text and f"{pairs}/{pairs}" in text


def test_out_inside_a_regular_file_is_refused_before_any_work(tmp_path: Path) -> None:
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file, not a folder", encoding="utf-8")
    for command in ("analyze", "dedup"):
        target = blocker / ("out" if command == "analyze" else "clusters.csv")
        done = run(command, str(SEEDS), "--out", str(target))
        assert done.returncode == 2, done.stderr
        assert done.stderr.strip().splitlines() == [
            f"error: cannot write to {target if command == 'analyze' else target.parent}: "
            f"{blocker} is a file, not a folder"
        ]
        assert done.stdout == ""  # refused before the analysis: nothing was reported


def test_out_without_write_permission_is_refused_before_any_work(
    tmp_path: Path, bound_by_permissions: list[str]
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    for command, target in (("analyze", locked / "out"), ("dedup", locked / "c.csv")):
        argv = [sys.executable, "-m", "lineage", command, str(SEEDS), "--out", str(target)]
        done = subprocess.run(
            [*bound_by_permissions, *argv],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=300,
        )
        assert done.returncode == 2, done.stderr
        assert done.stderr.strip().splitlines() == [
            f"error: cannot write to {target if command == 'analyze' else locked}: "
            "Permission denied"
        ]
        assert list(locked.iterdir()) == []


def test_bad_arguments_are_one_line_usage_errors(tmp_path: Path) -> None:
    cases = [
        ("--threshold", "1.5"),
        ("--workers", "0"),
        ("--encoding-fallback", "no-such-codec"),
    ]
    for option, value in cases:
        done = run("analyze", str(SEEDS), "--out", str(tmp_path / "out"), option, value)
        assert done.returncode == 2, (option, done.stderr)
        assert "Traceback" not in done.stderr
        assert option in done.stderr
        assert not (tmp_path / "out").exists()


HOSTILE = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)"]
"""Ids a spreadsheet runs as formulas (ids lose surrounding whitespace: no tab or CR here)."""


def test_every_csv_is_safe_for_spreadsheets_unless_raw(tmp_path: Path) -> None:
    import pandas as pd

    wire = (SEEDS / "001_bf39bc6a18a36fb4.txt").read_text(encoding="utf-8")
    rows = [{"id": cell, "text": f"{cell} {wire}"} for cell in HOSTILE]
    corpus = tmp_path / "hostile.jsonl"
    corpus.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    safe, raw = tmp_path / "safe", tmp_path / "raw"
    assert run("analyze", str(corpus), "--out", str(safe)).returncode == 0
    done = run("analyze", str(corpus), "--out", str(raw), "--raw-csv")
    assert done.returncode == 0, done.stderr
    csv_files = sorted(p.name for p in safe.glob("*.csv"))
    assert csv_files == [
        "attribution.csv", "documents.csv", "edges.csv", "pairs.csv",
        "passages.csv", "quotes.csv", "sources.csv",
    ]  # fmt: skip
    for name in csv_files:
        for cell in pd.read_csv(safe / name, dtype=str, keep_default_na=False).to_numpy().ravel():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (name, cell)
    documents = pd.read_csv(safe / "documents.csv", dtype=str, keep_default_na=False)
    assert sorted(documents["id"]) == sorted("'" + cell for cell in HOSTILE)
    raw_ids = pd.read_csv(raw / "documents.csv", dtype=str, keep_default_na=False)["id"]
    assert sorted(raw_ids) == sorted(HOSTILE)
    pairs = pd.read_csv(safe / "pairs.csv", dtype=str, keep_default_na=False)
    assert len(pairs) == len(HOSTILE) * (len(HOSTILE) - 1) // 2
    data = json.loads((safe / "lineage.json").read_text(encoding="utf-8"))
    assert sorted(d["id"] for d in data["documents"]) == sorted(HOSTILE)  # JSON keeps values

    done = run("dedup", str(corpus))
    assert done.returncode == 0, done.stderr
    printed = pd.read_csv(__import__("io").StringIO(done.stdout), dtype=str)
    assert sorted(printed["id"]) == sorted("'" + cell for cell in HOSTILE)
    done = run("dedup", str(corpus), "--raw-csv", "--out", str(tmp_path / "c.csv"))
    assert done.returncode == 0, done.stderr
    assert sorted(pd.read_csv(tmp_path / "c.csv", dtype=str)["id"]) == sorted(HOSTILE)


def test_duplicate_ids_are_numbered_and_listed_in_every_output(tmp_path: Path) -> None:
    import pandas as pd

    import lineage

    wire, rewrite = (
        " ".join((SEEDS / name).read_text(encoding="utf-8").split())  # one line per row
        for name in ("001_bf39bc6a18a36fb4.txt", "000_30916bffc445b469.txt")
    )
    corpus = tmp_path / "dups.csv"
    pd.DataFrame({"id": ["wire", "wire", "wire#2"], "text": [wire, rewrite, wire]}).to_csv(
        corpus, index=False
    )
    done = run("analyze", str(corpus), "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    assert f"warning: {corpus}:3: duplicate id 'wire': already used by {corpus}:2; " in (
        done.stderr
    )
    data = json.loads((tmp_path / "out" / "lineage.json").read_text(encoding="utf-8"))
    assert [(d["id"], d["status"]) for d in data["documents"]] == [
        ("wire", "ok"),
        ("wire#2", "warning"),
        ("wire#2#2", "warning"),
    ]
    report = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "wire#2#2" in report
    result = lineage.analyze(corpus)
    page = result._repr_html_()
    assert "wire#2" in page
    html_path = result.to_html(tmp_path / "notebook.html")
    assert "wire#2#2" in html_path.read_text(encoding="utf-8")


def test_a_corpus_with_nothing_usable_says_why_per_file_and_line(tmp_path: Path) -> None:
    header_only = tmp_path / "header.csv"
    header_only.write_text("id,text\n", encoding="utf-8")
    done = run("analyze", str(header_only), "--out", str(tmp_path / "out"))
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"skipped: {header_only}:1: has a header line but no rows: nothing to read",
        f"error: nothing usable in {header_only}: none of the 1 inputs could be read",
    ]
    cut = tmp_path / "cut.csv"
    cut.write_text('id,text\na,"never closed\nb,a row after it\n', encoding="utf-8")
    done = run("analyze", str(cut), "--out", str(tmp_path / "out2"))
    assert done.returncode == 0, done.stderr
    assert f"skipped: {cut}:2: a quoted field opens on this line and is never closed" in (
        done.stderr
    )
    assert f"warning: {cut}:3: read again after the malformed record of line 2" in done.stderr
    assert "Traceback" not in done.stderr


def test_metadata_side_file_and_a_scraped_date_reach_the_tables_and_report(
    tmp_path: Path,
) -> None:
    import pandas as pd

    meta = tmp_path / "meta.csv"
    pd.DataFrame(
        {
            "id": ["000_30916bffc445b469", "003_519159185b2807fc"],
            "date": ["2025-05-15", "May 15, 2025"],
            "outlet": ["Anadolu", "New York Times"],
            "title": ["=Putin snubs talks", "\tTrump: nothing until we meet"],
        }
    ).to_csv(meta, index=False)
    out = tmp_path / "out"
    done = run("analyze", str(SEEDS), "--out", str(out), "--metadata", str(meta))
    assert done.returncode == 0, done.stderr
    data = json.loads((out / "lineage.json").read_text(encoding="utf-8"))
    by_id = {d["id"]: d for d in data["documents"]}
    assert (by_id["000_30916bffc445b469"]["date"], by_id["000_30916bffc445b469"]["outlet"]) == (
        "2025-05-15",
        "Anadolu",
    )
    assert by_id["003_519159185b2807fc"]["date"] == "2025-05-15"
    # seed 001 opens with a scraped "date 2025-05-15" line and has no metadata row
    assert (by_id["001_bf39bc6a18a36fb4"]["date"], by_id["001_bf39bc6a18a36fb4"]["outlet"]) == (
        "2025-05-15",
        None,
    )
    assert by_id["004_1cade51c715f05f0"]["date"] is None
    table = pd.read_csv(out / "documents.csv", dtype=str, keep_default_na=False).set_index("id")
    assert table.loc["000_30916bffc445b469", "title"] == "'=Putin snubs talks"
    assert table.loc["003_519159185b2807fc", "title"] == "'\tTrump: nothing until we meet"
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "Anadolu" in report and "New York Times" in report
