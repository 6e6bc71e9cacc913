"""The analysis's tables, read and written: the snapshot an analysis starts from, the sentence-vector cache,
item annotations, recommendations with their memberships and candidates, runs, decisions.

Plain data in and out (DataFrames, dicts, lists): what to place where is decided in ``analysis/``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from .db import Store, fetch_one
from .history import Change, record

PLACE_COLUMNS = ["item_id", "rec_id", "state", "score", "evidence_item_id", "evidence_mine", "evidence_theirs"]
CANDIDATE_COLUMNS = ["item_id", "rank", "rec_id", "score", "evidence_item_id", "evidence_mine", "evidence_theirs"]
# sentence vectors are cached per (text hash, model) in one table per vector size
VECTOR_TABLES = {384: "embeddings", 768: "ngram_vectors"}


@dataclass
class Snapshot:
    """What an analysis starts from, read in one transaction."""

    items: pd.DataFrame  # every item: ids, session, year, kind, text, in_source, position, themes, rec_id, state
    recs: pd.DataFrame  # rec_id, title, confirmed
    rejected: pd.DataFrame  # item_id, rec_id, decided_at
    corrections: dict[str, tuple[list[str], str]]  # item id -> (themes, who): people's theme corrections
    learning_since: Any = None  # decisions before this time are not learned from (a reset), None: all
    evidence: dict[tuple[str, str], str] = field(default_factory=dict)  # (item, rec offered) -> its evidence


def read_snapshot(con: duckdb.DuckDBPyConnection) -> Snapshot:
    items = con.execute("""
        SELECT i.item_id, i.session_id, s.year, i.kind, i.text, i.in_source, i.position,
               a.item_id IS NOT NULL AS annotated, a.themes, a.addressee, a.action_verbs, a.object_words, a.ask_verb,
               m.rec_id, m.state, m.decided_by, m.decided_at
        FROM items i LEFT JOIN sessions s USING (session_id) LEFT JOIN item_analysis a USING (item_id)
        LEFT JOIN memberships m USING (item_id) ORDER BY i.item_id""").df()
    for column in ("themes", "addressee"):
        items[column] = [list(t) if isinstance(t, (list, tuple, np.ndarray)) else [] for t in items[column]]
    recs = con.execute("SELECT rec_id, title, confirmed FROM recommendations ORDER BY rec_id").df()
    rejected = con.execute("SELECT item_id, rec_id, decided_at FROM rejections").df()
    since = con.execute("SELECT max(decided_at) FROM analysis_decisions WHERE kind = 'reset_learning'").fetchall()[0][0]
    evidence = {(i, r): e for i, r, e in con.execute(
        "SELECT item_id, rec_id, evidence_item_id FROM candidates WHERE evidence_item_id <> ''").fetchall()}
    return Snapshot(items, recs, rejected, theme_corrections(con), since, evidence)


def theme_corrections(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[list[str], str]]:
    """People's theme corrections: item id -> (themes, who), the latest winning."""
    corrections: dict[str, tuple[list[str], str]] = {}
    for item_ids, themes, by in con.execute("""SELECT item_ids, themes, decided_by FROM analysis_decisions
                                               WHERE kind = 'themes' ORDER BY decision_id""").fetchall():
        for item_id in item_ids:
            corrections[item_id] = (list(themes), by)
    return corrections


# --- the sentence-vector cache --------------------------------------------------------------------

def cached_vectors(con: duckdb.DuckDBPyConnection, hashes: list[str], model_id: str,
                   dim: int) -> tuple[dict[str, int], np.ndarray]:
    """Cached vectors of these text hashes: (hash -> row, matrix). Read through Arrow: no per-row Python."""
    if not hashes:
        return {}, np.zeros((0, dim), dtype=np.float32)
    con.register("wanted_hashes", pd.DataFrame({"text_hash": sorted(set(hashes))}))
    try:
        table = con.sql(f"""SELECT e.text_hash, e.vector FROM {VECTOR_TABLES[dim]} e
                            WHERE e.model = ? AND e.text_hash IN (SELECT text_hash FROM wanted_hashes)""",
                        params=[model_id]).to_arrow_table()
    finally:
        con.unregister("wanted_hashes")
    found = {h: i for i, h in enumerate(table.column("text_hash").to_pylist())}
    if not found:
        return {}, np.zeros((0, dim), dtype=np.float32)
    flat = table.column("vector").combine_chunks().flatten().to_numpy(zero_copy_only=False)
    return found, np.asarray(flat, dtype=np.float32).reshape(len(found), dim)


