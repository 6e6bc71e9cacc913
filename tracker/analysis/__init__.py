"""Recurrence analysis: groups of the same recommendation, themes, addressees, and people's decisions.

Every function reads/writes through ``Store`` and returns pandas frames the dashboard charts directly.
Method, measured quality and how to edit themes: docs/recurrence.md.
"""

from __future__ import annotations

import pandas as pd

from ..store import Store
from . import embeddings
from .addressees import extract_addressee, specificity
from .core import CALL_KINDS, AnalysisError, mode_text, record_decision, run_analysis
from .frames import (
    ANNOTATION_COLUMNS,
    GROUP_COLUMNS,
    MEMBER_COLUMNS,
    group_members_frame,
    groups_frame,
    item_annotations,
    progress_by_first_year_frame,
    recurring_count,
    report_status,
    status_by_theme_frame,
    theme_year_frame,
)
from .methods import LEXICAL_METHOD, SEMANTIC_METHOD
from .themes import load_themes

__all__ = [
    "ANNOTATION_COLUMNS", "CALL_KINDS", "GROUP_COLUMNS", "MEMBER_COLUMNS", "AnalysisError", "analysis_info",
    "analysis_mode", "analyze", "confirm_group", "extract_addressee", "group_members_frame", "groups_frame",
    "item_annotations", "merge_groups", "progress_by_first_year_frame", "recurring_count", "report_status",
    "set_item_themes", "specificity", "split_item", "status_by_theme_frame", "suggested_owner", "theme_year_frame",
    "themes_list",
]


def analyze(store: Store) -> str:
    """Re-run grouping, themes and addressees over all items, re-apply decisions; a one-line summary."""
    return run_analysis(store).summary


def analysis_info(store: Store) -> dict:
    """The last run: mode, reason (why lexical), method, items, groups, recurring, embedded, seconds,
    summary, finished_at; an empty dict before the first analysis."""
    frame = store.query("SELECT * FROM analysis_runs ORDER BY run_id DESC LIMIT 1")
    return {} if frame.empty else frame.iloc[0].to_dict()


def analysis_mode(store: Store) -> str:
    """Which similarity is in use, e.g. 'semantic: all-MiniLM-L6-v2 (int8 ONNX) + char TF-IDF — …' or
    'lexical: char TF-IDF — … (model not used: <why>)'. The mode of the last analysis (what the groups on
    screen come from); before any analysis, the mode the next one would use."""
    info = analysis_info(store)
    if info:
        method = SEMANTIC_METHOD if info["mode"] == "semantic" else LEXICAL_METHOD
        return mode_text(info["mode"], info["reason"], method)
    state = embeddings.get_embedder()
    if state.embedder is not None:
        return mode_text("semantic", "", SEMANTIC_METHOD) + " (not analyzed yet)"
    return mode_text("lexical", state.reason, LEXICAL_METHOD) + " (not analyzed yet)"


def themes_list() -> pd.DataFrame:
    """The taxonomy from data/themes.toml: name, description, keywords (list)."""
    return pd.DataFrame([{"name": t.name, "description": t.description, "keywords": list(t.keywords)}
                         for t in load_themes()], columns=["name", "description", "keywords"])


def suggested_owner(store: Store, item_id: str) -> str:
    """The addressee as an owner text ("UNICEF, China Federation of Internet Societies"), '' if none."""
    names = store.scalar("SELECT addressee FROM item_analysis WHERE item_id = ?", [item_id])
    return ", ".join(names or [])


def confirm_group(store: Store, group_id: str, by: str) -> None:
    """Record that a group's current members belong together; survives re-analysis."""
    record_decision(store, "confirm", by, group_id=group_id)


def split_item(store: Store, item_id: str, by: str) -> None:
    """Record that an item does not belong to its current group; survives re-analysis."""
    record_decision(store, "split", by, item_id=item_id)


def merge_groups(store: Store, group_a: str, group_b: str, by: str) -> None:
    """Record that two groups are the same recommendation; survives re-analysis."""
    record_decision(store, "merge", by, group_id=group_a, other_group=group_b)


def set_item_themes(store: Store, item_id: str, themes: list[str], by: str) -> None:
    """A user's correction of an item's themes; survives re-analysis."""
    known = [t.name for t in load_themes()]
    unknown = [t for t in themes if t not in known]
    if unknown:
        raise AnalysisError(f"unknown theme(s) {', '.join(map(repr, unknown))}; edit data/themes.toml to add them")
    cleaned = list(dict.fromkeys(themes))
    record_decision(store, "themes", by, item_id=item_id, themes=cleaned)
