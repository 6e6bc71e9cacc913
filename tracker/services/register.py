"""The recommendation register: one row per recommendation with what was raised, what was done about it and
whether it is late, as audit offices keep it; recommendation outcomes; what is overdue.

Only a recommendation's *member* calls count (years, sessions, addressees): calls the machine merely suggested
are counted apart (``pending``) until a person accepts them. A recommendation is *overdue* when its due date
has passed, it is neither done nor dropped, and its outcome is still open; an item when its due date has
passed and it is neither done nor dropped.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pandas as pd

from ..store import Store
from ..store.queries import history_frame
from ..vocabulary import CLOSED_SQL, CLOSED_STATUSES, FOLLOWED_KINDS_SQL, STATUS_LABELS, session_name
from .access import requires
from .editing import EditError, apply, clean_value

OUTCOMES = ("open", "implemented", "partly_implemented", "not_implemented")
OUTCOME_LABELS = {"open": "Open", "implemented": "Closed — implemented",
                  "partly_implemented": "Closed — partly implemented",
                  "not_implemented": "Closed — not implemented"}

REGISTER_COLUMNS = ["rec_id", "title", "years", "sessions", "session_labels", "n_sessions", "n_calls", "first_year",
                    "status", "outcome", "outcome_reason", "closed_on", "owner", "due_date", "overdue", "addressees",
                    "themes", "notes", "evidence", "status_history", "recurring", "pending", "confirmed"]

# machine column -> header in words, in the order a person reads them (the register's download)
REGISTER_HEADERS = {
    "title": "Recommendation",
    "status": "Status",
    "owner": "Owner",
    "outcome": "Outcome",
    "due_date": "Due date",
    "overdue": "Overdue",
    "years": "Years raised",
    "session_labels": "Sessions raised in",
    "n_sessions": "Number of sessions",
    "n_calls": "Takeaways and calls to action",
    "outcome_reason": "Reason not implemented",
    "closed_on": "Closed on",
    "addressees": "Addressed to",
    "themes": "Themes",
    "notes": "Latest note",
    "evidence": "Evidence",
    "status_history": "Status history",
    "recurring": "Recurring",
    "pending": "Suggested calls to review",
    "confirmed": "Confirmed by a person",
    "rec_id": "Id",
}

FIELD_WORDS = {"title": "title", "status": "status", "owner": "owner", "due_date": "due date", "notes": "note",
               "outcome": "outcome", "outcome_reason": "reason", "closed_on": "closed on", "in_source": "on its page"}


def is_overdue(due: Any, status: Any, outcome: Any = "open", today: date | None = None) -> bool:
    if due is None or (isinstance(due, float) and due != due) or due is pd.NaT or pd.isna(due):
        return False
    due_day = pd.Timestamp(due).date()
    return due_day < (today or date.today()) and str(status) not in CLOSED_STATUSES and str(outcome or "open") == "open"


_REGISTER_SQL = """
    WITH mem AS (
        SELECT m.rec_id, i.item_id, i.session_id, s.year
        FROM memberships m JOIN items i USING (item_id) LEFT JOIN sessions s USING (session_id)
        WHERE m.state = 'member' AND i.in_source),
    spans AS (
        SELECT rec_id, count(*) AS n_calls, count(DISTINCT session_id) AS n_sessions,
               coalesce(list(DISTINCT year ORDER BY year) FILTER (WHERE year IS NOT NULL), []) AS years,
               list(DISTINCT session_id ORDER BY session_id) AS sessions, min(year) AS first_year
        FROM mem GROUP BY rec_id),
    pending AS (
        SELECT m.rec_id, count(*) AS pending FROM memberships m JOIN items i USING (item_id)
        WHERE m.state = 'suggested' AND i.in_source GROUP BY m.rec_id),
    addressees AS (
        SELECT rec_id, list(who ORDER BY n DESC, who) AS addressees FROM (
            SELECT rec_id, who, count(*) AS n FROM (
                SELECT mem.rec_id, unnest(a.addressee) AS who FROM mem JOIN item_analysis a USING (item_id))
            GROUP BY ALL) GROUP BY rec_id),
    themes AS (
        SELECT rec_id, list(theme ORDER BY n DESC, theme) AS themes FROM (
            SELECT rec_id, theme, count(*) AS n FROM (
                SELECT mem.rec_id, unnest(a.themes) AS theme FROM mem JOIN item_analysis a USING (item_id))
            GROUP BY ALL) GROUP BY rec_id),
    ev AS (
        SELECT subject_id AS rec_id,
               list(CASE WHEN url IS NOT NULL THEN label || ' <' || url || '>'
                         ELSE label || ' (file ' || file_name || ')' END ORDER BY evidence_id) AS evidence
        FROM evidence WHERE subject = 'recommendation' AND removed_at IS NULL GROUP BY subject_id)
    SELECT r.rec_id, r.title, sp.years, sp.sessions, sp.n_sessions, sp.n_calls, sp.first_year, r.status, r.outcome,
           r.outcome_reason, r.closed_on, r.owner, r.due_date, coalesce(ad.addressees, []) AS addressees,
           coalesce(t.themes[1:3], []) AS themes, r.notes, coalesce(ev.evidence, []) AS evidence,
           coalesce(p.pending, 0) AS pending, r.confirmed
    FROM recommendations r JOIN spans sp USING (rec_id) LEFT JOIN pending p USING (rec_id)
    LEFT JOIN addressees ad USING (rec_id) LEFT JOIN themes t USING (rec_id) LEFT JOIN ev USING (rec_id)
    ORDER BY sp.n_sessions DESC, sp.n_calls DESC, sp.first_year NULLS LAST, CAST(substr(r.rec_id, 2) AS INTEGER)"""


def _as_list(value: Any) -> list:
    if value is None or isinstance(value, (str, float)):
        return []
    return [v.item() if hasattr(v, "item") else v for v in list(value)]


def _date(value: Any) -> date | None:
    if value is None or value is pd.NaT or (not isinstance(value, (date, datetime)) and pd.isna(value)):
        return None
    return pd.Timestamp(value).date()


def session_labels(store: Store) -> dict[str, str]:
    """session id -> '2024 Open Forum #6' (the title only when a session has no type and number)."""
    rows = store.query("SELECT session_id, forum, year, session_type, number, title FROM sessions")
    return {r.session_id: session_name(r.year, r.session_type, r.number, r.title, 60, r.forum, brief=True)
            for r in rows.itertuples()}


def register_frame(store: Store, today: date | None = None, session_ids: list[str] | None = None) -> pd.DataFrame:
    """The register (REGISTER_COLUMNS): every recommendation with at least one member call still on its page
    (with ``session_ids``, one raised in one of those sessions), recurring ones first."""
    frame = store.query(_REGISTER_SQL)
    if frame.empty:
        return pd.DataFrame(columns=REGISTER_COLUMNS)
    for column in ("years", "sessions", "addressees", "themes", "evidence"):
        frame[column] = frame[column].map(_as_list)
    if session_ids is not None:
        wanted = set(session_ids)
        frame = frame[frame["sessions"].map(lambda ids: bool(wanted.intersection(ids)))].copy()
    labels = session_labels(store)
    frame["session_labels"] = frame["sessions"].map(lambda ids: sorted(labels.get(i, i) for i in ids))
    for column in ("due_date", "closed_on"):
        frame[column] = frame[column].map(_date).astype(object)
    frame["status_history"] = frame["rec_id"].map(_status_histories(store)).map(
        lambda lines: lines if isinstance(lines, list) else [])
    frame["overdue"] = [is_overdue(d, s, o, today) for d, s, o in
                        zip(frame["due_date"], frame["status"], frame["outcome"], strict=True)]
    frame["recurring"] = frame["n_sessions"] >= 2
    frame["confirmed"] = frame["confirmed"].astype(bool)
    for column in ("n_sessions", "n_calls", "pending"):
        frame[column] = frame[column].astype(int)
    frame["first_year"] = frame["first_year"].astype("Int64")
    return frame[REGISTER_COLUMNS].reset_index(drop=True)


def _status_histories(store: Store) -> dict[str, list[str]]:
    """rec id -> its status and outcome changes in words, oldest first: '2026-03-02 Ana: Not started → In
    progress'."""
    rows = store.query("""SELECT subject_id, field, old_value, new_value, changed_by, changed_at FROM history
                          WHERE subject = 'recommendation' AND field IN ('status', 'outcome')
                          ORDER BY change_id""")
    out: dict[str, list[str]] = {}
    for row in rows.itertuples():
        old, new = (_value_words(str(row.field), v) for v in (row.old_value, row.new_value))
        out.setdefault(str(row.subject_id), []).append(
            f"{pd.Timestamp(row.changed_at):%Y-%m-%d} {row.changed_by}: {old} → {new}")
    return out


