"""Recommendations people decide on: their calls (accept, reject, move, start, merge) and new recommendations.

A recommendation has a stable id (``R12``), a title, and its own status, owner, due date and notes, with the
same history rows as items (``history.subject = 'recommendation'``); following it up (title, status, owner,
due date, notes) is ``services.editing.set_recommendation``, the same service as an item's.

Anything a person does to a recommendation (accepts a suggestion, titles it, follows it up, starts it)
makes it *confirmed*: the machine never moves its members again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import duckdb

from ..errors import UnknownRecommendation
from ..reading.typed import clean_title
from ..store import Store
from ..store.db import fetch_one
from ..store.history import Change, record
from .core import AnalysisError
from .titles import suggest_title


def _who(by: str) -> str:
    by = (by or "").strip()
    if not by:
        raise AnalysisError("say who decides (--by NAME): decisions are kept with the person's name")
    return by


def _rec_row(con: duckdb.DuckDBPyConnection, rec_id: str) -> tuple[Any, ...]:
    row = con.execute("""SELECT title, status, owner, due_date, notes, version, updated_by FROM recommendations
                         WHERE rec_id = ?""", [rec_id]).fetchone()
    if row is None:
        raise UnknownRecommendation(f"unknown recommendation {rec_id!r}")
    return row


def _membership(con: duckdb.DuckDBPyConnection, item_id: str) -> tuple[str, str]:
    row = con.execute("SELECT rec_id, state FROM memberships WHERE item_id = ?", [item_id]).fetchone()
    if row is None:
        if con.execute("SELECT 1 FROM items WHERE item_id = ?", [item_id]).fetchone() is None:
            raise AnalysisError(f"unknown item id {item_id!r}")
        raise AnalysisError(f"item {item_id} is in no recommendation (only takeaways and calls to action are; "
                            "run the analysis first)")
    return row[0], row[1]


def _move(con: duckdb.DuckDBPyConnection, item_id: str, rec_id: str, by: str, now: datetime, via: str,
          not_same: list[str] | None = None, started: bool = False) -> str:
    """Make the item a member of rec_id (confirmed); remove an unconfirmed recommendation it leaves empty.
    The history row says what happened: accepted, moved (from a recommendation it was a member of), or "not
    the same as" the recommendations a person turned down (``not_same``) and then started or chose."""
    old_rec, old_state = _membership(con, item_id)
    con.execute("DELETE FROM memberships WHERE item_id = ?", [item_id])
    con.execute("""INSERT INTO memberships (item_id, rec_id, state, decided_by, decided_at)
                   VALUES (?, ?, 'member', ?, ?)""", [item_id, rec_id, by, now])
    con.execute("UPDATE recommendations SET confirmed = TRUE WHERE rec_id = ?", [rec_id])
    if not_same:
        field_name = "not_same_started" if started else "not_same"
        record(con, [Change("item", item_id, field_name, ", ".join(not_same), rec_id, by, now, via)])
    elif old_rec != rec_id:
        old = old_rec if old_state == "member" else f"suggested: {old_rec}"
        record(con, [Change("item", item_id, "recommendation", old, rec_id, by, now, via)])
    else:
        record(con, [Change("item", item_id, "recommendation", "suggested: " + rec_id, rec_id, by, now, via)])
    if old_rec != rec_id:
        _drop_if_empty(con, old_rec)
    return old_rec


def _offered(con: duckdb.DuckDBPyConnection, item_id: str, chosen: str) -> list[str]:
    """The recommendations offered for a suggested call other than the one a person chose: turned down too."""
    return [r[0] for r in con.execute("""SELECT c.rec_id FROM candidates c JOIN memberships m USING (item_id)
                                         WHERE c.item_id = ? AND c.rec_id <> ? AND m.state = 'suggested'
                                         ORDER BY c.rank""", [item_id, chosen]).fetchall()]


def _reject_all(con: duckdb.DuckDBPyConnection, item_id: str, rec_ids: list[str], by: str, now: datetime) -> None:
    for rec_id in rec_ids:
        con.execute("INSERT OR IGNORE INTO rejections VALUES (?, ?, ?, ?)", [item_id, rec_id, by, now])


def _drop_if_empty(con: duckdb.DuckDBPyConnection, rec_id: str) -> None:
    con.execute("""DELETE FROM recommendations r WHERE r.rec_id = ? AND NOT r.confirmed
                   AND NOT EXISTS (SELECT 1 FROM memberships m WHERE m.rec_id = r.rec_id)""", [rec_id])


def _new_recommendation(con: duckdb.DuckDBPyConnection, texts: list[str], by: str, now: datetime,
                        title: str | None = None) -> str:
    number = fetch_one(con, "SELECT nextval('recommendation_seq')")[0]
    rec_id = f"R{number}"
    title = clean_title(title)
    con.execute("""INSERT INTO recommendations (rec_id, title, title_by, confirmed, created_at, created_by)
                   VALUES (?, ?, ?, TRUE, ?, ?)""",
                [rec_id, title or suggest_title(texts), by if title else "machine", now, by])
    record(con, [Change("recommendation", rec_id, "created", None, title or "", by, now, "review")])
    return rec_id


def accept(store: Store, item_id: str, by: str) -> str:
    """Same recommendation: the suggestion becomes a member (and the recommendation is confirmed)."""
    by = _who(by)

    def run(con: duckdb.DuckDBPyConnection) -> str:
        rec_id, state = _membership(con, item_id)
        if state != "suggested":
            raise AnalysisError(f"item {item_id} is already a member of {rec_id}")
        now = datetime.now()
        _reject_all(con, item_id, _offered(con, item_id, rec_id), by, now)
        _move(con, item_id, rec_id, by, now, "review")
        return rec_id

    return store.write(run, checkpoint=False)


