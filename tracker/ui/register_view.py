"""The Recommendations page's register: one row per recommendation in words (to read or download), and the calls
by the actor they are addressed to."""

from __future__ import annotations

import streamlit as st

from tracker.services.exporting import excel_bytes, write_frame
from tracker.services.register import readable_register
from tracker.services.report import addressee_figure
from tracker.ui.dashboard_data import status_label
from tracker.ui.pages import common
from tracker.vocabulary import STATUSES

STATUS_WORDS = {code: status_label(code) for code in STATUSES}


def register_section() -> None:
    """The register: one row per recommendation in words, to read here or download (CSV, Excel); and the calls
    and recommendations by the actor they are addressed to."""
    table = common.register()
    with st.expander(f"Register: all {len(table)} recommendations in one table, to download", icon=":material/table:"):
        st.caption("Only calls a person accepted (or the first call of each) count; suggestions still to review are "
                   "counted apart. Overdue: the due date has passed, it is neither done nor dropped, and it is still "
                   "open.")
        actors = common.by_addressee()
        chosen = st.multiselect("Addressed to", list(actors["addressee"]), key="register-actors",
                                placeholder="Every addressee")
        if chosen:
            wanted = set(chosen)
            table = table[table["addressees"].map(lambda who: bool(wanted.intersection(who)))]
        readable = readable_register(table)
        st.dataframe(readable, hide_index=True, width="stretch", key="register-table")
        row = st.container(horizontal=True)
        row.download_button("Download CSV", write_frame(readable, "csv"), file_name="recommendation-register.csv",
                            mime="text/csv", icon=":material/download:", key="register-csv")
        row.download_button("Download Excel", excel_bytes(readable, "Register"),
                            file_name="recommendation-register.xlsx", icon=":material/download:", key="register-xlsx",
                            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    with st.expander("By addressee: who the calls are addressed to, and how far they have got",
                     icon=":material/groups:"):
        actors = common.by_addressee()
        if actors.empty:
            st.info("No call names whom it is addressed to yet (the analysis reads it from the call's wording).")
        else:
            st.plotly_chart(addressee_figure(actors), key="actors-chart", config={"displayModeBar": False})
            st.dataframe(actors.rename(columns={"addressee": "Addressed to", "calls": "Calls",
                                                "recommendations": "Recommendations", **STATUS_WORDS}),
                         hide_index=True, width="stretch", key="actors-table")
