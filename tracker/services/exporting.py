"""Export frames (items, sessions, recommendations): the machine form for scripts, the readable form for people
(``readable``: headers and labels in words), and their CSV / JSON / JSON-lines / Excel bytes."""

from __future__ import annotations

import io
import re
from typing import Any

import pandas as pd

from ..store import Store
from ..store.queries import ItemFilter, items_frame, sessions_frame
from ..vocabulary import KIND_LABELS, ORIGIN_LABELS, REVIEW_LABELS, STATUS_LABELS, session_name

ITEM_EXPORT_COLUMNS = ["item_id", "source", "year", "forum", "session_type", "session_number", "session_title", "kind",
                       "section", "text", "status", "owner", "due_date", "notes", "in_source", "updated_at",
                       "updated_by"]
# The items export names its recommendation columns in full: scripts read them by these names (those that score
# the grouping read recommendation_id and suggested_recommendation_id), as every release before 0.5.0 wrote them.
# Inside the tracker, and in the recommendations export, the recommendation's id is the table's rec_id.
ITEM_RECOMMENDATION_NAMES = {"rec_id": "recommendation_id", "rec_title": "recommendation_title",
                             "suggested_rec_id": "suggested_recommendation_id",
                             "rec_sessions": "recommendation_sessions", "rec_years": "recommendation_years",
                             "rec_recurring": "recommendation_recurring"}
SESSION_EXPORT_COLUMNS = ["source", "year", "session_type", "number", "title", "date", "sdgs", "item_count",
                          "has_outcomes", "forum", "url"]


def export_items(store: Store, flt: ItemFilter | None = None) -> pd.DataFrame:
    """Items with their follow-up fields and, once analyzed, themes, addressee and recommendation; then
    `origin` and `review` (accepted: every row is an item). The calls found in the report text that nobody
    accepted are not items: ``export_report_calls`` has them."""
    from ..analysis import item_annotations

    frame = items_frame(store, flt)[ITEM_EXPORT_COLUMNS]
    notes = item_annotations(store)
    if not notes.empty:
        frame = frame.merge(notes, on="item_id", how="left")
    from .report_calls import review_columns  # origin and review

    return review_columns(store, frame, with_suggestions=False)


def export_report_calls(store: Store) -> pd.DataFrame:
    """The calls found in the report text that nobody accepted (review suggested or rejected): call_id, source,
    year, session_type, session_number, session_title, section, text, in_source, review. Accepted ones are
    items and in the items export."""
    from .report_calls import review_columns

    empty = pd.DataFrame(columns=ITEM_EXPORT_COLUMNS)
    calls = review_columns(store, empty, with_suggestions=True)
    calls = calls.rename(columns={"item_id": "call_id"})  # keyed like items, but not an item until accepted
    return calls.reindex(columns=["call_id", "source", "year", "session_type", "session_number", "session_title",
                                  "section", "text", "in_source", "review"]).reset_index(drop=True)


def export_frame(store: Store, what: str, *, labels: bool = False) -> pd.DataFrame:
    """The machine form (column names and codes as stored), or with ``labels`` the readable form."""
    if what == "sessions":
        frame = sessions_frame(store)[SESSION_EXPORT_COLUMNS]
    elif what == "recommendations" and labels:  # for people: the register (outcome, overdue, evidence …)
        from .register import readable_register, register_frame

        return readable_register(register_frame(store))
    elif what == "recommendations":
        from ..analysis import RECOMMENDATION_COLUMNS, recommendations_frame

        frame = recommendations_frame(store)[RECOMMENDATION_COLUMNS]
    elif what == "report-calls":
        frame = export_report_calls(store)
    else:
        frame = export_items(store)
        if not labels:
            return frame.rename(columns=ITEM_RECOMMENDATION_NAMES)
        if not frame.empty:
            frame = _with_recommendation_titles(store, frame)
    return readable(frame, what) if labels else frame


def _with_recommendation_titles(store: Store, frame: pd.DataFrame) -> pd.DataFrame:
    """Pending suggestions named by their recommendation's title in the readable 'Recommendation' column."""
    if "suggested_rec_id" not in frame or not frame["suggested_rec_id"].notna().any():
        return frame
    titles = dict(store.query("SELECT rec_id, title FROM recommendations").itertuples(index=False, name=None))
    frame = frame.copy()
    frame["suggested_rec_title"] = frame["suggested_rec_id"].map(
        lambda r: titles.get(r, r) if isinstance(r, str) and r else None)
    return frame


