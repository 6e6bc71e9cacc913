"""Benchmark of `tracker report --format html` at the product's size: a tracker of ~20,000 items.

    python -m bench.report                      # 3,400 generated pages (~20,400 items), analyzed (lexical)
    python -m bench.report --workdir /tmp/rep   # keep the corpus and database; later runs reuse them
    python -m bench.report --quick              # 10 pages, one report: seconds

The corpus is bench/generate.py's; the database is loaded and analyzed once (lexical mode, so that there are
recommendations and suggestions to report; some due dates are set in the past so the overdue part has rows).
Then `python -m tracker report --format html` runs in a fresh process, as a user runs it, three times: the
wall time (median) and the file's size are printed against the goals (< 10 s, < 5 MB).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.generate import generate

ROOT = Path(__file__).resolve().parent.parent


def prepare(work: Path, docs: int) -> Path:
    os.environ["TRACKER_EMBEDDINGS"] = "off"
    from tracker import analysis
    from tracker.store import Store
    from tracker.store.loading import load_paths

    corpus = work / f"corpus-{docs}"
    generate(docs, corpus, quiet=True)
    db = work / f"report-{docs}.duckdb"
    if not db.exists():
        started = time.perf_counter()
        store = Store(db)
        report = load_paths([corpus], store)
        assert report.ok, report.summary()
        print(f"loaded: {report.summary()} ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
        print(analysis.analyze(store), file=sys.stderr)
        store.write(lambda con: con.execute(
            "UPDATE items SET due_date = DATE '2025-01-01', owner = 'ana@example.org' WHERE hash(item_id) % 50 = 0"))
        store.write(lambda con: con.execute("UPDATE recommendations SET due_date = DATE '2025-06-01', "
                                            "status = 'in_progress' WHERE CAST(substr(rec_id, 2) AS INTEGER) % 2 = 0"))
    return db


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=3400)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--quick", action="store_true", help="10 pages and one report: a smoke run")
    args = parser.parse_args()
    if args.quick:
        args.docs = 10
    work = args.workdir or Path(tempfile.mkdtemp(prefix="reportbench-"))
    work.mkdir(parents=True, exist_ok=True)
    db = prepare(work, args.docs)
    out = work / "report.html"
    env = {**os.environ, "TRACKER_DB": str(db), "TRACKER_EMBEDDINGS": "off"}
    times, cpu = [], []
    for _ in range(1 if args.quick else 3):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "tracker", "report", "--format", "html", "--out", str(out)],
                       cwd=ROOT, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    items = subprocess.run([sys.executable, "-c", "from tracker.store import Store; import sys; "
                            "print(Store(sys.argv[1]).scalar('SELECT count(*) FROM items'))", str(db)],
                           cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    size = out.stat().st_size
    median = statistics.median(times)
    print(f"items: {items}")
    print(f"tracker report --format html: {median:.2f} s median of {', '.join(f'{t:.2f}' for t in times)} "
          f"(goal < 10 s: {'met' if median < 10 else 'MISSED'}); CPU time {statistics.median(cpu):.2f} s; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"file size: {size:,} bytes = {size / 1e6:.2f} MB (goal < 5 MB: {'met' if size < 5e6 else 'MISSED'})")


if __name__ == "__main__":
    main()
