"""The analysis: themes and addressees of every item, and each call's place among the recommendations.

After every import ``run_analysis`` looks only at what is new: items never annotated get their themes and
addressee, and calls (takeaways and actions) that belong to no recommendation are placed (grouping.py). A
call that matches a recommendation becomes a *suggestion* on it, pending a person's review; calls that match
nothing start recommendations of their own (the first call of one is its member, later calls that join it are
suggestions). Nothing that exists moves, and the cost of an import does not grow with the tracker, apart
from reading the stored sentence vectors.

``plan_reanalysis`` re-annotates every item and runs the same placement over every call from an empty start;
it returns what would change, and ``apply_plan`` carries that out for whatever no person has confirmed.

The database is held only briefly: read, close; embed and compare with no connection open; write in one
transaction.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import duckdb
import numpy as np
import pandas as pd
from scipy import sparse

from ..errors import TrackerError
from ..store import Store
from ..store.access import require
from ..store.db import fetch_one
from . import embeddings as emb
from .addressees import Addressee, extract_addressee, specificity
from .grouping import ROW_BLOCK, best_matches, cluster, cluster_all, report_order
from .methods import LEXICAL_METHOD, SEMANTIC_METHOD
from .similarity import (
    CHAR_DIM,
    CHAR_MODEL_ID,
    Features,
    Method,
    best_sentence_pair,
    build_features,
    char_vectors,
    condensed_distances,
    item_blocks,
    item_similarities,
    unit_texts,
    word_vectorizer,
)
from .themes import Theme, assign_themes, load_themes
from .titles import suggest_title

CALL_KINDS = ("takeaway", "action")  # what recommendations are made of; questions are planning material


class AnalysisError(TrackerError):
    """A decision that cannot be recorded (unknown recommendation or item, unknown theme); nothing was written."""


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
    seconds: float = 0.0
    summary: str = ""
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase (bench/)


def current_method() -> tuple[str, str, Method, emb.Embedder | None]:
    state = emb.get_embedder()
    if state.embedder is not None:
        return "semantic", "", SEMANTIC_METHOD, state.embedder
    return "lexical", state.reason, LEXICAL_METHOD, None


def mode_text(mode: str, reason: str, method: Method) -> str:
    if mode == "semantic":
        return f"semantic: {emb.MODEL_NAME} (int8 ONNX) + char n-grams — {method.describe()}"
    return f"lexical: char n-grams — {method.describe()} (model not used: {reason})"


# --- reading --------------------------------------------------------------------------------------

@dataclass
class Snapshot:
    items: pd.DataFrame  # every item: ids, session, year, kind, text, in_source, position, themes, rec_id, state
    recs: pd.DataFrame  # rec_id, title, confirmed
    rejected: pd.DataFrame  # item_id, rec_id
    corrections: dict[str, tuple[list[str], str]]  # item id -> (themes, who): people's theme corrections


def _read(con: duckdb.DuckDBPyConnection) -> Snapshot:
    items = con.execute("""
        SELECT i.item_id, i.session_id, s.year, i.kind, i.text, i.in_source, i.position,
               a.item_id IS NOT NULL AS annotated, a.themes, m.rec_id, m.state
        FROM items i LEFT JOIN sessions s USING (session_id) LEFT JOIN item_analysis a USING (item_id)
        LEFT JOIN memberships m USING (item_id) ORDER BY i.item_id""").df()
    items["themes"] = [list(t) if isinstance(t, (list, tuple, np.ndarray)) else [] for t in items["themes"]]
    recs = con.execute("SELECT rec_id, title, confirmed FROM recommendations ORDER BY rec_id").df()
    rejected = con.execute("SELECT item_id, rec_id FROM rejections").df()
    corrections: dict[str, tuple[list[str], str]] = {}
    for item_ids, themes, by in con.execute("""SELECT item_ids, themes, decided_by FROM analysis_decisions
                                               WHERE kind = 'themes' ORDER BY decision_id""").fetchall():
        for item_id in item_ids:
            corrections[item_id] = (list(themes), by)
    return Snapshot(items, recs, rejected, corrections)


@dataclass
class Sentences:
    """The sentences of some items with their vectors: n-gram vectors always, MiniLM vectors in semantic mode
    (and the theme descriptions' MiniLM vectors, for the theme fallback)."""

    item_ids: list[str]
    starts: np.ndarray  # item k's sentences are rows starts[k]:starts[k+1]
    units: list[str]
    char: np.ndarray
    semantic: np.ndarray | None
    profiles: np.ndarray | None
    fresh: list[tuple[str, list[str], np.ndarray]]  # (model id, text hashes, vectors) computed now, to cache

    def rows(self, item_ids: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """The sentence rows of these items, in this order, and their item offsets."""
        where = {item_id: k for k, item_id in enumerate(self.item_ids)}
        picked = [np.arange(self.starts[where[i]], self.starts[where[i] + 1]) for i in item_ids]
        starts = np.concatenate([[0], np.cumsum([len(p) for p in picked])]).astype(np.int64)
        return (np.concatenate(picked) if picked else np.zeros(0, dtype=np.int64)), starts

    @property
    def embedded(self) -> int:
        return sum(len(h) for model, h, _ in self.fresh if model == emb.MODEL_ID)


def _cached(con: duckdb.DuckDBPyConnection, texts: list[str], model_id: str, dim: int,
            compute: Callable[[list[str]], np.ndarray]) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Vectors of ``texts``, looked up per distinct text in the cache and computed for the rest: (one row per
    text, hashes computed now, their vectors)."""
    codes, distinct = pd.factorize(pd.Series(texts, dtype=object))
    hashes = [emb.text_hash(u) for u in distinct]
    found, matrix = emb.lookup_vectors(con, hashes, model_id, dim)
    missing = [k for k, h in enumerate(hashes) if h not in found]
    fresh = compute([distinct[k] for k in missing]) if missing else np.zeros((0, dim), np.float32)
    rows = np.array([found[h] if h in found else -1 for h in hashes], dtype=np.int64)
    rows[missing] = len(matrix) + np.arange(len(missing))
    return np.vstack([matrix, fresh])[rows[codes]], [hashes[k] for k in missing], fresh


def _sentences(con: duckdb.DuckDBPyConnection, items: pd.DataFrame, embedder: emb.Embedder | None) -> Sentences:
    units, starts = unit_texts(items["text"].tolist())
    char, hashes, fresh = _cached(con, units, CHAR_MODEL_ID, CHAR_DIM, char_vectors)
    out = Sentences(items["item_id"].tolist(), starts, units, char, None, None, [(CHAR_MODEL_ID, hashes, fresh)])
    if embedder is not None:
        profiles = [t.profile for t in load_themes()]
        both, hashes, fresh = _cached(con, units + profiles, emb.MODEL_ID, emb.DIM, embedder.encode)
        out.semantic, out.profiles = both[: len(units)], both[len(units):]
        out.fresh.append((emb.MODEL_ID, hashes, fresh))
    return out


def _cache(con: duckdb.DuckDBPyConnection, fresh: list[tuple[str, list[str], np.ndarray]]) -> None:
    for model_id, hashes, vectors in fresh:
        emb.insert_vectors(con, hashes, vectors, model_id)


# --- annotation: themes and addressees ------------------------------------------------------------

def _theme_fallback(texts: list[str], unit_vectors: np.ndarray | None, starts: np.ndarray,
                    theme_vectors: np.ndarray | None, themes: list[Theme]) -> np.ndarray:
    """item x theme similarity for items no keyword matched: MiniLM (best sentence) or word TF-IDF."""
    if not texts:
        return np.zeros((0, len(themes)))
    if unit_vectors is not None and theme_vectors is not None:
        return np.maximum.reduceat(unit_vectors @ theme_vectors.T, starts[:-1], axis=0)
    matrix = word_vectorizer().fit_transform(list(texts) + [t.profile for t in themes])
    return (matrix[: len(texts)] @ matrix[len(texts):].T).toarray()


def annotate(items: pd.DataFrame, sentences: Sentences, corrections: dict[str, tuple[list[str], str]]) -> pd.DataFrame:
    """Themes (people's corrections win), addressee and specificity for ``items`` (item_id, kind, text)."""
    taxonomy = load_themes()
    texts = items["text"].tolist()
    rows, starts = sentences.rows(items["item_id"].tolist())
    unit_vectors = None if sentences.semantic is None else sentences.semantic[rows]
    machine = assign_themes(texts, taxonomy, _theme_fallback(texts, unit_vectors, starts, sentences.profiles, taxonomy))
    out = pd.DataFrame({"item_id": items["item_id"].tolist()})
    chosen = [corrections.get(i, (auto, "machine")) for i, auto in zip(out["item_id"], machine, strict=True)]
    out["themes"] = [c[0] for c in chosen]
    out["themes_by"] = [c[1] for c in chosen]
    found: list[Addressee] = [extract_addressee(t, k) for t, k in zip(texts, items["kind"], strict=True)]
    scored = [specificity(t, a) for t, a in zip(texts, found, strict=True)]
    out["addressee"] = [a.names for a in found]
    out["addressee_text"] = [a.text for a in found]
    out["specificity"] = [s for s, _ in scored]
    out["specificity_note"] = [n for _, n in scored]
    return out


def _write_annotations(con: duckdb.DuckDBPyConnection, rows: pd.DataFrame, now: datetime) -> None:
    if rows.empty:
        return
    con.register("new_analysis", rows)
    try:
        con.execute("DELETE FROM item_analysis WHERE item_id IN (SELECT item_id FROM new_analysis)")
        con.execute("""INSERT INTO item_analysis (item_id, themes, themes_by, addressee, addressee_text, specificity,
                                                  specificity_note, analyzed_at)
                       SELECT item_id, CAST(themes AS VARCHAR[]), themes_by, CAST(addressee AS VARCHAR[]),
                              addressee_text, specificity, specificity_note, ? FROM new_analysis""", [now])
    finally:
        con.unregister("new_analysis")


# --- placement ------------------------------------------------------------------------------------

@dataclass
class Calls:
    """The live calls in report order, with their features, and where each is now."""

    frame: pd.DataFrame  # item_id, session_id, year, text, rec_id, state (report order)
    features: Features
    units: list[str]
    labels: np.ndarray  # per call: index into ``rec_ids``, -1 when in no recommendation
    rec_ids: list[str]


def _calls(snap: Snapshot, sentences: Sentences, keep_places: bool) -> Calls:
    items = snap.items
    live = items[items["in_source"].astype(bool) & items["kind"].isin(CALL_KINDS)]
    order = report_order(live["year"].to_numpy(dtype="float64", na_value=np.nan), live["session_id"].tolist(),
                         live["position"].to_numpy(), live["item_id"].tolist())
    frame = live.iloc[order].reset_index(drop=True)
    rows, starts = sentences.rows(frame["item_id"].tolist())
    units = [sentences.units[r] for r in rows.tolist()]
    semantic = None if sentences.semantic is None else sentences.semantic[rows]
    features = build_features(starts, sentences.char[rows], semantic)
    rec_ids = sorted(set(frame["rec_id"].dropna()), key=_rec_number) if keep_places else []
    code = {r: k for k, r in enumerate(rec_ids)}
    labels = np.array([code.get(r, -1) if isinstance(r, str) else -1 for r in frame["rec_id"]], dtype=np.int64)
    return Calls(frame, features, units, labels, rec_ids)


def _rec_number(rec_id: str) -> int:
    return int(rec_id[1:]) if rec_id[1:].isdigit() else 0


@dataclass
class NewPlace:
    item_id: str
    rec: str  # an existing rec id, or "new:<k>" for a recommendation to create
    state: str  # member | suggested
    score: float
    evidence_item_id: str = ""
    evidence_mine: str = ""
    evidence_theirs: str = ""


def _best_mates(sims: sparse.csr_matrix, targets: np.ndarray, col_labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row of ``sims``: the column most alike among those whose label is that row's target (-1: none),
    and the row's summed similarity to those columns. A block of rows at a time."""
    best = np.full(sims.shape[0], -1, dtype=np.int64)
    totals = np.zeros(sims.shape[0], dtype=np.float64)
    indptr = sims.indptr
    for start in range(0, sims.shape[0], ROW_BLOCK):
        stop = min(sims.shape[0], start + ROW_BLOCK)
        lo, hi = int(indptr[start]), int(indptr[stop])
        rows = np.repeat(np.arange(start, stop, dtype=np.int64), np.diff(indptr[start:stop + 1]))
        cols, vals = sims.indices[lo:hi], sims.data[lo:hi]
        keep = col_labels[cols] == targets[rows]
        rows, cols, vals = rows[keep], cols[keep], vals[keep]
        totals += np.bincount(rows, weights=vals, minlength=len(totals))
        order = np.lexsort((-vals, rows))
        rows, cols = rows[order], cols[order]
        first = np.concatenate([[True], rows[1:] != rows[:-1]]) if len(rows) else np.zeros(0, dtype=bool)
        best[rows[first]] = cols[first]
    return best, totals


def _suggestion(calls: Calls, method: Method, item: int, rec: str, mate: int, score: float) -> NewPlace:
    """A suggestion with its evidence: the call's best-matching mate and the two sentences most alike."""
    mine, theirs, _ = best_sentence_pair(calls.features, method, item, mate, calls.units)
    return NewPlace(calls.frame["item_id"].iat[item], rec, "suggested", score, calls.frame["item_id"].iat[mate],
                    mine, theirs)


def place_new(calls: Calls, method: Method, rejected: dict[int, set[int]]) -> list[NewPlace]:
    """Place the calls in no recommendation yet (see grouping.py): a call whose average similarity to an
    existing recommendation reaches the threshold is suggested there; the others are clustered among
    themselves, each cluster a new recommendation whose first call (in report order) is its member."""
    todo = np.flatnonzero(calls.labels < 0)
    if not len(todo):
        return []
    if len(todo) == calls.features.n:  # a first analysis: every call is new
        return _first_places(calls, method)
    sims = item_similarities(calls.features, method, todo)
    matches = best_matches(sims, calls.labels, method.threshold, rejected, rows=todo)
    places: list[NewPlace] = []
    if matches:
        matched = np.array([k for k, item in enumerate(todo.tolist()) if item in matches], dtype=np.int64)
        targets = np.array([matches[int(todo[k])].label for k in matched], dtype=np.int64)
        mates, _ = _best_mates(sims[matched], targets, calls.labels)
        for k, target, mate in zip(matched.tolist(), targets.tolist(), mates.tolist(), strict=True):
            item = int(todo[k])
            places.append(_suggestion(calls, method, item, calls.rec_ids[target], mate, matches[item].score))
    rest = np.array([k for k, item in enumerate(todo.tolist()) if item not in matches], dtype=np.int64)
    if len(rest):  # the unmatched new calls among themselves, in report order
        among = sims[rest][:, todo[rest]].tocsr()
        labels = cluster(among, method.threshold)
        mates, totals = _best_mates(among, labels, labels)
        places += _new_recommendations(calls, method, todo[rest], labels, mates, totals)
    return places


def _new_recommendations(calls: Calls, method: Method, items: np.ndarray, labels: np.ndarray, mates: np.ndarray,
                         totals: np.ndarray) -> list[NewPlace]:
    """Clusters of new calls as new recommendations: the first call of each (report order) is its member, the
    others suggestions (``mates``/``totals``: per call, its best mate's position and its summed similarity
    to its cluster)."""
    sizes = np.bincount(labels)
    places, founded = [], set()
    for pos, label in enumerate(labels.tolist()):
        item = int(items[pos])
        if label not in founded:
            founded.add(label)
            places.append(NewPlace(calls.frame["item_id"].iat[item], f"new:{label}", "member", 0.0))
        else:
            score = float(totals[pos]) / (sizes[label] - 1)
            places.append(_suggestion(calls, method, item, f"new:{label}", int(items[mates[pos]]), score))
    return places


def _first_places(calls: Calls, method: Method) -> list[NewPlace]:
    """A first analysis: every call clustered from its condensed distances like a full re-analysis (no list of
    pairs kept), then one more pass over the similarities for each call's best mate and summed similarity."""
    n = calls.features.n
    labels = cluster_all(condensed_distances(calls.features, method), n, method.threshold)
    mates = np.full(n, -1, dtype=np.int64)
    totals = np.zeros(n, dtype=np.float64)
    for start, block in item_blocks(calls.features, method, np.arange(n)):
        mine = labels[start:start + len(block)]
        block[labels[None, :] != mine[:, None]] = -1.0  # only the mates in the same cluster, not the call itself
        block[np.arange(len(block)), np.arange(start, start + len(block))] = -1.0
        mates[start:start + len(block)] = np.argmax(block, axis=1)
        totals[start:start + len(block)] = np.where(block > 0, block, 0).sum(axis=1)
    return _new_recommendations(calls, method, np.arange(n), labels, mates, totals)


def _create_recommendations(con: duckdb.DuckDBPyConnection, places: list[NewPlace], texts: dict[str, str],
                            now: datetime) -> dict[str, str]:
    """New recommendations for the "new:<k>" placements, titled from their calls; returns the id for each."""
    made: dict[str, str] = {}
    members: dict[str, list[str]] = {}
    for p in places:
        if p.rec.startswith("new:"):
            members.setdefault(p.rec, []).append(texts[p.item_id])
    for key, member_texts in members.items():
        number = fetch_one(con, "SELECT nextval('recommendation_seq')")[0]
        rec_id = f"R{number}"
        con.execute("""INSERT INTO recommendations (rec_id, title, title_by, created_at, created_by)
                       VALUES (?, ?, 'machine', ?, 'machine')""", [rec_id, suggest_title(member_texts), now])
        made[key] = rec_id
    return made


def _write_places(con: duckdb.DuckDBPyConnection, places: list[NewPlace], texts: dict[str, str], by: str,
                  now: datetime) -> dict[str, str]:
    """Create the new recommendations and write the memberships; returns the id given to each "new:<k>"."""
    made = _create_recommendations(con, places, texts, now)
    if places:
        rows = pd.DataFrame([(p.item_id, made.get(p.rec, p.rec), p.state, p.score, p.evidence_item_id,
                              p.evidence_mine, p.evidence_theirs) for p in places],
                            columns=["item_id", "rec_id", "state", "score", "evidence_item_id", "evidence_mine",
                                     "evidence_theirs"])
        con.register("new_places", rows)
        try:
            con.execute("DELETE FROM memberships WHERE item_id IN (SELECT item_id FROM new_places)")
            con.execute("""INSERT INTO memberships (item_id, rec_id, state, score, evidence_item_id, evidence_mine,
                                                    evidence_theirs, decided_by, decided_at)
                           SELECT item_id, rec_id, state, score, evidence_item_id, evidence_mine, evidence_theirs,
                                  ?, ? FROM new_places""", [by, now])
        finally:
            con.unregister("new_places")
    return made


def _rejected_codes(snap: Snapshot, calls: Calls) -> dict[int, set[int]]:
    index = {item_id: k for k, item_id in enumerate(calls.frame["item_id"])}
    code = {r: k for k, r in enumerate(calls.rec_ids)}
    out: dict[int, set[int]] = {}
    for item_id, rec_id in zip(snap.rejected["item_id"], snap.rejected["rec_id"], strict=True):
        if item_id in index and rec_id in code:
            out.setdefault(index[item_id], set()).add(code[rec_id])
    return out


# --- the run after every import ---------------------------------------------------------------------

def run_analysis(store: Store) -> RunResult:
    """Annotate new items and place new calls; nothing already placed moves (see module doc)."""
    require(store, "admin", "run the analysis")
    started = time.perf_counter()
    mode, reason, method, embedder = current_method()
    result = RunResult(mode, reason, method)
    clock = [started]

    def lap(name: str) -> None:
        now = time.perf_counter()
        result.timings[name] = round(now - clock[0], 3)
        clock[0] = now

    def read(con: duckdb.DuckDBPyConnection) -> tuple[Snapshot, Sentences]:
        snap = _read(con)
        items = snap.items
        # vectors: the items to annotate (theme fallback) and every live call (placement)
        need = items[~items["annotated"] | (items["in_source"].astype(bool) & items["kind"].isin(CALL_KINDS))]
        return snap, _sentences(con, need, embedder)

    snap, sentences = store.read(read)
    fresh_vectors = sentences.fresh
    lap("read")
    items = snap.items
    annotations = annotate(items[~items["annotated"]], sentences, snap.corrections)
    result.annotated = len(annotations)
    lap("annotate")

    calls = _calls(snap, sentences, keep_places=True)
    places = place_new(calls, method, _rejected_codes(snap, calls))
    lap("place")
    result.items = len(calls.frame)
    result.placed = len(places)
    result.suggested = sum(p.state == "suggested" for p in places)
    result.new_recommendations = len({p.rec for p in places if p.rec.startswith("new:")})
    result.embedded = sentences.embedded
    texts = dict(zip(calls.frame["item_id"], calls.frame["text"], strict=True))

    def write(con: duckdb.DuckDBPyConnection) -> None:
        now = datetime.now()
        _cache(con, fresh_vectors)
        _write_annotations(con, annotations, now)
        _write_places(con, places, texts, "machine", now)
        result.seconds = time.perf_counter() - started
        result.summary = _summary(result)
        _log_run(con, result, now)

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
            f"{n(result.new_recommendations, 'new recommendation', 'new recommendations')}; {result.seconds:.1f} s")


def _log_run(con: duckdb.DuckDBPyConnection, result: RunResult, now: datetime) -> None:
    recs, recurring = fetch_one(con, """
        SELECT count(*), count(*) FILTER (WHERE n >= 2) FROM (
            SELECT m.rec_id, count(DISTINCT i.session_id) AS n FROM memberships m JOIN items i USING (item_id)
            GROUP BY m.rec_id)""")
    con.execute("""INSERT INTO analysis_runs (finished_at, seconds, mode, reason, method, items, groups, recurring,
                                              embedded, summary) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [now, result.seconds, result.mode, result.reason, result.method.describe(), result.items, recs,
                 recurring, result.embedded, result.summary])


# --- full re-analysis: a plan a person applies ------------------------------------------------------

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


def plan_reanalysis(store: Store) -> Plan:
    """Re-annotate every item (people's theme corrections win) and place every call from an empty start.

    Writes only the annotations (machine output nobody builds on); memberships change only in ``apply_plan``."""
    require(store, "admin", "re-analyze everything")
    mode, reason, method, embedder = current_method()

    def read(con: duckdb.DuckDBPyConnection) -> tuple[Snapshot, Sentences]:
        snap = _read(con)
        return snap, _sentences(con, snap.items, embedder)

    snap, sentences = store.read(read)
    annotations = annotate(snap.items, sentences, snap.corrections)
    calls = _calls(snap, sentences, keep_places=False)
    fresh_vectors = sentences.fresh
    del sentences  # the calls' features hold what the clustering needs
    fresh = cluster_all(condensed_distances(calls.features, method), calls.features.n, method.threshold)
    plan = _compare(snap, calls, fresh, method)

    def write(con: duckdb.DuckDBPyConnection) -> None:
        _cache(con, fresh_vectors)
        _write_annotations(con, annotations, datetime.now())

    store.write(write)
    return plan


def _compare(snap: Snapshot, calls: Calls, fresh: np.ndarray, method: Method) -> Plan:
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
            claims.append((-count, not confirmed.get(rec, False), _rec_number(str(rec)), label, rec))
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
                    key=_rec_number)
    spread = changes.groupby("from_rec")["to_rec"].nunique() if len(changes) else pd.Series(dtype=int)
    split = sorted([r for r, n in spread.items() if r and (n >= 2 or r in staying)], key=_rec_number)
    used_new = {r for r in changes["to_rec"] if r.startswith("new:")}
    basis = {i: (r, s) for i, r, s in zip(frame["item_id"], current, states, strict=True)}
    return Plan(changes, kept, merged, len(used_new), split, method.describe(), basis)


def apply_plan(store: Store, plan: Plan, by: str) -> str:
    """Carry out a re-analysis plan a person has seen. Moved calls become suggestions on their new
    recommendation (the first call of a new one is its member); unconfirmed recommendations left with no
    call are removed. Refused if memberships changed since the plan was made."""
    by = require(store, "admin", "apply a re-analysis", by)
    if not by:
        raise AnalysisError("say who applies the re-analysis (by=…): it goes into the history")
    if plan.empty:
        return plan.summary()

    def run(con: duckdb.DuckDBPyConnection) -> str:
        now = datetime.now()
        moving = plan.changes["item_id"].tolist()
        current = {r[0]: (r[1], r[2]) for r in con.execute(
            "SELECT item_id, rec_id, state FROM memberships WHERE item_id IN (SELECT unnest(?))", [moving]).fetchall()}
        for item_id in moving:
            if current.get(item_id, (None, None)) != plan.basis.get(item_id, (None, None)):
                raise AnalysisError("recommendations changed since this re-analysis was planned; plan it again")
        places = []
        seen_new: set[str] = set()
        for row in plan.changes.itertuples():
            first = row.to_rec.startswith("new:") and row.to_rec not in seen_new
            seen_new.add(row.to_rec)
            places.append(NewPlace(row.item_id, row.to_rec, "member" if first else "suggested", 0.0))
        texts = dict(zip(plan.changes["item_id"], plan.changes["text"], strict=True))
        made = _write_places(con, places, texts, by, now)
        con.executemany("""INSERT INTO history (item_id, field, old_value, new_value, changed_by, changed_at, via)
                           VALUES (?, 'recommendation', ?, ?, ?, ?, 'reanalysis')""",
                        [(p.item_id, plan.basis[p.item_id][0], made.get(p.rec, p.rec), by, now) for p in places])
        con.execute("""DELETE FROM recommendations r WHERE NOT r.confirmed
                       AND NOT EXISTS (SELECT 1 FROM memberships m WHERE m.rec_id = r.rec_id)""")
        return plan.summary().replace("would ", "")

    return store.write(run)
