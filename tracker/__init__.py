"""IGF Recommendations Tracker: key takeaways and calls to action from IGF session pages, in DuckDB.

The package works without Streamlit; the dashboard is a thin layer over these functions. Layers, from the
bottom: ``reading`` (pages -> Document), ``store`` (the DuckDB file and its tables), ``analysis``
(recommendations, themes, addressees), ``services`` (import, edit, export, plan), ``ui`` (the dashboard).
"""

__version__ = "0.6.0"  # keep in step with pyproject.toml; `tracker --version` prefers the installed metadata

from .reading.models import BadInput, Document, Item, SessionMeta
from .reading.parsed import parse_bytes
from .reading.parsing import parse_text
from .services.access import ROLES, Actor, PermissionDenied
from .services.editing import EditConflict, EditError, UnknownItem, save_rows, set_item, set_items
from .services.importing import Imported, import_files, import_paths
from .store import Store, StoreBusy, StoreError
from .store.loading import LoadReport, load_files, load_paths
from .store.queries import ItemFilter, counts, history_frame, items_frame, sessions_frame
from .vocabulary import KINDS, STATUSES

__all__ = [
    "KINDS", "STATUSES", "BadInput", "Document", "EditConflict", "EditError", "Imported", "Item", "ItemFilter",
    "LoadReport", "SessionMeta", "Store", "StoreBusy", "StoreError", "UnknownItem", "counts", "history_frame",
    "import_files", "import_paths", "items_frame", "load_files", "load_paths", "parse_bytes", "parse_text",
    "save_rows", "sessions_frame", "set_item", "set_items",
    "ROLES", "Actor", "PermissionDenied",  # who may write (tracker.services.access)
]
