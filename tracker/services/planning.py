"""The next forum proposal: a draft shaped like the IGF session proposal, pre-filled from the tracker, saved
in DuckDB with every version kept, and exported as Markdown or Word.

``proposal_fields`` fills the proposal's fields (``FIELDS``) from the sessions of a *scope*:

- ``since-last`` (the default): the sessions since the last proposal drafted here, i.e. of the years from the
  target year of the latest draft for an earlier forum up to the year before this one. With no such draft,
  every earlier year: the scope is never silently narrowed to the latest year.
- ``all``: every session before the target year.
- years: ``2024``, ``2023-2025`` or ``2023,2025``.
- ``sessions:ID,ID``: chosen sessions (the dashboard's session picker).

What is still open stays open: unresolved issues and follow-up questions of every session in scope that are not
done or dropped become policy-question candidates, whatever their year. Drafts are plain text (document text is
never markup); the exports escape it for Markdown and write plain runs in Word.

No Streamlit here: the dashboard page and ``tracker brief`` call these functions.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import duckdb
import pandas as pd

from ..errors import TrackerError
from ..reading.people import NOT_STATED, REGIONS, STAKEHOLDER_GROUPS, Person, parse_person
from ..store import Store
from ..store.access import require
from ..store.db import fetch_one
from ..store.history import Change, record
from ..store.queries import ItemFilter, items_frame, sessions_frame
from .editing import clean_text
from .exporting import STATUS_LABELS, session_name

CLOSED = ("done", "dropped")


class PlanningError(TrackerError):
    """A draft or scope that cannot be used; nothing was written."""


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    kind: str  # text (paragraphs) | lines (one entry per line, a list) | questions (ticked, ordered)
    help: str = ""
    # False: for the organizers only, left out of the proposal's exports (their internal appendix has it)
    public: bool = True


FIELDS: tuple[Field, ...] = (
    Field("title", "Session title", "text"),
    Field("session_type", "Session type", "text", "Open Forum, Workshop, Launch / Award Event, …"),
    Field("format", "Format", "text", "Roundtable, Panel, Debate, Birds of a Feather, …"),
    Field("duration", "Duration (minutes)", "text"),
    Field("description", "Description", "text"),
    Field("policy_questions", "Policy questions", "questions",
          "Candidates from the open questions of earlier sessions and the open recurring recommendations."),
    Field("expected_outcomes", "Expected outcomes", "lines", "From the open recurring recommendations."),
    Field("connection", "Connection with previous sessions", "lines",
          "The recommendations that came back in several sessions, in prose for the reviewers."),
    Field("organizers", "Organizers", "lines", "Name, Organization, Stakeholder group, Region — one per line."),
    Field("speakers", "Speakers", "lines",
          "Name, Organization, Stakeholder group, Region — one per line; the balance table counts these."),
    Field("moderators", "Onsite and online moderators", "lines"),
    Field("rapporteur", "Rapporteur", "lines"),
    Field("participation", "Hybrid and online participation", "text"),
    Field("sdg_targets", "SDG targets", "lines", "Targets such as 16.2 (goals go in the next field)."),
    Field("sdg_goals", "SDG goals", "lines", "Whole goals such as 16."),
    Field("sdg_suggestions", "SDG targets suggested by the open recommendations' themes", "lines",
          "Suggestions only: copy the ones that fit into SDG targets. Not part of the proposal.", public=False),
    Field("follow_up", "Follow-up for the organizers", "lines",
          "Reports to chase, overdue items, and where each recurring recommendation stands (status, owner, notes). "
          "Not part of the proposal: only its internal appendix has it.", public=False),
)
FIELD_KEYS = tuple(f.key for f in FIELDS)
PUBLIC_FIELDS = tuple(f for f in FIELDS if f.public)
_FIELD = {f.key: f for f in FIELDS}

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


# --- scope ----------------------------------------------------------------------------------------

@dataclass
class Scope:
    spec: str  # as given: since-last | all | years | sessions:ID,ID
    session_ids: list[str]
    description: str  # in words, shown with the draft


def _year_list(spec: str) -> list[int]:
    years: set[int] = set()
    for part in spec.replace(" ", "").split(","):
        match = re.fullmatch(r"((?:19|20)\d\d)(?:-((?:19|20)\d\d))?", part)
        if not match:
            raise PlanningError(f"scope {spec!r}: use since-last, all, a year (2024), a range (2023-2025), "
                                "years (2023,2025) or sessions:ID,ID")
        first, last = int(match[1]), int(match[2] or match[1])
        if last < first:
            raise PlanningError(f"scope {spec!r}: the range ends before it starts")
        years.update(range(first, last + 1))
    return sorted(years)


def _span(years: Iterable[int]) -> str:
    years = sorted(set(years))
    if not years:
        return "no year"
    if years == list(range(years[0], years[-1] + 1)) and len(years) > 2:
        return f"{years[0]}–{years[-1]}"
    return ", ".join(str(y) for y in years)


def default_target_year(store: Store, today: date | None = None) -> int:
    """The forum after the latest session loaded (this year when nothing is loaded)."""
    latest = store.scalar("SELECT max(year) FROM sessions")
    return int(latest) + 1 if latest is not None else (today or date.today()).year


def resolve_scope(store: Store, spec: str | None, target_year: int, sessions: pd.DataFrame | None = None) -> Scope:
    """Which sessions a draft for ``target_year`` builds on (see the module docstring)."""
    spec = (spec or "since-last").strip()
    sessions = sessions_frame(store) if sessions is None else sessions
    earlier = sessions[sessions["year"].isna() | (sessions["year"] < target_year)]
    if spec.startswith("sessions:"):
        wanted = [s for s in (p.strip() for p in spec[len("sessions:"):].split(",")) if s]
        unknown = [s for s in wanted if s not in set(sessions["session_id"])]
        if unknown:
            raise PlanningError(f"scope: unknown session {unknown[0]!r}")
        if not wanted:
            raise PlanningError("scope: choose at least one session")
        chosen = sessions[sessions["session_id"].isin(wanted)]
        return Scope(spec, list(chosen["session_id"]), f"{len(chosen)} chosen session(s)")
    if spec == "all":
        years = [int(y) for y in earlier["year"].dropna()]
        return Scope(spec, list(earlier["session_id"]), f"every session before IGF {target_year} ({_span(years)})")
    if spec == "since-last":
        last = store.scalar("SELECT max(target_year) FROM drafts WHERE target_year < ?", [target_year])
        if last is None:
            years = [int(y) for y in earlier["year"].dropna()]
            return Scope(spec, list(earlier["session_id"]),
                         f"every session before IGF {target_year} ({_span(years)}): no draft for an earlier forum yet")
        since = earlier[earlier["year"].notna() & (earlier["year"] >= int(last))]
        return Scope(spec, list(since["session_id"]),
                     f"the sessions since the draft for IGF {int(last)} ({_span(range(int(last), target_year))})")
    years = _year_list(spec)
    chosen = sessions[sessions["year"].isin(years)]
    return Scope(spec, list(chosen["session_id"]), f"the sessions of {_span(years)}")


# --- pre-filling ----------------------------------------------------------------------------------

@dataclass
class Proposal:
    """A pre-filled proposal: the draft's content, and what it was made from."""

    target_year: int
    scope: Scope
    content: dict[str, Any]
    people: pd.DataFrame  # everyone named in the scope's sessions: person, role, sessions, years
    sessions: pd.DataFrame  # the sessions in scope


