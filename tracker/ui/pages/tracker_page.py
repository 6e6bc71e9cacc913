"""Tracker: every item in one table, filters, in-place edits, a per-item form, bulk updates, downloads."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from tracker import analysis
from tracker.services import analyzing
from tracker.services.access import PermissionDenied
from tracker.services.editing import EditConflict, EditError, EditResult, save_rows, set_item
from tracker.store.queries import ItemFilter
from tracker.ui import auth, bulk_update, followup, item_filters
from tracker.ui.dashboard_data import (
    csv_bytes,
    display_table,
    excel_bytes,
    kind_label,
    pending_edits,
    shorten,
    status_label,
)
from tracker.ui.pages import common
from tracker.vocabulary import STATUSES

FLASH = "tracker_flash"
EDIT_BASE = "edit_base"
EDIT_CONFLICT = "edit_conflict"
GRID_CONFLICTS = "grid_conflicts"


def _flash(message: str) -> None:
    """After one of this editor's own saves: say so, and take the new versions as seen (their own change must
    not count as someone else's in the table or a bulk update); unsaved table edits stay."""
    st.session_state[FLASH] = message
    for key in (bulk_update.BULK_SEEN, bulk_update.BULK_SHOWN, EDIT_BASE):  # the form reopens on the values saved now
        st.session_state.pop(key, None)
    pending = st.session_state.get(GRID_PENDING, {})
    seen = st.session_state.get(GRID_SEEN, {})
    for item_id in [i for i in seen if i not in pending]:
        del seen[item_id]
    st.session_state.pop(GRID_DRAWN, None)


def _show_flash() -> None:
    message = st.session_state.pop(FLASH, None)
    if message:
        st.success(message, icon=":material/check_circle:")


def _item_label(row: pd.Series) -> str:
    return f"{row['year']} · {kind_label(row['kind'])} · {shorten(row['text'], 90)}"


# --- table editor -------------------------------------------------------------------------------
# Unsaved edits live in the session as {item id: {field: value}} (GRID_PENDING), not only in the editor widget,
# so a filter change (which draws a new grid) keeps them: the new grid starts from them. GRID_SEEN keeps the
# version and values of each row when it was first shown: a save refuses changes someone made since.

GRID_PENDING = "grid_pending"
GRID_SEEN = "grid_seen"
GRID_DRAWN = "grid_drawn"
# the recommendation next to the item it groups: at the end it was off-screen at 1440 px
MAIN_COLUMNS = ["flag", "text", "recommendation", "status", "owner", "due_date", "recurring", "rec_sessions",
                "rec_years"]
ALL_COLUMNS = MAIN_COLUMNS + ["year", "session", "kind", "notes", "themes", "addressee", "updated_by"]
NARROW_COLUMNS = ["text", "status", "recommendation", "owner", "due_date", "flag", "recurring", "rec_sessions",
                  "rec_years"]
COLUMN_SETS = {"Main": MAIN_COLUMNS, "Narrow": NARROW_COLUMNS, "All": ALL_COLUMNS}


def _on_phone() -> bool:
    """A phone's browser says so in its User-Agent ("Mobile"): the grid then starts narrow."""
    try:
        agent = st.context.headers.get("User-Agent")
    except Exception:  # bare runs have no request
        return False
    return isinstance(agent, str) and "Mobi" in agent


def _opened(row: pd.Series) -> dict[str, Any]:
    return {"status": row["status"], "owner": row["owner"] or "", "due_date": row["due_date"],
            "notes": row["notes"] or ""}


def _grid_key(table: pd.DataFrame) -> tuple[str, dict[str, dict[str, Any]]]:
    """The editor's key and the pending edits it starts from; a new key whenever other rows are shown."""
    ids = hashlib.sha1("\x1f".join(table.index).encode()).hexdigest()[:12]
    drawn = st.session_state.get(GRID_DRAWN)
    if drawn is None or drawn[0] != ids:
        nonce = st.session_state.get("grid_nonce", 0) + 1
        st.session_state["grid_nonce"] = nonce
        pending = st.session_state.get(GRID_PENDING, {})
        seen = st.session_state.setdefault(GRID_SEEN, {})
        for item_id, row in table.iterrows():
            if item_id not in pending:
                seen[item_id] = {"version": int(row["version"]), "values": _opened(row)}
        drawn = (ids, f"grid-{nonce}", {i: dict(c) for i, c in pending.items()})
        st.session_state[GRID_DRAWN] = drawn
    return drawn[1], drawn[2]