# --- the readable form --------------------------------------------------------------------------
# One entry per column, in the order a person reads them: machine column -> header. A column missing here is
# still exported, under its name in words; adding a column to the readable form is one line in these maps.

ITEM_HEADERS = {
    "session": "Session",
    "year": "Year",
    "kind": "Kind",
    "text": "Text",
    "status": "Status",
    "owner": "Owner",
    "due_date": "Due date",
    "notes": "Notes",
    "overdue": "Overdue",
    "recommendation": "Recommendation",
    "recurring": "Recurring",
    "rec_sessions": "Sessions raised in",
    "rec_years": "Years raised",
    "themes": "Themes",
    "addressee": "Addressed to",
    "addressee_text": "Addressed to (as written)",
    "specificity": "Specificity (0-3)",
    "section": "Section",
    "speaker": "Asked by",
    "in_source": "Still on its page",
    "origin": "Found in",
    "review": "Review",
    "updated_at": "Last changed",
    "updated_by": "Last changed by",
    "session_title": "Session title",
    "session_type": "Session type",
    "session_number": "Session number",
    "rec_id": "Recommendation id",
    "source": "Source file",
    "item_id": "Item id",
}
SESSION_HEADERS = {
    "session": "Session",
    "forum": "Forum",
    "year": "Year",
    "session_type": "Type",
    "number": "Number",
    "title": "Title",
    "date": "Date",
    "sdgs": "SDG targets",
    "item_count": "Items",
    "has_outcomes": "Published outcomes",
    "source": "Source file",
    "url": "Web address",
}
RECOMMENDATION_HEADERS = {
    "title": "Recommendation",
    "status": "Status",
    "owner": "Owner",
    "due_date": "Due date",
    "notes": "Notes",
    "recurring": "Recurring",
    "n_sessions": "Sessions raised in",
    "years": "Years raised",
    "n_items": "Takeaways and calls to action",
    "first_year": "First raised",
    "last_year": "Last raised",
    "pending": "Suggested calls, to review",
    "confirmed": "Confirmed by a person",
    "rec_id": "Id",
    "item_ids": "Item ids",
    "suggested_item_ids": "Suggested item ids, to review",
}
REPORT_CALL_HEADERS = {
    "session": "Session",
    "year": "Year",
    "text": "Text",
    "section": "Section",
    "review": "Review",
    "in_source": "Still on its page",
    "source": "Source file",
    "call_id": "Call id",
}
# the change log (``ui.dashboard_data.history_table``): the raw field and values stay in the machine form
HISTORY_HEADERS = {
    "changed_at": "When",
    "changed_by": "Who",
    "how": "How",
    "kind": "Kind of change",
    "what": "What",
    "change": "Change",
    "subject_id": "Id",
}
HEADERS = {"items": ITEM_HEADERS, "sessions": SESSION_HEADERS, "recommendations": RECOMMENDATION_HEADERS,
           "report-calls": REPORT_CALL_HEADERS, "history": HISTORY_HEADERS}
# machine columns dropped from the readable form because another column says the same in words
FOLDED = {"suggested_rec_id", "suggested_rec_title", "rec_title",
          "rec_recurring", "specificity_note", "themes_by", "subject", "via", "field", "old_value",
          "new_value"}


def _words(value: Any) -> Any:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, (list, tuple)) or (hasattr(value, "tolist") and not isinstance(value, str)):
        values = value.tolist() if hasattr(value, "tolist") else value
        return "; ".join(str(v) for v in values)
    return value


