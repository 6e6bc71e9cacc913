"""An analysis run: read a snapshot, compute with the database closed, write the result.

After every import ``run_analysis`` looks only at what is new: items never annotated get their themes and
addressee, and calls (takeaways and actions) that belong to no recommendation are placed (``core.place_new``).
Nothing that exists moves, and the cost of an import does not grow with the tracker, apart from reading the
stored sentence vectors. ``plan_reanalysis`` re-annotates every item and places every call from an empty
start; it returns what would change, and ``apply_plan`` carries that out for whatever no person has confirmed.

The database is held only briefly: read, close; embed and compare with no connection open; write in one
transaction. The reads and writes are ``store/analysis_tables.py``; the logic is ``core.py``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime

import duckdb

from ..store import Store
from ..store import analysis_tables as tables
from . import core
from .core import AnalysisError, NewPlace, is_live
from .grouping import cluster_all
from .reanalysis import Plan, compare
from .sentences import SentenceLookup, cache, lookup_sentences
from .similarity import Method, condensed_distances


@dataclass
class RunResult:
    mode: str
    reason: str
    method: Method
    items: int = 0  # calls in a recommendation or placed now
    annotated: int = 0
    placed: int = 0
    suggested: int = 0
    new_recommendations: int = 0
    embedded: int = 0
    deferred: int = 0  # placements dropped because their calls changed while the analysis ran
    seconds: float = 0.0
    summary: str = ""
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase (bench/)


def run_analysis(store: Store) -> RunResult:
    """Annotate new items and place new calls; nothing already placed moves (see module doc)."""
    started = time.perf_counter()
    mode, reason, method, embedder = core.current_method()
    result = RunResult(mode, reason, method)
    clock = [started]

    def lap(name: str) -> None:
        now = time.perf_counter()
        result.timings[name] = round(now - clock[0], 3)
        clock[0] = now

    def read(con: duckdb.DuckDBPyConnection) -> tuple[tables.Snapshot, SentenceLookup]:
        snap = tables.read_snapshot(con)
        items = snap.items
        # vectors: the items to annotate (theme fallback) and every live call (placement)
        need = items[~items["annotated"] | is_live(items)]
        return snap, lookup_sentences(con, need, embedder)

    # the database is held only to read the snapshot and to write the result: embedding and comparing run
    # with it closed, so editors and imports are never kept waiting for the model
    snap, looked_up = store.read(read)
    lap("read")
    sentences = looked_up.finish(embedder)
    fresh_vectors = sentences.fresh
    lap("embed")
    items = snap.items
    annotations = core.annotate(items[~items["annotated"]], sentences, snap.corrections)
    result.annotated = len(annotations)
    lap("annotate")

    calls = core.calls_of(snap, sentences, keep_places=True, annotations=annotations)
    places = core.place_new(calls, method, core.rejected_codes(snap, calls))
    lap("place")
    result.items = len(calls.frame)
    result.embedded = sentences.embedded
    texts = dict(zip(calls.frame["item_id"], calls.frame["text"], strict=True))
    # titled before the write: a title drawn from thousands of calls would otherwise keep editors waiting
    titles = core.new_titles(places, texts)
    lap("title")

    def write(con: duckdb.DuckDBPyConnection) -> None:
        now = datetime.now()
        cache(con, fresh_vectors)
        tables.write_annotations(con, annotations, now, only_new=True)
        tables.write_actions(con, calls.read_actions)
        still = core.still_open(places, *tables.open_now(con, [p.item_id for p in places])) if places else []
        kept = {p.rec for p in still}  # a new recommendation is kept whole or not at all (core.still_open)
        new_titles = {key: title for key, title in titles.items() if key in kept}
        result.deferred = len(places) - len(still)
        result.placed = len(still)
        result.suggested = sum(p.state == "suggested" for p in still)
        result.new_recommendations = len(new_titles)
        tables.write_places(con, *core.place_frames(still), new_titles, "machine", now)
        result.seconds = time.perf_counter() - started
        result.summary = _summary(result)
        tables.log_run(con, now, result.seconds, result.mode, result.reason, result.method.describe(), result.items,
                       result.embedded, result.summary)

    store.write(write)
    lap("write")
    return result


def _summary(result: RunResult) -> str:
    mode = result.mode if result.mode == "semantic" else f"lexical: {result.reason}"
    def n(count: int, one: str, many: str) -> str:
        return f"{count} {one if count == 1 else many}"

    return (f"analysis ({mode}): themes and addressees read for {n(result.annotated, 'item', 'items')}; "
            f"{n(result.placed, 'new call', 'new calls')} placed: "
            f"{n(result.suggested, 'suggestion', 'suggestions')} to review, "
            f"{n(result.new_recommendations, 'new recommendation', 'new recommendations')}; {result.seconds:.1f} s"
            + (f"; {result.deferred} calls changed meanwhile, left for the next analysis" if result.deferred else ""))


def plan_reanalysis(store: Store) -> Plan:
    """Re-annotate every item (people's theme corrections win) and place every call from an empty start.

    Writes only the annotations (machine output nobody builds on); memberships change only in ``apply_plan``."""
    mode, reason, method, embedder = core.current_method()

    def read(con: duckdb.DuckDBPyConnection) -> tuple[tables.Snapshot, SentenceLookup]:
        snap = tables.read_snapshot(con)
        return snap, lookup_sentences(con, snap.items, embedder)

    snap, looked_up = store.read(read)  # then embed and compare with the database closed (see run_analysis)
    sentences = looked_up.finish(embedder)
    annotations = core.annotate(snap.items, sentences, snap.corrections)
    calls = core.calls_of(snap, sentences, keep_places=False, annotations=annotations)
    fresh_vectors = sentences.fresh
    del sentences  # the calls' features hold what the clustering needs
    method = core.learned_method(method, calls)
    fresh = cluster_all(condensed_distances(calls.features, method), calls.features.n, method.threshold)
    plan = compare(snap, calls, fresh, method)

    def write(con: duckdb.DuckDBPyConnection) -> None:
        cache(con, fresh_vectors)
        tables.write_annotations(con, annotations, datetime.now())

    store.write(write)
    return plan


def apply_plan(store: Store, plan: Plan, by: str) -> str:
    """Carry out a re-analysis plan a person has seen. Moved calls become suggestions on their new
    recommendation (the first call of a new one is its member); unconfirmed recommendations left with no
    call are removed. Refused if memberships changed since the plan was made."""
    by = (by or "").strip()
    if not by:
        raise AnalysisError("say who applies the re-analysis (by=…): it goes into the history")
    if plan.empty:
        return plan.summary()
    places = []
    seen_new: set[str] = set()
    for row in plan.changes.itertuples():
        first = row.to_rec.startswith("new:") and row.to_rec not in seen_new
        seen_new.add(row.to_rec)
        places.append(NewPlace(row.item_id, row.to_rec, "member" if first else "suggested", 0.0))
    texts = dict(zip(plan.changes["item_id"], plan.changes["text"], strict=True))
    titles = core.new_titles(places, texts)  # before taking the file (see run_analysis)

    def run(con: duckdb.DuckDBPyConnection) -> str:
        now = datetime.now()
        moving = plan.changes["item_id"].tolist()
        current = tables.memberships_of(con, moving)
        for item_id in moving:
            if current.get(item_id, (None, None)) != plan.basis.get(item_id, (None, None)):
                raise AnalysisError("recommendations changed since this re-analysis was planned; plan it again")
        made = tables.write_places(con, *core.place_frames(places), titles, by, now)
        tables.log_moves(con, [(p.item_id, plan.basis[p.item_id][0], made.get(p.rec, p.rec)) for p in places], by,
                         now)
        tables.drop_empty_recommendations(con)
        return plan.summary().replace("would ", "")

    return store.write(run)


def reset_learning(store: Store, by: str) -> int:
    """Make the analysis forget what it learned from people's decisions: decisions made before now are no
    longer learned from (they stay in force: members stay, rejected calls are still never suggested there).
    Returns how many labelled pairs it had learned from."""
    by = (by or "").strip()
    if not by:
        raise AnalysisError("say who resets the learning (--by NAME): it goes into the history")

    def run(con: duckdb.DuckDBPyConnection) -> int:
        snap = tables.read_snapshot(con)
        live = snap.items[is_live(snap.items)]
        pairs = len(core.decision_pairs(snap, live.reset_index(drop=True)))
        tables.record_learning_reset(con, by, datetime.now())
        return pairs

    return store.write(run)
