"""The register, outcomes and overdue marks on the dashboard (AppTest against a temporary database)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tracker import analysis
from tracker.services import editing
from tracker.services.register import register_frame
from tracker.store import Store

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def fresh_caches() -> None:
    st.cache_data.clear()
    yield
    st.cache_data.clear()


def _app(page: str, name: str = "Ana") -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90).run()
    assert not at.exception, at.exception
    at.text_input(key="_name_input").set_value(name).run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def _cooperation(store: Store) -> str:
    members = analysis.members_frame(store)
    return str(members[members["text"].str.startswith("International cooperation should be strengthened")]
               ["rec_id"].iat[0])


@pytest.mark.slow
def test_overdue_recommendation_is_marked_and_its_outcome_recorded(analyzed_store: Store) -> None:
    rec_id = _cooperation(analyzed_store)
    analysis.accept_all(analyzed_store, rec_id, by="Ana")
    editing.set_recommendation(analyzed_store, rec_id, by="Ana", status="in_progress", due_date="2026-03-01")
    at = _app("tracker/ui/pages/recurring.py")
    shown = " ".join(m.value for m in at.markdown)
    assert ":red-badge[:material/warning: overdue]" in shown
    register = next(d.value for d in at.dataframe if "Overdue" in d.value.columns)
    row = register.set_index("Id").loc[rec_id]
    assert row["Overdue"] == "Yes" and row["Status"] == "In progress" and row["Years raised"] == "2022; 2023; 2024"
    assert {b.label for b in at.get("download_button")} >= {"Download CSV", "Download Excel"}

    at.button(key=f"open-{rec_id}").click().run()
    at.selectbox(key=f"outcome-{rec_id}").set_value("not_implemented")
    next(b for b in at.button if b.label == "Save outcome").click().run()
    assert any("needs a reason" in e.value for e in at.error)
    assert register_frame(analyzed_store).set_index("rec_id").loc[rec_id]["outcome"] == "open"
    at.selectbox(key=f"outcome-{rec_id}").set_value("not_implemented")
    at.text_input(key=f"outcome-reason-{rec_id}").set_value("Funding ended")
    next(b for b in at.button if b.label == "Save outcome").click().run()
    assert not at.exception and not at.error
    row = register_frame(analyzed_store).set_index("rec_id").loc[rec_id]
    assert row["outcome"] == "not_implemented" and row["outcome_reason"] == "Funding ended" and not row["overdue"]
    assert row["closed_on"] == pd.Timestamp.today().date()
    shown = " ".join(m.value for m in at.markdown)
    assert "Closed — not implemented" in shown and ":red-badge[:material/warning: overdue]" not in shown


def test_overview_counts_overdue_and_offers_the_report(analyzed_store: Store) -> None:
    rec_id = _cooperation(analyzed_store)
    editing.set_recommendation(analyzed_store, rec_id, by="Ana", due_date="2026-01-01")
    at = _app("tracker/ui/pages/overview.py")
    assert any("1 recommendation(s) and 0 item(s) overdue" in m.value for m in at.markdown)
    labels = {b.label for b in at.get("download_button")}
    assert {"Progress report (HTML)", "Progress report (Word)"} <= labels


@pytest.mark.slow
def test_evidence_is_added_listed_and_a_bad_file_refused_on_the_page(analyzed_store: Store) -> None:
    from tracker.services import evidence as ev

    rec_id = _cooperation(analyzed_store)
    ev.add_file(analyzed_store, "recommendation", rec_id, "letter.pdf", b"%PDF-1.4\n%%EOF\n", "Signed letter",
                by="Ana")
    at = _app("tracker/ui/pages/recurring.py")
    at.radio(key="rec_scope").set_value("All").run()
    at.button(key=f"open-{rec_id}").click().run()
    assert not at.exception
    assert any(b.label.replace("\\", "") == "Signed letter (letter.pdf, 15 bytes)" for b in at.get("download_button"))
    at.text_input(key=f"evidence-label-{rec_id}").set_value("Toolkit")
    at.text_input(key=f"evidence-url-{rec_id}").set_value("javascript:alert(1)")
    next(b for b in at.button if b.label == "Add evidence").click().run()
    assert any("is not a web address" in e.value for e in at.error)
    at.text_input(key=f"evidence-label-{rec_id}").set_value("Toolkit")
    at.text_input(key=f"evidence-url-{rec_id}").set_value("https://example.org/toolkit")
    next(b for b in at.button if b.label == "Add evidence").click().run()
    assert not at.exception and not at.error
    assert list(ev.evidence_frame(analyzed_store, "recommendation", rec_id)["label"]) == ["Signed letter", "Toolkit"]


def test_register_filters_by_addressee_and_charts_them(analyzed_store: Store) -> None:
    register = register_frame(analyzed_store)
    actor = next(who[0] for who in register["addressees"] if who)  # an actor some recommendation's calls name
    at = _app("tracker/ui/pages/recurring.py")
    everything = next(d.value for d in at.dataframe if "Overdue" in d.value.columns)
    at.multiselect(key="register-actors").set_value([actor]).run()
    narrowed = next(d.value for d in at.dataframe if "Overdue" in d.value.columns)
    assert 0 < len(narrowed) < len(everything)
    assert all(actor in who.split("; ") for who in narrowed["Addressed to"])
    actors = next(d.value for d in at.dataframe if "Addressed to" in d.value.columns and "Calls" in d.value.columns)
    assert {"Not started", "In progress", "Done", "Dropped", "Recommendations"} <= set(actors.columns)
