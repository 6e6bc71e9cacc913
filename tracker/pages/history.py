"""History: the change log, newest first, in words; filterable by item or recommendation, person and kind."""

from __future__ import annotations

import streamlit as st

from tracker.dashboard_data import HISTORY_KINDS, shorten
from tracker.pages import common


def render() -> None:
    common.page_header("History", "Every change: follow-up of calls and recommendations, and every review decision "
                                  "(who, when, from what to what).")
    log = common.history()
    if log.empty:
        st.info("No changes yet. Edits made in the Tracker, on Recommendations and in To review appear here.")
        return
    subjects = log.drop_duplicates("subject_id").set_index("subject_id")["what"].fillna("")
    people = sorted(p for p in log["changed_by"].dropna().unique() if p)
    a, b, c = st.columns([3, 1, 1])
    subject = a.selectbox("Item or recommendation", [""] + list(subjects.index), key="hist_item",
                          format_func=lambda i: shorten(subjects[i], 100) if i else "All items and recommendations")
    person = b.selectbox("Person", [""] + people, key="hist_person",
                         format_func=lambda p: p if p else "Everyone")
    kinds = c.multiselect("Kind of change", list(HISTORY_KINDS.values()), key="hist_kind", placeholder="All kinds")
    if subject or person:
        log = common.history(subject_id=subject or None, person=person or None)
    if kinds:
        log = log[log["kind"].isin(kinds)]
    st.caption(f"{len(log)} change(s)")
    st.dataframe(log[["changed_at", "changed_by", "change", "what", "kind", "via"]],
                 hide_index=True, width="stretch", row_height=60, column_config={
                     "changed_at": st.column_config.DatetimeColumn("When", format="YYYY-MM-DD HH:mm", width="small"),
                     "changed_by": st.column_config.TextColumn("Who", width="small"),
                     "change": st.column_config.TextColumn("Change", width="large"),
                     "what": st.column_config.TextColumn("Item or recommendation", width="large"),
                     "kind": st.column_config.TextColumn("Kind", width="small"),
                     "via": st.column_config.TextColumn("Via", width="small")})


if __name__ == "__main__":
    render()
