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

from ..errors import TrackerError
from ..store import Store
from ..store.access import require
from ..store.db import fetch_one
from . import embeddings as emb
from .addressees import Addressee, extract_addressee, specificity
from .grouping import best_matches, cluster, cluster_all, report_order
from .methods import LEXICAL_METHOD, SEMANTIC_METHOD
from .pairmodel import adapt, pair_matrix
from .similarity import (
    CHAR_DIM,
    CHAR_MODEL_ID,
    Features,
    Method,
    best_sentence_pair,
    build_features,
    char_vectors,
    condensed_distances,
    item_info,
    item_similarities,
    unit_texts,
    word_vectorizer,
)
from .themes import Theme, assign_themes, load_themes
from .titles import suggest_title

# what recommendations are made of: an open question on the same matter counts as that matter coming back
CALL_KINDS = ("takeaway", "action", "question")


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
    deferred: int = 0  # placements dropped because their calls changed while the analysis ran
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
    rejected: pd.DataFrame  # item_id, rec_id, decided_at
    corrections: dict[str, tuple[list[str], str]]  # item id -> (themes, who): people's theme corrections
    learning_since: Any = None  # decisions before this time are not learned from (a reset), None: all
    evidence: dict[tuple[str, str], str] = field(default_factory=dict)  # (item, rec offered) -> its evidence


def _read(con: duckdb.DuckDBPyConnection) -> Snapshot:
    items = con.execute("""
        SELECT i.item_id, i.session_id, s.year, i.kind, i.text, i.in_source, i.position,
               a.item_id IS NOT NULL AS annotated, a.themes, a.addressee, m.rec_id, m.state, m.decided_by,
               m.decided_at
        FROM items i LEFT JOIN sessions s USING (session_id) LEFT JOIN item_analysis a USING (item_id)
        LEFT JOIN memberships m USING (item_id) ORDER BY i.item_id""").df()
    for column in ("themes", "addressee"):
        items[column] = [list(t) if isinstance(t, (list, tuple, np.ndarray)) else [] for t in items[column]]
    recs = con.execute("SELECT rec_id, title, confirmed FROM recommendations ORDER BY rec_id").df()
    rejected = con.execute("SELECT item_id, rec_id, decided_at FROM rejections").df()
    corrections: dict[str, tuple[list[str], str]] = {}
    for item_ids, themes, by in con.execute("""SELECT item_ids, themes, decided_by FROM analysis_decisions
                                               WHERE kind = 'themes' ORDER BY decision_id""").fetchall():
        for item_id in item_ids:
            corrections[item_id] = (list(themes), by)
    since = con.execute("SELECT max(decided_at) FROM analysis_decisions WHERE kind = 'reset_learning'").fetchall()[0][0]
    evidence = {(i, r): e for i, r, e in con.execute(
        "SELECT item_id, rec_id, evidence_item_id FROM candidates WHERE evidence_item_id <> ''").fetchall()}
    return Snapshot(items, recs, rejected, corrections, since, evidence)


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


@dataclass
class _Pending:
    """Vectors of some texts as found in the cache, the rest still to compute (outside any connection)."""

    codes: np.ndarray  # per text: index into ``distinct``
    distinct: list[str]
    hashes: list[str]
    found: dict[str, int]
    matrix: np.ndarray
    model_id: str
    dim: int

    def finish(self, compute: Callable[[list[str]], np.ndarray]) -> tuple[np.ndarray, list[str], np.ndarray]:
        """(one row per text, hashes computed now, their vectors)."""
        missing = [k for k, h in enumerate(self.hashes) if h not in self.found]
        fresh = compute([self.distinct[k] for k in missing]) if missing else np.zeros((0, self.dim), np.float32)
        rows = np.array([self.found[h] if h in self.found else -1 for h in self.hashes], dtype=np.int64)
        rows[missing] = len(self.matrix) + np.arange(len(missing))
        return np.vstack([self.matrix, fresh])[rows[self.codes]], [self.hashes[k] for k in missing], fresh


