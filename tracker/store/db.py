"""The DuckDB file: where it is, how it is opened, and the one write path.

DuckDB lets one process at a time hold a database file. A process takes its turn on the file
(``store.turns``): it waits for the lock file next to the database, opens one connection that all its
threads share while they work, and closes it when they are done, so a command-line load and the dashboard
(or two servers) take turns instead of failing. Every write runs in one transaction through ``Store.write``,
one at a time within the process.

Failures the user can act on become one line (``store.failures``): a damaged file (checked when opened, and
any read that hits a missing block), a full disk, a read-only file (reads then open it read-only). A write
that committed counts as done even if folding the log or closing the file afterwards fails.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import duckdb

from .. import settings
from ..resources import CHECKOUT_ROOT, default_db
from . import turns
from .failures import (
    DamagedDatabase,
    DiskFull,
    ReadOnlyDatabase,
    StoreBusy,
    StoreError,
    check_intact,
    damaged_message,
    first_line,
    has_table,
    is_lock_error,
    translate_error,
)
from .migrations import MIGRATIONS, apply_migrations

if TYPE_CHECKING:  # DuckDB imports pandas when a query asks for a DataFrame: a command that asks for none is quicker
    import pandas as pd

__all__ = ["DamagedDatabase", "DiskFull", "HeldConnection", "ReadOnlyDatabase", "Store", "StoreBusy", "StoreError",
           "damaged_message", "db_path", "fetch_one", "translate_error"]

PROJECT_ROOT = CHECKOUT_ROOT  # the repository checkout (only meaningful when running from one)
# data/tracker.duckdb in a checkout; outside one, relative: resolved against the current directory when used
DEFAULT_DB = default_db()
# Writes leave their commit in the write-ahead log (see Store.write); the log is folded into the file at the
# end of the first turn that finds the file older than this, or the log larger than CHECKPOINT_LOG_BYTES, so
# a copy of the file alone is never far behind and the log, which every turn reads when it opens the file,
# stays short.
CHECKPOINT_AFTER = 60.0  # seconds
CHECKPOINT_LOG_BYTES = 4 * 2**20

T = TypeVar("T")
_migrated: set[str] = set()
_migrate_lock = threading.Lock()
_intact: dict[str, tuple[int, int]] = {}  # path -> (size, mtime) of the file when it was last found intact


def db_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The database file: the explicit path, else $TRACKER_DB, else data/tracker.duckdb."""
    chosen = explicit or settings.DB.text() or DEFAULT_DB
    return Path(chosen).expanduser().resolve()


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
    def _turns(self) -> turns.Turns:
        return turns.for_path(self.path)

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor on an open, migrated connection, in this process's turn on the file (waiting up to
        lock_timeout while another process has it).

        ``read_only=True`` is for reads: a file that cannot be written is then opened read-only instead of
        refused. A damaged file is refused either way (DamagedDatabase).
        """
        private_files()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with self._turns.cursor(self._open, not read_only, self.lock_timeout) as con:
                yield con
        except duckdb.Error as exc:
            translated = translate_error(exc, self.path)
            if translated is not None:
                raise translated from exc
            raise

    def _open(self, writable: bool) -> tuple[duckdb.DuckDBPyConnection, bool]:
        """(connection, opened read-only) for a new turn; FileHeld when DuckDB's own lock is taken."""
        if not self.path.exists():
            _migrated.discard(str(self.path))  # a deleted and recreated file needs its schema again
        try:
            con, read_only = duckdb.connect(str(self.path)), False
        except duckdb.Error as exc:
            if is_lock_error(exc):
                raise turns.FileHeld() from exc
            translated = translate_error(exc, self.path)
            if not (isinstance(translated, ReadOnlyDatabase) and not writable and self.path.exists()):
                raise translated or StoreError(f"{self.path}: cannot open database ({first_line(exc)})") from exc
            try:  # the file cannot be written: reads open it read-only
                con, read_only = duckdb.connect(str(self.path), read_only=True), True
            except duckdb.Error as again:
                if is_lock_error(again):
                    raise turns.FileHeld() from again
                raise translate_error(again, self.path) or StoreError(
                    f"{self.path}: cannot open database ({first_line(again)})") from again
        _owner_only(self.path)
        try:
            self._check(con, read_only)
        except BaseException:  # a duckdb.Error is worded for the user by connect
            con.close()
            raise
        return con, read_only

    def _check(self, con: duckdb.DuckDBPyConnection, read_only: bool) -> None:
        """Refuse a damaged file before anything reads or writes it; bring the schema up to date."""
        key = str(self.path)
        try:
            info = self.path.stat()
        except OSError:
            return
        stamp = (info.st_size, info.st_mtime_ns)
        if _intact.get(key) != stamp:
            check_intact(con, self.path, info.st_size)
            _intact[key] = stamp
        if read_only:
            done = {row[0] for row in con.execute(
                "SELECT name FROM schema_migrations").fetchall()} if has_table(con, "schema_migrations") else set()
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

    def write(self, fn: Callable[[duckdb.DuckDBPyConnection], T], checkpoint: bool = True) -> T:
        """Run fn in one transaction: all of it is committed or none. Writes of one process run one at a time,
        and other processes wait for their turn on the file, so two writes never conflict.

        ``checkpoint=False`` is for small writes such as one edit: the commit is durable in DuckDB's
        write-ahead log, and folding the log into the file (about two thirds of an edit's time on a
        large database) is left to a later turn (see CHECKPOINT_AFTER). Either way the log is folded when
        the turn ends, after the commit: a failure then is not reported as a failed save.
        """
        with self.connect() as con, self._turns.writer:
            result = _in_transaction(con, fn)
            if checkpoint or self._checkpoint_due():
                self._turns.fold_on_close()
            return result

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
            with self.connect(read_only=True) as con, self._turns.writer:
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
                    reason = "the disk is full" if isinstance(translated, DiskFull) else first_line(exc)
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

    @contextmanager
    def holding(self) -> Iterator[HeldConnection]:
        """A run of many writes (a load's batches), each a turn of its own so that other processes get the file
        between them; the log is folded into the file once, at the end, instead of after every batch."""
        yield HeldConnection(self)
        with contextlib.suppress(StoreError):  # every batch has committed; a later turn folds the log
            self.write(lambda con: None)

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


class HeldConnection:
    """The writes of a load (see ``Store.holding``): each batch commits in a turn of its own."""

    def __init__(self, store: Store):
        self.store = store

    def write(self, fn: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        return self.store.write(fn, checkpoint=False)


def fetch_one(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> tuple[Any, ...]:
    """The row of a query that always returns one (an aggregate, ``nextval``, a row known to exist)."""
    row = con.execute(sql, params or []).fetchone()
    if row is None:
        raise StoreError(f"the database returned no row for: {' '.join(sql.split())[:80]}")
    return row
