"""The items, occurrences and report calls of the documents a load writes, keeping every edit.

Items are keyed by session + normalized text: an item whose text is unchanged keeps its status, owner and
notes (only where it was found is updated); an item that vanished from its document is marked
``in_source = false``, never deleted, and the loader's change is a history row. Calls found in a report's
narrative are suggestions (``report_calls``); a decision on one (accepted, rejected) is never undone by a load.
All of it runs inside the caller's transaction (``documents.write_batch``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Literal

import duckdb
import pyarrow as pa

from ..reading.models import Document, item_id_for
from ..reading.parsed import ParsedFile
from .history import Change, record

_CALL_COLUMNS = ("call_id", "session_id", "text", "source", "section", "start_offset", "end_offset", "cue")


def _pages(batch: Sequence[ParsedFile]) -> list[tuple[ParsedFile, Document]]:
    return [(p, p.document) for p in batch if p.document is not None]


def write_items(con: duckdb.DuckDBPyConnection, batch: Sequence[ParsedFile], now: datetime) -> tuple[set[str],
                                                                                                     dict[str, int]]:
    """Insert or update the batch's items and their occurrences (the documents' old occurrences are already
    deleted); revive items found again. Returns the item ids written and the new items per source."""
    item_rows: dict[str, tuple] = {}
    occ_cols: dict[str, list] = {"source": [], "position": [], "item_id": [], "section": [], "start_offset": [],
                                 "end_offset": []}
    for p, document in _pages(batch):
        session_id = document.session_id
        for item, item_id in zip(document.items, p.item_ids, strict=True):
            first = item.occurrences[0]
            item_rows.setdefault(item_id, (item_id, session_id, item.kind, item.text, " | ".join(item.sections),
                                           item.speaker, item.explanation, p.source, first.position))
            for occ in item.occurrences:
                for name, value in zip(occ_cols, (p.source, occ.position, item_id, occ.section, occ.start, occ.end),
                                       strict=True):
                    occ_cols[name].append(value)

    new_per_source: dict[str, int] = {p.source: 0 for p in batch}
    if item_rows:
        known = insert_items(con, [NewItem(*row) for row in item_rows.values()], now)
        revived = [item_id for item_id, in_source in known.items() if not in_source]
        for row in item_rows.values():
            if row[0] not in known:
                new_per_source[row[7]] += 1
        _log_loader_changes(con, revived, "false", "true", now)
    if occ_cols["source"]:
        con.register("new_occurrences", pa.table(occ_cols))
        con.execute("INSERT INTO occurrences SELECT * FROM new_occurrences")
        con.unregister("new_occurrences")
    return set(item_rows), new_per_source


def mark_gone(con: duckdb.DuckDBPyConnection, previous: Sequence[tuple[str, str]], kept: set[str],
              moved: Mapping[str, str], sources: Sequence[str], now: datetime) -> dict[str, int]:
    """Mark the items of the documents' previous occurrences that no document holds any more; returns how many
    per source (a replaced document's count goes to the page that replaced it, ``moved``: old -> new)."""
    gone_per_source: dict[str, int] = {s: 0 for s in sources}
    candidates = {item_id for _, item_id in previous} - kept
    if not candidates:
        return gone_per_source
    con.register("gone_candidates", pa.table({"item_id": sorted(candidates)}))
    gone = [row[0] for row in con.execute("""
        UPDATE items SET in_source = FALSE
        WHERE item_id IN (SELECT item_id FROM gone_candidates) AND in_source
          AND item_id NOT IN (SELECT item_id FROM occurrences)
        RETURNING item_id""").fetchall()]
    con.unregister("gone_candidates")
    _log_loader_changes(con, gone, "true", "false", now)
    gone_set = set(gone)
    for source, item_id in previous:
        if item_id in gone_set:
            gone_per_source[moved.get(source, source)] += 1
    return gone_per_source


def merge_report_calls(con: duckdb.DuckDBPyConnection, batch: Sequence[ParsedFile], now: datetime) -> None:
    """Record the narrative calls of the batch's documents as suggestions, keeping every decision.

    A call is keyed by session + normalized sentence (its item id once accepted), so a rejected one stays
    rejected on every reload. An accepted call is an item: while its sentence is still in the page it gets its
    occurrence back (so it is not marked gone below, and is revived if it had gone); otherwise the usual
    marking applies. Calls of these documents that are no longer found are marked, not deleted.
    """
    sources = [p.source for p in batch]
    con.register("batch_sources", pa.table({"source": sources}))
    con.execute("UPDATE report_calls SET in_source = FALSE WHERE source IN (SELECT source FROM batch_sources)")
    con.unregister("batch_sources")
    rows: dict[str, tuple] = {}
    for p, document in _pages(batch):
        session_id = document.session_id
        for call in document.report_calls:
            call_id = item_id_for(session_id, call.text)
            rows.setdefault(call_id, (call_id, session_id, call.text, p.source, call.section, call.start, call.end,
                                      call.cue))
    if not rows:
        return
    columns = list(zip(*rows.values(), strict=True))
    con.register("new_calls", pa.table(dict(zip(_CALL_COLUMNS, columns, strict=True))))
    con.execute("""
        INSERT INTO report_calls (call_id, session_id, text, source, section, start_offset, end_offset, cue,
                                  in_source, first_seen)
        SELECT *, TRUE, ? FROM new_calls
        ON CONFLICT (call_id) DO UPDATE SET source = excluded.source, section = excluded.section,
            start_offset = excluded.start_offset, end_offset = excluded.end_offset, cue = excluded.cue,
            in_source = TRUE""", [now])
    con.unregister("new_calls")
    accepted = con.execute("""
        SELECT c.call_id, c.source, c.section, c.start_offset, c.end_offset, i.in_source
        FROM report_calls c JOIN items i ON i.item_id = c.call_id
        WHERE c.review = 'accepted' AND c.call_id IN (SELECT unnest(?::VARCHAR[]))""", [list(rows)]).fetchall()
    if not accepted:
        return
    taken = dict(con.execute("""SELECT source, max(position) FROM occurrences
                                WHERE source IN (SELECT unnest(?::VARCHAR[])) GROUP BY source""",
                             [sources]).fetchall())
    occurrences, revived = [], []
    for call_id, source, section, start, end, in_source in accepted:
        position = taken.get(source, -1) + 1  # after the page's own items
        taken[source] = position
        occurrences.append((source, position, call_id, section, start, end))
        con.execute("UPDATE items SET in_source = TRUE, source = ?, section = ?, position = ? WHERE item_id = ?",
                    [source, section, position, call_id])
        if not in_source:
            revived.append(call_id)
    con.executemany("INSERT INTO occurrences VALUES (?, ?, ?, ?, ?, ?)", occurrences)
    _log_loader_changes(con, revived, "false", "true", now)


def _log_loader_changes(con: duckdb.DuckDBPyConnection, item_ids: list[str], old: str, new: str,
                        now: datetime) -> None:
    record(con, [Change("item", item_id, "in_source", old, new, "loader", now, "loader") for item_id in item_ids])


# --- the one place items are inserted: a page's sections (the loader above) and accepted report calls ---
# An item's id is a hash of its session and normalized text, so the same sentence found again is the same row:
# inserting it again never touches what people set on it (status, owner, due date, notes, version).

@dataclass(frozen=True)
class NewItem:
    item_id: str
    session_id: str
    kind: str
    text: str
    section: str
    speaker: str
    explanation: str
    source: str
    position: int
    in_source: bool = True


_COLUMNS = [f.name for f in fields(NewItem)]


def _row(item: NewItem) -> tuple[object, ...]:
    return tuple(getattr(item, name) for name in _COLUMNS)

# Found in a page's sections again: it is back in its page, at its place there. Accepted from the report text:
# it keeps the place it has (the page's own items come first); only whether it is in its page changes.
_ON_CONFLICT = {
    "section": "in_source = TRUE, source = excluded.source, section = excluded.section, "
               "position = excluded.position, origin = 'section'",
    "report": "in_source = excluded.in_source",
}


def insert_items(con: duckdb.DuckDBPyConnection, items: Sequence[NewItem], now: datetime,
                 origin: Literal["section", "report"] = "section") -> dict[str, bool]:
    """Insert items (or mark those already stored as found again); returns, for each item that was already
    stored, whether it was in its page before (``False``: it came back)."""
    if not items:
        return {}
    con.register("new_items", pa.table(dict(zip(_COLUMNS, zip(*(_row(i) for i in items), strict=True), strict=True))))
    try:
        known = dict(con.execute("""SELECT item_id, in_source FROM items
                                    WHERE item_id IN (SELECT item_id FROM new_items)""").fetchall())
        con.execute(f"""
            INSERT INTO items (item_id, session_id, kind, text, section, speaker, explanation, source, position,
                               in_source, first_seen, origin)
            SELECT *, ?, ? FROM new_items
            ON CONFLICT (item_id) DO UPDATE SET {_ON_CONFLICT[origin]}""", [now, origin])
    finally:
        con.unregister("new_items")
    return {str(k): bool(v) for k, v in known.items()}
