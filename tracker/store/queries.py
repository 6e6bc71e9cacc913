"""Read-side functions: pandas frames for the dashboard, the exports and the proposal planning."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from ..vocabulary import FOLLOWED_KINDS_SQL
from .db import Store

ITEM_COLUMNS = ["item_id", "source", "year", "session_id", "forum", "session_type", "session_number", "session_title",
                "kind",
                "section", "text", "status", "owner", "due_date", "notes", "in_source", "speaker", "explanation",
                "position", "updated_at", "updated_by", "version"]

_ITEMS_SQL = """
    SELECT i.item_id, i.source, s.year, i.session_id, s.forum, s.session_type, s.number AS session_number,
           s.title AS session_title, i.kind, i.section, i.text, i.status, i.owner, i.due_date, i.notes,
           i.in_source, i.speaker, i.explanation, i.position, i.updated_at, i.updated_by, i.version
    FROM items i LEFT JOIN sessions s USING (session_id)
"""


@dataclass
class ItemFilter:
    """What the Tracker page and `export` narrow the item list by; empty means no restriction."""

    years: list[int] = field(default_factory=list)
    sessions: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    owners: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    forums: list[str] = field(default_factory=list)  # "IGF", "APrIGF", … (sessions.forum)
    text: str = ""
    include_removed: bool = True

    def where(self) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        for column, values in (("s.year", self.years), ("i.session_id", self.sessions), ("i.kind", self.kinds),
                               ("i.status", self.statuses), ("i.owner", self.owners), ("s.forum", self.forums)):
            if values:
                clauses.append(f"{column} IN ({', '.join('?' for _ in values)})")
                params.extend(values)
        if self.text.strip():
            clauses.append("(i.text ILIKE ? OR i.notes ILIKE ? OR i.owner ILIKE ? OR s.title ILIKE ?)")
            pattern = "%" + self.text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            clauses[-1] = clauses[-1].replace("ILIKE ?", "ILIKE ? ESCAPE '\\'")
            params.extend([pattern] * 4)
        if not self.include_removed:
            clauses.append("i.in_source")
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def _arrow_frame(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> pd.DataFrame:
    """The frame DuckDB's .df() gives (due_date aside, converted by the caller), through Arrow, which is
    faster on large trackers. Integer columns with NULLs become nullable Int dtypes, as .df() makes them."""
    table = con.sql(sql, params=params).to_arrow_table()
    if not table.num_rows:  # .df() types empty text columns as object; keep exactly that
        return con.sql(sql, params=params).df()
    frame = table.to_pandas()
    for name, column in zip(table.column_names, table.columns, strict=True):
        if pa.types.is_integer(column.type) and column.null_count:
            frame[name] = frame[name].astype(f"Int{column.type.bit_width}")
    return frame


def items_frame(store: Store, flt: ItemFilter | None = None) -> pd.DataFrame:
    """Every item (or the filtered ones) with its session's year, type, number and title."""
    where, params = (flt or ItemFilter()).where()
    sql = _ITEMS_SQL + where + " ORDER BY s.year NULLS LAST, i.session_id, i.position"
    frame = store.read(lambda con: _arrow_frame(con, sql, params))
    frame["due_date"] = pd.to_datetime(frame["due_date"]).dt.date
    return frame


def sessions_frame(store: Store) -> pd.DataFrame:
    """One row per session: metadata, its source files, how many items it has and whether it reported."""
    return store.query("""
        SELECT s.session_id,
               (SELECT string_agg(d.source, '; ' ORDER BY d.source) FROM documents d
                 WHERE d.session_id = s.session_id) AS source,
               s.year, s.session_type, s.number, s.title, s.date,
               array_to_string(coalesce(s.sdgs, []), ' ') AS sdgs,
               (SELECT count(*) FROM items i WHERE i.session_id = s.session_id AND i.in_source) AS item_count,
               (SELECT count(*) FROM items i WHERE i.session_id = s.session_id AND i.in_source) > 0 AS has_outcomes,
               s.organizers, s.speakers, s.moderators, s.rapporteur, s.forum,
               (SELECT string_agg(d.url, '; ' ORDER BY d.url) FROM documents d
                 WHERE d.session_id = s.session_id AND d.url IS NOT NULL) AS url
        FROM sessions s ORDER BY s.year NULLS LAST, s.session_type, s.number""")


