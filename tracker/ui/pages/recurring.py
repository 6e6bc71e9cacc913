"""Recommendations: what the sessions ask for, each followed up once; recurring ones first.

A recommendation is stored (``tracker.analysis``): its id and title stay, it has its own status, owner, due
date and notes, and its calls are members or suggestions waiting for review. Open one to see its calls, follow
it up, merge another into it or take a call out; "Re-analyze everything" shows a plan before anything moves.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from tracker.services import analyzing
from tracker.services.editing import EditConflict, EditResult, call_versions, set_recommendation
from tracker.services.register import OUTCOME_LABELS, OUTCOMES, set_outcome, status_history
from tracker.ui import evidence_view, followup, reanalysis, register_view
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
from tracker.vocabulary import STATUS_BADGE_COLOURS, STATUSES

FLASH = "recs_flash"
SELECTED = "rec_selected"
BASE = "rec_base"
CONFLICT = "rec_conflict"
PAGE_SIZES = (10, 25, 50, 100)
SCOPES = ("Recurring only", "All")


def _flash(message: str) -> None:
    st.session_state[FLASH] = message


def _select(rec_id: str | None) -> None:
    st.session_state[SELECTED] = rec_id


def _badge(status: Any) -> str:
    return f":{STATUS_BADGE_COLOURS.get(str(status), 'gray')}-badge[{status_label(status)}]"


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
        recurring = (" :violet-badge[:material/repeat: recurring]" if rec["recurring"] else
                     " :orange-badge[recurs if its suggestions are accepted]" if rec.get("recurring_suggested")
                     else "")
        state = _register_row(rec_id)
        if state.get("overdue"):
            recurring += " :red-badge[:material/warning: overdue]"
        if state.get("outcome", "open") != "open":
            recurring += f" :gray-badge[{OUTCOME_LABELS[str(state['outcome'])]}]"
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
                 set_recommendation, rec_id, via="dashboard", expected_version=int(rec["version"]),
                 status=agreed)


def _register_row(rec_id: str) -> dict[str, Any]:
    table = common.register()
    rows = table[table["rec_id"] == rec_id]
    return {} if rows.empty else rows.iloc[0].to_dict()


# --- one recommendation -------------------------------------------------------------------------

def _session_names() -> dict[str, str]:
    return {r.session_id: session_label(None, r.session_type, r.number, r.title, 40, r.forum, brief=True)
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
                 analyzing.accept_all, str(rec["rec_id"]))
        c.page_link("tracker/ui/pages/review.py", label="Review them one by one", icon=":material/rate_review:")


def _base_for(rec: pd.Series) -> dict[str, Any]:
    """What the form was opened with: the recommendation's version and values at that moment."""
    base = st.session_state.get(BASE)
    if not base or base["rec_id"] != rec["rec_id"]:
        due = rec["due_date"]
        due = None if due is None or pd.isna(due) else pd.Timestamp(due).date()
        base = {"rec_id": rec["rec_id"], "version": int(rec["version"]),
                # the calls as they were when the form opened: setting their status refuses one changed since
                "calls": call_versions(common.get_store(), str(rec["rec_id"])),
                "values": {"title": str(rec["title"]), "status": str(rec["status"]), "owner": rec["owner"] or "",
                           "due_date": due, "notes": rec["notes"] or ""}}
        st.session_state[BASE] = base
        kept = st.session_state.get(CONFLICT)
        if kept is not None and kept[0].subject_id != rec["rec_id"]:
            st.session_state.pop(CONFLICT, None)
    return base


def _save(rec: pd.Series, changes: dict[str, Any], version: int, apply_to_calls: bool,
          calls: dict[str, int] | None = None) -> None:
    def saved(result: EditResult) -> None:
        fields = ", ".join(str(f).replace("_", " ") for f in result.changed) or "nothing new"  # "due date"
        on_calls = f"; status set on {result.calls_changed} call(s)" if apply_to_calls else ""
        _flash(f"Saved {fields} for {recommendation_name(rec['rec_id'], changes.get('title', rec['title']))}"
               f"{on_calls}.")

    followup.save("recommendation", str(rec["rec_id"]), changes, version, base_key=BASE, conflict_key=CONFLICT,
                  saved=saved, apply_to_calls=apply_to_calls, calls=calls)


