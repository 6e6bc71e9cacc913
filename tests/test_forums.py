"""Regional, national and youth IGF pages: the forum is its own field, with the session's type, number,
year and title; the IGF's own sessions keep their ids; the Tracker can be narrowed to one forum."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from tracker.reading.metadata import forum_name, parse_metadata
from tracker.store import Store
from tracker.store.loading import load_paths
from tracker.store.migrations import MIGRATIONS
from tracker.store.queries import ItemFilter, forums, items_frame, sessions_frame

ROOT = Path(__file__).resolve().parent.parent
EVAL_PAGES = ROOT / "tests" / "data" / "eval_pages"

TITLES = [  # first line of the page -> forum, year, type, number, title
    ("APrIGF 2025 Workshop #14 Keeping children safe online in a multilingual Asia-Pacific",
     "APrIGF", 2025, "Workshop", "14", "Keeping children safe online in a multilingual Asia-Pacific"),
    ("Asia Pacific Regional IGF 2024 Main Session #1: Child safety by design",
     "APrIGF", 2024, "Main Session", "1", "Child safety by design"),
    ("EuroDIG 2024 Messages from Vilnius on child safety", "EuroDIG", 2024, "", "",
     "Messages from Vilnius on child safety"),
    ("EuroDIG 2025 Workshop 3: Age verification in Europe", "EuroDIG", 2025, "Workshop", "3",
     "Age verification in Europe"),
    ("IGF-USA 2024 Kids Online Safety: what next?", "IGF-USA", 2024, "", "", "Kids Online Safety: what next?"),
    ("Youth IGF 2023 Workshop #2 Young people and online harms", "Youth IGF", 2023, "Workshop", "2",
     "Young people and online harms"),
    ("Youth IGF Summit on online safety", "Youth IGF", None, "", "", "Summit on online safety"),
    ("IGF Germany 2024 Workshop #5 Kinderschutz im Netz", "IGF Germany", 2024, "Workshop", "5", "Kinderschutz im Netz"),
    ("Nigeria Internet Governance Forum 2024 Open Forum #2 Child online protection", "Nigeria IGF", 2024,
     "Open Forum", "2", "Child online protection"),
    ("African IGF 2023 Workshop #7 Youth online", "AfIGF", 2023, "Workshop", "7", "Youth online"),
    ("Nigeria IGF 2025 — Workshop #3: Betting, gaming and our children", "Nigeria IGF", 2025, "Workshop", "3",
     "Betting, gaming and our children"),  # an em dash after the year, as a word processor writes it
    ("EuroDIG 2024 — Messages on child safety", "EuroDIG", 2024, "", "", "Messages on child safety"),
    ("IGF 2024 Open Forum #6 Promoting tech companies", "IGF", 2024, "Open Forum", "6", "Promoting tech companies"),
    ("IGF Open Forum #6 Promoting tech companies", "IGF", None, "Open Forum", "6", "Promoting tech companies"),
    # national and regional IGFs number their sessions plainly, or not at all
    ("Ghana IGF 2025 Session 4: Protecting our children online", "Ghana IGF", 2025, "Session", "4",
     "Protecting our children online"),
    ("Nigeria IGF 2025 — Session: Betting, gaming and our children", "Nigeria IGF", 2025, "Session", "",
     "Betting, gaming and our children"),
    ("APYIG 2025 Workshop #6 AI chatbots as our friends?", "APYIG", 2025, "Workshop", "6",
     "AI chatbots as our friends?"),
]


@pytest.mark.parametrize(("line", "forum", "year", "kind", "number", "title"), TITLES, ids=lambda v: str(v)[:24])
def test_a_title_gives_forum_type_number_year_and_title(line, forum, year, kind, number, title) -> None:
    meta = parse_metadata(f"{line}\n\nDescription\n\nA session.\n")
    assert (meta.forum, meta.year, meta.session_type, meta.number, meta.title) == (forum, year, kind, number, title)


def test_forum_names_are_one_name_each() -> None:
    assert forum_name("Asia Pacific Regional Internet Governance Forum") == "APrIGF"
    assert forum_name("European Dialogue on Internet Governance") == "EuroDIG"
    assert forum_name("Youth Internet Governance Forum") == "Youth IGF"
    assert forum_name("Kenya Internet Governance Forum") == "Kenya IGF"


def test_a_page_titled_without_its_forum_takes_it_from_the_forum_line() -> None:
    text = ("Workshop #14 Keeping children safe online\n\nAsia Pacific Regional Internet Governance Forum 2025\n"
            "Tuesday, 26th August, 2025 (02:00 UTC)\n")
    meta = parse_metadata(text)
    assert (meta.forum, meta.year, meta.session_type, meta.number) == ("APrIGF", 2025, "Workshop", "14")


def test_a_glance_page_takes_its_forum_and_year_from_its_related_event() -> None:
    """An AI "Session at a Glance" page names its forum only at its foot, under "Related event"; its first line is
    "Session 5: …" or "Workshop 12: …" with no "#". A speaker from a youth IGF must not make it an IGF page."""
    arab = parse_metadata((EVAL_PAGES / "t44_arabigf2025_session_glance.txt").read_text(encoding="utf-8"))
    assert (arab.forum, arab.year, arab.session_type, arab.number) == ("Arab IGF", 2025, "Session", "5")
    assert arab.title.startswith("Protecting Arab children from online grooming")
    brazil = parse_metadata((EVAL_PAGES / "t46_brazilforum2026_workshop_glance.txt").read_text(encoding="utf-8"))
    assert (brazil.forum, brazil.year, brazil.session_type, brazil.number) == \
        ("Fórum da Internet no Brasil", 2026, "Workshop", "12")
    assert brazil.title.startswith("Adultização, child influencers")
    igf = parse_metadata((ROOT / "seeds" / "002_5760351643d73f78.txt").read_text(encoding="utf-8"))
    assert (igf.forum, igf.year, igf.session_type, igf.number) == ("IGF", 2024, "Open Forum", "6")


def test_a_numbered_line_further_down_is_not_the_title() -> None:
    """Without "#", "Session 2: …" is a title only on the page's first line: further down it is a programme."""
    meta = parse_metadata("Protecting children online\n\nProgramme\nSession 2: Panel on helplines\n")
    assert (meta.session_type, meta.number, meta.title) == ("", "", "Protecting children online")


