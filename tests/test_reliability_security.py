"""Hostile content: search text never changes the SQL, and file names never leave the data folder.

The search box of the Tracker page feeds ``ItemFilter.text``; whatever a user types must be matched
as literal text (``%`` and ``_`` included) against the same rows a plain substring search finds.
Uploaded file names become document names through ``safe_source_name``: a plain base name.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.reading.files import safe_source_name
from tracker.services.editing import UnknownItem, set_item
from tracker.store import Store
from tracker.store.loading import load_files
from tracker.store.queries import ItemFilter, counts, history_frame, item_row, items_frame

ROOT = Path(__file__).resolve().parent.parent
TABLES = {"sessions", "documents", "items", "occurrences", "history", "schema_migrations"}

WILDCARD_PAGE = """IGF 2023 Workshop #99 Wildcards, quotes & <b>markup</b>

Key Takeaways

100% of schools should teach digital literacy by 2030.

The national snake_case_registry of child helplines must be public.

Store paths like C:\\new\\table and 50\\% discounts literally.

Call to Action

'; DROP TABLE items; -- is what one participant typed into the chat, and it must stay text.

<script>alert('x')</script> and **bold** and [a link](javascript:alert(1)) show as written.
"""


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """The seeds plus a page whose items contain SQL, wildcards, quotes and markup; owners and notes too."""
    store = Store(tmp_path_factory.mktemp("security") / "tracker.duckdb")
    report = load_files([(p, None) for p in sorted((ROOT / "seeds").iterdir())]
                        + [("wildcards.txt", WILDCARD_PAGE.encode())], store)
    assert report.ok, report.summary()
    ids = list(items_frame(store)["item_id"])
    set_item(store, ids[0], by="x'); DELETE FROM items; --", owner="O'Brien_100%", notes="50% done; see a_b")
    set_item(store, ids[1], by="tester", owner="Robert'); DROP TABLE students;--", notes="\\% literal backslash")
    return store


def _tables(store: Store) -> set[str]:
    return set(store.query("SELECT table_name FROM information_schema.tables")["table_name"])


def _expected(everything: pd.DataFrame, text: str) -> list[str]:
    """What a plain case-insensitive substring search over text, notes, owner and title finds."""
    needle = text.strip().lower()
    if not needle:
        return sorted(everything["item_id"])
    hay = everything[["text", "notes", "owner", "session_title"]].fillna("").apply(lambda c: c.str.lower())
    hit = hay.apply(lambda c: c.str.contains(needle, regex=False)).any(axis=1)
    return sorted(everything.loc[hit, "item_id"])


def _search(store: Store, text: str) -> list[str]:
    return sorted(items_frame(store, ItemFilter(text=text))["item_id"])


@pytest.mark.parametrize("text, expected_start", [
    ("'; DROP TABLE items; --", ["'; DROP TABLE items;"]),
    ("%", ["100% of schools", "Store paths like"]),
    ("_", ["The national snake_case"]),
    ("100%", ["100% of schools"]),
    ("snake_case", ["The national snake_case"]),
    ("s_ake", []),  # `_` is not a wildcard
    ("1%0", []),  # nor is `%`
    ("C:\\new\\table", ["Store paths like"]),
    ("\\%", ["Store paths like"]),
    ("<script>", ["<script>alert('x')</script>"]),
    ("' OR '1'='1", []),
    ("O'Brien", None),  # matched through the owner column
])
def test_search_text_is_matched_literally(hostile_store: Store, text: str, expected_start: list[str] | None):
    everything = items_frame(hostile_store)
    found = items_frame(hostile_store, ItemFilter(text=text))
    assert sorted(found["item_id"]) == _expected(everything, text)
    if expected_start is not None:  # the items whose own text matched, as the user would read them
        matched = sorted(t for t in found["text"] if text.lower() in t.lower())
        assert len(matched) == len(expected_start)
        assert all(t.startswith(s) for t, s in zip(matched, sorted(expected_start), strict=True))
    assert _tables(hostile_store) >= TABLES
    assert counts(hostile_store)["items"] == len(everything)


@pytest.mark.slow
@settings(max_examples=80, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.text(st.characters(codec="ascii", exclude_categories=["Cc"]), max_size=30)
       | st.sampled_from(["%", "_", "%%", "\\", "'", "''", '"', ";", "--", "/*", "*/", "% OR 1=1", "a%b_c"]))
def test_any_typed_search_finds_exactly_the_substring_matches(hostile_store: Store, text: str) -> None:
    before = len(items_frame(hostile_store))
    assert _search(hostile_store, text) == _expected(items_frame(hostile_store), text)
    assert len(items_frame(hostile_store)) == before


def test_other_filters_and_lookups_take_values_as_parameters(hostile_store: Store) -> None:
    attack = "x' OR '1'='1"
    for flt in (ItemFilter(sessions=[attack]), ItemFilter(kinds=[attack]), ItemFilter(statuses=[attack]),
                ItemFilter(owners=[attack, "'; DROP TABLE items; --"])):
        assert items_frame(hostile_store, flt).empty
    owner = "Robert'); DROP TABLE students;--"
    assert len(items_frame(hostile_store, ItemFilter(owners=[owner]))) == 1
    assert item_row(hostile_store, attack) is None
    assert history_frame(hostile_store, subject_id=attack).empty
    assert history_frame(hostile_store, person="' OR 1=1 --").empty
    assert len(history_frame(hostile_store, person="x'); DELETE FROM items; --")) == 2
    with pytest.raises(UnknownItem):
        set_item(hostile_store, attack, by="tester", notes="x")
    assert _tables(hostile_store) >= TABLES
    assert counts(hostile_store)["items"] == len(items_frame(hostile_store)) > 30


def test_markup_in_items_is_stored_as_written(hostile_store: Store) -> None:
    texts = set(items_frame(hostile_store)["text"])
    assert "<script>alert('x')</script> and **bold** and [a link](javascript:alert(1)) show as written." in texts
    assert "'; DROP TABLE items; -- is what one participant typed into the chat, and it must stay text." in texts


# ---------------------------------------------------------------- file names

@pytest.mark.parametrize("name, expected", [
    ("../../etc/passwd", "passwd"),
    ("..\\x", "x"),
    ("..\\..\\Windows\\system32\\config", "config"),
    ("C:\\Users\\ana\\IGF 2023 report (final).txt", "IGF 2023 report (final).txt"),
    ("/absolute/path/page.html", "page.html"),
    ("page\x00.txt\x00../../x", "x"),
    ("a\x00b.txt", "a_b.txt"),
    ("line\nbreak\r.txt", "line_break_.txt"),
    ("Sesión №7 — 儿童.txt", "Sesión _7 _ 儿童.txt"),
    ("..", "unnamed"),
    ("", "unnamed"),
    ("...", "unnamed"),
    (".hidden", "hidden"),
    ("foo/..", "unnamed"),
    ("$(rm -rf ~);`id`|&>.txt", "_(rm -rf _)_id_.txt"),
])
def test_file_names_become_plain_base_names(name: str, expected: str) -> None:
    assert safe_source_name(name) == expected


@settings(max_examples=400, deadline=None, database=None)
@given(st.text(max_size=300) | st.lists(st.sampled_from(["..", ".", "/", "\\", "a", "\x00", "\n", "~", ":"]),
                                         max_size=20).map("".join))
def test_no_file_name_can_point_outside_the_data_folder(name: str) -> None:
    safe = safe_source_name(name)
    assert safe and len(safe) <= 120
    assert "/" not in safe and "\\" not in safe and not safe.startswith(".")
    assert not any(ch in safe for ch in "\x00\n\r\t") and safe not in (".", "..")
    data = Path("/srv/tracker/data")
    assert (data / safe).resolve().parent == data
    assert os.path.basename(safe) == safe


def test_hostile_upload_names_write_no_file_and_are_stored_by_base_name(store: Store, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "work" / "data"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    # four different sessions' pages (one session's page under four names would be one document)
    pages = [p.read_bytes() for p in sorted((ROOT / "seeds").glob("*.txt"))[:4]]
    names = ["../../escape.txt", "..\\..\\escape2.txt", "/tmp/escape3.txt", "sub/dir/\x00evil.txt"]
    before = sorted(p for p in tmp_path.rglob("*") if "tracker.duckdb" not in p.name)
    report = load_files(list(zip(names, pages, strict=True)), store)
    assert [r.source for r in report.results] == ["escape.txt", "escape2.txt", "escape3.txt", "_evil.txt"]
    assert sorted(store.query("SELECT source FROM documents")["source"]) == sorted(r.source for r in report.results)
    after = sorted(p for p in tmp_path.rglob("*") if "tracker.duckdb" not in p.name)
    assert after == before