def forums(store: Store) -> list[str]:
    """The forums the stored sessions belong to, the IGF first."""
    rows = store.read(lambda con: con.execute(
        "SELECT DISTINCT forum FROM sessions WHERE forum IS NOT NULL ORDER BY forum <> 'IGF', forum").fetchall())
    return [str(row[0]) for row in rows]


def documents_frame(store: Store) -> pd.DataFrame:
    return store.query("SELECT source, session_id, page_kind, item_count, loaded_at FROM documents ORDER BY source")


def document_text(store: Store, source: str) -> str:
    return store.scalar("SELECT text FROM documents WHERE source = ?", [source]) or ""


def occurrences_frame(store: Store, source: str) -> pd.DataFrame:
    """Where each item was found in one document: offsets into ``document_text``."""
    return store.query("""
        SELECT o.position, o.item_id, o.section, o.start_offset, o.end_offset, i.kind, i.status
        FROM occurrences o JOIN items i USING (item_id) WHERE o.source = ? ORDER BY o.position""", [source])


def history_frame(store: Store, subject_id: str | None = None, person: str | None = None,
                  limit: int = 5000) -> pd.DataFrame:
    """The change log, newest first; optionally for one subject and/or one person.

    Each row changes a ``subject``: 'item' (``subject_id`` is the item's id, ``subject_text`` its text) or
    'recommendation' (``subject_id`` is the recommendation's id, such as R3; ``subject_text`` is empty),
    'report_call' (a decision on a call found in the report text: ``subject_id`` is its id, ``subject_text`` its
    sentence), 'draft' (a proposal draft, ``subject_id`` D1, D2 …) or 'person' (a role change).
    """
    clauses: list[str] = []
    params: list[Any] = []
    if subject_id:
        clauses.append("h.subject_id = ?")
        params.append(subject_id)
    if person:
        clauses.append("h.changed_by = ?")
        params.append(person)
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    return store.query(f"""
        SELECT h.changed_at, h.changed_by, h.subject, h.subject_id, h.field, h.old_value, h.new_value, h.via,
               coalesce(i.text, c.text) AS subject_text
        FROM history h LEFT JOIN items i ON h.subject = 'item' AND i.item_id = h.subject_id
        LEFT JOIN report_calls c ON h.subject = 'report_call' AND c.call_id = h.subject_id{where}
        ORDER BY h.change_id DESC LIMIT {int(limit)}""", params)


def item_row(store: Store, item_id: str) -> dict | None:
    frame = store.query(_ITEMS_SQL + " WHERE i.item_id = ?", [item_id])
    return None if frame.empty else frame.iloc[0].to_dict()


def counts(store: Store) -> dict[str, int]:
    """Headline numbers: sessions, items by kind, sessions without published outcomes."""
    row = store.query("""
        SELECT (SELECT count(*) FROM sessions) AS sessions,
               count(*) FILTER (WHERE kind = 'takeaway') AS takeaways,
               count(*) FILTER (WHERE kind = 'action') AS actions,
               count(*) FILTER (WHERE kind = 'question') AS questions,
               count(*) FILTER (WHERE status = 'done') AS done,
               count(*) AS items,
               (SELECT count(*) FROM sessions s WHERE NOT EXISTS (
                    SELECT 1 FROM items i WHERE i.session_id = s.session_id AND i.in_source)) AS without_outcomes
        FROM items WHERE in_source""").iloc[0]
    return {k: int(v) for k, v in row.items()}


# --- what a recommendation spans: the one definition of "recurring" -------------------------------

