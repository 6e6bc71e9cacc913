"""The functions behind the dashboard pages, without Streamlit: escaping, highlighting, the table
editor's save path, filters, overdue items, downloads, first-run seeding."""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from tracker import analysis
from tracker.services import editing
from tracker.services.editing import EditConflict, save_rows, set_item
from tracker.store import Store
from tracker.store.queries import ItemFilter, counts, history_frame, item_row
from tracker.ui.dashboard_data import (
    OVERDUE_FLAG,
    conflict_rows,
    csv_bytes,
    data_token,
    display_table,
    excel_bytes,
    grid_changes,
    headline,
    highlight_html,
    history_table,
    is_empty,
    pending_edits,
    progress_from_items,
    recommendation_conflict_rows,
    recommendation_facts,
    recommendation_name,
    seed_if_empty,
    tracker_table,
)
from tracker.vocabulary import escape_markdown


def test_escape_markdown_leaves_no_markup_alive() -> None:
    hostile = "<script>alert(1)</script> <img src=x onerror=alert(1)> **bold** _it_ [l](javascript:x) $x$ :red[c]"
    escaped = escape_markdown(hostile)
    for raw in ("<script>", "**", "[l](", "$x$", ":red["):
        assert raw not in escaped
    for defused in ("\\<script\\>", "\\<img src=x", "\\*\\*bold\\*\\*", "\\[l\\](", "\\$x\\$",
                    "\\:red\\[c\\]", "javascript\\:x"):
        assert defused in escaped
    # only backslashes are added, so removing them gives the text back exactly
    assert escaped.replace("\\", "") == hostile
    assert escape_markdown("a\\b") == "a\\\\b"
    assert escape_markdown("two\nlines") == "two  \nlines"
    assert escape_markdown(None) == ""
    assert escape_markdown("plain words 2024") == "plain words 2024"
    # a line that would start a list or a heading is defused on every line; full stops stay readable
    assert escape_markdown("- a\n2. b\n# c. d") == "\\- a  \n2\\. b  \n\\# c. d"


def test_highlight_html_escapes_every_fragment_and_marks_spans() -> None:
    text = "Intro <script>alert(1)</script>\nKey: <img src=x onerror=alert(1)> **bold** & more."
    start = text.index("<img")
    end = text.index(" & more")
    out = highlight_html(text, [(start, end, "action"), (0, 5, "takeaway"), (2, 4, "question")],
                         title="<b>t</b>")
    assert "<script>" not in out and "<img" not in out and "<b>t</b>" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert '<mark class="action" title="Call to action">&lt;img src=x onerror=alert(1)&gt; **bold**</mark>' in out
    assert out.count("<mark") == 2  # the overlapping span inside "Intro" is clipped away
    assert "&amp; more." in out


def test_highlight_html_ignores_spans_outside_the_text() -> None:
    out = highlight_html("short", [(3, 99, "takeaway"), (50, 60, "action")])
    assert out.endswith('sho<mark class="takeaway" title="Key takeaway">rt</mark></div>')


def test_tracker_table_is_indexed_by_id_and_filters_narrow(seed_store: Store) -> None:
    everything = tracker_table(seed_store)
    assert len(everything) == counts(seed_store)["items"]
    assert list(everything.index) == list(everything["item_id"])
    actions_2024 = tracker_table(seed_store, ItemFilter(years=[2024], kinds=["action"]))
    assert 0 < len(actions_2024) < len(everything)
    assert set(actions_2024["year"]) == {2024} and set(actions_2024["kind"]) == {"action"}
    assert len(tracker_table(seed_store, ItemFilter(text="UNICEF"))) < len(everything)
    shown = display_table(everything)
    assert shown.columns[0] == "flag" and "item_id" in shown.columns


def test_theme_filter_uses_the_annotations(seed_store: Store) -> None:
    ids = list(tracker_table(seed_store)["item_id"])
    notes = pd.DataFrame({"item_id": ids, "themes": [["Safety"] if i % 3 == 0 else ["Other"] for i in range(len(ids))],
                          "addressee": [[] for _ in ids]})
    safety = tracker_table(seed_store, ItemFilter(themes=["Safety"]), notes)
    assert len(safety) == len(range(0, len(ids), 3))
    assert all("Safety" in ts for ts in safety["themes"])


