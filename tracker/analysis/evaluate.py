"""Measure grouping quality on the labelled seed pairs: ``python -m tracker.analysis.evaluate``.

The labelled set (tests/data/recurrence_eval.json) lists clusters of seed items that make the same
recommendation; items in different clusters do not; pairs marked ambiguous are not scored. Scores are
pairwise: precision = share of item pairs put in one group that the labels call the same; recall =
share of same-labelled pairs put in one group. "cross" counts only pairs from different sessions, the
pairs that make a group recurring. Prints a markdown table for docs/recurrence.md.
"""

from __future__ import annotations

import json
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..loader import load_paths
from ..store import PROJECT_ROOT, Store
from . import embeddings as emb
from .core import _theme_fallback
from .methods import CANDIDATES, LEXICAL_METHOD, SEMANTIC_METHOD
from .similarity import Method, build_features, cluster, theme_masks, unit_texts
from .themes import assign_themes, load_themes

EVAL_FILE = PROJECT_ROOT / "tests" / "data" / "recurrence_eval.json"
SEEDS = PROJECT_ROOT / "seeds"
THRESHOLDS = np.round(np.arange(0.10, 0.901, 0.025), 3)


@dataclass
class Scores:
    precision: float
    recall: float
    f1: float
    cross_precision: float
    cross_recall: float
    cross_f1: float


@dataclass
class EvalData:
    items: pd.DataFrame  # item_id, session_id, text
    pairs_i: np.ndarray
    pairs_j: np.ndarray
    same: np.ndarray  # gold label per scored pair
    cross: np.ndarray  # pair from two different sessions
    themes: list[list[str]]
    theme_names: list[str]
    vectors: dict[bool, np.ndarray | None]  # sentences? -> unit vectors


def load_labels(path: Path = EVAL_FILE) -> tuple[dict[str, int], set[frozenset[str]]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    label: dict[str, int] = {}
    for k, cluster_ in enumerate(data["clusters"]):
        for item in cluster_["items"]:
            label[item["id"]] = k
    for k, item in enumerate(data["singletons"]):
        label[item["id"]] = 1000 + k
    ambiguous = {frozenset((a["a"], a["b"])) for a in data["ambiguous"]}
    return label, ambiguous


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def prepare(store: Store, use_model: bool = True) -> EvalData:
    """The labelled seed items as the analysis sees them: sentences, vectors, machine themes."""
    items = store.query("""SELECT item_id, session_id, kind, text FROM items WHERE in_source ORDER BY item_id""")
    label, ambiguous = load_labels()
    missing = set(label) - set(items["item_id"])
    if missing:
        raise ValueError(f"evaluation items not in the store (seeds changed?): {sorted(missing)[:3]}")
    items = items[items["item_id"].isin(label)].reset_index(drop=True)
    n = len(items)
    i, j = np.triu_indices(n, k=1)
    ids = items["item_id"].to_numpy()
    keep = np.array([frozenset((ids[a], ids[b])) not in ambiguous for a, b in zip(i, j, strict=True)])
    i, j = i[keep], j[keep]
    gold = np.array([label[x] for x in ids])
    sessions = items["session_id"].to_numpy()
    texts = items["text"].tolist()
    taxonomy = load_themes()
    state = emb.get_embedder() if use_model else emb.ModelState(None, "not used")
    vectors: dict[bool, np.ndarray | None] = {True: None, False: None}
    theme_vectors = None
    if state.embedder is not None:
        for sentences in (True, False):
            vectors[sentences] = state.embedder.encode(unit_texts(texts, sentences)[0])
        theme_vectors = state.embedder.encode([t.profile for t in taxonomy])
    _, starts = unit_texts(texts, True)
    fallback = _theme_fallback(texts, vectors[True], starts, theme_vectors, taxonomy)
    themes = assign_themes(texts, taxonomy, fallback)
    return EvalData(items, i, j, gold[i] == gold[j], sessions[i] != sessions[j], themes,
                    [t.name for t in taxonomy], vectors)


def score(data: EvalData, method: Method) -> Scores:
    masks = theme_masks(data.themes, data.theme_names)
    features = build_features(data.items["text"].tolist(), data.vectors[method.sentences], masks, method.sentences)
    labels, _ = cluster(features, method)
    pred = labels[data.pairs_i] == labels[data.pairs_j]
    out = []
    for mask in (np.ones_like(pred), data.cross):
        tp = int((pred & data.same & mask).sum())
        p = tp / max(int((pred & mask).sum()), 1)
        r = tp / max(int((data.same & mask).sum()), 1)
        out.extend([p, r, _f1(p, r)])
    return Scores(*out)


def sweep(data: EvalData, method: Method) -> tuple[Method, Scores, tuple[float, float]]:
    """Best threshold by F1 (then cross-session F1); of equally good thresholds the middle one, so the
    choice does not sit on a cliff. Also the range of thresholds within 0.05 F1 of the best."""
    results = [(t, score(data, method.with_threshold(t))) for t in THRESHOLDS]
    best = max((s.f1, s.cross_f1) for _, s in results)
    ties = [t for t, s in results if (s.f1, s.cross_f1) == best]
    chosen = ties[len(ties) // 2]
    near = [t for t, s in results if s.f1 >= best[0] - 0.05]
    return method.with_threshold(chosen), dict(results)[chosen], (min(near), max(near))


def table(data: EvalData) -> pd.DataFrame:
    rows = []
    for base in CANDIDATES:
        if base.needs_model and data.vectors[base.sentences] is None:
            continue
        for link in ("single", "average"):
            method, s, (lo, hi) = sweep(data, Method(**{**base.__dict__, "linkage": link}))
            rows.append({"method": base.name, "linkage": link, "threshold": method.threshold,
                         "P": s.precision, "R": s.recall, "F1": s.f1, "cross P": s.cross_precision,
                         "cross R": s.cross_recall, "cross F1": s.cross_f1, "F1 within 0.05 for": f"{lo:.3g}-{hi:.3g}"})
    return pd.DataFrame(rows).sort_values(["F1", "cross F1"], ascending=False).reset_index(drop=True)


def seed_store(folder: Path) -> Store:
    store = Store(folder / "eval.duckdb")
    report = load_paths([SEEDS], store)
    if not report.ok:
        raise RuntimeError(report.summary())
    return store


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = seed_store(Path(tmp))
        data = prepare(store)
        frame = table(data)
        state = emb.get_embedder()
        print(f"{len(data.items)} items, {len(data.same)} labelled pairs ({int(data.same.sum())} same, "
              f"{int(data.cross.sum())} cross-session of which {int((data.same & data.cross).sum())} same); "
              f"model: {'yes' if state.embedder else 'no (' + state.reason + ')'}\n")
        print(frame.to_markdown(index=False, floatfmt=".2f") if _has_tabulate() else frame.to_string(index=False))
        print()
        for name, method in (("semantic (chosen)", SEMANTIC_METHOD), ("lexical fallback", LEXICAL_METHOD)):
            if method.needs_model and state.embedder is None:
                continue
            s = score(data, method)
            print(f"{name}: {method.describe()}: P={s.precision:.3f} R={s.recall:.3f} F1={s.f1:.3f} "
                  f"cross P={s.cross_precision:.3f} R={s.cross_recall:.3f}")


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    sys.exit(main())
