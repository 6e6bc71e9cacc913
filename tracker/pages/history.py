"""History: the change log, newest first, filterable by item and person."""

from __future__ import annotations

import streamlit as st

from tracker.dashboard_data import shorten
from tracker.pages import common


def render() -> None:
    common.page_header("History", "Every change to status, owner, due date and notes: who, when, from what to what.")
    log = common.read("history")
    if log.empty:
        st.info("No changes yet. Edits made in the Tracker appear here.")
        return
    items = log.drop_duplicates("item_id").set_index("item_id")["item_text"].fillna("")
    people = sorted(p for p in log["changed_by"].dropna().unique() if p)
    a, b = st.columns([3, 1])
    item = a.selectbox("Item", [""] + list(items.index), key="hist_item",
                       format_func=lambda i: shorten(items[i], 100) if i else "All items")
    person = b.selectbox("Person", [""] + people, key="hist_person",
                         format_func=lambda p: p if p else "Everyone")
    if item or person:
        log = common.read("history", item_id=item or None, person=person or None)
    st.caption(f"{len(log)} change(s)")
    st.dataframe(log[["changed_at", "changed_by", "field", "old_value", "new_value", "via", "item_text"]],
                 hide_index=True, width="stretch", column_config={
                     "changed_at": st.column_config.DatetimeColumn("When", format="YYYY-MM-DD HH:mm"),
                     "changed_by": st.column_config.TextColumn("Who", width="small"),
                     "field": st.column_config.TextColumn("Field", width="small"),
                     "old_value": st.column_config.TextColumn("From", width="small"),
                     "new_value": st.column_config.TextColumn("To", width="small"),
                     "via": st.column_config.TextColumn("Via", width="small"),
                     "item_text": st.column_config.TextColumn("Item", width="large")})


if __name__ == "__main__":
    render()
