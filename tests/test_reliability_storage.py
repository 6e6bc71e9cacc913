"""The database file under stress: backups with edits still in the log, a full disk, a truncated file, a
read-only file, two processes opening it at once, an error after a commit.

Every command runs as a real process (``python -m tracker``) against a real DuckDB file; disk limits are
real too (RLIMIT_FSIZE makes writes past a size fail with EFBIG, as a full disk fails with ENOSPC).
"""

from __future__ import annotations

import hashlib
import multiprocessing as mp
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest

import tracker.store.db as db_module
from tests.test_reliability_crash import small_page
from tracker.services.editing import set_item
from tracker.store import Store
from tracker.store.queries import history_frame

ROOT = Path(__file__).resolve().parent.parent
MEMORY_LIMIT = 4 * 2**30  # address space of every command run here: a runaway fails instead of swapping


def _limits(file_size: int | None) -> Callable[[], None]:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
        if file_size is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG), as on a full disk
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))
    return apply


def tracker(db: Path, *args: str, file_size: int | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "TRACKER_DB"}
    return subprocess.run([sys.executable, "-m", "tracker", "--db", str(db), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout, preexec_fn=_limits(file_size))


def one_error_line(result: subprocess.CompletedProcess) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip() and line.strip() != "Loading"]
    assert result.returncode == 1, (result.returncode, result.stderr[-2000:])
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr[-2000:]
    assert "Traceback" not in result.stderr and "rollback" not in result.stderr
    return lines[0]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def _note_count(path: Path, prefix: str) -> int:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return int(con.execute("SELECT count(*) FROM items WHERE notes LIKE ?", [prefix + "%"]).fetchone()[0])
    finally:
        con.close()


# --- backups ------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_a_backup_taken_while_the_edits_are_only_in_the_log_has_them_all(analyzed_store: Store, tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db_module, "CHECKPOINT_AFTER", 3600.0)  # keep every edit in the log for this test
    item_ids = list(analyzed_store.query("SELECT item_id FROM items ORDER BY item_id")["item_id"])
    for n, item_id in enumerate(item_ids):
        set_item(analyzed_store, item_id, by="Ana", notes=f"edit {n}")
    assert wal(analyzed_store.path).stat().st_size > 0
    plain = tmp_path / "plain-copy.duckdb"
    shutil.copy(analyzed_store.path, plain)  # what a user would do: the file alone
    assert _note_count(plain, "edit ") == 0  # ... has none of the edits, which is why `backup` exists

    target = tmp_path / "backups" / "monday.duckdb"
    result = tracker(analyzed_store.path, "backup", str(target))
    assert result.returncode == 0, result.stderr
    assert f"backed up to {target}" in result.stdout
    assert not wal(target).exists()  # a single file: copying it is enough
    assert _note_count(target, "edit ") == len(item_ids)
    restored = Store(target)
    assert len(history_frame(restored, limit=100_000)) == len(history_frame(analyzed_store, limit=100_000))
    assert restored.scalar("SELECT count(*) FROM recommendations") == analyzed_store.scalar(
        "SELECT count(*) FROM recommendations")
    set_item(restored, item_ids[0], by="Bo", notes="after restore")  # sequences and keys came along
    assert restored.scalar("SELECT count(*) FROM history WHERE changed_by = 'Bo'") == 1

    again = tracker(analyzed_store.path, "backup", str(target))
    assert "already exists" in one_error_line(again)
    assert _note_count(target, "after restore") == 1  # the existing backup was not touched


def test_a_backup_that_does_not_fit_says_so_and_leaves_no_file(seed_store: Store, tmp_path: Path) -> None:
    target = tmp_path / "backup.duckdb"
    result = tracker(seed_store.path, "backup", str(target), file_size=500_000)
    assert one_error_line(result) == f"error: {target}: cannot write the backup (the disk is full)"
    assert sorted(p.name for p in tmp_path.iterdir() if "backup" in p.name) == []


def test_edits_are_folded_into_the_file_once_it_is_older_than_the_checkpoint_age(
        seed_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db_module, "CHECKPOINT_AFTER", 3600.0)
    item_ids = list(seed_store.query("SELECT item_id FROM items ORDER BY item_id")["item_id"])
    set_item(seed_store, item_ids[0], by="Ana", notes="folded 0")
    monkeypatch.setattr(db_module, "CHECKPOINT_AFTER", 0.0)  # the file is now "old": the next edit folds the log
    set_item(seed_store, item_ids[1], by="Ana", notes="folded 1")
    plain = tmp_path / "plain.duckdb"
    shutil.copy(seed_store.path, plain)
    assert _note_count(plain, "folded ") == 2


