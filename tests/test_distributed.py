"""The Dask path gives the in-process answers, survives a lost worker and skips bad shards.

One real ``distributed.LocalCluster`` (2 worker processes on loopback) serves the module.
"""

from __future__ import annotations

import json
import os
import signal
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import lineage
from benchmarks.lineage_corpus import news_corpus
from benchmarks.near_duplicate_corpus import generate, true_pairs
from lineage.api import analyze
from lineage.corpus import load_corpus
from lineage.distributed import (
    DaskRunner,
    close,
    connect,
    dask_runner,
    gather_texts,
    lsh_candidates_on_cluster,
    sketch_corpus,
    start_local_cluster,
    table_files,
    write_parquet,
)
from lineage.errors import LineageError, LineageWarning, ParameterError
from lineage.normalize import normalize_text
from lineage.shingle import shingle, shingle_hashes
from lineage.sketch import lsh_candidates as lsh_in_process
from lineage.sketch import minhash_signatures

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


@pytest.fixture(scope="module")
def client():
    client = start_local_cluster(2)
    client.wait_for_workers(2, timeout=60)
    yield client
    close(client)


@pytest.fixture(scope="module")
def corpus():
    return generate(160, seed=11)


def _write_jsonl(path: Path, ids, texts) -> None:
    with path.open("w", encoding="utf-8") as stream:
        for doc_id, text in zip(ids, texts, strict=True):
            stream.write(json.dumps({"id": doc_id, "text": text}) + "\n")


@pytest.fixture(scope="module")
def shard_folder(corpus, tmp_path_factory):
    """The generated corpus as 4 JSONL and 2 Parquet shards."""
    folder = tmp_path_factory.mktemp("shards")
    for k in range(6):
        ids, texts = corpus.ids[k::6], corpus.texts[k::6]
        if k % 3 == 2:
            pd.DataFrame({"id": ids, "text": texts}).to_parquet(folder / f"part-{k}.parquet")
        else:
            _write_jsonl(folder / f"part-{k}.jsonl", ids, texts)
    return folder


def _assert_same_sketch(found, expected) -> None:
    assert found.ids == expected.ids
    np.testing.assert_array_equal(found.signatures, expected.signatures)
    np.testing.assert_array_equal(found.sizes, expected.sizes)
    assert found.inputs == expected.inputs


def test_runner_maps_stage_functions_in_order(client):
    texts = [path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))]
    runner = DaskRunner(client, partition_size=2)
    normalized = runner.map(normalize_text, texts)
    assert [nt.text for nt in normalized] == [normalize_text(t).text for t in texts]
    hashes = runner.map(lambda text: shingle(text, n=5).hashes, [nt.text for nt in normalized])
    for found, nt in zip(hashes, normalized, strict=True):
        np.testing.assert_array_equal(found, shingle(nt.text, n=5).hashes)
    assert runner.map(len, []) == []


def test_a_stage_over_large_data_travels_outside_the_task_graph(client):
    # 24 MB behind the stage function: inside the graph, Dask would warn "Sending large
    # graph" (over 10 MB) on every map; scattered to the workers once, the graph is small.
    table = np.arange(3_000_000, dtype=np.int64) * 3
    runner = DaskRunner(client, partition_size=2)

    def stage(k: int) -> int:
        return int(table[k])

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        first = runner.map(stage, [0, 5, 2_999_999])
        again = runner.map(stage, [7, 1])  # the next batch of one stage: sent once
        other = runner.map(lambda k: int(table[k]) + 1, [2])
    assert (first, again, other) == ([0, 15, 8_999_997], [21, 3], [7])


def test_seed_signatures_equal_the_in_process_stages(client):
    expected = sketch_corpus(SEEDS)
    _assert_same_sketch(sketch_corpus(SEEDS, runner=DaskRunner(client), shard_size=2), expected)
    loaded = load_corpus(SEEDS)
    hashes = shingle_hashes([normalize_text(text).text for text in loaded.texts])
    assert expected.ids == loaded.ids
    np.testing.assert_array_equal(expected.signatures, minhash_signatures(hashes))


