"""Every dashboard page under Streamlit's AppTest, against a temporary database ($TRACKER_DB).

AppTest cannot type into st.data_editor (its save path is tested in test_dashboard_data.py);
edits here go through the Tracker's item form, bulk update and suggestion buttons.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import tracker.reading
from tracker import analysis
from tracker.edits import set_item
from tracker.loader import load_files
from tracker.queries import counts, history_frame, item_row, items_frame, sessions_frame
from tracker.store import Store

ROOT = Path(__file__).resolve().parent.parent
PAGES = {"overview": "tracker/pages/overview.py", "tracker": "tracker/pages/tracker_page.py",
         "recurring": "tracker/pages/recurring.py", "sessions": "tracker/pages/sessions.py",
         "plan": "tracker/pages/plan.py", "add": "tracker/pages/add_report.py", "history": "tracker/pages/history.py"}
HOSTILE = b"""IGF 2026 Open Forum #99 Hostile <script>alert(1)</script> markup test

    Key Takeaways

    Children need safer platforms <script>alert(1)</script> and <img src=x onerror=alert(1)> with **bold** claims.

    Call to Action

    Platforms must act now on <b>markup</b>, $x$ maths, :red[colour] and [a link](javascript:alert(1)).
"""


@pytest.fixture(autouse=True)
def fresh_caches() -> None:
    # st.cache_data is module level and outlives one AppTest: never let a test see another's rows
    st.cache_data.clear()
    yield
    st.cache_data.clear()


def _app(page: str | None = None, name: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90).run()
    assert not at.exception, at.exception
    if name:
        at.text_input(key="_name_input").set_value(name).run()
    if page:
        at.switch_page(PAGES[page]).run()
        assert not at.exception, at.exception
    return at


def _button(at: AppTest, label: str):
    matches = [b for b in at.button if b.label == label] or [b for b in at.button if b.label.startswith(label)]
    assert matches, f"no button {label!r} in {[b.label for b in at.button]}"
    return matches[0]


def _shown(at: AppTest) -> int:
    line = next(m.value for m in at.markdown if "items shown" in m.value)
    return int(line.split("**")[1])


def test_first_run_loads_the_seeds_and_overview_shows_headline_numbers(store: Store) -> None:
    assert not store.exists()
    at = _app()
    numbers = counts(store)
    assert numbers["sessions"] == 5 and numbers["takeaways"] == 12
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Sessions"] == "5"
    assert metrics["Key takeaways"] == "12"
    assert metrics["Calls to action"] == str(numbers["actions"])
    assert metrics["Sessions without published outcomes"] == "2"
    assert metrics["Share done"] == "0%"
    groups = analysis.groups_frame(store)
    expected = "–" if groups.empty else str(int(groups["recurring"].astype(bool).sum()))
    assert metrics["Recurring recommendations"] == expected
    assert [t.value for t in at.title] == ["Overview"]
    assert {"What came back", "Progress by year first made"} <= {s.value for s in at.subheader}


def test_overview_before_any_analysis_offers_to_run_it(seed_store: Store, monkeypatch) -> None:
    monkeypatch.setattr(analysis, "groups_frame", lambda store, recurring_only=False: analysis.pd.DataFrame(
        columns=analysis.GROUP_COLUMNS))
    at = _app()
    assert any("has not been run" in i.value for i in at.info)
    assert {m.label: m.value for m in at.metric}["Recurring recommendations"] == "–"


def test_tracker_filters_narrow_the_table(seed_store: Store) -> None:
    at = _app("tracker")
    total = _shown(at)
    assert total == counts(seed_store)["items"]
    assert len(at.dataframe[0].value) == total
    at.multiselect(key="f_years").set_value([2024]).run()
    in_2024 = _shown(at)
    assert 0 < in_2024 < total
    at.multiselect(key="f_kinds").set_value(["action"]).run()
    actions_2024 = _shown(at)
    assert 0 < actions_2024 < in_2024
    grid = at.dataframe[0].value
    assert len(grid) == actions_2024 and set(grid["year"]) == {2024} and set(grid["kind"]) == {"Call to action"}
    at.multiselect(key="f_years").set_value([]).run()
    at.multiselect(key="f_kinds").set_value([]).run()
    at.text_input(key="f_text").set_value("UNICEF").run()
    assert 0 < _shown(at) < total
    at.text_input(key="f_text").set_value("no item says this").run()
    assert _shown(at) == 0 and any("No items match" in i.value for i in at.info)


def test_tracker_item_form_saves_status_and_owner_with_history(seed_store: Store) -> None:
    at = _app("tracker", name="Ana Editor")
    item = items_frame(seed_store)["id"].iloc[3]
    at.selectbox(key="edit_item").set_value(item).run()
    at.selectbox(key=f"status-{item}-0").set_value("in_progress")
    at.text_input(key=f"owner-{item}-0").set_value("UNICEF China")
    at.text_area(key=f"notes-{item}-0").set_value("Met in March <b>ok</b>")
    _button(at, "Save").click().run()
    assert not at.exception
    row = item_row(seed_store, item)
    assert (row["status"], row["owner"], row["notes"], row["updated_by"]) == \
        ("in_progress", "UNICEF China", "Met in March <b>ok</b>", "Ana Editor")
    log = history_frame(seed_store, item_id=item)
    assert sorted(log["field"]) == ["notes", "owner", "status"]
    assert set(log["changed_by"]) == {"Ana Editor"} and set(log["via"]) == {"dashboard"}
    assert any("Saved" in s.value for s in at.success)
    # the form now shows the saved values (new version)
    assert at.selectbox(key=f"status-{item}-1").value == "in_progress"
    assert at.text_input(key=f"owner-{item}-1").value == "UNICEF China"


def test_saving_without_a_name_is_refused(seed_store: Store) -> None:
    at = _app("tracker")
    item = at.selectbox(key="edit_item").value
    at.selectbox(key=f"status-{item}-0").set_value("done")
    _button(at, "Save").click().run()
    assert any("Enter your name" in e.value for e in at.error)
    assert item_row(seed_store, item)["status"] == "not_started"
    assert history_frame(seed_store).empty


def test_a_change_by_someone_else_is_not_overwritten(seed_store: Store) -> None:
    at = _app("tracker", name="Ana")
    item = at.selectbox(key="edit_item").value
    set_item(seed_store, item, by="Ben", owner="Ben's team")  # while Ana has the form open
    at.text_input(key=f"owner-{item}-0").set_value("Ana's team")
    _button(at, "Save").click().run()
    assert item_row(seed_store, item)["owner"] == "Ben's team"
    assert any("Ben changed this item" in w.value for w in at.warning)
    both = next(d.value for d in at.dataframe if "field" in d.value.columns)
    assert both.iloc[0].to_dict() == {"field": "owner", "saved by Ben": "Ben's team", "yours (not saved)": "Ana's team"}
    _button(at, "Save mine over theirs").click().run()
    assert item_row(seed_store, item)["owner"] == "Ana's team"
    assert list(history_frame(seed_store, item_id=item)["changed_by"]) == ["Ana", "Ben"]


def test_bulk_update_of_the_filtered_items(seed_store: Store) -> None:
    at = _app("tracker", name="Bulk Person")
    at.multiselect(key="f_years").set_value([2023]).run()
    ids = set(at.dataframe[0].value["id"])
    at.checkbox(key="bulk_all").check().run()
    at.selectbox(key="bulk_status").set_value("done")
    at.text_input(key="bulk_owner").set_value("ITU")
    at.run()
    _button(at, "Apply to").click().run()
    frame = items_frame(seed_store).set_index("id")
    assert set(frame[frame["status"] == "done"].index) == ids
    assert set(frame.loc[list(ids), "owner"]) == {"ITU"}
    assert set(history_frame(seed_store)["via"]) == {"bulk"}


def test_suggested_owner_button(seed_store: Store) -> None:
    analysis.analyze(seed_store)
    notes = analysis.item_annotations(seed_store)
    with_addressee = notes[notes["addressee"].map(lambda a: a is not None and len(a) > 0)]
    assert not with_addressee.empty, "the seeds' calls name addressees (e.g. governments, United Nations)"
    item, who = with_addressee["id"].iloc[0], with_addressee["addressee"].iloc[0][0]
    at = _app("tracker", name="Ana")
    at.selectbox(key="edit_item").set_value(item).run()
    _button(at, "Set owner to").click().run()
    assert item_row(seed_store, item)["owner"] == who


def test_overdue_items_stand_out(seed_store: Store) -> None:
    item = items_frame(seed_store)["id"].iloc[0]
    set_item(seed_store, item, by="t", due_date="2020-01-01")
    at = _app("tracker")
    assert any("1 overdue" in m.value for m in at.markdown)
    grid = at.dataframe[0].value.set_index("id")
    assert grid.loc[item, "flag"] == "⚠ overdue"
    at.toggle(key="f_overdue").set_value(True).run()
    assert list(at.dataframe[0].value["id"]) == [item]


def test_tracker_offers_csv_and_excel_downloads(seed_store: Store) -> None:
    at = _app("tracker")
    labels = [d.proto.label for d in at.get("download_button")]
    assert labels == ["CSV", "Excel"]


def test_sessions_page_flags_missing_outcomes_and_highlights_escaped_text(seed_store: Store) -> None:
    assert load_files([("hostile.txt", HOSTILE)], seed_store).ok
    sessions = sessions_frame(seed_store)
    at = _app("sessions")
    assert at.selectbox(key="session_pick").options
    silent = sessions[~sessions["has_outcomes"]]["session_id"].iloc[0]
    at.selectbox(key="session_pick").set_value(silent).run()
    assert any("No published outcomes" in w.value for w in at.warning)
    at.selectbox(key="session_pick").set_value("2026-open-forum-99").run()
    assert not at.warning
    page = at.get("html")[0].proto.body
    assert "<script>" not in page and "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "**bold**" in page
    source = page.split('class="doc-text"')[1]
    assert source.count('<mark class="takeaway"') == 1 and source.count('<mark class="action"') == 1
    meta = " ".join(m.value for m in at.markdown)
    assert "\\<script\\>" in meta  # the title is shown escaped, never as markup
    grid = next(d.value for d in at.dataframe if "text" in d.value.columns)
    assert any("<img src=x onerror=alert(1)>" in t for t in grid["text"])


def test_plan_page_shows_an_editable_brief_and_a_download(seed_store: Store) -> None:
    at = _app("plan")
    box = at.text_area[0]
    assert box.value.startswith("# Draft brief: session proposal for IGF 2026")
    assert "## SDG targets used so far" in box.value
    box.set_value(box.value + "\nMy own note.\n").run()
    assert at.text_area[0].value.endswith("My own note.\n")
    assert [d.proto.label for d in at.get("download_button")] == ["Download .md"]
    assert any("My own note." in m.value for m in at.markdown)  # the preview follows the edits


def test_add_report_previews_then_imports(seed_store: Store) -> None:
    before = counts(seed_store)
    at = _app("add")
    at.file_uploader[0].set_value([("../../x/hostile page?.txt", HOSTILE, "text/plain")]).run()
    preview = " ".join(m.value for m in at.markdown)
    assert "\\<script\\>alert\\(1\\)\\<\\/script\\>" in preview  # Markdown-escaped: shown literally
    assert "hostile page_.txt" in preview.replace("\\", "")
    assert counts(seed_store) == before  # preview writes nothing
    _button(at, "Import 1 page").click().run()
    assert not at.exception
    after = counts(seed_store)
    assert after["sessions"] == before["sessions"] + 1 and after["items"] == before["items"] + 2
    assert "hostile page_.txt" in set(items_frame(seed_store)["source"])
    assert any("1 added" in s.value for s in at.success)
    assert not (ROOT / "x").exists()


def test_add_report_pasted_text(seed_store: Store) -> None:
    at = _app("add")
    at.text_area(key="paste-0").set_value(HOSTILE.decode()).run()
    _button(at, "Import 1 page").click().run()
    assert "pasted-session.txt" in set(items_frame(seed_store)["source"])


def test_add_report_bad_and_oversize_files_change_nothing(seed_store: Store, monkeypatch) -> None:
    before = counts(seed_store)
    monkeypatch.setattr(tracker.reading, "MAX_BYTES", 2000)
    at = _app("add")
    at.file_uploader[0].set_value([("report.pdf.txt", b"%PDF-1.7 binary", "text/plain"),
                                   ("big.txt", b"x" * 3000, "text/plain")]).run()
    errors = " ".join(e.value for e in at.error).replace("\\", "")
    assert "PDF file" in errors
    assert "big.txt: file too large" in errors
    assert _button(at, "Nothing to import").disabled
    assert counts(seed_store) == before


def test_history_page_filters_by_person_and_item(seed_store: Store) -> None:
    first, second = items_frame(seed_store)["id"].iloc[:2]
    set_item(seed_store, first, by="Ana", status="done")
    set_item(seed_store, second, by="Ben", owner="UNICEF", notes="n")
    at = _app("history")
    assert len(at.dataframe[0].value) == 3
    at.selectbox(key="hist_person").set_value("Ben").run()
    assert set(at.dataframe[0].value["changed_by"]) == {"Ben"} and len(at.dataframe[0].value) == 2
    at.selectbox(key="hist_person").set_value("").run()
    at.selectbox(key="hist_item").set_value(first).run()
    assert list(at.dataframe[0].value["field"]) == ["status"]


def test_recurring_page_and_grouping_decisions(seed_store: Store) -> None:
    analysis.analyze(seed_store)
    groups = analysis.groups_frame(seed_store, recurring_only=True)
    at = _app("recurring", name="Ana")
    assert not groups.empty, "international cooperation recurs in 2022, 2023 and 2024"
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    members = analysis.group_members_frame(seed_store, str(groups["group_id"].iloc[0]))
    assert members["text"].iloc[0][:20].replace("(", "\\(")[:10] in text
    gid = str(groups.sort_values(["n_sessions", "n_items"], ascending=False)["group_id"].iloc[0])
    _button(at, "Confirm this grouping").click().run()
    assert not at.exception
    confirmed = analysis.groups_frame(seed_store).set_index("group_id")
    assert bool(confirmed["confirmed"].any()), confirmed
    assert gid in confirmed.index or confirmed["confirmed"].any()


def test_recurring_page_pages_through_every_group(seed_store: Store) -> None:
    analysis.analyze(seed_store)
    everything = analysis.groups_frame(seed_store)
    assert len(everything) > 10, "the seeds' 21 takeaways and calls make more than 10 groups"
    at = _app("recurring", name="Ana")
    at.toggle(key="rec_all").set_value(True).run()
    at.selectbox(key="rec_per_page").set_value(10).run()
    first = {m.value for m in at.markdown if m.value.startswith("**")}
    assert len(first) == 10 and any("page 1 of 2" in c.value for c in at.caption)
    at.number_input(key="rec_page").set_value(2).run()
    second = {m.value for m in at.markdown if m.value.startswith("**")}
    assert not at.exception and len(second) == len(everything) - 10 and not first & second


def test_every_page_renders_on_an_empty_analysis(seed_store: Store) -> None:
    # seeds loaded, analysis never run: the analysis frames are empty and every page still renders
    at = _app()
    for page in PAGES:
        at.switch_page(PAGES[page]).run()
        assert not at.exception, (page, at.exception)
        assert not at.error, (page, [e.value for e in at.error])
        assert at.title, page


def _analyzed_groups(store: Store, at_least: int) -> list[str]:
    analysis.analyze(store)
    groups = analysis.groups_frame(store, recurring_only=True)
    assert len(groups) >= at_least, "the seeds have three recurring recommendations"
    return list(groups.sort_values(["recurring", "n_sessions", "n_items"], ascending=False)["group_id"])


def test_recurring_split_an_item_out(seed_store: Store) -> None:
    gid = _analyzed_groups(seed_store, 1)[0]
    members = analysis.group_members_frame(seed_store, gid)
    item = members["id"].iloc[-1]
    at = _app("recurring", name="Ana")
    at.selectbox(key=f"split-item-{gid}").set_value(item).run()
    at.button(key=f"split-{gid}").click().run()
    assert not at.exception and not at.error
    notes = analysis.item_annotations(seed_store).set_index("id")
    still = set(analysis.group_members_frame(seed_store, notes.loc[members["id"].iloc[0], "group_id"])["id"])
    assert item not in still
    analysis.analyze(seed_store)  # the decision survives re-analysis
    notes = analysis.item_annotations(seed_store).set_index("id")
    assert notes.loc[item, "group_id"] != notes.loc[members["id"].iloc[0], "group_id"]


def test_recurring_merge_two_groups(seed_store: Store) -> None:
    first, second = _analyzed_groups(seed_store, 2)[:2]
    a = set(analysis.group_members_frame(seed_store, first)["id"])
    b = set(analysis.group_members_frame(seed_store, second)["id"])
    at = _app("recurring", name="Ana")
    at.selectbox(key="merge-a").set_value(first).run()
    at.selectbox(key="merge-b").set_value(second).run()
    at.button(key="merge-go").click().run()
    assert not at.exception and not at.error
    assert any("merged" in s.value for s in at.success)
    notes = analysis.item_annotations(seed_store).set_index("id")
    assert notes.loc[list(a | b), "group_id"].nunique() == 1


def test_item_themes_can_be_corrected_in_the_tracker(seed_store: Store) -> None:
    analysis.analyze(seed_store)
    themes = analysis.themes_list()
    assert not themes.empty, "data/themes.toml lists the themes"
    item = items_frame(seed_store)["id"].iloc[0]
    at = _app("tracker", name="Ana")
    at.selectbox(key="edit_item").set_value(item).run()
    chosen = [themes["name"].iloc[-1]]
    at.multiselect(key=f"themes-{item}").set_value(chosen).run()
    at.button(key=f"save-themes-{item}").click().run()
    assert not at.exception
    notes = analysis.item_annotations(seed_store).set_index("id")
    assert list(notes.loc[item, "themes"]) == chosen