def _words(value: Any) -> Any:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else value


def readable_register(frame: pd.DataFrame) -> pd.DataFrame:
    """Headers and values in words (REGISTER_HEADERS): 'In progress', 'Closed — not implemented', Yes/No,
    lists joined with '; ', dates as YYYY-MM-DD; session ids are left out (their labels say it)."""
    table = frame.copy()
    table["status"] = table["status"].map(lambda v: STATUS_LABELS.get(str(v), v))
    table["outcome"] = table["outcome"].map(lambda v: OUTCOME_LABELS.get(str(v), v))
    table = table[[c for c in REGISTER_HEADERS if c in table]]
    for column in table.columns:
        if table[column].dtype == object or table[column].dtype == bool:
            table[column] = table[column].map(_words).astype(object)
    return table.rename(columns=REGISTER_HEADERS)


def by_addressee(store: Store, session_ids: list[str] | None = None) -> pd.DataFrame:
    """Per addressee (the actors calls are addressed to): its takeaways and calls to action still on their page
    (calls) by status, and the recommendations whose accepted calls address it; most called-on first."""
    where, params = "", []
    if session_ids is not None:
        where = " AND i.session_id IN (" + (", ".join("?" for _ in session_ids) or "NULL") + ")"
        params = list(session_ids)
    return store.query(f"""
        WITH calls AS (
            SELECT i.item_id, i.status, unnest(a.addressee) AS addressee
            FROM items i JOIN item_analysis a USING (item_id)
            WHERE i.in_source AND i.kind IN {FOLLOWED_KINDS_SQL}{where})
        SELECT c.addressee, count(DISTINCT c.item_id) AS calls,
               count(DISTINCT c.item_id) FILTER (WHERE c.status = 'not_started') AS not_started,
               count(DISTINCT c.item_id) FILTER (WHERE c.status = 'in_progress') AS in_progress,
               count(DISTINCT c.item_id) FILTER (WHERE c.status = 'done') AS done,
               count(DISTINCT c.item_id) FILTER (WHERE c.status = 'dropped') AS dropped,
               count(DISTINCT m.rec_id) FILTER (WHERE m.state = 'member') AS recommendations
        FROM calls c LEFT JOIN memberships m USING (item_id)
        GROUP BY c.addressee ORDER BY calls DESC, c.addressee""", params)


