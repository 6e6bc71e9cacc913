"""Evidence on a recommendation (links, and small files kept in the database) on the Recommendations page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from tracker.services import evidence as evidence_service
from tracker.ui.pages import common


def _file_bytes(store: Any, evidence_id: int) -> Any:
    """What the download button calls when clicked (on another thread): the file's bytes."""
    def read() -> bytes:
        return evidence_service.evidence_file(store, evidence_id)[2]
    return read


def evidence_section(rec: pd.Series, act: Callable[..., None]) -> None:
    """Links and files showing what was done: listed as text, files offered back as downloads only. ``act``
    runs an addition or removal as the page runs its other decisions."""
    rec_id = str(rec["rec_id"])
    store = common.get_store()
    kept = evidence_service.evidence_frame(store, "recommendation", rec_id)
    with st.expander(f"Evidence ({len(kept)})", icon=":material/attach_file:", expanded=False):
        for row in kept.itertuples():
            line = st.container(horizontal=True, vertical_alignment="center")
            who = f"added by {row.added_by}, {pd.Timestamp(row.added_at):%Y-%m-%d}"
            if isinstance(row.url, str) and row.url:
                line.link_button(common.md(str(row.label)), row.url, icon=":material/link:",
                                 help=f"{row.url} · {who}")
            else:
                eid = int(row.evidence_id)
                size = int(row.size)
                shown = f"{size:,} bytes" if size < 10_240 else f"{size / 1024:,.0f} KB"
                line.download_button(common.md(f"{row.label} ({row.file_name}, {shown})"),
                                     data=_file_bytes(store, eid),
                                     file_name=str(row.file_name), mime="application/octet-stream",
                                     on_click="ignore", icon=":material/download:", key=f"evidence-get-{eid}",
                                     help=who)
            if line.button("Take off", key=f"evidence-off-{row.evidence_id}", type="tertiary"):
                act("Evidence taken off (the history keeps it).", evidence_service.remove_evidence,
                     int(row.evidence_id))
        with st.form(f"evidence-form-{rec_id}", clear_on_submit=True, border=False):
            label = st.text_input("What it is", key=f"evidence-label-{rec_id}",
                                  placeholder="Toolkit published, letter to the ministry …")
            url = st.text_input("Link (https://…)", key=f"evidence-url-{rec_id}")
            upload = st.file_uploader("or a file: PDF, Word (.docx) or an image", key=f"evidence-file-{rec_id}")
            added = st.form_submit_button("Add evidence", icon=":material/add:")
        if added and url.strip():
            act("Evidence added.", evidence_service.add_link, "recommendation", rec_id, url, label)
        elif added and upload is not None:
            act("Evidence added.", evidence_service.add_file, "recommendation", rec_id, upload.name,
                 upload.getvalue(), label)
        elif added:
            st.error("Give a link or choose a file.")