def _reset_grid() -> None:
    for key in (GRID_PENDING, GRID_SEEN, GRID_DRAWN):
        st.session_state.pop(key, None)


def save_grid(pending: dict[str, dict[str, Any]], by: str) -> list[tuple[EditConflict, dict[str, Any]]]:
    """Save every pending edit; returns the conflicts (items someone else changed since they were shown), each
    with the values the user had seen."""
    seen = st.session_state.get(GRID_SEEN, {})
    versions = {i: seen[i]["version"] for i in pending if i in seen}
    saved, conflicts = save_rows(common.get_store(), pending, by=by, versions=versions, actor=auth.current_actor())
    common.clear_caches()
    if saved:
        _flash(f"Saved {sum(len(r.changed) for r in saved)} change(s) to {len(saved)} item(s).")
    return [(c, seen.get(c.subject_id, {}).get("values", {})) for c in conflicts]


def _keep_mine(conflict: EditConflict, label: str) -> None:
    """Save the grid edit over the other person's (their other fields stay)."""
    name = common.require_name()
    if not name:
        return
    current = common.items(ItemFilter(include_removed=True)).set_index("item_id")
    try:
        set_item(common.get_store(), conflict.subject_id, by=name, actor=auth.current_actor(), via="dashboard",
                 expected_version=int(current.loc[conflict.subject_id, "version"]), **conflict.yours)
    except EditError as exc:
        st.error(common.md(str(exc)))
        return
    _drop_conflict(conflict.subject_id)
    common.clear_caches()
    _flash(f"Saved yours for: {shorten(label, 70)}")
    st.rerun()


def _drop_conflict(item_id: str) -> None:
    st.session_state[GRID_CONFLICTS] = [c for c in st.session_state.get(GRID_CONFLICTS, [])
                                        if c[0].subject_id != item_id]


def table_editor(table: pd.DataFrame) -> None:
    for conflict, opened in list(st.session_state.get(GRID_CONFLICTS, [])):
        label = str(common.items(ItemFilter(include_removed=True)).set_index("item_id")["text"].get(conflict.subject_id,
                                                                                               conflict.subject_id))
        with st.container(border=True):
            common.show_conflict(conflict, shorten(label, 60), opened)
            common.conflict_choices(f"grid-{conflict.subject_id}-", ("", ""),  # the list is kept by the callbacks
                                    lambda c=conflict, t=label: _keep_mine(c, t),
                                    lambda i=conflict.subject_id: _drop_conflict(i))
    if table.empty:
        st.info("No items match these filters.")
        st.session_state.pop(GRID_DRAWN, None)  # the next grid is a new one, starting from the pending edits
        if st.session_state.get(GRID_PENDING):
            _pending_bar(table, st.session_state[GRID_PENDING])
        return
    key, overlay = _grid_key(table)
    shown = display_table(table)
    for item_id, changes in overlay.items():
        if item_id in shown.index:
            for field_name, value in changes.items():
                shown.at[item_id, field_name] = value
    shown["due_date"] = pd.to_datetime(shown["due_date"], errors="coerce")
    columns = st.session_state.get("grid_columns") or ("Narrow" if _on_phone() else "Main")
    editable = {"status", "owner", "due_date", "notes"}
    st.data_editor(
        shown, key=key, hide_index=True, num_rows="fixed", height=min(38 + 76 * len(shown), 620), row_height=76,
        disabled=[c for c in shown.columns if c not in editable],
        column_order=COLUMN_SETS.get(columns, MAIN_COLUMNS),
        placeholder="",
        column_config={
            "flag": st.column_config.TextColumn("⚠", width=40, help="Due date passed and not done"),
            "text": st.column_config.TextColumn("Item", width=230 if columns == "Narrow" else 360,
                                                help="Full text: the Edit an item tab"),
            "year": st.column_config.NumberColumn("Year", format="%d", width=50),
            "session": st.column_config.TextColumn("Session", width=140),
            "kind": st.column_config.TextColumn("Kind", width=100),
            "status": st.column_config.SelectboxColumn("Status", options=list(STATUSES), required=True,
                                                       format_func=status_label, width=105),
            "owner": st.column_config.TextColumn("Owner", width=110),
            "due_date": st.column_config.DateColumn("Due", format="YYYY-MM-DD", width=95),
            "recurring": st.column_config.CheckboxColumn("Recurring", width=80,
                                                         help="Its recommendation was raised in 2+ sessions"),
            "rec_sessions": st.column_config.NumberColumn("Sessions", format="%d", width=75,
                                                          help="Sessions its recommendation was raised in"),
            "rec_years": st.column_config.TextColumn("Years", width=120,
                                                     help="Years its recommendation was raised in"),
            "recommendation": st.column_config.TextColumn("Recommendation", width=220,
                                                          help="The recommendation this call belongs to"),
            "notes": st.column_config.TextColumn("Notes", width=220),
            "themes": st.column_config.TextColumn("Themes", width=260),
            "addressee": st.column_config.TextColumn("Addressed to", width=160),
            "updated_by": st.column_config.TextColumn("Last edit by", width=120),
        })
    edited_rows = st.session_state.get(key, {}).get("edited_rows", {})
    _pending_bar(table, pending_edits(table, overlay, edited_rows))


