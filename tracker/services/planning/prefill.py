"""A proposal pre-filled from the tracker: policy questions, expected outcomes, connection with previous
sessions, people, SDGs and the organizers' follow-up, over the sessions of a scope."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from ...store import Store
from ...store.queries import ItemFilter, items_frame, sessions_frame
from ...vocabulary import CLOSED_STATUSES as CLOSED
from ...vocabulary import STATUS_LABELS
from .people import people_frame, people_lines
from .scope import Scope, default_target_year, resolve_scope, session_label, span

# Which SDG targets a theme of data/themes.toml speaks to: only suggestions, people choose
THEME_SDGS: dict[str, tuple[str, ...]] = {
    "International cooperation": ("16.a", "17.16"),
    "Multi-stakeholder collaboration": ("17.17",),
    "Standards, guidelines and regulation for AI and emerging technology": ("16.b", "9.5"),
    "Safety by design and child-rights impact assessment": ("16.2", "9.5"),
    "Digital literacy and parenting": ("4.4", "4.7"),
    "Research and data": ("17.18",),
    "Balancing protection with children's rights and participation": ("16.7", "16.10"),
    "Privacy and data protection": ("16.10",),
    "Sexual exploitation and abuse": ("16.2", "5.2"),
    "Cyberbullying": ("16.2", "4.a"),
    "Harmful content": ("16.2",),
    "Excessive use and mental health": ("3.4",),
    "AI and emerging technology": ("9.5", "9.c"),
}
TICKED = 3  # policy questions chosen at first: the IGF form asks for a few; the others stay candidates
FORMATS = ("Roundtable", "Panel", "Debate", "Birds of a Feather", "Break-out Group Discussions", "Classroom",
           "Fishbowl", "Theater", "Other")
_DURATION = re.compile(r"Duration\s*\(minutes\)\s*:?\s*(\d{2,3})\b", re.IGNORECASE)


@dataclass
class Proposal:
    """A pre-filled proposal: the draft's content, and what it was made from."""

    target_year: int
    scope: Scope
    content: dict[str, Any]
    people: pd.DataFrame  # everyone named in the scope's sessions: person, role, sessions, years
    sessions: pd.DataFrame  # the sessions in scope


def _status(value: Any) -> str:
    return STATUS_LABELS.get(str(value), str(value))


def _recurring(store: Store, scope_ids: set[str]) -> pd.DataFrame:
    from ...analysis import recommendations_frame

    recs = recommendations_frame(store, recurring_only=True)
    if recs.empty:
        return recs
    keep = [bool(set(s) & scope_ids) for s in recs["sessions"]]
    recs = recs[keep].copy()
    recs["open"] = ~recs["status"].isin(CLOSED)
    return recs.sort_values(["open", "n_sessions", "n_items", "last_year"], ascending=[False, False, False, False],
                            kind="stable")


def _rec_question(store: Store, rec: Any) -> str:
    """A policy question from what the recommendation's confirmed calls ask (a title is a label, not a question:
    "What would it take for governments to fund national child helplines?"); '' when they ask nothing readable."""
    from ...analysis import members_frame
    from ...analysis.titles import policy_question

    calls = members_frame(store, rec.rec_id)
    calls = calls[calls["state"] == "member"]
    return policy_question(calls["text"].tolist(), calls["kind"].tolist())


_NUMBERS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def _count(n: int, noun: str) -> str:
    return f"{_NUMBERS[n] if 0 <= n < len(_NUMBERS) else n} {noun}{'' if n == 1 else 's'}"


def _and(words: list[str]) -> str:
    return words[0] if len(words) < 2 else ", ".join(words[:-1]) + " and " + words[-1]


