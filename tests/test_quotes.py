"""Quotation spans, speakers and quote/prose marking on real seed text and crafted cases."""

import itertools
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lineage.errors import ParameterError
from lineage.normalize import fold_char
from lineage.quote_parts import drop_unquoted_phrases, mark_quotes, quote_share
from lineage.quotes import find_quotations, quotation_problems
from lineage.records import Passage, Quotation
from lineage.shingle import tokenize
from tests.shared_data import shared_data

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def folded_jaccard(first: str, second: str) -> float:
    """Jaccard similarity of the sets of folded word tokens of two strings."""
    words = [
        {"".join(map(fold_char, text[s:e])) for s, e in zip(*tokenize(text), strict=True)}
        for text in (first, second)
    ]
    union = words[0] | words[1]
    return len(words[0] & words[1]) / len(union) if union else 1.0


def cuts_a_word(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` begins or ends inside a word."""
    return any(
        0 < at < len(text) and text[at - 1].isalnum() and text[at].isalnum() for at in (start, end)
    )


@pytest.fixture(scope="module")
def seed_marked() -> dict[tuple[str, str], list[Passage]]:
    """Whole passages of every ordered pair of seeds, aligned and marked for real."""
    from lineage.align import align

    texts = {k: seed(k) for k in ("000", "001", "002", "003", "004")}
    quotes = {k: find_quotations(v) for k, v in texts.items()}
    marked = {}
    for x, y in itertools.permutations(texts, 2):
        marked[x, y] = mark_quotes(
            align(texts[x], texts[y]), quotes[x], quotes[y], texts=(texts[x], texts[y])
        )
    return marked


def quoted_parts(p: Passage, a: str, b: str) -> list[tuple[str, str]]:
    """The text of each quoted part of ``p`` on both sides."""
    return [(a[a0:a1], b[b0:b1]) for a0, a1, b0, b1 in p.quotes]


def one(a: str, b: str, **kw) -> Passage:
    """Mark the passage covering all of ``a`` and ``b``."""
    [marked] = mark_quotes(
        [Passage("a", 0, len(a), "b", 0, len(b), **kw)],
        find_quotations(a),
        find_quotations(b),
        texts=(a, b),
    )
    return marked


def seed(prefix: str) -> str:
    return next(SEEDS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


def quoted(text: str, **kw) -> list[str]:
    return [text[q.start : q.end] for q in find_quotations(text, **kw)]


def test_straight_quotes():
    assert quoted('He called it "decorative" and left.') == ["decorative"]


def test_curly_quotes_with_apostrophes_inside():
    text = "Trump said: \u201cNothing\u2019s going to happen until Putin and I get together.\u201d"
    assert quoted(text) == ["Nothing\u2019s going to happen until Putin and I get together."]


def test_guillemets_and_low_high_quotes():
    assert quoted("Он сказал: «мы готовы работать». Дальше.") == ["мы готовы работать"]
    assert quoted("Er sagte: \u201eWir sind bereit.\u201c Dann ging er.") == ["Wir sind bereit."]


def test_nested_single_quotes_belong_to_the_outer_quotation():
    text = (
        "\u201cHe told me \u2018we are ready\u2019 and left,\u201d she said. Then \u201cno.\u201d"
    )
    assert quoted(text) == ["He told me \u2018we are ready\u2019 and left,", "no."]
    text = "\"He told me 'we are ready' and left,\" she said."
    assert quoted(text) == ["He told me 'we are ready' and left,"]


def test_single_quotes_as_primary_marks_but_not_apostrophes():
    text = "Officials said \u2018there will be no deal\u2019 today. Russia\u2019s envoy\u2019s car."
    assert quoted(text) == ["there will be no deal"]
    assert quoted("It was the '90s and rock 'n' roll.") == []


def test_multi_paragraph_quotation_newswire_convention():
    text = (
        "Medinsky said:\n"
        "\u201cThe task is to achieve peace.\n"
        "\u201cWe are ready to work,\u201d he added.\n"
        "Talks resumed later."
    )
    quotes = find_quotations(text)
    assert len(quotes) == 1
    assert text[quotes[0].start : quotes[0].end] == (
        "The task is to achieve peace.\n\u201cWe are ready to work,"
    )
    assert quotes[0].speaker == "Medinsky"


def test_unbalanced_mark_without_evidence_is_prose_with_a_problem():
    text = (
        "Zelensky said the delegation was \u201cdecorative and left.\n"
        "Second paragraph with \u201ca real quote\u201d here.\n"
        "Third paragraph."
    )
    assert quoted(text) == ["a real quote"]
    assert quotation_problems(text) == [
        "line 1: quotation mark without a closing mark or an attribution; read as prose"
    ]
    assert quotation_problems(seed("001")) == []


def test_stray_mark_from_ocr_does_not_turn_paragraphs_into_quotation():
    paragraph = "The delegation met in the palace and the talks went on for hours. " * 3
    text = "\n".join([paragraph, "\u201c" + paragraph, "\u201c" + paragraph, paragraph])
    assert find_quotations(text) == []  # openers repeated, never closed: no quotation
    assert len(quotation_problems(text)) == 1


def test_unclosed_quotation_after_an_attribution_runs_to_its_paragraph_end():
    text = 'Trump told reporters: "Nothing will happen until we meet.\nThe talks went on.'
    assert quoted(text) == ["Nothing will happen until we meet."]
    assert quotation_problems(text) == []


def test_stray_mark_in_text_without_paragraphs_is_capped():
    text = "He said \u201cthis never closes. " + "Filler sentence goes on. " * 400
    quotes = find_quotations(text, max_chars=500)
    assert len(quotes) == 1
    assert quotes[0].end - quotes[0].start <= 500
    assert text[quotes[0].start : quotes[0].end] == "this never closes."


def test_stray_closing_mark_is_ignored():
    text = 'broken text\u201d then "real quote" ends.'
    assert quoted(text) == ["real quote"]


@pytest.mark.parametrize(
    ("prefix", "quote_start", "speaker"),
    [
        ("001", "The task of direct negotiations", "Medinsky"),  # "..., said Medinsky."
        ("001", "We can\u2019t be running around", "Zelenskiy"),  # "..., Zelenskiy said"
        ("000", "Nothing's going to happen", "Trump"),  # "..., Trump told reporters"
        ("000", "What kind of participation", "Dmitry Peskov"),  # "Peskov said: ..."
        ("003", "nothing\u2019s going to happen", "Trump"),  # "Trump, who told reporters ..."
        ("004", "Unfortunately, they are not serious", "Zelenskyy"),
    ],
)
def test_speakers_on_seed_sentences(prefix, quote_start, speaker):
    text = seed(prefix)
    found = {text[q.start : q.end]: q.speaker for q in find_quotations(text)}
    matches = [s for q, s in found.items() if q.startswith(quote_start)]
    assert matches == [speaker]


def test_seed_quotations_are_short_and_balanced():
    for prefix in ("000", "001", "002", "003", "004"):
        text = seed(prefix)
        quotes = find_quotations(text)
        assert len(quotes) >= 8
        for q in quotes:
            assert 0 <= q.start < q.end <= len(text)
            assert q.end - q.start < 400
            assert "\n" not in text[q.start : q.end]


def test_quotations_without_speakers_have_the_same_spans():
    for prefix in ("000", "001", "002", "003", "004"):
        text = seed(prefix)
        with_speakers = find_quotations(text)
        spans_only = find_quotations(text, speakers=False)
        assert [(q.start, q.end) for q in spans_only] == [(q.start, q.end) for q in with_speakers]
        assert {q.speaker for q in spans_only} == {None}
        assert any(q.speaker for q in with_speakers)


def test_mark_keeps_the_passage_whole_with_its_quoted_part():
    a = 'Putin stayed home. He said "we will not go to Istanbul today" and left.'
    b = 'Putin stayed home. He said "we will not go to Istanbul today" and left.'
    p = one(a, b, similarity=0.9)
    assert (p.a_start, p.a_end, p.b_start, p.b_end, p.similarity) == (0, len(a), 0, len(b), 0.9)
    assert p.kind == "mixed"
    # '" and left.' is under the minimum (15 chars) and joins the quotation
    expected = 'we will not go to Istanbul today" and left.'
    assert quoted_parts(p, a, b) == [(expected, expected)]
    assert p.quote_chars == len(expected)
    assert quote_share([p]) == pytest.approx(len(expected) / len(a))


def test_mark_pairs_a_quotation_with_its_counterpart_across_moved_sentences():
    moved = "Officials met in Ankara on Thursday to prepare the ground for the talks. "
    quote = 'Zelensky said "we cannot be running around the world looking for Putin" today. '
    tail = "The Russian delegation arrived in Istanbul late at night without its leader."
    a = moved + quote + tail
    b = quote.replace('"', "\u201c", 1).replace('"', "\u201d") + moved + tail
    p = one(a, b)
    parts = quoted_parts(p, a, b)
    assert len(parts) == 1 and p.kind == "mixed"
    # 'Zelensky said "' (two words) is under the minimum and joins the quotation
    for side in parts[0]:
        assert side.startswith("Zelensky said") and "looking for Putin" in side
    assert folded_jaccard(*parts[0]) >= 0.8  # the same words (interpolation did not)


def test_mark_sets_aside_a_sentence_inserted_on_one_side():
    a = 'He said "we are ready to meet at any time in Istanbul" on Friday evening.'
    extra = " The statement came after a long night of talks between the delegations."
    b = a[:-16] + extra + a[-16:]
    p = one(a, b)
    assert p.kind == "quote" and (p.b_start, p.b_end) == (0, len(b))
    assert all("delegations" not in side for part in quoted_parts(p, a, b) for side in part)
    unmatched = "".join(b[s:e] for s, e in p.b_unmatched)
    assert extra.strip() in unmatched and len(unmatched) < len(extra) + 20


def test_mark_rule_on_one_side_quoted():
    text = "the talks will go ahead in istanbul whatever the kremlin decides to send there " * 2
    p = Passage("a", 0, len(text), "b", 0, len(text), similarity=0.8)
    only_b = [Quotation(0, len(text))]

    def kind(copy):
        return mark_quotes([p], [], only_b, texts=(text, text), copy=copy)[0].kind

    assert kind("either") == "quote"
    assert kind("b") == "quote"
    assert kind("a") == "prose"
    assert mark_quotes([p], [], only_b, texts=(text, text))[0].similarity == 0.8


def test_shared_quotation_between_independent_seeds_is_a_quote():
    from lineage.align import align

    a, b = seed("003"), seed("004")
    marked = mark_quotes(align(a, b), find_quotations(a), find_quotations(b), texts=(a, b))
    quotes = [a[p.a_start : p.a_end] for p in marked if p.kind == "quote"]
    assert any("going to happen until Putin and I get together" in q for q in quotes)


def test_a_short_shared_quotation_stays_a_short_unquoted_phrase_does_not():
    import pandas as pd

    import lineage
    from lineage.align import align

    # 003 and 004 (independent reports) share two quotations under min_chars: both stay.
    a, b = seed("003"), seed("004")
    engine = align(a, b)
    assert max(p.a_end - p.a_start for p in engine) < 150
    public = lineage.align(a, b)
    assert [(p.a_start, p.b_start, p.kind) for p in public] == [
        (p.a_start, p.b_start, "quote") for p in engine
    ]
    # A PAN pair without a case shares one 57-char phrase outside quotation: no passage,
    # through the public API as through analyze (which drops one shared phrase too).
    pan = shared_data("pan13-train")
    a = (pan / "susp" / "suspicious-document00002.txt").read_text(encoding="utf-8")
    b = (pan / "src" / "source-document02516.txt").read_text(encoding="utf-8")
    [phrase] = align(a, b)
    assert a[phrase.a_start : phrase.a_end] == (
        "the American Civil Liberties Union of Southern California"
    )
    assert lineage.align(a, b) == lineage.align(b, a) == []
    analyzed = lineage.analyze(pd.DataFrame({"id": ["susp", "src"], "text": [a, b]}))
    assert analyzed.passages.empty


def test_drop_unquoted_phrases_keeps_most_of_a_short_text():
    line = "Putin spurned a challenge to meet Zelensky in Istanbul."
    opening = "Talks opened in Istanbul on Thursday without the Russian leader. "
    longer = opening + line + " Nobody came to the talks, officials in Kyiv said."
    at = len(opening)
    p = Passage("a", 0, len(line), "b", at, at + len(line), similarity=1.0)
    assert drop_unquoted_phrases([p], texts=(line, longer), min_chars=150) == [p]
    assert drop_unquoted_phrases([p.mirror()], texts=(longer, line), min_chars=150) == [p.mirror()]
    # Most of a short text (a classified advertisement printed again, its last line new).
    assert drop_unquoted_phrases([p], texts=(line + " Call now.", longer), min_chars=150) == [p]
    other = line + " Talks went on all week and nobody came to them, officials said."
    assert drop_unquoted_phrases([p], texts=(other, longer), min_chars=150) == []
    assert drop_unquoted_phrases([p], texts=(other, longer), min_chars=150, min_share=0.4) == [p]
    assert drop_unquoted_phrases([p], texts=(other, longer), min_chars=40) == [p]
    quoted = replace(p, kind="quote", quotes=((0, len(line), at, at + len(line)),))
    assert drop_unquoted_phrases([quoted], texts=(other, longer), min_chars=150) == [quoted]
    with pytest.raises(ParameterError, match="'min_share' must be in"):
        drop_unquoted_phrases([p], texts=(line, longer), min_chars=150, min_share=2)


def test_bad_arguments():
    with pytest.raises(ParameterError, match="'text' must be a str"):
        find_quotations(None)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="'copy' must be"):
        mark_quotes([], [], [], texts=("", ""), copy="c")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="'texts' must be a pair of str"):
        mark_quotes([], [], [], texts=("a",))  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="'min_words' must be"):
        mark_quotes([], [], [], texts=("", ""), min_words=0)
    assert find_quotations("") == []


def test_seed_quoted_parts_pair_the_same_words_and_cut_between_words(seed_marked):
    quotes = 0
    for (x, y), marked in seed_marked.items():
        a, b = seed(x), seed(y)
        for p in marked:
            assert (p.kind == "prose") == (not p.quotes)
            for (a0, a1, b0, b1), (piece_a, piece_b) in zip(
                p.quotes, quoted_parts(p, a, b), strict=True
            ):
                quotes += 1
                assert p.a_start <= a0 <= a1 <= p.a_end and p.b_start <= b0 <= b1 <= p.b_end
                assert folded_jaccard(piece_a, piece_b) >= 0.6, (x, y, piece_a, piece_b)
                assert not cuts_a_word(a, a0, a1), (x, y, piece_a)
                assert not cuts_a_word(b, b0, b1), (x, y, piece_b)
                for text in (piece_a, piece_b):  # no sliver stands alone
                    assert len(text) >= 15 and len(tokenize(text)[0]) >= 3, (x, y, text)
    assert quotes >= 10


def test_seed_passages_stay_whole_and_do_not_overlap(seed_marked):
    from lineage.align import align

    for (x, y), marked in seed_marked.items():
        aligned = align(seed(x), seed(y))
        assert [(p.a_start, p.a_end, p.b_start, p.b_end) for p in marked] == [
            (p.a_start, p.a_end, p.b_start, p.b_end) for p in aligned
        ]
        for side in ("a", "b"):
            spans = sorted((getattr(p, f"{side}_start"), getattr(p, f"{side}_end")) for p in marked)
            assert all(end <= start for (_, end), (start, _) in itertools.pairwise(spans))
    # one reused paragraph with a quotation inside is one passage, not three pieces
    assert any(p.kind == "mixed" for marked in seed_marked.values() for p in marked)


def test_seed_reuse_breakdown_separates_quotes_from_prose(seed_marked):
    from lineage.align import reuse_figures

    figures = {}
    for doc in ("000", "001", "002", "003", "004"):
        marked = [p for (x, _), found in seed_marked.items() if x == doc for p in found]
        figures[doc] = reuse_figures(len(seed(doc)), marked)
    assert figures["000"]["prose_reuse_fraction"] >= 0.40  # an abridged wire rewrite
    assert figures["002"]["quote_fraction"] >= 0.08  # quotes widely
    for independent in ("003", "004"):  # share mostly quotations, little prose
        assert figures[independent]["prose_reuse_fraction"] < 0.10
        assert figures[independent]["quote_fraction"] > 0


@pytest.mark.parametrize(
    "text",
    [
        "\n".join([seed("001")] * 12),  # a copy of text repeated beyond the n-gram anchors
        "\u666e\u4eac\u8bf4\u201c\u6211\u4eec\u51c6\u5907\u597d\u4e86\u201d\u3002" * 300,
        "",
    ],
    ids=["repeated-copy", "chinese", "empty"],
)
def test_marking_a_copy_pairs_each_quoted_part_with_itself(text):
    quotes = find_quotations(text)
    passage = Passage("a", 0, len(text), "b", 0, len(text))
    [p] = mark_quotes([passage], quotes, quotes, texts=(text, text))
    assert all((a0, a1) == (b0, b1) for a0, a1, b0, b1 in p.quotes)
    assert p.a_unmatched == p.b_unmatched == ()
    assert bool(p.quotes) == bool(quotes)


WORDS = ["putin", "said", '"we', 'go"', "talks", "in", "istanbul", "Kyiv,", "the", "war."]


@st.composite
def passages_over_texts(draw):
    texts = [
        " ".join(draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=60))) for _ in range(2)
    ]
    a_start, a_end = sorted(draw(st.integers(0, len(texts[0]))) for _ in range(2))
    b_start, b_end = sorted(draw(st.integers(0, len(texts[1]))) for _ in range(2))
    quotations = [
        [
            Quotation(*sorted(draw(st.integers(0, len(text))) for _ in range(2)))
            for _ in range(draw(st.integers(0, 4)))
        ]
        for text in texts
    ]
    copy = draw(st.sampled_from(["a", "b", "either"]))
    return texts, Passage("a", a_start, a_end, "b", b_start, b_end), quotations, copy


@settings(max_examples=200, deadline=None)
@given(passages_over_texts())
def test_marked_parts_stay_inside_their_passage_without_overlap(case):
    texts, passage, (quotes_a, quotes_b), copy = case
    [p] = mark_quotes([passage], quotes_a, quotes_b, texts=tuple(texts), copy=copy)
    assert (p.a_start, p.a_end, p.b_start, p.b_end) == (
        passage.a_start,
        passage.a_end,
        passage.b_start,
        passage.b_end,
    )
    assert p.kind in ("quote", "prose", "mixed") and (p.kind == "prose") == (not p.quotes)
    for a0, a1, b0, b1 in p.quotes:
        assert p.a_start <= a0 <= a1 <= p.a_end and p.b_start <= b0 <= b1 <= p.b_end
    for spans in ([q[:2] for q in p.quotes], [q[2:] for q in p.quotes], p.a_unmatched):
        ordered = sorted(spans)
        assert all(end <= start for (_, end), (start, _) in itertools.pairwise(ordered))
    # marking the mirrored pair gives the mirror image
    swap = {"a": "b", "b": "a", "either": "either"}[copy]
    [m] = mark_quotes([passage.mirror()], quotes_b, quotes_a, texts=tuple(texts[::-1]), copy=swap)
    assert m == p.mirror()


def test_appositive_and_relative_clause_attributions():
    text = 'Peskov, the Kremlin spokesman, said: "It is too early to say." Then silence.'
    assert find_quotations(text)[0].speaker == "Peskov"
    text = 'It was Rubio, who told reporters in Antalya that "there is no breakthrough."'
    assert find_quotations(text)[0].speaker == "Rubio"
    text = 'A spokesman said "no comment" on Friday.'
    assert find_quotations(text)[0].speaker is None


def test_pathological_marks_do_not_blow_up():
    assert find_quotations('"' * 20_000) == []
    assert len(find_quotations("\u00ab" * 500 + "x" + "\u00bb" * 500)) == 1
    assert find_quotations("word " * 50_000 + "\u201c") == []


def test_analyze_finds_each_documents_quotations_once(monkeypatch):
    import pandas as pd

    import lineage
    import lineage.api
    import lineage.inference.evidence
    from lineage.quotes import scan_quotations

    calls: list[str] = []

    def counted_scan(text, **kw):
        calls.append(text)
        return scan_quotations(text, **kw)

    def counted_find(text, **kw):
        calls.append(text)
        return find_quotations(text, **kw)

    monkeypatch.setattr(lineage.api, "scan_quotations", counted_scan)
    monkeypatch.setattr(lineage.inference.evidence, "find_quotations", counted_find)
    texts = [seed("000"), seed("001")]
    result = lineage.analyze(pd.DataFrame({"id": ["x", "y"], "text": texts}))
    assert len(result.passages) > 0
    assert sorted(calls) == sorted(texts)


def test_unmatched_quotation_mark_is_a_problem_in_the_documents_table(tmp_path):
    import pandas as pd

    import lineage
    from lineage.api import write_outputs

    stray = seed("001") + '\nTalks resumed on "Thursday in Istanbul.\n'
    result = lineage.analyze(pd.DataFrame({"id": ["x", "y"], "text": [seed("000"), stray]}))
    problems = result.documents.set_index("id")["problem"]
    expected = "; ".join(quotation_problems(stray))
    assert expected.startswith("line ")
    assert problems["y"] == expected
    assert pd.isna(problems["x"])
    assert (result.documents["status"] == "ok").all()
    write_outputs(result, tmp_path / "out")
    table = pd.read_csv(tmp_path / "out" / "documents.csv").set_index("id")
    assert table.at["y", "problem"] == expected