def overdue_counts(store: Store, today: date | None = None) -> dict[str, int]:
    """How many recommendations and items (still on their page) are overdue."""
    today = today or date.today()
    row = store.read(lambda con: con.execute(f"""
        SELECT (SELECT count(*) FROM recommendations r WHERE r.due_date < ? AND r.status NOT IN {CLOSED_SQL}
                  AND r.outcome = 'open' AND EXISTS (SELECT 1 FROM memberships m JOIN items i USING (item_id)
                                                     WHERE m.rec_id = r.rec_id AND m.state = 'member'
                                                       AND i.in_source)),
               (SELECT count(*) FROM items WHERE in_source AND due_date < ? AND status NOT IN {CLOSED_SQL})
        """, [today, today]).fetchone())
    return {"recommendations": int(row[0]), "items": int(row[1])} if row else {"recommendations": 0, "items": 0}


def status_history(store: Store, rec_id: str) -> list[str]:
    """What was changed on a recommendation, newest first, in words: '2026-03-02 10:14, Ana: status
    Not started → In progress'."""
    frame = history_frame(store, subject_id=rec_id)
    frame = frame[frame["subject"] == "recommendation"]
    lines = []
    for row in frame.itertuples():
        field_name = str(row.field)
        old, new = (_value_words(field_name, v) for v in (row.old_value, row.new_value))
        when = pd.Timestamp(row.changed_at).strftime("%Y-%m-%d %H:%M")
        lines.append(f"{when}, {row.changed_by}: {FIELD_WORDS.get(field_name, field_name.replace('_', ' '))} "
                     f"{old} → {new}")
    return lines


def _value_words(field_name: str, value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "(none)"
    text = str(value)
    if field_name == "status":
        return STATUS_LABELS.get(text, text)
    if field_name == "outcome":
        return OUTCOME_LABELS.get(text, text)
    return f"“{text}”" if field_name in ("title", "notes", "outcome_reason") else (text or "(none)")


def outcome_fields(outcome: str, reason: str = "", closed_on: Any = None, today: date | None = None
                   ) -> dict[str, Any]:
    """The stored outcome, reason and closing date for what a person gave, or EditError saying what is wrong."""
    code = str(outcome).strip().lower().replace(" ", "_").replace("-", "_")
    if code not in OUTCOMES:
        raise EditError(f"unknown outcome {outcome!r}; use one of: {', '.join(OUTCOMES)}")
    reason = clean_value("notes", reason).strip()
    if code == "not_implemented" and not reason:
        raise EditError("a recommendation closed as not implemented needs a reason (--reason)")
    closed = None if code == "open" else (clean_value("due_date", closed_on) or today or date.today())
    wanted = {"outcome": code, "outcome_reason": "" if code == "open" else reason, "closed_on": closed}
    return wanted


@requires("editor", "record a recommendation's outcome")
def set_outcome(store: Store, rec_id: str, outcome: str, *, by: str, reason: str = "", closed_on: Any = None,
                via: str = "cli", today: date | None = None) -> dict[str, tuple[Any, Any]]:
    """Record a recommendation's outcome (and confirm it): ``open``, or closed as ``implemented``,
    ``partly_implemented`` or ``not_implemented`` (which needs a reason). Closing dates it ``closed_on`` (today
    unless given); reopening clears the date and the reason. Returns what changed; writes nothing when refused."""
    by = (by or "").strip()
    if not by:
        raise EditError("say who records it (--by NAME): changes are kept with the person's name")
    wanted = outcome_fields(outcome, reason, closed_on, today)
    now = datetime.now()

    return store.write(lambda con: apply(con, "recommendation", rec_id, wanted, by, via, None, now).changed,
                       checkpoint=False)
