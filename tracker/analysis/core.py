"""``analyze``: themes, addressees and groups for every item, people's decisions applied on top.

Work is split so the database file is held only briefly: read items and cached vectors, close;
embed new sentences and cluster with no connection open; then write all results in one transaction.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

import duckdb
import numpy as np
import pandas as pd

from ..models import short_hash
from ..store import Store
from . import embeddings as emb
from .addressees import Addressee, extract_addressee, specificity
from .methods import LEXICAL_METHOD, SEMANTIC_METHOD
from .similarity import (
    MAX_LINKAGE,
    Method,
    build_features,
    centrality,
    cluster,
    theme_masks,
    unit_texts,
    word_vectorizer,
)
from .themes import Theme, assign_themes, load_themes

CALL_KINDS = ("takeaway", "action")  # what counts as a recommendation; questions are planning material
LABEL_CHARS = 110


class AnalysisError(ValueError):
    """A decision that cannot be recorded (unknown group or item, unknown theme); nothing was written."""


@dataclass
class RunResult:
    mode: str
    reason: str
    method: Method
    items: int = 0
    groups: int = 0
    recurring: int = 0
    themed: int = 0
    embedded: int = 0
    seconds: float = 0.0
    summary: str = field(default="")
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase (bench/analysis_scale.py)


def mode_text(mode: str, reason: str, method: Method) -> str:
    # without faiss large inputs fall back to comparing every sentence with every other: say so
    scale = "" if faiss_available() else " [faiss-cpu not installed: exact comparison only, slow above ~10,000 items]"
    if not igraph_available():  # oversized components then fall apart at raised thresholds
        scale += (f" [igraph not installed: components above {MAX_LINKAGE:,} items are split by raising the "
                  "threshold, not by Leiden]")
    if mode == "semantic":
        return f"semantic: {emb.MODEL_NAME} (int8 ONNX) + char TF-IDF — {method.describe()}{scale}"
    return f"lexical: char TF-IDF — {method.describe()} (model not used: {reason}){scale}"


def igraph_available() -> bool:
    from . import similarity

    return similarity.igraph is not None


def faiss_available() -> bool:
    from . import similarity

    return similarity.faiss is not None


def _read_inputs(con: duckdb.DuckDBPyConnection) -> tuple[pd.DataFrame, pd.DataFrame]:
    items = con.execute("""
        SELECT i.item_id, i.session_id, s.year, i.kind, i.text, i.in_source, i.position
        FROM items i LEFT JOIN sessions s USING (session_id) ORDER BY i.item_id""").df()
    decisions = con.execute("""SELECT decision_id, kind, item_ids, other_ids, themes, decided_by
                               FROM analysis_decisions ORDER BY decision_id""").df()
    return items, decisions


def _user_themes(decisions: pd.DataFrame) -> dict[str, tuple[list[str], str]]:
    """item id -> (themes, who): the latest theme correction per item wins."""
    out: dict[str, tuple[list[str], str]] = {}
    for row in decisions[decisions["kind"] == "themes"].itertuples():
        for item_id in row.item_ids:
            out[item_id] = (list(row.themes), row.decided_by)
    return out


def _theme_fallback(texts: list[str], unit_vectors: np.ndarray | None, starts: np.ndarray,
                    theme_vectors: np.ndarray | None, themes: list[Theme]) -> np.ndarray:
    """item x theme similarity for items no keyword matched: MiniLM (best sentence) or word TF-IDF."""
    if unit_vectors is not None and theme_vectors is not None and len(texts):
        per_unit = unit_vectors @ theme_vectors.T
        return np.maximum.reduceat(per_unit, starts[:-1], axis=0)
    if not texts:
        return np.zeros((0, len(themes)))
    vectorizer = word_vectorizer()
    matrix = vectorizer.fit_transform(list(texts) + [t.profile for t in themes])
    return (matrix[: len(texts)] @ matrix[len(texts):].T).toarray()


def replay_decisions(item_ids: list[str], labels: np.ndarray, decisions: pd.DataFrame) -> np.ndarray:
    """Apply people's confirm / split / merge decisions, oldest first, to a machine partition.

    confirm and merge put all their (still present) items into one group; split takes the item out of
    any group that also holds one of the items it was split from. Decisions name item ids, so they
    apply to whatever groups the next analysis produces.
    """
    labels = labels.copy()
    index = {item_id: k for k, item_id in enumerate(item_ids)}
    next_label = int(labels.max()) + 1 if len(labels) else 0
    for row in decisions[decisions["kind"] != "themes"].itertuples():
        present = [index[i] for i in list(row.item_ids) + list(row.other_ids) if i in index]
        if row.kind in ("confirm", "merge"):
            if len(present) >= 2:
                joined = np.unique(labels[present])
                labels[np.isin(labels, joined)] = joined[0]
        elif row.kind == "split":
            mine = [index[i] for i in row.item_ids if i in index]
            others = [index[i] for i in row.other_ids if i in index]
            for k in mine:
                if any(labels[o] == labels[k] for o in others):
                    labels[k] = next_label
                    next_label += 1
    return labels


def _short_label(text: str) -> str:
    first = text.strip().split(". ")[0].rstrip(".")
    if len(first) <= LABEL_CHARS:
        return first
    return first[:LABEL_CHARS].rsplit(" ", 1)[0].rstrip(",;:") + " …"


def build_groups(members: pd.DataFrame, decisions: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """From live items with a ``label`` (any hashable per group), stable group ids, labels, themes and the
    confirmed flag. members needs: item_id, label, kind, year, position, text, themes, centrality.
    Returns (item_id -> group_id, group rows)."""
    if members.empty:
        return (pd.DataFrame(columns=["item_id", "group_id"]),
                pd.DataFrame(columns=["group_id", "label", "label_item_id", "themes", "confirmed"]))
    frame = members.copy()
    frame["label"] = frame["label"].astype(str)
    ids = frame.sort_values("item_id").groupby("label", sort=False)["item_id"].agg(list)
    group_ids = {label: "g" + short_hash(*item_list, length=12) for label, item_list in ids.items()}
    frame["group_id"] = frame["label"].map(group_ids)

    # every member of a confirmed group is covered by a person's confirm/merge decision placed in it
    covered: set[str] = set()
    item_group = dict(zip(frame["item_id"], frame["group_id"], strict=True))
    for row in decisions[decisions["kind"].isin(["confirm", "merge"])].itertuples():
        decided = [i for i in list(row.item_ids) + list(row.other_ids) if i in item_group]
        for gid in {item_group[i] for i in decided}:
            together = [i for i in decided if item_group[i] == gid]
            if len(together) >= 2:
                covered.update(together)
    frame["covered"] = frame["item_id"].isin(covered)

    # label: the most central call (takeaway/action) of the group, else its most central question
    frame["is_call"] = frame["kind"].isin(CALL_KINDS)
    ranked = frame.sort_values(["group_id", "is_call", "centrality", "year", "position", "item_id"],
                               ascending=[True, False, False, True, True, True])
    heads = ranked.drop_duplicates("group_id")[["group_id", "item_id", "text"]]
    exploded = frame[["group_id", "themes"]].explode("themes").dropna()
    sizes = frame.groupby("group_id").size()
    confirmed = frame.groupby("group_id")["covered"].all() & (sizes >= 2)
    # themes at least half the members share (at most three), and always the most common one; ties in
    # name order. Vectorized: a loop over 50k groups with Series lookups took 25 s.
    counts = exploded.groupby(["group_id", "themes"]).size().reset_index(name="count")
    counts = counts.sort_values(["group_id", "count"], ascending=[True, False], kind="stable")
    counts["rank"] = counts.groupby("group_id").cumcount()
    shared = counts[counts["count"] * 2 >= counts["group_id"].map(sizes)]
    shared = shared[shared.groupby("group_id").cumcount() < 3]
    theme_lists = counts[counts["rank"] == 0].groupby("group_id")["themes"].agg(list).to_dict()
    theme_lists |= shared.groupby("group_id")["themes"].agg(list).to_dict()
    confirmed_by = confirmed.to_dict()
    rows = [(gid, _short_label(text), item_id, theme_lists.get(gid, []), bool(confirmed_by[gid]))
            for gid, item_id, text in zip(heads["group_id"], heads["item_id"], heads["text"], strict=True)]
    groups = pd.DataFrame(rows, columns=["group_id", "label", "label_item_id", "themes", "confirmed"])
    return frame[["item_id", "group_id"]], groups


def _write_groups(con: duckdb.DuckDBPyConnection, assignment: pd.DataFrame, groups: pd.DataFrame) -> None:
    con.execute("UPDATE item_analysis SET group_id = NULL WHERE group_id IS NOT NULL")
    con.register("new_assignment", assignment)
    con.execute("""UPDATE item_analysis SET group_id = a.group_id FROM new_assignment a
                   WHERE item_analysis.item_id = a.item_id""")
    con.unregister("new_assignment")
    con.execute("DELETE FROM analysis_groups")
    con.register("new_groups", groups)
    con.execute("""INSERT INTO analysis_groups SELECT group_id, label, label_item_id, CAST(themes AS VARCHAR[]),
                   confirmed FROM new_groups""")
    con.unregister("new_groups")


@contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """A run allocates millions of small objects (sentences, tokens, per-item lists) that reference counting
    frees; Python's cycle collector would rescan the growing heap again and again meanwhile for cycles the
    run does not make (120k items: 5 s of ~65 s, same peak memory). Restored afterwards, errors included."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def run_analysis(store: Store) -> RunResult:
    with _without_cycle_collection():
        return _run_analysis(store)


