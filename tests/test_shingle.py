import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lineage.shingle as shingle_module
from lineage.errors import ParameterError
from lineage.normalize import fold_char, normalize_text
from lineage.shingle import (
    combine_token_hashes,
    shingle,
    shingle_batch,
    shingle_hashes,
    shingle_windows,
    token_hashes,
    tokenize,
    tokenize_batch,
    tokens_and_words,
    words_batch,
)

SEEDS = sorted((Path(__file__).resolve().parents[1] / "seeds").glob("*.txt"))
TEXTS = [path.read_text(encoding="utf-8") for path in SEEDS]

# An independent definition of a token (the regex the vectorized tokenizer replaces).
REFERENCE = re.compile(r"[^\W_]+(?:(?:['\u2019\-\u2010\u2011]|(?<=\d)[.,](?=\d))[^\W_]+)*")


def folded(token: str) -> str:
    return "".join(map(fold_char, token))


@pytest.mark.parametrize("text", TEXTS, ids=[p.stem for p in SEEDS])
def test_tokens_match_the_reference_regex_on_the_seeds(text):
    starts, ends = tokenize(text)
    expected = [m.span() for m in REFERENCE.finditer(text)]
    assert list(zip(starts.tolist(), ends.tolist(), strict=True)) == expected
    assert len(expected) > 500


def test_tokens_of_other_scripts():
    text = "Ο Πούτιν απέρριψε· Путин отверг вызов; 普京拒绝了 Zelensky's line-up of 1,000 men."
    starts, ends = tokenize(text)
    tokens = [text[s:e] for s, e in zip(starts, ends, strict=True)]
    assert tokens == [
        "Ο", "Πούτιν", "απέρριψε", "Путин", "отверг", "вызов",
        "普", "京", "拒", "绝", "了", "Zelensky's", "line-up", "of", "1,000", "men",
    ]  # fmt: skip


def test_joiners_only_join_inside_words():
    text = "'quoted' -- rock-'n'-roll, 3.5 end. Next 2,"
    starts, ends = tokenize(text)
    tokens = [text[s:e] for s, e in zip(starts, ends, strict=True)]
    assert tokens == ["quoted", "rock", "n", "roll", "3.5", "end", "Next", "2"]
    assert tokens == REFERENCE.findall(text)


