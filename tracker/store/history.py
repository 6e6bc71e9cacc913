"""The history table's one writer: every change anyone (or the loader, or the analysis) makes is appended here.

History is append-only: rows are never updated or deleted. A row names its subject (``Change.subject``: an
item, a recommendation, a call found in the report text, a proposal draft or a person) and its id, the field,
the old and new values as text, who changed it, when, and through what (``via``: cli, dashboard, bulk,
loader, review, merge, reanalysis, evidence, roles …).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import duckdb

SUBJECTS = ("item", "recommendation", "report_call", "draft", "person")


@dataclass(frozen=True)
class Change:
    subject: str           # one of SUBJECTS
    subject_id: str        # an item id, R3, a report call's id, D1, or an e-mail address
    field: str
    old: Any
    new: Any
    by: str
    at: datetime
    via: str


def as_text(value: Any) -> str | None:
    """A value as the history keeps it: dates in ISO form, None as NULL."""
    if value is None:
        return None
    return value.isoformat() if isinstance(value, date) else str(value)


def record(con: duckdb.DuckDBPyConnection, changes: Iterable[Change]) -> None:
    """Append the changes, in the caller's transaction (so a change and its history commit together)."""
    rows = [(c.subject_id, c.field, as_text(c.old), as_text(c.new), c.by, c.at, c.via, c.subject) for c in changes]
    if rows:
        con.executemany("""INSERT INTO history (subject_id, field, old_value, new_value, changed_by, changed_at, via,
                           subject) VALUES (?, ?, ?, ?, ?, ?, ?, ?)""", rows)