def test_overdue_items_are_flagged(seed_store: Store) -> None:
    frame = tracker_table(seed_store)
    late, done_late, future = frame["item_id"][:3]
    yesterday, tomorrow = date.today() - timedelta(days=1), date.today() + timedelta(days=1)
    set_item(seed_store, late, by="t", due_date=yesterday)
    set_item(seed_store, done_late, by="t", due_date=yesterday, status="done")
    set_item(seed_store, future, by="t", due_date=tomorrow)
    frame = tracker_table(seed_store)
    assert frame.loc[late, "overdue"] and frame.loc[late, "flag"] == OVERDUE_FLAG
    assert not frame.loc[done_late, "overdue"] and not frame.loc[future, "overdue"]
    assert list(tracker_table(seed_store, only_overdue=True)["item_id"]) == [late]


def test_table_editor_save_path_reaches_duckdb_and_history(seed_store: Store) -> None:
    table = tracker_table(seed_store, ItemFilter(kinds=["action"]))
    versions = dict(zip(table["item_id"], table["version"], strict=True))
    # what st.data_editor reports: row positions in the frame that was shown, grid values as strings
    edited_rows = {0: {"status": "done", "owner": "UNICEF"},
                   2: {"due_date": "2026-03-31T00:00:00.000", "notes": "follow up in March"},
                   3: {"owner": ""}}  # unchanged (was empty): dropped
    changes = grid_changes(table, edited_rows)
    first, third = table["item_id"].iloc[0], table["item_id"].iloc[2]
    assert changes == {first: {"status": "done", "owner": "UNICEF"},
                       third: {"due_date": "2026-03-31", "notes": "follow up in March"}}
    saved, conflicts = save_rows(seed_store, changes, by="Grid User", versions=versions)
    assert not conflicts and len(saved) == 2
    row = item_row(seed_store, first)
    assert (row["status"], row["owner"], row["updated_by"]) == ("done", "UNICEF", "Grid User")
    assert str(item_row(seed_store, third)["due_date"])[:10] == "2026-03-31"
    log = history_frame(seed_store, person="Grid User")
    assert sorted(log["field"]) == ["due_date", "notes", "owner", "status"]
    assert set(log["via"]) == {"dashboard"}


def test_table_editor_save_refuses_items_changed_by_someone_else(seed_store: Store) -> None:
    table = tracker_table(seed_store)
    versions = dict(zip(table["item_id"], table["version"], strict=True))
    first, second = table["item_id"].iloc[0], table["item_id"].iloc[1]
    set_item(seed_store, first, by="Other", owner="Theirs")
    changes = grid_changes(table, {0: {"owner": "Mine"}, 1: {"owner": "Also mine"}})
    saved, conflicts = save_rows(seed_store, changes, by="Me", versions=versions)
    assert [r.subject_id for r in saved] == [second]
    assert [c.subject_id for c in conflicts] == [first]
    assert item_row(seed_store, first)["owner"] == "Theirs"
    both = conflict_rows(conflicts[0])
    assert both.to_dict("records") == [{"field": "Owner", "saved by Other": "Theirs", "yours (not saved)": "Mine"}]


def test_pending_edits_keep_edits_on_rows_the_filters_hide(seed_store: Store) -> None:
    table = tracker_table(seed_store, ItemFilter(years=[2022]))
    first, second = table.index[:2]
    start = {"hidden-item": {"owner": "Kept"}, first: {"owner": "Earlier"}}
    # row 0's owner edited back to what is stored (''), row 1's status changed
    pending = pending_edits(table, start, {0: {"owner": ""}, 1: {"status": "done"}})
    assert pending == {"hidden-item": {"owner": "Kept"}, second: {"status": "done"}}
    assert pending_edits(table, start, {}) == start  # a new grid starts from what was pending


def test_conflict_rows_show_both_values() -> None:
    conflict = EditConflict("item", "x", {"status": "done", "owner": "A", "due_date": date(2025, 1, 2), "notes": ""},
                            {"status": "in_progress", "due_date": None}, "Ana")
    rows = conflict_rows(conflict)
    assert list(rows["field"]) == ["Status", "Due date"]
    assert list(rows["saved by Ana"]) == ["Done", "2025-01-02"]
    assert list(rows["yours (not saved)"]) == ["In progress", ""]
    # with what the editor opened: the other person's owner change is shown too, though the editor left it alone
    opened = {"status": "not_started", "owner": "", "due_date": date(2025, 1, 2), "notes": ""}
    rows = conflict_rows(conflict, opened)
    assert rows.to_dict("records") == [
        {"field": "Status", "you opened": "Not started", "saved by Ana": "Done", "yours (not saved)": "In progress"},
        {"field": "Owner", "you opened": "", "saved by Ana": "A",
         "yours (not saved)": "(you did not change it: theirs stays)"},
        {"field": "Due date", "you opened": "2025-01-02", "saved by Ana": "2025-01-02", "yours (not saved)": ""}]


