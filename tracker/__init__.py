"""IGF Recommendations Tracker: key takeaways and calls to action from IGF session pages, in DuckDB.

The package works without Streamlit; the dashboard is a thin layer over these functions. Layers, from the
bottom: ``reading`` (pages -> Document), ``store`` (the DuckDB file and its tables), ``analysis``
(recommendations, themes, addressees), ``services`` (import, edit, export, plan), ``ui`` (the dashboard).
"""

__version__ = "0.8.1"  # keep in step with pyproject.toml; `tracker --version` prefers the installed metadata

from importlib import import_module
from typing import TYPE_CHECKING, Any

# Where each public name lives. They are imported on first use (PEP 562), so that `tracker set` and the other
# commands import only what they need: `import tracker` alone pulls in nothing heavy.
_PUBLIC = {
    "BadInput": "reading.models", "Document": "reading.models", "Item": "reading.models",
    "SessionMeta": "reading.models", "parse_bytes": "reading.parsed", "parse_text": "reading.parsing",
    "ROLES": "services.access", "Actor": "services.access", "PermissionDenied": "services.access",
    "EditConflict": "services.editing", "EditError": "services.editing", "UnknownItem": "services.editing",
    "save_rows": "services.editing", "set_item": "services.editing", "set_items": "services.editing",
    "Imported": "services.importing", "import_files": "services.importing", "import_paths": "services.importing",
    "Store": "store", "StoreBusy": "store", "StoreError": "store",
    "LoadReport": "store.loading", "load_files": "store.loading", "load_paths": "store.loading",
    "ItemFilter": "store.queries", "counts": "store.queries", "history_frame": "store.queries",
    "items_frame": "store.queries", "sessions_frame": "store.queries",
    "KINDS": "vocabulary", "STATUSES": "vocabulary",
}
__all__ = list(_PUBLIC)

if TYPE_CHECKING:  # the same names for the type checker (F401: they are __all__, which ruff cannot read here)
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


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC:
        raise AttributeError(f"module 'tracker' has no attribute {name!r}")
    value = getattr(import_module(f".{_PUBLIC[name]}", __name__), name)
    globals()[name] = value
    return value
