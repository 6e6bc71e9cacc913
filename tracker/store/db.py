"""The DuckDB file: where it is, how to open it without lock errors, and the one write path.

DuckDB lets one process at a time hold a database file. Every operation here opens the file,
does its work and closes it again, so a command-line load and the dashboard (or two dashboard
users) take turns instead of failing; a process that finds the file busy waits and retries.

A long load keeps one connection across its batches (``Store.holding``): closing the file after
every batch checkpoints it each time, about 40% of a load's writing. So that editors are not
locked out meanwhile, a process waiting for the file says so in a marker file next to it
(``<db>.waiting``), and the holder lets go after its current batch until the waiter is in.
"""

from __future__ import annotations

import contextlib
import os
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import duckdb
import pandas as pd

from ..errors import TrackerError, env_number
from ..resources import CHECKOUT_ROOT, default_db
from .migrations import apply_migrations

if TYPE_CHECKING:
    from .access import Actor

PROJECT_ROOT = CHECKOUT_ROOT  # the repository checkout (only meaningful when running from one)
# data/tracker.duckdb in a checkout; outside one, relative: resolved against the current directory when used
DEFAULT_DB = default_db()
LOCK_TIMEOUT = 30.0  # seconds; $TRACKER_LOCK_TIMEOUT overrides it (read when a Store is made)
WAITING_FRESH = 3.0  # seconds: a waiter re-marks on every retry, so an older marker is a waiter that gave up
HANDOVER_WAIT = 2.0  # seconds a holder stays away for a waiter (whose retries are at most ~1 s apart)

T = TypeVar("T")
_migrated: set[str] = set()
_migrate_lock = threading.Lock()


class StoreError(TrackerError):
    """A database problem, worded for the user."""


class StoreBusy(StoreError):
    pass


def db_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The database file: the explicit path, else $TRACKER_DB, else data/tracker.duckdb."""
    chosen = explicit or os.environ.get("TRACKER_DB") or DEFAULT_DB
    return Path(chosen).expanduser().resolve()


def _is_lock_error(exc: Exception) -> bool:
    message = str(exc).lower()
    return "lock" in message and ("could not set" in message or "conflicting" in message)


def _is_write_conflict(exc: Exception) -> bool:
    return isinstance(exc, duckdb.TransactionException) or "conflict" in str(exc).lower()


def _in_transaction(con: duckdb.DuckDBPyConnection, fn: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
    """fn in one transaction: committed, or rolled back and the error raised again."""
    con.begin()
    try:
        result = fn(con)
        con.commit()
        return result
    except BaseException:
        con.rollback()
        raise


def _retrying(attempt: Callable[[], T], retries: int) -> T:
    """Run attempt again after a write-write conflict (another connection changed the same rows)."""
    for n in range(retries + 1):
        try:
            return attempt()
        except duckdb.Error as exc:
            if n < retries and _is_write_conflict(exc):
                time.sleep(0.02 * (n + 1))
                continue
            raise
    raise AssertionError("unreachable")


def _owner_only(path: Path) -> None:
    """The database and its write-ahead log readable by their owner only: they hold people's notes."""
    for file in (path, path.with_name(path.name + ".wal")):
        try:
            if file.stat().st_mode & 0o077:
                file.chmod(0o600)
        except OSError:  # not there (yet), or not ours to change: nothing to tighten
            pass