def test_generated_shards_give_the_same_sketch_candidates_and_texts(client, corpus, shard_folder):
    assert len(table_files(shard_folder)) == 6
    runner = DaskRunner(client)
    expected = sketch_corpus(shard_folder, shard_size=16)
    found = sketch_corpus(shard_folder, runner=runner, shard_size=16)
    _assert_same_sketch(found, expected)
    assert sorted(found.ids) == sorted(corpus.ids)

    candidates = lsh_candidates_on_cluster(
        expected.signatures, client=client, threshold=0.5, chunk_rows=50
    )
    pd.testing.assert_frame_equal(candidates, lsh_in_process(expected.signatures, threshold=0.5))
    local = lsh_in_process(expected.signatures, params=(16, 4))
    pd.testing.assert_frame_equal(
        lsh_candidates_on_cluster(expected.signatures, client=client, params=(16, 4)), local
    )

    # The candidates hold the known near-duplicates (the pairs of one family at >= 0.5).
    ids = np.array(found.ids)
    named = {
        tuple(sorted(pair)) for pair in zip(ids[candidates["a"]], ids[candidates["b"]], strict=True)
    }
    truth = true_pairs(corpus, 0.5)
    assert len(truth) > 30
    assert len(truth & named) / len(truth) >= 0.97

    wanted = set(ids[candidates["a"]]) | set(ids[candidates["b"]])
    texts = gather_texts(shard_folder, wanted, runner=runner)
    by_id = dict(zip(corpus.ids, corpus.texts, strict=True))
    assert texts == {doc_id: by_id[doc_id] for doc_id in wanted}


def test_bag_of_signatures_gives_the_same_candidates(client, corpus):
    import dask.bag as db

    signatures = minhash_signatures(shingle_hashes(corpus.texts), num_perm=64)
    bag = db.from_sequence(list(enumerate(signatures)), npartitions=5)
    found = lsh_candidates_on_cluster(bag, client=client, num_perm=64, threshold=0.5)
    pd.testing.assert_frame_equal(found, lsh_in_process(signatures, threshold=0.5))
    assert len(found) > 0


@pytest.mark.parametrize("which", ["seeds", "news without its wire"])
def test_analyze_on_dask_gives_the_in_process_analysis(client, which):
    if which == "seeds":
        source = SEEDS
    else:
        news = news_corpus(5, remove="wire", dated=True)
        source = pd.DataFrame(
            {"id": news.ids, "text": news.texts, "date": [news.dates[i] for i in news.ids]}
        )
    local = analyze(source)
    dask = analyze(source, client=client)
    for table in ("documents", "pairs", "passages", "quotes", "sources", "edges", "attribution"):
        pd.testing.assert_frame_equal(getattr(dask, table), getattr(local, table))
    assert len(local.passages) > 10 and len(local.quotes) > 10 and len(local.edges) >= 2
    if which != "seeds":
        assert local.sources["id"].str.startswith("latent:").any()


def test_a_worker_killed_mid_run_does_not_change_the_result(client, corpus, tmp_path):
    # Enough work (10 files of the corpus) that the run is still going at the kill.
    copies = 10
    for k in range(copies):
        _write_jsonl(
            tmp_path / f"part-{k:02d}.jsonl", [f"{k}-{i}" for i in corpus.ids], corpus.texts
        )
    once = sketch_corpus(corpus.texts)
    runner = DaskRunner(client)
    with ThreadPoolExecutor(1) as pool:
        run = pool.submit(sketch_corpus, tmp_path, runner=runner)
        victim = None
        while victim is None and not run.done():
            busy = [worker for worker, keys in client.processing().items() if keys]
            victim = busy[0] if busy else None
            time.sleep(0.02)
        assert victim is not None, "the run ended before a worker could be killed"
        pid = client.run(os.getpid, workers=[victim])[victim]
        os.kill(pid, signal.SIGKILL)
        found = run.result(timeout=180)
    assert victim not in client.scheduler_info()["workers"]
    assert found.ids == tuple(f"{k}-{i}" for k in range(copies) for i in corpus.ids)
    np.testing.assert_array_equal(found.signatures, np.tile(once.signatures, (copies, 1)))
    np.testing.assert_array_equal(found.sizes, np.tile(once.sizes, copies))
    client.wait_for_workers(2, timeout=60)  # the nanny restarts the worker


