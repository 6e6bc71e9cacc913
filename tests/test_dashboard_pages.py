"""Every dashboard page under Streamlit's AppTest, against a temporary database ($TRACKER_DB).

AppTest cannot type into st.data_editor (its save path is tested in test_dashboard_data.py);
edits here go through the Tracker's item form, bulk update and suggestion buttons.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import tracker.reading.text
from tracker import analysis
from tracker.services import editing, planning
from tracker.services.editing import set_item
from tracker.services.report_calls import reject_call, report_calls_frame, review_counts
from tracker.store import Store
from tracker.store.loading import load_files
from tracker.store.queries import counts, history_frame, item_row, items_frame, sessions_frame
from tracker.ui.dashboard_data import history_table
from tracker.vocabulary import escape_markdown as common_md

ROOT = Path(__file__).resolve().parent.parent
PAGES = {"overview": "tracker/ui/pages/overview.py", "tracker": "tracker/ui/pages/tracker_page.py",
         "recommendations": "tracker/ui/pages/recurring.py", "review": "tracker/ui/pages/review.py",
         "sessions": "tracker/ui/pages/sessions.py", "plan": "tracker/ui/pages/plan.py",
         "add": "tracker/ui/pages/add_report.py", "history": "tracker/ui/pages/history.py"}
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


def _cooperation(store: Store) -> pd.Series:
    """The recommendation holding the 2022 call "International cooperation should be strengthened …"."""
    members = analysis.members_frame(store)
    rec_id = members[members["text"].str.startswith("International cooperation should be strengthened")]["rec_id"]
    return analysis.recommendations_frame(store).set_index("rec_id").loc[rec_id.iat[0]]


def _nav_titles(at: AppTest) -> list[str]:
    """The page titles in the navigation (AppTest keeps the pages st.navigation registered)."""
    return [page["page_name"] for page in at._registered_pages.values()]


def _progress(at: AppTest) -> str:
    return at.get("progress")[0].proto.text


@pytest.mark.slow
def test_first_run_loads_the_seeds_and_overview_shows_headline_numbers(store: Store) -> None:
    assert not store.exists()
    at = _app()
    numbers = counts(store)
    assert numbers["sessions"] == 5 and numbers["takeaways"] == 12
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Sessions"] == "5"
    assert metrics["Key takeaways"] == "12"
    assert metrics["Calls to action"] == str(numbers["actions"])
    assert metrics["Sessions without outcomes"] == "2"
    assert metrics["Share done"] == "0%"
    recs = analysis.recommendations_frame(store)
    assert metrics["Recommendations"] == str(len(recs))
    assert metrics["Recurring recommendations"] == str(int(recs["recurring"].sum()))
    # groupings and calls found in the report text, as the navigation counts them
    from tracker.services.report_calls import review_counts

    assert metrics["To review"] == str(analysis.review_count(store) + review_counts(store)["suggested"])
    assert [t.value for t in at.title] == ["Overview"]
    assert {"What came back", "Progress by year first made"} <= {s.value for s in at.subheader}


@pytest.mark.slow
def test_overview_counts_recommendations_not_calls(analyzed_store: Store) -> None:
    coop = _cooperation(analyzed_store)
    editing.set_recommendation(analyzed_store, coop.name, by="Ana", status="done")
    at = _app()
    metrics = {m.label: m.value for m in at.metric}
    n = len(analysis.recommendations_frame(analyzed_store))
    assert metrics["Share done"] == f"{1 / n:.0%}"  # one recommendation done, however many calls made it


def _tile(at: AppTest, label: str):
    return next(m for m in at.metric if m.label == label)


@pytest.mark.slow
def test_overview_counts_only_confirmed_recurrence_and_shows_suggestions_beside(seed_store: Store) -> None:
    from tracker.store.queries import recurrence_counts

    analysis.analyze(seed_store)
    suggested = recurrence_counts(seed_store)["suggested"]
    assert suggested >= 1  # the analysis links calls across sessions, but only as suggestions
    at = _app()
    tile = _tile(at, "Recurring recommendations")
    assert tile.value == "0" and tile.proto.delta == f"{suggested} more suggested, to review"
    coop = _cooperation(seed_store)
    analysis.accept_all(seed_store, coop.name, by="Ana")  # a person confirms one
    at = _app()
    tile = _tile(at, "Recurring recommendations")
    left = f"{suggested - 1} more suggested, to review" if suggested > 1 else ""
    assert tile.value == "1" and tile.proto.delta == left
    assert "confirmed" in tile.help


@pytest.mark.slow
def test_overview_before_any_analysis_offers_to_run_it(seed_store: Store) -> None:
    at = _app()
    assert any("has not been run" in i.value for i in at.info)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Recurring recommendations"] == "–" and metrics["Recommendations"] == "–"
    _button(at, "Run the analysis now").click().run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["Recommendations"] != "–"


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
    item = items_frame(seed_store)["item_id"].iloc[3]
    at.selectbox(key="edit_item").set_value(item).run()
    at.selectbox(key=f"status-{item}-0").set_value("in_progress")
    at.text_input(key=f"owner-{item}-0").set_value("UNICEF China")
    at.text_area(key=f"notes-{item}-0").set_value("Met in March <b>ok</b>")
    _button(at, "Save").click().run()
    assert not at.exception
    row = item_row(seed_store, item)
    assert (row["status"], row["owner"], row["notes"], row["updated_by"]) == \
        ("in_progress", "UNICEF China", "Met in March <b>ok</b>", "Ana Editor")
    log = history_frame(seed_store, subject_id=item)
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


@pytest.mark.slow
def test_a_change_by_someone_else_is_not_overwritten(seed_store: Store) -> None:
    at = _app("tracker", name="Ana")
    item = at.selectbox(key="edit_item").value
    set_item(seed_store, item, by="Ben", status="done")  # while Ana has the form open
    at.text_input(key=f"owner-{item}-0").set_value("Ana's team")
    _button(at, "Save").click().run()
    assert item_row(seed_store, item)["owner"] == ""
    assert any("Ben changed this item" in w.value for w in at.warning)
    both = next(d.value for d in at.dataframe if "field" in d.value.columns)
    # every field either changed: Ben's status (Ana did not touch it) and Ana's owner
    assert both.to_dict("records") == [
        {"field": "Status", "you opened": "Not started", "saved by Ben": "Done",
         "yours (not saved)": "(you did not change it: theirs stays)"},
        {"field": "Owner", "you opened": "", "saved by Ben": "", "yours (not saved)": "Ana's team"}]
    # the form now shows what is saved: Ben's status
    assert at.selectbox(key=f"status-{item}-1").value == "done"
    _button(at, "Keep mine").click().run()
    row = item_row(seed_store, item)
    assert (row["owner"], row["status"]) == ("Ana's team", "done")
    assert list(history_frame(seed_store, subject_id=item)["changed_by"]) == ["Ana", "Ben"]


@pytest.mark.slow
def test_take_theirs_drops_my_change(seed_store: Store) -> None:
    at = _app("tracker", name="Ana")
    item = at.selectbox(key="edit_item").value
    set_item(seed_store, item, by="Ben", owner="Ben's team")
    at.text_input(key=f"owner-{item}-0").set_value("Ana's team")
    _button(at, "Save").click().run()
    _button(at, "Take theirs").click().run()
    assert not any("changed this item" in w.value for w in at.warning)
    assert at.text_input(key=f"owner-{item}-1").value == "Ben's team"
    assert item_row(seed_store, item)["owner"] == "Ben's team"


def test_bulk_update_checks_the_versions_of_the_rows_shown(seed_store: Store) -> None:
    at = _app("tracker", name="Ana")
    at.multiselect(key="f_years").set_value([2023]).run()
    ids = list(at.dataframe[0].value["item_id"])
    at.checkbox(key="bulk_all").check().run()
    set_item(seed_store, ids[0], by="Ben", owner="Ben's team")  # after Ana saw the rows, before she applies
    at.text_input(key="bulk_owner").set_value("ITU")
    at.run()
    _button(at, "Apply to").click().run()
    assert item_row(seed_store, ids[0])["owner"] == "Ben's team"
    assert all(item_row(seed_store, i)["owner"] != "ITU" for i in ids)
    assert any("Ben changed this item" in w.value for w in at.warning)


def test_bulk_update_of_the_filtered_items(seed_store: Store) -> None:
    at = _app("tracker", name="Bulk Person")
    at.multiselect(key="f_years").set_value([2023]).run()
    ids = set(at.dataframe[0].value["item_id"])
    at.checkbox(key="bulk_all").check().run()
    at.selectbox(key="bulk_status").set_value("done")
    at.text_input(key="bulk_owner").set_value("ITU")
    at.run()
    _button(at, "Apply to").click().run()
    frame = items_frame(seed_store).set_index("item_id")
    assert set(frame[frame["status"] == "done"].index) == ids
    assert set(frame.loc[list(ids), "owner"]) == {"ITU"}
    assert set(history_frame(seed_store)["via"]) == {"bulk"}


@pytest.mark.slow
def test_my_own_save_is_not_a_conflict_for_my_bulk_update(seed_store: Store) -> None:
    at = _app("tracker", name="Ana")
    item = at.selectbox(key="edit_item").value
    at.text_input(key=f"owner-{item}-0").set_value("Ana's team")
    _button(at, "Save").click().run()
    at.checkbox(key="bulk_all").check().run()
    at.selectbox(key="bulk_status").set_value("in_progress").run()
    _button(at, "Apply to").click().run()
    assert not at.warning, [w.value for w in at.warning]
    assert (item_row(seed_store, item)["status"], item_row(seed_store, item)["owner"]) == ("in_progress", "Ana's team")


@pytest.mark.slow
def test_suggested_owner_button(analyzed_store: Store) -> None:
    notes = analysis.item_annotations(analyzed_store)
    with_addressee = notes[notes["addressee"].map(lambda a: a is not None and len(a) > 0)]
    assert not with_addressee.empty, "the seeds' calls name addressees (e.g. governments, United Nations)"
    item, who = with_addressee["item_id"].iloc[0], with_addressee["addressee"].iloc[0][0]
    at = _app("tracker", name="Ana")
    at.selectbox(key="edit_item").set_value(item).run()
    _button(at, "Set owner to").click().run()
    assert item_row(analyzed_store, item)["owner"] == who


def test_overdue_items_stand_out(seed_store: Store) -> None:
    item = items_frame(seed_store)["item_id"].iloc[0]
    set_item(seed_store, item, by="t", due_date="2020-01-01")
    at = _app("tracker")
    assert any("1 overdue" in m.value for m in at.markdown)
    grid = at.dataframe[0].value.set_index("item_id")
    assert grid.loc[item, "flag"] == "⚠ overdue"
    at.toggle(key="f_overdue").set_value(True).run()
    assert list(at.dataframe[0].value["item_id"]) == [item]


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
    page = next(h.proto.body for h in at.get("html") if "class=\"doc-text\"" in h.proto.body)
    assert "<script>" not in page and "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "**bold**" in page
    source = page.split('class="doc-text"')[1]
    assert source.count('<mark class="takeaway"') == 1 and source.count('<mark class="action"') == 1
    meta = " ".join(m.value for m in at.markdown)
    assert "\\<script\\>" in meta  # the title is shown escaped, never as markup
    # the items list: escaped text, each with a link to its highlight's anchor in the source text
    listing = next(h.proto.body for h in at.get("html") if "item-list" in h.proto.body)
    assert "&lt;img src=x onerror=alert(1)&gt;" in listing and "<img" not in listing
    anchors = [a.split('"')[0] for a in listing.split('href="#')[1:]]
    assert len(anchors) == 2 and all(f'id="{a}"' in source for a in anchors)
    # every session in one list with its outcome flag
    listed = next(d.value for d in at.dataframe if "outcomes" in d.value.columns)
    assert len(listed) == len(sessions)
    assert (listed["outcomes"] == "⚠ none published").sum() == int((~sessions["has_outcomes"]).sum()) == 2


def _draft_box(at: AppTest, field: str):
    return next(t for t in list(at.text_area) + list(at.text_input) if t.key and t.key.endswith(f"-{field}"))


@pytest.mark.slow
def test_plan_page_draft_is_saved_as_you_type_and_survives_navigation_and_reload(seed_store: Store) -> None:
    at = _app("plan", name="Ana")
    assert any("No draft yet" in i.value for i in at.info)
    [b for b in at.button if b.key == "plan-new-create"][0].click().run()
    assert not at.exception and not at.error
    drafts = planning.list_drafts(seed_store)
    assert list(drafts["name"]) == ["Proposal"] and int(drafts["target_year"].iat[0]) == 2026
    draft_id = int(drafts["draft_id"].iat[0])
    prefilled = _draft_box(at, "description").value
    assert prefilled.startswith("This session continues a series of 5 sessions held at IGF 2022–2025")
    _draft_box(at, "description").set_value("Our session, in our words.").run()
    _draft_box(at, "title").set_value("Children online: what moved since 2022").run()
    assert planning.load_draft(seed_store, draft_id).version == 3
    # another page and back: the boxes come back from the database
    at.switch_page(PAGES["overview"]).run()
    at.switch_page(PAGES["plan"]).run()
    assert _draft_box(at, "description").value == "Our session, in our words."
    assert planning.load_draft(seed_store, draft_id).version == 3  # coming back saved nothing
    # a reload is a new browser session
    again = _app("plan")
    assert _draft_box(again, "description").value == "Our session, in our words."
    assert _draft_box(again, "title").value == "Children online: what moved since 2022"
    assert any(w.value.startswith("Enter your name") for w in again.warning)  # no name yet: read only
    assert _draft_box(again, "description").disabled
    # restore version 1 (the pre-filled draft): saved as version 4
    picker = next(s for s in at.selectbox if s.key == f"plan-version-{draft_id}")
    picker.set_value(1).run()
    next(b for b in at.button if b.key == f"plan-restore-{draft_id}").click().run()
    assert not at.exception
    assert _draft_box(at, "description").value == prefilled
    assert planning.load_draft(seed_store, draft_id).version == 4
    log = history_table(seed_store)
    assert list(log[log["subject"] == "draft"]["changed_by"]) == ["Ana"] * 4
    assert [d.proto.label for d in at.get("download_button")] == ["Download .md", "Download .docx"]
    # every field on its own, to copy into the IGF form
    codes = [c.value for c in at.code]
    assert prefilled in codes and "Responsible Innovation in Technology for Children" in codes  # title as restored


@pytest.mark.slow
def test_plan_page_policy_questions_tick_reword_reorder(seed_store: Store) -> None:
    draft = planning.create_draft(seed_store, "Main", 2026, by="Ana", scope="2024")
    offered = [q["text"] for q in draft.content["policy_questions"]]
    assert len(offered) == 9 and [q["use"] for q in draft.content["policy_questions"]] == [True] * 3 + [False] * 6
    at = _app("plan", name="Bo")
    d = draft.draft_id

    def stored() -> list[tuple[str, bool]]:
        return [(q["text"], q["use"]) for q in planning.load_draft(seed_store, d).content["policy_questions"]]

    at.text_area(key=f"plan-{d}-0-q1-text").set_value("Reworded by Bo?").run()  # a box that wraps
    next(b for b in at.button if b.key == f"plan-{d}-0-q2-up").click().run()  # the third moves above the second
    assert stored()[:3] == [(offered[0], True), (offered[2], True), ("Reworded by Bo?", True)]
    at.checkbox(key=f"plan-{d}-1-q0-use").uncheck().run()  # dropped: it joins the other candidates
    at.checkbox(key=f"plan-{d}-2-q8-use").check().run()  # the ninth candidate, from the expander, is chosen
    assert not at.exception
    chosen = [text for text, use in stored() if use]
    assert chosen[:2] == [offered[2], "Reworded by Bo?"] and chosen[-1] == offered[8] and offered[0] not in chosen
    at.text_input(key=f"plan-{d}-3-q-add").set_value("A question of my own?").run()
    assert [text for text, use in stored() if use][-1] == "A question of my own?"
    export = planning.to_markdown(planning.load_draft(seed_store, d))
    block = export.split("## Policy questions\n\n")[1].split("\n\n")[0].splitlines()
    assert block[0] == f"1. {planning.md_text(offered[2])}" and block[-1] == "4. A question of my own?"


@pytest.mark.slow
def test_add_report_previews_then_imports(seed_store: Store) -> None:
    before = counts(seed_store)
    at = _app("add")
    at.file_uploader[0].set_value([("../../x/hostile page?.txt", HOSTILE, "text/plain")]).run()
    preview = " ".join(m.value for m in at.markdown)
    assert "\\<script\\>alert(1)\\</script\\>" in preview  # Markdown-escaped: shown literally
    assert "hostile page_.txt" in preview.replace("\\", "")
    assert counts(seed_store) == before  # preview writes nothing
    _button(at, "Import 1 page").click().run()
    assert not at.exception
    after = counts(seed_store)
    assert after["sessions"] == before["sessions"] + 1 and after["items"] == before["items"] + 2
    assert "hostile page_.txt" in set(items_frame(seed_store)["source"])
    said = " ".join(s.value for s in at.success).replace("\\", "")
    assert "Added hostile page_.txt: 2 items." in said  # in words
    assert not (ROOT / "x").exists()
    # the next files chosen clear the last import's message
    at.file_uploader[0].set_value([("report.pdf", b"%PDF-1.4\n\x00\xff garbage \x01\x02", "application/pdf")]).run()
    assert not at.success


@pytest.mark.slow
def test_add_report_a_pdf_previews_and_imports_with_one_pdfium_process(seed_store: Store) -> None:
    """The page runs again on the Import click: the preview's parse is what the import counts and stores."""
    from tests.test_pdf_docx import NEW_PAGE, pdf_readers_started, text_pdf

    before, started = counts(seed_store), pdf_readers_started()
    at = _app("add")
    at.file_uploader[0].set_value([("forum98.pdf", text_pdf(NEW_PAGE), "application/pdf")]).run()
    assert not at.exception, at.exception
    assert "1 key takeaway, 1 call to action" in " ".join(c.value for c in at.caption).replace("\\", "")
    assert pdf_readers_started() - started == 1
    _button(at, "Import 1 page").click().run()
    assert not at.exception, at.exception
    assert "Added forum98.pdf: 2 items." in " ".join(s.value for s in at.success).replace("\\", "")
    assert counts(seed_store)["items"] == before["items"] + 2
    assert pdf_readers_started() - started == 1  # one PDFium process for the preview and the import together


