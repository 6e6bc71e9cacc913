"""Time and peak memory of `tracker load` (with its analysis) for pages built around one very long item.

    python -m bench.long_items            # every case; prints one line per case
    python -m bench.long_items --case word
    python -m bench.long_items --quick    # each case at a hundredth of its size: seconds

Each case is a fresh database and one real `python -m tracker load` process; peak memory is that process's
maximum resident size (its parse workers included), from getrusage.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAD = "IGF 2025 Open Forum #77: Children online\n\nKey Takeaways\n\n"


SCALE = 1  # --quick: 100, every case a hundredth of its size


def one_huge_item() -> str:  # one 19 MB paragraph of words
    return HEAD + ("children need safer platforms and " * 560_000)[:19_000_000 // SCALE] + "\n"


def one_huge_word() -> str:  # a 5 MB "word"
    return HEAD + "x" * (5_000_000 // SCALE) + "\n"


def wrapped_paragraph() -> str:  # one paragraph hard-wrapped over 100,000 lines
    lines = (f"line {n} of a paragraph that goes on and on without end" for n in range(99_990 // SCALE))
    return HEAD + "\n".join(lines) + "\n"


def longest_allowed() -> str:  # 1,000 items (the page limit), each just under the item limit, many sentences each
    item = ("Platforms must act on reports of abuse within a day. " * 95)[:4_990]
    return HEAD + "\n\n".join(f"{n}. Call {n}: {item}" for n in range(1_000 // SCALE)) + "\n"


CASES = {"item": one_huge_item, "word": one_huge_word, "paragraph": wrapped_paragraph, "allowed": longest_allowed}


def run(name: str) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / f"{name}.txt"
        page.write_text(CASES[name](), encoding="utf-8")
        env = {**os.environ, "TRACKER_LOAD_WORKERS": "0"}
        out, err = Path(tmp) / "out", Path(tmp) / "err"
        started = time.monotonic()
        with out.open("w") as stdout, err.open("w") as stderr:
            proc = subprocess.Popen([sys.executable, "-m", "tracker", "--db", str(Path(tmp) / "t.duckdb"), "load",
                                     str(page)], cwd=ROOT, env=env, stdout=stdout, stderr=stderr)
            _, status, usage = os.wait4(proc.pid, 0)  # this child's own peak, not the largest child's so far
        seconds = time.monotonic() - started
        code = os.waitstatus_to_exitcode(status)
        lines = (err.read_text().strip().splitlines() or [""]) if code else out.read_text().strip().splitlines()
        return (f"{name}: {page.stat().st_size / 1e6:.1f} MB page, exit {code}, {seconds:.1f} s, "
                f"peak {usage.ru_maxrss / 1024:.0f} MB\n    " + " | ".join(lines)[-400:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", choices=sorted(CASES), action="append")
    parser.add_argument("--quick", action="store_true", help="each case at a hundredth of its size")
    args = parser.parse_args()
    global SCALE
    SCALE = 100 if args.quick else 1
    for name in args.case or list(CASES):
        print(run(name), flush=True)


if __name__ == "__main__":
    main()
