"""The one save of the follow-up forms (an item's on the Tracker page, a recommendation's on the Recommendations
page): the editor's name, the version the form was opened at, a refused save kept with both sides to compare."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from tracker.errors import TrackerError
from tracker.services.editing import EditConflict, EditResult, set_item, set_recommendation
from tracker.ui import auth
from tracker.ui.pages import common


def save(subject: str, subject_id: str, changes: dict[str, Any], version: int, *, base_key: str,
         conflict_key: str, saved: Callable[[EditResult], None], apply_to_calls: bool = False,
         calls: dict[str, int] | None = None) -> None:
    """Save a form's ``changes`` to an item or recommendation opened at ``version``; then ``saved(result)``
    (the page's message) and rerun. The form's base (``st.session_state[base_key]``, with the values it was
    opened with) is dropped so it reopens on what is saved now; on a conflict ``(conflict, opened values)`` is
    kept under ``conflict_key`` for the page to show both sides. Refusals are shown and nothing reruns."""
    name = common.require_name()
    if not name:
        return
    if not changes:
        st.info("Nothing changed.")
        return
    opened = dict(st.session_state.get(base_key, {}).get("values", {}))
    store = common.get_store()
    try:
        if subject == "item":
            result = set_item(store, subject_id, by=name, actor=auth.current_actor(), via="dashboard",
                              expected_version=version, **changes)
        else:
            result = set_recommendation(store, subject_id, by=name, actor=auth.current_actor(), via="dashboard",
                                        expected_version=version,
                                        apply_to_calls=apply_to_calls,
                                        call_versions=calls if apply_to_calls else None, **changes)
    except EditConflict as conflict:
        st.session_state.pop(base_key, None)
        common.clear_caches()
        if conflict.subject != subject:  # one of its calls: the form reopens on the calls as they are now
            st.error(common.md(f"Not saved: {conflict.changed_by or 'someone else'} changed the status of one of "
                               f"its calls after you opened it ({conflict}). Check its calls and save again."))
            return
        st.session_state[conflict_key] = (conflict, opened)
        common.rerun_part()
        return
    except TrackerError as exc:  # a refused value, an unknown id, a missing role (PermissionDenied)
        st.error(common.md(str(exc)))
        return
    st.session_state.pop(base_key, None)
    st.session_state.pop(conflict_key, None)
    common.clear_caches()
    saved(result)
    common.rerun_part()
