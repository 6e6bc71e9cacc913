"""The benchmark: load speed, reload and dashboard data functions at the product's size.

    python -m bench.run                      # sizes 5, 500, 3400 pages (~20,000 items); writes bench/RESULTS.md
    python -m bench.run --quick              # sizes 5 and 50, corpora in a temporary folder: seconds, no RESULTS.md
    python -m bench.run --sizes 5,500,1000   # other sizes

The recommendations (first analysis, full re-analysis, adding a report) have their own benchmark,
bench.recommendations. Here the largest database is analyzed in lexical mode (no sentence model, so no
embedding time) only so that the dashboard's recommendation frames have data to read.

Corpora come from bench/generate.py (cached in bench/corpora/, git-ignored; with --quick in the temporary
folder); databases live in a temporary folder. Nothing here is part of the test suite.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import platform
import queue as queue_module
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from bench.generate import generate
from tracker.reading.files import find_files
from tracker.store import Store
from tracker.store.loading import load_paths

ROOT = Path(__file__).resolve().parent.parent

CORPORA = ROOT / "bench" / "corpora"
# the floor: read, decode, and split on the outcome/section headings with one regular expression
FLOOR_RE = re.compile(
    r"^[ \t#*]*(?:key takeaways(?: and action items)?|takeaways|calls? to action|resolutions and action items"
    r"|unresolved issues|follow-up questions|suggested compromises|session report|session at a glance|summary)\b.*$",
    re.IGNORECASE | re.MULTILINE)
OUT: list[str] = []


def say(line: str = "") -> None:
    print(line, flush=True)
    OUT.append(line)


def machine() -> list[str]:
    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")), platform.processor())
    mem = subprocess.run(["free", "-h"], capture_output=True, text=True).stdout.strip().splitlines()
    import duckdb
    import pandas
    return [f"CPU: {cpu}; nproc: {os.cpu_count()}", *mem,
            f"Python {platform.python_version()}, DuckDB {duckdb.__version__}, pandas {pandas.__version__}, "
            f"{platform.system()} {platform.release()}"]


def median_ms(fn: Callable[[], object], runs: int = 5) -> tuple[float, float]:
    fn()  # warm: first call pays imports and the OS file cache
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), max(times)


# ---------------------------------------------------------------- loading

def floor_seconds(files: list[Path]) -> float:
    started = time.perf_counter()
    sections = 0
    for path in files:
        sections += len(FLOOR_RE.split(path.read_bytes().decode("utf-8")))
    assert sections > len(files)
    return time.perf_counter() - started


def load_rows(sizes: list[int], work: Path, corpora: Path) -> dict[int, Path]:
    say("## Loading (parse + store only; no analysis)")
    say()
    say("| documents | MB | floor s | first load s | docs/s | MB/s | ms/doc | growth | x floor | "
        "reload s | items |")
    say("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    dbs = {}
    previous = None
    for n in sizes:
        corpus = corpora / str(n)
        manifest = generate(n, corpus)
        files = find_files([corpus])
        mb = manifest["bytes"] / 1e6
        for path in files:  # page cache warm for both contestants
            path.read_bytes()
        floor = min(floor_seconds(files) for _ in range(3 if n <= 5000 else 1))
        db = work / f"bench_{n}.duckdb"
        store = Store(db)
        store.scalar("SELECT 1")  # create and migrate outside the timing
        started = time.perf_counter()
        report = load_paths([corpus], store)
        first = time.perf_counter() - started
        assert report.ok and report.count("added") == n, report.summary()
        started = time.perf_counter()
        again = load_paths([corpus], store)
        reload = time.perf_counter() - started
        assert again.count("unchanged") == n, again.summary()
        items = int(store.scalar("SELECT count(*) FROM items"))
        per_doc = first / n * 1000
        growth = f"{per_doc / previous:.2f}x" if previous else "-"
        previous = per_doc
        say(f"| {n:,} | {mb:.1f} | {floor:.2f} | {first:.2f} | {n / first:,.0f} | {mb / first:.1f} | {per_doc:.2f} "
            f"| {growth} | {first / floor:.1f} | {reload:.2f} | {items:,} |")
        dbs[n] = db
    say()
    say("growth = ms/doc relative to the previous size (flat = 1.00x); x floor = first load / floor; "
        "floor = read + decode + split on section headings with one regex, single process.")
    return dbs


# ---------------------------------------------------------------- analysis (for the dashboard's frames)

def _analysis_child(db: str, queue: mp.Queue) -> None:
    os.environ["TRACKER_EMBEDDINGS"] = "off"
    from tracker.analysis.runs import run_analysis

    started = time.perf_counter()
    result = run_analysis(Store(db))
    queue.put({"seconds": time.perf_counter() - started, "summary": result.summary,
               "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})


def analysis_row(db: Path) -> None:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_analysis_child, args=(str(db), queue))
    proc.start()
    while True:  # a child that dies (an error) must not leave this waiting for its answer
        try:
            out = queue.get(timeout=5)
            break
        except queue_module.Empty:
            if not proc.is_alive():
                raise SystemExit("the analysis child process ended without a result "
                                 f"(exit code {proc.exitcode})") from None
    proc.join()
    say()
    say(f"First analysis of the largest database, lexical mode: {out['seconds']:.1f} s, peak RSS "
        f"{out['peak_mb']:,.0f} MB ({out['summary']}).")


# ---------------------------------------------------------------- dashboard data functions

def dashboard_rows(db: Path) -> None:
    from tracker import analysis
    from tracker.services.editing import set_item
    from tracker.store.queries import ItemFilter, counts, items_frame

    store = Store(db)
    items = int(store.scalar("SELECT count(*) FROM items"))
    years = [int(y) for y in store.query("SELECT DISTINCT year FROM sessions ORDER BY year")["year"].dropna()[:3]]
    say()
    say(f"## Dashboard data functions ({items:,} items; median of 5 runs after one warm-up)")
    say()
    say("| function | rows | median ms | max ms |")
    say("|---|---:|---:|---:|")
    cases: list[tuple[str, Callable[[], object]]] = [
        ("items_frame() all items", lambda: items_frame(store)),
        (f"items_frame(years={years}, kinds=[action])", lambda: items_frame(store, ItemFilter(
            years=years, kinds=["action"]))),
        ("items_frame(text='digital literacy')", lambda: items_frame(store, ItemFilter(text="digital literacy"))),
        ("items_frame(statuses=[done], text='children', in source)", lambda: items_frame(store, ItemFilter(
            statuses=["done"], text="children", include_removed=False))),
        ("counts()", lambda: counts(store)),
        ("analysis.recommendations_frame(recurring_only=True)",
         lambda: analysis.recommendations_frame(store, recurring_only=True)),
        ("analysis.review_queue()", lambda: analysis.review_queue(store)),
        ("analysis.item_annotations()", lambda: analysis.item_annotations(store)),
        ("analysis.theme_year_frame()", lambda: analysis.theme_year_frame(store)),
        ("analysis.status_by_theme_frame()", lambda: analysis.status_by_theme_frame(store)),
        ("analysis.progress_by_first_year_frame()", lambda: analysis.progress_by_first_year_frame(store)),
    ]
    for name, fn in cases:
        result = fn()
        rows = len(result) if hasattr(result, "__len__") else 1
        med, worst = median_ms(fn)
        say(f"| {name} | {rows:,} | {med:.0f} | {worst:.0f} |")
    ids = store.query("SELECT item_id FROM items ORDER BY item_id LIMIT 30")["item_id"].tolist()
    times = []
    for n, item_id in enumerate(ids):
        started = time.perf_counter()
        set_item(store, item_id, by="bench", status="in_progress", owner=f"Owner {n}", notes="benchmark edit",
                 due_date=date(2026, 6, 30))
        times.append((time.perf_counter() - started) * 1000)
    say(f"| set_item(status, owner, notes, due) + 4 history rows | 1 | {statistics.median(times[1:]):.0f} "
        f"| {max(times[1:]):.0f} |")


# ---------------------------------------------------------------- main

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="5,500,3400")
    parser.add_argument("--quick", action="store_true",
                        help="sizes 5 and 50 only, corpora in the temporary folder; RESULTS.md is not written")
    args = parser.parse_args()
    sizes = [5, 50] if args.quick else [int(s) for s in args.sizes.split(",")]
    started = time.perf_counter()
    say("# Benchmark run")
    say()
    say(f"`python -m bench.run {' '.join(sys.argv[1:])}`".replace("  ", " ").replace(" `", "`"))
    say()
    for line in machine():
        say(f"    {line}")
    say()
    work = Path(tempfile.mkdtemp(prefix="tracker-bench-"))
    try:
        dbs = load_rows(sizes, work, work / "corpora" if args.quick else CORPORA)
        largest = dbs[max(dbs)]
        analysis_row(largest)
        dashboard_rows(largest)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    say()
    say(f"Total benchmark time {time.perf_counter() - started:.0f} s.")
    if not args.quick:
        results = ROOT / "bench" / "RESULTS.md"
        results.write_text(_results_page(), encoding="utf-8")
        print(f"wrote {results}", file=sys.stderr)


MARKER = "<!-- Everything below this line is the output of bench/run.py, written by it; edit above only. -->"


def _results_page() -> str:
    """RESULTS.md: the hand-written notes above the marker are kept, the run's output replaces the rest."""
    path = ROOT / "bench" / "RESULTS.md"
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    head = old.split(MARKER)[0].rstrip() + "\n\n" if MARKER in old else "# Benchmark results\n\n"
    return head + MARKER + "\n\n" + "\n".join(OUT) + "\n"


if __name__ == "__main__":
    main()
