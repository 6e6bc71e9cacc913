"""Overview: headline numbers and the recurrence / status / progress charts."""

from __future__ import annotations

import streamlit as st

from tracker import charts
from tracker.analysis import analyze
from tracker.dashboard_data import progress_from_items
from tracker.pages import common
from tracker.queries import ItemFilter


def analysis_missing_note(key: str) -> None:
    st.info("The recurrence analysis has not been run on this database yet, so themes and recurring "
            "recommendations are not available.", icon=":material/info:")
    if st.button("Run the analysis now", key=key, icon=":material/play_arrow:"):
        with st.spinner("Analyzing items …"):
            summary = analyze(common.get_store())
        common.clear_caches()
        st.toast(common.md(summary))
        st.rerun()


def render() -> None:
    common.page_header("Overview", "What came back year after year, and how far the follow-up has got.")
    numbers = common.headline()
    top, bottom = st.columns(3), st.columns(3)
    top[0].metric("Sessions", numbers["sessions"], help="Sessions loaded from session pages", border=True)
    top[1].metric("Key takeaways", numbers["takeaways"], border=True)
    top[2].metric("Calls to action", numbers["actions"], border=True)
    recurring = numbers["recurring"]
    bottom[0].metric("Recurring recommendations", "–" if recurring is None else recurring,
                     help="Recommendations raised in two or more sessions (from the analysis)", border=True)
    bottom[1].metric("Share done", f"{numbers['share_done']:.0%}",
                   help=f"{numbers['done']} of {numbers['tracked']} tracked items (takeaways, calls to action and "
                        "questions still in their source, excluding dropped ones) are marked done", border=True)
    bottom[2].metric("Sessions without published outcomes", numbers["without_outcomes"], border=True,
                     help="Sessions whose page has no key takeaways or calls to action (see Sessions)")

    groups = common.groups()
    if groups.empty:
        analysis_missing_note("run-analysis-overview")
    else:
        mode = common.read("mode")
        st.caption(common.md(f"Similarity used for grouping: {mode}"))

    st.subheader("What came back")
    by_rec, by_theme = st.tabs(["By recommendation", "By theme"])
    with by_rec:
        members = common.read("members")
        st.plotly_chart(charts.recurrence_timeline(groups, members), key="timeline")
    with by_theme:
        st.plotly_chart(charts.theme_year_heatmap(common.read("theme_year")), key="heatmap")

    left, right = st.columns([3, 2])
    with left:
        status = common.read("status_by_theme")
        if status.empty:  # before the analysis there are no themes: show status by kind instead
            st.subheader("Status by kind")
            st.plotly_chart(charts.status_by_kind_bars(common.items(ItemFilter(include_removed=False))),
                            key="status-kind")
        else:
            st.subheader("Status by theme")
            st.plotly_chart(charts.status_by_theme_bars(status), key="status-theme")
    with right:
        st.subheader("Progress by year first made")
        progress = common.read("progress")
        note = ""
        if progress.empty:
            progress = progress_from_items(common.items(ItemFilter(include_removed=False)))
            note = " Until the analysis has grouped repeated calls, each call to action counts on its own."
        st.plotly_chart(charts.progress_by_first_year(progress), key="progress")
        st.caption("As audit offices report follow-up: of the calls first made in a year, the share now done, "
                   "in progress or not started." + note)


if __name__ == "__main__":
    render()
