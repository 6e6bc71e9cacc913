"""Saves from other processes while a load runs: 3 processes x 5 threads save follow-up notes (a pause of
0-1 s between a thread's saves) during `tracker load` of 300 pages and its analysis; the same savers first
save for a while on an idle tracker. Prints how many saves were refused and the slowest save during the load
against a save on the idle tracker. Then, as the issue measured it, `tracker set` from the command line one
after another during a load of --cli-pages more pages, against the same command on the idle tracker.

    python -m bench.load_with_saves [--pages 300] [--processes 3] [--threads 5] [--cli-pages 1000] [--lexical]
    python -m bench.load_with_saves --quick     # 20 + 20 pages, 2 processes x 2 threads, 2 s idle, lexical: seconds
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from tests.loadsaves import measure, measure_command_line, write_pages
from tracker.store import Store
from tracker.store.loading import load_paths

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--processes", type=int, default=3)
    parser.add_argument("--threads", type=int, default=5)
    parser.add_argument("--idle", type=float, default=20.0, help="seconds of saving on the idle tracker first")
    parser.add_argument("--cli-pages", type=int, default=1000, help="pages loaded while `tracker set` runs")
    parser.add_argument("--lexical", action="store_true", help="analysis without the sentence model")
    parser.add_argument("--quick", action="store_true", help="a small run of seconds (see above)")
    args = parser.parse_args()
    if args.quick:
        args.pages, args.processes, args.threads, args.idle, args.lexical, args.cli_pages = 20, 2, 2, 2.0, True, 20
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "tracker.duckdb"
        assert load_paths([ROOT / "seeds"], Store(db)).ok
        pages = write_pages(Path(tmp) / "pages", args.pages)
        env = {"TRACKER_EMBEDDINGS": "off"} if args.lexical else None
        figures = measure(db, pages, args.processes, args.threads, idle_seconds=args.idle, env=env)
        print(figures.load_output.strip().splitlines()[-3:])
        print(f"load exit {figures.load_exit}")
        print(figures.line())
        print("slowest saves (seconds into the load, seconds):",
              ", ".join(f"{at:.0f}: {took:.1f}" for at, took in figures.slowest))
        for message in sorted(set(figures.refused))[:5]:
            print("refused:", message)
        more = write_pages(Path(tmp) / "more", args.cli_pages, seed=8, first=20_000 + args.pages)
        by_hand = measure_command_line(db, more, idle_saves=3 if args.quick else 8, env=env)
        print(f"load exit {by_hand.load_exit}")
        print(by_hand.line())
        for message in sorted(set(by_hand.refused))[:5]:
            print("refused:", message)


if __name__ == "__main__":
    main()
