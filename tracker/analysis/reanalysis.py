"""A full re-analysis as a plan a person sees before it is applied: every call placed again from an empty
start, compared with where the calls are now (people's confirmed calls stay where people put them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..store.analysis_tables import Snapshot
from .core import Calls, rec_number
from .similarity import Method


@dataclass
class Plan:
    """What a full re-analysis would change. ``changes``: item_id, text, year, from_rec, from_title, to_rec
    (an existing id, or "new:<k>"), to_title; ``kept``: confirmed calls the method would place elsewhere
    (they stay)."""

    changes: pd.DataFrame
    kept: int
    merged: list[str]  # unconfirmed recommendations that would lose every call
    new_recommendations: int
    split: list[str]  # recommendations whose calls would go to two or more places
    method: str
    basis: dict[str, tuple[Any, Any]]  # item -> (rec, state) when planned: apply refuses if these moved

    @property
    def empty(self) -> bool:
        return self.changes.empty

    def summary(self) -> str:
        if self.empty:
            return f"re-analysis: no change ({self.kept} confirmed calls kept where people put them)"
        return (f"re-analysis would move {len(self.changes)} calls, create {self.new_recommendations} "
                f"recommendations, merge away {len(self.merged)} and split {len(self.split)}; "
                f"{self.kept} confirmed calls stay where people put them")


def compare(snap: Snapshot, calls: Calls, fresh: np.ndarray, method: Method) -> Plan:
    """The plan that moves every call people have not confirmed to its group in ``fresh`` (a grouping of
    ``calls`` from an empty start): each group goes to the recommendation holding most of its calls."""
    frame = calls.frame
    recs = snap.recs.set_index("rec_id")
    confirmed = recs["confirmed"].astype(bool).to_dict()
    titles = recs["title"].to_dict()
    current = frame["rec_id"].where(frame["rec_id"].notna(), None).tolist()
    states = frame["state"].where(frame["state"].notna(), None).tolist()
    locked = [r is not None and s == "member" and confirmed.get(r, False) for r, s in zip(current, states, strict=True)]
    rejected = set(zip(snap.rejected["item_id"], snap.rejected["rec_id"], strict=True))
    # each fresh group goes to the existing recommendation holding most of its calls (a confirmed one first,
    # then the oldest); a recommendation is the target of one group only, the others become new ones
    groups: dict[int, list[int]] = {}
    for item, label in enumerate(fresh.tolist()):
        groups.setdefault(label, []).append(item)
    claims = []
    for label, members in groups.items():
        held = pd.Series([current[m] for m in members if current[m] is not None], dtype=object)
        for rec, count in held.value_counts().items():
            claims.append((-count, not confirmed.get(rec, False), rec_number(str(rec)), label, rec))
    target: dict[int, str] = {}
    taken: set[str] = set()
    for _, _, _, label, rec in sorted(claims):
        if label not in target and rec not in taken:
            target[label], taken = rec, taken | {rec}
    rows, kept = [], 0
    for label, members in sorted(groups.items()):
        if label not in target:
            target[label] = f"new:{label}"
        goal = target[label]
        for m in members:
            if current[m] == goal:
                continue
            if locked[m]:
                kept += 1
                continue
            if (frame["item_id"].iat[m], goal) in rejected:
                continue
            rows.append({"item_id": frame["item_id"].iat[m], "text": frame["text"].iat[m], "year": frame["year"].iat[m],
                         "from_rec": current[m] or "", "from_title": titles.get(current[m], ""), "to_rec": goal,
                         "to_title": titles.get(goal, "(new recommendation)")})
    changes = pd.DataFrame(rows, columns=["item_id", "text", "year", "from_rec", "from_title", "to_rec", "to_title"])
    moving = set(changes["item_id"])
    staying = {current[m] for m in range(len(frame)) if current[m] and frame["item_id"].iat[m] not in moving}
    merged = sorted({r for r in changes["from_rec"] if r and r not in staying and not confirmed.get(r, False)},
                    key=rec_number)
    spread = changes.groupby("from_rec")["to_rec"].nunique() if len(changes) else pd.Series(dtype=int)
    split = sorted([r for r, n in spread.items() if r and (n >= 2 or r in staying)], key=rec_number)
    used_new = {r for r in changes["to_rec"] if r.startswith("new:")}
    basis = {i: (r, s) for i, r, s in zip(frame["item_id"], current, states, strict=True)}
    return Plan(changes, kept, merged, len(used_new), split, method.describe(), basis)
