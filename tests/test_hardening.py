"""Small hardenings from the adversarial run (issue "Reliability"): private database file, strict dates,
no control characters in what people type, no row injected through a carriage return in a CSV."""

from __future__ import annotations

import csv
import io
import stat

import pytest

from tracker.services.editing import EditError, set_item
from tracker.services.exporting import export_frame, write_frame
from tracker.store import Store


def test_the_database_is_readable_by_its_owner_only(seed_store: Store) -> None:
    set_item(seed_store, seed_store.scalar("SELECT min(item_id) FROM items"), by="Ana", notes="private")
    for path in (seed_store.path, seed_store.path.with_name(seed_store.path.name + ".wal")):
        if path.exists():
            assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, oct(path.stat().st_mode)


@pytest.mark.parametrize("due", ["2026-01-01garbage", "20260101garbage", "2026-13-01", "soon"])
def test_a_due_date_with_anything_after_it_is_refused(seed_store: Store, due: str) -> None:
    item_id = seed_store.scalar("SELECT min(item_id) FROM items")
    with pytest.raises(EditError, match="not a date"):
        set_item(seed_store, item_id, by="Ana", due_date=due)
    assert seed_store.scalar("SELECT due_date FROM items WHERE item_id = ?", [item_id]) is None


def test_dates_with_a_time_of_day_are_still_dates(seed_store: Store) -> None:
    item_id = seed_store.scalar("SELECT min(item_id) FROM items")
    set_item(seed_store, item_id, by="Ana", due_date="2026-03-01T00:00:00")
    assert str(seed_store.scalar("SELECT due_date FROM items WHERE item_id = ?", [item_id])) == "2026-03-01"


def test_control_characters_are_stripped_and_a_carriage_return_injects_no_row(seed_store: Store) -> None:
    item_id = seed_store.scalar("SELECT min(item_id) FROM items")
    set_item(seed_store, item_id, by="Ana", owner="CF\x00IS\x1b[31m", notes="ok\r=cmd|' /C calc'!A0\x07")
    owner, notes = seed_store.query("SELECT owner, notes FROM items WHERE item_id = ?", [item_id]).iloc[0]
    assert owner == "CFIS[31m" and notes == "ok\n=cmd|' /C calc'!A0"
    text = write_frame(export_frame(seed_store, "items"), "csv")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 1 + int(seed_store.scalar("SELECT count(*) FROM items"))  # no extra row
    assert not any(cell.startswith("=") for row in rows for cell in row)


def test_a_pipe_a_device_and_a_link_out_of_the_folder_are_refused_quickly(store: Store, tmp_path) -> None:
    import os
    import time

    from tracker.store.loading import load_paths

    folder = tmp_path / "pages"
    folder.mkdir()
    os.mkfifo(folder / "pipe.txt")  # reading it would block forever
    secret = tmp_path / "outside.txt"
    secret.write_text("IGF 2024 Open Forum #1 Outside\n\nKey Takeaways\n\nA takeaway from outside.\n")
    (folder / "link.txt").symlink_to(secret)
    started = time.monotonic()
    report = load_paths([folder, "/dev/zero", folder / "pipe.txt"], store)
    assert time.monotonic() - started < 10
    errors = {r.source: r.error for r in report.failed}
    assert "not a regular file" in errors["zero"] and "not a regular file" in errors["pipe.txt"]
    assert "link.txt" not in {r.source for r in report.results}  # the link leads out of the folder: not loaded