def _pending_bar(table: pd.DataFrame, pending: dict[str, dict[str, Any]]) -> None:
    """Save / Discard for every unsaved edit, shown or not."""
    st.session_state[GRID_PENDING] = pending
    count = len(pending)
    hidden = sum(1 for i in pending if i not in table.index)
    c = st.container(horizontal=True, vertical_alignment="center")
    if c.button(f"Save table changes ({count})", type="primary", disabled=not count, key="grid-save",
                icon=":material/save:"):
        name = common.require_name()
        if name:
            try:
                conflicts = save_grid(pending, name)
            except (EditError, PermissionDenied) as exc:
                st.error(common.md(str(exc)))
            else:
                st.session_state[GRID_CONFLICTS] = conflicts
                _reset_grid()
                common.rerun_part()
    if c.button("Discard", disabled=not count, key="grid-discard"):
        _reset_grid()
        common.rerun_part()
    if hidden:
        c.caption(f"{hidden} of them on item(s) the filters hide now: kept, and saved with the others.")


# --- one item -----------------------------------------------------------------------------------

def _base_for(row: pd.Series) -> dict[str, Any]:
    """What the form was opened with: the item's version and values at that moment."""
    base = st.session_state.get(EDIT_BASE)
    if not base or base["item_id"] != row["item_id"]:
        base = {"item_id": row["item_id"], "version": int(row["version"]), "values": _opened(row)}
        st.session_state[EDIT_BASE] = base
        kept = st.session_state.get(EDIT_CONFLICT)
        if kept is not None and kept[0].subject_id != row["item_id"]:
            st.session_state.pop(EDIT_CONFLICT, None)
    return base


FIELD_WORDS = {"status": "status", "owner": "owner", "due_date": "due date", "notes": "notes"}


def _save_item(item_id: str, changes: dict[str, Any], version: int, label: str) -> None:
    def saved(result: EditResult) -> None:
        fields = ", ".join(FIELD_WORDS.get(f, f.replace("_", " ")) for f in result.changed) or "nothing"
        _flash(f"Saved {fields} for: {shorten(label, 70)}")

    followup.save("item", item_id, changes, version, base_key=EDIT_BASE, conflict_key=EDIT_CONFLICT, saved=saved)


