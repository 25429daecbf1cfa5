"""Atomic writes: one file, and the set of files of one run (lineage.io)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from lineage.errors import OutputError
from lineage.io import MANIFEST, OutputSet, atomic_file, spreadsheet_safe, write_table


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "table.csv"
    target.write_text("old\n", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_file(target) as temporary:
        temporary.write_text("half", encoding="utf-8")
        raise RuntimeError("cut")
    assert target.read_text(encoding="utf-8") == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["table.csv"]


def test_every_formula_start_is_quoted_and_numbers_are_not() -> None:
    cells = ["=1+1", "+1", "-1", "@A1", "\tx", "\rx", "plain", "a=b"]
    frame = pd.DataFrame({"text": cells, "number": range(-4, 4)})
    safe = spreadsheet_safe(frame)
    assert safe["text"].tolist() == ["'" + c for c in cells[:6]] + ["plain", "a=b"]
    assert safe["number"].tolist() == list(range(-4, 4))
    assert frame["text"].tolist() == cells  # the input is not changed


def test_csv_reads_back_with_the_quote_and_raw_reads_back_as_is(tmp_path: Path) -> None:
    frame = pd.DataFrame({"id": ["\tTab", "\rCR", "@x"]})
    write_table(frame, tmp_path / "safe.csv")
    write_table(frame, tmp_path / "raw.csv", raw_csv=True)
    read = pd.read_csv(tmp_path / "safe.csv", dtype=str)["id"].tolist()
    assert read == ["'\tTab", "'\rCR", "'@x"]
    assert pd.read_csv(tmp_path / "raw.csv", dtype=str)["id"].tolist() == frame["id"].tolist()


def test_a_run_replaces_only_its_own_previous_files(tmp_path: Path) -> None:
    (tmp_path / "mine.txt").write_text("a user's file", encoding="utf-8")
    with OutputSet(tmp_path) as outputs:
        (outputs.staging / "a.csv").write_text("1\n", encoding="utf-8")
        (outputs.staging / "old.png").write_text("png", encoding="utf-8")
        outputs.commit()
    with OutputSet(tmp_path) as outputs:
        (outputs.staging / "a.csv").write_text("2\n", encoding="utf-8")
        written = outputs.commit()
    assert [p.name for p in written] == ["a.csv"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [MANIFEST, "a.csv", "mine.txt"]
    assert (tmp_path / "a.csv").read_text(encoding="utf-8") == "2\n"
    assert json.loads((tmp_path / MANIFEST).read_text(encoding="utf-8")) == {"files": ["a.csv"]}


def test_a_run_failing_before_the_commit_leaves_the_previous_set(tmp_path: Path) -> None:
    with OutputSet(tmp_path) as outputs:
        (outputs.staging / "a.csv").write_text("1\n", encoding="utf-8")
        outputs.commit()
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    expected = "No space left on device; the previous outputs"
    with pytest.raises(OutputError, match=expected), OutputSet(tmp_path) as outputs:
        (outputs.staging / "a.csv").write_text("2\n", encoding="utf-8")
        raise OSError(28, "No space left on device")
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
