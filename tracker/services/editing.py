"""Follow-up: the status, owner, due date and notes of items and of recommendations (and a recommendation's
title and outcome), each change with its history row.

Items and recommendations are followed up the same way, so one function (``apply``) does it for both: it
reads the subject, refuses to overwrite a change made by someone else since the caller read it
(``expected_version``), writes only the fields that differ, and appends one history row per changed field
(``store.history``) in the same transaction. ``set_item``, ``set_items``, ``save_rows`` and
``set_recommendation`` validate what a person typed and call it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import duckdb

from ..errors import TrackerError, UnknownRecommendation
from ..reading.typed import clean_text, clean_title
from ..store import Store
from ..store.history import Change, record
from ..store.queries import confirmed_member_ids
from ..vocabulary import STATUSES
from .access import requires

__all__ = ["EDITABLE", "FIELDS", "EditConflict", "EditError", "EditResult", "UnknownItem", "UnknownRecommendation",
           "apply", "call_versions", "change_action", "clean_text", "clean_value", "save_rows", "set_item", "set_items",
           "set_recommendation"]

EDITABLE = ("status", "owner", "due_date", "notes")  # an item's follow-up
FIELDS = ("title", *EDITABLE)                          # a recommendation's (``apply`` also takes its outcome)


class EditError(TrackerError):
    """An edit that was refused; nothing was written."""


class UnknownItem(EditError):
    pass


class EditConflict(EditError):
    """Someone changed the subject (an item or a recommendation) since the caller read it. Holds both sides for
    the user to compare."""

    def __init__(self, subject: str, subject_id: str, theirs: dict[str, Any], yours: dict[str, Any],
                 changed_by: str):
        self.subject, self.subject_id = subject, subject_id
        self.theirs, self.yours, self.changed_by = theirs, yours, changed_by
        super().__init__(f"{subject} {subject_id} was changed by {changed_by or 'someone else'} since you opened "
                         "it; nothing was saved")


@dataclass
class EditResult:
    subject: str
    subject_id: str
    changed: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # field -> (old, new)
    version: int = 0
    calls_changed: int = 0  # a recommendation's status also set on its calls (``apply_to_calls``)


@dataclass(frozen=True)
class _Table:
    name: str
    key: str
    fields: tuple[str, ...]  # shown to the person in a conflict
    confirm: bool  # a person's edit confirms a recommendation: the machine never moves its calls again


_TABLES = {"item": _Table("items", "item_id", EDITABLE, False),
           "recommendation": _Table("recommendations", "rec_id", FIELDS, True)}


def apply(con: duckdb.DuckDBPyConnection, subject: str, subject_id: str, changes: dict[str, Any], by: str,
          via: str, expected_version: int | None, now: datetime) -> EditResult:
    """Write clean ``changes`` (validated field -> value) to an item or recommendation in the caller's
    transaction: the one diff, version check and history write of every follow-up edit."""
    table = _TABLES[subject]
    names = [*table.fields, *(k for k in changes if k not in table.fields)]
    row = con.execute(f"SELECT version, updated_by, {', '.join(names)} FROM {table.name} WHERE {table.key} = ?",
                      [subject_id]).fetchone()
    if row is None:
        if subject == "item":
            raise UnknownItem(f"unknown item id {subject_id!r}")
        raise UnknownRecommendation(f"unknown recommendation {subject_id!r}")
    version, last_by = row[0], row[1]
    current = dict(zip(names, row[2:], strict=True))
    if expected_version is not None and version != expected_version:
        raise EditConflict(subject, subject_id, {k: current[k] for k in table.fields}, changes, last_by)
    diff = {k: (current[k], v) for k, v in changes.items() if current[k] != v}
    if not diff:
        return EditResult(subject, subject_id, {}, version)
    sets = [f"{k} = ?" for k in diff] + (["title_by = ?"] if "title" in diff else [])
    sets += ["confirmed = TRUE"] if table.confirm else []
    params = [new for _, new in diff.values()] + ([by] if "title" in diff else []) + [now, by, subject_id]
    con.execute(f"UPDATE {table.name} SET {', '.join(sets)}, updated_at = ?, updated_by = ?, version = version + 1 "
                f"WHERE {table.key} = ?", params)
    record(con, [Change(subject, subject_id, k, old, new, by, now, via) for k, (old, new) in diff.items()])
    return EditResult(subject, subject_id, diff, version + 1)


def clean_value(field_name: str, value: Any) -> Any:
    """A typed follow-up value as stored: a known status, a date (or None), a one-line title, or text without
    control characters (an owner without surrounding spaces); EditError when it cannot be."""
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
    if field_name == "title":
        title = clean_title(value)
        if not title:
            raise EditError("a recommendation needs a title")
        return title
    text = clean_text("" if value is None else str(value))
    return text.strip() if field_name == "owner" else text


def _validated(changes: dict[str, Any], by: str, editable: Sequence[str] = EDITABLE) -> dict[str, Any]:
    unknown = set(changes) - set(editable)
    if unknown:
        raise EditError(f"cannot edit {', '.join(sorted(unknown))}; editable fields: {', '.join(editable)}")
    if not by or not by.strip():
        raise EditError("say who is making the change (--by NAME)")
    return {k: clean_value(k, v) for k, v in changes.items()}


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
    return store.write(lambda con: apply(con, "item", item_id, clean, by.strip(), via, expected_version, now),
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
        return [apply(con, "item", i, clean, by.strip(), via, versions.get(i), now) for i in item_ids]

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


def call_versions(store: Store, rec_id: str) -> dict[str, int]:
    """The version of each call of a recommendation now: what a form that may set their status was opened
    with (``set_recommendation(call_versions=…)``)."""
    rows = store.read(lambda con: con.execute("""SELECT i.item_id, i.version FROM memberships m
                                                 JOIN items i USING (item_id) WHERE m.rec_id = ?""",
                                              [rec_id]).fetchall())
    return {str(item_id): int(version) for item_id, version in rows}


@requires("editor", "follow up a recommendation")
def set_recommendation(store: Store, rec_id: str, *, by: str, via: str = "cli", expected_version: int | None = None,
                       apply_to_calls: bool = False, call_versions: dict[str, int] | None = None,
                       **changes: Any) -> EditResult:
    """Change title/status/owner/due_date/notes of a recommendation (and confirm it); with
    ``apply_to_calls`` a status change is also made on each of its confirmed calls still in their source
    (``store.queries.confirmed_member_ids``; pending suggestions are left). Raises and writes nothing
    when refused (unknown id or value, or someone changed it since ``expected_version``). ``call_versions``
    (item id -> version when the person saw them) applies the same rule to each call: one changed since, or
    one that joined since, refuses the whole save (EditConflict / EditError)."""
    by = (by or "").strip()
    clean = _validated(changes, by, FIELDS)
    now = datetime.now()

    def run(con: duckdb.DuckDBPyConnection) -> EditResult:
        result = apply(con, "recommendation", rec_id, clean, by, via, expected_version, now)
        if apply_to_calls and "status" in clean:
            for item_id in confirmed_member_ids(con, rec_id):  # pending suggestions are left as they are
                seen = None if call_versions is None else call_versions.get(item_id)
                if call_versions is not None and seen is None:
                    raise EditError(f"call {item_id} joined this recommendation after you opened it; nothing was "
                                    "saved: open it again to see its calls")
                if apply(con, "item", item_id, {"status": clean["status"]}, by, via, seen, now).changed:
                    result.calls_changed += 1
        return result

    return store.write(run, checkpoint=False)
