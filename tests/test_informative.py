"""Which aligned text is evidence: fillers that differ, one shared phrase, OCR variants.

Real Reuters wire copy is read from ``shared/data`` beside the checkout; the tests skip only
when it is absent.
"""

from __future__ import annotations

import gzip
import json
import re
from functools import cache
from itertools import combinations

import pandas as pd
import pytest

import lineage
from lineage.align import align as align_stage
from lineage.commonness import CommonnessParams, learn_commonness
from lineage.errors import ParameterError
from lineage.informative import SlotAgreement, score_passages, slot_agreement
from lineage.records import Passage
from tests.shared_data import SHARED_DATA

REUTERS = SHARED_DATA / "reuters-21578" / "reuters-000-013.jsonl.gz"


@cache
def _stories() -> tuple[dict, ...]:
    if not REUTERS.is_file():
        pytest.skip(f"real corpus absent: {REUTERS}")
    with gzip.open(REUTERS, "rt", encoding="utf-8") as stream:
        return tuple(json.loads(line) for line in stream)


def _figures(text: str) -> list[str]:
    return re.findall(r"\d[\d.,]*", text.split("\n", 1)[1])


def test_new_parameters_are_checked_with_a_diagnosis():
    with pytest.raises(ParameterError, match="'min_slot_agreement' must be"):
        CommonnessParams(min_slot_agreement=2.0)
    with pytest.raises(ParameterError, match="'min_pair_tokens'"):
        CommonnessParams(min_pair_tokens=0)


def test_one_report_filled_on_different_days_is_no_reuse():
    """The Treasury's daily balance report: one template, other dates and figures each day."""
    stories = _stories()
    balances = [r for r in stories if r["text"].startswith("TREASURY BALANCES AT FED")]
    assert len(balances) >= 8
    others = [r for r in stories[:3000] if r not in balances][:200]
    frame = pd.DataFrame(balances + others)[["id", "text", "date"]]
    result = lineage.analyze(frame, exhaustive_below=0)
    ids = {r["id"]: r for r in balances}
    # They were compared, and alignment alone would link them (the wording is the same).
    compared = result.pairs[result.pairs["a"].isin(ids) & result.pairs["b"].isin(ids)]
    assert len(compared) >= len(balances)
    assert lineage.align(balances[0]["text"], balances[1]["text"])
    between = result.passages[result.passages["a"].isin(ids) & result.passages["b"].isin(ids)]
    # Only a report sent twice with the same figures may be linked to another report.
    for a, b in zip(between["a"], between["b"], strict=True):
        assert _figures(ids[a]["text"]) == _figures(ids[b]["text"]), (a, b)
    docs = result.documents.set_index("id").loc[list(ids)]
    distinct = {tuple(_figures(r["text"])) for r in balances}
    assert (docs["reuse_fraction"] > 0.5).sum() <= len(balances) - len(distinct) + 1


def test_a_report_sent_again_keeps_its_passage_and_its_figures_agree():
    stories = _stories()
    model = learn_commonness([r["text"] for r in stories[:3000]])
    report = next(r["text"] for r in stories if r["text"].startswith("TREASURY BALANCES AT FED"))
    again = report.replace("TREASURY BALANCES", "CORRECTED - TREASURY BALANCES", 1)
    marks = {"first": model.marks(report), "again": model.marks(again)}
    whole = Passage("first", 0, len(report), "again", 0, len(again), "prose", 1.0)
    agreement = slot_agreement(whole, marks)
    assert agreement.differ == 0 and agreement.agree > 10
    assert len(score_passages([whole], marks).passages) == 1


def test_filler_agreement_is_symmetric_on_real_pairs():
    stories = _stories()
    texts = [r["text"] for r in stories[:3000]]
    model = learn_commonness(texts)
    tables = [r for r in stories[:3000] if re.match(r"[^\n]*\n[^\n]*- Shr ", r["text"])][:12]
    marks = {r["id"]: model.marks(r["text"]) for r in tables}
    text = {r["id"]: r["text"] for r in tables}
    for a, b in combinations(marks, 2):
        forward = Passage(a, 0, len(text[a]), b, 0, len(text[b]))
        assert slot_agreement(forward, marks) == slot_agreement(forward.mirror(), marks)