@pytest.mark.slow
def test_add_report_preview_says_which_document_a_page_replaces_and_when_its_text_looks_damaged(
        seed_store: Store) -> None:
    from tests.test_pdf_docx import word_file

    seed = (ROOT / "seeds" / "001_ea05bb5c5b5740a5.txt").read_text(encoding="utf-8")
    split = "Regulators should publish a shar ed method befor e making them mandatory . Platfor ms ar e invited. " * 20
    at = _app("add")
    at.file_uploader[0].set_value([
        ("of15.docx", word_file(seed), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("ws212.txt", f"IGF 2021 Workshop #212 Age-appr opriate design\n\nCall to Action\n\n{split}\n".encode(),
         "text/plain")]).run()
    assert not at.exception
    said = " ".join(m.value for m in at.info).replace("\\", "")
    assert "Same session as 001_ea05bb5c5b5740a5.txt, already imported: importing of15.docx replaces it" in said
    assert "no item changes" in said
    warned = " ".join(m.value for m in at.warning).replace("\\", "")
    assert "ws212.txt: the text looks damaged" in warned and "no Key Takeaways found" in warned
    _button(at, "Import 2 page").click().run()
    assert seed_store.scalar("SELECT count(*) FROM documents WHERE session_id = '2023-open-forum-15'") == 1


@pytest.mark.slow
def test_add_report_pasted_text(seed_store: Store) -> None:
    at = _app("add")
    at.text_area(key="paste-0").set_value(HOSTILE.decode()).run()
    _button(at, "Import 1 page").click().run()
    assert "pasted-session.txt" in set(items_frame(seed_store)["source"])


def test_add_report_bad_and_oversize_files_change_nothing(seed_store: Store, monkeypatch) -> None:
    before = counts(seed_store)
    monkeypatch.setattr(tracker.reading.text, "MAX_BYTES", 2000)
    at = _app("add")
    at.file_uploader[0].set_value([("report.pdf.txt", b"%PDF-1.7 binary", "text/plain"),
                                   ("big.txt", b"x" * 3000, "text/plain")]).run()
    errors = " ".join(e.value for e in at.error).replace("\\", "")
    assert "report.pdf.txt: not a valid PDF" in errors
    assert "big.txt: file too large" in errors
    # any file reaches the loader's checks (no list of allowed types): the reason comes with the name
    at.file_uploader[0].set_value([("report.pdf", b"%PDF-1.4\n\x00\xff garbage \x01\x02", "application/pdf")]).run()
    errors = " ".join(e.value for e in at.error).replace("\\", "")
    assert "report.pdf: " in errors
    assert _button(at, "Nothing to import").disabled
    assert counts(seed_store) == before


def _history_rows(at: AppTest) -> list[tuple[str, str]]:
    """(change, by whom) of each row the History page shows, unescaped."""
    rows = []
    for m in at.markdown:
        if m.value.startswith("**") and "  \n:gray[" in m.value:
            change = m.value[2:m.value.index("**  \n")].replace("\\", "")
            meta = m.value.split(":gray[")[1].split("]  \n")[0].replace("\\", "")
            parts = meta.split(" · ")
            rows.append((change, parts[1] if len(parts) == 3 else ""))
    return rows


def test_history_page_filters_by_person_and_item(seed_store: Store) -> None:
    first, second = items_frame(seed_store)["item_id"].iloc[:2]
    set_item(seed_store, first, by="Ana", status="done")
    long_note = "A note that is far longer than any table cell would show, " * 4
    set_item(seed_store, second, by="Ben", owner="UNICEF", notes=long_note, via="dashboard")
    at = _app("history")
    rows = _history_rows(at)
    edits = [r for r in rows if not r[0].startswith("imported ")]
    assert len(edits) == 3 and ("Status: Not started → Done", "Ana on the command line") in edits
    assert (f"Notes: (empty) → {long_note}".rstrip(), "Ben in the dashboard") in [(c.rstrip(), w) for c, w in edits]
    # the imports are in it too, in words: each file, what it gave
    imports = [c for c, _ in rows if c.startswith("imported ")]
    assert len(imports) == 5 and "imported 000_b1319ff3bb3a17cc.txt: 4 items" in imports
    assert "imported 003_25d1d3cd035a7625.txt: no published outcomes" in imports
    at.selectbox(key="hist_person").set_value("Ben").run()
    assert {w for _, w in _history_rows(at)} == {"Ben in the dashboard"} and len(_history_rows(at)) == 2
    at.selectbox(key="hist_person").set_value("").run()
    at.selectbox(key="hist_item").set_value(first).run()
    assert _history_rows(at) == [("Status: Not started → Done", "Ana on the command line")]
    at.selectbox(key="hist_item").set_value("").run()
    at.multiselect(key="hist_kind").set_value(["Review and grouping"]).run()
    assert _history_rows(at) == []
    at.multiselect(key="hist_kind").set_value(["Import"]).run()
    assert len(_history_rows(at)) == 5


def test_every_page_renders_on_an_empty_analysis(seed_store: Store) -> None:
    # seeds loaded, analysis never run: the analysis frames are empty and every page still renders
    at = _app()
    for page in PAGES:
        at.switch_page(PAGES[page]).run()
        assert not at.exception, (page, at.exception)
        assert not at.error, (page, [e.value for e in at.error])
        assert at.title, page


def _card_titles(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown if m.value.startswith("**") and m.value.endswith("**")]


@pytest.mark.slow
def test_recommendations_page_lists_recurring_first_with_full_titles(analyzed_store: Store) -> None:
    coop = _cooperation(analyzed_store)
    analysis.accept_all(analyzed_store, coop.name, by="Ana")  # a person confirms it came back
    recurring = analysis.recommendations_frame(analyzed_store, recurring_only=True)
    assert len(recurring) == 1
    title = "International cooperation on the protection of minors online, across regions, platforms and governments"
    editing.set_recommendation(analyzed_store, coop.name, by="Ana", owner="UNICEF China", title=title)
    at = _app("recommendations", name="Ana")
    assert [t.value for t in at.title] == ["Recommendations"]
    titles = _card_titles(at)
    assert len(titles) == len(recurring)  # recurring only by default
    full = f"**{common_md(title)}**"
    assert full in titles  # never cut
    facts = " ".join(m.value for m in at.markdown)
    assert common_md("2022, 2023, 2024 · 3 sessions") in facts and "owner: UNICEF China" in facts
    at.radio(key="rec_scope").set_value("All").run()
    assert len(_card_titles(at)) == min(25, len(analysis.recommendations_frame(analyzed_store)))
    at.text_input(key="rec_find").set_value("across regions").run()
    assert _card_titles(at) == [full]
    at.text_input(key="rec_find").set_value("").run()
    at.multiselect(key="rec_status").set_value(["done"]).run()
    assert not _card_titles(at) and any("No recommendation matches" in i.value for i in at.info)


@pytest.mark.slow
def test_recommendations_page_pages_through_every_recommendation(analyzed_store: Store) -> None:
    everything = analysis.recommendations_frame(analyzed_store)
    assert len(everything) > 5, "the seeds' 21 takeaways and calls make several recommendations"
    at = _app("recommendations", name="Ana")
    at.radio(key="rec_scope").set_value("All").run()
    at.selectbox(key="rec_per_page").set_value(10).run()
    pages = -(-len(everything) // 10)
    first = set(_card_titles(at))
    assert len(first) == min(10, len(everything)) and any(f"page 1 of {pages}" in c.value for c in at.caption)
    seen = set(first)
    for page in range(2, pages + 1):
        at.number_input(key="rec_page").set_value(page).run()
        assert not at.exception
        seen |= set(_card_titles(at))
    assert len(seen) == len(everything)


def _open_cooperation(store: Store, name: str = "Ana") -> tuple[AppTest, pd.Series]:
    analysis.analyze(store)
    coop = _cooperation(store)
    at = _app("recommendations", name=name)
    at.button(key=f"open-{coop.name}").click().run()
    assert not at.exception
    return at, coop


@pytest.mark.slow
def test_opening_a_recommendation_shows_its_calls_member_and_suggested(seed_store: Store) -> None:
    at, coop = _open_cooperation(seed_store)
    members = analysis.members_frame(seed_store, coop.name)
    shown = " ".join(m.value for m in at.markdown)
    for text in members["text"]:
        assert common_md(text) in shown  # the full text, escaped
    assert ":gray-badge[member]" in shown
    assert (":orange-badge[suggested, to review]" in shown) == bool((members["state"] == "suggested").any())
    pending = int((members["state"] == "suggested").sum())
    assert pending >= 1
    # "its N calls" are the confirmed ones; the pending suggestions are said beside them
    assert at.checkbox(key=f"rec-apply-{coop.name}-{int(coop['version'])}").label == \
        f"Also set this status on its 1 call ({pending} more suggested, to review, keep theirs)"
    facts = " ".join(m.value for m in at.markdown)
    assert common_md(f"2022 · 1 session · 1 takeaway or call · {pending} more suggested, to review") in facts


@pytest.mark.slow
def test_recommendation_form_saves_and_sets_status_on_its_calls(seed_store: Store) -> None:
    at, coop = _open_cooperation(seed_store)
    suffix = f"{coop.name}-{int(coop['version'])}"
    at.text_input(key=f"rec-title-{suffix}").set_value("International cooperation on minors' safety")
    at.selectbox(key=f"rec-status-{suffix}").set_value("in_progress")
    at.text_input(key=f"rec-owner-{suffix}").set_value("CFIS")
    at.checkbox(key=f"rec-apply-{suffix}").check()
    _button(at, "Save").click().run()
    assert not at.exception and not at.error
    rec = analysis.recommendations_frame(seed_store).set_index("rec_id").loc[coop.name]
    assert (rec["title"], rec["status"], rec["owner"], rec["updated_by"]) == \
        ("International cooperation on minors' safety", "in_progress", "CFIS", "Ana")
    members = analysis.members_frame(seed_store, coop.name)
    assert set(members[members["state"] == "member"]["status"]) == {"in_progress"}
    assert set(members[members["state"] == "suggested"]["status"]) == {"not_started"}
    assert any("status set on 1 call" in s.value for s in at.success)
    log = history_table(seed_store, subject_id=coop.name)
    assert {"Title", "Status", "Owner"} <= {c.split(":")[0] for c in log["change"]}


@pytest.mark.slow
def test_recommendation_edit_by_someone_else_is_not_overwritten(seed_store: Store) -> None:
    at, coop = _open_cooperation(seed_store)
    editing.set_recommendation(seed_store, coop.name, by="Ben", status="done")  # while Ana has it open
    suffix = f"{coop.name}-{int(coop['version'])}"
    at.text_input(key=f"rec-owner-{suffix}").set_value("Ana's team")
    _button(at, "Save").click().run()
    rec = analysis.recommendations_frame(seed_store).set_index("rec_id").loc[coop.name]
    assert (rec["status"], rec["owner"]) == ("done", "")
    assert any("Ben changed this recommendation" in w.value for w in at.warning)
    both = next(d.value for d in at.dataframe if "field" in d.value.columns).set_index("field")
    assert both.loc["Status", "saved by Ben"] == "Done" and both.loc["Owner", "yours (not saved)"] == "Ana's team"


@pytest.mark.slow
def test_take_a_call_out_into_a_new_recommendation(seed_store: Store) -> None:
    at, coop = _open_cooperation(seed_store)
    members = analysis.members_frame(seed_store, coop.name)
    item = members["item_id"].iloc[-1]
    at.selectbox(key=f"split-item-{coop.name}").set_value(item).run()
    at.text_input(key=f"split-title-{coop.name}").set_value("A call of its own")
    at.button(key=f"split-{coop.name}").click().run()
    assert not at.exception and not at.error
    assert item not in set(analysis.members_frame(seed_store, coop.name)["item_id"])
    notes = analysis.item_annotations(seed_store).set_index("item_id")
    assert notes.loc[item, "rec_title"] == "A call of its own"
    analysis.analyze(seed_store)  # the decision survives the next analysis
    assert analysis.item_annotations(seed_store).set_index("item_id").loc[item, "rec_title"] == \
        "A call of its own"


@pytest.mark.slow
def test_merge_another_recommendation_into_this_one(seed_store: Store) -> None:
    at, coop = _open_cooperation(seed_store)
    others = analysis.recommendations_frame(seed_store)
    other = others[others["rec_id"] != coop.name]["rec_id"].iloc[0]
    moving = set(analysis.members_frame(seed_store, other)["item_id"])
    at.selectbox(key=f"merge-other-{coop.name}").set_value(other).run()
    at.button(key=f"merge-{coop.name}").click().run()
    assert not at.exception and not at.error
    assert any("Merged" in s.value for s in at.success)
    assert moving <= set(analysis.members_frame(seed_store, coop.name)["item_id"])
    assert other not in set(analysis.recommendations_frame(seed_store)["rec_id"])


@pytest.mark.slow
def test_reanalysis_shows_a_plan_before_applying(analyzed_store: Store) -> None:
    at = _app("recommendations", name="Ana")
    before = analysis.members_frame(analyzed_store)[["item_id", "rec_id", "state"]]
    _button(at, "Show what would change").click().run()
    assert not at.exception and not at.error
    assert any(common_md("re-analysis") in m.value for m in at.markdown)
    pd.testing.assert_frame_equal(before, analysis.members_frame(analyzed_store)[["item_id", "rec_id", "state"]])
    apply = [b for b in at.button if b.key == "apply-plan"]
    if apply:  # the plan moves something: applying it is recorded
        apply[0].click().run()
        assert not at.exception and not at.error
        assert any("moved" in s.value or "no change" in s.value for s in at.success)


@pytest.mark.slow
def test_review_queue_accept_one_reject_one(analyzed_store: Store) -> None:
    queue = analysis.review_queue(analyzed_store)
    assert len(queue) >= 2, "the seeds' repeated calls become suggestions to review"
    calls = review_counts(analyzed_store)["suggested"]  # the nav counts the calls found in the report text too
    at = _app("review", name="Ana")
    assert f"To review ({len(queue) + calls})" in _nav_titles(at)
    assert _progress(at) == f"Suggestion 1 of {len(queue)}"
    first = queue.iloc[0]
    shown = " ".join(m.value for m in at.markdown)
    assert f"**1. {common_md(first['title'])}**" in shown  # the recommendation it would join, by its full title
    _button(at, "Same recommendation").click().run()
    assert not at.exception and not at.error
    assert any("Added to" in s.value for s in at.success)
    member = analysis.members_frame(analyzed_store).set_index("item_id").loc[first["item_id"]]
    assert (member["rec_id"], member["state"]) == (first["rec_id"], "member")
    assert analysis.review_count(analyzed_store) == len(queue) - 1
    assert f"To review ({len(queue) - 1 + calls})" in _nav_titles(at)
    # the next suggestion is on screen: not the same
    second = analysis.review_queue(analyzed_store).iloc[0]
    assert _progress(at).startswith(f"Suggestion 1 of {len(queue) - 1}")
    _button(at, "Not the same").click().run()
    assert not at.exception and not at.error
    moved = analysis.members_frame(analyzed_store).set_index("item_id").loc[second["item_id"]]
    assert moved["rec_id"] != second["rec_id"] and moved["state"] == "member"
    assert analysis.review_count(analyzed_store) == len(queue) - 2
    assert f"To review ({len(queue) - 2 + calls})" in _nav_titles(at)
    log = history_table(analyzed_store, person="Ana")
    assert set(log["subject_id"]) >= {first["item_id"], second["item_id"]}
    assert f"accepted into {first['rec_id']} '{first['title']}' (same recommendation)" in set(log["change"])
    # the History page shows these rows in words
    at.switch_page(PAGES["history"]).run()
    changes = [c for c, who in _history_rows(at) if who.startswith("Ana")]  # "Ana in To review"
    assert f"accepted into {first['rec_id']} '{first['title']}' (same recommendation)" in changes
    assert any(c.startswith(f"not the same as {second['rec_id']}") for c in changes)
    assert not any(c.startswith("moved") for c in changes)


@pytest.mark.slow
def test_review_choose_another_and_start_new(analyzed_store: Store) -> None:
    queue = analysis.review_queue(analyzed_store)
    first = queue.iloc[0]
    target = analysis.recommendations_frame(analyzed_store)
    target = target[target["rec_id"] != first["rec_id"]]["rec_id"].iloc[0]
    at = _app("review", name="Ana")
    at.selectbox(key=f"review-other-{first['item_id']}").set_value(target).run()
    at.button(key="review-move").click().run()
    assert not at.exception and not at.error
    assert analysis.members_frame(analyzed_store).set_index("item_id").loc[first["item_id"], "rec_id"] == target
    second = analysis.review_queue(analyzed_store).iloc[0]
    at.text_input(key=f"review-title-{second['item_id']}").set_value("Its own thing")
    at.button(key="review-new").click().run()
    assert not at.exception and not at.error
    assert analysis.item_annotations(analyzed_store).set_index("item_id").loc[second["item_id"], "rec_title"] == \
        "Its own thing"
    assert analysis.review_count(analyzed_store) == len(queue) - 2


@pytest.mark.slow
def test_review_offers_three_choices_and_none_of_these(analyzed_store: Store) -> None:
    queue = analysis.review_queue(analyzed_store)
    offered = {i: analysis.review_candidates(analyzed_store, i) for i in queue["item_id"]}
    item = next(i for i, o in offered.items() if len(o) == 3)
    options = offered[item]
    at = _app("review", name="Ana")
    at.selectbox(key="review_pick").set_value(item).run()
    shown = " ".join(m.value for m in at.markdown)
    for k, title in enumerate(options["title"], start=1):
        assert f"**{k}. {common_md(title)}**" in shown
    assert "**None of these — start a new one**" in shown
    # the evidence of each: the call of that recommendation it matches best
    captions = " ".join(c.value for c in at.caption)
    assert captions.count("Its call that matches best:") + captions.count("One of its calls:") == 3
    # choosing the second: it joins that one, and the other two are remembered as not the same
    at.button(key="review-choose-2").click().run()
    assert not at.exception and not at.error
    rec_1, rec_2, rec_3 = options["rec_id"]
    assert analyzed_store.scalar("SELECT rec_id FROM memberships WHERE item_id = ?", [item]) == rec_2
    rejected = analyzed_store.query("SELECT rec_id FROM rejections WHERE item_id = ?", [item])["rec_id"]
    assert set(rejected) == {rec_1, rec_3}
    change = history_table(analyzed_store, subject_id=item)["change"].iat[0]
    assert change.startswith(f"not the same as {rec_1} ") and f"; added to {rec_2} " in change
    # "none of these" on the next one: every recommendation offered is turned down, a new one starts
    other = analysis.review_queue(analyzed_store)["item_id"].iat[0]
    turned_down = set(analysis.review_candidates(analyzed_store, other)["rec_id"])
    at.selectbox(key="review_pick").set_value(other).run()
    at.button(key="review-new").click().run()
    assert not at.exception and not at.error
    assert any("None of these" in s.value for s in at.success)
    rejected = analyzed_store.query("SELECT rec_id FROM rejections WHERE item_id = ?", [other])["rec_id"]
    assert set(rejected) == turned_down
    assert analyzed_store.scalar("SELECT rec_id FROM memberships WHERE item_id = ?", [other]) not in turned_down


@pytest.mark.slow
def test_review_next_previous_and_refuses_without_a_name(analyzed_store: Store) -> None:
    queue = analysis.review_queue(analyzed_store)
    assert len(queue) >= 3
    at = _app("review")
    at.button(key="review-next").click().run()
    assert _progress(at) == f"Suggestion 2 of {len(queue)}"
    at.button(key="review-prev").click().run()
    assert _progress(at) == f"Suggestion 1 of {len(queue)}"
    at.selectbox(key="review_pick").set_value(queue["item_id"].iloc[2]).run()
    assert _progress(at) == f"Suggestion 3 of {len(queue)}"
    _button(at, "Same recommendation").click().run()
    assert any("Enter your name" in e.value for e in at.error)
    assert analysis.review_count(analyzed_store) == len(queue)


@pytest.mark.slow
def test_review_page_when_nothing_is_pending(analyzed_store: Store) -> None:
    for rec_id in analysis.recommendations_frame(analyzed_store)["rec_id"]:
        analysis.accept_all(analyzed_store, rec_id, by="t")
    for call_id in report_calls_frame(analyzed_store)["call_id"]:
        reject_call(analyzed_store, call_id, by="t")
    at = _app("review")
    assert "To review" in _nav_titles(at)
    assert any("Nothing to review" in i.value for i in at.info)


@pytest.mark.slow
def test_item_themes_can_be_corrected_in_the_tracker(analyzed_store: Store) -> None:
    themes = analysis.themes_list()
    assert not themes.empty, "data/themes.toml lists the themes"
    item = items_frame(analyzed_store)["item_id"].iloc[0]
    at = _app("tracker", name="Ana")
    at.selectbox(key="edit_item").set_value(item).run()
    chosen = [themes["name"].iloc[-1]]
    at.multiselect(key=f"themes-{item}").set_value(chosen).run()
    at.button(key=f"save-themes-{item}").click().run()
    assert not at.exception
    notes = analysis.item_annotations(analyzed_store).set_index("item_id")
    assert list(notes.loc[item, "themes"]) == chosen


def test_each_cached_reader_answers_for_itself_and_reads_again_after_a_write(seed_store: Store) -> None:
    # every reader comes from one decorator: two readers called with the same arguments must not share a cache
    from tracker.ui.pages import common

    sessions, documents = common.sessions(), common.documents()
    assert set(sessions["session_id"]) == set(sessions_frame(seed_store)["session_id"]) and len(sessions) == 5
    assert "source" in documents and "session_id" in documents and list(documents.columns) != list(sessions.columns)
    assert isinstance(common.analysis_mode(), str) and isinstance(common.review_count(), int)
    first = common.items()
    item = str(first["item_id"].iat[0])
    assert first.set_index("item_id").at[item, "status"] != "done"
    set_item(seed_store, item, by="Ben", status="done")  # a write that skips clear_caches, as another process's
    assert common.items().set_index("item_id").at[item, "status"] == "done"
