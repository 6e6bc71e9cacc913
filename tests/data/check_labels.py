"""Check tests/data/recurrence_labels.json against what the loader really extracts.

    python tests/data/check_labels.py            # from the project root, with the project's virtualenv active

Loads seeds/ and tests/data/eval_pages/ into a temporary database with the project's own loader
(`python -m tracker load --no-analyze`), then verifies that:

- every page loads, and the split names every page exactly once (seeds in "tune");
- every labelled (page, text) is an item the loader extracted from that page, with exactly that text;
- every extracted takeaway and action is labelled exactly once (in one cluster or as a singleton);
  questions may be left out but are labelled at most once;
- ambiguous and hard-negative pairs name labelled items, never two items of the same cluster, and no pair
  is both ambiguous and a hard negative;
- the seed labels of tests/data/recurrence_eval.json are carried over unchanged (same clusters,
  singletons and ambiguous pairs).

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
SEED_LABELS = HERE / "recurrence_eval.json"
PAGES = HERE / "eval_pages"
SEEDS = ROOT / "seeds"
CALL_KINDS = ("takeaway", "action")


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
    seed_labels = json.loads(SEED_LABELS.read_text(encoding="utf-8"))
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

    # --- labelled entries
    def resolve(entry: dict, where: str) -> str | None:
        item_id = found.get((entry.get("page"), entry.get("text")))
        if item_id is None:
            errors.append(f"{where}: not an extracted item: {entry.get('page')}: {str(entry.get('text'))[:80]!r}")
        return item_id

    times: Counter[str] = Counter()
    cluster_of: dict[str, str] = {}
    names = Counter(c["name"] for c in labels["clusters"])
    errors.extend(f"cluster name used twice: {n}" for n, k in names.items() if k > 1)
    for cluster in labels["clusters"]:
        if not cluster.get("why"):
            errors.append(f"cluster {cluster['name']}: no 'why'")
        if len(cluster["items"]) < 2:
            errors.append(f"cluster {cluster['name']}: fewer than two items")
        for entry in cluster["items"]:
            if (item_id := resolve(entry, f"cluster {cluster['name']}")):
                times[item_id] += 1
                cluster_of[item_id] = cluster["name"]
    for entry in labels["singletons"]:
        if (item_id := resolve(entry, "singletons")):
            times[item_id] += 1
    for item_id, n in times.items():
        if n > 1:
            errors.append(f"labelled {n} times: {sorted(pages_of[item_id])}: {item_id}")
    unlabelled = [i for i in kind if times[i] == 0]
    for item_id in unlabelled:
        if kind[item_id] in CALL_KINDS:
            text = next(t for (p, t), i in found.items() if i == item_id)
            errors.append(f"unlabelled {kind[item_id]}: {sorted(pages_of[item_id])}: {text[:80]!r}")

    # --- pairs
    ambiguous = set()
    for pair in labels["ambiguous"]:
        a, b = resolve(pair["a"], "ambiguous"), resolve(pair["b"], "ambiguous")
        if a and b:
            if not pair.get("why"):
                errors.append("ambiguous pair without 'why'")
            if a in cluster_of and cluster_of.get(a) == cluster_of.get(b):
                errors.append(f"ambiguous pair inside cluster {cluster_of[a]}")
            ambiguous.add(frozenset((a, b)))
    for pair in labels["hard_negatives"]:
        a, b = resolve(pair["a"], "hard_negatives"), resolve(pair["b"], "hard_negatives")
        if a and b:
            if a in cluster_of and cluster_of.get(a) == cluster_of.get(b):
                errors.append(f"hard negative inside cluster {cluster_of[a]}")
            if frozenset((a, b)) in ambiguous:
                errors.append("pair both ambiguous and hard negative")

    # --- seed labels carried over (recurrence_eval.json refers to seed items by id and text)
    seed_id = {i: t for i, t in ((i, t) for (p, t), i in found.items() if p in seeds)}
    by_text = {t: i for i, t in seed_id.items()}
    for cluster in seed_labels["clusters"]:
        for entry in cluster["items"]:
            item_id = by_text.get(entry["text"])
            if item_id is None or cluster_of.get(item_id) != cluster["name"]:
                errors.append(f"seed item not in cluster {cluster['name']!r}: {entry['text'][:60]!r}")
    for entry in seed_labels["singletons"]:
        item_id = by_text.get(entry["text"])
        if item_id is None or item_id in cluster_of or times[item_id] != 1:
            errors.append(f"seed singleton not a singleton: {entry['text'][:60]!r}")
    seed_text = {e["id"]: e["text"] for c in seed_labels["clusters"] for e in c["items"]}
    seed_text.update({e["id"]: e["text"] for e in seed_labels["singletons"]})
    for pair in seed_labels["ambiguous"]:
        a, b = by_text.get(seed_text[pair["a"]]), by_text.get(seed_text[pair["b"]])
        if not (a and b and frozenset((a, b)) in ambiguous):
            errors.append(f"seed ambiguous pair missing: {pair['why'][:60]!r}")

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
    new_calls = sum(c["takeaway"] + c["action"] for p, c in per_page.items() if p in pages)
    print(f"{len(labels['clusters'])} clusters, {len(labels['singletons'])} singletons, "
          f"{len(labels['ambiguous'])} ambiguous pairs, {len(labels['hard_negatives'])} hard negatives; "
          f"{new_calls} takeaways/actions on the {len(pages)} new pages; "
          f"{sum(1 for i in unlabelled if kind[i] == 'question')} questions left unlabelled")
    for error in errors:
        print("ERROR", error)
    print("OK" if not errors else f"{len(errors)} errors")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
