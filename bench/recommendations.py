"""Benchmark of the recommendations at the product's size: a tracker of ~20,000 items.

    python -m bench.recommendations                     # ~20,000 items (3,400 generated pages)
    python -m bench.recommendations --docs 900          # a smaller run (~5,000 items)
    python -m bench.recommendations --workdir /tmp/rb   # keep the corpus and database; later runs reuse them
    python -m bench.recommendations --varied            # vary the 12 labelled pages too, not only the seeds
    python -m bench.recommendations --quick             # 10 pages, the report added once each: seconds

Steps, each in its own process (peak RSS is that process's ``ru_maxrss``):
The corpus: generated pages (bench/generate.py), rewordings of the seeds' 21 calls (a worst case: every call
recurs ~700 times, so nearly every pair of calls is alike), or with ``--varied`` of the seeds and the 12
labelled pages (~150 distinct calls, each recurring ~100 times).

1. **first analysis**: the generated pages loaded, then the first
   analysis, which embeds every new sentence with the real MiniLM model and places every call;
2. **full re-analysis from cached vectors**: ``plan_reanalysis`` (every item re-annotated, every call
   clustered from an empty start) with every sentence vector already cached: the 60 s / 3 GiB goal;
3. **one report added**: a new page of 13 calls imported (load + embed its new sentences + placement +
   suggestions written) into the 20,000-item tracker, and the same page into an empty tracker: the 3 s and
   "at most 3x empty" goals. Timed as a running dashboard sees it: the process has the model loaded and
   has opened the database once before the clock starts. The median of 3 runs, each on a fresh copy of the
   database.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import shutil
import tempfile
import time
from pathlib import Path

from bench.generate import generate, load_templates, make_document

NEW_PAGE_TEMPLATE = 2  # the 2024 "Session at a Glance" seed: 13 calls, the size of a real report


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(task: str, args: dict, queue: mp.Queue) -> None:
    from tracker import analysis
    from tracker.services.importing import import_paths
    from tracker.store import Store

    store = Store(args["db"])
    if task == "add":  # a running dashboard has the model loaded: time the import itself, as it would see it
        from tracker.analysis.core import current_method
        from tracker.analysis.similarity import char_vectors

        current_method()
        char_vectors(["warm up"])
        store.scalar("SELECT count(*) FROM items")
    started = time.perf_counter()
    if task == "load":
        imported = import_paths(store, [args["pages"]], analyze=False)
        out = {"summary": imported.report.summary()}
    elif task == "first":
        from tracker.analysis.runs import run_analysis

        result = run_analysis(store)
        out = {"summary": result.summary, "timings": result.timings}
    elif task == "full":
        plan = analysis.plan_reanalysis(store)
        out = {"summary": plan.summary()}
    else:  # "add"
        imported = import_paths(store, [args["page"]])
        out = {"summary": imported.summary}
    out |= {"seconds": time.perf_counter() - started, "peak_mb": _peak_mb()}
    queue.put(out)


def run(task: str, **args: str) -> dict:
    ctx = mp.get_context("spawn")
    queue: mp.Queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(task, args, queue))
    proc.start()
    out = queue.get()
    proc.join()
    return out


def counts(db: Path) -> tuple[int, int]:
    from tracker.store import Store

    store = Store(db)
    return (int(store.scalar("SELECT count(*) FROM items")),
            int(store.scalar("SELECT count(*) FROM items WHERE kind IN ('takeaway', 'action')")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=3400, help="generated pages (about 6 items each)")
    parser.add_argument("--workdir", type=Path, help="keep corpus and databases here and reuse them")
    parser.add_argument("--varied", action="store_true", help="vary the labelled pages too (~150 distinct calls)")
    parser.add_argument("--quick", action="store_true", help="10 pages, each report added once: a smoke run")
    args = parser.parse_args()
    if args.quick:
        args.docs = 10
    runs = 1 if args.quick else 3
    work = args.workdir or Path(tempfile.mkdtemp(prefix="recbench-"))
    work.mkdir(parents=True, exist_ok=True)
    tag = f"{args.docs}{'v' if args.varied else ''}"
    pages, db = work / f"pages_{tag}", work / f"tracker_{tag}.duckdb"
    generate(args.docs, pages, varied=args.varied)
    _, text = make_document(99_999, [load_templates()[NEW_PAGE_TEMPLATE]], seed=7)
    new_page = work / "new_report.txt"
    new_page.write_text(text, encoding="utf-8")

    rows = []
    if not db.exists():
        out = run("load", db=str(db), pages=str(pages))
        rows.append(("load (no analysis)", out))
        out = run("first", db=str(db))
        rows.append(("first analysis (embeds every sentence)", out))
    items, calls = counts(db)
    rows.append(("full re-analysis, vectors cached", run("full", db=str(db))))

    def add(base: Path | None) -> dict:
        results = []
        for k in range(runs):
            copy = work / f"copy_{k}.duckdb"
            copy.unlink(missing_ok=True)
            if base is not None:
                shutil.copy(base, copy)
                wal = base.with_name(base.name + ".wal")
                if wal.exists():
                    shutil.copy(wal, copy.with_name(copy.name + ".wal"))
            results.append(run("add", db=str(copy), page=str(new_page)))
            copy.unlink(missing_ok=True)
        best = sorted(results, key=lambda r: r["seconds"])[len(results) // 2]  # the median
        best["seconds_all"] = [round(r["seconds"], 2) for r in results]
        return best

    big, empty = add(db), add(None)
    rows.append((f"one report added to {items:,} items", big))
    rows.append(("the same report, empty tracker", empty))

    corpus = "seeds and labelled pages" if args.varied else "seeds"
    print(f"\n{items:,} items ({calls:,} takeaways and calls to action) from {args.docs:,} pages generated from "
          f"the {corpus}\n")
    print("| step | seconds | peak RSS MB | what it did |")
    print("|---|---|---|---|")
    for label, out in rows:
        print(f"| {label} | {out['seconds']:.1f} | {out['peak_mb']:,.0f} | {out['summary'].splitlines()[-1]} |")
    ratio = big["seconds"] / empty["seconds"]
    print(f"\nadding a report: {big['seconds']:.2f} s at {items:,} items vs {empty['seconds']:.2f} s empty "
          f"(x{ratio:.1f}; runs {big['seconds_all']} and {empty['seconds_all']})")
    print(json.dumps({label: {k: v for k, v in out.items() if k != "summary"} for label, out in rows}, default=str))


if __name__ == "__main__":
    main()