def _label(row: Any) -> str:
    # the full title: nothing in a draft is cut short
    return session_name(row.year, row.type, row.number, row.title)


def _status(value: Any) -> str:
    return STATUS_LABELS.get(str(value), str(value))


def _text_list(value: Any) -> list[str]:
    if value is None or isinstance(value, float) or value is pd.NA:
        return []
    return [str(v) for v in list(value) if v is not None and str(v).strip()]


def _recurring(store: Store, scope_ids: set[str]) -> pd.DataFrame:
    from ..analysis import recommendations_frame

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
    from ..analysis import members_frame
    from ..analysis.titles import policy_question

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


def _people(sessions: pd.DataFrame) -> pd.DataFrame:
    """One row per person found in the sessions (by ``Person.key``), described as fully as any page does, the
    latest session's wording first among equals: roles, how many sessions, years, latest session."""
    found: dict[str, dict[str, Any]] = {}
    ordered = sessions.sort_values(["year", "date"], ascending=False, na_position="last", kind="stable")
    for session in ordered.itertuples():
        roles = (("Organizer", _text_list(session.organizers)), ("Speaker", _text_list(session.speakers)),
                 ("Moderator", _text_list(session.moderators)),
                 ("Rapporteur", [session.rapporteur] if isinstance(session.rapporteur, str) and session.rapporteur
                  else []))
        for role, lines in roles:
            for line in lines:
                person = parse_person(line)
                if person is None:
                    continue
                entry = found.setdefault(person.key, {"best": person, "roles": {}, "sessions": set(), "years": set(),
                                                      "latest": _label(session)})
                if _completeness(person) > _completeness(entry["best"]):
                    entry["best"] = person
                entry["roles"][role] = None
                entry["sessions"].add(session.session_id)
                if pd.notna(session.year):
                    entry["years"].add(int(session.year))
    columns = ["name", "organization", "stakeholder_group", "region", "roles", "sessions", "years", "latest_session",
               "line"]
    return pd.DataFrame([{"name": e["best"].name, "organization": e["best"].organization,
                          "stakeholder_group": e["best"].stakeholder_group, "region": e["best"].region,
                          "roles": ", ".join(e["roles"]), "sessions": len(e["sessions"]),
                          "years": _span(e["years"]), "latest_session": e["latest"], "line": e["best"].line()}
                         for e in found.values()], columns=columns)


