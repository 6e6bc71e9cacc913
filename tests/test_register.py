"""The recommendation register: outcomes, overdue, words for headers and values, status history in words."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import openpyxl  # type: ignore[import-untyped]
import pytest
from click.testing import CliRunner

from tracker import analysis
from tracker.cli import cli
from tracker.services import editing
from tracker.services.editing import EditError
from tracker.services.exporting import excel_bytes, export_frame
from tracker.services.register import overdue_counts, readable_register, register_frame, set_outcome, status_history
from tracker.store import Store

TODAY = date(2026, 12, 6)


def cooperation_id(store: Store) -> str:
    members = analysis.members_frame(store)
    row = members[members["text"].str.startswith("International cooperation should be strengthened")]
    assert len(row) == 1
    return str(row["rec_id"].iat[0])


@pytest.fixture
def confirmed(analyzed_store: Store) -> tuple[Store, str]:
    """The seeds analyzed, with the international cooperation recommendation's suggestions accepted."""
    rec_id = cooperation_id(analyzed_store)
    assert analysis.accept_all(analyzed_store, rec_id, by="Ana") >= 1
    return analyzed_store, rec_id


def test_only_member_calls_count_and_pending_suggestions_are_apart(analyzed_store: Store) -> None:
    rec_id = cooperation_id(analyzed_store)
    before = register_frame(analyzed_store, TODAY).set_index("rec_id").loc[rec_id]
    assert before["n_calls"] == 1 and before["years"] == [2022] and not before["recurring"]
    assert before["pending"] >= 1
    analysis.accept_all(analyzed_store, rec_id, by="Ana")
    after = register_frame(analyzed_store, TODAY).set_index("rec_id").loc[rec_id]
    assert after["years"] == [2022, 2023, 2024] and after["recurring"] and after["pending"] == 0
    assert after["confirmed"]
    assert any(label.startswith("2024 Open Forum #6") for label in after["session_labels"])


def test_overdue_until_done_or_closed(confirmed: tuple[Store, str]) -> None:
    store, rec_id = confirmed
    editing.set_recommendation(store, rec_id, by="Ana", status="in_progress", due_date="2026-03-01",
                               owner="CFIS")
    row = register_frame(store, TODAY).set_index("rec_id").loc[rec_id]
    assert row["overdue"] and row["due_date"] == date(2026, 3, 1)
    assert overdue_counts(store, TODAY)["recommendations"] == 1
    assert not register_frame(store, date(2026, 2, 1)).set_index("rec_id").loc[rec_id]["overdue"]
    set_outcome(store, rec_id, "partly implemented", by="Ana", closed_on="2026-11-30")
    row = register_frame(store, TODAY).set_index("rec_id").loc[rec_id]
    assert not row["overdue"] and row["outcome"] == "partly_implemented" and row["closed_on"] == date(2026, 11, 30)
    assert overdue_counts(store, TODAY)["recommendations"] == 0


def test_not_implemented_needs_a_reason_and_nothing_is_written_without(confirmed: tuple[Store, str]) -> None:
    store, rec_id = confirmed
    with pytest.raises(EditError, match="needs a reason"):
        set_outcome(store, rec_id, "not_implemented", by="Ana")
    with pytest.raises(EditError, match="unknown outcome"):
        set_outcome(store, rec_id, "finished", by="Ana")
    assert register_frame(store, TODAY).set_index("rec_id").loc[rec_id]["outcome"] == "open"
    set_outcome(store, rec_id, "not_implemented", reason="No budget in 2025", by="Ana", today=TODAY)
    row = readable_register(register_frame(store, TODAY)).set_index("Id").loc[rec_id]
    assert row["Outcome"] == "Closed — not implemented"
    assert row["Reason not implemented"] == "No budget in 2025" and row["Closed on"] == "2026-12-06"
    set_outcome(store, rec_id, "open", by="Ben")  # reopened: the reason and date go, the history keeps them
    row = readable_register(register_frame(store, TODAY)).set_index("Id").loc[rec_id]
    assert row["Outcome"] == "Open" and row["Reason not implemented"] == "" and row["Closed on"] == ""
    lines = status_history(store, rec_id)
    assert any(line.endswith(", Ben: outcome Closed — not implemented → Open") for line in lines[:3])
    assert any("reason “No budget in 2025” → " in line for line in lines)


def test_status_history_in_words(confirmed: tuple[Store, str]) -> None:
    store, rec_id = confirmed
    editing.set_recommendation(store, rec_id, by="Ana", status="in_progress")
    editing.set_recommendation(store, rec_id, by="Ben", status="done")
    lines = status_history(store, rec_id)
    assert ", Ben: status In progress → Done" in lines[0]
    row = readable_register(register_frame(store, TODAY)).set_index("Id").loc[rec_id]
    history = row["Status history"].split("; ")
    assert history[0].endswith(" Ana: Not started → In progress") and history[1].endswith(" Ben: In progress → Done")
    assert ", Ana: status Not started → In progress" in lines[1]