def insert_vectors(con: duckdb.DuckDBPyConnection, hashes: list[str], vectors: np.ndarray, model_id: str) -> None:
    if not hashes:
        return
    dim = vectors.shape[1]
    # Arrow's fixed-size list of the matrix's own buffer: no Python object per vector (this runs inside a write)
    flat = pa.array(np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1))
    con.register("fresh_vectors", pa.table({"text_hash": pa.array(hashes, pa.string()),
                                            "vector": pa.FixedSizeListArray.from_arrays(flat, dim)}))
    try:
        con.execute(f"""INSERT INTO {VECTOR_TABLES[dim]} SELECT text_hash, ?, CAST(vector AS FLOAT[{dim}]), now()
                        FROM fresh_vectors ON CONFLICT DO NOTHING""", [model_id])
    finally:
        con.unregister("fresh_vectors")


# --- annotations and placements -------------------------------------------------------------------

def write_annotations(con: duckdb.DuckDBPyConnection, rows: pd.DataFrame, now: datetime,
                      only_new: bool = False) -> None:
    """Write annotations computed with no connection open, re-checked against the database as it is now:
    a theme correction made meanwhile wins, an item deleted meanwhile is skipped, and with ``only_new`` an
    item another run annotated meanwhile is left as it is."""
    if rows.empty:
        return
    rows = rows.copy()
    corrections = theme_corrections(con)
    picked = [corrections.get(i) for i in rows["item_id"]]
    rows["themes"] = [c[0] if c else t for c, t in zip(picked, rows["themes"], strict=True)]
    rows["themes_by"] = [c[1] if c else b for c, b in zip(picked, rows["themes_by"], strict=True)]
    con.register("new_analysis", rows)
    try:
        if not only_new:
            con.execute("DELETE FROM item_analysis WHERE item_id IN (SELECT item_id FROM new_analysis)")
        con.execute("""INSERT INTO item_analysis (item_id, themes, themes_by, addressee, addressee_text, specificity,
                                                  specificity_note, action_verbs, object_words, ask_verb, analyzed_at)
                       SELECT item_id, CAST(themes AS VARCHAR[]), themes_by, CAST(addressee AS VARCHAR[]),
                              addressee_text, specificity, specificity_note, CAST(action_verbs AS VARCHAR[]),
                              CAST(object_words AS VARCHAR[]), ask_verb, ? FROM new_analysis
                       WHERE item_id IN (SELECT item_id FROM items)
                         AND item_id NOT IN (SELECT item_id FROM item_analysis)""", [now])
    finally:
        con.unregister("new_analysis")


def write_actions(con: duckdb.DuckDBPyConnection, rows: pd.DataFrame) -> None:
    """Keep the asks an analysis read for annotated items the store had none for (item_id, action_verbs,
    object_words, ask_verb); an item annotated again meanwhile keeps what that run wrote."""
    if rows.empty:
        return
    con.register("read_actions", rows)
    try:
        con.execute("""UPDATE item_analysis a SET action_verbs = CAST(r.action_verbs AS VARCHAR[]),
                              object_words = CAST(r.object_words AS VARCHAR[]), ask_verb = r.ask_verb
                       FROM read_actions r WHERE a.item_id = r.item_id AND a.ask_verb IS NULL""")
    finally:
        con.unregister("read_actions")


def open_now(con: duckdb.DuckDBPyConnection, item_ids: list[str]) -> tuple[set[str], set[str], set[tuple[str, str]]]:
    """For placements computed with no connection open: which of these calls still exist, in their source and
    in no recommendation; every recommendation id; the (call, recommendation) pairs people rejected."""
    still = {r[0] for r in con.execute(
        """SELECT item_id FROM items WHERE item_id IN (SELECT unnest(?)) AND in_source
           AND item_id NOT IN (SELECT item_id FROM memberships)""", [item_ids]).fetchall()}
    recs = {r[0] for r in con.execute("SELECT rec_id FROM recommendations").fetchall()}
    rejected = {(r[0], r[1]) for r in con.execute(
        "SELECT item_id, rec_id FROM rejections WHERE item_id IN (SELECT unnest(?))", [item_ids]).fetchall()}
    return still, recs, rejected


