"""Every history row is written by one function (store/history.py), every item inserted by one (store/items.py):
what the history says is decided in one place."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

from tracker.services.editing import set_item, set_recommendation
from tracker.store import Store
from tracker.store.history import Change, record
from tracker.store.queries import history_frame

PACKAGE = Path(__file__).resolve().parent.parent / "tracker"


def _writers(statement: str) -> set[str]:
    pattern = re.compile(statement.replace(" ", r"\s+"), re.I)
    return {p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py") if pattern.search(p.read_text("utf-8"))}


def test_history_and_items_are_each_written_in_one_place() -> None:
    assert _writers("INSERT INTO history") == {"store/history.py"}
    assert _writers("INSERT INTO items") == {"store/items.py"}


def test_recorded_changes_read_back_in_the_change_log(seed_store: Store) -> None:
    now = datetime(2026, 3, 2, 10, 14)
    seed_store.write(lambda con: record(con, [
        Change("recommendation", "R3", "due_date", None, date(2026, 4, 1), "Ana", now, "cli"),
        Change("person", "ed@example.org", "role", "viewer", "editor", "Boss", now, "roles")]))
    log = history_frame(seed_store, subject_id="R3")
    assert log[["subject", "field", "old_value", "new_value", "changed_by"]].values.tolist() == \
        [["recommendation", "due_date", None, "2026-04-01", "Ana"]]
    assert len(history_frame(seed_store, person="Boss")) == 1


def test_items_and_recommendations_are_followed_up_by_the_same_service(analyzed_store: Store) -> None:
    item = str(analyzed_store.scalar("SELECT item_id FROM items ORDER BY item_id LIMIT 1"))
    rec = str(analyzed_store.scalar("SELECT rec_id FROM recommendations ORDER BY rec_id LIMIT 1"))
    for subject, result in (("item", set_item(analyzed_store, item, by="Ana", owner="CFIS", due_date="2026-05-01")),
                            ("recommendation", set_recommendation(analyzed_store, rec, by="Ana", owner="CFIS",
                                                                  due_date="2026-05-01"))):
        assert result.subject == subject and result.changed["owner"] == ("", "CFIS")
        log = history_frame(analyzed_store, subject_id=result.subject_id)
        assert set(zip(log["field"], log["new_value"], strict=True)) >= {("owner", "CFIS"), ("due_date", "2026-05-01")}
        assert set(log["subject"]) == {subject}
