"""The overview's figures and a recommendation's progress in words: headline numbers, progress by year
before the analysis, a recommendation's facts and how its calls stand."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from ...store import Store
from ...store.dashboard import call_counts
from ...vocabulary import FOLLOWED_KINDS
from .labels import blank, years_text


def headline(store: Store) -> dict[str, Any]:
    """Overview numbers: sessions and items by kind (``queries.counts``), and the follow-up figures, which count
    recommendations (a call raised three times counts once): recommendations (None before the analysis),
    recurring (on confirmed calls) and recurring_suggested (the others that recur only through pending
    suggestions; both None before the analysis), to_review, done_count / tracked = share_done over recommendations
    not dropped. Before the analysis (or with no recommendation) the share counts takeaways and calls to
    action one by one, and ``share_of`` says which."""
    from ...analysis import recurring_count, review_count, status_counts
    from ...store.queries import counts, recurrence_counts

    numbers: dict[str, Any] = dict(counts(store))
    recurring = recurring_count(store)
    by_status = status_counts(store)
    per = {str(s): int(n) for s, n in zip(by_status["status"], by_status["recommendations"], strict=True)}
    total = sum(per.values())
    numbers["recurring"] = recurring
    numbers["recurring_suggested"] = None if recurring is None else recurrence_counts(store)["suggested"]
    numbers["recommendations"] = None if recurring is None else total
    numbers["to_review"] = review_count(store)
    if total:
        numbers["share_of"] = "recommendations"
        numbers["done_count"] = per.get("done", 0)
        numbers["tracked"] = total - per.get("dropped", 0)
    else:
        numbers["share_of"] = "calls"
        numbers["done_count"], numbers["tracked"] = call_counts(store)
    tracked = numbers["tracked"]
    numbers["share_done"] = (numbers["done_count"] / tracked) if tracked else 0.0
    return numbers


def recurring_note(suggested: Any) -> str:
    """'2 more suggested, to review': the recommendations that recur only through pending suggestions, said
    beside the confirmed count, never added to it; '' when there are none."""
    n = _int(suggested)
    return f"{n} more suggested, to review" if n else ""


def progress_from_items(items: pd.DataFrame) -> pd.DataFrame:
    """Progress by year with each takeaway and call to action counted on its own (before the analysis has
    made recommendations of them): first_year, status, items, share."""
    calls = items[items["kind"].isin(FOLLOWED_KINDS)].dropna(subset=["year"])
    if "in_source" in calls:
        calls = calls[calls["in_source"].astype(bool)]
    if calls.empty:
        return pd.DataFrame(columns=["first_year", "status", "items", "share"])
    frame = calls.groupby(["year", "status"]).size().rename("items").reset_index()
    frame = frame.rename(columns={"year": "first_year"})
    frame["first_year"] = frame["first_year"].astype(int)
    frame["share"] = frame["items"] / frame.groupby("first_year")["items"].transform("sum")
    return frame


def recommendation_facts(rec: Mapping[str, Any]) -> str:
    """One line about a recommendation row of ``recommendations_frame``: years, sessions and calls people
    confirmed, then the pending suggestions beside them ("2 suggested, to review (2023)")."""
    n_sessions, n_items = _int(rec.get("n_sessions")), _int(rec.get("n_items"))
    parts = [years_text(rec.get("years")) or "no year",
             f"{n_sessions} session{'s' if n_sessions != 1 else ''}",
             # "calls" means calls to action everywhere; a recommendation gathers key takeaways too
             f"{n_items} takeaways and calls" if n_items != 1 else "1 takeaway or call"]
    pending = _int(rec.get("pending"))
    if pending:
        more = years_text(rec.get("suggested_years"))
        parts.append(f"{pending} more suggested, to review" + (f" ({more})" if more else ""))
    return " · ".join(parts)


def _int(value: Any) -> int:
    return 0 if blank(value) else int(value)


def calls_progress(members: pd.DataFrame, rec_id: str) -> tuple[int, dict[str, int], str]:
    """How the calls of a recommendation stand (its confirmed takeaways and calls to action still on their
    page; questions have no say): how many, how many per status, and the status they all share ('' when they
    differ or there are none)."""
    if members.empty:
        return 0, {}, ""
    mine = members[(members["rec_id"] == rec_id) & (members["state"] == "member")
                   & members["in_source"].astype(bool) & members["kind"].isin(FOLLOWED_KINDS)]
    counts = {str(k): int(v) for k, v in mine["status"].value_counts().items()}
    agreed = next(iter(counts)) if len(counts) == 1 else ""
    return len(mine), counts, agreed


def calls_progress_text(total: int, counts: Mapping[str, int]) -> str:
    """'2 of 3 calls done', '3 of 3 calls done', '1 of 2 calls done, 1 in progress'."""
    if not total:
        return ""
    noun = "call" if total == 1 else "calls"
    text = f"{counts.get('done', 0)} of {total} {noun} done"
    if counts.get("in_progress"):
        text += f", {counts['in_progress']} in progress"
    if counts.get("dropped"):
        text += f", {counts['dropped']} dropped"
    return text
