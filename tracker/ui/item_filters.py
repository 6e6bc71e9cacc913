"""The Tracker page's filters: the search box, the other filters in an expander, and the same filters in the
page's address (a reload keeps them; a filtered view can be bookmarked or sent)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from tracker.store.queries import ItemFilter
from tracker.ui.dashboard_data import kind_label, session_label, status_label
from tracker.ui.pages import common
from tracker.vocabulary import KINDS, STATUSES

FILTER_KEYS = ("f_years", "f_sessions", "f_kinds", "f_themes", "f_statuses", "f_owners", "f_overdue", "f_removed",
               "f_recurring", "f_calls", "f_forums")
# The filters live in the address too (?status=done&year=2024&q=cooperation), so a reload keeps them and a
# filtered view can be bookmarked or sent: widget key -> query parameter.
URL_LISTS = {"f_years": "year", "f_sessions": "session", "f_kinds": "kind", "f_themes": "theme",
             "f_statuses": "status", "f_owners": "owner", "f_forums": "forum"}
URL_FLAGS = {"f_overdue": "overdue", "f_removed": "removed", "f_recurring": "recurring", "f_calls": "calls"}
URL_TEXT = {"f_text": "q"}
URL_RESTORED = "_filters_from_url"


def _from_url(options: dict[str, list[Any]]) -> None:
    """Once per visit of the page: the filters the address names, each value checked against what exists (a
    stale or hand-made address never breaks the page; unknown values are left out)."""
    if st.session_state.get(URL_RESTORED):
        return
    st.session_state[URL_RESTORED] = True
    params = st.query_params
    for key, name in URL_LISTS.items():
        wanted = params.get_all(name)
        if wanted and key not in st.session_state:
            known = {str(o): o for o in options.get(key, [])}
            st.session_state[key] = [known[w] for w in wanted if w in known]
    for key, name in URL_FLAGS.items():
        if params.get(name) == "1" and key not in st.session_state:
            st.session_state[key] = True
    for key, name in URL_TEXT.items():
        if params.get(name) and key not in st.session_state:
            st.session_state[key] = str(params.get(name))[:200]


def _to_url() -> None:
    """The filters as they are now, in the address (only those that are on)."""
    wanted: dict[str, Any] = {}
    for key, name in URL_LISTS.items():
        if st.session_state.get(key):
            wanted[name] = [str(v) for v in st.session_state[key]]
    for key, name in URL_FLAGS.items():
        if st.session_state.get(key):
            wanted[name] = "1"
    for key, name in URL_TEXT.items():
        if str(st.session_state.get(key) or "").strip():
            wanted[name] = str(st.session_state[key]).strip()
    current = {name: (st.query_params.get_all(name) if name in URL_LISTS.values() else st.query_params.get(name))
               for name in [*URL_LISTS.values(), *URL_FLAGS.values(), *URL_TEXT.values()] if name in st.query_params}
    if current != wanted:
        for name in [*URL_LISTS.values(), *URL_FLAGS.values(), *URL_TEXT.values()]:
            if name in st.query_params and name not in wanted:
                del st.query_params[name]
        for name, value in wanted.items():
            st.query_params[name] = value


def filters() -> tuple[ItemFilter, bool]:
    """The search box in view and the other filters in an expander (on a phone they filled the first screen)."""
    everything = common.items()
    sessions = common.sessions()
    session_names = {r.session_id: session_label(r.year, r.session_type, r.number, r.title, 45, r.forum)
                     for r in sessions.itertuples()}
    themes = common.themes_list()
    theme_names = list(themes["name"]) if not themes.empty else sorted(
        {t for ts in common.item_annotations().get("themes", pd.Series(dtype=object)) for t in (ts or [])})
    owner_names = sorted(o for o in everything["owner"].dropna().unique() if o)
    forum_names = sorted(sessions.get("forum", pd.Series(dtype=object)).dropna().unique())
    _from_url({"f_years": sorted(everything["year"].dropna().unique().tolist()), "f_sessions": list(session_names),
               "f_kinds": list(KINDS), "f_themes": theme_names, "f_statuses": list(STATUSES), "f_owners": owner_names,
               "f_forums": forum_names})
    text = st.text_input("Search text", key="f_text", placeholder="Words in the item, notes, owner or title")
    active = sum(1 for k in FILTER_KEYS if st.session_state.get(k))
    with st.expander(f"Filters ({active} on)" if active else "Filters", icon=":material/filter_list:"):
        c: Sequence[DeltaGenerator] = st.columns(2)
        only_recurring = c[0].toggle("Recurring only", key="f_recurring",
                                     help="Items whose recommendation was raised in two or more sessions")
        only_calls = c[1].toggle("Calls to action only", key="f_calls", help="Leave out takeaways and questions")
        c = st.columns(4)
        years = c[0].multiselect("Year", sorted(everything["year"].dropna().unique().tolist()), key="f_years",
                                 placeholder="All years")
        chosen_sessions = c[1].multiselect("Session", list(session_names), key="f_sessions",
                                           format_func=lambda s: session_names.get(s, s), placeholder="All sessions")
        kinds = c[2].multiselect("Kind", list(KINDS), key="f_kinds", format_func=kind_label, placeholder="All kinds",
                                 disabled=only_calls)
        chosen_themes = c[3].multiselect("Theme", theme_names, key="f_themes",
                                         placeholder="All themes" if theme_names else "No themes yet (run analysis)",
                                         disabled=not theme_names)
        c = st.columns(4)
        statuses = c[0].multiselect("Status", list(STATUSES), key="f_statuses", format_func=status_label,
                                    placeholder="All statuses")
        owners = c[1].multiselect("Owner", owner_names, key="f_owners", placeholder="Anyone")
        only_overdue = c[2].toggle("Only overdue", key="f_overdue")
        include_removed = c[3].toggle("Include removed items", key="f_removed",
                                      help="Items that are no longer on their session page after a reload")
        forums = st.multiselect("Forum", forum_names,
                                key="f_forums", placeholder="All forums (the IGF, regional, national and youth IGFs)")
    st.session_state["_only_recurring"] = only_recurring  # narrows the table after the query (render)
    _to_url()
    flt = ItemFilter(years=[int(y) for y in years], sessions=chosen_sessions,
                     kinds=["action"] if only_calls else kinds, statuses=statuses,
                     owners=owners, themes=chosen_themes, text=text, include_removed=include_removed, forums=forums)
    return flt, only_overdue
