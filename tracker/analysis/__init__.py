"""Recurrence analysis: groups of the same recommendation, themes, addressees, and people's decisions.

THIS IS THE CONTRACT STUB (issue 3 replaces the bodies, keeps the names, signatures and columns).
Every function reads/writes through ``Store`` and returns pandas frames the dashboard charts directly.
"""

from __future__ import annotations

import pandas as pd

from ..store import Store

ANNOTATION_COLUMNS = ["id", "themes", "addressee", "addressee_text", "specificity", "group_id", "group_label",
                      "group_sessions", "group_years"]
GROUP_COLUMNS = ["group_id", "label", "n_items", "n_sessions", "sessions", "years", "first_year", "last_year",
                 "recurring", "themes", "report_status", "confirmed"]
MEMBER_COLUMNS = ["group_id", "id", "year", "session_id", "session_title", "kind", "section", "text", "status",
                  "owner"]


def analyze(store: Store) -> str:
    """Re-run grouping, themes and addressees over all items, re-apply decisions; a one-line summary."""
    return "analysis: not available yet"


def analysis_mode(store: Store) -> str:
    """Which similarity is in use, e.g. 'semantic: all-MiniLM-L6-v2 (int8 ONNX) + TF-IDF' or 'lexical: …'."""
    return "none"


def item_annotations(store: Store) -> pd.DataFrame:
    """Per item: themes (list[str]), addressee (list[str], normalized), addressee_text (as written),
    specificity (0-3), group_id, group_label, group_sessions (distinct sessions), group_years (list[int])."""
    return pd.DataFrame(columns=ANNOTATION_COLUMNS)


def groups_frame(store: Store, recurring_only: bool = False) -> pd.DataFrame:
    """One row per group: label, n_items, n_sessions, sessions (list), years (list[int]), first_year,
    last_year, recurring (>= 2 sessions), themes (list), report_status (the one status to report), confirmed."""
    return pd.DataFrame(columns=GROUP_COLUMNS)


def group_members_frame(store: Store, group_id: str | None = None) -> pd.DataFrame:
    """Members of one group (or all groups): the item, its session/year, text and follow-up status."""
    return pd.DataFrame(columns=MEMBER_COLUMNS)


def theme_year_frame(store: Store) -> pd.DataFrame:
    """Long form for the theme x year heatmap: theme, year, items, sessions."""
    return pd.DataFrame(columns=["theme", "year", "items", "sessions"])


def status_by_theme_frame(store: Store) -> pd.DataFrame:
    """theme, status, items — for stacked bars."""
    return pd.DataFrame(columns=["theme", "status", "items"])


def progress_by_first_year_frame(store: Store) -> pd.DataFrame:
    """first_year (year the call was first made), status, items, share (0-1 within the year)."""
    return pd.DataFrame(columns=["first_year", "status", "items", "share"])


def themes_list() -> pd.DataFrame:
    """The taxonomy from data/themes.toml: name, description, keywords (list)."""
    return pd.DataFrame(columns=["name", "description", "keywords"])


def confirm_group(store: Store, group_id: str, by: str) -> None:
    """Record that a group's current members belong together; survives re-analysis."""


def split_item(store: Store, item_id: str, by: str) -> None:
    """Record that an item does not belong to its current group; survives re-analysis."""


def merge_groups(store: Store, group_a: str, group_b: str, by: str) -> None:
    """Record that two groups are the same recommendation; survives re-analysis."""


def set_item_themes(store: Store, item_id: str, themes: list[str], by: str) -> None:
    """A user's correction of an item's themes; survives re-analysis."""