def _connection_line(rec: Any, labels: Mapping[str, str]) -> str:
    """A recurring recommendation as a reviewer reads it: its full title, when and where it came back; nothing
    of the organizers' follow-up (status, owner, notes, ids)."""
    years = [str(y) for y in rec.years]
    sessions = "; ".join(labels.get(s, s) for s in rec.sessions)
    return (f"“{rec.title}” came back in {_count(int(rec.n_sessions), 'session')}, at IGF {_and(years)} "
            f"({sessions}).")


_QUESTION_START = {"how", "what", "which", "why", "who", "whom", "whose", "where", "when", "should", "can", "could",
                   "would", "will", "is", "are", "do", "does", "did", "to", "in"}


def as_question(text: str) -> str:
    """An open issue phrased as a question for the IGF form ("Specific metrics for …" -> "What are the specific
    metrics for …?"); a question stays as written."""
    text = " ".join(str(text).split()).rstrip(" .;:")
    if not text or "?" in text:
        return text
    first = text.split(" ", 1)[0].casefold()
    if first in _QUESTION_START:
        return re.sub(r"^How to ", "How can we ", text) + "?"
    # lower the first letter of an ordinary word, not of an acronym ("AI", "UNICEF")
    lowered = text[0].lower() + text[1:] if len(text) > 1 and not text[1].isupper() else text
    if first in {"the", "a", "an", "this", "these", "those"}:
        return f"What should be done about {lowered}?"
    return f"What are the {lowered}?"


def _round_robin(groups: list[list[Any]]) -> list[Any]:
    out: list[Any] = []
    for k in range(max((len(g) for g in groups), default=0)):
        out += [g[k] for g in groups if k < len(g)]
    return out


def _rec_line(rec: Any, labels: Mapping[str, str]) -> str:
    """A recurring recommendation in full for the organizers: title, id, years and sessions, status, owner,
    notes — never cut."""
    sessions = "; ".join(labels.get(s, s) for s in rec.sessions)
    parts = [f"status: {_status(rec.status)}", f"owner: {rec.owner or 'none yet'}"]
    if rec.due_date is not None and not pd.isna(rec.due_date):
        parts.append(f"due {pd.Timestamp(rec.due_date).date().isoformat()}")
    if rec.notes:
        parts.append(f"notes: {' '.join(str(rec.notes).split())}")
    return (f"{rec.title} ({rec.rec_id}) — raised in {int(rec.n_sessions)} sessions "
            f"({', '.join(str(y) for y in rec.years)}: {sessions}); " + "; ".join(parts))


def _from_documents(store: Store, session_ids: list[str]) -> tuple[str, str]:
    """Format and duration as the latest proposal page in scope states them ("" when none does)."""
    if not session_ids:
        return "", ""
    texts = store.query(f"""
        SELECT d.text FROM documents d JOIN sessions s USING (session_id)
        WHERE d.session_id IN ({', '.join('?' for _ in session_ids)})
        ORDER BY s.year DESC NULLS LAST, d.page_kind = 'proposal' DESC, d.source""", session_ids)["text"]
    fmt = duration = ""
    formats = {f.casefold(): f for f in FORMATS}
    for text in texts:
        if not duration and (match := _DURATION.search(text)):
            duration = match[1]
        if not fmt:
            fmt = next((formats[line.strip().casefold()] for line in text.split("\n")
                        if line.strip().casefold() in formats), "")
        if fmt and duration:
            break
    return fmt, duration


