"""Check tests/data/recurrence_labels.json (and recurrence_labels_b.json) against what the loader extracts.

    python tests/data/check_labels.py            # from the project root, with the project's virtualenv active

Loads seeds/ and tests/data/eval_pages/ into a temporary database with the project's own loader
(`python -m tracker load --no-analyze`), then verifies that:

- every page loads, and the split names every page exactly once (seeds in "tune");
- every labelled (page, text) is an item the loader extracted from that page, with exactly that text;
- every extracted takeaway, action and question is labelled exactly once (in one group or alone);
- every group has a title, a why and at least two items; every doubtful decision names labelled items;
- the second labelling (recurrence_labels_b.json) names extracted items, each once.

Standalone: standard library + duckdb. Exit status 0 when everything holds, 1 otherwise.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

import duckdb

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
LABELS = HERE / "recurrence_labels.json"
LABELS_B = HERE / "recurrence_labels_b.json"
PAGES = HERE / "eval_pages"
SEEDS = ROOT / "seeds"


def load_items(db: Path) -> list[tuple[str, str, str, str]]:
    """(item_id, page, kind, text) for every place an item was found, as the loader stored them."""
    env = {**os.environ, "TRACKER_EMBEDDINGS": "off"}
    run = subprocess.run([sys.executable, "-m", "tracker", "--db", str(db), "load", "--no-analyze", str(PAGES),
                          str(SEEDS)], cwd=ROOT, env=env, capture_output=True, text=True)
    if run.returncode != 0 or " 0 failed" not in run.stdout:
        sys.exit(f"loader failed (exit {run.returncode}):\n{run.stdout}\n{run.stderr}")
    print(run.stdout.strip().splitlines()[-1])
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        if "occurrences" in tables:
            rows = con.execute("""SELECT DISTINCT i.item_id, o.source, i.kind, i.text
                                  FROM items i JOIN occurrences o USING (item_id) WHERE i.in_source""").fetchall()
        else:  # older schema: one source per item
            rows = con.execute("SELECT item_id, source, kind, text FROM items WHERE in_source").fetchall()
    finally:
        con.close()
    return rows


def main() -> int:
    labels = json.loads(LABELS.read_text(encoding="utf-8"))
    second = json.loads(LABELS_B.read_text(encoding="utf-8")) if LABELS_B.exists() else None
    errors: list[str] = []

    # --- the split
    pages = sorted(p.name for p in PAGES.iterdir() if p.suffix == ".txt")
    seeds = sorted(p.name for p in SEEDS.iterdir() if p.suffix == ".txt")
    tune, holdout = labels["split"]["tune"], labels["split"]["holdout"]
    named = Counter(tune + holdout)
    for page in pages + seeds:
        if named[page] != 1:
            errors.append(f"split: {page} named {named[page]} times")
    for page in named:
        if page not in pages and page not in seeds:
            errors.append(f"split: {page} is not a page")
    for seed in seeds:
        if seed not in tune:
            errors.append(f"split: seed {seed} not in tune")

    # --- what the loader extracts
    with tempfile.TemporaryDirectory() as tmp:
        rows = load_items(Path(tmp) / "check.duckdb")
    found: dict[tuple[str, str], str] = {}  # (page, text) -> item_id
    kind: dict[str, str] = {}
    pages_of: dict[str, set[str]] = defaultdict(set)
    for item_id, page, item_kind, text in rows:
        found[(page, text)] = item_id
        kind[item_id] = item_kind
        pages_of[item_id].add(page)
    for page in pages:
        if not any(page in p for p in pages_of.values()):
            errors.append(f"{page}: no items extracted")

    def resolve(entry: dict, where: str) -> str | None:
        item_id = found.get((entry.get("page"), entry.get("text")))
        if item_id is None:
            errors.append(f"{where}: not an extracted item: {entry.get('page')}: {str(entry.get('text'))[:80]!r}")
        return item_id

    def check(data: dict, name: str, complete: bool) -> None:
        times: Counter[str] = Counter()
        where: dict[str, set[str]] = defaultdict(set)  # a text listed twice on a page is one item: one label
        for group in data["groups"]:
            if not group.get("title") or not group.get("why"):
                errors.append(f"{name}: group {group.get('title')!r} without title or why")
            if len(group["items"]) < 2:
                errors.append(f"{name}: group {group['title']!r}: fewer than two items")
            for entry in group["items"]:
                if (item_id := resolve(entry, f"{name}: group {group['title']!r}")):
                    times[item_id] += 1
                    where[item_id].add(group["title"])
        for k, entry in enumerate(data["alone"]):
            if (item_id := resolve(entry, f"{name}: alone")):
                times[item_id] += 1
                where[item_id].add(f"alone {k}")
        for item_id, labels_of in where.items():
            if len(labels_of) > 1:
                errors.append(f"{name}: one item with {len(labels_of)} labels: {sorted(pages_of[item_id])}: "
                              f"{sorted(labels_of)}")
        for doubt in data.get("doubtful", []):
            for entry in doubt["items"]:
                if (item_id := resolve(entry, f"{name}: doubtful")) and not times[item_id]:
                    errors.append(f"{name}: doubtful names an unlabelled item {item_id}")
        if complete:
            for item_id in kind:
                if times[item_id] == 0:
                    text = next(t for (p, t), i in found.items() if i == item_id)
                    errors.append(f"{name}: unlabelled {kind[item_id]}: {sorted(pages_of[item_id])}: {text[:80]!r}")

    check(labels, "labels", complete=True)
    if second is not None:
        check(second, "second labelling", complete=False)

    # --- summary
    per_page: dict[str, Counter] = defaultdict(Counter)
    for item_id, k in kind.items():
        for page in pages_of[item_id]:
            per_page[page][k] += 1
    for page in sorted(per_page):
        c = per_page[page]
        half = "tune" if page in tune else "holdout" if page in holdout else "?"
        print(f"  {page:40s} {half:8s} takeaways {c['takeaway']:2d}  actions {c['action']:2d}  "
              f"questions {c['question']:2d}")
    labelled = sum(len(g["items"]) for g in labels["groups"]) + len(labels["alone"])
    print(f"{len(labels['groups'])} groups, {len(labels['alone'])} alone, {len(labels['doubtful'])} doubtful; "
          f"{labelled} items labelled over {len(per_page)} pages"
          + (f"; second labelling: {sum(len(g['items']) for g in second['groups']) + len(second['alone'])} items"
             if second else ""))
    for error in errors:
        print("ERROR", error)
    print("OK" if not errors else f"{len(errors)} errors")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
