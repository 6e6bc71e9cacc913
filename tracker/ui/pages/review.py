"""To review: the analysis's suggestions, one at a time — is this new call the same recommendation?

Each suggestion shows the new call, the recommendation it would join (title, years, sessions, one of its
calls) and the evidence (the two sentences that matched best). A person decides: same recommendation, not the
same, another one, or a new one. Every decision goes into the history with the person's name; the next
suggestion follows at once. Keys: S same, N not the same, ← → previous / next.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from tracker import analysis
from tracker.ui.dashboard_data import kind_label, recommendation_facts, recommendation_name, shorten, years_text
from tracker.ui.pages import common
from tracker.ui.pages.overview import analysis_missing_note

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


def suggestion(row: pd.Series) -> None:
    mine, theirs = str(row["evidence_mine"] or ""), str(row["evidence_theirs"] or "")
    representative = row["representative"] if isinstance(row["representative"], str) else ""
    new, joins = st.columns(2, gap="medium")
    with new, st.container(border=True):
        st.markdown("**The new call**")
        year = "" if pd.isna(row["year"]) else f"{int(row['year'])} · "
        st.caption(common.md(f"{year}{row['session_title'] or 'unknown session'} · {kind_label(row['kind'])}"))
        st.markdown(marked(row["text"], mine))
    with joins, st.container(border=True):
        st.markdown("**Would join the recommendation**")
        st.markdown(f"**{common.md(row['title'])}**")
        facts = recommendation_facts({"years": row["rec_years"], "n_sessions": row["rec_sessions"],
                                      "n_items": row["rec_members"]})
        st.caption(common.md(f"{row['rec_id']} · {facts}"))
        if representative:
            st.caption("Its call that matches best:" if theirs and theirs in representative else "One of its calls:")
            st.markdown(marked(representative, theirs if theirs in representative else ""))
    score = f" (similarity {float(row['score']):.2f})" if pd.notna(row["score"]) else ""
    whole = mine.strip() == str(row["text"]).strip() and theirs.strip() == representative.strip()
    if (mine or theirs) and not whole:
        st.markdown(f"**Why: the two sentences that match best** :gray[{common.md(score.strip())}]")
        left, right = st.columns(2, gap="medium")
        with left, st.container(border=True):
            st.caption("This call says")
            st.markdown(common.md(mine))
        with right, st.container(border=True):
            st.caption("The recommendation's call says")
            st.markdown(common.md(theirs))
    elif mine or theirs:
        st.caption(common.md(f"Why: the two calls above match as a whole{score}."))


def decisions(row: pd.Series) -> None:
    item_id, rec_id, title = str(row["item_id"]), str(row["rec_id"]), str(row["title"])
    name = recommendation_name(rec_id, title)
    buttons = st.container(horizontal=True)
    if buttons.button("Same recommendation", key="review-same", type="primary", icon=":material/check:",
                      shortcut="S", help=f"Add the call to {name}"):
        _decide(f"Added to {name}.", analysis.accept, item_id)
    if buttons.button("Not the same", key="review-reject", icon=":material/close:", shortcut="N",
                      help="The call starts a recommendation of its own; it is not suggested here again"):
        _decide(lambda new: f"Not the same as {name}: the call now starts recommendation {new}.",
                analysis.reject, item_id)
    other, start = st.columns(2, gap="medium")
    with other, st.container(border=True):
        recs = common.recommendations()
        labels = {str(r.rec_id): f"{r.title} ({r.rec_id}; {years_text(r.years)})"
                  for r in recs.itertuples() if r.rec_id != rec_id}
        chosen = st.selectbox("Choose another recommendation", list(labels),
                              format_func=lambda r: labels.get(r, str(r)), index=None,
                              placeholder="Type words of its title", key=f"review-other-{item_id}")
        if st.button("Move it there", key="review-move", disabled=chosen is None, icon=":material/move_item:"):
            target = recommendation_name(chosen, recs.set_index("rec_id")["title"].get(chosen))
            _decide(f"Added to {target}.", analysis.move_item, item_id, chosen)
    with start, st.container(border=True):
        new_title = st.text_input("Start a new recommendation", key=f"review-title-{item_id}",
                                  placeholder="Its title (optional: suggested from the call)")
        if st.button("Start a new recommendation", key="review-new", icon=":material/add:"):
            _decide(lambda new: f"The call now starts recommendation {new}.", analysis.start_recommendation,
                    item_id, title=new_title.strip() or None)


def render() -> None:
    common.page_header("To review", "New calls the analysis matched to a recommendation. Is it the same "
                                    "recommendation? Keys: S same, N not the same, ← → previous / next.")
    message = st.session_state.pop(FLASH, None)
    if message:
        st.success(common.md(message), icon=":material/check_circle:")
    queue = common.review_queue()
    if queue.empty:
        if common.headline()["recurring"] is None:
            analysis_missing_note("run-analysis-review")
        else:
            st.info("Nothing to review: every call the analysis placed has been looked at.",
                    icon=":material/task_alt:")
            st.page_link("tracker/ui/pages/recurring.py", label="See the recommendations", icon=":material/repeat:")
        return
    position = _current(queue)
    navigator(queue, position)
    row = queue.iloc[position]
    suggestion(row)
    decisions(row)


if __name__ == "__main__":
    render()