def _sdg_order(code: str) -> tuple:
    """16.2 before 16.10 before 16.a, and goal 4 before goal 16."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in code.split("."))


def _sdgs(sessions: pd.DataFrame) -> tuple[list[str], list[str]]:
    used: dict[str, set[int]] = {}
    for session in sessions.itertuples():
        for code in str(session.sdgs or "").split():
            used.setdefault(code, set())
            if pd.notna(session.year):
                used[code].add(int(session.year))

    targets = [f"{c} (used in {span(used[c])})" for c in sorted(used, key=_sdg_order) if "." in c]
    goals = [f"{c} (used in {span(used[c])})" for c in sorted(used, key=_sdg_order) if "." not in c]
    return targets, goals


def _sdg_suggestions(recs: pd.DataFrame, used: set[str]) -> list[str]:
    if recs.empty:
        return []
    suggested: dict[str, dict[str, list[str]]] = {}
    for rec in recs[recs["open"]].itertuples():
        for theme in rec.themes:
            for target in THEME_SDGS.get(theme, ()):
                suggested.setdefault(target, {}).setdefault(theme, []).append(rec.rec_id)
    lines = []
    for target, themes in sorted(suggested.items(), key=lambda kv: _sdg_order(kv[0])):
        why = "; ".join(f"{theme}: {', '.join(dict.fromkeys(ids))}" for theme, ids in themes.items())
        lines.append(f"{target} — {why}" + (" (already used)" if target in used else ""))
    return lines


def proposal_fields(store: Store, year: int | None = None, scope: str | None = None,
                    today: date | None = None) -> Proposal:
    """The proposal for IGF ``year`` (default: the forum after the latest session) pre-filled from the sessions
    of ``scope`` (default since-last); every field is plain text people then edit."""
    today = today or date.today()
    target = year or default_target_year(store, today)
    all_sessions = sessions_frame(store)
    chosen = resolve_scope(store, scope, target, all_sessions)
    ids = set(chosen.session_ids)
    sessions = all_sessions[all_sessions["session_id"].isin(ids)]
    labels = {r.session_id: session_label(r) for r in all_sessions.itertuples()}
    items = items_frame(store, ItemFilter(sessions=sorted(ids), include_removed=False)) if ids else \
        items_frame(store, ItemFilter(include_removed=False)).iloc[0:0]
    recs = _recurring(store, ids)
    open_recs = recs[recs["open"]] if not recs.empty else recs

    # Policy questions, chosen across the whole scope: one for the recurring recommendation that came back
    # most, then the open questions of the sessions taken in turn (unresolved issues before follow-up
    # questions), so the latest session does not crowd out the earlier ones; the rest wait as candidates.
    rec_questions = [{"text": question, "use": False, "origin": f"recurring recommendation {rec.rec_id}"}
                     for rec in open_recs.itertuples() if (question := _rec_question(store, rec))]
    open_q = items[(items["kind"] == "question") & ~items["status"].isin(CLOSED)]
    by_session: dict[str, list[dict[str, Any]]] = {}
    ordered_q = open_q.assign(_unresolved=~open_q["section"].fillna("").str.casefold().str.contains("unresolved"))
    ordered_q = ordered_q.sort_values(["year", "_unresolved"], ascending=[False, True], na_position="last",
                                      kind="stable")
    for item in ordered_q.itertuples():
        origin = f"{item.section.split(' | ')[0] or 'Question'}, {labels.get(item.session_id, item.session_id)}"
        phrased = as_question(item.text)
        if phrased != item.text:
            origin += f": “{item.text}”"
        by_session.setdefault(item.session_id, []).append({"text": phrased, "use": False, "origin": origin})
    item_questions = _round_robin(list(by_session.values()))
    chosen_q = rec_questions[:1] + item_questions[:TICKED - 1]
    for more in (rec_questions[1:], item_questions[TICKED - 1:]):  # fewer of one kind: more of the other
        chosen_q += more[:TICKED - len(chosen_q)]
    for question in chosen_q:
        question["use"] = True
    questions = chosen_q + [q for q in rec_questions + item_questions if not q["use"]]

    connection = [_connection_line(rec, labels) for rec in recs.itertuples()] if not recs.empty else []
    outcomes = [f"Agreed next steps on “{rec.title}”, which {_count(int(rec.n_sessions), 'session')} have asked for "
                f"since {min(int(y) for y in rec.years)}." for rec in open_recs.itertuples()]
    if outcomes or questions:
        outcomes.append("A short report of the session's answers to the policy questions, published with its key "
                        "takeaways and calls to action.")

    # What only the organizers need: where each recommendation and call stands, and what to chase
    follow_up = [f"Report missing: {labels[s.session_id]} — no outcomes published; ask for the session report"
                 for s in sessions.itertuples() if not bool(s.has_outcomes)]
    due = items[items["due_date"].notna() & ~items["status"].isin(CLOSED)]
    for item in due.itertuples():
        if item.due_date < today:
            follow_up.append(f"Overdue since {item.due_date.isoformat()}: {item.text} "
                             f"({labels.get(item.session_id, '')}; owner: {item.owner or 'none yet'})")
    for rec in open_recs.itertuples():
        if rec.due_date is not None and not pd.isna(rec.due_date) and pd.Timestamp(rec.due_date).date() < today:
            follow_up.append(f"Overdue since {pd.Timestamp(rec.due_date).date().isoformat()}: recommendation "
                             f"“{rec.title}” ({rec.rec_id}; owner: {rec.owner or 'none yet'})")
    follow_up += [_rec_line(rec, labels) for rec in recs.itertuples()] if not recs.empty else []
    progress = items[items["status"].isin(["done", "in_progress"])]
    for item in progress.itertuples():
        extra = [f"owner: {item.owner}"] if item.owner else []
        if item.notes:
            extra.append(f"notes: {' '.join(str(item.notes).split())}")
        follow_up.append(f"{_status(item.status)}: {item.text} ({labels.get(item.session_id, '')}"
                         + ("; " + "; ".join(extra) if extra else "") + ")")

    people = people_frame(sessions)
    latest = sessions.sort_values(["year", "date"], ascending=False, na_position="last", kind="stable")
    first = latest.iloc[0] if not latest.empty else None
    fmt, duration = _from_documents(store, list(latest["session_id"]))
    targets, goals = _sdgs(sessions)
    years = [int(y) for y in sessions["year"].dropna()]
    description = ""
    if first is not None:
        description = (f"This session continues a series of {len(sessions)} sessions held at IGF {span(years)}, "
                       f"the latest “{first['title']}”. It takes stock of the {_count(len(recs), 'recommendation')} "
                       f"that came back in more than one session and of the {_count(len(open_q), 'question')} the "
                       "earlier sessions left open, and asks what would move them forward.")
    content: dict[str, Any] = {
        "title": str(first["title"]) if first is not None else "",
        "session_type": str(first["session_type"] or "") if first is not None else "",
        "format": fmt,
        "duration": duration or "60",
        "description": description,
        "policy_questions": questions,
        "expected_outcomes": "\n".join(outcomes),
        "connection": "\n".join(connection),
        "organizers": "\n".join(people_lines(sessions, "organizers", people)),
        "speakers": "\n".join(people_lines(sessions, "speakers", people)),
        "moderators": "\n".join(people_lines(sessions, "moderators", people)),
        "rapporteur": "\n".join(people_lines(sessions, "rapporteur", people)),
        "participation": "",
        "sdg_targets": "\n".join(t.split(" (")[0] for t in targets),
        "sdg_goals": "\n".join(g.split(" (")[0] for g in goals),
        "sdg_suggestions": "\n".join(_sdg_suggestions(recs, {t.split(" (")[0] for t in targets})),
        "follow_up": "\n".join(follow_up),
    }
    return Proposal(target, chosen, content, people, sessions)


def people_in_scope(store: Store, year: int, scope: str | None = None) -> pd.DataFrame:
    """Everyone the scope's sessions name (organizers, speakers, moderators, rapporteur), one row a person:
    name, organization, stakeholder group, region, roles, sessions, years, and the line to copy into a draft."""
    sessions = sessions_frame(store)
    chosen = set(resolve_scope(store, scope, year, sessions).session_ids)
    return people_frame(sessions[sessions["session_id"].isin(chosen)])
