"""Tracker: every item in one table, filters, in-place edits, a per-item form, bulk updates, downloads."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from tracker import analysis
from tracker.reading.models import KINDS, STATUSES
from tracker.services.editing import EditConflict, EditError, save_rows, set_item, set_items
from tracker.store.access import PermissionDenied
from tracker.store.queries import ItemFilter
from tracker.ui.dashboard_data import (
    csv_bytes,
    display_table,
    excel_bytes,
    grid_changes,
    kind_label,
    session_label,
    shorten,
    status_label,
)
from tracker.ui.pages import common

FLASH = "tracker_flash"
EDIT_BASE = "edit_base"
EDIT_CONFLICT = "edit_conflict"
GRID_CONFLICTS = "grid_conflicts"


def _flash(message: str) -> None:
    st.session_state[FLASH] = message


def _show_flash() -> None:
    message = st.session_state.pop(FLASH, None)
    if message:
        st.success(message, icon=":material/check_circle:")


def _item_label(row: pd.Series) -> str:
    return f"{row['year']} · {kind_label(row['kind'])} · {shorten(row['text'], 90)}"


# --- filters ------------------------------------------------------------------------------------

def filters() -> tuple[ItemFilter, bool]:
    everything = common.items()
    sessions = common.sessions()
    session_names = {r.session_id: session_label(r.year, r.type, r.number, r.title, 45)
                     for r in sessions.itertuples()}
    themes = common.themes_list()
    theme_names = list(themes["name"]) if not themes.empty else sorted(
        {t for ts in common.item_annotations().get("themes", pd.Series(dtype=object)) for t in (ts or [])})
    with st.container(border=True):
        c: Sequence[DeltaGenerator] = st.columns(4)
        years = c[0].multiselect("Year", sorted(everything["year"].dropna().unique().tolist()), key="f_years",
                                 placeholder="All years")
        chosen_sessions = c[1].multiselect("Session", list(session_names), key="f_sessions",
                                           format_func=lambda s: session_names.get(s, s), placeholder="All sessions")
        kinds = c[2].multiselect("Kind", list(KINDS), key="f_kinds", format_func=kind_label, placeholder="All kinds")
        chosen_themes = c[3].multiselect("Theme", theme_names, key="f_themes",
                                         placeholder="All themes" if theme_names else "No themes yet (run analysis)",
                                         disabled=not theme_names)
        c = st.columns([1, 1, 2])
        statuses = c[0].multiselect("Status", list(STATUSES), key="f_statuses", format_func=status_label,
                                    placeholder="All statuses")
        owners = c[1].multiselect("Owner", sorted(o for o in everything["owner"].dropna().unique() if o),
                                  key="f_owners", placeholder="Anyone")
        text = c[2].text_input("Search text", key="f_text", placeholder="Words in the item, notes, owner or title")
        c = st.columns([1, 1, 2])
        only_overdue = c[0].toggle("Only overdue", key="f_overdue")
        include_removed = c[1].toggle("Include removed items", key="f_removed", value=False,
                                      help="Items that are no longer on their session page after a reload")
        c[2].toggle("Only recurring", key="f_recurring",
                    help="Calls whose recommendation was raised in two or more sessions")
        forums = st.multiselect("Forum", sorted(sessions.get("forum", pd.Series(dtype=object)).dropna().unique()),
                                key="f_forums", placeholder="All forums (the IGF, regional, national and youth IGFs)")
    flt = ItemFilter(years=[int(y) for y in years], sessions=chosen_sessions, kinds=kinds, statuses=statuses,
                     owners=owners, themes=chosen_themes, text=text, include_removed=include_removed, forums=forums)
    return flt, only_overdue


# --- table editor -------------------------------------------------------------------------------

def _grid_key(table: pd.DataFrame) -> str:
    ids = hashlib.sha1("\x1f".join(table.index).encode()).hexdigest()[:12]
    return f"grid-{st.session_state.get('grid_nonce', 0)}-{ids}"


def _reset_grid() -> None:
    st.session_state["grid_nonce"] = st.session_state.get("grid_nonce", 0) + 1
    st.session_state.pop("grid_versions", None)


def save_grid(table: pd.DataFrame, edited_rows: dict, versions: dict[str, int], by: str) -> list[EditConflict]:
    """Save the table editor's changes; returns the conflicts (items someone else changed meanwhile)."""
    changes = grid_changes(table, edited_rows)
    if not changes:
        return []
    saved, conflicts = save_rows(common.get_store(), changes, by=by, versions=versions)
    common.clear_caches()
    if saved:
        _flash(f"Saved {sum(len(r.changed) for r in saved)} change(s) to {len(saved)} item(s).")
    return conflicts