def follow_up_form(rec: pd.Series, members: pd.DataFrame) -> None:
    rec_id = str(rec["rec_id"])
    base = _base_for(rec)
    kept: tuple[EditConflict, dict[str, Any]] | None = st.session_state.get(CONFLICT)
    if kept is not None and kept[0].subject_id == rec_id:
        conflict, opened = kept
        who = conflict.changed_by or "someone else"
        st.warning(common.md(f"Not saved: {who} changed this recommendation after you opened it. Both versions "
                             "are below."), icon=":material/sync_problem:")
        st.dataframe(recommendation_conflict_rows(conflict, opened), hide_index=True, width="stretch")
        common.conflict_choices("rec-", (BASE, CONFLICT),
                                lambda: _save(rec, dict(conflict.yours), int(rec["version"]), False))
    elif int(rec["version"]) != base["version"]:
        common.stale_notice(rec["updated_by"], "recommendation", "rec-refresh", BASE)

    values = base["values"]
    n_calls = calls_progress(members, rec_id)[0]  # confirmed calls still in their source: what "apply" sets
    n_pending = int(rec["pending"] or 0)
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
        apply = st.checkbox(apply_label(n_calls, n_pending), key=f"rec-apply-{suffix}", disabled=not n_calls,
                            help="Only the calls people confirmed as this recommendation; suggestions still waiting "
                                 "for review keep their status")
        submitted = st.form_submit_button("Save", type="primary", icon=":material/save:")
    if submitted:
        new = {"title": " ".join(title.split()), "status": status, "owner": owner.strip(), "due_date": due,
               "notes": notes}
        changes = {k: v for k, v in new.items() if v != values[k]}
        if apply:
            changes["status"] = status  # also when unchanged: it is set on the calls
        _save(rec, changes, base["version"], apply, base.get("calls"))


def outcome_form(rec: pd.Series) -> None:
    """The outcome as audit offices record it; closing as not implemented needs a reason."""
    rec_id = str(rec["rec_id"])
    state = _register_row(rec_id)
    current = str(state.get("outcome") or "open")
    with st.form(f"outcome-form-{rec_id}-{int(rec['version'])}", border=True):
        st.markdown("**Outcome**")
        a, b = st.columns(2)
        outcome = a.selectbox("Outcome", list(OUTCOMES), index=list(OUTCOMES).index(current),
                              format_func=lambda o: OUTCOME_LABELS[o], key=f"outcome-{rec_id}")
        closed_on = b.date_input("Closed on", value=state.get("closed_on"), format="YYYY-MM-DD",
                                 key=f"closed-on-{rec_id}", help="Today if left empty when closing")
        reason = st.text_input("Reason (when not implemented)", value=str(state.get("outcome_reason") or ""),
                               key=f"outcome-reason-{rec_id}")
        submitted = st.form_submit_button("Save outcome", icon=":material/task_alt:")
    if submitted:
        _act(lambda diff: f"Saved {', '.join(diff) or 'nothing new'} for {recommendation_name(rec_id, rec['title'])}.",
             set_outcome, rec_id, outcome, reason=reason, closed_on=closed_on, via="dashboard")
    lines = status_history(common.get_store(), rec_id)
    if lines:
        with st.expander(f"What was changed ({len(lines)})", icon=":material/history:"):
            st.text("\n".join(lines))


def apply_label(n_calls: int, n_pending: int) -> str:
    """'Also set this status on its 1 call (2 more suggested, to review, are left as they are)'."""
    calls = f"{n_calls} call" + ("s" if n_calls != 1 else "")
    more = f" ({n_pending} more suggested, to review, keep theirs)" if n_pending else ""
    return f"Also set this status on its {calls}{more}"


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
                 analyzing.merge_recommendations, rec_id, other)
    with row.popover("Take a call out", icon=":material/call_split:"):
        labels = {r.item_id: f"{'' if pd.isna(r.year) else int(r.year)} · {shorten(r.text, 90)}"
                  for r in members.itertuples()}
        st.caption("A call that is not this recommendation starts a new one of its own.")
        item = st.selectbox("Call", list(labels), format_func=lambda i: labels.get(i, str(i)), index=None,
                            placeholder="Choose a call",
                            key=f"split-item-{rec_id}")
        title = st.text_input("Title of the new recommendation (optional)", key=f"split-title-{rec_id}",
                              placeholder="Suggested from the call if left empty")
        if st.button("Take it out", key=f"split-{rec_id}", disabled=item is None, icon=":material/call_split:"):
            _act(lambda new: f"The call now starts recommendation {new}.", analyzing.start_recommendation, item,
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
    outcome_form(rec)
    evidence_view.evidence_section(rec, _act)
    actions(rec, members)


# --- re-analysis --------------------------------------------------------------------------------

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
            common.analysis_missing_note("run-analysis-recurring")
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
    register_view.register_section()
    reanalysis.reanalysis(_flash)


if __name__ == "__main__":
    render()