def _lookup(con: duckdb.DuckDBPyConnection, texts: list[str], model_id: str, dim: int) -> _Pending:
    """The cached vectors of ``texts``, per distinct text."""
    codes, distinct = pd.factorize(pd.Series(texts, dtype=object))
    hashes = [emb.text_hash(u) for u in distinct]
    found, matrix = emb.lookup_vectors(con, hashes, model_id, dim)
    return _Pending(np.asarray(codes), list(distinct), hashes, found, matrix, model_id, dim)


@dataclass
class SentenceLookup:
    """The sentences of some items and what the vector cache had for them: read while the database is open,
    finished (the missing vectors computed) after it is closed, so that nobody waits for the model."""

    item_ids: list[str]
    units: list[str]
    starts: np.ndarray
    char: _Pending
    semantic: _Pending | None

    def finish(self, embedder: emb.Embedder | None) -> Sentences:
        char, hashes, fresh = self.char.finish(char_vectors)
        out = Sentences(self.item_ids, self.starts, self.units, char, None, None, [(CHAR_MODEL_ID, hashes, fresh)])
        if embedder is not None and self.semantic is not None:
            both, hashes, fresh = self.semantic.finish(embedder.encode)
            out.semantic, out.profiles = both[: len(self.units)], both[len(self.units):]
            out.fresh.append((emb.MODEL_ID, hashes, fresh))
        return out


# what of a sentence the vectors are made from: the model reads its first 256 tokens (about 1,000 characters)
# anyway, and a longer run without a full stop (a pasted list, one giant word) would only cost memory
MAX_SENTENCE_CHARS = 2_000
# sentences of one item the analysis reads (a real item has one to five): the first ones carry its ask, and the
# bound keeps the work of an item of the longest allowed length near that of a real one
MAX_ITEM_SENTENCES = 8


def _bounded_units(texts: list[str]) -> tuple[list[str], np.ndarray]:
    """The sentences of each text, at most MAX_ITEM_SENTENCES each and each cut to MAX_SENTENCE_CHARS."""
    units, starts = unit_texts(texts)
    kept: list[str] = []
    bounds = [0]
    for k in range(len(texts)):
        kept.extend(u[:MAX_SENTENCE_CHARS] for u in units[starts[k]:min(starts[k + 1], starts[k] + MAX_ITEM_SENTENCES)])
        bounds.append(len(kept))
    return kept, np.array(bounds, dtype=np.int64)


def _lookup_sentences(con: duckdb.DuckDBPyConnection, items: pd.DataFrame,
                      embedder: emb.Embedder | None) -> SentenceLookup:
    units, starts = _bounded_units(items["text"].tolist())
    semantic = None
    if embedder is not None:
        semantic = _lookup(con, units + [t.profile for t in load_themes()], emb.MODEL_ID, emb.DIM)
    return SentenceLookup(items["item_id"].tolist(), units, starts, _lookup(con, units, CHAR_MODEL_ID, CHAR_DIM),
                          semantic)


def _sentences(con: duckdb.DuckDBPyConnection, items: pd.DataFrame, embedder: emb.Embedder | None) -> Sentences:
    """Looked up and computed in one go (evaluation on a private copy; the analysis computes after closing)."""
    return _lookup_sentences(con, items, embedder).finish(embedder)


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