def test_downloads_csv_and_excel_of_the_filtered_table(seed_store: Store) -> None:
    item = tracker_table(seed_store)["item_id"].iloc[0]
    set_item(seed_store, item, by="t", notes="=HYPERLINK(\"http://x\")")
    table = tracker_table(seed_store, ItemFilter(years=[2022]))
    csv = pd.read_csv(io.BytesIO(csv_bytes(table)), encoding="utf-8-sig", keep_default_na=False)
    assert len(csv) == len(table) and set(csv["Year"]) == {2022}
    # readable: a session label first (not a hash), statuses and kinds in words, the id last
    assert list(csv.columns[:5]) == ["Session", "Year", "Kind", "Text", "Status"] and csv.columns[-1] == "Item id"
    assert set(csv["Status"]) == {"Not started"} and set(csv["Kind"]) <= {"Key takeaway", "Call to action"}
    assert all(s.startswith("2022 ") for s in csv["Session"])
    # a spreadsheet opening the CSV shows the note as text instead of running it as a formula
    assert "'=HYPERLINK(\"http://x\")" in set(csv["Notes"])
    assert not csv.map(lambda v: isinstance(v, str) and v[:1] != "" and v[:1] in "=+-@").any().any()
    book = openpyxl.load_workbook(io.BytesIO(excel_bytes(table)))
    sheet = book.active
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["Session", "Year", "Kind"] and sheet.max_row == len(table) + 1
    notes = [sheet.cell(row=r, column=header.index("Notes") + 1) for r in range(2, sheet.max_row + 1)]
    assert any(c.value == "=HYPERLINK(\"http://x\")" and c.data_type == "s" for c in notes)  # text, not a formula
    # filters on every column, the text wrapped in a wide column, the header frozen
    assert sheet.auto_filter.ref == sheet.dimensions
    text = sheet.cell(row=2, column=header.index("Text") + 1)
    assert text.alignment.wrap_text and sheet.column_dimensions[text.column_letter].width >= 60
    assert sheet.freeze_panes == "A2"


def test_headline_numbers_before_the_analysis(seed_store: Store) -> None:
    numbers = headline(seed_store)
    assert (numbers["sessions"], numbers["takeaways"], numbers["without_outcomes"]) == (5, 12, 2)
    assert numbers["recurring"] is None and numbers["recommendations"] is None and numbers["to_review"] == 0
    assert numbers["share_done"] == 0 and numbers["share_of"] == "calls"
    assert numbers["tracked"] == numbers["takeaways"] + numbers["actions"]  # questions are not followed up here
    item = tracker_table(seed_store, ItemFilter(kinds=["action"]))["item_id"].iloc[0]
    set_item(seed_store, item, by="t", status="done")
    assert headline(seed_store)["share_done"] == pytest.approx(1 / numbers["tracked"])


def _cooperation(store: Store) -> pd.Series:
    """The recommendation holding the 2022 call "International cooperation should be strengthened …"."""
    members = analysis.members_frame(store)
    rec_id = members[members["text"].str.startswith("International cooperation should be strengthened")]["rec_id"]
    return analysis.recommendations_frame(store).set_index("rec_id").loc[rec_id.iat[0]]


@pytest.mark.slow
def test_headline_counts_recommendations_once(analyzed_store: Store) -> None:
    recs = analysis.recommendations_frame(analyzed_store)
    numbers = headline(analyzed_store)
    assert numbers["recommendations"] == len(recs) and numbers["share_of"] == "recommendations"
    # only what people confirmed: the machine's cross-session links are suggestions, said beside
    assert numbers["recurring"] == int(recs["recurring"].sum()) == 0
    assert numbers["recurring_suggested"] == int(recs["recurring_suggested"].sum()) >= 1
    assert numbers["to_review"] == analysis.review_count(analyzed_store)
    coop = _cooperation(analyzed_store)
    analysis.accept_all(analyzed_store, coop.name, by="Ana")
    coop = _cooperation(analyzed_store)
    assert coop["n_items"] >= 3
    accepted = headline(analyzed_store)
    assert accepted["recurring"] == 1 and accepted["recurring_suggested"] == numbers["recurring_suggested"] - 1
    editing.set_recommendation(analyzed_store, coop.name, by="Ana", status="done")
    after = headline(analyzed_store)
    # a recommendation raised in three sessions counts once, whatever its calls' own status
    assert (after["done_count"], after["tracked"]) == (1, len(recs))
    assert after["share_done"] == pytest.approx(1 / len(recs))


