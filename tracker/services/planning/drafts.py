"""Proposal drafts in DuckDB: created, saved as numbered versions (none ever overwritten), restored, filled
again, listed and found by name; each change is a history row."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import duckdb
import pandas as pd

from ...store import Store
from ...store.db import fetch_one
from ...store.history import Change, record
from ..access import requires
from ..editing import clean_text
from .fields import FIELD_KEYS, FIELDS, Draft, PlanningError, clean_content
from .prefill import proposal_fields
from .scope import default_target_year, resolve_scope


def _by(by: str) -> str:
    name = clean_text(by or "").strip()
    if not name:
        raise PlanningError("say who is saving the draft (a name for the history)")
    return name


def _history(con: duckdb.DuckDBPyConnection, draft_id: int, field_name: str, old: str | None, new: str | None,
             by: str, now: datetime, via: str) -> None:
    record(con, [Change("draft", draft_subject(draft_id), field_name, old, new, by, now, via)])


def draft_subject(draft_id: int) -> str:
    """The draft's id in the history (``subject`` 'draft')."""
    return f"D{draft_id}"


@requires("editor", "start a proposal draft")
def create_draft(store: Store, name: str, target_year: int, *, by: str, scope: str = "since-last",
                 content: Mapping[str, Any] | None = None, via: str = "dashboard") -> Draft:
    """A new named draft for a forum, pre-filled from the tracker (or with ``content``): version 1."""
    name = " ".join(clean_text(name or "").split())
    if not name:
        raise PlanningError("give the draft a name")
    if not 1990 <= int(target_year) <= 2200:
        raise PlanningError(f"target year {target_year} is not a forum year")
    by = _by(by)
    resolve_scope(store, scope, int(target_year))  # a bad scope is refused before anything is written
    filled = clean_content(content if content is not None else proposal_fields(store, int(target_year), scope).content)
    now = datetime.now()

    def write(con: duckdb.DuckDBPyConnection) -> int:
        taken = con.execute("SELECT 1 FROM drafts WHERE target_year = ? AND lower(name) = lower(?)",
                            [int(target_year), name]).fetchone()
        if taken:
            raise PlanningError(f"a draft named {name!r} for IGF {target_year} exists already; choose another name")
        draft_id = int(fetch_one(con, "SELECT nextval('draft_seq')")[0])
        con.execute("INSERT INTO drafts VALUES (?, ?, ?, ?, ?, ?)", [draft_id, name, int(target_year), scope, now, by])
        con.execute("INSERT INTO draft_versions VALUES (?, 1, ?, ?, ?, 'created')",
                    [draft_id, json.dumps(filled, ensure_ascii=False), now, by])
        _history(con, draft_id, "draft_created", None, f"{name} (IGF {target_year})", by, now, via)
        return draft_id

    return load_draft(store, store.write(write))


def _draft_row(con: duckdb.DuckDBPyConnection, draft_id: int) -> tuple:
    row = con.execute("SELECT name, target_year, scope, created_by FROM drafts WHERE draft_id = ?",
                      [int(draft_id)]).fetchone()
    if row is None:
        raise PlanningError(f"no draft with id {draft_id}")
    return row


def load_draft(store: Store, draft_id: int, version: int | None = None) -> Draft:
    """A draft at its latest version (or at ``version``)."""
    def read(con: duckdb.DuckDBPyConnection) -> Draft:
        name, target_year, scope, created_by = _draft_row(con, draft_id)
        sql = "SELECT version, content, saved_at, saved_by, note FROM draft_versions WHERE draft_id = ?"
        params: list[Any] = [int(draft_id)]
        if version is not None:
            sql += " AND version = ?"
            params.append(int(version))
        row = con.execute(sql + " ORDER BY version DESC LIMIT 1", params).fetchone()
        if row is None:
            raise PlanningError(f"draft {name!r} has no version {version}")
        content = clean_content({k: v for k, v in json.loads(row[1]).items() if k in FIELD_KEYS})
        return Draft(int(draft_id), name, int(target_year), scope, int(row[0]), content, row[2], row[3],
                     created_by, row[4])

    return store.read(read)


