"""The benchmark: load speed, reload, recurrence analysis and dashboard data functions at scale.

    python bench/run.py                      # sizes 5, 500, 5000, 20000; writes bench/RESULTS.md
    python bench/run.py --quick              # sizes 5 and 500, analysis on 500: a smoke run, no RESULTS.md
    python bench/run.py --sizes 5,500,5000   # other sizes

Corpora come from bench/generate.py (cached in bench/corpora/, git-ignored); databases live in a
temporary folder. Nothing here is part of the test suite.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from generate import generate, load_templates, make_document  # noqa: E402

from tracker.loader import find_files, load_paths  # noqa: E402
from tracker.store import Store  # noqa: E402

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


def load_rows(sizes: list[int], work: Path) -> dict[int, Path]:
    say("## Loading (parse + store only; no analysis)")
    say()
    say("| documents | MB | floor s | first load s | docs/s | MB/s | ms/doc | growth | x floor | "
        "reload s | items |")
    say("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    dbs = {}
    previous = None
    for n in sizes:
        manifest = generate(n, CORPORA / str(n))
        corpus = CORPORA / str(n)
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


# ---------------------------------------------------------------- analysis

def fake_vector(text: str) -> np.ndarray:
    """A deterministic stand-in for a sentence embedding: hashed bag of words, so similar texts are near."""
    vec = np.zeros(384, dtype=np.float32)
    for word in re.findall(r"\w+", text.lower()):
        h = zlib.crc32(word.encode())
        vec[h % 384] += 1.0 if h & 1024 else -1.0
    norm = np.linalg.norm(vec)
    return vec / norm if norm else vec


def prefill_vectors(store: Store) -> int:
    """Cache a vector for every sentence the analysis will look up, as a previous run would have."""
    from tracker.analysis import embeddings as emb
    from tracker.analysis.core import SEMANTIC_METHOD
    from tracker.analysis.similarity import unit_texts
    from tracker.analysis.themes import load_themes

    texts = store.query("SELECT text FROM items ORDER BY item_id")["text"].tolist()
    units, _ = unit_texts(texts, SEMANTIC_METHOD.sentences)
    units += [t.profile for t in load_themes()]
    by_hash = {emb.text_hash(u): u for u in units}
    hashes = sorted(by_hash)
    for start in range(0, len(hashes), 25_000):
        chunk = hashes[start:start + 25_000]
        vectors = np.vstack([fake_vector(by_hash[h]) for h in chunk])
        store.write(lambda con, c=chunk, v=vectors: emb.insert_vectors(con, c, v))
    return len(hashes)


def _analysis_child(db: str, queue: mp.Queue) -> None:
    from tracker.analysis.core import run_analysis

    started = time.perf_counter()
    result = run_analysis(Store(db))
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    queue.put({"seconds": seconds, "timings": result.timings, "items": result.items, "groups": result.groups,
               "recurring": result.recurring, "embedded": result.embedded, "mode": result.mode, "peak_mb": peak})


def run_analysis_process(db: Path) -> dict:
    """The analysis in a fresh process, so its peak memory is its own."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_analysis_child, args=(str(db), queue))
    proc.start()
    out = queue.get(timeout=3600)
    proc.join()
    return out


def analysis_rows(db: Path, extra_docs: Path) -> None:
    store = Store(db)
    items = int(store.scalar("SELECT count(*) FROM items"))
    say()
    say(f"## Recurrence analysis ({items:,} items)")
    say()
    started = time.perf_counter()
    cached = prefill_vectors(store)
    say(f"Vector cache pre-filled with {cached:,} synthetic sentence vectors (hashed bag of words, 384 dims) "
        f"in {time.perf_counter() - started:.1f} s, standing in for the MiniLM vectors of an earlier run.")
    say()
    out = run_analysis_process(db)
    steps = ", ".join(f"{k} {v:.1f}" for k, v in out["timings"].items())
    say("| run | items | groups 2+ | recurring | newly embedded | seconds | peak RSS MB |")
    say("|---|---:|---:|---:|---:|---:|---:|")
    say(f"| all vectors cached | {out['items']:,} | {out['groups']:,} | {out['recurring']:,} | {out['embedded']:,} "
        f"| {out['seconds']:.1f} | {out['peak_mb']:,.0f} |")
    steps_cached = steps

    # a reload with a few new pages: only their sentences go through the model
    report = load_paths([extra_docs], store)
    assert report.ok, report.summary()
    out = run_analysis_process(db)
    say(f"| +{report.count('added')} new pages | {out['items']:,} | {out['groups']:,} | {out['recurring']:,} "
        f"| {out['embedded']:,} | {out['seconds']:.1f} | {out['peak_mb']:,.0f} |")
    say()
    say(f"Steps (s), all cached: {steps_cached}")
    say(f"Steps (s), with new pages: {', '.join(f'{k} {v:.1f}' for k, v in out['timings'].items())}")


def embedding_rows(db: Path, n_texts: int) -> None:
    from tracker.analysis import embeddings as emb
    from tracker.analysis.core import SEMANTIC_METHOD
    from tracker.analysis.similarity import unit_texts

    state = emb.get_embedder()
    say()
    if state.embedder is None:
        say(f"Embedding throughput: model unavailable ({state.reason}); the analysis runs lexical only.")
        return
    texts = Store(db).query(f"SELECT text FROM items ORDER BY hash(item_id) LIMIT {n_texts}")["text"].tolist()
    units, _ = unit_texts(texts, SEMANTIC_METHOD.sentences)
    state.embedder.encode(units[:64])  # warm
    started = time.perf_counter()
    state.embedder.encode(units)
    seconds = time.perf_counter() - started
    say(f"Embedding throughput (MiniLM int8 ONNX, 2 threads): {len(units):,} sentences of {len(texts):,} items in "
        f"{seconds:.1f} s = {len(units) / seconds:,.0f} sentences/s = {len(texts) / seconds:,.0f} items/s")


# ---------------------------------------------------------------- dashboard data functions

def dashboard_rows(db: Path) -> None:
    from tracker import analysis
    from tracker.edits import set_item
    from tracker.queries import ItemFilter, counts, items_frame

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
        ("analysis.groups_frame(recurring_only=True)", lambda: analysis.groups_frame(store, recurring_only=True)),
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
    parser.add_argument("--sizes", default="5,500,5000,20000")
    parser.add_argument("--quick", action="store_true", help="sizes 5 and 500 only; RESULTS.md is not written")
    parser.add_argument("--no-analysis", action="store_true")
    parser.add_argument("--embed-sample", type=int, default=2000, help="items embedded for the throughput figure")
    args = parser.parse_args()
    sizes = [5, 500] if args.quick else [int(s) for s in args.sizes.split(",")]
    started = time.perf_counter()
    say("# Benchmark run")
    say()
    say(f"`python bench/run.py {' '.join(sys.argv[1:])}`".replace("  ", " ").replace(" `", "`"))
    say()
    for line in machine():
        say(f"    {line}")
    say()
    work = Path(tempfile.mkdtemp(prefix="tracker-bench-"))
    try:
        dbs = load_rows(sizes, work)
        largest = dbs[max(dbs)]
        # a few pages the largest corpus does not have, for "a reload embeds only new texts"
        extra = work / "extra"
        extra.mkdir()
        templates = load_templates()
        for i in range(5):
            name, text = make_document(max(dbs) + 10_000 + i, templates, seed=1)
            (extra / name).write_text(text, encoding="utf-8")
        if not args.no_analysis:
            analysis_rows(largest, extra)
            embedding_rows(largest, args.embed_sample)
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