def test_a_corrupt_shard_is_named_and_skipped(client, corpus, tmp_path):
    _write_jsonl(tmp_path / "part-0.jsonl", corpus.ids[:40], corpus.texts[:40])
    (tmp_path / "part-1.parquet").write_bytes(b"PAR1 this is no parquet file" * 50)
    (tmp_path / "part-2.jsonl").write_bytes(np.random.default_rng(0).bytes(3000))
    pd.DataFrame({"id": corpus.ids[40:80], "text": corpus.texts[40:80]}).to_parquet(
        tmp_path / "part-3.parquet"
    )
    with pytest.warns(LineageWarning, match="part-2.jsonl:1: not valid UTF-8"):
        expected = sketch_corpus(tmp_path)
    found = sketch_corpus(tmp_path, runner=DaskRunner(client))
    _assert_same_sketch(found, expected)
    assert found.ids == tuple(corpus.ids[:80])
    skipped = {Path(entry.origin.split(":")[0].split(" row ")[0]).name for entry in found.skipped}
    assert skipped == {"part-1.parquet", "part-2.jsonl"}
    bad_parquet = [e for e in found.skipped if "part-1.parquet" in e.origin]
    assert bad_parquet[0].problem.startswith("not a readable Parquet file")


def test_an_id_repeated_in_a_later_shard_is_numbered(client, tmp_path):
    _write_jsonl(tmp_path / "a.jsonl", ["x", "y"], ["Putin stayed away.", "Zelensky flew in."])
    _write_jsonl(tmp_path / "b.jsonl", ["y", "z"], ["A second y.", "Talks in Istanbul."])
    found = sketch_corpus(tmp_path, runner=DaskRunner(client))
    assert found.ids == ("x", "y", "y#2", "z")
    assert found.ids == load_corpus(tmp_path).ids
    repeated = [entry for entry in found.inputs if entry.status == "warning"]
    assert [entry.id for entry in repeated] == ["y#2"]
    assert repeated[0].origin.endswith("b.jsonl:1")
    assert repeated[0].problem.startswith("duplicate id 'y': already used by ")


def test_dask_runner_options(client, tmp_path):
    with dask_runner(client=client) as runner:
        assert runner.client is client
        assert runner.map(str.upper, ["a", "b"]) == ["A", "B"]
    assert client.status == "running"  # a client given is left open
    with dask_runner(scheduler=client.scheduler.address) as runner:
        assert runner.client is not client
        assert runner.map(len, ["ab", "c"]) == [2, 1]
    assert runner.client.status == "closed"  # a connection made here is closed
    match = "exactly one of 'client', 'workers' or 'scheduler'"
    with pytest.raises(ParameterError, match=match), dask_runner(client=client, workers=2):
        pass
    with pytest.raises(ParameterError, match="'partition_size' must be a whole number >= 1"):
        DaskRunner(client, partition_size=0)
    with pytest.raises(LineageError, match=r"no Dask scheduler answered at 'tcp://127\.0\.0\.1:9'"):
        connect("tcp://127.0.0.1:9", timeout=1)
    paths = write_parquet({"pairs": pd.DataFrame({"a": ["x"], "b": ["y"]})}, tmp_path)
    assert pd.read_parquet(paths["pairs"]).to_dict("records") == [{"a": "x", "b": "y"}]


def test_near_duplicates_band_on_the_cluster_with_the_in_process_answer(client, corpus):
    texts = pd.Series(corpus.texts, index=corpus.ids)
    local = lineage.near_duplicates(texts, 0.5)
    on_dask = lineage.near_duplicates(texts, 0.5, client=client)
    pd.testing.assert_frame_equal(on_dask, local)
    assert len(local) >= 0.9 * len(true_pairs(corpus, 0.5))
    clusters = lineage.near_duplicate_clusters(texts, 0.5, client=client)
    pd.testing.assert_frame_equal(clusters, lineage.near_duplicate_clusters(texts, 0.5))


def test_analyze_with_lsh_candidates_on_the_cluster(client, corpus):
    frame = pd.DataFrame({"id": corpus.ids[:60], "text": corpus.texts[:60]})
    local = analyze(frame, exhaustive_below=0)
    on_dask = analyze(frame, exhaustive_below=0, client=client)
    for table in ("documents", "pairs", "passages"):
        pd.testing.assert_frame_equal(getattr(on_dask, table), getattr(local, table))
    assert len(local.pairs) > 0


def test_commonness_learnt_on_the_cluster_is_the_in_process_model(client, corpus):
    from lineage.commonness import learn_commonness

    texts = corpus.texts[:120]
    local = learn_commonness(texts)
    on_dask = learn_commonness(texts, mapper=DaskRunner(client, partition_size=1).map)
    assert (local.documents, local.ceiling) == (on_dask.documents, on_dask.ceiling)
    for table in ("words", "ngrams", "templates"):
        assert np.array_equal(getattr(local, table), getattr(on_dask, table)), table
