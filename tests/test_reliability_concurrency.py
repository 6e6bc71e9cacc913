"""Concurrent editors: separate OS processes edit the same database; nothing is silently overwritten.

DuckDB lets one process hold the file at a time, so ``Store`` opens per operation and waits for the
lock; ``set_item(expected_version=…)`` refuses a save based on a stale read. These tests run the
edits in real processes (spawned, like two dashboard servers or a dashboard and the CLI).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_reliability_crash import small_page
from tracker.services.editing import EditConflict, set_item
from tracker.store import Store
from tracker.store.queries import history_frame, item_row, items_frame

pytestmark = pytest.mark.slow  # `pytest -m "not slow"` leaves these out of the everyday run

ROOT = Path(__file__).resolve().parent.parent
N_PAGES = 1000  # ten of the load's batches: the editors must get their saves in between them
CTX = mp.get_context("spawn")  # a fresh interpreter, as a second server or CLI would be


def _stale_save(db: str, item_id: str, who: str, barrier, out) -> None:
    """Read the item, wait until the other editor has read it too, then save against that version."""
    store = Store(db)
    version = item_row(store, item_id)["version"]
    barrier.wait(timeout=60)
    try:
        set_item(store, item_id, by=who, expected_version=version, status="in_progress", owner=who,
                 notes=f"{who} takes this")
        out.put((who, "saved"))
    except EditConflict as conflict:
        out.put((who, f"conflict: {conflict}"))


def _append_tokens(db: str, item_id: str, who: str, rounds: int, out) -> None:
    """Read-modify-write loop, as a careful client does: on conflict, re-read and apply the change again."""
    store = Store(db)
    conflicts = 0
    for n in range(rounds):
        while True:
            row = item_row(store, item_id)
            try:
                set_item(store, item_id, by=who, expected_version=row["version"],
                         notes=f"{row['notes']} {who}-{n}".strip())
                break
            except EditConflict:
                conflicts += 1
    out.put((who, conflicts))


def _edit_until_stopped(db: str, item_ids: list[str], who: str, ready, stop, out) -> None:
    """Keep saving edits (as an organizer working through the list) until told to stop."""
    store = Store(db)
    errors, last, n = [], {}, 0
    while not stop.is_set() and n < 5000:
        item_id = item_ids[n % len(item_ids)]
        note = f"edited by {who}, save {n}"
        try:
            set_item(store, item_id, by=who, notes=note)
            last[item_id] = note
            ready.set()
        except Exception as exc:  # report any failure (a lock error above all) to the test
            errors.append(f"{type(exc).__name__}: {exc}")
        n += 1
    out.put((who, (errors, last, n)))


def _run(target, args_list: list[tuple]) -> list:
    out = CTX.Queue()
    procs = [CTX.Process(target=target, args=(*args, out)) for args in args_list]
    for p in procs:
        p.start()
    results = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    return results


def test_two_processes_saving_the_same_stale_item_one_gets_a_conflict(seed_store: Store):
    db = str(seed_store.path)
    item_id = items_frame(seed_store)["item_id"].iloc[0]
    winners, losers = [], []
    for round_ in range(3):
        barrier = CTX.Barrier(2)
        names = (f"alice{round_}", f"bob{round_}")
        results = dict(_run(_stale_save, [(db, item_id, name, barrier) for name in names]))
        saved = [who for who, outcome in results.items() if outcome == "saved"]
        refused = [who for who, outcome in results.items() if outcome.startswith("conflict")]
        assert len(saved) == 1 and len(refused) == 1, results
        assert f"changed by {saved[0]}" in results[refused[0]] and "nothing was saved" in results[refused[0]]
        winners += saved
        losers += refused
        row = item_row(seed_store, item_id)
        assert (row["owner"], row["notes"], row["version"]) == (saved[0], f"{saved[0]} takes this", round_ + 1)
        # the history has every successful save and nothing from a refused one
        history = history_frame(seed_store, item_id)
        assert set(history["changed_by"]) == set(winners)
        assert len(history) == 3 + 2 * round_  # status, owner, notes first; then owner and notes
def test_two_processes_editing_different_items_both_saved(seed_store: Store):
    db = str(seed_store.path)
    first, second = items_frame(seed_store)["item_id"].iloc[:2]
    barrier = CTX.Barrier(2)
    results = dict(_run(_stale_save, [(db, first, "alice", barrier), (db, second, "bob", barrier)]))
    assert results == {"alice": "saved", "bob": "saved"}
    assert item_row(seed_store, first)["owner"] == "alice"
    assert item_row(seed_store, second)["owner"] == "bob"
    history = history_frame(seed_store)
    assert sorted(history["changed_by"]) == ["alice"] * 3 + ["bob"] * 3


def test_concurrent_read_modify_write_loses_no_update(seed_store: Store):
    db = str(seed_store.path)
    item_id = items_frame(seed_store)["item_id"].iloc[3]
    rounds = 15
    _run(_append_tokens, [(db, item_id, "alice", rounds), (db, item_id, "bob", rounds)])
    row = item_row(seed_store, item_id)
    tokens = row["notes"].split()
    assert sorted(tokens) == sorted(f"{who}-{n}" for who in ("alice", "bob") for n in range(rounds))
    # each editor's own changes stay in order
    for who in ("alice", "bob"):
        assert [t for t in tokens if t.startswith(who)] == [f"{who}-{n}" for n in range(rounds)]
    assert row["version"] == 2 * rounds
    assert len(history_frame(seed_store, item_id)) == 2 * rounds


def test_edits_while_a_cli_load_runs_wait_for_the_lock_instead_of_failing(seed_store: Store, tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    rng = random.Random(11)
    for n in range(N_PAGES):
        (corpus / f"page_{n:05d}.txt").write_text(small_page(n, rng), encoding="utf-8")
    db = str(seed_store.path)
    item_ids = list(items_frame(seed_store)["item_id"])
    stop, out, ready = CTX.Event(), CTX.Queue(), [CTX.Event(), CTX.Event()]
    editors = [CTX.Process(target=_edit_until_stopped, args=(db, ids, who, flag, stop, out))
               for ids, who, flag in ((item_ids[::2], "alice", ready[0]), (item_ids[1::2], "bob", ready[1]))]
    for p in editors:
        p.start()
    assert all(flag.wait(timeout=60) for flag in ready)  # both editors are saving before the load starts
    load = subprocess.run([sys.executable, "-m", "tracker", "--db", db, "load", "--no-analyze", str(corpus)],
                          cwd=ROOT, env={**os.environ, "TRACKER_DB": db}, capture_output=True, text=True,
                          timeout=300)
    stop.set()
    results = dict(out.get(timeout=120) for _ in editors)
    for p in editors:
        p.join(timeout=60)
    assert load.returncode == 0, load.stderr
    assert f"{N_PAGES} added" in load.stdout and "0 failed" in load.stdout
    assert int(seed_store.scalar("SELECT count(*) FROM documents")) == N_PAGES + 5
    items = items_frame(seed_store).set_index("item_id")
    saves = 0
    for who, (errors, last, n) in results.items():
        assert errors == [], f"{who}: {errors[:3]}"
        assert all(items.loc[i, "notes"] == note for i, note in last.items())
        saves += n
    assert len(history_frame(seed_store, limit=100_000)) == saves
    # the edits really interleaved with the load's batches
    during = seed_store.scalar("""SELECT count(*) FROM history WHERE changed_at BETWEEN
        (SELECT min(loaded_at) FROM documents WHERE source LIKE 'page_%')
        AND (SELECT max(loaded_at) FROM documents WHERE source LIKE 'page_%')""")
    assert during > 0


def _save_nonstop(db: str, item_ids: list[str], seconds: float, ready, out) -> None:
    """Eight threads of one process (a busy dashboard) saving without a pause for ``seconds``."""
    import threading
    import time

    store = Store(db)
    saved: list[str] = []
    last = [0.0]
    end = time.monotonic() + seconds

    def work(k: int) -> None:
        n = 0
        while time.monotonic() < end:
            note = f"busy-{k}-{n}"
            set_item(store, item_ids[(k + n) % len(item_ids)], by="busy", notes=note)
            saved.append(note)
            last[0] = max(last[0], time.monotonic())
            ready.set()
            n += 1

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put(("busy", len(saved), last[0]))  # CLOCK_MONOTONIC: comparable across processes on Linux


def test_a_process_saving_nonstop_from_eight_threads_does_not_keep_another_process_out(seed_store: Store):
    import time

    db = str(seed_store.path)
    item_ids = list(items_frame(seed_store)["item_id"])
    ready, out = CTX.Event(), CTX.Queue()
    busy = CTX.Process(target=_save_nonstop, args=(db, item_ids[1:], 12.0, ready, out))
    busy.start()
    assert ready.wait(timeout=60)
    store = Store(db, lock_timeout=10)
    for n in range(10):
        set_item(store, item_ids[0], by="alice", notes=f"alice {n}")
    alice_done = time.monotonic()
    _, busy_saves, busy_last = out.get(timeout=120)
    busy.join(timeout=60)
    assert busy.exitcode == 0
    # the other process got all its turns while the busy one was still saving, not after it stopped
    assert alice_done < busy_last, (alice_done, busy_last)
    assert item_row(seed_store, item_ids[0])["notes"] == "alice 9"
    history = history_frame(seed_store, limit=100_000)
    assert (history["changed_by"] == "alice").sum() == 10 and (history["changed_by"] == "busy").sum() == busy_saves
