"""Quotation spans, speakers and quote/prose marking on real seed text and crafted cases."""

from pathlib import Path

import pytest

from lineage.errors import ParameterError
from lineage.quotes import find_quotations, quote_share, split_passages_by_quotes
from lineage.records import Passage, Quotation

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


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


def test_unbalanced_mark_is_recovered_at_the_paragraph_end():
    text = (
        "Zelensky said the delegation was \u201cdecorative and left.\n"
        "Second paragraph with \u201ca real quote\u201d here.\n"
        "Third paragraph."
    )
    assert quoted(text) == ["decorative and left.", "a real quote"]


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


def test_split_marks_quote_and_prose_pieces():
    a = 'Putin stayed home. He said "we will not go to Istanbul today" and left.'
    b = 'Putin stayed home. He said "we will not go to Istanbul today" and left.'
    qa, qb = find_quotations(a), find_quotations(b)
    pieces = split_passages_by_quotes([Passage("a", 0, len(a), "b", 0, len(b))], qa, qb)
    assert [p.kind for p in pieces] == ["prose", "quote", "prose"]
    assert a[pieces[1].a_start : pieces[1].a_end] == "we will not go to Istanbul today"
    assert pieces[0].a_start == 0 and pieces[-1].a_end == len(a)
    assert quote_share(pieces) == pytest.approx(32 / len(a))


def test_split_rule_on_one_side_quoted():
    p = Passage("a", 0, 100, "b", 0, 100, similarity=0.8)
    only_b = [Quotation(0, 100)]
    assert [x.kind for x in split_passages_by_quotes([p], [], only_b, copy="either")] == ["quote"]
    assert [x.kind for x in split_passages_by_quotes([p], [], only_b, copy="b")] == ["quote"]
    assert [x.kind for x in split_passages_by_quotes([p], [], only_b, copy="a")] == ["prose"]
    assert split_passages_by_quotes([p], [], only_b)[0].similarity == 0.8


def test_shared_quotation_between_independent_seeds_is_a_quote():
    from lineage.align import align

    a, b = seed("003"), seed("004")
    pieces = split_passages_by_quotes(align(a, b), find_quotations(a), find_quotations(b))
    quotes = [a[p.a_start : p.a_end] for p in pieces if p.kind == "quote"]
    assert any("going to happen until Putin and I get together" in q for q in quotes)


def test_bad_arguments():
    with pytest.raises(ParameterError, match="'text' must be a str"):
        find_quotations(None)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="'copy' must be"):
        split_passages_by_quotes([], [], [], copy="c")  # type: ignore[arg-type]
    assert find_quotations("") == []


def test_seed_reuse_breakdown_separates_quotes_from_prose():
    from lineage.align import align, reuse_figures

    texts = {k: seed(k) for k in ("000", "001", "002", "003", "004")}
    quotes = {k: find_quotations(v) for k, v in texts.items()}
    figures = {}
    for doc, text in texts.items():
        pieces = []
        for other in texts:
            if other != doc:
                passages = align(text, texts[other])
                pieces += split_passages_by_quotes(passages, quotes[doc], quotes[other])
        figures[doc] = reuse_figures(len(text), pieces)
    assert figures["000"]["prose_reuse_fraction"] >= 0.40  # an abridged wire rewrite
    assert figures["002"]["quote_fraction"] >= 0.15  # quotes widely
    for independent in ("003", "004"):  # share mostly quotations, little prose
        assert figures[independent]["prose_reuse_fraction"] < 0.10
        assert figures[independent]["quote_fraction"] > 0


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
