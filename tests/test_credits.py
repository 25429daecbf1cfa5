"""Credits: found by their syntax on real text, agencies learnt, credited share per document."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import lineage
from lineage.corpus import load_corpus
from lineage.credits import agency_key, credited_fractions, find_credits, learn_agencies

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


@pytest.fixture(scope="module")
def seeds() -> dict[str, str]:
    loaded = load_corpus(SEEDS)
    return {doc_id[:3]: text for doc_id, text in zip(loaded.ids, loaded.texts, strict=True)}


def test_the_seeds_credits_are_read_as_a_reader_reads_them(seeds):
    found = {k: [(c.kind, c.agency) for c in find_credits(t)] for k, t in seeds.items()}
    assert found["000"] == [("signoff", "agencies")]  # "Agencies", its last line
    assert found["002"] == [("photo", "reuters")]  # "REUTERS/Umit Bektas/Pool/File Photo"
    assert found["003"] == [("contributed", None), ("contributed", None)]  # people, no agency
    assert found["001"] == [] and found["004"] == []
    photo = find_credits(seeds["002"])[0]
    assert seeds["002"][photo.start : photo.end].startswith("REUTERS/Umit Bektas")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("LONDON (Reuters) - Oil prices rose.", [("dateline", "reuters")]),
        ("KYIV, Ukraine (AP) \u2014 Talks stalled.", [("dateline", "ap")]),
        ("Talks stalled.\n(AP Photo/Efrem Lukatsky)", [("photo", "ap")]),
        ("Talks stalled.\nPhoto: AFP", [("photo", "afp")]),
        (
            "Talks stalled.\nThe Associated Press contributed to this report.",
            [("contributed", "ap")],
        ),
        ("Talks stalled.\nReporting by Tom Balmforth; Editing by Alex", [("reporting", None)]),
        ("The fund contributed 5 mln dlrs to the plan.", []),  # not a credit
        ("Net profit 5 mln vs 4 mln\n    MORE", []),  # a last line, but no agency
    ],
)
def test_credit_syntax(text, expected):
    assert [(c.kind, c.agency) for c in find_credits(text)] == expected


def test_agencies_are_learnt_from_datelines_sign_offs_and_the_outlet_column():
    texts = [f"OSLO (NTB) - Story {k}." for k in range(3)] + ["Story.\nTT"] * 20
    agencies = learn_agencies(texts, ["Ritzau", None])
    assert {"ntb", "tt", "ritzau", "reuters"} <= agencies
    assert [(c.kind, c.agency) for c in find_credits("Story.\nTT", agencies)] == [("signoff", "tt")]
    assert find_credits("Story.\nTT") == []  # unknown without learning
    assert agency_key("Reuter") == agency_key("REUTERS")


def test_credited_share_follows_outlets_credits_and_latent_members():
    attribution = pd.DataFrame(
        {
            "document": ["blog", "blog", "paper", "site"],
            "source": ["wire", "latent:1", "wire", "wire"],
            "chars": [300, 100, 200, 50],
        }
    )
    credits = {
        "wire": find_credits("PARIS (AFP) - The story."),
        "blog": find_credits("The story, told again."),
        "paper": find_credits("The story.\nAgence France-Presse contributed to this report."),
        "site": find_credits("The story."),
        "other": find_credits("The story.\nPhoto: AFP"),
    }
    sources = pd.DataFrame({"id": ["latent:1"], "members": [["blog", "other"]]})
    shares = credited_fractions(attribution, credits, outlets={"site": "AFP"}, sources=sources)
    # blog credits nobody: undisclosed; paper credits AFP, the wire's agency; site is AFP's.
    assert shares == {"blog": 0.0, "paper": 1.0, "site": 1.0}
    credits["blog"] = find_credits("The story.\nAFP")
    shares = credited_fractions(attribution, credits, sources=sources)
    assert shares["blog"] == 1.0  # the wire and the latent (its member credits AFP)


def test_analyze_reports_the_credited_share_of_reused_text(seeds, tmp_path):
    wire = "PARIS (AFP) - " + seeds["001"]
    frame = pd.DataFrame(
        {
            "id": ["wire", "credited", "silent", "crops"],
            "text": [
                wire,
                seeds["000"],
                seeds["000"].replace("\nAgencies", ""),
                "Farmers in Bahia expect a late cocoa harvest after the dry weeks of January.",
            ],
            "date": ["2025-05-15", "2025-05-16", "2025-05-16", "2025-05-16"],
        }
    )
    result = lineage.analyze(frame)
    docs = result.documents.set_index("id")
    assert docs.loc["credited", "credited_fraction"] == 1.0  # "Agencies" and an AFP wire
    assert docs.loc["silent", "credited_fraction"] == 0.0
    assert pd.isna(docs.loc["crops", "credited_fraction"])  # reuses nothing
    result.to_json(tmp_path / "lineage.json")
    written = json.loads((tmp_path / "lineage.json").read_text())
    rows = {d["id"]: d for d in written["documents"]}
    assert rows["silent"]["credited_fraction"] == 0.0


def test_the_report_shows_the_credited_share(seeds, tmp_path):
    from lineage.report import write_report

    frame = pd.DataFrame(
        {"id": ["wire", "copy"], "text": ["PARIS (AFP) - " + seeds["001"], seeds["000"]]}
    )
    html = write_report(lineage.analyze(frame), tmp_path)["report"].read_text(encoding="utf-8")
    assert ">credited<" in html
