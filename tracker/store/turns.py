"""Taking turns on the DuckDB file: one connection per process, one writer at a time within it.

DuckDB lets one process at a time hold a database file. A process here holds it for a *turn*: the first
thread that needs the file waits for the lock file next to it (``<db>.lock``, an exclusive ``flock``) and
opens one connection; every thread of the process that comes during the turn (the dashboard's sessions)
works on a cursor of that connection, and their writes go one at a time through one lock — datasette's
one-writer pattern, without a thread of its own, so the work runs in the caller's thread. When the last
thread is done, the connection is closed and the lock let go, so a command-line load, another server or
the next command get the file.

A turn takes in new work for TURN_LENGTH only; work that comes later waits for the turn to end and then asks
for the file again after TURN_GAP, which gives a process that has waited meanwhile the file first. So a
busy server cannot keep a load or another server out, and a load, which lets go after every batch, cannot
keep editors out either.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from .failures import StoreBusy, busy_message

TURN_LENGTH = 0.2  # seconds a turn takes in new work
TURN_GAP = 0.02  # seconds a process that just let go stays away when its own threads were kept waiting
POLL = 0.005  # seconds between attempts while a program that does not use the lock file holds the database

Opener = Callable[[bool], tuple[duckdb.DuckDBPyConnection, bool]]  # writable? -> (connection, read-only)


class FileHeld(Exception):
    """Raised by an opener: DuckDB's own lock is held by a program that does not use the lock file."""


class Turns:
    """This process's turns on one database file (one instance per file, see ``for_path``)."""

    def __init__(self, path: Path):
        self.lock_path = path.with_name(path.name + ".lock")
        self.path = path
        self.writer = threading.RLock()  # one write transaction at a time in this process
        self._state = threading.Condition()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._read_only = False
        self._users = 0
        self._opening = False
        self._started = 0.0
        self._kept_waiting = False
        self._not_before = 0.0
        self._fold = False
        self._lock_fd: int | None = None
        self._mine = threading.local()  # how deep the current thread is in this turn (a read inside a write)

    @contextmanager
    def cursor(self, opener: Opener, writable: bool, timeout: float) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor of this turn's connection, joining the running turn or waiting for a new one."""
        con = self._join(opener, writable, time.monotonic() + timeout, timeout)
        self._mine.depth = getattr(self._mine, "depth", 0) + 1
        try:
            cursor = con.cursor()
        except BaseException:
            self._leave()
            raise
        try:
            yield cursor
        finally:
            with contextlib.suppress(duckdb.Error):
                cursor.close()
            self._leave()

    def fold_on_close(self) -> None:
        """Fold the write-ahead log into the file when this turn ends (a CHECKPOINT before closing)."""
        with self._state:
            self._fold = True

    def _join(self, opener: Opener, writable: bool, deadline: float, timeout: float) -> duckdb.DuckDBPyConnection:
        with self._state:
            while True:
                con = self._con
                if con is not None and (not writable or not self._read_only) and (
                        getattr(self._mine, "depth", 0) > 0 or time.monotonic() - self._started < TURN_LENGTH):
                    self._users += 1
                    return con
                if con is None and not self._opening:
                    self._opening = True
                    break
                self._kept_waiting = self._kept_waiting or con is not None
                left = deadline - time.monotonic()
                if left <= 0:
                    raise StoreBusy(busy_message(self.path, timeout))
                self._state.wait(left)
        try:
            con, read_only = self._take_file(opener, writable, deadline, timeout)
        except BaseException:
            with self._state:
                self._opening = False
                self._state.notify_all()
            raise
        with self._state:
            self._con, self._read_only, self._started = con, read_only, time.monotonic()
            self._opening, self._users = False, 1
            self._state.notify_all()
        return con

    def _take_file(self, opener: Opener, writable: bool, deadline: float,
                   timeout: float) -> tuple[duckdb.DuckDBPyConnection, bool]:
        """Wait for the lock file, then open the database."""
        gap = self._not_before - time.monotonic()
        if gap > 0:
            time.sleep(gap)
        while True:
            fd = self._lock_file()
            try:
                if fd is not None and not _lock(fd, deadline):
                    raise StoreBusy(busy_message(self.path, timeout))
                opened = opener(writable)
                self._lock_fd = fd
                return opened
            except FileHeld:
                pass
            except BaseException:
                if fd is not None:
                    os.close(fd)
                raise
            if fd is not None:
                os.close(fd)  # closing lets go of the lock, if it was taken
            if time.monotonic() >= deadline:
                raise StoreBusy(busy_message(self.path, timeout))
            time.sleep(POLL)

    def _lock_file(self) -> int | None:
        try:
            return os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            try:  # a folder that cannot be written: the lock file may still be there to lock
                return os.open(self.lock_path, os.O_RDONLY)
            except OSError:  # nothing to lock: DuckDB's own lock (FileHeld) is then all there is
                return None

    def _leave(self) -> None:
        self._mine.depth -= 1
        with self._state:
            self._users -= 1
            if self._users:
                return
            con, self._con = self._con, None
            fold, self._fold = self._fold, False
            try:
                if con is not None:
                    _close(con, fold)
            finally:
                if self._lock_fd is not None:
                    os.close(self._lock_fd)
                    self._lock_fd = None
                if self._kept_waiting:
                    self._not_before = time.monotonic() + TURN_GAP
                    self._kept_waiting = False
                self._state.notify_all()


def _lock(fd: int, deadline: float) -> bool:
    """Wait until the deadline for the exclusive lock on the lock file: in the kernel, which wakes a waiter as
    soon as the holder lets go (polling would let a process that asks again at once win every time). A helper
    thread waits on its own copy of the descriptor, so that the caller can give up at the deadline: the lock
    it may still get then goes when its copy closes, the caller having closed its own."""
    with contextlib.suppress(BlockingIOError):
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    taken = threading.Event()
    copy = os.dup(fd)

    def wait() -> None:
        try:
            fcntl.flock(copy, fcntl.LOCK_EX)
            taken.set()
        except OSError:  # the lock cannot be had: the caller gives up at the deadline
            pass
        finally:
            os.close(copy)

    threading.Thread(target=wait, name="tracker-file-lock", daemon=True).start()
    return taken.wait(max(0.0, deadline - time.monotonic()))


def _close(con: duckdb.DuckDBPyConnection, fold: bool) -> None:
    """Close the connection; every write of the turn has committed, so a failure here (a full disk while
    folding the log) loses nothing: the log still has the commits and a later turn folds it."""
    folded = False
    if fold:
        with contextlib.suppress(duckdb.Error):
            con.execute("CHECKPOINT")
            folded = True
    if not folded:  # small commits stay in the log: folding it on every close would cost more than the edit
        with contextlib.suppress(duckdb.Error):
            con.execute("PRAGMA disable_checkpoint_on_shutdown")
    with contextlib.suppress(duckdb.Error):
        con.close()


_turns: dict[Path, Turns] = {}
_turns_lock = threading.Lock()


def for_path(path: Path) -> Turns:
    """The one Turns of this process for the file."""
    with _turns_lock:
        if path not in _turns:
            _turns[path] = Turns(path)
        return _turns[path]
