"""Passage alignment on the seeds, on labelled PAN pairs, on bad input and by property."""

import random
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lineage
from lineage.align import (
    AlignParams,
    align,
    align_normalized,
    align_prepared,
    prepare_text,
    render_side_by_side,
    reuse_figures,
)
from lineage.errors import ParameterError
from lineage.normalize import normalize_text
from lineage.quotes import find_quotations
from lineage.records import Passage, Span
from tests.shared_data import shared_data

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


def seed(prefix: str) -> str:
    return next(SEEDS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


def assert_valid(passages, a: str, b: str) -> None:
    for p in passages:
        assert 0 <= p.a_start < p.a_end <= len(a)
        assert 0 <= p.b_start < p.b_end <= len(b)
        assert 0.0 <= p.similarity <= 1.0 + 1e-9
    for i, p in enumerate(passages):
        for q in passages[i + 1 :]:
            overlap_a = p.a_start < q.a_end and q.a_start < p.a_end
            overlap_b = p.b_start < q.b_end and q.b_start < p.b_end
            assert not overlap_a and not overlap_b, (p, q)  # no overlap on either side


# --- the seeds ---------------------------------------------------------------------------


def test_abridged_rewrite_reuses_most_of_the_wire_story():
    a, b = seed("000"), seed("001")
    passages = align(a, b)
    assert_valid(passages, a, b)
    assert reuse_figures(len(a), passages)["reuse_fraction"] >= 0.40
    longest = max(passages, key=lambda p: p.a_end - p.a_start)
    assert longest.a_end - longest.a_start > 1000
    assert longest.similarity > 0.8


def test_independent_reports_share_only_quotations():
    a, b = seed("003"), seed("004")
    passages = align(a, b)
    assert_valid(passages, a, b)
    texts = [a[p.a_start : p.a_end] for p in passages]
    assert any("going to happen until Putin and I get together" in t for t in texts)
    quotes_a = find_quotations(a)
    for p in passages:  # every passage lies inside a quotation of 003
        assert any(q.start <= p.a_start and p.a_end <= q.end for q in quotes_a), texts
    assert reuse_figures(len(a), passages)["reuse_fraction"] < 0.10


def test_alignment_is_deterministic_and_offsets_read_as_given():
    a, b = seed("001"), seed("002")
    first, second = align(a, b), align(a, b)
    assert first == second
    for p in first:
        # The normalized spans really are similar text, so each passage shares words.
        words_a = set(re.findall(r"\w+", a[p.a_start : p.a_end].lower()))
        words_b = set(re.findall(r"\w+", b[p.b_start : p.b_end].lower()))
        assert len(words_a & words_b) >= 5


def test_align_normalized_maps_back_to_the_originals():
    a, b = seed("000"), seed("001")
    passages = align_normalized(
        normalize_text(a), normalize_text(b), a_id="000", b_id="001", min_chars=200
    )
    assert passages and all(p.a == "000" and p.b == "001" for p in passages)
    assert passages == [
        Passage("000", p.a_start, p.a_end, "001", p.b_start, p.b_end, p.kind, p.similarity)
        for p in align(a, b, min_chars=200)
    ]


def test_a_text_prepared_once_aligns_against_many():
    wire = normalize_text(seed("001"))
    prepared = prepare_text(wire, AlignParams(min_chars=200))
    for other in ("000", "002", "003"):
        text = normalize_text(seed(other))
        assert align_prepared(prepare_text(text, AlignParams(min_chars=200)), prepared) == (
            align_normalized(text, wire, min_chars=200)
        )
    with pytest.raises(ParameterError, match="prepared with different alignment parameters"):
        align_prepared(prepare_text(normalize_text(seed("000"))), prepared)


def test_analyze_prepares_each_aligned_document_once(monkeypatch):
    import lineage.api

    calls: list[str] = []

    def counted(norm, params=None):
        calls.append(norm.original)
        return prepare_text(norm, params)

    monkeypatch.setattr(lineage.api, "prepare_text", counted)
    texts = [seed(prefix) for prefix in ("000", "001", "002", "003")]
    result = lineage.analyze(pd.DataFrame({"id": ["w", "x", "y", "z"], "text": texts}))
    aligned = set(result.passages["a"]) | set(result.passages["b"])
    assert len(aligned) >= 3
    assert len(calls) == len(set(calls))  # once per document, whatever its number of pairs
    assert {doc for doc, text in zip("wxyz", texts, strict=True) if text in calls} >= aligned


@settings(deadline=None)  # the first example reads the stop-word list
@given(st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=9)))
def test_stop_word_lookup_is_set_membership(words):
    from lineage.align_text import _is_stop_word, stop_words
    from lineage.shingle import token_hashes

    words = [*words, *sorted(stop_words())[::7]]
    found = _is_stop_word(token_hashes(words)).tolist()
    assert found == [word in stop_words() for word in words]


