"""Write what the loader extracts from session pages as the item lists a labeller labels from.

    python tests/data/dump_items.py OUT_DIR PAGES_DIR [PAGES_DIR ...]     # from the project root

Loads the pages into a temporary database with the project's own loader (`python -m tracker load
--no-analyze`, no model) and writes one JSON list per page to OUT_DIR: key ("<page prefix>#<n>", in page
order), page, kind, section and text. Nothing of the analysis is in them, so a labeller who reads them sees
the items and never a grouping. tests/data/build_labels.py turns the labeller's keys back into (page, text).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent.parent


def main(out: Path, folders: list[str]) -> int:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "items.duckdb"
        run = subprocess.run([sys.executable, "-m", "tracker", "--db", str(db), "load", "--no-analyze", *folders],
                             cwd=ROOT, env={**os.environ, "TRACKER_EMBEDDINGS": "off"}, capture_output=True,
                             text=True)
        if run.returncode != 0:
            print(run.stdout + run.stderr, file=sys.stderr)
            return 1
        con = duckdb.connect(str(db), read_only=True)
        try:
            rows = con.execute("""SELECT o.source, i.kind, o.section, i.text, min(o.position) AS pos
                                  FROM items i JOIN occurrences o USING (item_id) WHERE i.in_source
                                  GROUP BY ALL ORDER BY o.source, pos""").fetchall()
        finally:
            con.close()
    by_page: dict[str, list[tuple[str, str, str]]] = {}
    for source, kind, section, text, _ in rows:
        by_page.setdefault(source, []).append((kind, section, text))
    for page, items in by_page.items():
        stem = Path(page).stem
        listed = [{"key": f"{stem.split('_')[0]}#{n}", "page": page, "kind": k, "section": s, "text": t}
                  for n, (k, s, t) in enumerate(items, 1)]
        (out / f"{stem}.json").write_text(json.dumps(listed, indent=1, ensure_ascii=False), encoding="utf-8")
        print(f"{page}: {len(items)} items")
    return 0


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    sys.exit(main(Path(sys.argv[1]), sys.argv[2:]))
