"""The DuckDB file: where it is, how to open it without lock errors, and the one write path.

DuckDB lets one process at a time hold a database file. Every operation here opens the file,
does its work and closes it again, so a command-line load and the dashboard (or two dashboard
users) take turns instead of failing; a process that finds the file busy waits and retries.

A long load keeps one connection across its batches (``Store.holding``): closing the file after
every batch checkpoints it each time, about 40% of a load's writing. So that editors are not
locked out meanwhile, a process waiting for the file says so in a marker file next to it
(``<db>.waiting``), and the holder lets go after its current batch until the waiter is in.

Failures the user can act on become one line: a damaged file (checked when opened, and any read that
hits a missing block), a full disk, a read-only file (reads then open it read-only). A write that
committed counts as done even if closing the file afterwards fails.
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
from typing import Any, TypeVar

import duckdb
import pandas as pd

from .. import settings
from ..errors import TrackerError
from ..resources import CHECKOUT_ROOT, default_db
from .migrations import MIGRATIONS, apply_migrations

PROJECT_ROOT = CHECKOUT_ROOT  # the repository checkout (only meaningful when running from one)
# data/tracker.duckdb in a checkout; outside one, relative: resolved against the current directory when used
DEFAULT_DB = default_db()
WAITING_FRESH = 3.0  # seconds: a waiter re-marks on every retry, so an older marker is a waiter that gave up
HANDOVER_WAIT = 2.0  # seconds a holder stays away for a waiter (whose retries are at most ~0.15 s apart)
RETRY_MAX = 0.1  # seconds between a waiter's attempts at most (plus up to as much at random): a file let go
# of is taken at once, and a waiter gives way to another process for at most POLITE_WAIT
POLITE_WAIT = 0.5
# Small writes leave their commit in the write-ahead log (see Store.write); the log is folded into the file by
# the first write that finds the file older than this, or the log larger than CHECKPOINT_LOG_BYTES, so a copy
# of the file alone is never far behind and the log never grows without end.
CHECKPOINT_AFTER = 60.0  # seconds
CHECKPOINT_LOG_BYTES = 4 * 2**20
HEADER_BYTES = 3 * 4096  # DuckDB's file header and its two database headers, before the first block

T = TypeVar("T")
_migrated: set[str] = set()
# Threads of one process (the dashboard's sessions) open and close the file on their own. DuckDB's file lock
# is per process, so a thread opening the file while another closes the last connection of its instance can
# race DuckDB's own guard ("Unique file handle conflict") and, rarely, end with an edit reported saved and not
# stored. Opening and closing one at a time within the process closes that window; the work in between
# still runs in parallel.
_OPEN_CLOSE = threading.Lock()
_migrate_lock = threading.Lock()


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


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def translate_error(exc: BaseException, path: Path) -> StoreError | None:
    """The one-line error a DuckDB failure means for the user (damaged file, full disk, read-only file),
    or None when it is none of those (a bug, or a conflict the caller retries)."""
    if isinstance(exc, StoreError):
        return exc
    message = str(exc).lower()
    if any(sign in message for sign in _FULL_SIGNS):
        return DiskFull(f"{path}: the disk is full ({_first_line(exc)}); the work stopped there and what was "
                        "saved before is kept: free some space and run the command again")
    if any(sign in message for sign in _DAMAGE_SIGNS):
        return DamagedDatabase(damaged_message(path, _first_line(exc)))
    if isinstance(exc, (duckdb.IOException, duckdb.PermissionException)) and any(
            sign in message for sign in _DENIED_SIGNS):
        return ReadOnlyDatabase(f"{path} cannot be written ({_first_line(exc)}): changes cannot be saved; "
                                "reading, exporting and the dashboard still work")
    return None


def damaged_message(path: Path, detail: str) -> str:
    return (f"{path} is damaged ({detail}); nothing was written to it: restore it from a backup "
            f"(made with `tracker backup FILE`: copy the backup over it) or load the pages into a new database")


def db_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The database file: the explicit path, else $TRACKER_DB, else data/tracker.duckdb."""
    chosen = explicit or settings.DB.text() or DEFAULT_DB
    return Path(chosen).expanduser().resolve()