RECURRING_SESSIONS = 2  # a recommendation recurs when its confirmed calls come from this many sessions or more
# A confirmed call: a member of its recommendation (a person accepted it, moved it there or started the
# recommendation with it; the analysis's own first call of a group counts too, alone it links nothing) that is
# still on its page. Pending suggestions are the machine's guess: shown beside, never counted as fact.
CONFIRMED_MEMBER = "m.state = 'member' AND i.in_source"
PENDING_SUGGESTION = "m.state = 'suggested' AND i.in_source"


def recommendation_spans_sql() -> str:
    """The ``spans`` common table expression (``WITH <this> SELECT …``): one row per recommendation that has
    any call. Every count, chart, export and proposal line takes its figures from here, so "recurring" means
    the same everywhere: confirmed calls still in their source that span two or more sessions.

    Columns: rec_id; item_ids (its members) and suggested_item_ids (pending suggestions); over confirmed calls
    still in their source: n_items, n_sessions, sessions, years, first_year, last_year, recurring; pending
    (suggestions still in their source); with those suggestions accepted: n_sessions_suggested,
    suggested_years (the years of those suggestions) and recurring_suggested (recurs only if they are accepted)."""
    confirmed, pending = CONFIRMED_MEMBER, PENDING_SUGGESTION
    return f"""spans AS (
        SELECT *, n_sessions >= {RECURRING_SESSIONS} AS recurring,
               n_sessions < {RECURRING_SESSIONS} AND n_sessions_suggested >= {RECURRING_SESSIONS}
                   AS recurring_suggested
        FROM (
            SELECT m.rec_id,
                   coalesce(list(m.item_id ORDER BY m.item_id) FILTER (WHERE m.state = 'member'), [])
                       AS item_ids,
                   coalesce(list(m.item_id ORDER BY m.item_id) FILTER (WHERE m.state = 'suggested'), [])
                       AS suggested_item_ids,
                   count(*) FILTER (WHERE {confirmed}) AS n_items,
                   count(DISTINCT i.session_id) FILTER (WHERE {confirmed}) AS n_sessions,
                   coalesce(list(DISTINCT i.session_id ORDER BY i.session_id) FILTER (WHERE {confirmed}), [])
                       AS sessions,
                   coalesce(list(DISTINCT s.year ORDER BY s.year) FILTER (WHERE {confirmed} AND s.year IS NOT NULL),
                            []) AS years,
                   min(s.year) FILTER (WHERE {confirmed}) AS first_year,
                   max(s.year) FILTER (WHERE {confirmed}) AS last_year,
                   count(*) FILTER (WHERE {pending}) AS pending,
                   count(DISTINCT i.session_id) FILTER (WHERE ({confirmed}) OR ({pending})) AS n_sessions_suggested,
                   coalesce(list(DISTINCT s.year ORDER BY s.year) FILTER (WHERE ({pending}) AND s.year IS NOT NULL),
                            []) AS suggested_years
            FROM memberships m JOIN items i USING (item_id) LEFT JOIN sessions s USING (session_id)
            GROUP BY m.rec_id))"""


def recurrence_counts(store: Store) -> dict[str, int]:
    """recurring: recommendations that recur on confirmed calls (``recommendation_spans_sql``); suggested: the
    others that would recur if their pending suggestions were accepted."""
    row = store.read(lambda con: con.execute(f"""
        WITH {recommendation_spans_sql()}
        SELECT count(*) FILTER (WHERE recurring), count(*) FILTER (WHERE recurring_suggested) FROM spans""").fetchone())
    return {"recurring": int(row[0] or 0) if row else 0, "suggested": int(row[1] or 0) if row else 0}


def confirmed_member_ids(con: duckdb.DuckDBPyConnection, rec_id: str) -> list[str]:
    """The confirmed takeaways and calls to action of one recommendation still in their source, the calls its
    "apply the status to its N calls" sets (inside a write, on its connection); its questions keep theirs."""
    return [r[0] for r in con.execute(f"""
        SELECT m.item_id FROM memberships m JOIN items i USING (item_id)
        WHERE m.rec_id = ? AND {CONFIRMED_MEMBER} AND i.kind IN {FOLLOWED_KINDS_SQL} ORDER BY m.item_id""",
        [rec_id]).fetchall()]