def table_editor(table: pd.DataFrame) -> None:
    if table.empty:
        st.info("No items match these filters.")
        return
    key = _grid_key(table)
    # the versions the user saw when this grid was first drawn: the save refuses newer changes by others
    versions = st.session_state.setdefault("grid_versions", {}).setdefault(
        key, {i: int(v) for i, v in zip(table["id"], table["version"], strict=True)})
    shown = display_table(table)
    shown["due_date"] = pd.to_datetime(shown["due_date"], errors="coerce")
    editable = {"status", "owner", "due_date", "notes"}
    st.data_editor(
        shown, key=key, hide_index=True, num_rows="fixed", height=min(38 + 35 * len(shown), 560),
        disabled=[c for c in shown.columns if c not in editable],
        column_order=["flag", "year", "session", "kind", "status", "owner", "due_date", "text", "recurring",
                      "rec_sessions", "recommendation", "notes", "themes", "addressee", "updated_by"],
        placeholder="",
        column_config={
            "flag": st.column_config.TextColumn("⚠", width=72, help="Due date passed and not done", pinned=True),
            "year": st.column_config.NumberColumn("Year", format="%d", width=50),
            "session": st.column_config.TextColumn("Session", width=140),
            "kind": st.column_config.TextColumn("Kind", width=100),
            "status": st.column_config.SelectboxColumn("Status", options=list(STATUSES), required=True,
                                                       format_func=status_label, width=105),
            "owner": st.column_config.TextColumn("Owner", width=110),
            "due_date": st.column_config.DateColumn("Due", format="YYYY-MM-DD", width=95),
            "text": st.column_config.TextColumn("Item", width=520, help="Full text: Edit an item tab"),
            "recurring": st.column_config.CheckboxColumn("Recurring", width=80,
                                                         help="Its recommendation was raised in 2+ sessions"),
            "rec_sessions": st.column_config.NumberColumn("Sessions", format="%d", width=75,
                                                          help="Sessions its recommendation was raised in"),
            "recommendation": st.column_config.TextColumn("Recommendation", width=300,
                                                          help="The recommendation this call belongs to"),
            "notes": st.column_config.TextColumn("Notes", width=220),
            "themes": st.column_config.TextColumn("Themes", width=260),
            "addressee": st.column_config.TextColumn("Addressed to", width=160),
            "updated_by": st.column_config.TextColumn("Last edit by", width=120),
        })
    edited_rows = st.session_state.get(key, {}).get("edited_rows", {})
    c = st.container(horizontal=True)
    pending = len(grid_changes(table, edited_rows)) if edited_rows else 0
    if c.button(f"Save table changes ({pending})", type="primary", disabled=not pending, key="grid-save",
                icon=":material/save:"):
        name = common.require_name()
        if name:
            try:
                conflicts = save_grid(table, edited_rows, versions, name)
            except (EditError, PermissionDenied) as exc:
                st.error(common.md(str(exc)))
            else:
                st.session_state[GRID_CONFLICTS] = conflicts
                _reset_grid()
                st.rerun()
    if c.button("Discard", disabled=not pending, key="grid-discard"):
        _reset_grid()
        st.rerun()
    for conflict in st.session_state.get(GRID_CONFLICTS, []):
        common.show_conflict(conflict, shorten(table.loc[conflict.item_id, "text"], 60)
                             if conflict.item_id in table.index else conflict.item_id)


