"""Team (admins, with sign-in on): who has which role. Viewers read and export; editors follow up (status,
owner, due date, notes, review decisions, proposal drafts); admins also import, re-analyze and give roles."""

from __future__ import annotations

import streamlit as st

from tracker.services.access import DEFAULT_ROLE, ROLES, remove_role, roles_frame, set_role
from tracker.ui import auth
from tracker.ui.pages import common


def render() -> None:
    common.page_header("Team", "Who may change what. Anyone the identity provider signs in can read and export; "
                               "give editors and admins their role here.")
    admins = sorted(auth.secrets_admins())
    if admins:
        # plain text: Markdown would turn every address into a mail link
        st.text("Admins from the configuration (always admins): " + ", ".join(a.lower() for a in admins))
    roles = roles_frame(common.get_store())
    if roles.empty:
        st.info(f"No roles given yet: everyone signed in is a {DEFAULT_ROLE}.")
    else:
        st.dataframe(roles, hide_index=True, width="stretch",
                     column_config={"granted_at": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")})
    with st.form("give-role", clear_on_submit=True):
        a, b = st.columns([3, 1])
        email = a.text_input("E-mail (as the identity provider gives it)", placeholder="ana@example.org")
        role = b.selectbox("Role", ROLES, index=ROLES.index("editor"))
        if st.form_submit_button("Give the role", type="primary") and email.strip():
            done, old = common.act(set_role, email, role)
            if done:
                st.toast(common.md(f"{email.strip().lower()}: {old or DEFAULT_ROLE} → {role}"))
                st.rerun()
    if not roles.empty:
        c = st.columns([3, 1])
        who = c[0].selectbox("Take a stored role away (the person becomes a viewer)", roles["email"].tolist(),
                             index=None, placeholder="choose an e-mail")
        c[1].write("")
        if c[1].button("Take away", disabled=who is None) and who:
            done, _ = common.act(remove_role, who)
            if done:
                st.rerun()


if __name__ == "__main__":
    render()
