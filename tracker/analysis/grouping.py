"""Which recommendation a call belongs to: average linkage, one criterion for every step.

Two groups of calls are one recommendation when their calls are alike *on average* (pairs below the gate count as 0)
by at least the method's threshold: that is average-linkage clustering cut at the threshold.

- A full re-analysis clusters every call that way: one exact agglomeration (fastcluster's core, which works
  in place on the distances where scipy copies them) over the condensed distances of every pair of calls
  (``cluster_all``): n^2/2 distances of 8 bytes, 25,000 calls (2.5 GB) at most.
- Adding a report asks the same question of each new call against the recommendations that exist (its
  average similarity to their calls); a call that reaches the threshold is suggested there, and the new calls
  that match nothing are clustered among themselves (``cluster``: the same agglomeration inside each connected
  component of the "alike >= threshold" graph of their sparse similarities; average-linkage clusters cut at t
  never span two such components, so the groups are the same). Nothing existing moves.
"""

from __future__ import annotations

from dataclasses import dataclass

import fastcluster
import numpy as np
from scipy import sparse
from scipy.cluster.hierarchy import fcluster
from scipy.sparse.csgraph import connected_components

from ..errors import TrackerError

MAX_COMPONENT = 25_000  # calls in one connected component: n^2/2 float64 distances must fit in memory
MAX_CALLS = MAX_COMPONENT  # a full analysis holds the distances of every pair of calls


class TooLarge(TrackerError):
    """More alike calls in one connected group than the full analysis supports."""


@dataclass
class Match:
    label: int  # the existing recommendation (index) it matches best
    score: float  # its average similarity to that recommendation's calls


def cluster(sims: sparse.csr_matrix, threshold: float) -> np.ndarray:
    """Average-linkage clusters cut at ``threshold`` of the items of a symmetric similarity matrix; labels are
    numbered by each cluster's first item, so the same input gives the same labels."""
    n = sims.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    _, component = connected_components(sims >= threshold, directed=False)
    order = np.argsort(component, kind="stable")
    labels = np.arange(n, dtype=np.int64)
    for members in np.split(order, np.flatnonzero(np.diff(component[order])) + 1):
        if len(members) > MAX_COMPONENT:
            raise TooLarge(f"{len(members):,} calls are all alike; the analysis supports up to {MAX_COMPONENT:,} "
                           "in one connected group")
        if len(members) <= 2:  # one item, or two joined by an edge >= threshold: their average is that edge
            labels[members] = members[0]
            continue
        block = sims if len(members) == n else sims[members][:, members]
        tree = _average_linkage(_condensed(block), len(members))
        parts = fcluster(tree, t=1.0 - threshold + 1e-9, criterion="distance")
        first: dict[int, int] = {}  # cluster number -> its first member
        for position, part in enumerate(parts.tolist()):
            first.setdefault(part, int(members[position]))
        labels[members] = [first[part] for part in parts.tolist()]
    _, labels = np.unique(labels, return_inverse=True)
    return labels.astype(np.int64)


ROW_BLOCK = 2048  # rows of a sparse matrix handled at once when building the distances


def _average_linkage(distances: np.ndarray, n: int) -> np.ndarray:
    """fastcluster's average-linkage tree of n items from their condensed float64 distances, consumed in
    place. fastcluster.linkage copies its input first (``array(X)``, even with preserve_input=False): at
    25,000 calls that copy is 2.5 GB more, so the function it wraps is called directly."""
    tree = np.empty((n - 1, 4))
    fastcluster.linkage_wrap(n, distances, tree, fastcluster.mthidx["average"])
    return tree


def _condensed(block: sparse.csr_matrix) -> np.ndarray:
    """Condensed distances 1 - similarity (pairs without a similarity: 1) of a symmetric sparse block, from its
    upper triangle, a block of rows at a time (no dense square, no second copy of the pairs)."""
    m = block.shape[0]
    out = np.ones(m * (m - 1) // 2, dtype=np.float64)
    indptr = block.indptr
    for start in range(0, m, ROW_BLOCK):
        stop = min(m, start + ROW_BLOCK)
        lo, hi = int(indptr[start]), int(indptr[stop])
        i = np.repeat(np.arange(start, stop, dtype=np.int64), np.diff(indptr[start:stop + 1]))
        j = block.indices[lo:hi].astype(np.int64)
        upper = j > i
        i, j = i[upper], j[upper]
        out[m * i - i * (i + 1) // 2 + (j - i - 1)] = np.clip(1.0 - block.data[lo:hi][upper], 0.0, 2.0)
    return out


def cluster_all(distances: np.ndarray, n: int, threshold: float) -> np.ndarray:
    """Average-linkage clusters cut at ``threshold`` of n items from their condensed distances (consumed:
    the linkage works in place). The same clusters as ``cluster`` gives from the similarities, labelled the
    same way; used by a full analysis, which needs no list of pairs."""
    if n > MAX_CALLS:
        raise TooLarge(f"{n:,} calls: a full analysis supports up to {MAX_CALLS:,}")
    if n <= 1:
        return np.zeros(n, dtype=np.int64)
    parts = fcluster(_average_linkage(distances, n), t=1.0 - threshold + 1e-9, criterion="distance")
    first: dict[int, int] = {}
    labels = np.array([first.setdefault(part, k) for k, part in enumerate(parts.tolist())], dtype=np.int64)
    _, labels = np.unique(labels, return_inverse=True)
    return labels.astype(np.int64)


def best_matches(sims: sparse.csr_matrix, labels: np.ndarray, threshold: float,
                 rejected: dict[int, set[int]] | None = None, rows: np.ndarray | None = None) -> dict[int, Match]:
    """For each row of ``sims`` (the calls ``rows``, default 0..), the existing recommendation (``labels`` >= 0)
    it is most alike on average, when that average reaches ``threshold`` and no person said it is not."""
    rejected = rejected or {}
    rows = np.arange(sims.shape[0]) if rows is None else rows
    placed = labels[labels >= 0]
    if not len(placed):
        return {}
    sizes = np.bincount(placed)
    out: dict[int, Match] = {}
    for k, item in enumerate(rows.tolist()):
        start, stop = sims.indptr[k], sims.indptr[k + 1]
        cols, vals = sims.indices[start:stop], sims.data[start:stop]
        theirs = labels[cols]
        known = theirs >= 0
        if not known.any():
            continue
        totals = np.bincount(theirs[known], weights=vals[known], minlength=len(sizes))
        averages = np.divide(totals, sizes, out=np.zeros(len(sizes)), where=sizes > 0)
        for label in np.argsort(-averages, kind="stable").tolist():
            if averages[label] < threshold:
                break
            if label not in rejected.get(item, ()):
                out[item] = Match(label, float(averages[label]))
                break
    return out


def report_order(years: np.ndarray, sessions: list[str], positions: np.ndarray, ids: list[str]) -> np.ndarray:
    """Items in the order their reports were made: year (unknown last), session, place on the page, id."""
    year_key = np.where(np.isnan(years.astype(np.float64)), np.inf, years.astype(np.float64))
    return np.lexsort((np.array(ids, dtype=object).astype(str), positions,
                       np.array(sessions, dtype=object).astype(str), year_key))