def _write_annotations(con: duckdb.DuckDBPyConnection, rows: pd.DataFrame, now: datetime,
                       only_new: bool = False) -> None:
    """Write the annotations computed with no connection open, re-checked against the database as it is now:
    a theme correction made meanwhile wins, an item deleted meanwhile is skipped, and with ``only_new`` an
    item another run annotated meanwhile is left as it is."""
    if rows.empty:
        return
    rows = rows.copy()
    corrections = {}
    for item_ids, themes, by in con.execute("""SELECT item_ids, themes, decided_by FROM analysis_decisions
                                               WHERE kind = 'themes' ORDER BY decision_id""").fetchall():
        for item_id in item_ids:
            corrections[item_id] = (list(themes), by)
    picked = [corrections.get(i) for i in rows["item_id"]]
    rows["themes"] = [c[0] if c else t for c, t in zip(picked, rows["themes"], strict=True)]
    rows["themes_by"] = [c[1] if c else b for c, b in zip(picked, rows["themes_by"], strict=True)]
    con.register("new_analysis", rows)
    try:
        if not only_new:
            con.execute("DELETE FROM item_analysis WHERE item_id IN (SELECT item_id FROM new_analysis)")
        con.execute("""INSERT INTO item_analysis (item_id, themes, themes_by, addressee, addressee_text, specificity,
                                                  specificity_note, analyzed_at)
                       SELECT item_id, CAST(themes AS VARCHAR[]), themes_by, CAST(addressee AS VARCHAR[]),
                              addressee_text, specificity, specificity_note, ? FROM new_analysis
                       WHERE item_id IN (SELECT item_id FROM items)
                         AND item_id NOT IN (SELECT item_id FROM item_analysis)""", [now])
    finally:
        con.unregister("new_analysis")


# --- placement ------------------------------------------------------------------------------------

@dataclass
class Calls:
    """The live calls in report order, with their features, and where each is now."""

    frame: pd.DataFrame  # item_id, session_id, year, kind, text, rec_id, state (report order)
    features: Features
    units: list[str]
    labels: np.ndarray  # per call: index into ``rec_ids``, -1 when in no recommendation
    rec_ids: list[str]
    decisions: np.ndarray = field(default_factory=lambda: np.zeros((0, 3), dtype=np.int64))  # (call, call, same)

    @property
    def members(self) -> np.ndarray:
        """``labels`` of the members only (-1 for pending suggestions): what evidence may name."""
        return np.where(self.frame["state"].to_numpy(dtype=object) == "member", self.labels, -1)


def _calls(snap: Snapshot, sentences: Sentences, keep_places: bool,
           annotations: pd.DataFrame | None = None) -> Calls:
    """The live calls with their features; themes and addressees from ``annotations`` where given (made in
    this run), else as stored."""
    items = snap.items
    live = items[items["in_source"].astype(bool) & items["kind"].isin(CALL_KINDS)]
    order = report_order(live["year"].to_numpy(dtype="float64", na_value=np.nan), live["session_id"].tolist(),
                         live["position"].to_numpy(), live["item_id"].tolist())
    frame = live.iloc[order].reset_index(drop=True)
    rows, starts = sentences.rows(frame["item_id"].tolist())
    units = [sentences.units[r] for r in rows.tolist()]
    semantic = None if sentences.semantic is None else sentences.semantic[rows]
    themes, actors = frame["themes"].tolist(), frame["addressee"].tolist()
    if annotations is not None and len(annotations):
        fresh = annotations.set_index("item_id")
        themes = [fresh["themes"].get(i, t) for i, t in zip(frame["item_id"], themes, strict=True)]
        actors = [fresh["addressee"].get(i, a) for i, a in zip(frame["item_id"], actors, strict=True)]
    info = item_info(frame["kind"].tolist(), frame["session_id"].tolist(), frame["text"].tolist(),
                     [list(t) for t in themes], [list(a) for a in actors])
    features = build_features(starts, sentences.char[rows], semantic, info)
    rec_ids = sorted(set(frame["rec_id"].dropna()), key=_rec_number) if keep_places else []
    code = {r: k for k, r in enumerate(rec_ids)}
    labels = np.array([code.get(r, -1) if isinstance(r, str) else -1 for r in frame["rec_id"]], dtype=np.int64)
    calls = Calls(frame, features, units, labels, rec_ids)
    calls.decisions = _decision_pairs(snap, frame)
    return calls