# --- a full disk --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("pages")
    rng = random.Random(3)
    for n in range(1500):
        (folder / f"page_{n:05d}.txt").write_text(small_page(n, rng), encoding="utf-8")
    return folder


@pytest.mark.slow
def test_a_full_disk_stops_the_load_at_the_first_failed_write_with_one_line(tmp_path: Path, pages: Path) -> None:
    db = tmp_path / "full.duckdb"
    started = time.monotonic()
    result = tracker(db, "load", "--no-analyze", str(pages), file_size=2_000_000)
    line = one_error_line(result)
    assert time.monotonic() - started < 60
    assert "disk is full" in line and "File too large" in line and str(db) in line
    # the line says what was stored before the stop, and that is what the file holds
    told = re.search(r"stored before the load stopped: ([\d,]+) files \(([\d,]+) added, 0 updated\), "
                     r"([\d,]+) new items$", line)
    assert told is not None, line
    stored = int(told.group(1).replace(",", ""))
    assert 0 < stored < 1500 and told.group(1) == told.group(2)
    assert Store(db).scalar("SELECT count(*) FROM documents") == stored
    assert Store(db).scalar("SELECT count(*) FROM items") == int(told.group(3).replace(",", ""))
    # what was committed before is whole, and a load with space again completes the rest
    again = tracker(db, "load", "--no-analyze", str(pages))
    assert again.returncode == 0, again.stderr
    store = Store(db)
    assert store.scalar("SELECT count(*) FROM documents") == 1500
    assert store.scalar("SELECT count(*) FROM items") == 1500 * 4
    assert store.scalar("""SELECT count(*) FROM documents d
                           WHERE item_count <> (SELECT count(*) FROM occurrences o WHERE o.source = d.source)""") == 0


def test_a_save_that_committed_is_reported_saved_when_folding_the_log_fails(seed_store: Store) -> None:
    db = seed_store.path
    item_id = str(seed_store.scalar("SELECT min(item_id) FROM items"))
    old = time.time() - 3600
    os.utime(db, (old, old))  # the file is due for a checkpoint, which needs it to grow: that write fails
    result = tracker(db, "set", item_id, "--note", "kept", "--by", "Ana", file_size=db.stat().st_size)
    assert result.returncode == 0, result.stderr
    assert f"{item_id}: notes" in result.stdout and result.stderr == ""
    assert seed_store.scalar("SELECT notes FROM items WHERE item_id = ?", [item_id]) == "kept"
    assert len(history_frame(seed_store, item_id)) == 1


# --- a damaged file -----------------------------------------------------------------------------------

def _truncated(seed_store: Store, tmp_path: Path, keep: float) -> Path:
    db = tmp_path / "cut.duckdb"
    shutil.copy(seed_store.path, db)
    os.truncate(db, int(db.stat().st_size * keep) // 4096 * 4096)
    return db


@pytest.mark.slow
def test_a_truncated_database_is_refused_by_every_command_and_never_written(seed_store: Store,
                                                                           tmp_path: Path) -> None:
    db = _truncated(seed_store, tmp_path, 0.97)  # opens, and most reads work: the damage shows later
    before = digest(db)
    item_id = str(seed_store.scalar("SELECT min(item_id) FROM items"))
    for args in (["export"], ["history"], ["analyze"], ["set", item_id, "--status", "done", "--by", "Ana"],
                 ["load", "--no-analyze", str(ROOT / "seeds")], ["backup", str(tmp_path / "b.duckdb")]):
        line = one_error_line(tracker(db, *args))
        assert "damaged" in line and "backup" in line, (args, line)
    assert digest(db) == before and not wal(db).exists()
    assert not (tmp_path / "b.duckdb").exists()


@pytest.mark.slow
@pytest.mark.parametrize("keep", [0.5, 0.0])
def test_a_database_cut_short_or_emptied_is_refused_in_one_line(seed_store: Store, tmp_path: Path,
                                                                keep: float) -> None:
    db = _truncated(seed_store, tmp_path, keep)
    before = digest(db)
    item_id = str(seed_store.scalar("SELECT min(item_id) FROM items"))
    for args in (["export"], ["set", item_id, "--status", "done", "--by", "Ana"]):
        line = one_error_line(tracker(db, *args))
        assert "damaged" in line and "backup" in line, (args, line)
    assert digest(db) == before and not wal(db).exists()


def test_a_duckdb_file_that_is_not_a_tracker_database_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "other.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE accounts (id INTEGER)")
    con.close()
    line = one_error_line(tracker(db, "load", "--no-analyze", str(ROOT / "seeds")))
    assert "not a tracker database" in line
    con = duckdb.connect(str(db), read_only=True)
    assert [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()] == ["accounts"]
    con.close()


