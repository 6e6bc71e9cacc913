"""Read side: pandas frames the dashboard charts directly and the export merges.

Sessions, years and statuses are joined in at read time, so a status edit shows at once without
re-running the analysis.
"""

from __future__ import annotations

import pandas as pd

from ..models import STATUSES
from ..store import Store
from .core import CALL_KINDS

ANNOTATION_COLUMNS = ["id", "themes", "addressee", "addressee_text", "specificity", "group_id", "group_label",
                      "group_sessions", "group_years"]
ANNOTATION_EXTRA = ["specificity_note", "themes_by", "group_recurring"]
GROUP_COLUMNS = ["group_id", "label", "n_items", "n_sessions", "sessions", "years", "first_year", "last_year",
                 "recurring", "themes", "report_status", "confirmed"]
GROUP_EXTRA = ["label_item_id", "kinds", "statuses"]
MEMBER_COLUMNS = ["group_id", "id", "year", "session_id", "session_title", "kind", "section", "text", "status",
                  "owner"]
MEMBER_EXTRA = ["themes", "addressee", "specificity", "is_label"]

_MEMBERS_SQL = """
    SELECT a.group_id, i.item_id AS id, s.year, i.session_id, s.title AS session_title, i.kind, i.section, i.text,
           i.status, i.owner, a.themes, a.addressee, a.specificity, (g.label_item_id = i.item_id) AS is_label
    FROM item_analysis a JOIN items i USING (item_id) LEFT JOIN sessions s USING (session_id)
    LEFT JOIN analysis_groups g USING (group_id)
    WHERE a.group_id IS NOT NULL"""


def _as_list(value: object) -> list:
    if value is None or (isinstance(value, float) and value != value):
        return []
    return [v.item() if hasattr(v, "item") else v for v in list(value)]  # numpy scalars -> Python


def _years(values: pd.Series) -> list[int]:
    return sorted({int(v) for v in values.dropna()})


def report_status(statuses: list[str], kinds: list[str]) -> str:
    """The one status to report for a recommendation made by several items.

    Counted over the group's calls (takeaways and actions), or over all members when it has none:
    - ``done``: every counted member is done or dropped, and at least one is done;
    - ``dropped``: every counted member is dropped;
    - ``in_progress``: otherwise, when any counted member is in progress or done (partly followed up);
    - ``not_started``: nothing has been started.
    """
    counted = [s for s, k in zip(statuses, kinds, strict=True) if k in CALL_KINDS] or list(statuses)
    if not counted:
        return "not_started"
    if all(s == "dropped" for s in counted):
        return "dropped"
    if all(s in ("done", "dropped") for s in counted):
        return "done"
    if any(s in ("in_progress", "done") for s in counted):
        return "in_progress"
    return "not_started"


def group_members_frame(store: Store, group_id: str | None = None) -> pd.DataFrame:
    """Members of one group (or all groups): the item, its session/year, text and follow-up status."""
    where, params = ("", []) if group_id is None else (" AND a.group_id = ?", [group_id])
    frame = store.query(_MEMBERS_SQL + where + " ORDER BY a.group_id, s.year NULLS LAST, i.session_id, i.position",
                        params)
    for column in ("themes", "addressee"):
        frame[column] = frame[column].map(_as_list)
    frame["year"] = frame["year"].astype("Int64")
    return frame[MEMBER_COLUMNS + MEMBER_EXTRA]


