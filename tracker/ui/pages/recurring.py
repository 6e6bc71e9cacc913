"""Recommendations: what the sessions ask for, each followed up once; recurring ones first.

A recommendation is stored (``tracker.analysis``): its id and title stay, it has its own status, owner, due
date and notes, and its calls are members or suggestions waiting for review. Open one to see its calls, follow
it up, merge another into it or take a call out; "Re-analyze everything" shows a plan before anything moves.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from tracker import analysis
from tracker.reading.models import STATUSES
from tracker.services.editing import EditConflict, EditError
from tracker.store.access import PermissionDenied
from tracker.ui.dashboard_data import (
    calls_progress,
    calls_progress_text,
    kind_label,
    recommendation_conflict_rows,
    recommendation_facts,
    recommendation_name,
    session_label,
    shorten,
    status_label,
)
from tracker.ui.pages import common
from tracker.ui.pages.overview import analysis_missing_note

FLASH = "recs_flash"
SELECTED = "rec_selected"
BASE = "rec_base"
CONFLICT = "rec_conflict"
PLAN = "reanalysis_plan"
PAGE_SIZES = (10, 25, 50, 100)
SCOPES = ("Recurring only", "All")
STATUS_COLOURS = {"done": "green", "in_progress": "orange", "dropped": "gray", "not_started": "blue"}


def _flash(message: str) -> None:
    st.session_state[FLASH] = message


def _select(rec_id: str | None) -> None:
    st.session_state[SELECTED] = rec_id


def _badge(status: Any) -> str:
    return f":{STATUS_COLOURS.get(str(status), 'blue')}-badge[{status_label(status)}]"


def _act(message: Any, fn: Any, *args: Any, **kwargs: Any) -> None:
    """Run one decision with the editor's name; on success clear the caches, leave a message and rerun.
    ``message`` may be a function of the decision's result."""
    done, result = common.act(fn, *args, **kwargs)
    if done:
        _flash(message(result) if callable(message) else message)
        st.rerun()


# --- the list -----------------------------------------------------------------------------------

def _filters(everything: pd.DataFrame) -> pd.DataFrame:
    has_recurring = bool(everything["recurring"].any())
    with st.container(border=True):
        a, b, c = st.columns([2, 2, 3], vertical_alignment="bottom")
        scope = a.radio("Show", SCOPES, index=0 if has_recurring else 1, horizontal=True, key="rec_scope")
        statuses = b.multiselect("Status", list(STATUSES), format_func=status_label, key="rec_status",
                                 placeholder="Any status")
        query = c.text_input("Find", key="rec_find", placeholder="Words in the title")
    shown = everything
    if scope == SCOPES[0]:
        shown = shown[shown["recurring"]]
    if statuses:
        shown = shown[shown["status"].isin(statuses)]
    if query.strip():
        shown = shown[shown["title"].str.contains(query.strip(), case=False, regex=False)]
    return shown


