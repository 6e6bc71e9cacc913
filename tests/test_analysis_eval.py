"""Grouping quality on the labelled pages must not drop below what docs/recurrence.md records.

The floors are the measured figures rounded down a little; the "holdout" half was not used to choose the
method or its parameters (tracker/analysis/evaluate.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from tests.helpers import missing
from tracker.analysis import embeddings
from tracker.analysis.evaluate import agreement, measure, predict, prepare, score, split, top3_rate
from tracker.analysis.methods import LEXICAL_METHOD, SEMANTIC_METHOD

pytestmark = pytest.mark.slow  # `pytest -m "not slow"` leaves these out of the everyday run

ROOT = Path(__file__).resolve().parent.parent
# (tune half as fitted, holdout half): pair F1 and cross-session pair precision and F1. The tune figures are
# those of the fit on the tune pairs themselves (docs/recurrence.md gives them by page folds too). The holdout
# grew in 0.7.0 by eight pages (t31-t38) that score lower for every scoring (0.6.0's: F1 0.27, cross precision
# 0.80; lexical 0.20, 0.76), so these floors are not comparable with those of 0.6.0 (docs/recurrence.md).
# 0.8.0 measures the semantic vectors from the domain's centre: every semantic holdout floor rose; the tune half as
# fitted fell (F1 0.784 -> 0.764, cross F1 0.776 -> 0.762), and so did its page folds (docs/recurrence.md)
SEMANTIC_FLOOR = {"tune": {"f1": 0.76, "cross_precision": 0.99, "cross_f1": 0.76},
                  "holdout": {"f1": 0.51, "cross_precision": 0.87, "cross_f1": 0.52}}
LEXICAL_FLOOR = {"tune": {"f1": 0.53, "cross_precision": 0.95, "cross_f1": 0.50},
                 "holdout": {"f1": 0.25, "cross_precision": 0.75, "cross_f1": 0.24}}
TOP3_FLOOR = {"semantic": 0.90, "lexical": 0.84}  # holdout calls whose recommendation is among the three offered
# The 27 pages 0.6.0 was measured on (no t* page loaded), holdout e07-e12 and n18-n22: floors at least those
# 0.6.0 kept (semantic F1 0.32, cross precision 0.84, cross F1 0.31, top-3 0.86; lexical 0.23, 0.82, 0.22,
# 0.81), at what is measured there. One floor is lower than 0.7.0's: semantic cross precision, 0.897 in 0.7.0
# and 0.886 in 0.8.0 (two pairs of 365, within the noise of that count) while cross recall rose 0.405 -> 0.468;
# recorded as a finding in docs/recurrence.md, not hidden
PAGES_OF_060_FLOOR = {"semantic": {"f1": 0.59, "cross_precision": 0.88, "cross_f1": 0.61, "top3": 0.95},
                      "lexical": {"f1": 0.31, "cross_precision": 0.83, "cross_f1": 0.30, "top3": 0.87}}


def test_labels_match_what_the_loader_extracts() -> None:
    sys.path.insert(0, str(ROOT / "tests" / "data"))
    try:
        import check_labels
    finally:
        sys.path.pop(0)
    assert check_labels.main() == 0


@pytest.mark.parametrize("mode", ["semantic", "lexical"])
def test_quality_floors(mode: str, tmp_path: Path) -> None:
    if mode == "semantic":
        embeddings.reset()
        if embeddings.get_embedder().embedder is None:
            missing("embedding model not installed")
    method, floors = (SEMANTIC_METHOD, SEMANTIC_FLOOR) if mode == "semantic" else (LEXICAL_METHOD, LEXICAL_FLOOR)
    tune, holdout = measure(method, tmp_path)
    for half, scores in (("tune", tune), ("holdout", holdout)):
        for name, floor in floors[half].items():
            assert getattr(scores, name) >= floor, (half, name, scores)
    seeds, tuned, held = split()
    ev = prepare(seeds + tuned + held, method.needs_model, tmp_path)
    rate, calls = top3_rate(ev, method, set(held))
    assert calls >= 60 and rate >= TOP3_FLOOR[mode]


@pytest.mark.parametrize("mode", ["semantic", "lexical"])
def test_the_pages_of_0_6_0_score_no_lower_than_0_6_0_kept_them(mode: str, tmp_path: Path) -> None:
    """Pages added to the labelled set change what the holdout figures count; on the pages of before, the
    floors only ever rise."""
    if mode == "semantic":
        embeddings.reset()
        if embeddings.get_embedder().embedder is None:
            missing("embedding model not installed")
    method = SEMANTIC_METHOD if mode == "semantic" else LEXICAL_METHOD
    seeds, tune, holdout = split()
    before = [p for p in tune + holdout if not p.startswith("t")]
    held = {p for p in holdout if not p.startswith("t")}
    assert len(seeds + before) == 27 and len(held) == 11
    ev = prepare(seeds + before, method.needs_model, tmp_path)
    scores = score(ev, predict(ev, method), held)
    rate, calls = top3_rate(ev, method, held)
    floors = PAGES_OF_060_FLOOR[mode]
    for name in ("f1", "cross_precision", "cross_f1"):
        assert getattr(scores, name) >= floors[name], (name, scores)
    assert calls >= 60 and rate >= floors["top3"], (rate, calls)


def test_two_labellers_agree_as_recorded() -> None:
    """The ceiling the method is measured against: labeller B against labeller A on B's pages."""
    agree = agreement()
    assert agree["items"] >= 60 and agree["pages"] >= 8
    assert agree["F1"] >= 0.85 and agree["kappa"] >= 0.85 and agree["cross F1"] >= 0.88


def test_full_analysis_distances_give_the_same_groups_as_the_similarity_matrix(tmp_path: Path) -> None:
    """A full analysis clusters condensed distances written straight from the similarity blocks; an import
    clusters the sparse similarities. Same criterion, so the same groups, on 43 pages of real-looking calls."""
    from tracker.analysis.evaluate import PAGES, SEEDS, prepare
    from tracker.analysis.grouping import cluster, cluster_all
    from tracker.analysis.similarity import condensed_distances, item_similarities

    pages = [p.name for p in sorted(SEEDS.glob("*.txt"))] + [p.name for p in sorted(PAGES.glob("*.txt"))]
    calls = prepare(pages, use_model=False, folder=tmp_path).calls
    n = calls.features.n
    sparse_labels = cluster(item_similarities(calls.features, LEXICAL_METHOD, np.arange(n)), LEXICAL_METHOD.threshold)
    full_labels = cluster_all(condensed_distances(calls.features, LEXICAL_METHOD), n, LEXICAL_METHOD.threshold)
    assert n > 270 and sparse_labels.max() > 100
    assert (sparse_labels == full_labels).all()