def test_the_dashboard_shows_one_line_for_a_damaged_database(seed_store: Store, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit.testing.v1 import AppTest

    db = _truncated(seed_store, tmp_path, 0.5)
    monkeypatch.setenv("TRACKER_DB", str(db))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90).run()
    assert not at.exception
    assert [e.value for e in at.error] and "damaged" in at.error[0].value and "backup" in at.error[0].value


# --- a read-only file ---------------------------------------------------------------------------------

@pytest.fixture
def read_only_db(seed_store: Store, tmp_path: Path) -> Iterator[Path]:
    """A copy of the seed database that cannot be written: a read-only file system when run as root (root
    ignores file modes), else a 0444 file in a 0555 folder."""
    folder = tmp_path / "ro"
    folder.mkdir()
    if os.geteuid() == 0:
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", str(folder)], check=True)
        try:
            shutil.copy(seed_store.path, folder / "t.duckdb")
            subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
            yield folder / "t.duckdb"
        finally:
            subprocess.run(["umount", str(folder)], check=True)
    else:
        shutil.copy(seed_store.path, folder / "t.duckdb")
        (folder / "t.duckdb").chmod(0o444)
        folder.chmod(0o555)
        try:
            yield folder / "t.duckdb"
        finally:
            folder.chmod(0o755)


@pytest.mark.slow
def test_a_read_only_database_is_read_and_refuses_changes_in_one_line(read_only_db: Path, seed_store: Store) -> None:
    exported = tracker(read_only_db, "export", "--what", "sessions")
    assert exported.returncode == 0, exported.stderr
    assert len(exported.stdout.strip().splitlines()) == 1 + 5
    history = tracker(read_only_db, "history")
    assert history.returncode == 0, history.stderr
    unchanged = tracker(read_only_db, "load", "--no-analyze", str(ROOT / "seeds"))  # nothing new: nothing to write
    assert unchanged.returncode == 0 and "5 unchanged" in unchanged.stdout, unchanged.stderr
    item_id = str(seed_store.scalar("SELECT min(item_id) FROM items"))
    for args in (["set", item_id, "--status", "done", "--by", "Ana"], ["analyze"]):
        line = one_error_line(tracker(read_only_db, *args))
        assert "cannot be written" in line and "reading" in line, line


# --- two processes at once ----------------------------------------------------------------------------

def _save_in_threads(db: str, item_ids: list[str], who: str, out) -> None:
    """Several threads of one process (as dashboard sessions are) saving and reading at once."""
    import threading

    store = Store(db)
    errors: list[str] = []
    saved: list[str] = []

    def work(k: int) -> None:
        for n in range(40):
            note = f"{who}-{k}-{n}"
            try:
                set_item(store, item_ids[(k * 5 + n) % len(item_ids)], by=who, notes=note)
                saved.append(note)
                store.query("SELECT count(*) FROM items")
            except Exception as exc:  # any failure, a handle conflict above all, goes to the test
                errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put((who, errors, saved))


@pytest.mark.slow
def test_two_processes_with_many_threads_save_everything_without_handle_errors(seed_store: Store) -> None:
    ctx = mp.get_context("spawn")
    item_ids = list(seed_store.query("SELECT item_id FROM items ORDER BY item_id")["item_id"])
    out = ctx.Queue()
    procs = [ctx.Process(target=_save_in_threads, args=(str(seed_store.path), item_ids, who, out))
             for who in ("alice", "bob")]
    for p in procs:
        p.start()
    results = [out.get(timeout=300) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    saved = 0
    for who, errors, notes in results:
        assert errors == [], f"{who}: {errors[:3]}"
        saved += len(notes)
    assert saved == 2 * 8 * 40
    assert len(history_frame(seed_store, limit=100_000)) == saved  # every save reported saved is stored
