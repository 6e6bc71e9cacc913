"""Follow-up edits: status, owner, due date and notes, each change with its history row.

Every edit goes through ``set_item``: it validates, refuses to overwrite a change made by someone
else since the caller read the item (``expected_version``), and appends one history row per
changed field in the same transaction as the change.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import duckdb

from ..errors import TrackerError
from ..store import Store
from ..vocabulary import STATUSES
from .access import requires

EDITABLE = ("status", "owner", "due_date", "notes")


class EditError(TrackerError):
    """An edit that was refused; nothing was written."""


class UnknownItem(EditError):
    pass


class EditConflict(EditError):
    """Someone changed the item since the caller read it. Holds both sides for the user to compare."""

    def __init__(self, item_id: str, theirs: dict[str, Any], yours: dict[str, Any], changed_by: str):
        self.item_id, self.theirs, self.yours, self.changed_by = item_id, theirs, yours, changed_by
        super().__init__(f"item {item_id} was changed by {changed_by or 'someone else'} since you opened it; "
                         "nothing was saved")


@dataclass
class EditResult:
    item_id: str
    changed: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # field -> (old, new)
    version: int = 0


def _clean(field_name: str, value: Any) -> Any:
    if field_name == "status":
        value = str(value).strip().lower().replace(" ", "_").replace("-", "_")
        if value not in STATUSES:
            raise EditError(f"unknown status {value!r}; use one of: {', '.join(STATUSES)}")
        return value
    if field_name == "due_date":
        if value is None or value == "" or (isinstance(value, float) and value != value):
            return None
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        text = str(value).strip()
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
        try:  # a date with a time of day, as spreadsheets and the table editor give it
            return datetime.fromisoformat(text).date()
        except ValueError:
            raise EditError(f"due date {value!r} is not a date (use YYYY-MM-DD)") from None
    text = clean_text("" if value is None else str(value))
    return text.strip() if field_name == "owner" else text


CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str) -> str:
    """What people type, without control characters (NUL, ESC, BEL … break exports and terminals); line
    breaks kept, as newlines."""
    return CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, date) else str(value)


def _apply(con: duckdb.DuckDBPyConnection, item_id: str, changes: dict[str, Any], by: str, via: str,
           expected_version: int | None, now: datetime) -> EditResult:
    row = con.execute("SELECT status, owner, due_date, notes, version, updated_by FROM items WHERE item_id = ?",
                      [item_id]).fetchone()
    if row is None:
        raise UnknownItem(f"unknown item id {item_id!r}")
    current = dict(zip(EDITABLE, row[:4], strict=True))
    version, last_by = row[4], row[5]
    if expected_version is not None and version != expected_version:
        raise EditConflict(item_id, current, changes, last_by)
    diff = {k: (current[k], v) for k, v in changes.items() if current[k] != v}
    if not diff:
        return EditResult(item_id, {}, version)
    assignments = ", ".join(f"{k} = ?" for k in diff)
    con.execute(f"UPDATE items SET {assignments}, updated_at = ?, updated_by = ?, version = version + 1 "
                "WHERE item_id = ?", [new for _, new in diff.values()] + [now, by, item_id])
    con.executemany(
        "INSERT INTO history (item_id, field, old_value, new_value, changed_by, changed_at, via) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(item_id, k, _as_text(old), _as_text(new), by, now, via) for k, (old, new) in diff.items()])
    return EditResult(item_id, diff, version + 1)


def _validated(changes: dict[str, Any], by: str) -> dict[str, Any]:
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise EditError(f"cannot edit {', '.join(sorted(unknown))}; editable fields: {', '.join(EDITABLE)}")
    if not by or not by.strip():
        raise EditError("say who is making the change (--by NAME)")
    return {k: _clean(k, v) for k, v in changes.items()}


FIELD_NAMES = {"status": "a status", "owner": "an owner", "due_date": "a due date", "notes": "notes"}


def change_action(changes: dict[str, Any] | Sequence[str]) -> str:
    """'change a status and an owner': what an edit does, for a refusal."""
    names = [FIELD_NAMES.get(k, k) for k in changes] or ["an item"]
    return "change " + (" and ".join(names) if len(names) <= 2 else ", ".join(names[:-1]) + " and " + names[-1])


@requires("editor", lambda call: change_action(call["changes"]))
def set_item(store: Store, item_id: str, *, by: str, via: str = "cli", expected_version: int | None = None,
             **changes: Any) -> EditResult:
    """Change status/owner/due_date/notes of one item; raises EditError (and writes nothing) if refused."""
    clean = _validated(changes, by)
    now = datetime.now()
    return store.write(lambda con: _apply(con, item_id, clean, by.strip(), via, expected_version, now),
                       checkpoint=False)


@requires("editor", lambda call: change_action(call["changes"]))
def set_items(store: Store, item_ids: Sequence[str], *, by: str, via: str = "bulk",
              expected_versions: dict[str, int] | None = None, **changes: Any) -> list[EditResult]:
    """The same change to many items in one transaction: all are saved, or none if any is refused.
    With ``expected_versions`` every item needs the version it was seen at (an item the person never saw,
    such as one a load added meanwhile, is refused rather than changed unseen)."""
    clean = _validated(changes, by)
    now = datetime.now()
    versions = expected_versions or {}
    if expected_versions is not None:
        unseen = [i for i in item_ids if i not in expected_versions]
        if unseen:
            raise EditError(f"item {unseen[0]} was not among the items shown ({len(unseen)} such); nothing was "
                            "saved: check the items and apply again")

    def run(con: duckdb.DuckDBPyConnection) -> list[EditResult]:
        return [_apply(con, i, clean, by.strip(), via, versions.get(i), now) for i in item_ids]

    return store.write(run, checkpoint=False)


@requires("editor", lambda call: change_action(sorted({k for c in call["edits"].values() for k in c})))
def save_rows(store: Store, edits: dict[str, dict[str, Any]], *, by: str, versions: dict[str, int],
              via: str = "dashboard") -> tuple[list[EditResult], list[EditConflict]]:
    """Save per-item edits (e.g. from the dashboard's table editor) one item at a time.

    Each item is its own transaction, so one conflict does not block the others; conflicts are
    returned for the caller to show, with both values.
    """
    saved, conflicts = [], []
    for item_id, changes in edits.items():
        try:
            saved.append(set_item(store, item_id, by=by, via=via, expected_version=versions.get(item_id), **changes))
        except EditConflict as conflict:
            conflicts.append(conflict)
    return saved, conflicts
