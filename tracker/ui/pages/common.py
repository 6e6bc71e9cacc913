"""What every dashboard page shares: the store and its cached readers (``tracker.ui.readers``), the editor's
name (``tracker.ui.editor_name``), the first run, one way to run a write, and the display of errors and conflicts.
"""

from __future__ import annotations

from typing import Any

import streamlit as st
from streamlit.errors import StreamlitAPIException

from tracker import vocabulary
from tracker.errors import TrackerError
from tracker.resources import seeds_dir
from tracker.services.analyzing import analyze
from tracker.services.editing import EditConflict
from tracker.store import Store
from tracker.ui import auth, dashboard_data
from tracker.ui.editor_name import NAME_FIRST, NAME_KEY, editor_name, name_input, require_name
from tracker.ui.readers import (
    analysis_mode,
    by_addressee,
    call_context,
    clear_caches,
    document_text,
    documents,
    get_store,
    headline,
    history,
    item_annotations,
    items,
    members,
    occurrences,
    overdue_counts,
    progress,
    recommendations,
    register,
    report_call_counts,
    report_calls_pending,
    review_candidates,
    review_count,
    review_queue,
    sessions,
    status_by_theme,
    theme_year,
    themes_list,
    token,
    tracker_table,
)
from tracker.vocabulary import escape_markdown

__all__ = [
    "NAME_FIRST", "NAME_KEY", "SEEDS_DIR", "SMALL_SCREEN_CSS", "act", "analysis_mode", "by_addressee", "call_context",
    "clear_caches", "conflict_choices", "document_text", "documents", "editor_name", "ensure_seeded", "get_store",
    "headline", "history", "item_annotations", "items", "md", "members", "name_input", "occurrences",
    "overdue_counts", "page_header", "progress", "recommendations", "register", "report_call_counts",
    "report_calls_pending", "require_name", "rerun_part", "review_candidates", "review_count", "review_link",
    "review_queue", "sessions", "show_conflict", "sidebar_tools", "stale_notice", "status_by_theme", "status_label",
    "theme_year", "themes_list", "token", "tracker_table",
]

SEEDS_DIR = seeds_dir()


# --- first run ----------------------------------------------------------------------------------

def ensure_seeded() -> None:
    """On a fresh clone (no database, or nothing loaded) load seeds/ and analyze, with a spinner."""
    store = Store()  # the first start's load is the tool's own, whoever opens the page first
    if not dashboard_data.is_empty(store):
        return
    with st.spinner("First run: loading the bundled session reports from seeds/ …"):
        summary = dashboard_data.seed_if_empty(store, SEEDS_DIR)
    clear_caches()
    if summary:
        st.toast(f"Loaded seeds: {summary}")


# --- writes and their conflicts -------------------------------------------------------------

def conflict_choices(prefix: str, forget: tuple[str, str], save_mine: Any, take_theirs: Any = None) -> None:
    """After a refused save, the same two choices everywhere: take theirs (forget ``forget``: the form's base and
    the conflict kept in the session, or call ``take_theirs()``), or keep mine (``save_mine()`` saves over theirs)."""
    base_key, conflict_key = forget
    a, b = st.columns(2)
    if a.button("Take theirs", key=f"{prefix}conflict-reload", icon=":material/download:",
                help="Drop your change and show the values saved by the other person"):
        if take_theirs is not None:
            take_theirs()
        else:
            for key in (base_key, conflict_key):
                if key:
                    st.session_state.pop(key, None)
        st.rerun()
    if b.button("Keep mine", key=f"{prefix}conflict-overwrite", icon=":material/save:",
                help="Save your values over theirs (their other changes stay)"):
        if conflict_key:
            st.session_state.pop(conflict_key, None)
        save_mine()