def _completeness(person: Person) -> int:
    return bool(person.stakeholder_group) + bool(person.region) + bool(person.organization)


def _people_lines(sessions: pd.DataFrame, column: str, people: pd.DataFrame) -> list[str]:
    """The people of the latest session in scope that names any for this role, each in their fullest form."""
    best = {}
    for line in people["line"]:
        if person := parse_person(line):
            best[person.key] = line
    ordered = sessions.sort_values(["year", "date"], ascending=False, na_position="last", kind="stable")
    for session in ordered.itertuples():
        value = getattr(session, column)
        lines = [value] if column == "rapporteur" and isinstance(value, str) and value else (
            _text_list(value) if column != "rapporteur" else [])
        persons = [p for p in (parse_person(x) for x in lines) if p]
        if persons:
            return list(dict.fromkeys(best.get(p.key, p.line()) for p in persons))
    return []


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

    targets = [f"{c} (used in {_span(used[c])})" for c in sorted(used, key=_sdg_order) if "." in c]
    goals = [f"{c} (used in {_span(used[c])})" for c in sorted(used, key=_sdg_order) if "." not in c]
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
    labels = {r.session_id: _label(r) for r in all_sessions.itertuples()}
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

    people = _people(sessions)
    latest = sessions.sort_values(["year", "date"], ascending=False, na_position="last", kind="stable")
    first = latest.iloc[0] if not latest.empty else None
    fmt, duration = _from_documents(store, list(latest["session_id"]))
    targets, goals = _sdgs(sessions)
    years = [int(y) for y in sessions["year"].dropna()]
    description = ""
    if first is not None:
        description = (f"This session continues a series of {len(sessions)} sessions held at IGF {_span(years)}, "
                       f"the latest “{first['title']}”. It takes stock of the {_count(len(recs), 'recommendation')} "
                       f"that came back in more than one session and of the {_count(len(open_q), 'question')} the "
                       "earlier sessions left open, and asks what would move them forward.")
    content: dict[str, Any] = {
        "title": str(first["title"]) if first is not None else "",
        "session_type": str(first["type"] or "") if first is not None else "",
        "format": fmt,
        "duration": duration or "60",
        "description": description,
        "policy_questions": questions,
        "expected_outcomes": "\n".join(outcomes),
        "connection": "\n".join(connection),
        "organizers": "\n".join(_people_lines(sessions, "organizers", people)),
        "speakers": "\n".join(_people_lines(sessions, "speakers", people)),
        "moderators": "\n".join(_people_lines(sessions, "moderators", people)),
        "rapporteur": "\n".join(_people_lines(sessions, "rapporteur", people)),
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
    return _people(sessions[sessions["session_id"].isin(chosen)])


# --- the speakers' balance ----------------------------------------------------------------------------

def speaker_balance(lines: str | Iterable[str]) -> pd.DataFrame:
    """Stakeholder groups (rows) × regions (columns) of the people listed one per line, with totals; a part
    the line does not state is counted under "Not stated"."""
    if isinstance(lines, str):
        lines = lines.split("\n")
    people = [p for p in (parse_person(x) for x in lines) if p]
    rows = list(STAKEHOLDER_GROUPS) + [NOT_STATED]
    columns = list(REGIONS) + [NOT_STATED]
    table = pd.DataFrame(0, index=pd.Index(rows, name="Stakeholder group"), columns=columns)
    for person in people:
        table.loc[person.stakeholder_group or NOT_STATED, person.region or NOT_STATED] += 1
    table["Total"] = table.sum(axis=1)
    table.loc["Total"] = table.sum(axis=0)
    return table


# --- drafts --------------------------------------------------------------------------------------------

@dataclass
class Draft:
    draft_id: int
    name: str
    target_year: int
    scope: str
    version: int
    content: dict[str, Any]
    saved_at: datetime | None = None
    saved_by: str = ""
    created_by: str = ""
    note: str = ""
    scope_text: str = field(default="")


def empty_content() -> dict[str, Any]:
    return {f.key: ([] if f.kind == "questions" else "") for f in FIELDS}


def clean_content(content: Mapping[str, Any]) -> dict[str, Any]:
    """The draft's fields as stored: known keys only, strings without control characters, questions as
    {text, use, origin} with empty ones dropped."""
    unknown = set(content) - set(FIELD_KEYS)
    if unknown:
        raise PlanningError(f"unknown draft field(s): {', '.join(sorted(unknown))}")
    out = empty_content()
    for key, value in content.items():
        if _FIELD[key].kind == "questions":
            questions = []
            for q in value or []:
                if isinstance(q, str):
                    q = {"text": q}
                text = clean_text(str(q.get("text", ""))).strip()
                if text:
                    questions.append({"text": text, "use": bool(q.get("use", True)),
                                      "origin": clean_text(str(q.get("origin", "") or "")).strip()})
            out[key] = questions
        else:
            out[key] = clean_text("" if value is None else str(value))
    return out


def _by(by: str) -> str:
    name = clean_text(by or "").strip()
    if not name:
        raise PlanningError("say who is saving the draft (a name for the history)")
    return name


def _history(con: duckdb.DuckDBPyConnection, draft_id: int, field_name: str, old: str | None, new: str | None,
             by: str, now: datetime, via: str) -> None:
    record(con, [Change("draft", draft_subject(draft_id), field_name, old, new, by, now, via)])


def draft_subject(draft_id: int) -> str:
    """The draft's id in the history (``subject`` 'draft')."""
    return f"D{draft_id}"


def create_draft(store: Store, name: str, target_year: int, *, by: str, scope: str = "since-last",
                 content: Mapping[str, Any] | None = None, via: str = "dashboard") -> Draft:
    """A new named draft for a forum, pre-filled from the tracker (or with ``content``): version 1."""
    name = " ".join(clean_text(name or "").split())
    if not name:
        raise PlanningError("give the draft a name")
    if not 1990 <= int(target_year) <= 2200:
        raise PlanningError(f"target year {target_year} is not a forum year")
    by = _by(require(store, "editor", "start a proposal draft", by))
    resolve_scope(store, scope, int(target_year))  # a bad scope is refused before anything is written
    filled = clean_content(content if content is not None else proposal_fields(store, int(target_year), scope).content)
    now = datetime.now()

    def write(con: duckdb.DuckDBPyConnection) -> int:
        taken = con.execute("SELECT 1 FROM drafts WHERE target_year = ? AND lower(name) = lower(?)",
                            [int(target_year), name]).fetchone()
        if taken:
            raise PlanningError(f"a draft named {name!r} for IGF {target_year} exists already; choose another name")
        draft_id = int(fetch_one(con, "SELECT nextval('draft_seq')")[0])
        con.execute("INSERT INTO drafts VALUES (?, ?, ?, ?, ?, ?)", [draft_id, name, int(target_year), scope, now, by])
        con.execute("INSERT INTO draft_versions VALUES (?, 1, ?, ?, ?, 'created')",
                    [draft_id, json.dumps(filled, ensure_ascii=False), now, by])
        _history(con, draft_id, "draft_created", None, f"{name} (IGF {target_year})", by, now, via)
        return draft_id

    return load_draft(store, store.write(write))


def _draft_row(con: duckdb.DuckDBPyConnection, draft_id: int) -> tuple:
    row = con.execute("SELECT name, target_year, scope, created_by FROM drafts WHERE draft_id = ?",
                      [int(draft_id)]).fetchone()
    if row is None:
        raise PlanningError(f"no draft with id {draft_id}")
    return row


def load_draft(store: Store, draft_id: int, version: int | None = None) -> Draft:
    """A draft at its latest version (or at ``version``)."""
    def read(con: duckdb.DuckDBPyConnection) -> Draft:
        name, target_year, scope, created_by = _draft_row(con, draft_id)
        sql = "SELECT version, content, saved_at, saved_by, note FROM draft_versions WHERE draft_id = ?"
        params: list[Any] = [int(draft_id)]
        if version is not None:
            sql += " AND version = ?"
            params.append(int(version))
        row = con.execute(sql + " ORDER BY version DESC LIMIT 1", params).fetchone()
        if row is None:
            raise PlanningError(f"draft {name!r} has no version {version}")
        content = clean_content({k: v for k, v in json.loads(row[1]).items() if k in FIELD_KEYS})
        return Draft(int(draft_id), name, int(target_year), scope, int(row[0]), content, row[2], row[3],
                     created_by, row[4])

    return store.read(read)


def save_draft(store: Store, draft_id: int, content: Mapping[str, Any], *, by: str, note: str = "",
               via: str = "dashboard") -> Draft:
    """Save the draft's fields as its next version (an unchanged draft adds no version). Nothing is ever
    overwritten: every earlier version stays and can be restored."""
    by = _by(require(store, "editor", "save a proposal draft", by))
    cleaned = clean_content(content)
    text = json.dumps(cleaned, ensure_ascii=False)
    now = datetime.now()

    def write(con: duckdb.DuckDBPyConnection) -> None:
        _draft_row(con, draft_id)
        last = con.execute("SELECT version, content FROM draft_versions WHERE draft_id = ? ORDER BY version DESC "
                           "LIMIT 1", [int(draft_id)]).fetchone()
        version = int(last[0]) if last else 0
        if last and json.loads(last[1]) == cleaned and not note:
            return
        changed = [f.label for f in FIELDS if last is None or json.loads(last[1]).get(f.key) != cleaned[f.key]]
        con.execute("INSERT INTO draft_versions VALUES (?, ?, ?, ?, ?, ?)",
                    [int(draft_id), version + 1, text, now, by, note or "changed: " + ", ".join(changed)])
        _history(con, draft_id, "draft_saved", str(version), f"{version + 1}" + (f" ({note})" if note else "")
                 + (f": {', '.join(changed)}" if changed and not note else ""), by, now, via)

    store.write(write, checkpoint=False)
    return load_draft(store, draft_id)


def restore_version(store: Store, draft_id: int, version: int, *, by: str, via: str = "dashboard") -> Draft:
    """Make an earlier version the newest again: its fields saved as a new version (nothing is lost)."""
    old = load_draft(store, draft_id, version)
    return save_draft(store, draft_id, old.content, by=by, note=f"restored version {version}", via=via)


def refill_draft(store: Store, draft_id: int, *, by: str, scope: str | None = None,
                 via: str = "dashboard") -> Draft:
    """Fill the draft again from the tracker (optionally with another scope), as a new version."""
    by = require(store, "editor", "fill a proposal draft again", by)
    draft = load_draft(store, draft_id)
    spec = scope or draft.scope
    proposal = proposal_fields(store, draft.target_year, spec)
    if spec != draft.scope:
        store.write(lambda con: con.execute("UPDATE drafts SET scope = ? WHERE draft_id = ?", [spec, int(draft_id)]))
    return save_draft(store, draft_id, proposal.content, by=by, note=f"filled again from the tracker ({spec})",
                      via=via)


def list_drafts(store: Store, target_year: int | None = None) -> pd.DataFrame:
    """Every draft (of one forum): id, name, target year, scope, who made it, versions, last saved."""
    where, params = ("WHERE d.target_year = ?", [int(target_year)]) if target_year is not None else ("", [])
    return store.query(f"""
        SELECT d.draft_id, d.name, d.target_year, d.scope, d.created_at, d.created_by,
               max(v.version) AS versions, max(v.saved_at) AS last_saved_at,
               arg_max(v.saved_by, v.version) AS last_saved_by
        FROM drafts d JOIN draft_versions v USING (draft_id) {where}
        GROUP BY ALL ORDER BY last_saved_at DESC, d.draft_id DESC""", params)


def draft_versions(store: Store, draft_id: int) -> pd.DataFrame:
    """The draft's versions, newest first: version, saved_at, saved_by, note."""
    return store.query("SELECT version, saved_at, saved_by, note FROM draft_versions WHERE draft_id = ? "
                       "ORDER BY version DESC", [int(draft_id)])


def find_draft(store: Store, target_year: int, name: str) -> Draft:
    drafts = list_drafts(store, target_year)
    match = drafts[drafts["name"].str.casefold() == name.strip().casefold()]
    if match.empty:
        raise PlanningError(f"no draft named {name!r} for IGF {target_year}")
    return load_draft(store, int(match["draft_id"].iat[0]))


# --- exports -------------------------------------------------------------------------------------------

_INLINE = re.compile(r"([\\`*_\[\]<>|~$])")
_ENTITY = re.compile(r"&(?=#?\w+;)")
_BLOCK_START = re.compile(r"^(\s*)([-+>=]|#+|\d+[.)])(\s|$|[-=]+\s*$)")
_AUTOLINK = re.compile(r"(?i)(://|www\.|@)")


def md_text(text: Any) -> str:
    """Text for one Markdown line that renders as the characters it is made of: emphasis, code, links,
    images, HTML tags, tables and math are escaped, a line that would start a list, quote, heading or rule
    is defused, and bare addresses are not turned into links; full stops and parentheses stay readable."""
    text = re.sub(r"\s+", " ", str(text or "")).strip()
    text = _INLINE.sub(r"\\\1", text)
    text = _ENTITY.sub(r"\\&", text)
    text = _AUTOLINK.sub(lambda m: {"://": r":\/\/", "@": r"\@"}.get(m[1], m[1][:3] + r"\."), text)
    return _BLOCK_START.sub(_defuse_block, text)


def _defuse_block(match: re.Match[str]) -> str:
    marker = match.group(2)
    # "12." -> "12\.", "-" -> "\-": the escaped character no longer starts a list, quote, heading or rule
    marker = marker[:-1] + "\\" + marker[-1] if marker[0].isdigit() else "\\" + marker
    return match.group(1) + marker + match.group(3)


def _lines(value: Any) -> list[str]:
    return [line.strip() for line in str(value or "").split("\n") if line.strip()]


def field_text(content: Mapping[str, Any], key: str) -> str:
    """One field as plain text, as it goes into the IGF form (for copying field by field)."""
    value = content.get(key)
    if _FIELD[key].kind == "questions":
        used = [q["text"] for q in value or [] if q.get("use", True)]
        return "\n".join(f"{n}. {text}" for n, text in enumerate(used, start=1))
    return str(value or "").strip()


def _title(draft: Draft) -> str:
    return f"Session proposal for IGF {draft.target_year}: {draft.name}"


def _meta(draft: Draft) -> str:
    if draft.version:
        when = f" on {pd.Timestamp(draft.saved_at).strftime('%Y-%m-%d %H:%M')}" if draft.saved_at else ""
        saved = f"Version {draft.version}" + (f", saved by {draft.saved_by}" if draft.saved_by else "") + when
    else:
        saved = f"Pre-filled from the tracker on {date.today().isoformat()}, not saved"
    return f"{saved}; scope: {draft.scope_text or draft.scope}"


INTERNAL_HEADING = "Internal appendix: for the organizers, not part of the proposal"
CANDIDATES_LABEL = "Policy questions not chosen (candidates)"


def _sections(draft: Draft, internal: bool) -> list[tuple[int, Field]]:
    """The fields an export writes, with their heading level: the proposal's fields, then (when asked for) the
    organizers' own fields under the internal appendix."""
    out = [(2, f) for f in PUBLIC_FIELDS]
    if internal:
        out += [(3, f) for f in FIELDS if not f.public]
    return out


def _candidates(draft: Draft) -> list[str]:
    return [q["text"] + (f" ({q['origin']})" if q.get("origin") else "")
            for q in draft.content.get("policy_questions") or [] if not q.get("use", True)]


def to_markdown(draft: Draft, internal: bool = False) -> str:
    """The draft as Markdown: our headings and lists; every text from the draft escaped so that it shows as
    written (no link, image, heading or formula can come from a page or a field). The organizers' own fields
    (follow-up, statuses, owners, notes, suggestions) only with ``internal``, in an appendix after the proposal."""
    out = [f"# {md_text(_title(draft))}", ""]
    out += [f"_{md_text(_meta(draft))}_", ""]
    for level, f in _sections(draft, internal):
        if level == 3 and f is next(x for x in FIELDS if not x.public):
            out += [f"## {md_text(INTERNAL_HEADING)}", "", f"### {md_text(CANDIDATES_LABEL)}", ""]
            out += [f"- {md_text(line)}" for line in _candidates(draft)] or ["_(none)_"]
            out.append("")
        out += [f"{'#' * level} {md_text(f.label)}", ""]
        value = draft.content.get(f.key)
        if f.kind == "questions":
            used = [q["text"] for q in value or [] if q.get("use", True)]
            out += [f"{n}. {md_text(t)}" for n, t in enumerate(used, start=1)] or ["_(none chosen)_"]
        elif f.kind == "lines":
            out += [f"- {md_text(line)}" for line in _lines(value)] or ["_(to write)_"]
        else:
            paragraphs = _lines(value)
            out += [p for line in paragraphs for p in (md_text(line), "")][:-1] or ["_(to write)_"]
        out.append("")
        if f.key == "speakers":
            out += ["### Balance of the speakers: stakeholder groups × regions", ""]
            out += _markdown_table(speaker_balance(value or ""))
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def _markdown_table(table: pd.DataFrame) -> list[str]:
    header = [table.index.name or ""] + [str(c) for c in table.columns]
    lines = ["| " + " | ".join(md_text(h) for h in header) + " |", "|" + "---|" * len(header)]
    for label, row in table.iterrows():
        lines.append("| " + " | ".join([md_text(label)] + [str(int(v)) for v in row]) + " |")
    return lines


_XML_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _plain(text: Any) -> str:
    return _XML_INVALID.sub("", str(text or ""))


def to_docx(draft: Draft, internal: bool = False) -> bytes:
    """The draft as a Word document: a heading per field, lists as Word lists, the balance as a table; every
    text from the draft goes in as a plain run. Its properties name the draft, its editor and its date (not the
    library's template); the organizers' own fields only with ``internal``, as an appendix."""
    from docx import Document

    doc = Document()
    props = doc.core_properties
    when = pd.Timestamp(draft.saved_at).to_pydatetime() if draft.saved_at else datetime.now()
    editor = _plain(draft.saved_by or draft.created_by or "")
    props.title = _plain(_title(draft))
    props.subject = _plain(f"IGF {draft.target_year} session proposal")
    props.author = editor
    props.last_modified_by = editor
    props.created = props.modified = when
    props.revision = max(1, int(draft.version or 1))
    props.comments = props.keywords = props.category = ""
    doc.add_heading(_plain(_title(draft)), level=0)
    doc.add_paragraph(_plain(_meta(draft)))
    for level, f in _sections(draft, internal):
        if level == 3 and f is next(x for x in FIELDS if not x.public):
            doc.add_heading(INTERNAL_HEADING, level=1)
            doc.add_heading(CANDIDATES_LABEL, level=2)
            for line in _candidates(draft) or ["(none)"]:
                doc.add_paragraph(_plain(line), style="List Bullet")
        doc.add_heading(_plain(f.label), level=level - 1)
        value = draft.content.get(f.key)
        if f.kind == "questions":
            used = [q["text"] for q in value or [] if q.get("use", True)]
            for text in used:
                doc.add_paragraph(_plain(text), style="List Number")
            if not used:
                doc.add_paragraph("(none chosen)")
        elif f.kind == "lines":
            for line in _lines(value):
                doc.add_paragraph(_plain(line), style="List Bullet")
            if not _lines(value):
                doc.add_paragraph("(to write)")
        else:
            for line in _lines(value) or ["(to write)"]:
                doc.add_paragraph(_plain(line))
        if f.key == "speakers":
            doc.add_heading("Balance of the speakers: stakeholder groups × regions", level=2)
            table = speaker_balance(value or "")
            grid = doc.add_table(rows=len(table) + 1, cols=len(table.columns) + 1)
            grid.style = "Table Grid"
            grid.cell(0, 0).text = str(table.index.name or "")
            for c, column in enumerate(table.columns, start=1):
                grid.cell(0, c).text = str(column)
            for r, (label, row) in enumerate(table.iterrows(), start=1):
                grid.cell(r, 0).text = str(label)
                for c, v in enumerate(row, start=1):
                    grid.cell(r, c).text = str(int(v))
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def with_scope_text(store: Store, draft: Draft) -> Draft:
    """The draft with its scope in words (for the exports)."""
    try:
        draft.scope_text = resolve_scope(store, draft.scope, draft.target_year).description
    except PlanningError:
        draft.scope_text = draft.scope
    return draft


def brief(store: Store, year: int | None = None, scope: str | None = None, draft_name: str | None = None,
          today: date | None = None) -> Draft:
    """What ``tracker brief`` writes: a saved draft (by name) or a fresh pre-filled one, not stored."""
    target = year or default_target_year(store, today)
    if draft_name:
        return with_scope_text(store, find_draft(store, target, draft_name))
    proposal = proposal_fields(store, target, scope, today)
    return Draft(0, "draft", target, proposal.scope.spec, 0, clean_content(proposal.content),
                 scope_text=proposal.scope.description)

