"""Recurring: each recommendation raised in more than one session, its members, and people's decisions."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from tracker import analysis
from tracker.dashboard_data import kind_label, session_label, shorten, status_label
from tracker.pages import common
from tracker.pages.overview import analysis_missing_note

FLASH = "recurring_flash"
PAGE_SIZES = (10, 25, 50, 100)  # cards a page: each card lists every member, so pages stay short


def _years(values: Any) -> str:
    try:
        return ", ".join(str(int(y)) for y in sorted(set(values)))
    except TypeError:
        return ""


def _decide(action: str, fn: Any, *args: Any) -> None:
    """Record a grouping decision (the analysis regroups at once and keeps it on re-analysis)."""
    name = common.require_name()
    if not name:
        return
    try:
        with st.spinner("Saving the decision and regrouping …"):
            fn(common.get_store(), *args, by=name)
    except ValueError as exc:  # AnalysisError: e.g. the item is already on its own
        st.error(common.md(str(exc)))
        return
    common.clear_caches()
    st.session_state[FLASH] = action
    st.rerun()


def group_card(group: pd.Series, members: pd.DataFrame) -> None:
    gid = str(group["group_id"])
    with st.container(border=True):
        head, badge = st.columns([5, 1])
        head.markdown(f"**{common.md(group['label'])}**")
        status = str(group["report_status"])
        badge.markdown(f":{_status_colour(status)}-badge[{status_label(status)}]"
                       + (" :green-badge[:material/verified: confirmed]" if bool(group["confirmed"]) else ""))
        st.caption(common.md(f"Raised in {int(group['n_sessions'])} session(s), {int(group['n_items'])} item(s); "
                             f"years {_years(group['years'])}"
                             + (f"; themes: {', '.join(group['themes'])}" if len(group["themes"]) else "")))
        sessions = _session_names()
        for member in members.sort_values(["year", "session_id"]).itertuples():
            where, what, state = st.columns([2, 7, 2], vertical_alignment="top")
            where.caption(common.md(f"{member.year} · {sessions.get(member.session_id, member.session_title)}"
                                    f" · {kind_label(member.kind)}"))
            what.markdown(common.md(member.text))  # the full text, escaped: no markup from the page runs
            owner = f" · {member.owner}" if isinstance(member.owner, str) and member.owner else ""
            state.caption(common.md(status_label(member.status) + owner))
        a = b = st.container(horizontal=True)
        if a.button("Confirm this grouping", key=f"confirm-{gid}", icon=":material/verified:",
                    disabled=bool(group["confirmed"]), help="These items are the same recommendation"):
            _decide("Grouping confirmed.", analysis.confirm_group, gid)
        with b.popover("Split an item out", icon=":material/call_split:"):
            labels = {r.id: f"{r.year} · {shorten(r.text, 70)}" for r in members.itertuples()}
            item = st.selectbox("Item that does not belong here", list(labels), format_func=lambda i: labels[i],
                                key=f"split-item-{gid}")
            if st.button("Split it out", key=f"split-{gid}"):
                _decide("Item split out of the group.", analysis.split_item, item)


def merge_box(groups: pd.DataFrame) -> None:
    ordered = groups.sort_values(["recurring", "n_sessions", "label"], ascending=[False, False, True])
    labels = {str(g): f"{shorten(lbl, 70)} ({int(n)} session(s))" for g, lbl, n in
              zip(ordered["group_id"], ordered["label"], ordered["n_sessions"], strict=True)}
    with st.expander("Merge two groups that are the same recommendation", icon=":material/merge:"):
        a, b = st.columns(2)
        first = a.selectbox("Group", list(labels), format_func=lambda g: labels[g], key="merge-a", index=None,
                            placeholder="Choose a group")
        second = b.selectbox("is the same as", [g for g in labels if g != first], format_func=lambda g: labels[g],
                             key="merge-b", index=None, placeholder="Choose another group")
        if st.button("Merge", key="merge-go", disabled=not (first and second), icon=":material/merge:"):
            _decide("Groups merged.", analysis.merge_groups, first, second)


def _page_of(groups: pd.DataFrame) -> pd.DataFrame:
    """The groups on the chosen page, with the count and the page controls above them."""
    count, size, controls = st.columns([3, 1, 1], vertical_alignment="bottom")
    per_page = size.selectbox("Per page", PAGE_SIZES, index=1, key="rec_per_page")
    pages = max(1, -(-len(groups) // per_page))
    page = int(controls.number_input("Page", min_value=1, max_value=pages, value=1, key="rec_page",
                                     disabled=pages == 1))
    page = min(page, pages)  # the list got shorter (Find, decisions) since the page was chosen
    count.caption(f"{len(groups)} recommendation(s); page {page} of {pages}")
    return groups.iloc[(page - 1) * per_page:page * per_page]


def _session_names() -> dict[str, str]:
    sessions = common.read("sessions")
    return {r.session_id: session_label(None, r.type, r.number, "" if r.type else r.title, 40)
            for r in sessions.itertuples()}


def _status_colour(status: str) -> str:
    return {"done": "green", "in_progress": "orange", "dropped": "gray"}.get(status, "blue")


def render() -> None:
    common.page_header("Recurring recommendations",
                       "Recommendations raised in more than one session, with the status to report for each.")
    message = st.session_state.pop(FLASH, None)
    if message:
        st.success(message, icon=":material/check_circle:")
    everything = common.groups()
    if everything.empty:
        analysis_missing_note("run-analysis-recurring")
        return
    show_all = st.toggle("Also show recommendations raised only once", key="rec_all")
    groups = everything if show_all else everything[everything["recurring"].astype(bool)]
    if groups.empty:
        st.info("No recommendation was raised in more than one session.")
        return
    query = st.text_input("Find", key="rec_find", placeholder="Words in the label")
    if query.strip():
        groups = groups[groups["label"].str.contains(query.strip(), case=False, regex=False)]
    groups = groups.sort_values(["recurring", "n_sessions", "n_items"], ascending=False)
    merge_box(everything)
    members = common.read("members")
    shown = _page_of(groups)
    for _, group in shown.iterrows():
        group_card(group, members[members["group_id"] == str(group["group_id"])])


if __name__ == "__main__":
    render()