class Store:
    """One DuckDB file. Cheap to create; holds no connection between calls.

    ``actor`` is the signed-in person the writes are made for (``store.access``); None is local use."""

    def __init__(self, path: str | os.PathLike[str] | None = None, lock_timeout: float | None = None,
                 actor: Actor | None = None):
        self.path = db_path(path)
        self.actor = actor
        self.lock_timeout = env_number("TRACKER_LOCK_TIMEOUT", LOCK_TIMEOUT) if lock_timeout is None else lock_timeout

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r})"

    def exists(self) -> bool:
        return self.path.exists()

    @property
    def waiting_marker(self) -> Path:
        return self.path.with_name(self.path.name + ".waiting")

    def someone_waiting(self) -> bool:
        """True while another process is retrying to open the file (see ``holding``)."""
        try:
            return time.time() - self.waiting_marker.stat().st_mtime < WAITING_FRESH
        except OSError:
            return False

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """An open, migrated connection; waits (up to lock_timeout) while another process holds the file."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.path.exists():
            _migrated.discard(str(self.path))  # a deleted and recreated file needs its schema again
        deadline = time.monotonic() + self.lock_timeout
        delay = 0.02
        marked = False
        while True:
            try:
                con = duckdb.connect(str(self.path))
                break
            except duckdb.Error as exc:
                if not _is_lock_error(exc):
                    raise StoreError(f"{self.path}: cannot open database ({exc})") from exc
                marked = self._mark_waiting() or marked
                if time.monotonic() >= deadline:
                    raise StoreBusy(f"{self.path} is busy in another process (waited {self.lock_timeout:.0f} s); "
                                    "try again when the running load has finished") from exc
                time.sleep(delay + random.random() * delay)
                delay = min(delay * 2, 0.5)
        if marked:
            self.waiting_marker.unlink(missing_ok=True)
        _owner_only(self.path)
        try:
            key = str(self.path)
            if key not in _migrated:
                with _migrate_lock:
                    if key not in _migrated:
                        apply_migrations(con)
                        _migrated.add(key)
            yield con
        finally:
            con.close()
            _owner_only(self.path)  # the write-ahead log appears with the first write

    def write(self, fn: Callable[[duckdb.DuckDBPyConnection], T], retries: int = 5, checkpoint: bool = True) -> T:
        """Run fn in one transaction: all of it is committed or none. Retries write-write conflicts.

        ``checkpoint=False`` is for small writes such as one edit: the commit is durable in DuckDB's
        write-ahead log, and folding the log into the file (about two thirds of an edit's time on a
        large database) is left to the next ordinary close or to DuckDB's automatic checkpoint.
        """
        def attempt() -> T:
            with self.connect() as con:
                result = _in_transaction(con, fn)
                if not checkpoint:
                    con.execute("PRAGMA disable_checkpoint_on_shutdown")
                return result

        return _retrying(attempt, retries)

    def _mark_waiting(self) -> bool:
        try:
            self.waiting_marker.touch()
            return True
        except OSError:  # a read-only folder: the holder then lets go only at the end of its work
            return False

    @contextmanager
    def holding(self) -> Iterator[HeldConnection]:
        """One connection kept across many transactions, handed over to any process that waits for the file."""
        held = HeldConnection(self)
        try:
            yield held
        finally:
            held.release()

    def read(self, fn: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        with self.connect() as con:
            return fn(con)

    def query(self, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
        """A SELECT as a DataFrame; values always go in as parameters, never into the SQL text."""
        with self.connect() as con:
            return con.execute(sql, params or []).df()

    def scalar(self, sql: str, params: list[Any] | None = None) -> Any:
        with self.connect() as con:
            row = con.execute(sql, params or []).fetchone()
            return row[0] if row else None


def fetch_one(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> tuple[Any, ...]:
    """The row of a query that always returns one (an aggregate, ``nextval``, a row known to exist)."""
    row = con.execute(sql, params or []).fetchone()
    if row is None:
        raise StoreError(f"the database returned no row for: {' '.join(sql.split())[:80]}")
    return row


class HeldConnection:
    """A connection that stays open between transactions (see ``Store.holding``)."""

    def __init__(self, store: Store):
        self.store = store
        self._opened: contextlib.AbstractContextManager[duckdb.DuckDBPyConnection] | None = None
        self._con: duckdb.DuckDBPyConnection | None = None

    def write(self, fn: Callable[[duckdb.DuckDBPyConnection], T], retries: int = 5) -> T:
        """Run fn in one transaction, like ``Store.write``; afterwards let a waiting process in."""
        def attempt() -> T:
            if self._con is None:
                self._opened = self.store.connect()
                self._con = self._opened.__enter__()
            return _in_transaction(self._con, fn)

        result = _retrying(attempt, retries)
        self._hand_over()
        return result

    def _hand_over(self) -> None:
        if not self.store.someone_waiting():
            return
        self.release()
        deadline = time.monotonic() + HANDOVER_WAIT
        while self.store.someone_waiting() and time.monotonic() < deadline:
            time.sleep(0.01)  # the waiter removes its marker once it has the file

    def release(self) -> None:
        """Close the connection (DuckDB checkpoints on close); the next write opens it again."""
        if self._opened is not None:
            opened, self._opened, self._con = self._opened, None, None
            opened.__exit__(None, None, None)
