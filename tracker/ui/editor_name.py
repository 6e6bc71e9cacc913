"""The editor's name without sign-in: a sidebar box, kept in the session and in a cookie of this browser, and
the signed-in person's name when sign-in is on."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

import streamlit as st

from tracker.ui import auth

NAME_KEY = "editor_name"
# Where the name box is, also on a phone, where the sidebar is folded away behind the » button at the top left
NAME_FIRST = ("Enter your name first, under “Your name” in the side menu (on a phone, open it with the » button at "
              "the top left).")

# Streamlit's session state dies with the browser tab's session, so the name also lives in a cookie on this
# machine's browser (read from st.context.cookies when a session starts, written by a one-line script).
NAME_COOKIE = "tracker_editor"
NAME_MAX = 80


def _clean_name(value: Any) -> str:
    text = unquote(str(value or ""))
    return " ".join("".join(ch for ch in text if ch.isprintable()).split())[:NAME_MAX]


def _cookie_name() -> str:
    try:
        value = st.context.cookies.get(NAME_COOKIE, "")
    except Exception:  # bare runs have no request
        return ""
    return _clean_name(value) if isinstance(value, str) else ""  # AppTest answers with a stand-in object


def _write_cookie(name: str) -> None:
    """Keep the name in a cookie of this site for a year (an empty name clears it); no request is made."""
    age = 365 * 24 * 3600 if name else 0
    literal = json.dumps(name).replace("<", "\\u003c")  # a name can never close the script tag
    script = (f"<script>document.cookie = {json.dumps(NAME_COOKIE)} + '=' + encodeURIComponent({literal})"
              f" + '; path=/; max-age={age}; SameSite=Strict';</script>")
    with st.sidebar.container(height=1, border=False, key="name-cookie"):
        st.html(script, unsafe_allow_javascript=True)


def _remember_name() -> None:
    st.session_state[NAME_KEY] = _clean_name(st.session_state.get("_name_input", ""))


def name_input() -> None:
    """Sidebar box for the editor's name; remembered by this browser (a cookie) across reloads and restarts."""
    if NAME_KEY not in st.session_state:
        st.session_state[NAME_KEY] = _cookie_name()
    st.session_state.setdefault("_name_input", st.session_state[NAME_KEY])
    st.sidebar.text_input("Your name (for the change log)", key="_name_input",
                          on_change=_remember_name, placeholder="e.g. Ming Yan",
                          help="Saved with every change you make. This browser remembers it.")
    if _clean_name(st.session_state.get("_name_input", "")) != st.session_state[NAME_KEY]:
        _remember_name()
    if st.session_state.get("_name_cookie") != st.session_state[NAME_KEY]:
        _write_cookie(st.session_state[NAME_KEY])
        st.session_state["_name_cookie"] = st.session_state[NAME_KEY]
    if not st.session_state[NAME_KEY]:
        st.sidebar.caption("Enter your name before editing.")


def editor_name() -> str:
    actor = auth.current_actor()
    if actor is not None:  # signed in: the identity provider's name and e-mail, not editable
        return actor.label
    return str(st.session_state.get(NAME_KEY, "")).strip()


def require_name() -> str | None:
    """The editor's name, or None after showing why saving is refused."""
    name = editor_name()
    if not name:
        st.error(NAME_FIRST + " Every change is logged with it.")
        return None
    return name
