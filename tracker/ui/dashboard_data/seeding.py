"""The first run and the data's version: an empty database gets the bundled seeds; a token that changes
whenever the file is written tells the pages' caches when to read again."""

from __future__ import annotations

from pathlib import Path

from ...store import Store
from ...store.dashboard import document_count


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


def is_empty(store: Store) -> bool:
    """True when the database is missing or has no documents loaded yet."""
    if not store.exists():
        return True
    return not document_count(store)


def seed_if_empty(store: Store, seeds_dir: Path) -> str | None:
    """First run: load the bundled seeds and analyze them; a one-line summary, or None if not needed."""
    if not is_empty(store):
        return None
    from ...services.importing import import_paths

    imported = import_paths(store, [seeds_dir])
    return imported.report.summary() + (f"; {imported.analysis}" if imported.analysis else "")
