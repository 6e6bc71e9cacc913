"""Sessions: one session at a time — metadata, items, and the source text with the items highlighted."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from tracker.store.queries import ItemFilter
from tracker.ui.dashboard_data import (
    HIGHLIGHT_CSS,
    HIGHLIGHT_LEGEND,
    highlight_html,
    kind_label,
    session_label,
    status_label,
)
from tracker.ui.pages import common

META_FIELDS = [("year", "Year"), ("type", "Type"), ("number", "Number"), ("title", "Title"), ("date", "Date"),
               ("sdgs", "SDG targets"), ("organizers", "Organizers"), ("speakers", "Speakers"),
               ("moderators", "Moderators"), ("rapporteur", "Rapporteur"), ("source", "Source file(s)")]


def _value(value: Any) -> str:
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, str):
        return value
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):  # list-likes: pd.isna returns an array
        pass
    try:
        return "; ".join(str(v) for v in value)
    except TypeError:
        return str(value)


def render() -> None:
    common.page_header("Sessions", "One session at a time: what the page says, and where each item was found.")
    sessions = common.sessions()
    if sessions.empty:
        st.info("No sessions loaded yet. Add a report first.")
        return
    labels = {r.session_id: ("⚠ " if not r.has_outcomes else "") + session_label(r.year, r.type, r.number, r.title, 70)
              for r in sessions.itertuples()}
    silent = int((~sessions["has_outcomes"].astype(bool)).sum())
    if silent:
        st.caption(f"⚠ marks the {silent} session(s) with no published outcomes.")
    session_id = st.selectbox("Session", list(labels), format_func=lambda s: labels[s], key="session_pick")
    session = sessions.set_index("session_id").loc[session_id]
    if not bool(session["has_outcomes"]):
        st.warning("No published outcomes: this page has no key takeaways or calls to action "
                   "(it may be a proposal or an agenda). Nothing from it can be followed up.",
                   icon=":material/report:")

    info, stats = st.columns([4, 1])
    with info, st.container(border=True):
        # values come from the page: every one is Markdown-escaped
        st.markdown("  \n".join(f"**{label}:** {common.md(_value(session[key]))}" for key, label in META_FIELDS
                                if _value(session[key])))
    items = common.items(ItemFilter(sessions=[session_id]))
    with stats:
        st.metric("Items", int(session["item_count"]))
        for kind, count in items[items["in_source"]]["kind"].value_counts().items():
            st.caption(f"{kind_label(kind)}: {count}")

    if not items.empty:
        st.subheader("Items")
        view = items.assign(kind=items["kind"].map(kind_label), status=items["status"].map(status_label))
        st.dataframe(view[["kind", "section", "text", "status", "owner"]], hide_index=True, width="stretch",
                     column_config={"kind": st.column_config.TextColumn("Kind", width="small"),
                                    "section": st.column_config.TextColumn("Section", width="small"),
                                    "text": st.column_config.TextColumn("Item", width="large"),
                                    "status": st.column_config.TextColumn("Status", width="small"),
                                    "owner": st.column_config.TextColumn("Owner", width="small")})

    st.subheader("Source text")
    documents = common.documents()
    sources = list(documents[documents["session_id"] == session_id]["source"])
    if not sources:
        st.info("No source document stored for this session.")
        return
    source = sources[0] if len(sources) == 1 else st.radio("Document", sources, horizontal=True, key="doc_pick")
    text = common.document_text(source)
    occurrences = common.occurrences(source)
    spans = list(zip(occurrences["start_offset"], occurrences["end_offset"], occurrences["kind"], strict=True))
    st.caption(f"{len(spans)} highlighted passage(s) in {common.md(source)}")
    # the one place HTML is rendered: highlight_html escapes every fragment of the document
    st.html(HIGHLIGHT_CSS + HIGHLIGHT_LEGEND + highlight_html(text, spans))


if __name__ == "__main__":
    render()
