"""Loading into DuckDB: counts, idempotent reloads, edits kept, vanished items marked, bad files isolated."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import variants
from tracker.services.editing import set_item
from tracker.store import Store, migrations
from tracker.store.loading import load_files, load_paths
from tracker.store.queries import counts, item_row, items_frame, sessions_frame

S2022 = "000_b1319ff3bb3a17cc.txt"
S2024 = "002_5760351643d73f78.txt"


def snapshot(store: Store) -> dict[str, list]:
    """Every row of every table, for 'nothing changed' comparisons."""
    def read(con):
        tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
        return {t: sorted(map(repr, con.execute(f'SELECT * FROM "{t}"').fetchall())) for t in tables}
    return store.read(read)


def test_seeds_load_with_expected_counts(seed_store: Store):
    numbers = counts(seed_store)
    assert numbers["sessions"] == 5
    assert numbers["takeaways"] == 2 + 2 + 8
    assert numbers["actions"] == 2 + 2 + 5
    assert numbers["questions"] == 9
    assert numbers["without_outcomes"] == 2
    items = items_frame(seed_store)
    by_year = items.groupby(["year", "kind"]).size().to_dict()
    assert by_year == {(2022, "action"): 2, (2022, "takeaway"): 2, (2023, "action"): 2, (2023, "takeaway"): 2,
                       (2024, "action"): 5, (2024, "question"): 9, (2024, "takeaway"): 8}
    assert set(items["status"]) == {"not_started"}
    assert set(items["owner"]) == {""}
    assert items["in_source"].all()


def test_sessions_table_flags_sessions_without_outcomes(seed_store: Store):
    sessions = sessions_frame(seed_store).set_index("source")
    assert not sessions.loc["003_25d1d3cd035a7625.txt", "has_outcomes"]
    assert not sessions.loc["004_496a218183d0acf1.txt", "has_outcomes"]
    assert sessions.loc[S2024, "item_count"] == 22
    assert sessions.loc[S2024, "year"] == 2024
    assert sessions.loc[S2022, "sdgs"] == "16.1 16.2 16.10"


def test_repeated_takeaway_records_both_sections(seed_store: Store):
    items = items_frame(seed_store)
    row = items[items["text"].str.startswith("A multi-stakeholder, collaborative approach")].iloc[0]
    assert row["section"] == "Key Takeaways and Action Items | Key Takeaways"
    places = seed_store.query("SELECT section FROM occurrences WHERE item_id = ? ORDER BY position", [row["item_id"]])
    assert list(places["section"]) == ["Key Takeaways and Action Items", "Key Takeaways"]


def test_reloading_the_same_files_changes_nothing(seed_store: Store, seeds_dir: Path):
    before = snapshot(seed_store)
    report = load_paths([seeds_dir], seed_store)
    assert report.count("unchanged") == 5 and report.count("added") == 0
    assert snapshot(seed_store) == before


def test_ids_are_stable_across_databases(seed_store: Store, seeds_dir: Path, tmp_path: Path):
    other = Store(tmp_path / "other.duckdb")
    load_paths([seeds_dir], other)
    assert sorted(items_frame(other)["item_id"]) == sorted(items_frame(seed_store)["item_id"])


def test_reloading_an_edited_document_keeps_edits_and_marks_vanished_items(seed_store: Store, seeds_dir: Path):
    items = items_frame(seed_store)
    kept = items[items["text"].str.startswith("International cooperation should be strengthened")].iloc[0]
    gone = items[items["text"].str.startswith("We hope that UNICEF")].iloc[0]
    set_item(seed_store, kept["item_id"], status="in_progress", owner="CFIS", notes="raised with UNICEF", by="Ana")
    set_item(seed_store, gone["item_id"], status="done", owner="UNICEF China", due_date="2025-06-30", by="Ana")

    page = seeds_dir / S2022
    text = page.read_text(encoding="utf-8")
    gone_paragraph = next(p for p in text.split("\n\n") if p.startswith("We hope that UNICEF"))
    edited = text.replace(gone_paragraph, "Governments should fund digital literacy programmes for parents.")
    edited = edited.replace("Press Briefing Room", "Press Room B")  # an edit outside the items
    page.write_text(edited, encoding="utf-8")

    report = load_paths([seeds_dir], seed_store)
    assert report.count("updated") == 1 and report.count("unchanged") == 4
    assert report.results[0].items_new == 1 and report.results[0].items_gone == 1

    after_kept = item_row(seed_store, kept["item_id"])
    assert (after_kept["status"], after_kept["owner"], after_kept["notes"]) == ("in_progress", "CFIS",
                                                                                "raised with UNICEF")
    assert after_kept["in_source"]
    after_gone = item_row(seed_store, gone["item_id"])
    assert after_gone is not None, "a vanished item must never be deleted"
    assert not after_gone["in_source"]
    assert (after_gone["status"], after_gone["owner"]) == ("done", "UNICEF China")
    new = items_frame(seed_store)
    assert new["text"].str.startswith("Governments should fund digital literacy").sum() == 1
    history = seed_store.query("SELECT field, old_value, new_value, changed_by FROM history WHERE subject_id = ?",
                               [gone["item_id"]])
    assert ("in_source", "true", "false", "loader") in set(map(tuple, history.values.tolist()))

    # the paragraph comes back: the item is live again with its follow-up intact
    page.write_text(text, encoding="utf-8")
    load_paths([seeds_dir], seed_store)
    back = item_row(seed_store, gone["item_id"])
    assert back["in_source"] and back["status"] == "done"


def test_same_page_in_another_rendering_joins_the_same_session(seed_store: Store, seeds_dir: Path):
    html = variants.to_html((seeds_dir / S2022).read_text(encoding="utf-8"))
    report = load_files([("launch-event-2022.html", html)], seed_store)
    assert report.ok and report.results[0].items_new == 0
    assert counts(seed_store)["sessions"] == 5
    assert len(items_frame(seed_store)) == 30


BAD_FILES = {
    "empty.txt": (b"", "empty file"),
    "blank.txt": (b"  \n\r\n\t ", "empty file"),
    "report.pdf": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "not a valid PDF"),
    "image.txt": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary file"),
    "nul.txt": (b"Key Takeaways\n\x00\x01\x02\x03binary", "binary file"),
    "undecodable.txt": (b"Key Takeaways\n\x81\x8d\x8f\x90\x9d broken bytes", "undecodable bytes"),
    "shopping.txt": (b"Milk\nEggs\nBread, butter and jam for the weekend.\n", "no IGF session page recognized"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_file_gets_one_clear_line_and_the_rest_loads(store: Store, seeds_dir: Path, name: str):
    data, reason = BAD_FILES[name]
    (seeds_dir / name).write_bytes(data)
    report = load_paths(sorted(seeds_dir.iterdir()), store)
    failed = report.failed
    assert len(failed) == 1
    message = failed[0].error
    assert message.startswith(f"{name}: ") and reason in message and "\n" not in message
    assert not report.ok
    assert counts(store)["sessions"] == 5 and len(items_frame(store)) == 30


def test_bad_file_leaves_the_database_unchanged(seed_store: Store, tmp_path: Path):
    before = snapshot(seed_store)
    report = load_files([("broken.txt", b"\x00\x00garbage")], seed_store)
    assert not report.ok
    assert snapshot(seed_store) == before


def test_a_document_that_fails_to_store_does_not_block_the_batch(store: Store, seeds_dir: Path, monkeypatch):
    from tracker.store import documents

    real = documents._apply_batch

    def failing(con, batch, now):
        if any(p.source == S2024 for p in batch):
            con.execute("SELECT * FROM no_such_table")  # a storage error in the middle of the batch
        return real(con, batch, now)

    monkeypatch.setattr(documents, "_apply_batch", failing)
    report = load_paths([seeds_dir], store)
    assert [r.source for r in report.failed] == [S2024]
    assert "could not be stored" in report.failed[0].error
    assert counts(store)["sessions"] == 4  # the other four documents are whole
    assert store.scalar("SELECT count(*) FROM occurrences WHERE source = ?", [S2024]) == 0


def test_existing_database_is_migrated_forward_and_keeps_its_data(tmp_path: Path, seeds_dir: Path, monkeypatch):
    path = tmp_path / "old.duckdb"
    # the schema this build writes (the loader needs all of it); test_migrations covers older schemas
    first_only = list(migrations.MIGRATIONS)

    def add_column(con):
        con.execute("ALTER TABLE sessions ADD COLUMN venue VARCHAR")

    monkeypatch.setattr(migrations, "MIGRATIONS", first_only)
    from tracker.store import db as store_db

    store_db._migrated.discard(str(path.resolve()))
    old = Store(path)
    load_paths([seeds_dir], old)
    set_item(old, items_frame(old)["item_id"].iloc[0], status="done", by="Ana")

    monkeypatch.setattr(migrations, "MIGRATIONS", first_only + [("999_venue", add_column)])
    store_db._migrated.discard(str(path.resolve()))
    upgraded = Store(path)
    assert upgraded.scalar("SELECT count(*) FROM items WHERE status = 'done'") == 1
    assert "venue" in set(upgraded.query("DESCRIBE sessions")["column_name"])
    assert upgraded.scalar("SELECT count(*) FROM schema_migrations WHERE name = '999_venue'") == 1


def test_files_parsed_before_the_load_are_stored_as_read_under_the_load_names(store: Store, seeds_dir: Path):
    """Uploads the preview parsed go to the load as they are: two of one name are told apart, a bad one is one
    failed line naming it, and the parses handed in keep their own names for the next step."""
    from tracker.reading.parsed import parse_file

    first, second = (seeds_dir / S2022).read_bytes(), (seeds_dir / S2024).read_bytes()
    pages = [parse_file("a/page.txt", first), parse_file("b/page.txt", second),
             parse_file("bad.txt", b"\x00\x00garbage")]
    report = load_files(pages, store)
    assert [(r.source, r.status) for r in report.results] == [
        ("page.txt", "added"), ("b_page.txt", "added"), ("bad.txt", "failed")]
    assert report.failed[0].error.startswith("bad.txt: ")
    assert [p.source for p in pages] == ["page.txt", "page.txt", "bad.txt"]
    assert set(items_frame(store)["source"]) == {"page.txt", "b_page.txt"}
    again = load_files(pages[:2], store)  # the same bytes: skipped by their content hash
    assert [r.status for r in again.results] == ["unchanged", "unchanged"]
