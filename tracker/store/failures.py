"""What a failing database file means for the user: a damaged file, a full disk, a read-only file, a file
another process keeps busy. Each is one StoreError with one line the user can act on."""

from __future__ import annotations

from pathlib import Path

import duckdb

from ..errors import TrackerError

HEADER_BYTES = 3 * 4096  # DuckDB's file header and its two database headers, before the first block


class StoreError(TrackerError):
    """A database problem, worded for the user."""


class StoreBusy(StoreError):
    pass


class DamagedDatabase(StoreError):
    """The file is truncated or corrupt: nothing is written to it."""


class DiskFull(StoreError):
    """Writing failed for lack of space (or a file size limit): the command stops at the first such error."""


class ReadOnlyDatabase(StoreError):
    """The file (or its folder) cannot be written: reads still work, read-only."""


_DAMAGE_SIGNS = ("could not read enough bytes", "not a valid duckdb database", "corrupt", "checksum",
                 "invalid block", "failed to load metadata", "unexpected end of", "failed to deserialize")
_FULL_SIGNS = ("no space left", "file too large", "disk full", "disk quota", "could not write enough bytes")
_DENIED_SIGNS = ("permission denied", "read-only file system", "read only file system", "operation not permitted")


def first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def translate_error(exc: BaseException, path: Path) -> StoreError | None:
    """The one-line error a DuckDB failure means for the user (damaged file, full disk, read-only file),
    or None when it is none of those (a bug)."""
    if isinstance(exc, StoreError):
        return exc
    message = str(exc).lower()
    if any(sign in message for sign in _FULL_SIGNS):
        return DiskFull(f"{path}: the disk is full ({first_line(exc)}); the work stopped there and what was "
                        "saved before is kept: free some space and run the command again")
    if any(sign in message for sign in _DAMAGE_SIGNS):
        return DamagedDatabase(damaged_message(path, first_line(exc)))
    if isinstance(exc, (duckdb.IOException, duckdb.PermissionException)) and any(
            sign in message for sign in _DENIED_SIGNS):
        return ReadOnlyDatabase(f"{path} cannot be written ({first_line(exc)}): changes cannot be saved; "
                                "reading, exporting and the dashboard still work")
    return None


def damaged_message(path: Path, detail: str) -> str:
    return (f"{path} is damaged ({detail}); nothing was written to it: restore it from a backup "
            f"(made with `tracker backup FILE`: copy the backup over it) or load the pages into a new database")


def busy_message(path: Path, waited: float) -> str:
    return (f"{path} is busy in another process (waited {waited:.0f} s); try again when the running load has "
            "finished")


def is_lock_error(exc: Exception) -> bool:
    """DuckDB's own lock on the file: a program that does not take turns (see store.turns) holds it."""
    message = str(exc).lower()
    return "lock" in message and ("could not set" in message or "conflicting" in message)


def has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
                            "AND table_name = ?", [name]).fetchone()[0])  # type: ignore[index]


_CORE_TABLES = {"001_core": {"sessions", "documents", "items", "occurrences", "history"}}


def check_intact(con: duckdb.DuckDBPyConnection, path: Path, size: int) -> None:
    """Cheap checks that the file is whole: long enough for the blocks it uses, and a tracker schema."""
    row = con.execute("SELECT block_size, used_blocks FROM pragma_database_size() "
                      "WHERE database_name = current_database()").fetchone()
    if row and size < HEADER_BYTES + int(row[0]) * int(row[1]):
        raise DamagedDatabase(damaged_message(
            path, f"truncated: {size:,} bytes on disk, {HEADER_BYTES + int(row[0]) * int(row[1]):,} in use"))
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() "
                                        "WHERE database_name = current_database()").fetchall()}
    if not tables:
        return  # a new, empty database: the migrations make it a tracker database
    if "schema_migrations" not in tables:
        raise DamagedDatabase(f"{path} is not a tracker database (no schema_migrations table): "
                              "give another file with --db or $TRACKER_DB")
    done = {r[0] for r in con.execute("SELECT name FROM schema_migrations").fetchall()}
    for migration, needed in _CORE_TABLES.items():
        if migration in done and not needed <= tables:
            raise DamagedDatabase(damaged_message(path, f"missing tables: {', '.join(sorted(needed - tables))}"))
