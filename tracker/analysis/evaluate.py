"""Measure grouping quality on labelled pages: ``python -m tracker.analysis.evaluate``.

The labels (tests/data/recurrence_labels.json, made by docs/labelling.md) put every takeaway, call to action
and question of the seeds and of the pages in tests/data/eval_pages/ into groups of the same recommendation
or alone. The pages are split: the pair coefficients and thresholds are fitted on the seeds plus the "tune"
half (only those pages loaded; tracker/analysis/fitting.py) and reported on the "holdout" half too (all
pages loaded, as a user would have them, scoring the pairs that involve a holdout item). The tune half is
reported twice: as fitted (the fit saw those pairs, so its figures flatter it) and by page folds (each fold's
pairs scored by a fit that saw none of its pages; measured by the fitting script and kept in
model/pair_weights.json), the tune figure to compare with the holdout. Scores are pairwise;
"cross" counts only pairs from different sessions, the pairs that make a recommendation recurring. The
top-3 rate is how often the three most likely recommendations offered for a call include its own, with the
other half's labelled groups as the recommendations that exist. A second labeller's file
(recurrence_labels_b.json) gives the agreement between people on the pages both labelled.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..store.analysis_tables import Snapshot, read_snapshot
from ..store.db import PROJECT_ROOT, Store
from ..store.loading import load_paths
from . import embeddings as emb
from .core import Calls, annotate, calls_of
from .grouping import cluster
from .methods import LEXICAL_METHOD, SEMANTIC_METHOD
from .pairmodel import tune_page_folds
from .sentences import Sentences, sentences_of
from .similarity import Method, item_similarities

LABELS = PROJECT_ROOT / "tests" / "data" / "recurrence_labels.json"
LABELS_B = PROJECT_ROOT / "tests" / "data" / "recurrence_labels_b.json"
PAGES = PROJECT_ROOT / "tests" / "data" / "eval_pages"
SEEDS = PROJECT_ROOT / "seeds"


@dataclass
class Scores:
    precision: float
    recall: float
    f1: float
    cross_precision: float
    cross_recall: float
    cross_f1: float
    pairs: int  # same-recommendation pairs scored (cross-session ones)

    def row(self) -> dict[str, float]:
        return {"P": self.precision, "R": self.recall, "F1": self.f1, "cross P": self.cross_precision,
                "cross R": self.cross_recall, "cross F1": self.cross_f1, "cross pairs": self.pairs}


@dataclass
class EvalSet:
    calls: Calls
    gold: np.ndarray  # label per item (-1: unlabelled)
    page: list[str]  # source page per item


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def labels_file(path: Path = LABELS) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))

def gold_groups(store: Store) -> dict[str, int]:
    """Each stored item's labelled group (an item in no group is a group of its own): what a simulated
    reviewer answers from."""
    data = labels_file()
    by_text = {(e["page"], e["text"]): k for k, g in enumerate(data["groups"]) for e in g["items"]}
    by_text.update({(e["page"], e["text"]): 100_000 + k for k, e in enumerate(data["alone"])})
    rows = store.query("SELECT i.item_id, o.source, i.text FROM items i JOIN occurrences o USING (item_id)")
    return {i: by_text.get((Path(s).name, t), -1 - k) for k, (i, s, t) in enumerate(rows.itertuples(index=False))}


def simulate_review(store: Store, decisions: int, by: str = "simulated reviewer", order: int = 0) -> set[str]:
    """Answer the review queue from the labels as a person would (the first offered recommendation that holds
    a member of the call's group, else "none of these"); the items decided. ``order`` 0 works through the
    queue oldest first; another number picks each next call at random from the queue, seeded by it, so that
    different sets of decisions can be compared."""
    from .frames import review_candidates, review_queue
    from .recommendations import choose, none_of_these

    gold = gold_groups(store)
    pick = random.Random(order)
    decided: set[str] = set()
    while len(decided) < decisions:
        queue = review_queue(store)
        if queue.empty:
            break
        item = str(queue["item_id"].iat[pick.randrange(len(queue)) if order else 0])
        choice = None
        for option in review_candidates(store, item).itertuples():
            members = store.query("SELECT item_id FROM memberships WHERE rec_id = ? AND state = 'member'",
                                  [option.rec_id])["item_id"]
            if any(gold.get(m) == gold[item] for m in members):
                choice = str(option.rec_id)
                break
        if choice is None:
            none_of_these(store, item, by=by)
        else:
            choose(store, item, choice, by=by)
        decided.add(item)
    return decided



def page_path(name: str) -> Path:
    return SEEDS / name if (SEEDS / name).exists() else PAGES / name


def gold_of(data: dict, key: dict[tuple[str, str], int], n: int) -> np.ndarray:
    """The labelled group of each item (positions in ``key``): a group's index, or a number of its own for an
    item labelled alone; -1 for items the labels do not name."""
    gold = np.full(n, -1, dtype=np.int64)
    for k, group in enumerate(data["groups"]):
        for item in group["items"]:
            if (item["page"], item["text"]) in key:
                gold[key[item["page"], item["text"]]] = k
    for k, item in enumerate(data["alone"]):
        if (item["page"], item["text"]) in key:
            gold[key[item["page"], item["text"]]] = 100_000 + k
    return gold


def prepare(pages: list[str], use_model: bool, folder: Path) -> EvalSet:
    """Load these pages into a fresh database and return its calls as the analysis sees them."""
    store = Store(folder / f"eval-{len(pages)}-{use_model}.duckdb")
    report = load_paths([page_path(p) for p in pages], store)
    if not report.ok:
        raise RuntimeError(report.summary())
    state = emb.get_embedder() if use_model else emb.ModelState(None, "not used")

    def read(con) -> tuple[Snapshot, Sentences, pd.DataFrame]:
        snap = read_snapshot(con)
        sources = con.execute("SELECT item_id, source FROM items").df()
        return snap, sentences_of(con, snap.items, state.embedder), sources

    snap, sentences, sources = store.read(read)
    annotations = annotate(snap.items, sentences, snap.corrections)
    calls = calls_of(snap, sentences, keep_places=False, annotations=annotations)
    source = dict(zip(sources["item_id"], sources["source"], strict=True))
    page = [Path(source[i]).name for i in calls.frame["item_id"]]
    key = {(p, t): k for k, (p, t) in enumerate(zip(page, calls.frame["text"], strict=True))}
    return EvalSet(calls, gold_of(labels_file(), key, len(page)), page)


def predict(ev: EvalSet, method: Method) -> np.ndarray:
    """The recommendations a full analysis makes of these calls."""
    return cluster(item_similarities(ev.calls.features, method, np.arange(len(ev.calls.frame))), method.threshold)


def score(ev: EvalSet, labels: np.ndarray, pages: set[str] | None = None) -> Scores:
    """Pairwise scores over labelled calls; with ``pages``, only pairs with at least one call from them."""
    idx = np.flatnonzero(ev.gold >= 0)
    i, j = np.triu_indices(len(idx), k=1)
    a, b = idx[i], idx[j]
    keep = np.ones(len(a), dtype=bool)
    if pages is not None:
        mine = np.array([p in pages for p in ev.page])
        keep &= mine[a] | mine[b]
    a, b = a[keep], b[keep]
    same = ev.gold[a] == ev.gold[b]
    pred = labels[a] == labels[b]
    sessions = ev.calls.frame["session_id"].to_numpy()
    cross = sessions[a] != sessions[b]
    out: list[tuple[float, float, float]] = []
    for mask in (np.ones_like(pred), cross):
        tp = int((pred & same & mask).sum())
        p = tp / max(int((pred & mask).sum()), 1)
        r = tp / max(int((same & mask).sum()), 1)
        out.append((p, r, _f1(p, r)))
    (p, r, f1), (cp, cr, cf1) = out
    return Scores(p, r, f1, cp, cr, cf1, pairs=int((same & cross).sum()))


def split() -> tuple[list[str], list[str], list[str]]:
    data = labels_file()
    seeds = sorted(p.name for p in SEEDS.glob("*.txt"))
    tune = [p for p in data["split"]["tune"] if p not in seeds]
    return seeds, tune, list(data["split"]["holdout"])


def measure(method: Method, folder: Path) -> tuple[Scores, Scores]:
    """(tune figures, holdout figures) for one method."""
    seeds, tune, holdout = split()
    use_model = method.needs_model
    tuned = prepare(seeds + tune, use_model, folder)
    full = prepare(seeds + tune + holdout, use_model, folder)
    return score(tuned, predict(tuned, method)), score(full, predict(full, method), set(holdout))


def top3_rate(ev: EvalSet, method: Method, new_pages: set[str]) -> tuple[float, int]:
    """Share of the calls of ``new_pages`` whose labelled group has calls on the other pages, for which the
    three recommendations most alike on average (the other pages' labelled groups, as people would have
    confirmed them) include that group; and how many such calls there are."""
    new = np.array([p in new_pages for p in ev.page]) & (ev.gold >= 0)
    existing = ~new & (ev.gold >= 0)
    groups = np.where(existing, ev.gold, -1)
    codes, labels = np.unique(groups[existing], return_inverse=True)
    label = np.full(len(groups), -1, dtype=np.int64)
    label[existing] = labels
    rows = np.flatnonzero(new & np.isin(ev.gold, codes))
    if not len(rows):
        return 0.0, 0
    sims = item_similarities(ev.calls.features, method, rows)
    sizes = np.bincount(labels, minlength=len(codes)).astype(np.float64)
    hits = 0
    for k, item in enumerate(rows.tolist()):
        cols, vals = sims.indices[sims.indptr[k]:sims.indptr[k + 1]], sims.data[sims.indptr[k]:sims.indptr[k + 1]]
        mine = label[cols] >= 0
        averages = np.bincount(label[cols][mine], weights=vals[mine], minlength=len(codes)) / sizes
        top = [codes[j] for j in np.argsort(-averages, kind="stable")[:3] if averages[j] > 0]
        hits += int(ev.gold[item] in top)
    return hits / len(rows), len(rows)


def agreement(path_a: Path = LABELS, path_b: Path = LABELS_B) -> dict[str, float]:
    """How far two labellers agree on the items both labelled: pairwise precision, recall and F1 of B against
    A, and Cohen's kappa over every pair of those items (same / not the same); all pairs and cross-page."""
    from sklearn.metrics import cohen_kappa_score

    a, b = labels_file(path_a), labels_file(path_b)
    items = [(e["page"], e["text"]) for g in b["groups"] for e in g["items"]] + [(e["page"], e["text"])
                                                                               for e in b["alone"]]
    key = {item: k for k, item in enumerate(items)}
    gold_a, gold_b = gold_of(a, key, len(items)), gold_of(b, key, len(items))
    both = np.flatnonzero((gold_a >= 0) & (gold_b >= 0))
    i, j = np.triu_indices(len(both), k=1)
    x, y = both[i], both[j]
    same_a, same_b = gold_a[x] == gold_a[y], gold_b[x] == gold_b[y]
    cross = np.array([items[p][0] != items[q][0] for p, q in zip(x, y, strict=True)], dtype=bool)
    out: dict[str, float] = {"items": float(len(both)), "pages": float(len({items[k][0] for k in both}))}
    for name, mask in (("", np.ones_like(cross)), ("cross ", cross)):
        tp = int((same_a & same_b & mask).sum())
        p = tp / max(int((same_b & mask).sum()), 1)
        r = tp / max(int((same_a & mask).sum()), 1)
        out.update({f"{name}P": p, f"{name}R": r, f"{name}F1": _f1(p, r),
                    f"{name}kappa": float(cohen_kappa_score(same_a[mask], same_b[mask]))})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.parse_args()
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        seeds, tune, holdout = split()
        rows = []
        for mode, name, method in (("semantic", "semantic (default)", SEMANTIC_METHOD),
                                   ("lexical", "lexical", LEXICAL_METHOD)):
            if method.needs_model and emb.get_embedder().embedder is None:
                print(f"{name}: not measured (the model is not available)")
                continue
            tuned, full = measure(method, folder)
            folds = tune_page_folds(mode)
            ev = prepare(seeds + tune + holdout, method.needs_model, folder)
            rate_tune, n_tune = top3_rate(ev, method, set(seeds + tune))
            rate_hold, n_hold = top3_rate(ev, method, set(holdout))
            rows.append({"mode": name, "half": "tune (fitted on)", **tuned.row(), "top-3": rate_tune,
                         "top-3 calls": n_tune})
            rows.append({"mode": name, "half": "tune, page folds", **folds})
            rows.append({"mode": name, "half": "holdout", **full.row(), "top-3": rate_hold, "top-3 calls": n_hold})
            print(f"{name}: {method.describe()}")
        count = lambda v: "—" if pd.isna(v) else str(int(v))  # noqa: E731
        print(pd.DataFrame(rows).to_string(index=False, float_format="%.3f", na_rep="—",
                                           formatters={"cross pairs": count, "top-3 calls": count}))
        if LABELS_B.exists():
            agree = agreement()
            print(f"\nagreement of labeller B with labeller A on B's {int(agree['pages'])} pages "
                  f"({int(agree['items'])} items): P {agree['P']:.3f} R {agree['R']:.3f} F1 {agree['F1']:.3f} "
                  f"kappa {agree['kappa']:.3f}; cross-page P {agree['cross P']:.3f} R {agree['cross R']:.3f} "
                  f"F1 {agree['cross F1']:.3f} kappa {agree['cross kappa']:.3f}")


if __name__ == "__main__":
    main()