_GROUPS_SQL = """
    WITH m AS (
        SELECT a.group_id, i.session_id, s.year, i.kind, i.status, i.kind IN ({calls}) AS is_call
        FROM item_analysis a JOIN items i USING (item_id) LEFT JOIN sessions s USING (session_id)
        WHERE a.group_id IS NOT NULL),
    g AS (
        SELECT group_id, count(*) AS n_items, count(DISTINCT session_id) AS n_sessions,
               list(DISTINCT session_id ORDER BY session_id) AS sessions,
               coalesce(list(DISTINCT year ORDER BY year) FILTER (WHERE year IS NOT NULL), []) AS years,
               min(year) AS first_year, max(year) AS last_year,
               list(DISTINCT kind ORDER BY kind) AS kinds, list(status) AS statuses,
               -- the members that count for the status to report: the calls, or everyone if none
               count(*) FILTER (WHERE is_call) AS n_calls,
               count(*) FILTER (WHERE is_call AND status = 'dropped') AS calls_dropped,
               count(*) FILTER (WHERE is_call AND status = 'done') AS calls_done,
               count(*) FILTER (WHERE is_call AND status = 'in_progress') AS calls_in_progress,
               count(*) FILTER (WHERE status = 'dropped') AS all_dropped,
               count(*) FILTER (WHERE status = 'done') AS all_done,
               count(*) FILTER (WHERE status = 'in_progress') AS all_in_progress
        FROM m GROUP BY group_id {having}),
    c AS (
        SELECT *, CASE WHEN n_calls > 0 THEN n_calls ELSE n_items END AS total,
               CASE WHEN n_calls > 0 THEN calls_dropped ELSE all_dropped END AS dropped,
               CASE WHEN n_calls > 0 THEN calls_done ELSE all_done END AS done,
               CASE WHEN n_calls > 0 THEN calls_in_progress ELSE all_in_progress END AS in_progress
        FROM g)
    SELECT c.group_id, h.label, c.n_items, c.n_sessions, c.sessions, c.years, c.first_year, c.last_year,
           c.n_sessions >= 2 AS recurring, coalesce(h.themes, []) AS themes,
           CASE WHEN dropped = total THEN 'dropped'
                WHEN dropped + done = total THEN 'done'
                WHEN done + in_progress > 0 THEN 'in_progress'
                ELSE 'not_started' END AS report_status,
           coalesce(h.confirmed, FALSE) AS confirmed, h.label_item_id, c.kinds, c.statuses
    FROM c JOIN analysis_groups h USING (group_id)
    ORDER BY c.n_sessions DESC, c.n_items DESC, c.first_year NULLS LAST, h.label"""


def groups_frame(store: Store, recurring_only: bool = False) -> pd.DataFrame:
    """One row per group (single items are groups of one): label, n_items, n_sessions, sessions (list),
    years (list[int]), first_year, last_year, recurring (>= 2 sessions), themes (list), report_status
    (see ``report_status``; computed in SQL by the same rule), confirmed (people's decisions cover every
    member); most sessions first."""
    calls = ", ".join(f"'{kind}'" for kind in CALL_KINDS)
    having = "HAVING count(DISTINCT session_id) >= 2" if recurring_only else ""
    frame = store.query(_GROUPS_SQL.format(calls=calls, having=having))
    if frame.empty:
        return pd.DataFrame(columns=GROUP_COLUMNS + GROUP_EXTRA)
    for column in ("sessions", "years", "themes", "kinds", "statuses"):
        frame[column] = frame[column].map(_as_list)
    frame["confirmed"] = frame["confirmed"].astype(bool)
    frame["recurring"] = frame["recurring"].astype(bool)
    frame["first_year"] = frame["first_year"].astype("Int64")
    frame["last_year"] = frame["last_year"].astype("Int64")
    return frame[GROUP_COLUMNS + GROUP_EXTRA].reset_index(drop=True)


def item_annotations(store: Store) -> pd.DataFrame:
    """Per item: themes (list[str]), addressee (list[str], normalized), addressee_text (as written),
    specificity (0-3), group_id, group_label, group_sessions (distinct sessions), group_years (list[int]);
    plus specificity_note, themes_by ('machine' or who corrected them), group_recurring."""
    frame = store.query("""
        SELECT a.item_id AS id, a.themes, a.addressee, a.addressee_text, a.specificity, a.group_id,
               g.label AS group_label, a.specificity_note, a.themes_by
        FROM item_analysis a LEFT JOIN analysis_groups g USING (group_id) ORDER BY a.item_id""")
    if frame.empty:
        return pd.DataFrame(columns=ANNOTATION_COLUMNS + ANNOTATION_EXTRA)
    spans = store.query("""
        SELECT a.group_id, count(DISTINCT i.session_id) AS group_sessions,
               list(DISTINCT s.year ORDER BY s.year) FILTER (WHERE s.year IS NOT NULL) AS group_years
        FROM item_analysis a JOIN items i USING (item_id) LEFT JOIN sessions s USING (session_id)
        WHERE a.group_id IS NOT NULL GROUP BY a.group_id""")
    frame = frame.merge(spans, on="group_id", how="left")
    for column in ("themes", "addressee", "group_years"):
        frame[column] = frame[column].map(_as_list)
    frame["group_sessions"] = frame["group_sessions"].astype("Int64")
    frame["group_recurring"] = (frame["group_sessions"].fillna(0) >= 2).astype(bool)
    frame["specificity"] = frame["specificity"].astype("Int64")
    return frame[ANNOTATION_COLUMNS + ANNOTATION_EXTRA]


