"""The proposal's shape: its fields (``FIELDS``), a draft (``Draft``) and how its content is cleaned before it
is stored."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ...errors import TrackerError
from ..editing import clean_text


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
FIELD_BY_KEY = {f.key: f for f in FIELDS}


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
        if FIELD_BY_KEY[key].kind == "questions":
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
