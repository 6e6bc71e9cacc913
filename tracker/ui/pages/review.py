"""To review: the machine's suggestions. Two kinds, each with its count:

- Grouping, one at a time — which recommendation is this new call? Each suggestion shows the new call and
  the three recommendations it most likely belongs to, each with its facts (title, years, sessions) and its
  evidence (the member the call matches best, and the two sentences most alike). A person picks one, says
  "none of these" (a new recommendation starts), or chooses any other; the next suggestion follows at once.
  Keys: S same as the first, N not the same, ← → previous / next.
- Calls in the report text — sentences of a session report or summary that read as calls to action, each
  shown in its paragraph. Accept makes it an item (counted, followed up, grouped like any call); Reject keeps
  it out for good.

Every decision goes into the history with the person's name.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from tracker.services import analyzing
from tracker.services.report_calls import accept_call, reject_call
from tracker.ui.dashboard_data import kind_label, recommendation_facts, recommendation_name, shorten, years_text
from tracker.ui.pages import common

FLASH = "review_flash"
CURRENT = "review_current"  # the item id on screen
POSITION = "review_position"  # its place in the queue: after a decision the next one takes it
DECIDED = "review_decided"  # decisions made in this browser session


def _go(item_id: str) -> None:
    st.session_state[CURRENT] = item_id


def _picked() -> None:
    st.session_state[CURRENT] = st.session_state.get("review_pick")


def _current(queue: pd.DataFrame) -> int:
    ids = list(queue["item_id"])
    current = st.session_state.get(CURRENT)
    if current in ids:
        position = ids.index(current)
    else:  # decided (gone from the queue) or first visit: the one now in its place
        position = min(int(st.session_state.get(POSITION, 0)), len(ids) - 1)
    st.session_state[CURRENT], st.session_state[POSITION] = ids[position], position
    return position


def _decide(message: Any, fn: Any, *args: Any, **kwargs: Any) -> None:
    done, result = common.act(fn, *args, **kwargs)
    if done:
        st.session_state[FLASH] = message(result) if callable(message) else message
        st.session_state[DECIDED] = int(st.session_state.get(DECIDED, 0)) + 1
        st.rerun()


def navigator(queue: pd.DataFrame, position: int) -> None:
    total = len(queue)
    decided = int(st.session_state.get(DECIDED, 0))
    done = f" · {decided} decided in this session" if decided else ""
    st.progress((position + 1) / total, text=f"Suggestion {position + 1} of {total}{done}")
    labels = {r.item_id: f"{k} of {total} · {'' if pd.isna(r.year) else int(r.year)} · {shorten(r.text, 70)} → "
                         f"{r.title}" for k, r in enumerate(queue.itertuples(), start=1)}
    ids = list(queue["item_id"])
    st.session_state["review_pick"] = ids[position]
    st.selectbox("Suggestion", ids, format_func=lambda i: labels.get(i, str(i)), key="review_pick",
                 on_change=_picked)
    row = st.container(horizontal=True)
    row.button("Previous", key="review-prev", icon=":material/arrow_back:", disabled=position == 0,
               on_click=_go, args=(ids[max(position - 1, 0)],), shortcut="Left")
    row.button("Next", key="review-next", icon=":material/arrow_forward:", disabled=position == total - 1,
               on_click=_go, args=(ids[min(position + 1, total - 1)],), shortcut="Right")


def marked(text: str, sentence: str) -> str:
    """``text`` as Markdown shown literally, with ``sentence`` (the evidence) highlighted where it occurs."""
    text, sentence = str(text or ""), str(sentence or "").strip()
    at = text.find(sentence) if sentence else -1
    if at < 0 or sentence == text.strip():
        return common.md(text)
    end = at + len(sentence)
    return f"{common.md(text[:at])}:orange-background[{common.md(sentence)}]{common.md(text[end:])}"


def new_call(row: pd.Series) -> None:
    with st.container(border=True):
        st.markdown("**The new call**")
        year = "" if pd.isna(row["year"]) else f"{int(row['year'])} · "
        st.caption(common.md(f"{year}{row['session_title'] or 'unknown session'} · {kind_label(row['kind'])}"))
        st.markdown(common.md(row["text"]))


def _options(row: pd.Series) -> pd.DataFrame:
    """The recommendations offered, the suggestion first; the suggestion alone when none were stored."""
    options = common.review_candidates(str(row["item_id"]))
    if not options.empty and options["rec_id"].iat[0] == row["rec_id"]:
        return options
    first = pd.DataFrame([{"rank": 1, "rec_id": row["rec_id"], "title": row["title"], "rec_years": row["rec_years"],
                           "rec_sessions": row["rec_sessions"], "rec_members": row["rec_members"],
                           "score": row["score"], "representative": row["representative"],
                           "evidence_mine": row["evidence_mine"], "evidence_theirs": row["evidence_theirs"]}])
    return pd.concat([first, options[options["rec_id"] != row["rec_id"]]], ignore_index=True).head(3)


def candidate(option: Any, number: int) -> None:
    """One recommendation offered: its title, facts and evidence."""
    st.markdown(f"**{number}. {common.md(option.title)}**")
    facts = recommendation_facts({"years": option.rec_years, "n_sessions": option.rec_sessions,
                                  "n_items": option.rec_members})
    likely = f" · likelihood {float(option.score):.2f}" if pd.notna(option.score) else ""
    st.caption(common.md(f"{option.rec_id} · {facts}{likely}"))
    representative = option.representative if isinstance(option.representative, str) else ""
    mine = option.evidence_mine if isinstance(option.evidence_mine, str) else ""
    theirs = option.evidence_theirs if isinstance(option.evidence_theirs, str) else ""
    if representative:
        matched = bool(theirs) and theirs in representative
        st.caption("Its call that matches best:" if matched else "One of its calls:")
        st.markdown(marked(representative, theirs if matched else ""))
    if mine and mine.strip() != representative.strip():
        st.caption("This call says, most alike:")
        st.markdown(common.md(mine))


def decisions(row: pd.Series) -> None:
    item_id, rec_id, title = str(row["item_id"]), str(row["rec_id"]), str(row["title"])
    name = recommendation_name(rec_id, title)
    options = _options(row)
    st.markdown("**Which recommendation is it?** The three most likely, with their evidence:")
    columns = st.columns(len(options) + 1, gap="small")
    for k, option in enumerate(options.itertuples()):
        with columns[k], st.container(border=True, key=f"review-option-{k + 1}"):
            candidate(option, k + 1)
            if k == 0:
                if st.button("Same recommendation", key="review-same", type="primary", icon=":material/check:",
                             shortcut="S", help=f"Add the call to {name}"):
                    _decide(f"Added to {name}.", analyzing.accept, item_id)
            else:
                other = recommendation_name(option.rec_id, option.title)
                if st.button("This one", key=f"review-choose-{k + 1}", icon=":material/check:",
                             help=f"Add the call to {other} (it is not {name})"):
                    _decide(f"Added to {other}.", analyzing.choose, item_id, str(option.rec_id))
    with columns[-1], st.container(border=True, key="review-option-none"):
        st.markdown("**None of these — start a new one**")
        new_title = st.text_input("Its title", key=f"review-title-{item_id}",
                                  placeholder="optional: suggested from the call")
        if st.button("Start a new recommendation", key="review-new", icon=":material/add:",
                     help="None of the recommendations offered: each is remembered as not the same"):
            _decide(lambda new: f"None of these: the call now starts recommendation {new}.", analyzing.none_of_these,
                    item_id, title=new_title.strip() or None)
    buttons = st.container(horizontal=True)
    if buttons.button("Not the same", key="review-reject", icon=":material/close:", shortcut="N",
                      help=f"Not {name}: the call starts a recommendation of its own; it is not suggested there "
                           "again"):
        _decide(lambda new: f"Not the same as {name}: the call now starts recommendation {new}.",
                analyzing.reject, item_id)
    with st.expander("Choose another recommendation"):
        recs = common.recommendations()
        labels = {str(r.rec_id): f"{r.title} ({r.rec_id}; {years_text(r.years)})"
                  for r in recs.itertuples() if r.rec_id != rec_id}
        chosen = st.selectbox("Choose another recommendation", list(labels),
                              format_func=lambda r: labels.get(r, str(r)), index=None,
                              placeholder="Type words of its title", key=f"review-other-{item_id}")
        if st.button("Move it there", key="review-move", disabled=chosen is None, icon=":material/move_item:"):
            target = recommendation_name(chosen, recs.set_index("rec_id")["title"].get(chosen))
            _decide(f"Added to {target}.", analyzing.choose, item_id, chosen)


CALLS_SHOWN = 25  # report calls listed at once; the session filter narrows a long list


def report_calls() -> None:
    """The calls found in the report text: each in its paragraph, Accept / Reject."""
    counts = common.report_call_counts()
    st.caption(f"{counts['suggested']} to review · {counts['accepted']} accepted · {counts['rejected']} rejected. "
               "Sentences of the session reports and summaries that read as calls to action. They count nowhere "
               "until accepted; a rejected one does not come back.")
    pending = common.report_calls_pending()
    if pending.empty:
        st.info("Nothing to review: every call found in the report text has been looked at.",
                icon=":material/task_alt:")
        return
    sessions = {str(sid): f"{'' if pd.isna(year) else int(year)} · {title or sid}" for sid, year, title in
                pending[["session_id", "year", "session_title"]].drop_duplicates("session_id").itertuples(index=False)}
    if len(sessions) > 1:
        pick = st.selectbox("Session", [""] + list(sessions), key="calls_session",
                            format_func=lambda s: sessions.get(s, "All sessions"))
        if pick:
            pending = pending[pending["session_id"] == pick]
    for row in pending.head(CALLS_SHOWN).itertuples():
        call_id = str(row.call_id)
        with st.container(border=True, key=f"call-{call_id}"):
            year = "" if pd.isna(row.year) else f"{int(row.year)} · "
            st.caption(common.md(f"{year}{row.session_title or row.session_id} · {row.section}"))
            before, sentence, after = common.call_context(call_id)
            sentence = sentence or str(row.text)
            st.markdown(f"{common.md(before)} :orange-background[{common.md(sentence)}] {common.md(after)}".strip())
            buttons = st.container(horizontal=True)
            if buttons.button("Accept", key=f"call-accept-{call_id}", type="primary", icon=":material/check:",
                              help="A call to action: it becomes an item, counted and followed up"):
                with st.spinner("Adding the call and placing it among the recommendations …"):
                    _decide("Accepted: the call is now an item.", accept_call, call_id, via="dashboard")
            if buttons.button("Reject", key=f"call-reject-{call_id}", icon=":material/close:",
                              help="Not a call to action: it is not suggested again"):
                _decide("Rejected: not a call to action.", reject_call, call_id, via="dashboard")
    if len(pending) > CALLS_SHOWN:
        st.caption(f"{CALLS_SHOWN} of {len(pending)} shown; decide these or pick a session to see the others.")


def render() -> None:
    common.page_header("To review", "The machine's suggestions: calls it would group into a recommendation, and "
                                    "calls it found in the report text.")
    message = st.session_state.pop(FLASH, None)
    if message:
        st.success(common.md(message), icon=":material/check_circle:")
    labels = {"grouping": f"Grouping ({common.review_count()})",
              "calls": f"Calls in the report text ({common.report_call_counts()['suggested']})"}
    # the options are fixed words and the counts only their labels, so a decision keeps the mode chosen
    mode = st.segmented_control("Suggestions", list(labels), format_func=labels.__getitem__, default="grouping",
                                key="review_mode", label_visibility="collapsed")
    if mode == "calls":
        report_calls()
        return
    st.caption("New calls the analysis matched to a recommendation. Which one is it? "
               "Keys: S same as the first, N not the same, ← → previous / next.")
    queue = common.review_queue()
    if queue.empty:
        if common.headline()["recurring"] is None:
            common.analysis_missing_note("run-analysis-review")
        else:
            st.info("Nothing to review: every call the analysis placed has been looked at.",
                    icon=":material/task_alt:")
            st.page_link("tracker/ui/pages/recurring.py", label="See the recommendations", icon=":material/repeat:")
        return
    position = _current(queue)
    navigator(queue, position)
    row = queue.iloc[position]
    new_call(row)
    decisions(row)


if __name__ == "__main__":
    render()