@pytest.mark.parametrize("text", TEXTS, ids=[p.stem for p in SEEDS])
def test_shingle_spans_cover_exactly_n_tokens(text):
    result = shingle(text, n=5)
    starts, ends = tokenize(text)
    assert len(result) == starts.size - 4
    assert (result.starts == starts[:-4]).all()
    assert (result.ends == ends[4:]).all()
    for index in (0, len(result) // 2, len(result) - 1):
        piece = text[result.starts[index] : result.ends[index]]
        assert len(REFERENCE.findall(piece)) == 5


@pytest.mark.parametrize("n", [1, 3, 5])
def test_hashes_are_one_to_one_with_folded_ngrams_on_the_seeds(n):
    # Every distinct folded n-gram gets its own hash and equal n-grams the same hash.
    seen: dict[int, str] = {}
    for text in TEXTS:
        tokens = [folded(t) for t in REFERENCE.findall(text)]
        grams = [" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
        for gram, value in zip(grams, shingle(text, n=n).hashes.tolist(), strict=True):
            assert seen.setdefault(value, gram) == gram
    assert len(set(seen.values())) == len(seen)


@pytest.mark.parametrize("text", TEXTS, ids=[p.stem for p in SEEDS])
def test_hashes_survive_normalization(text):
    # Case, accents and quote styles are folded before hashing, so the original and
    # the normalized text give the same shingle set.
    original = shingle(text).hashes
    normalized = shingle(normalize_text(text).text).hashes
    assert np.array_equal(np.unique(original), np.unique(normalized))


def test_case_and_accents_are_folded_but_words_are_not():
    a, b, c = token_hashes(["Erdoğan’s", "ERDOGAN's", "Erdogans"])
    assert a == b
    assert a != c


def test_folds_to_several_chars_or_none_hash_like_their_folded_spelling():
    # ß folds to "ss", the ligature ﬁ to "fi", a combining accent to nothing.
    assert (
        shingle("Straße ﬁnal café", n=3).hashes[0] == shingle("strasse final cafe", n=3).hashes[0]
    )
    assert shingle("cafe\u0301 au lait", n=3).hashes[0] == shingle("café au lait", n=3).hashes[0]
    assert token_hashes(["Strasse"])[0] != token_hashes(["Strase"])[0]


def test_short_texts_give_one_shingle_of_all_tokens_and_empty_texts_none():
    text = "Putin spurned talks."
    result = shingle(text, n=5)
    assert len(result) == 1
    assert text[result.starts[0] : result.ends[0]] == "Putin spurned talks"
    assert result.hashes[0] == shingle(text, n=3).hashes[0]
    assert len(shingle("", n=5)) == 0
    assert len(shingle(" -- !! ", n=5)) == 0


def test_batch_equals_one_by_one_across_chunk_boundaries(monkeypatch):
    monkeypatch.setattr(shingle_module, "_BATCH_CHARS", 5000)
    texts = [*TEXTS, "", "Short one.", *TEXTS[::-1]]
    expected = [shingle(t, n=4) for t in texts]
    batch = shingle_batch(texts, n=4)
    fast = shingle_hashes(texts, n=4)
    for one, many, hashes in zip(expected, batch, fast, strict=True):
        assert np.array_equal(one.hashes, many.hashes)
        assert np.array_equal(one.starts, many.starts)
        assert np.array_equal(one.ends, many.ends)
        assert np.array_equal(one.hashes, hashes)


ODD_TEXTS = ["Straße ﬁnal cafe\u0301 ǅemal Ⅻ", "", "Putin", "a b", "Nothing's going to happen"]


def test_tokenize_batch_equals_tokens_hashed_one_string_at_a_time(monkeypatch):
    # token_hashes hashes each token as a string of its own (other char positions, other
    # neighbours): the flat batch must give every token the same hash, in every chunk.
    monkeypatch.setattr(shingle_module, "_BATCH_CHARS", 3000)
    texts = [*TEXTS, *ODD_TEXTS, *TEXTS[:2]]
    batch = tokenize_batch(texts)
    assert len(batch) == len(texts)
    for i, text in enumerate(texts):
        starts, ends = tokenize(text)
        mine = batch.text(i)
        assert np.array_equal(mine.starts, starts) and np.array_equal(mine.ends, ends)
        strings = [text[s:e] for s, e in zip(starts.tolist(), ends.tolist(), strict=True)]
        assert np.array_equal(mine.hashes, token_hashes(strings))


@pytest.mark.parametrize("n", [1, 2, 5, 6])
def test_shingle_windows_combine_the_hashes_of_the_tokens_they_cover(n):
    texts = [*ODD_TEXTS, TEXTS[0], "x " * (n - 1), "y " * n]
    windows = shingle_windows(tokenize_batch(texts), n=n)
    assert windows.counts().tolist() == [
        max(len(tokenize(t)[0]) - n + 1, min(len(tokenize(t)[0]), 1)) for t in texts
    ]
    for i, text in enumerate(texts):
        starts, ends = tokenize(text)
        strings = [text[s:e] for s, e in zip(starts.tolist(), ends.tolist(), strict=True)]
        expected = combine_token_hashes(token_hashes(strings), n=n)
        mine = windows.text(i)
        assert np.array_equal(mine.hashes, expected)
        width = min(n, starts.size)
        assert np.array_equal(mine.starts, starts[: mine.hashes.size])
        assert np.array_equal(mine.ends, ends[width - 1 :][: mine.hashes.size])


def test_a_text_hashes_alike_whatever_texts_share_its_batch():
    # Chars that fold to several chars or none take another path through the hash.
    alone = [tokenize_batch([t]).hashes for t in ODD_TEXTS]
    together = tokenize_batch(ODD_TEXTS).hash_arrays()
    for one, many in zip(alone, together, strict=True):
        assert np.array_equal(one, many)


def test_hashes_are_the_same_in_another_process():
    code = (
        "import sys; from lineage.shingle import shingle; "
        "print(shingle(sys.stdin.read()).hashes[:20].tolist())"
    )
    run = subprocess.run(
        [sys.executable, "-c", code],
        input=TEXTS[0],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONHASHSEED": "12345"},
    )
    assert run.stdout.strip() == str(shingle(TEXTS[0]).hashes[:20].tolist())


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["putin", "trump", "talks", "kyiv", "istanbul"]), max_size=30))
def test_windows_depend_on_order_and_content(words):
    text = " ".join(words)
    result = shingle(text, n=3)
    expected = max(len(words) - 2, min(len(words), 1))
    assert len(result) == expected
    grams = [" ".join(words[i : i + 3]) for i in range(len(words) - 2)]
    for i, j in [(i, j) for i in range(len(grams)) for j in range(len(grams))]:
        assert (result.hashes[i] == result.hashes[j]) == (grams[i] == grams[j])


def test_bad_parameters_are_named():
    with pytest.raises(ParameterError, match=r"'n' must be a whole number >= 1 \(got 0\)"):
        shingle("text", n=0)
    with pytest.raises(ParameterError, match=r"'text' must be a str"):
        shingle(b"bytes")
    with pytest.raises(ParameterError, match=r"texts\[1\] must be a str"):
        shingle_hashes(["fine", None])


def test_words_batch_gives_the_words_of_tokens_and_words_on_the_seeds():
    tokens, words = tokens_and_words(TEXTS)
    alone = words_batch(TEXTS)
    for field in ("hashes", "starts", "ends", "offsets"):
        assert np.array_equal(getattr(alone, field), getattr(words, field)), field
    assert words.hashes.size > tokens.hashes.size  # "line-up" is one token, two words
