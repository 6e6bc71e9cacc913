"""Upgrading a database made by the first build: its groups become recommendations, nothing is lost."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb

from tests.conftest import copy_db
from tracker import analysis
from tracker.analysis.evaluate import PAGES
from tracker.services.importing import import_paths
from tracker.store import Store
from tracker.store.migrations import MIGRATIONS
from tracker.store.queries import history_frame


def test_groups_of_the_first_build_become_recommendations(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE schema_migrations (name VARCHAR PRIMARY KEY, applied_at TIMESTAMP)")
    for name, migration in MIGRATIONS[:2]:  # 001_core and 002_analysis, as the first build left them
        migration(con)
        con.execute("INSERT INTO schema_migrations VALUES (?, now())", [name])
    now = datetime.now()
    con.execute("INSERT INTO sessions (session_id, year, title) VALUES ('s22', 2022, 'a'), ('s23', 2023, 'b')")
    rows = [("i1", "s22", "action", "Strengthen international cooperation."),
            ("i2", "s23", "action", "International cooperation must be strengthened."),
            ("i3", "s23", "takeaway", "Teach digital literacy."), ("i4", "s23", "question", "How?")]
    for item_id, session, kind, text in rows:
        con.execute("""INSERT INTO items (item_id, session_id, kind, text, section, source, position, first_seen,
                                          status, owner) VALUES (?, ?, ?, ?, 'x', 'x', 0, ?, 'in_progress', 'CFIS')""",
                    [item_id, session, kind, text, now])
        con.execute("""INSERT INTO item_analysis (item_id, themes, themes_by, addressee, addressee_text, specificity,
                                                  specificity_note, group_id, analyzed_at)
                       VALUES (?, [], 'machine', [], '', 0, '', ?, ?)""",
                    [item_id, "gA" if item_id in ("i1", "i2", "i4") else "gB", now])
    con.execute("""INSERT INTO analysis_groups VALUES ('gA', 'Strengthen international cooperation', 'i1', [], TRUE),
                                                      ('gB', 'Teach digital literacy', 'i3', [], FALSE)""")
    con.close()

    store = Store(path)
    recs = analysis.recommendations_frame(store).set_index("title")
    cooperation = recs.loc["Strengthen international cooperation"]
    assert cooperation["item_ids"] == ["i1", "i2"] and cooperation["confirmed"]  # the question is not a call
    assert cooperation["years"] == [2022, 2023] and cooperation["pending"] == 0  # confirmed: all members
    assert not recs.loc["Teach digital literacy"]["confirmed"]
    items = store.query("SELECT item_id, status, owner FROM items ORDER BY item_id")
    assert set(items["status"]) == {"in_progress"} and set(items["owner"]) == {"CFIS"}  # follow-up kept
    assert "group_id" not in store.query("SELECT * FROM item_analysis LIMIT 0").columns


def test_history_of_the_last_release_is_kept_under_subject_id(tmp_path: Path) -> None:
    path = tmp_path / "last.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE schema_migrations (name VARCHAR PRIMARY KEY, applied_at TIMESTAMP)")
    for name, migration in MIGRATIONS:  # every migration of the last release: 011 came after it
        if name != "011_history_subject_id":
            migration(con)
            con.execute("INSERT INTO schema_migrations VALUES (?, now())", [name])
    now = datetime.now()
    con.executemany("""INSERT INTO history (item_id, field, old_value, new_value, changed_by, changed_at, via, subject)
                       VALUES (?, ?, ?, ?, 'Ana', ?, 'cli', ?)""",
                    [("R3", "status", "not_started", "done", now, "recommendation"),
                     ("ana@example.org", "role", None, "editor", now, "person")])
    con.close()

    store = Store(path)
    log = history_frame(store, subject_id="R3")
    assert log[["subject", "subject_id", "field", "new_value", "changed_by"]].values.tolist() == \
        [["recommendation", "R3", "status", "done", "Ana"]]
    assert store.scalar("SELECT count(*) FROM history WHERE subject_id = 'ana@example.org'") == 1
    assert "item_id" not in store.query("SELECT * FROM history LIMIT 0").columns


def test_calls_annotated_before_asks_were_kept_get_them_and_place_as_before(tmp_path: Path,
                                                                            analyzed_store: Store) -> None:
    """A tracker analysed before 0.7.0 has no stored asks (migration 015 adds the columns empty): the next
    import reads them, keeps them, and places its calls exactly as a tracker that had them all along."""
    page = tmp_path / "new.txt"
    page.write_text((PAGES / "e01_igf2025_open_forum.txt").read_text(encoding="utf-8"), encoding="utf-8")
    had_them = Store(copy_db(analyzed_store.path, tmp_path / "had_them.duckdb"))
    asks = "SELECT item_id, action_verbs, object_words, ask_verb FROM item_analysis ORDER BY item_id"
    before = analyzed_store.query(asks)
    assert len(before) >= 30 and before["ask_verb"].notna().all()  # every analysed item keeps its ask
    assert (before["ask_verb"] != "").sum() >= 10  # and the rules read one for most calls
    analyzed_store.write(lambda con: con.execute("UPDATE item_analysis SET action_verbs = NULL, object_words = NULL, "
                                                 "ask_verb = NULL"))

    for tracker in (analyzed_store, had_them):
        assert import_paths(tracker, [page]).report.ok
    after = analyzed_store.query(asks)
    assert after["ask_verb"].notna().all() and len(after) > len(before)
    assert after.astype(str).equals(had_them.query(asks).astype(str))
    places = "SELECT item_id, rec_id, state FROM memberships ORDER BY item_id"
    assert analyzed_store.query(places).equals(had_them.query(places))
    assert (analyzed_store.query(places)["state"] == "suggested").any()  # the new page's calls were placed
