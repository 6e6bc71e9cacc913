"""The dashboard's cached reads: one decorator turns a library read ``fn(store, *args)`` into a typed reader
``fn(*args)`` cached per database path and data token.

The token is the file's size and mtime (``dashboard_data.data_token``), so a load from the command line shows up on
the next rerun; ``clear_caches()`` runs after every write from the dashboard. No connection is held between reruns:
each read opens and closes the file, with a Store rebuilt from the path inside the cache.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

import pandas as pd
import streamlit as st

from tracker import analysis
from tracker.services import register as register_service
from tracker.services import report_calls
from tracker.store import Store, queries
from tracker.store.queries import ItemFilter
from tracker.ui import dashboard_data

P = ParamSpec("P")
T = TypeVar("T")


def get_store() -> Store:
    """A Store for $TRACKER_DB (else data/tracker.duckdb); cheap, holds no connection. Writes go through the
    services with ``actor=auth.current_actor()``."""
    return Store()


def token(store: Store | None = None) -> str:
    return dashboard_data.data_token(store or get_store())


def clear_caches() -> None:
    """Forget every cached read; call after any write so the next rerun shows fresh rows."""
    st.cache_data.clear()


def cached_reader(max_entries: int) -> Callable[[Callable[Concatenate[Store, P], T]], Callable[P, T]]:
    """``fn(store, *args)`` -> a reader ``fn(*args)`` of the current database, cached on (path, token, args)."""

    def wrap(fn: Callable[Concatenate[Store, P], T]) -> Callable[P, T]:
        def read(db: str, tok: str, *args: Any, **kwargs: Any) -> T:
            return fn(Store(db), *args, **kwargs)

        # Streamlit keys a cache by the function's module, qualified name and source: every ``read`` has the same
        # source and qualified name, so without its reader's name they would share one cache and answer each other
        read.__module__, read.__qualname__ = fn.__module__, f"{fn.__qualname__}.read"
        cached = st.cache_data(show_spinner=False, max_entries=max_entries)(read)

        @functools.wraps(fn)
        def reader(*args: P.args, **kwargs: P.kwargs) -> T:
            store = get_store()
            return cached(str(store.path), token(store), *args, **kwargs)

        return reader

    return wrap


@cached_reader(64)
def items(store: Store, flt: ItemFilter | None = None) -> pd.DataFrame:
    """Items as ``queries.items_frame`` gives them (every item unless ``flt`` narrows)."""
    return queries.items_frame(store, flt or ItemFilter())


@cached_reader(8)
def item_annotations(store: Store) -> pd.DataFrame:
    return analysis.item_annotations(store)


@cached_reader(64)
def tracker_table(store: Store, flt: ItemFilter, only_overdue: bool = False) -> pd.DataFrame:
    return dashboard_data.tracker_table(store, flt, item_annotations(), only_overdue=only_overdue)


@cached_reader(8)
def sessions(store: Store) -> pd.DataFrame:
    return queries.sessions_frame(store)


@cached_reader(8)
def documents(store: Store) -> pd.DataFrame:
    return queries.documents_frame(store)


@cached_reader(16)
def document_text(store: Store, source: str) -> str:
    return queries.document_text(store, source)


@cached_reader(16)
def occurrences(store: Store, source: str) -> pd.DataFrame:
    return queries.occurrences_frame(store, source)


@cached_reader(16)
def history(store: Store, subject_id: str | None = None, person: str | None = None) -> pd.DataFrame:
    """The change log in readable rows (``dashboard_data.history_table``), newest first."""
    return dashboard_data.history_table(store, subject_id=subject_id, person=person)


@cached_reader(8)
def recommendations(store: Store, recurring_only: bool = False) -> pd.DataFrame:
    """``analysis.recommendations_frame``: one row per recommendation, most sessions first."""
    return analysis.recommendations_frame(store, recurring_only=recurring_only)


@cached_reader(8)
def register(store: Store) -> pd.DataFrame:
    """``services.register.register_frame``: the register (member calls only; outcome, overdue, evidence)."""
    return register_service.register_frame(store)


@cached_reader(8)
def by_addressee(store: Store) -> pd.DataFrame:
    """Calls and recommendations by the actor they are addressed to, with their progress."""
    return register_service.by_addressee(store)


@cached_reader(8)
def overdue_counts(store: Store) -> dict[str, int]:
    """Overdue recommendations and items (``services.register.overdue_counts``)."""
    return register_service.overdue_counts(store)


@cached_reader(32)
def members(store: Store, rec_id: str | None = None) -> pd.DataFrame:
    """``analysis.members_frame``: the calls of one recommendation (or of all), member or suggested."""
    return analysis.members_frame(store, rec_id)


@cached_reader(8)
def review_queue(store: Store) -> pd.DataFrame:
    return analysis.review_queue(store)


@cached_reader(64)
def review_candidates(store: Store, item_id: str) -> pd.DataFrame:
    """The recommendations offered for a suggested call, most likely first, with their evidence."""
    return analysis.review_candidates(store, item_id)


@cached_reader(8)
def review_count(store: Store) -> int:
    return analysis.review_count(store)


@cached_reader(8)
def report_calls_pending(store: Store) -> pd.DataFrame:
    """Calls found in the report text, waiting for a person to accept or reject them."""
    return report_calls.report_calls_frame(store)


@cached_reader(8)
def report_call_counts(store: Store) -> dict[str, int]:
    """Report calls by review state: suggested (pending), accepted, rejected."""
    return report_calls.review_counts(store)


@cached_reader(64)
def call_context(store: Store, call_id: str) -> tuple[str, str, str]:
    """(before, sentence, after): the paragraph of the page a report call sits in."""
    return report_calls.call_context(store, call_id)


@cached_reader(8)
def theme_year(store: Store) -> pd.DataFrame:
    return analysis.theme_year_frame(store)


@cached_reader(8)
def status_by_theme(store: Store) -> pd.DataFrame:
    return analysis.status_by_theme_frame(store)


@cached_reader(8)
def progress(store: Store) -> pd.DataFrame:
    return analysis.progress_by_first_year_frame(store)


@cached_reader(8)
def analysis_mode(store: Store) -> str:
    return analysis.analysis_mode(store)


@cached_reader(8)
def headline(store: Store) -> dict[str, Any]:
    return dashboard_data.headline(store)


@st.cache_data(show_spinner=False, max_entries=4)
def themes_list() -> pd.DataFrame:
    """The theme taxonomy (a file, not the database)."""
    return analysis.themes_list()
