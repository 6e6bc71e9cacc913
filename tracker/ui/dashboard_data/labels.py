"""Words the pages show: status, kind, field and history labels, session and recommendation names, years,
shortened text, and Markdown that Streamlit shows literally."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from ...vocabulary import STATUSES, session_name

OVERDUE_FLAG = "⚠ overdue"
FIELD_LABELS = {"status": "Status", "owner": "Owner", "due_date": "Due date", "notes": "Notes", "title": "Title",
                "recommendation": "Recommendation", "not_same": "Recommendation",
                "not_same_started": "Recommendation", "created": "Started", "merged_into": "Merged"}
HISTORY_KINDS = {"item": "Follow-up of a call", "recommendation": "Follow-up of a recommendation",
                 "decision": "Review and grouping", "import": "Import", "person": "Roles",
                 "draft": "Proposal drafts"}
VIA_LABELS = {"dashboard": "in the dashboard", "cli": "on the command line", "bulk": "by a bulk update",
              "reanalysis": "by the re-analysis", "review": "in To review", "load": ""}

def status_options() -> list[str]:
    return list(STATUSES)


def shorten(text: Any, limit: int = 90) -> str:
    text = re.sub(r"\s+", " ", str(text or "")).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def session_label(year: Any, session_type: Any, number: Any, title: Any = "", limit: int = 60, forum: Any = None,
                  brief: bool = False) -> str:
    """'2024 Open Forum #12 — Title', the title cut at ``limit`` (the exports' session name, shortened; see
    ``vocabulary.session_name``)."""
    return session_name(year, session_type, number, title, limit, forum, brief)


def recommendation_name(rec_id: Any, title: Any) -> str:
    """R3 'International cooperation' (the full title, never shortened); the id alone without a title."""
    rec_id = "" if blank(rec_id) else str(rec_id)
    title = "" if blank(title) else str(title)
    return f"{rec_id} '{title}'" if title and rec_id else (rec_id or title)


def years_text(values: Any) -> str:
    """Years as "2022, 2023, 2024" (sorted, each once); '' for none."""
    try:
        return ", ".join(str(y) for y in sorted({int(v) for v in as_list(values) if not blank(v)}))
    except (TypeError, ValueError):
        return ""


def blank(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def as_list(value: Any) -> list:
    if value is None or isinstance(value, str) or (isinstance(value, float) and value != value):
        return [value] if isinstance(value, str) and value else []
    try:
        return list(value)
    except TypeError:
        return []
