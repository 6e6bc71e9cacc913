"""Which sessions a proposal builds on: a scope (since-last, all, years, chosen sessions) resolved to session
ids and described in words."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from ...store import Store
from ...store.queries import sessions_frame
from ...vocabulary import session_name
from .fields import PlanningError


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


def span(years: Iterable[int]) -> str:
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
        return Scope(spec, list(earlier["session_id"]), f"every session before IGF {target_year} ({span(years)})")
    if spec == "since-last":
        last = store.scalar("SELECT max(target_year) FROM drafts WHERE target_year < ?", [target_year])
        if last is None:
            years = [int(y) for y in earlier["year"].dropna()]
            return Scope(spec, list(earlier["session_id"]),
                         f"every session before IGF {target_year} ({span(years)}): no draft for an earlier forum yet")
        since = earlier[earlier["year"].notna() & (earlier["year"] >= int(last))]
        return Scope(spec, list(since["session_id"]),
                     f"the sessions since the draft for IGF {int(last)} ({span(range(int(last), target_year))})")
    years = _year_list(spec)
    chosen = sessions[sessions["year"].isin(years)]
    return Scope(spec, list(chosen["session_id"]), f"the sessions of {span(years)}")


def session_label(row: Any) -> str:
    # the full title: nothing in a draft is cut short
    return session_name(row.year, row.session_type, row.number, row.title, forum=row.forum)