# --- one item -----------------------------------------------------------------------------------

def _base_for(row: pd.Series) -> dict[str, Any]:
    """What the form was opened with: the item's version and values at that moment."""
    base = st.session_state.get(EDIT_BASE)
    if not base or base["id"] != row["id"]:
        base = {"id": row["id"], "version": int(row["version"]),
                "values": {"status": row["status"], "owner": row["owner"] or "", "due_date": row["due_date"],
                           "notes": row["notes"] or ""}}
        st.session_state[EDIT_BASE] = base
        st.session_state.pop(EDIT_CONFLICT, None)
    return base


def _save_item(item_id: str, changes: dict[str, Any], version: int, label: str) -> None:
    name = common.require_name()
    if not name:
        return
    if not changes:
        st.info("Nothing changed.")
        return
    try:
        result = set_item(common.get_store(), item_id, by=name, via="dashboard", expected_version=version,
                          **changes)
    except EditConflict as conflict:
        st.session_state[EDIT_CONFLICT] = conflict
        common.clear_caches()
        st.rerun()
    except (EditError, PermissionDenied) as exc:
        st.error(common.md(str(exc)))
    else:
        st.session_state.pop(EDIT_BASE, None)
        st.session_state.pop(EDIT_CONFLICT, None)
        common.clear_caches()
        fields = ", ".join(result.changed) or "nothing"
        _flash(f"Saved {fields} for: {shorten(label, 70)}")
        st.rerun()


def item_form(table: pd.DataFrame) -> None:
    if table.empty:
        st.info("No items match these filters.")
        return
    labels = {i: _item_label(r) for i, r in table.iterrows()}
    item_id = st.selectbox("Item", list(labels), format_func=lambda i: labels[i], key="edit_item")
    row = table.loc[item_id]
    base = _base_for(row)
    with st.container(border=True):
        st.caption(common.md(f"{row['session']} · {row['section']}"
                             + (f" · asked by {row['speaker']}" if row["speaker"] else "")))
        st.text(row["text"])
        if row["themes"]:
            st.caption(common.md("Themes: " + ", ".join(row["themes"])))
        if row["recommendation"]:
            raised = (f" — raised in {int(row['rec_sessions'])} sessions ({row['rec_years']})"
                      if row["recurring"] else "")
            st.caption(common.md(f"Recommendation: {row['recommendation']}{raised}"))

    conflict: EditConflict | None = st.session_state.get(EDIT_CONFLICT)
    if conflict is not None and conflict.item_id == item_id:
        common.show_conflict(conflict)
        common.conflict_choices("", (EDIT_BASE, EDIT_CONFLICT),
                                lambda: _save_item(item_id, dict(conflict.yours), int(row["version"]), row["text"]))
    elif int(row["version"]) != base["version"]:
        common.stale_notice(row["updated_by"], "item", "edit-refresh", EDIT_BASE)

    values = base["values"]
    suffix = f"{item_id}-{base['version']}"
    with st.form(f"edit-form-{suffix}", border=True):
        a, b = st.columns(2)
        status = a.selectbox("Status", list(STATUSES), index=list(STATUSES).index(values["status"]),
                             format_func=status_label, key=f"status-{suffix}")
        owner = b.text_input("Owner", value=values["owner"], key=f"owner-{suffix}",
                             placeholder="Who follows this up")
        due = a.date_input("Due date", value=values["due_date"], key=f"due-{suffix}", format="YYYY-MM-DD")
        notes = st.text_area("Notes", value=values["notes"], key=f"notes-{suffix}", height=90)
        submitted = st.form_submit_button("Save", type="primary", icon=":material/save:")
    if submitted:
        new = {"status": status, "owner": owner.strip(), "due_date": due, "notes": notes}
        changes = {k: v for k, v in new.items() if v != values[k]}
        _save_item(item_id, changes, base["version"], row["text"])

    suggestions = [a for a in row["addressee"] if a and a != row["owner"]]
    for i, who in enumerate(suggestions[:3]):
        if st.button(f"Set owner to {common.md(who)}", key=f"suggest-{item_id}-{i}", icon=":material/person_add:",
                     help="The analysis found this item addressed to them"):
            _save_item(item_id, {"owner": who}, base["version"], row["text"])

    themes = common.themes_list()
    if not themes.empty:
        with st.expander("Correct the themes of this item"):
            chosen = st.multiselect("Themes", list(themes["name"]),
                                    default=[t for t in row["themes"] if t in set(themes["name"])],
                                    key=f"themes-{item_id}")
            if st.button("Save themes", key=f"save-themes-{item_id}"):
                name = common.require_name()
                if name:
                    try:
                        analysis.set_item_themes(common.get_store(), item_id, chosen, by=name)
                    except (analysis.AnalysisError, PermissionDenied) as exc:  # an unknown theme
                        st.error(common.md(str(exc)))
                    else:
                        common.clear_caches()
                        _flash("Themes saved; they are kept when the analysis runs again.")
                        st.rerun()


