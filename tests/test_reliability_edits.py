"""No lost edits: an organizer's status, owner, due date and notes survive every kind of re-load.

The scenario follows a year of use: edits are made, the same pages are loaded again, a page is
updated on the IGF site, an item disappears from a page (and comes back), and the same page
arrives again as an upload under another name. After each step every edit must still be there.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from tracker.services.editing import set_item
from tracker.store import Store
from tracker.store.loading import load_files, load_paths
from tracker.store.queries import ItemFilter, history_frame, items_frame

EDIT_COLUMNS = ["status", "owner", "due_date", "notes", "version"]
OUTCOMES_2022 = "000_b1319ff3bb3a17cc.txt"
GLANCE_2024 = "002_5760351643d73f78.txt"


def _edit_everything(store: Store) -> pd.DataFrame:
    """Give every item of two pages a distinct status/owner/due date/notes; return what was set."""
    items = items_frame(store, ItemFilter(sessions=["2022-launch-award-event-9", "2024-open-forum-6"]))
    assert len(items) == 26
    statuses = ["in_progress", "done", "dropped"]
    for n, item_id in enumerate(items["item_id"]):
        set_item(store, item_id, by=f"organizer{n % 3}", status=statuses[n % 3], owner=f"Owner <{n}> & co",
                 due_date=date(2026, 1 + n % 12, 1 + n % 28), notes=f"note {n}: *follow up* <b>with</b> MAG")
    return _edits(store)


def _edits(store: Store) -> pd.DataFrame:
    return items_frame(store).set_index("item_id")[EDIT_COLUMNS + ["in_source", "text"]]


def _assert_edits_kept(before: pd.DataFrame, store: Store) -> pd.DataFrame:
    after = _edits(store)
    edited = before[before["owner"] != ""]
    pd.testing.assert_frame_equal(after.loc[edited.index, EDIT_COLUMNS], edited[EDIT_COLUMNS])
    return after


def _first_takeaway(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    start = text.index("Key Takeaways (* deadline")
    paragraph = text[start:].split("\n\n")[1]
    assert paragraph.startswith("The establishment of artificial intelligence")
    return paragraph


@pytest.mark.slow
def test_edits_survive_reloads_changed_pages_removed_items_and_uploads(seed_store: Store, seeds_dir: Path):
    store = seed_store
    before = _edit_everything(store)
    history_rows = len(history_frame(store))
    assert history_rows == 26 * 4

    # 1. the same files again: nothing is re-parsed, nothing changes
    report = load_paths([seeds_dir], store)
    assert report.count("unchanged") == 5
    _assert_edits_kept(before, store)

    # 2. the page changed on the IGF site: report text reworded and one new call to action
    page = seeds_dir / OUTCOMES_2022
    original = page.read_text(encoding="utf-8")
    changed = original.replace("Due to the impact of the pandemic", "Because of the pandemic")
    changed = changed.replace("Session Report (* deadline",
                              "Governments should publish their child online safety plans by 2025.\n\n"
                              "Session Report (* deadline", 1)
    page.write_text(changed, encoding="utf-8")
    report = load_paths([page], store)
    assert report.results[0].status == "updated"
    assert report.results[0].items_new == 1 and report.results[0].items_gone == 0
    after = _assert_edits_kept(before, store)
    new = after[after["text"].str.startswith("Governments should publish")]
    assert new[["status", "owner", "notes", "version"]].values.tolist() == [["not_started", "", "", 0]]

    # 3. an edited takeaway vanished from the page: marked, never deleted, edits intact
    takeaway = _first_takeaway(page)
    page.write_text(changed.replace(takeaway + "\n\n", ""), encoding="utf-8")
    report = load_paths([page], store)
    assert report.results[0].items_gone == 1
    after = _assert_edits_kept(before, store)
    gone = after[after["text"] == takeaway]
    assert len(gone) == 1 and not gone["in_source"].iloc[0]
    gone_id = gone.index[0]
    assert before.loc[gone_id, "status"] != "not_started" and before.loc[gone_id, "notes"].startswith("note ")
    assert gone_id not in set(items_frame(store, ItemFilter(include_removed=False))["item_id"])
    marks = history_frame(store, gone_id)
    assert ((marks["field"] == "in_source") & (marks["new_value"] == "false") & (marks["via"] == "loader")).sum() == 1

    # an organizer can still follow up a removed item
    set_item(store, gone_id, by="organizer0", notes="still relevant although the page dropped it")

    # 4. the takeaway is back on the page: same item, same edits, in the source again
    page.write_text(changed, encoding="utf-8")
    report = load_paths([page], store)
    assert report.results[0].items_new == 0
    after = _edits(store)
    assert bool(after.loc[gone_id, "in_source"])
    assert after.loc[gone_id, "notes"] == "still relevant although the page dropped it"
    assert after.loc[gone_id, "status"] == before.loc[gone_id, "status"]

    # 5. the 2024 report uploaded again under another name (and with Windows line endings)
    glance = (seeds_dir / GLANCE_2024).read_bytes().replace(b"\n", b"\r\n")
    report = load_files([("session report (copy).txt", glance)], store)
    assert report.ok and report.results[0].items_new == 0
    kept = before.drop(index=gone_id)
    _assert_edits_kept(kept, store)

    # every user edit is in the history exactly once, plus the loader's two in_source marks and one note
    history = history_frame(store)
    assert (history["via"] != "loader").sum() == history_rows + 1
    assert (history["via"] == "loader").sum() == 2
    assert int(store.scalar("SELECT count(*) FROM items")) == int(store.scalar(
        "SELECT count(DISTINCT item_id) FROM items"))


@pytest.mark.slow
def test_an_edit_is_kept_when_the_page_is_reloaded_many_times(seed_store: Store, seeds_dir: Path):
    """Flip-flopping pages (an item dropped and restored over and over) never reset an edit or lose history."""
    store = seed_store
    page = seeds_dir / OUTCOMES_2022
    original = page.read_text(encoding="utf-8")
    takeaway = _first_takeaway(page)
    item_id = items_frame(store, ItemFilter(text=takeaway[:60]))["item_id"].item()
    set_item(store, item_id, by="ana", status="in_progress", owner="Ana", notes="draft a letter")
    for round_ in range(5):
        page.write_text(original.replace(takeaway + "\n\n", ""), encoding="utf-8")
        load_paths([page], store)
        page.write_text(original, encoding="utf-8")
        load_paths([page], store)
        set_item(store, item_id, by="ana", notes=f"draft a letter (round {round_})")
    row = items_frame(store, ItemFilter(text=takeaway[:60])).iloc[0]
    assert (row["status"], row["owner"], row["notes"], bool(row["in_source"])) == (
        "in_progress", "Ana", "draft a letter (round 4)", True)
    history = history_frame(store, item_id)
    assert (history["field"] == "in_source").sum() == 10
    assert (history["field"] == "notes").sum() == 6