def test_one_shared_sentence_does_not_make_two_long_stories_reused():
    """Generated from real text: one sentence put into two long, unrelated stories."""
    stories = [r for r in _stories()[:3000] if len(r["text"]) > 2500]
    a, b = stories[0], stories[7]
    sentence = (
        "The ministry said grain exporters in Queensland would get new licences after the harvest."
    )
    texts = {
        "a": a["text"] + "\n    " + sentence,
        "b": sentence + "\n    " + b["text"],
        "line": sentence,
    }
    background = [r["text"] for r in _stories()[3000:3100]]
    frame = pd.DataFrame(
        {"id": [*texts, *(f"bg{k}" for k in range(100))], "text": [*texts.values(), *background]}
    )
    # Alignment finds the sentence; what the two stories share ends there (the public
    # lineage.align, like analyze, then drops it: quote_parts.drop_unquoted_phrases).
    found = [texts["b"][p.b_start : p.b_end] for p in align_stage(texts["a"], texts["b"])]
    assert found == [sentence.rstrip(".")]
    assert lineage.align(texts["a"], texts["b"]) == []
    result = lineage.analyze(frame)  # 103 documents: every pair is a candidate
    passages = result.passages
    pairs = {frozenset(x) for x in zip(passages["a"], passages["b"], strict=True)}
    assert frozenset(("a", "b")) not in pairs
    # A one-line document that is the sentence is wholly inside each story: that stays.
    assert frozenset(("a", "line")) in pairs and frozenset(("b", "line")) in pairs


def _kept(pair: tuple[str, str], texts: dict[str, str], model) -> list[Passage]:
    a, b = pair
    found = [
        Passage(a, p.a_start, p.a_end, b, p.b_start, p.b_end, "prose", 1.0)
        for p in align_stage(texts[a], texts[b])
    ]
    assert found, pair  # the alignment stage alone links them
    marks = {a: model.marks(texts[a]), b: model.marks(texts[b])}
    return score_passages(found, marks).passages


def test_a_formula_inside_two_notices_is_no_reuse_a_notice_re_sent_is():
    """Real tune pairs: two companies' dividend notices paying the same 12-1/2 cts (the
    shared lines are an island inside each notice), and one notice re-sent under a new
    headline (mostly inside its passage)."""
    stories = _stories()
    texts = {r["id"]: r["text"] for r in stories}
    corpus = [r["text"] for r in stories[:3000]] + [texts[k] for k in ("r9503", "r7835")]
    model = learn_commonness(corpus)
    assert _kept(("r1708", "r9503"), texts, model) == []
    assert len(_kept(("r7682", "r7835"), texts, model)) == 1
    # A corpus of two texts cannot know its genre: alignment alone judges them.
    alone = learn_commonness([texts["r1708"], texts["r9503"]])
    assert len(_kept(("r1708", "r9503"), texts, alone)) == 1
    # The public align keeps a passage under min_chars only where it is most of a text
    # (quote_parts.drop_unquoted_phrases): the re-sent notice, not the two notices' formula.
    assert lineage.align(texts["r1708"], texts["r9503"]) == []
    assert len(lineage.align(texts["r7682"], texts["r7835"])) == 1


def test_a_one_line_flash_of_common_words_sent_twice_is_an_exact_duplicate():
    """Real stories; the flash opens the body of twelve, so every word of it is common material
    and the line is below alignment's length floor: sent twice, it is still a duplicate."""
    flash = "Bundesbank says it leaves credit policies unchanged"
    stories = [r["text"] for r in _stories()[:80]]
    texts = {f"s{k}": text for k, text in enumerate(stories[12:])}
    inside = [text.replace("\n", f"\n{flash}. ", 1) for text in stories[:12]]
    texts.update({f"h{k}": text for k, text in enumerate(inside)})
    texts.update({"first": flash, "again": flash.upper()})
    frame = pd.DataFrame({"id": list(texts), "text": list(texts.values())})
    frame["date"] = ["1987-03-01"] * (len(texts) - 1) + ["1987-03-19"]
    assert not lineage.align(flash, flash.upper())  # alignment alone finds nothing
    result = lineage.analyze(frame)
    passages = result.passages
    between = passages[
        passages["a"].isin(["first", "again"]) & passages["b"].isin(["first", "again"])
    ]
    assert len(between) == 1 and between["commonness"].iloc[0] == 0
    docs = result.documents.set_index("id")
    assert (docs.loc[["first", "again"], "reuse_fraction"] == 1.0).all()
    # The flash inside longer stories is their common material, no evidence of copying.
    headed = passages[passages["a"].str.startswith("h") & passages["b"].str.startswith("h")]
    assert headed.empty


def test_two_notices_sharing_no_particular_word_are_no_reuse_a_rewrite_is():
    """Real tune pairs: two companies' stock-split notices and two Franklin funds' dividend
    notices align word for word around names of their own (every word they share is a word
    of the genre); a story rewritten an hour later shares its particulars (tune pair
    r10132/r10220, similarity 0.74) and keeps its passage."""
    stories = _stories()
    texts = {r["id"]: r["text"] for r in stories}
    extra = ("r3578", "r10132", "r10220")
    model = learn_commonness([r["text"] for r in stories[:3000]] + [texts[k] for k in extra])
    assert _kept(("r576", "r3578"), texts, model) == []
    assert _kept(("r690", "r700"), texts, model) == []
    assert len(_kept(("r10132", "r10220"), texts, model)) == 1
    # The rule is the only one that drops the dividend notices: turned off, they are kept.
    off = CommonnessParams(min_particular_words=0)
    marks = {k: model.marks(texts[k]) for k in ("r690", "r700")}
    found = [
        Passage("r690", p.a_start, p.a_end, "r700", p.b_start, p.b_end, "prose", 1.0)
        for p in lineage.align(texts["r690"], texts["r700"])
    ]
    assert len(score_passages(found, marks, off).passages) == 1


