"""The reads only the dashboard makes beyond ``queries``: whether anything is loaded, names for ids in the change
log, the loaded files, and the call counts of the overview before the analysis. The ui layer sends no SQL."""

from __future__ import annotations

import pandas as pd

from ..vocabulary import FOLLOWED_KINDS_SQL
from .db import Store


def document_count(store: Store) -> int:
    """How many files are loaded (0 on a new database)."""
    return int(store.scalar("SELECT count(*) FROM documents") or 0)


def recommendation_titles(store: Store) -> dict[str, str]:
    """Every recommendation's title by its id."""
    return dict(store.query("SELECT rec_id, title FROM recommendations").itertuples(index=False, name=None))


def draft_names(store: Store) -> list[tuple[int, str, int]]:
    """Every proposal draft as (draft_id, name, target_year)."""
    return list(store.query("SELECT draft_id, name, target_year FROM drafts").itertuples(index=False, name=None))


def loaded_files(store: Store) -> pd.DataFrame:
    """One row per loaded file: source, item_count, loaded_at, loaded_by, and its session's forum, year,
    session_type, number and title."""
    return store.query("""SELECT d.source, d.item_count, d.loaded_at, d.loaded_by, s.forum, s.year, s.session_type,
                                 s.number, s.title
                          FROM documents d LEFT JOIN sessions s USING (session_id)""")


def call_counts(store: Store) -> tuple[int, int]:
    """Takeaways and calls to action still on their page, counted one by one: (done, not dropped)."""
    row = store.query(f"""SELECT count(*) FILTER (WHERE status = 'done') AS done,
                                count(*) FILTER (WHERE status <> 'dropped') AS tracked
                         FROM items WHERE in_source AND kind IN {FOLLOWED_KINDS_SQL}""").iloc[0]
    return int(row["done"]), int(row["tracked"])
