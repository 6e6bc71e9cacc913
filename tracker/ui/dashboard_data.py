"""Frames, text helpers and file builders behind the dashboard pages; none of this needs Streamlit.

The pages stay thin: widgets call these functions, which read through ``tracker.store.queries`` and
``tracker.analysis`` and return plain frames, strings or bytes that are easy to test.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from ..reading.models import Document
from ..services.editing import EDITABLE, EditConflict
from ..services.exporting import excel_bytes as excel_file
from ..services.exporting import readable, session_name, spreadsheet_safe
from ..store import Store
from ..store.queries import ItemFilter, history_frame, items_frame
from ..vocabulary import CLOSED_STATUSES, KIND_LABELS, KINDS, STATUSES, kind_label, status_label

OVERDUE_FLAG = "⚠ overdue"

# Columns of the Tracker table and of its CSV / Excel downloads, in display order.
TABLE_COLUMNS = ["flag", "year", "session", "kind", "text", "status", "owner", "due_date", "recurring", "rec_sessions",
                 "recommendation", "notes", "themes", "addressee", "section", "in_source", "updated_by", "updated_at",
                 "item_id"]
# ... in the machine names of `tracker export`; the downloads are their readable form (services.exporting)
DOWNLOAD_COLUMNS = ["year", "session_type", "session_number", "session_title", "kind", "text", "status", "owner",
                    "due_date", "notes", "overdue", "recommendation", "recurring", "rec_sessions",
                    "rec_years", "themes", "addressee", "section", "in_source", "updated_at", "updated_by",
                    "rec_id", "source", "item_id"]
FIELD_LABELS = {"status": "Status", "owner": "Owner", "due_date": "Due date", "notes": "Notes", "title": "Title",
                "recommendation": "Recommendation", "not_same": "Recommendation",
                "not_same_started": "Recommendation", "created": "Started", "merged_into": "Merged"}
HISTORY_KINDS = {"item": "Follow-up of a call", "recommendation": "Follow-up of a recommendation",
                 "decision": "Review and grouping", "import": "Import", "person": "Roles",
                 "draft": "Proposal drafts"}
VIA_LABELS = {"dashboard": "in the dashboard", "cli": "on the command line", "bulk": "by a bulk update",
              "reanalysis": "by the re-analysis", "review": "in To review", "load": ""}

def data_token(store: Store) -> str:
    """Changes whenever the database file is written (by this process or another), cheap to compute.

    Reads do not touch the file, and every write is checkpointed into it when the connection
    closes, so size + modification time of the file and its WAL identify the data version without
    opening DuckDB.
    """
    parts = []
    for path in (store.path, Path(str(store.path) + ".wal")):
        try:
            st = path.stat()
            parts.append(f"{st.st_mtime_ns}:{st.st_size}")
        except OSError:
            parts.append("-")
    return "|".join(parts)


def shorten(text: Any, limit: int = 90) -> str:
    text = re.sub(r"\s+", " ", str(text or "")).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def highlight_html(text: str, spans: Iterable[tuple], *, title: str = "") -> str:
    """The document text as HTML with each item span in ``<mark class="kind">``; a span given as
    (start, end, kind, anchor) gets ``id="occ-<anchor>"`` so a link can jump to it.

    Every fragment of the document is passed through ``html.escape``; only the ``<mark>`` and
    wrapper tags are ours. Overlapping spans are clipped so tags always nest correctly.
    """
    parts: list[str] = []
    cursor = 0
    marks: list[tuple[int, int, str, str]] = sorted(
        (int(span[0]), int(span[1]), str(span[2]), str(span[3]) if len(span) > 3 else "") for span in spans)
    for start, end, kind, anchor in marks:
        start = max(start, cursor)
        end = min(end, len(text))
        if end <= start:
            continue
        parts.append(html.escape(text[cursor:start]))
        css = kind if kind in KINDS else "item"
        ident = f' id="occ-{html.escape(anchor)}"' if anchor else ""
        parts.append(f'<mark class="{css}"{ident} title="{html.escape(kind_label(kind))}">'
                     f"{html.escape(text[start:end])}</mark>")
        cursor = end
    parts.append(html.escape(text[cursor:]))
    heading = f'<div class="doc-title">{html.escape(title)}</div>' if title else ""
    # a scrollable region: focusable and named, so it can be scrolled with the keyboard (WCAG 2.1.1)
    label = html.escape(f"Source text{': ' + title if title else ''}", quote=True)
    return (f'{heading}<div class="doc-text" tabindex="0" role="region" aria-label="{label}">'
            f'{"".join(parts)}</div>')


def items_html(items: Iterable[Mapping[str, Any]]) -> str:
    """The items of a session as an escaped list; each links to its first highlight (``anchor``) in the source
    text shown by ``highlight_html``. Item text stays literal: addresses in it are text, never links."""
    rows = []
    for item in items:
        anchor = item.get("anchor")
        jump = (f' <a class="jump" href="#occ-{html.escape(str(anchor))}" title="Show it in the source text">'
                "in the text ↓</a>" if anchor is not None else "")
        kind, status = str(item.get("kind")), status_label(item.get("status"))
        late = f' <span class="overdue">{html.escape(OVERDUE_FLAG)}</span>' if item.get("overdue") else ""
        rows.append(f'<li><mark class="{html.escape(kind)}">{html.escape(kind_label(kind))}</mark> '
                    f'<span class="status">{html.escape(status)}</span>{late}{jump}'
                    f'<div class="item-text">{html.escape(str(item.get("text") or ""))}</div></li>')
    return f'<ol class="item-list">{"".join(rows)}</ol>'


HIGHLIGHT_CSS = """<style>
.doc-title{font-weight:600;margin:.25rem 0 .4rem}
.doc-text{white-space:pre-wrap;overflow-wrap:anywhere;font-size:.9rem;line-height:1.5;max-height:36rem;
  overflow-y:auto;padding:.75rem 1rem;border:1px solid rgba(128,128,128,.35);border-radius:.5rem}