def test_regional_sessions_get_their_own_ids_and_igf_sessions_keep_theirs(store: Store) -> None:
    assert load_paths([EVAL_PAGES / "e04_aprigf2025_workshop.txt", EVAL_PAGES / "e09_eurodig2025_workshop.txt",
                       ROOT / "seeds"], store).ok
    sessions = sessions_frame(store).set_index("session_id")
    assert sessions.loc["2025-aprigf-workshop-14", ["forum", "year", "session_type", "number"]].tolist() == \
        ["APrIGF", 2025, "Workshop", "14"]
    assert sessions.loc["2025-eurodig-workshop-3", "title"].startswith("Age verification in Europe")
    igf = sessions[sessions["forum"] == "IGF"].index
    assert sorted(igf) == ["2022-launch-award-event-9", "2023-open-forum-15", "2024-launch-award-event-30",
                           "2024-open-forum-6", "2025-open-forum-28"]
    assert forums(store) == ["IGF", "APrIGF", "EuroDIG"]
    regional = items_frame(store, ItemFilter(forums=["APrIGF", "EuroDIG"]))
    assert set(regional["session_id"]) == {"2025-aprigf-workshop-14", "2025-eurodig-workshop-3"}
    assert len(regional) + len(items_frame(store, ItemFilter(forums=["IGF"]))) == len(items_frame(store))


def test_migration_007_marks_typed_sessions_as_igf_and_keeps_everything(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE schema_migrations (name VARCHAR PRIMARY KEY, applied_at TIMESTAMP)")
    before = [(name, m) for name, m in MIGRATIONS if name < "007"]
    for name, migration in before:
        migration(con)
        con.execute("INSERT INTO schema_migrations VALUES (?, now())", [name])
    con.execute("""INSERT INTO sessions (session_id, year, session_type, number, title) VALUES
                   ('2024-open-forum-6', 2024, 'Open Forum', '6', 'a'),
                   ('2025-x', 2025, NULL, NULL, 'APrIGF 2025 b')""")
    con.execute("""INSERT INTO documents VALUES ('a.txt', '2024-open-forum-6', 'outcomes', 'h', 'text', 0, ?)""",
                [datetime.now()])
    con.close()
    store = Store(path)
    sessions = sessions_frame(store).set_index("session_id")
    assert sessions.loc["2024-open-forum-6", "forum"] == "IGF"
    assert sessions.loc["2025-x", "forum"] is None or sessions.isna().loc["2025-x", "forum"]
    assert store.query("SELECT source, url FROM documents").values.tolist() == [["a.txt", None]]


def test_the_tracker_page_filters_by_forum(seed_store: Store) -> None:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    assert load_paths([EVAL_PAGES / "e04_aprigf2025_workshop.txt"], seed_store).ok
    regional = len(items_frame(seed_store, ItemFilter(forums=["APrIGF"], include_removed=False)))
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90).run()
    at.switch_page("tracker/ui/pages/tracker_page.py").run()
    assert at.multiselect(key="f_forums").options == ["APrIGF", "IGF"]
    at.multiselect(key="f_forums").set_value(["APrIGF"]).run()
    assert not at.exception, at.exception
    shown = next(m.value for m in at.markdown if "items shown" in m.value)
    assert int(shown.split("**")[1]) == regional > 0
    st.cache_data.clear()


def test_sessions_of_two_forums_with_the_same_number_are_told_apart(store: Store) -> None:
    """Ghana IGF and LACIGF both held a "Session 4" in 2025: every name of a session says its forum, and a
    session with a type but no number keeps its title in the short names."""
    from tracker.services.exporting import export_frame
    from tracker.services.register import session_labels

    assert load_paths([EVAL_PAGES / "t28_ghanaigf2025_session.txt", EVAL_PAGES / "t34_lacigf2025_session.txt",
                       EVAL_PAGES / "t41_nigeriaigf2025_session.txt", ROOT / "seeds" / "002_5760351643d73f78.txt"],
                      store).ok
    short = session_labels(store)
    assert short["2025-ghana-igf-session-4"] == "Ghana IGF 2025 Session #4"
    assert short["2025-lacigf-session-4"] == "LACIGF 2025 Session #4"
    assert short["2024-open-forum-6"] == "2024 Open Forum #6"  # the IGF's own, named as always
    nigeria = next(label for session_id, label in short.items() if "betting" in label.lower())
    assert nigeria.startswith("Nigeria IGF 2025 Session — Betting, gaming and our children")
    exported = export_frame(store, "items", labels=True)
    names = set(exported.iloc[:, 0])
    assert any(n.startswith("Ghana IGF 2025 Session #4 — Protecting our children online") for n in names)
    assert any(n.startswith("LACIGF 2025 Session #4 — Grooming in the online games") for n in names)
