"""Streamlit entry point: `streamlit run dashboard.py`. Pages live in tracker/ui/pages/."""

from pathlib import Path

import streamlit as st
from PIL import Image

from tracker.errors import TrackerError
from tracker.store import Store
from tracker.ui import auth
from tracker.ui.pages import common

# a local image: a Material icon as the page icon makes the browser fetch it from an outside font host
ICON = Image.open(Path(__file__).parent / "tracker" / "ui" / "icon.png")
st.set_page_config(page_title="IGF Recommendations Tracker", page_icon=ICON, layout="wide")


def pages(to_review: int, admin: bool = False, signin: bool = True) -> list:
    """The navigation; "To review" carries the number of suggestions waiting for a person
    (groupings and calls found in the report text). "Team" (roles) is
    there for admins when sign-in is on; without sign-in, /team, /login and /signin say that it is off and how
    to turn it on (hidden from the menu)."""
    team = [st.Page("tracker/ui/pages/team.py", title="Team", icon=":material/group:", url_path="team")]
    if not signin:
        team = [st.Page("tracker/ui/pages/signin_off.py", title="Sign-in is off", icon=":material/no_accounts:",
                        url_path=path, visibility="hidden") for path in ("team", "login", "signin")]
    return [
        st.Page("tracker/ui/pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
        st.Page("tracker/ui/pages/tracker_page.py", title="Tracker", icon=":material/checklist:", url_path="tracker"),
        st.Page("tracker/ui/pages/recurring.py", title="Recommendations", icon=":material/repeat:",
                url_path="recurring"),
        st.Page("tracker/ui/pages/review.py", title=f"To review ({to_review})" if to_review else "To review",
                icon=":material/rate_review:", url_path="review"),
        st.Page("tracker/ui/pages/sessions.py", title="Sessions", icon=":material/description:", url_path="sessions"),
        st.Page("tracker/ui/pages/plan.py", title="Plan next proposal", icon=":material/edit_note:", url_path="plan"),
        st.Page("tracker/ui/pages/add_report.py", title="Add a report", icon=":material/upload_file:", url_path="add"),
        st.Page("tracker/ui/pages/history.py", title="History", icon=":material/history:", url_path="history"),
    ] + (team if admin or not signin else [])


try:
    actor = auth.resolve_actor(Store())  # None: sign-in not configured, the local single-user tool
    if actor is not None and not auth.signed_in():  # every page needs sign-in: show nothing else
        st.navigation([st.Page(auth.sign_in_page, title="Sign in", icon=":material/login:")], position="hidden").run()
        st.stop()
    common.ensure_seeded()
    page = st.navigation(pages(common.review_count() + common.report_call_counts()["suggested"],
                               admin=actor is not None and actor.role == "admin", signin=actor is not None))
    common.sidebar_tools()
    page.run()
except TrackerError as exc:  # busy or unreadable database, a bad setting: one clear message, never a traceback
    st.error(common.md(str(exc)), icon=":material/database:")
    st.button("Try again")