_LIVE = """FROM items i JOIN item_analysis a USING (item_id) LEFT JOIN sessions s USING (session_id)
           WHERE i.in_source"""


def _kind_filter(kinds: list[str] | None) -> tuple[str, list[str]]:
    if not kinds:
        return "", []
    return f" AND i.kind IN ({', '.join('?' for _ in kinds)})", list(kinds)


def _theme_order(store: Store) -> list[str]:
    from .themes import load_themes

    try:
        return [t.name for t in load_themes()]
    except ValueError:
        return []


# The aggregates run in DuckDB: at 100,000 items, exploding list columns in pandas costs most of the time.


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
    order = {name: k for k, name in enumerate(_theme_order(store))}
    out["_o"] = out["theme"].map(order).fillna(len(order))
    out = out.sort_values(["_o", "theme", "year"]).drop(columns="_o").reset_index(drop=True)
    out["year"] = out["year"].astype(int)
    return out[["theme", "year", "items", "sessions"]]


def status_by_theme_frame(store: Store, kinds: list[str] | None = None) -> pd.DataFrame:
    """theme, status, items — for stacked bars. Counts calls (takeaways and actions) unless ``kinds``."""
    where, params = _kind_filter(kinds or list(CALL_KINDS))
    out = store.query(f"""
        SELECT theme, status, count(*) AS items
        FROM (SELECT i.status, unnest(a.themes) AS theme {_LIVE}{where}) GROUP BY theme, status""", params)
    if out.empty:
        return pd.DataFrame(columns=["theme", "status", "items"])
    order = {name: k for k, name in enumerate(_theme_order(store))}
    out["_o"] = out["theme"].map(order).fillna(len(order))
    out["_s"] = out["status"].map({s: k for k, s in enumerate(STATUSES)})
    return out.sort_values(["_o", "theme", "_s"]).drop(columns=["_o", "_s"]).reset_index(drop=True)


def progress_by_first_year_frame(store: Store, kinds: list[str] | None = None) -> pd.DataFrame:
    """first_year (year the call was first made), status, items, share (0-1 within the year).

    Counts calls (takeaways and actions; questions are planning material) unless ``kinds``, each with
    its own status, under the first year its group appeared: a 2024 repeat of a 2022 call counts
    under 2022, so the chart shows how long recommendations have been waiting."""
    where, params = _kind_filter(kinds or list(CALL_KINDS))
    out = store.query(f"""
        WITH live AS (SELECT i.item_id, i.kind, i.status, s.year, a.group_id {_LIVE}),
        firsts AS (SELECT group_id, min(year) AS first_year FROM live WHERE group_id IS NOT NULL GROUP BY group_id)
        SELECT CAST(coalesce(f.first_year, l.year) AS INTEGER) AS first_year, l.status, count(*) AS items
        FROM live l LEFT JOIN firsts f USING (group_id)
        WHERE coalesce(f.first_year, l.year) IS NOT NULL {where.replace("i.kind", "l.kind")}
        GROUP BY ALL""", params)
    if out.empty:
        return pd.DataFrame(columns=["first_year", "status", "items", "share"])
    out["share"] = out["items"] / out.groupby("first_year")["items"].transform("sum")
    out["first_year"] = out["first_year"].astype(int)
    out["_s"] = out["status"].map({s: k for k, s in enumerate(STATUSES)})
    return out.sort_values(["first_year", "_s"]).drop(columns="_s").reset_index(drop=True)


def recurring_count(store: Store) -> int | None:
    """How many groups span two or more sessions; None before the analysis has run."""
    if not store.scalar("SELECT count(*) FROM analysis_groups"):
        return None
    return int(store.scalar("""
        SELECT count(*) FROM (SELECT a.group_id FROM item_analysis a JOIN items i USING (item_id)
                              WHERE a.group_id IS NOT NULL GROUP BY a.group_id
                              HAVING count(DISTINCT i.session_id) >= 2)"""))
