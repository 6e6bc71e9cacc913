"""The two configurations the analysis runs with: the shipped pair coefficients of each mode
(``pair_weights.json``, fitted on the tune half by ``python -m tracker.analysis.fitting``). Reported on the
holdout half too (docs/recurrence.md); tests/test_analysis_eval.py fails if a change scores below what was
measured.
"""

from __future__ import annotations

from .pairmodel import shipped

SEMANTIC_METHOD = shipped()["semantic"]
LEXICAL_METHOD = shipped()["lexical"]
