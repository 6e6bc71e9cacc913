"""Team, /login and /signin when sign-in is off: say so, and how to turn it on (instead of "Page not found")."""

from __future__ import annotations

import streamlit as st

from tracker.ui.pages import common

EXAMPLE = """[auth]
redirect_uri = "https://tracker.example.org/oauth2callback"
cookie_secret = "a long random string"
client_id = "…"
client_secret = "…"
server_metadata_url = "https://login.example.org/.well-known/openid-configuration"

[tracker]
admins = ["ana@example.org"]"""


def render() -> None:
    common.page_header("Sign-in is off", "This dashboard runs as a single-user tool: nobody signs in, and "
                                         "whoever opens it may change everything.")
    st.markdown("Changes are recorded with the name entered under **Your name** in the side menu. For a team on a "
                "shared server, sign-in with the organization's identity provider (any OpenID Connect provider: "
                "Microsoft Entra, Google, Okta, Keycloak …) gives everyone their own identity and a role "
                "(viewer, editor or admin), and the **Team** page to give roles.")
    st.markdown("**To turn it on**, add an `[auth]` section to `.streamlit/secrets.toml` next to `dashboard.py` "
                "and restart the dashboard:")
    st.code(EXAMPLE, language=None, wrap_lines=True)  # plain: highlighted tokens were too pale to read
    st.caption("The README's section “Sign-in and roles” explains each setting, several providers and the "
               "deployment notes.")


if __name__ == "__main__":
    render()
