"""Fitting the pair score's shipped coefficients (``model/pair_weights.json``) on the tune half of the labelled
pages: ``python -m tracker.analysis.fitting``. The threshold of each mode is the one whose average-linkage
grouping of the tune pages has the best cross-session pair F1 among those with cross-session precision >=
``pairmodel.MIN_CROSS_PRECISION``. Kept apart from ``pairmodel`` because it replays the evaluation, which
runs the analysis that uses the pair score."""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

import numpy as np

from .evaluate import predict, prepare, score, split
from .pairmodel import MIN_CROSS_PRECISION, WEIGHTS, feature_names, fit, pair_matrix
from .similarity import Method


def _labelled_pairs(gold: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    idx = np.flatnonzero(gold >= 0)
    i, j = np.triu_indices(len(idx), k=1)
    pairs = np.stack([idx[i], idx[j]], axis=1)
    return pairs, (gold[pairs[:, 0]] == gold[pairs[:, 1]]).astype(np.int64)


def fit_mode(use_model: bool, folder: Path) -> dict:
    """Fit one mode on the tune half and choose its threshold there; returns the JSON entry."""
    seeds, tune, _ = split()
    ev = prepare(seeds + tune, use_model, folder)
    pairs, y = _labelled_pairs(ev.gold)
    x = pair_matrix(ev.calls.features, pairs, use_model)
    intercept, coef = fit(x, y)
    names = feature_names(use_model)
    base = Method("fit", use_model, tuple(zip(names, coef.tolist(), strict=True)), intercept, 0.5)
    rows = []
    for threshold in np.round(np.arange(0.10, 0.901, 0.025), 3).tolist():
        s = score(ev, predict(ev, base.with_(threshold=threshold)))
        rows.append((threshold, s.cross_precision, s.cross_f1, s.f1))
    eligible = [r for r in rows if r[1] >= MIN_CROSS_PRECISION] or rows
    chosen = max(eligible, key=lambda r: (r[2], r[3], -r[0]))
    print(f"{'semantic' if use_model else 'lexical'}: {len(y)} tune pairs ({int(y.sum())} same); threshold "
          f"{chosen[0]:.3f}: tune cross P {chosen[1]:.3f}, cross F1 {chosen[2]:.3f}, F1 {chosen[3]:.3f}")
    return {"intercept": round(intercept, 6), "coef": {n: round(float(c), 6) for n, c in zip(names, coef, strict=True)},
            "threshold": chosen[0], "tune_pairs": len(y), "tune_same_pairs": int(y.sum())}


def main() -> None:
    parser = argparse.ArgumentParser(description="Fit the shipped pair coefficients on the tune half.")
    parser.add_argument("--out", type=Path, default=WEIGHTS)
    args = parser.parse_args()
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
    with tempfile.TemporaryDirectory() as tmp:
        data = {"about": "Logistic regression of 'same recommendation' over pair signals, fitted on the tune half of "
                         "tests/data/recurrence_labels.json by python -m tracker.analysis.fitting; "
                         f"threshold: best tune cross-session F1 with cross-session precision >= "
                         f"{MIN_CROSS_PRECISION}.",
                "semantic": fit_mode(True, Path(tmp)), "lexical": fit_mode(False, Path(tmp))}
    args.out.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(f"written {args.out}")


if __name__ == "__main__":
    main()
