"""Which recommendation an item belongs to: one procedure for a new report and for a full re-analysis.

Items are taken in the order the reports were made (year, session, position on the page). Each item joins
the recommendation whose members it is most alike *on average* (pairs below the gate count as 0), when that
average reaches the method's threshold; otherwise it starts a recommendation of its own. This is average
linkage done one item at a time, so:

- adding a report runs exactly this step for its items against the recommendations that exist, and never
  moves an existing member;
- a full re-analysis is the same step over every item from an empty start: the groups it proposes are the
  ones the reports would have built had they been added one by one, in order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse


@dataclass
class Placement:
    label: int  # the recommendation (an existing label, or a new one numbered from ``next_label`` on)
    score: float  # average similarity to its members when it joined; 0 when it started a new one
    new: bool  # started a recommendation of its own


def assign(order: np.ndarray, sims: sparse.csr_matrix, labels: np.ndarray, threshold: float,
           rejected: dict[int, set[int]] | None = None) -> dict[int, Placement]:
    """Place the items ``order`` (item indices, in report order) one after another.

    ``sims`` holds row k = similarities of item ``order[k]`` to every item; ``labels`` has a label per item,
    -1 for items not placed yet (items already in a recommendation keep theirs and are never moved).
    ``rejected`` maps an item to labels a person said it does not belong to. Returns item -> Placement;
    ``labels`` is updated in place.
    """
    rejected = rejected or {}
    placed = labels[labels >= 0]
    sizes: dict[int, int] = {}
    if len(placed):
        uniq, counts = np.unique(placed, return_counts=True)
        sizes = dict(zip(uniq.tolist(), counts.tolist(), strict=True))
    next_label = int(labels.max()) + 1 if len(labels) and labels.max() >= 0 else 0
    out: dict[int, Placement] = {}
    for k, item in enumerate(order.tolist()):
        start, stop = sims.indptr[k], sims.indptr[k + 1]
        cols, vals = sims.indices[start:stop], sims.data[start:stop]
        theirs = labels[cols]
        known = theirs >= 0
        best, best_score = -1, 0.0
        if known.any():
            uniq, inverse = np.unique(theirs[known], return_inverse=True)
            sums = np.bincount(inverse, weights=vals[known])
            averages = sums / np.array([sizes[u] for u in uniq.tolist()], dtype=np.float64)
            for idx in np.argsort(-averages, kind="stable").tolist():
                if averages[idx] < threshold:
                    break
                if int(uniq[idx]) not in rejected.get(item, ()):
                    best, best_score = int(uniq[idx]), float(averages[idx])
                    break
        if best < 0:
            best = next_label
            next_label += 1
        labels[item] = best
        sizes[best] = sizes.get(best, 0) + 1
        out[item] = Placement(best, best_score, best_score == 0.0)
    return out


def report_order(years: np.ndarray, sessions: list[str], positions: np.ndarray, ids: list[str]) -> np.ndarray:
    """Items in the order their reports were made: year (unknown last), session, place on the page, id."""
    year_key = np.where(np.isnan(years.astype(np.float64)), np.inf, years.astype(np.float64))
    return np.lexsort((np.array(ids, dtype=object).astype(str), positions,
                       np.array(sessions, dtype=object).astype(str), year_key))
