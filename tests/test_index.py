"""The persistent index: the same answers as a batch analysis, and safe on disk.

Consistency is checked against :func:`lineage.analyze` itself on the seeds and on real
Reuters wire copy; safety with real processes (a writer killed with SIGKILL in the middle
of a batch, a writer adding while this process queries) and real bad files.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import lineage
from lineage.cli import cli
from lineage.commonness import learn_commonness
from lineage.corpus import load_corpus
from lineage.errors import ParameterError
from lineage.index import DATABASE, SCHEMA_VERSION, Index, IndexFileError, IndexParams
from tests.shared_data import shared_data

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"


def reuters(n: int) -> pd.DataFrame:
    frame = pd.read_json(
        shared_data("reuters-21578") / "reuters-000-013.jsonl.gz", lines=True, nrows=n
    )
    return frame[["id", "text"]]


def lineage_cli(*args: str, **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lineage", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        **kwargs,
    )


def generated(n: int, seed: int = 0) -> pd.DataFrame:
    """Documents of random words: every tenth the copy of the one before with edits."""
    rng = np.random.default_rng(seed)
    vocabulary = [f"w{i}" for i in range(5000)]
    texts: list[str] = []
    for i in range(n):
        if i % 10 == 9:
            words = texts[-1].split()
            for k in rng.choice(len(words), 8, replace=False):
                words[k] = str(rng.choice(vocabulary))
        else:
            words = list(rng.choice(vocabulary, 300))
        texts.append(" ".join(words))
    return pd.DataFrame({"id": [f"g{i:05d}" for i in range(n)], "text": texts})


def _involving(table: pd.DataFrame, doc: str, others: set[str] | None = None) -> pd.DataFrame:
    mine = (table["a"] == doc) | (table["b"] == doc)
    if others is not None:
        mine &= table["a"].isin(others) | table["b"].isin(others)
    return table[mine].reset_index(drop=True)


# -- consistency with the batch analysis ------------------------------------------------


@pytest.fixture(scope="module")
def seed_corpus() -> pd.DataFrame:
    loaded = load_corpus(SEEDS)
    return pd.DataFrame({"id": list(loaded.ids), "text": list(loaded.texts)})


@pytest.mark.parametrize("left_out", range(5))
def test_a_query_gives_what_a_batch_analysis_of_the_index_plus_the_text_gives(
    seed_corpus: pd.DataFrame, left_out: int, tmp_path: Path
) -> None:
    doc = seed_corpus.iloc[[left_out]]
    rest = seed_corpus.drop(index=left_out)
    me = doc["id"].iloc[0]
    with Index.build(tmp_path / "seeds", rest) as index:
        found = index.query(doc)
    batch = lineage.analyze(pd.concat([rest, doc]))
    pd.testing.assert_frame_equal(found.pairs, _involving(batch.pairs, me))
    pd.testing.assert_frame_equal(found.passages, _involving(batch.passages, me))
    assert len(found.passages) > 0
    columns = ["parent", "parent_confidence", "reuse_fraction", "quote_fraction"]
    pd.testing.assert_frame_equal(
        found.documents[["id", *columns]],
        batch.documents.loc[batch.documents["id"] == me, ["id", *columns]].reset_index(drop=True),
    )


def test_the_wire_story_is_the_parent_of_its_rewrite_and_the_answer_says_so(
    seed_corpus: pd.DataFrame, tmp_path: Path
) -> None:
    rewrite = seed_corpus[seed_corpus["id"].str.startswith("000")]
    with Index.build(tmp_path / "seeds", seed_corpus.drop(index=rewrite.index)) as index:
        row = index.query(rewrite).documents.iloc[0]
    assert row["parent"] == "001_bf39bc6a18a36fb4"
    assert row["parent_kind"] == "document"
    assert row["matches"] >= 2
    assert row["reuse_fraction"] > 0.5


def test_on_wire_copy_the_index_finds_the_pairs_and_passages_of_the_batch_run(
    tmp_path: Path,
) -> None:
    """Above ``exhaustive_below`` the candidates come from the LSH buckets, as in batch."""
    # r331-r360 re-send stories of r230-r264 (wire copy, not only shared templates).
    frame = reuters(360)
    held = frame.tail(30)
    indexed = frame.head(330)
    batch = lineage.analyze(frame)
    others = set(indexed["id"])
    compared = ["a", "b", "jaccard", "containment_a_in_b", "containment_b_in_a"]
    total_pairs = total_passages = 0
    with Index.build(tmp_path / "wire", indexed, batch_size=128) as index:
        for doc in held.itertuples(index=False):
            found = index.query(pd.DataFrame([doc._asdict()]))
            # The fast path without alignment scores the same pairs the same way:
            fast = index.near_duplicates(pd.DataFrame([doc._asdict()]))
            # (informative containment needs the commonness marks the full query makes)
            informative = ["informative_containment_a_in_b", "informative_containment_b_in_a"]
            pd.testing.assert_frame_equal(
                fast,
                found.pairs.drop(columns=[*informative, "alignment_note"]).assign(shared_chars=0),
            )
            expected = _involving(batch.pairs, doc.id, others)
            got = found.pairs.sort_values(["a", "b"], ignore_index=True)[compared]
            want = expected.sort_values(["a", "b"], ignore_index=True)[compared]
            pd.testing.assert_frame_equal(got, want)
            # The same passages; their commonness comes from the model the index keeps of
            # its own documents (the batch run's also saw the 30 held ones), so it may differ
            # a little.
            want_passages = _involving(batch.passages, doc.id, others)
            pd.testing.assert_frame_equal(
                found.passages, want_passages, check_exact=False, atol=0.05
            )
            total_pairs += len(expected)
            total_passages += len(found.passages)
    assert total_pairs >= 5 and total_passages >= 1


FOOTER = (
    "\nSign up for the Morning Briefing, our daily newsletter on politics, markets and the "
    "world, delivered to your inbox before breakfast every weekday morning."
    "\nThe Daily Ledger is published by Ledger Media Group. Subscribers can read every "
    "story on our website and in the app; follow us on social media for updates."
    "\nCopy editing by the night desk team in the main newsroom downtown."
)


def test_an_outlets_footer_is_boilerplate_to_a_query_as_to_a_batch_run(tmp_path: Path) -> None:
    """A footer every article carries makes no candidate and no passage, as in batch."""
    frame = generated(230, seed=5)
    frame["text"] = frame["text"] + FOOTER
    indexed = frame.head(210)
    copy, fresh = frame.iloc[[219]], frame.iloc[[211]]  # the edited copy of g00218; new
    indexed = pd.concat([indexed, frame.iloc[[218]]])
    with Index.build(tmp_path / "footer", indexed) as index:
        found = {doc: index.query(frame[frame["id"] == doc]) for doc in ("g00219", "g00211")}
        found["g00218"] = index.query(frame[frame["id"] == "g00218"])  # indexed: counted once
        lines = index._store.db.execute("SELECT count(*) FROM lines").fetchone()[0]
    assert lines == 3  # the three footer lines (the stories' lines are too long)
    for doc, query in (("g00219", copy), ("g00211", fresh), ("g00218", copy.head(0))):
        batch = lineage.analyze(pd.concat([indexed, query]))
        assert all(
            span.kind == "boilerplate" for span in batch.ignored[doc] if span.start > 1000
        )  # the batch run blanks the footer too
        # (tfidf_cosine's idf is over the documents a run scores: the batch run's are more)
        compared = ["a", "b", "jaccard", "containment_a_in_b", "containment_b_in_a"]
        pd.testing.assert_frame_equal(
            found[doc].pairs[compared], _involving(batch.pairs, doc)[compared]
        )
        pd.testing.assert_frame_equal(found[doc].passages, _involving(batch.passages, doc))
    assert set(found["g00219"].pairs["a"]) | set(found["g00219"].pairs["b"]) == {
        "g00218",
        "g00219",
    }
    assert found["g00211"].pairs.empty  # the footer alone makes no candidate


def test_a_query_respects_dates(seed_corpus: pd.DataFrame, tmp_path: Path) -> None:
    wire = seed_corpus[seed_corpus["id"].str.startswith("001")]
    rewrite = seed_corpus[seed_corpus["id"].str.startswith("000")]
    dated = wire.assign(date="2025-05-20")
    with Index.build(tmp_path / "dated", dated) as index:
        before = index.query(rewrite["text"].iloc[0], date="2025-05-15").documents.iloc[0]
        after = index.query(rewrite["text"].iloc[0], date="2025-05-21").documents.iloc[0]
    assert after["parent"] == wire["id"].iloc[0]
    assert pd.isna(before["parent"])  # the wire, dated later, cannot be its source


# -- adding -------------------------------------------------------------------------------


def _dump(index_dir: Path) -> dict[str, list]:
    with Index(index_dir, readonly=True) as index:
        keys, docs = index._store.entries()
    with sqlite3.connect(index_dir / DATABASE) as db:
        return {
            "documents": db.execute(
                "SELECT doc, id, chars, shingles FROM documents ORDER BY doc"
            ).fetchall(),
            "buckets": list(zip(keys.tolist(), docs.tolist(), strict=True)),
            "counts": [
                (name, row, zlib.decompress(cells))
                for name, row, cells in db.execute("SELECT * FROM counts ORDER BY name, row")
            ],
            "lines": db.execute("SELECT * FROM lines ORDER BY line").fetchall(),
        }


def test_adding_in_batches_stores_what_one_batch_stores(tmp_path: Path) -> None:
    frame = generated(240)
    Index.build(tmp_path / "one", frame, batch_size=1000).close()
    with Index.build(tmp_path / "parts", frame.head(100), batch_size=1000) as index:
        index.add(frame.tail(140), batch_size=50)
        assert index.stats()["batches"] == 1 + 3
    assert _dump(tmp_path / "one") == _dump(tmp_path / "parts")


def test_the_commonness_model_grows_with_each_batch_as_learnt_at_once(tmp_path: Path) -> None:
    # Lower-case words: no capitalised word whose status a later batch could change, so
    # the model grown batch by batch is exactly the one learnt from all texts at once.
    frame = generated(90)
    frame.loc[80, "text"] = frame.loc[3, "text"].upper()  # the same text again, counted once
    whole = learn_commonness(list(frame["text"]))
    with Index.build(tmp_path / "common", frame.head(30)) as index:
        index.add(frame.iloc[30:60])
        with Index(tmp_path / "common", readonly=True) as reader:  # as a reader sees it
            assert reader.commonness().documents == 60
        index.add(frame.tail(30), batch_size=7)
        grown = index.commonness()
        assert index.stats()["distinct_texts"] == 89
    assert (grown.documents, grown.ceiling) == (whole.documents, whole.ceiling) == (89, 10)
    for name in ("words", "ngrams", "templates"):
        np.testing.assert_array_equal(getattr(grown, name), getattr(whole, name))
    assert int(whole.ngrams.max()) >= 2  # the copies share n-grams: counts above one


def test_bucket_segments_stay_few_as_batches_come(tmp_path: Path) -> None:
    frame = generated(400)
    with Index.build(tmp_path / "segments", frame.head(200), batch_size=200) as index:
        for start in range(200, 400, 10):
            index.add(frame.iloc[start : start + 10])
        stats = index.stats()
        found = index.query(frame.iloc[[399]].assign(id="again"))
    assert stats["batches"] == 21
    assert stats["segments"] <= 6  # merged as they come: O(log(documents / batch))
    assert set(found.passages["b"]) == {"g00398", "g00399"}  # itself and its original


def test_known_ids_are_skipped_with_a_problem_the_first_kept(tmp_path: Path) -> None:
    frame = generated(20)
    with Index.build(tmp_path / "dup", frame.head(10)) as index:
        again = frame.iloc[8:12].assign(text="a different text entirely for this id")
        added = index.add(again)
        assert len(index) == 12
        assert added["status"].tolist() == ["skipped", "skipped", "ok", "ok"]
        assert (
            added["problem"].iloc[0]
            == "duplicate id 'g00008': already in the index; the first is kept"
        )
        # A query under an indexed id is that document, compared with the others:
        found = index.query(frame.iloc[[8]])
        assert set(found.passages["b"]) == {"g00009"}  # its copy
        assert (found.pairs["a"] != found.pairs["b"]).all()


def test_a_query_under_an_indexed_id_is_compared_with_the_other_documents(
    seed_corpus: pd.DataFrame, tmp_path: Path
) -> None:
    with Index.build(tmp_path / "all", seed_corpus) as index:
        found = index.query(seed_corpus.iloc[[0]])
    batch = lineage.analyze(seed_corpus)
    me = seed_corpus["id"].iloc[0]
    pd.testing.assert_frame_equal(found.passages, _involving(batch.passages, me))


# -- safety -------------------------------------------------------------------------------

WRITER = """
import sys, pandas as pd, logging
logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
from lineage.index import Index
frame = pd.read_json(sys.argv[2], lines=True)
with Index(sys.argv[1]) as index:
    for start in range(0, len(frame), int(sys.argv[3])):
        index.add(frame.iloc[start : start + int(sys.argv[3])], batch_size=int(sys.argv[3]))
        print("committed", len(index), file=sys.stderr, flush=True)