def _decision_pairs(snap: Snapshot, frame: pd.DataFrame) -> np.ndarray:
    """People's decisions as labelled pairs of calls (positions in ``frame``): a call a person made a member of
    a confirmed recommendation is the same as its other members; a call a person said is not a recommendation
    is not the same as the call shown to them as its evidence (its members when none was stored). Decisions
    before the last learning reset are left out."""
    since = snap.learning_since
    index = {item_id: k for k, item_id in enumerate(frame["item_id"])}
    members: dict[str, list[int]] = {}
    for k, (rec, state) in enumerate(zip(frame["rec_id"], frame["state"], strict=True)):
        if isinstance(rec, str) and state == "member":
            members.setdefault(rec, []).append(k)
    out: set[tuple[int, int, int]] = set()
    confirmed = set(snap.recs["rec_id"][snap.recs["confirmed"].astype(bool)])  # a re-analysis applied confirms none
    for k, (rec, state, by, at) in enumerate(zip(frame["rec_id"], frame["state"], frame["decided_by"],
                                                 frame["decided_at"], strict=True)):
        if (state == "member" and rec in confirmed and isinstance(by, str) and by != "machine"
                and (since is None or at > since)):
            out.update((min(k, m), max(k, m), 1) for m in members[rec] if m != k)
    for item_id, rec, at in zip(snap.rejected["item_id"], snap.rejected["rec_id"], snap.rejected["decided_at"],
                                strict=True):
        if item_id in index and (since is None or at > since):
            k = index[item_id]
            # the call it was shown as alike when the person said no (stable when the machine regroups later)
            shown = snap.evidence.get((item_id, rec))
            others = [index[shown]] if shown in index else members.get(rec, [])
            out.update((min(k, m), max(k, m), 0) for m in others if m != k)
    same = {(a, b) for a, b, y in out if y}
    rows = sorted((a, b, y) for a, b, y in out if y or (a, b) not in same)  # "same" wins a contradiction
    return np.array(rows, dtype=np.int64).reshape(-1, 3)


def learned_method(method: Method, calls: Calls) -> Method:
    """The method adapted to people's decisions on these calls (pairmodel.adapt); unchanged when none."""
    if not len(calls.decisions):
        return method
    x = pair_matrix(calls.features, calls.decisions[:, :2], method.needs_model)
    return adapt(method, x, calls.decisions[:, 2])


def _rec_number(rec_id: str) -> int:
    return int(rec_id[1:]) if rec_id[1:].isdigit() else 0


@dataclass
class Candidate:
    """A recommendation a call may belong to, with the evidence: its member the call matches best and the two
    sentences most alike."""

    rec: str  # an existing rec id, or "new:<k>"
    score: float  # the call's average probability with the recommendation's calls
    evidence_item_id: str = ""
    evidence_mine: str = ""
    evidence_theirs: str = ""


@dataclass
class NewPlace:
    item_id: str
    rec: str  # an existing rec id, or "new:<k>" for a recommendation to create
    state: str  # member | suggested
    score: float
    evidence_item_id: str = ""
    evidence_mine: str = ""
    evidence_theirs: str = ""
    candidates: list[Candidate] = field(default_factory=list)  # the most likely recommendations, best first


CANDIDATES = 3  # recommendations offered for each suggested call


def _candidates(calls: Calls, method: Method, item: int, cols: np.ndarray, vals: np.ndarray, labels: np.ndarray,
                members: np.ndarray, names: list[str], chosen: int, banned: set[int]) -> list[Candidate]:
    """The call's ``chosen`` recommendation and the next most likely ones (never one a person said it is not),
    each with evidence drawn from its members only. ``cols``/``vals``: the call's nonzero probabilities."""
    theirs = labels[cols]
    known = (theirs >= 0) & (cols != item)
    sizes = np.bincount(labels[labels >= 0], minlength=len(names)).astype(np.float64)
    if labels[item] >= 0:
        sizes[labels[item]] -= 1
    totals = np.bincount(theirs[known], weights=vals[known], minlength=len(names))
    averages = np.divide(totals, sizes, out=np.zeros(len(names)), where=sizes > 0)
    ranked = [chosen] + [int(k) for k in np.argsort(-averages, kind="stable")[: CANDIDATES + len(banned) + 1]
                         if averages[k] > 0 and int(k) != chosen and int(k) not in banned]
    out = []
    for label in ranked[:CANDIDATES]:
        mine = cols[(members[cols] == label) & (cols != item)]
        if not len(mine):
            mine = np.flatnonzero(members == label)[:1]
        candidate = Candidate(names[label], float(averages[label]))
        if len(mine):
            best = mine[np.argmax(vals[np.searchsorted(cols, mine)])] if np.isin(mine, cols).all() else mine[0]
            sentence, other, _ = best_sentence_pair(calls.features, method, item, int(best), calls.units)
            candidate = Candidate(names[label], float(averages[label]), calls.frame["item_id"].iat[int(best)],
                                  sentence, other)
        out.append(candidate)
    return out


