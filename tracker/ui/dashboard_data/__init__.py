"""Frames, text helpers and file builders behind the dashboard pages; none of this needs Streamlit.

The pages stay thin: widgets call these functions, which read through ``tracker.store`` (``queries``,
``dashboard``) and ``tracker.analysis`` and return plain frames, strings or bytes that are easy to test. One
module a job: ``labels`` (words and escaping), ``highlight`` (the source text as HTML), ``seeding`` (first run,
data version), ``tables`` (the Tracker table and its downloads), ``edits`` (grid changes, conflicts),
``figures`` (the overview's numbers, a recommendation's progress) and ``history`` (the change log in words);
this package re-exports their public names.
"""

from __future__ import annotations

from ...vocabulary import CLOSED_STATUSES, STATUS_LABELS, escape_markdown, kind_label, status_label
from .edits import conflict_fields, conflict_rows, grid_changes, pending_edits, recommendation_conflict_rows
from .figures import (
    calls_progress,
    calls_progress_text,
    headline,
    progress_from_items,
    recommendation_facts,
    recurring_note,
)
from .highlight import HIGHLIGHT_CSS, HIGHLIGHT_LEGEND, highlight_html, items_html
from .history import describe_change, history_table, import_summary
from .labels import (
    FIELD_LABELS,
    HISTORY_KINDS,
    OVERDUE_FLAG,
    VIA_LABELS,
    recommendation_name,
    session_label,
    shorten,
    status_options,
    years_text,
)
from .seeding import data_token, is_empty, seed_if_empty
from .tables import (
    DOWNLOAD_COLUMNS,
    TABLE_COLUMNS,
    csv_bytes,
    display_table,
    download_frame,
    excel_bytes,
    overdue_mask,
    preview_items,
    tracker_table,
)

__all__ = [
    "CLOSED_STATUSES", "DOWNLOAD_COLUMNS", "FIELD_LABELS", "HIGHLIGHT_CSS", "HIGHLIGHT_LEGEND", "HISTORY_KINDS",
    "OVERDUE_FLAG", "STATUS_LABELS", "TABLE_COLUMNS", "VIA_LABELS", "calls_progress",
    "calls_progress_text", "conflict_fields", "conflict_rows", "csv_bytes", "data_token", "describe_change",
    "display_table", "download_frame", "escape_markdown", "excel_bytes", "grid_changes", "headline",
    "highlight_html", "history_table", "import_summary", "is_empty", "items_html", "kind_label", "overdue_mask",
    "pending_edits", "preview_items", "progress_from_items", "recommendation_conflict_rows", "recommendation_facts",
    "recommendation_name", "recurring_note", "seed_if_empty", "session_label", "shorten", "status_label",
    "status_options", "tracker_table", "years_text",
]