"""


def _writer(index_dir: Path, frame: pd.DataFrame, batch: int, tmp_path: Path) -> subprocess.Popen:
    data = tmp_path / "batch.jsonl"
    frame.to_json(data, orient="records", lines=True)
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(index_dir), str(data), str(batch)],
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )


def test_a_writer_killed_in_the_middle_of_a_batch_leaves_the_index_as_before(
    tmp_path: Path,
) -> None:
    frame = generated(1700, seed=3)
    index_dir = tmp_path / "killed"
    Index.build(index_dir, frame.head(200)).close()
    before = _dump(index_dir)
    writer = _writer(index_dir, frame.iloc[200:], 1500, tmp_path)
    line = writer.stderr.readline()  # logged once the transaction is open
    assert line.startswith("writing a batch of 1500 documents"), line
    time.sleep(random.uniform(0.0, 0.1))  # somewhere in the middle of the writes
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait()
    assert writer.returncode == -signal.SIGKILL
    with Index(index_dir) as index:
        assert index._store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert len(index) == 200
    assert _dump(index_dir) == before
    with Index(index_dir) as index:  # and the batch can be added again
        index.add(frame.iloc[200:], batch_size=1500)
        assert len(index) == 1700
        assert index.stats()["batches"] == 2


def test_readers_query_while_a_writer_adds(tmp_path: Path) -> None:
    frame = generated(600, seed=5)
    index_dir = tmp_path / "busy"
    Index.build(index_dir, frame.head(100)).close()
    probe = frame.iloc[[9]].assign(id="probe")  # a copy of g00008, which is indexed
    writer = _writer(index_dir, frame.iloc[100:], 100, tmp_path)
    sizes = []
    with Index(index_dir, readonly=True) as reader:
        while writer.poll() is None:
            found = reader.query(probe)
            assert "g00008" in set(found.pairs["b"]) | set(found.pairs["a"])
            sizes.append(len(reader))
    assert writer.returncode == 0, writer.stderr.read()
    assert len(set(sizes)) >= 2  # the writer committed while this process read
    assert all(size % 100 == 0 for size in sizes)  # only whole batches are ever seen
    with Index(index_dir, readonly=True) as reader:
        assert len(reader) == 600


def test_a_file_that_is_no_index_gets_a_clear_error(tmp_path: Path) -> None:
    noise = tmp_path / "noise"
    noise.mkdir()
    (noise / DATABASE).write_bytes(bytes(random.Random(1).randrange(256) for _ in range(5000)))
    with pytest.raises(IndexFileError, match="is not a lineage index"):
        Index(noise)
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    with sqlite3.connect(foreign / DATABASE) as db:
        db.execute("CREATE TABLE people(name TEXT)")
    with pytest.raises(IndexFileError, match="an SQLite database but not a lineage index"):
        Index(foreign)
    with pytest.raises(IndexFileError, match="is a file, not an index folder"):
        Index(foreign / DATABASE)
    with pytest.raises(IndexFileError, match="no index at"):
        Index(tmp_path / "absent")
    Index.create(tmp_path / "old").close()
    with sqlite3.connect(tmp_path / "old" / DATABASE) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(IndexFileError, match="rebuild it with `lineage index build`"):
        Index(tmp_path / "old")
    done = lineage_cli("query", str(noise), "--text", "Some text to look up.")
    assert done.returncode == 2
    assert done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert done.stderr.startswith(f"error: {noise / DATABASE} is not a lineage index")


def test_settings_are_checked_and_an_index_is_never_made_over_another(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match="'threshold' must be in"):
        IndexParams(threshold=1.5)
    Index.create(tmp_path / "one").close()
    with pytest.raises(IndexFileError, match="it is an index"):
        Index.create(tmp_path / "one")
    with pytest.raises(lineage.CorpusError):
        Index.build(tmp_path / "nothing", tmp_path / "missing-corpus")
    assert not (tmp_path / "nothing").exists()


# -- command line -------------------------------------------------------------------------


def test_the_commands_build_add_describe_and_query_an_index(
    seed_corpus: pd.DataFrame, tmp_path: Path
) -> None:
    first = tmp_path / "first.jsonl"
    seed_corpus.iloc[1:3].to_json(first, orient="records", lines=True)
    more = tmp_path / "more.jsonl"
    seed_corpus.iloc[2:].to_json(more, orient="records", lines=True)
    index_dir = tmp_path / "news"
    done = lineage_cli("index", "build", str(first), "--index", str(index_dir))
    assert done.returncode == 0, done.stderr
    done = lineage_cli("index", "add", str(more), "--index", str(index_dir))
    assert done.returncode == 0, done.stderr
    assert "skipped: " in done.stderr and "already in the index" in done.stderr
    assert "added 2 of 3 inputs" in done.stdout
    query = tmp_path / "000.txt"
    query.write_text(seed_corpus["text"].iloc[0], encoding="utf-8")
    done = lineage_cli("query", str(index_dir), str(query), "--json")
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["documents"][0]["parent"] == "001_bf39bc6a18a36fb4"
    assert {p["b"] for p in answer["passages"]} >= {"001_bf39bc6a18a36fb4"}
    # The other outputs, in process:
    stats = CliRunner().invoke(cli, ["index", "stats", str(index_dir), "--json"])
    assert json.loads(stats.output)["documents"] == 4
    assert json.loads(stats.output)["schema_version"] == SCHEMA_VERSION
    text = CliRunner().invoke(cli, ["query", str(index_dir), str(query)]).output
    assert "likely parent: 001_bf39bc6a18a36fb4 (document" in text


def test_a_metadata_side_file_gives_indexed_documents_their_dates(
    seed_corpus: pd.DataFrame, tmp_path: Path
) -> None:
    wire = seed_corpus[seed_corpus["id"].str.startswith("001")]
    rewrite = seed_corpus[seed_corpus["id"].str.startswith("000")]
    corpus = tmp_path / "wire.jsonl"
    wire[["id", "text"]].to_json(corpus, orient="records", lines=True)
    side = tmp_path / "meta.csv"
    side.write_text(f"id,date,outlet\n{wire['id'].iloc[0]},2025-05-20,Reuters\n", encoding="utf-8")
    index_dir = tmp_path / "dated"
    done = CliRunner().invoke(
        cli, ["index", "build", str(corpus), "--index", str(index_dir), "--metadata", str(side)]
    )
    assert done.exit_code == 0, done.output
    with Index(index_dir, readonly=True) as index:
        before = index.query(rewrite["text"].iloc[0], date="2025-05-15").documents.iloc[0]
        after = index.query(rewrite["text"].iloc[0], date="2025-05-21").documents.iloc[0]
    assert after["parent"] == wire["id"].iloc[0]
    assert pd.isna(before["parent"])  # dated by the side file, the wire is later


def test_query_and_build_arguments_are_checked_before_any_work(tmp_path: Path) -> None:
    missing_index = tmp_path / "no-index"
    done = lineage_cli(
        "query", str(missing_index), "--text", "a text", "--out", str(tmp_path / "p.txt")
    )
    assert done.returncode == 2
    assert "p.txt" in done.stderr and "no index" not in done.stderr  # --out, before the index
    done = CliRunner().invoke(cli, ["query", str(missing_index), "seeds", "--date", "2025-05-15"])
    assert done.exit_code == 2
    assert "--date goes with --text" in done.output
    index_dir = tmp_path / "idx"
    for bad in (
        ["index", "build", str(tmp_path / "absent.jsonl"), "--index", str(index_dir)],
        ["index", "build", "seeds", "--index", str(index_dir), "--batch-size", "0"],
        ["index", "build", "seeds", "--index", str(index_dir), "--threshold", "1.5"],
    ):
        done = CliRunner().invoke(cli, bad)
        assert done.exit_code != 0, bad
        assert not index_dir.exists(), bad
