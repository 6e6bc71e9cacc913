"""Sign-in with the organization's identity provider (Streamlit's OpenID Connect support: ``st.login``,
``st.user``, ``st.logout``), and the signed-in person as a ``services.access.Actor``, passed to
the services as ``actor=``.

Sign-in is on when ``.streamlit/secrets.toml`` has an ``[auth]`` section (README, "Sign-in and roles");
without it the dashboard is the local single-user tool (no actor: the services act as for the command line).
The first admins are ``[tracker] admins = ["a@example.org"]`` in the same file, or ``$TRACKER_ADMINS``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from tracker.services.access import Actor, actor_for
from tracker.store import Store
from tracker.vocabulary import escape_markdown as _md

ACTOR_KEY = "tracker_actor"  # set by dashboard.py on every run; read by current_actor()
NOT_SIGNED_IN = Actor("", "someone who is not signed in", "")


def configured() -> bool:
    """True when the secrets file has an ``[auth]`` section: every page then needs sign-in."""
    return st.secrets.load_if_toml_exists() and "auth" in st.secrets


def _section(name: str) -> Mapping[str, Any]:
    value = st.secrets.get(name, {}) if st.secrets.load_if_toml_exists() else {}
    return value if isinstance(value, Mapping) else {}


def providers() -> list[str | None]:
    """The providers to offer: None for the settings directly in ``[auth]``, else each ``[auth.NAME]``."""
    auth = _section("auth")
    named = [str(k) for k, v in auth.items()
             if isinstance(v, Mapping) and k != "client_kwargs" and ("client_id" in v or "server_metadata_url" in v)]
    return ([None] if "client_id" in auth else []) + named


def secrets_admins() -> list[str]:
    """The admins named in the secrets file (``[tracker] admins``); ``store.access.configured_admins`` adds
    $TRACKER_ADMINS to them."""
    admins = _section("tracker").get("admins", [])
    return [str(a) for a in ([admins] if isinstance(admins, str) else admins)]


def signed_in() -> bool:
    return bool(st.user.get("is_logged_in"))


def resolve_actor(store: Store) -> Actor | None:
    """The signed-in person with their role (looked up on every run, so a role change applies at once);
    None without sign-in configured."""
    if not configured():
        st.session_state.pop(ACTOR_KEY, None)
        return None
    if not signed_in():
        actor = NOT_SIGNED_IN
    else:
        actor = actor_for(store, str(st.user.get("name") or ""), str(st.user.get("email") or ""), secrets_admins(),
                          verified=st.user.get("email_verified") is True)
    st.session_state[ACTOR_KEY] = actor
    return actor


def current_actor() -> Actor | None:
    """The Actor ``resolve_actor`` found on this run; with sign-in configured but nobody signed in, one that
    every write refuses."""
    actor = st.session_state.get(ACTOR_KEY)
    if isinstance(actor, Actor):
        return actor
    return NOT_SIGNED_IN if configured() else None


def sign_in_page() -> None:
    """The only page before sign-in."""
    st.title("IGF Recommendations Tracker")
    st.write("Sign in with your organization's account to see and follow up the recommendations.")
    for provider in providers():
        label = "Sign in" if provider is None else f"Sign in with {provider}"
        if st.button(label, key=f"sign-in-{provider}", type="primary", icon=":material/login:"):
            st.login(provider) if provider else st.login()
    if not providers():
        st.error("Sign-in is configured without a provider: add client_id, client_secret and server_metadata_url "
                 "to [auth] in .streamlit/secrets.toml.")


def sidebar(actor: Actor) -> None:
    """Who is signed in, with which role, and the way out."""
    st.sidebar.markdown(f"Signed in as **{_md(actor.name)}**  \n{_md(actor.email)} · {actor.role}")
    if not actor.verified:
        st.sidebar.caption("Your identity provider did not confirm this e-mail address (email_verified), so it "
                           "gets no role: you can read and export.")
    elif actor.role == "viewer":
        st.sidebar.caption("You can read and export. Changes need the editor role: ask an admin.")
    if st.sidebar.button("Sign out", icon=":material/logout:"):
        st.session_state.pop(ACTOR_KEY, None)
        st.logout()
