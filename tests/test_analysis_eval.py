"""Grouping quality on the labelled pages must not drop below what docs/recurrence.md records.

The floors are the measured figures rounded down a little; the "holdout" half was not used to choose the
method or its parameters (tracker/analysis/evaluate.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.helpers import missing
from tracker.analysis import embeddings
from tracker.analysis.evaluate import measure
from tracker.analysis.methods import LEXICAL_METHOD, SEMANTIC_METHOD

pytestmark = pytest.mark.slow  # `pytest -m "not slow"` leaves these out of the everyday run

ROOT = Path(__file__).resolve().parent.parent
# (tune half, holdout half): pair F1 and cross-session pair precision
SEMANTIC_FLOOR = {"tune": {"f1": 0.46, "cross_precision": 0.84}, "holdout": {"f1": 0.35, "cross_precision": 0.66}}
LEXICAL_FLOOR = {"tune": {"f1": 0.35, "cross_precision": 0.85}, "holdout": {"f1": 0.21, "cross_precision": 0.84}}


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
