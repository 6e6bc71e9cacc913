"""The Tracker page's table: items with their analysis columns and overdue flag, the grid's columns, and its
CSV and Excel downloads; what an import would add, as a table."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from ...reading.models import Document
from ...services.exporting import excel_bytes as excel_file
from ...services.exporting import readable, spreadsheet_safe
from ...store import Store
from ...store.dashboard import recommendation_titles
from ...store.queries import ItemFilter, items_frame
from ...vocabulary import CLOSED_STATUSES, kind_label
from .labels import OVERDUE_FLAG, as_list, session_label, years_text

# Columns of the Tracker table and of its CSV / Excel downloads, in display order.
TABLE_COLUMNS = ["flag", "year", "session", "kind", "text", "status", "owner", "due_date", "recurring", "rec_sessions",
                 "recommendation", "notes", "themes", "addressee", "section", "in_source", "updated_by", "updated_at",
                 "item_id"]
# ... in the machine names of `tracker export`; the downloads are their readable form (services.exporting)
DOWNLOAD_COLUMNS = ["year", "session_type", "session_number", "session_title", "kind", "text", "status", "owner",
                    "due_date", "notes", "overdue", "recommendation", "recurring", "rec_sessions",
                    "rec_years", "themes", "addressee", "section", "in_source", "updated_at", "updated_by",
                    "rec_id", "source", "item_id"]


def _join(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, str):
        return value
    try:
        return ", ".join(str(v) for v in value)
    except TypeError:
        return str(value)


def overdue_mask(frame: pd.DataFrame, today: date | None = None) -> pd.Series:
    """Due date in the past and not done or dropped."""
    today = today or date.today()
    due = pd.to_datetime(frame["due_date"], errors="coerce")
    return (due < pd.Timestamp(today)) & ~frame["status"].isin(CLOSED_STATUSES)


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
        frame[column] = frame[column].map(as_list)
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
    frame["session"] = [session_label(None, t, n, title, forum=forum, brief=True) for forum, t, n, title in
                        zip(frame["forum"], frame["session_type"], frame["session_number"], frame["session_title"],
                            strict=True)]
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
        titles = recommendation_titles(store)
    frame["recommendation"] = [
        member if member else (f"{titles.get(s, s)} (suggested, to review)" if s else "")
        for member, s in zip(frame["rec_title"], suggested, strict=True)]
    sessions = frame["rec_sessions"] if "rec_sessions" in frame else pd.Series(pd.NA, index=frame.index)
    frame["rec_sessions"] = pd.to_numeric(sessions, errors="coerce").astype("Int64")
    # the analysis says whether it recurs (confirmed calls only: store.queries.recommendation_spans_sql)
    recurring = frame["rec_recurring"] if "rec_recurring" in frame else pd.Series(False, index=frame.index)
    frame["recurring"] = recurring.astype("boolean").fillna(False).astype(bool)
    frame["rec_years"] = frame["rec_years"].map(years_text)


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


def preview_items(document: Document) -> pd.DataFrame:
    """What an import would add from one parsed page: kind, section and text of each item."""
    return pd.DataFrame([{"kind": kind_label(item.kind), "section": " | ".join(item.sections), "text": item.text,
                          "speaker": item.speaker} for item in document.items],
                        columns=["kind", "section", "text", "speaker"])