def place_new(calls: Calls, method: Method, rejected: dict[int, set[int]]) -> list[NewPlace]:
    """Place the calls in no recommendation yet (see grouping.py): a call whose average probability with an
    existing recommendation's calls reaches the threshold is suggested there; the others are clustered among
    themselves, each cluster a new recommendation whose first call (in report order) is its member. Each
    suggestion carries its most likely recommendations with their evidence. The pair score is adapted to
    people's decisions first (``learned_method``)."""
    method = learned_method(method, calls)
    todo = np.flatnonzero(calls.labels < 0)
    if not len(todo):
        return []
    n = calls.features.n
    labels, members = calls.labels.copy(), calls.members.copy()
    names = list(calls.rec_ids)
    chosen: dict[int, int] = {}  # suggested call -> label
    sims = None  # the new calls' scores with every call, when computed for the placement
    position: dict[int, int] = {}
    if len(todo) == n:  # a first analysis: every call is new, clustered from its condensed distances
        fresh = cluster_all(condensed_distances(calls.features, method), n, method.threshold)
        rest, fresh_labels = todo, fresh
    else:
        sims = item_similarities(calls.features, method, todo)
        matches = best_matches(sims, calls.labels, method.threshold, rejected, rows=todo)
        chosen.update({item: m.label for item, m in matches.items()})
        rest = np.array([item for item in todo.tolist() if item not in matches], dtype=np.int64)
        position = {item: k for k, item in enumerate(todo.tolist())}
        among = sims[[position[i] for i in rest.tolist()]][:, rest].tocsr()
        fresh_labels = cluster(among, method.threshold)
    founders: set[int] = set()
    offset = len(names)
    for item, label in zip(rest.tolist(), fresh_labels.tolist(), strict=True):
        labels[item] = offset + label
        if offset + label >= len(names):
            names.append(f"new:{label}")
            members[item] = offset + label
            founders.add(item)
        else:
            chosen[item] = offset + label
    suggested = np.array(sorted(chosen), dtype=np.int64)
    rows = None
    if len(suggested):
        rows = (item_similarities(calls.features, method, suggested) if sims is None
                else sims[[position[i] for i in suggested.tolist()]].tocsr())
    places: list[NewPlace] = []
    ids = calls.frame["item_id"]
    for item in sorted(founders):
        places.append(NewPlace(ids.iat[item], names[labels[item]], "member", 0.0))
    for k, item in enumerate(suggested.tolist()):
        assert rows is not None
        lo, hi = rows.indptr[k], rows.indptr[k + 1]
        cols, vals = rows.indices[lo:hi].astype(np.int64), rows.data[lo:hi]
        order = np.argsort(cols, kind="stable")
        options = _candidates(calls, method, item, cols[order], vals[order], labels, members, names, chosen[item],
                              rejected.get(item, set()))
        first = options[0]
        places.append(NewPlace(ids.iat[item], first.rec, "suggested", first.score, first.evidence_item_id,
                               first.evidence_mine, first.evidence_theirs, options))
    return places


def _new_titles(places: list[NewPlace], texts: dict[str, str]) -> dict[str, str]:
    """The title of each new recommendation ("new:<k>") from its calls, computed before the write so that the
    database is not held for it."""
    members: dict[str, list[str]] = {}
    for p in places:
        if p.rec.startswith("new:"):
            members.setdefault(p.rec, []).append(texts[p.item_id])
    return {key: suggest_title(member_texts) for key, member_texts in members.items()}


