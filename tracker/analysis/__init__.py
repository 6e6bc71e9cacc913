"""Recurrence analysis: recommendations people follow up, the machine's suggestions, themes and addressees.

Method, measured quality and how to edit themes: docs/recurrence.md.
"""

from __future__ import annotations

import pandas as pd

from ..store import Store
from ..store import analysis_tables as tables
from .addressees import extract_addressee, specificity
from .core import AnalysisError, current_method, mode_text
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
from .reanalysis import Plan
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
from .runs import apply_plan, plan_reanalysis, reset_learning, run_analysis
from .themes import load_themes

__all__ = [
    "ANNOTATION_COLUMNS", "MEMBER_COLUMNS", "RECOMMENDATION_COLUMNS", "REVIEW_COLUMNS", "AnalysisError",
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
    return tables.last_run(store)


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
    return ", ".join(tables.addressee_of(store, item_id))


def set_item_themes(store: Store, item_id: str, themes: list[str], by: str) -> None:
    """A person's correction of an item's themes; wins over every later analysis."""
    by = (by or "").strip()
    if not by:
        raise AnalysisError("say who decides (by=…): decisions are kept with the person's name")
    known = [t.name for t in load_themes()]
    unknown = [t for t in themes if t not in known]
    if unknown:
        raise AnalysisError(f"unknown theme(s) {', '.join(map(repr, unknown))}; edit data/themes.toml to add them")
    if not tables.record_themes(store, item_id, list(dict.fromkeys(themes)), by):
        raise AnalysisError(f"unknown item id {item_id!r}")
