"""History: the change log, newest first, in words and in full; filterable by item or recommendation, person
and kind of change."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from tracker.services.exporting import readable, spreadsheet_safe
from tracker.ui.dashboard_data import HISTORY_KINDS, shorten
from tracker.ui.pages import common

PER_PAGE = 50


def entry(row: pd.Series) -> None:
    """One change: what changed (in full), when, who and how, and on which call, recommendation or file (in full)."""
    when = pd.Timestamp(row["changed_at"]).strftime("%Y-%m-%d %H:%M") if pd.notna(row["changed_at"]) else ""
    who = " ".join(str(p) for p in (row["changed_by"], row["how"]) if isinstance(p, str) and p)
    if not who and row["subject"] != "document":
        who = "unknown"
    meta = " · ".join(p for p in (when, who, str(row["kind"])) if p)
    st.markdown(f"**{common.md(row['change'])}**  \n:gray[{common.md(meta)}]  \n{common.md(row['what'])}")


def render() -> None:
    common.page_header("History", "Every change: follow-up of calls and recommendations, every review decision, "
                                  "and the files imported (who, when, from what to what).")
    log = common.history()
    if log.empty:
        st.info("No changes yet. Edits made in the Tracker, on Recommendations and in To review appear here.")
        return
    edits = log[log["subject"] != "document"]  # imports are not picked one by one
    subjects = edits.drop_duplicates("subject_id").set_index("subject_id")["what"].fillna("")
    people = sorted(p for p in log["changed_by"].dropna().unique() if p)
    with st.container(border=True):
        a, b, c = st.columns([3, 1, 1])
        subject = a.selectbox("Item or recommendation", [""] + list(subjects.index), key="hist_item",
                              format_func=lambda i: shorten(subjects[i], 100) if i else "All items and recommendations")
        person = b.selectbox("Person", [""] + people, key="hist_person",
                             format_func=lambda p: p if p else "Everyone")
        kinds = c.multiselect("Kind of change", list(HISTORY_KINDS.values()), key="hist_kind",
                              placeholder="All kinds")
    if subject or person:
        log = common.history(subject_id=subject or None, person=person or None)
    if kinds:
        log = log[log["kind"].isin(kinds)]
    pages = max(1, -(-len(log) // PER_PAGE))
    row = st.container(horizontal=True, vertical_alignment="bottom")
    page = int(row.number_input("Page", min_value=1, max_value=pages, value=1, key="hist_page",
                                disabled=pages == 1, width=130))
    page = min(page, pages)
    row.caption(f"{len(log)} change(s), newest first; page {page} of {pages}", width="content")
    row.download_button("CSV", lambda: spreadsheet_safe(readable(log, "history")).to_csv(index=False)
                        .encode("utf-8-sig"),
                        "igf-history.csv", "text/csv", icon=":material/download:", on_click="ignore",
                        disabled=log.empty)
    with st.container(border=True, key="history-log"):
        for _, change in log.iloc[(page - 1) * PER_PAGE:page * PER_PAGE].iterrows():
            entry(change)


if __name__ == "__main__":
    render()