@requires("editor", "save a proposal draft")
def save_draft(store: Store, draft_id: int, content: Mapping[str, Any], *, by: str, note: str = "",
               via: str = "dashboard") -> Draft:
    """Save the draft's fields as its next version (an unchanged draft adds no version). Nothing is ever
    overwritten: every earlier version stays and can be restored."""
    by = _by(by)
    cleaned = clean_content(content)
    text = json.dumps(cleaned, ensure_ascii=False)
    now = datetime.now()

    def write(con: duckdb.DuckDBPyConnection) -> None:
        _draft_row(con, draft_id)
        last = con.execute("SELECT version, content FROM draft_versions WHERE draft_id = ? ORDER BY version DESC "
                           "LIMIT 1", [int(draft_id)]).fetchone()
        version = int(last[0]) if last else 0
        if last and json.loads(last[1]) == cleaned and not note:
            return
        changed = [f.label for f in FIELDS if last is None or json.loads(last[1]).get(f.key) != cleaned[f.key]]
        con.execute("INSERT INTO draft_versions VALUES (?, ?, ?, ?, ?, ?)",
                    [int(draft_id), version + 1, text, now, by, note or "changed: " + ", ".join(changed)])
        _history(con, draft_id, "draft_saved", str(version), f"{version + 1}" + (f" ({note})" if note else "")
                 + (f": {', '.join(changed)}" if changed and not note else ""), by, now, via)

    store.write(write, checkpoint=False)
    return load_draft(store, draft_id)


@requires("editor", "save a proposal draft")
def restore_version(store: Store, draft_id: int, version: int, *, by: str, via: str = "dashboard") -> Draft:
    """Make an earlier version the newest again: its fields saved as a new version (nothing is lost)."""
    old = load_draft(store, draft_id, version)
    return save_draft(store, draft_id, old.content, by=by, note=f"restored version {version}", via=via)


@requires("editor", "fill a proposal draft again")
def refill_draft(store: Store, draft_id: int, *, by: str, scope: str | None = None,
                 via: str = "dashboard") -> Draft:
    """Fill the draft again from the tracker (optionally with another scope), as a new version."""
    draft = load_draft(store, draft_id)
    spec = scope or draft.scope
    proposal = proposal_fields(store, draft.target_year, spec)
    if spec != draft.scope:
        store.write(lambda con: con.execute("UPDATE drafts SET scope = ? WHERE draft_id = ?", [spec, int(draft_id)]))
    return save_draft(store, draft_id, proposal.content, by=by, note=f"filled again from the tracker ({spec})",
                      via=via)


def list_drafts(store: Store, target_year: int | None = None) -> pd.DataFrame:
    """Every draft (of one forum): id, name, target year, scope, who made it, versions, last saved."""
    where, params = ("WHERE d.target_year = ?", [int(target_year)]) if target_year is not None else ("", [])
    return store.query(f"""
        SELECT d.draft_id, d.name, d.target_year, d.scope, d.created_at, d.created_by,
               max(v.version) AS versions, max(v.saved_at) AS last_saved_at,
               arg_max(v.saved_by, v.version) AS last_saved_by
        FROM drafts d JOIN draft_versions v USING (draft_id) {where}
        GROUP BY ALL ORDER BY last_saved_at DESC, d.draft_id DESC""", params)


def draft_versions(store: Store, draft_id: int) -> pd.DataFrame:
    """The draft's versions, newest first: version, saved_at, saved_by, note."""
    return store.query("SELECT version, saved_at, saved_by, note FROM draft_versions WHERE draft_id = ? "
                       "ORDER BY version DESC", [int(draft_id)])


def find_draft(store: Store, target_year: int, name: str) -> Draft:
    drafts = list_drafts(store, target_year)
    match = drafts[drafts["name"].str.casefold() == name.strip().casefold()]
    if match.empty:
        raise PlanningError(f"no draft named {name!r} for IGF {target_year}")
    return load_draft(store, int(match["draft_id"].iat[0]))


def with_scope_text(store: Store, draft: Draft) -> Draft:
    """The draft with its scope in words (for the exports)."""
    try:
        draft.scope_text = resolve_scope(store, draft.scope, draft.target_year).description
    except PlanningError:
        draft.scope_text = draft.scope
    return draft


def brief(store: Store, year: int | None = None, scope: str | None = None, draft_name: str | None = None,
          today: date | None = None) -> Draft:
    """What ``tracker brief`` writes: a saved draft (by name) or a fresh pre-filled one, not stored."""
    target = year or default_target_year(store, today)
    if draft_name:
        return with_scope_text(store, find_draft(store, target, draft_name))
    proposal = proposal_fields(store, target, scope, today)
    return Draft(0, "draft", target, proposal.scope.spec, 0, clean_content(proposal.content),
                 scope_text=proposal.scope.description)