def stale_notice(who: str, what: str, key: str, base_key: str) -> None:
    """Someone saved since the form was opened: say so and offer their values."""
    st.warning(md(f"{who or 'Someone'} changed this {what} after you opened it."), icon=":material/sync_problem:")
    if st.button("Load the latest values", key=key):
        st.session_state.pop(base_key, None)
        st.rerun()


def rerun_part() -> None:
    """Rerun only the fragment this runs in (a save in the Tracker's table or form), else the whole page."""
    try:
        st.rerun(scope="fragment")
    except StreamlitAPIException:  # not during a fragment's own rerun (a full run, AppTest)
        st.rerun()


def act(fn: Any, *args: Any, **kwargs: Any) -> tuple[bool, Any]:
    """Run one service as the editor (``fn(store, *args, by=name, actor=the signed-in person, **kwargs)``): (True,
    its result) after clearing
    the caches, or (False, None) when there is no name yet or the library refused (its message is shown)."""
    name = require_name()
    if not name:
        return False, None
    try:
        result = fn(get_store(), *args, by=name, actor=auth.current_actor(), **kwargs)
    except TrackerError as exc:
        st.error(md(str(exc)))
        return False, None
    clear_caches()
    return True, result


def sidebar_tools() -> None:
    st.html(SMALL_SCREEN_CSS)
    actor = auth.current_actor()
    if actor is None:
        name_input()
    else:
        auth.sidebar(actor)
    if st.sidebar.button("Reload data", icon=":material/refresh:", help="Re-read the database now"):
        clear_caches()
        st.rerun()


# --- display helpers ----------------------------------------------------------------------------

def show_conflict(conflict: EditConflict, label: str = "", opened: dict[str, Any] | None = None) -> None:
    """Both sides of a refused item save: every field the other person changed since ``opened`` (the values the
    editor loaded) and every field the editor changed."""
    who = conflict.changed_by or "someone else"
    rows = dashboard_data.conflict_rows(conflict, opened)
    theirs, yours = dashboard_data.conflict_fields(conflict, opened)
    said = (f"{who} changed: {', '.join(theirs)}. " if theirs else "") + f"You changed: {', '.join(yours)}."
    st.warning(escape_markdown(
        f"Not saved{(' — ' + label) if label else ''}: {who} changed this item after you opened it. {said} "
        "Take theirs, or keep yours."), icon=":material/sync_problem:")
    st.dataframe(rows, hide_index=True, width="stretch")


def md(text: Any) -> str:
    """Document text made safe for any Streamlit element that renders Markdown (labels, captions)."""
    return escape_markdown(text)


def status_label(status: Any) -> str:
    return vocabulary.status_label(status)


# On a phone a page title such as "Recommendations" in Streamlit's 2.75rem broke inside the word.
SMALL_SCREEN_CSS = "<style>@media (max-width: 640px) { h1 { font-size: 2rem !important; } }</style>"


def review_link() -> None:
    """One way of counting what waits for review, the same as the navigation's "To review (N)": the calls the
    analysis matched to a recommendation and the sentences of the reports that read as calls to action."""
    grouped, found = review_count(), report_call_counts()["suggested"]
    if not grouped + found:
        return
    parts = [f"{grouped} call{'s' if grouped != 1 else ''} matched to a recommendation" if grouped else "",
             f"{found} call{'s' if found != 1 else ''} found in the report text" if found else ""]
    st.page_link("tracker/ui/pages/review.py", label=f"To review ({grouped + found}): "
                 + " and ".join(p for p in parts if p), icon=":material/rate_review:")


def page_header(title: str, caption: str) -> None:
    st.title(title)
    st.caption(caption)


def analysis_missing_note(key: str) -> None:
    st.info("The recurrence analysis has not been run on this database yet, so themes and recommendations "
            "are not available.", icon=":material/info:")
    if st.button("Run the analysis now", key=key, icon=":material/play_arrow:"):
        with st.spinner("Analyzing items …"):
            summary = analyze(get_store(), actor=auth.current_actor())
        clear_caches()
        st.toast(md(summary))
        st.rerun()
