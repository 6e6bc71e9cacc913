"""The people the sessions name (organizers, speakers, moderators, rapporteur), one row a person, and the
speakers' balance of stakeholder groups × regions."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from ...reading.people import NOT_STATED, REGIONS, STAKEHOLDER_GROUPS, Person, parse_person
from .scope import session_label, span


def text_list(value: Any) -> list[str]:
    if value is None or isinstance(value, float) or value is pd.NA:
        return []
    return [str(v) for v in list(value) if v is not None and str(v).strip()]


def people_frame(sessions: pd.DataFrame) -> pd.DataFrame:
    """One row per person found in the sessions (by ``Person.key``), described as fully as any page does, the
    latest session's wording first among equals: roles, how many sessions, years, latest session."""
    found: dict[str, dict[str, Any]] = {}
    ordered = sessions.sort_values(["year", "date"], ascending=False, na_position="last", kind="stable")
    for session in ordered.itertuples():
        roles = (("Organizer", text_list(session.organizers)), ("Speaker", text_list(session.speakers)),
                 ("Moderator", text_list(session.moderators)),
                 ("Rapporteur", [session.rapporteur] if isinstance(session.rapporteur, str) and session.rapporteur
                  else []))
        for role, lines in roles:
            for line in lines:
                person = parse_person(line)
                if person is None:
                    continue
                entry = found.setdefault(person.key, {"best": person, "roles": {}, "sessions": set(), "years": set(),
                                                      "latest": session_label(session)})
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
                          "years": span(e["years"]), "latest_session": e["latest"], "line": e["best"].line()}
                         for e in found.values()], columns=columns)


def _completeness(person: Person) -> int:
    return bool(person.stakeholder_group) + bool(person.region) + bool(person.organization)


def people_lines(sessions: pd.DataFrame, column: str, people: pd.DataFrame) -> list[str]:
    """The people of the latest session in scope that names any for this role, each in their fullest form."""
    best = {}
    for line in people["line"]:
        if person := parse_person(line):
            best[person.key] = line
    ordered = sessions.sort_values(["year", "date"], ascending=False, na_position="last", kind="stable")
    for session in ordered.itertuples():
        value = getattr(session, column)
        lines = [value] if column == "rapporteur" and isinstance(value, str) and value else (
            text_list(value) if column != "rapporteur" else [])
        persons = [p for p in (parse_person(x) for x in lines) if p]
        if persons:
            return list(dict.fromkeys(best.get(p.key, p.line()) for p in persons))
    return []


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
