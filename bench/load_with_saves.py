"""Saves from other processes while a load runs: 3 processes x 5 threads save follow-up notes (a pause of
0-1 s between a thread's saves) during `tracker load` of 300 pages and its analysis; the same savers first
save for a while on an idle tracker. Prints how many saves were refused and the slowest save during the load
against a save on the idle tracker.

    python bench/load_with_saves.py [--pages 300] [--processes 3] [--threads 5] [--lexical]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.loadsaves import measure, write_pages  # noqa: E402
from tracker.store import Store  # noqa: E402
from tracker.store.loading import load_paths  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--processes", type=int, default=3)
    parser.add_argument("--threads", type=int, default=5)
    parser.add_argument("--idle", type=float, default=20.0, help="seconds of saving on the idle tracker first")
    parser.add_argument("--lexical", action="store_true", help="analysis without the sentence model")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "tracker.duckdb"
        assert load_paths([ROOT / "seeds"], Store(db)).ok
        pages = write_pages(Path(tmp) / "pages", args.pages)
        figures = measure(db, pages, args.processes, args.threads, idle_seconds=args.idle,
                          env={"TRACKER_EMBEDDINGS": "off"} if args.lexical else None)
        print(figures.load_output.strip().splitlines()[-3:])
        print(f"load exit {figures.load_exit}")
        print(figures.line())
        print("slowest saves (seconds into the load, seconds):",
              ", ".join(f"{at:.0f}: {took:.1f}" for at, took in figures.slowest))
        for message in sorted(set(figures.refused))[:5]:
            print("refused:", message)


if __name__ == "__main__":
    main()