def _create_recommendations(con: duckdb.DuckDBPyConnection, places: list[NewPlace], titles: dict[str, str],
                            now: datetime) -> dict[str, str]:
    """New recommendations for the "new:<k>" placements, with their titles; returns the id for each."""
    made: dict[str, str] = {}
    for key in dict.fromkeys(p.rec for p in places if p.rec.startswith("new:")):
        number = fetch_one(con, "SELECT nextval('recommendation_seq')")[0]
        rec_id = f"R{number}"
        con.execute("""INSERT INTO recommendations (rec_id, title, title_by, created_at, created_by)
                       VALUES (?, ?, 'machine', ?, 'machine')""", [rec_id, titles[key], now])
        made[key] = rec_id
    return made


def _write_places(con: duckdb.DuckDBPyConnection, places: list[NewPlace], titles: dict[str, str], by: str,
                  now: datetime) -> dict[str, str]:
    """Create the new recommendations and write the memberships; returns the id given to each "new:<k>"."""
    made = _create_recommendations(con, places, titles, now)
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
        options = pd.DataFrame([(p.item_id, rank, made.get(c.rec, c.rec), c.score, c.evidence_item_id,
                                 c.evidence_mine, c.evidence_theirs)
                                for p in places for rank, c in enumerate(p.candidates, start=1)],
                               columns=["item_id", "rank", "rec_id", "score", "evidence_item_id", "evidence_mine",
                                        "evidence_theirs"])
        con.execute("DELETE FROM candidates WHERE item_id IN (SELECT unnest(?))", [[p.item_id for p in places]])
        if len(options):
            con.register("new_candidates", options)
            try:
                con.execute("INSERT INTO candidates SELECT * FROM new_candidates")
            finally:
                con.unregister("new_candidates")
    return made


def _still_open(con: duckdb.DuckDBPyConnection, places: list[NewPlace]) -> list[NewPlace]:
    """The placements computed with no connection open that still hold now: the call still exists, is in its
    source and in no recommendation, and its target still exists and was not rejected for it. A new
    recommendation is made only if none of its calls changed meanwhile; what is dropped is placed by the
    next run."""
    if not places:
        return []
    ids = [p.item_id for p in places]
    open_now = {r[0] for r in con.execute(
        """SELECT item_id FROM items WHERE item_id IN (SELECT unnest(?)) AND in_source
           AND item_id NOT IN (SELECT item_id FROM memberships)""", [ids]).fetchall()}
    recs = {r[0] for r in con.execute("SELECT rec_id FROM recommendations").fetchall()}
    rejected = {(r[0], r[1]) for r in con.execute(
        "SELECT item_id, rec_id FROM rejections WHERE item_id IN (SELECT unnest(?))", [ids]).fetchall()}
    broken = {p.rec for p in places if p.rec.startswith("new:") and p.item_id not in open_now}
    return [p for p in places if p.item_id in open_now and p.rec not in broken
            and (p.rec.startswith("new:") or (p.rec in recs and (p.item_id, p.rec) not in rejected))]


def _rejected_codes(snap: Snapshot, calls: Calls) -> dict[int, set[int]]:
    index = {item_id: k for k, item_id in enumerate(calls.frame["item_id"])}
    code = {r: k for k, r in enumerate(calls.rec_ids)}
    out: dict[int, set[int]] = {}
    for item_id, rec_id in zip(snap.rejected["item_id"], snap.rejected["rec_id"], strict=True):
        if item_id in index and rec_id in code:
            out.setdefault(index[item_id], set()).add(code[rec_id])
    return out