def _page_of(recs: pd.DataFrame) -> pd.DataFrame:
    """The recommendations on the chosen page, with the count and the page controls above them."""
    row = st.container(horizontal=True, vertical_alignment="bottom")  # one row, on a phone too
    per_page = row.selectbox("Per page", PAGE_SIZES, index=1, key="rec_per_page", width=100)
    pages = max(1, -(-len(recs) // per_page))
    page = int(row.number_input("Page", min_value=1, max_value=pages, value=1, key="rec_page",
                                disabled=pages == 1, width=130))
    page = min(page, pages)  # the list got shorter (filters, decisions) since the page was chosen
    row.caption(f"{len(recs)} recommendation(s); page {page} of {pages}", width="content")
    return recs.iloc[(page - 1) * per_page:page * per_page]


def _entry(rec: pd.Series, is_open: bool) -> None:
    """One recommendation: full title, facts, status and owner; opened, its calls and follow-up below."""
    rec_id = str(rec["rec_id"])
    with st.container(border=True, key=f"rec-card-{rec_id}"):
        head, button = st.columns([6, 1], vertical_alignment="top")
        head.markdown(f"**{common.md(rec['title'])}**")
        owner = f" · owner: {common.md(rec['owner'])}" if rec["owner"] else ""
        recurring = " :violet-badge[:material/repeat: recurring]" if rec["recurring"] else ""
        head.markdown(f"{_badge(rec['status'])}{recurring} "
                      f":gray[{common.md(rec_id + ' · ' + recommendation_facts(rec))}{owner}]")
        _calls_agree(rec, head)
        if is_open:
            button.button("Close", key=f"close-{rec_id}", on_click=_select, args=("",), icon=":material/expand_less:",
                          width="stretch")
            detail(rec)
        else:
            button.button("Open", key=f"open-{rec_id}", on_click=_select, args=(rec_id,),
                          icon=":material/expand_more:", width="stretch",
                          help="Its calls, its follow-up, merge, take a call out")


def _calls_agree(rec: pd.Series, place: Any) -> None:
    """The two status levels side by side: how its calls stand ("2 of 3 calls done"), and, when every call has
    the same status and the recommendation another, an offer to bring the recommendation in line."""
    rec_id = str(rec["rec_id"])
    total, counts, agreed = calls_progress(common.members(), rec_id)
    if not total:
        return
    place.caption(common.md(f"Its calls: {calls_progress_text(total, counts)}. The recommendation's status is "
                            "its own, set below."))
    if agreed and agreed != str(rec["status"]):
        every = "Its call is" if total == 1 else f"All {total} calls are"
        if place.button(f"{every} {status_label(agreed).lower()}: mark the recommendation "
                        f"{status_label(agreed).lower()}", key=f"agree-{rec_id}", icon=":material/sync:",
                        help="Sets the recommendation's status to the one its calls share"):
            _act(f"{recommendation_name(rec_id, rec['title'])} marked {status_label(agreed).lower()}, like its calls.",
                 analysis.set_recommendation, rec_id, via="dashboard", expected_version=int(rec["version"]),
                 status=agreed)


# --- one recommendation -------------------------------------------------------------------------

def _session_names() -> dict[str, str]:
    return {r.session_id: session_label(None, r.type, r.number, "" if r.type else r.title, 40)
            for r in common.sessions().itertuples()}


def calls(rec: pd.Series, members: pd.DataFrame) -> None:
    sessions = _session_names()
    st.markdown("**Its calls**")
    for member in members.itertuples():
        where, what, state = st.columns([2, 7, 2], vertical_alignment="top")
        removed = "" if bool(member.in_source) else " · no longer in its source"
        year = "" if pd.isna(member.year) else f"{int(member.year)} · "
        where.caption(common.md(f"{year}{sessions.get(member.session_id, member.session_title)} · "
                                f"{kind_label(member.kind)}{removed}"))
        what.markdown(common.md(member.text))  # the full text, escaped: no markup from the page runs
        owner = f" · {member.owner}" if isinstance(member.owner, str) and member.owner else ""
        badge = ":orange-badge[suggested, to review]" if member.state == "suggested" else ":gray-badge[member]"
        state.markdown(badge)
        state.caption(common.md("call: " + status_label(member.status) + owner))
    pending = int(rec["pending"] or 0)
    if pending:
        c = st.container(horizontal=True)
        if c.button(f"Accept all {pending} suggestion(s)", key=f"accept-all-{rec['rec_id']}",
                    icon=":material/done_all:", help="They are the same recommendation"):
            _act(lambda n: f"{n} call(s) added to {recommendation_name(rec['rec_id'], rec['title'])}.",
                 analysis.accept_all, str(rec["rec_id"]))
        c.page_link("tracker/ui/pages/review.py", label="Review them one by one", icon=":material/rate_review:")


def _base_for(rec: pd.Series) -> dict[str, Any]:
    """What the form was opened with: the recommendation's version and values at that moment."""
    base = st.session_state.get(BASE)
    if not base or base["rec_id"] != rec["rec_id"]:
        due = rec["due_date"]
        due = None if due is None or pd.isna(due) else pd.Timestamp(due).date()
        base = {"rec_id": rec["rec_id"], "version": int(rec["version"]),
                "values": {"title": str(rec["title"]), "status": str(rec["status"]), "owner": rec["owner"] or "",
                           "due_date": due, "notes": rec["notes"] or ""}}
        st.session_state[BASE] = base
        st.session_state.pop(CONFLICT, None)
    return base


def _save(rec: pd.Series, changes: dict[str, Any], version: int, apply_to_calls: bool) -> None:
    name = common.require_name()
    if not name:
        return
    if not changes:
        st.info("Nothing changed.")
        return
    try:
        result = analysis.set_recommendation(common.get_store(), str(rec["rec_id"]), by=name, via="dashboard",
                                             expected_version=version, apply_to_calls=apply_to_calls, **changes)
    except EditConflict as conflict:
        st.session_state[CONFLICT] = conflict
        common.clear_caches()
        st.rerun()
    except (EditError, analysis.AnalysisError, PermissionDenied) as exc:
        st.error(common.md(str(exc)))
    else:
        st.session_state.pop(BASE, None)
        st.session_state.pop(CONFLICT, None)
        common.clear_caches()
        saved = ", ".join(str(f).replace("_", " ") for f in result.changed) or "nothing new"  # "due date"
        on_calls = f"; status set on {result.calls_changed} call(s)" if apply_to_calls else ""
        _flash(f"Saved {saved} for {recommendation_name(rec['rec_id'], changes.get('title', rec['title']))}"
               f"{on_calls}.")
        st.rerun()


def follow_up_form(rec: pd.Series, members: pd.DataFrame) -> None:
    rec_id = str(rec["rec_id"])
    base = _base_for(rec)
    conflict: EditConflict | None = st.session_state.get(CONFLICT)
    if conflict is not None and conflict.item_id == rec_id:
        who = conflict.changed_by or "someone else"
        st.warning(common.md(f"Not saved: {who} changed this recommendation after you opened it. Both versions "
                             "are below."), icon=":material/sync_problem:")
        st.dataframe(recommendation_conflict_rows(conflict, base['values']), hide_index=True, width="stretch")
        common.conflict_choices("rec-", (BASE, CONFLICT),
                                lambda: _save(rec, dict(conflict.yours), int(rec["version"]), False))
    elif int(rec["version"]) != base["version"]:
        common.stale_notice(rec["updated_by"], "recommendation", "rec-refresh", BASE)

    values = base["values"]
    n_calls = int(((members["state"] == "member") & members["in_source"].astype(bool)).sum())
    suffix = f"{rec_id}-{base['version']}"
    with st.form(f"rec-form-{suffix}", border=True):
        st.markdown("**Follow up this recommendation**")
        title = st.text_input("Title", value=values["title"], key=f"rec-title-{suffix}",
                              help="A short name people recognize; suggested from its calls until someone edits it")
        a, b = st.columns(2)
        status = a.selectbox("Status", list(STATUSES), index=list(STATUSES).index(values["status"]),
                             format_func=status_label, key=f"rec-status-{suffix}",
                             help="What the organizers report for this recommendation; each call keeps its own")
        owner = b.text_input("Owner", value=values["owner"], key=f"rec-owner-{suffix}",
                             placeholder="Who follows this up")
        due = a.date_input("Due date", value=values["due_date"], key=f"rec-due-{suffix}", format="YYYY-MM-DD")
        notes = st.text_area("Notes", value=values["notes"], key=f"rec-notes-{suffix}", height=90)
        apply = st.checkbox(f"Also set this status on its {n_calls} call(s)", key=f"rec-apply-{suffix}",
                            disabled=not n_calls, help="Members only; suggestions still waiting for review are left")
        submitted = st.form_submit_button("Save", type="primary", icon=":material/save:")
    if submitted:
        new = {"title": " ".join(title.split()), "status": status, "owner": owner.strip(), "due_date": due,
               "notes": notes}
        changes = {k: v for k, v in new.items() if v != values[k]}
        if apply:
            changes["status"] = status  # also when unchanged: it is set on the calls
        _save(rec, changes, base["version"], apply)


def _others(rec_id: str) -> dict[str, str]:
    everything = common.recommendations()
    return {str(r.rec_id): f"{r.title} ({r.rec_id}; {recommendation_facts(r._asdict())})"
            for r in everything.itertuples() if r.rec_id != rec_id}


def actions(rec: pd.Series, members: pd.DataFrame) -> None:
    rec_id = str(rec["rec_id"])
    row = st.container(horizontal=True)
    with row.popover("Merge another into this one", icon=":material/merge:"):
        others = _others(rec_id)
        st.caption("The other recommendation is the same as this one: its calls move here, its notes are added "
                   "to these, and it is removed.")
        other = st.selectbox("Recommendation to merge into this one", list(others),
                             format_func=lambda r: others.get(r, str(r)),
                             index=None, placeholder="Choose a recommendation", key=f"merge-other-{rec_id}")
        if st.button("Merge", key=f"merge-{rec_id}", disabled=other is None, icon=":material/merge:"):
            _act(lambda n: f"Merged {other} into {recommendation_name(rec_id, rec['title'])}: {n} call(s) moved.",
                 analysis.merge_recommendations, rec_id, other)
    with row.popover("Take a call out", icon=":material/call_split:"):
        labels = {r.id: f"{'' if pd.isna(r.year) else int(r.year)} · {shorten(r.text, 90)}"
                  for r in members.itertuples()}
        st.caption("A call that is not this recommendation starts a new one of its own.")
        item = st.selectbox("Call", list(labels), format_func=lambda i: labels.get(i, str(i)), index=None,
                            placeholder="Choose a call",
                            key=f"split-item-{rec_id}")
        title = st.text_input("Title of the new recommendation (optional)", key=f"split-title-{rec_id}",
                              placeholder="Suggested from the call if left empty")
        if st.button("Take it out", key=f"split-{rec_id}", disabled=item is None, icon=":material/call_split:"):
            _act(lambda new: f"The call now starts recommendation {new}.", analysis.start_recommendation, item,
                 title=title.strip() or None)


def detail(rec: pd.Series) -> None:
    members = common.members(str(rec["rec_id"]))
    extra = []
    if len(rec["themes"]):
        extra.append("themes: " + ", ".join(rec["themes"]))
    if rec["due_date"] is not None and not pd.isna(rec["due_date"]):
        extra.append(f"due {pd.Timestamp(rec['due_date']).date().isoformat()}")
    extra.append("confirmed by a person" if rec["confirmed"] else "as the analysis placed it")
    st.caption(common.md("; ".join(extra)))
    if rec["notes"]:
        st.markdown(common.md(rec["notes"]))
    calls(rec, members)
    follow_up_form(rec, members)
    actions(rec, members)


# --- re-analysis --------------------------------------------------------------------------------

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


def reanalysis() -> None:
    with st.expander("Re-analyze everything", icon=":material/manage_search:"):
        st.caption("Matches every call again from scratch and shows what would change. Nothing moves until you "
                   "apply it; calls people confirmed stay where they are, and moved calls come back as suggestions "
                   "to review.")
        if st.button("Show what would change", key="plan-reanalysis", icon=":material/manage_search:"):
            try:
                with st.spinner("Re-analyzing every call (nothing is changed yet) …"):
                    st.session_state[PLAN] = analysis.plan_reanalysis(common.get_store())
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
                    summary = analysis.apply_plan(common.get_store(), plan, by=name)
                except (analysis.AnalysisError, PermissionDenied) as exc:
                    st.session_state.pop(PLAN, None)
                    st.error(common.md(str(exc)))
                else:
                    st.session_state.pop(PLAN, None)
                    common.clear_caches()
                    _flash(summary)
                    st.rerun()
        if c.button("Discard", key="discard-plan"):
            st.session_state.pop(PLAN, None)
            st.rerun()


def render() -> None:
    common.page_header("Recommendations",
                       "What the sessions ask for, each followed up once however often it was raised; recurring "
                       "ones first. Open one to see its calls and follow it up.")
    message = st.session_state.pop(FLASH, None)
    if message:
        st.success(common.md(message), icon=":material/check_circle:")
    everything = common.recommendations()
    wanted = st.query_params.get("rec")  # a link from the Tracker opens that recommendation
    if wanted and wanted in set(everything.get("rec_id", pd.Series(dtype=object))):
        _select(wanted)
        del st.query_params["rec"]
    if everything.empty:
        if common.headline()["recurring"] is None:
            analysis_missing_note("run-analysis-recurring")
        else:
            st.info("No recommendation yet: import a report with key takeaways or calls to action.")
        return
    common.review_link()
    shown = _filters(everything)
    if shown.empty:
        st.info("No recommendation matches these filters" + (" (none was raised in more than one session yet: "
                "choose All)" if not everything["recurring"].any() else "") + ".")
    else:
        selected = st.session_state.get(SELECTED)
        for _, rec in _page_of(shown).iterrows():
            _entry(rec, str(rec["rec_id"]) == selected)
    reanalysis()


if __name__ == "__main__":
    render()
