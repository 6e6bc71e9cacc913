"""Plan next proposal: named drafts per forum, shaped like the IGF session proposal, pre-filled from the tracker.

Every field saves itself when it changes (a new version in DuckDB, with a history row), so the text survives
another page, a reload or a closed tab; earlier versions can be restored; each field can be copied on its own;
the whole draft downloads as Markdown or Word. The work is done by ``tracker.services.planning``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from tracker.errors import TrackerError
from tracker.services import planning
from tracker.store import Store
from tracker.ui import auth
from tracker.ui.dashboard_data import session_label
from tracker.ui.pages import common

CHOSEN = "plan_draft"  # the open draft's id, kept while the browser session lives (and in the URL across reloads)
ERROR = "plan_error"
QUESTIONS_PER_PAGE = 25
SHORT = ("title", "session_type", "format", "duration")
SCOPES = {"since-last": "Since the last proposal", "all": "Every earlier session", "years": "Years",
          "sessions": "Chosen sessions"}


@st.cache_data(show_spinner=False, max_entries=16)
def _people(db: str, tok: str, year: int, scope: str) -> pd.DataFrame:
    return planning.people_in_scope(Store(db), year, scope)


def _generation(draft_id: int) -> int:
    """Bumped when a draft's fields are replaced as a whole (restore, refill, a question moved), so every box
    shows the stored text again instead of what it held before."""
    return int(st.session_state.get(f"plan_gen_{draft_id}", 0))


def _bump(draft_id: int) -> None:
    st.session_state[f"plan_gen_{draft_id}"] = _generation(draft_id) + 1


def _key(draft_id: int, name: str) -> str:
    return f"plan-{draft_id}-{_generation(draft_id)}-{name}"


def _save(draft_id: int, change: Any) -> bool:
    """Apply ``change(content)`` to the stored draft and save it as the next version (a widget callback).
    ``change`` returns False when there is nothing to change: a widget can report the value it already had
    (Streamlit does when the page is left and opened again), and that must neither save nor reorder."""
    name = common.editor_name()
    if not name:
        st.session_state[ERROR] = common.NAME_FIRST + " Every version is saved with it."
        return False
    store = common.get_store()
    try:
        content = planning.load_draft(store, draft_id).content
        if change(content) is False:
            return False
        planning.save_draft(store, draft_id, content, by=name, actor=auth.current_actor())
    except TrackerError as exc:
        st.session_state[ERROR] = str(exc)
        return False
    return True


def _save_field(draft_id: int, field_key: str, widget_key: str) -> None:
    _save(draft_id, lambda content: content.__setitem__(field_key, st.session_state[widget_key]))


def _save_question(draft_id: int, index: int, part: str, widget_key: str) -> None:
    def change(content: dict[str, Any]) -> bool:
        questions = content["policy_questions"]
        value = st.session_state[widget_key]
        if index >= len(questions) or questions[index][part] == value:
            return False
        questions[index][part] = value
        if part == "use" and value:  # a newly chosen candidate joins the end of the chosen ones
            chosen = questions.pop(index)
            last = max((n for n, q in enumerate(questions) if q["use"]), default=-1)
            questions.insert(last + 1, chosen)
        return True
    if _save(draft_id, change) and part == "use":
        _bump(draft_id)


def _move_question(draft_id: int, index: int, step: int) -> None:
    """Swap a chosen question with the chosen one above (step -1) or below (+1)."""
    def change(content: dict[str, Any]) -> bool:
        questions = content["policy_questions"]
        others = [n for n, q in enumerate(questions) if q["use"] and (n - index) * step > 0]
        if not others:
            return False
        other = others[-1] if step < 0 else others[0]
        questions[index], questions[other] = questions[other], questions[index]
        return True
    if _save(draft_id, change):
        _bump(draft_id)


def _add_question(draft_id: int, widget_key: str) -> None:
    text = str(st.session_state.get(widget_key, "")).strip()
    if not text:
        return

    def change(content: dict[str, Any]) -> bool:
        questions = content["policy_questions"]
        last = max((n for n, q in enumerate(questions) if q["use"]), default=-1)
        questions.insert(last + 1, {"text": text, "use": True, "origin": "added by hand"})
        return True
    if _save(draft_id, change):
        _bump(draft_id)


def _choose(draft_id: int) -> None:
    st.session_state[CHOSEN] = draft_id
    st.query_params["draft"] = str(draft_id)


def _chosen(drafts: pd.DataFrame) -> int | None:
    if drafts.empty:
        return None
    ids = [int(i) for i in drafts["draft_id"]]
    chosen = st.session_state.get(CHOSEN)
    if chosen not in ids:
        wanted = st.query_params.get("draft", "")
        chosen = int(wanted) if wanted.isdigit() and int(wanted) in ids else ids[0]  # else the last one saved
        _choose(chosen)
    return int(chosen)


def _scope_input(prefix: str, year: int, default: str = "since-last") -> str:
    """since-last | all | years | sessions:ID,ID from a few widgets."""
    kind = default.split(":")[0] if default in ("since-last", "all") or default.startswith("sessions:") else "years"
    choice = st.radio("Build on", list(SCOPES), format_func=lambda k: SCOPES[k], index=list(SCOPES).index(kind),
                      horizontal=True, key=f"{prefix}-scope",
                      help="Since the last proposal: the sessions since the draft for an earlier forum (every earlier "
                           "session when there is none). Nothing is ever narrowed to the latest year by itself.")
    if choice == "years":
        return st.text_input("Years", value=default if kind == "years" else f"{year - 2}-{year - 1}",
                             key=f"{prefix}-years", help="2024, 2023-2025 or 2023,2025").strip()
    if choice == "sessions":
        sessions = common.sessions()
        labels = {r.session_id: session_label(r.year, r.session_type, r.number, r.title, limit=10_000, forum=r.forum)
                  for r in sessions.itertuples()}
        picked_default = [s for s in default.removeprefix("sessions:").split(",") if s in labels] \
            if default.startswith("sessions:") else []
        picked = st.multiselect("Sessions", list(labels), default=picked_default, format_func=lambda s: labels[s],
                                key=f"{prefix}-sessions")
        return "sessions:" + ",".join(picked)
    return choice


def _new_draft(store: Store, open_: bool) -> None:
    with st.expander("Start a new draft", expanded=open_, icon=":material/add:"):
        year = int(st.number_input("For the forum of", min_value=1990, max_value=2200, step=1,
                                   value=planning.default_target_year(store), key="plan-new-year"))
        name = st.text_input("Name", value="Proposal", key="plan-new-name",
                             help="Several drafts per forum are allowed, each with its own name.")
        scope = _scope_input("plan-new", year)
        if st.button("Create the draft, pre-filled from the tracker", type="primary", key="plan-new-create"):
            ok, draft = common.act(planning.create_draft, name, year, scope=scope)
            if ok:
                _choose(draft.draft_id)
                st.rerun()


def _field(draft: planning.Draft, field: planning.Field, disabled: bool) -> None:
    key = _key(draft.draft_id, field.key)
    value = draft.content.get(field.key, "")
    args = (draft.draft_id, field.key, key)
    if field.key in SHORT:
        st.text_input(field.label, value=value, key=key, on_change=_save_field, args=args, help=field.help or None,
                      disabled=disabled)
    else:
        lines = max(3, min(14, str(value).count("\n") + 2))
        st.text_area(field.label, value=value, key=key, on_change=_save_field, args=args, disabled=disabled,
                     height=28 * lines + 20, help=field.help or None)


def _question_row(draft: planning.Draft, n: int, question: dict[str, Any], movable: tuple[bool, bool],
                  disabled: bool, number: int) -> None:
    """A question in full (a box that wraps, not a one-line field cut short on a phone), with its controls on
    one line under it: use, move up, move down."""
    text_key = _key(draft.draft_id, f"q{n}-text")
    label = f"Question {number}" if question["use"] else f"Candidate {number}"
    st.text_area(label, value=question["text"], key=text_key, on_change=_save_question, height="content",
                 args=(draft.draft_id, n, "text", text_key), disabled=disabled)
    with st.container(horizontal=True, vertical_alignment="center", gap="small"):
        use_key = _key(draft.draft_id, f"q{n}-use")
        st.checkbox("Use in the proposal", value=bool(question["use"]), key=use_key, on_change=_save_question,
                    args=(draft.draft_id, n, "use", use_key), disabled=disabled)
        if question["use"]:
            st.button("↑", key=_key(draft.draft_id, f"q{n}-up"), on_click=_move_question,
                      args=(draft.draft_id, n, -1), disabled=disabled or not movable[0], help="Move up")
            st.button("↓", key=_key(draft.draft_id, f"q{n}-down"), on_click=_move_question,
                      args=(draft.draft_id, n, 1), disabled=disabled or not movable[1], help="Move down")
    if question["origin"]:
        st.caption(common.md(f"From: {question['origin']}"))


def _questions(draft: planning.Draft, disabled: bool) -> None:
    questions = draft.content["policy_questions"]
    used = [n for n, q in enumerate(questions) if q["use"]]
    others = [n for n, q in enumerate(questions) if not q["use"]]
    st.markdown("**Policy questions**")
    st.caption(f"{len(used)} chosen, in the order of the export (the IGF form asks for a few; three at most is "
               f"a good rule): reword them, move them, untick to drop one. {len(others)} more candidates below.")
    with st.container(border=True, key="plan-questions"):
        for k, n in enumerate(used):
            _question_row(draft, n, questions[n], (k > 0, k < len(used) - 1), disabled, k + 1)
        add_key = _key(draft.draft_id, "q-add")
        st.text_input("Add a question of your own", key=add_key, on_change=_add_question,
                      args=(draft.draft_id, add_key), disabled=disabled, placeholder="Type and press Enter")
    if others:
        with st.expander(f"More candidates ({len(others)}): tick one to use it"):
            pages = max(1, -(-len(others) // QUESTIONS_PER_PAGE))
            page = int(st.number_input("Page", min_value=1, max_value=pages, value=1, disabled=pages == 1,
                                       key=f"plan-q-page-{draft.draft_id}", width=130))
            first = (page - 1) * QUESTIONS_PER_PAGE
            for k, n in enumerate(others[first:first + QUESTIONS_PER_PAGE], start=first + 1):
                _question_row(draft, n, questions[n], (False, False), disabled, k)


def _edit(draft: planning.Draft) -> None:
    disabled = not common.editor_name()
    if disabled:
        st.warning(common.NAME_FIRST + " Every version is saved with it.", icon=":material/person:")
    internal_started = False
    for field in planning.FIELDS:
        if not field.public and not internal_started:
            internal_started = True
            st.subheader("For the organizers: not part of the proposal")
            st.caption("Left out of the downloads and of the fields to copy; the Word and Markdown files carry them "
                       "only when you ask for the internal appendix.")
        if field.kind == "questions":
            _questions(draft, disabled)
            continue
        _field(draft, field, disabled)
        if field.key == "speakers":
            st.caption("Balance of these speakers: stakeholder groups × regions (IGF asks for diverse panels)")
            st.dataframe(planning.speaker_balance(draft.content["speakers"]), width="stretch")
            people = _people(str(common.get_store().path), common.token(), draft.target_year, draft.scope)
            with st.expander(f"People of the earlier sessions ({len(people)}): copy a line into Speakers"):
                st.dataframe(people.drop(columns=["line"]), hide_index=True, width="stretch")
                st.code("\n".join(people["line"]) or " ", language=None, wrap_lines=True)


def _copy(draft: planning.Draft) -> None:
    st.caption("Each field as it goes into the IGF form; the button at the top right of a box copies it.")
    for field in planning.PUBLIC_FIELDS:
        st.markdown(f"**{common.md(field.label)}**")
        st.code(planning.field_text(draft.content, field.key) or " ", language=None, wrap_lines=True)
        if field.key == "speakers":
            table = planning.speaker_balance(draft.content["speakers"])
            st.code(table.to_csv(sep="\t"), language=None)


def _versions(store: Store, draft: planning.Draft) -> None:
    versions = planning.draft_versions(store, draft.draft_id)
    st.dataframe(versions, hide_index=True, width="stretch",
                 column_config={"saved_at": st.column_config.DatetimeColumn("saved at", format="YYYY-MM-DD HH:mm:ss"),
                                "saved_by": "saved by"})
    older = [int(v) for v in versions["version"] if int(v) != draft.version]
    if not older:
        st.caption("Only one version so far.")
        return
    version = st.selectbox("Look at version", older, key=f"plan-version-{draft.draft_id}")
    old = planning.with_scope_text(store, planning.load_draft(store, draft.draft_id, version))
    with st.container(height=320, border=True):
        st.code(planning.to_markdown(old), language=None, wrap_lines=True)
    if st.button(f"Restore version {version}", key=f"plan-restore-{draft.draft_id}",
                 help="Saves its fields as the newest version; the versions in between are kept."):
        ok, _ = common.act(planning.restore_version, draft.draft_id, version)
        if ok:
            _bump(draft.draft_id)
            st.rerun()


def _download(store: Store, draft: planning.Draft) -> None:
    full = planning.with_scope_text(store, draft)
    stem = f"igf-{draft.target_year}-proposal-{'-'.join(draft.name.lower().split())}"[:80]
    internal = st.checkbox("Add the internal appendix (statuses, owners, notes, follow-up, candidates): for the "
                           "organizers, not for sending", key=f"plan-internal-{draft.draft_id}")
    if internal:
        stem += "-internal"
    c = st.columns(2)
    c[0].download_button("Download .md", planning.to_markdown(full, internal).encode("utf-8"), f"{stem}.md",
                         "text/markdown", type="primary", icon=":material/download:", on_click="ignore",
                         width="stretch")
    c[1].download_button("Download .docx", lambda: planning.to_docx(full, internal), f"{stem}.docx",
                         "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                         icon=":material/download:", on_click="ignore", width="stretch")
    st.divider()
    st.markdown("**Fill again from the tracker**")
    st.caption("Replaces every field with what the tracker holds now, as a new version (this one stays "
               "restorable under Versions).")
    scope = _scope_input(f"plan-refill-{draft.draft_id}", draft.target_year, draft.scope)
    if st.button("Fill again", key=f"plan-refill-go-{draft.draft_id}"):
        ok, _ = common.act(planning.refill_draft, draft.draft_id, scope=scope)
        if ok:
            _bump(draft.draft_id)
            st.rerun()


def render() -> None:
    common.page_header("Plan next proposal",
                       "The next IGF session proposal, field by field, pre-filled from the tracker. Every change is "
                       "saved when you leave its box (Tab, Enter in a one-line box, or a click elsewhere on this "
                       "page — before going to another page); earlier versions can be restored.")
    store = common.get_store()
    if message := st.session_state.pop(ERROR, None):
        st.error(common.md(message))
    drafts = planning.list_drafts(store)
    chosen = _chosen(drafts)
    if chosen is None:
        st.info("No draft yet: start one below. It is filled from the sessions in the tracker and saved at once.")
        _new_draft(store, open_=True)
        return
    labels: dict[int, str] = {int(r.draft_id): f"IGF {r.target_year} · {r.name}" for r in drafts.itertuples()}
    top = st.columns([3, 2], vertical_alignment="bottom")
    picked = top[0].selectbox("Draft", list(labels), index=list(labels).index(chosen),
                              format_func=lambda i: labels[i], key="plan-pick")
    if picked is not None and picked != chosen:
        _choose(picked)
        chosen = picked
    draft = planning.with_scope_text(store, planning.load_draft(store, chosen))
    when = pd.Timestamp(draft.saved_at).strftime("%Y-%m-%d %H:%M:%S") if draft.saved_at else ""
    top[1].caption(common.md(f"Saved: version {draft.version} by {draft.saved_by} at {when}. "
                             f"Built on {draft.scope_text}."))
    _new_draft(store, open_=False)
    edit, copy, versions, download = st.tabs(["Edit", "Copy field by field", "Versions", "Download and refill"])
    with edit:
        _edit(draft)
    with copy:
        _copy(draft)
    with versions:
        _versions(store, draft)
    with download:
        _download(store, draft)


if __name__ == "__main__":
    render()