.doc-text mark{border-radius:.2rem;padding:0 .1rem;color:inherit}
.doc-text mark.takeaway{background:rgba(59,130,246,.22)}
.doc-text mark.action{background:rgba(245,158,11,.32)}
.doc-text mark.question{background:rgba(168,85,247,.22)}
.doc-text mark:target{outline:2px solid #c81e1e;outline-offset:1px}
.doc-text:focus-visible{outline:2px solid #0b57d0;outline-offset:2px}
.doc-text{scroll-padding-top:2rem}
.item-list{padding-left:1.4rem;margin:0}
.item-list li{margin:.2rem 0 .6rem}
.item-list mark{border-radius:.2rem;padding:0 .3rem;color:inherit;font-size:.8rem}
.item-list mark.takeaway{background:rgba(59,130,246,.22)}
.item-list mark.action{background:rgba(245,158,11,.32)}
.item-list mark.question{background:rgba(168,85,247,.22)}
.item-list .status{font-size:.8rem;color:#4a4a4a;margin-left:.3rem}
.item-list .overdue{font-size:.8rem;color:#c53030;font-weight:600;margin-left:.3rem}
.item-list .jump{font-size:.8rem;margin-left:.5rem}
.item-list .item-text{white-space:pre-wrap;overflow-wrap:anywhere}
.doc-legend mark{border-radius:.2rem;padding:0 .3rem;margin-right:.6rem;color:inherit}
.doc-legend mark.takeaway{background:rgba(59,130,246,.22)}
.doc-legend mark.action{background:rgba(245,158,11,.32)}
.doc-legend mark.question{background:rgba(168,85,247,.22)}
</style>"""

HIGHLIGHT_LEGEND = ('<div class="doc-legend">' + "".join(
    f'<mark class="{k}">{html.escape(KIND_LABELS[k])}</mark>' for k in KINDS) + "</div>")


def is_empty(store: Store) -> bool:
    """True when the database is missing or has no documents loaded yet."""
    if not store.exists():
        return True
    return not store.scalar("SELECT count(*) FROM documents")


def seed_if_empty(store: Store, seeds_dir: Path) -> str | None:
    """First run: load the bundled seeds and analyze them; a one-line summary, or None if not needed."""
    if not is_empty(store):
        return None
    from ..services.importing import import_paths

    imported = import_paths(store, [seeds_dir])
    return imported.report.summary() + (f"; {imported.analysis}" if imported.analysis else "")


def _join(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, str):
        return value
    try:
        return ", ".join(str(v) for v in value)
    except TypeError:
        return str(value)


def _as_list(value: Any) -> list:
    if value is None or isinstance(value, str) or (isinstance(value, float) and value != value):
        return [value] if isinstance(value, str) and value else []
    try:
        return list(value)
    except TypeError:
        return []


def overdue_mask(frame: pd.DataFrame, today: date | None = None) -> pd.Series:
    """Due date in the past and not done or dropped."""
    today = today or date.today()
    due = pd.to_datetime(frame["due_date"], errors="coerce")
    return (due < pd.Timestamp(today)) & ~frame["status"].isin(CLOSED_STATUSES)


def session_label(year: Any, session_type: Any, number: Any, title: Any = "", limit: int = 60) -> str:
    """'2024 Open Forum #12 — Title', the title cut at ``limit`` (the exports' session name, shortened)."""
    return session_name(year, session_type, number, title, limit)


def tracker_table(store: Store, flt: ItemFilter | None = None, annotations: pd.DataFrame | None = None,
                  *, only_overdue: bool = False, today: date | None = None) -> pd.DataFrame:
    """Items for the Tracker page: the query's filter plus themes (from analysis) and the overdue flag.

    The frame's index is the item id, so row positions in a table editor map back to ids.
    """
    flt = flt or ItemFilter()
    frame = items_frame(store, flt)
    notes = annotations if annotations is not None else pd.DataFrame()
    if not notes.empty and "item_id" in notes:
        keep = [c for c in ("item_id", "themes", "addressee", "addressee_text", "rec_id", "rec_title",
                            "suggested_rec_id", "rec_sessions", "rec_years",
                            "rec_recurring") if c in notes]
        frame = frame.merge(notes[keep], on="item_id", how="left")
    for column in ("themes", "addressee", "rec_years"):
        if column not in frame:
            frame[column] = [[] for _ in range(len(frame))]
        frame[column] = frame[column].map(_as_list)
    for column in ("rec_id", "rec_title", "suggested_rec_id", "addressee_text"):
        if column not in frame:
            frame[column] = ""
        frame[column] = frame[column].fillna("").astype(str)
    if flt.themes:
        wanted = set(flt.themes)
        frame = frame[frame["themes"].map(lambda ts: bool(wanted.intersection(ts)))]
    frame = frame.copy()
    frame["due_date"] = pd.to_datetime(frame["due_date"], errors="coerce").dt.date
    frame["due_date"] = frame["due_date"].astype(object).where(frame["due_date"].notna(), None)
    frame["overdue"] = overdue_mask(frame, today)
    if only_overdue:
        frame = frame[frame["overdue"]]
    frame["flag"] = frame["overdue"].map(lambda o: OVERDUE_FLAG if o else "")
    frame["session"] = [session_label(None, t, n, "" if t else title) for t, n, title in
                        zip(frame["session_type"], frame["session_number"], frame["session_title"], strict=True)]
    _recommendation_columns(store, frame)
    for column in ("owner", "notes", "updated_by", "speaker", "explanation", "addressee_text"):
        frame[column] = frame[column].fillna("").astype(str)
    frame["version"] = frame["version"].astype(int)
    return frame.set_index("item_id", drop=False).rename_axis(None)


def _recommendation_columns(store: Store, frame: pd.DataFrame) -> None:
    """recommendation (its full title; a pending suggestion says so), recurring, rec_sessions, rec_years."""
    suggested = frame["suggested_rec_id"]
    titles: dict[str, str] = {}
    if (suggested != "").any():
        titles = dict(store.query("SELECT rec_id, title FROM recommendations").itertuples(index=False, name=None))
    frame["recommendation"] = [
        member if member else (f"{titles.get(s, s)} (suggested, to review)" if s else "")
        for member, s in zip(frame["rec_title"], suggested, strict=True)]
    sessions = frame["rec_sessions"] if "rec_sessions" in frame else pd.Series(pd.NA, index=frame.index)
    frame["rec_sessions"] = pd.to_numeric(sessions, errors="coerce").astype("Int64")
    # the analysis says whether it recurs (confirmed calls only: store.queries.recommendation_spans_sql)
    recurring = frame["rec_recurring"] if "rec_recurring" in frame else pd.Series(False, index=frame.index)
    frame["recurring"] = recurring.astype("boolean").fillna(False).astype(bool)
    frame["rec_years"] = frame["rec_years"].map(years_text)


def years_text(values: Any) -> str:
    """Years as "2022, 2023, 2024" (sorted, each once); '' for none."""
    try:
        return ", ".join(str(y) for y in sorted({int(v) for v in _as_list(values) if not _blank(v)}))
    except (TypeError, ValueError):
        return ""


def display_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The Tracker grid's columns: lists joined into text, every column with one dtype."""
    table = frame.copy()
    table["themes"] = table["themes"].map(_join)
    table["addressee"] = table["addressee"].map(_join)
    table["status"] = table["status"].astype(str)
    table["kind"] = table["kind"].map(kind_label)
    return table[TABLE_COLUMNS]


def download_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The filtered Tracker table as it is downloaded: one row per item, readable headers and labels (the same
    as `tracker export --labels`), lists joined with '; '."""
    table = frame.reset_index(drop=True).drop(columns=["session"], errors="ignore")
    return readable(table[[c for c in DOWNLOAD_COLUMNS if c in table]], "items")


def csv_bytes(frame: pd.DataFrame) -> bytes:
    # utf-8-sig so Excel opens the CSV with the right encoding; text that looks like a formula stays text
    return spreadsheet_safe(download_frame(frame)).to_csv(index=False).encode("utf-8-sig")


def excel_bytes(frame: pd.DataFrame, sheet: str = "Items") -> bytes:
    """An .xlsx of the filtered table (``services.exporting.excel_bytes``: filters, wrapped text, widths)."""
    return excel_file(download_frame(frame), sheet)


def _blank(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def grid_changes(frame: pd.DataFrame, edited_rows: Mapping[Any, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """A table editor's ``edited_rows`` (keyed by row position) as {item id: {field: new value}}.

    ``frame`` must be the frame that was shown; only editable fields are kept, and a change back
    to the stored value is dropped.
    """
    changes: dict[str, dict[str, Any]] = {}
    for position, edits in edited_rows.items():
        row = frame.iloc[int(position)]
        item_changes = {}
        for field_name, value in edits.items():
            if field_name not in EDITABLE:
                continue
            value = None if _blank(value) else value
            if field_name in ("owner", "notes") and value is None:
                value = ""
            if field_name == "due_date" and value is not None:
                value = str(value)[:10]
            old = row[field_name]
            old = None if _blank(old) else (old.isoformat() if isinstance(old, date) else old)
            if field_name in ("owner", "notes"):
                old = old or ""
            if value != old:
                item_changes[field_name] = value
        if item_changes:
            changes[str(row["item_id"])] = item_changes
    return changes


def pending_edits(frame: pd.DataFrame, start: Mapping[str, Mapping[str, Any]],
                  edited_rows: Mapping[Any, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Every unsaved edit: ``start`` (the edits the grid was drawn with, also on rows not shown) updated by the
    editor's ``edited_rows`` on ``frame``; a field edited back to its stored value is no longer pending."""
    pending = {str(i): dict(c) for i, c in start.items()}
    for position, edits in edited_rows.items():
        item_id = str(frame.iloc[int(position)]["item_id"])
        for field_name in edits:
            pending.get(item_id, {}).pop(field_name, None)
    for item_id, changes in grid_changes(frame, edited_rows).items():
        pending.setdefault(item_id, {}).update(changes)
    return {i: c for i, c in pending.items() if c}


def conflict_rows(conflict: EditConflict, opened: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Both sides of an item's edit conflict: one row per field the editor changed or the other person changed
    (their saved value differs from ``opened``, what the editor loaded), with what the editor had opened."""
    opened = opened or {}
    who = conflict.changed_by or "someone else"
    rows = []
    for field_name in EDITABLE:
        theirs = conflict.theirs.get(field_name)
        changed_by_them = field_name in opened and _text(theirs) != _text(opened[field_name])
        if field_name in conflict.yours or changed_by_them:
            row = {"field": FIELD_LABELS[field_name]}
            if opened:
                row["you opened"] = _shown(field_name, opened.get(field_name))
            row["saved by " + who] = _shown(field_name, theirs)
            row["yours (not saved)"] = (_shown(field_name, conflict.yours[field_name]) if field_name in conflict.yours
                                        else "(you did not change it: theirs stays)")
            rows.append(row)
    return pd.DataFrame(rows)


def conflict_fields(conflict: EditConflict, opened: Mapping[str, Any] | None = None) -> tuple[list[str], list[str]]:
    """The fields (labels) the other person changed since ``opened``, and the fields the editor changed."""
    opened = opened or {}
    theirs = [FIELD_LABELS[f] for f in EDITABLE if f in opened and _text(conflict.theirs.get(f)) != _text(opened[f])]
    return theirs, [FIELD_LABELS[f] for f in EDITABLE if f in conflict.yours]


def _text(value: Any) -> str:
    if _blank(value):
        return ""
    return value.isoformat() if isinstance(value, date) else str(value)


def headline(store: Store) -> dict[str, Any]:
    """Overview numbers: sessions and items by kind (``queries.counts``), and the follow-up figures, which count
    recommendations (a call raised three times counts once): recommendations (None before the analysis),
    recurring (on confirmed calls) and recurring_suggested (the others that recur only through pending
    suggestions; both None before the analysis), to_review, done_count / tracked = share_done over recommendations
    not dropped. Before the analysis (or with no recommendation) the share counts takeaways and calls to
    action one by one, and ``share_of`` says which."""
    from ..analysis import recurring_count, review_count, status_counts
    from ..store.queries import counts, recurrence_counts

    numbers: dict[str, Any] = dict(counts(store))
    recurring = recurring_count(store)
    by_status = status_counts(store)
    per = {str(s): int(n) for s, n in zip(by_status["status"], by_status["recommendations"], strict=True)}
    total = sum(per.values())
    numbers["recurring"] = recurring
    numbers["recurring_suggested"] = None if recurring is None else recurrence_counts(store)["suggested"]
    numbers["recommendations"] = None if recurring is None else total
    numbers["to_review"] = review_count(store)
    if total:
        numbers["share_of"] = "recommendations"
        numbers["done_count"] = per.get("done", 0)
        numbers["tracked"] = total - per.get("dropped", 0)
    else:
        numbers["share_of"] = "calls"
        row = store.query("""SELECT count(*) FILTER (WHERE status = 'done') AS done,
                                    count(*) FILTER (WHERE status <> 'dropped') AS tracked
                             FROM items WHERE in_source AND kind IN ('takeaway', 'action')""").iloc[0]
        numbers["done_count"], numbers["tracked"] = int(row["done"]), int(row["tracked"])
    tracked = numbers["tracked"]
    numbers["share_done"] = (numbers["done_count"] / tracked) if tracked else 0.0
    return numbers


def recurring_note(suggested: Any) -> str:
    """'2 more suggested, to review': the recommendations that recur only through pending suggestions, said
    beside the confirmed count, never added to it; '' when there are none."""
    n = _int(suggested)
    return f"{n} more suggested, to review" if n else ""


def progress_from_items(items: pd.DataFrame) -> pd.DataFrame:
    """Progress by year with each takeaway and call to action counted on its own (before the analysis has
    made recommendations of them): first_year, status, items, share."""
    calls = items[items["kind"].isin(["takeaway", "action"])].dropna(subset=["year"])
    if "in_source" in calls:
        calls = calls[calls["in_source"].astype(bool)]
    if calls.empty:
        return pd.DataFrame(columns=["first_year", "status", "items", "share"])
    frame = calls.groupby(["year", "status"]).size().rename("items").reset_index()
    frame = frame.rename(columns={"year": "first_year"})
    frame["first_year"] = frame["first_year"].astype(int)
    frame["share"] = frame["items"] / frame.groupby("first_year")["items"].transform("sum")
    return frame


# --- recommendations ----------------------------------------------------------------------------

def recommendation_name(rec_id: Any, title: Any) -> str:
    """R3 'International cooperation' (the full title, never shortened); the id alone without a title."""
    rec_id = "" if _blank(rec_id) else str(rec_id)
    title = "" if _blank(title) else str(title)
    return f"{rec_id} '{title}'" if title and rec_id else (rec_id or title)


def recommendation_facts(rec: Mapping[str, Any]) -> str:
    """One line about a recommendation row of ``recommendations_frame``: years, sessions and calls people
    confirmed, then the pending suggestions beside them ("2 suggested, to review (2023)")."""
    n_sessions, n_items = _int(rec.get("n_sessions")), _int(rec.get("n_items"))
    parts = [years_text(rec.get("years")) or "no year",
             f"{n_sessions} session{'s' if n_sessions != 1 else ''}",
             # "calls" means calls to action everywhere; a recommendation gathers key takeaways too
             f"{n_items} takeaways and calls" if n_items != 1 else "1 takeaway or call"]
    pending = _int(rec.get("pending"))
    if pending:
        more = years_text(rec.get("suggested_years"))
        parts.append(f"{pending} more suggested, to review" + (f" ({more})" if more else ""))
    return " · ".join(parts)


def _int(value: Any) -> int:
    return 0 if _blank(value) else int(value)


def calls_progress(members: pd.DataFrame, rec_id: str) -> tuple[int, dict[str, int], str]:
    """How the calls of a recommendation stand (its confirmed takeaways and calls to action still on their
    page; questions have no say): how many, how many per status, and the status they all share ('' when they
    differ or there are none)."""
    if members.empty:
        return 0, {}, ""
    mine = members[(members["rec_id"] == rec_id) & (members["state"] == "member")
                   & members["in_source"].astype(bool) & members["kind"].isin(["takeaway", "action"])]
    counts = {str(k): int(v) for k, v in mine["status"].value_counts().items()}
    agreed = next(iter(counts)) if len(counts) == 1 else ""
    return len(mine), counts, agreed


def calls_progress_text(total: int, counts: Mapping[str, int]) -> str:
    """'2 of 3 calls done', '3 of 3 calls done', '1 of 2 calls done, 1 in progress'."""
    if not total:
        return ""
    noun = "call" if total == 1 else "calls"
    text = f"{counts.get('done', 0)} of {total} {noun} done"
    if counts.get("in_progress"):
        text += f", {counts['in_progress']} in progress"
    if counts.get("dropped"):
        text += f", {counts['dropped']} dropped"
    return text


def recommendation_conflict_rows(conflict: EditConflict, base: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Both sides of a refused recommendation edit: every field you changed, and every field the other person
    changed since you opened it (their value differs from ``base``, the values you opened)."""
    base = base or {}
    rows = []
    for field_name in ("title", "status", "owner", "due_date", "notes"):
        theirs = conflict.theirs.get(field_name)
        yours = conflict.yours.get(field_name, base.get(field_name, theirs))
        changed_by_them = field_name in base and _text(theirs) != _text(base[field_name])
        if field_name in conflict.yours or changed_by_them:
            rows.append({"field": FIELD_LABELS[field_name],
                         "saved by " + (conflict.changed_by or "someone else"): _shown(field_name, theirs),
                         "yours (not saved)": _shown(field_name, yours)})
    return pd.DataFrame(rows)


def _shown(field_name: str, value: Any) -> str:
    return status_label(value) if field_name == "status" and not _blank(value) else _text(value)


# --- history ------------------------------------------------------------------------------------

def history_table(store: Store, subject_id: str | None = None, person: str | None = None,
                  limit: int = 5000) -> pd.DataFrame:
    """The change log, newest first, in readable rows: changed_at, changed_by, kind (``HISTORY_KINDS``),
    subject ('item' | 'recommendation' | 'report_call' | 'draft' | 'person' | 'document'), subject_id, what (the
    item's or the report call's full text, the recommendation's id and title, the draft's name and forum, or the
    file and its session), change ("Status: Not started → In progress", "moved to R3 'International
    cooperation'", "saved version 3", "imported … : 8 items"), how ("in the dashboard"), via, and the raw field,
    old_value and new_value. Imports are the last load of each file (the store keeps no more); they are left
    out when one subject or person is asked for."""
    log = history_frame(store, subject_id, person, limit).rename(columns={"item_id": "subject_id"})
    titles = dict(store.query("SELECT rec_id, title FROM recommendations").itertuples(index=False, name=None))
    drafts = {f"D{i}": f"Proposal draft '{name}' (IGF {year})" for i, name, year in
              store.query("SELECT draft_id, name, target_year FROM drafts").itertuples(index=False, name=None)}
    columns = ["changed_at", "changed_by", "kind", "subject", "subject_id", "what", "change", "how", "via", "field",
               "old_value", "new_value"]
    if not log.empty:
        log["what"] = [text if subject in ("item", "report_call") and isinstance(text, str) else
                       ("Recommendation " + recommendation_name(sid, titles.get(sid)) if subject == "recommendation"
                        else drafts.get(sid, str(sid)) if subject == "draft" else str(sid))
                       for subject, sid, text in zip(log["subject"], log["subject_id"], log["item_text"], strict=True)]
        log["change"] = [describe_change(f, old, new, via, titles) for f, old, new, via in
                         zip(log["field"], log["old_value"], log["new_value"], log["via"], strict=True)]
        log["kind"] = [HISTORY_KINDS["decision"] if f in ("recommendation", "not_same", "not_same_started", "created",
                                                          "merged_into", "review") else
                       HISTORY_KINDS[subject if subject in ("recommendation", "person", "draft") else "item"]
                       for f, subject in zip(log["field"], log["subject"], strict=True)]
    parts = [log.reindex(columns=columns)] if not log.empty else []
    if subject_id is None and person is None:
        imports = _imports(store)
        if not imports.empty:
            parts.append(imports.reindex(columns=columns))
    if not parts:
        return pd.DataFrame(columns=columns)
    table = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    table["how"] = table["via"].map(lambda v: VIA_LABELS.get(str(v), "" if _blank(v) else f"via {v}"))
    table = table.sort_values("changed_at", ascending=False, kind="stable", na_position="last")
    return table.reset_index(drop=True)[columns]


def _imports(store: Store) -> pd.DataFrame:
    """One row per loaded file: when it was last loaded and by whom, what session it is and how many items it
    gave."""
    docs = store.query("""SELECT d.source, d.item_count, d.loaded_at, d.loaded_by, s.year, s.session_type, s.number,
                                 s.title
                          FROM documents d LEFT JOIN sessions s USING (session_id)""")
    if docs.empty:
        return pd.DataFrame()
    label = [session_label(y, t, n, title, 80) for y, t, n, title in
             zip(docs["year"], docs["session_type"], docs["number"], docs["title"], strict=True)]
    return pd.DataFrame({
        "changed_at": docs["loaded_at"], "changed_by": docs["loaded_by"].fillna(""), "kind": HISTORY_KINDS["import"],
        "subject": "document",
        "subject_id": docs["source"], "what": label,
        "change": [f"imported {src}: {int(n)} item{'s' if int(n) != 1 else ''}" if int(n) else
                   f"imported {src}: no published outcomes" for src, n in zip(docs["source"], docs["item_count"],
                                                                          strict=True)],
        "via": "load", "field": "import", "old_value": None, "new_value": docs["item_count"].astype(str)})


def describe_change(field_name: str, old: Any, new: Any, via: Any, titles: Mapping[str, str]) -> str:
    """One history row in words, with full values (nothing cut)."""
    old = "" if _blank(old) else str(old)
    new = "" if _blank(new) else str(new)

    def rec(rec_id: str) -> str:
        return recommendation_name(rec_id, titles.get(rec_id))

    if field_name == "recommendation":
        if old.startswith("suggested: ") and old[len("suggested: "):] == new:
            return f"accepted into {rec(new)} (same recommendation)"
        if not old:
            return f"placed in {rec(new)}"
        how = " by the re-analysis" if via == "reanalysis" else ""
        if old.startswith("suggested: "):  # it was only a suggestion there, never in it
            return f"placed{how} in {rec(new)} (it had been suggested for {rec(old.removeprefix('suggested: '))})"
        return f"moved{how} to {rec(new)} (from {rec(old)})"
    if field_name in ("not_same", "not_same_started"):
        turned_down = ", ".join(rec(r.strip()) for r in old.split(",") if r.strip())
        done = "started" if field_name == "not_same_started" else "added to"
        return f"not the same as {turned_down}; {done} {rec(new)}"
    if field_name == "created":
        return "started this recommendation" + (f", titled '{new}'" if new else "")
    if field_name == "merged_into":
        return f"merged into {rec(new)}"
    if field_name == "review":  # a call found in the report text
        return {"accepted": "accepted as a call to action from the report text",
                "rejected": "rejected: not a call to action"}.get(new, f"review: {old} → {new}")
    if field_name == "draft_created":
        return f"started the draft, version 1: {new}"
    if field_name == "draft_saved":
        return f"saved version {new}"
    label = FIELD_LABELS.get(field_name, field_name)
    if field_name == "status":
        old, new = (status_label(v) if v else "" for v in (old, new))
    return f"{label}: {old or '(empty)'} → {new or '(empty)'}"


def import_summary(imported: Any) -> str:
    """What an import did, in words: one sentence per file, then what the analysis placed."""
    sentences = []
    for result in imported.report.results:
        items = f"{result.items} item{'s' if result.items != 1 else ''}"
        if result.replaced and result.status in ("added", "updated"):
            gone = f", {result.items_gone} no longer on the page (kept, marked removed)" if result.items_gone else ""
            sentences.append(f"{result.source} replaced {', '.join(result.replaced)} (the same session's page): "
                             f"{result.items_new} new item(s){gone}.")
        elif result.status == "added":
            sentences.append(f"Added {result.source}: {items}.")
        elif result.status == "updated":
            gone = f", {result.items_gone} no longer on the page (kept, marked removed)" if result.items_gone else ""
            sentences.append(f"Updated {result.source}: {result.items_new} new item(s){gone}.")
        elif result.status == "unchanged":
            sentences.append(f"{result.source} was already imported with the same content: nothing changed.")
        else:
            sentences.append(f"Not imported: {result.error}")
    if imported.analysis:
        sentences.append(f"Analysis: {imported.analysis}")
    return " ".join(sentences)


def preview_items(document: Document) -> pd.DataFrame:
    """What an import would add from one parsed page: kind, section and text of each item."""
    return pd.DataFrame([{"kind": kind_label(item.kind), "section": " | ".join(item.sections), "text": item.text,
                          "speaker": item.speaker} for item in document.items],
                        columns=["kind", "section", "text", "speaker"])


def status_options() -> list[str]:
    return list(STATUSES)
