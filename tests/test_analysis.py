"""Recurrence analysis on the seeds: groups, recurrence, themes, addressees, frames and export."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from tests.conftest import copy_db
from tests.helpers import missing
from tracker import analysis
from tracker.analysis import embeddings
from tracker.analysis.addressees import extract_addressee, specificity
from tracker.analysis.themes import KeywordMatcher, _keyword_pattern, assign_themes, load_themes
from tracker.cli import cli
from tracker.services.exporting import export_items, write_frame
from tracker.store import Store

INTL = {  # the example: one recommendation made in 2022, made again in 2023 and asked about in 2024
    "e4371e64ce8c6019": "International cooperation should be strengthened",
    "f52488db5592f466": "the international community strengthen dialogue and cooperation",
    "a7f9d2f3b3e6c3d4": "How can international cooperation be strengthened",
}
QUESTION = "a7f9d2f3b3e6c3d4"  # "How can international cooperation be strengthened": the same matter, asked again
TECH_PROACTIVE = "7ac7f4b94e134bb8"  # "Technology companies must play a proactive role …" (2024)
TECH_CRITICAL = "9e1549eb50975b21"  # "Technology companies play a critical role …" (2024, same session)


def has_model() -> bool:
    embeddings.reset()
    return embeddings.get_embedder().embedder is not None


@pytest.fixture(params=["semantic", "lexical"])
def analyzed(request: pytest.FixtureRequest, store: Store, analyzed_templates: dict[str, Path],
             monkeypatch: pytest.MonkeyPatch) -> Store:
    """The seeds, analyzed in each mode."""
    if request.param == "lexical":
        monkeypatch.setenv("TRACKER_EMBEDDINGS", "off")
    elif not has_model():
        missing("embedding model not installed")
    copy_db(analyzed_templates[request.param], store.path)
    assert analysis.analysis_info(store)["mode"] == request.param
    return store


def rec_of(store: Store, item_id: str) -> pd.Series:
    rec_id = store.scalar("SELECT rec_id FROM memberships WHERE item_id = ?", [item_id])
    return analysis.recommendations_frame(store).set_index("rec_id").loc[rec_id]


def test_international_cooperation_is_one_recurring_recommendation(analyzed: Store) -> None:
    recs = {rec_of(analyzed, item_id).name for item_id in INTL}
    assert len(recs) == 1
    rec = rec_of(analyzed, "e4371e64ce8c6019")
    # proposed by the machine; recurring once a person accepts its suggestions
    assert rec["recurring_suggested"] and rec["n_sessions_suggested"] == 3 and not rec["recurring"]
    # the open question joins the recommendation it asks about, as a suggestion for a person to confirm
    assert analyzed.scalar("SELECT state FROM memberships WHERE item_id = ?", [QUESTION]) == "suggested"
    analysis.accept_all(analyzed, rec.name, by="Ana")
    rec = rec_of(analyzed, "e4371e64ce8c6019")
    assert rec["recurring"] and rec["years"] == [2022, 2023, 2024] and rec["n_sessions"] == 3
    assert (rec["first_year"], rec["last_year"]) == (2022, 2024)
    assert "International cooperation" in rec["themes"]
    assert "ooperation" in rec["title"] and "…" not in rec["title"]


def test_repeats_within_one_session_are_not_recurrence(analyzed: Store) -> None:
    rec = rec_of(analyzed, TECH_PROACTIVE)
    # the near-repeat is in it, but one session saying a thing twice is not recurrence
    assert rec.name == rec_of(analyzed, TECH_CRITICAL).name
    assert rec["n_sessions"] == 1 and not rec["recurring"] and rec["years"] == [2024]
    for _, row in analysis.recommendations_frame(analyzed, recurring_only=True).iterrows():
        assert row["n_sessions"] >= 2 and len(row["sessions"]) >= 2


def test_unrelated_calls_are_not_chained(analyzed: Store) -> None:
    recs = analysis.recommendations_frame(analyzed)
    # 21 calls that all talk about child online protection must not collapse into a few big recommendations
    assert recs["n_items"].max() <= 5
    assert len(recs) >= 7
    assert rec_of(analyzed, TECH_PROACTIVE).name != rec_of(analyzed, "e4371e64ce8c6019").name


def test_every_live_item_has_themes_and_annotations(analyzed: Store) -> None:
    notes = analysis.item_annotations(analyzed)
    assert list(notes.columns[:len(analysis.ANNOTATION_COLUMNS)]) == analysis.ANNOTATION_COLUMNS
    assert len(notes) == 30
    assert notes["themes"].map(len).between(1, 3).all()
    kinds = analyzed.query("SELECT item_id, kind FROM items")
    calls = notes.merge(kinds, on="item_id")
    calls = calls[calls["kind"] != "question"]
    placed = calls["rec_id"].notna() | calls["suggested_rec_id"].notna()
    assert placed.all() and (calls["rec_id"].notna() == calls["rec_title"].notna()).all()
    known = set(analysis.themes_list()["name"])
    assert set(notes["themes"].explode()) <= known
    digital = notes.set_index("item_id").loc["82f020bac18b029d"]  # "Promoting digital literacy for … parents"
    assert digital["themes"][0] == "Digital literacy and parenting"
    risks = notes.set_index("item_id").loc["30e2aa5ca02f270d"]  # sexual abuse, bullying, harmful content
    assert {"Sexual exploitation and abuse", "Cyberbullying", "Harmful content"} <= set(risks["themes"])


def test_frames_for_the_charts(analyzed: Store) -> None:
    heat = analysis.theme_year_frame(analyzed)
    assert list(heat.columns) == ["theme", "year", "items", "sessions"]
    coop = heat[heat["theme"] == "International cooperation"].set_index("year")
    assert {2022, 2023, 2024} <= set(coop.index)
    assert (heat["sessions"] == 1).all()  # one session with items per year in the seeds

    bars = analysis.status_by_theme_frame(analyzed)
    assert list(bars.columns) == ["theme", "status", "recommendations"]
    assert set(bars["status"]) == {"not_started"}
    progress = analysis.progress_by_first_year_frame(analyzed)
    assert list(progress.columns) == ["first_year", "status", "recommendations", "share"]
    # recommendations, not calls: the 2022-2024 cooperation recommendation counts once, under 2022
    assert progress["recommendations"].sum() == len(analysis.recommendations_frame(analyzed)) < 30
    assert progress.groupby("first_year")["share"].sum().round(6).eq(1).all()
    counts = analysis.status_counts(analyzed)
    assert counts["recommendations"].sum() == progress["recommendations"].sum()


def test_export_has_analysis_columns_in_every_format(analyzed: Store) -> None:
    analysis.accept_all(analyzed, rec_of(analyzed, "e4371e64ce8c6019").name, by="Ana")
    frame = export_items(analyzed)
    for column in ("themes", "addressee", "rec_id", "rec_title", "suggested_rec_id",
                   "rec_sessions", "rec_years"):
        assert column in frame.columns
    rows = {r["item_id"]: r for r in json.loads(write_frame(frame, "json"))}
    coop = rows["e4371e64ce8c6019"]
    years = coop["rec_years"]
    assert {2022, 2024} <= set(years) and coop["rec_sessions"] == len(years)
    assert "International cooperation" in coop["themes"]
    assert rows["8910e23ae8125b61"]["addressee"] == ["tech companies"]
    csv = pd.read_csv(__import__("io").StringIO(write_frame(frame, "csv")))
    line = csv.set_index("item_id").loc["e4371e64ce8c6019"]
    assert line["rec_years"] == "; ".join(str(y) for y in years)
    assert "International cooperation" in line["themes"].split("; ")
    jsonl = [json.loads(x) for x in write_frame(frame, "jsonl").splitlines()]
    assert {r["item_id"]: r["rec_sessions"] for r in jsonl}["a7f9d2f3b3e6c3d4"] == len(years)


def test_cli_analyze_prints_a_summary(seed_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_EMBEDDINGS", "off")
    result = CliRunner().invoke(cli, ["--db", str(seed_store.path), "analyze"])
    assert result.exit_code == 0, result.output
    line = result.output.strip()
    assert line.startswith("analysis (lexical")
    assert "themes and addressees read for 30 items; 30 new calls placed: " in line
    assert "suggestions to review" in line and "\n" not in line


def test_analyze_is_idempotent(analyzed: Store) -> None:
    before = analysis.item_annotations(analyzed)
    places = analyzed.query("SELECT * FROM memberships ORDER BY item_id")
    assert "0 new calls placed" in analysis.analyze(analyzed)
    pd.testing.assert_frame_equal(before, analysis.item_annotations(analyzed))
    pd.testing.assert_frame_equal(places, analyzed.query("SELECT * FROM memberships ORDER BY item_id"))
    assert analysis.plan_reanalysis(analyzed).empty  # a full re-analysis agrees with what the import did


@pytest.mark.parametrize(("text", "kind", "names", "written"), [
    ("We call on relevant government departments to give guidance to this standard.", "action",
     ["governments"], "relevant government departments"),
    ("It is recommended that the United Nations analyse the development of standards.", "action",
     ["United Nations"], "United Nations"),
    ("Tech companies to integrate child rights principles and safety features into product design processes",
     "action", ["tech companies"], "Tech companies"),
    ("UNICEF and China Federation of Internet Societies to continue collaboration on promoting safe digital "
     "environments for children", "action", ["UNICEF", "China Federation of Internet Societies"],
     "UNICEF and China Federation of Internet Societies"),
    ("It is suggested that the international community strengthen dialogue and cooperation.", "action",
     ["international community"], "international community"),
    ("We hope that UNICEF and other international organizations will continue to pay attention, and call on "
     "all parties to deepen exchanges.", "action", ["UNICEF", "international organizations", "all stakeholders"],
     "UNICEF and other international organizations; all parties"),
    ("It is suggested that the current draft standard should be improved in the following aspects.", "takeaway",
     [], ""),
    ("Continued research and data collection on children's online behaviors", "action", [], ""),
    ("How can tech companies implement 'safety by design' principles?", "question", ["tech companies"],
     "tech companies"),
])
def test_addressee_examples(text: str, kind: str, names: list[str], written: str) -> None:
    found = extract_addressee(text, kind)
    assert found.names == names
    assert found.text == written


def test_specificity_spots_vague_calls() -> None:
    vague = "International cooperation should be strengthened."
    precise = "Governments should adopt a child online safety law by 2026."
    assert specificity(vague, extract_addressee(vague))[0] == 0
    score, why = specificity(precise, extract_addressee(precise))
    assert score == 3 and "governments" in why and "by 2026" in why


def test_addressees_stored_and_offered_as_owner(analyzed: Store) -> None:
    notes = analysis.item_annotations(analyzed).set_index("item_id")
    assert notes.loc["923b751412fbd1f9", "addressee"] == ["governments"]
    assert notes.loc["90a7b482bcec17d7", "addressee"] == ["United Nations"]
    assert notes.loc["923b751412fbd1f9", "addressee_text"] == "relevant government departments"
    assert analysis.suggested_owner(analyzed, "c49dc121c69d7bd6") == "UNICEF, China Federation of Internet Societies"
    owners = analyzed.query("SELECT DISTINCT owner FROM items")["owner"].tolist()
    assert owners == [""]  # the suggestion is not written into the owner field


TRICKY = [  # case folding, odd whitespace, keywords and dates at sentence ends, hyphen/space variants
    "İNTERNATIONAL COOPERATION should be strengthened. ſtandards and \u212aNOWLEDGE SHARING matter.",
    "Cross -  border data flows; Multi stakeholder dialogue? Global AI. Law and laws! (Global) rules",
    "International\ncooperation by\n2030. Implement. By 2030 we act; deadline: 12 March, in 2025.",
    "We call on governments to IMPLEMENT guidance by the end of 2027.  Within two years",
    "Stakeholders’ collaboration, e.g. public-private partnerships. Strengthen* cooperation",
    "AI. Ai.", "", "-", "ıntegrate the İmprovements", "Ǆ ß ẞ ς Σ standards",
]


@pytest.mark.parametrize("extra", [[], ["e.g. partnerships", "über*", "cooperation"]])
def test_keyword_scores_equal_searching_every_keyword_in_every_text(seed_store: Store, extra: list[str]) -> None:
    """Each theme's score is the number of its keywords whose regex finds a match in the text (also with a
    keyword that has a full stop and a non-ASCII one)."""
    taxonomy = load_themes()
    if extra:
        taxonomy = [*taxonomy[:-1], replace(taxonomy[-1], keywords=taxonomy[-1].keywords + tuple(extra))]
    texts = seed_store.query("SELECT text FROM items")["text"].tolist() + TRICKY + ["Über alles. e.g. Partnerships"]
    matcher = KeywordMatcher(taxonomy)
    plain = [[sum(re.search(_keyword_pattern(k), text, re.IGNORECASE) is not None for k in theme.keywords)
              for theme in taxonomy] for text in texts]
    assert matcher.score_matrix(texts).tolist() == plain
    assert matcher.score_matrix(texts[:1]).tolist() == plain[:1]


def test_specificity_evidence_equals_whole_text_search(seed_store: Store) -> None:
    from tracker.analysis.addressees import CONCRETE_VERBS, DATE_WORDS, _evidence

    for text in seed_store.query("SELECT text FROM items")["text"].tolist() + TRICKY:
        verb, date = CONCRETE_VERBS.search(text), DATE_WORDS.search(text)
        assert _evidence(text) == (verb.group(0) if verb else "", date.group(0) if date else "")


def test_theme_examples() -> None:
    taxonomy = load_themes()
    texts = ["International cooperation should be strengthened.",
             "Parents and schools should teach digital literacy.",
             "We need more international. Cooperation is key."]  # a keyword does not match across sentences
    assert assign_themes(texts, taxonomy) == [["International cooperation"], ["Digital literacy and parenting"], []]
