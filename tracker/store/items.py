"""The one place items are inserted: a page's sections (the loader) and accepted report calls both come here.

An item's id is a hash of its session and normalized text, so the same sentence found again is the same row:
inserting it again never touches what people set on it (status, owner, due date, notes, version).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Literal

import duckdb
import pyarrow as pa


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