@pytest.mark.slow
def test_tracker_table_shows_each_calls_recommendation(analyzed_store: Store) -> None:
    coop = _cooperation(analyzed_store)
    table = tracker_table(analyzed_store, annotations=analysis.item_annotations(analyzed_store))
    members = analysis.members_frame(analyzed_store, coop.name)
    rows = table.loc[list(members["item_id"])]
    for member, row in zip(members.itertuples(), rows.itertuples(), strict=True):
        expected = coop["title"] if member.state == "member" else f"{coop['title']} (suggested, to review)"
        assert row.recommendation == expected
    assert not rows["recurring"].any()  # linked across sessions by suggestions only: not yet a fact
    analysis.accept_all(analyzed_store, coop.name, by="Ana")
    coop = _cooperation(analyzed_store)
    table = tracker_table(analyzed_store, annotations=analysis.item_annotations(analyzed_store))
    rows = table.loc[list(members["item_id"])]
    assert rows["recurring"].all() and set(rows["rec_sessions"]) == {coop["n_sessions"]}
    assert set(rows["rec_years"]) == {"2022, 2023, 2024"}
    shown = display_table(table)
    assert {"recurring", "rec_sessions", "recommendation"} <= set(shown.columns)
    csv = pd.read_csv(io.BytesIO(csv_bytes(table)), encoding="utf-8-sig", keep_default_na=False)
    assert {"Recommendation", "Recurring", "Sessions raised in", "Years raised"} <= set(csv.columns)
    coop_rows = csv[csv["Item id"].isin(list(members[members["state"] == "member"]["item_id"]))]
    assert set(coop_rows["Recommendation"]) == {coop["title"]} and set(coop_rows["Recurring"]) == {"Yes"}
    assert set(coop_rows["Years raised"]) == {"2022, 2023, 2024"}


def test_recommendation_helpers() -> None:
    assert recommendation_name("R3", "International cooperation") == "R3 'International cooperation'"
    assert recommendation_name("R9", None) == "R9"
    rec = {"years": [2024, 2022, 2023], "n_sessions": 3, "n_items": 4, "pending": 1}
    assert recommendation_facts(rec) == \
        "2022, 2023, 2024 · 3 sessions · 4 takeaways and calls · 1 more suggested, to review"
    assert recommendation_facts({"years": [2022], "n_sessions": 1, "n_items": 1, "pending": 2,
                                 "suggested_years": [2023, 2024]}) == \
        "2022 · 1 session · 1 takeaway or call · 2 more suggested, to review (2023, 2024)"
    assert recommendation_facts({"years": [2024], "n_sessions": 1, "n_items": 1, "pending": 0}) == \
        "2024 · 1 session · 1 takeaway or call"


def test_recommendation_conflict_shows_every_field_either_side_changed() -> None:
    base = {"title": "Old", "status": "not_started", "owner": "", "due_date": None, "notes": ""}
    theirs = {**base, "status": "done", "owner": "ITU"}
    conflict = EditConflict("recommendation", "R1", theirs, {"title": "Mine"}, "Ben")
    rows = recommendation_conflict_rows(conflict, base).set_index("field")
    assert list(rows.index) == ["Title", "Status", "Owner"]
    assert rows.loc["Status", "saved by Ben"] == "Done" and rows.loc["Status", "yours (not saved)"] == "Not started"
    assert rows.loc["Title", "yours (not saved)"] == "Mine" and rows.loc["Owner", "saved by Ben"] == "ITU"


