"""Edits in the pages: a table editor's changes as {item id: {field: value}}, the edits still pending, and
both sides of a refused edit (an item's or a recommendation's) as rows to show."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import pandas as pd

from ...services.editing import EDITABLE, EditConflict
from ...vocabulary import status_label
from .labels import FIELD_LABELS, blank


def grid_changes(frame: pd.DataFrame, edited_rows: Mapping[Any, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """A table editor's ``edited_rows`` (keyed by row position) as {item id: {field: new value}}.

    ``frame`` must be the frame that was shown; only editable fields are kept, and a change back
    to the stored value is dropped.
    """
    changes: dict[str, dict[str, Any]] = {}
    for position, edits in edited_rows.items():
        row = frame.iloc[int(position)]
        item_changes = {}
        for field_name, value in edits.items():
            if field_name not in EDITABLE:
                continue
            value = None if blank(value) else value
            if field_name in ("owner", "notes") and value is None:
                value = ""
            if field_name == "due_date" and value is not None:
                value = str(value)[:10]
            old = row[field_name]
            old = None if blank(old) else (old.isoformat() if isinstance(old, date) else old)
            if field_name in ("owner", "notes"):
                old = old or ""
            if value != old:
                item_changes[field_name] = value
        if item_changes:
            changes[str(row["item_id"])] = item_changes
    return changes


def pending_edits(frame: pd.DataFrame, start: Mapping[str, Mapping[str, Any]],
                  edited_rows: Mapping[Any, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Every unsaved edit: ``start`` (the edits the grid was drawn with, also on rows not shown) updated by the
    editor's ``edited_rows`` on ``frame``; a field edited back to its stored value is no longer pending."""
    pending = {str(i): dict(c) for i, c in start.items()}
    for position, edits in edited_rows.items():
        item_id = str(frame.iloc[int(position)]["item_id"])
        for field_name in edits:
            pending.get(item_id, {}).pop(field_name, None)
    for item_id, changes in grid_changes(frame, edited_rows).items():
        pending.setdefault(item_id, {}).update(changes)
    return {i: c for i, c in pending.items() if c}


def conflict_rows(conflict: EditConflict, opened: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Both sides of an item's edit conflict: one row per field the editor changed or the other person changed
    (their saved value differs from ``opened``, what the editor loaded), with what the editor had opened."""
    opened = opened or {}
    who = conflict.changed_by or "someone else"
    rows = []
    for field_name in EDITABLE:
        theirs = conflict.theirs.get(field_name)
        changed_by_them = field_name in opened and _text(theirs) != _text(opened[field_name])
        if field_name in conflict.yours or changed_by_them:
            row = {"field": FIELD_LABELS[field_name]}
            if opened:
                row["you opened"] = _shown(field_name, opened.get(field_name))
            row["saved by " + who] = _shown(field_name, theirs)
            row["yours (not saved)"] = (_shown(field_name, conflict.yours[field_name]) if field_name in conflict.yours
                                        else "(you did not change it: theirs stays)")
            rows.append(row)
    return pd.DataFrame(rows)


def conflict_fields(conflict: EditConflict, opened: Mapping[str, Any] | None = None) -> tuple[list[str], list[str]]:
    """The fields (labels) the other person changed since ``opened``, and the fields the editor changed."""
    opened = opened or {}
    theirs = [FIELD_LABELS[f] for f in EDITABLE if f in opened and _text(conflict.theirs.get(f)) != _text(opened[f])]
    return theirs, [FIELD_LABELS[f] for f in EDITABLE if f in conflict.yours]


def recommendation_conflict_rows(conflict: EditConflict, base: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Both sides of a refused recommendation edit: every field you changed, and every field the other person
    changed since you opened it (their value differs from ``base``, the values you opened)."""
    base = base or {}
    rows = []
    for field_name in ("title", "status", "owner", "due_date", "notes"):
        theirs = conflict.theirs.get(field_name)
        yours = conflict.yours.get(field_name, base.get(field_name, theirs))
        changed_by_them = field_name in base and _text(theirs) != _text(base[field_name])
        if field_name in conflict.yours or changed_by_them:
            rows.append({"field": FIELD_LABELS[field_name],
                         "saved by " + (conflict.changed_by or "someone else"): _shown(field_name, theirs),
                         "yours (not saved)": _shown(field_name, yours)})
    return pd.DataFrame(rows)


def _text(value: Any) -> str:
    if blank(value):
        return ""
    return value.isoformat() if isinstance(value, date) else str(value)


def _shown(field_name: str, value: Any) -> str:
    return status_label(value) if field_name == "status" and not blank(value) else _text(value)
