"""Recommendations people follow up: stable, titled, suggestions reviewed by a person, nothing moved behind
their back (issue: "Recurring recommendations people can trust")."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from tracker import analysis
from tracker.cli import cli
from tracker.services import editing
from tracker.services.editing import EditError, UnknownRecommendation
from tracker.store import Store
from tracker.store.loading import load_paths
from tracker.ui.dashboard_data import history_table

# a 2025 page of the series: one call that recurs (cooperation), one new one
NEW_PAGE = (Path(__file__).parent / "data" / "pages" / "2025_open_forum_31.txt").read_text(encoding="utf-8")


def memberships(store: Store) -> pd.DataFrame:
    return store.query("SELECT item_id, rec_id, state FROM memberships ORDER BY item_id")


def cooperation(store: Store) -> pd.Series:
    """The recommendation holding the 2022 call "International cooperation should be strengthened …"."""
    recs = analysis.recommendations_frame(store)
    members = analysis.members_frame(store)
    item = members[members["text"].str.startswith("International cooperation should be strengthened")]
    assert len(item) == 1
    return recs.set_index("rec_id").loc[item["rec_id"].iat[0]]


@pytest.fixture
def analyzed(analyzed_store: Store) -> Store:
    return analyzed_store


def add_page(store: Store, folder: Path, name: str = "2025_open_forum_31.txt", text: str = NEW_PAGE) -> None:
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    assert load_paths([folder / name], store).ok


def test_international_cooperation_recurs_and_the_question_about_it_joins(analyzed: Store) -> None:
    rec = cooperation(analyzed)
    # the machine proposes the 2023 call, the 2024 call and question; until a person accepts them it is not a fact
    assert rec["n_sessions_suggested"] == 3 and rec["recurring_suggested"]
    assert rec["years"] == [2022] and not rec["recurring"] and rec["n_sessions"] == 1
    # the 2024 open question on the same matter is offered the cooperation recommendation first,
    # with the 2022 call as the evidence
    members = analysis.members_frame(analyzed, rec.name)
    question = members[members["text"].str.startswith("How can international cooperation be strengthened")]
    assert list(question["kind"]) == ["question"] and list(question["state"]) == ["suggested"]
    options = analysis.review_candidates(analyzed, question["item_id"].iat[0])
    assert options["rec_id"].iat[0] == rec.name and 1 <= len(options) <= 3
    assert options["representative"].iat[0].startswith("International cooperation should be strengthened")
    # accepted, the question counts as that matter coming back
    analysis.accept_all(analyzed, rec.name, by="Ana")
    rec = cooperation(analyzed)
    assert rec["years"] == [2022, 2023, 2024]
    assert rec["recurring"] and rec["n_sessions"] == 3 and not rec["recurring_suggested"]
    assert not rec["title"].endswith("…") and len(rec["title"]) <= 80


def test_every_live_call_is_in_exactly_one_recommendation(analyzed: Store) -> None:
    calls = analyzed.query("SELECT item_id FROM items WHERE in_source AND kind IN ('takeaway', 'action', 'question')")
    placed = memberships(analyzed)
    assert sorted(placed["item_id"]) == sorted(calls["item_id"])
    questions = analyzed.query("SELECT count(*) AS n FROM memberships JOIN items USING (item_id) "
                               "WHERE kind = 'question'")
    assert questions["n"].iat[0] == 9  # the 2024 report's open questions are placed like any call
    # a new recommendation's first call is its member; the ones that joined it wait for review
    first = analyzed.query("SELECT rec_id, bool_or(state = 'member') AS has_member FROM memberships GROUP BY rec_id")
    assert first["has_member"].all()
    assert analysis.review_count(analyzed) == (placed["state"] == "suggested").sum() > 0


def test_adding_a_report_moves_no_existing_membership(analyzed: Store, tmp_path: Path) -> None:
    before = memberships(analyzed)
    titles = analyzed.query("SELECT rec_id, title FROM recommendations ORDER BY rec_id")
    add_page(analyzed, tmp_path / "more")
    summary = analysis.analyze(analyzed)
    after = memberships(analyzed)
    kept = after[after["item_id"].isin(before["item_id"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(kept, before)  # changed without a person: 0
    assert len(after) == len(before) + 4 and "4 new calls placed" in summary
    pd.testing.assert_frame_equal(analyzed.query("SELECT rec_id, title FROM recommendations WHERE rec_id IN "
                                                 "(SELECT unnest(?)) ORDER BY rec_id", [titles["rec_id"].tolist()]),
                                  titles)
    # the new cooperation call is suggested on the cooperation recommendation, with the evidence
    queue = analysis.review_queue(analyzed)
    new = queue[queue["text"].str.startswith("We call on governments and international organizations")]
    assert len(new) == 1 and new["rec_id"].iat[0] == cooperation(analyzed).name
    assert new["evidence_mine"].iat[0] and new["evidence_theirs"].iat[0]


def test_evidence_never_names_a_call_a_person_took_out(analyzed: Store, tmp_path: Path) -> None:
    rec = cooperation(analyzed)
    for item_id in analysis.members_frame(analyzed, rec.name)["item_id"]:
        if analyzed.scalar("SELECT state FROM memberships WHERE item_id = ?", [item_id]) == "suggested":
            analysis.accept(analyzed, item_id, by="Ana")
    add_page(analyzed, tmp_path / "more")
    analysis.analyze(analyzed)
    queue = analysis.review_queue(analyzed).set_index("item_id")
    new = queue[queue["text"].str.startswith("We call on governments and international organizations")].index[0]
    options = analysis.review_candidates(analyzed, new)
    assert options["rec_id"].iat[0] == rec.name
    evidence = options["evidence_item_id"].iat[0]
    shown = analyzed.scalar("SELECT text FROM items WHERE item_id = ?", [evidence])
    assert queue.loc[new, "representative"] == shown == options["representative"].iat[0]
    # a person says that call is not the same after all: it leaves the recommendation ...
    analysis.reject(analyzed, evidence, by="Bo")
    # ... and is never shown again as the recommendation's evidence
    queue = analysis.review_queue(analyzed).set_index("item_id")
    options = analysis.review_candidates(analyzed, new)
    assert evidence not in set(options["evidence_item_id"])
    assert shown not in set(options["representative"]) and queue.loc[new, "representative"] != shown
    assert queue.loc[new, "evidence_theirs"] == "" and options["evidence_theirs"].iat[0] == ""
    members = set(analysis.members_frame(analyzed, rec.name)["item_id"])
    assert options["evidence_item_id"].iat[0] in members


def test_follow_up_survives_reload_reimport_and_reanalysis(analyzed: Store, seeds_dir: Path) -> None:
    rec_id = cooperation(analyzed).name
    editing.set_recommendation(analyzed, rec_id, by="Ana", title="International cooperation on minors' safety",
                               status="in_progress", owner="CFIS", notes="raised with UNICEF", due_date="2026-03-01")
    # reload (unchanged files), re-import (a changed file), incremental and full re-analysis
    assert load_paths([seeds_dir], analyzed).ok
    page = next(seeds_dir.glob("002_*"))
    page.write_text(page.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert load_paths([seeds_dir], analyzed).ok
    analysis.analyze(analyzed)
    analysis.apply_plan(analyzed, analysis.plan_reanalysis(analyzed), by="Ana")
    rec = analysis.recommendations_frame(analyzed).set_index("rec_id").loc[rec_id]
    assert rec["title"] == "International cooperation on minors' safety"
    assert (rec["status"], rec["owner"], rec["notes"]) == ("in_progress", "CFIS", "raised with UNICEF")
    assert str(rec["due_date"])[:10] == "2026-03-01" and rec["confirmed"]
    history = analyzed.query("SELECT field, new_value, changed_by FROM history WHERE subject = 'recommendation' "
                             "AND subject_id = ?", [rec_id])
    assert set(history["field"]) >= {"title", "status", "owner", "notes", "due_date"}
    assert set(history["changed_by"]) == {"Ana"}


def test_full_reanalysis_leaves_confirmed_recommendations_alone(analyzed: Store, tmp_path: Path) -> None:
    queue = analysis.review_queue(analyzed)
    first = queue.iloc[0]
    analysis.accept(analyzed, first["item_id"], by="Ana")
    confirmed = analyzed.query("SELECT item_id, rec_id, state FROM memberships WHERE rec_id = ? ORDER BY item_id",
                               [first["rec_id"]])
    # a person's grouping the machine disagrees with: take a call out into its own recommendation
    other = queue.iloc[-1]
    own = analysis.start_recommendation(analyzed, other["item_id"], by="Ana", title="Handled separately")
    add_page(analyzed, tmp_path / "more")
    analysis.analyze(analyzed)
    plan = analysis.plan_reanalysis(analyzed)
    assert not set(plan.changes["item_id"]) & (set(confirmed["item_id"]) | {other["item_id"]})
    analysis.apply_plan(analyzed, plan, by="Ana")
    pd.testing.assert_frame_equal(
        analyzed.query("SELECT item_id, rec_id, state FROM memberships WHERE item_id IN (SELECT unnest(?)) "
                       "ORDER BY item_id", [confirmed["item_id"].tolist()]), confirmed)
    assert analyzed.scalar("SELECT rec_id FROM memberships WHERE item_id = ?", [other["item_id"]]) == own
    # applied twice: nothing left to change
    assert analysis.plan_reanalysis(analyzed).empty


def test_review_decisions_are_kept_and_logged(analyzed: Store) -> None:
    queue = analysis.review_queue(analyzed)
    n = len(queue)
    yes, no = queue.iloc[0], queue.iloc[1]
    assert analysis.accept(analyzed, yes["item_id"], by="Ana") == yes["rec_id"]
    new_rec = analysis.reject(analyzed, no["item_id"], by="Bo")
    assert new_rec != no["rec_id"]
    assert analysis.review_count(analyzed) == n - 2
    states = memberships(analyzed).set_index("item_id")
    assert states.loc[yes["item_id"], "state"] == "member"
    assert tuple(states.loc[no["item_id"], ["rec_id", "state"]]) == (new_rec, "member")
    # "not the same" is remembered: a full re-analysis never puts it back
    plan = analysis.plan_reanalysis(analyzed)
    assert not ((plan.changes["item_id"] == no["item_id"]) & (plan.changes["to_rec"] == no["rec_id"])).any()
    log = analyzed.query("SELECT subject_id, field, old_value, new_value, changed_by, via FROM history "
                         "WHERE subject = 'item' ORDER BY change_id")
    assert list(log["changed_by"]) == ["Ana", "Bo"] and set(log["via"]) == {"review"}
    assert list(log["field"]) == ["recommendation", "not_same_started"]
    assert log["new_value"].iat[1] == new_rec and log["old_value"].iat[1] == no["rec_id"]
    # the history says what happened: the call was never in that recommendation
    changes = set(history_table(analyzed)["change"])
    titles = dict(analyzed.query("SELECT rec_id, title FROM recommendations").itertuples(index=False, name=None))
    assert f"not the same as {no['rec_id']} '{no['title']}'; started {new_rec} '{titles[new_rec]}'" in changes
    assert not any(c.startswith("moved") for c in changes)


def test_move_merge_and_start(analyzed: Store) -> None:
    recs = analysis.recommendations_frame(analyzed)
    a, b = recs["rec_id"].iat[0], recs["rec_id"].iat[1]
    n_a, n_b = recs["n_items"].iat[0], recs["n_items"].iat[1] + recs["pending"].iat[1]
    assert analysis.merge_recommendations(analyzed, a, b, by="Ana") == n_b
    after = analysis.recommendations_frame(analyzed).set_index("rec_id")
    # merged calls are the same recommendation by a person's word: confirmed, counted
    assert b not in after.index and after.loc[a, "n_items"] == n_a + n_b
    assert analyzed.scalar("SELECT count(*) FROM memberships WHERE rec_id = ? AND state = 'member'", [a]) >= n_b
    item = after.loc[a, "item_ids"][0]
    analysis.move_item(analyzed, item, recs["rec_id"].iat[2], by="Ana")
    assert analyzed.scalar("SELECT rec_id FROM memberships WHERE item_id = ?", [item]) == recs["rec_id"].iat[2]
    with pytest.raises(analysis.AnalysisError):
        analysis.merge_recommendations(analyzed, a, a, by="Ana")
    with pytest.raises(analysis.UnknownRecommendation):
        analysis.move_item(analyzed, item, "R999", by="Ana")


def test_status_can_be_applied_to_the_calls(analyzed: Store) -> None:
    rec = cooperation(analyzed)
    for item_id in analysis.members_frame(analyzed, rec.name)["item_id"]:
        if analyzed.scalar("SELECT state FROM memberships WHERE item_id = ?", [item_id]) == "suggested":
            analysis.accept(analyzed, item_id, by="Ana")
    calls = analysis.members_frame(analyzed, rec.name)
    calls = calls[calls["kind"].isin(["takeaway", "action"])]
    assert len(calls) == 3  # the 2022, 2023 and 2024 calls; the 2024 question has no follow-up status of its own
    result = editing.set_recommendation(analyzed, rec.name, by="Ana", status="done", apply_to_calls=True)
    assert result.calls_changed == 3
    statuses = analyzed.query("SELECT i.status FROM items i JOIN memberships m USING (item_id) WHERE m.rec_id = ? "
                              "AND i.kind <> 'question'", [rec.name])
    assert set(statuses["status"]) == {"done"}
    assert analyzed.scalar("SELECT count(*) FROM history WHERE subject = 'item' AND field = 'status'") == 3
    progress = analysis.progress_by_first_year_frame(analyzed)
    done_2022 = progress[(progress["first_year"] == 2022) & (progress["status"] == "done")]
    assert done_2022["recommendations"].sum() == 1  # raised three times, counted once


def test_apply_to_calls_counts_and_touches_confirmed_calls_only(analyzed: Store) -> None:
    rec = cooperation(analyzed)
    members = analysis.members_frame(analyzed, rec.name)
    pending = members[members["state"] == "suggested"]["item_id"]
    assert rec["n_items"] == 1 and len(pending) == rec["pending"] >= 1
    result = editing.set_recommendation(analyzed, rec.name, by="Ana", status="done", apply_to_calls=True)
    assert result.calls_changed == rec["n_items"] == 1
    statuses = analyzed.query("SELECT item_id, status FROM items WHERE item_id IN (SELECT unnest(?))",
                              [list(pending)])
    assert set(statuses["status"]) == {"not_started"}  # suggestions nobody reviewed keep their own status


@pytest.mark.parametrize("changes, message", [({"status": "finished"}, "unknown status"),
                                              ({"due_date": "someday"}, "not a date"),
                                              ({"title": "   "}, "needs a title"),
                                              ({"colour": "red"}, "cannot edit")])
def test_bad_recommendation_edits_write_nothing(analyzed: Store, changes: dict, message: str) -> None:
    rec_id = cooperation(analyzed).name
    before = analyzed.query("SELECT * FROM recommendations ORDER BY rec_id")
    with pytest.raises(EditError, match=message):
        editing.set_recommendation(analyzed, rec_id, by="Ana", **changes)
    with pytest.raises(UnknownRecommendation, match="unknown recommendation"):
        editing.set_recommendation(analyzed, "R999", by="Ana", status="done")
    with pytest.raises(EditError, match="who"):
        editing.set_recommendation(analyzed, rec_id, by=" ", status="done")
    pd.testing.assert_frame_equal(analyzed.query("SELECT * FROM recommendations ORDER BY rec_id"), before)


@pytest.mark.slow
def test_cli_recommendations_export_edit_and_review(analyzed: Store) -> None:
    runner = CliRunner()
    db = ["--db", str(analyzed.path)]
    out = runner.invoke(cli, db + ["export", "--what", "recommendations", "--format", "json"])
    assert out.exit_code == 0, out.output
    rows = json.loads(out.output)
    assert list(rows[0]) == ["rec_id", "title", "status", "owner", "due_date", "notes", "item_ids", "n_items",
                             "n_sessions", "years", "first_year", "last_year", "confirmed", "recurring",
                             "pending", "suggested_item_ids"]
    rec_id = cooperation(analyzed).name
    out = runner.invoke(cli, db + ["recommendation", rec_id, "--title", "Cooperation", "--status", "in_progress",
                                   "--by", "Ana"])
    assert out.exit_code == 0 and f"{rec_id}: status not_started -> in_progress" in out.output
    bad = runner.invoke(cli, db + ["recommendation", rec_id, "--status", "finished", "--by", "Ana"])
    assert bad.exit_code == 1 and "unknown status" in bad.output and "Traceback" not in bad.output
    items = runner.invoke(cli, db + ["export", "--what", "items", "--format", "json"])
    item_rows = json.loads(items.output)
    assert {"recommendation_id", "recommendation_title", "suggested_recommendation_id"} <= set(item_rows[0])
    mine = [r for r in item_rows if r["recommendation_id"] == rec_id]
    assert mine and all(r["recommendation_title"] == "Cooperation" for r in mine)
    listing = runner.invoke(cli, db + ["review"])
    queue = analysis.review_queue(analyzed)
    pending = queue["item_id"].iat[0]
    assert listing.exit_code == 0 and f"{pending} ({queue['year'].iat[0]}): {queue['text'].iat[0]}" in listing.output
    assert f"  1. {queue['rec_id'].iat[0]} " in listing.output
    assert f"or none of these: --none {pending}" in listing.output
    decided = runner.invoke(cli, db + ["review", "--accept", pending, "--by", "Ana"])
    assert decided.exit_code == 0 and "joined" in decided.output
    assert pending not in set(analysis.review_queue(analyzed)["item_id"])
    # choose one of the others offered, and "none of these"
    queue = analysis.review_queue(analyzed)
    offered = {i: analysis.review_candidates(analyzed, i) for i in queue["item_id"]}
    chooser = next(i for i, o in offered.items() if len(o) >= 2)
    second = offered[chooser]["rec_id"].iat[1]
    chosen = runner.invoke(cli, db + ["review", "--choose", f"{chooser}={second}", "--by", "Ana"])
    assert chosen.exit_code == 0 and f"{chooser}: joined {second}" in chosen.output
    assert analyzed.scalar("SELECT rec_id FROM memberships WHERE item_id = ?", [chooser]) == second
    other = next(i for i in analysis.review_queue(analyzed)["item_id"] if i != chooser)
    turned_down = set(analysis.review_candidates(analyzed, other)["rec_id"])
    none = runner.invoke(cli, db + ["review", "--none", other, "--by", "Ana"])
    assert none.exit_code == 0 and "none of these" in none.output
    assert set(analyzed.query("SELECT rec_id FROM rejections WHERE item_id = ?", [other])["rec_id"]) == turned_down
    bad = runner.invoke(cli, db + ["review", "--choose", other, "--by", "Ana"])
    assert bad.exit_code == 2 and "ITEM_ID=REC_ID" in bad.output


@pytest.mark.slow
def test_cooperation_stays_together_when_the_labelled_pages_arrive(analyzed: Store) -> None:
    before = memberships(analyzed)
    pages = Path(__file__).parent / "data" / "eval_pages"
    assert load_paths([pages], analyzed).ok
    analysis.analyze(analyzed)
    after = memberships(analyzed)
    pd.testing.assert_frame_equal(after[after["item_id"].isin(before["item_id"])].reset_index(drop=True), before)
    rec = cooperation(analyzed)
    assert {2022, 2024} <= set(rec["years"]) | set(rec["suggested_years"])
    # the new pages' cooperation calls are offered to it, for a person to accept
    queue = analysis.review_queue(analyzed)
    assert (queue["rec_id"] == rec.name).sum() >= 1
