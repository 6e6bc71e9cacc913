"""The Recommendations page's "Re-analyze everything": the plan (what would move, disappear, split) is shown before
anything moves, and applied only when a person says so."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from tracker import analysis
from tracker.services import analyzing
from tracker.services.access import PermissionDenied
from tracker.ui import auth
from tracker.ui.dashboard_data import recommendation_name
from tracker.ui.pages import common

PLAN = "reanalysis_plan"


def _plan_lists(plan: analysis.Plan) -> None:
    titles = dict(zip(common.recommendations()["rec_id"], common.recommendations()["title"], strict=True))
    if plan.merged:
        st.markdown("**Would disappear** (every call of theirs goes elsewhere): "
                    + common.md("; ".join(recommendation_name(r, titles.get(r)) for r in plan.merged)))
    if plan.split:
        st.markdown("**Would be split** (their calls go to two or more places): "
                    + common.md("; ".join(recommendation_name(r, titles.get(r)) for r in plan.split)))
    if plan.new_recommendations:
        st.markdown(f"**New recommendations:** {plan.new_recommendations}")


def _plan_changes(changes: pd.DataFrame) -> None:
    """What would move, grouped by where it would go; titles and calls in full (a grid would cut them)."""
    for (to_rec, to_title), part in changes.groupby(["to_rec", "to_title"], sort=False):
        target = ("a new recommendation" if str(to_rec).startswith("new:")
                  else recommendation_name(to_rec, to_title))
        with st.container(border=True):
            st.markdown(f"**{len(part)} call(s) would go to {common.md(target)}**")
            for row in part.itertuples():
                year = "" if pd.isna(row.year) else f"{int(row.year)} · "
                st.caption(common.md(f"{year}now in {recommendation_name(row.from_rec, row.from_title) or 'none'}"))
                st.markdown(common.md(row.text))


def reanalysis(flash: Callable[[str], None]) -> None:
    """A full re-analysis as a plan to read first; ``flash`` leaves the page's message once it is applied."""
    with st.expander("Re-analyze everything", icon=":material/manage_search:"):
        st.caption("Matches every call again from scratch and shows what would change. Nothing moves until you "
                   "apply it; calls people confirmed stay where they are, and moved calls come back as suggestions "
                   "to review.")
        if st.button("Show what would change", key="plan-reanalysis", icon=":material/manage_search:"):
            try:
                with st.spinner("Re-analyzing every call (nothing is changed yet) …"):
                    st.session_state[PLAN] = analyzing.plan_reanalysis(common.get_store(), actor=auth.current_actor())
            except PermissionDenied as exc:
                st.error(common.md(str(exc)))
            common.clear_caches()  # the themes were recomputed
        plan: analysis.Plan | None = st.session_state.get(PLAN)
        if plan is None:
            return
        st.markdown(common.md(plan.summary()))
        if plan.empty:
            return
        _plan_lists(plan)
        _plan_changes(plan.changes)
        c = st.container(horizontal=True)
        if c.button("Apply", key="apply-plan", type="primary", icon=":material/check:"):
            name = common.require_name()
            if name:
                try:
                    summary = analyzing.apply_plan(common.get_store(), plan, by=name, actor=auth.current_actor())
                except (analysis.AnalysisError, PermissionDenied) as exc:
                    st.session_state.pop(PLAN, None)
                    st.error(common.md(str(exc)))
                else:
                    st.session_state.pop(PLAN, None)
                    common.clear_caches()
                    flash(summary)
                    st.rerun()
        if c.button("Discard", key="discard-plan"):
            st.session_state.pop(PLAN, None)
            st.rerun()
