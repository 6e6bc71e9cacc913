"""The Tracker page's bulk update: the same status or owner for many items in one save."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from tracker.services.access import PermissionDenied
from tracker.services.editing import EditConflict, EditError, set_items
from tracker.ui import auth
from tracker.ui.dashboard_data import status_label
from tracker.ui.pages import common
from tracker.vocabulary import STATUSES

BULK_SEEN = "bulk_seen"
BULK_SHOWN = "bulk_shown"  # the items the Apply button counted when it was last drawn


def bulk_update(table: pd.DataFrame, label: Callable[[pd.Series], str], flash: Callable[[str], None]) -> None:
    """One status or owner for many items; refused whole if any of them changed since it was shown. ``label`` names
    an item in the list; ``flash`` leaves the page's message after a save."""
    if table.empty:
        st.info("No items match these filters.")
        return
    # the versions of the rows when they were shown: a change someone saves meanwhile makes Apply refuse
    seen = st.session_state.setdefault(BULK_SEEN, {})
    for item_id, version in zip(table.index, table["version"], strict=True):
        seen.setdefault(item_id, int(version))
    labels = {i: label(r) for i, r in table.iterrows()}
    use_all = st.checkbox(f"All {len(table)} items shown by the filters", key="bulk_all")
    chosen = list(table.index) if use_all else st.multiselect(
        "Items", list(labels), format_func=lambda i: labels[i], key="bulk_items", placeholder="Choose items")
    # the click reruns the page, which reads the rows again: items another process added meanwhile are in
    # this run's table, but the person applied to the ones the button counted
    shown_before = st.session_state.get(BULK_SHOWN)
    st.session_state[BULK_SHOWN] = list(chosen)
    a, b = st.columns(2)
    status = a.selectbox("Set status", [""] + list(STATUSES), key="bulk_status",
                         format_func=lambda s: status_label(s) if s else "(leave as is)")
    owner = b.text_input("Set owner", key="bulk_owner", placeholder="(leave as is)")
    if st.button(f"Apply to {len(chosen)} item(s)", disabled=not chosen or not (status or owner.strip()),
                 key="bulk_apply", type="primary"):
        if use_all and shown_before is not None:
            chosen = [i for i in shown_before if i in seen]
        name = common.require_name()
        if not name:
            return
        changes: dict[str, Any] = {}
        if status:
            changes["status"] = status
        if owner.strip():
            changes["owner"] = owner.strip()
        versions = {i: seen.get(i, int(table.loc[i, "version"])) for i in chosen}
        try:
            results = set_items(common.get_store(), chosen, by=name, actor=auth.current_actor(), via="bulk",
                                expected_versions=versions, **changes)
        except EditConflict as conflict:
            common.clear_caches()
            for key in (BULK_SEEN, BULK_SHOWN):  # the rows now shown are the ones a new Apply is checked against
                st.session_state.pop(key, None)
            common.show_conflict(conflict, "nothing in this bulk update was saved; check the items and apply again")
        except (EditError, PermissionDenied) as exc:
            st.error(common.md(str(exc)))
        else:
            common.clear_caches()
            for key in (BULK_SEEN, BULK_SHOWN):
                st.session_state.pop(key, None)
            flash(f"Updated {sum(1 for r in results if r.changed)} of {len(chosen)} item(s).")
            common.rerun_part()
