"""The DuckDB file and every read and write of the core tables (sessions, documents, items, occurrences,
history).

``db`` opens the file and is the one write path; ``migrations`` keeps its schema; ``loading`` brings files
in, ``documents`` and ``items`` write them into it; ``queries`` reads frames out of it.
"""

from .db import Store, StoreBusy, StoreError, db_path

__all__ = ["Store", "StoreBusy", "StoreError", "db_path"]
