"""The roles table (migration 009): e-mail -> viewer/editor/admin, and its changes in the history.

Only the reads and writes; who may do what (the policy, the configured admins) is ``services/access.py``.
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd

from .db import Store
from .history import Change, record


def stored_role(store: Store, email: str) -> str | None:
    """The role stored for a (normalized) e-mail; None when there is none."""
    value = store.scalar("SELECT role FROM roles WHERE email = ?", [email])
    return None if value is None else str(value)


def roles_frame(store: Store) -> pd.DataFrame:
    """Stored roles: email, role, granted_by, granted_at (configured admins are not rows here)."""
    return store.query("SELECT email, role, granted_by, granted_at FROM roles ORDER BY email")


def write_role(store: Store, email: str, role: str, by: str) -> str | None:
    """Store ``role`` for ``email`` (logged as subject 'person'); the role it had before (None: none)."""

    def run(con: duckdb.DuckDBPyConnection) -> str | None:
        row = con.execute("SELECT role FROM roles WHERE email = ?", [email]).fetchone()
        old = row[0] if row else None
        if old == role:
            return old
        now = datetime.now()
        con.execute("""INSERT INTO roles VALUES (?, ?, ?, ?)
                       ON CONFLICT (email) DO UPDATE SET role = excluded.role, granted_by = excluded.granted_by,
                       granted_at = excluded.granted_at""", [email, role, by, now])
        _log(con, email, old, role, by, now)
        return old

    return store.write(run)


def delete_role(store: Store, email: str, by: str) -> bool:
    """Forget the stored role of ``email`` (logged); False when there was none."""

    def run(con: duckdb.DuckDBPyConnection) -> bool:
        row = con.execute("DELETE FROM roles WHERE email = ? RETURNING role", [email]).fetchone()
        if row:
            _log(con, email, row[0], None, by or "?", datetime.now())
        return row is not None

    return store.write(run)


def _log(con: duckdb.DuckDBPyConnection, email: str, old: str | None, new: str | None, by: str,
         now: datetime) -> None:
    record(con, [Change("person", email, "role", old, new, by, now, "roles")])