# --- bulk ---------------------------------------------------------------------------------------

def bulk_update(table: pd.DataFrame) -> None:
    if table.empty:
        st.info("No items match these filters.")
        return
    labels = {i: _item_label(r) for i, r in table.iterrows()}
    use_all = st.checkbox(f"All {len(table)} items shown by the filters", key="bulk_all")
    chosen = list(table.index) if use_all else st.multiselect(
        "Items", list(labels), format_func=lambda i: labels[i], key="bulk_items", placeholder="Choose items")
    a, b = st.columns(2)
    status = a.selectbox("Set status", [""] + list(STATUSES), key="bulk_status",
                         format_func=lambda s: status_label(s) if s else "(leave as is)")
    owner = b.text_input("Set owner", key="bulk_owner", placeholder="(leave as is)")
    if st.button(f"Apply to {len(chosen)} item(s)", disabled=not chosen or not (status or owner.strip()),
                 key="bulk_apply", type="primary"):
        name = common.require_name()
        if not name:
            return
        changes: dict[str, Any] = {}
        if status:
            changes["status"] = status
        if owner.strip():
            changes["owner"] = owner.strip()
        versions = {i: int(table.loc[i, "version"]) for i in chosen}
        try:
            results = set_items(common.get_store(), chosen, by=name, via="bulk", expected_versions=versions,
                                **changes)
        except EditConflict as conflict:
            common.clear_caches()
            common.show_conflict(conflict, "nothing in this bulk update was saved")
        except (EditError, PermissionDenied) as exc:
            st.error(common.md(str(exc)))
        else:
            common.clear_caches()
            _flash(f"Updated {sum(1 for r in results if r.changed)} of {len(chosen)} item(s).")
            st.rerun()


def render() -> None:
    common.page_header("Tracker", "Every takeaway, call to action and question: filter, follow up, download.")
    _show_flash()
    flt, only_overdue = filters()
    table = common.tracker_table(flt, only_overdue)
    if st.session_state.get("f_recurring") and not table.empty:
        table = table[table["recurring"]]
    total = len(common.items())
    overdue = int(table["overdue"].sum()) if not table.empty else 0
    c = st.columns([3, 1, 1])
    c[0].markdown(f"**{len(table)}** of {total} items shown"
                  + (f" · :red[**{overdue} overdue**]" if overdue else ""))
    stamp = date.today().isoformat()
    c[1].download_button("CSV", lambda: csv_bytes(table), f"igf-items-{stamp}.csv", "text/csv",
                         icon=":material/download:", on_click="ignore", disabled=table.empty, width="stretch")
    c[2].download_button("Excel", lambda: excel_bytes(table), f"igf-items-{stamp}.xlsx",
                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                         icon=":material/download:", on_click="ignore", disabled=table.empty, width="stretch")
    grid, form, bulk = st.tabs(["Table", "Edit an item", "Bulk update"])
    with grid:
        st.caption("Edit status, owner, due date and notes in place, then save. Other columns are read-only.")
        table_editor(table)
    with form:
        item_form(table)
    with bulk:
        bulk_update(table)


if __name__ == "__main__":
    render()
