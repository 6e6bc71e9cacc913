"""Export frames (items, sessions) and their CSV / JSON / JSON-lines text."""

from __future__ import annotations

import pandas as pd

from ..store import Store
from ..store.queries import ItemFilter, items_frame, sessions_frame

ITEM_EXPORT_COLUMNS = ["id", "source", "year", "session_type", "session_number", "session_title", "kind", "section",
                       "text", "status", "owner", "due_date", "notes", "in_source", "updated_at", "updated_by"]
SESSION_EXPORT_COLUMNS = ["source", "year", "type", "number", "title", "date", "sdgs", "item_count", "has_outcomes",
                          "forum", "url"]


def export_items(store: Store, flt: ItemFilter | None = None) -> pd.DataFrame:
    """Items with their follow-up fields and, once analyzed, themes, addressee and recommendation; then
    `origin` and `review`, and (unfiltered) the report calls not accepted, marked suggested or rejected."""
    from ..analysis import item_annotations

    frame = items_frame(store, flt)[ITEM_EXPORT_COLUMNS]
    notes = item_annotations(store)
    if not notes.empty:
        frame = frame.merge(notes, on="id", how="left")
    from .report_calls import review_columns  # origin and review; report calls not accepted as extra rows

    return review_columns(store, frame, with_suggestions=flt is None)


def export_frame(store: Store, what: str) -> pd.DataFrame:
    if what == "sessions":
        return sessions_frame(store)[SESSION_EXPORT_COLUMNS]
    if what == "recommendations":
        from ..analysis import RECOMMENDATION_COLUMNS, recommendations_frame

        return recommendations_frame(store)[RECOMMENDATION_COLUMNS]
    return export_items(store)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _safe_cell(value: object) -> object:
    if not isinstance(value, str):
        return value
    # a lone carriage return would end the row in a spreadsheet and start a new one (with its own formula);
    # as newlines the CSV writer quotes the cell and it stays one cell
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells a spreadsheet would run as a formula ("=HYPERLINK(…)", "+1", "@SUM") get a leading
    apostrophe, the usual CSV-injection guard: page text and notes are written by other people."""
    safe = frame.copy()
    for column in safe.columns:
        values = safe[column]
        if values.dtype == object or pd.api.types.is_string_dtype(values):
            safe[column] = values.map(_safe_cell)
    return safe


def write_frame(frame: pd.DataFrame, fmt: str) -> str:
    """CSV (spreadsheet-safe, see spreadsheet_safe), a JSON array, or JSON lines; dates as ISO text, lists as
    JSON arrays ('; '-joined in CSV)."""
    if fmt == "csv":
        flat = frame.copy()
        for column in flat.columns:  # lists live in object columns (a datetime column cannot .any() when empty)
            if flat[column].dtype == object and flat[column].map(lambda v: isinstance(v, (list, tuple))).any():
                flat[column] = flat[column].map(lambda v: "; ".join(map(str, v)) if isinstance(v, (list, tuple))
                                                else v)
        return spreadsheet_safe(flat).to_csv(index=False)
    if fmt == "json":
        return frame.to_json(orient="records", date_format="iso", force_ascii=False, indent=2) + "\n"
    if fmt == "jsonl":
        return frame.to_json(orient="records", lines=True, date_format="iso", force_ascii=False)
    raise ValueError(f"unknown format {fmt!r}")