def _is_lock_error(exc: Exception) -> bool:
    message = str(exc).lower()
    # "Unique file handle conflict": another thread of this process is opening or closing the same file
    return ("lock" in message and ("could not set" in message or "conflicting" in message)) or \
        "unique file handle conflict" in message


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
        # after an I/O error DuckDB may have ended the transaction itself: a failed rollback ("no transaction
        # is active") must not replace the error that says what happened
        with contextlib.suppress(duckdb.Error):
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


_umask_tightened = False


def private_files() -> None:
    """From now on every file this process creates is readable by its owner only (umask 077 added): the
    database file from its first byte, and the write-ahead log DuckDB creates afresh after each checkpoint,
    which no chmod after the fact could cover. Process-wide on purpose and never loosened again, so that no
    thread can restore a looser mask while another creates a file."""
    global _umask_tightened
    if not _umask_tightened:
        current = os.umask(0o077)
        os.umask(current | 0o077)
        _umask_tightened = True


def _owner_only(path: Path) -> None:
    """The database and its write-ahead log readable by their owner only: they hold people's notes.
    The owner's own bits are kept (a file made read-only stays read-only)."""
    for file in (path, path.with_name(path.name + ".wal")):
        try:
            mode = file.stat().st_mode
            if mode & 0o077:
                file.chmod(mode & 0o700)
        except OSError:  # not there (yet), or not ours to change: nothing to tighten
            pass


