"""Overview: headline numbers and the recurrence / status / progress charts.

The follow-up figures count recommendations, each with its own status: a call raised three times counts once.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from tracker.services.report import progress_report
from tracker.store.queries import ItemFilter
from tracker.ui import charts
from tracker.ui.dashboard_data import progress_from_items, recurring_note
from tracker.ui.pages import common

CHART_CONFIG = {"displayModeBar": False}  # the toolbar covered chart titles on a phone; zoom is not needed here


def _tiles(numbers: dict) -> None:
    recs, recurring = numbers["recommendations"], numbers["recurring"]
    suggested = numbers.get("recurring_suggested") or 0
    if numbers["share_of"] == "recommendations":
        basis = (f"{numbers['done_count']} of {numbers['tracked']} recommendations (not counting dropped ones) "
                 "are marked done")
    else:
        basis = (f"{numbers['done_count']} of {numbers['tracked']} takeaways and calls to action (not counting "
                 "dropped ones) are marked done; until the analysis has made recommendations of them each "
                 "counts on its own")
    rows: list[list[tuple[str, Any, str | None]]] = [
        [("Sessions", numbers["sessions"], "Sessions loaded from session pages"),
         ("Key takeaways", numbers["takeaways"], None),
         ("Calls to action", numbers["actions"], None),
         ("Sessions without outcomes", numbers["without_outcomes"],
          "Sessions whose page has no published key takeaways or calls to action (see Sessions)")],
        [("Recommendations", "–" if recs is None else recs,
          "What the takeaways and calls to action ask for, each followed up once however often it was raised "
          "(see Recommendations)"),
         ("Recurring recommendations", "–" if recurring is None else recurring,
          "Recommendations raised in two or more sessions, counting only the calls people confirmed"
          + (f"; {suggested} more would recur if the suggestions waiting in To review were accepted"
             if suggested else "")),
         ("To review", numbers["to_review"] + numbers["report_calls"],
          f"{numbers['to_review']} new takeaways and calls to action the analysis matched to a recommendation, "
          f"and {numbers['report_calls']} sentences of session reports that read as calls to action, waiting "
          "for a person to decide (see To review)"),
         ("Share done", f"{numbers['share_done']:.0%}", basis)],
    ]
    # beside the confirmed figure, never in it: what the machine suggests and nobody has reviewed yet
    deltas = {"Recurring recommendations": recurring_note(suggested)}
    for row in rows:
        # a wrapping row: four tiles side by side on a wide screen, two by two on a phone
        box = st.container(horizontal=True, gap="small")
        for label, value, help_text in row:
            box.metric(label, value, delta=deltas.get(label) or None, delta_color="orange", delta_arrow="off",
                       help=help_text, border=True, width="stretch")


def _report_downloads() -> None:
    """The progress report to share, made when the button is clicked (the HTML file is about 5 MB)."""
    store = common.get_store()  # taken here: the file is made on another thread, outside this session
    row = st.container(horizontal=True)
    row.download_button("Progress report (HTML)", data=lambda: progress_report(store, "html"),
                        file_name="progress-report.html", mime="text/html", icon=":material/download:",
                        on_click="ignore", key="report-html",
                        help="One file for partners and the IGF secretariat: opens offline, prints to PDF; "
                             "notes are left out")
    row.download_button("Progress report (Word)", data=lambda: progress_report(store, "docx"),
                        file_name="progress-report.docx", icon=":material/download:", on_click="ignore",
                        mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                        key="report-docx")


def render() -> None:
    common.page_header("Overview", "What came back year after year, and how far the follow-up has got.")
    numbers = dict(common.headline(), report_calls=common.report_call_counts()["suggested"])
    _tiles(numbers)
    overdue = common.overdue_counts()
    late = f"{overdue['recommendations']} recommendation(s) and {overdue['items']} item(s) overdue"
    st.markdown(f":red[:material/warning: **{late}**]" if any(overdue.values()) else f"Nothing overdue ({late}).",
                help="Due date passed, neither done nor dropped (a recommendation: and still open). They are "
                     "marked on the Recommendations and Tracker pages; `tracker remind` tells their owners.")
    _report_downloads()

    recommendations = common.recommendations()
    if numbers["recurring"] is None:
        common.analysis_missing_note("run-analysis-overview")
    else:
        common.review_link()

    st.subheader("What came back")
    by_rec, by_theme = st.tabs(["By recommendation", "By theme"])
    with by_rec:
        st.plotly_chart(charts.recurrence_timeline(recommendations, common.members()), key="timeline",
                        config=CHART_CONFIG)
        st.caption("One row per recommendation raised in two or more sessions, counting the calls people "
                   "confirmed, most sessions first. Dot size: how many of its key takeaways and calls to action "
                   "were made that year (bigger = more); colour: the recommendation's own status. Hollow rings are "
                   "suggested calls nobody has reviewed yet; rows marked \"suggested, to review\" recur only "
                   "through them. Hover a dot for the counts, the sessions and the status.")
    with by_theme:
        st.plotly_chart(charts.theme_year_heatmap(common.theme_year()), key="heatmap", config=CHART_CONFIG)

    left, right = st.columns([3, 2])
    with left:
        status = common.status_by_theme()
        if status.empty:  # before the analysis there are no themes: show status by kind instead
            st.subheader("Status by kind")
            st.plotly_chart(charts.status_by_kind_bars(common.items(ItemFilter(include_removed=False))),
                            key="status-kind", config=CHART_CONFIG)
        else:
            st.subheader("Status by theme")
            st.plotly_chart(charts.status_by_theme_bars(status), key="status-theme", config=CHART_CONFIG)
            st.caption("Each recommendation once under each of its themes, with its own status.")
    with right:
        st.subheader("Progress by year first made")
        progress = common.progress()
        note = ""
        if progress.empty:
            progress = progress_from_items(common.items(ItemFilter(include_removed=False)))
            note = (" Until the analysis has made recommendations, each takeaway and call to action counts on "
                    "its own.")
        st.plotly_chart(charts.progress_by_first_year(progress), key="progress", config=CHART_CONFIG)
        st.caption("As audit offices report follow-up: of the recommendations first made in a year, the share now "
                   "done, in progress, not started or dropped. A recommendation raised again later counts once, "
                   "under the year it was first made." + note)

    if numbers["recurring"] is not None:
        about()


def about() -> None:
    """How the figures are made, for whoever asks: kept out of the way of the figures themselves."""
    with st.expander("About the analysis", icon=":material/info:"):
        st.markdown("The machine reads every key takeaway and call to action, compares their wording and "
                    "suggests which ones ask for the same thing: those become one **recommendation**, followed "
                    "up once however often it was raised. People review every suggestion (*To review*); "
                    "nothing is grouped for good until someone accepts it.")
        st.caption(common.md(f"Method in use: {common.analysis_mode()}. Details and measured quality: "
                             "docs/recurrence.md in the project."))


if __name__ == "__main__":
    render()
