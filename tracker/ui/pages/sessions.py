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
    items_html,
    kind_label,
    overdue_mask,
    session_label,
)
from tracker.ui.pages import common

META_FIELDS = [("forum", "Forum"), ("year", "Year"), ("session_type", "Type"), ("number", "Number"), ("title", "Title"),
               ("date", "Date"), ("sdgs", "SDG targets"), ("organizers", "Organizers"), ("speakers", "Speakers"),
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


def _pick_from_list() -> None:
    """A row clicked in the list of sessions opens that session below."""
    rows = st.session_state["session_list"].selection.rows
    ids = st.session_state.get("_session_ids", [])
    if rows and rows[0] < len(ids):
        st.session_state["session_pick"] = ids[rows[0]]


def session_list(sessions: pd.DataFrame) -> None:
    """Every session with its outcome flag; click a row to open it."""
    listing = pd.DataFrame({  # the outcome flag first: on a phone only the first columns are in view
        "outcomes": ["published" if has else "⚠ none published" for has in sessions["has_outcomes"].astype(bool)],
        "session": [session_label(r.year, r.session_type, r.number, r.title, 90, r.forum)
                    for r in sessions.itertuples()],
        "items": sessions["item_count"].astype(int),
        "source": sessions["source"].fillna("").astype(str)})
    st.session_state["_session_ids"] = list(sessions["session_id"])
    silent = int((~sessions["has_outcomes"].astype(bool)).sum())
    st.caption(f"{len(sessions)} session(s); {silent} with no published outcomes (a proposal or an agenda only). "
               "Click a row to open it.")
    st.dataframe(listing, hide_index=True, width="stretch", height=min(38 + 35 * len(listing), 300),
                 key="session_list", on_select=_pick_from_list, selection_mode="single-row",
                 column_config={"outcomes": st.column_config.TextColumn("Outcomes", width=120),
                                "session": st.column_config.TextColumn("Session", width="large"),
                                "items": st.column_config.NumberColumn("Items", width="small"),
                                "source": st.column_config.TextColumn("Source file(s)", width="medium")})


def render() -> None:
    common.page_header("Sessions", "Every session, then one at a time: what the page says, and where each item was "
                                   "found.")
    sessions = common.sessions()
    if sessions.empty:
        st.info("No sessions loaded yet. Add a report first.")
        return
    session_list(sessions)
    labels = {r.session_id: ("⚠ " if not r.has_outcomes else "")
              + session_label(r.year, r.session_type, r.number, r.title, 70, r.forum) for r in sessions.itertuples()}
    session_id = st.selectbox("Session", list(labels), format_func=lambda s: labels[s], key="session_pick")
    session = sessions.set_index("session_id").loc[session_id]
    if not bool(session["has_outcomes"]):
        st.warning("No published outcomes: this page has no key takeaways or calls to action "
                   "(it may be a proposal or an agenda). Nothing from it can be followed up.",
                   icon=":material/report:")

    info, stats = st.columns([4, 1])
    with info, st.container(border=True):
        # values come from the page: every one is Markdown-escaped (an address stays text, never a link)
        st.markdown("  \n".join(f"**{label}:** {common.md(_value(session[key]))}" for key, label in META_FIELDS
                                if _value(session[key])))
        if _value(session.get("url")):  # plain text: an address is never a link here
            st.text(f"Fetched from: {_value(session['url'])}")
    items = common.items(ItemFilter(sessions=[session_id]))
    with stats:
        st.metric("Items", int(session["item_count"]))
        for kind, count in items[items["in_source"]]["kind"].value_counts().items():
            st.caption(f"{kind_label(kind)}: {count}")

    documents = common.documents()
    sources = list(documents[documents["session_id"] == session_id]["source"])
    source = (sources[0] if len(sources) == 1 else
              st.radio("Document", sources, horizontal=True, key="doc_pick") if sources else None)
    occurrences = common.occurrences(source) if source else pd.DataFrame(
        columns=["position", "item_id", "start_offset", "end_offset", "kind"])
    first = occurrences.drop_duplicates("item_id").set_index("item_id")["position"]

    if not items.empty:
        st.subheader("Items")
        st.caption("“in the text ↓” jumps to the item in the source text.")
        late = overdue_mask(items)
        listed = [{"kind": r.kind, "status": r.status, "text": r.text, "overdue": bool(o),
                   "anchor": int(first[r.item_id]) if r.item_id in first.index else None}
                  for r, o in zip(items.itertuples(), late, strict=True)]
        # the second place HTML is rendered: items_html escapes every item text
        st.html(HIGHLIGHT_CSS + items_html(listed))

    st.subheader("Source text")
    if not source:
        st.info("No source document stored for this session.")
        return
    text = common.document_text(source)
    spans = list(zip(occurrences["start_offset"], occurrences["end_offset"], occurrences["kind"],
                     occurrences["position"], strict=True))
    st.caption(f"{len(spans)} highlighted passage(s) in {common.md(source)}")
    # the one place a document is rendered as HTML: highlight_html escapes every fragment of it
    st.html(HIGHLIGHT_CSS + HIGHLIGHT_LEGEND + highlight_html(text, spans))


if __name__ == "__main__":
    render()
