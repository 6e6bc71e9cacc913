"""The pair score: shipped coefficients, how they are fitted (``fitting``), and how they adapt to people's decisions.

Two items are the same recommendation with a probability given by a logistic regression over their signals
(``similarity.PAIR_FEATURES``: best-sentence MiniLM and n-gram cosines, shared theme, same or other
addressee, same action verb, shared content words, the same verb in both extracted asks, item kinds, same
session, and the items' averaged vectors compared with a weight per dimension), as record-linkage tools do.

- **Shipped.** ``model/pair_weights.json`` holds the coefficients of each mode and the weights of the item
  vectors' dimensions, fitted by ``python -m tracker.analysis.fitting`` on the labelled pairs of the tune half
  only (the seeds and the tune pages of tests/data/recurrence_labels.json). The regularization is the one
  whose fit predicts the pairs of pages it did not see best (page folds of the tune half). Calls are one
  recommendation when their average probability is at least ``THRESHOLD``, 0.5: on average more likely the
  same than not. The threshold is not fitted: chosen on the small tune half it followed that half's noise.
- **Learned.** Every decision people made on the machine's suggestions is a labelled pair: a call a person
  put in a recommendation is the same as its members, a call a person said is not the same (a rejection) is
  not. ``adapt`` refits the coefficients (the weights of the dimensions stay) on those pairs by maximum a
  posteriori: the logistic loss of the decisions plus a Gaussian prior centred on the shipped coefficients
  (``PRIOR``), minimised with L-BFGS from the shipped values, so the same decisions always give the same
  coefficients. ``tracker analyze --reset-learning`` makes the analysis ignore every decision made before it.
"""

from __future__ import annotations

import json
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy.optimize import minimize
from sklearn.linear_model import LogisticRegression

from .similarity import PAIR_FEATURES, Features, Method, pair_blocks

WEIGHTS = Path(__file__).parent / "model" / "pair_weights.json"
# pull towards the shipped coefficients (one decision pair weighs 1), chosen by bench/learning.py --within-tune
PRIOR = 10.0
THRESHOLD = 0.5  # average probability at which calls are one recommendation


def feature_names(use_model: bool) -> list[str]:
    return [f for f in PAIR_FEATURES if use_model or f != "semantic"]


@lru_cache(maxsize=1)
def _shipped_file() -> dict:
    return json.loads(WEIGHTS.read_text(encoding="utf-8"))


def tune_page_folds(mode: str) -> dict[str, float]:
    """The tune half's figures by page folds (fits that did not see the pages scored), as the fitting script
    measured them for the shipped coefficients of ``mode``."""
    return dict(_shipped_file()[mode]["tune_page_folds"])


@lru_cache(maxsize=1)
def shipped() -> dict[str, Method]:
    """The shipped methods, by mode ('semantic', 'lexical'); a signal the file has no coefficient for counts 0
    (so that a new signal can be fitted)."""
    data = _shipped_file()
    out = {}
    for mode, name, use_model in (("semantic", "MiniLM + char n-grams + pair signals", True),
                                  ("lexical", "char n-grams + pair signals", False)):
        entry = data[mode]
        coef = tuple((f, float(entry["coef"].get(f, 0.0))) for f in feature_names(use_model))
        out[mode] = Method(name, use_model, coef, float(entry["intercept"]), float(entry["threshold"]),
                           dimensions=tuple(float(w) for w in entry.get("dimensions", ())))
    return out


def pair_matrix(features: Features, pairs: np.ndarray, use_model: bool, metric: np.ndarray | None = None) -> np.ndarray:
    """The signals of the pairs ``pairs`` (k x 2 item indices), one row per pair, columns as ``feature_names``;
    the "metric" column is 0 without ``metric`` (a method's ``Method.metric()``)."""
    names = feature_names(use_model)
    out = np.zeros((len(pairs), len(names)), dtype=np.float64)
    if not len(pairs):
        return out
    rows = np.unique(pairs[:, 0])
    cols = np.unique(pairs[:, 1])
    row_pos = {int(r): k for k, r in enumerate(rows)}
    col_pos = np.searchsorted(cols, pairs[:, 1])
    where = np.array([row_pos[int(r)] for r in pairs[:, 0]], dtype=np.int64)
    for start, chunk, signals in pair_blocks(features, rows, cols, use_model, metric):
        mine = (where >= start) & (where < start + len(chunk))
        for c, name in enumerate(names):
            if name in signals:
                out[mine, c] = signals[name][where[mine] - start, col_pos[mine]]
    return out


def fit(x: np.ndarray, y: np.ndarray, c: float) -> tuple[float, np.ndarray]:
    """Intercept and coefficients of a logistic regression with inverse regularization ``c`` (lbfgs:
    deterministic)."""
    model = LogisticRegression(C=c, max_iter=20_000)
    model.fit(x, y)
    return float(model.intercept_[0]), model.coef_[0].astype(np.float64)


def adapt(method: Method, x: np.ndarray, y: np.ndarray) -> Method:
    """The method refitted on decision pairs (signals ``x``, 1 same / 0 not) with the shipped coefficients as
    the prior; the method unchanged when there are none."""
    if not len(y):
        return method
    names = [f for f, _ in method.weights]
    prior = np.array([method.intercept] + [w for _, w in method.weights], dtype=np.float64)
    design = np.hstack([np.ones((len(x), 1)), x])
    sign = np.where(np.asarray(y) > 0, 1.0, -1.0)

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        z = design @ theta
        margin = sign * z
        value = float(np.logaddexp(0.0, -margin).sum() + PRIOR / 2 * np.sum((theta - prior) ** 2))
        grad = design.T @ (-sign / (1.0 + np.exp(margin))) + PRIOR * (theta - prior)
        return value, grad

    theta = minimize(loss, prior, jac=True, method="L-BFGS-B").x
    return replace(method, weights=tuple(zip(names, theta[1:].tolist(), strict=True)), intercept=float(theta[0]),
                   learned=len(y))
