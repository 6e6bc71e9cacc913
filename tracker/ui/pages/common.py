"""What every dashboard page shares: the store, cached readers, the editor's name, error display.

Readers are cached per database path and data token (the file's size and mtime), so a load from
the command line shows up on the next rerun; ``clear_caches()`` runs after every write from
here. No connection is held between reruns: each read opens and closes the file.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitAPIException

from tracker import analysis
from tracker.errors import TrackerError
from tracker.resources import seeds_dir
from tracker.services import register as register_service
from tracker.services import report_calls
from tracker.services.editing import EditConflict
from tracker.store import Store, queries
from tracker.store.queries import ItemFilter
from tracker.ui import auth, dashboard_data

SEEDS_DIR = seeds_dir()
NAME_KEY = "editor_name"
# Where the name box is, also on a phone, where the sidebar is folded away behind the » button at the top left
NAME_FIRST = ("Enter your name first, under “Your name” in the side menu (on a phone, open it with the » button at "
              "the top left).")


def get_store() -> Store:
    """A Store for $TRACKER_DB (else data/tracker.duckdb); cheap, holds no connection. Writes go through the
    services with ``actor=auth.current_actor()``."""
    return Store()


def token(store: Store | None = None) -> str:
    return dashboard_data.data_token(store or get_store())


def clear_caches() -> None:
    """Forget every cached read; call after any write so the next rerun shows fresh rows."""
    st.cache_data.clear()


# --- cached readers: keyed by db path + data token; the Store is rebuilt inside -----------------
# Each public reader below is typed and cached on its own; ``clear_caches()`` forgets them all.

def _key() -> tuple[str, str]:
    store = get_store()
    return str(store.path), token(store)


@st.cache_data(show_spinner=False, max_entries=64)
def _items(db: str, tok: str, flt: ItemFilter) -> pd.DataFrame:
    return queries.items_frame(Store(db), flt)


@st.cache_data(show_spinner=False, max_entries=8)
def _register(db: str, tok: str) -> pd.DataFrame:
    return register_service.register_frame(Store(db))


@st.cache_data(show_spinner=False, max_entries=8)
def _by_addressee(db: str, tok: str) -> pd.DataFrame:
    return register_service.by_addressee(Store(db))


@st.cache_data(show_spinner=False, max_entries=8)
def _overdue(db: str, tok: str) -> dict[str, int]:
    return register_service.overdue_counts(Store(db))


@st.cache_data(show_spinner=False, max_entries=8)
def _sessions(db: str, tok: str) -> pd.DataFrame:
    return queries.sessions_frame(Store(db))


@st.cache_data(show_spinner=False, max_entries=8)
def _documents(db: str, tok: str) -> pd.DataFrame:
    return queries.documents_frame(Store(db))


@st.cache_data(show_spinner=False, max_entries=16)
def _document_text(db: str, tok: str, source: str) -> str:
    return queries.document_text(Store(db), source)


@st.cache_data(show_spinner=False, max_entries=16)
def _occurrences(db: str, tok: str, source: str) -> pd.DataFrame:
    return queries.occurrences_frame(Store(db), source)


@st.cache_data(show_spinner=False, max_entries=16)
def _history(db: str, tok: str, subject_id: str | None, person: str | None) -> pd.DataFrame:
    return dashboard_data.history_table(Store(db), subject_id=subject_id, person=person)


@st.cache_data(show_spinner=False, max_entries=8)
def _annotations(db: str, tok: str) -> pd.DataFrame:
    return analysis.item_annotations(Store(db))


@st.cache_data(show_spinner=False, max_entries=8)
def _recommendations(db: str, tok: str, recurring_only: bool) -> pd.DataFrame:
    return analysis.recommendations_frame(Store(db), recurring_only=recurring_only)


@st.cache_data(show_spinner=False, max_entries=32)
def _members(db: str, tok: str, rec_id: str | None) -> pd.DataFrame:
    return analysis.members_frame(Store(db), rec_id)


@st.cache_data(show_spinner=False, max_entries=8)
def _review_queue(db: str, tok: str) -> pd.DataFrame:
    return analysis.review_queue(Store(db))


@st.cache_data(show_spinner=False, max_entries=64)
def _review_candidates(db: str, tok: str, item_id: str) -> pd.DataFrame:
    return analysis.review_candidates(Store(db), item_id)


@st.cache_data(show_spinner=False, max_entries=8)
def _review_count(db: str, tok: str) -> int:
    return analysis.review_count(Store(db))


@st.cache_data(show_spinner=False, max_entries=8)
def _report_calls(db: str, tok: str) -> pd.DataFrame:
    return report_calls.report_calls_frame(Store(db))


@st.cache_data(show_spinner=False, max_entries=8)
def _report_call_counts(db: str, tok: str) -> dict[str, int]:
    return report_calls.review_counts(Store(db))


@st.cache_data(show_spinner=False, max_entries=64)
def _call_context(db: str, tok: str, call_id: str) -> tuple[str, str, str]:
    return report_calls.call_context(Store(db), call_id)


@st.cache_data(show_spinner=False, max_entries=8)
def _theme_year(db: str, tok: str) -> pd.DataFrame:
    return analysis.theme_year_frame(Store(db))


@st.cache_data(show_spinner=False, max_entries=8)
def _status_by_theme(db: str, tok: str) -> pd.DataFrame:
    return analysis.status_by_theme_frame(Store(db))


@st.cache_data(show_spinner=False, max_entries=8)
def _progress(db: str, tok: str) -> pd.DataFrame:
    return analysis.progress_by_first_year_frame(Store(db))


@st.cache_data(show_spinner=False, max_entries=8)
def _mode(db: str, tok: str) -> str:
    return analysis.analysis_mode(Store(db))


@st.cache_data(show_spinner=False, max_entries=64)
def _tracker_table(db: str, tok: str, flt: ItemFilter, only_overdue: bool) -> pd.DataFrame:
    return dashboard_data.tracker_table(Store(db), flt, _annotations(db, tok), only_overdue=only_overdue)


@st.cache_data(show_spinner=False, max_entries=8)
def _headline(db: str, tok: str) -> dict[str, Any]:
    return dashboard_data.headline(Store(db))


@st.cache_data(show_spinner=False, max_entries=4)
def _themes_list() -> pd.DataFrame:
    return analysis.themes_list()


def items(flt: ItemFilter | None = None) -> pd.DataFrame:
    """Items as ``queries.items_frame`` gives them (every item unless ``flt`` narrows)."""
    return _items(*_key(), flt or ItemFilter())


def tracker_table(flt: ItemFilter, only_overdue: bool = False) -> pd.DataFrame:
    return _tracker_table(*_key(), flt, only_overdue)


def sessions() -> pd.DataFrame:
    return _sessions(*_key())


def documents() -> pd.DataFrame:
    return _documents(*_key())


def document_text(source: str) -> str:
    return _document_text(*_key(), source)


def occurrences(source: str) -> pd.DataFrame:
    return _occurrences(*_key(), source)


def history(subject_id: str | None = None, person: str | None = None) -> pd.DataFrame:
    """The change log in readable rows (``dashboard_data.history_table``), newest first."""
    return _history(*_key(), subject_id, person)


def item_annotations() -> pd.DataFrame:
    return _annotations(*_key())


def recommendations(recurring_only: bool = False) -> pd.DataFrame:
    """``analysis.recommendations_frame``: one row per recommendation, most sessions first."""
    return _recommendations(*_key(), recurring_only)


def register() -> pd.DataFrame:
    """``services.register.register_frame``: the register (member calls only; outcome, overdue, evidence)."""
    return _register(*_key())


def by_addressee() -> pd.DataFrame:
    """Calls and recommendations by the actor they are addressed to, with their progress."""
    return _by_addressee(*_key())


def overdue_counts() -> dict[str, int]:
    """Overdue recommendations and items (``services.register.overdue_counts``)."""
    return _overdue(*_key())


def members(rec_id: str | None = None) -> pd.DataFrame:
    """``analysis.members_frame``: the calls of one recommendation (or of all), member or suggested."""
    return _members(*_key(), rec_id)


def review_queue() -> pd.DataFrame:
    return _review_queue(*_key())


def review_candidates(item_id: str) -> pd.DataFrame:
    """The recommendations offered for a suggested call, most likely first, with their evidence."""
    return _review_candidates(*_key(), item_id)


def review_count() -> int:
    return _review_count(*_key())


def report_calls_pending() -> pd.DataFrame:
    """Calls found in the report text, waiting for a person to accept or reject them."""
    return _report_calls(*_key())


def report_call_counts() -> dict[str, int]:
    """Report calls by review state: suggested (pending), accepted, rejected."""
    return _report_call_counts(*_key())


def call_context(call_id: str) -> tuple[str, str, str]:
    """(before, sentence, after): the paragraph of the page a report call sits in."""
    return _call_context(*_key(), call_id)


def theme_year() -> pd.DataFrame:
    return _theme_year(*_key())


def status_by_theme() -> pd.DataFrame:
    return _status_by_theme(*_key())


def progress() -> pd.DataFrame:
    return _progress(*_key())


def analysis_mode() -> str:
    return _mode(*_key())


def headline() -> dict[str, Any]:
    return _headline(*_key())


def themes_list() -> pd.DataFrame:
    return _themes_list()


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


# --- the editor's name --------------------------------------------------------------------------
# Streamlit's session state dies with the browser tab's session, so the name also lives in a cookie on this
# machine's browser (read from st.context.cookies when a session starts, written by a one-line script).

NAME_COOKIE = "tracker_editor"
NAME_MAX = 80


def _clean_name(value: Any) -> str:
    text = unquote(str(value or ""))
    return " ".join("".join(ch for ch in text if ch.isprintable()).split())[:NAME_MAX]


def _cookie_name() -> str:
    try:
        value = st.context.cookies.get(NAME_COOKIE, "")
    except Exception:  # bare runs have no request
        return ""
    return _clean_name(value) if isinstance(value, str) else ""  # AppTest answers with a stand-in object


def _write_cookie(name: str) -> None:
    """Keep the name in a cookie of this site for a year (an empty name clears it); no request is made."""
    age = 365 * 24 * 3600 if name else 0
    literal = json.dumps(name).replace("<", "\\u003c")  # a name can never close the script tag
    script = (f"<script>document.cookie = {json.dumps(NAME_COOKIE)} + '=' + encodeURIComponent({literal})"
              f" + '; path=/; max-age={age}; SameSite=Strict';</script>")
    with st.sidebar.container(height=1, border=False, key="name-cookie"):
        st.html(script, unsafe_allow_javascript=True)


def _remember_name() -> None:
    st.session_state[NAME_KEY] = _clean_name(st.session_state.get("_name_input", ""))


def name_input() -> None:
    """Sidebar box for the editor's name; remembered by this browser (a cookie) across reloads and restarts."""
    if NAME_KEY not in st.session_state:
        st.session_state[NAME_KEY] = _cookie_name()
    st.session_state.setdefault("_name_input", st.session_state[NAME_KEY])
    st.sidebar.text_input("Your name (for the change log)", key="_name_input",
                          on_change=_remember_name, placeholder="e.g. Ming Yan",
                          help="Saved with every change you make. This browser remembers it.")
    if _clean_name(st.session_state.get("_name_input", "")) != st.session_state[NAME_KEY]:
        _remember_name()
    if st.session_state.get("_name_cookie") != st.session_state[NAME_KEY]:
        _write_cookie(st.session_state[NAME_KEY])
        st.session_state["_name_cookie"] = st.session_state[NAME_KEY]
    if not st.session_state[NAME_KEY]:
        st.sidebar.caption("Enter your name before editing.")


def editor_name() -> str:
    actor = auth.current_actor()
    if actor is not None:  # signed in: the identity provider's name and e-mail, not editable
        return actor.label
    return str(st.session_state.get(NAME_KEY, "")).strip()


def require_name() -> str | None:
    """The editor's name, or None after showing why saving is refused."""
    name = editor_name()
    if not name:
        st.error(NAME_FIRST + " Every change is logged with it.")
        return None
    return name



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
    st.warning(dashboard_data.escape_markdown(
        f"Not saved{(' — ' + label) if label else ''}: {who} changed this item after you opened it. {said} "
        "Take theirs, or keep yours."), icon=":material/sync_problem:")
    st.dataframe(rows, hide_index=True, width="stretch")


def md(text: Any) -> str:
    """Document text made safe for any Streamlit element that renders Markdown (labels, captions)."""
    return dashboard_data.escape_markdown(text)


def status_label(status: Any) -> str:
    return dashboard_data.status_label(status)


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