def _recommendation_status(row: pd.Series) -> None:
    """A call and its recommendation each have a status: say which one this form changes, and where the other
    is set (the recommendation's follow-up is on the Recommendations page, with its calls' progress)."""
    rec_id = str(row.get("rec_id") or "")
    recs = common.recommendations()
    if not rec_id or recs.empty or rec_id not in set(recs["rec_id"]):
        return
    rec = recs.set_index("rec_id").loc[rec_id]
    owner = f", owner {rec['owner']}" if isinstance(rec["owner"], str) and rec["owner"] else ""
    st.caption(common.md(f"The recommendation has its own status: {status_label(rec['status'])}{owner}. This form "
                         "changes this call only; the recommendation's status is set on the Recommendations page."))
    st.page_link("tracker/ui/pages/recurring.py", label="Open Recommendations", icon=":material/repeat:",
                 query_params={"rec": rec_id})


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
                      if row["recurring"] else " — raised once" if row["rec_id"] else "")
            st.caption(common.md(f"Recommendation: {row['recommendation']}{raised}"))
            _recommendation_status(row)

    kept = st.session_state.get(EDIT_CONFLICT)
    if kept is not None and kept[0].subject_id == item_id:
        conflict, opened = kept
        common.show_conflict(conflict, opened=opened)
        st.caption("The form below shows the values saved now.")
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
                        analyzing.set_item_themes(common.get_store(), item_id, chosen, by=name,
                                                  actor=auth.current_actor())
                    except (analysis.AnalysisError, PermissionDenied) as exc:  # an unknown theme
                        st.error(common.md(str(exc)))
                    else:
                        common.clear_caches()
                        _flash("Themes saved; they are kept when the analysis runs again.")
                        common.rerun_part()


# --- the page -----------------------------------------------------------------------------------

def _table(flt: ItemFilter, only_overdue: bool, only_recurring: bool) -> pd.DataFrame:
    table = common.tracker_table(flt, only_overdue)
    if only_recurring and not table.empty:
        table = table[table["recurring"]]
    return table


@st.fragment
def views(flt: ItemFilter, only_overdue: bool, only_recurring: bool) -> None:
    """The table, the form and bulk updates: a save reruns only this part (and re-reads the rows)."""
    _show_flash()
    table = _table(flt, only_overdue, only_recurring)
    # a keyed tab bar that reruns: the tab the user was on stays open after a save
    grid, form, bulk = st.tabs(["Table", "Edit an item", "Bulk update"], key="tracker_view", on_change="rerun")
    with grid:
        # the control on the left: the grid's own toolbar appears on its top right
        c = st.container(horizontal=True, vertical_alignment="center")
        c.segmented_control("Columns", list(COLUMN_SETS), default="Narrow" if _on_phone() else "Main",
                            required=True, key="grid_columns", label_visibility="collapsed",
                            help="Main: the item and its follow-up; Narrow: for a phone; All: every column")
        c.caption("Edit status, owner, due date and notes in place, then save. Other columns are read-only.")
        table_editor(table)
    with form:
        item_form(table)
    with bulk:
        bulk_update.bulk_update(table, _item_label, _flash)


def render() -> None:
    common.page_header("Tracker", "Every takeaway, call to action and question: filter, follow up, download.")
    flt, only_overdue = item_filters.filters()
    only_recurring = bool(st.session_state.get("_only_recurring"))
    table = _table(flt, only_overdue, only_recurring)
    total = len(common.items())
    overdue = int(table["overdue"].sum()) if not table.empty else 0
    c = st.container(horizontal=True, vertical_alignment="center")
    c.markdown(f"**{len(table)}** of {total} items shown" + (f" · :red[**{overdue} overdue**]" if overdue else ""),
               width="stretch")
    stamp = date.today().isoformat()
    c.download_button("CSV", lambda: csv_bytes(table), f"igf-items-{stamp}.csv", "text/csv",
                      icon=":material/download:", on_click="ignore", disabled=table.empty,
                      help="Readable headers and labels")
    c.download_button("Excel", lambda: excel_bytes(table), f"igf-items-{stamp}.xlsx",
                      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                      icon=":material/download:", on_click="ignore", disabled=table.empty,
                      help="Readable headers, filters on every column, wrapped text")
    views(flt, only_overdue, only_recurring)


if __name__ == "__main__":
    render()