def test_register_download_has_words_for_headers_and_values(confirmed: tuple[Store, str]) -> None:
    store, rec_id = confirmed
    editing.set_recommendation(store, rec_id, by="Ana", status="in_progress", due_date="2020-01-01")
    table = export_frame(store, "recommendations", labels=True)
    for header in ("Recommendation", "Years raised", "Sessions raised in", "Status", "Outcome", "Owner", "Due date",
                   "Overdue", "Addressed to", "Themes", "Latest note", "Evidence", "Id"):
        assert header in table.columns
    assert not any("_" in column for column in table.columns)
    book = openpyxl.load_workbook(io.BytesIO(excel_bytes(table, "Register")))
    sheet = book["Register"]
    headers = [c.value for c in sheet[1]]
    first = dict(zip(headers, [c.value for c in sheet[2]], strict=True))
    assert first["Id"] == rec_id  # recurring first
    assert first["Status"] == "In progress" and first["Overdue"] == "Yes" and first["Recurring"] == "Yes"
    assert first["Years raised"] == "2022; 2023; 2024" and first["Outcome"] == "Open"


def test_cli_outcome_and_labelled_export(confirmed: tuple[Store, str]) -> None:
    store, rec_id = confirmed
    runner = CliRunner()
    refused = runner.invoke(cli, ["--db", str(store.path), "recommendation", rec_id, "--status", "done",
                                  "--outcome", "not_implemented", "--by", "Ana"])
    assert refused.exit_code == 1 and "needs a reason" in refused.output
    assert register_frame(store, TODAY).set_index("rec_id").loc[rec_id]["status"] == "not_started"  # nothing written
    done = runner.invoke(cli, ["--db", str(store.path), "recommendation", rec_id, "--status", "done", "--outcome",
                               "implemented", "--closed-on", "2026-10-01", "--by", "Ana"])
    assert done.exit_code == 0, done.output
    assert f"{rec_id}: outcome open -> implemented" in done.output
    out = runner.invoke(cli, ["--db", str(store.path), "export", "--what", "recommendations", "--labels"])
    rows = {r["Id"]: r for r in csv.DictReader(io.StringIO(out.output))}
    assert rows[rec_id]["Outcome"] == "Closed — implemented" and rows[rec_id]["Closed on"] == "2026-10-01"
    assert rows[rec_id]["Status"] == "Done"


def test_due_soon_is_not_overdue(confirmed: tuple[Store, str]) -> None:
    store, rec_id = confirmed
    editing.set_recommendation(store, rec_id, by="Ana", due_date=(TODAY + timedelta(days=3)).isoformat())
    assert not register_frame(store, TODAY).set_index("rec_id").loc[rec_id]["overdue"]


def test_by_addressee_counts_calls_by_status_and_recommendations(confirmed: tuple[Store, str]) -> None:
    from tracker.services.editing import set_item
    from tracker.services.register import by_addressee

    store, _ = confirmed
    tech = store.query("""SELECT i.item_id FROM items i JOIN item_analysis a USING (item_id)
                          WHERE list_contains(a.addressee, 'tech companies') AND i.in_source
                            AND i.kind IN ('takeaway', 'action') ORDER BY i.item_id""")["item_id"]
    assert len(tech) >= 2
    set_item(store, tech.iat[0], by="Ana", status="done")
    row = by_addressee(store).set_index("addressee").loc["tech companies"]
    assert row["calls"] == len(tech) and row["done"] == 1 and row["not_started"] == len(tech) - 1
    assert row["recommendations"] >= 1
    assert by_addressee(store, []).empty  # a scope without sessions


def test_a_sessions_overdue_items_are_marked_in_its_list(analyzed_store: Store) -> None:
    from tracker.services.editing import set_item
    from tracker.store.queries import ItemFilter, items_frame
    from tracker.ui.dashboard_data import OVERDUE_FLAG, items_html, overdue_mask

    item = str(analyzed_store.scalar("SELECT min(item_id) FROM items"))
    set_item(analyzed_store, item, by="Ana", due_date="2020-01-01")
    session = str(analyzed_store.scalar("SELECT session_id FROM items WHERE item_id = ?", [item]))
    items = items_frame(analyzed_store, ItemFilter(sessions=[session]))
    listed = [{"kind": r.kind, "status": r.status, "text": r.text, "overdue": bool(o)}
              for r, o in zip(items.itertuples(), overdue_mask(items), strict=True)]
    assert items_html(listed).count(OVERDUE_FLAG) == 1