@pytest.mark.slow
def test_history_table_reads_as_words(analyzed_store: Store) -> None:
    item = tracker_table(analyzed_store)["item_id"].iloc[0]
    set_item(analyzed_store, item, by="Ana", status="in_progress", notes="a long note " * 20)
    queue = analysis.review_queue(analyzed_store)
    accepted, rejected = queue["item_id"].iloc[0], queue["item_id"].iloc[1]
    target = queue.set_index("item_id").loc[accepted]
    analysis.accept(analyzed_store, accepted, by="Ben")
    new = analysis.reject(analyzed_store, rejected, by="Ben")
    coop = _cooperation(analyzed_store)
    editing.set_recommendation(analyzed_store, coop.name, by="Cy", title="International cooperation",
                               status="in_progress")
    log = history_table(analyzed_store)
    changes = list(log["change"])
    assert "Status: Not started → In progress" in changes
    assert f"Notes: (empty) → {'a long note ' * 20}".rstrip() in [c.rstrip() for c in changes]  # never cut
    # named as the recommendation is called now (a person retitled it since)
    assert f"accepted into {target['rec_id']} 'International cooperation' (same recommendation)" in changes \
        or f"accepted into {target['rec_id']} '{target['title']}' (same recommendation)" in changes
    # it was only suggested there, never in it: the history says so, and never "moved … (from R…)"
    was = queue.set_index("item_id").loc[rejected]
    turned_down = log[(log["subject_id"] == rejected) & (log["field"] == "not_same_started")]["change"].iat[0]
    assert turned_down.startswith(f"not the same as {was['rec_id']} '") and f"; started {new} '" in turned_down
    assert not any(c.startswith("moved") for c in log[log["subject_id"] == rejected]["change"])
    rec_rows = log[log["subject"] == "recommendation"]
    assert f"Recommendation {coop.name} 'International cooperation'" in set(rec_rows["what"])
    assert "Status: Not started → In progress" in set(rec_rows["change"])
    assert "started this recommendation" in set(rec_rows["change"])
    assert set(log["kind"]) == {"Follow-up of a call", "Follow-up of a recommendation", "Review and grouping",
                                "Import"}
    imports = log[log["kind"] == "Import"]
    assert len(imports) == 5 and "imported 000_b1319ff3bb3a17cc.txt: 4 items" in set(imports["change"])
    assert set(log[log["kind"] != "Import"]["how"]) == {"on the command line", "in To review"}  # in words
    assert set(history_table(analyzed_store, person="Cy")["changed_by"]) == {"Cy"}
    assert set(history_table(analyzed_store, subject_id=accepted)["subject_id"]) == {accepted}


@pytest.mark.slow
def test_history_frame_names_the_subject_of_each_change(analyzed_store: Store) -> None:
    item = tracker_table(analyzed_store)["item_id"].iloc[0]
    set_item(analyzed_store, item, by="Ana", status="in_progress")
    coop = _cooperation(analyzed_store)
    editing.set_recommendation(analyzed_store, coop.name, by="Cy", status="done")
    log = history_frame(analyzed_store)
    assert set(log["subject"]) == {"item", "recommendation"}
    mine = log[(log["subject"] == "item") & (log["subject_id"] == item)]
    assert list(mine["new_value"]) == ["in_progress"] and mine["subject_text"].notna().all()
    rec = history_frame(analyzed_store, subject_id=coop.name)
    assert set(rec["subject"]) == {"recommendation"} and rec["subject_text"].isna().all()
    assert "done" in set(rec["new_value"])


def test_progress_from_items_before_analysis(seed_store: Store) -> None:
    items = tracker_table(seed_store)
    progress = progress_from_items(items)
    calls = items[items["kind"].isin(["takeaway", "action"])]
    assert set(progress["first_year"]) == set(calls["year"])
    assert progress["items"].sum() == len(calls)
    assert progress.groupby("first_year")["share"].sum().round(6).eq(1).all()


def test_data_token_changes_on_write_not_on_read(seed_store: Store) -> None:
    before = data_token(seed_store)
    tracker_table(seed_store)
    assert data_token(seed_store) == before
    set_item(seed_store, tracker_table(seed_store)["item_id"].iloc[0], by="t", owner="x")
    assert data_token(seed_store) != before


@pytest.mark.slow
def test_seed_if_empty_loads_once(store: Store, seeds_dir: Path) -> None:
    assert is_empty(store)
    summary = seed_if_empty(store, seeds_dir)
    assert summary and "5 added" in summary
    assert counts(store)["sessions"] == 5
    assert seed_if_empty(store, seeds_dir) is None


def test_an_upload_names_who_imported_it(seed_store: Store) -> None:
    """The name given in the dashboard (or the signed-in person) is recorded with the files it imports."""
    from tracker.services.importing import import_files

    page = (Path(__file__).parent / "data" / "pages" / "2025_open_forum_31.txt").read_bytes()
    assert import_files(seed_store, [("of31.txt", page)], analyze=False, by="Ming Yan").report.ok
    imports = history_table(seed_store)
    imports = imports[imports["subject"] == "document"].set_index("subject_id")
    assert imports.loc["of31.txt", "changed_by"] == "Ming Yan"
    assert imports.loc["000_b1319ff3bb3a17cc.txt", "changed_by"] == ""  # the fixture's load named no one
