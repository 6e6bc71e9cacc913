"""Recurrence analysis: recommendations people follow up, the machine's suggestions, themes and addressees.

Method, measured quality and how to edit themes: docs/recurrence.md.
"""

from __future__ import annotations

import pandas as pd

from ..store import Store
from ..store.access import require
from .addressees import extract_addressee, specificity
from .core import (
    CALL_KINDS,
    AnalysisError,
    Plan,
    apply_plan,
    current_method,
    mode_text,
    plan_reanalysis,
    reset_learning,
    run_analysis,
)
from .frames import (
    ANNOTATION_COLUMNS,
    MEMBER_COLUMNS,
    RECOMMENDATION_COLUMNS,
    REVIEW_COLUMNS,
    item_annotations,
    members_frame,
    progress_by_first_year_frame,
    recommendations_frame,
    recurring_count,
    review_candidates,
    review_count,
    review_queue,
    status_by_theme_frame,
    status_counts,
    theme_year_frame,
)
from .methods import LEXICAL_METHOD, SEMANTIC_METHOD
from .recommendations import (
    UnknownRecommendation,
    accept,
    accept_all,
    choose,
    merge_recommendations,
    move_item,
    none_of_these,
    reject,
    start_recommendation,
)
from .themes import load_themes

__all__ = [
    "ANNOTATION_COLUMNS", "CALL_KINDS", "MEMBER_COLUMNS", "RECOMMENDATION_COLUMNS", "REVIEW_COLUMNS", "AnalysisError",
    "Plan", "UnknownRecommendation", "accept", "accept_all", "analysis_info", "choose",
    "none_of_these", "reset_learning", "review_candidates", "analysis_mode", "analyze",
    "apply_plan", "extract_addressee", "item_annotations", "members_frame", "merge_recommendations", "move_item",
    "plan_reanalysis", "progress_by_first_year_frame", "recommendations_frame", "recurring_count", "reject",
    "review_count", "review_queue", "set_item_themes", "specificity", "start_recommendation",
    "status_by_theme_frame", "status_counts", "suggested_owner", "theme_year_frame", "themes_list",
]


def analyze(store: Store) -> str:
    """Annotate new items and place new calls (suggestions to review); a one-line summary. Nothing that is
    already placed moves: a full re-analysis is ``plan_reanalysis`` + ``apply_plan``."""
    return run_analysis(store).summary


def analysis_info(store: Store) -> dict:
    """The last run: mode, reason (why lexical), method, items, groups (recommendations), recurring, embedded,
    seconds, summary, finished_at; an empty dict before the first analysis."""
    frame = store.query("SELECT * FROM analysis_runs ORDER BY run_id DESC LIMIT 1")
    return {} if frame.empty else frame.iloc[0].to_dict()


def analysis_mode(store: Store) -> str:
    """Which similarity is in use, e.g. 'semantic: all-MiniLM-L6-v2 (int8 ONNX) + char n-grams — …' or
    'lexical: char n-grams — … (model not used: <why>)'."""
    info = analysis_info(store)
    if info:
        method = SEMANTIC_METHOD if info["mode"] == "semantic" else LEXICAL_METHOD
        return mode_text(info["mode"], info["reason"], method)
    mode, reason, method, _ = current_method()
    return mode_text(mode, reason, method) + " (not analyzed yet)"


def themes_list() -> pd.DataFrame:
    """The taxonomy from data/themes.toml: name, description, keywords (list)."""
    return pd.DataFrame([{"name": t.name, "description": t.description, "keywords": list(t.keywords)}
                         for t in load_themes()], columns=["name", "description", "keywords"])


def suggested_owner(store: Store, item_id: str) -> str:
    """The addressee as an owner text ("UNICEF, China Federation of Internet Societies"), '' if none."""
    names = store.scalar("SELECT addressee FROM item_analysis WHERE item_id = ?", [item_id])
    return ", ".join(names or [])


def set_item_themes(store: Store, item_id: str, themes: list[str], by: str) -> None:
    """A person's correction of an item's themes; wins over every later analysis."""
    from datetime import datetime

    by = require(store, "editor", "correct an item's themes", by)
    if not by:
        raise AnalysisError("say who decides (by=…): decisions are kept with the person's name")
    known = [t.name for t in load_themes()]
    unknown = [t for t in themes if t not in known]
    if unknown:
        raise AnalysisError(f"unknown theme(s) {', '.join(map(repr, unknown))}; edit data/themes.toml to add them")
    cleaned = list(dict.fromkeys(themes))

    def run(con) -> None:
        if con.execute("SELECT 1 FROM items WHERE item_id = ?", [item_id]).fetchone() is None:
            raise AnalysisError(f"unknown item id {item_id!r}")
        con.execute("""INSERT INTO analysis_decisions (kind, item_ids, other_ids, themes, decided_by, decided_at)
                       VALUES ('themes', ?, [], ?, ?, ?)""", [[item_id], cleaned, by, datetime.now()])
        con.execute("UPDATE item_analysis SET themes = ?, themes_by = ? WHERE item_id = ?", [cleaned, by, item_id])

    store.write(run)
