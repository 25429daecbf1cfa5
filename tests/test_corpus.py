"""Corpus ingestion on real files: the seeds, a folder of bad inputs and bad tables."""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lineage.corpus import (
    Corpus,
    InputStatus,
    folder_shards,
    iter_corpus_shards,
    load_corpus,
)
from lineage.errors import CorpusError, LineageWarning, ParameterError
from lineage.records import Document, Problem

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
DATA = Path(__file__).resolve().parent / "data" / "corpus"
FOLDER = DATA / "folder"
JSONL = DATA / "tables" / "articles.jsonl"
CSV = DATA / "tables" / "articles.csv"
NO_TEXT_CSV = DATA / "tables" / "no_text.csv"


def quiet_load(source, **options) -> Corpus:
    """Load while silencing the fallback-encoding warnings some inputs raise on purpose."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LineageWarning)
        return load_corpus(source, **options)


def quiet_shards(source, **options) -> list[Corpus]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LineageWarning)
        return list(iter_corpus_shards(source, **options))


def by_origin(corpus: Corpus) -> dict[str, InputStatus]:
    return {entry.origin: entry for entry in corpus.inputs}


def assert_every_input_once(corpus: Corpus) -> None:
    skipped = [problem for problem in corpus.problems if problem.status == "skipped"]
    assert len(corpus.inputs) == len(corpus.documents) + len(skipped)
    origins = [entry.origin for entry in corpus.inputs]
    assert len(set(origins)) == len(origins)
    loaded = [entry.id for entry in corpus.inputs if entry.status != "skipped"]
    assert loaded == list(corpus.ids)


# ----------------------------------------------------------------------------- seeds


def test_seeds_load_as_five_documents_named_by_file_stem():
    corpus = load_corpus(SEEDS)
    stems = sorted(path.stem for path in SEEDS.glob("*.txt"))
    assert corpus.ids == tuple(stems)
    assert corpus.problems == ()
    assert corpus.usable
    for document in corpus.documents:
        path = SEEDS / f"{document.id}.txt"
        assert document.text == path.read_text(encoding="utf-8")
        assert document.origin == str(path)
    assert corpus.documents[1].text.startswith(" date 2025-05-15 Russia’s Vladimir Putin")
    assert [entry.status for entry in corpus.inputs] == ["ok"] * 5
    assert [entry.chars for entry in corpus.inputs] == [len(t) for t in corpus.texts]


def test_single_text_file_is_one_document():
    path = SEEDS / "004_1cade51c715f05f0.txt"
    corpus = load_corpus(str(path))
    assert corpus.ids == ("004_1cade51c715f05f0",)
    assert "Nothing's going to happen until Putin and I get together" in corpus.texts[0]


def test_loading_twice_gives_the_same_corpus():
    assert quiet_load(FOLDER) == quiet_load(FOLDER)
    assert quiet_load(JSONL) == quiet_load(JSONL)
    assert load_corpus(SEEDS) == load_corpus(SEEDS)


# ---------------------------------------------------------------------- bad folder


def test_bad_folder_loads_the_good_files_in_sorted_path_order():
    corpus = quiet_load(FOLDER)
    assert corpus.ids == ("bom", "cp1252", "good", "wire", "nested/good", "stray_nul", "utf16")
    texts = dict(zip(corpus.ids, corpus.texts, strict=True))
    assert texts["bom"] == "Erdoğan welcomed the delegations in Ankara.\n"  # BOM stripped
    assert texts["utf16"] == "Zelensky flew to Ankara on Thursday.\n"
    assert texts["good"].startswith("Russia's Vladimir Putin spurned")
    assert texts["nested/good"].startswith("Ukraine's president")
    assert "\x00" not in texts["stray_nul"]
    assert texts["stray_nul"] == (FOLDER / "stray_nul.txt").read_bytes().replace(
        b"\x00", b""
    ).decode("utf-8")


def test_every_folder_input_appears_once_with_status_and_problem():
    corpus = quiet_load(FOLDER)
    files = sorted(str(p) for p in FOLDER.rglob("*") if p.suffix in (".txt", ".md") and p.is_file())
    assert sorted(entry.origin for entry in corpus.inputs) == files
    assert_every_input_once(corpus)
    status = {entry.id: entry.status for entry in corpus.inputs}
    assert status == {
        "blank": "skipped",
        "bom": "ok",
        "cp1252": "warning",
        "empty": "skipped",
        "good": "ok",
        "wire": "ok",
        "nested/good": "ok",
        "nul": "skipped",
        "photo": "skipped",
        "stray_nul": "warning",
        "utf16": "ok",
        "utf16_nobom": "skipped",
    }


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("empty.txt", r"empty\.txt: empty file \(0 bytes\)"),
        ("blank.md", r"blank\.md: file is whitespace only"),
        ("photo.txt", r"photo\.txt: not a text file \(PNG image signature\)"),
        ("nul.txt", r"nul\.txt: NUL-riddled: 21 of its 86 characters are NUL"),
        ("utf16_nobom.txt", r"utf16_nobom\.txt: NUL-riddled: .*looks like UTF-16 without a byte"),
    ],
)
def test_each_bad_file_is_skipped_with_a_message_naming_it(name, message):
    corpus = quiet_load(FOLDER)
    (problem,) = [p for p in corpus.problems if p.origin == str(FOLDER / name)]
    assert problem.status == "skipped"
    assert problem.id == Path(name).stem
    assert problem.line is None
    assert re.search(message, str(problem)), str(problem)


def test_file_full_of_control_bytes_is_skipped_as_binary_or_garbled(tmp_path):
    # Like legacy-font Devanagari with its high bytes lost: letters among C0 controls.
    path = tmp_path / "garbled.txt"
    path.write_bytes(b"$F2A\x17A) [3]\n->0$ \x17# 0> M/.A (Bh\x01rata\x02$M0 \x1a\x02" * 20)
    (problem,) = load_corpus(path).problems
    assert problem.message == (
        "not a text file (14% control bytes in its first 860 bytes: binary, or text in a "
        "garbled encoding)"
    )


def test_cp1252_file_is_decoded_with_a_warning_saying_what_to_try():
    with pytest.warns(
        LineageWarning,
        match=r"cp1252\.txt: not valid UTF-8 \(byte 0x93 at offset 0\); decoded as cp1252",
    ):
        corpus = load_corpus(FOLDER)
    document = corpus.documents[corpus.ids.index("cp1252")]
    assert document.text.startswith("“Nothing’s going to happen until Putin and I get together,”")
    assert "café" in document.text and "–" in document.text
    (problem,) = [p for p in corpus.problems if p.id == "cp1252"]
    assert problem.status == "warning"
    assert "decoded as cp1252" in problem.message
    assert "pass encoding_fallback=" in problem.message


def test_utf8_file_with_a_stray_cp1252_byte_keeps_its_utf8_characters(tmp_path):
    path = tmp_path / "mixed.txt"
    path.write_bytes("Erdoğan’s aides – ".encode() + "Zelensky’s team".encode("cp1252"))
    corpus = quiet_load(path)
    assert corpus.texts == ("Erdoğan’s aides – Zelensky’s team",)
    assert corpus.problems[0].message.startswith(
        "not valid UTF-8 (byte 0x92 at offset 31); decoded the 1 non-UTF-8 byte as cp1252, "
        "the rest as UTF-8;"
    )


def test_text_mostly_in_the_fallback_codec_is_decoded_with_it_throughout(tmp_path):
    # cp1251 Cyrillic in which "С»" (0xD1 0xBB) happens to be valid UTF-8 ("ѻ"): decoding
    # only the bytes that are not UTF-8 would keep that wrong letter.
    text = "Переговоры в Стамбуле начались, сообщает «ТАСС». Зеленский прилетел. " * 3
    path = tmp_path / "cp1251.txt"
    path.write_bytes(text.encode("cp1251"))
    assert "ѻ" in path.read_bytes().decode("utf-8", errors="replace")
    corpus = quiet_load(path, encoding_fallback="cp1251")
    assert corpus.texts == (text,)
    assert "decoded as cp1251;" in corpus.problems[0].message


def test_without_fallback_a_cp1252_file_is_skipped_and_told_what_to_pass():
    with warnings.catch_warnings():
        warnings.simplefilter("error", LineageWarning)
        corpus = load_corpus(FOLDER, encoding_fallback=None)
    assert "cp1252" not in corpus.ids
    (problem,) = [p for p in corpus.problems if p.id == "cp1252"]
    assert problem.status == "skipped"
    assert "pass encoding_fallback='cp1252'" in problem.message


def test_another_fallback_codec_is_used_when_asked():
    corpus = quiet_load(FOLDER / "cp1252.txt", encoding_fallback="latin-1")
    assert corpus.texts[0].startswith("\x93Nothing\x92s")
    assert "decoded as latin-1" in corpus.problems[0].message


def test_same_stem_in_two_extensions_keeps_both_with_distinct_ids(tmp_path):
    (tmp_path / "a.txt").write_text("The plain text version.", encoding="utf-8")
    (tmp_path / "a.md").write_text("The markdown version.", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.txt").write_text("A unique stem in a subfolder.", encoding="utf-8")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "c.txt").write_text("Hidden folders are not read.", encoding="utf-8")
    assert load_corpus(tmp_path).ids == ("a.md", "a.txt", "b")


# ----------------------------------------------------------------------------- JSONL


def test_jsonl_bad_lines_are_named_by_file_and_line_and_skipped():
    corpus = quiet_load(JSONL)
    assert corpus.ids == ("wire-1", "rewrite-1", "42", "wire-1#2", "number-text", "cp1252", "10")
    problems = {p.line: p for p in corpus.problems}
    assert str(problems[4]) == (
        f"{JSONL}:4: not valid JSON (Unterminated string starting at column 26): "
        '\'{"id": "broken", "text": "this line is cut off\''
    )
    assert str(problems[5]).startswith(f"{JSONL}:5: is a JSON list, not an object")
    assert problems[6].message == (
        "has no 'text' field (fields: id, body); pass text_column=... naming the field that "
        "holds the text (did you mean text_column='body'?)"
    )
    assert problems[8].message == (
        f"duplicate id 'wire-1': already used by {JSONL}:1; loaded as 'wire-1#2' "
        "(give each record its own id to choose the names)"
    )
    assert problems[8].id == "wire-1#2" and problems[8].status == "warning"
    assert problems[9].status == "warning"
    assert problems[9].message == "'text' is a number (12345); read as '12345'"
    assert problems[10].message == "text is whitespace only"
    assert problems[11].status == "warning"
    assert "decoded as cp1252" in problems[11].message
    assert {p.line for p in corpus.problems} == {4, 5, 6, 8, 9, 10, 11}


def test_jsonl_keeps_other_fields_as_meta_and_dates_as_iso():
    corpus = quiet_load(JSONL)
    documents = {d.id: d for d in corpus.documents}
    assert dict(documents["wire-1"].meta) == {"outlet": "Reuters", "date": "2025-05-15"}
    assert dict(documents["rewrite-1"].meta) == {"outlet": "AA", "date": "2025-05-15"}
    assert dict(documents["42"].meta) == {}  # a null date is left out
    assert documents["wire-1"].origin == f"{JSONL}:1"
    assert documents["cp1252"].text == "Zelensky’s team arrived – late."
    assert documents["10"].text == "A record without an id gets its position."


def test_every_jsonl_line_appears_once():
    corpus = quiet_load(JSONL)
    lines = JSONL.read_bytes().splitlines()
    expected = [f"{JSONL}:{n}" for n, line in enumerate(lines, 1) if line.strip()]
    assert [entry.origin for entry in corpus.inputs] == expected
    assert_every_input_once(corpus)


def test_jsonl_cp1252_line_warns_once_naming_file_and_line():
    with pytest.warns(LineageWarning, match=r"articles\.jsonl:11: not valid UTF-8") as caught:
        load_corpus(JSONL)
    assert len([w for w in caught if issubclass(w.category, LineageWarning)]) == 1


def test_gzipped_jsonl_reads_the_same_documents(tmp_path):
    packed = tmp_path / "articles.jsonl.gz"
    packed.write_bytes(gzip.compress(JSONL.read_bytes()))
    plain, zipped = quiet_load(JSONL), quiet_load(packed)
    assert zipped.texts == plain.texts and zipped.ids == plain.ids


def test_gzipped_csv_reads_the_same_rows(tmp_path):
    packed = tmp_path / "articles.csv.gz"
    packed.write_bytes(gzip.compress(CSV.read_bytes()))
    assert quiet_load(packed).texts == quiet_load(CSV).texts


def test_without_fallback_a_cp1252_jsonl_line_is_skipped_by_line():
    corpus = load_corpus(JSONL, encoding_fallback=None)
    assert "cp1252" not in corpus.ids
    (problem,) = [p for p in corpus.problems if p.line == 11]
    assert problem.status == "skipped"
    assert str(problem).startswith(f"{JSONL}:11: not valid UTF-8 (byte 0x92 at offset 34)")


def test_truncated_gzip_keeps_what_was_read_and_names_the_break(tmp_path):
    lines = [json.dumps({"id": f"d{i}", "text": f"Story number {i} " * 40}) for i in range(400)]
    packed = gzip.compress("\n".join(lines).encode())
    broken = tmp_path / "shard.jsonl.gz"
    broken.write_bytes(packed[: len(packed) // 2])
    corpus = load_corpus(broken)
    assert 0 < len(corpus.documents) < 400
    assert corpus.ids == tuple(f"d{i}" for i in range(len(corpus.documents)))
    last = corpus.problems[-1]
    assert last.origin == str(broken) and last.status == "skipped"
    assert last.line == len(corpus.documents) + 1
    assert "unreadable from this line on" in last.message


def test_empty_jsonl_is_one_skipped_input(tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_text("\n  \n", encoding="utf-8")
    corpus = load_corpus(path)
    assert not corpus.usable
    assert [str(p) for p in corpus.problems] == [
        f"{path}: no JSON lines in the file (empty or whitespace only)"
    ]


# ------------------------------------------------------------------------------- CSV


def test_csv_rows_keep_meta_and_problems_name_their_line():
    corpus = quiet_load(CSV)
    assert corpus.ids == ("a1", "a3", "a1#2", "a5")
    documents = {d.id: d for d in corpus.documents}
    assert documents["a3"].text == "A quoted text\nthat spans\nthree lines."
    assert documents["a3"].origin == f"{CSV}:4"
    assert documents["a5"].text == 'Zelensky said he was ready "to meet Putin".'
    assert dict(documents["a1"].meta) == {"outlet": "Reuters", "date": "2025-05-15"}
    assert [str(p) for p in corpus.problems] == [
        f"{CSV}:3: text is empty",
        f"{CSV}:7: duplicate id 'a1': already used by {CSV}:2; loaded as 'a1#2' "
        "(give each record its own id to choose the names)",
        f"{CSV}:8: has 5 fields where the header has 4 (an unquoted ',' or quote in a field?)",
    ]
    assert_every_input_once(corpus)


def test_csv_without_text_column_is_one_problem_naming_columns_and_option():
    corpus = load_corpus(NO_TEXT_CSV)
    assert not corpus.usable
    (problem,) = corpus.problems
    assert problem.origin == str(NO_TEXT_CSV) and problem.status == "skipped"
    assert problem.message == (
        "has no 'text' column (columns: id, body, outlet); pass text_column=... naming the "
        "column that holds the text (did you mean text_column='body'?)"
    )
    fixed = load_corpus(NO_TEXT_CSV, text_column="body")
    assert fixed.ids == ("1", "2")
    assert dict(fixed.documents[0].meta) == {"outlet": "Reuters"}


def test_csv_bad_quoting_and_cp1252_rows_are_reported_by_line(tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_bytes(
        b"id,text\n"
        b"ok,Fine row.\n"
        b'bad,"closed" then more\n'
        b"win," + "Zelensky’s reply".encode("cp1252") + b"\n"
        b'tsv-ish,"multi\nline"\n'
        b"last,Last row.\n"
    )
    corpus = quiet_load(path)
    assert corpus.ids == ("ok", "win", "tsv-ish", "last")
    problems = {p.line: p for p in corpus.problems}
    assert problems[3].message.startswith("malformed CSV record (")
    assert problems[4].status == "warning"
    assert "decoded as cp1252" in problems[4].message
    assert corpus.documents[1].text == "Zelensky’s reply"
    assert corpus.documents[3].origin == f"{path}:7"


def test_byte_order_mark_of_excel_csv_and_jsonl_does_not_spoil_the_first_column(tmp_path):
    csv_path = tmp_path / "excel.csv"
    csv_path.write_bytes("id,text\r\nx1,Saved by Excel – with a BOM.\r\n".encode("utf-8-sig"))
    jsonl_path = tmp_path / "bom.jsonl"
    jsonl_path.write_bytes(b"\xef\xbb\xbf" + json.dumps({"id": "j1", "text": "BOM."}).encode())
    assert load_corpus(csv_path).ids == ("x1",)
    assert load_corpus(csv_path).texts == ("Saved by Excel – with a BOM.",)
    assert load_corpus(jsonl_path).ids == ("j1",)


def test_csv_field_larger_than_the_csv_module_default_is_read(tmp_path):
    long_text = "Putin spurned a challenge to meet Zelensky. " * 4000  # ~180 KB
    path = tmp_path / "long.csv"
    pd.DataFrame({"id": ["long"], "text": [long_text]}).to_csv(path, index=False)
    assert load_corpus(path).texts == (long_text,)


def test_tsv_is_read_with_tabs(tmp_path):
    path = tmp_path / "articles.tsv"
    path.write_text("id\ttext\touTlet\nx\tA text, with a comma.\tAP\n", encoding="utf-8")
    corpus = load_corpus(path)
    assert corpus.texts == ("A text, with a comma.",)
    assert dict(corpus.documents[0].meta) == {"ouTlet": "AP"}


# --------------------------------------------------------------------------- Parquet


def write_parquet(path: Path, rows: int, row_group_size: int) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "id": list(range(rows)),
            "text": [
                None if i == 3 else f"Article {i} on the Istanbul talks." for i in range(rows)
            ],
            "outlet": ["Reuters" if i % 2 else "AA" for i in range(rows)],
            "date": pd.to_datetime(["2025-05-15"] * rows) + pd.to_timedelta(range(rows), "h"),
        }
    )
    pq.write_table(
        pa.Table.from_pandas(frame, preserve_index=False), path, row_group_size=row_group_size
    )
    return frame


def test_parquet_rows_are_read_with_meta_and_null_text_skipped(tmp_path):
    path = tmp_path / "articles.parquet"
    write_parquet(path, rows=25, row_group_size=7)
    corpus = load_corpus(path)
    assert corpus.ids == tuple(str(i) for i in range(25) if i != 3)
    assert corpus.documents[0].meta == {"outlet": "AA", "date": "2025-05-15"}
    assert corpus.documents[1].meta == {"outlet": "Reuters", "date": "2025-05-15T01:00:00"}
    assert corpus.documents[0].origin == f"{path} row 0"
    (problem,) = corpus.problems
    assert str(problem) == f"{path} row 3: 'text' is missing (null)"
    assert problem.id == "3"
    assert_every_input_once(corpus)


def test_corrupt_parquet_is_reported_by_name_and_skipped(tmp_path):
    path = tmp_path / "shard-0007.parquet"
    path.write_bytes(b"PAR1 this is not really parquet")
    corpus = load_corpus(path)
    assert not corpus.usable
    (problem,) = corpus.problems
    assert problem.origin == str(path)
    assert problem.message.startswith("not a readable Parquet file (")


def test_parquet_without_text_column_names_its_columns(tmp_path):
    path = tmp_path / "bodies.parquet"
    pq.write_table(pa.table({"id": ["a"], "content": ["Text under content."]}), path)
    (problem,) = load_corpus(path).problems
    assert problem.message == (
        "has no 'text' column (columns: id, content); pass text_column=... naming the "
        "column that holds the text (did you mean text_column='content'?)"
    )
    assert load_corpus(path, text_column="content").texts == ("Text under content.",)


# ------------------------------------------------------------------------ in memory


def test_dataframe_uses_the_id_column_and_keeps_other_columns():
    frame = pd.DataFrame(
        {
            "id": [7.0, None, 9.0],
            "text": ["First text.", "Second text.", 3],
            "url": ["https://a.example/1", "https://a.example/2", None],
        }
    )
    corpus = load_corpus(frame)
    assert corpus.ids == ("7", "1", "9")
    assert corpus.texts == ("First text.", "Second text.", "3")
    assert corpus.documents[0].meta == {"url": "https://a.example/1"}
    assert corpus.documents[1].origin == "DataFrame row 1"
    assert [p.message for p in corpus.problems] == [
        "'id' is missing; used the record position '1' as id",
        "'text' is a number (3); read as '3'",
    ]


def test_dates_become_iso_strings_and_others_are_kept_with_a_warning():
    frame = pd.DataFrame(
        {
            "text": ["One.", "Two.", "Three.", "Four."],
            "published": ["2025-05-15T09:30:00+00:00", "May 16, 2025", "now", "soon"],
        }
    )
    corpus = load_corpus(frame, date_column="published")
    assert [d.meta["date"] for d in corpus.documents] == [
        "2025-05-15T09:30:00+00:00",
        "2025-05-16",
        "now",
        "soon",
    ]
    assert [p.message for p in corpus.problems] == [
        "date 'now' not understood; kept as is",
        "date 'soon' not understood; kept as is",
    ]


def test_dataframe_without_id_column_uses_its_index():
    frame = pd.DataFrame({"body": ["Wire copy.", "A rewrite."]}, index=["reuters", "aa"])
    corpus = load_corpus(frame, text_column="body")
    assert corpus.ids == ("reuters", "aa")


def test_dataframe_without_text_column_is_unusable_with_one_problem():
    corpus = load_corpus(pd.DataFrame({"id": [1], "article": ["Text."]}))
    assert not corpus.usable
    assert [str(p) for p in corpus.problems] == [
        "DataFrame: has no 'text' column (columns: id, article); pass text_column=... naming "
        "the column that holds the text (did you mean text_column='article'?)"
    ]


def test_series_index_gives_ids_and_duplicates_are_numbered():
    series = pd.Series(["Wire copy.", "Rewrite.", "Copy again."], index=["w", "r", "w"])
    corpus = load_corpus(series)
    assert corpus.ids == ("w", "r", "w#2")
    assert corpus.texts[2] == "Copy again."
    (problem,) = corpus.problems
    assert str(problem) == (
        "Series row 2: duplicate id 'w': already used by Series row 0; loaded as 'w#2' "
        "(give each record its own id to choose the names)"
    )
    assert problem.status == "warning"


def test_list_of_strings_gets_position_ids_and_bad_items_are_named():
    corpus = load_corpus(["First.", "", ["not", "text"], None, "Last."])
    assert corpus.ids == ("0", "4")
    assert [str(p) for p in corpus.problems] == [
        "list item 1: text is empty",
        "list item 2: 'text' is a list (['not', 'text']), not a string",
        "list item 3: 'text' is missing (null)",
    ]
    assert_every_input_once(corpus)


def test_reserved_latent_ids_are_refused():
    corpus = load_corpus(pd.DataFrame({"id": ["latent:1", "ok"], "text": ["One.", "Two."]}))
    assert corpus.ids == ("ok",)
    assert "reserved for latent sources" in corpus.problems[0].message


def test_nothing_usable_still_returns_the_problems():
    corpus = load_corpus(["", "   "])
    assert not corpus.usable
    assert [entry.status for entry in corpus.inputs] == ["skipped", "skipped"]


def test_hand_built_corpus_lists_documents_then_skipped_inputs():
    corpus = Corpus(
        documents=(Document("a", "Text a.", origin="a.txt"),),
        problems=(
            Problem("a", "a.txt", "decoded as cp1252", "warning"),
            Problem("b", "b.jsonl", "not valid JSON", "skipped", line=3),
        ),
    )
    assert corpus.inputs == (
        InputStatus("a", "a.txt", "warning", "decoded as cp1252", 7),
        InputStatus("b", "b.jsonl:3", "skipped", "not valid JSON", 0),
    )
    assert load_corpus(corpus) is corpus


# ------------------------------------------------------------------ errors raised


def test_missing_path_raises_naming_it(tmp_path):
    missing = tmp_path / "no-such-folder"
    with pytest.raises(CorpusError, match=r"corpus path does not exist: '.*no-such-folder'"):
        load_corpus(missing)
    with pytest.raises(CorpusError, match="no-such-folder"):
        iter_corpus_shards(missing)  # raised at once, not at the first shard


def test_text_passed_as_a_path_is_told_to_use_a_list():
    with pytest.raises(CorpusError, match="pass a list of strings"):
        load_corpus("Putin spurned a challenge.\nZelensky flew to Ankara.")


def test_folder_without_readable_files_raises_listing_what_it_found(tmp_path):
    (tmp_path / "notes.docx").write_bytes(b"PK\x03\x04")
    with pytest.raises(CorpusError, match=r"has no \.txt, \.md or table .* \(found: notes\.docx\)"):
        load_corpus(tmp_path)


def test_folder_of_table_shards_reads_each_and_skips_a_corrupt_one_by_name(tmp_path):
    shutil.copy(JSONL, tmp_path / "part-0.jsonl")
    pq.write_table(
        pa.table({"text": ["Shard one, row zero.", "Shard one, row one."]}),
        tmp_path / "part-1.parquet",
    )
    (tmp_path / "part-2.parquet").write_bytes(b"PAR1 truncated by a dying worker")
    shutil.copy(CSV, tmp_path / "part-3.csv")
    corpus = quiet_load(tmp_path)
    assert corpus.ids == (
        *quiet_load(JSONL).ids[:-1],
        "part-0:10",  # the JSONL line without an id, named by its shard
        "part-1:0",
        "part-1:1",
        *quiet_load(CSV).ids,
    )
    corrupt = [p for p in corpus.problems if p.origin == str(tmp_path / "part-2.parquet")]
    assert [p.message.split(" (")[0] for p in corrupt] == ["not a readable Parquet file"]
    assert Corpus.concat(quiet_shards(tmp_path, shard_size=4)) == corpus
    assert_every_input_once(corpus)
    shards = folder_shards(tmp_path)
    assert [(path.name, prefix) for path, prefix in shards] == [
        ("part-0.jsonl", "part-0:"),
        ("part-1.parquet", "part-1:"),
        ("part-2.parquet", "part-2:"),
        ("part-3.csv", "part-3:"),
    ]
    one_by_one = [quiet_load(path, id_prefix=prefix) for path, prefix in shards]
    assert Corpus.concat(one_by_one) == corpus  # what a worker per file would read


def test_folder_of_text_files_has_no_table_shards():
    assert folder_shards(FOLDER) == []
    assert folder_shards(JSONL) == []


def test_unsupported_file_type_raises(tmp_path):
    path = tmp_path / "articles.xlsx"
    path.write_bytes(b"PK\x03\x04")
    with pytest.raises(CorpusError, match=r"unsupported file type \.xlsx"):
        load_corpus(path)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"encoding_fallback": "klingon"}, r"'encoding_fallback' must be a codec name"),
        ({"text_column": ""}, r"'text_column' must be a non-empty string \(got ''\)"),
        ({"id_column": "text"}, r"'id_column' and 'text_column' must differ"),
    ],
)
def test_bad_options_raise_parameter_errors(options, message):
    with pytest.raises(ParameterError, match=message):
        load_corpus(SEEDS, **options)


def test_bad_source_and_shard_size_raise_parameter_errors():
    with pytest.raises(ParameterError, match=r"'source' must be a path.*\(got int\)"):
        load_corpus(42)
    with pytest.raises(ParameterError, match=r"'source' must be a path"):
        iter_corpus_shards({"text": "a dict is not a source"})
    with pytest.raises(ParameterError, match=r"'shard_size' must be a whole number >= 1 \(got 0\)"):
        iter_corpus_shards(SEEDS, shard_size=0)


# ------------------------------------------------------------------------ streaming


@pytest.mark.parametrize("shard_size", [1, 2, 5])
@pytest.mark.parametrize("source", [FOLDER, JSONL, CSV, SEEDS], ids=lambda p: p.name)
def test_shards_joined_equal_one_shot_loading(source, shard_size):
    shards = quiet_shards(source, shard_size=shard_size)
    assert all(len(shard.inputs) <= shard_size for shard in shards)
    assert all(len(shard.inputs) == shard_size for shard in shards[:-1])
    assert Corpus.concat(shards) == quiet_load(source)


def test_parquet_shards_follow_batches_and_equal_one_shot(tmp_path):
    path = tmp_path / "big.parquet"
    write_parquet(path, rows=103, row_group_size=20)
    shards = list(iter_corpus_shards(path, shard_size=25))
    assert [len(shard.inputs) for shard in shards] == [25, 25, 25, 25, 3]
    assert Corpus.concat(shards) == load_corpus(path)


def test_duplicate_ids_are_found_across_shards(tmp_path):
    path = tmp_path / "dupes.jsonl"
    rows = [{"id": f"d{i % 6}", "text": f"Text {i}."} for i in range(10)]
    path.write_text("\n".join(json.dumps(row) for row in rows) + "\n", encoding="utf-8")
    shards = list(iter_corpus_shards(path, shard_size=3))
    joined = Corpus.concat(shards)
    assert joined.ids == (*(f"d{i}" for i in range(6)), "d0#2", "d1#2", "d2#2", "d3#2")
    assert [p.line for p in joined.problems] == [7, 8, 9, 10]
    assert joined.problems[0].message.startswith(
        f"duplicate id 'd0': already used by {path}:1; loaded as 'd0#2'"
    )


def test_streaming_hands_over_the_first_shard_before_reading_the_rest(tmp_path):
    path = tmp_path / "stream.jsonl"
    path.write_text(
        "\n".join(json.dumps({"id": str(i), "text": f"Text {i}."}) for i in range(6)) + "\n",
        encoding="utf-8",
    )
    shards = iter_corpus_shards(path, shard_size=2)
    first = next(shards)
    with path.open("a", encoding="utf-8") as stream:  # appended after the first shard is out
        stream.write(json.dumps({"id": "late", "text": "Appended while streaming."}) + "\n")
    rest = list(shards)
    assert first.ids == ("0", "1")
    assert Corpus.concat([first, *rest]).ids[-1] == "late"


@settings(max_examples=60, deadline=None)
@given(
    texts=st.lists(
        st.one_of(
            st.text(alphabet=st.sampled_from("ab \n\x00é’"), max_size=12),
            st.none(),
            st.integers(),
        ),
        max_size=15,
    ),
    ids=st.lists(st.sampled_from(["a", "b", "c", "latent:1", "", None, 1, 1.0]), max_size=15),
    shard_size=st.integers(1, 6),
)
def test_any_table_lists_every_row_once_with_unique_ids_and_streams_alike(texts, ids, shard_size):
    rows = [
        {"id": ids[n], "text": text} if n < len(ids) else {"text": text}
        for n, text in enumerate(texts)
    ]
    frame = pd.DataFrame(rows, dtype=object)
    if "text" not in frame.columns:
        frame["text"] = pd.Series(dtype=object)
    corpus = load_corpus(frame)
    assert [entry.origin for entry in corpus.inputs] == [
        f"DataFrame row {n}" for n in range(len(rows))
    ]
    assert len(set(corpus.ids)) == len(corpus.ids)
    assert not any(doc_id.startswith("latent:") for doc_id in corpus.ids)
    assert all(text.strip() and "\x00" not in text for text in corpus.texts)
    assert_every_input_once(corpus)
    assert Corpus.concat(iter_corpus_shards(frame, shard_size=shard_size)) == corpus


# ------------------------------------------------------------- faults of the file system


def test_an_unreadable_subfolder_is_a_problem_not_a_silent_gap(tmp_path, bound_by_permissions):
    (tmp_path / "a.txt").write_text("A readable story.", encoding="utf-8")
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "b.txt").write_text("A story nobody can list.", encoding="utf-8")
    locked.chmod(0o000)
    script = (
        "import sys; from lineage.corpus import load_corpus; c = load_corpus(sys.argv[1]); "
        "print([(e.id, e.status, e.problem) for e in c.inputs])"
    )
    try:
        done = subprocess.run(
            [*bound_by_permissions, sys.executable, "-c", script, str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        locked.chmod(0o755)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(
        [
            ("a", "ok", ""),
            (
                "locked",
                "skipped",
                "folder could not be read (Permission denied); "
                "the files in it are not in the corpus",
            ),
        ]
    )


def test_a_fifo_and_a_broken_link_are_skipped_without_blocking(tmp_path):
    (tmp_path / "a.txt").write_text("A readable story.", encoding="utf-8")
    os.mkfifo(tmp_path / "pipe.txt")
    (tmp_path / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    (tmp_path / "loop").symlink_to(tmp_path, target_is_directory=True)
    corpus = load_corpus(tmp_path)
    assert corpus.ids == ("a",)
    assert [(e.id, e.problem) for e in corpus.inputs if e.status == "skipped"] == [
        (
            "gone",
            f"could not be read (a broken symbolic link to {str(tmp_path / 'nowhere.txt')!r})",
        ),
        ("pipe", "not a regular file (a named pipe); not read"),
        ("loop", "is a link to a folder already read; skipped"),
    ]
    with pytest.raises(CorpusError, match=re.escape("pipe.txt': it is a named pipe, not a file")):
        load_corpus(tmp_path / "pipe.txt")


def test_an_unterminated_quote_names_its_line_and_loses_no_row(tmp_path):
    path = tmp_path / "cut.csv"
    path.write_text('id,text\na,"first text\nb,second text\nc,third text\n', encoding="utf-8")
    corpus = load_corpus(path)
    assert [(e.origin, e.id, e.status) for e in corpus.inputs] == [
        (f"{path}:2", f"{path}:2", "skipped"),
        (f"{path}:3", "b", "warning"),
        (f"{path}:4", "c", "warning"),
    ]
    assert corpus.inputs[0].problem == (
        "a quoted field opens on this line and is never closed; "
        "the 2 lines after it are read again as rows"
    )
    assert corpus.inputs[1].problem == (
        "read again after the malformed record of line 2; check that this row is whole"
    )


def test_a_quote_closed_lines_later_does_not_swallow_the_rows_between(tmp_path):
    path = tmp_path / "swallow.csv"
    path.write_text('id,text\na,"one\nb,two\nc,"three"\nd,four\n', encoding="utf-8")
    corpus = load_corpus(path)
    assert corpus.ids == ("b", "c", "d")
    assert corpus.texts == ("two", "three", "four")
    assert corpus.skipped[0].line == 2
    assert "runs on to line 4" in corpus.skipped[0].message


def test_a_header_only_csv_and_an_empty_parquet_say_they_have_no_rows(tmp_path):
    csv_path = tmp_path / "header.csv"
    csv_path.write_text("id,text\n\n", encoding="utf-8")
    parquet_path = tmp_path / "empty.parquet"
    pd.DataFrame({"id": pd.Series(dtype=str), "text": pd.Series(dtype=str)}).to_parquet(
        parquet_path
    )
    assert [str(p) for p in load_corpus(csv_path).problems] == [
        f"{csv_path}:1: has a header line but no rows: nothing to read"
    ]
    assert [str(p) for p in load_corpus(parquet_path).problems] == [
        f"{parquet_path}: has no rows: nothing to read"
    ]