class Store:
    """One DuckDB file. Cheap to create; holds no connection between calls. It knows nothing of who acts:
    permissions are checked by the services (``services/access.py``)."""

    def __init__(self, path: str | os.PathLike[str] | None = None, lock_timeout: float | None = None):
        self.path = db_path(path)
        self.lock_timeout = settings.LOCK_TIMEOUT.number() if lock_timeout is None else lock_timeout

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
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """An open, migrated connection; waits (up to lock_timeout) while another process holds the file.

        ``read_only=True`` is for reads: a file that cannot be written is then opened read-only instead of
        refused. A damaged file is refused either way (DamagedDatabase).
        """
        private_files()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.path.exists():
            _migrated.discard(str(self.path))  # a deleted and recreated file needs its schema again
        con, opened_read_only = self._open(read_only)
        _owner_only(self.path)
        failed = False
        try:
            self._check(con, opened_read_only)
            yield con
        except BaseException as exc:
            failed = True
            translated = translate_error(exc, self.path) if isinstance(exc, duckdb.Error) else None
            if translated is not None:
                raise translated from exc
            raise
        finally:
            try:
                with _OPEN_CLOSE:
                    con.close()
            except duckdb.Error as exc:
                if not failed:  # an error already on its way says more than this one
                    raise (translate_error(exc, self.path) or exc) from exc
            _owner_only(self.path)  # the write-ahead log appears with the first write

    def _open(self, read_only: bool) -> tuple[duckdb.DuckDBPyConnection, bool]:
        """(connection, opened read-only), waiting while another process holds the file."""
        deadline = time.monotonic() + self.lock_timeout
        delay = 0.02
        marked = False
        fallback = False  # the file cannot be written: open it read-only (reads only)
        self._let_waiter_in()
        try:
            while True:
                try:
                    with _OPEN_CLOSE:
                        if fallback:
                            return duckdb.connect(str(self.path), read_only=True), True
                        return duckdb.connect(str(self.path)), False
                except duckdb.Error as exc:
                    if not _is_lock_error(exc):
                        translated = translate_error(exc, self.path)
                        if isinstance(translated, ReadOnlyDatabase) and read_only and not fallback \
                                and self.path.exists():
                            fallback = True
                            continue
                        if translated is not None:
                            raise translated from exc
                        raise StoreError(f"{self.path}: cannot open database ({_first_line(exc)})") from exc
                    marked = self._mark_waiting() or marked
                    if time.monotonic() >= deadline:
                        raise StoreBusy(f"{self.path} is busy in another process (waited {self.lock_timeout:.0f} "
                                        "s); try again when the running load has finished") from exc
                    time.sleep(delay + random.random() * delay)
                    delay = min(delay * 2, RETRY_MAX)
        finally:
            if marked:
                self.waiting_marker.unlink(missing_ok=True)

    def _let_waiter_in(self) -> None:
        """Another process waits for the file: open it only once that one is in (or after POLITE_WAIT).
        The threads of one process share its hold on the file, so without this a busy dashboard's saves, one
        after another, could keep a load (or another server) out until it gives up."""
        deadline = time.monotonic() + POLITE_WAIT
        while self.someone_waiting() and time.monotonic() < deadline:
            time.sleep(0.01)

    def _check(self, con: duckdb.DuckDBPyConnection, read_only: bool) -> None:
        """Refuse a damaged file before anything reads or writes it; bring the schema up to date."""
        key = str(self.path)
        try:
            info = self.path.stat()
        except OSError:
            return
        stamp = (info.st_size, info.st_mtime_ns)
        if _intact.get(key) != stamp:
            _check_intact(con, self.path, info.st_size)
            _intact[key] = stamp
        if read_only:
            done = {row[0] for row in con.execute(
                "SELECT name FROM schema_migrations").fetchall()} if _has_table(con, "schema_migrations") else set()
            missing = [name for name, _ in MIGRATIONS if name not in done]
            if missing:
                raise ReadOnlyDatabase(f"{self.path} cannot be written, and it needs an update to this version's "
                                       f"schema ({missing[0]}): open it once where it can be written")
            return
        if key not in _migrated:
            with _migrate_lock:
                if key not in _migrated:
                    apply_migrations(con)
                    _migrated.add(key)

    def write(self, fn: Callable[[duckdb.DuckDBPyConnection], T], retries: int = 5, checkpoint: bool = True) -> T:
        """Run fn in one transaction: all of it is committed or none. Retries write-write conflicts.

        ``checkpoint=False`` is for small writes such as one edit: the commit is durable in DuckDB's
        write-ahead log, and folding the log into the file (about two thirds of an edit's time on a
        large database) is left to a later write (see CHECKPOINT_AFTER) or to the next ordinary close.
        Once the commit is through, the write is done: an error while checkpointing or closing the file
        afterwards is not reported as a failed save.
        """
        def attempt() -> T:
            committed = False
            result: T
            try:
                with self.connect() as con:
                    result = _in_transaction(con, fn)
                    committed = True
                    if checkpoint or self._checkpoint_due():
                        with contextlib.suppress(duckdb.Error):  # committed already; a later write retries
                            con.execute("CHECKPOINT")
                    if not checkpoint:
                        con.execute("PRAGMA disable_checkpoint_on_shutdown")
            except (duckdb.Error, StoreError):
                if committed:
                    return result
                raise
            return result

        return _retrying(attempt, retries)

    def _checkpoint_due(self) -> bool:
        """Edits left in the write-ahead log for long enough (or a large log): fold them into the file."""
        try:
            log = self.path.with_name(self.path.name + ".wal").stat()
            return log.st_size > CHECKPOINT_LOG_BYTES or time.time() - self.path.stat().st_mtime > CHECKPOINT_AFTER
        except OSError:  # no log: nothing to fold
            return False

    def backup(self, target: str | os.PathLike[str]) -> Path:
        """A consistent copy of the whole database, edits still in the write-ahead log included, as a new
        DuckDB file (never over an existing file). Restoring = copying the backup over the database file
        (with the dashboard and loads stopped) and deleting the database's ``.wal`` file if there is one."""
        out = Path(target).expanduser().resolve()
        if out == self.path:
            raise StoreError(f"{out} is the database itself: give the backup another name")
        if out.exists():
            raise StoreError(f"{out} already exists: give a new file name (a backup never overwrites a file)")
        if not self.path.exists():
            raise StoreError(f"{self.path}: no database to back up")
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(f".{out.name}.partial")
        try:
            for leftover in (partial, partial.with_name(partial.name + ".wal")):
                leftover.unlink(missing_ok=True)
            # one transaction reads everything, committed edits in the log included, while writers wait
            with self.connect(read_only=True) as con:
                source = con.execute("SELECT current_database()").fetchone()
                literal = str(partial).replace("'", "''")
                name = str(source[0] if source else "main").replace('"', '""')
                attached = False
                try:
                    con.execute(f"ATTACH '{literal}' AS tracker_backup (READ_WRITE)")
                    attached = True
                    con.execute(f'COPY FROM DATABASE "{name}" TO tracker_backup')
                    attached = False
                    con.execute("DETACH tracker_backup")  # writes the copy out: it can fail too
                except duckdb.Error as exc:
                    if attached:
                        with contextlib.suppress(duckdb.Error):
                            con.execute("DETACH tracker_backup")
                    translated = translate_error(exc, self.path)
                    if isinstance(translated, DamagedDatabase):
                        raise translated from exc
                    reason = "the disk is full" if isinstance(translated, DiskFull) else _first_line(exc)
                    raise StoreError(f"{out}: cannot write the backup ({reason})") from exc
            partial.chmod(0o600)
            os.replace(partial, out)
        except OSError as exc:
            raise StoreError(f"{out}: cannot write the backup ({exc.strerror or exc})") from exc
        finally:
            for leftover in (partial, partial.with_name(partial.name + ".wal")):
                with contextlib.suppress(OSError):
                    leftover.unlink(missing_ok=True)
        return out

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
            # every write through it has committed or reported its error: a failure to checkpoint on close
            # neither undoes the commits nor may hide the error on its way
            held.release(quietly=True)

    def read(self, fn: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        """fn on a connection for reading only (a file that cannot be written is opened read-only)."""
        with self.connect(read_only=True) as con:
            return fn(con)

    def query(self, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
        """A SELECT as a DataFrame; values always go in as parameters, never into the SQL text."""
        with self.connect(read_only=True) as con:
            return con.execute(sql, params or []).df()

    def scalar(self, sql: str, params: list[Any] | None = None) -> Any:
        with self.connect(read_only=True) as con:
            row = con.execute(sql, params or []).fetchone()
            return row[0] if row else None


_intact: dict[str, tuple[int, int]] = {}  # path -> (size, mtime) of the file when it was last found intact
_CORE_TABLES = {"001_core": {"sessions", "documents", "items", "occurrences", "history"}}


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
                            "AND table_name = ?", [name]).fetchone()[0])  # type: ignore[index]


def _check_intact(con: duckdb.DuckDBPyConnection, path: Path, size: int) -> None:
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

        try:
            result = _retrying(attempt, retries)
        except duckdb.Error as exc:
            translated = translate_error(exc, self.store.path)
            if translated is None:
                raise
            self.release(quietly=True)
            raise translated from exc
        self._hand_over()
        return result

    def _hand_over(self) -> None:
        if not self.store.someone_waiting():
            return
        self.release(quietly=True)  # the batch has committed: a failing close does not undo it
        deadline = time.monotonic() + HANDOVER_WAIT
        while self.store.someone_waiting() and time.monotonic() < deadline:
            time.sleep(0.01)  # the waiter removes its marker once it has the file

    def release(self, quietly: bool = False) -> None:
        """Close the connection (DuckDB checkpoints on close); the next write opens it again.
        ``quietly``: after another error, which is the one to report."""
        if self._opened is not None:
            opened, self._opened, self._con = self._opened, None, None
            try:
                opened.__exit__(None, None, None)
            except (duckdb.Error, StoreError):
                if not quietly:
                    raise
