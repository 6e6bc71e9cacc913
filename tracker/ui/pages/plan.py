"""Plan next proposal: a draft brief built from the data, editable, downloadable as Markdown."""

from __future__ import annotations

import hashlib

import streamlit as st

from tracker.services.planning import build_brief
from tracker.store import Store
from tracker.ui.pages import common


@st.cache_data(show_spinner=False, max_entries=8)
def _brief(db: str, tok: str) -> str:
    return build_brief(Store(db))


def render() -> None:
    common.page_header("Plan next proposal",
                       "A draft brief from the tracker: open recurring calls, unresolved questions, progress, SDGs.")
    store = common.get_store()
    draft = _brief(str(store.path), common.token(store))
    # a new draft (data changed, or "Start again") gets a fresh box; edits stay while the data does not change
    nonce = st.session_state.get("brief_nonce", 0)
    key = f"brief-{nonce}-{hashlib.sha1(draft.encode()).hexdigest()[:10]}"
    edit, preview = st.tabs(["Edit", "Preview"])
    with edit:
        text = st.text_area("Brief (Markdown)", value=draft, height=520, key=key,
                            help="Edit freely; the download uses what is in this box.")
        c = st.columns([1, 1, 3])
        c[0].download_button("Download .md", text.encode("utf-8"), "proposal-brief.md", "text/markdown",
                             type="primary", icon=":material/download:", on_click="ignore", width="stretch")
        if c[1].button("Start again from the data", width="stretch"):
            st.session_state["brief_nonce"] = nonce + 1
            st.rerun()
    with preview:
        # document text in the draft is already escaped by build_brief; raw HTML is never rendered
        st.markdown(text, unsafe_allow_html=False)


if __name__ == "__main__":
    render()