@given(st.text(alphabet=list(".!?\"')] ab\n\u3002"), max_size=60))
def test_sentence_ends_are_those_of_the_regular_expression(text):
    from lineage.align_text import _sentence_ends

    expected = [m.end() for m in re.finditer(r"[.!?]+[\"')\]]*(?= )|[\u3002]", text)]
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    assert _sentence_ends(codes).tolist() == expected


# --- obfuscations with known truth ----------------------------------------------------------


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text) if s]


def _insert(host: str, piece: str) -> tuple[str, int]:
    cut = host.index(". ", len(host) // 2) + 2
    return host[:cut] + piece + " " + host[cut:], cut


@pytest.mark.parametrize("obfuscation", ["verbatim", "word_edits", "shuffle"])
def test_obfuscated_copy_is_found_where_it_was_put(obfuscation):
    rng = random.Random(7)
    source = seed("001")
    lines = [line for line in source.split("\n") if len(line) > 150][3:9]
    piece = " ".join(lines)
    if obfuscation == "word_edits":  # replace or drop one word in five
        words = piece.split()
        for k in rng.sample(range(len(words)), len(words) // 5):
            words[k] = rng.choice(["the", "also", "really", "many", ""])
        piece = " ".join(w for w in words if w)
    elif obfuscation == "shuffle":  # shuffle the words inside each sentence
        shuffled = []
        for sentence in _sentences(piece):
            words = sentence.split()
            rng.shuffle(words)
            shuffled.append(" ".join(words))
        piece = " ".join(shuffled)
    host, at = _insert(seed("003"), piece)
    passages = align(host, source)
    inside = [p for p in passages if p.a_start < at + len(piece) and at < p.a_end]
    covered = sum(min(p.a_end, at + len(piece)) - max(p.a_start, at) for p in inside)
    assert covered >= 0.8 * len(piece)
    src_start = source.index(lines[0])
    src_end = source.index(lines[-1]) + len(lines[-1])
    for p in inside:
        assert src_start - 200 <= p.b_start and p.b_end <= src_end + 200


# --- PAN 2013 labelled pairs ----------------------------------------------------------------

FLOORS = {
    "01-no-plagiarism": 1.0,  # nothing may be found
    "02-no-obfuscation": 0.7,
    "03-random-obfuscation": 0.85,
    "04-translation-obfuscation": 0.75,
    "05-summary-obfuscation": 0.05,
}


@pytest.mark.parametrize("category", sorted(FLOORS))
def test_pan_pairs_reach_the_floor(category):
    pan = shared_data("pan13-train")
    from benchmarks.alignment import read_pairs, read_truth
    from benchmarks.plagdet import Annotation, evaluate

    cases, detections = [], []
    for name, susp, src in read_pairs(pan, category)[:6]:
        a = (pan / "susp" / susp).read_text(encoding="utf-8")
        b = (pan / "src" / src).read_text(encoding="utf-8")
        passages = align(a, b)
        assert_valid(passages, a, b)
        cases += read_truth(pan, category, name)
        detections += [Annotation(name, p.a_start, p.a_end, p.b_start, p.b_end) for p in passages]
    assert evaluate(cases, detections)["plagdet"] >= FLOORS[category]


def test_a_summary_of_a_whole_source_is_one_passage():
    # PAN-13 05: a 571-char human summary of a 4,251-char news story; its sentences
    # match sentences scattered over the whole source (first to last).
    pan = shared_data("pan13-train")
    a = (pan / "susp" / "suspicious-document00361.txt").read_text(encoding="utf-8")
    b = (pan / "src" / "source-document02197.txt").read_text(encoding="utf-8")
    passages = align(a, b)
    assert_valid(passages, a, b)
    (summary,) = [p for p in passages if p.a_start < 3308 and p.a_end > 2737]
    assert summary.a_start >= 2737 - 150 and summary.a_end <= 3308 + 150
    assert summary.b_end - summary.b_start >= 3 * (summary.a_end - summary.a_start)
    assert summary.b_end - summary.b_start >= 0.75 * len(b)


# --- bad input ----------------------------------------------------------------------------


def test_empty_and_blank_texts():
    assert align("", "") == []
    assert align("", seed("000")) == []
    assert align("   \n\n ", seed("000")) == []


def test_texts_too_short_to_hold_a_passage_are_not_aligned():
    # A word, or a line shorter than a verbatim passage, shares nothing that is evidence.
    assert align("Moscow", "Moscow") == []
    assert align("Putin spoke today.", "Putin spoke today.") == []
    line = "Putin spurned a challenge to meet Zelensky in Istanbul on Thursday."
    assert len(align(line, line)) == 1


def test_texts_equal_once_normalized_are_one_passage_without_alignment():
    a = seed("001")
    b = "  " + a.upper().replace("\n", "\n\n")
    [p] = align(a, b)
    lead = len(a) - len(a.lstrip())
    assert (p.a_start, p.a_end, p.similarity) == (lead, len(a.rstrip()), 1.0)
    assert (p.b_start, p.b_end) == (2 + lead, len(b.rstrip()))


def test_repeated_sentences_seed_nothing_and_a_budget_cut_is_noted():
    a, b = seed("000"), seed("001")
    assert align(a, b).note == "" and align(a, b).complete
    cut = align(a, b, max_seeds=3)
    assert not cut.complete and "max_seeds=3" in cut.note
    assert_valid(cut, a, b)
    refrain = "The Kremlin declined to say who would lead the Russian delegation today. "
    many = refrain * 20  # beyond max_repeats: one sentence class, no seed
    assert align(many + a, refrain * 9 + b) == align(many + a, refrain * 9 + b, max_repeats=8)
    # Text made of one repeated sentence anchors nothing beyond max_repeats, else it does.
    assert align(refrain * 20, refrain * 10) == []
    assert len(align(refrain * 20, refrain * 10, max_repeats=30)) >= 1


def test_first_call_does_not_import_scikit_learn():
    code = (
        "import sys, lineage; "
        "lineage.align('Putin spurned a challenge to meet Zelensky in Turkey. ' * 3, "
        "'Putin spurned a challenge to meet Zelensky in Turkey. ' * 2); "
        "print('sklearn' in sys.modules)"
    )
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_stop_words_are_scikit_learns():
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    from lineage.align_text import stop_words

    assert stop_words() == ENGLISH_STOP_WORDS | {"s", "t", "said", "says", "mr", "ms"}


def test_identical_texts_align_as_one_passage():
    a = seed("001")
    passages = align(a, a)
    assert len(passages) == 1
    p = passages[0]
    assert (p.a_start, p.b_start) == (p.b_start, p.a_start)
    assert p.a_end - p.a_start >= 0.95 * len(a.strip())
    assert p.similarity == pytest.approx(1.0)


def test_one_text_inside_the_other():
    inner = seed("000")
    outer = seed("003") + "\n\n" + inner + "\n\n" + seed("004")
    passages = align(inner, outer)
    assert_valid(passages, inner, outer)
    start = outer.index(inner)
    main = max(passages, key=lambda p: p.a_end - p.a_start)
    assert main.a_end - main.a_start >= 0.95 * len(inner.strip())
    assert start <= main.b_start and main.b_end <= start + len(inner)


def test_a_megabyte_text():
    # 33 copies of the seeds, each with its own word edits, so that only one copy of the
    # excerpt is exact.
    rng = random.Random(3)
    words = "\n\n".join(seed(k) for k in ("000", "001", "002", "003", "004")).split(" ")
    copies = []
    for _ in range(33):
        edited = list(words)
        for k in rng.sample(range(len(edited)), len(edited) // 6):
            edited[k] = rng.choice(VOCAB)
        copies.append(" ".join(edited))
    big = "\n\n".join(copies)
    assert len(big) > 1_000_000
    start = big.index("\n", 500_000) + 1
    excerpt = big[start : start + 10_000]
    passages = align(big, excerpt)
    assert_valid(passages, big, excerpt)
    main = max(passages, key=lambda p: p.b_end - p.b_start)
    assert main.b_end - main.b_start >= 0.9 * len(excerpt)
    assert abs(main.a_start - (start + main.b_start)) < 10


GREEK = (
    "Η κυβέρνηση ανακοίνωσε σήμερα νέα μέτρα για την οικονομία της χώρας. "
    "Ο υπουργός δήλωσε ότι οι μεταρρυθμίσεις θα συνεχιστούν με αποφασιστικότητα. "
    "Οι συνδικαλιστές αντέδρασαν έντονα στις ανακοινώσεις της κυβέρνησης. "
)
RUSSIAN = (
    "Переговоры в Стамбуле начались без участия президента России. "
    "Делегацию возглавил помощник президента Владимир Мединский. "
    "Украинская сторона назвала состав делегации декоративным и несерьёзным. "
)
CHINESE = (
    "俄罗斯和乌克兰的代表团在伊斯坦布尔举行了直接谈判。"
    "这是三年来双方首次面对面会谈。"
    "泽连斯基说俄方代表团级别太低，显示莫斯科并不认真。"
    "美国总统特朗普表示，在他和普京见面之前什么都不会发生。"
)


@pytest.mark.parametrize("text", [GREEK, RUSSIAN, CHINESE], ids=["greek", "russian", "chinese"])
def test_non_latin_copies_are_found(text):
    other = {GREEK: RUSSIAN, RUSSIAN: CHINESE, CHINESE: GREEK}[text]
    a = other + text + other
    passages = align(a, text, min_chars=40)
    assert_valid(passages, a, text)
    assert len(passages) == 1
    p = passages[0]
    assert a[p.a_start : p.a_end].strip("。 ") == text.strip("。 ")
    assert align(other, text) == []


def test_bad_parameters_are_diagnosed():
    with pytest.raises(ParameterError, match=r"'min_cosine' must be in \[0, 1\] \(got 1.5\)"):
        align("a", "b", min_cosine=1.5)
    with pytest.raises(ParameterError, match="'max_gap' must be a whole number >= 0"):
        align("a", "b", max_gap=-1)
    with pytest.raises(ParameterError, match="'grow_steps' must be a whole number >= 0"):
        align("a", "b", grow_steps=1.5)
    with pytest.raises(ParameterError, match="'summary_ratio' must be a number >= 1"):
        align("a", "b", summary_ratio=0.5)
    with pytest.raises(ParameterError, match=r"unknown alignment option.*'mincos'"):
        align("a", "b", mincos=0.5)
    with pytest.raises(ParameterError, match="'a' must be a str"):
        align(None, "b")  # type: ignore[arg-type]


# --- properties ---------------------------------------------------------------------------

VOCAB = [
    "putin",
    "zelensky",
    "talks",
    "istanbul",
    "russia",
    "ukraine",
    "delegation",
    "peace",
    "war",
    "trump",
    "said",
    "the",
    "a",
    "of",
    "meeting",
    "turkey",
    "erdogan",
    "ceasefire",
    "minister",
    "foreign",
    "reporters",
    "decorative",
    "level",
]
word_lists = st.lists(st.sampled_from(VOCAB), min_size=0, max_size=120)


def _text(words: list[str], breaks: list[int]) -> str:
    out = []
    for k, word in enumerate(words):
        out.append(word)
        if k in breaks:
            out[-1] += "."
    return " ".join(out)


text_pairs = given(
    a_words=word_lists,
    b_words=word_lists,
    shared=word_lists,
    breaks=st.lists(st.integers(0, 200), max_size=30),
    min_chars=st.integers(1, 200),
)
"""Two texts' words, the words they share, sentence breaks and a ``min_chars``."""
many_examples = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@many_examples
@text_pairs
def test_offsets_inside_and_no_double_overlap(a_words, b_words, shared, breaks, min_chars):
    a = _text(a_words[:40] + shared + a_words[40:], breaks)
    b = _text(b_words[:60] + shared + b_words[60:] + shared, breaks)
    passages = align(a, b, min_chars=min_chars, min_copy_chars=min_chars)
    assert_valid(passages, a, b)
    assert passages == sorted(passages, key=lambda p: p.a_start)


# --- reuse figures and rendering ----------------------------------------------------------


def test_reuse_figures_trace_to_passages():
    passages = [
        Passage("d", 0, 40, "x", 0, 40, a_unmatched=((10, 12),)),  # 10-12 covered by y
        Passage("d", 5, 50, "y", 0, 45, kind="mixed", quotes=((30, 50, 25, 45),)),
        Passage("d", 60, 100, "x", 50, 90, a_unmatched=((60, 85),)),
    ]
    figures = reuse_figures(100, passages, [Span(90, 100, "debris")])
    # counted chars: 90; reused: 0-50 and 85-90 = 55; quote 30-50 = 20; prose 35
    assert figures == {
        "reuse_fraction": round(55 / 90, 4),
        "prose_reuse_fraction": round(35 / 90, 4),
        "quote_fraction": round(20 / 90, 4),
        "original_fraction": round(35 / 90, 4),
    }
    assert reuse_figures(0, []) == {
        "reuse_fraction": 0.0,
        "prose_reuse_fraction": 0.0,
        "quote_fraction": 0.0,
        "original_fraction": 1.0,
    }
    with pytest.raises(ParameterError):
        reuse_figures(-1, [])


def test_render_side_by_side_shows_both_spans():
    a, b = seed("003"), seed("004")
    passages = lineage.align(a, b)
    text = render_side_by_side(a, b, passages, width=80, a_label="003", b_label="004")
    assert "#1 quote similarity" in text and "quoted" in text
    parts = sum(len(p.quotes) for p in passages)  # marked on both sides
    assert text.count("\u27e6") == text.count("\u27e7") == 2 * parts > 0
    assert "003[" in text and "004[" in text
    assert all(len(line) <= 80 for line in text.splitlines() if not line.startswith("#"))
    assert "get together" in text


def mirrored(passages) -> list[Passage]:
    """The passages seen from the other text, labelled ``a``/``b`` as align labels them."""
    flipped = (replace(p.mirror(), a=p.a, b=p.b) for p in passages)
    return sorted(flipped, key=lambda p: (p.a_start, p.a_end, p.b_start))


@many_examples
@text_pairs
def test_swapping_the_texts_mirrors_the_passages(a_words, b_words, shared, breaks, min_chars):
    a = _text(a_words[:30] + shared + a_words[30:] + shared[:20], breaks)
    b = _text(b_words[:50] + shared + b_words[50:], breaks)
    forward = lineage.align(a, b, min_chars=min_chars, min_copy_chars=min_chars)
    backward = lineage.align(b, a, min_chars=min_chars, min_copy_chars=min_chars)
    assert backward == mirrored(forward)
    assert backward.note == forward.note


@pytest.mark.parametrize(("x", "y"), [("000", "001"), ("001", "002"), ("003", "004")])
def test_seed_pairs_align_as_mirror_images(x, y):
    a, b = seed(x), seed(y)
    forward, backward = lineage.align(a, b), lineage.align(b, a)
    assert forward and backward == mirrored(forward)
    assert any(p.quotes for p in forward)


def _canonical(result: lineage.Analysis, names: dict[str, str]) -> tuple[list, list, list]:
    """Passages with their quoted parts, edges and figures, ids mapped back by ``names``."""
    passages = []
    parts = result.quotes.groupby("passage")
    for number, p in enumerate(result.passages.itertuples(index=False)):
        a, b = names[p.a], names[p.b]
        quoted = parts.get_group(number) if number in parts.groups else result.quotes[:0]
        sides = {
            side: sorted(zip(rows["start"], rows["end"], strict=True))
            for side, rows in (("a", quoted[quoted.side == "a"]), ("b", quoted[quoted.side == "b"]))
        }
        ends = [(a, p.a_start, p.a_end, sides["a"]), (b, p.b_start, p.b_end, sides["b"])]
        passages.append((*sorted(ends), p.kind, p.similarity))
    edges = [(names[e.parent], names[e.child], e.confidence) for e in result.edges.itertuples()]
    figures = [
        (names[d.id], d.reuse_fraction, d.prose_reuse_fraction, d.quote_fraction)
        for d in result.documents.itertuples()
    ]
    return sorted(passages), sorted(edges), sorted(figures)


def test_renaming_and_reordering_the_corpus_changes_nothing_but_names():
    files = sorted(SEEDS.glob("*.txt"))
    ids, texts = [f.stem for f in files], [f.read_text(encoding="utf-8") for f in files]
    rng = random.Random(5)
    order = rng.sample(range(len(ids)), len(ids))
    renamed = {ids[k]: f"doc{n}" for n, k in enumerate(rng.sample(range(len(ids)), len(ids)))}
    base = lineage.analyze(pd.DataFrame({"id": ids, "text": texts}))
    other = lineage.analyze(
        pd.DataFrame({"id": [renamed[ids[k]] for k in order], "text": [texts[k] for k in order]})
    )
    back = {new: old for old, new in renamed.items()}
    same = {i: i for i in ids}
    assert _canonical(other, back) == _canonical(base, same)
    assert len(base.passages) > 10 and len(base.edges) >= 2 and len(base.quotes) > 10
