"""The commonness model an index grows: the vectorised counting against a plain one.

:func:`lineage.commonness.learn_commonness` counts document frequencies for whole batches at
once (one tokenization pass, every text's distinct hashes sorted together). These tests
count the same tables text by text, with Python sets and string methods, from the rules the
module states (tokens of :func:`lineage.shingle.shingle`, padded windows, slots for numbers
and for capitalised words the genre does not use), and ask for the same tables, cell for
cell, on real text: the seeds and a sample of Reuters stories.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lineage.commonness import CommonnessParams, learn_commonness, text_fingerprint
from lineage.corpus import load_corpus
from lineage.shingle import combine_token_hashes, shingle
from tests.shared_data import shared_data

ROOT = Path(__file__).resolve().parents[1]
EDGE = np.uint64(0x3C6EF372FE94F82B)
NUMBER_SLOT = np.uint64(0x6A09E667F3BCC908)
NAME_SLOT = np.uint64(0xBB67AE8584CAA73B)


def plain_tokens(text: str) -> tuple[np.ndarray, list[bool], list[bool]]:
    """Token hashes of one text, and which tokens hold a digit or start upper case."""
    found = shingle(text, n=1)
    pieces = [text[s:e] for s, e in zip(found.starts.tolist(), found.ends.tolist(), strict=True)]
    number = [any(c.isdigit() for c in piece) for piece in pieces]
    capital = [piece[0].isupper() for piece in pieces]
    return found.hashes, number, capital


def plain_windows(hashes: np.ndarray, n: int) -> np.ndarray:
    if hashes.size == 0:
        return hashes
    pad = np.full(n - 1, EDGE, dtype=np.uint64)
    return combine_token_hashes(np.concatenate([pad, hashes, pad]), n=n)


def plain_table(per_text: list[np.ndarray], bits: int, start: np.ndarray | None) -> np.ndarray:
    """Add each text's distinct hashes once to both rows of a count-min table."""
    table = np.zeros((2, 1 << bits), dtype=np.int64)
    if start is not None:
        table += start
    mask = (1 << bits) - 1
    for hashes in per_text:
        for value in {int(h) for h in hashes.tolist()}:
            table[0, value & mask] += 1
            table[1, (value >> 32) & mask] += 1
    return np.minimum(table, 65535).astype(np.uint16)


def plain_model(texts: list[str], prior: dict | None = None) -> dict:
    """The three tables of ``texts`` (plus ``prior``'s), counted text by text."""
    params = CommonnessParams()
    n, bits = params.ngram, params.table_bits
    distinct = list({text_fingerprint(t): t for t in reversed(texts)}.values())
    documents = len(distinct) + (prior["documents"] if prior else 0)
    ceiling = max(params.min_documents, math.ceil(params.document_share * documents))
    tokens = [plain_tokens(t) for t in distinct]
    words = plain_table([h for h, _, _ in tokens], bits, prior and prior["words"])
    ngrams = plain_table(
        [plain_windows(h, n) for h, _, _ in tokens], bits, prior and prior["ngrams"]
    )
    mask = (1 << bits) - 1
    templates = []
    for hashes, number, capital in tokens:
        slotted = hashes.copy()
        for k, value in enumerate(hashes.tolist()):
            frequency = min(words[0, value & mask], words[1, (value >> 32) & mask])
            if number[k]:
                slotted[k] = NUMBER_SLOT
            elif capital[k] and frequency < ceiling:
                slotted[k] = NAME_SLOT
        templates.append(plain_windows(slotted, n))
    return {
        "documents": documents,
        "ceiling": ceiling,
        "words": words,
        "ngrams": ngrams,
        "templates": plain_table(templates, bits, prior and prior["templates"]),
    }


def assert_same_model(model, plain: dict) -> None:
    assert (model.documents, model.ceiling) == (plain["documents"], plain["ceiling"])
    for name in ("words", "ngrams", "templates"):
        np.testing.assert_array_equal(getattr(model, name), plain[name], err_msg=name)


@pytest.fixture(scope="module")
def real_texts() -> list[str]:
    frame = pd.read_json(
        shared_data("reuters-21578") / "reuters-000-013.jsonl.gz", lines=True, nrows=400
    )
    seeds = list(load_corpus(ROOT / "seeds").texts)
    # A story sent twice (counted once), texts without tokens, digits, accents and
    # characters of a script written without spaces.
    odd = [frame["text"].iloc[3].upper(), "", "  ... ", "Ünïcödé ÉLAN 1,000.5 «ok» 普京说 NY."]
    return list(frame["text"]) + seeds + odd


def test_the_batch_counts_equal_counting_text_by_text_on_real_text(real_texts: list[str]) -> None:
    model = learn_commonness(real_texts)
    plain = plain_model(real_texts)
    assert_same_model(model, plain)
    assert int(model.templates.max()) >= model.ceiling  # the stories share templates


def test_grown_by_a_second_batch_the_counts_equal_counting_text_by_text(
    real_texts: list[str],
) -> None:
    first, second = real_texts[:250], real_texts[250:]
    grown = learn_commonness(second, prior=learn_commonness(first))
    assert_same_model(grown, plain_model(second, prior=plain_model(first)))


def test_marks_read_each_text_as_when_marked_alone(real_texts: list[str]) -> None:
    model = learn_commonness(real_texts)
    together = model.marks_batch(real_texts[:40])
    for text, marks in zip(real_texts[:40], together, strict=True):
        alone = model.marks(text)
        for name in ("starts", "windows", "informative", "common", "function", "filler"):
            np.testing.assert_array_equal(getattr(marks, name), getattr(alone, name))
