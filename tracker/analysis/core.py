"""The analysis's logic, on a snapshot of the database: themes and addressees of items, and each call's
place among the recommendations. No database here: ``analysis/runs.py`` reads the snapshot, calls these and
writes what they return (``store/analysis_tables.py``).

A call that matches a recommendation becomes a *suggestion* on it, pending a person's review; calls that match
nothing start recommendations of their own (the first call of one is its member, later calls that join it are
suggestions). People's decisions are learned from (``learned_method``); calls people rejected for a
recommendation are never suggested there again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import TrackerError
from ..store.analysis_tables import CANDIDATE_COLUMNS, PLACE_COLUMNS, Snapshot
from ..vocabulary import KINDS
from . import embeddings as emb
from .addressees import Addressee, extract_addressee, specificity
from .grouping import best_matches, cluster, cluster_all, report_order
from .methods import LEXICAL_METHOD, SEMANTIC_METHOD
from .pairmodel import adapt, pair_matrix
from .sentences import Sentences
from .similarity import (
    Action,
    Features,
    Method,
    action_of,
    best_sentence_pair,
    build_features,
    condensed_distances,
    item_info,
    item_similarities,
    word_vectorizer,
)
from .themes import Theme, assign_themes, load_themes
from .titles import suggest_title


def is_live(items: pd.DataFrame) -> pd.Series:
    """The calls recommendations are made of: every kind (an open question on the same matter counts as that
    matter coming back) still in its page."""
    return items["in_source"].astype(bool) & items["kind"].isin(KINDS)


class AnalysisError(TrackerError):
    """A decision that cannot be recorded (unknown recommendation or item, unknown theme); nothing was written."""


def current_method() -> tuple[str, str, Method, emb.Embedder | None]:
    state = emb.get_embedder()
    if state.embedder is not None:
        return "semantic", "", SEMANTIC_METHOD, state.embedder
    return "lexical", state.reason, LEXICAL_METHOD, None


def mode_text(mode: str, reason: str, method: Method) -> str:
    if mode == "semantic":
        return f"semantic: {emb.MODEL_NAME} (int8 ONNX) + char n-grams — {method.describe()}"
    return f"lexical: char n-grams — {method.describe()} (model not used: {reason})"


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
    """Themes (people's corrections win), addressee, specificity and what the call asks (``similarity.Action``)
    for ``items`` (item_id, kind, text)."""
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
    return with_actions(out, [action_of(t, k) for t, k in zip(texts, items["kind"], strict=True)])


def with_actions(frame: pd.DataFrame, actions: list[Action]) -> pd.DataFrame:
    """``frame`` with each row's ask in the columns the store keeps it in (``item_analysis``)."""
    frame["action_verbs"] = [list(a.verbs) for a in actions]
    frame["object_words"] = [list(a.objects) for a in actions]
    frame["ask_verb"] = [a.ask for a in actions]
    return frame


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
    # asks read now for annotated calls the store has none for (a tracker made before they were stored)
    read_actions: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def members(self) -> np.ndarray:
        """``labels`` of the members only (-1 for pending suggestions): what evidence may name."""
        return np.where(self.frame["state"].to_numpy(dtype=object) == "member", self.labels, -1)


def calls_of(snap: Snapshot, sentences: Sentences, keep_places: bool,
           annotations: pd.DataFrame | None = None) -> Calls:
    """The live calls with their features; themes and addressees from ``annotations`` where given (made in
    this run), else as stored."""
    items = snap.items
    live = items[is_live(items)]
    order = report_order(live["year"].to_numpy(dtype="float64", na_value=np.nan), live["session_id"].tolist(),
                         live["position"].to_numpy(), live["item_id"].tolist())
    frame = live.iloc[order].reset_index(drop=True)
    rows, starts = sentences.rows(frame["item_id"].tolist())
    units = [sentences.units[r] for r in rows.tolist()]
    semantic = None if sentences.semantic is None else sentences.semantic[rows]
    ids = frame["item_id"].tolist()
    themes, actors, actions = frame["themes"].tolist(), frame["addressee"].tolist(), stored_actions(frame)
    if annotations is not None and len(annotations):
        made = {i: k for k, i in enumerate(annotations["item_id"])}
        fresh = [made.get(i, -1) for i in ids]
        for mine, column in ((themes, "themes"), (actors, "addressee")):
            values = annotations[column].tolist()
            mine[:] = [values[k] if k >= 0 else v for k, v in zip(fresh, mine, strict=True)]
        verbs, objects, asks = (annotations[c].tolist() for c in ("action_verbs", "object_words", "ask_verb"))
        actions = [Action(tuple(verbs[k]), tuple(objects[k]), asks[k]) if k >= 0 else a
                   for k, a in zip(fresh, actions, strict=True)]
    kinds = frame["kind"].tolist()
    asked = [a if a is not None else action_of(t, k) for a, t, k in zip(actions, frame["text"], kinds, strict=True)]
    missing = [k for k, a in enumerate(actions) if a is None]
    read_now = with_actions(pd.DataFrame({"item_id": [ids[k] for k in missing]}), [asked[k] for k in missing])
    info = item_info(kinds, frame["session_id"].tolist(), [list(t) for t in themes], [list(a) for a in actors],
                     asked)
    features = build_features(starts, sentences.char[rows], semantic, info)
    rec_ids = sorted(set(frame["rec_id"].dropna()), key=rec_number) if keep_places else []
    code = {r: k for k, r in enumerate(rec_ids)}
    labels = np.array([code.get(r, -1) if isinstance(r, str) else -1 for r in frame["rec_id"]], dtype=np.int64)
    calls = Calls(frame, features, units, labels, rec_ids, read_actions=read_now)
    calls.decisions = decision_pairs(snap, frame)
    return calls


def stored_actions(frame: pd.DataFrame) -> list[Action | None]:
    """Each item's ask as the store keeps it, None where it keeps none."""
    return [Action(tuple(v), tuple(o), a) if isinstance(a, str) else None
            for v, o, a in zip(frame["action_verbs"], frame["object_words"], frame["ask_verb"], strict=True)]


def decision_pairs(snap: Snapshot, frame: pd.DataFrame) -> np.ndarray:
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
    x = pair_matrix(calls.features, calls.decisions[:, :2], method.needs_model, method.metric())
    return adapt(method, x, calls.decisions[:, 2])


def rec_number(rec_id: str) -> int:
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


def rejected_codes(snap: Snapshot, calls: Calls) -> dict[int, set[int]]:
    index = {item_id: k for k, item_id in enumerate(calls.frame["item_id"])}
    code = {r: k for k, r in enumerate(calls.rec_ids)}
    out: dict[int, set[int]] = {}
    for item_id, rec_id in zip(snap.rejected["item_id"], snap.rejected["rec_id"], strict=True):
        if item_id in index and rec_id in code:
            out.setdefault(index[item_id], set()).add(code[rec_id])
    return out


def still_open(places: list[NewPlace], open_calls: set[str], recs: set[str],
               rejected: set[tuple[str, str]]) -> list[NewPlace]:
    """The placements computed with no connection open that still hold now (``analysis_tables.open_now``): the
    call still exists, is in its source and in no recommendation, and its target still exists and was not
    rejected for it. A new recommendation is made only if none of its calls changed meanwhile; what is dropped
    is placed by the next run."""
    broken = {p.rec for p in places if p.rec.startswith("new:") and p.item_id not in open_calls}
    return [p for p in places if p.item_id in open_calls and p.rec not in broken
            and (p.rec.startswith("new:") or (p.rec in recs and (p.item_id, p.rec) not in rejected))]


def new_titles(places: list[NewPlace], texts: dict[str, str]) -> dict[str, str]:
    """A machine title for each recommendation to create ("new:<k>"), from its calls, in order of appearance."""
    members: dict[str, list[str]] = {}
    for p in places:
        if p.rec.startswith("new:"):
            members.setdefault(p.rec, []).append(texts[p.item_id])
    return {key: suggest_title(member_texts) for key, member_texts in members.items()}


def place_frames(places: list[NewPlace]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The placements as rows to store: memberships and candidates (``analysis_tables.write_places``)."""
    rows = pd.DataFrame([(p.item_id, p.rec, p.state, p.score, p.evidence_item_id, p.evidence_mine,
                          p.evidence_theirs) for p in places], columns=PLACE_COLUMNS)
    options = pd.DataFrame([(p.item_id, rank, c.rec, c.score, c.evidence_item_id, c.evidence_mine,
                             c.evidence_theirs) for p in places for rank, c in enumerate(p.candidates, start=1)],
                           columns=CANDIDATE_COLUMNS)
    return rows, options
