"""Convert a labeller's file (keys such as "e04#3") into the repository's labels (page + exact text).

    python tests/data/build_labels.py LABELS.json ITEMS_DIR OUT.json

LABELS.json is what a labeller wrote by docs/labelling.md: groups (title, why, item keys), alone, doubtful.
ITEMS_DIR holds one JSON list per page of what the loader extracted (key, page, kind, section, text), the lists the
labeller labelled from (tests/data/dump_items.py writes them). The decisions are copied as they are; only the keys
are replaced by the (page, text) that the loader extracts, so the labels keep meaning the same items when ids
change. The split into tune and holdout pages is fixed here, by page prefix, and was chosen before any label was
seen.

Standard library only. Exit status 1 (with the reasons) when a key names no item or an item is labelled twice.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

TUNE = ("000", "001", "002", "003", "004", "e01", "e02", "e03", "e04", "e05", "e06",
        "n13", "n14", "n15", "n16", "n17", "t23", "t24", "t25", "t26", "t27", "t28", "t29", "t30")
# t31-t38 and t39-t46 were written for the tune half; they are held out (docs/recurrence.md says why);
# t47-t54 were written as the held-out test of a choice about t39-t46
HOLDOUT = ("e07", "e08", "e09", "e10", "e11", "e12", "n18", "n19", "n20", "n21", "n22",
           "t31", "t32", "t33", "t34", "t35", "t36", "t37", "t38",
           "t39", "t40", "t41", "t42", "t43", "t44", "t45", "t46",
           "t47", "t48", "t49", "t50", "t51", "t52", "t53", "t54")
SEED_PAGES_WITHOUT_ITEMS = ("003_25d1d3cd035a7625.txt", "004_496a218183d0acf1.txt")  # proposal-only pages


def prefix(page: str) -> str:
    return page.split("_")[0]


def convert(labels: dict, items_dir: Path) -> tuple[dict, list[str]]:
    items: dict[str, dict] = {}
    for path in sorted(items_dir.glob("*.json")):
        for item in json.loads(path.read_text(encoding="utf-8")):
            items[item["key"]] = item
    errors: list[str] = []

    def entry(key: str) -> dict:
        item = items.get(key)
        if item is None:
            errors.append(f"unknown item key {key!r}")
            return {"page": "", "text": "", "kind": ""}
        return {"page": item["page"], "text": item["text"], "kind": item["kind"]}

    used = Counter([k for g in labels["groups"] for k in g["items"]] + list(labels["alone"]))
    errors += [f"{key} labelled {n} times" for key, n in sorted(used.items()) if n > 1]
    pages = sorted(set(labels["pages"]) | ({*SEED_PAGES_WITHOUT_ITEMS} if "000" in {prefix(p) for p in
                                                                                     labels["pages"]} else set()))
    labelled_pages = {items[k]["page"] for k in used if k in items}
    missing = sorted(k for k, item in items.items() if item["page"] in labelled_pages and k not in used)
    errors += [f"{key} not labelled" for key in missing]
    out = {
        "about": ("Which items of the labelled pages are the same recommendation, by docs/labelling.md, labelled "
                  f"by labeller {labels.get('labeller', '?')} without seeing any program's grouping; converted "
                  "from item keys to (page, text) by tests/data/build_labels.py. Every takeaway, action and "
                  "question of every page is in one group or alone; 'doubtful' lists the hard decisions "
                  "(reported, still scored). Split fixed before labelling: tune = the seeds, e01-e06, n13-n17; "
                  "holdout = e07-e12, n18-n22."),
        "labeller": labels.get("labeller", ""),
        "split": {"tune": [p for p in pages if prefix(p) in TUNE],
                  "holdout": [p for p in pages if prefix(p) in HOLDOUT]},
        "groups": [{"title": g["title"], "why": g.get("why", ""), "items": [entry(k) for k in g["items"]]}
                   for g in labels["groups"]],
        "alone": [entry(k) for k in labels["alone"]],
        "doubtful": [{"items": [entry(k) for k in d["items"]], "decision": d.get("decision", ""),
                      "why": d.get("why", "")} for d in labels.get("doubtful", [])],
    }
    errors += [f"page {p} in neither half" for p in pages if prefix(p) not in TUNE + HOLDOUT]
    return out, errors


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2].strip())
        return 2
    labels = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    out, errors = convert(labels, Path(argv[1]))
    for error in errors:
        print("ERROR", error)
    Path(argv[2]).write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    n = sum(len(g["items"]) for g in out["groups"]) + len(out["alone"])
    print(f"{argv[2]}: {len(out['split']['tune']) + len(out['split']['holdout'])} pages, {n} items, "
          f"{len(out['groups'])} groups, {len(out['alone'])} alone, {len(out['doubtful'])} doubtful")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