def readable(frame: pd.DataFrame, what: str) -> pd.DataFrame:
    """Headers and values in words: statuses 'Not started', kinds 'Call to action', Yes/No, lists joined with
    '; ', a session label first, and an item's recommendation by its title (a pending suggestion says so)."""
    table = frame.copy()
    blank = pd.Series(None, index=table.index, dtype=object)
    if what == "history" and "changed_at" in table:  # to the second, as a person reads a time
        table["changed_at"] = pd.to_datetime(table["changed_at"]).dt.strftime("%Y-%m-%d %H:%M:%S")
        table["changed_by"] = table["changed_by"].fillna("").map(lambda v: v or "not recorded")
    if what in ("items", "sessions", "report-calls") and "session" not in table:
        parts = ("year", "session_type", "number", "title", "forum") if what == "sessions" else \
            ("year", "session_type", "session_number", "session_title", "forum")
        columns = [table[c] if c in table else blank for c in parts]
        table.insert(0, "session", [session_name(y, t, n, title, forum=f)
                                    for y, t, n, title, f in zip(*columns, strict=True)])
    if what == "items" and "recommendation" not in table:
        member = table["rec_title"] if "rec_title" in table else blank
        suggested = next((table[c] for c in ("suggested_rec_title", "suggested_rec_id")
                          if c in table), blank)
        table["recommendation"] = [m if isinstance(m, str) and m else
                                   (f"{s} (suggested, to review)" if isinstance(s, str) and s else "")
                                   for m, s in zip(member, suggested, strict=True)]
    if what == "items":  # before the analysis too, so the columns do not come and go
        for column in ("rec_sessions", "rec_years"):
            if column not in table:
                table[column] = blank
    if what == "items" and "recurring" not in table:
        # as the analysis decided it, over confirmed calls only (store.queries.recommendation_spans_sql)
        flag = table["rec_recurring"] if "rec_recurring" in table else blank
        table["recurring"] = flag.astype("boolean").fillna(False).astype(bool)
    for column, labels in (("status", STATUS_LABELS), ("kind", KIND_LABELS), ("origin", ORIGIN_LABELS),
                           ("review", REVIEW_LABELS)):
        if column in table:
            table[column] = table[column].map(lambda v, m=labels: m.get(str(v), v))
    headers = HEADERS.get(what, {})
    order = [c for c in headers if c in table] + [c for c in table.columns if c not in headers and c not in FOLDED]
    table = table[order]
    for column in table.columns:
        if table[column].dtype == bool or table[column].dtype == object:
            table[column] = table[column].map(_words)
    return table.rename(columns={c: headers.get(c, c.replace("_", " ").capitalize()) for c in order})


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _safe_cell(value: object) -> object:
    if not isinstance(value, str):
        return value
    value = _CONTROL.sub("", value)  # stored before input was cleaned: never into a spreadsheet or terminal
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


# Excel column widths (in characters) by readable header; others get DEFAULT_WIDTH
EXCEL_WIDTHS = {"Text": 70, "Recommendation": 45, "Notes": 40, "Session": 40, "Title": 50, "Themes": 30,
                "Session title": 40, "Addressed to (as written)": 30, "Item ids": 30}
DEFAULT_WIDTH = 14


def excel_bytes(frame: pd.DataFrame, sheet: str = "Items") -> bytes:
    """An .xlsx of a (readable) frame: a filter on every column, the header row frozen, long text wrapped in
    sensible widths. Text starting with '=' stays text, never becomes a formula."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # type: ignore[import-untyped]
    from openpyxl.styles import Alignment, Font  # type: ignore[import-untyped]

    table = frame.reset_index(drop=True).copy()
    for column in table.columns:
        if pd.api.types.is_datetime64_any_dtype(table[column]) and table[column].dt.tz is not None:
            table[column] = table[column].dt.tz_localize(None)
        elif table[column].dtype == object or pd.api.types.is_string_dtype(table[column]):
            # whatever is stored (a title saved before control characters were cleaned at input): a control
            # character in one cell would make openpyxl refuse the whole file
            table[column] = table[column].map(_words).map(
                lambda v: ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v)
    table.columns = [ILLEGAL_CHARACTERS_RE.sub("", str(c)) for c in table.columns]
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        table.to_excel(writer, sheet_name=sheet, index=False)
        ws = writer.sheets[sheet]
        wrap = Alignment(wrap_text=True, vertical="top")
        text_columns = [i for i, c in enumerate(table.columns, start=1) if pd.api.types.is_object_dtype(table[c])
                        or pd.api.types.is_string_dtype(table[c])]
        for index in text_columns:  # only text can turn into a formula or need wrapping
            wide = EXCEL_WIDTHS.get(str(table.columns[index - 1]), DEFAULT_WIDTH) > DEFAULT_WIDTH
            for (cell,) in ws.iter_rows(min_row=2, min_col=index, max_col=index):
                if cell.data_type == "f":  # openpyxl turns '=…' strings into formulas
                    cell.data_type = "s"
                if wide:
                    cell.alignment = wrap
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.alignment = wrap
            ws.column_dimensions[cell.column_letter].width = EXCEL_WIDTHS.get(str(cell.value), DEFAULT_WIDTH)
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = ws.dimensions
    return buffer.getvalue()
