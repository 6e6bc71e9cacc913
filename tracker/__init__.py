"""IGF Recommendations Tracker: key takeaways and calls to action from IGF session pages, in DuckDB.

The package works without Streamlit; the dashboard is a thin layer over these functions.
"""

__version__ = "0.2.0"  # keep in step with pyproject.toml; `tracker --version` prefers the installed metadata

from .edits import EditConflict, EditError, UnknownItem, save_rows, set_item, set_items
from .loader import LoadReport, load_files, load_paths, parse_bytes
from .models import KINDS, STATUSES, BadInput, Document, Item, SessionMeta
from .parsing import parse_text
from .queries import ItemFilter, counts, history_frame, items_frame, sessions_frame
from .store import Store, StoreBusy, StoreError

__all__ = [
    "KINDS", "STATUSES", "BadInput", "Document", "EditConflict", "EditError", "Item", "ItemFilter", "LoadReport",
    "SessionMeta", "Store", "StoreBusy", "StoreError", "UnknownItem", "counts", "history_frame", "items_frame",
    "load_files", "load_paths", "parse_bytes", "parse_text", "save_rows", "sessions_frame", "set_item", "set_items",
]