def _run_analysis(store: Store) -> RunResult:
    started = time.perf_counter()
    taxonomy = load_themes()
    state = emb.get_embedder()
    mode = "semantic" if state.embedder is not None else "lexical"
    method = SEMANTIC_METHOD if mode == "semantic" else LEXICAL_METHOD
    result = RunResult(mode, state.reason, method)
    clock = [time.perf_counter()]

    def lap(name: str) -> None:
        now = time.perf_counter()
        result.timings[name] = round(now - clock[0], 3)
        clock[0] = now

    def read(con: duckdb.DuckDBPyConnection):
        items, decisions = _read_inputs(con)
        units, starts = unit_texts(items["text"].tolist(), method.sentences)
        profiles = [t.profile for t in taxonomy]
        # vectors are looked up per distinct text: recurring calls repeat sentences verbatim
        codes, distinct = pd.factorize(pd.Series(units + profiles, dtype=object))
        hashes = [emb.text_hash(u) for u in distinct] if state.embedder is not None else []
        found, matrix = emb.lookup_vectors(con, hashes) if hashes else ({}, None)
        return items, decisions, units, starts, codes, list(distinct), hashes, found, matrix

    items, decisions, units, starts, codes, distinct, hashes, found, matrix = store.read(read)
    lap("read")

    unit_vectors = theme_vectors = None
    fresh_hashes: list[str] = []
    fresh = np.zeros((0, emb.DIM), dtype=np.float32)
    if state.embedder is not None:
        texts_by_hash = dict(zip(hashes, distinct, strict=True))
        fresh_hashes = sorted(h for h in texts_by_hash if h not in found)
        if fresh_hashes:  # only sentences never seen before go through the model
            fresh = state.embedder.encode([texts_by_hash[h] for h in fresh_hashes])
        lookup = {h: ("old", k) for h, k in found.items()} | {h: ("new", k) for k, h in enumerate(fresh_hashes)}
        both = np.vstack([matrix if matrix is not None else np.zeros((0, emb.DIM), np.float32), fresh])
        offset = 0 if matrix is None else len(matrix)
        rows = np.array([k if src == "old" else offset + k for src, k in (lookup[h] for h in hashes)], dtype=np.int64)
        vectors = both[rows[codes]]
        unit_vectors, theme_vectors = vectors[: len(units)], vectors[len(units):]
    result.embedded = len(fresh_hashes)
    lap("embed")

    # themes: keywords, nearest description as fallback, people's corrections win
    texts = items["text"].tolist()
    fallback = _theme_fallback(texts, unit_vectors, starts, theme_vectors, taxonomy)
    machine = assign_themes(texts, taxonomy, fallback)
    corrections = _user_themes(decisions)
    theme_lists, themes_by = [], []
    for item_id, auto in zip(items["item_id"].tolist(), machine, strict=True):  # lists: Arrow strings iterate slowly
        if item_id in corrections:
            theme_lists.append(corrections[item_id][0])
            themes_by.append(corrections[item_id][1])
        else:
            theme_lists.append(auto)
            themes_by.append("machine")
    items["themes"] = theme_lists
    items["themes_by"] = themes_by

    # once per distinct (text, kind): recurring calls repeat texts verbatim
    memo: dict[tuple[str, str], tuple[Addressee, tuple[int, str]]] = {}
    keys = list(zip(texts, items["kind"].tolist(), strict=True))
    for key in keys:
        if key not in memo:
            found = extract_addressee(*key)
            memo[key] = (found, specificity(key[0], found))
    pairs = [memo[key] for key in keys]
    addressees = [a for a, _ in pairs]
    scored = [s for _, s in pairs]
    items["addressee"] = [a.names for a in addressees]
    items["addressee_text"] = [a.text for a in addressees]
    items["specificity"] = [s for s, _ in scored]
    items["specificity_note"] = [n for _, n in scored]
    lap("themes+addressees")

    # groups over the items still in their source
    live_mask = items["in_source"].to_numpy(dtype=bool)
    live = items[live_mask].reset_index(drop=True)
    lengths = np.diff(starts)
    unit_live = np.repeat(live_mask, lengths)  # the sentences of live items, in item order
    live_units = None if unit_vectors is None else unit_vectors[unit_live]
    live_split = ([u for u, keep in zip(units, unit_live.tolist(), strict=True) if keep],
                  np.concatenate([[0], np.cumsum(lengths[live_mask])]).astype(np.int64))
    masks = theme_masks(live["themes"].tolist(), [t.name for t in taxonomy])
    features = build_features(live["text"].tolist(), live_units, masks, method.sentences, method, units=live_split)
    lap("features")
    labels, graph = cluster(features, method)
    lap("cluster")
    live["centrality"] = centrality(graph, labels) if len(live) else []
    live["label"] = replay_decisions(live["item_id"].tolist(), labels, decisions)
    assignment, groups = build_groups(live, decisions)

    sessions = live.merge(assignment, on="item_id").groupby("group_id")["session_id"].nunique()
    result.items = len(live)
    result.groups = int((live.groupby("label").size() >= 2).sum()) if len(live) else 0
    result.recurring = int((sessions >= 2).sum())
    result.themed = int(live["themes"].map(bool).sum()) if len(live) else 0
    centrality_by_id = dict(zip(live["item_id"], live["centrality"], strict=True))
    items["centrality"] = items["item_id"].map(centrality_by_id).fillna(0.0)

    lap("groups")

    def write(con: duckdb.DuckDBPyConnection) -> None:
        if fresh_hashes:
            emb.insert_vectors(con, fresh_hashes, fresh)
        now = datetime.now()
        con.execute("DELETE FROM item_analysis")
        rows = items[["item_id", "themes", "themes_by", "addressee", "addressee_text", "specificity",
                      "specificity_note", "centrality"]]
        con.register("new_analysis", rows)
        con.execute("""INSERT INTO item_analysis (item_id, themes, themes_by, addressee, addressee_text, specificity,
                                                  specificity_note, group_id, centrality, analyzed_at)
                       SELECT item_id, CAST(themes AS VARCHAR[]), themes_by, CAST(addressee AS VARCHAR[]),
                              addressee_text, specificity, specificity_note, NULL, centrality, ?
                       FROM new_analysis""", [now])
        con.unregister("new_analysis")
        _write_groups(con, assignment, groups)
        lap("write")
        result.seconds = time.perf_counter() - started
        result.summary = (f"analysis ({mode}{'' if mode == 'semantic' else ': ' + state.reason}): "
                          f"{result.items} items, {result.groups} groups of 2+, {result.recurring} recurring "
                          f"across sessions, {result.themed} items themed, {result.embedded} sentences embedded, "
                          f"{result.seconds:.1f} s")
        con.execute("""INSERT INTO analysis_runs (finished_at, seconds, mode, reason, method, items, groups,
                                                  recurring, embedded, summary)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    [now, result.seconds, mode, state.reason, method.describe(), result.items, result.groups,
                     result.recurring, result.embedded, result.summary])

    store.write(write)
    return result


# --- people's decisions -----------------------------------------------------------------------------

def _members(con: duckdb.DuckDBPyConnection, group_id: str) -> list[str]:
    rows = con.execute("SELECT item_id FROM item_analysis WHERE group_id = ? ORDER BY item_id",
                       [group_id]).fetchall()
    if not rows:
        raise AnalysisError(f"unknown group {group_id!r} (run the analysis, or the groups changed; reload the page)")
    return [r[0] for r in rows]


def _regroup(con: duckdb.DuckDBPyConnection) -> None:
    """Re-apply all decisions to the stored partition (no re-clustering): a decision shows at once."""
    live = con.execute("""
        SELECT a.item_id, a.group_id, i.kind, s.year, i.position, i.text, a.themes, a.centrality
        FROM item_analysis a JOIN items i USING (item_id) LEFT JOIN sessions s USING (session_id)
        WHERE a.group_id IS NOT NULL ORDER BY a.item_id""").df()
    _, decisions = _read_inputs(con)
    if live.empty:
        return
    codes, _ = pd.factorize(live["group_id"])
    live["label"] = replay_decisions(live["item_id"].tolist(), np.asarray(codes, dtype=np.int64), decisions)
    live["themes"] = live["themes"].map(list)
    assignment, groups = build_groups(live, decisions)
    _write_groups(con, assignment, groups)


def record_decision(store: Store, kind: str, by: str, *, group_id: str | None = None,
                    other_group: str | None = None, item_id: str | None = None,
                    themes: list[str] | None = None) -> None:
    by = (by or "").strip()
    if not by:
        raise AnalysisError("say who decides (by=…): decisions are kept with the person's name")

    def run(con: duckdb.DuckDBPyConnection) -> None:
        item_ids: list[str] = []
        other_ids: list[str] = []
        if kind == "confirm":
            item_ids = _members(con, group_id or "")
        elif kind == "merge":
            item_ids, other_ids = _members(con, group_id or ""), _members(con, other_group or "")
            if group_id == other_group:
                raise AnalysisError("merge needs two different groups")
        elif kind in ("split", "themes"):
            row = con.execute("""SELECT a.group_id FROM items i LEFT JOIN item_analysis a USING (item_id)
                                 WHERE i.item_id = ?""", [item_id]).fetchone()
            if row is None:
                raise AnalysisError(f"unknown item id {item_id!r}")
            item_ids = [item_id or ""]
            if kind == "split":
                if row[0] is None:
                    raise AnalysisError(f"item {item_id} is in no group (run the analysis first)")
                other_ids = [i for i in _members(con, row[0]) if i != item_id]
                if not other_ids:
                    raise AnalysisError(f"item {item_id} is already on its own")
        con.execute("""INSERT INTO analysis_decisions (kind, item_ids, other_ids, themes, decided_by, decided_at)
                       VALUES (?, ?, ?, ?, ?, ?)""", [kind, item_ids, other_ids, themes or [], by, datetime.now()])
        if kind == "themes":
            con.execute("UPDATE item_analysis SET themes = ?, themes_by = ? WHERE item_id = ?",
                        [themes or [], by, item_id])
        _regroup(con)

    store.write(run)
