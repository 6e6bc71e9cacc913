"""Calls to action found in the report text: list them, accept one (it becomes an item), reject one.

The loader records them (store.items.merge_report_calls) as suggestions in `report_calls`; nothing
counts them until a person accepts one. Accepting creates the item (origin 'report', kind 'action') with
the call's id, its place in the page, and runs the analysis so it gets themes and a recommendation like any
call; rejecting keeps the decision so the sentence never comes back. Each decision is a history row
(subject 'report_call').
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd

from ..errors import TrackerError
from ..store import Store
from ..store.history import Change, record
from ..store.items import NewItem, insert_items
from .access import requires
from .editing import clean_text

REVIEW_STATES = ("suggested", "accepted", "rejected")
CALL_COLUMNS = ["call_id", "session_id", "year", "session_title", "source", "section", "text", "cue", "review",
                "in_source", "decided_by", "decided_at", "start_offset", "end_offset"]


class UnknownCall(TrackerError):
    """No report call with that id."""


def report_calls_frame(store: Store, review: str | None = "suggested", include_gone: bool = False) -> pd.DataFrame:
    """Report calls, in page order; by default the pending suggestions whose sentence is still in its page.

    A sentence that is an item of its session already (its session's other page lists it) is not offered.
    """
    if review is not None and review not in REVIEW_STATES:
        raise TrackerError(f"unknown review state {review!r}; choose one of {', '.join(REVIEW_STATES)}")
    clauses = ["NOT EXISTS (SELECT 1 FROM items i WHERE i.item_id = c.call_id AND i.origin = 'section')"]
    params: list[object] = []
    if review:
        clauses.append("c.review = ?")
        params.append(review)
    if not include_gone:
        clauses.append("c.in_source")
    return store.query(f"""
        SELECT c.call_id, c.session_id, s.year, s.title AS session_title, c.source, c.section, c.text, c.cue,
               c.review, c.in_source, c.decided_by, c.decided_at, c.start_offset, c.end_offset
        FROM report_calls c LEFT JOIN sessions s USING (session_id)
        WHERE {' AND '.join(clauses)}
        ORDER BY s.year NULLS LAST, c.session_id, c.source, c.start_offset""", params)


def review_counts(store: Store) -> dict[str, int]:
    """How many calls are suggested, accepted and rejected (suggestions still in their page only)."""
    rows = store.query("""
        SELECT review, count(*) AS n FROM report_calls c
        WHERE (review <> 'suggested' OR in_source)
          AND NOT EXISTS (SELECT 1 FROM items i WHERE i.item_id = c.call_id AND i.origin = 'section')
        GROUP BY review""")
    found = dict(zip(rows["review"], rows["n"], strict=True))
    return {state: int(found.get(state, 0)) for state in REVIEW_STATES}


def call_context(store: Store, call_id: str) -> tuple[str, str, str]:
    """The paragraph around a call: (text before it, the sentence as it stands in the page, text after)."""
    row = store.read(lambda con: con.execute("""
        SELECT d.text, c.start_offset, c.end_offset FROM report_calls c JOIN documents d USING (source)
        WHERE c.call_id = ?""", [call_id]).fetchone())
    if row is None:
        return "", "", ""
    text, start, end = row
    para_start = text.rfind("\n", 0, start) + 1
    para_end = text.find("\n", end)
    para_end = len(text) if para_end < 0 else para_end
    return text[para_start:start].lstrip(), text[start:end], text[end:para_end].rstrip()


def _row(con: duckdb.DuckDBPyConnection, call_id: str) -> tuple:
    row = con.execute("""SELECT session_id, text, source, section, start_offset, end_offset, in_source, review
                         FROM report_calls WHERE call_id = ?""", [call_id]).fetchone()
    if row is None:
        raise UnknownCall(f"unknown report call id {call_id!r} (see `tracker review --calls`)")
    return row


def _decide(con: duckdb.DuckDBPyConnection, call_id: str, old: str, new: str, by: str, via: str,
            now: datetime) -> None:
    con.execute("UPDATE report_calls SET review = ?, decided_by = ?, decided_at = ? WHERE call_id = ?",
                [new, by, now, call_id])
    record(con, [Change("report_call", call_id, "review", old, new, by, now, via)])


def _who(by: str) -> str:
    name = clean_text(by or "").strip()
    if not name:
        raise TrackerError("say who is deciding (--by NAME)")
    return name


@requires("editor", "accept a call found in the report")
def accept_call(store: Store, call_id: str, by: str, via: str = "cli", analyze: bool = True) -> str:
    """Make a suggested (or earlier rejected) call an item; returns the item id (the call's id).

    Runs the analysis afterwards (themes, addressee, its recommendation suggestion) unless analyze=False.
    """
    who = _who(by)
    now = datetime.now()

    def run(con: duckdb.DuckDBPyConnection) -> str:
        session_id, text, source, section, start, end, in_source, review = _row(con, call_id)
        if review == "accepted":
            raise TrackerError(f"{call_id} is already an item; set its status instead (tracker set {call_id} …)")
        position = None
        if in_source:
            taken = con.execute("SELECT max(position) FROM occurrences WHERE source = ?", [source]).fetchone()
            position = (taken[0] if taken and taken[0] is not None else -1) + 1
            con.execute("INSERT INTO occurrences VALUES (?, ?, ?, ?, ?, ?)",
                        [source, position, call_id, section, start, end])
        insert_items(con, [NewItem(call_id, session_id, "action", text, section, "", "", source,
                                   position if position is not None else 0, bool(in_source))], now, "report")
        _decide(con, call_id, review, "accepted", who, via, now)
        return call_id

    item_id = store.write(run)
    if analyze:
        from ..analysis import analyze as run_analysis

        # placing the accepted call is the machine's follow-up to the editor's decision: the check above was
        # for accepting, and the analysis is not an entry point of its own here
        run_analysis(store)
    return item_id


@requires("editor", "reject a call found in the report")
def reject_call(store: Store, call_id: str, by: str, via: str = "cli") -> None:
    """Not a call: it stays rejected on every reload. An accepted call is an item: drop it by its status."""
    who = _who(by)
    now = datetime.now()

    def run(con: duckdb.DuckDBPyConnection) -> None:
        review = _row(con, call_id)[7]
        if review == "accepted":
            raise TrackerError(f"{call_id} was accepted and is an item; set its status to dropped instead")
        if review != "rejected":
            _decide(con, call_id, review, "rejected", who, via, now)

    store.write(run)


def review_columns(store: Store, items: pd.DataFrame, with_suggestions: bool = True) -> pd.DataFrame:
    """The items export with `origin` (section | report) and `review` (accepted, suggested, rejected), plus
    one row per report call not accepted (review suggested or rejected, no follow-up fields)."""
    origins = store.query("SELECT item_id, origin FROM items")
    frame = items.merge(origins, on="item_id", how="left")
    frame["review"] = "accepted"
    calls = report_calls_frame(store, review=None, include_gone=True)
    calls = calls[calls["review"] != "accepted"]
    if calls.empty or not with_suggestions:
        return frame
    extra = pd.DataFrame({
        "item_id": calls["call_id"], "source": calls["source"], "year": calls["year"], "session_title":
        calls["session_title"], "kind": "action", "section": calls["section"], "text": calls["text"],
        "in_source": calls["in_source"], "origin": "report", "review": calls["review"]})
    meta = store.query("""SELECT c.call_id AS item_id, s.session_type, s.number AS session_number
                          FROM report_calls c LEFT JOIN sessions s USING (session_id)""")
    extra = extra.merge(meta, on="item_id", how="left")
    return pd.concat([frame, extra[[c for c in extra.columns if c in frame.columns]]], ignore_index=True)