def test_a_story_sent_again_under_the_next_days_dateline_keeps_its_passage():
    """The date of a dateline is one value changed in a story of a paragraph or more, not
    a template filled twice; in any language. Two values changed in a template of the
    same length still are (one report, two days), and so is one in a short notice."""
    model = learn_commonness(["unrelated filler text"])
    body = (
        " - Le ministre des Finances a déclaré jeudi qu'il restait attaché à l'accord du Louvre"
        " sur la stabilité des changes, conclu entre les sept grands pays industrialisés, et"
        " que les marchés devaient en tenir compte pour la suite des discussions. Il a refusé"
        " de commenter le cours actuel du dollar face au yen, mais il a ajouté que les pays"
        " excédentaires devaient stimuler leur demande intérieure aussi vite que possible,"
        " sans raviver l'inflation, afin de réduire les déséquilibres commerciaux, selon lui."
    )

    def agreement(first: str, again: str) -> tuple[SlotAgreement, list[Passage]]:
        marks = {"first": model.marks(first), "again": model.marks(again)}
        whole = Passage("first", 0, len(first), "again", 0, len(again), "prose", 1.0)
        return slot_agreement(whole, marks), score_passages([whole], marks).passages

    found, kept = agreement("PARIS, 25 mars" + body, "PARIS, 26 mars" + body)
    assert found.tokens >= 80 and (found.agree, found.differ) == (0, 4)
    assert len(kept) == 1
    found, kept = agreement(
        "PARIS, 25 mars - Le chômage a reculé de 31.400 personnes" + body,
        "PARIS, 26 mars - Le chômage a reculé de 18.900 personnes" + body,
    )
    assert (found.agree, found.differ) == (0, 10)
    assert kept == []
    short = body[: body.index(" Il a refusé")]
    found, kept = agreement("PARIS, 25 mars" + short, "PARIS, 26 mars" + short)
    assert found.tokens < 80 and found.differ == 4
    assert kept == []


def test_a_real_story_re_sent_the_next_day_keeps_its_passage():
    """Tune pair r9689/r9797: the Baker story re-sent the next day, its sign-off blanked,
    its passage runs over the headline and the dateline, whose dates differ."""
    stories = _stories()
    texts = {r["id"]: r["text"] for r in stories}
    model = learn_commonness([r["text"] for r in stories[:3000]] + [texts["r9689"]])
    a, b = texts["r9689"], texts["r9797"]
    marks = {"a": model.marks(a), "b": model.marks(b)}
    end_a, end_b = a.rindex("REUTER"), b.rindex("Reuter")
    whole = Passage("a", 0, end_a, "b", 0, end_b, "prose", 0.9)
    assert a[:80].split("\n")[1] != b[:80].split("\n")[1]  # WASHINGTON, March 25 / 26
    found = slot_agreement(whole, marks)
    assert found.differ > 0 and found.filled_twice(model.params) is False
    assert len(score_passages([whole], marks).passages) == 1


def test_two_stories_of_one_subject_written_apart_are_no_reuse_in_a_large_corpus():
    """Tune pair r3216/r11741 (unrelated): two extensions of one exchange offer three weeks
    apart, the second paraphrasing the first's background (similarity about 0.56). In a
    corpus that knows its genre a passage needs runs of shared words; a two-document
    corpus judges by alignment alone and keeps the paraphrase."""
    stories = _stories()
    texts = {r["id"]: r["text"] for r in stories}
    a, b = texts["r3216"], texts["r11741"]
    found = [
        Passage("a", p.a_start, p.a_end, "b", p.b_start, p.b_end, "prose", p.similarity)
        for p in align_stage(a, b)
    ]
    assert found and max(p.similarity for p in found) < 0.7
    large = learn_commonness([r["text"] for r in stories[:3000]] + [a, b])
    assert score_passages(found, {"a": large.marks(a), "b": large.marks(b)}).passages == []
    small = learn_commonness([a, b])
    assert score_passages(found, {"a": small.marks(a), "b": small.marks(b)}).passages
    with pytest.raises(ParameterError, match="'min_verbatim_share' must be"):
        CommonnessParams(min_verbatim_share=1.5)
