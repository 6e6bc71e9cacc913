"""Read side of the analysis: pandas frames the dashboard charts directly and the exports merge.

A recommendation's calls are its members and its pending suggestions (shown as such); years, sessions, counts
and "recurring" are over its confirmed calls still in their source (``store.queries.recommendation_spans_sql``),
with what the pending suggestions would add beside them. Follow-up figures count recommendations, each with its own
status, so a call raised three times counts once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..store import Store
from ..store.queries import CONFIRMED_MEMBER, recommendation_spans_sql, recurrence_counts
from ..vocabulary import STATUSES

RECOMMENDATION_COLUMNS = ["rec_id", "title", "status", "owner", "due_date", "notes", "item_ids", "n_items",
                          "n_sessions", "years", "first_year", "last_year", "confirmed", "recurring", "pending",
                          "suggested_item_ids"]
RECOMMENDATION_EXTRA = ["sessions", "n_sessions_suggested", "suggested_years", "recurring_suggested", "themes",
                        "title_by", "version", "updated_by", "updated_at"]
MEMBER_COLUMNS = ["rec_id", "item_id", "state", "year", "session_id", "session_title", "kind", "section", "text",
                  "status", "owner", "in_source", "score"]
ANNOTATION_COLUMNS = ["item_id", "themes", "addressee", "addressee_text", "specificity", "rec_id", "rec_title",
                      "suggested_rec_id"]
ANNOTATION_EXTRA = ["specificity_note", "themes_by", "rec_sessions", "rec_years", "rec_recurring"]
REVIEW_COLUMNS = ["item_id", "text", "year", "session_title", "kind", "rec_id", "title", "rec_years", "rec_sessions",
                  "rec_members", "representative", "evidence_mine", "evidence_theirs", "score"]

_SPANS = recommendation_spans_sql()  # the one definition of what a recommendation spans, and "recurring"


def _as_list(value: object) -> list:
    if not isinstance(value, (list, tuple, np.ndarray)):
        return []  # NULL (None, NaN or pd.NA)
    return [v.item() if hasattr(v, "item") else v for v in list(value)]  # numpy scalars -> Python


def recommendations_frame(store: Store, recurring_only: bool = False) -> pd.DataFrame:
    """One row per recommendation: follow-up fields, its members (item_ids; n_items in their source),
    n_sessions, years, first/last year and recurring, all over confirmed calls; confirmed (a person accepted,
    titled or followed it up); pending suggestions (suggested_item_ids, n_sessions_suggested, suggested_years,
    recurring_suggested: it recurs only if they are accepted) and the themes most of its members share;
    recurring first, then the most sessions."""
    having = "WHERE sp.recurring" if recurring_only else ""
    frame = store.query(f"""
        WITH {_SPANS.strip()},
        themes AS (
            SELECT rec_id, list(theme ORDER BY n DESC, theme) AS themes FROM (
                SELECT rec_id, theme, count(*) AS n FROM (
                    SELECT m.rec_id, unnest(a.themes) AS theme FROM memberships m JOIN item_analysis a USING (item_id)
                    WHERE m.state = 'member')
                GROUP BY ALL) GROUP BY rec_id)
        SELECT r.rec_id, r.title, r.status, r.owner, r.due_date, r.notes, sp.item_ids, sp.n_items, sp.n_sessions,
               sp.years, sp.first_year, sp.last_year, r.confirmed, sp.recurring, sp.pending, sp.suggested_item_ids,
               sp.sessions, sp.n_sessions_suggested, sp.suggested_years, sp.recurring_suggested,
               coalesce(t.themes[1:3], []) AS themes, r.title_by, r.version, r.updated_by, r.updated_at
        FROM recommendations r JOIN spans sp USING (rec_id) LEFT JOIN themes t USING (rec_id) {having}
        ORDER BY sp.n_sessions DESC, sp.recurring_suggested DESC, sp.n_sessions_suggested DESC, sp.n_items DESC,
                 sp.first_year NULLS LAST,
                 CAST(substr(r.rec_id, 2) AS INTEGER)""")
    if frame.empty:
        return pd.DataFrame(columns=RECOMMENDATION_COLUMNS + RECOMMENDATION_EXTRA)
    for column in ("item_ids", "suggested_item_ids", "sessions", "years", "suggested_years", "themes"):
        frame[column] = frame[column].map(_as_list)
    for column in ("confirmed", "recurring", "recurring_suggested"):
        frame[column] = frame[column].astype(bool)
    for column in ("first_year", "last_year", "n_items", "n_sessions", "pending", "n_sessions_suggested", "version"):
        frame[column] = frame[column].astype("Int64")
    return frame[RECOMMENDATION_COLUMNS + RECOMMENDATION_EXTRA].reset_index(drop=True)


def members_frame(store: Store, rec_id: str | None = None) -> pd.DataFrame:
    """The calls of one recommendation (or all): member or suggested, session, year, text, status, owner."""
    where, params = ("", []) if rec_id is None else ("WHERE m.rec_id = ?", [rec_id])
    frame = store.query(f"""
        SELECT m.rec_id, i.item_id, m.state, s.year, i.session_id, s.title AS session_title, i.kind, i.section,
               i.text, i.status, i.owner, i.in_source, m.score
        FROM memberships m JOIN items i USING (item_id) LEFT JOIN sessions s USING (session_id) {where}
        ORDER BY m.rec_id, s.year NULLS LAST, i.session_id, i.position""", params)
    frame["year"] = frame["year"].astype("Int64")
    return frame[MEMBER_COLUMNS]


def review_queue(store: Store) -> pd.DataFrame:
    """Pending suggestions, oldest report first: the call, the recommendation it would join (title, years,
    sessions, members, one representative member) and the evidence (the two sentences that matched best).
    The evidence names a call only while it is a member of that recommendation: a call a person took out of it
    is never shown as its evidence (another member stands in, with no sentence marked)."""
    frame = store.query(f"""
        WITH {_SPANS.strip()}
        SELECT m.item_id, i.text, s.year, s.title AS session_title, i.kind, m.rec_id, r.title, sp.years AS rec_years,
               sp.n_sessions AS rec_sessions, sp.n_items AS rec_members,
               CASE WHEN em.item_id IS NOT NULL THEN e.text ELSE
                   (SELECT first(i2.text ORDER BY i2.item_id) FROM memberships m2 JOIN items i2 USING (item_id)
                    WHERE m2.rec_id = m.rec_id AND m2.state = 'member') END AS representative,
               CASE WHEN em.item_id IS NOT NULL THEN m.evidence_mine ELSE '' END AS evidence_mine,
               CASE WHEN em.item_id IS NOT NULL THEN m.evidence_theirs ELSE '' END AS evidence_theirs, m.score
        FROM memberships m JOIN items i USING (item_id) LEFT JOIN sessions s USING (session_id)
        JOIN recommendations r USING (rec_id) JOIN spans sp USING (rec_id)
        LEFT JOIN memberships em ON em.item_id = m.evidence_item_id AND em.rec_id = m.rec_id AND em.state = 'member'
        LEFT JOIN items e ON e.item_id = m.evidence_item_id
        WHERE m.state = 'suggested' AND i.in_source
        ORDER BY s.year NULLS LAST, i.session_id, i.position""")
    if frame.empty:
        return pd.DataFrame(columns=REVIEW_COLUMNS)
    frame["rec_years"] = frame["rec_years"].map(_as_list)
    frame["year"] = frame["year"].astype("Int64")
    return frame[REVIEW_COLUMNS].reset_index(drop=True)


CANDIDATE_COLUMNS = ["rank", "rec_id", "title", "rec_years", "rec_sessions", "rec_members", "score", "evidence_item_id",
                     "representative", "evidence_mine", "evidence_theirs"]


def review_candidates(store: Store, item_id: str) -> pd.DataFrame:
    """The recommendations offered for a suggested call, most likely first (the suggestion itself first): each
    with its facts and evidence, the member the call matches best and the two sentences most alike. A
    recommendation a person said the call is not, or that no longer exists, is left out; evidence that is no
    longer a member of the recommendation (a call a person took out) is replaced by a current member."""
    frame = store.query(f"""
        WITH {_SPANS.strip()}
        SELECT c.rank, c.rec_id, r.title, sp.years AS rec_years, sp.n_sessions AS rec_sessions,
               sp.n_items AS rec_members, c.score,
               CASE WHEN em.item_id IS NOT NULL THEN c.evidence_item_id ELSE
                   (SELECT first(m2.item_id ORDER BY m2.item_id) FROM memberships m2
                    WHERE m2.rec_id = c.rec_id AND m2.state = 'member' AND m2.item_id <> c.item_id) END
                   AS evidence_item_id,
               CASE WHEN em.item_id IS NOT NULL THEN c.evidence_mine ELSE '' END AS evidence_mine,
               CASE WHEN em.item_id IS NOT NULL THEN c.evidence_theirs ELSE '' END AS evidence_theirs
        FROM candidates c JOIN recommendations r USING (rec_id) JOIN spans sp USING (rec_id)
        LEFT JOIN memberships em ON em.item_id = c.evidence_item_id AND em.rec_id = c.rec_id
                                 AND em.state = 'member'
        WHERE c.item_id = ? AND NOT EXISTS (SELECT 1 FROM rejections x WHERE x.item_id = c.item_id
                                                                       AND x.rec_id = c.rec_id)
        ORDER BY c.rank""", [item_id])
    if frame.empty:
        return pd.DataFrame(columns=CANDIDATE_COLUMNS)
    texts = dict(store.query("SELECT item_id, text FROM items WHERE item_id IN (SELECT unnest(?))",
                             [[i for i in frame["evidence_item_id"] if isinstance(i, str)]]).itertuples(index=False,
                                                                                                 name=None))
    frame["representative"] = [texts.get(i, "") if isinstance(i, str) else "" for i in frame["evidence_item_id"]]
    frame["rec_years"] = frame["rec_years"].map(_as_list)
    return frame[CANDIDATE_COLUMNS].reset_index(drop=True)


def review_count(store: Store) -> int:
    return int(store.scalar("""SELECT count(*) FROM memberships m JOIN items i USING (item_id)
                               WHERE m.state = 'suggested' AND i.in_source""") or 0)


def item_annotations(store: Store) -> pd.DataFrame:
    """Per item: themes, addressee (normalized list and as written), specificity (0-3), rec_id and
    rec_title (members), suggested_rec_id (a pending suggestion); plus, for members, the
    recommendation's sessions, years and whether it recurs, over confirmed calls (a pending suggestion is not a
    fact: these stay empty and No for it)."""
    frame = store.query(f"""
        WITH {_SPANS.strip()}
        SELECT a.item_id, a.themes, a.addressee, a.addressee_text, a.specificity,
               CASE WHEN m.state = 'member' THEN m.rec_id END AS rec_id,
               CASE WHEN m.state = 'member' THEN r.title END AS rec_title,
               CASE WHEN m.state = 'suggested' THEN m.rec_id END AS suggested_rec_id,
               a.specificity_note, a.themes_by,
               CASE WHEN m.state = 'member' THEN sp.n_sessions END AS rec_sessions,
               CASE WHEN m.state = 'member' THEN sp.years END AS rec_years,
               m.state = 'member' AND coalesce(sp.recurring, FALSE) AS rec_recurring
        FROM item_analysis a LEFT JOIN memberships m USING (item_id) LEFT JOIN recommendations r USING (rec_id)
        LEFT JOIN spans sp USING (rec_id) ORDER BY a.item_id""")
    if frame.empty:
        return pd.DataFrame(columns=ANNOTATION_COLUMNS + ANNOTATION_EXTRA)
    for column in ("themes", "addressee", "rec_years"):
        frame[column] = frame[column].map(_as_list)
    frame["rec_sessions"] = frame["rec_sessions"].astype("Int64")
    frame["rec_recurring"] = frame["rec_recurring"].fillna(False).astype(bool)
    frame["specificity"] = frame["specificity"].astype("Int64")
    return frame[ANNOTATION_COLUMNS + ANNOTATION_EXTRA]


_LIVE = """FROM items i JOIN item_analysis a USING (item_id) LEFT JOIN sessions s USING (session_id)
           WHERE i.in_source"""


def _kind_filter(kinds: list[str] | None) -> tuple[str, list[str]]:
    if not kinds:
        return "", []
    return f" AND i.kind IN ({', '.join('?' for _ in kinds)})", list(kinds)


def _theme_order() -> list[str]:
    from .themes import load_themes

    try:
        return [t.name for t in load_themes()]
    except ValueError:
        return []


def theme_year_frame(store: Store, kinds: list[str] | None = None) -> pd.DataFrame:
    """Long form for the theme x year heatmap: theme, year, items, sessions (all kinds unless ``kinds``);
    one row per theme and year with at least one item, themes in taxonomy order."""
    where, params = _kind_filter(kinds)
    out = store.query(f"""
        SELECT theme, year, count(DISTINCT item_id) AS items, count(DISTINCT session_id) AS sessions
        FROM (SELECT i.item_id, i.session_id, s.year, unnest(a.themes) AS theme {_LIVE}{where})
        WHERE year IS NOT NULL GROUP BY theme, year""", params)
    if out.empty:
        return pd.DataFrame(columns=["theme", "year", "items", "sessions"])
    order = {name: k for k, name in enumerate(_theme_order())}
    out["_o"] = out["theme"].map(order).fillna(len(order))
    out = out.sort_values(["_o", "theme", "year"]).drop(columns="_o").reset_index(drop=True)
    out["year"] = out["year"].astype(int)
    return out[["theme", "year", "items", "sessions"]]


def status_by_theme_frame(store: Store) -> pd.DataFrame:
    """theme, status, recommendations — for stacked bars: each recommendation once under each of its themes,
    with its own status."""
    out = store.query(f"""
        SELECT theme, status, count(*) AS recommendations FROM (
            SELECT DISTINCT r.rec_id, r.status, unnest(a.themes) AS theme
            FROM recommendations r JOIN memberships m USING (rec_id) JOIN items i USING (item_id)
            JOIN item_analysis a USING (item_id) WHERE {CONFIRMED_MEMBER})
        GROUP BY theme, status""")
    if out.empty:
        return pd.DataFrame(columns=["theme", "status", "recommendations"])
    order = {name: k for k, name in enumerate(_theme_order())}
    out["_o"] = out["theme"].map(order).fillna(len(order))
    out["_s"] = out["status"].map({s: k for k, s in enumerate(STATUSES)})
    return out.sort_values(["_o", "theme", "_s"]).drop(columns=["_o", "_s"]).reset_index(drop=True)


def progress_by_first_year_frame(store: Store) -> pd.DataFrame:
    """first_year (the year a recommendation was first made), status, recommendations, share (0-1 in the
    year): a call repeated in 2024 of a 2022 recommendation counts once, under 2022."""
    out = store.query(f"""
        WITH {_SPANS.strip()}
        SELECT CAST(sp.first_year AS INTEGER) AS first_year, r.status, count(*) AS recommendations
        FROM recommendations r JOIN spans sp USING (rec_id) WHERE sp.first_year IS NOT NULL GROUP BY ALL""")
    if out.empty:
        return pd.DataFrame(columns=["first_year", "status", "recommendations", "share"])
    out["share"] = out["recommendations"] / out.groupby("first_year")["recommendations"].transform("sum")
    out["first_year"] = out["first_year"].astype(int)
    out["_s"] = out["status"].map({s: k for k, s in enumerate(STATUSES)})
    return out.sort_values(["first_year", "_s"]).drop(columns="_s").reset_index(drop=True)


def recurring_count(store: Store) -> int | None:
    """How many recommendations recur on confirmed calls (``store.queries.recommendation_spans_sql``); None
    before the analysis has run."""
    if not store.scalar("SELECT count(*) FROM analysis_runs"):
        return None
    return recurrence_counts(store)["recurring"]


def status_counts(store: Store) -> pd.DataFrame:
    """status, recommendations: the follow-up figures of the Overview."""
    return store.query(f"""SELECT status, count(*) AS recommendations FROM recommendations r
                          WHERE EXISTS (SELECT 1 FROM memberships m JOIN items i USING (item_id)
                                        WHERE m.rec_id = r.rec_id AND {CONFIRMED_MEMBER})
                          GROUP BY status""")