def write_places(con: duckdb.DuckDBPyConnection, places: pd.DataFrame, candidates: pd.DataFrame,
                 new_titles: dict[str, str], by: str, now: datetime) -> dict[str, str]:
    """Create the recommendations of ``new_titles`` (key "new:<k>" -> machine title) and write the memberships
    (PLACE_COLUMNS, rec_id an existing id or a key) and each placed call's candidates (CANDIDATE_COLUMNS);
    returns the id given to each key."""
    made: dict[str, str] = {}
    for key, title in new_titles.items():
        number = fetch_one(con, "SELECT nextval('recommendation_seq')")[0]
        rec_id = f"R{number}"
        con.execute("""INSERT INTO recommendations (rec_id, title, title_by, created_at, created_by)
                       VALUES (?, ?, 'machine', ?, 'machine')""", [rec_id, title, now])
        made[key] = rec_id
    if places.empty:
        return made
    places = places.assign(rec_id=[made.get(r, r) for r in places["rec_id"]])
    con.register("new_places", places[PLACE_COLUMNS])
    try:
        con.execute("DELETE FROM memberships WHERE item_id IN (SELECT item_id FROM new_places)")
        con.execute("""INSERT INTO memberships (item_id, rec_id, state, score, evidence_item_id, evidence_mine,
                                                evidence_theirs, decided_by, decided_at)
                       SELECT item_id, rec_id, state, score, evidence_item_id, evidence_mine, evidence_theirs,
                              ?, ? FROM new_places""", [by, now])
    finally:
        con.unregister("new_places")
    con.execute("DELETE FROM candidates WHERE item_id IN (SELECT unnest(?))", [places["item_id"].tolist()])
    if len(candidates):
        candidates = candidates.assign(rec_id=[made.get(r, r) for r in candidates["rec_id"]])
        con.register("new_candidates", candidates[CANDIDATE_COLUMNS])
        try:
            con.execute("INSERT INTO candidates SELECT * FROM new_candidates")
        finally:
            con.unregister("new_candidates")
    return made


def memberships_of(con: duckdb.DuckDBPyConnection, item_ids: list[str]) -> dict[str, tuple[Any, Any]]:
    """item id -> (rec_id, state) for those of these calls in a recommendation."""
    return {r[0]: (r[1], r[2]) for r in con.execute(
        "SELECT item_id, rec_id, state FROM memberships WHERE item_id IN (SELECT unnest(?))", [item_ids]).fetchall()}


def log_moves(con: duckdb.DuckDBPyConnection, moves: list[tuple[str, Any, str]], by: str, now: datetime) -> None:
    """One history row per call a re-analysis moved: (item id, from, to)."""
    record(con, [Change("item", item_id, "recommendation", old, new, by, now, "reanalysis")
                 for item_id, old, new in moves])


def drop_empty_recommendations(con: duckdb.DuckDBPyConnection) -> None:
    """Unconfirmed recommendations left with no call."""
    con.execute("""DELETE FROM recommendations r WHERE NOT r.confirmed
                   AND NOT EXISTS (SELECT 1 FROM memberships m WHERE m.rec_id = r.rec_id)""")


# --- runs and decisions ---------------------------------------------------------------------------

def log_run(con: duckdb.DuckDBPyConnection, now: datetime, seconds: float, mode: str, reason: str, method: str,
            items: int, embedded: int, summary: str) -> None:
    """One row of analysis_runs, with the recommendations and recurring ones counted as they are now."""
    recs, recurring = fetch_one(con, """
        SELECT count(*), count(*) FILTER (WHERE n >= 2) FROM (
            SELECT m.rec_id, count(DISTINCT i.session_id) AS n FROM memberships m JOIN items i USING (item_id)
            GROUP BY m.rec_id)""")
    con.execute("""INSERT INTO analysis_runs (finished_at, seconds, mode, reason, method, items, groups, recurring,
                                              embedded, summary) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [now, seconds, mode, reason, method, items, recs, recurring, embedded, summary])


def last_run(store: Store) -> dict:
    """The last row of analysis_runs as a dict; empty before the first analysis."""
    frame = store.query("SELECT * FROM analysis_runs ORDER BY run_id DESC LIMIT 1")
    return {} if frame.empty else frame.iloc[0].to_dict()


def addressee_of(store: Store, item_id: str) -> list[str]:
    """The normalized addressees found in an item; empty when none (or not analyzed)."""
    return list(store.scalar("SELECT addressee FROM item_analysis WHERE item_id = ?", [item_id]) or [])


def record_learning_reset(con: duckdb.DuckDBPyConnection, by: str, now: datetime) -> None:
    con.execute("""INSERT INTO analysis_decisions (kind, item_ids, other_ids, themes, decided_by, decided_at)
                   VALUES ('reset_learning', [], [], [], ?, ?)""", [by, now])


def record_themes(store: Store, item_id: str, themes: list[str], by: str) -> bool:
    """A person's themes for an item (kept as a decision, and on the item's annotation); False, with nothing
    written, for an unknown item."""

    def run(con: duckdb.DuckDBPyConnection) -> bool:
        if con.execute("SELECT 1 FROM items WHERE item_id = ?", [item_id]).fetchone() is None:
            return False
        con.execute("""INSERT INTO analysis_decisions (kind, item_ids, other_ids, themes, decided_by, decided_at)
                       VALUES ('themes', ?, [], ?, ?, ?)""", [[item_id], themes, by, datetime.now()])
        con.execute("UPDATE item_analysis SET themes = ?, themes_by = ? WHERE item_id = ?", [themes, by, item_id])
        return True

    return store.write(run)
