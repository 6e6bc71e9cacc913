"""Editors saving while a load runs: separate processes, each with several threads (as dashboard servers
with several people on them), save follow-up notes while `python -m tracker load` loads and analyzes pages.
Shared by tests/test_reliability_load.py (a small run) and bench/load_with_saves.py (the full figure).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CTX = mp.get_context("spawn")  # a fresh interpreter, as another server would be


def write_pages(folder: Path, n: int, seed: int = 7, first: int = 10_000) -> Path:
    """n new session pages (Open Forum #first, #first + 1, ...)."""
    from tests.test_reliability_crash import small_page

    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    for k in range(n):
        (folder / f"page_{k:05d}.txt").write_text(small_page(first + k, rng), encoding="utf-8")
    return folder


def _saver(db: str, item_ids: list[str], who: str, threads: int, pause: float, stop_file: str, out) -> None:
    """Save notes from ``threads`` threads until stop_file exists: (start, seconds, note or error) per save."""
    from tracker.services.editing import set_item
    from tracker.store import Store

    store = Store(db)
    records: list[tuple[float, float, str, str]] = []
    lock = threading.Lock()

    def work(t: int) -> None:
        rng = random.Random(f"{who}-{t}")
        n = 0
        while not os.path.exists(stop_file):
            item_id = rng.choice(item_ids)
            note = f"{who}-{t} save {n}"
            started = time.time()
            try:
                set_item(store, item_id, by=who, notes=note)
                outcome = ""
            except Exception as exc:  # every refusal is counted and shown by the caller
                outcome = f"{type(exc).__name__}: {exc}"
            with lock:
                records.append((started, time.time() - started, note, outcome))
            Path(f"{stop_file}.ready-{who}").touch()  # the first save is through: this saver is running
            n += 1
            time.sleep(rng.random() * pause)

    pool = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    out.put((who, records))


@dataclass
class Figures:
    alone: list[float] = field(default_factory=list)  # seconds per save of one editor, nobody else saving
    idle: list[float] = field(default_factory=list)  # seconds per save, all the savers saving, no load
    during: list[float] = field(default_factory=list)  # seconds per save that started while the load ran
    slowest: list[tuple[float, float]] = field(default_factory=list)  # (seconds into the load, seconds) top 5
    refused: list[str] = field(default_factory=list)  # the message of every save that was not stored
    stored_notes: list[str] = field(default_factory=list)
    load_seconds: float = 0.0
    load_exit: int = 0
    load_output: str = ""

    def line(self) -> str:
        saves = len(self.during)
        return (f"{saves} saves during a {self.load_seconds:.0f} s load, {len(self.refused)} refused "
                f"({100 * len(self.refused) / max(saves, 1):.1f}%); slowest save during the load "
                f"{max(self.during, default=0):.2f} s, median {statistics.median(self.during or [0]):.3f} s; "
                f"all savers, no load: median {statistics.median(self.idle or [0]):.3f} s, slowest "
                f"{max(self.idle, default=0):.3f} s; one editor alone: median "
                f"{statistics.median(self.alone or [0]):.3f} s "
                f"(slowest during the load = {max(self.during, default=0) / statistics.median(self.idle or [1]):.1f}x "
                f"the no-load median, {max(self.during, default=0) / statistics.median(self.alone or [1]):.0f}x "
                "a save alone)")


def _run_savers(db: Path, item_ids: list[str], processes: int, threads: int, pause: float,
                stop_file: Path, until) -> list[tuple[str, list]]:
    out = CTX.Queue()
    procs = [CTX.Process(target=_saver, args=(str(db), item_ids, f"editor{p}", threads, pause, str(stop_file), out))
             for p in range(processes)]
    for proc in procs:
        proc.start()
    try:
        ready = [Path(f"{stop_file}.ready-editor{p}") for p in range(processes)]
        deadline = time.time() + 300
        while not all(r.exists() for r in ready) and time.time() < deadline:
            time.sleep(0.05)
        until()
    finally:
        stop_file.touch()
    results = [out.get(timeout=300) for _ in procs]
    for proc in procs:
        proc.join(timeout=60)
    stop_file.unlink()
    for marker in stop_file.parent.glob(f"{stop_file.name}.ready-*"):
        marker.unlink()
    return results


def measure(db: Path, pages: Path, processes: int = 3, threads: int = 5, pause: float = 1.0,
            idle_seconds: float = 10.0, env: dict[str, str] | None = None) -> Figures:
    """Saves on an idle tracker for idle_seconds, then the same savers during `tracker load pages`."""
    from tracker.services.editing import set_item
    from tracker.store import Store

    item_ids = [str(i) for i in Store(db).query("SELECT item_id FROM items ORDER BY item_id")["item_id"]]
    figures = Figures()
    for n in range(20):
        started = time.time()
        set_item(Store(db), item_ids[n % len(item_ids)], by="alone", notes=f"alone {n}")
        figures.alone.append(time.time() - started)
    stop_file = db.with_name("stop-saving")
    for _, records in _run_savers(db, item_ids, processes, threads, pause, stop_file,
                                  lambda: time.sleep(idle_seconds)):
        figures.idle += [seconds for _, seconds, _, error in records if not error]
        figures.refused += [error for _, _, _, error in records if error]
        figures.stored_notes += [note for _, _, note, error in records if not error]
    window: list[float] = []

    def load() -> None:
        started = time.time()
        window.append(started)
        done = subprocess.run([sys.executable, "-m", "tracker", "--db", str(db), "load", str(pages)], cwd=ROOT,
                              env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=1800)
        window.append(time.time())
        figures.load_seconds = window[1] - started
        figures.load_exit = done.returncode
        figures.load_output = done.stdout + done.stderr

    for _, records in _run_savers(db, item_ids, processes, threads, pause, stop_file, load):
        for started, seconds, note, error in records:
            if error:
                figures.refused.append(error)
            else:
                figures.stored_notes.append(note)
            if window[0] <= started <= window[1] and not error:
                figures.during.append(seconds)
                figures.slowest.append((started - window[0], seconds))
    figures.slowest = sorted(figures.slowest, key=lambda pair: -pair[1])[:5]
    return figures


@dataclass
class CommandLineFigures:
    idle: list[float] = field(default_factory=list)  # seconds per `tracker set`, nothing else running
    during: list[tuple[float, float]] = field(default_factory=list)  # (seconds into the load, seconds)
    refused: list[str] = field(default_factory=list)
    load_seconds: float = 0.0
    load_exit: int = 0

    def line(self) -> str:
        idle, during = statistics.median(self.idle or [0]), [s for _, s in self.during]
        at, slowest = max(self.during, key=lambda pair: pair[1], default=(0.0, 0.0))
        return (f"command line: {len(during)} `tracker set` one after another during a {self.load_seconds:.0f} s "
                f"load, {len(self.refused)} refused; slowest {slowest:.2f} s ({at:.0f} s into the load), median "
                f"{statistics.median(during or [0]):.2f} s; on the idle tracker: median {idle:.2f} s, slowest "
                f"{max(self.idle, default=0):.2f} s "
                f"(slowest during the load = {slowest / (idle or 1):.1f}x an idle one)")


def measure_command_line(db: Path, pages: Path, idle_saves: int = 8,
                         env: dict[str, str] | None = None) -> CommandLineFigures:
    """The way the issue measured it: `tracker set` run from the command line, one after another, first on an
    idle tracker, then for as long as `tracker load pages` runs."""
    from tracker.store import Store

    item_id = str(Store(db).scalar("SELECT min(item_id) FROM items"))
    run_env = {**os.environ, **(env or {})}
    figures = CommandLineFigures()

    def save(n: int) -> tuple[float, str]:
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "tracker", "--db", str(db), "set", item_id, "--note",
                               f"command line {n}", "--by", "Bench"], cwd=ROOT, env=run_env, capture_output=True,
                              text=True, timeout=600)
        return time.monotonic() - started, done.stderr.strip() if done.returncode else ""

    for n in range(idle_saves):
        seconds, error = save(n)
        figures.idle.append(seconds)
        figures.refused += [error] if error else []
    started = time.monotonic()
    load = subprocess.Popen([sys.executable, "-m", "tracker", "--db", str(db), "load", str(pages)], cwd=ROOT,
                            env=run_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    n = idle_saves
    while load.poll() is None:
        at = time.monotonic() - started
        seconds, error = save(n)
        n += 1
        if error:
            figures.refused.append(error)
        else:
            figures.during.append((at, seconds))
    figures.load_exit = load.wait()
    figures.load_seconds = time.monotonic() - started
    return figures
