"""What every dashboard page shares: the store, cached readers, the editor's name, error display.

Readers are cached per database path and data token (the file's size and mtime), so a load from
the command line shows up on the next rerun; ``clear_caches()`` runs after every write from
here. No connection is held between reruns: each read opens and closes the file.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import pandas as pd
import streamlit as st

from tracker import analysis, dashboard_data, queries
from tracker.edits import EditConflict
from tracker.queries import ItemFilter
from tracker.resources import seeds_dir
from tracker.store import Store

SEEDS_DIR = seeds_dir()
NAME_KEY = "editor_name"
T = TypeVar("T")


def get_store() -> Store:
    """A Store for $TRACKER_DB (else data/tracker.duckdb); cheap, holds no connection."""
    return Store()


def token(store: Store | None = None) -> str:
    return dashboard_data.data_token(store or get_store())


def clear_caches() -> None:
    """Forget every cached read; call after any write so the next rerun shows fresh rows."""
    st.cache_data.clear()


# --- cached readers: keyed by db path + data token; the Store is rebuilt inside -----------------

@st.cache_data(show_spinner=False, max_entries=64)
def _items(db: str, tok: str, flt: ItemFilter) -> pd.DataFrame:
    return queries.items_frame(Store(db), flt)


@st.cache_data(show_spinner=False, max_entries=16)
def _call(db: str, tok: str, name: str, kwargs: tuple = ()) -> Any:
    fns: dict[str, Callable[..., Any]] = {
        "sessions": queries.sessions_frame, "documents": queries.documents_frame,
        "counts": queries.counts, "history": queries.history_frame,
        "annotations": analysis.item_annotations, "groups": analysis.groups_frame,
        "members": analysis.group_members_frame, "theme_year": analysis.theme_year_frame,
        "status_by_theme": analysis.status_by_theme_frame, "progress": analysis.progress_by_first_year_frame,
        "mode": analysis.analysis_mode,
        "document_text": queries.document_text, "occurrences": queries.occurrences_frame,
    }
    return fns[name](Store(db), **dict(kwargs))


@st.cache_data(show_spinner=False, max_entries=64)
def _tracker_table(db: str, tok: str, flt: ItemFilter, only_overdue: bool) -> pd.DataFrame:
    store = Store(db)
    return dashboard_data.tracker_table(store, flt, _call(db, tok, "annotations"), only_overdue=only_overdue)


@st.cache_data(show_spinner=False, max_entries=4)
def _themes_list() -> pd.DataFrame:
    return analysis.themes_list()


def read(name: str, **kwargs: Any) -> Any:
    """A cached call of a read function by name (see ``_call``), for the current data version."""
    store = get_store()
    return _call(str(store.path), token(store), name, tuple(sorted(kwargs.items())))


def items(flt: ItemFilter | None = None) -> pd.DataFrame:
    store = get_store()
    return _items(str(store.path), token(store), flt or ItemFilter())


def tracker_table(flt: ItemFilter, only_overdue: bool = False) -> pd.DataFrame:
    store = get_store()
    return _tracker_table(str(store.path), token(store), flt, only_overdue)


def annotations() -> pd.DataFrame:
    return read("annotations")


def groups(recurring_only: bool = False) -> pd.DataFrame:
    if recurring_only:
        return read("groups", recurring_only=True)
    return read("groups")


def themes_list() -> pd.DataFrame:
    return _themes_list()


@st.cache_data(show_spinner=False, max_entries=8)
def _headline(db: str, tok: str) -> dict[str, Any]:
    store = Store(db)
    return dashboard_data.headline(store)


def headline() -> dict[str, Any]:
    store = get_store()
    return _headline(str(store.path), token(store))


# --- first run ----------------------------------------------------------------------------------

def ensure_seeded() -> None:
    """On a fresh clone (no database, or nothing loaded) load seeds/ and analyze, with a spinner."""
    store = get_store()
    if not dashboard_data.is_empty(store):
        return
    with st.spinner("First run: loading the bundled session reports from seeds/ …"):
        summary = dashboard_data.seed_if_empty(store, SEEDS_DIR)
    clear_caches()
    if summary:
        st.toast(f"Loaded seeds: {summary}")


# --- the editor's name --------------------------------------------------------------------------

def _remember_name() -> None:
    st.session_state[NAME_KEY] = st.session_state.get("_name_input", "").strip()


def name_input() -> None:
    """Sidebar box for the editor's name; asked once per browser session, kept in session state."""
    st.session_state.setdefault(NAME_KEY, "")
    st.sidebar.text_input("Your name (for the change log)", value=st.session_state[NAME_KEY], key="_name_input",
                          on_change=_remember_name, placeholder="e.g. Ming Yan",
                          help="Saved with every change you make. Asked once per browser session.")
    if st.session_state.get("_name_input", "").strip() != st.session_state[NAME_KEY]:
        _remember_name()
    if not st.session_state[NAME_KEY]:
        st.sidebar.caption("Enter your name before editing.")


def editor_name() -> str:
    return str(st.session_state.get(NAME_KEY, "")).strip()


def require_name() -> str | None:
    """The editor's name, or None after showing why saving is refused."""
    name = editor_name()
    if not name:
        st.error("Enter your name in the sidebar (“Your name”) before saving: every change is logged with it.")
        return None
    return name


def sidebar_tools() -> None:
    name_input()
    if st.sidebar.button("Reload data", icon=":material/refresh:", help="Re-read the database now"):
        clear_caches()
        st.rerun()


# --- display helpers ----------------------------------------------------------------------------

def show_conflict(conflict: EditConflict, label: str = "") -> None:
    who = conflict.changed_by or "someone else"
    st.warning(dashboard_data.escape_markdown(
        f"Not saved{(' — ' + label) if label else ''}: {who} changed this item after you opened it. "
        "Both values are below; reload to see theirs, then apply yours again if it still holds."),
        icon=":material/sync_problem:")
    st.dataframe(dashboard_data.conflict_rows(conflict), hide_index=True, width="stretch")


def md(text: Any) -> str:
    """Document text made safe for any Streamlit element that renders Markdown (labels, captions)."""
    return dashboard_data.escape_markdown(text)


def status_label(status: Any) -> str:
    return dashboard_data.status_label(status)


def page_header(title: str, caption: str) -> None:
    st.title(title)
    st.caption(caption)