def reset_learning(store: Store, by: str) -> int:
    """Make the analysis forget what it learned from people's decisions: decisions made before now are no
    longer learned from (they stay in force: members stay, rejected calls are still never suggested there).
    Returns how many labelled pairs it had learned from."""
    by = require(store, "admin", "reset what the analysis learned", by)
    if not (by or "").strip():
        raise AnalysisError("say who resets the learning (--by NAME): it goes into the history")

    def run(con: duckdb.DuckDBPyConnection) -> int:
        snap = _read(con)
        live = snap.items[snap.items["in_source"].astype(bool) & snap.items["kind"].isin(CALL_KINDS)]
        pairs = len(_decision_pairs(snap, live.reset_index(drop=True)))
        con.execute("""INSERT INTO analysis_decisions (kind, item_ids, other_ids, themes, decided_by, decided_at)
                       VALUES ('reset_learning', [], [], [], ?, ?)""", [by.strip(), datetime.now()])
        return pairs

    return store.write(run)


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

    def read(con: duckdb.DuckDBPyConnection) -> tuple[Snapshot, SentenceLookup]:
        snap = _read(con)
        items = snap.items
        # vectors: the items to annotate (theme fallback) and every live call (placement)
        need = items[~items["annotated"] | (items["in_source"].astype(bool) & items["kind"].isin(CALL_KINDS))]
        return snap, _lookup_sentences(con, need, embedder)

    # the database is held only to read the snapshot and to write the result: embedding and comparing run
    # with it closed, so editors and imports are never kept waiting for the model
    snap, looked_up = store.read(read)
    lap("read")
    sentences = looked_up.finish(embedder)
    fresh_vectors = sentences.fresh
    lap("embed")
    items = snap.items
    annotations = annotate(items[~items["annotated"]], sentences, snap.corrections)
    result.annotated = len(annotations)
    lap("annotate")

    calls = _calls(snap, sentences, keep_places=True, annotations=annotations)
    places = place_new(calls, method, _rejected_codes(snap, calls))
    lap("place")
    result.items = len(calls.frame)
    result.placed = len(places)
    result.suggested = sum(p.state == "suggested" for p in places)
    result.new_recommendations = len({p.rec for p in places if p.rec.startswith("new:")})
    result.embedded = sentences.embedded
    texts = dict(zip(calls.frame["item_id"], calls.frame["text"], strict=True))
    titles = _new_titles(places, texts)

    def write(con: duckdb.DuckDBPyConnection) -> None:
        now = datetime.now()
        _cache(con, fresh_vectors)
        _write_annotations(con, annotations, now, only_new=True)
        still = _still_open(con, places)
        result.deferred = len(places) - len(still)
        result.placed = len(still)
        result.suggested = sum(p.state == "suggested" for p in still)
        result.new_recommendations = len({p.rec for p in still if p.rec.startswith("new:")})
        _write_places(con, still, titles, "machine", now)
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
            f"{n(result.new_recommendations, 'new recommendation', 'new recommendations')}; {result.seconds:.1f} s"
            + (f"; {result.deferred} calls changed meanwhile, left for the next analysis" if result.deferred else ""))


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

    def read(con: duckdb.DuckDBPyConnection) -> tuple[Snapshot, SentenceLookup]:
        snap = _read(con)
        return snap, _lookup_sentences(con, snap.items, embedder)

    snap, looked_up = store.read(read)  # then embed and compare with the database closed (see run_analysis)
    sentences = looked_up.finish(embedder)
    annotations = annotate(snap.items, sentences, snap.corrections)
    calls = _calls(snap, sentences, keep_places=False, annotations=annotations)
    fresh_vectors = sentences.fresh
    del sentences  # the calls' features hold what the clustering needs
    method = learned_method(method, calls)
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
        made = _write_places(con, places, _new_titles(places, texts), by, now)
        con.executemany("""INSERT INTO history (item_id, field, old_value, new_value, changed_by, changed_at, via)
                           VALUES (?, 'recommendation', ?, ?, ?, ?, 'reanalysis')""",
                        [(p.item_id, plan.basis[p.item_id][0], made.get(p.rec, p.rec), by, now) for p in places])
        con.execute("""DELETE FROM recommendations r WHERE NOT r.confirmed
                       AND NOT EXISTS (SELECT 1 FROM memberships m WHERE m.rec_id = r.rec_id)""")
        return plan.summary().replace("would ", "")

    return store.write(run)
