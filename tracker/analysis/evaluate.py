"""Measure grouping quality on labelled pages: ``python -m tracker.analysis.evaluate [--sweep]``.

The labels (tests/data/recurrence_labels.json) put every takeaway and call to action of the seeds and of
the pages in tests/data/eval_pages/ into clusters of the same recommendation; pairs marked ambiguous are not
scored. The pages are split: the method is tuned on the seeds plus the "tune" half (only those pages loaded)
and reported on the "holdout" half (all pages loaded, as a user would have them, scoring the pairs that
involve a holdout call). Scores are pairwise; "cross" counts only pairs from different sessions, the pairs
that make a recommendation recurring.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..store.db import PROJECT_ROOT, Store
from ..store.documents import load_paths
from . import embeddings as emb
from .core import Calls, Sentences, Snapshot, _calls, _read, _sentences
from .grouping import cluster
from .methods import LEXICAL_METHOD, SEMANTIC_METHOD
from .similarity import Method, item_similarities

LABELS = PROJECT_ROOT / "tests" / "data" / "recurrence_labels.json"
PAGES = PROJECT_ROOT / "tests" / "data" / "eval_pages"
SEEDS = PROJECT_ROOT / "seeds"
MIN_CROSS_PRECISION = 0.85


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
    gold: np.ndarray  # label per call (-1: unlabelled)
    page: list[str]  # source page per call
    ambiguous: set[frozenset[int]]


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def labels_file() -> dict:
    return json.loads(LABELS.read_text(encoding="utf-8"))


def page_path(name: str) -> Path:
    return SEEDS / name if (SEEDS / name).exists() else PAGES / name


def prepare(pages: list[str], use_model: bool, folder: Path) -> EvalSet:
    """Load these pages into a fresh database and return its calls as the analysis sees them."""
    data = labels_file()
    store = Store(folder / f"eval-{len(pages)}-{use_model}.duckdb")
    report = load_paths([page_path(p) for p in pages], store)
    if not report.ok:
        raise RuntimeError(report.summary())
    state = emb.get_embedder() if use_model else emb.ModelState(None, "not used")

    def read(con) -> tuple[Snapshot, Sentences, pd.DataFrame]:
        snap = _read(con)
        sources = con.execute("SELECT item_id, source FROM items").df()
        return snap, _sentences(con, snap.items, state.embedder), sources

    snap, sentences, sources = store.read(read)
    calls = _calls(snap, sentences, keep_places=False)
    source = dict(zip(sources["item_id"], sources["source"], strict=True))
    page = [Path(source[i]).name for i in calls.frame["item_id"]]
    key = {(p, t): k for k, (p, t) in enumerate(zip(page, calls.frame["text"], strict=True))}
    gold = np.full(len(page), -1, dtype=np.int64)
    for k, labelled in enumerate(data["clusters"]):
        for item in labelled["items"]:
            if (item["page"], item["text"]) in key:
                gold[key[item["page"], item["text"]]] = k
    for k, item in enumerate(data["singletons"]):
        if (item["page"], item["text"]) in key:
            gold[key[item["page"], item["text"]]] = 100_000 + k
    ambiguous = {frozenset((key[a["a"]["page"], a["a"]["text"]], key[a["b"]["page"], a["b"]["text"]]))
                 for a in data.get("ambiguous", []) if (a["a"]["page"], a["a"]["text"]) in key
                 and (a["b"]["page"], a["b"]["text"]) in key}
    return EvalSet(calls, gold, page, ambiguous)


def predict(ev: EvalSet, method: Method) -> np.ndarray:
    """The recommendations a full analysis makes of these calls."""
    return cluster(item_similarities(ev.calls.features, method, np.arange(len(ev.calls.frame))), method.threshold)


def score(ev: EvalSet, labels: np.ndarray, pages: set[str] | None = None) -> Scores:
    """Pairwise scores over labelled calls; with ``pages``, only pairs with at least one call from them."""
    idx = np.flatnonzero(ev.gold >= 0)
    i, j = np.triu_indices(len(idx), k=1)
    a, b = idx[i], idx[j]
    keep = np.array([frozenset((x, y)) not in ev.ambiguous for x, y in zip(a, b, strict=True)], dtype=bool)
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


def sweep(base: Method, folder: Path, gates: list[float], thresholds: list[float]) -> pd.DataFrame:
    """Tune-half figures for each gate x threshold (the holdout half is not looked at)."""
    seeds, tune, _ = split()
    tuned = prepare(seeds + tune, base.needs_model, folder)
    rows = []
    for gate in gates:
        for threshold in thresholds:
            method = base.with_(gate=gate, threshold=threshold)
            rows.append({"gate": gate, "threshold": threshold, **score(tuned, predict(tuned, method)).row()})
    frame = pd.DataFrame(rows).sort_values(["F1", "cross F1"], ascending=False).reset_index(drop=True)
    # the selection rule (methods.py): best F1 among settings with cross-session precision >= 0.85
    frame["chosen"] = False
    eligible = frame.index[frame["cross P"] >= MIN_CROSS_PRECISION]
    if len(eligible):
        frame.loc[eligible[0], "chosen"] = True
    return frame


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sweep", action="store_true", help="grid of gates and thresholds on the tune half")
    args = parser.parse_args()
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        methods = [("semantic (default)", SEMANTIC_METHOD), ("lexical fallback", LEXICAL_METHOD)]
        if args.sweep:
            grid = np.round(np.arange(0.2, 0.751, 0.05), 2).tolist()
            for name, method in methods:
                if method.needs_model and emb.get_embedder().embedder is None:
                    continue
                gates = [0.3, 0.4, 0.5, 0.6] if method.needs_model else [0.1, 0.2, 0.3]
                table = sweep(method, folder, gates, grid)
                print(f"\n{name}: tune half, best 10 of the grid, and the one the rule chooses")
                print(pd.concat([table.head(10), table[table["chosen"]]]).to_string(index=False, float_format="%.3f"))
        rows = []
        for name, method in methods:
            if method.needs_model and emb.get_embedder().embedder is None:
                continue
            tune, holdout = measure(method, folder)
            rows.append({"method": name, "half": "tune (seeds + tune pages)", **tune.row()})
            rows.append({"method": name, "half": "holdout", **holdout.row()})
            print(f"{name}: {method.describe()}")
        print(pd.DataFrame(rows).to_string(index=False, float_format="%.3f"))


if __name__ == "__main__":
    main()
