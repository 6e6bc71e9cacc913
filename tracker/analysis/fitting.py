"""Fitting the pair score's shipped coefficients (``model/pair_weights.json``) on the tune half of the labelled
pages: ``python -m tracker.analysis.fitting``.

The design has the pair signals and, for the "metric" signal, the product of the two items' vectors dimension
by dimension (a logistic regression over those products is a diagonal metric). The regularization is chosen
among ``C_GRID`` by how well a fit ranks the pairs of pages it did not see: the tune pages are split in
``FOLDS`` folds, each fold's pairs scored by a fit on the pairs with no item on its pages (average
precision). The same out-of-fold probabilities, grouped at ``pairmodel.THRESHOLD``, give the tune figures
that no fit saw, kept in the JSON for the evaluation's report. Kept apart from ``pairmodel`` because it
replays the evaluation, which runs the analysis that uses the pair score."""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.metrics import average_precision_score

from .evaluate import EvalSet, prepare, score, split
from .grouping import cluster
from .pairmodel import THRESHOLD, WEIGHTS, feature_names, fit, pair_matrix
from .similarity import Method

C_GRID = (1.0, 3.0, 10.0, 30.0, 100.0, 300.0)
FOLDS = 5
SCALE = 10.0  # the vector products are small (unit vectors, 384+ dimensions): scaled to the other signals' range


def labelled_pairs(gold: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    idx = np.flatnonzero(gold >= 0)
    i, j = np.triu_indices(len(idx), k=1)
    pairs = np.stack([idx[i], idx[j]], axis=1)
    return pairs, (gold[pairs[:, 0]] == gold[pairs[:, 1]]).astype(np.int64)


def design(ev: EvalSet, pairs: np.ndarray, use_model: bool) -> np.ndarray:
    """One row per pair: the signals but "metric", then the item vectors' products dimension by dimension."""
    names = feature_names(use_model)
    keep = [k for k, name in enumerate(names) if name != "metric"]
    vectors = ev.calls.features.item_vectors(use_model)
    products = vectors[pairs[:, 0]] * vectors[pairs[:, 1]] * SCALE
    return np.hstack([pair_matrix(ev.calls.features, pairs, use_model)[:, keep], products])


def out_of_fold(ev: EvalSet, pairs: np.ndarray, x: np.ndarray, y: np.ndarray, c: float) -> np.ndarray:
    """The log-odds of each pair from a fit that saw no pair with an item on that pair's pages' fold."""
    pages = sorted(set(ev.page))
    page = np.array(ev.page)
    out = np.zeros(len(y), dtype=np.float64)
    for k in range(FOLDS):
        held = np.isin(page, pages[k::FOLDS])
        touched = held[pairs[:, 0]] | held[pairs[:, 1]]
        intercept, coef = fit(x[~touched], y[~touched], c)
        out[touched] = intercept + x[touched] @ coef
    return out


def group(ev: EvalSet, pairs: np.ndarray, logits: np.ndarray) -> np.ndarray:
    """The recommendations average linkage at ``THRESHOLD`` makes of pair probabilities given as log-odds."""
    p = 1.0 / (1.0 + np.exp(-logits))
    p[p < Method.floor] = 0.0  # as the analysis: pairs below the floor count as 0 in an average
    n = len(ev.calls.frame)
    sims = sparse.coo_matrix((np.concatenate([p, p]), (np.concatenate([pairs[:, 0], pairs[:, 1]]),
                                                       np.concatenate([pairs[:, 1], pairs[:, 0]]))), shape=(n, n))
    return cluster(sims.tocsr(), THRESHOLD)


def fit_mode(use_model: bool, folder: Path) -> dict:
    """Fit one mode on the tune half; returns the JSON entry."""
    seeds, tune, _ = split()
    ev = prepare(seeds + tune, use_model, folder)
    pairs, y = labelled_pairs(ev.gold)
    x = design(ev, pairs, use_model)
    ranking = {c: float(average_precision_score(y, out_of_fold(ev, pairs, x, y, c))) for c in C_GRID}
    c = max(C_GRID, key=lambda value: (ranking[value], -value))
    folds = score(ev, group(ev, pairs, out_of_fold(ev, pairs, x, y, c)))
    intercept, coef = fit(x, y, c)
    names = [n for n in feature_names(use_model) if n != "metric"]
    mode = "semantic" if use_model else "lexical"
    print(f"{mode}: {len(y)} tune pairs ({int(y.sum())} same); out-of-fold average precision by C: "
          + ", ".join(f"{k:g}: {v:.3f}" for k, v in ranking.items())
          + f"; C {c:g}: tune by page folds cross P {folds.cross_precision:.3f}, cross F1 {folds.cross_f1:.3f}, "
            f"F1 {folds.f1:.3f}")
    return {"intercept": round(intercept, 6),
            "coef": {**{n: round(float(w), 6) for n, w in zip(names, coef[:len(names)], strict=True)}, "metric": 1.0},
            "threshold": THRESHOLD, "C": c, "tune_pairs": len(y), "tune_same_pairs": int(y.sum()),
            "tune_page_folds": {k: round(float(v), 4) for k, v in folds.row().items()},
            "dimensions": [round(float(w) * SCALE, 5) for w in coef[len(names):]]}


def main() -> None:
    parser = argparse.ArgumentParser(description="Fit the shipped pair coefficients on the tune half.")
    parser.add_argument("--out", type=Path, default=WEIGHTS)
    args = parser.parse_args()
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
    with tempfile.TemporaryDirectory() as tmp:
        data = {"about": "Logistic regression of 'same recommendation' over pair signals and the item vectors' "
                         "products dimension by dimension (the 'metric' signal, weighted by 'dimensions'), fitted "
                         "on the tune half of tests/data/recurrence_labels.json by python -m "
                         "tracker.analysis.fitting; C: the regularization whose out-of-fold fits (page folds of "
                         f"the tune half) rank pairs best; threshold: {THRESHOLD}, not fitted.",
                "semantic": fit_mode(True, Path(tmp)), "lexical": fit_mode(False, Path(tmp))}
    args.out.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(f"written {args.out}")


if __name__ == "__main__":
    main()