def reject(store: Store, item_id: str, by: str) -> str:
    """Not the same: remembered (never suggested again); the call starts a recommendation of its own."""
    by = _who(by)

    def run(con: duckdb.DuckDBPyConnection) -> str:
        rec_id, _ = _membership(con, item_id)
        now = datetime.now()
        _reject_all(con, item_id, [rec_id], by, now)
        text = fetch_one(con, "SELECT text FROM items WHERE item_id = ?", [item_id])[0]
        new = _new_recommendation(con, [text], by, now)
        _move(con, item_id, new, by, now, "review", not_same=[rec_id], started=True)
        return new

    return store.write(run, checkpoint=False)


def move_item(store: Store, item_id: str, rec_id: str, by: str) -> None:
    """Choose another: the call becomes a member of ``rec_id``."""
    by = _who(by)

    def run(con: duckdb.DuckDBPyConnection) -> None:
        _rec_row(con, rec_id)
        old_rec, state = _membership(con, item_id)
        now = datetime.now()
        if state == "suggested" and old_rec != rec_id:  # a person turned the suggestion down for another
            _reject_all(con, item_id, [old_rec] + _offered(con, item_id, rec_id), by, now)
            _move(con, item_id, rec_id, by, now, "review", not_same=[old_rec])
        else:
            _move(con, item_id, rec_id, by, now, "review")

    store.write(run, checkpoint=False)


def start_recommendation(store: Store, item_id: str, by: str, title: str | None = None) -> str:
    """Start a new recommendation with this call as its member (split it out of where it is)."""
    by = _who(by)

    def run(con: duckdb.DuckDBPyConnection) -> str:
        rec_id, _ = _membership(con, item_id)
        now = datetime.now()
        text = fetch_one(con, "SELECT text FROM items WHERE item_id = ?", [item_id])[0]
        new = _new_recommendation(con, [text], by, now, title)
        _reject_all(con, item_id, [rec_id], by, now)
        _move(con, item_id, new, by, now, "review", not_same=[rec_id], started=True)
        return new

    return store.write(run, checkpoint=False)


def choose(store: Store, item_id: str, rec_id: str, by: str) -> str:
    """The person picks one of the recommendations offered for a suggested call (or any other): the suggested
    one accepts it; another one turns the suggestion down and makes the call a member there."""
    by = _who(by)
    current, state = store.read(lambda con: _membership(con, item_id))
    if state == "suggested" and current == rec_id:
        return accept(store, item_id, by)
    move_item(store, item_id, rec_id, by)
    return rec_id


def none_of_these(store: Store, item_id: str, by: str, title: str | None = None) -> str:
    """None of the recommendations offered is the call's: each is remembered as "not the same" (never suggested
    again, and learned from), and the call starts a new recommendation. Returns its id."""
    by = _who(by)

    def run(con: duckdb.DuckDBPyConnection) -> str:
        rec_id, _ = _membership(con, item_id)
        offered = [r[0] for r in con.execute("""SELECT c.rec_id FROM candidates c JOIN recommendations USING (rec_id)
                                                WHERE c.item_id = ? ORDER BY c.rank""", [item_id]).fetchall()]
        turned_down = [rec_id] + [r for r in offered if r != rec_id]
        now = datetime.now()
        text = fetch_one(con, "SELECT text FROM items WHERE item_id = ?", [item_id])[0]
        new = _new_recommendation(con, [text], by, now, title)
        _reject_all(con, item_id, turned_down, by, now)
        _move(con, item_id, new, by, now, "review", not_same=turned_down, started=True)
        return new

    return store.write(run, checkpoint=False)


def merge_recommendations(store: Store, keep: str, other: str, by: str) -> int:
    """The same recommendation: every call of ``other`` becomes a member of ``keep``; ``other``'s notes are
    added to ``keep``'s, and ``other`` is removed. Returns the number of calls moved."""
    by = _who(by)
    if keep == other:
        raise AnalysisError("merge needs two different recommendations")

    def run(con: duckdb.DuckDBPyConnection) -> int:
        _rec_row(con, keep)
        other_row = _rec_row(con, other)
        now = datetime.now()
        items = [r[0] for r in con.execute("SELECT item_id FROM memberships WHERE rec_id = ? ORDER BY item_id",
                                           [other]).fetchall()]
        for item_id in items:
            _move(con, item_id, keep, by, now, "merge")
        if other_row[4]:
            con.execute("UPDATE recommendations SET notes = trim(notes || chr(10) || ?) WHERE rec_id = ?",
                        [f"[from {other}: {other_row[0]}] {other_row[4]}", keep])
        con.execute("DELETE FROM rejections WHERE rec_id = ?", [other])
        con.execute("DELETE FROM recommendations WHERE rec_id = ?", [other])
        record(con, [Change("recommendation", other, "merged_into", other, keep, by, now, "merge")])
        return len(items)

    return store.write(run, checkpoint=False)


def accept_all(store: Store, rec_id: str, by: str) -> int:
    """Every pending suggestion on this recommendation becomes a member."""
    by = _who(by)

    def run(con: duckdb.DuckDBPyConnection) -> int:
        _rec_row(con, rec_id)
        items = [r[0] for r in con.execute("""SELECT item_id FROM memberships WHERE rec_id = ? AND state = 'suggested'
                                              ORDER BY item_id""", [rec_id]).fetchall()]
        now = datetime.now()
        for item_id in items:
            _move(con, item_id, rec_id, by, now, "review")
        con.execute("UPDATE recommendations SET confirmed = TRUE WHERE rec_id = ?", [rec_id])
        return len(items)

    return store.write(run, checkpoint=False)
